//! `mien demo`: the built-in models on the bundled sample photos. For each
//! photo it writes a grid (original, then each expression) and the full-size
//! happy edit, and reports what it wrote and how long it took. Needs nothing
//! beyond the binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien_core::image::{self, DecodeLimits, Image};
use mien_core::labels::EXPRESSIONS;

use super::apply::side_by_side;
use super::check_writable_dir;
use super::edit::{Editor, FaceChoice, Timings};
use super::faces::FaceFinder;
use crate::args::DemoArgs;

/// (name, bytes, detect faces?)
pub(super) const SAMPLES: [(&str, &[u8], bool); 3] = [
    ("astronaut", include_bytes!("../../samples/astronaut.png"), true),
    ("solvay_1927", include_bytes!("../../samples/solvay_1927.png"), true),
    ("chelsea", include_bytes!("../../samples/chelsea.png"), false),
];

/// Grid tiles are scaled to this height.
const TILE_HEIGHT: usize = 320;

pub fn run(a: DemoArgs) -> Result<ExitCode> {
    let start = Instant::now();
    let dir = a.output.unwrap_or_else(|| PathBuf::from("mien-demo"));
    check_writable_dir(&dir).context("-o")?;
    let model = a.model.as_deref().unwrap_or("masked");
    let editors: Vec<(&str, Editor)> = EXPRESSIONS
        .iter()
        .map(|(e, _)| Ok((*e, Editor::new(model, e, 1.0, FaceChoice::All, None)?)))
        .collect::<Result<_>>()?;
    let finder = FaceFinder::new()?;
    for (name, bytes, detect) in SAMPLES {
        let t0 = Instant::now();
        let photo = image::decode(bytes, Path::new(name), DecodeLimits::default())?;
        let mut tiles = vec![tile(&photo)];
        let mut t = Timings::default();
        // Faces are found once per photo and edited with every expression's model.
        let found =
            if detect { Some(editors[0].1.find_faces(&finder, &photo, Path::new(name), &mut t)?) } else { None };
        let faces = found.as_ref().map_or(0, Vec::len);
        for (expr, editor) in &editors {
            let out = if let Some(found) = &found {
                editor.edit_faces(&photo, found.clone(), Path::new(name), &mut t)?.image
            } else {
                editor.edit_crop(&photo, Path::new(name))?.to_u8()
            };
            if *expr == "happy" {
                image::save_png(&out, &dir.join(format!("{name}-happy.png")))?;
            }
            tiles.push(tile(&out));
        }
        let refs: Vec<&Image<u8>> = tiles.iter().collect();
        let grid = dir.join(format!("{name}-grid.png"));
        image::save_png(&side_by_side(&refs), &grid)?;
        let what = if detect { format!("{faces} face(s)") } else { "whole image as the face (--no-detect)".into() };
        eprintln!(
            "{name}: {what}, 6 expressions in {:.0} ms → {} (original, {})",
            t0.elapsed().as_secs_f64() * 1000.0,
            grid.display(),
            EXPRESSIONS.iter().map(|(e, _)| *e).collect::<Vec<_>>().join(", ")
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
