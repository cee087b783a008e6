//! Finding faces in photos: detection, then 68 landmarks per face, largest
//! faces first. One [`FaceFinder`] loads its networks once and serves any
//! number of photos (and threads: it is `Sync`).

use mien_core::image::Image;
use mien_face::{DetectOptions, FaceBox, FaceDetector, Landmarker, Landmarks};

use crate::Result;

/// A detected face with its landmarks.
#[derive(Clone, Debug)]
pub struct Found {
    /// The detection box.
    pub face: FaceBox,
    /// The 68 landmarks (iBUG order) in photo coordinates.
    pub landmarks: Landmarks,
}

/// Which faces of a photo to edit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaceChoice {
    /// Every face found.
    #[default]
    All,
    /// The n-th largest face (1-based).
    Nth(usize),
}

impl std::str::FromStr for FaceChoice {
    type Err = String;

    /// `all` or a face number from 1 (largest first).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(FaceChoice::All),
            n => match n.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(FaceChoice::Nth(k)),
                _ => Err("use `all` or a face number from 1 (largest first)".to_string()),
            },
        }
    }
}

impl FaceChoice {
    /// The chosen items of a largest-first list, or `None` when the n-th does not exist.
    pub fn pick<T: Clone>(self, items: &[T]) -> Option<Vec<T>> {
        match self {
            FaceChoice::All => Some(items.to_vec()),
            FaceChoice::Nth(n) => items.get(n - 1).map(|x| vec![x.clone()]),
        }
    }
}

/// Detector and landmark network, loaded once.
pub struct FaceFinder {
    detector: FaceDetector,
    landmarker: Landmarker,
}

impl FaceFinder {
    /// Loads the detector and the landmark network (compiled in; no files read).
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

    /// Landmarks for each box; faces rolled by more than
    /// [`mien_face::landmarks::UPRIGHT_ROLL_DEG`] are detected again and
    /// placed on an upright copy ([`Landmarker::landmarks_upright_with`]).
    pub fn landmarks(&self, img: &Image<u8>, faces: Vec<FaceBox>) -> Result<Vec<Found>> {
        faces
            .into_iter()
            .map(|face| {
                Ok(Found { landmarks: self.landmarker.landmarks_upright_with(&self.detector, img, &face)?, face })
            })
            .collect()
    }
}

impl FaceFinder {
    /// Landmarks of one box that do not depend on the detector that drew it
    /// (see [`Landmarker::landmarks_reboxed`]; the tracker's key frames).
    pub fn landmarks_reboxed(&self, img: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        Ok(self.landmarker.landmarks_reboxed(img, face)?)
    }

    /// Landmarks placed again from earlier points of the same face (the
    /// previous video frame's), without detection; see [`Landmarker::refine`].
    pub fn refine(&self, img: &Image<u8>, points: &Landmarks) -> Result<Landmarks> {
        Ok(self.landmarker.refine(img, points)?)
    }

    /// Landmarks of a photo that is already a face crop (`--no-detect`): the
    /// whole image is the face box. `None` when the points do not look like a
    /// frontal face (see [`plausible_face`]), e.g. on an animal or a sketch.
    pub fn crop_landmarks(&self, crop: &Image<u8>) -> Result<Option<Found>> {
        let face = FaceBox { x: 0.0, y: 0.0, w: crop.width() as f32, h: crop.height() as f32, score: 0.0 };
        let found = self.landmarks(crop, vec![face])?.remove(0);
        Ok(plausible_face(&found.landmarks, crop.width(), crop.height()).then_some(found))
    }
}

/// Whether 68 points look like an upright frontal face filling much of a
/// `w`×`h` crop: both eyes and the mouth inside, the eyes 15–70 % of the crop
/// width apart and within 30° of level, the mouth below the eyes by 0.6–1.8
/// eye distances and between them sideways.
pub fn plausible_face(points: &Landmarks, w: usize, h: usize) -> bool {
    let (l, r) = mien_face::eye_centres(points);
    let mouth = mien_face::landmarks::groups::mouth_centre(points);
    let inside = |p: (f32, f32)| p.0 >= 0.0 && p.1 >= 0.0 && p.0 < w as f32 && p.1 < h as f32;
    let (dx, dy) = (r.0 - l.0, r.1 - l.1);
    let iod = dx.hypot(dy);
    if !(inside(l) && inside(r) && inside(mouth) && iod.is_finite()) || iod <= 0.0 {
        return false;
    }
    let level = dy.abs() <= dx * 30f32.to_radians().tan();
    let spread = (0.15..=0.7).contains(&(iod / w as f32));
    // The mouth measured in the eyes' frame: along the eye line and down from it.
    let mid = ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0);
    let (mx, my) = (mouth.0 - mid.0, mouth.1 - mid.1);
    let along = (mx * dx + my * dy) / iod;
    let down = (-mx * dy + my * dx) / iod;
    level && spread && (0.6..=1.8).contains(&(down / iod)) && along.abs() <= 0.5 * iod
}

/// Smallest face searched for by default, in pixels. The SeetaFace cascade
/// scans a 40-pixel window; finding smaller faces means enlarging the photo
/// first, which more than doubles detection time on a 512×512 portrait.
/// A minimum of 24 finds faces down to 24 px.
pub const DEFAULT_MIN_FACE: usize = 40;

/// The smallest minimum face size accepted.
pub const MIN_MIN_FACE: usize = 8;

/// Detection settings; `min_face` overrides [`DEFAULT_MIN_FACE`].
///
/// A coarser image pyramid (0.7 between levels, library default 0.8) and a
/// 5-pixel window stride (default 4) cut detection time on a 512×512
/// portrait by about 40% and still find all 29 faces of the Solvay photo and
/// exactly one face in each of the 213 JAFFE photos
/// (`cargo run --release -p mien-face --example detect_settings`).
pub fn detect_options(min_face: Option<usize>) -> DetectOptions {
    DetectOptions {
        min_size: min_face.unwrap_or(DEFAULT_MIN_FACE),
        pyramid_step: 0.7,
        window_step: 5,
        ..Default::default()
    }
}
