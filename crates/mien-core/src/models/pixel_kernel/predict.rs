//! Prediction: `b + Σ_j β_j exp(−γ (x − c_j)²)` per pixel.

use super::PixelKernel;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::{check_shape, Predict};

impl Predict for PixelKernel {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn weight_sets(&self) -> usize {
        self.sets
    }

    fn parameter_count(&self) -> usize {
        self.centres.len() + self.coefs.len() + self.bias.len()
    }

    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let d = self.width * self.height;
        let m = self.params.centres;
        let gamma = self.params.gamma as f32;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            let src = input.plane(c);
            let dst = out.plane_mut(c);
            for i in 0..d {
                let base = (s * d + i) * m;
                let x = src[i];
                let mut acc = self.bias[s * d + i];
                for (&cj, &bj) in self.centres[base..base + m].iter().zip(&self.coefs[base..base + m]) {
                    let diff = x - cj;
                    acc += bj * (-gamma * diff * diff).exp();
                }
                dst[i] = acc;
            }
        }
        Ok(())
    }
}
