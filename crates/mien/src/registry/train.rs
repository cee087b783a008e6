//! Training a model file from an aligned folder: the per-expression kinds on
//! `DIR/trainA ↔ DIR/trainB`, the deformation model on every expression
//! folder of `mien align --expression all`.

use std::path::Path;
use std::time::Instant;

use mien_core::dataset::{LoadOptions, PairedDataset, Split};
use mien_core::model_file::{ModelFile, TrainingInfo};
use mien_core::normalize::{Normalize, OutputMode};
use mien_deform::{DeformFile, DeformParams};

use super::ModelSpec;
use crate::{aligned, Result};

/// A trained model file and what went into it.
#[derive(Debug)]
pub struct Trained<F> {
    /// The model file, ready to save.
    pub file: F,
    /// Training pairs.
    pub pairs: usize,
    /// Image size and channels of the training data.
    pub shape: (usize, usize, usize),
    /// Seconds spent loading the data.
    pub load_s: f64,
    /// Seconds spent fitting.
    pub fit_s: f64,
    /// The expression folders a multi-expression model was trained on.
    pub expressions: Vec<String>,
}

/// Fits `spec` on `dir/trainA ↔ dir/trainB`. The folder's face template
/// (`template.json`, written by `mien align`) goes into the model so the
/// editor crops new photos exactly as the training photos were.
pub fn train_local(
    spec: &ModelSpec,
    dir: &Path,
    load: &LoadOptions,
    output_mode: OutputMode,
    expression: Option<String>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Trained<ModelFile>> {
    let t_load = Instant::now();
    let data = PairedDataset::load(dir, Split::Train, load)?;
    let load_s = t_load.elapsed().as_secs_f64();
    let t_fit = Instant::now();
    let model = spec.fit_with_progress(&data, progress)?;
    let fit_s = t_fit.elapsed().as_secs_f64();
    let info = TrainingInfo { pairs: data.len(), source: data.source.clone(), seconds: fit_s, expression };
    let mut file = ModelFile::new(model, data.normalize, output_mode, info);
    file.meta.alignment = aligned::template(dir)?;
    Ok(Trained {
        file,
        pairs: data.len(),
        shape: (data.width, data.height, data.channels),
        load_s,
        fit_s,
        expressions: Vec::new(),
    })
}

/// Fits the deformation model on every expression folder of `dir`
/// (`dir/<expression>/trainA|trainB`), each expression's pairs labelled with
/// its prototype Action Units; images resized to `size`×`size` when given.
pub fn train_deform(dir: &Path, size: Option<usize>, params: &DeformParams) -> Result<Trained<DeformFile>> {
    params.check()?;
    let opts = LoadOptions { size, normalize: Normalize::MinMax, ..Default::default() };
    let t_load = Instant::now();
    let groups_data = mien_deform::data::load_aligned(dir, Split::Train, &opts)?;
    let load_s = t_load.elapsed().as_secs_f64();
    let groups: Vec<mien_deform::AuGroup<'_>> = groups_data.iter().map(|g| g.group()).collect();
    let t_fit = Instant::now();
    let model = params.fit(&groups)?;
    let fit_s = t_fit.elapsed().as_secs_f64();
    let pairs: usize = groups_data.iter().map(|g| g.data.len()).sum();
    let alignment = aligned::first_template(dir, groups_data.iter().map(|g| g.name.as_str()))?;
    let source = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let info = TrainingInfo { pairs, source, seconds: fit_s, expression: Some("all".into()) };
    let shape = groups_data.first().map(|g| (g.data.width, g.data.height, g.data.channels)).unwrap_or_default();
    Ok(Trained {
        file: DeformFile::new(model, info, alignment),
        pairs,
        shape,
        load_s,
        fit_s,
        expressions: groups_data.iter().map(|g| g.name.clone()).collect(),
    })
}
