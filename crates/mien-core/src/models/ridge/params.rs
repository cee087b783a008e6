//! Hyperparameters of whole-image ridge regression.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::Ridge`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `lambda` | 1.0 | ridge penalty λ (the bias is not penalised: inputs and targets are centred) | > 0, finite |
/// | `channels` | `shared` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RidgeParams {
    pub(crate) lambda: f64,
    pub(crate) channels: ChannelMode,
}

impl Default for RidgeParams {
    fn default() -> Self {
        Self { lambda: 1.0, channels: ChannelMode::Shared }
    }
}

impl RidgeParams {
    /// Ridge penalty λ (default 1.0).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }
    /// Channel mode (default `shared`).
    pub fn channels(mut self, mode: ChannelMode) -> Self {
        self.channels = mode;
        self
    }
    /// The configured channel mode.
    pub fn channel_mode(&self) -> ChannelMode {
        self.channels
    }
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        Error::check_positive("lambda", self.lambda)?;
        Ok(())
    }
    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::Ridge> {
        super::fit::fit(self, data)
    }
}
