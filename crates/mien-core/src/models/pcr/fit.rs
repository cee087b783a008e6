//! Fitting PCR through the eigen-decomposition of the `n × n` Gram matrix.

use super::{Pcr, PcrParams};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::dense::{centre_rows, column_means, gemm, sample_matrices, symmetric_eigen, with_weight_sets, Mat};

pub(super) fn fit(params: &PcrParams, data: &PairedDataset) -> Result<Pcr> {
    params.check()?;
    with_weight_sets(params.channels, data, |w, h, sets| {
        let d = w * h;
        let k = params.components;
        let mut m = Pcr {
            params: params.clone(),
            width: w,
            height: h,
            sets: sets.len(),
            mean_input: Vec::new(),
            mean_target: Vec::new(),
            components: Vec::new(),
            coefficients: Vec::new(),
        };
        for samples in sets {
            let n = samples.len();
            let (mut x, mut t) = sample_matrices(samples, d);
            let mx = column_means(&x, n, d);
            let mt = column_means(&t, n, d);
            centre_rows(&mut x, &mx);
            centre_rows(&mut t, &mt);
            let mut g = vec![0.0f64; n * n];
            gemm(n, d, n, Mat::rows(&x, d), Mat::transposed(&x, d), &mut g);
            let (vals, vecs) = symmetric_eigen(g, n);
            // Directions whose variance is at rounding level are noise, not components.
            let floor = vals.first().copied().unwrap_or(0.0).max(0.0) * 1e-10;
            let rank = vals.iter().take_while(|&&v| v > floor && v > 0.0).count();
            if k > rank {
                return Err(Error::param(
                    "components",
                    k,
                    format!("at most {rank}: the {n} centred training planes span only {rank} directions"),
                ));
            }
            // U_k = V_kᵀ-weighted sums of the training rows: (k × n)·(n × d).
            let mut u = vec![0.0f64; k * d];
            gemm(k, n, d, Mat::rows(&vecs[..k * n], n), Mat::rows(&x, d), &mut u);
            let mut b = vec![0.0f64; k * d];
            gemm(k, n, d, Mat::rows(&vecs[..k * n], n), Mat::rows(&t, d), &mut b);
            for c in 0..k {
                let l = vals[c];
                let su = 1.0 / l.sqrt();
                let sb = l.sqrt() / (l + params.lambda);
                m.components.extend(u[c * d..(c + 1) * d].iter().map(|&v| (v * su) as f32));
                m.coefficients.extend(b[c * d..(c + 1) * d].iter().map(|&v| (v * sb) as f32));
            }
            m.mean_input.extend(mx.iter().map(|&v| v as f32));
            m.mean_target.extend(mt.iter().map(|&v| v as f32));
        }
        Ok(m)
    })
}
