//! `mien demo`: the built-in models on the bundled sample photos. For each
//! photo it writes a grid (original, then each expression) and the full-size
//! happy edit, and reports what it wrote and how long it took. Needs nothing
//! beyond the binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien::core::image::{self, DecodeLimits, Image};
use mien::core::labels::EXPRESSIONS;
use mien::registry::ModelCache;
use mien::samples::SAMPLES;
use mien::{Editor, FaceFinder, Timings};

use crate::common::{check_writable_dir, hint};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo's outputs (default: ./mien-demo).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Built-in model kind to show (masked or pixel) or a model file.
    #[arg(short = 'm', long)]
    pub model: Option<String>,
}

/// Grid tiles are scaled to this height.
const TILE_HEIGHT: usize = 320;

pub fn run(a: Args) -> Result<ExitCode> {
    let start = Instant::now();
    let dir = a.output.unwrap_or_else(|| PathBuf::from("mien-demo"));
    check_writable_dir(&dir).context("-o")?;
    let model = a.model.as_deref().unwrap_or(mien::registry::builtin::DEFAULT);
    let models = ModelCache::new();
    // A per-expression model file shows the one expression it was trained for,
    // not six identical tiles.
    let per_expression_file = std::path::Path::new(model).is_file()
        && !mien::Model::load(std::path::Path::new(model)).with_context(|| format!("-m {model}"))?.takes_au();
    let expressions: Vec<String> = match crate::common::trained_expression(model) {
        Some(e) => vec![e],
        // A model file that records no expression still makes only one.
        None if per_expression_file => vec!["happy".into()],
        None => EXPRESSIONS.iter().map(|(e, _)| e.to_string()).collect(),
    };
    let editors: Vec<(&str, Editor)> = expressions
        .iter()
        .map(|e| {
            let m = models.get(model, e).with_context(|| format!("-m {model}"))?;
            Ok((e.as_str(), Editor::new(m, e).with_context(|| format!("-m {model}"))?))
        })
        .collect::<Result<_>>()?;
    let full_size = if expressions.iter().any(|e| e == "happy") { "happy" } else { expressions[0].as_str() };
    let finder = FaceFinder::new()?;
    for sample in SAMPLES {
        let (name, detect) = (sample.name, sample.has_faces);
        let t0 = Instant::now();
        let photo = image::decode(sample.png, Path::new(name), DecodeLimits::default())?;
        let mut tiles = vec![tile(&photo)];
        let mut t = Timings::default();
        // Faces are found once per photo and edited with every expression's model.
        let found = if detect {
            Some(editors[0].1.find_faces(&finder, &photo, &mut t).map_err(|e| hint(e, Path::new(name)))?.0)
        } else {
            None
        };
        let faces = found.as_ref().map_or(0, Vec::len);
        for (expr, editor) in &editors {
            let out = if let Some(found) = &found {
                editor.edit_faces(&photo, found, &mut t)?.image
            } else {
                editor.edit_crop_photo(&finder, &photo, &mut t)?.image
            };
            if *expr == full_size {
                image::save_png(&out, &dir.join(format!("{name}-{expr}.png")))?;
            }
            tiles.push(tile(&out));
        }
        let refs: Vec<&Image<u8>> = tiles.iter().collect();
        let grid = dir.join(format!("{name}-grid.png"));
        image::save_png(&mien::compose::side_by_side(&refs), &grid)?;
        let what =
            if detect { format!("{faces} face(s)") } else { "whole image as the face crop (--no-detect)".into() };
        eprintln!(
            "{name}: {what}, {} expression(s) in {:.0} ms → {} (original, {})",
            expressions.len(),
            t0.elapsed().as_secs_f64() * 1000.0,
            grid.display(),
            expressions.join(", ")
        );
    }
    eprintln!(
        "demo finished in {:.2} s with the built-in `{model}` models; outputs in {}",
        start.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn tile(img: &Image<u8>) -> Image<u8> {
    let w = (img.width() * TILE_HEIGHT).div_ceil(img.height());
    image::resize_bilinear(&img.to_rgb().view(), w, TILE_HEIGHT).to_u8()
}
