//! Hyperparameters of the kernel pixel model.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::PixelKernel`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `gamma` | 10 | RBF width γ in `exp(−γ (x − c)²)`, x in normalised units | > 0 |
/// | `lambda` | 0.1 | ridge penalty λ | > 0 |
/// | `centres` | 12 | centres per pixel m (exact dual solve when n ≤ m) | 2..=64 |
/// | `channels` | `separate` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PixelKernelParams {
    pub(crate) gamma: f64,
    pub(crate) lambda: f64,
    pub(crate) centres: usize,
    pub(crate) channels: ChannelMode,
}

impl Default for PixelKernelParams {
    fn default() -> Self {
        Self { gamma: 10.0, lambda: 0.1, centres: 12, channels: ChannelMode::Separate }
    }
}

impl PixelKernelParams {
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
    /// Centres per pixel m (default 12).
    pub fn centres(mut self, m: usize) -> Self {
        self.centres = m;
        self
    }
    /// Channel mode (default `separate`).
    pub fn channels(mut self, mode: ChannelMode) -> Self {
        self.channels = mode;
        self
    }
    /// Checks ranges.
    pub fn check(&self) -> Result<()> {
        Error::check_positive("gamma", self.gamma)?;
        Error::check_positive("lambda", self.lambda)?;
        if !(2..=64).contains(&self.centres) {
            return Err(Error::param("centres", self.centres, "between 2 and 64"));
        }
        Ok(())
    }
}
