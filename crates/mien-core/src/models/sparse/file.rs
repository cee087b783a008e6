//! The sparse model's tensors: one CSR matrix per weight set, stored as
//! `indptr` (U32 `[sets·d + 1]`), `indices` (U32 `[nnz]`) and `values`
//! (F64 `[nnz]`), the layout of `scipy.sparse`. OMP, LSRF and lasso files
//! store their weights this way too.

use super::Sparse;
use crate::error::Result;
use crate::tensors::{Layout, NamedTensor, TensorData, TensorReader};

impl Sparse {
    /// The tensors a model file stores for these weights.
    pub(crate) fn to_tensors(&self) -> Vec<NamedTensor> {
        vec![
            ("indptr", vec![self.indptr.len()], TensorData::U32(self.indptr.clone())),
            ("indices", vec![self.indices.len()], TensorData::U32(self.indices.clone())),
            ("values", vec![self.values.len()], TensorData::F64(self.values.clone())),
        ]
    }

    /// Reads and checks the CSR tensors of a model of `layout`.
    pub(crate) fn from_tensors(t: &TensorReader<'_>, layout: Layout) -> Result<Self> {
        let rows = layout.sets * layout.pixels();
        let indptr = t.u32("indptr", Some(rows + 1))?;
        let nnz = indptr.last().copied().unwrap_or(0) as usize;
        let indices = t.u32("indices", Some(nnz))?;
        let values = t.f64("values", nnz)?;
        Sparse::from_parts(layout.width, layout.height, layout.sets, indptr, indices, values)
            .ok_or_else(|| t.corrupt("sparse weights are inconsistent (row pointers or column indices out of range)"))
    }
}
