//! The models: a params struct that checks itself and fits ([`Fit`]), and an
//! immutable fitted model that predicts ([`Predict`]).
//!
//! Every model works in normalised intensity space (see [`crate::normalize`])
//! at its training size; [`crate::pipeline`] wraps resizing, normalisation and
//! the conversion back to pixels around them.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::image::{Image, ImageMut, ImageRef};

pub(crate) mod dense;
mod fit;
pub mod kernel_ridge;
pub mod lasso;
pub mod masked;
pub mod omp;
pub mod pcr;
pub mod pixel;
pub mod pixel_kernel;
pub mod ridge;
pub mod solve;
pub mod sparse;
#[cfg(test)]
pub(crate) mod testutil;

pub use fit::Fit;
pub use kernel_ridge::{KernelRidge, KernelRidgeParams};
pub use lasso::{Lasso, LassoParams};
pub use masked::{Masked, MaskedParams, MaskedStats, Prior};
pub use omp::{LsrfParams, Omp, OmpParams};
pub use pcr::{Pcr, PcrParams};
pub use pixel::PixelParams;
pub use pixel_kernel::{PixelKernel, PixelKernelParams};
pub use ridge::{Ridge, RidgeParams};
pub use sparse::Sparse;

/// How colour channels share weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelMode {
    /// One weight set per channel (the MR reference). Grey data gives one set.
    #[default]
    Separate,
    /// One weight set fitted on every channel's samples together (the LSRF reference).
    Shared,
    /// Colour data converted to grey (BT.601) before fitting; one set.
    Grey,
}

impl std::fmt::Display for ChannelMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChannelMode::Separate => "separate",
            ChannelMode::Shared => "shared",
            ChannelMode::Grey => "grey",
        })
    }
}

/// A fitted model's prediction in normalised space.
///
/// A model with one weight set applies it to every channel of the input (a
/// grey-trained model edits colour photos channel by channel); a model with
/// one set per channel needs inputs with that many channels.
pub trait Predict: Sync {
    /// Width and height the model was fitted at.
    fn size(&self) -> (usize, usize);
    /// Number of weight sets (1, or one per channel).
    fn weight_sets(&self) -> usize;
    /// Number of stored parameters.
    fn parameter_count(&self) -> usize;
    /// Predicts into a preallocated output of the input's shape.
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()>;
    /// Predicts into a new image.
    fn predict(&self, input: &ImageRef<'_, f32>) -> Result<Image<f32>> {
        let mut out = Image::new(input.width(), input.height(), input.channels());
        self.predict_into(input, &mut out.view_mut())?;
        Ok(out)
    }
}

/// Checks that an input fits a model's size and weight sets.
pub(crate) fn check_shape(model: &dyn Predict, input: &ImageRef<'_, f32>, out: &ImageMut<'_, f32>) -> Result<()> {
    let (w, h) = model.size();
    if input.width() != w || input.height() != h {
        return Err(crate::Error::InputSize {
            expected_w: w,
            expected_h: h,
            actual_w: input.width(),
            actual_h: input.height(),
        });
    }
    let sets = model.weight_sets();
    if sets != 1 && sets != input.channels() {
        return Err(crate::Error::Incompatible(format!(
            "model has {sets} per-channel weight sets but the input has {} channel(s)",
            input.channels()
        )));
    }
    if out.width() != w || out.height() != h || out.channels() != input.channels() {
        return Err(crate::Error::Incompatible("output buffer does not match the input's shape".into()));
    }
    Ok(())
}
