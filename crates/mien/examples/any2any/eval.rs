//! Any expression to any other, measured on held-out subjects (issue 14):
//! shared by the `any2any` example and `tests/any2any.rs`.
//!
//! An aligned folder (`mien align --expression all`) holds, per expression,
//! neutral → expression pairs; every crop is aligned on its own, so a
//! subject's crops of different expressions share one frame. For a held-out
//! subject this collects a few crops of each of the seven expressions
//! (neutral from the pairs' inputs), edits every crop of expression `s`
//! towards every other expression `t` with a deformation model fitted
//! without the subject, and compares the edit and the source crop with the
//! subject's real `t` crops:
//!
//! * MSE on grey (0..1),
//! * the landmark-change measure of `mien::face::strength`: the distance of
//!   the seven expression features (in interocular distances, all three
//!   faces in the source face's frame),
//! * the mean distance of the 68 landmarks, in pixels of the crop,
//! * the mouth-corner lift (feature 0) of source, edit and target.
//!
//! All three crops of a triple are measured in the face box found on the
//! source crop, as `mien::measure` does.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use mien::core::dataset::{LoadOptions, PairedDataset, Split};
use mien::core::image::Image;
use mien::core::metrics;
use mien::core::model_file::TrainingInfo;
use mien::core::normalize::Normalize;
use mien::deform::data::{self, ExpressionData};
use mien::deform::{AuGroup, AuVector, DeformFile, DeformParams, MotionSource, PointPair};
use mien::face::strength::FaceFrame;
use mien::face::Landmarks;
use mien::measure::StrengthMeter;
use mien::registry::train::landmark_pairs;
use mien::registry::Model;
use mien::{aligned, Editor, Source};
use rayon::prelude::*;

pub type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The seven expressions, in table order.
pub const EXPRESSIONS: [&str; 7] = ["neutral", "happy", "surprise", "sad", "angry", "disgust", "fear"];

/// The training recipe of `loso.rs`: λ = 30 texture, landmark motion.
pub fn default_params() -> DeformParams {
    DeformParams::default().texture_lambda(30.0).motion(MotionSource::Landmarks)
}

/// An aligned folder with every pair's subject and landmarks.
pub struct Corpus {
    pub groups: Vec<ExpressionData>,
    /// Per group: pair name → subject.
    subject_of: Vec<BTreeMap<String, String>>,
    /// Per group, per pair: landmarks of input and target.
    points: Vec<Vec<PointPair>>,
}

impl Corpus {
    /// Loads `dir` and measures every pair's landmarks once.
    pub fn load(dir: &Path, meter: &StrengthMeter) -> Res<Self> {
        let opts = LoadOptions { normalize: Normalize::MinMax, ..Default::default() };
        let groups = data::load_aligned(dir, Split::Train, &opts)?;
        let mut subject_of = Vec::new();
        let mut points = Vec::new();
        for g in &groups {
            let csv = aligned::pairs_csv(&dir.join(&g.name))?;
            let map: BTreeMap<String, String> = g
                .data
                .pairs
                .iter()
                .map(|p| {
                    let s = csv.get(&p.name).map(|m| m.0.clone());
                    (p.name.clone(), s.unwrap_or_else(|| data::subject_of(&p.name).to_string()))
                })
                .collect();
            points.push(landmark_pairs(meter, &g.data, |n| map.get(n).cloned())?);
            subject_of.push(map);
        }
        Ok(Self { groups, subject_of, points })
    }

    /// Every subject, sorted.
    pub fn subjects(&self) -> BTreeSet<String> {
        self.subject_of.iter().flat_map(|m| m.values().cloned()).collect()
    }

    /// A deformation model fitted on every subject but `held_out`.
    pub fn fit_without(&self, held_out: &BTreeSet<String>, params: &DeformParams) -> Res<Arc<Model>> {
        let keep = |gi: usize, name: &str| !held_out.contains(&self.subject_of[gi][name]);
        let train: Vec<PairedDataset> = self
            .groups
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                let pairs = g.data.pairs.iter().filter(|p| keep(gi, &p.name)).cloned().collect();
                PairedDataset { pairs, ..g.data.clone() }
            })
            .collect();
        let train_points: Vec<Vec<PointPair>> = self
            .groups
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                g.data
                    .pairs
                    .iter()
                    .zip(&self.points[gi])
                    .filter(|(p, _)| keep(gi, &p.name))
                    .map(|(_, q)| q.clone())
                    .collect()
            })
            .collect();
        let au_groups: Vec<AuGroup<'_>> = self
            .groups
            .iter()
            .zip(&train)
            .zip(&train_points)
            .filter(|((_, d), _)| !d.is_empty())
            .map(|((g, d), p)| AuGroup { name: &g.name, au: g.au, data: d, points: p })
            .collect();
        let model = params.fit(&au_groups)?;
        Ok(Arc::new(Model::Deform(DeformFile::new(model, TrainingInfo::default(), None))))
    }

    /// Up to `per_expression` crops of each expression of `subject` (in
    /// [`EXPRESSIONS`] order), spread evenly over its sorted takes; the
    /// neutral crops are the pairs' inputs. Pair names are `NEUTRAL__TARGET`.
    pub fn faces(&self, subject: &str, per_expression: usize) -> Vec<Vec<(String, Image<u8>)>> {
        let mut takes: Vec<BTreeMap<String, Image<u8>>> = vec![BTreeMap::new(); EXPRESSIONS.len()];
        for (gi, g) in self.groups.iter().enumerate() {
            let Some(e) = EXPRESSIONS.iter().position(|&e| e == g.name) else { continue };
            for p in g.data.pairs.iter().filter(|p| self.subject_of[gi][&p.name] == subject) {
                let (n, t) = p.name.split_once("__").unwrap_or((p.name.as_str(), p.name.as_str()));
                takes[0].entry(n.to_string()).or_insert_with(|| p.input.clone());
                takes[e].entry(t.to_string()).or_insert_with(|| p.target.clone());
            }
        }
        takes
            .into_iter()
            .map(|m| {
                let all: Vec<(String, Image<u8>)> = m.into_iter().collect();
                let k = per_expression.min(all.len());
                (0..k).map(|i| all[i * all.len() / k].clone()).collect()
            })
            .collect()
    }
}

/// Which source the edits are told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    /// The known expression's prototype (zero for neutral).
    Known,
    /// `Source::Auto`: the expression classifier on the crop.
    Auto,
}

/// One source → target triple's measures.
#[derive(Clone, Copy, Debug, Default)]
pub struct Triple {
    /// MSE of edit and of source against the real target.
    pub mse: [f64; 2],
    /// Expression-feature distance (interocular distances) of edit and of source to the target.
    pub feature: [f64; 2],
    /// Mean landmark distance (pixels) of edit and of source to the target.
    pub pixels: [f64; 2],
    /// Mouth-corner lift of source, edit and target.
    pub lift: [f64; 3],
}

/// All triples of one (source, target) cell.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub triples: Vec<Triple>,
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n.max(1) as f64
}

impl Cell {
    pub fn mse(&self) -> [f64; 2] {
        [mean(self.triples.iter().map(|t| t.mse[0])), mean(self.triples.iter().map(|t| t.mse[1]))]
    }
    pub fn feature(&self) -> [f64; 2] {
        [mean(self.triples.iter().map(|t| t.feature[0])), mean(self.triples.iter().map(|t| t.feature[1]))]
    }
    pub fn pixels(&self) -> [f64; 2] {
        [mean(self.triples.iter().map(|t| t.pixels[0])), mean(self.triples.iter().map(|t| t.pixels[1]))]
    }
    pub fn lift(&self) -> [f64; 3] {
        std::array::from_fn(|k| mean(self.triples.iter().map(|t| t.lift[k])))
    }
    /// The part of the source's lift gap to the target that the edit leaves:
    /// |lift(edit) − lift(target)| / |lift(source) − lift(target)| on the means.
    pub fn lift_gap_left(&self) -> f64 {
        let [s, e, t] = self.lift();
        (e - t).abs() / (s - t).abs().max(1e-9)
    }
    /// Whether the edit is closer to the real target than the source, on the
    /// cell's means, by MSE, by the feature distance and by landmark pixels.
    pub fn closer(&self) -> [bool; 3] {
        let (m, f, p) = (self.mse(), self.feature(), self.pixels());
        [m[0] < m[1], f[0] < f[1], p[0] < p[1]]
    }
}

/// A 7×7 grid of cells, `[source][target]` in [`EXPRESSIONS`] order.
pub type Grid = Vec<Vec<Cell>>;

pub fn empty_grid() -> Grid {
    vec![vec![Cell::default(); EXPRESSIONS.len()]; EXPRESSIONS.len()]
}

fn to_u8(img: &Image<f32>) -> Image<u8> {
    let data = img.data().iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect();
    Image::from_planar(img.width(), img.height(), img.channels(), data).expect("same shape")
}

fn feature_distance(frame: &FaceFrame, a: &Landmarks, b: &Landmarks) -> f64 {
    frame.features(a).minus(&frame.features(b)).norm() as f64
}

fn pixel_distance(a: &Landmarks, b: &Landmarks) -> f64 {
    mean(a.iter().zip(b.iter()).map(|(p, q)| ((p.0 - q.0) as f64).hypot((p.1 - q.1) as f64)))
}

/// One edit of a cell, kept for pictures: (source, target, source image, edit, real target).
pub type Sample = (usize, usize, Image<u8>, Image<u8>, Image<u8>);

/// Edits every crop of each expression of one subject towards every other
/// expression and adds the measures to `grid`; returns the first edit of
/// each cell (for pictures).
pub fn evaluate(
    model: &Arc<Model>,
    meter: &StrengthMeter,
    faces: &[Vec<(String, Image<u8>)>],
    from: From,
    grid: &mut Grid,
) -> Res<Vec<Sample>> {
    let source = match from {
        From::Known => Source::Neutral,
        From::Auto => Source::Auto,
    };
    let editors: Vec<Editor> =
        EXPRESSIONS.iter().map(|e| Editor::new(model.clone(), e)?.source(source)).collect::<Result<_, _>>()?;
    let mut jobs = Vec::new();
    for (s, ss) in faces.iter().enumerate() {
        for (t, ts) in faces.iter().enumerate() {
            if s == t {
                continue;
            }
            for (a, _) in ss.iter().enumerate() {
                for (b, _) in ts.iter().enumerate() {
                    jobs.push((s, t, a, b));
                }
            }
        }
    }
    let results: Vec<(usize, usize, Triple, Option<Sample>)> = jobs
        .par_iter()
        .map(|&(s, t, a, b)| -> Res<_> {
            let (src, tgt) = (&faces[s][a].1, &faces[t][b].1);
            let edit = match from {
                From::Known => {
                    let au = if s == 0 { AuVector::zero() } else { AuVector::from_expression(EXPRESSIONS[s])? };
                    editors[t].edit_crop_from(src, &au, 1.0)?.0
                }
                From::Auto => editors[t].edit_crop(src)?,
            };
            let edit = to_u8(&edit);
            let face = meter.face_box(src)?;
            let (ls, le, lt) =
                (meter.landmarks(src, &face)?, meter.landmarks(&edit, &face)?, meter.landmarks(tgt, &face)?);
            let frame = FaceFrame::of(&ls)?;
            let (gs, ge, gt) = (src.to_grey(), edit.to_grey(), tgt.to_grey());
            let lift = |l: &Landmarks| frame.features(l).mouth_corner_lift() as f64;
            let triple = Triple {
                mse: [metrics::mse(&ge, &gt), metrics::mse(&gs, &gt)],
                feature: [feature_distance(&frame, &le, &lt), feature_distance(&frame, &ls, &lt)],
                pixels: [pixel_distance(&le, &lt), pixel_distance(&ls, &lt)],
                lift: [lift(&ls), lift(&le), lift(&lt)],
            };
            let sample = (a == 0 && b == 0).then(|| (s, t, src.clone(), edit, tgt.clone()));
            Ok((s, t, triple, sample))
        })
        .collect::<Res<_>>()?;
    let mut samples = Vec::new();
    for (s, t, triple, sample) in results {
        grid[s][t].triples.push(triple);
        samples.extend(sample);
    }
    Ok(samples)
}

/// A markdown 7×7 table of one measure: each cell `edit / source` (means),
/// marked ✗ where the edit is not closer to the real target.
pub fn table(grid: &Grid, title: &str, measure: impl Fn(&Cell) -> [f64; 2], digits: usize) -> String {
    let mut out = format!("| {title} | {} |\n|---|{}\n", EXPRESSIONS.join(" | "), "---|".repeat(EXPRESSIONS.len()));
    for (s, row) in grid.iter().enumerate() {
        out += &format!("| **{}** |", EXPRESSIONS[s]);
        for (t, cell) in row.iter().enumerate() {
            if s == t || cell.triples.is_empty() {
                out += " – |";
                continue;
            }
            let [e, src] = measure(cell);
            let mark = if e < src { "" } else { " ✗" };
            out += &format!(" {e:.digits$} / {src:.digits$}{mark} |");
        }
        out += "\n";
    }
    out
}

/// The smile-loss lines: a happy source edited to each target.
pub fn lift_table(grid: &Grid) -> String {
    let h = 1;
    let mut out = String::from(
        "| happy → | triples | lift source | lift edit | lift real target | \\|edit − target\\| / \\|source − target\\| | \\|edit − target\\| / \\|target\\| |\n|---|---|---|---|---|---|---|\n",
    );
    for (t, cell) in grid[h].iter().enumerate() {
        if t == h || cell.triples.is_empty() {
            continue;
        }
        let [s, e, tg] = cell.lift();
        out += &format!(
            "| {} | {} | {s:.3} | {e:.3} | {tg:.3} | {:.3} | {:.2} |\n",
            EXPRESSIONS[t],
            cell.triples.len(),
            cell.lift_gap_left(),
            (e - tg).abs() / tg.abs().max(1e-9)
        );
    }
    out
}
