//! The differentiable warp: bilinear `grid_sample` with border padding.
//!
//! A flow (N, 2, H, W) is a displacement in grid units (`align_corners`
//! convention: −1 is the centre of the first pixel, +1 the centre of the
//! last), so output pixel p samples the input at `p + flow(p)`. Zero flow is
//! the identity up to f32 rounding of the grid.

use burn::prelude::*;
use burn::tensor::ops::{GridSampleOptions, GridSamplePaddingMode, InterpolateMode};

/// The identity sampling grid (1, H, W, 2): x in channel 0, y in channel 1.
pub fn identity_grid(h: usize, w: usize, device: &Device) -> Tensor<4> {
    let coord = |i: usize, n: usize| if n > 1 { -1.0 + 2.0 * i as f32 / (n - 1) as f32 } else { 0.0 };
    let mut g = Vec::with_capacity(h * w * 2);
    for y in 0..h {
        for x in 0..w {
            g.push(coord(x, w));
            g.push(coord(y, h));
        }
    }
    Tensor::from_data(TensorData::new(g, [1, h, w, 2]), device)
}

/// Samples `image` (N, C, H, W) at `grid + flow` with bilinear interpolation.
pub fn warp(image: Tensor<4>, flow: Tensor<4>, grid: &Tensor<4>) -> Tensor<4> {
    let [n, _, h, w] = flow.dims();
    let sample = flow.permute([0, 2, 3, 1]) + grid.clone().expand([n, h, w, 2]);
    let options = GridSampleOptions {
        mode: InterpolateMode::Bilinear,
        padding_mode: GridSamplePaddingMode::Border,
        align_corners: true,
    };
    image.grid_sample_2d(sample, options)
}

/// Pixels per grid unit along an axis of `n` pixels.
pub fn pixels_per_unit(n: usize) -> f32 {
    (n.max(2) - 1) as f32 / 2.0
}
