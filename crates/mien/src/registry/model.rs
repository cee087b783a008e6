//! A loaded model of any kind: a per-expression image-to-image model, or a
//! model conditioned on Action Units (deform, defgan).

use std::path::Path;

use mien_core::image::{Image, ImageRef};
use mien_core::model_file::{ModelFile, ModelMeta};
use mien_deform::{AuModel, AuVector, DeformFile};

use crate::{Error, Result};

/// A model the editor can run.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Model {
    /// masked, pixel, omp, … (one expression per model).
    Local(ModelFile),
    /// deform (any AU vector).
    Deform(DeformFile),
    /// defgan (any AU vector; the `defgan` feature).
    #[cfg(feature = "defgan")]
    Defgan(Box<mien_defgan::DefganFile>),
}

impl Model {
    /// The model's metadata.
    pub fn meta(&self) -> &ModelMeta {
        match self {
            Model::Local(m) => &m.meta,
            Model::Deform(m) => AuModel::meta(m),
            #[cfg(feature = "defgan")]
            Model::Defgan(m) => AuModel::meta(m.as_ref()),
        }
    }

    /// Stored parameters.
    pub fn parameter_count(&self) -> usize {
        match self {
            Model::Local(m) => m.model.predictor().parameter_count(),
            Model::Deform(f) => AuModel::parameter_count(f),
            #[cfg(feature = "defgan")]
            Model::Defgan(f) => AuModel::parameter_count(f.as_ref()),
        }
    }

    /// Whether the model takes an Action Unit vector (deform, defgan).
    pub fn takes_au(&self) -> bool {
        !matches!(self, Model::Local(_))
    }

    /// Reads a model file of any kind.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = mien_core::input::read_capped(path, mien_core::input::MAX_MODEL_BYTES, "model file")?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses model-file bytes of any kind; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let meta = ModelFile::read_meta(bytes, path)?;
        Ok(match meta.kind.as_str() {
            "deform" => Model::Deform(DeformFile::from_bytes(bytes, path)?),
            "defgan" => Self::defgan_from_bytes(bytes, path)?,
            _ => Model::Local(ModelFile::from_bytes(bytes, path)?),
        })
    }

    #[cfg(feature = "defgan")]
    fn defgan_from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        // Inference runs on the CPU backend.
        let device = mien_defgan::device("cpu").map_err(|e| Error::Unsupported(e.to_string()))?;
        Ok(Model::Defgan(Box::new(mien_defgan::DefganFile::from_bytes(bytes, path, &device)?)))
    }

    #[cfg(not(feature = "defgan"))]
    fn defgan_from_bytes(_bytes: &[u8], path: &Path) -> Result<Self> {
        Err(Error::DefganNotBuilt { path: path.to_path_buf() })
    }

    /// An AU-conditioned model's edit of a normalised crop at its own size:
    /// (motion only, final). `None` for the per-expression kinds.
    pub fn edit_au(&self, x: &ImageRef<'_, f32>, au: &AuVector) -> Option<Result<(Image<f32>, Image<f32>)>> {
        self.edit_au_from(x, &AuVector::zero(), au)
    }

    /// As [`Self::edit_au`] for a face that shows `from` ([`AuModel::edit_from`]).
    pub fn edit_au_from(
        &self,
        x: &ImageRef<'_, f32>,
        from: &AuVector,
        to: &AuVector,
    ) -> Option<Result<(Image<f32>, Image<f32>)>> {
        match self {
            Model::Local(_) => None,
            Model::Deform(f) => {
                Some(AuModel::edit_from(f, x, from, to).map(|e| (e.deformed, e.output)).map_err(Error::from))
            }
            #[cfg(feature = "defgan")]
            Model::Defgan(f) => {
                Some(AuModel::edit_from(f.as_ref(), x, from, to).map(|e| (e.deformed, e.output)).map_err(Error::from))
            }
        }
    }
}
