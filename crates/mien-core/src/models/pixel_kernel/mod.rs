//! Pixel-based synthesis (PIX), nonlinear form: each output pixel is a kernel
//! ridge regression (RBF kernel) of its own input value.
//!
//! Per pixel the exact dual solution over its n training values is
//! `f(x) = b + Σ_j α_j k(x, x_j)`, `(K + λI) α = t − b`, `b = mean(t)`,
//! `k(x, c) = exp(−γ (x − c)²)`. Storing n dual coefficients and n centres
//! per pixel would make the model grow with the training set, so when n
//! exceeds `centres` mien fits the subset-of-regressors approximation on m
//! evenly spaced centres spanning that pixel's input range:
//! `(K_nmᵀ K_nm + λ K_mm) β = K_nmᵀ (t − b)`. It equals the exact solution
//! when the centres are the training values (which is what mien does when
//! n ≤ m), and with m = 12 its predictions stay within a few thousandths of
//! the exact dual solve on smooth per-pixel curves (see the tests and
//! `docs/models.md`). The model stores, per pixel, m centres, m coefficients
//! and the bias.

mod file;
mod fit;
mod params;
mod predict;

pub use params::PixelKernelParams;

/// A fitted kernel pixel model.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelKernel {
    pub(crate) params: PixelKernelParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// Centres per pixel: `[sets][d][m]`.
    pub(crate) centres: Vec<f32>,
    /// Coefficients per pixel: `[sets][d][m]`.
    pub(crate) coefs: Vec<f32>,
    /// Bias per pixel: `[sets][d]`.
    pub(crate) bias: Vec<f32>,
}

impl PixelKernel {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &PixelKernelParams {
        &self.params
    }
    /// Number of centres per pixel.
    pub fn centres_per_pixel(&self) -> usize {
        self.centres.len() / (self.sets * self.width * self.height).max(1)
    }
}

#[cfg(test)]
mod tests;
