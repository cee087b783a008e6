//! 68-point facial landmarks: a pure-Rust port of face-api.js's
//! `FaceLandmark68Net` (MIT, Vladimir Mandic's `@vladmandic/face-api` 1.7.15).
//!
//! The network is four dense blocks of 3×3 convolutions (32, 64, 128, 256
//! channels, each halving the 112 px input), a global average pool and one
//! fully connected layer predicting the iBUG-300W points as fractions of the
//! input square. Its weights (357 KB, 8-bit quantised; `weights/LICENSE-face-api`)
//! are compiled into the binary. One layer kind per file: [`conv`](self) for the
//! full first convolution, `separable` for depthwise-separable ones,
//! `dense_block`, `fully_connected`, plus `preprocess` for the crop and
//! `groups` for named point ranges.

mod conv;
mod dense_block;
mod fully_connected;
pub mod groups;
mod preprocess;
mod separable;
mod tensor;
mod weights;

use mien_core::image::Image;

use crate::detect::FaceBox;
use crate::error::{Error, Result};
use dense_block::DenseBlock;
use fully_connected::{global_average, FullyConnected};
use preprocess::{crop_geometry, network_input, to_image_coords, INPUT_SIZE};
use tensor::Tensor;

pub use groups::{eye_centres, FaceParts};

static MANIFEST: &str = include_str!("../../weights/face_landmark_68_model-weights_manifest.json");
static WEIGHTS: &[u8] = include_bytes!("../../weights/face_landmark_68_model.bin");

/// 68 landmark points `(x, y)` in image pixels, in iBUG-300W order.
pub type Landmarks = [(f32, f32); 68];

/// The landmark network with its weights loaded; immutable and `Sync`, so one
/// instance can serve many threads.
#[derive(Clone, Debug)]
pub struct Landmarker {
    blocks: [DenseBlock; 4],
    fc: FullyConnected,
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
        let mut map = weights::WeightMap::parse(manifest, bin)?;
        let blocks = [
            map.dense_block("dense0", 3, 32, true)?,
            map.dense_block("dense1", 32, 64, false)?,
            map.dense_block("dense2", 64, 128, false)?,
            map.dense_block("dense3", 128, 256, false)?,
        ];
        let fc = map.fully_connected(256, 136)?;
        Ok(Self { blocks, fc })
    }

    /// The 68 landmarks of the face in `face`, in `image`'s pixel coordinates.
    ///
    /// `image` is grey or RGB; the box is cropped, padded to a square and
    /// resized to 112×112 as face-api does, so pass the detector's box as it is.
    pub fn landmarks(&self, image: &Image<u8>, face: &FaceBox) -> Result<Landmarks> {
        if !matches!(image.channels(), 1 | 3) {
            return Err(Error::BadImage(format!("{} channels; expected 1 (grey) or 3 (RGB)", image.channels())));
        }
        if image.width() == 0 || image.height() == 0 {
            return Err(Error::BadImage("the image has no pixels".into()));
        }
        let geometry = crop_geometry(image, face)?;
        let input = network_input(image, &geometry);
        let out = self.forward(&input)?;
        Ok(to_image_coords(&out, &geometry))
    }

    /// Runs the network on a prepared `112 × 112 × 3` input (channels last,
    /// already normalised); returns the 136 raw outputs (x, y interleaved,
    /// fractions of the input square).
    pub fn forward_raw(&self, input: &[f32]) -> Result<[f32; 136]> {
        if input.len() != INPUT_SIZE * INPUT_SIZE * 3 {
            return Err(Error::BadImage(format!(
                "network input has {} values, expected {INPUT_SIZE}×{INPUT_SIZE}×3",
                input.len()
            )));
        }
        self.forward(&Tensor { h: INPUT_SIZE, w: INPUT_SIZE, c: 3, data: input.to_vec() })
    }

    /// The normalised network input face-api would build for `face`
    /// (`112 × 112 × 3`, channels last); useful to compare with a reference.
    pub fn network_input(&self, image: &Image<u8>, face: &FaceBox) -> Result<Vec<f32>> {
        Ok(network_input(image, &crop_geometry(image, face)?).data)
    }

    fn forward(&self, input: &Tensor) -> Result<[f32; 136]> {
        let mut x = self.blocks[0].forward(input);
        for block in &self.blocks[1..] {
            x = block.forward(&x);
        }
        let out = self.fc.forward(&global_average(&x));
        let mut arr = [0.0f32; 136];
        if out.len() != arr.len() || out.iter().any(|v| !v.is_finite()) {
            return Err(Error::CorruptWeights("the network produced non-finite landmarks".into()));
        }
        arr.copy_from_slice(&out);
        Ok(arr)
    }
}
