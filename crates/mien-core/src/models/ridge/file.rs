//! The ridge model's tensors, all F32 with d pixels: `mean_input` and
//! `mean_target` `[sets, d]`, then either the primal `weights`
//! `[sets, d, d]` or the dual form's centred training `inputs` and
//! `coefficients`, both `[sets, n, d]` (whichever is smaller at fit time).

use super::{Ridge, RidgeParams, RidgeWeights};
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData::F32, TensorReader};

impl Ridge {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        let (sets, d) = (self.sets, self.width * self.height);
        let mut t = vec![
            ("mean_input", vec![sets, d], F32(self.mean_input.clone())),
            ("mean_target", vec![sets, d], F32(self.mean_target.clone())),
        ];
        match &self.weights {
            RidgeWeights::Primal(w) => t.push(("weights", vec![sets, d, d], F32(w.clone()))),
            RidgeWeights::Dual { samples, inputs, coefficients } => {
                t.push(("inputs", vec![sets, *samples, d], F32(inputs.clone())));
                t.push(("coefficients", vec![sets, *samples, d], F32(coefficients.clone())));
            }
        }
        t
    }

    /// Reads a model of `layout` with hyperparameters `hyper`; the presence
    /// of `weights` tells the primal from the dual form.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: RidgeParams = t.params(hyper)?;
        params.check().map_err(|e| t.corrupt(e))?;
        let (sets, d) = (layout.sets, layout.pixels());
        let mean_input = t.f32("mean_input", &[sets, d])?;
        let mean_target = t.f32("mean_target", &[sets, d])?;
        let weights = if t.has("weights") {
            RidgeWeights::Primal(t.f32("weights", &[sets, d, d])?)
        } else {
            let n = t.leading_samples("inputs", sets, d)?;
            RidgeWeights::Dual {
                samples: n,
                inputs: t.f32("inputs", &[sets, n, d])?,
                coefficients: t.f32("coefficients", &[sets, n, d])?,
            }
        };
        Ok(Ridge { params, width: layout.width, height: layout.height, sets, mean_input, mean_target, weights })
    }
}
