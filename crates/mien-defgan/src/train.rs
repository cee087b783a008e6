//! End-to-end training: WGAN-GP with an AU-regressing critic, cycle
//! consistency, flow and mask regularisers, and an optional paired L1 term.
//!
//! # The gradient penalty without double backward
//!
//! WGAN-GP penalises `(‖∇ₓD(x̂)‖ − 1)²` at points x̂ between real and fake
//! images, and its gradient w.r.t. the critic's weights needs a second-order
//! derivative, which burn's autodiff does not provide (first order only).
//! Since `‖g‖ = u·g` with `u = g/‖g‖`, and `d‖g‖ = u·dg` (u is a unit vector,
//! so its own change contributes nothing to first order), the norm equals the
//! directional derivative of D along u, and so does its gradient w.r.t. the
//! weights. We compute g with one backward pass, fix u, and evaluate the
//! directional derivative by a central difference,
//! `(D(x̂ + hu) − D(x̂ − hu)) / 2h`, which is an ordinary first-order graph.
//! The critic is piecewise linear (convolutions and leaky ReLUs), so the
//! difference is exact unless a kink lies within h of x̂.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use mien_core::image::write_atomic;
use mien_core::synthetic::Rng;
use serde::{Deserialize, Serialize};

use crate::data::{Batch, TrainSet};
use crate::error::{Error, Result};
use crate::model::{Generator, Stages};
use crate::net::{Critic, NetConfig};
use crate::warp::pixels_per_unit;

/// Loss weights (the command line's `--w-*` flags).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossWeights {
    /// WGAN-GP gradient penalty (WGAN-GP, GANimation: 10).
    pub gp: f64,
    /// AU regression, on the mean squared error over the 17 AUs, for the
    /// critic on real images and the generator on its edits. GANimation's
    /// 4000 is applied to PyTorch's mean squared error divided by its batch
    /// size of 25, i.e. 160 on the mean.
    pub au: f64,
    /// Cycle consistency, L1 (GANimation: 10).
    pub cycle: f64,
    /// Total variation of the flow, L1 over neighbouring pixels, in pixels.
    pub flow_tv: f64,
    /// Mean squared flow length in pixels².
    pub flow_magnitude: f64,
    /// Mean of the attention mask (GANimation: 0.1); keeps the mask from
    /// saturating at 1 (no edit).
    pub mask_mean: f64,
    /// Total variation of the mask, mean absolute neighbour difference.
    /// GANimation's 1e-5 is on the sum over a 25×128² batch, about 8 on the mean.
    pub mask_tv: f64,
    /// L1 to the real target photo of the pair (0: self-supervised).
    pub paired_l1: f64,
    /// Emphasis of the paired L1 on what the expression changes (ours): each
    /// pixel's term is weighted by `1 + k·|target − source| / 2`, so pixels
    /// that the pair's two photos agree on weigh 1 and those that change the
    /// most weigh up to `1 + k`. 0 (the default) is the plain L1.
    #[serde(default)]
    pub paired_change: f64,
}

impl Default for LossWeights {
    fn default() -> Self {
        Self {
            gp: 10.0,
            au: 160.0,
            cycle: 10.0,
            flow_tv: 0.01,
            flow_magnitude: 0.001,
            mask_mean: 0.1,
            mask_tv: 1.0,
            paired_l1: 0.0,
            paired_change: 0.0,
        }
    }
}

/// Everything a run needs besides the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The networks.
    pub net: NetConfig,
    /// Loss weights.
    pub weights: LossWeights,
    /// Generator steps.
    pub steps: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// Adam learning rate (both networks).
    pub lr: f64,
    /// Adam β₁.
    pub beta1: f64,
    /// Adam β₂.
    pub beta2: f64,
    /// Critic steps per generator step.
    pub critic_steps: usize,
    /// Finite-difference step of the gradient penalty, in [-1, 1] intensity units.
    pub gp_step: f64,
    /// Seed of the weights and of the batches.
    pub seed: u64,
    /// Random flips, shifts and intensity changes of the training pairs
    /// ([`crate::data::Augment`]); off by default.
    #[serde(default)]
    pub augment: bool,
}

impl TrainConfig {
    /// The defaults for a crop of `size` with `channels` channels.
    pub fn new(size: usize, channels: usize) -> Self {
        Self {
            net: NetConfig::new(size, channels),
            weights: LossWeights::default(),
            steps: 2000,
            batch_size: 8,
            lr: 1e-4,
            beta1: 0.5,
            beta2: 0.999,
            critic_steps: 5,
            gp_step: 1e-3,
            seed: 1,
            augment: false,
        }
    }

    /// Checks the settings; the message says what to change.
    pub fn check(&self) -> Result<()> {
        self.net.check()?;
        if self.batch_size == 0 || self.batch_size > 1024 {
            return Err(Error::setting("batch size", "batch_size", self.batch_size, "in 1..1024"));
        }
        if self.critic_steps > 100 {
            return Err(Error::setting("critic steps", "critic_steps", self.critic_steps, "in 0..100"));
        }
        if self.critic_steps == 0 && self.weights.paired_l1 == 0.0 {
            return Err(Error::WarmUpWithoutPairedL1);
        }
        if self.weights.paired_change > 0.0 && self.weights.paired_l1 == 0.0 {
            return Err(Error::ChangeWithoutPairedL1 { paired_change: self.weights.paired_change });
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return Err(Error::setting("learning rate", "lr", self.lr, "a finite number > 0"));
        }
        for (setting, field, b) in [("Adam β₁", "beta1", self.beta1), ("Adam β₂", "beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::setting(setting, field, b, "in [0, 1)"));
            }
        }
        if !(self.gp_step > 0.0 && self.gp_step.is_finite()) {
            return Err(Error::setting("gradient-penalty step", "gp_step", self.gp_step, "a finite number > 0"));
        }
        let w = &self.weights;
        for (setting, field, v) in [
            ("loss weight gp", "weights.gp", w.gp),
            ("loss weight au", "weights.au", w.au),
            ("loss weight cycle", "weights.cycle", w.cycle),
            ("loss weight flow-tv", "weights.flow_tv", w.flow_tv),
            ("loss weight flow-magnitude", "weights.flow_magnitude", w.flow_magnitude),
            ("loss weight mask-mean", "weights.mask_mean", w.mask_mean),
            ("loss weight mask-tv", "weights.mask_tv", w.mask_tv),
            ("loss weight paired-l1", "weights.paired_l1", w.paired_l1),
            ("loss weight paired-change", "weights.paired_change", w.paired_change),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::setting(setting, field, v, "a finite number ≥ 0"));
            }
        }
        Ok(())
    }
}

/// Loss values of one generator step (and the last critic step before it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepLosses {
    /// Generator step number, from 1.
    pub step: usize,
    /// Critic: E[D(fake)] − E[D(real)] (the negative Wasserstein estimate).
    pub critic_wasserstein: f32,
    /// Critic gradient penalty (before its weight).
    pub gradient_penalty: f32,
    /// Critic AU loss on real images.
    pub critic_au: f32,
    /// Generator adversarial loss −E[D(y)].
    pub adversarial: f32,
    /// Generator AU loss on its edits.
    pub au: f32,
    /// Cycle L1 ‖G(G(x, a_y), a_x) − x‖₁ (mean).
    pub cycle: f32,
    /// Paired L1 to the target photo (mean; computed in both settings, weighted only when on).
    pub paired: f32,
    /// Mean attention mask of the edits.
    pub mask_mean: f32,
    /// Mean flow length of the edits, pixels.
    pub flow_pixels: f32,
    /// The generator's total weighted loss.
    pub total: f32,
}

impl StepLosses {
    /// The reconstruction part: cycle plus (when weighted) paired L1, weighted.
    pub fn reconstruction(&self, w: &LossWeights) -> f32 {
        (w.cycle * self.cycle as f64 + w.paired_l1 * self.paired as f64) as f32
    }
}

/// A training run: networks, optimisers and where it is.
pub struct Trainer {
    /// Settings.
    pub config: TrainConfig,
    /// The generator pair (on an autodiff device).
    pub generator: Generator,
    /// The critic.
    pub critic: Critic,
    opt_g: ModuleOptimizer,
    opt_d: ModuleOptimizer,
    /// Generator steps done.
    pub step: usize,
    /// Training wall-clock seconds so far, over every resumed run (the caller adds to it).
    pub seconds: f64,
    device: Device,
}

fn adam(c: &TrainConfig) -> ModuleOptimizer {
    AdamConfig::new().with_beta_1(c.beta1 as f32).with_beta_2(c.beta2 as f32).with_epsilon(1e-8).init()
}

fn scalar(t: Tensor<1>) -> f32 {
    t.into_data().iter::<f32>().next().unwrap_or(f32::NAN)
}

fn mean_abs(t: Tensor<4>) -> Tensor<1> {
    t.abs().mean()
}

/// Mean absolute difference between horizontal and vertical neighbours.
fn total_variation(t: Tensor<4>) -> Tensor<1> {
    let [_, _, h, w] = t.dims();
    let dx = t.clone().slice(s![.., .., .., 1..w]) - t.clone().slice(s![.., .., .., 0..w - 1]);
    let dy = t.clone().slice(s![.., .., 1..h, ..]) - t.slice(s![.., .., 0..h - 1, ..]);
    dx.abs().mean() + dy.abs().mean()
}

/// The weighted flow (TV, squared magnitude in pixels) and mask (mean, TV)
/// terms of one generator pass.
fn regularisers(st: &Stages, px: f32, w: &LossWeights) -> Tensor<1> {
    let f = st.flow.clone().mul_scalar(px);
    total_variation(f.clone()).mul_scalar(w.flow_tv)
        + f.powi_scalar(2).mean().mul_scalar(w.flow_magnitude)
        + st.mask.clone().mean().mul_scalar(w.mask_mean)
        + total_variation(st.mask.clone()).mul_scalar(w.mask_tv)
}

fn mse(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    (a - b).powi_scalar(2).mean()
}

/// Builds a module right after seeding `device`'s random generator, under a
/// process-wide lock: burn's generator is shared, so two threads creating
/// networks at once would otherwise interleave their draws. burn initialises
/// parameters lazily, on first use, so every parameter is touched here, inside
/// the lock: otherwise the draws would happen later, from whatever state the
/// shared generator is in by then.
pub fn seeded<M: Module>(device: &Device, seed: u64, init: impl FnOnce() -> M) -> M {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    device.seed(seed);
    let module = init();
    module.visit(&mut Materialise);
    module
}

/// Touches every parameter, which initialises a lazy one.
struct Materialise;

impl burn::module::ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// What a checkpoint's `state.json` holds.
#[derive(Serialize, Deserialize)]
struct CheckpointState {
    step: usize,
    #[serde(default)]
    seconds: f64,
    config: TrainConfig,
}

impl Trainer {
    /// Fresh networks on `device` (autodiff is switched on here), seeded by the config.
    pub fn new(config: TrainConfig, device: &Device) -> Result<Self> {
        config.check()?;
        let device = device.clone().autodiff();
        let (generator, critic) =
            seeded(&device, config.seed, || (Generator::new(&config.net, &device), Critic::new(&config.net, &device)));
        Ok(Self {
            opt_g: adam(&config),
            opt_d: adam(&config),
            config,
            generator,
            critic,
            step: 0,
            seconds: 0.0,
            device,
        })
    }

    /// The batch RNG of a step: a pure function of seed and step, so a resumed
    /// run draws the same batches as an uninterrupted one.
    fn rng(&self, step: usize, k: usize) -> Rng {
        Rng::new(self.config.seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((k as u64) << 48))
    }

    fn batch(&self, data: &TrainSet, step: usize, k: usize) -> Batch {
        let paired = self.config.weights.paired_l1 > 0.0;
        data.batch(&mut self.rng(step, k), self.config.batch_size, paired, self.config.augment, &self.device)
    }

    /// One critic update; returns (Wasserstein term, penalty, AU loss).
    fn critic_step(&mut self, b: Batch, rng: &mut Rng) -> (f32, f32, f32) {
        let c = &self.config;
        let n = b.x.dims()[0];
        let fake = self.generator.forward(b.x.clone(), b.au_y).output.detach();
        let (real_score, real_au) = self.critic.forward(b.x.clone());
        let (fake_score, _) = self.critic.forward(fake.clone());
        let wasserstein = fake_score.mean() - real_score.mean();
        let au = mse(real_au, b.au_x);

        // Interpolates, their input gradients (first backward), then the
        // directional difference along the normalised gradient.
        let alpha: Vec<f32> = (0..n).map(|_| rng.uniform() as f32).collect();
        let alpha = Tensor::<1>::from_data(TensorData::new(alpha, [n]), &self.device).reshape([n, 1, 1, 1]);
        let dims = b.x.dims();
        let alpha = alpha.expand(dims);
        let xhat = (alpha.clone() * b.x.detach() + (alpha.neg().add_scalar(1.0)) * fake).detach();
        let probe = xhat.clone().require_grad();
        let grads = self.critic.forward(probe.clone()).0.sum().backward();
        let g = probe.grad(&grads).expect("the probe requires its gradient");
        let norm = g.clone().powi_scalar(2).reshape([n as i64, -1]).sum_dim(1).sqrt().clamp_min(1e-12);
        let u = (g / norm.reshape([n, 1, 1, 1]).expand(dims)).autodiff();
        let h = c.gp_step;
        let (plus, _) = self.critic.forward(xhat.clone() + u.clone().mul_scalar(h));
        let (minus, _) = self.critic.forward(xhat - u.mul_scalar(h));
        let slope = (plus - minus).div_scalar(2.0 * h);
        let penalty = slope.sub_scalar(1.0).powi_scalar(2).mean();

        let loss = wasserstein.clone() + au.clone().mul_scalar(c.weights.au) + penalty.clone().mul_scalar(c.weights.gp);
        let grads = GradientsParams::from_grads(loss.backward(), &self.critic);
        self.critic = self.opt_d.step(c.lr, self.critic.clone(), grads);
        (scalar(wasserstein), scalar(penalty), scalar(au))
    }

    /// The generator's loss terms on a batch, as tensors (the edit, its
    /// stages, and the weighted total).
    fn generator_losses(&self, b: &Batch) -> (Stages, Tensor<1>, StepLosses) {
        let c = &self.config;
        let w = &c.weights;
        let px = pixels_per_unit(c.net.size);
        let edit = self.generator.forward(b.x.clone(), b.au_y.clone());
        let error = (edit.output.clone() - b.target.clone()).abs();
        let paired = error.clone().mean();
        let mut total = regularisers(&edit, px, w);
        if w.paired_l1 > 0.0 {
            let term = if w.paired_change > 0.0 {
                // A weighted median: the change-weighted L1 leans towards the
                // takes that show the expression, where the plain L1 settles
                // on the median take (often a faint one).
                let emphasis = (b.target.clone() - b.x.clone()).abs().mul_scalar(w.paired_change / 2.0).add_scalar(1.0);
                (error * emphasis).mean()
            } else {
                paired.clone()
            };
            total = total + term.mul_scalar(w.paired_l1);
        }
        let (mut adversarial, mut au) = (0.0, 0.0);
        // Without critic steps (the supervised warm-up) there is no critic
        // to score the edit: the adversarial and AU terms are left out.
        if c.critic_steps > 0 {
            let (score, au_pred) = self.critic.forward(edit.output.clone());
            let adv = score.mean().neg();
            let au_loss = mse(au_pred, b.au_y.clone());
            adversarial = scalar(adv.clone());
            au = scalar(au_loss.clone());
            total = total + adv + au_loss.mul_scalar(w.au);
        }
        // The cycle pass (edit back to the source AUs) only when it is weighted.
        let mut cycle = 0.0;
        if w.cycle > 0.0 {
            let back = self.generator.forward(edit.output.clone(), b.au_x.clone());
            let cyc = mean_abs(back.output.clone() - b.x.clone());
            cycle = scalar(cyc.clone());
            total = total + cyc.mul_scalar(w.cycle) + regularisers(&back, px, w);
        }
        let ef = edit.flow.clone().mul_scalar(px);
        let flow_len = ef.powi_scalar(2).sum_dim(1).sqrt().mean();
        let losses = StepLosses {
            step: self.step + 1,
            adversarial,
            au,
            cycle,
            paired: scalar(paired),
            mask_mean: scalar(edit.mask.clone().mean()),
            flow_pixels: scalar(flow_len),
            total: scalar(total.clone()),
            ..Default::default()
        };
        (edit, total, losses)
    }

    /// One generator step after `critic_steps` critic steps.
    pub fn step(&mut self, data: &TrainSet) -> StepLosses {
        let s = self.step;
        let mut rng = self.rng(s, 1000);
        let mut critic = (0.0, 0.0, 0.0);
        for k in 0..self.config.critic_steps {
            let b = self.batch(data, s, k);
            critic = self.critic_step(b, &mut rng);
        }
        let b = self.batch(data, s, 999);
        let (_, total, mut losses) = self.generator_losses(&b);
        let grads = GradientsParams::from_grads(total.backward(), &self.generator);
        self.generator = self.opt_g.step(self.config.lr, self.generator.clone(), grads);
        self.step += 1;
        losses.critic_wasserstein = critic.0;
        losses.gradient_penalty = critic.1;
        losses.critic_au = critic.2;
        losses
    }

    /// Losses of the current generator on a batch, without a step (for tests and reports).
    pub fn evaluate(&self, data: &TrainSet, seed: u64) -> StepLosses {
        let paired = self.config.weights.paired_l1 > 0.0;
        let b = data.batch(&mut Rng::new(seed), self.config.batch_size, paired, false, &self.device);
        self.generator_losses(&b).2
    }

    /// The device the run trains on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Writes `dir/` (created if needed): state, both networks and both
    /// optimisers; each file is written atomically, the state last.
    pub fn save_checkpoint(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| mien_core::Error::io(dir, e))?;
        let rec = |e: burn::store::RecordError| Error::Checkpoint { path: dir.to_path_buf(), reason: e.to_string() };
        let g = self.generator.clone().into_record().into_bytes().map_err(rec)?;
        let d = self.critic.clone().into_record().into_bytes().map_err(rec)?;
        write_atomic(&dir.join("generator.bpk"), &g)?;
        write_atomic(&dir.join("critic.bpk"), &d)?;
        write_atomic(&dir.join("opt_generator.bin"), &self.opt_g.into_bytes().map_err(rec)?)?;
        write_atomic(&dir.join("opt_critic.bin"), &self.opt_d.into_bytes().map_err(rec)?)?;
        let state = CheckpointState { step: self.step, seconds: self.seconds, config: self.config.clone() };
        let json = serde_json::to_vec_pretty(&state).expect("checkpoint state serialises");
        Ok(write_atomic(&dir.join("state.json"), &json)?)
    }

    /// Resumes from a checkpoint written by [`Trainer::save_checkpoint`]. The
    /// network shapes must match; `steps` (the run's end) may differ.
    pub fn resume(dir: &Path, config: TrainConfig, device: &Device) -> Result<Self> {
        let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| mien_core::Error::io(dir.join(name), e));
        let state: CheckpointState = serde_json::from_slice(&read("state.json")?)
            .map_err(|e| Error::Checkpoint { path: dir.join("state.json"), reason: e.to_string() })?;
        if state.config.net != config.net {
            return Err(Error::CheckpointShapes { dir: dir.to_path_buf(), found: format!("{:?}", state.config.net) });
        }
        let mut t = Self::new(config, device)?;
        let rec = |e: burn::store::RecordError| Error::Checkpoint { path: dir.to_path_buf(), reason: e.to_string() };
        let g = ModuleRecord::from_bytes(Bytes::from_bytes_vec(read("generator.bpk")?)).map_err(rec)?;
        let d = ModuleRecord::from_bytes(Bytes::from_bytes_vec(read("critic.bpk")?)).map_err(rec)?;
        t.generator = t.generator.try_load_record(g).map_err(rec)?;
        t.critic = t.critic.try_load_record(d).map_err(rec)?;
        t.opt_g = adam(&t.config).from_bytes(Bytes::from_bytes_vec(read("opt_generator.bin")?)).map_err(rec)?;
        t.opt_d = adam(&t.config).from_bytes(Bytes::from_bytes_vec(read("opt_critic.bin")?)).map_err(rec)?;
        t.step = state.step;
        t.seconds = state.seconds;
        Ok(t)
    }
}

/// Whether `dir` holds a checkpoint.
pub fn has_checkpoint(dir: &Path) -> bool {
    dir.join("state.json").is_file()
}

/// The default checkpoint folder of a model path: `MODEL.ckpt/`.
pub fn checkpoint_dir(model: &Path) -> PathBuf {
    let mut s = model.as_os_str().to_owned();
    s.push(".ckpt");
    PathBuf::from(s)
}
