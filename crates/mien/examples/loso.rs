//! Leave one subject out over every expression of an aligned folder
//! (`mien align --expression all`): for each subject, fit the deformation
//! model (and masked regression per expression, the earlier default) on the
//! other subjects, edit the subject's neutral crops and compare the edits
//! with the real expression photos: SSIM and MSE on grey, and the landmark
//! expression strength (`mien::measure`): the ratio of the edit's landmark
//! change to the real one and their direction cosine.
//!
//! ```sh
//! cargo run --release -p mien --example loso -- ALIGNED_DIR [--deform-lambda 30] [--flow-from landmarks|pixels] [--no-masked] [--no-keep-strength] [--only PREFIX,…]
//! ```
//!
//! `--only tw` leaves out only the subjects whose names start with `tw` (one
//! at a time); every other subject always trains (e.g. the pooled folder of
//! `scripts/train-builtin.sh`, tested on the Taiwanese performers).
//!
//! Prints a markdown table (one row per expression, means over test pairs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use mien::core::dataset::{LoadOptions, PairedDataset, Split};
use mien::core::image::Image;
use mien::core::metrics;
use mien::core::model_file::{ModelFile, TrainingInfo};
use mien::core::models::Prior;
use mien::core::normalize::{Normalize, OutputMode};
use mien::deform::{data, AuGroup, DeformFile, DeformParams, MotionSource, PointPair};
use mien::face::strength::{self, Strength};
use mien::measure::StrengthMeter;
use mien::registry::train::landmark_pairs;
use mien::registry::Model;
use mien::{aligned, Editor, ModelKind, ModelSpec, Source, TrainOptions};
use rayon::prelude::*;

struct Args {
    dir: PathBuf,
    deform_lambda: f64,
    motion: MotionSource,
    masked: bool,
    only: Vec<String>,
    keep_strength: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        dir: PathBuf::new(),
        deform_lambda: 30.0,
        motion: MotionSource::Landmarks,
        masked: true,
        only: Vec::new(),
        keep_strength: true,
    };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(x) = it.next() {
        match x.as_str() {
            "--deform-lambda" => {
                a.deform_lambda = it.next().and_then(|v| v.parse().ok()).ok_or("--deform-lambda takes a number")?
            }
            "--flow-from" => {
                a.motion = match it.next().as_deref() {
                    Some("landmarks") => MotionSource::Landmarks,
                    Some("pixels") => MotionSource::Photometric,
                    _ => return Err("--flow-from takes landmarks or pixels".into()),
                }
            }
            "--no-masked" => a.masked = false,
            "--no-keep-strength" => a.keep_strength = false,
            "--only" => {
                a.only = it
                    .next()
                    .ok_or("--only takes subject prefixes, comma-separated")?
                    .split(',')
                    .map(String::from)
                    .collect()
            }
            _ if dir.is_none() && !x.starts_with('-') => dir = Some(PathBuf::from(x)),
            _ => return Err(format!("unexpected argument `{x}`")),
        }
    }
    a.dir = dir.ok_or("usage: loso ALIGNED_DIR [--deform-lambda L] [--flow-from landmarks|pixels] [--no-masked] [--no-keep-strength] [--only PREFIX,…]")?;
    Ok(a)
}

/// Per test pair: SSIM, MSE (grey, 0..1 scale) and strength.
#[derive(Default)]
struct Scores {
    ssim: Vec<f64>,
    mse: Vec<f64>,
    strength: Vec<Strength>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    let t0 = Instant::now();
    let opts = LoadOptions { normalize: Normalize::MinMax, ..Default::default() };
    let groups = data::load_aligned(&a.dir, Split::Train, &opts)?;
    let meter = StrengthMeter::new()?;
    // Subjects, and every pair's landmarks once (training and measuring share them).
    let mut subject_of: Vec<BTreeMap<String, String>> = Vec::new();
    let mut points: Vec<Vec<PointPair>> = Vec::new();
    for g in &groups {
        let csv = aligned::pairs_csv(&a.dir.join(&g.name))?;
        let map: BTreeMap<String, String> = g
            .data
            .pairs
            .iter()
            .map(|p| (p.name.clone(), csv.get(&p.name).map(|m| m.0.clone()).unwrap_or_else(|| p.name.clone())))
            .collect();
        points.push(landmark_pairs(&meter, &g.data, |n| map.get(n).cloned())?);
        subject_of.push(map);
    }
    let subjects: BTreeSet<String> = subject_of
        .iter()
        .flat_map(|m| m.values().cloned())
        .filter(|s| a.only.is_empty() || a.only.iter().any(|p| s.starts_with(p.as_str())))
        .collect();
    eprintln!("{} subjects, landmarks in {:.1} s", subjects.len(), t0.elapsed().as_secs_f64());

    let params =
        DeformParams::default().texture_lambda(a.deform_lambda).motion(a.motion).keep_strength(a.keep_strength);
    let masked_spec = {
        let o = TrainOptions { prior: Prior::Identity, lambda: Some(30.0), ..Default::default() };
        ModelSpec::new(ModelKind::Masked, &o)?
    };
    let mut deform_scores: Vec<Scores> = groups.iter().map(|_| Scores::default()).collect();
    let mut masked_scores: Vec<Scores> = groups.iter().map(|_| Scores::default()).collect();
    let mut input_scores: Vec<Scores> = groups.iter().map(|_| Scores::default()).collect();
    // The ceiling of a mean motion: the input's landmarks moved by the other subjects' mean displacement.
    let mut mean_motion: Vec<Vec<Strength>> = groups.iter().map(|_| Vec::new()).collect();
    for (fold, s) in subjects.iter().enumerate() {
        let split = |gi: usize, test: bool| -> PairedDataset {
            let g = &groups[gi];
            let pairs = g.data.pairs.iter().filter(|p| (subject_of[gi][&p.name] == *s) == test).cloned().collect();
            PairedDataset { pairs, ..g.data.clone() }
        };
        let train: Vec<PairedDataset> = (0..groups.len()).map(|gi| split(gi, false)).collect();
        let train_points: Vec<Vec<PointPair>> = (0..groups.len())
            .map(|gi| {
                groups[gi]
                    .data
                    .pairs
                    .iter()
                    .zip(&points[gi])
                    .filter(|(p, _)| subject_of[gi][&p.name] != *s)
                    .map(|(_, q)| q.clone())
                    .collect()
            })
            .collect();
        let au_groups: Vec<AuGroup<'_>> = groups
            .iter()
            .zip(&train)
            .zip(&train_points)
            .filter(|((_, d), _)| !d.is_empty())
            .map(|((g, d), p)| AuGroup { name: &g.name, au: g.au, data: d, points: p })
            .collect();
        let deform = params.fit(&au_groups)?;
        let deform = Arc::new(Model::Deform(DeformFile::new(deform, TrainingInfo::default(), None)));
        for (gi, g) in groups.iter().enumerate() {
            let test: Vec<(usize, &mien::core::dataset::Pair)> =
                g.data.pairs.iter().enumerate().filter(|(_, p)| subject_of[gi][&p.name] == *s).collect();
            if test.is_empty() || train[gi].is_empty() {
                continue;
            }
            let score = |editor: &Editor, into: &mut Scores| -> Result<(), mien::Error> {
                let res: Vec<(f64, f64, Strength)> = test
                    .par_iter()
                    .map(|(i, p)| {
                        let out = editor.edit_crop(&p.input)?;
                        let out = to_u8(&out);
                        measure(&meter, &p.input, &out, &p.target, &points[gi][*i])
                    })
                    .collect::<Result<_, mien::Error>>()?;
                for (ssim, mse, st) in res {
                    into.ssim.push(ssim);
                    into.mse.push(mse);
                    into.strength.push(st);
                }
                Ok(())
            };
            // The test inputs are neutral photos: say so rather than ask the classifier.
            score(&Editor::new(deform.clone(), &g.name)?.source(Source::Neutral)?, &mut deform_scores[gi])?;
            if a.masked {
                let fitted = masked_spec.fit(&train[gi])?;
                let file = ModelFile::new(fitted, Normalize::MinMax, OutputMode::Clip, TrainingInfo::default());
                score(&Editor::new(Arc::new(Model::Local(file)), &g.name)?, &mut masked_scores[gi])?;
            }
            let mean_disp = mean_displacement(&train_points[gi]);
            for (i, p) in &test {
                let k = &points[gi][*i];
                let moved: Vec<[f32; 2]> =
                    k.source.iter().zip(&mean_disp).map(|(s, d)| [s[0] + d[0], s[1] + d[1]]).collect();
                mean_motion[gi].push(strength::compare(&lm(&k.source), &lm(&moved), &lm(&k.target))?);
                let (ssim, mse, st) = measure(&meter, &p.input, &p.input, &p.target, &points[gi][*i])?;
                let sc = &mut input_scores[gi];
                sc.ssim.push(ssim);
                sc.mse.push(mse);
                sc.strength.push(st);
            }
        }
        eprintln!("fold {}/{} ({s}) done at {:.0} s", fold + 1, subjects.len(), t0.elapsed().as_secs_f64());
    }

    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let opt = |v: Option<f32>| v.map_or("–".to_string(), |x| format!("{x:.2}"));
    println!(
        "| expression | test pairs | ratio mean motion | cosine mean motion | ratio deform | cosine deform | ratio masked | cosine masked | SSIM input | SSIM deform | SSIM masked | MSE input | MSE deform | MSE masked |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (gi, g) in groups.iter().enumerate() {
        let (d, m, i) = (&deform_scores[gi], &masked_scores[gi], &input_scores[gi]);
        let (sd, sm) = (strength::summarize(&d.strength), strength::summarize(&m.strength));
        let mm = strength::summarize(&mean_motion[gi]);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.4} | {:.4} | {} | {:.5} | {:.5} | {} |",
            g.name,
            d.ssim.len(),
            opt(mm.mean_ratio),
            opt(mm.mean_cosine),
            opt(sd.mean_ratio),
            opt(sd.mean_cosine),
            opt(sm.mean_ratio),
            opt(sm.mean_cosine),
            mean(&i.ssim),
            mean(&d.ssim),
            if m.ssim.is_empty() { "–".into() } else { format!("{:.4}", mean(&m.ssim)) },
            mean(&i.mse),
            mean(&d.mse),
            if m.mse.is_empty() { "–".into() } else { format!("{:.5}", mean(&m.mse)) },
        );
    }
    eprintln!("finished in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn to_u8(img: &Image<f32>) -> Image<u8> {
    let data = img.data().iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect();
    Image::from_planar(img.width(), img.height(), img.channels(), data).expect("same shape")
}

/// SSIM and MSE (grey, on 0..1) of `out` against `target`, and the landmark
/// strength of input → out against input → target, the input's and target's
/// landmarks taken from `known` (measured once, in the same face box).
fn measure(
    meter: &StrengthMeter,
    input: &Image<u8>,
    out: &Image<u8>,
    target: &Image<u8>,
    known: &PointPair,
) -> mien::Result<(f64, f64, Strength)> {
    let (og, tg) = (out.to_grey(), target.to_grey());
    let ssim = metrics::ssim(&og, &tg);
    let mse = metrics::mse(&og, &tg);
    let face = meter.face_box(input)?;
    let lo = meter.landmarks(out, &face)?;
    let st = strength::compare(&lm(&known.source), &lo, &lm(&known.target)).map_err(mien::Error::from)?;
    Ok((ssim, mse, st))
}

fn lm(v: &[[f32; 2]]) -> mien::face::Landmarks {
    std::array::from_fn(|j| (v[j][0], v[j][1]))
}

/// The weighted mean of target − source over pairs, per point.
fn mean_displacement(pairs: &[PointPair]) -> Vec<[f32; 2]> {
    let n = pairs.first().map_or(0, |p| p.source.len());
    let total: f32 = pairs.iter().map(|p| p.weight).sum();
    (0..n)
        .map(|j| {
            pairs.iter().fold([0.0f32; 2], |d, p| {
                let w = p.weight / total;
                [d[0] + w * (p.target[j][0] - p.source[j][0]), d[1] + w * (p.target[j][1] - p.source[j][1])]
            })
        })
        .collect()
}
