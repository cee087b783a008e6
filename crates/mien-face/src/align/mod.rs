//! Face alignment and pasting: the bridge between photos and the fixed-size,
//! pixel-paired crops the expression models are trained on.
//!
//! [`Template`] holds where a few expression-stable landmarks belong in a
//! square crop; [`Similarity`] is the rotation + scale + shift fitted from a
//! face's landmarks to it; [`align_face`] warps the photo into the crop and
//! [`paste_back`] returns an edited crop to the photo under a feathered
//! [`face_mask`], leaving everything else untouched.

mod mask;
mod similarity;
mod template;
mod warp;

pub use mask::{face_mask, FEATHER, FOREHEAD, SHRINK};
pub use similarity::Similarity;
pub use template::Template;
pub use warp::{align_face, landmarks_to_crop, paste_back, warp_to_crop, Aligned};
