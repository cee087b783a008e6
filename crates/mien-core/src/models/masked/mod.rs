//! Masked regression (MR): every output pixel is a ridge regression over the
//! r×r window of input pixels centred on it, plus a bias.
//!
//! For output pixel i with window inputs `x ∈ ℝᵏ` (k = r², entries outside the
//! image are absent) and bias 1, the weights solve
//! `w = (XᵀX + λI)⁻¹ Xᵀt` over the n training pairs. Fitting accumulates each
//! pixel's (k+1)×(k+1) Gram matrix straight from the images, a row of pixels
//! at a time, so memory grows with the image width, never with d² as a dense
//! mask would. Window entries that fall outside the image contribute zero
//! columns, whose ridge weight is exactly zero: clipping the window and zero
//! padding give the same model, and the zero weights let prediction run
//! without border branches.

mod file;
pub(crate) mod fit;
mod params;
mod predict;
mod stats;

pub use fit::Progress;
pub use params::{MaskedParams, Prior};
pub use stats::MaskedStats;

/// A fitted masked-regression model.
#[derive(Clone, Debug, PartialEq)]
pub struct Masked {
    pub(crate) params: MaskedParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// `[sets][k + 1][height · width]`: plane `o < k` holds each output pixel's
    /// weight for window offset `o` (row-major over the window), plane `k` the bias.
    pub(crate) planes: Vec<f32>,
}

impl Masked {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &MaskedParams {
        &self.params
    }

    /// Window side r.
    pub fn receptive_field(&self) -> usize {
        self.params.receptive_field
    }

    /// The weights as `[sets][d][k + 1]` (per pixel: window weights row-major, then bias),
    /// the layout of the model file.
    pub fn weights_per_pixel(&self) -> Vec<f32> {
        let k1 = self.params.window_len() + 1;
        let d = self.width * self.height;
        let mut out = vec![0.0; self.sets * d * k1];
        for s in 0..self.sets {
            for o in 0..k1 {
                let plane = &self.planes[(s * k1 + o) * d..][..d];
                for (i, &v) in plane.iter().enumerate() {
                    out[(s * d + i) * k1 + o] = v;
                }
            }
        }
        out
    }

    /// Rebuilds a model from `[sets][d][k + 1]` weights (the model-file layout).
    pub fn from_weights_per_pixel(
        params: MaskedParams,
        width: usize,
        height: usize,
        sets: usize,
        weights: &[f32],
    ) -> Option<Self> {
        let k1 = params.window_len() + 1;
        let d = width * height;
        if weights.len() != sets * d * k1 {
            return None;
        }
        let mut planes = vec![0.0; weights.len()];
        for s in 0..sets {
            for i in 0..d {
                for o in 0..k1 {
                    planes[(s * k1 + o) * d + i] = weights[(s * d + i) * k1 + o];
                }
            }
        }
        Some(Self { params, width, height, sets, planes })
    }
}

#[cfg(test)]
mod tests;
