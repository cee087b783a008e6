//! Neural deformation-based expression editing (model kind `defgan`).
//!
//! The end-to-end network of Athar, Shu and Samaras, "Self-supervised
//! Deformation Modeling for Facial Expression Editing" (FG 2020), built on
//! the published design of its baseline GANimation (Pumarola et al., ECCV
//! 2018): a motion network G_m(x, a) outputs a dense flow that warps the face
//! towards the Action Unit target a; a texture network G_t(x_w, a) adds what
//! warping cannot through a colour image and an attention mask; a critic
//! with a realism head and an AU-regression head trains both, self-supervised
//! (WGAN-GP, AU loss, cycle consistency). See `docs/defgan.md`.

pub mod data;
pub mod error;
pub mod file;
pub mod model;
pub mod net;
pub mod train;
pub mod warp;

pub use burn;

/// The burn device for a name: `cpu` (burn's pure-Rust Flex backend) or
/// `cuda` (GPU 0; only in builds with the `cuda` feature).
pub fn device(name: &str) -> Result<burn::prelude::Device> {
    match name {
        "cpu" => Ok(burn::prelude::Device::flex()),
        #[cfg(feature = "cuda")]
        "cuda" => Ok(burn::prelude::Device::cuda(0)),
        #[cfg(not(feature = "cuda"))]
        "cuda" => Err(Error::NoCuda),
        other => Err(Error::UnknownDevice(other.to_string())),
    }
}

pub use error::{Error, Result};
pub use file::{DefganFile, Edited, KIND};
pub use model::{Generator, Stages};
pub use net::{Critic, NetConfig};

#[cfg(test)]
mod tests;
