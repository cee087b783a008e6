//! The model registry: every model kind the toolkit knows, by name, with its
//! hyperparameters ([`TrainOptions`] → [`ModelSpec`]), fitting, reading and
//! writing ([`Model`]) and the built-in models ([`builtin`]).
//!
//! Adding a model kind = its folder in `mien-core` (params, fit, predict,
//! file) plus one line in [`ModelKind::ALL`] and one arm in each `match`
//! below, which the compiler lists for you (`docs/architecture.md`).

pub mod builtin;
mod kind;
mod model;
mod spec;
pub mod train;

pub use builtin::ModelCache;
pub use kind::ModelKind;
pub use model::Model;
pub use spec::{ModelSpec, TrainOptions};
