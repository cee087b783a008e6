//! Prediction: kernel values against every training input, then one combination of coefficient rows.

use super::KernelRidge;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::dense::combine_rows;
use crate::models::{check_shape, Predict};

impl Predict for KernelRidge {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }
    fn weight_sets(&self) -> usize {
        self.sets
    }
    fn parameter_count(&self) -> usize {
        self.inputs.len() + self.coefficients.len() + self.mean_target.len()
    }
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let d = self.width * self.height;
        let n = self.samples;
        let scale = self.params.gamma / d as f64;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            let x = input.plane(c);
            let k: Vec<f64> = self.inputs[s * n * d..(s + 1) * n * d]
                .chunks_exact(d)
                .map(|row| {
                    let d2: f64 = row.iter().zip(x).map(|(&a, &b)| (a as f64 - b as f64).powi(2)).sum();
                    (-scale * d2).exp()
                })
                .collect();
            combine_rows(
                &self.coefficients[s * n * d..(s + 1) * n * d],
                &k,
                &self.mean_target[s * d..(s + 1) * d],
                out.plane_mut(c),
            );
        }
        Ok(())
    }
}
