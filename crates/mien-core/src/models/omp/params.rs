//! Hyperparameters of OMP and LSRF.

use serde::{Deserialize, Serialize};

use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::ChannelMode;

/// Hyperparameters of [`super::Omp`]; β = 0 is plain OMP, β > 0 is LSRF
/// (see [`LsrfParams`] for its defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `nonzeros` | 5 | input pixels F picked per output pixel (the bias comes on top) | 1 ≤ F ≤ min(64, d) |
/// | `lambda` | 0.4 | ridge penalty λ of the refit after each pick | > 0, finite |
/// | `beta` | 0 | locality weight β of the score `|corr| + β / D` | ≥ 0, finite |
/// | `penalize_bias` | true | also penalise the bias (as masked regression does) | bool |
/// | `channels` | `shared` | how colour channels share weights (the LSRF reference: shared) | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OmpParams {
    pub(crate) nonzeros: usize,
    pub(crate) lambda: f64,
    pub(crate) beta: f64,
    pub(crate) penalize_bias: bool,
    pub(crate) channels: ChannelMode,
}

impl Default for OmpParams {
    fn default() -> Self {
        Self { nonzeros: 5, lambda: 0.4, beta: 0.0, penalize_bias: true, channels: ChannelMode::Shared }
    }
}

impl OmpParams {
    /// Input pixels F per output pixel (default 5).
    pub fn nonzeros(mut self, f: usize) -> Self {
        self.nonzeros = f;
        self
    }
    /// Ridge penalty λ (default 0.4).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }
    /// Locality weight β (default 0: plain OMP).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Whether the bias is penalised (default true).
    pub fn penalize_bias(mut self, yes: bool) -> Self {
        self.penalize_bias = yes;
        self
    }
    /// Channel mode (default `shared`).
    pub fn channels(mut self, mode: ChannelMode) -> Self {
        self.channels = mode;
        self
    }
    /// The configured F.
    pub fn nonzeros_value(&self) -> usize {
        self.nonzeros
    }
    /// The configured β.
    pub fn beta_value(&self) -> f64 {
        self.beta
    }
    /// The configured channel mode.
    pub fn channel_mode(&self) -> ChannelMode {
        self.channels
    }
    /// Half-width of the locality neighbourhood N(i): ⌊√F / 2⌋.
    pub fn neighbourhood_half_width(&self) -> usize {
        self.nonzeros.isqrt() / 2
    }

    /// Checks ranges that do not depend on the data.
    pub fn check(&self) -> Result<()> {
        if !(1..=64).contains(&self.nonzeros) {
            return Err(Error::param("nonzeros", self.nonzeros, "between 1 and 64 input pixels per output pixel"));
        }
        Error::check_positive("lambda", self.lambda)?;
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return Err(Error::param("beta", self.beta, "a finite number ≥ 0 (0 is plain OMP)"));
        }
        Ok(())
    }

    /// Checks the parameters against an image size.
    pub fn check_for_size(&self, width: usize, height: usize) -> Result<()> {
        self.check()?;
        if self.nonzeros > width * height {
            return Err(Error::param(
                "nonzeros",
                self.nonzeros,
                format!("at most the number of pixels ({}) of {width}×{height} images", width * height),
            ));
        }
        Ok(())
    }

    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::Omp> {
        super::fit::fit(self, data)
    }
}

/// Hyperparameters of LSRF: OMP with the locality term on.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `nonzeros` | 5 | input pixels F per output pixel | 1 ≤ F ≤ min(64, d) |
/// | `beta` | 60 | locality weight β | ≥ 0, finite |
/// | `lambda` | 0.4 | ridge penalty λ | > 0, finite |
/// | `penalize_bias` | true | also penalise the bias | bool |
/// | `channels` | `shared` | how colour channels share weights | separate, shared, grey |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LsrfParams {
    inner: OmpParams,
}

impl Default for LsrfParams {
    fn default() -> Self {
        Self { inner: OmpParams::default().beta(60.0) }
    }
}

impl LsrfParams {
    /// Input pixels F per output pixel (default 5).
    pub fn nonzeros(mut self, f: usize) -> Self {
        self.inner = self.inner.nonzeros(f);
        self
    }
    /// Locality weight β (default 60).
    pub fn beta(mut self, beta: f64) -> Self {
        self.inner = self.inner.beta(beta);
        self
    }
    /// Ridge penalty λ (default 0.4).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.inner = self.inner.lambda(lambda);
        self
    }
    /// Whether the bias is penalised (default true).
    pub fn penalize_bias(mut self, yes: bool) -> Self {
        self.inner = self.inner.penalize_bias(yes);
        self
    }
    /// Channel mode (default `shared`).
    pub fn channels(mut self, mode: ChannelMode) -> Self {
        self.inner = self.inner.channels(mode);
        self
    }
    /// The equivalent OMP parameters.
    pub fn as_omp(&self) -> &OmpParams {
        &self.inner
    }
    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        self.inner.check()
    }
    /// Fits the model.
    pub fn fit(&self, data: &PairedDataset) -> Result<super::Omp> {
        self.inner.fit(data)
    }
}
