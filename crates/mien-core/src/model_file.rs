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
use crate::models::ridge::RidgeWeights;
use crate::models::{
    ChannelMode, KernelRidge, KernelRidgeParams, Lasso, LassoParams, Masked, MaskedParams, Omp, OmpParams, Pcr,
    PcrParams, PixelKernel, PixelKernelParams, Predict, Ridge, RidgeParams, Sparse,
};
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
    /// Orthogonal matching pursuit (β = 0).
    Omp(Omp),
    /// Locality-constrained sparse regression (OMP with β > 0).
    Lsrf(Omp),
    /// A sparse weight matrix without training hyperparameters (e.g. imported from npz).
    Sparse(Sparse),
    /// Whole-image ridge regression.
    Ridge(Ridge),
    /// Principal-component regression.
    Pcr(Pcr),
    /// Whole-image RBF kernel ridge regression.
    KernelRidge(KernelRidge),
    /// Per-pixel lasso on all input pixels.
    Lasso(Lasso),
}

/// The payload of one stored tensor.
enum TensorData {
    F32(Vec<f32>),
    F64(Vec<f64>),
    U32(Vec<u32>),
}

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

fn sparse_tensors(m: &Sparse) -> Vec<(&'static str, Vec<usize>, TensorData)> {
    vec![
        ("indptr", vec![m.indptr.len()], TensorData::U32(m.indptr.clone())),
        ("indices", vec![m.indices.len()], TensorData::U32(m.indices.clone())),
        ("values", vec![m.values.len()], TensorData::F64(m.values.clone())),
    ]
}

impl AnyModel {
    /// The kind's name as written in model files and on the command line.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyModel::Masked(_) => "masked",
            AnyModel::Pixel(_) => "pixel",
            AnyModel::PixelKernel(_) => "pixel-kernel",
            AnyModel::Omp(_) => "omp",
            AnyModel::Lsrf(_) => "lsrf",
            AnyModel::Sparse(_) => "sparse",
            AnyModel::Ridge(_) => "ridge",
            AnyModel::Pcr(_) => "pcr",
            AnyModel::KernelRidge(_) => "kernel-ridge",
            AnyModel::Lasso(_) => "lasso",
        }
    }
    /// The model as a predictor.
    pub fn predictor(&self) -> &dyn Predict {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => m,
            AnyModel::PixelKernel(m) => m,
            AnyModel::Omp(m) | AnyModel::Lsrf(m) => m,
            AnyModel::Sparse(m) => m,
            AnyModel::Ridge(m) => m,
            AnyModel::Pcr(m) => m,
            AnyModel::KernelRidge(m) => m,
            AnyModel::Lasso(m) => m,
        }
    }
    fn hyperparameters(&self) -> serde_json::Value {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => serde_json::to_value(&m.params),
            AnyModel::PixelKernel(m) => serde_json::to_value(&m.params),
            AnyModel::Omp(m) | AnyModel::Lsrf(m) => serde_json::to_value(&m.params),
            AnyModel::Sparse(_) => Ok(serde_json::json!({})),
            AnyModel::Ridge(m) => serde_json::to_value(&m.params),
            AnyModel::Pcr(m) => serde_json::to_value(&m.params),
            AnyModel::KernelRidge(m) => serde_json::to_value(&m.params),
            AnyModel::Lasso(m) => serde_json::to_value(&m.params),
        }
        .expect("hyperparameters serialise")
    }
    fn channel_mode(&self) -> ChannelMode {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => m.params.channels,
            AnyModel::PixelKernel(m) => m.params.channels,
            AnyModel::Omp(m) | AnyModel::Lsrf(m) => m.params.channels,
            AnyModel::Sparse(m) => {
                if m.sets == 1 {
                    ChannelMode::Shared
                } else {
                    ChannelMode::Separate
                }
            }
            AnyModel::Ridge(m) => m.params.channels,
            AnyModel::Pcr(m) => m.params.channels,
            AnyModel::KernelRidge(m) => m.params.channels,
            AnyModel::Lasso(m) => m.params.channels,
        }
    }
    fn tensors(&self) -> Vec<(&'static str, Vec<usize>, TensorData)> {
        use TensorData::F32;
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => {
                let k1 = m.params.window_len() + 1;
                vec![("weights", vec![m.sets, m.width * m.height, k1], F32(m.weights_per_pixel()))]
            }
            AnyModel::Omp(m) | AnyModel::Lsrf(m) => sparse_tensors(&m.sparse),
            AnyModel::Sparse(m) => sparse_tensors(m),
            AnyModel::Lasso(m) => sparse_tensors(&m.sparse),
            AnyModel::Ridge(m) => {
                let d = m.width * m.height;
                let mut t = vec![
                    ("mean_input", vec![m.sets, d], F32(m.mean_input.clone())),
                    ("mean_target", vec![m.sets, d], F32(m.mean_target.clone())),
                ];
                match &m.weights {
                    RidgeWeights::Primal(w) => t.push(("weights", vec![m.sets, d, d], F32(w.clone()))),
                    RidgeWeights::Dual { samples, inputs, coefficients } => {
                        t.push(("inputs", vec![m.sets, *samples, d], F32(inputs.clone())));
                        t.push(("coefficients", vec![m.sets, *samples, d], F32(coefficients.clone())));
                    }
                }
                t
            }
            AnyModel::Pcr(m) => {
                let (d, k) = (m.width * m.height, m.params.components);
                vec![
                    ("mean_input", vec![m.sets, d], F32(m.mean_input.clone())),
                    ("mean_target", vec![m.sets, d], F32(m.mean_target.clone())),
                    ("components", vec![m.sets, k, d], F32(m.components.clone())),
                    ("coefficients", vec![m.sets, k, d], F32(m.coefficients.clone())),
                ]
            }
            AnyModel::KernelRidge(m) => {
                let (d, n) = (m.width * m.height, m.samples);
                vec![
                    ("inputs", vec![m.sets, n, d], F32(m.inputs.clone())),
                    ("coefficients", vec![m.sets, n, d], F32(m.coefficients.clone())),
                    ("mean_target", vec![m.sets, d], F32(m.mean_target.clone())),
                ]
            }
            AnyModel::PixelKernel(m) => {
                let d = m.width * m.height;
                let c = m.params.centres;
                vec![
                    ("centres", vec![m.sets, d, c], F32(m.centres.clone())),
                    ("coefficients", vec![m.sets, d, c], F32(m.coefs.clone())),
                    ("bias", vec![m.sets, d], F32(m.bias.clone())),
                ]
            }
        }
    }
}

impl ModelMeta {
    /// Fresh metadata for a model of `kind` written by this version: one
    /// weight set, clipped output, no alignment template (set the fields
    /// that differ).
    pub fn new(
        kind: &str,
        hyperparameters: serde_json::Value,
        (width, height): (usize, usize),
        channel_mode: ChannelMode,
        normalize: Normalize,
        training: TrainingInfo,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            kind: kind.to_string(),
            written_by: format!("mien {}", env!("CARGO_PKG_VERSION")),
            hyperparameters,
            width,
            height,
            channel_mode,
            weight_sets: 1,
            normalize,
            output_mode: OutputMode::Clip,
            training,
            alignment: None,
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
        let size = model.predictor().size();
        let mut meta =
            ModelMeta::new(model.kind(), model.hyperparameters(), size, model.channel_mode(), normalize, training);
        meta.weight_sets = model.predictor().weight_sets();
        meta.output_mode = output_mode;
        Self { meta, model }
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let tensors = self.model.tensors();
        let bytes: Vec<(&str, Vec<usize>, Dtype, Vec<u8>)> =
            tensors.into_iter().map(|(n, s, v)| (n, s, v.dtype(), v.to_le_bytes())).collect();
        let views = bytes
            .iter()
            .map(|(n, s, t, b)| Ok((*n, TensorView::new(*t, s.clone(), b).map_err(|e| corrupt("<memory>", e))?)))
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

    /// Reads the metadata of a model that must be of `kind`, and its
    /// hyperparameters as `H` (other kinds: [`Error::WrongKind`]; unreadable
    /// hyperparameters: [`Error::CorruptModel`]).
    pub fn read_meta_of_kind<H: serde::de::DeserializeOwned>(
        bytes: &[u8],
        path: &Path,
        kind: &str,
    ) -> Result<(ModelMeta, H)> {
        let meta = Self::read_meta(bytes, path)?;
        if meta.kind != kind {
            return Err(Error::WrongKind { path: path.into(), expected: kind.into(), found: meta.kind });
        }
        let hyper = serde_json::from_value(meta.hyperparameters.clone())
            .map_err(|e| Error::CorruptModel { path: path.into(), reason: format!("hyperparameters: {e}") })?;
        Ok((meta, hyper))
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
            "omp" | "lsrf" => {
                let params: OmpParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check_for_size(meta.width, meta.height).map_err(|e| corrupt(path, e))?;
                let m = Omp { params, sparse: read_sparse(&st, &meta, path)? };
                if meta.kind == "omp" {
                    AnyModel::Omp(m)
                } else {
                    AnyModel::Lsrf(m)
                }
            }
            "sparse" => AnyModel::Sparse(read_sparse(&st, &meta, path)?),
            "lasso" => {
                let params: LassoParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check().map_err(|e| corrupt(path, e))?;
                AnyModel::Lasso(Lasso { params, sparse: read_sparse(&st, &meta, path)? })
            }
            "ridge" => {
                let params: RidgeParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check().map_err(|e| corrupt(path, e))?;
                let mean_input = tensor_f32(&st, "mean_input", &[sets, d], path)?;
                let mean_target = tensor_f32(&st, "mean_target", &[sets, d], path)?;
                let weights = if st.names().contains(&"weights") {
                    RidgeWeights::Primal(tensor_f32(&st, "weights", &[sets, d, d], path)?)
                } else {
                    let n = leading_samples(&st, "inputs", sets, d, path)?;
                    RidgeWeights::Dual {
                        samples: n,
                        inputs: tensor_f32(&st, "inputs", &[sets, n, d], path)?,
                        coefficients: tensor_f32(&st, "coefficients", &[sets, n, d], path)?,
                    }
                };
                AnyModel::Ridge(Ridge {
                    params,
                    width: meta.width,
                    height: meta.height,
                    sets,
                    mean_input,
                    mean_target,
                    weights,
                })
            }
            "pcr" => {
                let params: PcrParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check().map_err(|e| corrupt(path, e))?;
                let k = params.components;
                AnyModel::Pcr(Pcr {
                    width: meta.width,
                    height: meta.height,
                    sets,
                    mean_input: tensor_f32(&st, "mean_input", &[sets, d], path)?,
                    mean_target: tensor_f32(&st, "mean_target", &[sets, d], path)?,
                    components: tensor_f32(&st, "components", &[sets, k, d], path)?,
                    coefficients: tensor_f32(&st, "coefficients", &[sets, k, d], path)?,
                    params,
                })
            }
            "kernel-ridge" => {
                let params: KernelRidgeParams =
                    serde_json::from_value(meta.hyperparameters.clone()).map_err(|e| corrupt(path, e))?;
                params.check().map_err(|e| corrupt(path, e))?;
                let n = leading_samples(&st, "inputs", sets, d, path)?;
                AnyModel::KernelRidge(KernelRidge {
                    params,
                    width: meta.width,
                    height: meta.height,
                    sets,
                    samples: n,
                    inputs: tensor_f32(&st, "inputs", &[sets, n, d], path)?,
                    coefficients: tensor_f32(&st, "coefficients", &[sets, n, d], path)?,
                    mean_target: tensor_f32(&st, "mean_target", &[sets, d], path)?,
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

/// Serialises `f32` tensors with a model's metadata in the shared format, for
/// model kinds that live in other crates (e.g. `deform` in `mien-deform`): the
/// same `__metadata__` keys as [`ModelFile::to_bytes`], so [`ModelFile::read_meta`]
/// reads their header and the CLI can dispatch on `meta.kind`.
pub fn f32_tensors_to_bytes(meta: &ModelMeta, tensors: &[(&str, Vec<usize>, &[f32])]) -> Result<Vec<u8>> {
    let bytes: Vec<(&str, Vec<usize>, Vec<u8>)> =
        tensors.iter().map(|(n, s, v)| (*n, s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect())).collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| Ok((*n, TensorView::new(Dtype::F32, s.clone(), b).map_err(|e| corrupt("<memory>", e))?)))
        .collect::<Result<Vec<_>>>()?;
    let mut info = HashMap::new();
    info.insert("format".to_string(), FORMAT_TAG.to_string());
    info.insert("format_version".to_string(), meta.format_version.to_string());
    info.insert("kind".to_string(), meta.kind.clone());
    info.insert("mien".to_string(), serde_json::to_string(meta).expect("metadata serialises"));
    safetensors::serialize(views, Some(info)).map_err(|e| corrupt("<memory>", e))
}

/// Reads `f32` tensors of exact shapes from a model file's bytes (check the
/// header with [`ModelFile::read_meta`] first); any missing or misshapen
/// tensor is a [`Error::CorruptModel`] naming it.
pub fn read_f32_tensors(bytes: &[u8], path: &Path, wanted: &[(&str, &[usize])]) -> Result<Vec<Vec<f32>>> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(path, e))?;
    wanted.iter().map(|(name, shape)| tensor_f32(&st, name, shape, path)).collect()
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

/// The sample count n of a `[sets, n, d]` tensor.
fn leading_samples(st: &SafeTensors<'_>, name: &str, sets: usize, d: usize, path: &Path) -> Result<usize> {
    let t = st.tensor(name).map_err(|_| corrupt(path, format!("tensor `{name}` is missing")))?;
    match t.shape() {
        [s, n, dd] if *s == sets && *dd == d && *n > 0 => Ok(*n),
        other => Err(corrupt(path, format!("tensor `{name}` has shape {other:?}, expected [{sets}, n, {d}]"))),
    }
}

/// The sparse tensors `indptr`, `indices`, `values` of a model, checked.
fn read_sparse(st: &SafeTensors<'_>, meta: &ModelMeta, path: &Path) -> Result<Sparse> {
    let rows = meta.weight_sets * meta.width * meta.height;
    let indptr = tensor_u32(st, "indptr", Some(rows + 1), path)?;
    let nnz = indptr.last().copied().unwrap_or(0) as usize;
    let indices = tensor_u32(st, "indices", Some(nnz), path)?;
    let t = st.tensor("values").map_err(|_| corrupt(path, "tensor `values` is missing"))?;
    if t.dtype() != Dtype::F64 || t.shape() != [nnz] {
        return Err(corrupt(path, format!("tensor `values` is {:?}{:?}, expected F64[{nnz}]", t.dtype(), t.shape())));
    }
    let values = t.data().chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
    Sparse::from_parts(meta.width, meta.height, meta.weight_sets, indptr, indices, values)
        .ok_or_else(|| corrupt(path, "sparse weights are inconsistent (row pointers or column indices out of range)"))
}

fn tensor_u32(st: &SafeTensors<'_>, name: &str, len: Option<usize>, path: &Path) -> Result<Vec<u32>> {
    let t = st.tensor(name).map_err(|_| corrupt(path, format!("tensor `{name}` is missing")))?;
    if t.dtype() != Dtype::U32 || t.shape().len() != 1 || len.is_some_and(|l| t.shape()[0] != l) {
        return Err(corrupt(path, format!("tensor `{name}` is {:?}{:?}, expected U32[{len:?}]", t.dtype(), t.shape())));
    }
    Ok(t.data().chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testutil::dataset;
    use crate::models::LsrfParams;

    fn round_trip(model: AnyModel) {
        let kind = model.kind();
        let file = ModelFile::new(model, Normalize::Unit, OutputMode::Clip, TrainingInfo::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{kind}.safetensors"));
        file.save(&path).unwrap();
        let back = ModelFile::load_kind(&path, kind).unwrap();
        assert_eq!(back, file, "{kind}");
        let x = crate::image::Image::from_planar(5, 4, 3, (0..60).map(|i| (i as f32 * 0.37).sin().abs()).collect())
            .unwrap();
        let a = file.model.predictor().predict(&x.view()).unwrap();
        let b = back.model.predictor().predict(&x.view()).unwrap();
        assert_eq!(a, b, "{kind}");
    }

    #[test]
    fn every_baseline_survives_save_and_load() {
        let d = 20;
        let data = dataset(5, 4, 3, 12, 41, |x| (0..d).map(|i| 0.5 * x[i] + 0.5 * x[(i + 3) % d]).collect());
        let omp = OmpParams::default().nonzeros(3).fit(&data).unwrap();
        round_trip(AnyModel::Sparse(omp.sparse.clone()));
        round_trip(AnyModel::Omp(omp));
        round_trip(AnyModel::Lsrf(LsrfParams::default().nonzeros(3).fit(&data).unwrap()));
        // 12 pairs × 3 planes = 36 samples > d / 2: primal storage; separate channels: dual.
        round_trip(AnyModel::Ridge(RidgeParams::default().fit(&data).unwrap()));
        round_trip(AnyModel::Ridge(RidgeParams::default().channels(ChannelMode::Separate).fit(&data).unwrap()));
        round_trip(AnyModel::Pcr(PcrParams::default().components(4).fit(&data).unwrap()));
        round_trip(AnyModel::KernelRidge(KernelRidgeParams::default().fit(&data).unwrap()));
        round_trip(AnyModel::Lasso(LassoParams::default().fit(&data).unwrap()));
    }

    #[test]
    fn rejects_a_sparse_model_with_out_of_range_columns() {
        let m = Sparse::from_parts(2, 2, 1, vec![0, 1, 1, 1, 1], vec![4], vec![1.0]).unwrap();
        let mut file = ModelFile::new(AnyModel::Sparse(m), Normalize::Unit, OutputMode::Clip, TrainingInfo::default());
        // Tamper: point the entry past the bias column.
        if let AnyModel::Sparse(s) = &mut file.model {
            s.indices[0] = 9;
        }
        let bytes = file.to_bytes().unwrap();
        assert!(matches!(ModelFile::from_bytes(&bytes, Path::new("x")), Err(Error::CorruptModel { .. })));
    }
}
