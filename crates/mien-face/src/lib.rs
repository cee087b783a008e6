//! Faces for mien: detection (SeetaFace cascade, written here), 68-point
//! landmarks and 7-class expression recognition (pure-Rust ports of
//! face-api.js's landmark and expression networks), with the network weights
//! compiled in so nothing is read from disk at run time.
//!
//! [`detect_faces`] finds boxes, [`Landmarker::landmarks`] places the 68
//! iBUG-300W points inside a box, and [`landmarks::groups`] names the parts
//! (eyes, nose, mouth); [`align`] warps a face onto a canonical [`Template`]
//! and pastes an edited crop back into the photo;
//! [`ExpressionNet::classify`] says which expression a face shows.
#![warn(missing_docs)]

pub mod align;
mod cascade;
pub mod corpora;
pub mod detect;
pub mod error;
pub mod expression;
mod faceapi;
pub mod landmarks;
pub mod strength;
pub mod tiny;

pub use align::{align_face, landmarks_to_crop, paste_back, warp_to_crop, Aligned, Similarity, Template};
pub use detect::{detect_faces, detect_faces_report, DetectOptions, Detections, Detector, FaceBox, FaceDetector};
pub use error::{Error, Result};
pub use expression::{expression_class, ExpressionNet, ExpressionProbabilities, EXPRESSION_CLASSES};
pub use landmarks::{eye_centres, FaceParts, Landmarker, Landmarks};
