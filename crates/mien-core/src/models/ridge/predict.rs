//! Prediction: `y = mean_t + Wᵀ (x − mean_x)` (primal) or
//! `y = mean_t + Aᵀ Xc (x − mean_x)` (dual).

use super::{Ridge, RidgeWeights};
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::dense::{combine_rows, dot};
use crate::models::{check_shape, Predict};

impl Predict for Ridge {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }
    fn weight_sets(&self) -> usize {
        self.sets
    }
    fn parameter_count(&self) -> usize {
        self.mean_input.len()
            + self.mean_target.len()
            + match &self.weights {
                RidgeWeights::Primal(w) => w.len(),
                RidgeWeights::Dual { inputs, coefficients, .. } => inputs.len() + coefficients.len(),
            }
    }
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let d = self.width * self.height;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            let mx = &self.mean_input[s * d..(s + 1) * d];
            let mt = &self.mean_target[s * d..(s + 1) * d];
            let z: Vec<f64> = input.plane(c).iter().zip(mx).map(|(&v, &m)| v as f64 - m as f64).collect();
            match &self.weights {
                RidgeWeights::Primal(w) => {
                    combine_rows(&w[s * d * d..(s + 1) * d * d], &z, mt, out.plane_mut(c));
                }
                RidgeWeights::Dual { samples, inputs, coefficients } => {
                    let n = *samples;
                    let xs = &inputs[s * n * d..(s + 1) * n * d];
                    let k: Vec<f64> = xs.chunks_exact(d).map(|row| dot(row, &z)).collect();
                    combine_rows(&coefficients[s * n * d..(s + 1) * n * d], &k, mt, out.plane_mut(c));
                }
            }
        }
        Ok(())
    }
}
