//! Lasso (the ℓ1 comparison model): every output pixel is an ℓ1-penalised
//! regression on all input pixels, `min (1/2n)‖t − b − Xw‖² + α‖w‖₁`, with
//! the intercept b unpenalised (inputs and targets are centred).
//!
//! Each pixel is solved by cyclic coordinate descent with residual updates,
//! along a geometric α path from `α_max = max_j |x_jᵀt| / n` (where w = 0)
//! down to α, warm-starting each step from the last. The sequential strong
//! rule (Tibshirani et al. 2012) restricts each step's descent to
//! `{j : |x_jᵀr| / n ≥ 2α_k − α_{k−1}}` plus the active set; a full gradient
//! check (KKT) afterwards adds any violator and repeats. Nothing `d × d` is
//! formed: memory is the `n × d` training matrices. The fitted model is a
//! [`crate::models::Sparse`] matrix with each pixel's nonzero weights.

mod file;
mod fit;
mod params;
mod predict;

pub use params::LassoParams;

use crate::models::Sparse;

/// A fitted lasso model.
#[derive(Clone, Debug, PartialEq)]
pub struct Lasso {
    pub(crate) params: LassoParams,
    pub(crate) sparse: Sparse,
}

impl Lasso {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &LassoParams {
        &self.params
    }
    /// The weights.
    pub fn sparse(&self) -> &Sparse {
        &self.sparse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testutil::dataset;

    #[test]
    fn recovers_a_sparse_map() {
        let d = 64;
        let data = dataset(8, 8, 1, 80, 61, |x| (0..d).map(|i| 0.6 * x[(i * 7 + 3) % d] + 0.4 * x[i]).collect());
        let m = LassoParams::default().alpha(1e-5).fit(&data).unwrap();
        for i in 0..d {
            let row: Vec<(usize, f64)> = m.sparse.row(0, i).filter(|e| e.1.abs() > 0.02).collect();
            let mut want = vec![((i * 7 + 3) % d, 0.6), (i, 0.4)];
            want.sort_by_key(|e| e.0);
            want.dedup_by_key(|e| e.0);
            let weights: Vec<(usize, f64)> = row.iter().copied().filter(|e| e.0 < d).collect();
            assert_eq!(weights.len(), want.len(), "pixel {i}: {row:?}");
            for (g, w) in weights.iter().zip(&want) {
                assert_eq!(g.0, w.0, "pixel {i}: {row:?}");
                assert!((g.1 - w.1).abs() < 0.02, "pixel {i}: {row:?}");
            }
        }
    }

    #[test]
    fn a_large_alpha_gives_the_mean() {
        let d = 16;
        let data = dataset(4, 4, 1, 20, 62, |x| (0..d).map(|i| x[(i + 1) % d]).collect());
        let m = LassoParams::default().alpha(10.0).fit(&data).unwrap();
        for i in 0..d {
            let row: Vec<(usize, f64)> = m.sparse.row(0, i).collect();
            assert_eq!(row.len(), 1);
            assert_eq!(row[0].0, d);
        }
    }
}
