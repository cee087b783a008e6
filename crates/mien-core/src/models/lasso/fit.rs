//! Fitting the lasso: per-pixel coordinate descent along an α path with
//! strong-rule screening and KKT checks. Pixels run in parallel.

use rayon::prelude::*;

use super::{Lasso, LassoParams};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::dense::with_weight_sets;
use crate::models::omp::fit::columns;
use crate::models::Sparse;

pub(super) fn fit(params: &LassoParams, data: &PairedDataset) -> Result<Lasso> {
    params.check()?;
    with_weight_sets(params.channels, data, |w, h, sets| {
        let d = w * h;
        let mut indptr = vec![0u32];
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for samples in sets {
            let n = samples.len();
            let (mut x, mut t) = columns(samples, d);
            let mx = centre_columns(&mut x, n);
            let mt = centre_columns(&mut t, n);
            let sq: Vec<f64> =
                x.chunks_exact(n).map(|c| c.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / n as f64).collect();
            let rows: Vec<Vec<(u32, f64)>> = (0..d)
                .into_par_iter()
                .map(|i| {
                    let wts = solve_pixel(params, &x, &sq, &t[i * n..(i + 1) * n], n);
                    let mut row: Vec<(u32, f64)> = wts.iter().map(|&(j, v)| (j as u32, v)).collect();
                    let bias = mt[i] - wts.iter().map(|&(j, v)| v * mx[j]).sum::<f64>();
                    row.push((d as u32, bias));
                    row
                })
                .collect();
            for row in rows {
                indices.extend(row.iter().map(|e| e.0));
                values.extend(row.iter().map(|e| e.1));
                indptr.push(indices.len() as u32);
            }
        }
        let sparse = Sparse::from_parts(w, h, sets.len(), indptr, indices, values)
            .ok_or_else(|| Error::Incompatible(format!("{d} pixels are too many for a sparse model")))?;
        Ok(Lasso { params: params.clone(), sparse })
    })
}

/// Centres each `n`-long column in place; returns the means.
fn centre_columns(x: &mut [f32], n: usize) -> Vec<f64> {
    x.chunks_exact_mut(n)
        .map(|c| {
            let m = c.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
            c.iter_mut().for_each(|v| *v = (*v as f64 - m) as f32);
            m
        })
        .collect()
}

fn dot(a: &[f32], r: &[f64]) -> f64 {
    a.iter().zip(r).map(|(&u, &v)| u as f64 * v).sum()
}

/// The nonzero weights `(input, weight)` of one output pixel, sorted by input.
fn solve_pixel(p: &LassoParams, x: &[f32], sq: &[f64], t: &[f32], n: usize) -> Vec<(usize, f64)> {
    let d = sq.len();
    let inv_n = 1.0 / n as f64;
    let mut r: Vec<f64> = t.iter().map(|&v| v as f64).collect();
    let mut grad: Vec<f64> = x.chunks_exact(n).map(|c| dot(c, &r).abs() * inv_n).collect();
    let amax = grad.iter().copied().fold(0.0, f64::max);
    if p.alpha >= amax {
        return Vec::new();
    }
    let k = p.path_len;
    let ratio = p.alpha / amax;
    let alphas = (1..=k).map(|s| amax * ratio.powf(s as f64 / k as f64));
    let mut w = vec![0.0f64; d];
    let mut in_set = vec![false; d];
    let mut set: Vec<usize> = Vec::new();
    let mut prev = amax;
    for a in alphas {
        // Sequential strong rule, plus everything already active.
        for j in 0..d {
            if !in_set[j] && (grad[j] >= 2.0 * a - prev || w[j] != 0.0) {
                in_set[j] = true;
                set.push(j);
            }
        }
        loop {
            for _ in 0..p.max_sweeps {
                let mut change = 0.0f64;
                for &j in &set {
                    if sq[j] <= 0.0 {
                        continue;
                    }
                    let col = &x[j * n..(j + 1) * n];
                    let rho = dot(col, &r) * inv_n + w[j] * sq[j];
                    let new = rho.signum() * (rho.abs() - a).max(0.0) / sq[j];
                    let delta = new - w[j];
                    if delta != 0.0 {
                        for (rv, &c) in r.iter_mut().zip(col) {
                            *rv -= delta * c as f64;
                        }
                        w[j] = new;
                        change = change.max(delta.abs());
                    }
                }
                if change < p.tolerance {
                    break;
                }
            }
            // KKT check over every input: any screened-out violator joins and we descend again.
            for (g, c) in grad.iter_mut().zip(x.chunks_exact(n)) {
                *g = dot(c, &r).abs() * inv_n;
            }
            let before = set.len();
            for j in 0..d {
                if !in_set[j] && grad[j] > a * (1.0 + 1e-9) {
                    in_set[j] = true;
                    set.push(j);
                }
            }
            if set.len() == before {
                break;
            }
        }
        prev = a;
    }
    (0..d).filter(|&j| w[j] != 0.0).map(|j| (j, w[j])).collect()
}
