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

use crate::detect::FaceBox;
use crate::error::{Error, Result};
use crate::faceapi::preprocess::to_image_coords;
use crate::faceapi::tensor::Tensor;
use crate::faceapi::FaceApiNet;

pub use groups::{eye_centres, FaceParts};

static MANIFEST: &str = include_str!("../../weights/face_landmark_68_model-weights_manifest.json");
static WEIGHTS: &[u8] = include_bytes!("../../weights/face_landmark_68_model.bin");

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
