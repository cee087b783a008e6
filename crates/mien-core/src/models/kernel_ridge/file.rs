//! The kernel ridge model's tensors, all F32 with d pixels and n training
//! planes: `inputs` and `coefficients` `[sets, n, d]`, `mean_target` `[sets, d]`.

use super::{KernelRidge, KernelRidgeParams};
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData::F32, TensorReader};

impl KernelRidge {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        let (sets, d, n) = (self.sets, self.width * self.height, self.samples);
        vec![
            ("inputs", vec![sets, n, d], F32(self.inputs.clone())),
            ("coefficients", vec![sets, n, d], F32(self.coefficients.clone())),
            ("mean_target", vec![sets, d], F32(self.mean_target.clone())),
        ]
    }

    /// Reads a model of `layout` with hyperparameters `hyper`; n comes from
    /// the shape of `inputs`.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: KernelRidgeParams = t.params(hyper)?;
        params.check().map_err(|e| t.corrupt(e))?;
        let (sets, d) = (layout.sets, layout.pixels());
        let n = t.leading_samples("inputs", sets, d)?;
        Ok(KernelRidge {
            params,
            width: layout.width,
            height: layout.height,
            sets,
            samples: n,
            inputs: t.f32("inputs", &[sets, n, d])?,
            coefficients: t.f32("coefficients", &[sets, n, d])?,
            mean_target: t.f32("mean_target", &[sets, d])?,
        })
    }
}
