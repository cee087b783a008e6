//! `mien eval --models …`: the papers' comparison in one command. Trains each
//! requested model kind per fold (the dataset's holdout split, or leave one
//! subject out) and per training-set size, and reports MSE, PSNR and SSIM
//! (mean ± std over folds), how often the face-api expression classifier sees
//! the target expression in the outputs (next to the real targets, the
//! ceiling, and the inputs, the floor), parameter count, model file size,
//! training time and prediction time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mien_core::dataset::{LoadOptions, Pair, PairedDataset, Split};
use mien_core::image::{self, Image};
use mien_core::metrics;
use mien_core::model_file::{ModelFile, TrainingInfo};
use mien_core::normalize::{Normalize, OutputMode};
use mien_core::pipeline::{self, ApplyOptions};
use mien_core::synthetic::Rng;
use mien_face::{expression_class, ExpressionNet};

use super::apply::side_by_side;
use super::check_writable_file;
use super::train::ModelSpec;
use crate::args::{Channels, EvalArgs, GanArgs, ModelKind, NormalizeArg, OutputModeArg, PriorArg, Protocol, TrainArgs};

/// One model to compare: its label and checked spec.
struct Entry {
    label: String,
    spec: ModelSpec,
}

/// Parses `kind[:key=value]*` items separated by commas.
fn parse_specs(text: &str) -> Result<Vec<Entry>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|item| {
            let mut parts = item.trim().split(':');
            let kind_name = parts.next().unwrap_or_default();
            let kind = ModelKind::from_str(kind_name, true).map_err(|_| {
                anyhow::anyhow!(
                    "--models: unknown kind `{kind_name}`; use {}",
                    ModelKind::value_variants()
                        .iter()
                        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let mut a = TrainArgs {
                model: kind,
                data: PathBuf::new(),
                size: None,
                receptive_field: 3,
                lambda: None,
                prior: PriorArg::Zero,
                no_penalize_bias: false,
                channels: None,
                gamma: 10.0,
                centres: 12,
                nonzeros: 5,
                beta: 60.0,
                components: 20,
                alpha: 1e-2,
                normalize: NormalizeArg::Minmax,
                output_mode: OutputModeArg::Clip,
                expression: None,
                output: PathBuf::new(),
                gan: GanArgs::defaults(),
            };
            for kv in parts {
                let (k, v) = kv.split_once('=').ok_or_else(|| anyhow::anyhow!("--models {item}: `{kv}` is not key=value"))?;
                let num = || v.parse::<f64>().map_err(|_| anyhow::anyhow!("--models {item}: {k}={v} is not a number"));
                let int = || v.parse::<usize>().map_err(|_| anyhow::anyhow!("--models {item}: {k}={v} is not a whole number"));
                match k {
                    "r" => a.receptive_field = int()?,
                    "lambda" => a.lambda = Some(num()?),
                    "gamma" => a.gamma = num()?,
                    "centres" => a.centres = int()?,
                    "nonzeros" | "f" => a.nonzeros = int()?,
                    "beta" => a.beta = num()?,
                    "k" | "components" => a.components = int()?,
                    "alpha" => a.alpha = num()?,
                    "prior" => a.prior = PriorArg::from_str(v, true).map_err(|_| anyhow::anyhow!("prior={v}: use identity or zero"))?,
                    "channels" => {
                        a.channels = Some(Channels::from_str(v, true).map_err(|_| anyhow::anyhow!("channels={v}: use separate, shared or grey"))?)
                    }
                    other => anyhow::bail!(
                        "--models {item}: unknown hyperparameter `{other}` (r, lambda, prior, channels, gamma, centres, nonzeros, beta, k, alpha)"
                    ),
                }
            }
            let spec = ModelSpec::from_args(&a).with_context(|| format!("--models {item}"))?;
            Ok(Entry { label: item.trim().to_string(), spec })
        })
        .collect()
}

/// Aggregated results of one model at one training size.
#[derive(Default)]
struct Tally {
    mse: Vec<f64>,
    ssim: Vec<f64>,
    psnr: Vec<f64>,
    hits: usize,
    prob: f64,
    classified: usize,
    params: usize,
    bytes: usize,
    train_s: f64,
    predict_s: f64,
    predicted: usize,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

pub fn run(a: EvalArgs) -> Result<ExitCode> {
    let entries = parse_specs(a.specs.as_deref().unwrap_or_default())?;
    anyhow::ensure!(!entries.is_empty(), "--models: name at least one model kind");
    for p in [&a.csv, &a.markdown, &a.grid].into_iter().flatten() {
        check_writable_file(p, "output")?;
    }
    let sizes: Vec<Option<usize>> = a
        .train_sizes
        .split(',')
        .map(|s| match s.trim() {
            "all" => Ok(None),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .map(Some)
                .ok_or_else(|| anyhow::anyhow!("--train-sizes: `{n}` is neither a positive number nor `all`")),
        })
        .collect::<Result<_>>()?;
    if let Some(s) = a.size {
        anyhow::ensure!((16..=1024).contains(&s), "--size {s}: must be between 16 and 1024");
    }
    let opts = LoadOptions { size: a.size, normalize: Normalize::MinMax, ..Default::default() };
    let meta = read_pairs_csv(&a.data)?;
    let mut all: Vec<Pair> = Vec::new();
    let mut split_of: BTreeMap<String, bool> = BTreeMap::new();
    for (split, is_test) in [(Split::Train, false), (Split::Test, true)] {
        let dir_a = a.data.join(if is_test { "testA" } else { "trainA" });
        if !dir_a.is_dir() {
            continue;
        }
        let d = PairedDataset::load(&a.data, split, &opts)?;
        for p in d.pairs {
            split_of.insert(p.name.clone(), is_test);
            all.push(p);
        }
    }
    anyhow::ensure!(!all.is_empty(), "--data {}: no pairs in trainA/trainB or testA/testB", a.data.display());
    let first = &all[0];
    let (w, h, channels) = (first.input.width(), first.input.height(), first.input.channels());
    anyhow::ensure!(
        all.iter().all(|p| p.input.width() == w && p.input.height() == h && p.input.channels() == channels),
        "train and test images differ in size or channels; pass --size N"
    );
    let subject_of = |p: &Pair| meta.get(&p.name).map(|m| m.0.clone());
    let folds: Vec<(String, Vec<usize>, Vec<usize>)> = match a.protocol {
        Protocol::Holdout => {
            let (tr, te): (Vec<usize>, Vec<usize>) = (0..all.len()).partition(|&i| !split_of[&all[i].name]);
            anyhow::ensure!(!tr.is_empty() && !te.is_empty(), "--protocol holdout needs both trainA/B and testA/B");
            vec![("holdout".into(), tr, te)]
        }
        Protocol::Loso => {
            anyhow::ensure!(
                !meta.is_empty(),
                "--protocol loso needs {}/pairs.csv (written by `mien align`)",
                a.data.display()
            );
            let mut subjects: Vec<String> = all.iter().filter_map(subject_of).collect();
            subjects.sort();
            subjects.dedup();
            anyhow::ensure!(
                subjects.len() >= 2,
                "--protocol loso needs at least two subjects, found {}",
                subjects.len()
            );
            subjects
                .iter()
                .map(|s| {
                    let (te, tr): (Vec<usize>, Vec<usize>) =
                        (0..all.len()).partition(|&i| subject_of(&all[i]).as_deref() == Some(s.as_str()));
                    (s.clone(), tr, te)
                })
                .collect()
        }
    };
    let expression = a.expression.clone().or_else(|| meta.values().next().map(|m| m.1.clone()));
    let target_class = expression.as_deref().and_then(expression_class);
    let classifier = if a.no_expression_check || target_class.is_none() { None } else { Some(ExpressionNet::new()?) };
    let classify = |img: &Image<u8>| -> Option<(bool, f64)> {
        let (net, k) = (classifier.as_ref()?, target_class?);
        let p = net.classify_crop(img).ok()?;
        let top = (0..7).max_by(|&i, &j| p[i].total_cmp(&p[j]))?;
        Some((top == k, p[k] as f64))
    };

    let start = Instant::now();
    let mut tallies: BTreeMap<(usize, usize), Tally> = BTreeMap::new();
    let (mut floor, mut ceiling) = (Tally::default(), Tally::default());
    let mut grid_rows: Vec<Vec<Image<u8>>> = Vec::new();
    for (fi, (fold, train_idx, test_idx)) in folds.iter().enumerate() {
        for &i in test_idx {
            let p = &all[i];
            floor.mse.push(metrics::mse(&p.input, &p.target));
            floor.ssim.push(metrics::ssim(&p.input, &p.target));
            if let Some((hit, prob)) = classify(&p.input) {
                floor.hits += hit as usize;
                floor.prob += prob;
                floor.classified += 1;
            }
            if let Some((hit, prob)) = classify(&p.target) {
                ceiling.hits += hit as usize;
                ceiling.prob += prob;
                ceiling.classified += 1;
            }
        }
        let mut order = train_idx.clone();
        let mut rng = Rng::new(1000 + fi as u64);
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        for (si, size) in sizes.iter().enumerate() {
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
            for (ei, e) in entries.iter().enumerate() {
                let t0 = Instant::now();
                let model = e.spec.fit(&train).with_context(|| format!("fitting {} (fold {fold})", e.label))?;
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
                    if let Some((hit, prob)) = classify(o) {
                        t.hits += hit as usize;
                        t.prob += prob;
                        t.classified += 1;
                    }
                }
                if fi == 0 && si + 1 == sizes.len() {
                    for (r, o) in outs.iter().take(a.grid_rows).enumerate() {
                        if grid_rows.len() <= r {
                            grid_rows.push(vec![all[test_idx[r]].input.clone()]);
                        }
                        grid_rows[r].push(o.clone());
                    }
                }
            }
        }
        if fi == 0 {
            for (r, row) in grid_rows.iter_mut().enumerate() {
                row.push(all[test_idx[r]].target.clone());
            }
        }
        eprintln!(
            "fold {fold}: {} train / {} test pairs done ({:.1} s)",
            train_idx.len(),
            test_idx.len(),
            start.elapsed().as_secs_f64()
        );
    }
    let folds_n = folds.len();
    let (md, csv) =
        render(&entries, &sizes, &tallies, &floor, &ceiling, folds_n, &a, expression.as_deref(), (w, h), all.len());
    print!("{md}");
    if let Some(p) = &a.markdown {
        image::write_atomic(p, md.as_bytes())?;
    }
    if let Some(p) = &a.csv {
        image::write_atomic(p, csv.as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.grid {
        let lines: Vec<Image<u8>> = grid_rows.iter().map(|r| side_by_side(&r.iter().collect::<Vec<_>>())).collect();
        let refs: Vec<&Image<u8>> = lines.iter().collect();
        image::save_png(&super::eval::stack_images(&refs), p)?;
        eprintln!("wrote {}", p.display());
    }
    eprintln!(
        "evaluated {} model(s) × {} size(s) × {folds_n} fold(s) in {:.1} s",
        entries.len(),
        sizes.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn render(
    entries: &[Entry],
    sizes: &[Option<usize>],
    tallies: &BTreeMap<(usize, usize), Tally>,
    floor: &Tally,
    ceiling: &Tally,
    folds: usize,
    a: &EvalArgs,
    expression: Option<&str>,
    (w, h): (usize, usize),
    pairs: usize,
) -> (String, String) {
    let proto = match a.protocol {
        Protocol::Holdout => "holdout".to_string(),
        Protocol::Loso => format!("leave one subject out, {folds} folds"),
    };
    let mut md = format!(
        "{pairs} pairs at {w}×{h}, {proto}; expression check: {}\n\n",
        expression.map(|e| format!("target `{e}`")).unwrap_or_else(|| "off".into())
    );
    md.push_str("| model | train pairs | MSE | PSNR (dB) | SSIM | expr. acc. | p(target) | parameters | file bytes | train s | predict ms/img |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut csv = String::from(
        "model,train_size,mse_mean,mse_std,psnr_mean,psnr_std,ssim_mean,ssim_std,expr_acc,p_target,parameters,file_bytes,train_s,predict_ms\n",
    );
    let acc = |t: &Tally| {
        if t.classified == 0 {
            ("–".to_string(), "–".to_string(), String::new(), String::new())
        } else {
            let (x, p) = (t.hits as f64 / t.classified as f64, t.prob / t.classified as f64);
            (format!("{:.0}%", 100.0 * x), format!("{p:.3}"), format!("{x:.4}"), format!("{p:.4}"))
        }
    };
    let (fm, fs) = mean_std(&floor.mse);
    let (sm, ss) = mean_std(&floor.ssim);
    let fa = acc(floor);
    let _ = writeln!(
        md,
        "| input (identity) | – | {fm:.5} ± {fs:.5} | {:.2} | {sm:.4} ± {ss:.4} | {} | {} | 0 | 0 | – | – |",
        metrics::psnr_from_mse(fm),
        fa.0,
        fa.1
    );
    let _ = writeln!(
        csv,
        "identity,,{fm:.6},{fs:.6},{:.4},,{sm:.5},{ss:.5},{},{},0,0,,",
        metrics::psnr_from_mse(fm),
        fa.2,
        fa.3
    );
    let ca = acc(ceiling);
    let _ = writeln!(md, "| real target | – | 0 | ∞ | 1 | {} | {} | – | – | – | – |", ca.0, ca.1);
    let _ = writeln!(csv, "target,,0,0,,,1,0,{},{},,,,", ca.2, ca.3);
    for (ei, e) in entries.iter().enumerate() {
        for (si, size) in sizes.iter().enumerate() {
            let Some(t) = tallies.get(&(ei, si)) else { continue };
            let (m, s) = mean_std(&t.mse);
            let (pm, ps) = mean_std(&t.psnr.iter().copied().filter(|v| v.is_finite()).collect::<Vec<_>>());
            let (qm, qs) = mean_std(&t.ssim);
            let a = acc(t);
            let n = size.map(|n| n.to_string()).unwrap_or_else(|| "all".into());
            let train_s = t.train_s / folds as f64;
            let pred_ms = 1000.0 * t.predict_s / t.predicted.max(1) as f64;
            let _ = writeln!(
                md,
                "| {} | {n} | {m:.5} ± {s:.5} | {pm:.2} ± {ps:.2} | {qm:.4} ± {qs:.4} | {} | {} | {} | {} | {train_s:.3} | {pred_ms:.3} |",
                e.label, a.0, a.1, t.params, t.bytes
            );
            let _ = writeln!(
                csv,
                "\"{}\",{n},{m:.6},{s:.6},{pm:.4},{ps:.4},{qm:.5},{qs:.5},{},{},{},{},{train_s:.4},{pred_ms:.4}",
                e.label, a.2, a.3, t.params, t.bytes
            );
        }
    }
    (md, csv)
}

/// `pairs.csv` from `mien align`: stem → (subject, expression). Empty when absent.
fn read_pairs_csv(dir: &Path) -> Result<BTreeMap<String, (String, String)>> {
    let path = dir.join("pairs.csv");
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        anyhow::ensure!(f.len() >= 4, "{}:{}: expected subject,expression,split,stem,…", path.display(), i + 1);
        out.insert(f[3].to_string(), (f[0].to_string(), f[1].to_string()));
    }
    Ok(out)
}

/// The expression of a `mien align` folder, from its `pairs.csv`.
pub fn pairs_expression(dir: &Path) -> Option<String> {
    read_pairs_csv(dir).ok()?.values().next().map(|m| m.1.clone())
}
