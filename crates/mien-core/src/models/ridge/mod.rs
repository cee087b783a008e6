//! Whole-image ridge regression (the ℓ2 comparison model): every output
//! pixel regresses on every input pixel plus a bias.
//!
//! With centred inputs `Xc` (`n × d`) and targets `Tc`, the primal weights
//! `W = (XcᵀXc + λI)⁻¹ XcᵀTc` are `d × d` — a gigabyte at 128×128 — but equal
//! `XcᵀA` with the dual coefficients `A = (XcXcᵀ + λI)⁻¹ Tc` (`n × d`), which
//! only needs an `n × n` solve. The fit never forms `XcᵀXc`.
//!
//! Storage trade-off: the primal model is `d²` numbers and predicts in `d²`
//! multiply-adds; the dual model keeps the centred training inputs and the
//! coefficients, `2nd` numbers, and predicts in `2nd` via
//! `y = mean_t + Aᵀ Xc (x − mean_x)`. mien stores whichever is smaller, so
//! the primal form only for tiny images (`d < 2n`); at 128×128 with 300
//! training planes the dual model is 39 MB against 1 GB. The cost of the dual
//! form is that the model file contains the (normalised) training images.

mod file;
pub(crate) mod fit;
mod params;
mod predict;

pub use params::RidgeParams;

/// The stored weights of a [`Ridge`] model.
#[derive(Clone, Debug, PartialEq)]
pub enum RidgeWeights {
    /// `[sets][d (input)][d (output)]` primal weights.
    Primal(Vec<f32>),
    /// Dual form.
    Dual {
        /// Training planes n per weight set.
        samples: usize,
        /// Centred training inputs `[sets][n][d]`.
        inputs: Vec<f32>,
        /// Dual coefficients `[sets][n][d]`.
        coefficients: Vec<f32>,
    },
}

/// A fitted whole-image ridge regression.
#[derive(Clone, Debug, PartialEq)]
pub struct Ridge {
    pub(crate) params: RidgeParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// `[sets][d]` mean training input.
    pub(crate) mean_input: Vec<f32>,
    /// `[sets][d]` mean training target.
    pub(crate) mean_target: Vec<f32>,
    pub(crate) weights: RidgeWeights,
}

impl Ridge {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &RidgeParams {
        &self.params
    }
    /// The stored weights.
    pub fn weights(&self) -> &RidgeWeights {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::models::dense::{centre_rows, column_means, sample_matrices};
    use crate::models::masked::fit::weight_sets;
    use crate::models::solve::dense_solve;
    use crate::models::testutil::{dataset, Lcg};
    use crate::models::{ChannelMode, Predict};

    fn probe(d: usize, seed: u64) -> Image<f32> {
        let mut rng = Lcg(seed);
        Image::from_planar(6, d / 6, 1, (0..d).map(|_| rng.next_u8() as f32 / 255.0).collect()).unwrap()
    }

    /// Brute force: the d×d primal normal equations, solved densely.
    fn primal_prediction(data: &crate::dataset::PairedDataset, lambda: f64, x: &[f32]) -> Vec<f64> {
        let d = data.width * data.height;
        let sets = weight_sets(ChannelMode::Shared, data);
        let n = sets[0].len();
        let (mut xm, mut tm) = sample_matrices(&sets[0], d);
        let (mx, mt) = (column_means(&xm, n, d), column_means(&tm, n, d));
        centre_rows(&mut xm, &mx);
        centre_rows(&mut tm, &mt);
        let mut g = vec![0.0; d * d];
        for a in 0..d {
            for b in 0..d {
                g[a * d + b] =
                    (0..n).map(|s| xm[s * d + a] * xm[s * d + b]).sum::<f64>() + if a == b { lambda } else { 0.0 };
            }
        }
        let z: Vec<f64> = x.iter().zip(&mx).map(|(&v, m)| v as f64 - m).collect();
        (0..d)
            .map(|o| {
                let rhs: Vec<f64> = (0..d).map(|a| (0..n).map(|s| xm[s * d + a] * tm[s * d + o]).sum()).collect();
                let w = dense_solve(g.clone(), rhs, d);
                mt[o] + w.iter().zip(&z).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect()
    }

    #[test]
    fn equals_the_primal_solve_in_both_storage_forms() {
        let d = 36;
        for (pairs, want_primal) in [(10, false), (30, true)] {
            let data = dataset(6, 6, 1, pairs, 11, |x| (0..d).map(|i| 0.6 * x[(i * 5 + 1) % d] + 0.4 * x[i]).collect());
            let m = RidgeParams::default().lambda(0.3).fit(&data).unwrap();
            assert_eq!(matches!(m.weights, RidgeWeights::Primal(_)), want_primal);
            let x = probe(d, 12);
            let got = m.predict(&x.view()).unwrap();
            let want = primal_prediction(&data, 0.3, x.data());
            for (g, w) in got.data().iter().zip(&want) {
                assert!((*g as f64 - w).abs() < 1e-4, "{g} vs {w}");
            }
        }
    }

    #[test]
    fn recovers_a_dense_linear_map() {
        let d = 36;
        let map = |x: &[f64]| -> Vec<f64> {
            (0..d).map(|i| 0.5 * x[(i * 7 + 3) % d] + 0.3 * x[(i + 5) % d] + 20.0).collect()
        };
        let data = dataset(6, 6, 1, 200, 13, map);
        let m = RidgeParams::default().lambda(1e-6).fit(&data).unwrap();
        let x = probe(d, 14);
        let got = m.predict(&x.view()).unwrap();
        let xs: Vec<f64> = x.data().iter().map(|&v| v as f64 * 255.0).collect();
        for (g, w) in got.data().iter().zip(map(&xs)) {
            assert!((*g as f64 * 255.0 - w).abs() < 0.5, "{} vs {w}", g * 255.0);
        }
    }
}
