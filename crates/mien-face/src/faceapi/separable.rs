//! Depthwise-separable convolution: a 3×3 depthwise filter per channel
//! (stride 1 or 2, `same`), then a 1×1 pointwise matrix product, then bias,
//! as `tf.separableConv2d` followed by `tf.add(bias)` in face-api.
//!
//! Both stages run row by row in parallel; the depthwise result for one
//! output row is kept in a small buffer and immediately multiplied by the
//! pointwise matrix, so the intermediate map is never stored whole.

use rayon::prelude::*;

use super::tensor::{same_padding, Tensor};

/// Weights of one separable convolution.
#[derive(Clone, Debug)]
pub(crate) struct SeparableConv {
    pub c_in: usize,
    pub c_out: usize,
    /// `[ky][kx][c]`, flattened (TensorFlow's `[3, 3, C, 1]`).
    pub depthwise: Vec<f32>,
    /// `[ci][co]`, flattened (TensorFlow's `[1, 1, Cin, Cout]`).
    pub pointwise: Vec<f32>,
    pub bias: Vec<f32>,
}

impl SeparableConv {
    /// Depthwise, pointwise, bias (no activation).
    pub fn forward(&self, x: &Tensor, stride: usize) -> Tensor {
        let (oh, pad_y) = same_padding(x.h, stride);
        let (ow, pad_x) = same_padding(x.w, stride);
        let (ci, co) = (self.c_in, self.c_out);
        let mut out = Tensor::zeros(oh, ow, co);
        out.data.par_chunks_mut(ow * co).enumerate().for_each(|(oy, out_row)| {
            let mut mid = vec![0.0f32; ow * ci];
            for ky in 0..3 {
                let iy = (oy * stride + ky).wrapping_sub(pad_y);
                if iy >= x.h {
                    continue;
                }
                let in_row = &x.data[iy * x.w * ci..(iy + 1) * x.w * ci];
                for kx in 0..3 {
                    let taps = &self.depthwise[(ky * 3 + kx) * ci..(ky * 3 + kx + 1) * ci];
                    for (ox, m) in mid.chunks_exact_mut(ci).enumerate() {
                        let ix = (ox * stride + kx).wrapping_sub(pad_x);
                        if ix >= x.w {
                            continue;
                        }
                        let px = &in_row[ix * ci..(ix + 1) * ci];
                        for ((m, &v), &t) in m.iter_mut().zip(px).zip(taps) {
                            *m += v * t;
                        }
                    }
                }
            }
            for (m, o) in mid.chunks_exact(ci).zip(out_row.chunks_exact_mut(co)) {
                o.copy_from_slice(&self.bias);
                for (&v, w) in m.iter().zip(self.pointwise.chunks_exact(co)) {
                    for (o, &wv) in o.iter_mut().zip(w) {
                        *o += v * wv;
                    }
                }
            }
        });
        out
    }
}
