//! Fitting kernel ridge regression: the `n × n` RBF kernel from one Gram product.

use super::{KernelRidge, KernelRidgeParams};
use crate::dataset::PairedDataset;
use crate::error::Result;
use crate::models::dense::{centre_rows, column_means, gemm, sample_matrices, with_weight_sets, Mat};
use crate::models::ridge::fit::kernel_solve;

pub(super) fn fit(params: &KernelRidgeParams, data: &PairedDataset) -> Result<KernelRidge> {
    params.check()?;
    with_weight_sets(params.channels, data, |w, h, sets| {
        let d = w * h;
        let n = sets.first().map_or(0, Vec::len);
        let mut m = KernelRidge {
            params: params.clone(),
            width: w,
            height: h,
            sets: sets.len(),
            samples: n,
            inputs: Vec::new(),
            coefficients: Vec::new(),
            mean_target: Vec::new(),
        };
        for samples in sets {
            let (x, mut t) = sample_matrices(samples, d);
            let mt = column_means(&t, n, d);
            centre_rows(&mut t, &mt);
            let mut g = vec![0.0f64; n * n];
            gemm(n, d, n, Mat::rows(&x, d), Mat::transposed(&x, d), &mut g);
            let k = rbf_from_gram(&g, n, params.gamma / d as f64);
            let a = kernel_solve(k, &t, n, d, params.lambda)?;
            m.inputs.extend(x.iter().map(|&v| v as f32));
            m.coefficients.extend(a.iter().map(|&v| v as f32));
            m.mean_target.extend(mt.iter().map(|&v| v as f32));
        }
        Ok(m)
    })
}

/// `exp(−g · ‖x_i − x_j‖²)` from the Gram matrix, `‖x_i − x_j‖² = G_ii + G_jj − 2G_ij`.
fn rbf_from_gram(g: &[f64], n: usize, scale: f64) -> Vec<f64> {
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let d2 = (g[i * n + i] + g[j * n + j] - 2.0 * g[i * n + j]).max(0.0);
            k[i * n + j] = (-scale * d2).exp();
        }
    }
    k
}
