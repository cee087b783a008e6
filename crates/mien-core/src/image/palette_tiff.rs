//! Uncompressed 8-bit palette TIFFs, which the `tiff` crate refuses.
//!
//! JAFFE stores some subjects (KM, one KA take) as `PhotometricInterpretation
//! = RGBPalette` with a 256-entry colour map; the `image`/`tiff` decoders
//! report them unsupported. This reader handles exactly that case (one
//! sample of 8 bits, no compression, strips) and nothing else: it answers
//! `Ok(None)` for any other TIFF so the general decoder runs. Every offset and
//! count is checked against the buffer; a damaged file fails cleanly.

use std::path::Path;

use super::{DecodeLimits, Image};
use crate::error::{Error, Result};

const WIDTH: u16 = 256;
const HEIGHT: u16 = 257;
const BITS: u16 = 258;
const COMPRESSION: u16 = 259;
const PHOTOMETRIC: u16 = 262;
const STRIP_OFFSETS: u16 = 273;
const SAMPLES: u16 = 277;
const STRIP_COUNTS: u16 = 279;
const COLOR_MAP: u16 = 320;

struct Reader<'a> {
    b: &'a [u8],
    le: bool,
}

impl Reader<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le { u16::from_le_bytes(s) } else { u16::from_be_bytes(s) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    }
    /// The values of one IFD entry (SHORT or LONG), inline or at its offset.
    fn values(&self, entry: usize) -> Option<Vec<u32>> {
        let (ty, count) = (self.u16(entry + 2)?, self.u32(entry + 4)? as usize);
        let size = match ty {
            3 => 2,
            4 => 4,
            _ => return None,
        };
        let total = count.checked_mul(size)?;
        let base = if total <= 4 { entry + 8 } else { self.u32(entry + 8)? as usize };
        if base.checked_add(total)? > self.b.len() {
            return None;
        }
        (0..count)
            .map(|i| if size == 2 { self.u16(base + 2 * i).map(u32::from) } else { self.u32(base + 4 * i) })
            .collect()
    }
}

/// Decodes `bytes` if they are an uncompressed 8-bit palette TIFF; `Ok(None)` otherwise.
pub(crate) fn decode(bytes: &[u8], path: &Path, limits: DecodeLimits) -> Result<Option<Image<u8>>> {
    let le = match bytes.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Ok(None),
    };
    let r = Reader { b: bytes, le };
    let bad = |reason: &str| Error::Decode { path: path.to_path_buf(), reason: format!("palette TIFF: {reason}") };
    let ifd = r.u32(4).ok_or_else(|| bad("truncated header"))? as usize;
    let n = r.u16(ifd).ok_or_else(|| bad("IFD offset outside the file"))? as usize;
    let tag = |t: u16| -> Option<Vec<u32>> {
        (0..n).map(|i| ifd + 2 + 12 * i).find(|&e| r.u16(e) == Some(t)).and_then(|e| r.values(e))
    };
    let first = |v: Option<Vec<u32>>| v.and_then(|v| v.first().copied());
    if first(tag(PHOTOMETRIC)) != Some(3) {
        return Ok(None);
    }
    if first(tag(BITS)).unwrap_or(1) != 8
        || first(tag(SAMPLES)).unwrap_or(1) != 1
        || first(tag(COMPRESSION)).unwrap_or(1) != 1
    {
        return Ok(None);
    }
    let w = first(tag(WIDTH)).ok_or_else(|| bad("no width"))? as usize;
    let h = first(tag(HEIGHT)).ok_or_else(|| bad("no height"))? as usize;
    let pixels = (w as u64) * (h as u64);
    if pixels > limits.max_pixels {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            width: w as u64,
            height: h as u64,
            limit: limits.max_pixels,
        });
    }
    if pixels == 0 {
        return Err(bad("the image has no pixels"));
    }
    let map = tag(COLOR_MAP).filter(|m| m.len() == 3 * 256).ok_or_else(|| bad("missing or short colour map"))?;
    let offsets = tag(STRIP_OFFSETS).ok_or_else(|| bad("no strip offsets"))?;
    let counts = tag(STRIP_COUNTS).ok_or_else(|| bad("no strip byte counts"))?;
    let mut index = Vec::with_capacity(w * h);
    for (&off, &cnt) in offsets.iter().zip(&counts) {
        let (off, cnt) = (off as usize, cnt as usize);
        let strip =
            off.checked_add(cnt).and_then(|end| bytes.get(off..end)).ok_or_else(|| bad("strip outside the file"))?;
        let take = strip.len().min(w * h - index.len());
        index.extend_from_slice(&strip[..take]);
    }
    if index.len() < w * h {
        return Err(bad("pixel data is truncated"));
    }
    // Colour-map entries are 16-bit; keep the high byte.
    let lut: Vec<[u8; 3]> = (0..256).map(|i| [0, 1, 2].map(|c| (map[c * 256 + i] >> 8) as u8)).collect();
    let grey = lut.iter().all(|p| p[0] == p[1] && p[1] == p[2]);
    let img = if grey {
        Image::from_planar(w, h, 1, index.iter().map(|&i| lut[i as usize][0]).collect())
    } else {
        let data = (0..3).flat_map(|c| index.iter().map(move |&i| (c, i))).map(|(c, i)| lut[i as usize][c]).collect();
        Image::from_planar(w, h, 3, data)
    };
    img.map(Some).ok_or_else(|| bad("inconsistent size"))
}
