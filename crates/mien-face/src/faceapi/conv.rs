//! The network's one full convolution: 3×3, stride 2, `same`, RGB → 32.
//!
//! Each output pixel gathers its 27-value patch (row, column, channel, the
//! order of TensorFlow's HWIO filter layout) and multiplies it into the
//! 27 × 32 filter matrix, a tiny im2col done one row at a time.

use rayon::prelude::*;

use super::tensor::{same_padding, Tensor};

/// 3×3 convolution weights in HWIO order plus bias.
#[derive(Clone, Debug)]
pub(crate) struct Conv3x3 {
    pub c_in: usize,
    pub c_out: usize,
    /// `[ky][kx][ci][co]`, flattened.
    pub filters: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Conv3x3 {
    /// Convolution plus bias (no activation).
    pub fn forward(&self, x: &Tensor, stride: usize) -> Tensor {
        let (oh, pad_y) = same_padding(x.h, stride);
        let (ow, pad_x) = same_padding(x.w, stride);
        let (ci, co) = (self.c_in, self.c_out);
        let mut out = Tensor::zeros(oh, ow, co);
        out.data.par_chunks_mut(ow * co).enumerate().for_each(|(oy, row)| {
            let mut patch = vec![0.0f32; 9 * ci];
            for (ox, px) in row.chunks_exact_mut(co).enumerate() {
                for ky in 0..3 {
                    for kx in 0..3 {
                        let dst = &mut patch[(ky * 3 + kx) * ci..(ky * 3 + kx + 1) * ci];
                        let (iy, ix) = ((oy * stride + ky).wrapping_sub(pad_y), (ox * stride + kx).wrapping_sub(pad_x));
                        if iy < x.h && ix < x.w {
                            let at = (iy * x.w + ix) * ci;
                            dst.copy_from_slice(&x.data[at..at + ci]);
                        } else {
                            dst.fill(0.0);
                        }
                    }
                }
                px.copy_from_slice(&self.bias);
                for (&v, w) in patch.iter().zip(self.filters.chunks_exact(co)) {
                    for (o, &wv) in px.iter_mut().zip(w) {
                        *o += v * wv;
                    }
                }
            }
        });
        out
    }
}
