//! `mien eval`: score models on a dataset's test split.
//!
//! Every model sees the test inputs resized to its own training size, and is
//! scored against the targets at that size, on [0, 1] intensities. The first
//! row is the identity map (output = input), the floor any model must beat.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien::compose::{fit_u8, side_by_side, stack};
use mien::core::dataset::{LoadOptions, PairedDataset, Split};
use mien::core::image::{self, Image};
use mien::core::metrics;
use mien::core::model_file::ModelFile;
use mien::core::normalize::Normalize;
use mien::Editor;

use crate::common::{check_writable_file, csv_field, out};
use crate::values::{self, TrainSizes};

mod protocol;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model files to score on DIR/testA ↔ DIR/testB (repeat for several).
    #[arg(short = 'm', long = "model", conflicts_with = "specs")]
    pub models: Vec<PathBuf>,
    /// Train and score these kinds instead, each with optional hyperparameters:
    /// `masked:r=3:lambda=3,pixel,omp:nonzeros=5,lsrf:beta=60,ridge,pcr:k=20,kernel-ridge:gamma=10,lasso:alpha=0.001`.
    #[arg(long = "models", value_name = "SPECS")]
    pub specs: Option<String>,
    /// With --models: `holdout` (train on trainA/B, test on testA/B) or `loso`
    /// (leave one subject out over all pairs; needs DIR/pairs.csv from `mien align`).
    #[arg(long, value_enum, default_value = "holdout")]
    pub protocol: ProtocolArg,
    /// With --models: training-set sizes to sweep, e.g. 5,10,20,all.
    #[arg(long, value_name = "LIST", default_value = "all", value_parser = values::train_sizes)]
    pub train_sizes: TrainSizes,
    /// With --models: resize every image to N×N first.
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Target expression for the expression check (default: from DIR/pairs.csv).
    #[arg(long)]
    pub expression: Option<String>,
    /// Skip the expression classifier check.
    #[arg(long)]
    pub no_expression_check: bool,
    /// Skip the landmark measure of expression strength (ratio of the edit's
    /// landmark change to the real one, and their direction cosine).
    #[arg(long)]
    pub no_strength: bool,
    /// Dataset folder with testA/ and testB/ (and trainA/, trainB/, pairs.csv for --models).
    #[arg(long)]
    pub data: PathBuf,
    /// Also write the table as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the markdown table to a file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a PNG grid: input | each model | target, one row per test pair.
    #[arg(long)]
    pub grid: Option<PathBuf>,
    /// Most rows in the grid.
    #[arg(long, default_value_t = 8)]
    pub grid_rows: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtocolArg {
    /// The dataset's own train/test split.
    Holdout,
    /// Leave one subject out.
    Loso,
}

/// One row of the results table.
struct Row {
    name: String,
    kind: String,
    mse: f64,
    psnr: f64,
    ssim: f64,
    params: usize,
    file_bytes: u64,
    train_s: f64,
    apply_ms: f64,
    /// Mean landmark strength ratio and direction cosine against the real targets.
    strength: Option<(Option<f32>, Option<f32>)>,
}

pub fn run(a: Args) -> Result<ExitCode> {
    // Checked before any work, so no output is written before the error.
    anyhow::ensure!(a.grid_rows >= 1, "--grid-rows 0: the grid needs at least one row");
    if let Some(specs) = &a.specs {
        for p in [&a.csv, &a.markdown, &a.grid].into_iter().flatten() {
            check_writable_file(p, "output")?;
        }
        let plan = mien::protocol::Plan {
            data: a.data.clone(),
            entries: mien::protocol::parse_entries(specs).context("--models")?,
            protocol: match a.protocol {
                ProtocolArg::Holdout => mien::protocol::Protocol::Holdout,
                ProtocolArg::Loso => mien::protocol::Protocol::Loso,
            },
            train_sizes: a.train_sizes.0.clone(),
            size: a.size,
            expression: a.expression.clone(),
            expression_check: !a.no_expression_check,
            grid_rows: a.grid_rows,
            strength: !a.no_strength,
        };
        let outputs = protocol::Outputs { csv: a.csv, markdown: a.markdown, grid: a.grid };
        return protocol::run(&plan, &outputs);
    }
    anyhow::ensure!(!a.models.is_empty(), "give model files with -m, or kinds to train with --models");
    if let Some(p) = &a.csv {
        check_writable_file(p, "--csv")?;
    }
    if let Some(p) = &a.grid {
        check_writable_file(p, "--grid")?;
    }
    if let Some(p) = &a.markdown {
        check_writable_file(p, "--markdown")?;
    }
    // The target expression matters to AU-conditioned models only.
    let expression = a.expression.clone().or_else(|| mien::aligned::expression(&a.data));
    let models: Vec<(PathBuf, Editor, u64)> = a
        .models
        .iter()
        .map(|p| {
            let name = p.to_string_lossy();
            let bytes = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let kind = mien::core::input::read_capped(p, mien::core::input::MAX_MODEL_BYTES, "model file").ok().and_then(|b| ModelFile::read_meta(&b, p).ok()).map(|m| m.kind);
            if matches!(kind.as_deref(), Some("deform" | "defgan")) && expression.is_none() {
                anyhow::bail!(
                    "-m {name}: an AU-conditioned model needs the target: pass --expression (or evaluate a `mien align` folder)"
                );
            }
            // A per-expression model is evaluated on the expression it was trained for.
            let target = crate::common::trained_expression(&name).or_else(|| expression.clone());
            let editor =
                Editor::builtin(&name, target.as_deref().unwrap_or("happy")).with_context(|| format!("-m {name}"))?;
            Ok((p.clone(), editor, bytes))
        })
        .collect::<Result<_>>()?;
    let (w0, h0) = (models[0].1.model().meta().width, models[0].1.model().meta().height);
    let load = |w: usize, h: usize| -> Result<PairedDataset> {
        let opts = LoadOptions { size: (w == h).then_some(w), normalize: Normalize::Unit, ..Default::default() };
        Ok(PairedDataset::load(&a.data, Split::Test, &opts)?)
    };
    let base = load(w0, h0)?;
    let meter = if a.no_strength { None } else { Some(mien::measure::StrengthMeter::new()?) };
    let mut rows = vec![score_identity(&base, meter.is_some())];
    let mut grid_cols: Vec<Vec<Image<u8>>> = Vec::new();
    for (path, editor, bytes) in &models {
        let meta = editor.model().meta();
        let (w, h) = (meta.width, meta.height);
        let data = if (w, h) == (w0, h0) { base.clone() } else { load(w, h)? };
        let t = Instant::now();
        let outputs: Vec<Image<u8>> = data
            .pairs
            .iter()
            .map(|p| editor.edit_crop(&p.input).map(|o| o.to_u8()).with_context(|| p.name.clone()))
            .collect::<Result<_>>()
            .with_context(|| format!("applying {}", path.display()))?;
        let apply_ms = t.elapsed().as_secs_f64() * 1000.0 / data.len() as f64;
        let (mse, ssim) = mean_scores(outputs.iter().zip(data.pairs.iter().map(|p| &p.target)));
        let strength = match &meter {
            Some(m) => {
                let all = outputs
                    .iter()
                    .zip(&data.pairs)
                    .map(|(o, p)| m.compare(&p.input, o, &p.target).with_context(|| p.name.clone()))
                    .collect::<Result<Vec<_>>>()?;
                let sum = mien::measure::summarize(&all);
                Some((sum.mean_ratio, sum.mean_cosine))
            }
            None => None,
        };
        rows.push(Row {
            strength,
            name: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            kind: meta.kind.clone(),
            mse,
            psnr: metrics::psnr_from_mse(mse),
            ssim,
            params: editor.model().parameter_count(),
            file_bytes: *bytes,
            train_s: meta.training.seconds,
            apply_ms,
        });
        grid_cols.push(outputs.into_iter().take(a.grid_rows).map(|o| fit_u8(&o, w0, h0)).collect());
    }
    let table = markdown(&rows, base.len());
    // The files first: a reader that closes stdout early must not cost them.
    let printed = out!("{table}");
    if let Some(p) = &a.markdown {
        image::write_atomic(p, table.as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.csv {
        image::write_atomic(p, csv(&rows).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &a.grid {
        let mut lines = Vec::new();
        for (i, pair) in base.pairs.iter().take(a.grid_rows).enumerate() {
            let mut row: Vec<&Image<u8>> = vec![&pair.input];
            row.extend(grid_cols.iter().map(|c| &c[i]));
            row.push(&pair.target);
            lines.push(side_by_side(&row));
        }
        image::save_png(&stack(&lines.iter().collect::<Vec<_>>()), p)?;
        eprintln!("wrote {}", p.display());
    }
    printed?;
    Ok(ExitCode::SUCCESS)
}

fn score_identity(data: &PairedDataset, strength: bool) -> Row {
    let (mse, ssim) = mean_scores(data.pairs.iter().map(|p| (&p.input, &p.target)));
    Row {
        // The identity map moves no landmark: strength 0, cosine 0 by convention.
        strength: strength.then_some((Some(0.0), Some(0.0))),
        name: "identity".into(),
        kind: "input".into(),
        mse,
        psnr: metrics::psnr_from_mse(mse),
        ssim,
        params: 0,
        file_bytes: 0,
        train_s: 0.0,
        apply_ms: 0.0,
    }
}

/// Mean MSE and SSIM over pairs (colour outputs are compared with grey targets as grey).
fn mean_scores<'a>(pairs: impl Iterator<Item = (&'a Image<u8>, &'a Image<u8>)>) -> (f64, f64) {
    let (mut mse, mut ssim, mut n) = (0.0, 0.0, 0usize);
    for (out, target) in pairs {
        let (o, t) = if out.channels() == target.channels() {
            (out.clone(), target.clone())
        } else {
            (out.to_grey(), target.to_grey())
        };
        mse += metrics::mse(&o, &t);
        ssim += metrics::ssim(&o, &t);
        n += 1;
    }
    (mse / n as f64, ssim / n as f64)
}

/// The strength ratio and cosine of a row, `missing` where not measured.
fn strength_cells(r: &Row, digits: usize, missing: &str) -> (String, String) {
    let cell = |v: Option<f32>| v.map_or_else(|| missing.to_string(), |x| format!("{x:.digits$}"));
    match r.strength {
        Some((ratio, cosine)) => (cell(ratio), cell(cosine)),
        None => (missing.to_string(), missing.to_string()),
    }
}

fn markdown(rows: &[Row], n: usize) -> String {
    let mut s = format!("{n} test pairs\n\n");
    s.push_str("| model | kind | MSE | PSNR (dB) | SSIM | strength | cosine | parameters | file bytes | train s | apply ms/img |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let (ratio, cosine) = strength_cells(r, 2, "–");
        let _ = writeln!(
            s,
            "| {} | {} | {:.5} | {:.2} | {:.4} | {ratio} | {cosine} | {} | {} | {:.3} | {:.3} |",
            csv_field(&r.name),
            csv_field(&r.kind),
            r.mse,
            r.psnr,
            r.ssim,
            r.params,
            r.file_bytes,
            r.train_s,
            r.apply_ms
        );
    }
    s
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "model,kind,mse,psnr_db,ssim,parameters,file_bytes,train_s,apply_ms_per_image,strength_ratio,strength_cosine\n",
    );
    for r in rows {
        let (ratio, cosine) = strength_cells(r, 4, "");
        let _ = writeln!(
            s,
            "{},{},{:.6},{:.4},{:.5},{},{},{:.4},{:.4},{ratio},{cosine}",
            csv_field(&r.name),
            csv_field(&r.kind),
            r.mse,
            r.psnr,
            r.ssim,
            r.params,
            r.file_bytes,
            r.train_s,
            r.apply_ms
        );
    }
    s
}
