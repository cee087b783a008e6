//! Pixel-based synthesis (PIX), linear form: `y_i = a_i·x_i + b_i` per pixel.
//!
//! This is masked regression with a 1×1 window, so it shares that model's
//! fitting and prediction code and its fitted type; only the kind recorded in
//! the model file differs.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::Result;
use crate::models::masked::fit::Progress;
use crate::models::{ChannelMode, Masked, MaskedParams};

/// Hyperparameters of the linear pixel model.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lambda` | 3 | ridge penalty λ | > 0 |
/// | `penalize_bias` | true | also penalise the bias | bool |
/// | `channels` | `separate` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PixelParams {
    inner: MaskedParams,
}

impl PixelParams {
    /// Ridge penalty λ (default 3).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.inner = self.inner.lambda(lambda);
        self
    }
    /// Whether the bias is penalised (default true).
    pub fn penalize_bias(mut self, yes: bool) -> Self {
        self.inner = self.inner.penalize_bias(yes);
        self
    }
    /// Channel mode (default `separate`).
    pub fn channels(mut self, mode: ChannelMode) -> Self {
        self.inner = self.inner.channels(mode);
        self
    }
    /// The equivalent masked-regression parameters (r = 1).
    pub fn as_masked(&self) -> MaskedParams {
        self.inner.clone().receptive_field(1)
    }
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        self.as_masked().check()
    }
    /// Fits; the result is a [`Masked`] model with r = 1.
    pub fn fit(&self, data: &PairedDataset) -> Result<Masked> {
        self.as_masked().fit(data)
    }
    /// Fits with a progress callback.
    pub fn fit_with_progress(&self, data: &PairedDataset, progress: Progress<'_>) -> Result<Masked> {
        self.as_masked().fit_with_progress(data, progress)
    }
}
