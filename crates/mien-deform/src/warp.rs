//! Bilinear backward warping of planar images by a dense flow field.
//!
//! A flow field holds one displacement `(u, v)` per output pixel, in pixels.
//! Backward warping reads the source where the flow points:
//! `out(x, y) = src(x + u(x, y), y + v(x, y))`, sampled bilinearly. So a flow
//! with `v = −3` under the mouth corners moves the corners 3 px *down*
//! (each output pixel fetches what lies 3 px above it) — the convention of
//! optical flow from target to source, which is what the photometric loss
//! `‖src(x + F(x)) − target(x)‖²` learns.
//!
//! **Border: clamp.** Sample coordinates are clamped to
//! `[0, width − 1] × [0, height − 1]`, i.e. the image is extended by
//! repeating its edge pixels. Aligned face crops have background at the
//! border, and repeating it is far less visible than the black band zero
//! padding would draw. With a zero flow every sample falls on its own pixel
//! with weight exactly 1, so warping by zero returns the input bit for bit.

use mien_core::image::{Image, ImageRef};

/// A dense displacement field: `u` (x, to the right) and `v` (y, down), row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Horizontal displacements.
    pub u: Vec<f32>,
    /// Vertical displacements.
    pub v: Vec<f32>,
}

impl Flow {
    /// The zero flow.
    pub fn zero(width: usize, height: usize) -> Self {
        Self { width, height, u: vec![0.0; width * height], v: vec![0.0; width * height] }
    }

    /// Mean displacement length over all pixels, in pixels.
    pub fn mean_magnitude(&self) -> f32 {
        let n = self.u.len().max(1) as f64;
        (self.u.iter().zip(&self.v).map(|(&a, &b)| (a as f64).hypot(b as f64)).sum::<f64>() / n) as f32
    }

    /// Largest displacement length, in pixels.
    pub fn max_magnitude(&self) -> f32 {
        self.u.iter().zip(&self.v).map(|(&a, &b)| a.hypot(b)).fold(0.0, f32::max)
    }

    /// True when every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.u.iter().chain(&self.v).all(|x| x.is_finite())
    }
}

/// Samples one plane bilinearly at `(x, y)`, clamping the coordinates to the image.
#[inline]
pub fn sample_clamped(plane: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let x0 = x.floor();
    let y0 = y.floor();
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as usize, y0 as usize);
    let x1 = (x0 + 1).min(w - 1);
    let y1 = (y0 + 1).min(h - 1);
    let top = plane[y0 * w + x0] * (1.0 - fx) + plane[y0 * w + x1] * fx;
    let bottom = plane[y1 * w + x0] * (1.0 - fx) + plane[y1 * w + x1] * fx;
    // `fy == 0` skips the second row so a zero flow copies exactly even next to NaNs.
    if fy == 0.0 {
        top
    } else {
        top * (1.0 - fy) + bottom * fy
    }
}

/// Warps one plane: `out[y·w + x] = src(x + u, y + v)`; all slices are `w·h` long.
pub fn warp_plane_into(src: &[f32], w: usize, h: usize, u: &[f32], v: &[f32], out: &mut [f32]) {
    for y in 0..h {
        let row = y * w;
        for x in 0..w {
            let i = row + x;
            out[i] = sample_clamped(src, w, h, x as f32 + u[i], y as f32 + v[i]);
        }
    }
}

/// Warps every channel of an image by one flow (the flow must have the image's size).
pub fn warp(src: &ImageRef<'_, f32>, flow: &Flow) -> Option<Image<f32>> {
    let (w, h) = (src.width(), src.height());
    if flow.width != w || flow.height != h || w == 0 || h == 0 {
        return None;
    }
    let mut out = Image::new(w, h, src.channels());
    for c in 0..src.channels() {
        warp_plane_into(src.plane(c), w, h, &flow.u, &flow.v, out.plane_mut(c));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_flow_is_the_identity_and_shifts_are_exact() {
        let (w, h) = (7, 5);
        let src: Vec<f32> = (0..w * h).map(|i| (i as f32 * 0.37).sin()).collect();
        let img = Image::from_planar(w, h, 1, src.clone()).unwrap();
        assert_eq!(warp(&img.view(), &Flow::zero(w, h)).unwrap().data(), &src[..]);
        // u = +1 reads the right neighbour; the last column repeats (clamp).
        let mut f = Flow::zero(w, h);
        f.u.fill(1.0);
        let out = warp(&img.view(), &f).unwrap();
        for y in 0..h {
            for x in 0..w {
                assert_eq!(out.data()[y * w + x], src[y * w + (x + 1).min(w - 1)]);
            }
        }
        // Half a pixel down averages two rows.
        let mut f = Flow::zero(w, h);
        f.v.fill(0.5);
        let out = warp(&img.view(), &f).unwrap();
        assert!((out.data()[w + 2] - 0.5 * (src[w + 2] + src[2 * w + 2])).abs() < 1e-6);
        assert!(warp(&img.view(), &Flow::zero(3, 3)).is_none());
    }
}
