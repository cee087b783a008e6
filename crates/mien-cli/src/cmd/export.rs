//! `mien export`: a local model's weights as a `scipy.sparse.save_npz` CSR
//! matrix (`d × (d + 1)`), the reference implementations' format.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use mien::core::npz;

use crate::common::check_writable_file;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file (masked, pixel, omp, lsrf, lasso or imported; one weight set).
    #[arg(short = 'm', long)]
    pub model: PathBuf,
    /// Output .npz file.
    #[arg(long)]
    pub npz: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let file = crate::common::local_model(&a.model, "export")?;
    check_writable_file(&a.npz, "--npz")?;
    let csr = npz::csr_from_model(&file.model)?;
    npz::write_csr(&a.npz, &csr)?;
    eprintln!("exported {} model as a {}×{} CSR matrix → {}", file.meta.kind, csr.rows, csr.cols, a.npz.display());
    Ok(ExitCode::SUCCESS)
}
