//! 68-point facial landmarks: a pure-Rust port of face-api.js's
//! `FaceLandmark68Net` (MIT, Vladimir Mandic's `@vladmandic/face-api` 1.7.15).
//!
//! The network is four dense blocks of 3×3 convolutions (32, 64, 128, 256
//! channels, each halving the 112 px input), a global average pool and one
//! fully connected layer predicting the iBUG-300W points as fractions of the
//! input square. Its weights (357 KB, 8-bit quantised; `weights/LICENSE-face-api`)
//! are compiled into the binary. The layers and the preprocessing are shared
//! with the expression classifier (`crate::faceapi`); this module adds the
//! mapping back to image pixels and [`groups`] for named point ranges.

pub mod groups;

use mien_core::image::Image;

use crate::align::{warp_to_crop, Similarity};
use crate::detect::FaceBox;
use crate::error::{Error, Result};
use crate::faceapi::preprocess::to_image_coords;
use crate::faceapi::tensor::Tensor;
use crate::faceapi::FaceApiNet;

pub use groups::{eye_centres, FaceParts};

static MANIFEST: &str = include_str!("../../weights/face_landmark_68_model-weights_manifest.json");
static WEIGHTS: &[u8] = include_bytes!("../../weights/face_landmark_68_model.bin");

/// Eye-line tilt above which [`Landmarker::landmarks_upright`] resamples the face upright, in degrees.
pub const UPRIGHT_ROLL_DEG: f32 = 8.0;

/// The angle of the line from the image-left eye centre to the other, in
/// radians (positive: clockwise on screen, y pointing down).
pub fn eye_roll(points: &Landmarks) -> f32 {
    let (l, r) = eye_centres(points);
    (r.1 - l.1).atan2(r.0 - l.0)
}

/// The square box a face detector would give for a face with these points,
/// in the face's own frame turned by `roll` radians: its centre (image
/// pixels) and side. The centre is that of the points' extent along and
/// across the eye line, the side 1.2 times the extent along it (the tiny
/// face detector's boxes are 1.1–1.25 times the landmark width on JAFFE).
pub fn upright_box(points: &Landmarks, roll: f32) -> ((f32, f32), f32) {
    let (s, c) = roll.sin_cos();
    let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for &(x, y) in points {
        let (u, v) = (x * c + y * s, -x * s + y * c);
        (u0, u1, v0, v1) = (u0.min(u), u1.max(u), v0.min(v), v1.max(v));
    }
    let (uc, vc) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
    ((uc * c - vc * s, uc * s + vc * c), 1.2 * (u1 - u0))
}

/// 68 landmark points `(x, y)` in image pixels, in iBUG-300W order.
pub type Landmarks = [(f32, f32); 68];

/// The landmark network with its weights loaded; immutable and `Sync`, so one
/// instance can serve many threads.
#[derive(Clone, Debug)]
pub struct Landmarker {
    net: FaceApiNet,
}

impl Landmarker {
    /// The network with the built-in face-api weights.
    ///
    /// The built-in weights are checked by this crate's tests, so this only
    /// fails if the crate itself was built from damaged files.
    pub fn new() -> Result<Self> {
        Self::from_face_api(MANIFEST, WEIGHTS)
    }

    /// The network with weights from a face-api `face_landmark_68_model`
    /// manifest (JSON text) and binary.
    pub fn from_face_api(manifest: &str, bin: &[u8]) -> Result<Self> {
        Ok(Self { net: FaceApiNet::from_face_api(manifest, bin, 136)? })
    }

    /// The 68 landmarks of the face in `face`, in `image`'s pixel coordinates.
    ///
    /// `image` is grey or RGB; the box is cropped, padded to a square and
    /// resized to 112×112 as face-api does, so pass the detector's box as it is.
    pub fn landmarks(&self, image: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        let (geometry, input) = FaceApiNet::prepare(image, face)?;
        let out = self.forward(&input)?;
        Ok(to_image_coords(&out, &geometry))
    }

    /// Landmarks that hold for faces rolled in the image plane: a first pass
    /// on `face`; when its eye line is tilted by more than
    /// [`UPRIGHT_ROLL_DEG`] (the network was not trained for that) the face
    /// is resampled upright, the points placed there and rotated back, twice,
    /// each time with box and angle from the previous points. An upright
    /// face keeps its first-pass points.
    pub fn landmarks_upright(&self, image: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        let points = self.landmarks(image, face)?;
        if eye_roll(&points).abs().to_degrees() <= UPRIGHT_ROLL_DEG {
            return Ok(points);
        }
        self.refine(image, &points)
    }

    /// As [`Self::landmarks_upright`], and a rolled face is then detected
    /// again on its upright copy (with `detector`, SeetaFace), and its points
    /// placed on that box and rotated back: the same box convention as an
    /// upright face's, so a face and its tilted copy get the same points.
    /// Falls back to the rotated points when the upright copy shows no face.
    pub fn landmarks_upright_with(
        &self,
        detector: &crate::FaceDetector,
        image: &Image<u8>,
        face: &FaceBox,
    ) -> Result<Landmarks> {
        let first = self.landmarks(image, face)?;
        if eye_roll(&first).abs().to_degrees() <= UPRIGHT_ROLL_DEG {
            return Ok(first);
        }
        let points = self.refine(image, &first)?;
        let roll = eye_roll(&points);
        let (centre, side) = upright_box(&points, roll);
        const HALF: f32 = 112.0;
        let k = HALF / side.max(1.0);
        let (a, b) = (k * roll.cos(), -k * roll.sin());
        let (cx, cy) = centre;
        let to_crop = Similarity { a, b, tx: HALF - (a * cx - b * cy), ty: HALF - (b * cx + a * cy) };
        let crop = warp_to_crop(image, &to_crop, 2 * HALF as usize)?;
        let opts = crate::DetectOptions { detector: crate::Detector::Seeta, min_size: 40, ..Default::default() };
        let found = detector.detect(&crop, &opts)?.faces;
        let near = found.iter().min_by(|p, q| {
            let d = |f: &FaceBox| (f.x + f.w / 2.0 - HALF).hypot(f.y + f.h / 2.0 - HALF);
            d(p).total_cmp(&d(q))
        });
        match near {
            Some(f) if (f.x + f.w / 2.0 - HALF).hypot(f.y + f.h / 2.0 - HALF) < 0.3 * HALF => {
                let back = to_crop.inverse()?;
                Ok(self.landmarks(&crop, f)?.map(|p| back.apply(p)))
            }
            _ => Ok(points),
        }
    }

    /// Landmarks that do not depend on which detector drew the box: the
    /// first pass's points, then [`Self::refine`] on the box they imply
    /// ([`upright_box`]), so a SeetaFace box, a tiny-detector box or a
    /// tracked face give the same points (the tracker's key frames).
    pub fn landmarks_reboxed(&self, image: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        let points = self.landmarks(image, face)?;
        self.refine(image, &points)
    }

    /// The refinement of [`landmarks_upright`](Self::landmarks_upright)
    /// starting from earlier points (e.g. the previous video frame's).
    pub fn refine(&self, image: &Image<u8>, points: &Landmarks) -> Result<Landmarks> {
        let roll = eye_roll(points);
        if !roll.is_finite() {
            return Err(Error::BadLandmarks("a landmark is not a finite number".into()));
        }
        if roll.abs().to_degrees() <= UPRIGHT_ROLL_DEG {
            let ((cx, cy), side) = upright_box(points, 0.0);
            let b = FaceBox { x: cx - side / 2.0, y: cy - side / 2.0, w: side, h: side, score: 1.0 };
            return self.landmarks(image, &b);
        }
        let mut points = *points;
        for _ in 0..2 {
            let roll = eye_roll(&points);
            let (centre, side) = upright_box(&points, roll);
            points = self.landmarks_rotated(image, centre, side, roll)?;
        }
        Ok(points)
    }

    /// Landmarks of the face in the square box (`centre`, `side`) turned by
    /// `roll` radians: the box is resampled upright at 112 px and the points
    /// placed there mapped back.
    pub fn landmarks_rotated(&self, image: &Image<u8>, centre: (f32, f32), side: f32, roll: f32) -> Result<Landmarks> {
        const HALF: f32 = 112.0;
        let (cx, cy) = centre;
        let k = HALF / side.max(1.0);
        let (a, b) = (k * roll.cos(), -k * roll.sin());
        let to_crop = Similarity { a, b, tx: HALF - (a * cx - b * cy), ty: HALF - (b * cx + a * cy) };
        let crop = warp_to_crop(image, &to_crop, 2 * HALF as usize)?;
        let upright = FaceBox { x: HALF / 2.0, y: HALF / 2.0, w: HALF, h: HALF, score: 1.0 };
        let back = to_crop.inverse()?;
        Ok(self.landmarks(&crop, &upright)?.map(|p| back.apply(p)))
    }

    /// Runs the network on a prepared `112 × 112 × 3` input (channels last,
    /// already normalised); returns the 136 raw outputs (x, y interleaved,
    /// fractions of the input square).
    pub fn forward_raw(&self, input: &[f32]) -> Result<[f32; 136]> {
        self.forward(&FaceApiNet::input_tensor(input)?)
    }

    /// The normalised network input face-api would build for `face`
    /// (`112 × 112 × 3`, channels last); useful to compare with a reference.
    pub fn network_input(&self, image: &Image<u8>, face: &FaceBox) -> Result<Vec<f32>> {
        Ok(FaceApiNet::prepare(image, face)?.1.data)
    }

    fn forward(&self, input: &Tensor) -> Result<[f32; 136]> {
        let out = self.net.forward(input)?;
        out.try_into().map_err(|_| Error::CorruptWeights("the landmark head does not have 136 outputs".into()))
    }
}
