//! Typed access to the tensors of a safetensors file, shared by every model
//! folder's `file.rs`.
//!
//! Each model kind reads and writes its own tensors next to its code (e.g.
//! `models/ridge/file.rs`); [`crate::model_file`] owns the metadata, the
//! envelope and the dispatch on the kind. This module sits below both so that
//! neither imports the other: it knows tensors, shapes and the "corrupt model
//! file" error, nothing about kinds.

use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;

use crate::error::{Error, Result};

/// The payload of one stored tensor.
pub(crate) enum TensorData {
    /// 32-bit floats (weights, means, planes).
    F32(Vec<f32>),
    /// 64-bit floats (sparse values).
    F64(Vec<f64>),
    /// 32-bit unsigned integers (sparse row pointers and column indices).
    U32(Vec<u32>),
}

/// One tensor to write: name, shape, payload.
pub(crate) type NamedTensor = (&'static str, Vec<usize>, TensorData);

impl TensorData {
    fn dtype(&self) -> Dtype {
        match self {
            TensorData::F32(_) => Dtype::F32,
            TensorData::F64(_) => Dtype::F64,
            TensorData::U32(_) => Dtype::U32,
        }
    }

    fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            TensorData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            TensorData::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            TensorData::U32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// The shape every model of one file shares, from its metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    /// Training width.
    pub width: usize,
    /// Training height.
    pub height: usize,
    /// Number of weight sets (1 or 3).
    pub sets: usize,
}

impl Layout {
    /// Pixels per plane, d = width · height.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }
}

/// A "corrupt model file" error for `path`.
pub(crate) fn corrupt(path: impl AsRef<Path>, reason: impl ToString) -> Error {
    Error::CorruptModel { path: path.as_ref().to_path_buf(), reason: reason.to_string() }
}

/// Serialises named tensors with the given `__metadata__` entries.
pub(crate) fn serialize(
    tensors: Vec<(&str, Vec<usize>, TensorData)>,
    info: std::collections::HashMap<String, String>,
) -> Result<Vec<u8>> {
    let bytes: Vec<(&str, Vec<usize>, Dtype, Vec<u8>)> =
        tensors.into_iter().map(|(n, s, v)| (n, s, v.dtype(), v.to_le_bytes())).collect();
    let views = bytes
        .iter()
        .map(|(n, s, t, b)| Ok((*n, TensorView::new(*t, s.clone(), b).map_err(|e| corrupt("<memory>", e))?)))
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, Some(info)).map_err(|e| corrupt("<memory>", e))
}

/// The tensors of one file, each read with its dtype and shape checked; any
/// missing or misshapen tensor is an [`Error::CorruptModel`] naming it.
pub(crate) struct TensorReader<'a> {
    st: SafeTensors<'a>,
    path: PathBuf,
}

impl<'a> TensorReader<'a> {
    /// Parses the safetensors layout of `bytes`; `path` names the file in errors.
    pub fn new(bytes: &'a [u8], path: &Path) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(path, e))?;
        Ok(Self { st, path: path.to_path_buf() })
    }

    /// A "corrupt model file" error for this file.
    pub fn corrupt(&self, reason: impl ToString) -> Error {
        corrupt(&self.path, reason)
    }

    /// Whether the file holds a tensor of that name.
    pub fn has(&self, name: &str) -> bool {
        self.st.names().contains(&name)
    }

    /// Deserialises a kind's hyperparameters from the metadata JSON.
    pub fn params<P: serde::de::DeserializeOwned>(&self, json: &serde_json::Value) -> Result<P> {
        serde_json::from_value(json.clone()).map_err(|e| self.corrupt(e))
    }

    /// An `f32` tensor of exactly `shape`.
    pub fn f32(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let t = self.st.tensor(name).map_err(|_| self.corrupt(format!("tensor `{name}` is missing")))?;
        if t.dtype() != Dtype::F32 || t.shape() != shape {
            return Err(self.corrupt(format!(
                "tensor `{name}` is {:?}{:?}, expected F32{:?}",
                t.dtype(),
                t.shape(),
                shape
            )));
        }
        let values: Vec<f32> = t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        // No model stores NaN or infinity: one would turn every edit black (or NaN) without an error.
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(self.corrupt(format!("tensor `{name}` holds a non-finite value ({}) at index {i}", values[i])));
        }
        Ok(values)
    }

    /// A one-dimensional `u32` tensor, of length `len` when given.
    pub fn u32(&self, name: &str, len: Option<usize>) -> Result<Vec<u32>> {
        let t = self.st.tensor(name).map_err(|_| self.corrupt(format!("tensor `{name}` is missing")))?;
        if t.dtype() != Dtype::U32 || t.shape().len() != 1 || len.is_some_and(|l| t.shape()[0] != l) {
            return Err(self.corrupt(format!(
                "tensor `{name}` is {:?}{:?}, expected U32[{len:?}]",
                t.dtype(),
                t.shape()
            )));
        }
        Ok(t.data().chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// A one-dimensional `f64` tensor of length `len`.
    pub fn f64(&self, name: &str, len: usize) -> Result<Vec<f64>> {
        let t = self.st.tensor(name).map_err(|_| self.corrupt(format!("tensor `{name}` is missing")))?;
        if t.dtype() != Dtype::F64 || t.shape() != [len] {
            return Err(self.corrupt(format!(
                "tensor `{name}` is {:?}{:?}, expected F64[{len}]",
                t.dtype(),
                t.shape()
            )));
        }
        let values: Vec<f64> =
            t.data().chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(self.corrupt(format!("tensor `{name}` holds a non-finite value ({}) at index {i}", values[i])));
        }
        Ok(values)
    }

    /// The sample count n of a `[sets, n, d]` tensor.
    pub fn leading_samples(&self, name: &str, sets: usize, d: usize) -> Result<usize> {
        let t = self.st.tensor(name).map_err(|_| self.corrupt(format!("tensor `{name}` is missing")))?;
        match t.shape() {
            [s, n, dd] if *s == sets && *dd == d && *n > 0 => Ok(*n),
            other => Err(self.corrupt(format!("tensor `{name}` has shape {other:?}, expected [{sets}, n, {d}]"))),
        }
    }
}
