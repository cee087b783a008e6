//! Hyperparameters of principal-component regression.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::Pcr`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `components` | 20 | principal components k kept | 1 ≤ k ≤ rank of the centred inputs (< n) |
/// | `lambda` | 0.01 | ridge penalty λ on the component coefficients | ≥ 0, finite |
/// | `channels` | `shared` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PcrParams {
    pub(crate) components: usize,
    pub(crate) lambda: f64,
    pub(crate) channels: ChannelMode,
}

impl Default for PcrParams {
    fn default() -> Self {
        Self { components: 20, lambda: 0.01, channels: ChannelMode::Shared }
    }
}

impl PcrParams {
    /// Components k (default 20).
    pub fn components(mut self, k: usize) -> Self {
        self.components = k;
        self
    }
    /// Ridge penalty λ (default 0.01).
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
        if !(1..=100_000).contains(&self.components) {
            return Err(Error::param("components", self.components, "between 1 and the number of training planes − 1"));
        }
        if !(self.lambda >= 0.0 && self.lambda.is_finite()) {
            return Err(Error::param("lambda", self.lambda, "a finite number ≥ 0"));
        }
        Ok(())
    }
    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::Pcr> {
        super::fit::fit(self, data)
    }
}
