//! `mien eval --models …`: runs the library's evaluation protocol
//! ([`mien::protocol`]) and renders its report as a markdown table (stdout,
//! and `--markdown`), a CSV (`--csv`) and an image grid (`--grid`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien::core::image::{self, Image};
use mien::core::metrics;
use mien::protocol::{mean_std, Plan, Protocol, Report, Tally};

use crate::common::out;

/// Where the rendered report goes besides stdout.
pub struct Outputs {
    pub csv: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub grid: Option<PathBuf>,
}

pub fn run(plan: &Plan, out: &Outputs) -> Result<ExitCode> {
    let report = mien::protocol::run(plan, &mut |f| {
        eprintln!("fold {}: {} train / {} test pairs done ({:.1} s)", f.fold, f.train, f.test, f.elapsed_s);
    })
    .map_err(|e| match e {
        e @ mien::Error::Protocol(_) => anyhow::Error::new(e).context("--data / --protocol / --size"),
        e => e.into(),
    })?;
    let (md, csv) = render(&report);
    // The files first: a reader that closes stdout early must not cost them.
    let printed = out!("{md}");
    if let Some(p) = &out.markdown {
        image::write_atomic(p, md.as_bytes())?;
    }
    if let Some(p) = &out.csv {
        image::write_atomic(p, csv.as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &out.grid {
        let lines: Vec<Image<u8>> =
            report.grid.iter().map(|r| mien::compose::side_by_side(&r.iter().collect::<Vec<_>>())).collect();
        let refs: Vec<&Image<u8>> = lines.iter().collect();
        image::save_png(&mien::compose::stack(&refs), p).with_context(|| format!("--grid {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    eprintln!(
        "evaluated {} model(s) × {} size(s) × {} fold(s) in {:.1} s",
        report.labels.len(),
        report.train_sizes.len(),
        report.folds,
        report.seconds
    );
    printed?;
    Ok(ExitCode::SUCCESS)
}

/// Mean strength ratio and cosine of a tally: (markdown, markdown, csv, csv).
fn strength(t: &Tally) -> (String, String, String, String) {
    let cell = |v: Option<f32>, digits: usize| v.map(|x| format!("{x:.digits$}"));
    match t.strength_summary() {
        Some(s) => (
            cell(s.mean_ratio, 2).unwrap_or_else(|| "–".into()),
            cell(s.mean_cosine, 2).unwrap_or_else(|| "–".into()),
            cell(s.mean_ratio, 4).unwrap_or_default(),
            cell(s.mean_cosine, 4).unwrap_or_default(),
        ),
        None => ("–".into(), "–".into(), String::new(), String::new()),
    }
}

/// The markdown table and the CSV of a report.
fn render(r: &Report) -> (String, String) {
    let proto = match r.protocol {
        Protocol::Holdout => "holdout".to_string(),
        Protocol::Loso => format!("leave one subject out, {} folds", r.folds),
    };
    let (w, h) = r.size;
    let mut md = format!(
        "{} pairs at {w}×{h}, {proto}; expression check: {}\n\n",
        r.pairs,
        r.expression.as_deref().map(|e| format!("target `{e}`")).unwrap_or_else(|| "off".into())
    );
    md.push_str("| model | train pairs | MSE | PSNR (dB) | SSIM | expr. acc. | p(target) | strength | cosine | parameters | file bytes | train s | predict ms/img |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut csv = String::from(
        "model,train_size,mse_mean,mse_std,psnr_mean,psnr_std,ssim_mean,ssim_std,expr_acc,p_target,parameters,file_bytes,train_s,predict_ms,strength_ratio,strength_cosine\n",
    );
    let acc = |t: &Tally| match t.accuracy() {
        None => ("–".to_string(), "–".to_string(), String::new(), String::new()),
        Some((x, p)) => (format!("{:.0}%", 100.0 * x), format!("{p:.3}"), format!("{x:.4}"), format!("{p:.4}")),
    };
    // The identity map does not move a landmark: strength 0, and cosine 0 by convention.
    let measured = r.tallies.values().any(|t| !t.strength.is_empty());
    let strength_cells = if measured {
        ("0".to_string(), "0".to_string(), "0".to_string(), "0".to_string())
    } else {
        ("–".to_string(), "–".to_string(), String::new(), String::new())
    };
    let (fm, fs) = mean_std(&r.floor.mse);
    let (sm, ss) = mean_std(&r.floor.ssim);
    let fa = acc(&r.floor);
    let _ = writeln!(
        md,
        "| input (identity) | – | {fm:.5} ± {fs:.5} | {:.2} | {sm:.4} ± {ss:.4} | {} | {} | {} | {} | 0 | 0 | – | – |",
        metrics::psnr_from_mse(fm),
        fa.0,
        fa.1,
        strength_cells.0,
        strength_cells.1
    );
    let _ = writeln!(
        csv,
        "identity,,{fm:.6},{fs:.6},{:.4},,{sm:.5},{ss:.5},{},{},0,0,,,{},{}",
        metrics::psnr_from_mse(fm),
        fa.2,
        fa.3,
        strength_cells.2,
        strength_cells.3
    );
    let ca = acc(&r.ceiling);
    let (one, one_csv) = if measured { ("1", "1") } else { ("–", "") };
    let _ = writeln!(md, "| real target | – | 0 | ∞ | 1 | {} | {} | {one} | {one} | – | – | – | – |", ca.0, ca.1);
    let _ = writeln!(csv, "target,,0,0,,,1,0,{},{},,,,,{one_csv},{one_csv}", ca.2, ca.3);
    for (ei, label) in r.labels.iter().enumerate() {
        for (si, size) in r.train_sizes.iter().enumerate() {
            let Some(t) = r.tallies.get(&(ei, si)) else { continue };
            let (m, s) = mean_std(&t.mse);
            let (pm, ps) = mean_std(&t.psnr.iter().copied().filter(|v| v.is_finite()).collect::<Vec<_>>());
            let (qm, qs) = mean_std(&t.ssim);
            let a = acc(t);
            let st = strength(t);
            let n = size.map(|n| n.to_string()).unwrap_or_else(|| "all".into());
            let train_s = t.train_s / r.folds as f64;
            let pred_ms = 1000.0 * t.predict_s / t.predicted.max(1) as f64;
            let _ = writeln!(
                md,
                "| {label} | {n} | {m:.5} ± {s:.5} | {pm:.2} ± {ps:.2} | {qm:.4} ± {qs:.4} | {} | {} | {} | {} | {} | {} | {train_s:.3} | {pred_ms:.3} |",
                a.0, a.1, st.0, st.1, t.params, t.bytes
            );
            let _ = writeln!(
                csv,
                "\"{label}\",{n},{m:.6},{s:.6},{pm:.4},{ps:.4},{qm:.5},{qs:.5},{},{},{},{},{train_s:.4},{pred_ms:.4},{},{}",
                a.2, a.3, t.params, t.bytes, st.2, st.3
            );
        }
    }
    (md, csv)
}
