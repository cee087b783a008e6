//! `mien info`: print a model file's metadata.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien::core::model_file::ModelFile;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file.
    pub model: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let bytes = std::fs::read(&a.model).with_context(|| format!("cannot read {}", a.model.display()))?;
    let meta = ModelFile::read_meta(&bytes, &a.model)?;
    // Parse fully too, so a damaged file is reported here rather than at use.
    let parameters = mien::Model::from_bytes(&bytes, &a.model)?.parameter_count();
    println!("file:          {}", a.model.display());
    println!("kind:          {}", meta.kind);
    println!("format:        mien-model v{} (written by {})", meta.format_version, meta.written_by);
    println!("size:          {}×{}", meta.width, meta.height);
    println!("channels:      {} ({} weight set(s))", meta.channel_mode, meta.weight_sets);
    println!("normalize:     {}", meta.normalize);
    println!("output mode:   {}", meta.output_mode);
    println!("parameters:    {parameters}");
    println!("file size:     {} bytes", bytes.len());
    println!(
        "training:      {} pairs from `{}` in {:.3} s",
        meta.training.pairs, meta.training.source, meta.training.seconds
    );
    if let Some(e) = &meta.training.expression {
        println!("expression:    {e}");
    }
    if let Some(l) = &meta.training.licence {
        println!("data licence:  {l}");
    }
    println!("hyperparameters: {}", meta.hyperparameters);
    if let Some(a) = &meta.alignment {
        println!("alignment:     {a}");
    }
    Ok(ExitCode::SUCCESS)
}
