//! # mien
//!
//! Facial expression synthesis: give it a face photo and a target expression
//! and it returns the same face with that expression. This crate is the one a
//! Rust program adds as a dependency; the `mien` command line, the web server
//! and the language bindings are thin front ends over it.
//!
//! ```
//! use mien::{Editor, FaceChoice, FaceFinder, Timings};
//!
//! let photo = mien::core::image::load(
//!     std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/astronaut.png")),
//!     Default::default(),
//! )?;
//! let finder = FaceFinder::new()?; // detector + 68-point landmarks
//! let editor = Editor::builtin("masked", "happy")?.intensity(0.8)?;
//! let edited = editor.edit(&finder, &photo, &mut Timings::default())?;
//! assert_eq!((edited.image.width(), edited.image.height()), (photo.width(), photo.height()));
//! # Ok::<(), mien::Error>(())
//! ```
//!
//! What it owns:
//! - [`registry`]: every model kind (its name, hyperparameters, fit, read,
//!   write, predict) and the built-in models by name;
//! - [`Editor`]: the photo editor (find faces → align → edit → paste back),
//!   with per-call intensity, timings and the aligned crops for debugging;
//! - [`protocol`]: the evaluation protocol of `mien eval --models` (holdout
//!   and leave-one-subject-out folds, training-size sweeps, metrics), which
//!   returns a typed [`protocol::Report`] that front ends render.
//!
//! The building blocks are re-exported: [`core`] (images, datasets, the local
//! regression models, the model file format), [`face`] (detection, landmarks,
//! alignment), [`deform`] (the deformation model) and, with the `defgan`
//! feature, `defgan` (the neural one). `docs/architecture.md` draws how the
//! crates depend on each other.

#![warn(missing_docs)]

pub mod aligned;
pub mod compose;
pub mod editor;
pub mod error;
pub mod faces;
mod fullres;
pub mod measure;
pub mod memory;
pub mod protocol;
pub mod registry;
pub mod samples;
pub mod sequence;

pub use editor::{Colour, Edited, Editor, Motion, Source, Timings, MAX_INTENSITY};
pub use error::{Error, Result};
pub use faces::{FaceChoice, FaceFinder, Found};
pub use registry::{Model, ModelKind, ModelSpec, TrainOptions};
pub use sequence::{TrackedFace, Tracker, TrackerOptions};

pub use mien_core as core;
#[cfg(feature = "defgan")]
pub use mien_defgan as defgan;
pub use mien_deform as deform;
pub use mien_face as face;
