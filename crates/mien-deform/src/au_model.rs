//! The one interface of models conditioned on Action Units: [`AuModel`]
//! edits a face crop towards an [`AuVector`] and returns both stages of the
//! edit as an [`AuEdit`].
//!
//! `deform` ([`crate::DeformFile`]) and `defgan` (`mien_defgan::DefganFile`)
//! implement it, so a front end resizes, normalises and maps back once for
//! every AU model instead of once per kind. It lives here because `defgan`
//! already depends on this crate for its AU vectors.

use mien_core::image::{Image, ImageRef};
use mien_core::model_file::ModelMeta;

use crate::au::AuVector;

/// The two stages of one AU-conditioned edit, at the model's size and in its
/// intensity space (the [`ModelMeta::normalize`] of its file).
#[derive(Clone, Debug, PartialEq)]
pub struct AuEdit {
    /// Motion only: the input warped by the model's flow (the "deformed"
    /// debug image).
    pub deformed: Image<f32>,
    /// Motion and texture: the edit.
    pub output: Image<f32>,
}

/// A model file whose model edits a face crop towards an Action Unit target.
///
/// The input is a crop at the model's size (`meta().width × meta().height`),
/// normalised as `meta().normalize` says; the caller scales the AU vector for
/// a partial edit ([`AuVector::scaled`]). Each kind keeps its own error type;
/// all of them are `std::error::Error + Send + Sync`, so a front end that
/// holds several kinds can box them.
///
/// ```no_run
/// use mien_core::image::ImageRef;
/// use mien_deform::{AuEdit, AuModel, AuVector};
///
/// fn happy<M: AuModel>(model: &M, crop: &ImageRef<'_, f32>) -> Result<AuEdit, M::Error> {
///     let au = AuVector::from_expression("happy").expect("a prototype");
///     model.edit(crop, &au.scaled(0.8))
/// }
/// ```
pub trait AuModel {
    /// What can go wrong while editing.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The file's metadata: kind, size, normalisation, alignment template.
    fn meta(&self) -> &ModelMeta;

    /// Number of stored parameters.
    fn parameter_count(&self) -> usize;

    /// Edits `input` towards `au`: the motion-only image and the edit.
    fn edit(&self, input: &ImageRef<'_, f32>, au: &AuVector) -> Result<AuEdit, Self::Error>;

    /// Edits `input`, whose face shows `from`, towards `to`. Models that map
    /// any face to an absolute target (a GAN conditioned on the target AUs)
    /// need no source and keep this default, [`Self::edit`] towards `to`.
    fn edit_from(&self, input: &ImageRef<'_, f32>, from: &AuVector, to: &AuVector) -> Result<AuEdit, Self::Error> {
        let _ = from;
        self.edit(input, to)
    }
}

impl AuModel for crate::DeformFile {
    type Error = crate::Error;

    fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    fn parameter_count(&self) -> usize {
        self.model.parameter_count()
    }

    /// [`crate::Deform::predict`]: a zero AU vector returns the input unchanged.
    fn edit(&self, input: &ImageRef<'_, f32>, au: &AuVector) -> crate::Result<AuEdit> {
        self.model.predict(input, au)
    }

    /// [`crate::Deform::predict_change`]: the source's motion and texture are taken back.
    fn edit_from(&self, input: &ImageRef<'_, f32>, from: &AuVector, to: &AuVector) -> crate::Result<AuEdit> {
        self.model.predict_change(input, from, to)
    }
}
