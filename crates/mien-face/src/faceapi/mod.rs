//! The parts face-api.js's landmark and expression networks share, ported
//! to Rust: the `FaceFeatureExtractor` body (four dense blocks of 3×3
//! convolutions, 32 → 256 channels on a 112 px input, then a global average
//! pool), a fully connected head, face-api's crop/pad/resize preprocessing
//! and its quantised weight files.
//!
//! Both networks are this body with a different head (136 landmark
//! coordinates or 7 expression logits), trained separately, so each loads
//! its own copy of the body weights. One layer kind per file: `conv` for the
//! full first convolution, `separable` for depthwise-separable ones,
//! `dense_block`, `fully_connected`; `network` puts them together.

pub(crate) mod conv;
mod dense_block;
mod fully_connected;
mod network;
pub(crate) mod preprocess;
pub(crate) mod separable;
pub(crate) mod tensor;
pub(crate) mod weights;

pub(crate) use network::FaceApiNet;
