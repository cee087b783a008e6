//! Prediction: `y = mean_t + Bᵀ U (x − mean_x)`.

use super::Pcr;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::dense::{combine_rows, dot};
use crate::models::{check_shape, Predict};

impl Predict for Pcr {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }
    fn weight_sets(&self) -> usize {
        self.sets
    }
    fn parameter_count(&self) -> usize {
        self.mean_input.len() + self.mean_target.len() + self.components.len() + self.coefficients.len()
    }
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let d = self.width * self.height;
        let k = self.params.components;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            let mx = &self.mean_input[s * d..(s + 1) * d];
            let z: Vec<f64> = input.plane(c).iter().zip(mx).map(|(&v, &m)| v as f64 - m as f64).collect();
            let proj: Vec<f64> =
                self.components[s * k * d..(s + 1) * k * d].chunks_exact(d).map(|u| dot(u, &z)).collect();
            let rows = &self.coefficients[s * k * d..(s + 1) * k * d];
            combine_rows(rows, &proj, &self.mean_target[s * d..(s + 1) * d], out.plane_mut(c));
        }
        Ok(())
    }
}
