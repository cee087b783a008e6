//! Reading face-api's weight files: a JSON manifest naming each tensor with
//! its shape and 8-bit quantisation, and one `.bin` holding the tensors back
//! to back (`value = q · scale + min`).
//!
//! The tensors are looked up by name and their shapes checked against the
//! architecture before anything is built, so a wrong or truncated file is a
//! [`Error::CorruptWeights`], never a panic.

use std::collections::HashMap;

use serde::Deserialize;

use super::conv::Conv3x3;
use super::dense_block::{DenseBlock, FirstLayer};
use super::fully_connected::FullyConnected;
use super::separable::SeparableConv;
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct Group {
    weights: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    shape: Vec<usize>,
    dtype: String,
    quantization: Option<Quantization>,
}

#[derive(Deserialize)]
struct Quantization {
    dtype: String,
    scale: f32,
    min: f32,
}

/// Every tensor of a weight file, dequantised, by name.
pub(crate) struct WeightMap {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl WeightMap {
    /// Parses a manifest and its binary.
    pub fn parse(manifest: &str, bin: &[u8]) -> Result<Self> {
        let groups: Vec<Group> =
            serde_json::from_str(manifest).map_err(|e| Error::CorruptWeights(format!("manifest: {e}")))?;
        let mut tensors = HashMap::new();
        let mut at = 0usize;
        for e in groups.into_iter().flat_map(|g| g.weights) {
            let n = e.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let n = n.ok_or_else(|| Error::CorruptWeights(format!("{}: shape overflows", e.name)))?;
            let values = match (&e.quantization, e.dtype.as_str()) {
                (Some(q), "float32") if q.dtype == "uint8" => {
                    let raw = slice(bin, at, n, &e.name)?;
                    at += n;
                    raw.iter().map(|&v| f32::from(v) * q.scale + q.min).collect()
                }
                (None, "float32") => {
                    let raw = slice(bin, at, n.saturating_mul(4), &e.name)?;
                    at += 4 * n;
                    raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
                }
                _ => return Err(Error::CorruptWeights(format!("{}: unsupported dtype {}", e.name, e.dtype))),
            };
            tensors.insert(e.name, (e.shape, values));
        }
        if at != bin.len() {
            return Err(Error::CorruptWeights(format!("binary has {} bytes, manifest describes {at}", bin.len())));
        }
        Ok(Self { tensors })
    }

    /// Takes a tensor, checking its shape.
    pub(crate) fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let (s, v) =
            self.tensors.remove(name).ok_or_else(|| Error::CorruptWeights(format!("missing tensor {name}")))?;
        if s != shape {
            return Err(Error::CorruptWeights(format!("{name} has shape {s:?}, expected {shape:?}")));
        }
        Ok(v)
    }

    pub(crate) fn conv(&mut self, prefix: &str, c_in: usize, c_out: usize) -> Result<Conv3x3> {
        Ok(Conv3x3 {
            c_in,
            c_out,
            filters: self.take(&format!("{prefix}/filters"), &[3, 3, c_in, c_out])?,
            bias: self.take(&format!("{prefix}/bias"), &[c_out])?,
        })
    }

    pub(crate) fn separable(&mut self, prefix: &str, c_in: usize, c_out: usize) -> Result<SeparableConv> {
        Ok(SeparableConv {
            c_in,
            c_out,
            depthwise: self.take(&format!("{prefix}/depthwise_filter"), &[3, 3, c_in, 1])?,
            pointwise: self.take(&format!("{prefix}/pointwise_filter"), &[1, 1, c_in, c_out])?,
            bias: self.take(&format!("{prefix}/bias"), &[c_out])?,
        })
    }

    /// One dense block `name` taking `c_in` channels to `c_out`.
    pub fn dense_block(&mut self, name: &str, c_in: usize, c_out: usize, first: bool) -> Result<DenseBlock> {
        let conv0 = if first {
            FirstLayer::Full(self.conv(&format!("{name}/conv0"), c_in, c_out)?)
        } else {
            FirstLayer::Separable(self.separable(&format!("{name}/conv0"), c_in, c_out)?)
        };
        let rest = [
            self.separable(&format!("{name}/conv1"), c_out, c_out)?,
            self.separable(&format!("{name}/conv2"), c_out, c_out)?,
            self.separable(&format!("{name}/conv3"), c_out, c_out)?,
        ];
        Ok(DenseBlock { conv0, rest })
    }

    /// The fully connected head `fc`.
    pub fn fully_connected(&mut self, n_in: usize, n_out: usize) -> Result<FullyConnected> {
        Ok(FullyConnected {
            n_out,
            weights: self.take("fc/weights", &[n_in, n_out])?,
            bias: self.take("fc/bias", &[n_out])?,
        })
    }
}

fn slice<'a>(bin: &'a [u8], at: usize, n: usize, name: &str) -> Result<&'a [u8]> {
    at.checked_add(n)
        .and_then(|end| bin.get(at..end))
        .ok_or_else(|| Error::CorruptWeights(format!("{name}: binary ends early")))
}
