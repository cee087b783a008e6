//! The one model file format: a self-describing `.safetensors` file.
//!
//! The safetensors header's `__metadata__` holds three plain keys —
//! `format = "mien-model"`, `format_version`, `kind` — and `mien`, a JSON
//! [`ModelMeta`]. Loading reads the header alone first and checks format,
//! version and kind before touching any tensor, so a model from a newer mien
//! or of another kind is named as such instead of failing on a tensor shape.
//! Tensor names and shapes per kind are listed in `docs/model-format.md`.
//!
//! This module owns the metadata, the safetensors envelope and the dispatch on
//! the kind; each model folder reads and writes its own tensors in its
//! `file.rs` (e.g. `models/ridge/file.rs`), through the crate's `tensors` helpers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::image::write_atomic;
use crate::models::{ChannelMode, KernelRidge, Lasso, Masked, Omp, Pcr, PixelKernel, Predict, Ridge, Sparse};
use crate::normalize::{Normalize, OutputMode};
use crate::tensors::{self, corrupt, Layout, NamedTensor, TensorData, TensorReader};

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
    /// Terms of the training data (which corpora, their licences and
    /// attributions), when the trainer gave them (`mien train --data-licence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
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
    /// The kind's tensors, each written by its model folder's `file.rs`.
    fn tensors(&self) -> Vec<NamedTensor> {
        match self {
            AnyModel::Masked(m) | AnyModel::Pixel(m) => m.to_tensors(),
            AnyModel::Omp(m) | AnyModel::Lsrf(m) => m.to_tensors(),
            AnyModel::Sparse(m) => m.to_tensors(),
            AnyModel::Lasso(m) => m.to_tensors(),
            AnyModel::Ridge(m) => m.to_tensors(),
            AnyModel::Pcr(m) => m.to_tensors(),
            AnyModel::KernelRidge(m) => m.to_tensors(),
            AnyModel::PixelKernel(m) => m.to_tensors(),
        }
    }

    /// Reads the tensors of a model of `meta.kind`, each kind in its model
    /// folder's `file.rs`.
    fn from_tensors(t: &TensorReader<'_>, meta: &ModelMeta, path: &Path) -> Result<Self> {
        let layout = Layout { width: meta.width, height: meta.height, sets: meta.weight_sets };
        let hyper = &meta.hyperparameters;
        Ok(match meta.kind.as_str() {
            "masked" => AnyModel::Masked(Masked::from_tensors(t, hyper, layout)?),
            "pixel" => {
                let m = Masked::from_tensors(t, hyper, layout)?;
                if m.params.receptive_field != 1 {
                    return Err(t.corrupt("a pixel model must have receptive field 1"));
                }
                AnyModel::Pixel(m)
            }
            "pixel-kernel" => AnyModel::PixelKernel(PixelKernel::from_tensors(t, hyper, layout)?),
            "omp" => AnyModel::Omp(Omp::from_tensors(t, hyper, layout)?),
            "lsrf" => AnyModel::Lsrf(Omp::from_tensors(t, hyper, layout)?),
            "sparse" => AnyModel::Sparse(Sparse::from_tensors(t, layout)?),
            "lasso" => AnyModel::Lasso(Lasso::from_tensors(t, hyper, layout)?),
            "ridge" => AnyModel::Ridge(Ridge::from_tensors(t, hyper, layout)?),
            "pcr" => AnyModel::Pcr(Pcr::from_tensors(t, hyper, layout)?),
            "kernel-ridge" => AnyModel::KernelRidge(KernelRidge::from_tensors(t, hyper, layout)?),
            au @ ("deform" | "defgan") => {
                return Err(Error::WrongKind {
                    path: path.into(),
                    expected: "a per-pixel model (masked, pixel, omp, …)".into(),
                    found: au.into(),
                })
            }
            other => {
                return Err(Error::NotAModel {
                    path: path.into(),
                    reason: format!("unknown model kind `{other}`; it may need a newer mien"),
                })
            }
        })
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
        tensors::serialize(self.model.tensors(), header_info(&self.meta, FORMAT_VERSION))
    }

    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_bytes()?)
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = crate::input::read_capped(path, crate::input::MAX_MODEL_BYTES, "model file")?;
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
        let t = TensorReader::new(bytes, path)?;
        let d = meta.width.checked_mul(meta.height).ok_or_else(|| corrupt(path, "image size overflows"))?;
        let sets = meta.weight_sets;
        if !(sets == 1 || sets == 3) || d == 0 {
            return Err(corrupt(path, format!("{sets} weight sets for a {}×{} image", meta.width, meta.height)));
        }
        let model = AnyModel::from_tensors(&t, &meta, path)?;
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

/// Serialises `f32` tensors with a model's metadata in the shared format, for
/// model kinds that live in other crates (e.g. `deform` in `mien-deform`): the
/// same `__metadata__` keys as [`ModelFile::to_bytes`], so [`ModelFile::read_meta`]
/// reads their header and the CLI can dispatch on `meta.kind`.
pub fn f32_tensors_to_bytes(meta: &ModelMeta, tensors: &[(&str, Vec<usize>, &[f32])]) -> Result<Vec<u8>> {
    let tensors = tensors.iter().map(|(n, s, v)| (*n, s.clone(), TensorData::F32(v.to_vec()))).collect();
    tensors::serialize(tensors, header_info(meta, meta.format_version))
}

/// Reads `f32` tensors of exact shapes from a model file's bytes (check the
/// header with [`ModelFile::read_meta`] first); any missing or misshapen
/// tensor is a [`Error::CorruptModel`] naming it.
pub fn read_f32_tensors(bytes: &[u8], path: &Path, wanted: &[(&str, &[usize])]) -> Result<Vec<Vec<f32>>> {
    let t = TensorReader::new(bytes, path)?;
    wanted.iter().map(|(name, shape)| t.f32(name, shape)).collect()
}

/// The `__metadata__` entries of a model file: the format tag, its version,
/// the kind and the [`ModelMeta`] JSON.
fn header_info(meta: &ModelMeta, version: u32) -> HashMap<String, String> {
    let mut info = HashMap::new();
    info.insert("format".to_string(), FORMAT_TAG.to_string());
    info.insert("format_version".to_string(), version.to_string());
    info.insert("kind".to_string(), meta.kind.clone());
    info.insert("mien".to_string(), serde_json::to_string(meta).expect("metadata serialises"));
    info
}

/// Parses the safetensors header by hand so that "not a safetensors file",
/// "not a mien model" and "a truncated mien model" get different messages.
fn read_header_metadata(bytes: &[u8], path: &Path) -> Result<HashMap<String, String>> {
    let not_model = |reason: &str| Error::NotAModel { path: PathBuf::from(path), reason: reason.into() };
    if bytes.len() < 8 {
        return Err(not_model("the file is shorter than a safetensors header"));
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if !(2..=100_000_000).contains(&n) || bytes.get(8) != Some(&b'{') {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testutil::dataset;
    use crate::models::{
        KernelRidgeParams, LassoParams, LsrfParams, MaskedParams, OmpParams, PcrParams, PixelKernelParams, RidgeParams,
    };

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

    /// A safetensors file split into its header JSON and its data section.
    fn split(bytes: &[u8]) -> (serde_json::Value, &[u8]) {
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        (serde_json::from_slice(&bytes[8..8 + n]).unwrap(), &bytes[8 + n..])
    }

    /// The built-in models shipped with the CLI load, and saving them again
    /// writes the same file: the same data section byte for byte, a header
    /// of the same length with the same entries and the same `mien` metadata
    /// string. Only the order of the `__metadata__` keys may differ: the
    /// safetensors crate writes them from a `HashMap`, so their order has
    /// always varied from one process to the next.
    #[test]
    fn built_in_models_save_the_same_bytes() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/models");
        let tmp = tempfile::tempdir().unwrap();
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "safetensors") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if ModelFile::read_meta(&bytes, &path).unwrap().kind == "deform" {
                continue; // mien-deform's own file test covers it
            }
            let file = ModelFile::from_bytes(&bytes, &path).unwrap();
            let out = tmp.path().join(path.file_name().unwrap());
            file.save(&out).unwrap();
            let saved = std::fs::read(&out).unwrap();
            assert_eq!(saved.len(), bytes.len(), "{}", path.display());
            assert_eq!(saved[..8], bytes[..8], "{}: header length", path.display());
            let ((h1, d1), (h2, d2)) = (split(&bytes), split(&saved));
            assert!(d1 == d2, "{}: tensor data changed on save", path.display());
            assert_eq!(h1, h2, "{}: header changed on save", path.display());
            checked += 1;
        }
        assert!(checked >= 12, "only {checked} built-in models found in {}", dir.display());
    }

    /// Every F32 tensor of every kind, with one NaN or infinity poked in, is refused on load.
    #[test]
    fn non_finite_weights_are_refused_for_every_kind() {
        let d = 20;
        let data = dataset(5, 4, 1, 12, 41, |x| (0..d).map(|i| 0.5 * x[i] + 0.5 * x[(i + 3) % d]).collect());
        let models = vec![
            AnyModel::Masked(MaskedParams::default().fit(&data).unwrap()),
            AnyModel::PixelKernel(PixelKernelParams::default().fit(&data).unwrap()),
            AnyModel::Omp(OmpParams::default().nonzeros(3).fit(&data).unwrap()),
            AnyModel::Ridge(RidgeParams::default().fit(&data).unwrap()),
            AnyModel::Pcr(PcrParams::default().components(4).fit(&data).unwrap()),
            AnyModel::KernelRidge(KernelRidgeParams::default().fit(&data).unwrap()),
            AnyModel::Lasso(LassoParams::default().fit(&data).unwrap()),
        ];
        for model in models {
            let file = ModelFile::new(model, Normalize::Unit, OutputMode::Clip, TrainingInfo::default());
            let bytes = file.to_bytes().unwrap();
            let start = bytes.len() - split(&bytes).1.len();
            let (header, _) = split(&bytes);
            let mut poked = 0;
            for (name, t) in header.as_object().unwrap() {
                let at = start + t["data_offsets"][0].as_u64().unwrap_or(0) as usize;
                let poke: [Vec<u8>; 2] = match t["dtype"].as_str() {
                    Some("F32") => [f32::NAN.to_le_bytes().to_vec(), f32::INFINITY.to_le_bytes().to_vec()],
                    Some("F64") => [f64::NAN.to_le_bytes().to_vec(), f64::NEG_INFINITY.to_le_bytes().to_vec()],
                    _ => continue,
                };
                for bad in poke {
                    let mut b = bytes.clone();
                    b[at..at + bad.len()].copy_from_slice(&bad);
                    let err = ModelFile::from_bytes(&b, Path::new("x")).unwrap_err();
                    assert!(err.to_string().contains("non-finite"), "{} {name}: {err}", file.meta.kind);
                    poked += 1;
                }
            }
            assert!(poked > 0, "{}: no float tensor", file.meta.kind);
        }
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
