//! The one model file format: a self-describing `.safetensors` file.
//!
//! The safetensors header's `__metadata__` holds three plain keys —
//! `format = "mien-model"`, `format_version`, `kind` — and `mien`, a JSON
//! [`ModelMeta`]. Loading reads the header alone first and checks format,
//! version and kind before touching any tensor, so a model from a newer mien
//! or of another kind is named as such instead of failing on a tensor shape.
//! Tensor names and shapes per kind are listed in `docs/model-format.md`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::image::write_atomic;
use crate::models::{ChannelMode, Masked, MaskedParams, PixelKernel, PixelKernelParams, Predict};
use crate::normalize::{Normalize, OutputMode};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_TAG: &str = "mien-model";

/// Where the training data came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Number of training pairs.
    pub pairs: usize,
    /// Name of the dataset folder.
    pub source: String,
    /// Wall-clock fitting time in seconds.
    pub seconds: f64,
    /// Target expression, when known (e.g. `happy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// Everything in a model file besides the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Format version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Model kind (`masked`, `pixel`, `pixel-kernel`, …).
    pub kind: String,
    /// Program and version that wrote the file.
    pub written_by: String,
    /// The kind's hyperparameters.
    pub hyperparameters: serde_json::Value,
    /// Training width.
    pub width: usize,
    /// Training height.
    pub height: usize,
    /// Channel mode.
    pub channel_mode: ChannelMode,
    /// Number of weight sets (1 or 3).
    pub weight_sets: usize,
    /// Input normalisation.
    pub normalize: Normalize,
    /// Default output mode.
    pub output_mode: OutputMode,
    /// Training summary.
    pub training: TrainingInfo,
    /// Alignment template of the face crops the model was trained on, if any
    /// (written by the face crate; opaque here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<serde_json::Value>,
}

/// A fitted model of any kind.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AnyModel {
    /// Masked regression.
    Masked(Masked),
    /// Linear pixel model (a masked model with r = 1).
    Pixel(Masked),
    /// Kernel pixel model.
    PixelKernel(PixelKernel),
}

impl AnyModel {
    /// The kind's name as written in model files and on the command line.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::Masked(_) => "masked",
            AnyModel::Pixel(_) => "pixel",
            AnyModel::PixelKernel(_) => "pixel-kernel",
        }
    }
    /// The model as a predictor.
    pub fn predictor(&self) -> &dyn Predict {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => m,
            AnyModel::PixelKernel(m) => m,
        }
    }
    fn hyperparameters(&self) -> serde_json::Value {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => serde_json::to_value(&m.params),
            AnyModel::PixelKernel(m) => serde_json::to_value(&m.params),
        }
        .expect("hyperparameters serialise")
    }
    fn channel_mode(&self) -> ChannelMode {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => m.params.channels,
            AnyModel::PixelKernel(m) => m.params.channels,
        }
    }
    fn tensors(&self) -> Vec<(&'static str, Vec<usize>, Vec<f32>)> {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => {
                let k1 = m.params.window_len() + 1;
                vec![("weights", vec![m.sets, m.width * m.height, k1], m.weights_per_pixel())]
            }
            AnyModel::PixelKernel(m) => {
                let d = m.width * m.height;
                let c = m.params.centres;
                vec![
                    ("centres", vec![m.sets, d, c], m.centres.clone()),
                    ("coefficients", vec![m.sets, d, c], m.coefs.clone()),
                    ("bias", vec![m.sets, d], m.bias.clone()),
                ]
            }
        }
    }
}

/// A model with its metadata: what a `.safetensors` model file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile {
    /// Metadata.
    pub meta: ModelMeta,
    /// Weights.
    pub model: AnyModel,
}

impl ModelFile {
    /// Wraps a fitted model with fresh metadata.
    pub fn new(model: AnyModel, normalize: Normalize, output_mode: OutputMode, training: TrainingInfo) -> Self {
        let (width, height) = model.predictor().size();
        let meta = ModelMeta {
            format_version: FORMAT_VERSION,
            kind: model.kind().to_string(),
            written_by: format!("mien {}", env!("CARGO_PKG_VERSION")),
            hyperparameters: model.hyperparameters(),
            width,
            height,
            channel_mode: model.channel_mode(),
            weight_sets: model.predictor().weight_sets(),
            normalize,
            output_mode,
            training,
            alignment: None,
        };
        Self { meta, model }
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let tensors = self.model.tensors();
        let bytes: Vec<(&str, Vec<usize>, Vec<u8>)> =
            tensors.into_iter().map(|(n, s, v)| (n, s, v.iter().flat_map(|x| x.to_le_bytes()).collect())).collect();
        let views = bytes
            .iter()
            .map(|(n, s, b)| Ok((*n, TensorView::new(Dtype::F32, s.clone(), b).map_err(|e| corrupt("<memory>", e))?)))
            .collect::<Result<Vec<_>>>()?;
        let mut info = HashMap::new();
        info.insert("format".to_string(), FORMAT_TAG.to_string());
        info.insert("format_version".to_string(), FORMAT_VERSION.to_string());
        info.insert("kind".to_string(), self.meta.kind.clone());
        info.insert("mien".to_string(), serde_json::to_string(&self.meta).expect("metadata serialises"));
        safetensors::serialize(views, Some(info)).map_err(|e| corrupt("<memory>", e))
    }

    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_bytes()?)
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(&bytes, path)
    }

    /// Reads only the metadata (cheap: the header alone).
    pub fn read_meta(bytes: &[u8], path: &Path) -> Result<ModelMeta> {
        let info = read_header_metadata(bytes, path)?;
        let version = info.get("format_version").cloned().unwrap_or_default();
        let meta_json = info.get("mien");
        if version != FORMAT_VERSION.to_string() {
            let writer = meta_json
                .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
                .and_then(|v| v.get("written_by").and_then(|w| w.as_str()).map(str::to_string))
                .unwrap_or_else(|| "an unknown program".into());
            return Err(Error::UnsupportedVersion {
                path: path.into(),
                found: version,
                supported: FORMAT_VERSION,
                writer,
            });
        }
        let meta_json = meta_json.ok_or_else(|| corrupt(path, "the `mien` metadata entry is missing"))?;
        serde_json::from_str(meta_json).map_err(|e| corrupt(path, format!("metadata: {e}")))
    }

    /// Parses a model from bytes; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let meta = Self::read_meta(bytes, path)?;
        let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(path, e))?;
        let d = meta.width.checked_mul(meta.height).ok_or_else(|| corrupt(path, "image size overflows"))?;
        let sets = meta.weight_sets;
        if !(sets == 1 || sets == 3) || d == 0 {
            return Err(corrupt(path, format!("{sets} weight sets for a {}×{} image", meta.width, meta.height)));
        }
        let model = match meta.kind.as_str() {
            "masked" | "pixel" => {
                let params: MaskedParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check_for_size(meta.width, meta.height).map_err(|e| corrupt(path, e))?;
                let k1 = params.window_len() + 1;
                let w = tensor_f32(&st, "weights", &[sets, d, k1], path)?;
                let m = Masked::from_weights_per_pixel(params, meta.width, meta.height, sets, &w)
                    .ok_or_else(|| corrupt(path, "weights have the wrong length"))?;
                if meta.kind == "pixel" {
                    if m.params.receptive_field != 1 {
                        return Err(corrupt(path, "a pixel model must have receptive field 1"));
                    }
                    AnyModel::Pixel(m)
                } else {
                    AnyModel::Masked(m)
                }
            }
            "pixel-kernel" => {
                let params: PixelKernelParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check().map_err(|e| corrupt(path, e))?;
                let c = params.centres;
                let centres = tensor_f32(&st, "centres", &[sets, d, c], path)?;
                let coefs = tensor_f32(&st, "coefficients", &[sets, d, c], path)?;
                let bias = tensor_f32(&st, "bias", &[sets, d], path)?;
                AnyModel::PixelKernel(PixelKernel {
                    params,
                    width: meta.width,
                    height: meta.height,
                    sets,
                    centres,
                    coefs,
                    bias,
                })
            }
            other => {
                return Err(Error::NotAModel {
                    path: path.into(),
                    reason: format!("unknown model kind `{other}`; it may need a newer mien"),
                })
            }
        };
        Ok(Self { meta, model })
    }

    /// Loads and checks the kind.
    pub fn load_kind(path: &Path, kind: &str) -> Result<Self> {
        let f = Self::load(path)?;
        if f.meta.kind != kind {
            return Err(Error::WrongKind { path: path.into(), expected: kind.into(), found: f.meta.kind });
        }
        Ok(f)
    }
}

fn corrupt(path: impl AsRef<Path>, reason: impl ToString) -> Error {
    Error::CorruptModel { path: path.as_ref().to_path_buf(), reason: reason.to_string() }
}

/// Parses the safetensors header by hand so that "not a safetensors file",
/// "not a mien model" and "a truncated mien model" get different messages.
fn read_header_metadata(bytes: &[u8], path: &Path) -> Result<HashMap<String, String>> {
    let not_model = |reason: &str| Error::NotAModel { path: PathBuf::from(path), reason: reason.into() };
    if bytes.len() < 8 {
        return Err(not_model("the file is shorter than a safetensors header"));
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if n < 2 || n > 100_000_000 || bytes.get(8) != Some(&b'{') {
        return Err(not_model("no safetensors header"));
    }
    let end = 8 + n as usize;
    let Some(header) = bytes.get(8..end) else {
        return Err(corrupt(path, format!("truncated: header needs {end} bytes, file has {}", bytes.len())));
    };
    let value: serde_json::Value =
        serde_json::from_slice(header).map_err(|_| not_model("the safetensors header is not valid JSON"))?;
    let info: HashMap<String, String> = value
        .get("__metadata__")
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .ok_or_else(|| not_model("a safetensors file without mien metadata"))?;
    if info.get("format").map(String::as_str) != Some(FORMAT_TAG) {
        return Err(not_model("a safetensors file without mien metadata"));
    }
    Ok(info)
}

fn tensor_f32(st: &SafeTensors<'_>, name: &str, shape: &[usize], path: &Path) -> Result<Vec<f32>> {
    let t = st.tensor(name).map_err(|_| corrupt(path, format!("tensor `{name}` is missing")))?;
    if t.dtype() != Dtype::F32 || t.shape() != shape {
        return Err(corrupt(
            path,
            format!("tensor `{name}` is {:?}{:?}, expected F32{:?}", t.dtype(), t.shape(), shape),
        ));
    }
    Ok(t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}
