//! `mien import`: weights of the reference implementations
//! (`scipy.sparse.save_npz` CSR matrices, `d × (d + 1)`, one set for all
//! channels) as a mien model file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use mien::core::model_file::{AnyModel, ModelFile, TrainingInfo};
use mien::core::normalize::{Normalize, OutputMode};
use mien::core::npz;

use crate::common::check_writable_file;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `scipy.sparse.save_npz` CSR weight matrix, d × (d + 1).
    #[arg(long)]
    pub npz: PathBuf,
    /// Image side N (d = N²); default: the square root of the row count.
    #[arg(long)]
    pub size: Option<usize>,
    /// What the reference file holds: omp, lsrf or masked.
    #[arg(long, value_enum, default_value = "lsrf")]
    pub kind: ReferenceKind,
    /// Output model file.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
}

/// The kinds of model a reference weight file can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReferenceKind {
    Omp,
    Lsrf,
    Masked,
}

impl ReferenceKind {
    fn name(self) -> &'static str {
        match self {
            ReferenceKind::Omp => "omp",
            ReferenceKind::Lsrf => "lsrf",
            ReferenceKind::Masked => "masked",
        }
    }
}

pub fn run(a: Args) -> Result<ExitCode> {
    check_writable_file(&a.output, "-o")?;
    let kind = a.kind.name();
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
        source: format!("imported {kind} weights from {source}"),
        seconds: 0.0,
        expression: None,
        licence: None,
    };
    let mut file = ModelFile::new(AnyModel::Sparse(sparse), Normalize::MinMax, OutputMode::Stretch, info);
    file.meta.hyperparameters = serde_json::json!({ "imported_kind": kind, "reference_pipeline": true });
    file.save(&a.output)?;
    eprintln!("imported {side}×{side} {kind} weights ({} entries) → {}", csr.data.len(), a.output.display());
    Ok(ExitCode::SUCCESS)
}
