//! Finding faces in photos for `align`, `edit` and `demo`: detection, then
//! 68 landmarks per face, largest faces first.

use anyhow::Result;
use mien_core::image::Image;
use mien_face::{DetectOptions, FaceBox, FaceDetector, Landmarker, Landmarks};

/// A detected face with its landmarks.
#[derive(Clone, Debug)]
pub struct Found {
    pub face: FaceBox,
    pub landmarks: Landmarks,
}

/// Detector and landmark network, loaded once.
pub struct FaceFinder {
    detector: FaceDetector,
    landmarker: Landmarker,
}

/// "No face found": the one error that exits with code 1.
#[derive(Debug)]
pub struct NoFace(pub String);

impl std::fmt::Display for NoFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoFace {}

impl FaceFinder {
    pub fn new() -> Result<Self> {
        Ok(Self { detector: FaceDetector::new()?, landmarker: Landmarker::new()? })
    }

    /// Every face of at least `opts.min_size` pixels, largest first, and how many smaller ones were skipped.
    pub fn find(&self, img: &Image<u8>, opts: &DetectOptions) -> Result<(Vec<Found>, usize)> {
        let (faces, skipped) = self.detect(img, opts)?;
        Ok((self.landmarks(img, faces)?, skipped))
    }

    /// Face boxes, largest first, and the count of faces too small to keep.
    pub fn detect(&self, img: &Image<u8>, opts: &DetectOptions) -> Result<(Vec<FaceBox>, usize)> {
        let det = self.detector.detect(img, opts)?;
        let mut faces: Vec<FaceBox> = det.faces;
        faces.sort_by(|a, b| (b.w * b.h).total_cmp(&(a.w * a.h)));
        Ok((faces, det.skipped_small))
    }

    /// Landmarks for each box.
    pub fn landmarks(&self, img: &Image<u8>, faces: Vec<FaceBox>) -> Result<Vec<Found>> {
        faces.into_iter().map(|face| Ok(Found { landmarks: self.landmarker.landmarks(img, &face)?, face })).collect()
    }
}

/// Smallest face searched for by default, in pixels. The SeetaFace cascade
/// scans a 40-pixel window; finding smaller faces means enlarging the photo
/// first, which more than doubles detection time on a 512×512 portrait.
/// `--min-face 24` finds faces down to 24 px.
pub const DEFAULT_MIN_FACE: usize = 40;

/// Detection settings for a photo; `min_face` overrides [`DEFAULT_MIN_FACE`].
///
/// A coarser image pyramid (0.7 between levels, library default 0.8) and a
/// 5-pixel window stride (default 4) cut detection time on a 512×512
/// portrait by about 40% and still find all 29 faces of the Solvay photo and
/// exactly one face in each of the 213 JAFFE photos
/// (`cargo run --release -p mien-face --example detect_settings`).
pub fn detect_options(_img: &Image<u8>, min_face: Option<usize>) -> DetectOptions {
    DetectOptions {
        min_size: min_face.unwrap_or(DEFAULT_MIN_FACE),
        pyramid_step: 0.7,
        window_step: 5,
        ..Default::default()
    }
}
