//! Fitting ridge regression in the dual: one `n × n` Cholesky, `d` right-hand sides.

use super::{Ridge, RidgeParams, RidgeWeights};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::dense::{
    centre_rows, cholesky_factor, cholesky_solve_rows, column_means, gemm, sample_matrices, with_weight_sets, Mat,
};

pub(super) fn fit(params: &RidgeParams, data: &PairedDataset) -> Result<Ridge> {
    params.check()?;
    with_weight_sets(params.channels, data, |w, h, sets| {
        let d = w * h;
        let n = sets.first().map_or(0, Vec::len);
        let primal = d < 2 * n;
        let (mut mean_input, mut mean_target, mut primal_w, mut inputs, mut coefficients) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for samples in sets {
            let (mut x, mut t) = sample_matrices(samples, d);
            let mx = column_means(&x, n, d);
            let mt = column_means(&t, n, d);
            centre_rows(&mut x, &mx);
            centre_rows(&mut t, &mt);
            let a = dual_solve(&x, &t, n, d, params.lambda)?;
            if primal {
                let mut wts = vec![0.0f64; d * d];
                gemm(d, n, d, Mat::transposed(&x, d), Mat::rows(&a, d), &mut wts);
                primal_w.extend(wts.iter().map(|&v| v as f32));
            } else {
                inputs.extend(x.iter().map(|&v| v as f32));
                coefficients.extend(a.iter().map(|&v| v as f32));
            }
            mean_input.extend(mx.iter().map(|&v| v as f32));
            mean_target.extend(mt.iter().map(|&v| v as f32));
        }
        let weights = if primal {
            RidgeWeights::Primal(primal_w)
        } else {
            RidgeWeights::Dual { samples: n, inputs, coefficients }
        };
        Ok(Ridge { params: params.clone(), width: w, height: h, sets: sets.len(), mean_input, mean_target, weights })
    })
}

/// `A = (X Xᵀ + λI)⁻¹ T` for row-major `n × d` X and T.
pub(crate) fn dual_solve(x: &[f64], t: &[f64], n: usize, d: usize, lambda: f64) -> Result<Vec<f64>> {
    let mut k = vec![0.0f64; n * n];
    gemm(n, d, n, Mat::rows(x, d), Mat::transposed(x, d), &mut k);
    kernel_solve(k, t, n, d, lambda)
}

/// `A = (K + λI)⁻¹ T` for an `n × n` kernel matrix K and row-major `n × d` T.
pub(crate) fn kernel_solve(mut k: Vec<f64>, t: &[f64], n: usize, d: usize, lambda: f64) -> Result<Vec<f64>> {
    for i in 0..n {
        k[i * n + i] += lambda;
    }
    if !cholesky_factor(&mut k, n) {
        return Err(Error::IllConditioned { system: format!("the {n}×{n} dual system"), lambda });
    }
    let mut a = t.to_vec();
    cholesky_solve_rows(&k, n, &mut a, d);
    Ok(a)
}
