//! The three networks, after GANimation's published design (Pumarola et al.,
//! ECCV 2018), scaled down by [`NetConfig`]:
//!
//! - the generator body: conv 7×7 → two stride-2 convs 4×4 → residual blocks
//!   (conv 3×3, instance norm, ReLU, conv 3×3, instance norm, + input) →
//!   two stride-2 transposed convs 4×4; instance norm and ReLU after every
//!   conv of the trunk. Its input is the image concatenated with the target
//!   AU vector broadcast to constant maps; with [`Conditioning::Film`] (the
//!   default, ours) the AU vector also shifts the normalised features of
//!   every stage, because an instance norm right after the first conv
//!   cancels most of what constant maps add.
//! - [`MotionNet`]: the body and a conv 7×7 head giving a 2-channel flow,
//!   `max_flow · tanh(·)`, in `grid_sample` grid units.
//! - [`TextureNet`]: the body and two conv 7×7 heads: a colour image
//!   `tanh(·)` and an attention mask `sigmoid(·)`.
//! - [`Critic`]: a PatchGAN stack of conv 4×4 stride 2 with leaky ReLU (slope
//!   0.01, no normalisation, as WGAN-GP asks), a conv 3×3 realism head (one
//!   score per patch) and a conv head spanning the last map for the AU vector.

use burn::module::Initializer;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{InstanceNorm, InstanceNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, relu, sigmoid, tanh};
use serde::{Deserialize, Serialize};

use mien_deform::au::AU_COUNT;

use crate::error::{Error, Result};

/// Network shapes. Everything a model file needs to rebuild the networks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Crop side in pixels (a multiple of 4, at least 16).
    pub size: usize,
    /// Image channels: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Generator base width (GANimation: 64).
    pub gen_width: usize,
    /// Residual blocks in each generator (GANimation: 6).
    pub res_blocks: usize,
    /// Critic base width (GANimation: 64).
    pub critic_width: usize,
    /// Largest displacement the motion network can output, in grid units
    /// (the image spans 2, so 0.25 is an eighth of the side).
    pub max_flow: f64,
    /// Where the AU vector enters the generators. Model files written before
    /// this field existed used [`Conditioning::Input`].
    #[serde(default = "Conditioning::input")]
    pub conditioning: Conditioning,
}

/// Where the target AU vector enters the generator bodies.
///
/// GANimation concatenates the AU vector, broadcast to constant maps, with
/// the input image, and nothing else. Its first convolution is followed by
/// an instance norm, which subtracts every channel's spatial mean: a constant
/// map adds the same value to every pixel of a channel away from the
/// zero-padded border, so the norm cancels it there but for the border's share
/// of the mean, and the condition reaches the middle of the face (the mouth,
/// the brows) attenuated, as a uniform offset, and through the border pixels
/// and the receptive field of the layers after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Conditioning {
    /// GANimation's: AU maps concatenated with the input only.
    Input,
    /// Ours: the input concatenation, and after the instance norm of the stem,
    /// of the first conv of every residual block and of every upsampling, a
    /// per-channel shift `W·a` (a FiLM-style bias, Perez et al. 2018) that
    /// the norm cannot remove. `W` starts at zero, so a fresh network is
    /// GANimation's.
    Film,
}

impl Conditioning {
    fn input() -> Self {
        Self::Input
    }
}

impl NetConfig {
    /// The defaults for a crop of `size` pixels with `channels` channels.
    pub fn new(size: usize, channels: usize) -> Self {
        Self {
            size,
            channels,
            gen_width: 16,
            res_blocks: 3,
            critic_width: 16,
            max_flow: 0.25,
            conditioning: Conditioning::Film,
        }
    }

    /// Critic depth: stride-2 layers down to a 2×2 map (GANimation: 6 at 128).
    pub fn critic_layers(&self) -> usize {
        (self.size / 2).max(2).ilog2() as usize
    }

    /// Multiply–accumulates of one generator pass (G_m and G_t together) on
    /// one image, counting convolutions only (norms, activations and the warp
    /// are O(pixels·channels)). FLOPs ≈ 2 × this.
    pub fn generator_macs(&self) -> u64 {
        let (s, w, cin) = (self.size as u64, self.gen_width as u64, (self.channels + AU_COUNT) as u64);
        let conv = |pixels: u64, ci: u64, co: u64, k: u64| pixels * ci * co * k * k;
        let body = conv(s * s, cin, w, 7)
            + conv(s * s / 4, w, 2 * w, 4)
            + conv(s * s / 16, 2 * w, 4 * w, 4)
            + self.res_blocks as u64 * 2 * conv(s * s / 16, 4 * w, 4 * w, 3)
            // Transposed convs: every input pixel scatters a k×k patch.
            + conv(s * s / 16, 4 * w, 2 * w, 4)
            + conv(s * s / 4, 2 * w, w, 4)
            + (AU_COUNT * self.film_channels().iter().sum::<usize>()) as u64;
        let motion_head = conv(s * s, w, 2, 7);
        let texture_heads = conv(s * s, w, self.channels as u64 + 1, 7);
        2 * body + motion_head + texture_heads
    }

    /// Channels of the stages a body's AU shifts feed, in forward order (the
    /// stem, each residual block, both upsamplings); empty for
    /// [`Conditioning::Input`]. Each shift is a 17 × channels matrix.
    fn film_channels(&self) -> Vec<usize> {
        let w = self.gen_width;
        match self.conditioning {
            Conditioning::Input => Vec::new(),
            Conditioning::Film => {
                std::iter::once(w).chain(std::iter::repeat_n(4 * w, self.res_blocks)).chain([2 * w, w]).collect()
            }
        }
    }

    /// Checks the shapes; the message says what to change.
    pub fn check(&self) -> Result<()> {
        if !(16..=1024).contains(&self.size) || !self.size.is_power_of_two() {
            return Err(Error::setting("size", "net.size", self.size, "a power of two in 16..1024"));
        }
        if self.channels != 1 && self.channels != 3 {
            return Err(Error::setting("channels", "net.channels", self.channels, "1 (grey) or 3 (RGB)"));
        }
        if !(1..=256).contains(&self.gen_width) {
            return Err(Error::setting("generator width", "net.gen_width", self.gen_width, "in 1..256"));
        }
        if !(1..=256).contains(&self.critic_width) {
            return Err(Error::setting("critic width", "net.critic_width", self.critic_width, "in 1..256"));
        }
        if self.res_blocks > 16 {
            return Err(Error::setting("residual blocks", "net.res_blocks", self.res_blocks, "at most 16"));
        }
        if !(self.max_flow > 0.0 && self.max_flow <= 2.0) {
            return Err(Error::setting("max flow", "net.max_flow", self.max_flow, "in (0, 2] grid units"));
        }
        Ok(())
    }
}

fn conv(cin: usize, cout: usize, k: usize, stride: usize, pad: usize, bias: bool, device: &Device) -> Conv2d {
    Conv2dConfig::new([cin, cout], [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(bias)
        .init(device)
}

fn norm(c: usize, device: &Device) -> InstanceNorm {
    InstanceNormConfig::new(c).with_affine(true).init(device)
}

/// Conv, instance norm, ReLU.
#[derive(Module, Debug)]
struct ConvNormRelu {
    conv: Conv2d,
    norm: InstanceNorm,
}

impl ConvNormRelu {
    fn forward(&self, x: Tensor<4>, shift: Option<Tensor<4>>) -> Tensor<4> {
        relu(shifted(self.norm.forward(self.conv.forward(x)), shift))
    }
}

/// `x + shift` with the (N, C, 1, 1) shift broadcast over the pixels.
fn shifted(x: Tensor<4>, shift: Option<Tensor<4>>) -> Tensor<4> {
    match shift {
        Some(s) => {
            let dims = x.dims();
            x + s.expand(dims)
        }
        None => x,
    }
}

/// Transposed conv (×2), instance norm, ReLU.
#[derive(Module, Debug)]
struct UpNormRelu {
    conv: ConvTranspose2d,
    norm: InstanceNorm,
}

impl UpNormRelu {
    fn new(cin: usize, cout: usize, device: &Device) -> Self {
        let conv = ConvTranspose2dConfig::new([cin, cout], [4, 4])
            .with_stride([2, 2])
            .with_padding([1, 1])
            .with_bias(false)
            .init(device);
        Self { conv, norm: norm(cout, device) }
    }

    fn forward(&self, x: Tensor<4>, shift: Option<Tensor<4>>) -> Tensor<4> {
        relu(shifted(self.norm.forward(self.conv.forward(x)), shift))
    }
}

#[derive(Module, Debug)]
struct ResBlock {
    conv1: Conv2d,
    norm1: InstanceNorm,
    conv2: Conv2d,
    norm2: InstanceNorm,
}

impl ResBlock {
    fn new(c: usize, device: &Device) -> Self {
        Self {
            conv1: conv(c, c, 3, 1, 1, false, device),
            norm1: norm(c, device),
            conv2: conv(c, c, 3, 1, 1, false, device),
            norm2: norm(c, device),
        }
    }

    fn forward(&self, x: Tensor<4>, shift: Option<Tensor<4>>) -> Tensor<4> {
        let y = relu(shifted(self.norm1.forward(self.conv1.forward(x.clone())), shift));
        x + self.norm2.forward(self.conv2.forward(y))
    }
}

/// The shared encoder–residual–decoder trunk.
#[derive(Module, Debug)]
pub struct Body {
    stem: ConvNormRelu,
    down: Vec<ConvNormRelu>,
    res: Vec<ResBlock>,
    up: Vec<UpNormRelu>,
    /// AU shifts ([`Conditioning::Film`]): stem, residual blocks, upsamplings
    /// in that order; empty for [`Conditioning::Input`].
    film: Vec<Linear>,
}

impl Body {
    fn new(cin: usize, cfg: &NetConfig, device: &Device) -> Self {
        let w = cfg.gen_width;
        let stem = ConvNormRelu { conv: conv(cin, w, 7, 1, 3, false, device), norm: norm(w, device) };
        let down = (0..2)
            .map(|i| {
                let (a, b) = (w << i, w << (i + 1));
                ConvNormRelu { conv: conv(a, b, 4, 2, 1, false, device), norm: norm(b, device) }
            })
            .collect();
        let res = (0..cfg.res_blocks).map(|_| ResBlock::new(w * 4, device)).collect();
        let up = (0..2).map(|i| UpNormRelu::new(w << (2 - i), w << (1 - i), device)).collect();
        let film = cfg
            .film_channels()
            .into_iter()
            .map(|c| LinearConfig::new(AU_COUNT, c).with_bias(false).with_initializer(Initializer::Zeros).init(device))
            .collect();
        Self { stem, down, res, up, film }
    }

    /// `x` (N, C, H, W) with the AU vector `a` (N, 17) broadcast to maps.
    fn forward(&self, x: Tensor<4>, au: Tensor<2>) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        let maps = au.clone().reshape([n, AU_COUNT, 1, 1]).expand([n, AU_COUNT, h, w]);
        let mut shifts = self.film.iter().map(|l| {
            let s = l.forward(au.clone());
            let c = s.dims()[1];
            s.reshape([n, c, 1, 1])
        });
        let mut y = self.stem.forward(Tensor::cat(vec![x, maps], 1), shifts.next());
        for d in &self.down {
            y = d.forward(y, None);
        }
        for r in &self.res {
            y = r.forward(y, shifts.next());
        }
        for u in &self.up {
            y = u.forward(y, shifts.next());
        }
        y
    }
}

/// G_m(x, a): the flow that warps `x` towards the AU target `a`.
#[derive(Module, Debug)]
pub struct MotionNet {
    body: Body,
    head: Conv2d,
    #[module(skip)]
    max_flow: f64,
}

impl MotionNet {
    /// A freshly initialised network.
    pub fn new(cfg: &NetConfig, device: &Device) -> Self {
        Self {
            body: Body::new(cfg.channels + AU_COUNT, cfg, device),
            // Zero-initialised head: training starts from the identity warp
            // instead of a random flow of several pixels.
            head: Conv2dConfig::new([cfg.gen_width, 2], [7, 7])
                .with_padding(PaddingConfig2d::Explicit(3, 3, 3, 3))
                .with_initializer(Initializer::Zeros)
                .init(device),
            max_flow: cfg.max_flow,
        }
    }

    /// Flow (N, 2, H, W) in grid units: channel 0 horizontal, 1 vertical.
    pub fn forward(&self, x: Tensor<4>, au: Tensor<2>) -> Tensor<4> {
        tanh(self.head.forward(self.body.forward(x, au))).mul_scalar(self.max_flow)
    }
}

/// G_t(x_w, a): a colour image and an attention mask.
#[derive(Module, Debug)]
pub struct TextureNet {
    body: Body,
    colour: Conv2d,
    mask: Conv2d,
}

impl TextureNet {
    /// A freshly initialised network.
    pub fn new(cfg: &NetConfig, device: &Device) -> Self {
        Self {
            body: Body::new(cfg.channels + AU_COUNT, cfg, device),
            colour: conv(cfg.gen_width, cfg.channels, 7, 1, 3, true, device),
            mask: conv(cfg.gen_width, 1, 7, 1, 3, true, device),
        }
    }

    /// (colour C in [-1, 1] (N, C, H, W), mask M in [0, 1] (N, 1, H, W)).
    pub fn forward(&self, xw: Tensor<4>, au: Tensor<2>) -> (Tensor<4>, Tensor<4>) {
        let f = self.body.forward(xw, au);
        (tanh(self.colour.forward(f.clone())), sigmoid(self.mask.forward(f)))
    }
}

/// D(y): per-patch realism scores and the predicted AU vector.
#[derive(Module, Debug)]
pub struct Critic {
    layers: Vec<Conv2d>,
    realism: Conv2d,
    au: Conv2d,
}

impl Critic {
    /// A freshly initialised critic.
    pub fn new(cfg: &NetConfig, device: &Device) -> Self {
        let n = cfg.critic_layers();
        let mut layers = Vec::with_capacity(n);
        let mut cin = cfg.channels;
        for i in 0..n {
            let cout = (cfg.critic_width << i).min(cfg.critic_width * 32);
            layers.push(conv(cin, cout, 4, 2, 1, true, device));
            cin = cout;
        }
        let last = cfg.size >> n;
        Self {
            layers,
            realism: conv(cin, 1, 3, 1, 1, false, device),
            au: conv(cin, AU_COUNT, last, 1, 0, false, device),
        }
    }

    /// (per-image realism score (N), predicted AU vector (N, 17)); the score
    /// is the mean of the patch scores.
    pub fn forward(&self, y: Tensor<4>) -> (Tensor<1>, Tensor<2>) {
        let mut h = y;
        for l in &self.layers {
            h = leaky_relu(l.forward(h), 0.01);
        }
        let n = h.dims()[0];
        let score = self.realism.forward(h.clone()).reshape([n as i64, -1]).mean_dim(1).reshape([n]);
        let au = self.au.forward(h).reshape([n, AU_COUNT]);
        (score, au)
    }
}
