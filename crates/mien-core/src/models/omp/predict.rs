//! Prediction: the sparse weights applied row by row (see [`Sparse`]).

use super::Omp;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::Predict;

impl Predict for Omp {
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
