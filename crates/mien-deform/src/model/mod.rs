//! The `deform` model: an AU-conditioned flow basis (motion) and an
//! AU-conditioned local residual regression (texture), both linear in the
//! Action Unit vector `a ∈ ℝ¹⁷`.
//!
//! **Training data** are groups of neutral → expression pairs, each group
//! labelled with one AU vector `a_g` (on JAFFE: the six expressions and their
//! prototypes from [`crate::au`]). Images are grey and in normalised
//! intensity (min–max per image, as the other models).
//!
//! **Motion.** For each group the flow `F_g` minimising the photometric error
//! of the warped neutrals, a smoothness and a magnitude penalty over *all*
//! the group's pairs is solved coarse-to-fine by Gauss–Newton (see
//! [`crate::flow`], equations (1)–(3)). The per-AU basis `B_k` (k = 1..17)
//! then solves the ridge problem
//!
//! ```text
//! min_B  Σ_g ‖Σ_k a_gk B_k − F_g‖²  +  μ Σ_k ‖B_k‖²                                (4)
//! ```
//!
//! per pixel and flow component. With A the G×17 matrix of group AU vectors
//! its solution is `B = M F` with `M = Aᵀ(AAᵀ + μI)⁻¹` (17×G): six prototype
//! vectors cannot determine 17 bases, and the ridge picks the minimum-norm
//! one, which splits each expression's motion over its AUs and gives AUs
//! shared by several expressions (AU4 in sad, angry, fear) their common part.
//! Each `B_k` is a combination of the smooth `F_g`, so the basis is as smooth
//! as the group flows without a separate smoothness term. A target `a` gets
//! `F(a) = Σ_k a_k B_k`; to keep combinations never seen in training (AU12
//! alone, happy + surprise) within the motion the data showed, each pixel's
//! displacement is clamped to the largest one of the training flows `F(a_g)`,
//! and the whole field is scaled down when its mean length exceeds theirs.
//! Both bounds are monotone, so the motion grows steadily with the intensity.
//!
//! **Texture.** After warping, `W = I∘(id + F(a))`, a masked regression
//! (`mien_core`'s MR with the identity prior, r×r windows) is fitted per group
//! from the warped neutrals `W_g` to the targets; minus the identity it is a
//! local residual map `R_g(W) = Σ_o w_go ⊙ shift_o(W) + bias_g`. The per-AU
//! residuals are mixed like the flows, `R_k = Σ_g M_kg R_g`, so the output is
//!
//! ```text
//! out(a) = W + Σ_k a_k R_k(W) = W + Σ_g c_g R_g(W),   c = Mᵀa                     (5)
//! ```
//!
//! linear in `a`: an AU combination never seen as a whole still gets texture,
//! and a zero AU vector returns the input exactly (no motion, no residual).
//! The file stores the G group residual maps and M rather than 17 per-AU
//! maps: the same model in 6/17 of the space (≈ 6 MB for 128×128, r = 3).

mod file;
mod fit;
mod params;
mod predict;

pub use file::DeformFile;
#[cfg(test)]
pub(crate) use fit::ridge_mix;
pub use params::{DeformParams, MotionSource};
pub(crate) use predict::add_residual;
pub use predict::{Conditioned, Edited};

use mien_core::dataset::PairedDataset;

use crate::au::AuVector;
use crate::guide::PointPair;

/// One training group: pairs that share one target AU vector.
#[derive(Clone, Copy, Debug)]
pub struct AuGroup<'a> {
    /// Name (e.g. the expression), stored in the model file.
    pub name: &'a str,
    /// The target AU vector of every pair in the group.
    pub au: AuVector,
    /// Neutral → expression pairs, all of one size.
    pub data: &'a PairedDataset,
    /// Landmarks of the pairs, for [`MotionSource::Landmarks`] (any order,
    /// need not cover every pair); empty otherwise.
    pub points: &'a [PointPair],
}

/// A fitted deform model.
#[derive(Clone, Debug, PartialEq)]
pub struct Deform {
    pub(crate) params: DeformParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// Group names and AU vectors, in training order.
    pub(crate) groups: Vec<(String, AuVector)>,
    /// `[17][2][d]`: per AU, the u plane then the v plane of `B_k`.
    pub(crate) basis: Vec<f32>,
    /// `[G][k + 1][d]`: per group, per window offset (row-major) the residual
    /// weight plane, then the bias plane; empty without texture.
    pub(crate) texture: Vec<f32>,
    /// `[17][G]`: the mixing matrix M of (4) and (5).
    pub(crate) mix: Vec<f32>,
    /// Largest per-pixel displacement of the training flows `F(a_g)`.
    pub(crate) max_pixel_flow: f32,
    /// Largest mean displacement of the training flows `F(a_g)`.
    pub(crate) max_mean_flow: f32,
}

impl Deform {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &DeformParams {
        &self.params
    }
    /// Width and height it was fitted at.
    pub fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }
    /// Training groups: names and AU vectors.
    pub fn groups(&self) -> &[(String, AuVector)] {
        &self.groups
    }
    /// Whether the texture step was fitted.
    pub fn has_texture(&self) -> bool {
        !self.texture.is_empty()
    }
    /// The range of training motion: (largest per-pixel, largest mean) displacement in pixels.
    pub fn flow_limits(&self) -> (f32, f32) {
        (self.max_pixel_flow, self.max_mean_flow)
    }
}

#[cfg(test)]
mod tests;
