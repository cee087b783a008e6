//! The PCR model's tensors, all F32 with d pixels and k components:
//! `mean_input` and `mean_target` `[sets, d]`, `components` and
//! `coefficients` `[sets, k, d]`.

use super::{Pcr, PcrParams};
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData::F32, TensorReader};

impl Pcr {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        let (sets, d, k) = (self.sets, self.width * self.height, self.params.components);
        vec![
            ("mean_input", vec![sets, d], F32(self.mean_input.clone())),
            ("mean_target", vec![sets, d], F32(self.mean_target.clone())),
            ("components", vec![sets, k, d], F32(self.components.clone())),
            ("coefficients", vec![sets, k, d], F32(self.coefficients.clone())),
        ]
    }

    /// Reads a model of `layout` with hyperparameters `hyper`.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: PcrParams = t.params(hyper)?;
        params.check().map_err(|e| t.corrupt(e))?;
        let (sets, d, k) = (layout.sets, layout.pixels(), params.components);
        Ok(Pcr {
            width: layout.width,
            height: layout.height,
            sets,
            mean_input: t.f32("mean_input", &[sets, d])?,
            mean_target: t.f32("mean_target", &[sets, d])?,
            components: t.f32("components", &[sets, k, d])?,
            coefficients: t.f32("coefficients", &[sets, k, d])?,
            params,
        })
    }
}
