//! The lasso model's tensors: its sparse weights (see
//! `models/sparse/file.rs`); the hyperparameters live in the metadata.

use super::{Lasso, LassoParams};
use crate::error::Result;
use crate::models::Sparse;
use crate::tensors::{Layout, NamedTensor, TensorReader};

impl Lasso {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        self.sparse.to_tensors()
    }

    /// Reads a model of `layout` with hyperparameters `hyper`.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: LassoParams = t.params(hyper)?;
        params.check().map_err(|e| t.corrupt(e))?;
        Ok(Lasso { params, sparse: Sparse::from_tensors(t, layout)? })
    }
}
