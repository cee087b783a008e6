//! Generated data with a known answer, for tests, benchmarks and the demo.
//!
//! Inputs are smooth random images (sums of Gaussian blobs over a gradient);
//! targets come from a known spatially varying local linear map (an r×r
//! window of weights plus a bias per pixel, both smooth across the image)
//! plus optional noise, so a fitted local model can be checked against the
//! map that generated its data.

use crate::image::Image;

/// A small deterministic generator (SplitMix64), so tests need no RNG crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A smooth random image with values in [0, 1], as `f64` planes.
pub fn smooth_image(rng: &mut Rng, w: usize, h: usize, channels: usize) -> Vec<f64> {
    let mut out = vec![0.0; w * h * channels];
    for c in 0..channels {
        let (gx, gy) = (rng.uniform() - 0.5, rng.uniform() - 0.5);
        let blobs: Vec<(f64, f64, f64, f64)> = (0..6)
            .map(|_| {
                let s = (w.min(h) as f64) * (0.08 + 0.2 * rng.uniform());
                (rng.uniform() * w as f64, rng.uniform() * h as f64, s, rng.uniform() - 0.3)
            })
            .collect();
        for y in 0..h {
            for x in 0..w {
                let mut v = 0.5 + gx * x as f64 / w as f64 + gy * y as f64 / h as f64;
                for &(bx, by, s, a) in &blobs {
                    let d2 = ((x as f64 - bx).powi(2) + (y as f64 - by).powi(2)) / (2.0 * s * s);
                    v += a * (-d2).exp();
                }
                // Fine texture, so neighbouring pixels are not collinear.
                v += 0.08 * rng.uniform();
                out[c * w * h + y * w + x] = v;
            }
        }
        let plane = &mut out[c * w * h..(c + 1) * w * h];
        let (lo, hi) = plane.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), &v| (l.min(v), u.max(v)));
        plane.iter_mut().for_each(|v| *v = (*v - lo) / (hi - lo));
    }
    out
}

/// A known local linear map: per pixel, `r²` window weights and a bias.
#[derive(Clone, Debug)]
pub struct LocalMap {
    /// Window side.
    pub r: usize,
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
    /// `[d][r² + 1]`: window weights row-major, then bias.
    pub weights: Vec<f64>,
}

impl LocalMap {
    /// A random smooth map: weights near a sharpen-and-shift kernel that vary slowly across the image.
    pub fn random(rng: &mut Rng, w: usize, h: usize, r: usize) -> Self {
        let k = r * r;
        let base: Vec<f64> = (0..=k).map(|_| rng.normal() * 0.3).collect();
        let slope: Vec<f64> = (0..=k).map(|_| rng.normal() * 0.2).collect();
        let mut weights = vec![0.0; w * h * (k + 1)];
        for y in 0..h {
            for x in 0..w {
                let t = (x as f64 / w as f64 + y as f64 / h as f64) * 0.5;
                for o in 0..=k {
                    weights[(y * w + x) * (k + 1) + o] = base[o] + slope[o] * t + if o == k / 2 { 0.5 } else { 0.0 };
                }
            }
        }
        Self { r, w, h, weights }
    }

    /// Applies the map to one `f64` plane (window clipped at the border).
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let (w, h, r) = (self.w, self.h, self.r);
        let half = (r / 2) as isize;
        let k = r * r;
        let mut out = vec![0.0; w * h];
        for y in 0..h {
            for xx in 0..w {
                let wt = &self.weights[(y * w + xx) * (k + 1)..][..k + 1];
                let mut v = wt[k];
                for (o, &wo) in wt[..k].iter().enumerate() {
                    let sy = y as isize + (o / r) as isize - half;
                    let sx = xx as isize + (o % r) as isize - half;
                    if sy >= 0 && sy < h as isize && sx >= 0 && sx < w as isize {
                        v += wo * x[sy as usize * w + sx as usize];
                    }
                }
                out[y * w + xx] = v;
            }
        }
        out
    }
}

/// Converts `[0, 1]`-ish planes to an 8-bit image (clamped).
pub fn to_u8(w: usize, h: usize, channels: usize, planes: &[f64]) -> Image<u8> {
    let data = planes.iter().map(|&v| (v * 255.0).round().clamp(0.0, 255.0) as u8).collect();
    Image::from_planar(w, h, channels, data).expect("planes have w·h·channels values")
}

/// `n` input/target pairs (8-bit) generated by `map` on every channel, with
/// Gaussian noise of standard deviation `noise` (in [0, 1] units) on targets.
/// Targets are rescaled into [0.1, 0.9] by one global affine map so that 8-bit
/// storage does not clip them.
pub fn pairs(rng: &mut Rng, n: usize, channels: usize, map: &LocalMap, noise: f64) -> Vec<(Image<u8>, Image<u8>)> {
    let (w, h) = (map.w, map.h);
    (0..n)
        .map(|_| {
            let x = smooth_image(rng, w, h, channels);
            let mut t = Vec::with_capacity(x.len());
            for c in 0..channels {
                t.extend(map.apply(&x[c * w * h..(c + 1) * w * h]));
            }
            t.iter_mut().for_each(|v| *v = 0.5 + 0.25 * (*v - 0.5) + noise * rng.normal());
            (to_u8(w, h, channels, &x), to_u8(w, h, channels, &t))
        })
        .collect()
}
