//! The head: a 7×7 average pool (the whole 7×7 map, so a global mean per
//! channel) and a fully connected layer to the network's outputs (136
//! landmark coordinates or 7 expression logits).

use super::tensor::Tensor;

/// A dense layer, weights `[in][out]` as in TensorFlow's `matMul(x, W)`.
#[derive(Clone, Debug)]
pub(crate) struct FullyConnected {
    pub n_out: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl FullyConnected {
    pub fn forward(&self, features: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (&v, w) in features.iter().zip(self.weights.chunks_exact(self.n_out)) {
            for (o, &wv) in out.iter_mut().zip(w) {
                *o += v * wv;
            }
        }
        out
    }
}

/// `avgPool([7, 7], [2, 2], 'valid')` on a 7×7 map: the mean over all pixels.
pub(crate) fn global_average(x: &Tensor) -> Vec<f32> {
    let mut acc = vec![0.0f32; x.c];
    for px in x.data.chunks_exact(x.c) {
        for (a, &v) in acc.iter_mut().zip(px) {
            *a += v;
        }
    }
    let n = (x.h * x.w).max(1) as f32;
    acc.iter_mut().for_each(|a| *a /= n);
    acc
}
