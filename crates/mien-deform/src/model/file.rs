//! The deform model file: mien's one safetensors format (`format =
//! "mien-model"`, `kind = "deform"`, the shared [`ModelMeta`] JSON), written
//! and read here so that `mien-core` need not know this crate.
//!
//! Hyperparameters hold [`DeformParams`] plus the training groups (name and
//! AU vector). Tensors, all F32, with d = width·height, G groups, k = r²:
//!
//! | name | shape | content |
//! |---|---|---|
//! | `flow_basis` | [17, 2, d] | per AU the u and v planes of `B_k` |
//! | `mix` | [17, G] | M = Aᵀ(AAᵀ + μI)⁻¹ |
//! | `flow_limits` | [2] | largest per-pixel and mean training displacement |
//! | `texture` | [G, k + 1, d] | per group the residual weight planes, then the bias plane (absent without texture) |

use std::path::Path;

use mien_core::image::write_atomic;
use mien_core::model_file::{self, ModelFile, ModelMeta, TrainingInfo};
use mien_core::models::ChannelMode;
use mien_core::normalize::Normalize;
use mien_core::Error as CoreError;
use serde::{Deserialize, Serialize};

use super::{Deform, DeformParams};
use crate::au::{AuVector, AU_COUNT};
use crate::error::Result;

/// The kind name in model files and on the command line.
pub const KIND: &str = "deform";

#[derive(Serialize, Deserialize)]
struct Hyper {
    #[serde(flatten)]
    params: DeformParams,
    groups: Vec<Group>,
}

#[derive(Serialize, Deserialize)]
struct Group {
    name: String,
    au: Vec<f32>,
}

/// A deform model with its metadata: what a `deform` model file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct DeformFile {
    /// Metadata (kind `deform`, grey, one weight set, min–max normalisation).
    pub meta: ModelMeta,
    /// The model.
    pub model: Deform,
}

impl DeformFile {
    /// Wraps a fitted model with fresh metadata; `alignment` is the face template JSON, if any.
    pub fn new(model: Deform, training: TrainingInfo, alignment: Option<serde_json::Value>) -> Self {
        let hyper = Hyper {
            params: model.params.clone(),
            groups: model.groups.iter().map(|(n, a)| Group { name: n.clone(), au: a.0.to_vec() }).collect(),
        };
        let hyper = serde_json::to_value(&hyper).expect("hyperparameters serialise");
        let mut meta =
            ModelMeta::new(KIND, hyper, (model.width, model.height), ChannelMode::Grey, Normalize::MinMax, training);
        meta.alignment = alignment;
        Self { meta, model }
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let m = &self.model;
        let (d, g) = (m.width * m.height, m.groups.len());
        let limits = [m.max_pixel_flow, m.max_mean_flow];
        let mut tensors: Vec<(&str, Vec<usize>, &[f32])> = vec![
            ("flow_basis", vec![AU_COUNT, 2, d], &m.basis),
            ("mix", vec![AU_COUNT, g], &m.mix),
            ("flow_limits", vec![2], &limits),
        ];
        if !m.texture.is_empty() {
            tensors.push(("texture", vec![g, m.params.texture_window.pow(2) + 1, d], &m.texture));
        }
        Ok(model_file::f32_tensors_to_bytes(&self.meta, &tensors)?)
    }

    /// Writes the model atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(write_atomic(path, &self.to_bytes()?)?)
    }

    /// Reads a deform model file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = mien_core::input::read_capped(path, mien_core::input::MAX_MODEL_BYTES, "model file")?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses a deform model from bytes; `path` names it in errors. Format,
    /// version and kind are checked from the header before any tensor is read.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let (meta, hyper): (_, Hyper) = ModelFile::read_meta_of_kind(bytes, path, KIND)?;
        let corrupt = |reason: String| CoreError::CorruptModel { path: path.into(), reason };
        hyper.params.check().map_err(|e| corrupt(e.to_string()))?;
        let (w, h) = (meta.width, meta.height);
        if !(8..=4096).contains(&w) || !(8..=4096).contains(&h) {
            return Err(corrupt(format!("image size {w}×{h} is outside 8..4096")).into());
        }
        let g = hyper.groups.len();
        if g == 0 || g > 64 {
            return Err(corrupt(format!("{g} training groups (expected 1..64)")).into());
        }
        let mut groups = Vec::with_capacity(g);
        for grp in hyper.groups {
            let au: [f32; AU_COUNT] =
                grp.au.try_into().map_err(|_| corrupt(format!("a group AU vector is not {AU_COUNT} long")))?;
            groups.push((grp.name, AuVector(au)));
        }
        let d = w * h;
        let k1 = hyper.params.texture_window.pow(2) + 1;
        let mut wanted: Vec<(&str, &[usize])> = Vec::new();
        let shapes = [vec![AU_COUNT, 2, d], vec![AU_COUNT, g], vec![2], vec![g, k1, d]];
        wanted.push(("flow_basis", &shapes[0]));
        wanted.push(("mix", &shapes[1]));
        wanted.push(("flow_limits", &shapes[2]));
        if hyper.params.texture {
            wanted.push(("texture", &shapes[3]));
        }
        let mut t = model_file::read_f32_tensors(bytes, path, &wanted)?.into_iter();
        let (basis, mix, limits) =
            (t.next().unwrap_or_default(), t.next().unwrap_or_default(), t.next().unwrap_or_default());
        let texture = t.next().unwrap_or_default();
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        if !finite(&basis) || !finite(&mix) || !finite(&texture) || !finite(&limits) || limits.iter().any(|&x| x < 0.0)
        {
            return Err(corrupt("non-finite or negative values in the tensors".into()).into());
        }
        let model = Deform {
            params: hyper.params,
            width: w,
            height: h,
            groups,
            basis,
            texture,
            mix,
            max_pixel_flow: limits[0],
            max_mean_flow: limits[1],
        };
        Ok(Self { meta, model })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::au_model::AuModel;

    /// The built-in deform model loads, and saving it again writes the same
    /// data section and the same header entries (the `__metadata__` key order
    /// varies, see `mien_core::model_file`'s matching test); through
    /// [`AuModel`], a zero AU vector returns the crop unchanged.
    #[test]
    fn built_in_model_saves_the_same_bytes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/models/deform-all.safetensors");
        let bytes = std::fs::read(&path).unwrap();
        let file = DeformFile::from_bytes(&bytes, &path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("deform.safetensors");
        file.save(&out).unwrap();
        let saved = std::fs::read(&out).unwrap();
        let split = |b: &[u8]| {
            let n = u64::from_le_bytes(b[..8].try_into().unwrap()) as usize;
            (serde_json::from_slice::<serde_json::Value>(&b[8..8 + n]).unwrap(), b[8 + n..].to_vec())
        };
        assert_eq!(saved.len(), bytes.len());
        let ((h1, d1), (h2, d2)) = (split(&bytes), split(&saved));
        assert!(d1 == d2, "tensor data changed on save");
        assert_eq!(h1, h2);

        let (w, h) = (file.meta().width, file.meta().height);
        let crop =
            mien_core::image::Image::from_planar(w, h, 1, (0..w * h).map(|i| (i % 7) as f32 / 7.0).collect()).unwrap();
        let e = file.edit(&crop.view(), &AuVector::zero()).unwrap();
        assert_eq!(e.output, crop);
        assert_eq!(e.deformed, crop);
        assert!(file.parameter_count() > 0);
    }
}
