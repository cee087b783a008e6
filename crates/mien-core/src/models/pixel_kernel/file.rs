//! The kernel pixel model's tensors, all F32 with d pixels and c centres:
//! `centres` `[sets, d, c]`, `coefficients` `[sets, d, c]`, `bias` `[sets, d]`.

use super::{PixelKernel, PixelKernelParams};
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData::F32, TensorReader};

impl PixelKernel {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        let d = self.width * self.height;
        let c = self.params.centres;
        vec![
            ("centres", vec![self.sets, d, c], F32(self.centres.clone())),
            ("coefficients", vec![self.sets, d, c], F32(self.coefs.clone())),
            ("bias", vec![self.sets, d], F32(self.bias.clone())),
        ]
    }

    /// Reads a model of `layout` with hyperparameters `hyper`.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: PixelKernelParams = t.params(hyper)?;
        params.check().map_err(|e| t.corrupt(e))?;
        let (sets, d, c) = (layout.sets, layout.pixels(), params.centres);
        let centres = t.f32("centres", &[sets, d, c])?;
        let coefs = t.f32("coefficients", &[sets, d, c])?;
        let bias = t.f32("bias", &[sets, d])?;
        Ok(PixelKernel { params, width: layout.width, height: layout.height, sets, centres, coefs, bias })
    }
}
