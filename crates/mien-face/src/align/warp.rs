//! Warping a face into its aligned crop and pasting an edited crop back.
//!
//! Both directions sample bilinearly in continuous pixel coordinates (pixel
//! `(i, j)` is centred at `(i + ½, j + ½)`, as the landmarks are), clamping at
//! the source's edge. Pasting adds the warped *difference* `edited − original`
//! to the photo rather than replacing the face with the warped edited crop:
//! an unchanged crop then gives back the photo exactly, the photo keeps its
//! full-resolution detail where the model changed nothing, and only pixels
//! under the feathered face mask — inside its bounding box — are visited, so
//! the cost follows the face, not the photo.

use mien_core::image::Image;

use super::mask::face_mask;
use super::{Similarity, Template};
use crate::error::{Error, Result};
use crate::landmarks::Landmarks;

/// A face warped to a [`Template`].
#[derive(Clone, Debug, PartialEq)]
pub struct Aligned {
    /// The `size × size` crop, with the photo's channels.
    pub crop: Image<u8>,
    /// Photo → crop coordinates.
    pub transform: Similarity,
}

/// Warps the face with these landmarks so its stable points land on the
/// template's; the crop has `template.size` pixels a side and `img`'s channels.
/// Parts of the crop outside the photo repeat the photo's edge pixels.
pub fn align_face(img: &Image<u8>, landmarks: &Landmarks, template: &Template) -> Result<Aligned> {
    let transform = template.fit(landmarks)?;
    let crop = warp_to_crop(img, &transform, template.size)?;
    Ok(Aligned { crop, transform })
}

/// Warps `img` into a `size × size` crop with a given photo → crop transform
/// (for instance one saved from an earlier [`align_face`]).
pub fn warp_to_crop(img: &Image<u8>, transform: &Similarity, size: usize) -> Result<Image<u8>> {
    check_image(img)?;
    let inverse = transform.inverse()?;
    let mut crop = Image::new(size, size, img.channels());
    let plane_len = size * size;
    for v in 0..size {
        for u in 0..size {
            let (x, y) = inverse.apply((u as f32 + 0.5, v as f32 + 0.5));
            let taps = Taps::at(x, y, img.width(), img.height());
            for c in 0..img.channels() {
                let value = taps.sample(img.plane(c));
                crop.data_mut()[c * plane_len + v * size + u] = value.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(crop)
}

/// The landmarks mapped into crop coordinates.
pub fn landmarks_to_crop(landmarks: &Landmarks, transform: &Similarity) -> Landmarks {
    landmarks.map(|p| transform.apply(p))
}

/// Pastes an edited crop back into the photo it was cut from.
///
/// `edited` and `original` are the model's output and the crop it was given
/// (from [`align_face`]), on the same 0..255 scale, square and with the
/// photo's channel count; `transform` and `landmarks` are the ones used to
/// align. Returns `photo + warp(edited − original)·mask`, rounded: pixels
/// outside the face mask are the photo's, bit for bit.
pub fn paste_back<E, O>(
    photo: &Image<u8>,
    edited: &Image<E>,
    original: &Image<O>,
    transform: &Similarity,
    landmarks: &Landmarks,
) -> Result<Image<u8>>
where
    E: Copy + Into<f32>,
    O: Copy + Into<f32>,
{
    check_image(photo)?;
    let size = edited.width();
    let expected = (size, size, photo.channels());
    for (what, actual) in [
        ("edited crop", (edited.width(), edited.height(), edited.channels())),
        ("original crop", (original.width(), original.height(), original.channels())),
    ] {
        if actual != expected || size == 0 {
            return Err(Error::CropMismatch { what, expected, actual });
        }
    }
    let inverse = transform.inverse()?;
    let mask = face_mask(&landmarks_to_crop(landmarks, transform), size);
    let mut out = photo.clone();
    let Some((x0, x1, y0, y1)) = photo_box(&mask, &inverse, photo.width(), photo.height()) else {
        return Ok(out);
    };
    let diff: Vec<f32> = edited.data().iter().zip(original.data()).map(|(&e, &o)| e.into() - o.into()).collect();
    let plane_len = size * size;
    let photo_len = photo.width() * photo.height();
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = transform.apply((x as f32 + 0.5, y as f32 + 0.5));
            // The mask is zero on the crop's border ring, so clamping reads zeros outside.
            let taps = Taps::at(u, v, size, size);
            let m = taps.sample(mask.plane(0));
            if m <= 0.0 {
                continue;
            }
            let i = y * photo.width() + x;
            for c in 0..photo.channels() {
                let d = taps.sample(&diff[c * plane_len..(c + 1) * plane_len]);
                let k = c * photo_len + i;
                let value = f32::from(photo.data()[k]) + m * d;
                out.data_mut()[k] = value.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

/// The photo pixels `[x0, x1) × [y0, y1)` that can see a non-zero mask value.
fn photo_box(
    mask: &Image<f32>,
    inverse: &Similarity,
    width: usize,
    height: usize,
) -> Option<(usize, usize, usize, usize)> {
    let size = mask.width();
    let plane = mask.plane(0);
    let (mut u0, mut u1, mut v0, mut v1) = (usize::MAX, 0, usize::MAX, 0);
    for v in 0..size {
        for (u, &m) in plane[v * size..(v + 1) * size].iter().enumerate() {
            if m > 0.0 {
                (u0, u1, v0, v1) = (u0.min(u), u1.max(u), v0.min(v), v1.max(v));
            }
        }
    }
    if u0 > u1 {
        return None;
    }
    // Bilinear taps reach one pixel beyond a non-zero centre.
    let (u0, u1, v0, v1) = (u0 as f32 - 0.5, u1 as f32 + 1.5, v0 as f32 - 0.5, v1 as f32 + 1.5);
    let corners = [(u0, v0), (u1, v0), (u0, v1), (u1, v1)].map(|p| inverse.apply(p));
    let clip = |lo: f32, hi: f32, n: usize| {
        let lo = (lo.floor() - 1.0).clamp(0.0, n as f32) as usize;
        let hi = (hi.ceil() + 1.0).clamp(0.0, n as f32) as usize;
        (lo < hi).then_some((lo, hi))
    };
    let (xs, ys) = (corners.map(|p| p.0), corners.map(|p| p.1));
    let (x0, x1) = clip(
        xs.iter().copied().fold(f32::INFINITY, f32::min),
        xs.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        width,
    )?;
    let (y0, y1) = clip(
        ys.iter().copied().fold(f32::INFINITY, f32::min),
        ys.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        height,
    )?;
    Some((x0, x1, y0, y1))
}

fn check_image<T>(img: &Image<T>) -> Result<()> {
    if img.width() == 0 || img.height() == 0 || img.channels() == 0 {
        return Err(Error::BadImage(format!(
            "{}×{} image with {} channels has no pixels",
            img.width(),
            img.height(),
            img.channels()
        )));
    }
    Ok(())
}

/// The four neighbours and weights of one bilinear sample, clamped to the image.
struct Taps {
    i00: usize,
    i01: usize,
    i10: usize,
    i11: usize,
    fx: f32,
    fy: f32,
}

impl Taps {
    /// Taps for the continuous point `(x, y)` in a `w × h` plane (both > 0).
    fn at(x: f32, y: f32, w: usize, h: usize) -> Self {
        let (x0, x1, fx) = axis(x, w);
        let (y0, y1, fy) = axis(y, h);
        Taps { i00: y0 * w + x0, i01: y0 * w + x1, i10: y1 * w + x0, i11: y1 * w + x1, fx, fy }
    }

    fn sample<T: Copy + Into<f32>>(&self, plane: &[T]) -> f32 {
        let top = plane[self.i00].into() * (1.0 - self.fx) + plane[self.i01].into() * self.fx;
        let bottom = plane[self.i10].into() * (1.0 - self.fx) + plane[self.i11].into() * self.fx;
        top * (1.0 - self.fy) + bottom * self.fy
    }
}

/// Index pair and weight along one axis; non-finite coordinates read pixel 0.
fn axis(p: f32, n: usize) -> (usize, usize, f32) {
    let s = p - 0.5;
    let s = if s.is_finite() { s.clamp(0.0, (n - 1) as f32) } else { 0.0 };
    let i0 = (s.floor() as usize).min(n - 1);
    let i1 = (i0 + 1).min(n - 1);
    (i0, i1, s - i0 as f32)
}
