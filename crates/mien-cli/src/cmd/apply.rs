//! `mien apply`: run a model on aligned face crops, writing OUTDIR/<stem>.png.
//! Every input is processed before anything is written, so a bad input
//! leaves the output folder untouched.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien_core::image::{self, DecodeLimits, Image};
use mien_core::model_file::ModelFile;
use mien_core::pipeline::{self, ApplyOptions};
use rayon::prelude::*;

use super::check_writable_dir;
use crate::args::ApplyArgs;

pub fn run(a: ApplyArgs) -> Result<ExitCode> {
    let model = ModelFile::load(&a.model).context("-m")?;
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
        .collect::<Result<_, mien_core::Error>>()?;
    for (path, img) in &outputs {
        image::save_png(img, path)?;
    }
    eprintln!("wrote {} image(s) to {}", outputs.len(), a.output.display());
    Ok(ExitCode::SUCCESS)
}

/// The input resized and channel-matched to the output, for side-by-side strips.
pub fn fit_to(input: &Image<u8>, like: &Image<u8>) -> Image<u8> {
    let img = if like.channels() == 3 { input.to_rgb() } else { input.clone() };
    if img.width() == like.width() && img.height() == like.height() {
        img
    } else {
        image::resize_bilinear(&img.view(), like.width(), like.height()).to_u8()
    }
}

/// Places images of equal height left to right (grey ones are made RGB if any is colour).
pub fn side_by_side(images: &[&Image<u8>]) -> Image<u8> {
    let h = images.iter().map(|i| i.height()).max().unwrap_or(0);
    let w: usize = images.iter().map(|i| i.width()).sum();
    let c = images.iter().map(|i| i.channels()).max().unwrap_or(1);
    let mut out = Image::new(w, h, c);
    let mut x0 = 0;
    for img in images {
        let img = if c == 3 { img.to_rgb() } else { (*img).clone() };
        for ch in 0..c {
            let src = img.plane(ch);
            let dst = out.plane_mut(ch);
            for y in 0..img.height() {
                dst[y * w + x0..y * w + x0 + img.width()].copy_from_slice(&src[y * img.width()..(y + 1) * img.width()]);
            }
        }
        x0 += img.width();
    }
    out
}
