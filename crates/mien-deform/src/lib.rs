//! Deformation-based expression editing, the fast CPU form (model kind `deform`).
//!
//! Texture-only models (MR, PIX) have to *paint* motion: a mouth corner that
//! moves upward is faded out in one place and faded in at another, which
//! blurs. This crate separates the two: a **motion step** warps the aligned
//! face with a dense flow field that is linear in a vector of Action Unit
//! intensities ([`au`]), and a **texture step** adds, with a local r×r
//! regression that is also linear in the AUs, what warping cannot create
//! (teeth, wrinkles, shading). Both are learned from neutral → expression
//! pairs without any ground-truth flow; see [`model`] for the equations.
//!
//! Dependencies point one way: this crate uses `mien-core` (images, datasets,
//! masked regression, the model-file conventions) and knows nothing of the CLI.
#![warn(missing_docs)]

pub mod au;
pub mod au_model;
mod au_table;
pub mod data;
pub mod error;
pub mod flow;
pub mod guide;
pub mod local;
pub mod model;
pub mod warp;

pub use au::{parse_au_list, AuVector, AUS, PROTOTYPES};
pub use au_model::{AuEdit, AuModel};
pub use error::{Error, Result};
pub use guide::PointPair;
pub use local::{Features, LocalChange, FEATURES};
pub use model::{AuGroup, Conditioned, Deform, DeformFile, DeformParams, Edited, MotionSource};
