//! Reading input files with a byte cap, so that no input can make mien
//! allocate without bound: `/dev/zero`, `/dev/urandom`, a FIFO fed forever or
//! a multi-gigabyte file named as a photo all stop at the cap with
//! [`Error::InputTooLarge`] before anything is decoded.
//!
//! | input | cap |
//! |---|---|
//! | images, CSV label lists, JSON templates | [`MAX_INPUT_BYTES`] (200 MB) |
//! | model files, `.npz` weights | [`MAX_MODEL_BYTES`] (4 GB) |
//!
//! Image pixel counts are bounded separately, from the header
//! ([`crate::image::DecodeLimits`]).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Most bytes read from one image, CSV or JSON file: 200 MB (a 40-megapixel
/// RGB image stored uncompressed is 120 MB).
pub const MAX_INPUT_BYTES: u64 = 200 << 20;

/// Most bytes read from one model or `.npz` file: 4 GB (masked regression at
/// 4096×4096 RGB with a 3×3 window is 2 GB).
pub const MAX_MODEL_BYTES: u64 = 4 << 30;

/// Reads a whole file, refusing it once it passes `limit` bytes. `what`
/// names the kind of input in the error (`image`, `model file`, …).
pub fn read_capped(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let too_large = || Error::InputTooLarge { path: path.to_path_buf(), what, limit };
    // A regular file's size is known: refuse it before reading a byte.
    let known = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    if known.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(known.unwrap_or(0).min(limit) as usize);
    // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_capped`] for text: the bytes must be UTF-8.
pub fn read_text_capped(path: &Path, limit: u64, what: &'static str) -> Result<String> {
    let bytes = read_capped(path, limit, what)?;
    String::from_utf8(bytes)
        .map_err(|_| Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_limit_are_read_and_longer_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, [7u8; 100]).unwrap();
        assert_eq!(read_capped(&p, 100, "image").unwrap().len(), 100);
        let err = read_capped(&p, 99, "image").unwrap_err();
        assert!(matches!(err, Error::InputTooLarge { limit: 99, what: "image", .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn endless_devices_stop_at_the_limit() {
        for dev in ["/dev/zero", "/dev/urandom"] {
            if Path::new(dev).exists() {
                let err = read_capped(Path::new(dev), 1 << 20, "image").unwrap_err();
                assert!(matches!(err, Error::InputTooLarge { .. }), "{dev}: {err}");
                assert!(err.to_string().contains("at most 1 MB"), "{err}");
            }
        }
    }
}
