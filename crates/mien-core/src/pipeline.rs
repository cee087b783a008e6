//! From an 8-bit image to an 8-bit edited image with a fitted model:
//! size check or resize, channel matching, normalisation, prediction, and the
//! output mode.

use std::path::Path;

use crate::error::{Error, Result};
use crate::image::{resize_bilinear, Image};
use crate::model_file::ModelFile;
use crate::normalize::OutputMode;

/// Options for [`apply`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    /// Resize inputs of another size to the model's size (else it is an error).
    pub resize: bool,
    /// Override the model's output mode.
    pub output_mode: Option<OutputMode>,
    /// Reproduce the reference implementations' pipeline exactly: the resized
    /// image is rounded to 8 bits before normalisation, as OpenCV's `resize`
    /// on an 8-bit image returns it.
    pub reference_pipeline: bool,
}

/// Applies a model to one image at the model's size. The result has the
/// input's channel count (grey inputs of a per-channel colour model become RGB).
pub fn apply(model: &ModelFile, img: &Image<u8>, path: &Path, opts: ApplyOptions) -> Result<Image<u8>> {
    Ok(apply_f32(model, img, path, opts)?.to_u8())
}

/// As [`apply`], returning unrounded 0..255 values.
pub fn apply_f32(model: &ModelFile, img: &Image<u8>, path: &Path, opts: ApplyOptions) -> Result<Image<f32>> {
    let (w, h) = (model.meta.width, model.meta.height);
    let img = if model.meta.weight_sets == 3 && img.channels() == 1 { img.to_rgb() } else { img.clone() };
    let mut x = if img.width() != w || img.height() != h {
        if !opts.resize {
            return Err(Error::SizeMismatch {
                path: path.to_path_buf(),
                expected_w: w,
                expected_h: h,
                actual_w: img.width(),
                actual_h: img.height(),
                hint: format!(
                    "the model was trained on {w}×{h}: resize the image to it (`ApplyOptions::resize`), or retrain the model at {}×{}",
                    img.width(),
                    img.height()
                ),
            });
        }
        let resized = resize_bilinear(&img.view(), w, h);
        if opts.reference_pipeline {
            resized.to_u8().to_f32()
        } else {
            resized
        }
    } else {
        img.to_f32()
    };
    let norm = model.meta.normalize.apply_in_place(&mut x, path)?;
    let pred = model.model.predictor().predict(&x.view())?;
    Ok(opts.output_mode.unwrap_or(model.meta.output_mode).to_pixels(&pred, norm))
}
