//! Decoding and encoding, safe against hostile files.
//!
//! The format is detected from the content (magic bytes) first and from the
//! extension only when the content says nothing. The header's dimensions are
//! checked against [`DecodeLimits`] before any pixel buffer is allocated, so a
//! 20000×20000 header costs nothing. Writes go to a temporary file in the
//! destination folder that is renamed into place, so a failed run never
//! leaves a half-written image.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, ImageReader};

use super::Image;
use crate::error::{Error, Result};

/// Bounds checked before decoding.
#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Most pixels (width × height) an image may have. Default 40 megapixels.
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self { max_pixels: 40_000_000 }
    }
}

/// Reads (at most [`crate::input::MAX_INPUT_BYTES`]) and decodes an image file; see [`decode`].
pub fn load(path: &Path, limits: DecodeLimits) -> Result<Image<u8>> {
    let bytes = crate::input::read_capped(path, crate::input::MAX_INPUT_BYTES, "image")?;
    decode(&bytes, path, limits)
}

/// Decodes PNG, JPEG, TIFF (palette TIFF too), GIF or BMP bytes into a planar
/// 8-bit image: grey images stay one channel, everything else becomes RGB
/// (alpha is dropped, 16-bit samples are scaled to 8 bits). `path` only names
/// the source in errors and serves as a format hint when the content is not
/// recognised.
pub fn decode(bytes: &[u8], path: &Path, limits: DecodeLimits) -> Result<Image<u8>> {
    let bad = |reason: String| Error::Decode { path: path.to_path_buf(), reason };
    if bytes.is_empty() {
        return Err(bad("the file is empty".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| bad(e.to_string()))?;
    if reader.format().is_none() {
        match ImageFormat::from_path(path) {
            Ok(f) => reader.set_format(f),
            Err(_) => return Err(bad("not a recognised image format".into())),
        }
    }
    let format = reader.format();
    if format == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a missing tail with grey and reports success.
        return Err(bad("the JPEG is truncated: no end-of-image marker after its last scan".into()));
    }
    // Only the header is read here. Without limits a decoder reports the
    // dimensions instead of failing on the buffers a huge image would need
    // (2147483647×1 said "Memory limit exceeded"); the pixel check below
    // then refuses it with the real size, before any pixel buffer exists.
    reader.no_limits();
    let (w, h) = match reader.into_dimensions() {
        Ok(d) => d,
        Err(e) if format == Some(ImageFormat::Tiff) && e.to_string().contains("RGBPalette") => {
            return super::palette_tiff::decode(bytes, path, limits);
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_pixels {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            width: w.into(),
            height: h.into(),
            limit: limits.max_pixels,
        });
    }
    if pixels == 0 {
        return Err(bad("the image has no pixels".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes));
    if let Some(f) = format {
        reader.set_format(f);
    }
    let mut l = image::Limits::default();
    l.max_image_width = Some(w);
    l.max_image_height = Some(h);
    // Decoders may hold a few frames' worth of intermediate buffers.
    l.max_alloc = Some(pixels.saturating_mul(16).max(1 << 24));
    reader.limits(l);
    let img = reader.decode().map_err(|e| bad(e.to_string()))?;
    Ok(from_dynamic(img))
}

/// Whether a JPEG ends its last scan with an end-of-image marker (`FF D9`).
/// Inside entropy-coded data every `FF` byte is followed by `00` or a restart
/// marker, so `FF D9` after the last start-of-scan (`FF DA`) can only be the
/// real end; an embedded EXIF thumbnail's end marker comes before the main
/// image's scans and does not count.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w[0] == 0xFF && w[1] == marker);
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

fn from_dynamic(img: DynamicImage) -> Image<u8> {
    let grey = !img.color().has_color();
    let (w, h) = (img.width() as usize, img.height() as usize);
    if grey {
        let buf = img.into_luma8().into_raw();
        return Image::from_planar(w, h, 1, buf).expect("luma buffer has w×h bytes");
    }
    let rgb = img.into_rgb8().into_raw();
    let n = w * h;
    let mut data = vec![0u8; 3 * n];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        data[i] = px[0];
        data[n + i] = px[1];
        data[2 * n + i] = px[2];
    }
    Image::from_planar(w, h, 3, data).expect("rgb buffer has 3·w·h bytes")
}

/// Encodes a planar 8-bit image (1 or 3 channels) as PNG bytes.
pub fn encode_png(img: &Image<u8>) -> Result<Vec<u8>> {
    let (w, h) = (img.width() as u32, img.height() as u32);
    let n = img.width() * img.height();
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    );
    let res = match img.channels() {
        1 => image::ImageEncoder::write_image(enc, img.data(), w, h, image::ExtendedColorType::L8),
        3 => {
            let mut inter = vec![0u8; 3 * n];
            for i in 0..n {
                for c in 0..3 {
                    inter[3 * i + c] = img.data()[c * n + i];
                }
            }
            image::ImageEncoder::write_image(enc, &inter, w, h, image::ExtendedColorType::Rgb8)
        }
        c => return Err(Error::Incompatible(format!("cannot write a {c}-channel image as PNG"))),
    };
    res.map_err(|e| Error::Decode { path: PathBuf::from("<png encoder>"), reason: e.to_string() })?;
    Ok(out)
}

/// Writes an image as PNG atomically (temporary file in the same folder, then rename).
pub fn save_png(img: &Image<u8>, path: &Path) -> Result<()> {
    let bytes = encode_png(img)?;
    write_atomic(path, &bytes)
}

/// Writes bytes to `path` through a temporary sibling file and a rename, so
/// readers never see a partial file and a failure leaves nothing behind.
///
/// The temporary file is created exclusively (`O_EXCL`) under a random name
/// (`.NAME.XXXXXX.tmp`), so a file or symlink planted at a predictable name
/// is never opened, and the rename replaces a link at `path` rather than
/// writing through it. A run killed mid-write leaves at most one such hidden
/// file, which no later run reuses.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // The finished file gets the usual permissions (0666 less the umask), not the temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let result = (|| {
        let mut tmp = builder.tempfile_in(&dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        // On failure the temporary file is removed when `persist`'s error drops.
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    result.map_err(|e: std::io::Error| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn write_atomic_replaces_a_planted_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        // The old predictable temporary name, and the destination itself, as links to the victim.
        for name in [format!(".out.png.{}.tmp", std::process::id()), "out.png".to_string()] {
            std::os::unix::fs::symlink(&victim, dir.path().join(name)).unwrap();
        }
        write_atomic(&dir.path().join("out.png"), b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(dir.path().join("out.png")).unwrap(), b"new");
        assert!(!std::fs::symlink_metadata(dir.path().join("out.png")).unwrap().file_type().is_symlink());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp") && !n.contains(&std::process::id().to_string()))
            .collect();
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let px: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
        let mut out = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90),
            &px,
            w,
            h,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        out
    }

    #[test]
    fn a_truncated_jpeg_is_an_error_not_a_grey_fill() {
        let full = jpeg(64, 64);
        assert!(decode(&full, Path::new("ok.jpg"), DecodeLimits::default()).is_ok());
        // Trailing bytes after the end marker are harmless.
        let mut padded = full.clone();
        padded.extend_from_slice(b"trailing");
        assert!(decode(&padded, Path::new("padded.jpg"), DecodeLimits::default()).is_ok());
        for cut in [full.len() / 2, full.len() - 2] {
            let err = decode(&full[..cut], Path::new("cut.jpg"), DecodeLimits::default()).unwrap_err();
            assert!(err.to_string().contains("truncated"), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn a_huge_png_header_reports_its_size_not_a_memory_limit() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        };
        let mut ihdr = 2_147_483_647u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&1u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[]);
        chunk(&mut png, b"IEND", &[]);
        let err = decode(&png, Path::new("wide.png"), DecodeLimits::default()).unwrap_err();
        assert!(matches!(err, Error::TooLarge { width: 2_147_483_647, height: 1, .. }), "{err}");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn write_atomic_into_a_missing_folder_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/out.png"), b"x").unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
