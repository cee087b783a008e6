//! face-api's four-layer dense block.
//!
//! Every later layer sees the ReLU of the sum of all earlier outputs
//! (`out1`, `out1 + out2`, `out1 + out2 + out3`), and the block returns the
//! ReLU of the sum of all four. Only the first output is ReLU'd on its own;
//! the others are summed raw, which is what `denseBlock4` in face-api does.

use super::conv::Conv3x3;
use super::separable::SeparableConv;
use super::tensor::Tensor;

/// The first layer of a block: a full convolution (first block) or separable.
#[derive(Clone, Debug)]
pub(crate) enum FirstLayer {
    Full(Conv3x3),
    Separable(SeparableConv),
}

/// Four convolutions with dense (summed) connections; the first has stride 2.
#[derive(Clone, Debug)]
pub(crate) struct DenseBlock {
    pub conv0: FirstLayer,
    pub rest: [SeparableConv; 3],
}

impl DenseBlock {
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let mut sum = match &self.conv0 {
            FirstLayer::Full(c) => c.forward(x, 2),
            FirstLayer::Separable(c) => c.forward(x, 2),
        };
        relu(&mut sum.data);
        for (i, conv) in self.rest.iter().enumerate() {
            // The first input is out1, already ReLU'd; later ones are ReLU(sum).
            let input = if i == 0 {
                sum.clone()
            } else {
                let mut t = sum.clone();
                relu(&mut t.data);
                t
            };
            let out = conv.forward(&input, 1);
            for (s, o) in sum.data.iter_mut().zip(&out.data) {
                *s += o;
            }
        }
        relu(&mut sum.data);
        sum
    }
}

fn relu(v: &mut [f32]) {
    for x in v {
        *x = x.max(0.0);
    }
}
