//! `mien info`: print a model file's metadata.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use mien::core::model_file::ModelFile;

use crate::common::outln;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file.
    pub model: PathBuf,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let bytes = mien::core::input::read_capped(&a.model, mien::core::input::MAX_MODEL_BYTES, "model file")?;
    let meta = ModelFile::read_meta(&bytes, &a.model)?;
    // Parse fully too, so a damaged file is reported here rather than at use.
    let parameters = mien::Model::from_bytes(&bytes, &a.model)?.parameter_count();
    outln!("file:          {}", a.model.display())?;
    outln!("kind:          {}", meta.kind)?;
    outln!("format:        mien-model v{} (written by {})", meta.format_version, meta.written_by)?;
    outln!("size:          {}×{}", meta.width, meta.height)?;
    outln!("channels:      {} ({} weight set(s))", meta.channel_mode, meta.weight_sets)?;
    outln!("normalize:     {}", meta.normalize)?;
    outln!("output mode:   {}", meta.output_mode)?;
    outln!("parameters:    {parameters}")?;
    outln!("file size:     {} bytes", bytes.len())?;
    outln!(
        "training:      {} pairs from `{}` in {:.3} s",
        meta.training.pairs,
        meta.training.source,
        meta.training.seconds
    )?;
    if let Some(e) = &meta.training.expression {
        outln!("expression:    {e}")?;
    }
    if let Some(l) = &meta.training.licence {
        outln!("data licence:  {l}")?;
    }
    outln!("hyperparameters: {}", meta.hyperparameters)?;
    if let Some(a) = &meta.alignment {
        outln!("alignment:     {a}")?;
    }
    Ok(ExitCode::SUCCESS)
}
