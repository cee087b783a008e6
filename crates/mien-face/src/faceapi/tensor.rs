//! The activation tensor: one image, height × width × channels, channels last.
//!
//! Channels-last keeps a pixel's channels contiguous, so depthwise taps and
//! the pointwise (1×1) matrix product both run over plain slices that the
//! compiler vectorises.

/// An `h × w × c` activation map (NHWC with batch 1).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tensor {
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn zeros(h: usize, w: usize, c: usize) -> Self {
        Self { h, w, c, data: vec![0.0; h * w * c] }
    }
}

/// TensorFlow's `same` padding for a 3-wide kernel: output size and the
/// padding before the first input sample. With stride 2 on an even size the
/// one pad pixel goes after the last sample, not before.
pub(crate) fn same_padding(n: usize, stride: usize) -> (usize, usize) {
    let out = n.div_ceil(stride);
    let total = ((out - 1) * stride + 3).saturating_sub(n);
    (out, total / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_padding(112, 2), (56, 0));
        assert_eq!(same_padding(7, 2), (4, 1));
        assert_eq!(same_padding(56, 1), (56, 1));
    }
}
