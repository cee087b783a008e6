//! Seven-class facial expression recognition: a pure-Rust port of face-api.js's
//! `FaceExpressionNet` (MIT, Vladimir Mandic's `@vladmandic/face-api` 1.7.15).
//!
//! The network is the same body as the landmark network (four dense blocks
//! on a 112 px crop, a global average pool to 256 features; `crate::faceapi`)
//! with its own trained weights and a fully connected layer to seven logits,
//! turned into probabilities by a softmax. Its weights (329 KB, 8-bit
//! quantised; `weights/LICENSE-face-api`) are compiled into the binary.
//!
//! mien uses it to check that a synthesised face reads as the intended
//! expression, so [`expression_class`] maps mien's expression names onto
//! face-api's classes.

use mien_core::image::Image;

use crate::detect::FaceBox;
use crate::error::{Error, Result};
use crate::faceapi::tensor::Tensor;
use crate::faceapi::FaceApiNet;

static MANIFEST: &str = include_str!("../weights/face_expression_model-weights_manifest.json");
static WEIGHTS: &[u8] = include_bytes!("../weights/face_expression_model.bin");

/// face-api's class names, in the order of [`ExpressionNet::classify`]'s output.
pub const EXPRESSION_CLASSES: [&str; 7] = ["neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised"];

/// The class index for one of mien's expression names (`neutral`, `happy`,
/// `surprise`, `sad`, `angry`, `disgust`, `fear`, as in
/// `mien_core::labels::EXPRESSIONS`); face-api's own names are accepted too.
/// `None` for anything else.
pub fn expression_class(expression: &str) -> Option<usize> {
    let face_api_name = match expression {
        "surprise" => "surprised",
        "disgust" => "disgusted",
        "fear" => "fearful",
        other => other,
    };
    EXPRESSION_CLASSES.iter().position(|&c| c == face_api_name)
}

/// Probabilities of the seven classes, in [`EXPRESSION_CLASSES`] order.
pub type ExpressionProbabilities = [f32; 7];

/// The expression network with its weights loaded; immutable and `Sync`, so
/// one instance can serve many threads.
#[derive(Clone, Debug)]
pub struct ExpressionNet {
    net: FaceApiNet,
}

impl ExpressionNet {
    /// The network with the built-in face-api weights.
    ///
    /// The built-in weights are checked by this crate's tests, so this only
    /// fails if the crate itself was built from damaged files.
    pub fn new() -> Result<Self> {
        Self::from_face_api(MANIFEST, WEIGHTS)
    }

    /// The network with weights from a face-api `face_expression_model`
    /// manifest (JSON text) and binary.
    pub fn from_face_api(manifest: &str, bin: &[u8]) -> Result<Self> {
        Ok(Self { net: FaceApiNet::from_face_api(manifest, bin, EXPRESSION_CLASSES.len())? })
    }

    /// Class probabilities for the face in `face`.
    ///
    /// `image` is grey or RGB. The box is floored, clipped to the image,
    /// cropped, padded to a square and resized to 112×112 exactly as
    /// face-api's `detectAllFaces(tensor).withFaceExpressions()` does, so pass
    /// the detector's box as it is.
    pub fn classify(&self, image: &Image<u8>, face: &FaceBox) -> Result<ExpressionProbabilities> {
        let (_, input) = FaceApiNet::prepare(image, face)?;
        self.forward(&input)
    }

    /// Class probabilities for an image that is all face (an aligned crop):
    /// [`classify`](Self::classify) with the whole image as the box.
    pub fn classify_crop(&self, crop: &Image<u8>) -> Result<ExpressionProbabilities> {
        let whole = FaceBox { x: 0.0, y: 0.0, w: crop.width() as f32, h: crop.height() as f32, score: 1.0 };
        self.classify(crop, &whole)
    }

    /// Runs the network on a prepared `112 × 112 × 3` input (channels last,
    /// normalised as [`Landmarker::network_input`](crate::Landmarker::network_input)
    /// builds it); returns the probabilities.
    pub fn forward_raw(&self, input: &[f32]) -> Result<ExpressionProbabilities> {
        self.forward(&FaceApiNet::input_tensor(input)?)
    }

    fn forward(&self, input: &Tensor) -> Result<ExpressionProbabilities> {
        let logits: [f32; 7] = self
            .net
            .forward(input)?
            .try_into()
            .map_err(|_| Error::CorruptWeights("the expression head does not have 7 outputs".into()))?;
        Ok(softmax(logits))
    }
}

/// The index and probability of the most likely class (the first on ties).
pub fn top_class(probabilities: &ExpressionProbabilities) -> (usize, f32) {
    probabilities
        .iter()
        .copied()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, p)| if p > best.1 { (i, p) } else { best })
}

/// Softmax with the maximum subtracted first, so large logits cannot overflow.
fn softmax(logits: [f32; 7]) -> [f32; 7] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp = logits.map(|l| (l - max).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mien_expression_has_a_class() {
        for name in ["neutral", "happy", "surprise", "sad", "angry", "disgust", "fear"] {
            let i = expression_class(name).unwrap_or_else(|| panic!("{name} has no class"));
            assert!(i < 7);
        }
        assert_eq!(expression_class("surprise"), Some(6));
        assert_eq!(expression_class("disgusted"), Some(5));
        assert_eq!(expression_class("contempt"), None);
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax([1000.0, 0.0, -5.0, 2.0, 2.0, 999.0, -1e30]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[0] > p[5] && p[5] > p[3] && p.iter().all(|v| v.is_finite()));
        assert_eq!(top_class(&p).0, 0);
    }
}
