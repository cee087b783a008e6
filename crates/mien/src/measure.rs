//! Expression strength of edits on aligned crops, with the project's own 68
//! landmarks (`mien_face::strength`): how much of the real input → target
//! change an edit shows (ratio of magnitudes) and whether it is the same
//! change (direction cosine). The face-api classifier saturates on strong
//! expressions; geometry does not.
//!
//! All three crops of a triple (input, edit, real target) are aligned to one
//! template, so the landmark network sees them through one face box: the box
//! the detector finds on the input crop, or, when it finds none, a fixed box
//! over the template's face. Only the faces differ, not the framing.

use mien_core::image::Image;
use mien_face::strength::{self, Strength};
use mien_face::{FaceBox, Landmarks};

use crate::faces::detect_options;
use crate::{FaceFinder, Result};

pub use mien_face::strength::{summarize, StrengthSummary, FEATURE_NAMES};

/// Smallest face the detector looks for on a crop: a 128 px aligned crop's
/// face spans about 80 px, a 64 px one about 40.
const CROP_MIN_FACE: usize = 24;

/// Measures expression strength on aligned crops.
pub struct StrengthMeter {
    finder: FaceFinder,
}

impl StrengthMeter {
    /// Loads the detector and the landmark network.
    pub fn new() -> Result<Self> {
        Ok(Self { finder: FaceFinder::new()? })
    }

    /// The face box used for every crop of a triple: the largest face the
    /// detector finds on `input`, else the central 80 % of the crop.
    pub fn face_box(&self, input: &Image<u8>) -> Result<FaceBox> {
        let (boxes, _) = self.finder.detect(input, &detect_options(Some(CROP_MIN_FACE)))?;
        Ok(boxes.into_iter().next().unwrap_or_else(|| {
            let (w, h) = (input.width() as f32, input.height() as f32);
            FaceBox { x: 0.1 * w, y: 0.1 * h, w: 0.8 * w, h: 0.8 * h, score: 0.0 }
        }))
    }

    /// The 68 landmarks of a crop inside a given box.
    pub fn landmarks(&self, crop: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        Ok(self.finder.landmarks(crop, vec![*face])?.remove(0).landmarks)
    }

    /// How the edit `output` of `input` compares with the real `target`.
    pub fn compare(&self, input: &Image<u8>, output: &Image<u8>, target: &Image<u8>) -> Result<Strength> {
        let face = self.face_box(input)?;
        let (li, lo, lt) =
            (self.landmarks(input, &face)?, self.landmarks(output, &face)?, self.landmarks(target, &face)?);
        Ok(strength::compare(&li, &lo, &lt)?)
    }
}
