//! Fitting OMP / LSRF: block matrix-product correlations, then per-pixel
//! ridge refits.
//!
//! Layout: every training column lives contiguously — `x[j·n .. (j+1)·n]` is
//! input pixel j over the n samples, and likewise the targets and residuals
//! of output pixel i — so a refit gathers F + 1 slices and the correlation of
//! a block of B output pixels with every input pixel is one `B × n · n × d`
//! product (f32; only the argmax of each row is kept). Blocks are independent
//! and run in parallel; each holds a `B × d` score buffer, 4 MB at 128×128.

use rayon::prelude::*;

use super::{Omp, OmpParams};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::dense::{gemm, Mat};
use crate::models::masked::fit::{weight_sets, PlaneSample};
use crate::models::solve::cholesky_solve;
use crate::models::{ChannelMode, Sparse};

/// Output pixels per correlation block.
const BLOCK: usize = 64;

pub(super) fn fit(params: &OmpParams, data: &PairedDataset) -> Result<Omp> {
    params.check_for_size(data.width, data.height)?;
    let grey;
    let data = if params.channels == ChannelMode::Grey && data.channels > 1 {
        grey = data.to_grey()?;
        &grey
    } else {
        data
    };
    let (w, h) = (data.width, data.height);
    let d = w * h;
    let sets = weight_sets(params.channels, data);
    let mut indptr = vec![0u32];
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    for samples in &sets {
        let rows = fit_set(params, w, h, samples)?;
        for row in rows.chunks_exact(params.nonzeros + 1) {
            indices.extend(row.iter().map(|e| e.0));
            values.extend(row.iter().map(|e| e.1));
            indptr.push(indices.len() as u32);
        }
    }
    let sparse = Sparse::from_parts(w, h, sets.len(), indptr, indices, values)
        .ok_or_else(|| Error::Incompatible(format!("{d} pixels are too many for a sparse model")))?;
    Ok(Omp { params: params.clone(), sparse })
}

/// One weight set: per output pixel F picks sorted by column, then the bias (column d).
fn fit_set(params: &OmpParams, w: usize, h: usize, samples: &[PlaneSample<'_>]) -> Result<Vec<(u32, f64)>> {
    let n = samples.len();
    let d = w * h;
    let f = params.nonzeros;
    let (x, t) = columns(samples, d);
    let xn = unit_columns(&x, n);
    let locality = (params.beta > 0.0).then(|| Locality::new(w, h, params.neighbourhood_half_width(), params.beta));

    let mut picks = vec![u32::MAX; d * f];
    let mut weights = vec![0.0f64; d * (f + 1)];
    let mut resid = vec![0.0f32; d * n];
    let bias_penalty = if params.penalize_bias { params.lambda } else { 0.0 };
    // Step 0: the bias alone.
    for (i, r) in resid.chunks_exact_mut(n).enumerate() {
        let ti = &t[i * n..(i + 1) * n];
        let b = ti.iter().map(|&v| v as f64).sum::<f64>() / (n as f64 + bias_penalty);
        weights[i * (f + 1)] = b;
        for (rv, &tv) in r.iter_mut().zip(ti) {
            *rv = (tv as f64 - b) as f32;
        }
    }
    for step in 0..f {
        picks
            .par_chunks_mut(BLOCK * f)
            .zip(resid.par_chunks_mut(BLOCK * n))
            .zip(weights.par_chunks_mut(BLOCK * (f + 1)))
            .enumerate()
            .try_for_each(|(block, ((pk, rs), ws))| {
                let i0 = block * BLOCK;
                let b = pk.len() / f;
                let mut rn = rs.to_vec();
                for r in rn.chunks_exact_mut(n) {
                    let norm = r.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
                    let inv = if norm > 1e-12 { (1.0 / norm) as f32 } else { 0.0 };
                    r.iter_mut().for_each(|v| *v *= inv);
                }
                let mut corr = vec![0.0f32; b * d];
                gemm(b, n, d, Mat::rows(&rn, n), Mat::transposed(&xn, n), &mut corr);
                let mut bonus = vec![0.0f32; if locality.is_some() { d } else { 0 }];
                for bb in 0..b {
                    let i = i0 + bb;
                    let chosen = &mut pk[bb * f..(bb + 1) * f];
                    let row = &corr[bb * d..(bb + 1) * d];
                    let j = match &locality {
                        Some(loc) => {
                            loc.fill(i, &mut bonus);
                            best(row.iter().zip(&bonus).map(|(c, b)| c.abs() + b), &chosen[..step])
                        }
                        None => best(row.iter().map(|c| c.abs()), &chosen[..step]),
                    };
                    chosen[step] = j;
                    let ti = &t[i * n..(i + 1) * n];
                    let wi = &mut ws[bb * (f + 1)..bb * (f + 1) + step + 2];
                    if !refit(
                        &x,
                        n,
                        ti,
                        &chosen[..=step],
                        params.lambda,
                        bias_penalty,
                        wi,
                        &mut rs[bb * n..(bb + 1) * n],
                    ) {
                        return Err(Error::IllConditioned {
                            system: format!("the ridge system of pixel ({}, {})", i % w, i / w),
                            lambda: params.lambda,
                        });
                    }
                }
                Ok(())
            })?;
    }
    let mut out = Vec::with_capacity(d * (f + 1));
    for i in 0..d {
        let wi = &weights[i * (f + 1)..(i + 1) * (f + 1)];
        let mut row: Vec<(u32, f64)> = picks[i * f..(i + 1) * f].iter().copied().zip(wi[..f].iter().copied()).collect();
        row.sort_by_key(|e| e.0);
        out.extend(row);
        out.push((d as u32, wi[f]));
    }
    Ok(out)
}

/// The highest-scoring candidate not yet chosen (lowest index on ties).
fn best(scores: impl Iterator<Item = f32>, chosen: &[u32]) -> u32 {
    let mut top = (f32::NEG_INFINITY, u32::MAX);
    for (j, s) in scores.enumerate() {
        if s > top.0 && !chosen.contains(&(j as u32)) {
            top = (s, j as u32);
        }
    }
    if top.1 == u32::MAX {
        // Only NaN scores (cannot happen with finite data): take the first free column.
        top.1 = (0..).find(|j| !chosen.contains(j)).unwrap_or(0);
    }
    top.1
}

/// Inputs and targets as per-pixel columns: `[d][n]`.
pub(crate) fn columns(samples: &[PlaneSample<'_>], d: usize) -> (Vec<f32>, Vec<f32>) {
    let n = samples.len();
    let mut x = vec![0.0f32; d * n];
    let mut t = vec![0.0f32; d * n];
    for (s, p) in samples.iter().enumerate() {
        for (j, (&a, &b)) in p.input.iter().zip(p.target).enumerate() {
            x[j * n + s] = p.input_norm.forward(a as f32);
            t[j * n + s] = p.target_norm.forward(b as f32);
        }
    }
    (x, t)
}

/// Columns centred and scaled to unit norm; constant columns become zero (never correlated).
fn unit_columns(x: &[f32], n: usize) -> Vec<f32> {
    let mut xn = x.to_vec();
    for c in xn.chunks_exact_mut(n) {
        let mean = c.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let norm = c.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>().sqrt();
        let inv = if norm > 1e-9 { 1.0 / norm } else { 0.0 };
        c.iter_mut().for_each(|v| *v = ((*v as f64 - mean) * inv) as f32);
    }
    xn
}

/// Ridge refit of one output pixel on its picks and the bias; writes the
/// weights (picks, then bias) and the new residual. False if not positive definite.
#[allow(clippy::too_many_arguments)]
fn refit(
    x: &[f32],
    n: usize,
    t: &[f32],
    picks: &[u32],
    lambda: f64,
    bias_penalty: f64,
    w: &mut [f64],
    resid: &mut [f32],
) -> bool {
    let k = picks.len();
    let k1 = k + 1;
    let cols: Vec<&[f32]> = picks.iter().map(|&p| &x[p as usize * n..(p as usize + 1) * n]).collect();
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(&u, &v)| u as f64 * v as f64).sum::<f64>();
    let mut a = vec![0.0f64; k1 * k1];
    for p in 0..k {
        for q in p..k {
            let g = dot(cols[p], cols[q]);
            a[p * k1 + q] = g;
            a[q * k1 + p] = g;
        }
        let s = cols[p].iter().map(|&v| v as f64).sum::<f64>();
        a[p * k1 + k] = s;
        a[k * k1 + p] = s;
        a[p * k1 + p] += lambda;
        w[p] = dot(cols[p], t);
    }
    a[k * k1 + k] = n as f64 + bias_penalty;
    w[k] = t.iter().map(|&v| v as f64).sum();
    if !cholesky_solve(&mut a, w, k1) {
        return false;
    }
    for (s, r) in resid.iter_mut().enumerate() {
        let fit: f64 = cols.iter().zip(&w[..k]).map(|(c, &wv)| c[s] as f64 * wv).sum::<f64>() + w[k];
        *r = (t[s] as f64 - fit) as f32;
    }
    true
}

/// The locality bonus β / D_i(j) for every candidate j of an output pixel i.
struct Locality {
    w: usize,
    h: usize,
    half: usize,
    beta: f32,
    /// β / D over offsets (dy, dx) ∈ [−(h−1), h−1] × [−(w−1), w−1] for an unclipped neighbourhood.
    table: Vec<f32>,
}

impl Locality {
    fn new(w: usize, h: usize, half: usize, beta: f64) -> Self {
        let (tw, th) = (2 * w - 1, 2 * h - 1);
        let hw = half as isize;
        let mut table = vec![0.0f32; tw * th];
        for (r, row) in table.chunks_exact_mut(tw).enumerate() {
            let dy = r as isize - (h as isize - 1);
            for (c, v) in row.iter_mut().enumerate() {
                let dx = c as isize - (w as isize - 1);
                let mut dist = 0.0f64;
                for a in -hw..=hw {
                    for b in -hw..=hw {
                        dist += (((dy - a) * (dy - a) + (dx - b) * (dx - b)) as f64).sqrt();
                    }
                }
                *v = (beta / dist) as f32;
            }
        }
        Self { w, h, half, beta: beta as f32, table }
    }

    fn fill(&self, i: usize, bonus: &mut [f32]) {
        let (w, h) = (self.w, self.h);
        let (yi, xi) = (i / w, i % w);
        let clipped = yi < self.half || xi < self.half || yi + self.half >= h || xi + self.half >= w;
        if !clipped {
            let tw = 2 * w - 1;
            for (yj, row) in bonus.chunks_exact_mut(w).enumerate() {
                let r = yj + h - 1 - yi;
                let c0 = w - 1 - xi;
                row.copy_from_slice(&self.table[r * tw + c0..][..w]);
            }
            return;
        }
        let neigh: Vec<(f64, f64)> = (yi.saturating_sub(self.half)..=(yi + self.half).min(h - 1))
            .flat_map(|y| {
                (xi.saturating_sub(self.half)..=(xi + self.half).min(w - 1)).map(move |x| (y as f64, x as f64))
            })
            .collect();
        for (j, v) in bonus.iter_mut().enumerate() {
            let (yj, xj) = ((j / w) as f64, (j % w) as f64);
            let dist: f64 = neigh.iter().map(|&(y, x)| ((yj - y).powi(2) + (xj - x).powi(2)).sqrt()).sum();
            *v = self.beta / dist as f32;
        }
    }
}
