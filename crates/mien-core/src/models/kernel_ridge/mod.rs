//! Kernel ridge regression on whole images with an RBF kernel.
//!
//! `f(x) = mean_t + Σ_s k(x, x_s) a_s` with
//! `k(x, x') = exp(−γ · ‖x − x'‖² / d)` — the squared distance is averaged
//! over the d pixels so that γ means the same at every image size — and the
//! dual coefficients `A = (K + λI)⁻¹ (T − mean_t)` (`n × d`, one `n × n`
//! solve for all output pixels). The model stores the n training inputs and
//! the coefficients; prediction costs `2nd`.

mod file;
mod fit;
mod params;
mod predict;

pub use params::KernelRidgeParams;

/// A fitted whole-image kernel ridge regression.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelRidge {
    pub(crate) params: KernelRidgeParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// Training planes n per set.
    pub(crate) samples: usize,
    /// `[sets][n][d]` training inputs.
    pub(crate) inputs: Vec<f32>,
    /// `[sets][n][d]` dual coefficients.
    pub(crate) coefficients: Vec<f32>,
    /// `[sets][d]` mean training target.
    pub(crate) mean_target: Vec<f32>,
}

impl KernelRidge {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &KernelRidgeParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::models::dense::sample_matrices;
    use crate::models::masked::fit::weight_sets;
    use crate::models::solve::dense_solve;
    use crate::models::testutil::dataset;
    use crate::models::{ChannelMode, Predict};

    #[test]
    fn equals_a_dense_dual_solve_and_interpolates() {
        let d = 16;
        let data = dataset(4, 4, 1, 12, 31, |x| (0..d).map(|i| x[i] * x[(i + 3) % d] / 255.0).collect());
        let (gamma, lambda) = (3.0, 1e-8);
        let m = KernelRidgeParams::default().gamma(gamma).lambda(lambda).fit(&data).unwrap();
        let sets = weight_sets(ChannelMode::Shared, &data);
        let n = sets[0].len();
        let (x, t) = sample_matrices(&sets[0], d);
        let kern = |a: &[f64], b: &[f64]| {
            (-gamma * a.iter().zip(b).map(|(u, v)| (u - v).powi(2)).sum::<f64>() / d as f64).exp()
        };
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                k[i * n + j] = kern(&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d]) + if i == j { lambda } else { 0.0 };
            }
        }
        // With λ → 0 the fit interpolates the training pairs.
        for s in 0..n {
            let img = Image::from_planar(4, 4, 1, x[s * d..(s + 1) * d].iter().map(|&v| v as f32).collect()).unwrap();
            let y = m.predict(&img.view()).unwrap();
            for (g, w) in y.data().iter().zip(&t[s * d..(s + 1) * d]) {
                assert!((*g as f64 - w).abs() < 1e-3, "{g} vs {w}");
            }
        }
        // And a new input matches the brute-force dual solve.
        let probe: Vec<f64> = (0..d).map(|j| (j as f64 * 0.37).sin().abs()).collect();
        let kp: Vec<f64> = (0..n).map(|s| kern(&probe, &x[s * d..(s + 1) * d])).collect();
        let img = Image::from_planar(4, 4, 1, probe.iter().map(|&v| v as f32).collect()).unwrap();
        let y = m.predict(&img.view()).unwrap();
        for o in 0..d {
            let mt = (0..n).map(|s| t[s * d + o]).sum::<f64>() / n as f64;
            let rhs: Vec<f64> = (0..n).map(|s| t[s * d + o] - mt).collect();
            let a = dense_solve(k.clone(), rhs, n);
            let want = mt + a.iter().zip(&kp).map(|(u, v)| u * v).sum::<f64>();
            assert!((y.data()[o] as f64 - want).abs() < 1e-3, "{} vs {want}", y.data()[o]);
        }
    }
}
