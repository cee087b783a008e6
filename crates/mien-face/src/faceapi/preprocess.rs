//! Turning a face box into the network's input and its output back into
//! image coordinates, exactly as face-api does for tensor inputs.
//!
//! face-api clips the box to the image, floors it, crops, pads the crop to a
//! square with zeros (the extra half goes after the image, the remainder
//! before), resizes it to 112×112 with `tf.image.resizeBilinear` (no
//! half-pixel centres, no corner alignment: `src = dst · in/out`), subtracts
//! the ImageNet-style RGB mean (122.782, 117.001, 104.298) and divides by 255.
//! Grey images are treated as RGB with three equal planes.

use mien_core::image::Image;

use super::tensor::Tensor;
use crate::detect::FaceBox;
use crate::error::{Error, Result};

/// Side of the network input.
pub(crate) const INPUT_SIZE: usize = 112;
const MEAN_RGB: [f32; 3] = [122.782, 117.001, 104.298];

/// Where the crop sat in the image and how it was padded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CropGeometry {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// The clipped integer crop face-api takes for `face`.
pub(crate) fn crop_geometry(image: &Image<u8>, face: &FaceBox) -> Result<CropGeometry> {
    let (iw, ih) = (image.width() as f64, image.height() as f64);
    let vals = [face.x, face.y, face.w, face.h].map(f64::from);
    let outside = || Error::BoxOutsideImage {
        x: face.x,
        y: face.y,
        w: face.w,
        h: face.h,
        width: image.width(),
        height: image.height(),
    };
    if vals.iter().any(|v| !v.is_finite()) {
        return Err(outside());
    }
    // Box.clipAtImageBorders: clip in real numbers, then floor all four.
    let [x, y, w, h] = vals;
    let (cx, cy) = (x.max(0.0), y.max(0.0));
    let cw = ((x + w) - cx).min(iw - cx).floor();
    let ch = ((y + h) - cy).min(ih - cy).floor();
    let (cx, cy) = (cx.floor(), cy.floor());
    if cw < 1.0 || ch < 1.0 || cx >= iw || cy >= ih {
        return Err(outside());
    }
    Ok(CropGeometry { x: cx as usize, y: cy as usize, w: cw as usize, h: ch as usize })
}

/// The normalised 112×112×3 network input for a crop.
pub(crate) fn network_input(image: &Image<u8>, g: &CropGeometry) -> Tensor {
    let side = g.w.max(g.h);
    // padToSquare: round(diff / 2) zeros after the image, the rest before.
    let before_x = if g.w < side { (side - g.w) - ((side - g.w) as f64 / 2.0).round() as usize } else { 0 };
    let before_y = if g.h < side { (side - g.h) - ((side - g.h) as f64 / 2.0).round() as usize } else { 0 };
    let plane = |c: usize| image.plane(if image.channels() == 3 { c } else { 0 });
    // The padded square's pixel (sx, sy) for channel c, 0 in the padding.
    let sample = |c: usize, sx: usize, sy: usize| -> f32 {
        let (Some(px), Some(py)) = (sx.checked_sub(before_x), sy.checked_sub(before_y)) else { return 0.0 };
        if px >= g.w || py >= g.h {
            return 0.0;
        }
        f32::from(plane(c)[(g.y + py) * image.width() + g.x + px])
    };
    let scale = side as f32 / INPUT_SIZE as f32;
    let taps: Vec<(usize, usize, f32)> = (0..INPUT_SIZE)
        .map(|d| {
            let s = d as f32 * scale;
            let lo = s.floor() as usize;
            (lo, (s.ceil() as usize).min(side - 1), s - lo as f32)
        })
        .collect();
    let mut t = Tensor::zeros(INPUT_SIZE, INPUT_SIZE, 3);
    for (oy, &(y0, y1, fy)) in taps.iter().enumerate() {
        for (ox, &(x0, x1, fx)) in taps.iter().enumerate() {
            for (c, mean) in MEAN_RGB.iter().enumerate() {
                // tfjs's CPU kernel mixes top + (bottom − top)·frac in this order.
                let (tl, tr) = (sample(c, x0, y0), sample(c, x1, y0));
                let (bl, br) = (sample(c, x0, y1), sample(c, x1, y1));
                let top = tl + (tr - tl) * fx;
                let bottom = bl + (br - bl) * fx;
                let v = top + (bottom - top) * fy;
                t.data[(oy * INPUT_SIZE + ox) * 3 + c] = (v - mean) / 255.0;
            }
        }
    }
    t
}

/// Maps the network's 136 outputs (fractions of the 112 px square) to image pixels.
///
/// face-api's `postProcess` subtracts half the size difference as padding
/// (it ignores the rounding `padToSquare` did), so we do the same.
pub(crate) fn to_image_coords(out: &[f32], g: &CropGeometry) -> [(f32, f32); 68] {
    let side = g.w.max(g.h) as f32;
    let pad_x = (side - g.w as f32) / 2.0;
    let pad_y = (side - g.h as f32) / 2.0;
    let mut pts = [(0.0f32, 0.0f32); 68];
    for (p, xy) in pts.iter_mut().zip(out.chunks_exact(2)) {
        *p = (xy[0] * side - pad_x + g.x as f32, xy[1] * side - pad_y + g.y as f32);
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_clips_before_flooring_like_face_api() {
        let img = Image::<u8>::new(160, 120, 1);
        // Flooring first would give x −11 + w 90, i.e. 79 px, not face-api's floor(80.3).
        let face = FaceBox { x: -10.6, y: -5.3, w: 90.9, h: 100.2, score: 1.0 };
        assert_eq!(crop_geometry(&img, &face).unwrap(), CropGeometry { x: 0, y: 0, w: 80, h: 94 });
        let inside = FaceBox { x: 58.75, y: 73.14, w: 150.48, h: 150.48, score: 1.0 };
        let big = Image::<u8>::new(256, 256, 1);
        assert_eq!(crop_geometry(&big, &inside).unwrap(), CropGeometry { x: 58, y: 73, w: 150, h: 150 });
    }
}
