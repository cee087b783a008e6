//! Bilinear resampling with OpenCV's conventions.
//!
//! Pixel centres sit at half-integer coordinates (`src = (dst + 0.5)·scale −
//! 0.5`), samples outside the image are clamped to the edge, and there is no
//! antialiasing prefilter: this is what OpenCV's default `resize` does, which
//! the reference implementations use, so imported reference models see the
//! same pixels they were trained on. Shrinking by more than 2× aliases; mien
//! only shrinks face crops by small factors.

use super::{Image, ImageMut, ImageRef};

/// Resizes every channel to `width × height`.
pub fn resize_bilinear<T: Copy + Into<f32> + Default>(
    src: &ImageRef<'_, T>,
    width: usize,
    height: usize,
) -> Image<f32> {
    let mut out = Image::new(width, height, src.channels());
    resize_bilinear_into(src, &mut out.view_mut());
    out
}

/// Resizes into a preallocated image whose channel count matches `src`.
pub fn resize_bilinear_into<T: Copy + Into<f32>>(src: &ImageRef<'_, T>, dst: &mut ImageMut<'_, f32>) {
    let (sw, sh) = (src.width(), src.height());
    let (dw, dh) = (dst.width(), dst.height());
    let xs = axis_taps(sw, dw);
    let ys = axis_taps(sh, dh);
    for c in 0..src.channels().min(dst.channels()) {
        let sp = src.plane(c);
        let dp = dst.plane_mut(c);
        for (y, &(y0, y1, fy)) in ys.iter().enumerate() {
            let r0 = &sp[y0 * sw..(y0 + 1) * sw];
            let r1 = &sp[y1 * sw..(y1 + 1) * sw];
            let out = &mut dp[y * dw..(y + 1) * dw];
            for (o, &(x0, x1, fx)) in out.iter_mut().zip(&xs) {
                let top = r0[x0].into() * (1.0 - fx) + r0[x1].into() * fx;
                let bot = r1[x0].into() * (1.0 - fx) + r1[x1].into() * fx;
                *o = top * (1.0 - fy) + bot * fy;
            }
        }
    }
}

/// For each destination index: the two source indices and the weight of the second.
fn axis_taps(src: usize, dst: usize) -> Vec<(usize, usize, f32)> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|d| {
            let s = ((d as f64 + 0.5) * scale - 0.5).max(0.0);
            let i0 = (s.floor() as usize).min(src - 1);
            let i1 = (i0 + 1).min(src - 1);
            (i0, i1, (s - i0 as f64) as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_size_is_exact() {
        let img = Image::from_planar(3, 2, 1, vec![1u8, 2, 3, 4, 5, 6]).unwrap();
        let out = resize_bilinear(&img.view(), 3, 2);
        assert_eq!(out.data(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn halving_averages_pairs() {
        // OpenCV maps dst pixel 0 of a 2× shrink to src 0.5: the mean of 0 and 1.
        let img = Image::from_planar(4, 1, 1, vec![0u8, 10, 20, 30]).unwrap();
        let out = resize_bilinear(&img.view(), 2, 1);
        assert_eq!(out.data(), &[5.0, 25.0]);
    }

    #[test]
    fn upscale_clamps_at_edges() {
        let img = Image::from_planar(2, 1, 1, vec![0u8, 100]).unwrap();
        let out = resize_bilinear(&img.view(), 4, 1);
        assert_eq!(out.data(), &[0.0, 25.0, 75.0, 100.0]);
    }
}
