//! Fitting: one small kernel system per pixel, pixels in parallel.

use rayon::prelude::*;

use super::{PixelKernel, PixelKernelParams};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::masked::fit::{weight_sets, PlaneSample};
use crate::models::solve::cholesky_solve;
use crate::models::ChannelMode;

/// One pixel's fit: centres, coefficients (both length m) and bias.
pub(crate) struct PixelFit {
    pub centres: Vec<f64>,
    pub coefs: Vec<f64>,
    pub bias: f64,
}

impl PixelKernelParams {
    /// Fits the model on a paired dataset.
    pub fn fit(&self, data: &PairedDataset) -> Result<PixelKernel> {
        self.check()?;
        let grey;
        let data = if self.channels == ChannelMode::Grey && data.channels > 1 {
            grey = data.to_grey()?;
            &grey
        } else {
            data
        };
        let sets = weight_sets(self.channels, data);
        let d = data.width * data.height;
        let m = self.centres;
        let mut centres = vec![0.0f32; sets.len() * d * m];
        let mut coefs = vec![0.0f32; sets.len() * d * m];
        let mut bias = vec![0.0f32; sets.len() * d];
        for (s, samples) in sets.iter().enumerate() {
            let fits: Vec<PixelFit> = (0..d)
                .into_par_iter()
                .map(|i| {
                    let (x, t) = pixel_samples(samples, i);
                    fit_pixel(self, &x, &t).ok_or_else(|| Error::IllConditioned {
                        system: format!("the kernel system of pixel ({}, {})", i % data.width, i / data.width),
                        lambda: self.lambda,
                    })
                })
                .collect::<Result<_>>()?;
            for (i, f) in fits.into_iter().enumerate() {
                let base = (s * d + i) * m;
                // Fewer samples than centres: pad with zero-weight centres.
                for j in 0..m {
                    centres[base + j] = f.centres.get(j).copied().unwrap_or(0.0) as f32;
                    coefs[base + j] = f.coefs.get(j).copied().unwrap_or(0.0) as f32;
                }
                bias[s * d + i] = f.bias as f32;
            }
        }
        Ok(PixelKernel {
            params: self.clone(),
            width: data.width,
            height: data.height,
            sets: sets.len(),
            centres,
            coefs,
            bias,
        })
    }
}

fn pixel_samples(samples: &[PlaneSample<'_>], i: usize) -> (Vec<f64>, Vec<f64>) {
    samples
        .iter()
        .map(|s| (s.input_norm.forward(s.input[i] as f32) as f64, s.target_norm.forward(s.target[i] as f32) as f64))
        .unzip()
}

fn rbf(gamma: f64, a: f64, b: f64) -> f64 {
    (-gamma * (a - b) * (a - b)).exp()
}

/// Fits one pixel: the exact dual solve when n ≤ m, else subset of regressors on m centres.
pub(crate) fn fit_pixel(p: &PixelKernelParams, x: &[f64], t: &[f64]) -> Option<PixelFit> {
    let n = x.len();
    let bias = t.iter().sum::<f64>() / n as f64;
    let tc: Vec<f64> = t.iter().map(|v| v - bias).collect();
    if n <= p.centres {
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                k[i * n + j] = rbf(p.gamma, x[i], x[j]) + if i == j { p.lambda } else { 0.0 };
            }
        }
        let mut alpha = tc;
        return cholesky_solve(&mut k, &mut alpha, n).then(|| PixelFit { centres: x.to_vec(), coefs: alpha, bias });
    }
    let m = p.centres;
    let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    let span = (hi - lo).max(1e-6);
    let centres: Vec<f64> = (0..m).map(|j| lo + span * j as f64 / (m - 1) as f64).collect();
    let knm: Vec<f64> = x.iter().flat_map(|&xi| centres.iter().map(move |&c| rbf(p.gamma, xi, c))).collect();
    let mut a = vec![0.0; m * m];
    let mut b = vec![0.0; m];
    for i in 0..n {
        let row = &knm[i * m..(i + 1) * m];
        for u in 0..m {
            b[u] += row[u] * tc[i];
            for v in 0..m {
                a[u * m + v] += row[u] * row[v];
            }
        }
    }
    for u in 0..m {
        for v in 0..m {
            a[u * m + v] += p.lambda * rbf(p.gamma, centres[u], centres[v]);
        }
        // K_mm is only positive semi-definite for close centres; a tiny ridge keeps Cholesky stable.
        a[u * m + u] += 1e-9 * n as f64;
    }
    cholesky_solve(&mut a, &mut b, m).then_some(PixelFit { centres, coefs: b, bias })
}
