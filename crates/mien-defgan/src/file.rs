//! The defgan model file: mien's safetensors format (`format = "mien-model"`,
//! `kind = "defgan"`, the shared [`ModelMeta`] JSON) holding the generator
//! pair (G_m, G_t) as named F32 tensors; the critic is training state and
//! lives only in checkpoints.
//!
//! Hyperparameters: `net` ([`NetConfig`], enough to rebuild the networks)
//! and `train` (the [`TrainConfig`] of the run, for the record). Tensor names
//! are the module paths, e.g. `motion.body.stem.conv.weight`,
//! `texture.mask.bias`; shapes are burn's (conv weights `[out, in, k, k]`,
//! transposed conv weights `[in, out, k, k]`).

use std::collections::HashMap;
use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use mien_core::image::{write_atomic, Image, ImageRef};
use mien_core::model_file::{self, ModelFile, ModelMeta, TrainingInfo};
use mien_core::models::ChannelMode;
use mien_core::normalize::Normalize;
use mien_core::Error as CoreError;
use mien_deform::au::{AuVector, AU_COUNT};
use mien_deform::{AuEdit, AuModel};
use serde::{Deserialize, Serialize};

use crate::model::Generator;
use crate::net::NetConfig;
use crate::train::TrainConfig;

/// The kind name in model files and on the command line.
pub const KIND: &str = "defgan";

pub use crate::error::{Error, Result};

#[derive(Serialize, Deserialize)]
struct Hyper {
    net: NetConfig,
    train: TrainConfig,
}

/// A trained generator with its metadata: what a `defgan` model file holds.
#[derive(Clone, Debug)]
pub struct DefganFile {
    /// Metadata (kind `defgan`, `x/255` normalisation, clipped output).
    pub meta: ModelMeta,
    /// Network shapes.
    pub net: NetConfig,
    /// The run's settings.
    pub train: TrainConfig,
    /// The generator pair, on [`DefganFile::device`].
    pub generator: Generator,
    device: Device,
}

/// One edit: the motion-only image and the output, at the model's size, in
/// [0, 1]: the [`AuEdit`] every AU model returns (this name is kept for
/// existing callers).
pub type Edited = AuEdit;

/// Collects (path, shape, values); `Param::val` initialises lazy parameters.
struct Collect {
    path: Vec<String>,
    out: Vec<(String, Vec<usize>, Vec<f32>)>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let values = tensor.to_data().convert::<f32>().try_to_vec::<f32>().unwrap_or_default();
        self.out.push((self.path.join("."), tensor.dims().to_vec(), values));
    }
}

struct Assign {
    path: Vec<String>,
    values: HashMap<String, Vec<f32>>,
    missing: Vec<String>,
}

impl ModuleMapper for Assign {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.join(".");
        match self.values.remove(&name) {
            Some(v) => param.map(|t| {
                let (dims, device) = (t.dims(), t.device());
                Tensor::from_data(TensorData::new(v, dims), &device)
            }),
            None => {
                self.missing.push(name);
                param
            }
        }
    }
}

/// The generator's tensors as (name, shape, values), in module order.
pub fn named_tensors(generator: &Generator) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut c = Collect { path: Vec::new(), out: Vec::new() };
    generator.visit(&mut c);
    c.out
}

impl DefganFile {
    /// Wraps a trained generator; `alignment` is the face template JSON, if any.
    pub fn new(
        generator: Generator,
        train: TrainConfig,
        training: TrainingInfo,
        alignment: Option<serde_json::Value>,
    ) -> Self {
        let net = train.net.clone();
        let hyper = Hyper { net: net.clone(), train: train.clone() };
        let hyper = serde_json::to_value(&hyper).expect("hyperparameters serialise");
        let channels = if net.channels == 1 { ChannelMode::Grey } else { ChannelMode::Separate };
        let mut meta = ModelMeta::new(KIND, hyper, (net.size, net.size), channels, Normalize::Unit, training);
        meta.alignment = alignment;
        let generator = generator.valid();
        let device = generator.devices().first().cloned().unwrap_or_else(Device::flex);
        Self { meta, net, train, generator, device }
    }

    /// Number of generator parameters.
    pub fn parameter_count(&self) -> usize {
        self.generator.num_params()
    }

    /// The device the generator runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let named = named_tensors(&self.generator);
        let views: Vec<(&str, Vec<usize>, &[f32])> =
            named.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect();
        Ok(model_file::f32_tensors_to_bytes(&self.meta, &views)?)
    }

    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(write_atomic(path, &self.to_bytes()?)?)
    }

    /// Reads a defgan model file onto `device`.
    pub fn load(path: &Path, device: &Device) -> Result<Self> {
        let bytes = mien_core::input::read_capped(path, mien_core::input::MAX_MODEL_BYTES, "model file")?;
        Self::from_bytes(&bytes, path, device)
    }

    /// Parses a defgan model from bytes; `path` names it in errors. Format,
    /// version and kind are checked from the header before any tensor is read.
    pub fn from_bytes(bytes: &[u8], path: &Path, device: &Device) -> Result<Self> {
        let (meta, hyper): (_, Hyper) = ModelFile::read_meta_of_kind(bytes, path, KIND)?;
        let corrupt = |reason: String| CoreError::CorruptModel { path: path.into(), reason };
        hyper.net.check().map_err(|e| corrupt(e.to_string()))?;
        if meta.width != hyper.net.size || meta.height != hyper.net.size {
            return Err(corrupt(format!(
                "size {}×{} disagrees with the networks' {}",
                meta.width, meta.height, hyper.net.size
            ))
            .into());
        }
        let fresh = Generator::new(&hyper.net, device);
        let expected = named_tensors(&fresh);
        let wanted: Vec<(&str, &[usize])> = expected.iter().map(|(n, s, _)| (n.as_str(), s.as_slice())).collect();
        let values = model_file::read_f32_tensors(bytes, path, &wanted)?;
        if values.iter().flatten().any(|v| !v.is_finite()) {
            return Err(corrupt("non-finite weights".into()).into());
        }
        let values: HashMap<String, Vec<f32>> = expected.iter().map(|(n, _, _)| n.clone()).zip(values).collect();
        let mut assign = Assign { path: Vec::new(), values, missing: Vec::new() };
        let generator = fresh.map(&mut assign);
        if !assign.missing.is_empty() || !assign.values.is_empty() {
            return Err(corrupt(format!("tensor names do not match the networks ({:?})", assign.missing)).into());
        }
        Ok(Self { meta, net: hyper.net, train: hyper.train, generator: generator.valid(), device: device.clone() })
    }

    /// Edits a face crop at the model's size, intensities in [0, 1] (`x/255`),
    /// towards the AU vector `au`. A grey model edits each channel of a colour
    /// crop; a colour model needs a colour crop.
    pub fn edit(&self, input: &ImageRef<'_, f32>, au: &AuVector) -> Result<Edited> {
        let s = self.net.size;
        if input.width() != s || input.height() != s {
            return Err(Error::InputSize { size: s, actual_w: input.width(), actual_h: input.height() });
        }
        if au.0.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFiniteAu);
        }
        let mc = self.net.channels;
        let ic = input.channels();
        let n = match (mc, ic) {
            (1, c) => c,
            (3, 3) => 1,
            _ => return Err(Error::Channels { model: mc, input: ic }),
        };
        let pixels: Vec<f32> = input.data().iter().map(|v| v * 2.0 - 1.0).collect();
        let x = Tensor::<4>::from_data(TensorData::new(pixels, [n, mc, s, s]), &self.device);
        let au_rows: Vec<f32> = (0..n).flat_map(|_| au.0).collect();
        let a = Tensor::<2>::from_data(TensorData::new(au_rows, [n, AU_COUNT]), &self.device);
        let st = self.generator.forward(x, a);
        let back = |t: Tensor<4>| -> Image<f32> {
            let v = t.into_data().try_to_vec::<f32>().unwrap_or_default();
            let data = v.iter().map(|x| ((x + 1.0) * 0.5).clamp(0.0, 1.0)).collect();
            Image::from_planar(s, s, ic, data).expect("shape matches")
        };
        Ok(Edited { deformed: back(st.warped), output: back(st.output) })
    }
}

impl AuModel for DefganFile {
    type Error = Error;

    fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    fn parameter_count(&self) -> usize {
        DefganFile::parameter_count(self)
    }

    /// [`DefganFile::edit`]: at a zero AU vector the network neutralises the
    /// face rather than returning it unchanged.
    fn edit(&self, input: &ImageRef<'_, f32>, au: &AuVector) -> Result<AuEdit> {
        DefganFile::edit(self, input, au)
    }
}
