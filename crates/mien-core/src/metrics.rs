//! Image quality measures on [0, 1] intensities: MSE, PSNR and SSIM.
//!
//! SSIM follows Wang et al. (2004): an 11×11 Gaussian window with σ = 1.5,
//! K1 = 0.01, K2 = 0.03, dynamic range 1, computed over the positions where
//! the whole window fits (as the authors' reference code), averaged over the
//! map and then over channels. Images smaller than 11×11 (models trained at
//! `size` 8 or 10, tiny imported models) use the largest odd window that
//! fits, with σ scaled by the same factor; a 1×1 image leaves only the
//! luminance term.

use crate::image::Image;

/// Mean squared error of two 8-bit images of equal shape, on intensities /255.
pub fn mse(a: &Image<u8>, b: &Image<u8>) -> f64 {
    assert_eq!(a.data().len(), b.data().len(), "mse needs images of equal shape");
    let s: f64 = a.data().iter().zip(b.data()).map(|(&x, &y)| ((x as f64 - y as f64) / 255.0).powi(2)).sum();
    s / a.data().len() as f64
}

/// Peak signal-to-noise ratio in dB for peak 1; infinite for identical images.
pub fn psnr(a: &Image<u8>, b: &Image<u8>) -> f64 {
    psnr_from_mse(mse(a, b))
}

/// PSNR from an MSE on [0, 1] intensities.
pub fn psnr_from_mse(mse: f64) -> f64 {
    if mse == 0.0 {
        f64::INFINITY
    } else {
        -10.0 * mse.log10()
    }
}

/// The normalised Gaussian taps of an odd window of `taps` samples, σ = 1.5 · taps / 11.
fn gaussian_window(taps: usize) -> Vec<f64> {
    let sigma = 1.5 * taps as f64 / 11.0;
    let half = (taps / 2) as f64;
    let mut g: Vec<f64> = (0..taps)
        .map(|i| {
            let x = i as f64 - half;
            (-x * x / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let s: f64 = g.iter().sum();
    g.iter_mut().for_each(|v| *v /= s);
    g
}

/// Separable "valid" filtering with the Gaussian taps `g` (at most `w` and `h` of them).
fn filter_valid(img: &[f64], w: usize, h: usize, g: &[f64]) -> (Vec<f64>, usize, usize) {
    let k = g.len();
    let (ow, oh) = (w + 1 - k, h + 1 - k);
    let mut tmp = vec![0.0; ow * h];
    for y in 0..h {
        for x in 0..ow {
            tmp[y * ow + x] = g.iter().enumerate().map(|(j, gj)| gj * img[y * w + x + j]).sum();
        }
    }
    let mut out = vec![0.0; ow * oh];
    for y in 0..oh {
        for x in 0..ow {
            out[y * ow + x] = g.iter().enumerate().map(|(j, gj)| gj * tmp[(y + j) * ow + x]).sum();
        }
    }
    (out, ow, oh)
}

/// Structural similarity of two 8-bit images of equal shape: 1 for identical
/// images; defined for every size (see the module docs for images under 11×11).
pub fn ssim(a: &Image<u8>, b: &Image<u8>) -> f64 {
    assert_eq!(a.data().len(), b.data().len(), "ssim needs images of equal shape");
    let (w, h) = (a.width(), a.height());
    if w == 0 || h == 0 {
        return 1.0;
    }
    // The largest odd window up to 11 that fits the image.
    let side = w.min(h).min(11);
    let g = gaussian_window(if side % 2 == 0 { side - 1 } else { side });
    let (c1, c2) = (0.01f64.powi(2), 0.03f64.powi(2));
    let mut total = 0.0;
    for c in 0..a.channels() {
        let x: Vec<f64> = a.plane(c).iter().map(|&v| v as f64 / 255.0).collect();
        let y: Vec<f64> = b.plane(c).iter().map(|&v| v as f64 / 255.0).collect();
        let xx: Vec<f64> = x.iter().map(|v| v * v).collect();
        let yy: Vec<f64> = y.iter().map(|v| v * v).collect();
        let xy: Vec<f64> = x.iter().zip(&y).map(|(u, v)| u * v).collect();
        let (mx, ..) = filter_valid(&x, w, h, &g);
        let (my, ..) = filter_valid(&y, w, h, &g);
        let (sxx, ..) = filter_valid(&xx, w, h, &g);
        let (syy, ..) = filter_valid(&yy, w, h, &g);
        let (sxy, ..) = filter_valid(&xy, w, h, &g);
        let n = mx.len();
        let mut s = 0.0;
        for i in 0..n {
            let (ux, uy) = (mx[i], my[i]);
            let vx = sxx[i] - ux * ux;
            let vy = syy[i] - uy * uy;
            let cxy = sxy[i] - ux * uy;
            s += ((2.0 * ux * uy + c1) * (2.0 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        }
        total += s / n as f64;
    }
    total / a.channels() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Image<u8> {
        Image::from_planar(w, h, 1, (0..w * h).map(|i| f(i % w, i / w)).collect()).unwrap()
    }

    #[test]
    fn identical_images() {
        let a = ramp(16, 16, |x, y| (x * 13 + y * 7) as u8);
        assert_eq!(mse(&a, &a), 0.0);
        assert!(psnr(&a, &a).is_infinite());
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn mse_and_psnr_of_known_offset() {
        let a = ramp(4, 4, |_, _| 100);
        let b = ramp(4, 4, |_, _| 100 + 51);
        assert!((mse(&a, &b) - 0.04).abs() < 1e-12);
        assert!((psnr(&a, &b) - 13.979400086720377).abs() < 1e-9);
    }

    #[test]
    fn ssim_drops_with_noise_and_is_symmetric() {
        let a = ramp(32, 32, |x, y| ((x * 8) ^ (y * 8)) as u8);
        let b = ramp(32, 32, |x, y| (((x * 8) ^ (y * 8)) as u8).wrapping_add(((x * 31 + y * 17) % 40) as u8));
        let s = ssim(&a, &b);
        assert!(s < 0.99 && s > -1.0, "{s}");
        assert!((s - ssim(&b, &a)).abs() < 1e-12);
    }

    #[test]
    fn ssim_is_defined_for_images_under_11_pixels() {
        for side in [1, 2, 7, 8, 10] {
            let a = ramp(side, side, |x, y| (x * 20 + y * 3) as u8);
            let b = ramp(side, side, |x, y| (x * 20 + y * 3 + 40) as u8);
            assert!((ssim(&a, &a) - 1.0).abs() < 1e-12, "side {side}");
            let s = ssim(&a, &b);
            assert!(s.is_finite() && s < 1.0 && s > -1.0, "side {side}: {s}");
        }
        // Wide but short: the window follows the shorter side.
        let a = ramp(40, 3, |x, y| (x * 5 + y) as u8);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn eleven_tap_window_is_unchanged() {
        let g = gaussian_window(11);
        let reference: f64 = (-25.0f64 / 4.5).exp() / (-5..=5).map(|x: i32| (-(x * x) as f64 / 4.5).exp()).sum::<f64>();
        assert!((g[0] - reference).abs() < 1e-15);
    }
}
