//! The OMP and LSRF models' tensors: their sparse weights (see
//! `models/sparse/file.rs`); the hyperparameters live in the metadata.

use super::{Omp, OmpParams};
use crate::error::Result;
use crate::models::Sparse;
use crate::tensors::{Layout, NamedTensor, TensorReader};

impl Omp {
    /// The tensors a model file stores for this model.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        self.sparse.to_tensors()
    }

    /// Reads a model of `layout` with hyperparameters `hyper` (checked against the size).
    pub(crate) fn from_tensors(t: &TensorReader<'_>, hyper: &serde_json::Value, layout: Layout) -> Result<Self> {
        let params: OmpParams = t.params(hyper)?;
        params.check_for_size(layout.width, layout.height).map_err(|e| t.corrupt(e))?;
        Ok(Omp { params, sparse: Sparse::from_tensors(t, layout)? })
    }
}
