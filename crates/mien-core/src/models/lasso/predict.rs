//! Prediction: the sparse weights applied row by row.

use super::Lasso;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::Predict;

impl Predict for Lasso {
    fn size(&self) -> (usize, usize) {
        self.sparse.size()
    }
    fn weight_sets(&self) -> usize {
        self.sparse.weight_sets()
    }
    fn parameter_count(&self) -> usize {
        self.sparse.parameter_count() + self.sparse.indices.len()
    }
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        self.sparse.predict_into(input, out)
    }
}
