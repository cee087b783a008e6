//! Hyperparameters of the lasso.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::Lasso`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `alpha` | 0.01 | ℓ1 penalty α (objective scaled by 1/2n, as scikit-learn) | > 0, finite |
/// | `path_len` | 8 | α values on the warm-start path from α_max down to α (1: straight at α) | 1 ≤ len ≤ 100 |
/// | `tolerance` | 1e-5 | stop a descent when no weight moves more than this | > 0 |
/// | `max_sweeps` | 1000 | coordinate sweeps per path step at most | ≥ 1 |
/// | `channels` | `shared` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LassoParams {
    pub(crate) alpha: f64,
    pub(crate) path_len: usize,
    pub(crate) tolerance: f64,
    pub(crate) max_sweeps: usize,
    pub(crate) channels: ChannelMode,
}

impl Default for LassoParams {
    fn default() -> Self {
        Self { alpha: 1e-2, path_len: 8, tolerance: 1e-5, max_sweeps: 1000, channels: ChannelMode::Shared }
    }
}

impl LassoParams {
    /// ℓ1 penalty α (default 0.01; on aligned JAFFE at 64×64, 0.003 takes 13× longer and scores worse).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Steps of the α path (default 8).
    pub fn path_len(mut self, len: usize) -> Self {
        self.path_len = len;
        self
    }
    /// Convergence tolerance on weight changes (default 1e-5).
    pub fn tolerance(mut self, tol: f64) -> Self {
        self.tolerance = tol;
        self
    }
    /// Sweep limit per path step (default 1000).
    pub fn max_sweeps(mut self, sweeps: usize) -> Self {
        self.max_sweeps = sweeps;
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
        Error::check_positive("alpha", self.alpha)?;
        if !(1..=100).contains(&self.path_len) {
            return Err(Error::param("path length", self.path_len, "between 1 and 100"));
        }
        Error::check_positive("tolerance", self.tolerance)?;
        if self.max_sweeps == 0 {
            return Err(Error::param("max sweeps", self.max_sweeps, "at least 1"));
        }
        Ok(())
    }
    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::Lasso> {
        super::fit::fit(self, data)
    }
}
