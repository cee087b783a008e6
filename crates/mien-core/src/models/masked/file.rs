//! The masked model's tensors: `weights`, F32 `[sets, d, k + 1]`, per pixel
//! the window weights (row-major) then the bias. Pixel models (r = 1) are
//! stored the same way.

use super::{Masked, MaskedParams};
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData, TensorReader};

impl Masked {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        let k1 = self.params.window_len() + 1;
        vec![("weights", vec![self.sets, self.width * self.height, k1], TensorData::F32(self.weights_per_pixel()))]
    }

    /// Reads a model of `layout` with hyperparameters `hyper` (checked against the size).
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: MaskedParams = t.params(hyper)?;
        params.check_for_size(layout.width, layout.height).map_err(|e| t.corrupt(e))?;
        let k1 = params.window_len() + 1;
        let w = t.f32("weights", &[layout.sets, layout.pixels(), k1])?;
        Masked::from_weights_per_pixel(params, layout.width, layout.height, layout.sets, &w)
            .ok_or_else(|| t.corrupt("weights have the wrong length"))
    }
}
