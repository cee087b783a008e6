//! `mien import` / `mien export`: weights of the reference implementations
//! (`scipy.sparse.save_npz` CSR matrices, `d × (d + 1)`, one set for all
//! channels) to and from mien model files.

use std::process::ExitCode;

use anyhow::{Context, Result};
use mien_core::model_file::{AnyModel, ModelFile, TrainingInfo};
use mien_core::normalize::{Normalize, OutputMode};
use mien_core::npz;

use super::check_writable_file;
use crate::args::{ExportArgs, ImportArgs};

pub fn import(a: ImportArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        ["omp", "lsrf", "masked"].contains(&a.kind.as_str()),
        "--kind {}: use omp, lsrf or masked (the kind of model the reference file holds)",
        a.kind
    );
    check_writable_file(&a.output, "-o")?;
    let csr = npz::read_csr(&a.npz).context("--npz")?;
    let side = match a.size {
        Some(s) => s,
        None => npz::square_side(csr.rows)
            .ok_or_else(|| anyhow::anyhow!("the matrix has {} rows, not a square image; pass --size", csr.rows))?,
    };
    let sparse = npz::sparse_from_csr(&csr, side, side).context("--size")?;
    let source = a.npz.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    // The reference pipeline: per-image min–max in, global min–max stretch out, one weight set for all channels.
    let info = TrainingInfo {
        pairs: 0,
        source: format!("imported {} weights from {source}", a.kind),
        seconds: 0.0,
        expression: None,
    };
    let mut file = ModelFile::new(AnyModel::Sparse(sparse), Normalize::MinMax, OutputMode::Stretch, info);
    file.meta.hyperparameters = serde_json::json!({ "imported_kind": a.kind, "reference_pipeline": true });
    file.save(&a.output)?;
    eprintln!("imported {}×{} {} weights ({} entries) → {}", side, side, a.kind, csr.data.len(), a.output.display());
    Ok(ExitCode::SUCCESS)
}

pub fn export(a: ExportArgs) -> Result<ExitCode> {
    let file = ModelFile::load(&a.model).context("-m")?;
    check_writable_file(&a.npz, "--npz")?;
    let csr = npz::csr_from_model(&file.model)?;
    npz::write_csr(&a.npz, &csr)?;
    eprintln!("exported {} model as a {}×{} CSR matrix → {}", file.meta.kind, csr.rows, csr.cols, a.npz.display());
    Ok(ExitCode::SUCCESS)
}
