//! `mien apply`: run a model on aligned face crops, writing OUTDIR/<stem>.png.
//! Every input is processed before anything is written, so a bad input
//! leaves the output folder untouched.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien::compose::{fit_to, side_by_side};
use mien::core::image::{self, DecodeLimits, Image};
use mien::core::pipeline::{self, ApplyOptions};
use rayon::prelude::*;

use crate::common::{check_writable_dir, Outputs};
use crate::values::OutputModeArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file.
    #[arg(short = 'm', long)]
    pub model: PathBuf,
    /// Input images (aligned face crops).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing); writes OUTDIR/<stem>.png.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Resize inputs to the model's size instead of rejecting them.
    #[arg(long)]
    pub resize: bool,
    /// Override the model's output mode.
    #[arg(long, value_enum)]
    pub output_mode: Option<OutputModeArg>,
    /// Write input|output side by side.
    #[arg(long)]
    pub side_by_side: bool,
    /// Reproduce the reference implementations' pipeline (implies --resize;
    /// the resized image is rounded to 8 bits as OpenCV's resize does).
    #[arg(long)]
    pub reference_pipeline: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let model = crate::common::local_model(&a.model, "apply")?;
    let mut stems = std::collections::HashSet::new();
    for p in &a.inputs {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        anyhow::ensure!(
            stems.insert(stem.clone()),
            "two inputs share the stem `{stem}`: both would be written to {stem}.png"
        );
    }
    check_writable_dir(&a.output).context("-o")?;
    let opts = ApplyOptions {
        resize: a.resize || a.reference_pipeline,
        output_mode: a.output_mode.map(Into::into),
        reference_pipeline: a.reference_pipeline,
    };
    let outputs: Vec<(PathBuf, Image<u8>)> = a
        .inputs
        .par_iter()
        .map(|path| {
            let img = image::load(path, DecodeLimits::default())?;
            let out = pipeline::apply(&model, &img, path, opts)?;
            let out = if a.side_by_side { side_by_side(&[&fit_to(&img, &out), &out]) } else { out };
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok((a.output.join(format!("{stem}.png")), out))
        })
        .collect::<Result<_, mien::core::Error>>()
        .map_err(|e| match e {
            e @ (mien::core::Error::SizeMismatch { .. } | mien::core::Error::InputSize { .. }) => {
                anyhow::Error::new(e).context("pass --resize, or retrain with --size N")
            }
            e => e.into(),
        })?;
    Outputs::check_destinations(outputs.iter().map(|(p, _)| p.as_path()))?;
    let mut staged = Outputs::default();
    for (path, img) in &outputs {
        staged.stage(path, &image::encode_png(img)?)?;
    }
    staged.commit()?;
    eprintln!("wrote {} image(s) to {}", outputs.len(), a.output.display());
    Ok(ExitCode::SUCCESS)
}
