//! Palette (colour-mapped) TIFF, which the `image` crate's TIFF decoder
//! rejects. JAFFE ships some of its photos this way. Only the common layout
//! is handled: 8-bit indices, one sample per pixel, uncompressed strips; the
//! colour map's three 16-bit ramps give the RGB values.

use std::io::Cursor;

use tiff::decoder::Decoder;
use tiff::tags::Tag;

use std::path::Path;

use super::{DecodeLimits, Image};
use crate::error::{Error, Result};

/// Decodes an 8-bit uncompressed palette TIFF, checking its size against `limits` first.
pub(super) fn decode(bytes: &[u8], path: &Path, limits: DecodeLimits) -> Result<Image<u8>> {
    decode_inner(bytes, limits).map_err(|e| match e {
        Inner::TooLarge(width, height) => {
            Error::TooLarge { path: path.into(), width, height, limit: limits.max_pixels }
        }
        Inner::Bad(reason) => Error::Decode { path: path.into(), reason },
    })
}

enum Inner {
    TooLarge(u64, u64),
    Bad(String),
}

impl From<String> for Inner {
    fn from(s: String) -> Self {
        Inner::Bad(s)
    }
}

impl From<&str> for Inner {
    fn from(s: &str) -> Self {
        Inner::Bad(s.into())
    }
}

fn decode_inner(bytes: &[u8], limits: DecodeLimits) -> Result<Image<u8>, Inner> {
    let mut dec = Decoder::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let (w, h) = dec.dimensions().map_err(|e| e.to_string())?;
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(Inner::TooLarge(w.into(), h.into()));
    }
    let (w, h) = (w as usize, h as usize);
    let mut tag = |t: Tag| -> Result<Vec<u64>, Inner> {
        dec.find_tag(t)
            .map_err(|e| e.to_string())?
            .ok_or(format!("tag {t:?} missing"))?
            .into_u64_vec()
            .map_err(|e| e.to_string().into())
    };
    if tag(Tag::PhotometricInterpretation)? != [3] {
        return Err("not a palette TIFF".into());
    }
    if tag(Tag::BitsPerSample)? != [8] || tag(Tag::SamplesPerPixel).unwrap_or(vec![1]) != [1] {
        return Err("only 8-bit single-sample palette TIFFs are supported".into());
    }
    if tag(Tag::Compression).unwrap_or(vec![1]) != [1] {
        return Err("compressed palette TIFFs are not supported".into());
    }
    let offsets = tag(Tag::StripOffsets)?;
    let counts = tag(Tag::StripByteCounts)?;
    let map = tag(Tag::ColorMap)?;
    if map.len() != 3 * 256 || offsets.len() != counts.len() {
        return Err("malformed colour map or strip table".into());
    }
    let mut idx = Vec::with_capacity(w * h);
    for (&o, &c) in offsets.iter().zip(&counts) {
        let strip = usize::try_from(o)
            .ok()
            .zip(usize::try_from(c).ok())
            .and_then(|(o, c)| bytes.get(o..o.checked_add(c)?))
            .ok_or("strip lies outside the file (truncated?)")?;
        idx.extend_from_slice(strip);
    }
    if idx.len() < w * h {
        return Err(format!("strips hold {} pixels, the header says {}", idx.len(), w * h).into());
    }
    idx.truncate(w * h);
    let ramp = |c: usize, i: u8| (map[c * 256 + i as usize] >> 8) as u8;
    let grey = (0..256).all(|i| ramp(0, i as u8) == ramp(1, i as u8) && ramp(1, i as u8) == ramp(2, i as u8));
    let data: Vec<u8> = if grey {
        idx.iter().map(|&i| ramp(0, i)).collect()
    } else {
        (0..3).flat_map(|c| idx.iter().map(move |&i| ramp(c, i))).collect()
    };
    Image::from_planar(w, h, if grey { 1 } else { 3 }, data).ok_or_else(|| "size mismatch".into())
}
