//! Hyperparameters of whole-image kernel ridge regression.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::KernelRidge`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `gamma` | 10 | RBF width γ in `exp(−γ · mean squared pixel difference)` | > 0, finite |
/// | `lambda` | 0.1 | ridge penalty λ | > 0, finite |
/// | `channels` | `shared` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelRidgeParams {
    pub(crate) gamma: f64,
    pub(crate) lambda: f64,
    pub(crate) channels: ChannelMode,
}

impl Default for KernelRidgeParams {
    fn default() -> Self {
        Self { gamma: 10.0, lambda: 0.1, channels: ChannelMode::Shared }
    }
}

impl KernelRidgeParams {
    /// RBF width γ (default 10).
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }
    /// Ridge penalty λ (default 0.1).
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
        Error::check_positive("gamma", self.gamma)?;
        Error::check_positive("lambda", self.lambda)?;
        Ok(())
    }
    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::KernelRidge> {
        super::fit::fit(self, data)
    }
}
