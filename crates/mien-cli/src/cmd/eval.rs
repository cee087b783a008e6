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
use mien_core::dataset::{LoadOptions, PairedDataset, Split};
use mien_core::image::{self, Image};
use mien_core::metrics;
use mien_core::model_file::ModelFile;
use mien_core::normalize::Normalize;

use super::apply::side_by_side;
use super::check_writable_file;
use super::edit::{Editor, FaceChoice};
use crate::args::EvalArgs;

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
}

pub fn run(a: EvalArgs) -> Result<ExitCode> {
    if a.specs.is_some() {
        return super::protocol::run(a);
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
    let expression = a.expression.clone().or_else(|| super::protocol::pairs_expression(&a.data));
    let models: Vec<(PathBuf, Editor, u64)> = a
        .models
        .iter()
        .map(|p| {
            let name = p.to_string_lossy();
            let bytes = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let kind = std::fs::read(p).ok().and_then(|b| ModelFile::read_meta(&b, p).ok()).map(|m| m.kind);
            if matches!(kind.as_deref(), Some("deform" | "defgan")) && expression.is_none() {
                anyhow::bail!(
                    "-m {name}: an AU-conditioned model needs the target: pass --expression (or evaluate a `mien align` folder)"
                );
            }
            let editor = Editor::new(&name, expression.as_deref().unwrap_or("happy"), 1.0, FaceChoice::All, None)
                .with_context(|| format!("-m {name}"))?;
            Ok((p.clone(), editor, bytes))
        })
        .collect::<Result<_>>()?;
    let (w0, h0) = (models[0].1.model.meta().width, models[0].1.model.meta().height);
    let load = |w: usize, h: usize| -> Result<PairedDataset> {
        let opts = LoadOptions { size: (w == h).then_some(w), normalize: Normalize::Unit, ..Default::default() };
        Ok(PairedDataset::load(&a.data, Split::Test, &opts)?)
    };
    let base = load(w0, h0)?;
    let mut rows = vec![score_identity(&base)];
    let mut grid_cols: Vec<Vec<Image<u8>>> = Vec::new();
    for (path, editor, bytes) in &models {
        let meta = editor.model.meta();
        let (w, h) = (meta.width, meta.height);
        let data = if (w, h) == (w0, h0) { base.clone() } else { load(w, h)? };
        let t = Instant::now();
        let outputs: Vec<Image<u8>> = data
            .pairs
            .iter()
            .map(|p| editor.edit_crop(&p.input, p.name.as_ref()).map(|o| o.to_u8()))
            .collect::<Result<_>>()
            .with_context(|| format!("applying {}", path.display()))?;
        let apply_ms = t.elapsed().as_secs_f64() * 1000.0 / data.len() as f64;
        let (mse, ssim) = mean_scores(outputs.iter().zip(data.pairs.iter().map(|p| &p.target)));
        rows.push(Row {
            name: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            kind: meta.kind.clone(),
            mse,
            psnr: metrics::psnr_from_mse(mse),
            ssim,
            params: editor.parameter_count(),
            file_bytes: *bytes,
            train_s: meta.training.seconds,
            apply_ms,
        });
        grid_cols.push(outputs.into_iter().take(a.grid_rows).map(|o| resize_to(&o, w0, h0)).collect());
    }
    let table = markdown(&rows, base.len());
    print!("{table}");
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
        image::save_png(&stack_images(&lines.iter().collect::<Vec<_>>()), p)?;
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn score_identity(data: &PairedDataset) -> Row {
    let (mse, ssim) = mean_scores(data.pairs.iter().map(|p| (&p.input, &p.target)));
    Row {
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

fn resize_to(img: &Image<u8>, w: usize, h: usize) -> Image<u8> {
    if img.width() == w && img.height() == h {
        img.clone()
    } else {
        image::resize_bilinear(&img.view(), w, h).to_u8()
    }
}

/// Places images top to bottom (left-aligned; grey ones are made RGB if any is colour).
pub fn stack_images(lines: &[&Image<u8>]) -> Image<u8> {
    let w = lines.iter().map(|l| l.width()).max().unwrap_or(0);
    let c = lines.iter().map(|l| l.channels()).max().unwrap_or(1);
    let h: usize = lines.iter().map(|l| l.height()).sum();
    let mut out = Image::new(w, h, c);
    let mut y0 = 0;
    for l in lines {
        let l = if c == 3 { l.to_rgb() } else { (*l).clone() };
        for ch in 0..c {
            for y in 0..l.height() {
                let src = &l.plane(ch)[y * l.width()..(y + 1) * l.width()];
                out.plane_mut(ch)[(y0 + y) * w..(y0 + y) * w + l.width()].copy_from_slice(src);
            }
        }
        y0 += l.height();
    }
    out
}

fn markdown(rows: &[Row], n: usize) -> String {
    let mut s = format!("{n} test pairs\n\n");
    s.push_str("| model | kind | MSE | PSNR (dB) | SSIM | parameters | file bytes | train s | apply ms/img |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.5} | {:.2} | {:.4} | {} | {} | {:.3} | {:.3} |",
            r.name, r.kind, r.mse, r.psnr, r.ssim, r.params, r.file_bytes, r.train_s, r.apply_ms
        );
    }
    s
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from("model,kind,mse,psnr_db,ssim,parameters,file_bytes,train_s,apply_ms_per_image\n");
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{:.6},{:.4},{:.5},{},{},{:.4},{:.4}",
            r.name, r.kind, r.mse, r.psnr, r.ssim, r.params, r.file_bytes, r.train_s, r.apply_ms
        );
    }
    s
}
