//! Full-resolution motion for the deformation model: its flow, learnt on the
//! aligned crop, is carried through the alignment transform and applied to
//! the photo's own pixels, so a 1350 px face stays as sharp as it was; the
//! texture step stays a smooth low-resolution residual pasted on top under
//! the face mask. The motion acts over the whole crop (faded towards the
//! crop's border), so a dropped jaw is not cut off at the neutral chin line.

use mien_core::image::Image;
use mien_deform::warp::{sample_clamped, Flow};
use mien_face::align::{face_mask, landmarks_to_crop, Similarity};
use mien_face::Landmarks;

use crate::Result;

/// Photo-pixel shifts below this are left out (the pixel keeps its value)…
const STILL_SHIFT: f32 = 0.2;
/// …and above this applied in full; in between, eased in.
const MOVING_SHIFT: f32 = 0.6;

/// 0 below `a`, 1 above `b`, a smooth cubic ramp between.
fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Width of the motion's fade towards the crop border, as a fraction of the crop.
const MOTION_FEATHER: f32 = 0.12;

/// Bilinear sample of one plane at continuous pixel-centre coordinates,
/// clamped to the border (the flow's own sampler, which works in pixel-index coordinates).
fn sample(plane: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    sample_clamped(plane, w, h, x - 0.5, y - 0.5)
}

/// How far the smoothing kernel reaches on each side, in pixels.
const SMOOTH_REACH: usize = 4;

/// The photo blurred by a 9-tap binomial filter (σ = 2 px) in x and y,
/// plane by plane: the layer that is resampled at sub-pixel positions, while
/// `photo − smooth` (the detail) moves by whole pixels.
fn smooth_layer(src: &[f32], w: usize, h: usize, channels: usize) -> Vec<f32> {
    const TAPS: [f32; 9] = [
        1.0 / 256.0,
        8.0 / 256.0,
        28.0 / 256.0,
        56.0 / 256.0,
        70.0 / 256.0,
        56.0 / 256.0,
        28.0 / 256.0,
        8.0 / 256.0,
        1.0 / 256.0,
    ];
    let n = w * h;
    let mut tmp = vec![0.0f32; n];
    let mut out = vec![0.0f32; src.len()];
    let at = |i: isize, len: usize| i.clamp(0, len as isize - 1) as usize;
    for c in 0..channels {
        let plane = &src[c * n..(c + 1) * n];
        for y in 0..h {
            for x in 0..w {
                tmp[y * w + x] =
                    TAPS.iter().enumerate().map(|(k, t)| t * plane[y * w + at(x as isize + k as isize - 4, w)]).sum();
            }
        }
        let dst = &mut out[c * n..(c + 1) * n];
        for y in 0..h {
            for x in 0..w {
                dst[y * w + x] =
                    TAPS.iter().enumerate().map(|(k, t)| t * tmp[at(y as isize + k as isize - 4, h) * w + x]).sum();
            }
        }
    }
    out
}

/// 1 inside the crop, falling to 0 over [`MOTION_FEATHER`] of its side at each border.
fn crop_window(u: f32, v: f32, size: f32) -> f32 {
    let ramp = MOTION_FEATHER * size;
    let edge = u.min(v).min(size - u).min(size - v);
    (edge / ramp).clamp(0.0, 1.0)
}

/// Applies one face's edit to `photo` at full resolution.
///
/// `flow` is the model's flow at its own size (backward warp, model pixels);
/// `residual` is the texture change `edited − motion-only` at the crop's size
/// (0..255 units, the photo's channel count); `transform` maps photo
/// coordinates to the crop's and `landmarks` are the face's, in the photo.
pub fn paste_motion(
    photo: &Image<u8>,
    flow: &Flow,
    residual: &Image<f32>,
    transform: &Similarity,
    landmarks: &Landmarks,
) -> Result<Image<u8>> {
    let size = residual.width();
    let s = size as f32;
    let inverse = transform.inverse()?;
    let mask = face_mask(&landmarks_to_crop(landmarks, transform), size);
    let (pw, ph, channels) = (photo.width(), photo.height(), photo.channels());
    let mut out = photo.clone();
    // Crop pixels per model pixel.
    let (kx, ky) = (s / flow.width as f32, s / flow.height as f32);
    // The photo pixels whose centres fall inside the crop.
    let corners = [(0.0, 0.0), (s, 0.0), (0.0, s), (s, s)].map(|c| inverse.apply(c));
    let x0 = corners.iter().map(|c| c.0).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
    let x1 = (corners.iter().map(|c| c.0).fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as usize).min(pw);
    let y0 = corners.iter().map(|c| c.1).fold(f32::INFINITY, f32::min).floor().max(0.0) as usize;
    let y1 = (corners.iter().map(|c| c.1).fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as usize).min(ph);
    // Only the face's neighbourhood is read: the crop's box widened by the
    // largest shift plus the smoothing kernel's reach.
    let margin = (kx.max(ky) * flow.max_magnitude() / transform.scale()).ceil() as usize + SMOOTH_REACH + 2;
    let (rx0, ry0) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
    let (rx1, ry1) = ((x1 + margin).min(pw), (y1 + margin).min(ph));
    let (rw, rh) = (rx1.saturating_sub(rx0), ry1.saturating_sub(ry0));
    if rw == 0 || rh == 0 {
        return Ok(out);
    }
    let (plane_len, region_len) = (pw * ph, rw * rh);
    let mut src = Vec::with_capacity(channels * region_len);
    for c in 0..channels {
        let plane = photo.plane(c);
        for y in ry0..ry1 {
            src.extend(plane[y * pw + rx0..y * pw + rx1].iter().map(|&v| f32::from(v)));
        }
    }
    let base = smooth_layer(&src, rw, rh, channels);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = (x as f32 + 0.5, y as f32 + 0.5);
            let (u, v) = transform.apply(p);
            if !(0.0..s).contains(&u) || !(0.0..s).contains(&v) {
                continue;
            }
            let wm = crop_window(u, v, s);
            let m = sample(mask.plane(0), size, size, u, v);
            if wm <= 0.0 && m <= 0.0 {
                continue;
            }
            // The flow at this point, in crop pixels; the photo point it reads from.
            let du = kx * sample(&flow.u, flow.width, flow.height, u / kx, v / ky);
            let dv = ky * sample(&flow.v, flow.width, flow.height, u / kx, v / ky);
            // Shifts below a fraction of a photo pixel are invisible, yet resampling
            // them would soften the photo's finest detail: those pixels stay put.
            let shift = wm * du.hypot(dv) / transform.scale();
            let k = wm * smoothstep(STILL_SHIFT, MOVING_SHIFT, shift);
            let from = inverse.apply((u + k * du, v + k * dv));
            let from = (from.0 - rx0 as f32, from.1 - ry0 as f32);
            // The smooth layer moves with sub-pixel accuracy; the fine detail is
            // carried by whole pixels, so no interpolation softens it.
            let nx = (from.0 - 0.5).round().clamp(0.0, (rw - 1) as f32) as usize;
            let ny = (from.1 - 0.5).round().clamp(0.0, (rh - 1) as f32) as usize;
            let i = y * pw + x;
            for c in 0..channels {
                let region = c * region_len;
                let detail = src[region + ny * rw + nx] - base[region + ny * rw + nx];
                let moved = sample(&base[region..region + region_len], rw, rh, from.0, from.1) + detail;
                let texture = m * sample(residual.plane(c), size, size, u, v);
                out.data_mut()[c * plane_len + i] = (moved + texture).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(w: usize, h: usize) -> Image<u8> {
        Image::from_planar(w, h, 3, (0..w * h * 3).map(|i| ((i * 37) % 251) as u8).collect()).unwrap()
    }

    fn some_landmarks() -> Landmarks {
        std::array::from_fn(|i| (30.0 + (i % 10) as f32 * 4.0, 30.0 + (i / 10) as f32 * 5.0))
    }

    #[test]
    fn zero_flow_and_zero_residual_return_the_photo_bit_for_bit() {
        let img = photo(90, 70);
        let t = Similarity { a: 0.9, b: 0.2, tx: -5.0, ty: 3.0 };
        let out = paste_motion(&img, &Flow::zero(32, 32), &Image::new(64, 64, 3), &t, &some_landmarks()).unwrap();
        assert_eq!(out.data(), img.data());
    }

    #[test]
    fn a_uniform_flow_shifts_the_photo_inside_the_crop_and_fades_at_its_border() {
        // A horizontal ramp: value = 2·x, so a shift of d pixels adds 2·d.
        let img = Image::from_planar(80, 80, 3, (0..80 * 80 * 3).map(|i| (2 * (i % 80)) as u8).collect()).unwrap();
        // Crop = photo (identity transform, 80 px crop); flow of +2 model px = +4 crop px to the right.
        let mut flow = Flow::zero(40, 40);
        flow.u.iter_mut().for_each(|u| *u = 2.0);
        let out = paste_motion(&img, &flow, &Image::new(80, 80, 3), &Similarity::IDENTITY, &some_landmarks()).unwrap();
        let at = |im: &Image<u8>, x: usize, y: usize| i32::from(im.plane(1)[y * 80 + x]);
        // In the crop's interior each pixel reads the one 4 px to its right.
        for (x, y) in [(30, 40), (40, 40), (50, 30)] {
            assert_eq!(at(&out, x, y), at(&img, x, y) + 8, "({x}, {y})");
        }
        // At the crop's edge the motion has faded to a fraction of a pixel.
        assert!((at(&out, 0, 40) - at(&img, 0, 40)).abs() <= 1);
        // Half way through the fade, about half the motion.
        let x = (0.06 * 80.0) as usize;
        let moved = at(&out, x, 40) - at(&img, x, 40);
        assert!((2..=6).contains(&moved), "{moved}");
    }
}
