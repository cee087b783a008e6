//! mien's core: planar images, paired datasets, normalisation, the local
//! regression models (masked regression, pixel-based linear and kernel), the
//! model file format, evaluation measures and the apply pipeline.
//!
//! Models follow one shape: a params struct with defaults and setters,
//! `check()`, `fit(&PairedDataset)` (the [`models::Fit`] trait), and an immutable
//! fitted model that implements [`models::Predict`]. Nothing here parses command lines or prints.
#![warn(missing_docs)]

pub mod dataset;
pub mod error;
pub mod image;
pub mod input;
pub mod labels;
pub mod metrics;
pub mod model_file;
pub mod models;
pub mod normalize;
pub mod npz;
pub mod pipeline;
pub mod synthetic;
pub(crate) mod tensors;

pub use error::{Error, Result};
