//! The evaluation protocol of `mien eval --models`: the papers' comparison in
//! one call. Trains each requested model kind per fold (the dataset's holdout
//! split, or leave one subject out) and per training-set size, and tallies
//! MSE, PSNR and SSIM (mean ± std over test pairs), how often the face-api
//! expression classifier sees the target expression in the outputs (next to
//! the real targets, the ceiling, and the inputs, the floor), parameter
//! count, model file size, training and prediction time. [`run`] returns a
//! [`Report`]; front ends render it.

mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use mien_core::dataset::{LoadOptions, Pair, PairedDataset, Split};
use mien_core::image::Image;
use mien_core::metrics;
use mien_core::model_file::{ModelFile, TrainingInfo};
use mien_core::normalize::{Normalize, OutputMode};
use mien_core::pipeline::{self, ApplyOptions};
use mien_core::synthetic::Rng;
use mien_face::{expression_class, ExpressionNet};

pub use report::{mean_std, Report, Tally};

use crate::measure::StrengthMeter;
use crate::registry::{ModelKind, ModelSpec, TrainOptions};
use crate::{aligned, Error, Result};

/// How test pairs are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// The dataset's own train/test split.
    Holdout,
    /// Leave one subject out (needs `pairs.csv` from `mien align`).
    Loso,
}

/// One model to compare: its label and checked spec.
#[derive(Clone, Debug)]
pub struct Entry {
    /// As given (`masked:r=5`).
    pub label: String,
    /// The kind with its parameters.
    pub spec: ModelSpec,
}

/// Parses `kind[:key=value]*` items separated by commas, each from the
/// default [`TrainOptions`].
pub fn parse_entries(text: &str) -> Result<Vec<Entry>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let item = item.trim();
            let bad = |m: String| Error::Protocol(format!("{item}: {m}"));
            let mut parts = item.split(':');
            let kind: ModelKind = parts.next().unwrap_or_default().parse().map_err(bad)?;
            let mut o = TrainOptions::default();
            for kv in parts {
                let (k, v) = kv.split_once('=').ok_or_else(|| bad(format!("`{kv}` is not key=value")))?;
                o.set(k, v).map_err(bad)?;
            }
            let spec = ModelSpec::new(kind, &o).map_err(|e| e.context(item))?;
            Ok(Entry { label: item.to_string(), spec })
        })
        .collect()
}

/// Parses a list of training-set sizes (`5,10,20,all`); `None` = all pairs.
pub fn parse_train_sizes(text: &str) -> Result<Vec<Option<usize>>, String> {
    text.split(',')
        .map(|s| match s.trim() {
            "all" => Ok(None),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .map(Some)
                .ok_or_else(|| format!("`{n}` is neither a positive number nor `all`")),
        })
        .collect()
}

/// Image sides the protocol accepts: the same as training's.
pub const SIZES: std::ops::RangeInclusive<usize> = mien_core::dataset::SIZES;

/// What to evaluate and how.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The aligned folder (trainA/B, testA/B, pairs.csv).
    pub data: PathBuf,
    /// The models.
    pub entries: Vec<Entry>,
    /// Holdout or leave one subject out.
    pub protocol: Protocol,
    /// Training-set sizes to sweep (`None` = all).
    pub train_sizes: Vec<Option<usize>>,
    /// Resize every image to N×N first.
    pub size: Option<usize>,
    /// Target expression for the classifier check (default: from pairs.csv).
    pub expression: Option<String>,
    /// Whether to run the expression classifier.
    pub expression_check: bool,
    /// Most grid rows to keep (first fold, largest size).
    pub grid_rows: usize,
    /// Whether to measure expression strength with landmarks ([`crate::measure`]).
    pub strength: bool,
}

/// One finished fold, for progress.
#[derive(Clone, Debug)]
pub struct FoldDone {
    /// The fold's name (`holdout` or the left-out subject).
    pub fold: String,
    /// Training pairs.
    pub train: usize,
    /// Test pairs.
    pub test: usize,
    /// Seconds since the start.
    pub elapsed_s: f64,
}

/// Runs the plan; `on_fold` hears of each finished fold.
pub fn run(plan: &Plan, on_fold: &mut dyn FnMut(&FoldDone)) -> Result<Report> {
    if plan.entries.is_empty() {
        return Err(Error::Protocol("name at least one model kind".into()));
    }
    if let Some(s) = plan.size {
        if !SIZES.contains(&s) {
            return Err(Error::Protocol(format!("size {s}: must be between {} and {}", SIZES.start(), SIZES.end())));
        }
    }
    let opts = LoadOptions { size: plan.size, normalize: Normalize::MinMax, ..Default::default() };
    let meta = aligned::pairs_csv(&plan.data)?;
    let mut all: Vec<Pair> = Vec::new();
    let mut split_of: BTreeMap<String, bool> = BTreeMap::new();
    for (split, is_test) in [(Split::Train, false), (Split::Test, true)] {
        if !plan.data.join(if is_test { "testA" } else { "trainA" }).is_dir() {
            continue;
        }
        let d = PairedDataset::load(&plan.data, split, &opts)?;
        for p in d.pairs {
            split_of.insert(p.name.clone(), is_test);
            all.push(p);
        }
    }
    if all.is_empty() {
        return Err(Error::Protocol(format!("{}: no pairs in trainA/trainB or testA/testB", plan.data.display())));
    }
    let first = &all[0];
    let (w, h, channels) = (first.input.width(), first.input.height(), first.input.channels());
    if !all.iter().all(|p| p.input.width() == w && p.input.height() == h && p.input.channels() == channels) {
        return Err(Error::Protocol(
            "train and test images differ in size or channels; resize them to one size".into(),
        ));
    }
    let folds = folds(plan, &all, &split_of, &meta)?;
    let expression = plan.expression.clone().or_else(|| meta.values().next().map(|m| m.1.clone()));
    let target_class = expression.as_deref().and_then(expression_class);
    let classifier = if plan.expression_check && target_class.is_some() { Some(ExpressionNet::new()?) } else { None };
    let classify = |img: &Image<u8>| -> Option<(bool, f64)> {
        let (net, k) = (classifier.as_ref()?, target_class?);
        let p = net.classify_crop(img).ok()?;
        let top = (0..7).max_by(|&i, &j| p[i].total_cmp(&p[j]))?;
        Some((top == k, p[k] as f64))
    };

    let meter = if plan.strength { Some(StrengthMeter::new()?) } else { None };
    let start = Instant::now();
    let mut tallies: BTreeMap<(usize, usize), Tally> = BTreeMap::new();
    let (mut floor, mut ceiling) = (Tally::default(), Tally::default());
    let mut grid: Vec<Vec<Image<u8>>> = Vec::new();
    for (fi, (fold, train_idx, test_idx)) in folds.iter().enumerate() {
        for &i in test_idx {
            let p = &all[i];
            floor.mse.push(metrics::mse(&p.input, &p.target));
            floor.ssim.push(metrics::ssim(&p.input, &p.target));
            floor.classified(classify(&p.input));
            ceiling.classified(classify(&p.target));
        }
        let mut order = train_idx.clone();
        let mut rng = Rng::new(1000 + fi as u64);
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        for (si, size) in plan.train_sizes.iter().enumerate() {
            let n = size.unwrap_or(order.len()).min(order.len());
            let pairs: Vec<Pair> = order[..n].iter().map(|&i| all[i].clone()).collect();
            let train = PairedDataset {
                width: w,
                height: h,
                channels,
                normalize: Normalize::MinMax,
                pairs,
                source: fold.clone(),
            };
            for (ei, e) in plan.entries.iter().enumerate() {
                let t0 = Instant::now();
                let model =
                    e.spec.fit(&train).map_err(|err| err.context(format!("fitting {} (fold {fold})", e.label)))?;
                let train_s = t0.elapsed().as_secs_f64();
                let file = ModelFile::new(model, Normalize::MinMax, OutputMode::Clip, TrainingInfo::default());
                let t = tallies.entry((ei, si)).or_default();
                t.params = file.model.predictor().parameter_count();
                t.bytes = file.to_bytes().map(|b| b.len()).unwrap_or(0);
                t.train_s += train_s;
                let t1 = Instant::now();
                let outs: Vec<Image<u8>> = test_idx
                    .iter()
                    .map(|&i| pipeline::apply(&file, &all[i].input, Path::new(&all[i].name), ApplyOptions::default()))
                    .collect::<Result<_, _>>()?;
                t.predict_s += t1.elapsed().as_secs_f64();
                t.predicted += outs.len();
                for (o, &i) in outs.iter().zip(test_idx) {
                    let target = &all[i].target;
                    let mse = metrics::mse(o, target);
                    t.mse.push(mse);
                    t.psnr.push(metrics::psnr_from_mse(mse));
                    t.ssim.push(metrics::ssim(o, target));
                    t.classified(classify(o));
                    if let Some(m) = &meter {
                        t.strength.push(m.compare(&all[i].input, o, target)?);
                    }
                }
                if fi == 0 && si + 1 == plan.train_sizes.len() {
                    for (r, o) in outs.iter().take(plan.grid_rows).enumerate() {
                        if grid.len() <= r {
                            grid.push(vec![all[test_idx[r]].input.clone()]);
                        }
                        grid[r].push(o.clone());
                    }
                }
            }
        }
        if fi == 0 {
            for (r, row) in grid.iter_mut().enumerate() {
                row.push(all[test_idx[r]].target.clone());
            }
        }
        on_fold(&FoldDone {
            fold: fold.clone(),
            train: train_idx.len(),
            test: test_idx.len(),
            elapsed_s: start.elapsed().as_secs_f64(),
        });
    }
    Ok(Report {
        labels: plan.entries.iter().map(|e| e.label.clone()).collect(),
        train_sizes: plan.train_sizes.clone(),
        protocol: plan.protocol,
        tallies,
        floor,
        ceiling,
        folds: folds.len(),
        expression,
        size: (w, h),
        pairs: all.len(),
        grid,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// (name, train indices, test indices) per fold.
type Fold = (String, Vec<usize>, Vec<usize>);

fn folds(
    plan: &Plan,
    all: &[Pair],
    split_of: &BTreeMap<String, bool>,
    meta: &BTreeMap<String, (String, String)>,
) -> Result<Vec<Fold>> {
    let subject_of = |p: &Pair| meta.get(&p.name).map(|m| m.0.clone());
    Ok(match plan.protocol {
        Protocol::Holdout => {
            let (tr, te): (Vec<usize>, Vec<usize>) = (0..all.len()).partition(|&i| !split_of[&all[i].name]);
            if tr.is_empty() || te.is_empty() {
                return Err(Error::Protocol("the holdout protocol needs both trainA/B and testA/B".into()));
            }
            vec![("holdout".into(), tr, te)]
        }
        Protocol::Loso => {
            if meta.is_empty() {
                return Err(Error::Protocol(format!(
                    "leave-one-subject-out needs {}/pairs.csv (written by `mien align`)",
                    plan.data.display()
                )));
            }
            let mut subjects: Vec<String> = all.iter().filter_map(subject_of).collect();
            subjects.sort();
            subjects.dedup();
            if subjects.len() < 2 {
                return Err(Error::Protocol(format!(
                    "leave-one-subject-out needs at least two subjects, found {}",
                    subjects.len()
                )));
            }
            subjects
                .iter()
                .map(|s| {
                    let (te, tr): (Vec<usize>, Vec<usize>) =
                        (0..all.len()).partition(|&i| subject_of(&all[i]).as_deref() == Some(s.as_str()));
                    (s.clone(), tr, te)
                })
                .collect()
        }
    })
}
