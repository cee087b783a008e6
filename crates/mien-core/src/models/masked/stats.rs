//! Sharded training of masked regression: the per-pixel sufficient statistics.
//!
//! Masked regression's normal equations are sums over training images: each
//! pixel's Gram matrix `Σ x xᵀ` (with the bias column) and right-hand side
//! `Σ x t`. [`MaskedStats`] keeps those sums in f64, so training on shards
//! (one [`MaskedStats::update`] per shard, on any number of machines),
//! [`MaskedStats::merge`]-ing the shards' statistics and
//! [`MaskedStats::finalize`]-ing gives the model of one fit on all the data,
//! up to the order of floating-point additions. One `update` over the whole
//! dataset accumulates in exactly [`MaskedParams::fit`]'s order, so it gives
//! that fit's weights bit for bit.
//!
//! Statistics serialise to bytes ([`MaskedStats::to_bytes`]) for shipping
//! between processes; they cost `(k(k+1)/2 + 2k + 1)·d` f64 per weight set
//! (k = r²; 8.4 MB for one 128×128 set at r = 3), independent of the number
//! of images.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::fit::{accumulate_row, solve_row, weight_sets, Window};
use super::{Masked, MaskedParams};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;
use crate::normalize::Normalize;
use crate::tensors::{self, TensorData, TensorReader};

const FORMAT_TAG: &str = "mien-masked-stats";
const FORMAT_VERSION: &str = "1";

/// Accumulated normal equations of masked regression (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct MaskedStats {
    params: MaskedParams,
    /// Set by the first non-empty update: (width, height, weight sets, normalisation).
    shape: Option<Shape>,
    /// Samples per weight set (planes; a shared set counts every channel).
    samples: Vec<u64>,
    /// Training pairs seen.
    pairs: u64,
    /// `[set][row][Window::row_len]`.
    sums: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Shape {
    width: usize,
    height: usize,
    sets: usize,
    normalize: Normalize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    params: MaskedParams,
    shape: Option<Shape>,
    samples: Vec<u64>,
    pairs: u64,
}

impl MaskedStats {
    /// Empty statistics for these hyperparameters (checked).
    pub fn new(params: MaskedParams) -> Result<Self> {
        params.check()?;
        Ok(Self { params, shape: None, samples: Vec::new(), pairs: 0, sums: Vec::new() })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &MaskedParams {
        &self.params
    }

    /// Training pairs accumulated so far.
    pub fn pairs(&self) -> usize {
        self.pairs as usize
    }

    /// Width and height of the training images, once known.
    pub fn size(&self) -> Option<(usize, usize)> {
        self.shape.map(|s| (s.width, s.height))
    }

    /// The normalisation of the accumulated images, once known.
    pub fn normalize(&self) -> Option<Normalize> {
        self.shape.map(|s| s.normalize)
    }

    /// Adds a shard of training pairs. Every shard must share the image
    /// size, the number of weight sets and the normalisation.
    pub fn update(&mut self, data: &PairedDataset) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.params.check_for_size(data.width, data.height)?;
        let grey;
        let data = if self.params.channels == ChannelMode::Grey && data.channels > 1 {
            grey = data.to_grey()?;
            &grey
        } else {
            data
        };
        let sets = weight_sets(self.params.channels, data);
        let shape = Shape { width: data.width, height: data.height, sets: sets.len(), normalize: data.normalize };
        self.adopt(shape, "the new pairs")?;
        let (w, h) = (shape.width, shape.height);
        let win = Window::new(self.params.receptive_field);
        let row_len = win.row_len(w);
        let params = &self.params;
        for (s, samples) in sets.iter().enumerate() {
            self.sums[s * h * row_len..(s + 1) * h * row_len]
                .par_chunks_mut(row_len)
                .enumerate()
                .for_each(|(y, sums)| accumulate_row(params, &win, w, h, y, samples, sums));
            self.samples[s] += samples.len() as u64;
        }
        self.pairs += data.len() as u64;
        Ok(())
    }

    /// Adds another shard's statistics (same hyperparameters, size, weight sets, normalisation).
    pub fn merge(&mut self, other: &MaskedStats) -> Result<()> {
        if other.params != self.params {
            return Err(Error::Incompatible(format!(
                "cannot merge statistics of different hyperparameters ({:?} and {:?})",
                self.params, other.params
            )));
        }
        let Some(shape) = other.shape else { return Ok(()) };
        self.adopt(shape, "the other statistics")?;
        self.sums.iter_mut().zip(&other.sums).for_each(|(a, b)| *a += b);
        self.samples.iter_mut().zip(&other.samples).for_each(|(a, b)| *a += b);
        self.pairs += other.pairs;
        Ok(())
    }

    /// Takes `shape` if nothing was accumulated yet, else checks it matches.
    fn adopt(&mut self, shape: Shape, what: &str) -> Result<()> {
        match self.shape {
            None => {
                let row_len = Window::new(self.params.receptive_field).row_len(shape.width);
                self.sums = vec![0.0; shape.sets * shape.height * row_len];
                self.samples = vec![0; shape.sets];
                self.shape = Some(shape);
                Ok(())
            }
            Some(s) if s == shape => Ok(()),
            Some(s) => Err(Error::Incompatible(format!(
                "{what} are {}×{} with {} weight set(s), {} normalisation, but the statistics so far are {}×{} with {} set(s), {} normalisation; every shard needs the same size, colour mode and normalisation",
                shape.width, shape.height, shape.sets, shape.normalize, s.width, s.height, s.sets, s.normalize
            ))),
        }
    }

    /// Solves every pixel's system: weights `[sets][d][k + 1]` (per pixel the
    /// window weights row-major, then the bias) in f64, the model file's layout.
    pub fn solve(&self) -> Result<Vec<f64>> {
        let shape = self.shape.ok_or_else(|| Error::Incompatible("no training pairs accumulated yet".into()))?;
        let (w, h) = (shape.width, shape.height);
        let win = Window::new(self.params.receptive_field);
        let (row_len, k1, d) = (win.row_len(w), win.k1, w * h);
        let mut out = vec![0.0f64; shape.sets * d * k1];
        for s in 0..shape.sets {
            let n = self.samples[s] as f64;
            let rows = self.sums[s * h * row_len..(s + 1) * h * row_len]
                .par_chunks(row_len)
                .enumerate()
                .map(|(y, sums)| solve_row(&self.params, &win, w, y, sums, n))
                .collect::<Result<Vec<_>>>()?;
            for (y, row) in rows.iter().enumerate() {
                for o in 0..k1 {
                    for x in 0..w {
                        out[(s * d + y * w + x) * k1 + o] = row[o * w + x];
                    }
                }
            }
        }
        Ok(out)
    }

    /// The fitted model (weights rounded to f32, as [`MaskedParams::fit`] stores them).
    pub fn finalize(&self) -> Result<Masked> {
        let weights: Vec<f32> = self.solve()?.iter().map(|&v| v as f32).collect();
        let shape = self.shape.expect("solve checked the shape");
        Masked::from_weights_per_pixel(self.params.clone(), shape.width, shape.height, shape.sets, &weights)
            .ok_or_else(|| Error::Incompatible("weights of the wrong length".into()))
    }

    /// Serialises the statistics (a safetensors file: the sums as one f64
    /// tensor, the rest as JSON metadata).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let header =
            Header { params: self.params.clone(), shape: self.shape, samples: self.samples.clone(), pairs: self.pairs };
        let json = serde_json::to_string(&header).map_err(|e| Error::Incompatible(e.to_string()))?;
        let info = HashMap::from([
            ("format".to_string(), FORMAT_TAG.to_string()),
            ("format_version".to_string(), FORMAT_VERSION.to_string()),
            ("stats".to_string(), json),
        ]);
        tensors::serialize(vec![("sums", vec![self.sums.len()], TensorData::F64(self.sums.clone()))], info)
    }

    /// Reads statistics written by [`Self::to_bytes`]; `path` names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let t = TensorReader::new(bytes, path)?;
        let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| tensors::corrupt(path, e))?;
        let info = meta.metadata().clone().unwrap_or_default();
        if info.get("format").map(String::as_str) != Some(FORMAT_TAG) {
            return Err(Error::NotAModel { path: path.into(), reason: "not masked-regression statistics".into() });
        }
        let version = info.get("format_version").cloned().unwrap_or_default();
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                found: version,
                supported: 1,
                writer: "another mien".into(),
            });
        }
        let header: Header = serde_json::from_str(info.get("stats").map(String::as_str).unwrap_or_default())
            .map_err(|e| tensors::corrupt(path, format!("statistics header: {e}")))?;
        header.params.check().map_err(|e| tensors::corrupt(path, e))?;
        let win = Window::new(header.params.receptive_field);
        let len = match header.shape {
            None => 0,
            Some(s) => s
                .sets
                .checked_mul(s.height)
                .and_then(|v| v.checked_mul(win.row_len(s.width)))
                .filter(|_| (s.sets == 1 || s.sets == 3) && header.samples.len() == s.sets)
                .ok_or_else(|| tensors::corrupt(path, "inconsistent statistics shape"))?,
        };
        let sums = t.f64("sums", len)?;
        Ok(Self { params: header.params, shape: header.shape, samples: header.samples, pairs: header.pairs, sums })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Prior;
    use crate::synthetic::Rng;

    fn shard(data: &PairedDataset, range: std::ops::Range<usize>) -> PairedDataset {
        PairedDataset { pairs: data.pairs[range].to_vec(), ..data.clone() }
    }

    #[test]
    fn one_update_is_the_fit_bit_for_bit_and_shards_merge_to_it() {
        let mut rng = Rng::new(11);
        for (channels, mode, prior) in [
            (1, ChannelMode::Separate, Prior::Zero),
            (3, ChannelMode::Separate, Prior::Identity),
            (3, ChannelMode::Shared, Prior::Zero),
            (3, ChannelMode::Grey, Prior::Zero),
        ] {
            let data = super::super::tests::random_dataset(&mut rng, 12, 10, 9, channels, Normalize::MinMax);
            let params = MaskedParams::default().channels(mode).prior(prior).lambda(0.7);
            let fitted = params.fit(&data).unwrap();
            let mut all = MaskedStats::new(params.clone()).unwrap();
            all.update(&data).unwrap();
            assert_eq!(all.finalize().unwrap(), fitted, "{mode} {prior:?}");

            let mut merged = MaskedStats::new(params.clone()).unwrap();
            for r in [0..3, 3..6, 6..9, 9..12] {
                let mut s = MaskedStats::new(params.clone()).unwrap();
                s.update(&shard(&data, r)).unwrap();
                let back = MaskedStats::from_bytes(&s.to_bytes().unwrap(), Path::new("s")).unwrap();
                assert_eq!(back, s);
                merged.merge(&back).unwrap();
            }
            assert_eq!(merged.pairs(), 12);
            let (a, b) = (all.solve().unwrap(), merged.solve().unwrap());
            for (u, v) in a.iter().zip(&b) {
                assert!((u - v).abs() <= 1e-9 * (1.0 + u.abs()), "{u} vs {v}");
            }
        }
    }

    #[test]
    fn mismatched_shards_and_bad_bytes_are_errors() {
        let mut rng = Rng::new(12);
        let a = super::super::tests::random_dataset(&mut rng, 4, 8, 8, 1, Normalize::MinMax);
        let b = super::super::tests::random_dataset(&mut rng, 4, 9, 8, 1, Normalize::MinMax);
        let mut s = MaskedStats::new(MaskedParams::default()).unwrap();
        assert!(s.finalize().is_err());
        s.update(&a).unwrap();
        let err = s.update(&b).unwrap_err().to_string();
        assert!(err.contains("same size"), "{err}");
        let other = MaskedStats::new(MaskedParams::default().lambda(1.0)).unwrap();
        assert!(s.merge(&other).is_err());
        let bytes = s.to_bytes().unwrap();
        assert!(MaskedStats::from_bytes(&bytes[..bytes.len() - 8], Path::new("x")).is_err());
        assert!(MaskedStats::from_bytes(b"nonsense", Path::new("x")).is_err());
    }
}
