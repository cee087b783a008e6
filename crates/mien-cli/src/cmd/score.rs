//! `mien score`: the face-api.js expression classifier's output for images.
//! Each image's largest face is classified; with `--no-detect` (or when no
//! face is found and `--whole` is given) the whole image is the face.

use std::process::ExitCode;

use anyhow::Result;
use mien_core::image::{self, DecodeLimits};
use mien_face::{ExpressionNet, EXPRESSION_CLASSES};

use super::faces::{detect_options, FaceFinder, NoFace};
use crate::args::ScoreArgs;

pub fn run(a: ScoreArgs) -> Result<ExitCode> {
    let net = ExpressionNet::new()?;
    let finder = if a.no_detect { None } else { Some(FaceFinder::new()?) };
    println!("image,{}", EXPRESSION_CLASSES.join(","));
    for path in &a.images {
        let img = image::load(path, DecodeLimits::default())?;
        let probs = match &finder {
            None => net.classify_crop(&img)?,
            Some(f) => match f.detect(&img, &detect_options(&img, None))?.0.first() {
                Some(b) => net.classify(&img, b)?,
                None => {
                    return Err(
                        NoFace(format!("{}: no face found; use --no-detect for face crops", path.display())).into()
                    )
                }
            },
        };
        let cells: Vec<String> = probs.iter().map(|p| format!("{p:.4}")).collect();
        println!("{},{}", path.display(), cells.join(","));
    }
    Ok(ExitCode::SUCCESS)
}
