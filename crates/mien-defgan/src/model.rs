//! The editor: motion step, then texture step.

use burn::prelude::*;

use crate::net::{MotionNet, NetConfig, TextureNet};
use crate::warp::{identity_grid, warp};

/// The generator pair G = (G_m, G_t).
#[derive(Module, Debug)]
pub struct Generator {
    /// G_m.
    pub motion: MotionNet,
    /// G_t.
    pub texture: TextureNet,
}

/// Every stage of one edit; images in [-1, 1], (N, C, H, W).
#[derive(Clone, Debug)]
pub struct Stages {
    /// Flow in grid units (N, 2, H, W).
    pub flow: Tensor<4>,
    /// x_w: the input warped by the flow (motion only).
    pub warped: Tensor<4>,
    /// C: the texture network's colour image.
    pub colour: Tensor<4>,
    /// M: the attention mask (N, 1, H, W); 1 keeps the warped input.
    pub mask: Tensor<4>,
    /// y = M·x_w + (1 − M)·C.
    pub output: Tensor<4>,
}

impl Generator {
    /// Freshly initialised networks.
    pub fn new(cfg: &NetConfig, device: &Device) -> Self {
        Self { motion: MotionNet::new(cfg, device), texture: TextureNet::new(cfg, device) }
    }

    /// Edits `x` (N, C, H, W) in [-1, 1] towards the AU targets `au` (N, 17).
    pub fn forward(&self, x: Tensor<4>, au: Tensor<2>) -> Stages {
        let [_, _, h, w] = x.dims();
        let grid = identity_grid(h, w, &x.device());
        let flow = self.motion.forward(x.clone(), au.clone());
        let warped = warp(x, flow.clone(), &grid);
        let (colour, mask) = self.texture.forward(warped.clone(), au);
        let output = compose(warped.clone(), colour.clone(), mask.clone());
        Stages { flow, warped, colour, mask, output }
    }
}

/// y = M·x_w + (1 − M)·C.
pub fn compose(warped: Tensor<4>, colour: Tensor<4>, mask: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = warped.dims();
    let m = mask.expand([n, c, h, w]);
    m.clone() * warped + m.neg().add_scalar(1.0) * colour
}
