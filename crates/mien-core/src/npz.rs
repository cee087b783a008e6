//! Interop with `scipy.sparse.save_npz` CSR files, the weight format of the
//! LSRF reference implementation.
//!
//! An `.npz` is a zip (deflate-compressed by `save_npz`, stored by
//! `compressed=False`) of `.npy` arrays: `data` (f64), `indices` and `indptr`
//! (i32, or i64 for large matrices), `shape` (two integers) and `format`
//! (`b"csr"`). Only what those files use of the `.npy` format is read: version
//! 1–3 headers, little-endian 1-D arrays. Sizes from headers are checked
//! against the zip entry before anything is allocated. Reading and writing
//! keep every value and index, so import → export is exact.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::image::write_atomic;
use crate::model_file::AnyModel;
use crate::models::Sparse;

/// A CSR matrix as stored by `scipy.sparse`.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows + 1` row starts.
    pub indptr: Vec<usize>,
    /// Column of each stored entry.
    pub indices: Vec<usize>,
    /// Value of each stored entry.
    pub data: Vec<f64>,
}

impl Csr {
    /// Checks the structure: row pointers, lengths and column range.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.indptr.len() != self.rows + 1 {
            return Err(format!("indptr has {} entries for {} rows", self.indptr.len(), self.rows));
        }
        if self.indptr.first() != Some(&0) || self.indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err("indptr does not start at 0 and increase".into());
        }
        let nnz = self.indptr[self.rows];
        if nnz != self.indices.len() || nnz != self.data.len() {
            return Err(format!(
                "indptr ends at {nnz} but there are {} indices and {} values",
                self.indices.len(),
                self.data.len()
            ));
        }
        if let Some(&j) = self.indices.iter().find(|&&j| j >= self.cols) {
            return Err(format!("column index {j} is outside the {} columns", self.cols));
        }
        Ok(())
    }

    /// The entries of one row: `(column, value)`.
    pub fn row(&self, r: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        self.indices[a..b].iter().copied().zip(self.data[a..b].iter().copied())
    }
}

/// Upper bound on one array's uncompressed size (2 GiB), checked before reading.
const MAX_ENTRY_BYTES: u64 = 2 << 30;

/// Room for a `.npy` header (numpy pads it to 64 bytes; version 2 allows more).
const NPY_HEADER_BYTES: u64 = 1 << 16;

/// Reads a `scipy.sparse.save_npz` CSR file.
pub fn read_csr(path: &Path) -> Result<Csr> {
    let bytes = crate::input::read_capped(path, crate::input::MAX_MODEL_BYTES, ".npz file")?;
    csr_from_bytes(&bytes, path)
}

/// Parses the bytes of an `.npz` CSR file; `path` names it in errors.
pub fn csr_from_bytes(bytes: &[u8], path: &Path) -> Result<Csr> {
    let bad = |reason: String| Error::Npz { path: path.into(), reason };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(format!("not a zip archive ({e})")))?;
    // Each array is inflated no further than the size its neighbours imply
    // (`shape` fixes `indptr`'s length, `indptr`'s last entry the nonzeros),
    // checked against the zip's declared size first: a small archive that
    // inflates to gigabytes stops at the first byte past what it should hold.
    let mut array = |name: &str, max_bytes: u64| -> Result<Npy> {
        let max_bytes = max_bytes.min(MAX_ENTRY_BYTES);
        let mut f = zip.by_name(&format!("{name}.npy")).map_err(|_| bad(format!("the array `{name}` is missing")))?;
        let too_big = |n: u64| bad(format!("`{name}` holds {n} bytes or more, but at most {max_bytes} fit its shape"));
        if f.size() > max_bytes {
            return Err(too_big(f.size()));
        }
        let mut buf = Vec::new(); // not sized from the (untrusted) header
        f.by_ref().take(max_bytes + 1).read_to_end(&mut buf).map_err(|e| bad(format!("`{name}`: {e}")))?;
        if buf.len() as u64 > max_bytes {
            return Err(too_big(buf.len() as u64));
        }
        Npy::parse(&buf).map_err(|e| bad(format!("`{name}.npy`: {e}")))
    };
    let format = array("format", NPY_HEADER_BYTES + 16)?;
    if format.bytes_value() != Some(b"csr".as_slice()) {
        return Err(bad("format is not `csr` (only CSR matrices are supported)".into()));
    }
    let shape = array("shape", NPY_HEADER_BYTES + 2 * 8)?.integers().map_err(bad)?;
    let [rows, cols] = shape[..] else {
        return Err(bad(format!("shape has {} entries, expected 2", shape.len())));
    };
    let elements = |n: u64| NPY_HEADER_BYTES.saturating_add(n.saturating_mul(8));
    let indptr = array("indptr", elements((rows as u64).saturating_add(1)))?.integers().map_err(bad)?;
    let nonzeros = indptr.last().copied().unwrap_or(0) as u64;
    if nonzeros > (rows as u64).saturating_mul(cols as u64) {
        return Err(bad(format!("indptr announces {nonzeros} nonzeros in a {rows}×{cols} matrix")));
    }
    let csr = Csr {
        rows,
        cols,
        indptr,
        indices: array("indices", elements(nonzeros))?.integers().map_err(bad)?,
        data: array("data", elements(nonzeros))?.floats().map_err(bad)?,
    };
    csr.validate().map_err(bad)?;
    Ok(csr)
}

/// Writes a CSR matrix as `scipy.sparse.save_npz` does (deflate; i32 indices
/// when they fit, else i64), atomically.
pub fn write_csr(path: &Path, csr: &Csr) -> Result<()> {
    csr.validate().map_err(|reason| Error::Npz { path: path.into(), reason })?;
    write_atomic(path, &csr_to_bytes(csr).map_err(|e| Error::io(path, e))?)
}

/// The bytes of an `.npz` CSR file.
pub fn csr_to_bytes(csr: &Csr) -> std::io::Result<Vec<u8>> {
    let wide = csr.indptr.last().is_some_and(|&v| v > i32::MAX as usize) || csr.cols > i32::MAX as usize;
    let ints = |v: &[usize]| -> (String, Vec<u8>) {
        if wide {
            ("<i8".into(), v.iter().flat_map(|&x| (x as i64).to_le_bytes()).collect())
        } else {
            ("<i4".into(), v.iter().flat_map(|&x| (x as i32).to_le_bytes()).collect())
        }
    };
    let (idx_t, idx) = ints(&csr.indices);
    let (ptr_t, ptr) = ints(&csr.indptr);
    let shape: Vec<u8> = [csr.rows as i64, csr.cols as i64].iter().flat_map(|x| x.to_le_bytes()).collect();
    let data: Vec<u8> = csr.data.iter().flat_map(|x| x.to_le_bytes()).collect();
    let entries = [
        ("indices", npy(&idx_t, &format!("({},)", csr.indices.len()), &idx)),
        ("indptr", npy(&ptr_t, &format!("({},)", csr.indptr.len()), &ptr)),
        ("format", npy("|S3", "()", b"csr")),
        ("shape", npy("<i8", "(2,)", &shape)),
        ("data", npy("<f8", &format!("({},)", csr.data.len()), &data)),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(format!("{name}.npy"), opts).map_err(std::io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// A version-1.0 `.npy` file: magic, header dict padded to 64 bytes, data.
fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

/// A parsed 1-D (or scalar) `.npy` array.
struct Npy {
    descr: String,
    len: usize,
    data: Vec<u8>,
}

impl Npy {
    fn parse(buf: &[u8]) -> std::result::Result<Self, String> {
        if buf.len() < 10 || &buf[..6] != b"\x93NUMPY" {
            return Err("not a .npy array".into());
        }
        let (hlen, start) = match buf[6] {
            1 => (u16::from_le_bytes([buf[8], buf[9]]) as usize, 10),
            2 | 3 if buf.len() >= 12 => (u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]) as usize, 12),
            v => return Err(format!("unsupported .npy version {v}")),
        };
        let header = buf.get(start..start + hlen).ok_or("truncated header")?;
        let header = std::str::from_utf8(header).map_err(|_| "header is not text")?;
        let field = |key: &str| -> Option<&str> {
            let at = header.find(&format!("'{key}':"))? + key.len() + 3;
            Some(header[at..].trim_start())
        };
        let descr = field("descr").and_then(|s| s.strip_prefix('\'')?.split('\'').next()).ok_or("no descr")?;
        if field("fortran_order").is_some_and(|s| s.starts_with("True")) {
            return Err("Fortran-ordered arrays are not supported".into());
        }
        let shape = field("shape").and_then(|s| s.strip_prefix('(')?.split(')').next()).ok_or("no shape")?;
        let dims: Vec<usize> = shape
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('L').parse::<usize>().map_err(|_| format!("bad shape `{shape}`")))
            .collect::<std::result::Result<_, _>>()?;
        if dims.len() > 1 {
            return Err(format!("expected a 1-D array, found shape ({shape})"));
        }
        let len = dims.first().copied().unwrap_or(1);
        let width = match descr {
            "<f8" | "<i8" | "<u8" => 8,
            "<f4" | "<i4" | "<u4" => 4,
            d if d.starts_with("|S") => d[2..].parse::<usize>().map_err(|_| format!("bad dtype {d}"))?,
            d => return Err(format!("unsupported dtype `{d}`")),
        };
        let need = len.checked_mul(width).ok_or("array size overflows")?;
        let data = buf.get(start + hlen..).unwrap_or_default();
        if data.len() != need {
            return Err(format!("array holds {} bytes, its header promises {need}", data.len()));
        }
        Ok(Self { descr: descr.to_string(), len, data: data.to_vec() })
    }

    fn bytes_value(&self) -> Option<&[u8]> {
        (self.descr.starts_with("|S") && self.len == 1).then(|| {
            let end = self.data.iter().position(|&b| b == 0).unwrap_or(self.data.len());
            &self.data[..end]
        })
    }

    fn integers(&self) -> std::result::Result<Vec<usize>, String> {
        let conv = |v: i64| usize::try_from(v).map_err(|_| format!("negative index {v}"));
        match self.descr.as_str() {
            "<i4" => {
                self.data.chunks_exact(4).map(|b| conv(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)).collect()
            }
            "<u4" => {
                Ok(self.data.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize).collect())
            }
            "<i8" => {
                self.data.chunks_exact(8).map(|b| conv(i64::from_le_bytes(b.try_into().expect("8 bytes")))).collect()
            }
            "<u8" => self
                .data
                .chunks_exact(8)
                .map(|b| {
                    usize::try_from(u64::from_le_bytes(b.try_into().expect("8 bytes")))
                        .map_err(|_| "index too large".into())
                })
                .collect(),
            d => Err(format!("expected integers, found dtype `{d}`")),
        }
    }

    fn floats(&self) -> std::result::Result<Vec<f64>, String> {
        match self.descr.as_str() {
            "<f8" => {
                Ok(self.data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
            }
            "<f4" => {
                Ok(self.data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64).collect())
            }
            d => Err(format!("expected floats, found dtype `{d}`")),
        }
    }
}

/// A `d × (d + 1)` CSR weight matrix (one shared weight set) as a sparse model.
pub fn sparse_from_csr(csr: &Csr, width: usize, height: usize) -> Result<Sparse> {
    let d = width * height;
    if csr.rows != d || csr.cols != d + 1 {
        return Err(Error::Incompatible(format!(
            "the matrix is {}×{} but a {width}×{height} model needs {d}×{}",
            csr.rows,
            csr.cols,
            d + 1
        )));
    }
    let too_big = || Error::Incompatible("the matrix has more entries than a sparse model can index".into());
    let indptr = csr.indptr.iter().map(|&v| u32::try_from(v).map_err(|_| too_big())).collect::<Result<Vec<_>>>()?;
    let indices = csr.indices.iter().map(|&v| u32::try_from(v).map_err(|_| too_big())).collect::<Result<Vec<_>>>()?;
    Sparse::from_parts(width, height, 1, indptr, indices, csr.data.clone())
        .ok_or_else(|| Error::Incompatible("the CSR structure is inconsistent".into()))
}

/// The side of a square image with `d` pixels, if `d` is a square.
pub fn square_side(d: usize) -> Option<usize> {
    let s = d.isqrt();
    (s * s == d).then_some(s)
}

/// A model's weights as one `d × (d + 1)` CSR matrix: masked, pixel, omp,
/// lsrf and sparse models with a single (shared or grey) weight set.
pub fn csr_from_model(model: &AnyModel) -> Result<Csr> {
    let sparse = match model {
        AnyModel::Masked(m) | AnyModel::Pixel(m) => Sparse::from_masked(m),
        AnyModel::Omp(m) | AnyModel::Lsrf(m) => m.sparse().clone(),
        AnyModel::Sparse(m) => m.clone(),
        AnyModel::Lasso(m) => m.sparse().clone(),
        other => return Err(Error::Incompatible(format!(
            "a `{}` model is not a sparse linear map; only masked, pixel, omp, lsrf, lasso and sparse models export to npz",
            other.kind()
        ))),
    };
    if sparse.sets != 1 {
        return Err(Error::Incompatible(format!(
            "the model has {} per-channel weight sets but an npz matrix serves all channels; retrain it with channel mode `shared`",
            sparse.sets
        )));
    }
    let d = sparse.pixels();
    Ok(Csr {
        rows: d,
        cols: d + 1,
        indptr: sparse.indptr.iter().map(|&v| v as usize).collect(),
        indices: sparse.indices.iter().map(|&v| v as usize).collect(),
        data: sparse.values.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::models::{MaskedParams, Predict};

    const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/lsrf-reference/weights");

    #[test]
    fn writes_and_reads_back_exactly() {
        let csr =
            Csr { rows: 2, cols: 3, indptr: vec![0, 2, 3], indices: vec![0, 2, 1], data: vec![0.1, -2.5e-300, 7.0] };
        let bytes = csr_to_bytes(&csr).unwrap();
        assert_eq!(csr_from_bytes(&bytes, Path::new("m.npz")).unwrap(), csr);
    }

    #[test]
    fn rejects_broken_files_cleanly() {
        let csr = Csr { rows: 1, cols: 2, indptr: vec![0, 1], indices: vec![1], data: vec![1.0] };
        let bytes = csr_to_bytes(&csr).unwrap();
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(csr_from_bytes(&bytes[..cut], Path::new("x.npz")).is_err());
        }
        let bad = Csr { indices: vec![5], ..csr };
        assert!(write_csr(Path::new("/nonexistent/x.npz"), &bad).is_err());
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_declared_size() {
        // A 2×2 matrix whose `data` inflates to 64 MB of zeros (a few kB compressed).
        let small = Csr { rows: 2, cols: 2, indptr: vec![0, 1, 2], indices: vec![0, 1], data: vec![1.0, 2.0] };
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let ok = csr_from_bytes(&csr_to_bytes(&small).unwrap(), Path::new("ok.npz")).unwrap();
        assert_eq!(ok, small);
        let mut inner = zip::ZipArchive::new(Cursor::new(csr_to_bytes(&small).unwrap())).unwrap();
        for i in 0..inner.len() {
            let mut f = inner.by_index(i).unwrap();
            let name = f.name().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            if name == "data.npy" {
                let n = 8 << 20;
                bytes = npy("<f8", &format!("({n},)"), &vec![0u8; 8 * n]);
            }
            zip.start_file(name, opts).unwrap();
            zip.write_all(&bytes).unwrap();
        }
        let bomb = zip.finish().unwrap().into_inner();
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        let err = csr_from_bytes(&bomb, Path::new("bomb.npz")).unwrap_err();
        assert!(err.to_string().contains("`data` holds"), "{err}");
    }

    #[test]
    fn masked_model_exports_its_window() {
        let data = crate::models::testutil::dataset(4, 4, 1, 6, 51, |x| x.to_vec());
        let m = MaskedParams::default().receptive_field(3).fit(&data).unwrap();
        let csr = csr_from_model(&AnyModel::Masked(m.clone())).unwrap();
        assert_eq!((csr.rows, csr.cols), (16, 17));
        // Corner pixel: 4 in-image window entries + bias; interior: 9 + bias.
        assert_eq!(csr.row(0).count(), 5);
        assert_eq!(csr.row(5).count(), 10);
        let sparse = sparse_from_csr(&csr, 4, 4).unwrap();
        let x = Image::from_planar(4, 4, 1, (0..16).map(|i| i as f32 / 16.0).collect()).unwrap();
        let (a, b) = (m.predict(&x.view()).unwrap(), sparse.predict(&x.view()).unwrap());
        for (u, v) in a.data().iter().zip(b.data()) {
            assert!((u - v).abs() < 1e-5);
        }
    }

    #[test]
    fn reference_weights_load_and_round_trip() {
        let dir = Path::new(REFERENCE);
        if !dir.is_dir() {
            eprintln!("SKIPPED: ../shared/data/lsrf-reference/weights not found; put the project's shared data folder at ../shared, next to the project root");
            return;
        }
        for (file, side, per_row) in [
            ("lsrf_weights_N2HAS_f-1_img-size_128.npz", 128, 2),
            ("omp_weights_N2HAS_f-1_img-size_128.npz", 128, 2),
            ("lsrf_weights_N2HAS_f-5_img-size_80.npz", 80, 6),
            ("omp_weights_N2HAS_f-5_img-size_80.npz", 80, 6),
        ] {
            let path = dir.join(file);
            let csr = read_csr(&path).unwrap();
            let d = side * side;
            assert_eq!((csr.rows, csr.cols), (d, d + 1), "{file}");
            assert!((0..d).all(|r| csr.row(r).count() == per_row), "{file}: rows with other than {per_row} entries");
            assert_eq!(square_side(csr.rows), Some(side));
            // Import → model → export is exact, through the model file too.
            let model = AnyModel::Sparse(sparse_from_csr(&csr, side, side).unwrap());
            assert_eq!(csr_from_model(&model).unwrap(), csr, "{file}");
            let bytes = csr_to_bytes(&csr).unwrap();
            assert_eq!(csr_from_bytes(&bytes, &path).unwrap(), csr, "{file}");
            // Apply it and re-derive one output pixel from its row by hand.
            let x: Vec<f32> = (0..d).map(|j| ((j * 31 % 97) as f32) / 96.0).collect();
            let img = Image::from_planar(side, side, 1, x.clone()).unwrap();
            let y = model.predictor().predict(&img.view()).unwrap();
            let i = d / 2 + side / 3;
            let by_hand: f64 = csr.row(i).map(|(j, v)| v * if j == d { 1.0 } else { x[j] as f64 }).sum();
            assert!((y.data()[i] as f64 - by_hand).abs() < 1e-5, "{file}: {} vs {by_hand}", y.data()[i]);
        }
    }
}
