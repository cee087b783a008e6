//! Training a model file from an aligned folder: the per-expression kinds on
//! `DIR/trainA ↔ DIR/trainB`, the deformation model on every expression
//! folder of `mien align --expression all`.

use std::path::Path;
use std::time::Instant;

use mien_core::dataset::{LoadOptions, Pair, PairedDataset, Split};
use mien_core::model_file::{ModelFile, TrainingInfo};
use mien_core::normalize::{Normalize, OutputMode};
use mien_deform::{DeformFile, DeformParams, MotionSource, PointPair};
use rayon::prelude::*;

use super::ModelSpec;
use crate::measure::StrengthMeter;
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
    let info =
        TrainingInfo { pairs: data.len(), source: data.source.clone(), seconds: fit_s, expression, licence: None };
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
    let t_fit = Instant::now();
    let points: Vec<Vec<PointPair>> = match params.motion_source() {
        MotionSource::Photometric => vec![Vec::new(); groups_data.len()],
        MotionSource::Landmarks => {
            let meter = StrengthMeter::new()?;
            groups_data
                .iter()
                .map(|g| {
                    let subjects = aligned::pairs_csv(&dir.join(&g.name))?;
                    landmark_pairs(&meter, &g.data, |name| subjects.get(name).map(|m| m.0.clone()))
                })
                .collect::<Result<_>>()?
        }
    };
    let groups: Vec<mien_deform::AuGroup<'_>> =
        groups_data.iter().zip(&points).map(|(g, p)| mien_deform::AuGroup { points: p, ..g.group() }).collect();
    let model = params.fit(&groups)?;
    let fit_s = t_fit.elapsed().as_secs_f64();
    let pairs: usize = groups_data.iter().map(|g| g.data.len()).sum();
    let alignment = aligned::first_template(dir, groups_data.iter().map(|g| g.name.as_str()))?;
    let source = dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let info = TrainingInfo { pairs, source, seconds: fit_s, expression: Some("all".into()), licence: None };
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

/// The 68 landmarks of every pair's neutral and expression crop, both placed
/// in the face box found on the neutral crop (the crops share one aligned
/// frame), each pair weighted so that every subject counts once however many
/// takes it has. `subject` names a pair's subject (from `pairs.csv`); pairs
/// without one count as their own subject.
pub fn landmark_pairs(
    meter: &StrengthMeter,
    data: &PairedDataset,
    subject: impl Fn(&str) -> Option<String> + Sync,
) -> Result<Vec<PointPair>> {
    let name_of = |p: &Pair| subject(&p.name).unwrap_or_else(|| p.name.clone());
    let mut counts = std::collections::HashMap::<String, (usize, usize)>::new();
    for p in &data.pairs {
        let next = counts.len();
        counts.entry(name_of(p)).or_insert((0, next)).0 += 1;
    }
    data.pairs
        .par_iter()
        .map(|p| {
            let face = meter.face_box(&p.input)?;
            let (s, t) = (meter.landmarks(&p.input, &face)?, meter.landmarks(&p.target, &face)?);
            let (n, id) = counts[&name_of(p)];
            Ok(PointPair {
                source: s.iter().map(|&(x, y)| [x, y]).collect(),
                target: t.iter().map(|&(x, y)| [x, y]).collect(),
                weight: 1.0 / n as f32,
                subject: id,
            })
        })
        .collect()
}
