//! `mien score`: the face-api.js expression classifier's output for images.
//! Each image's largest face is classified; with `--no-detect` the whole
//! image is the face.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use mien::core::image::{self, DecodeLimits};
use mien::face::{ExpressionNet, EXPRESSION_CLASSES};
use mien::faces::detect_options;
use mien::FaceFinder;

use crate::common::{csv_field, outln, NoFace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Images to classify.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Classify the whole image instead of the detected face.
    #[arg(long)]
    pub no_detect: bool,
}

pub fn run(a: Args) -> Result<ExitCode> {
    let net = ExpressionNet::new()?;
    let finder = if a.no_detect { None } else { Some(FaceFinder::new()?) };
    outln!("image,{}", EXPRESSION_CLASSES.join(","))?;
    for path in &a.images {
        let img = image::load(path, DecodeLimits::default())?;
        let probs = match &finder {
            None => net.classify_crop(&img)?,
            Some(f) => match f.detect(&img, &detect_options(None))?.0.first() {
                Some(b) => net.classify(&img, b)?,
                None => {
                    return Err(
                        NoFace(format!("{}: no face found; use --no-detect for face crops", path.display())).into()
                    )
                }
            },
        };
        let cells: Vec<String> = probs.iter().map(|p| format!("{p:.4}")).collect();
        outln!("{},{}", csv_field(&path.display().to_string()), cells.join(","))?;
    }
    Ok(ExitCode::SUCCESS)
}
