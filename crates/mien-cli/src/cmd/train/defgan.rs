//! `mien train --model defgan`: the neural deformation model (crate
//! `mien-defgan`, built with `--features defgan`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// What `train --model defgan` trains on and writes.
#[cfg_attr(not(feature = "defgan"), allow(dead_code))]
pub struct Target<'a> {
    /// The aligned folder of every expression.
    pub data: &'a std::path::Path,
    /// Image side (default 64).
    pub size: Option<usize>,
    /// The model file to write.
    pub output: &'a std::path::Path,
    /// The defgan flags.
    pub gan: &'a GanArgs,
}

/// What a build without the feature says.
#[cfg(not(feature = "defgan"))]
const NOT_BUILT: &str = "this mien was built without defgan: build it with \
     `cargo build --release -p mien-cli --features defgan` (docs/defgan.md)";

#[cfg(not(feature = "defgan"))]
pub fn train(_a: Target<'_>) -> Result<ExitCode> {
    anyhow::bail!(NOT_BUILT)
}

#[cfg(feature = "defgan")]
pub fn train(a: Target<'_>) -> Result<ExitCode> {
    use std::time::Instant;

    use anyhow::Context;
    use mien::core::dataset::{LoadOptions, Split};
    use mien::core::model_file::TrainingInfo;
    use mien::core::normalize::Normalize;
    use mien::defgan::data::TrainSet;
    use mien::defgan::net::Conditioning;
    use mien::defgan::train::{checkpoint_dir, has_checkpoint, TrainConfig, Trainer};
    use mien::defgan::DefganFile;

    use crate::common::check_writable_file;

    anyhow::ensure!(
        a.data.is_dir(),
        "--data {}: not a folder (expected the output of `mien align --expression all`)",
        a.data.display()
    );
    check_writable_file(a.output, "-o")?;
    let g = a.gan;
    let device = mien::defgan::device(&g.device).map_err(|e| match e {
        mien::defgan::Error::NoCuda => anyhow::anyhow!(
            "--device cuda: this mien was built without CUDA: build it with `--features defgan-cuda` (docs/defgan.md)"
        ),
        e => anyhow::anyhow!("--device: {e}"),
    })?;
    anyhow::ensure!(g.checkpoint_every > 0, "--checkpoint-every must be at least 1");
    anyhow::ensure!(g.steps > 0 || g.resume, "--steps must be at least 1");
    let ckpt = g.checkpoint_dir.clone().unwrap_or_else(|| checkpoint_dir(a.output));
    if g.resume {
        anyhow::ensure!(
            has_checkpoint(&ckpt),
            "--resume: no checkpoint in {}; train without --resume first",
            ckpt.display()
        );
    } else {
        anyhow::ensure!(
            !has_checkpoint(&ckpt),
            "{} holds a checkpoint: pass --resume to continue it, or remove the folder to start afresh",
            ckpt.display()
        );
    }

    let t_load = Instant::now();
    let opts = LoadOptions { size: Some(a.size.unwrap_or(64)), normalize: Normalize::Unit, ..Default::default() };
    let groups = mien::deform::data::load_aligned(a.data, Split::Train, &opts)?;
    let refs: Vec<_> = groups.iter().map(|e| (e.au, &e.data)).collect();
    let set = TrainSet::from_groups(&refs).map_err(|e| anyhow::anyhow!("--data {}: {e}", a.data.display()))?;
    let load_s = t_load.elapsed().as_secs_f64();

    let mut config = TrainConfig::new(set.size, set.channels);
    config.net.gen_width = g.gen_width;
    config.net.res_blocks = g.res_blocks;
    config.net.critic_width = g.critic_width;
    config.net.max_flow = g.max_flow;
    config.net.conditioning = match g.conditioning {
        ConditioningArg::Film => Conditioning::Film,
        ConditioningArg::Input => Conditioning::Input,
    };
    config.steps = g.steps;
    config.batch_size = g.batch_size;
    config.critic_steps = g.critic_steps;
    config.lr = g.lr;
    config.seed = g.seed;
    config.augment = g.augment;
    let w = &mut config.weights;
    (w.gp, w.au, w.cycle, w.flow_tv, w.flow_magnitude) = (g.w_gp, g.w_au, g.w_cycle, g.w_flow_tv, g.w_flow_mag);
    (w.mask_mean, w.mask_tv, w.paired_l1) = (g.w_mask, g.w_mask_tv, g.w_paired);
    w.paired_change = g.w_paired_change;
    config.check().map_err(settings_hint)?;
    let alignment = mien::aligned::first_template(a.data, groups.iter().map(|e| e.name.as_str()))?;

    let mut trainer = if g.resume {
        Trainer::resume(&ckpt, config.clone(), &device).map_err(|e| anyhow::anyhow!("--resume: {e}"))?
    } else {
        Trainer::new(config.clone(), &device).map_err(settings_hint)?
    };
    eprintln!(
        "defgan: {} images ({} pairs) at {}×{}×{}, {} generator parameters, {} on {}{}",
        set.len(),
        set.pairs.len(),
        set.size,
        set.size,
        set.channels,
        mien::defgan::burn::module::Module::num_params(&trainer.generator),
        if config.weights.paired_l1 > 0.0 { "paired L1 on," } else { "self-supervised," },
        g.device,
        if g.resume { format!(", resuming at step {}", trainer.step) } else { String::new() }
    );
    let pb = crate::progress::bar(config.steps as u64, "training");
    pb.set_position(trainer.step.min(config.steps) as u64);
    let mut last = Instant::now();
    while trainer.step < config.steps {
        let l = trainer.step(&set);
        trainer.seconds += last.elapsed().as_secs_f64();
        last = Instant::now();
        anyhow::ensure!(
            l.total.is_finite(),
            "training diverged at step {} (non-finite loss); lower --lr or resume from the last checkpoint",
            l.step
        );
        let line = format!(
            "W {:+.3} gp {:.3} adv {:+.3} au {:.4} cycle {:.4} paired {:.4} mask {:.2} flow {:.2}px",
            l.critic_wasserstein,
            l.gradient_penalty,
            l.adversarial,
            l.au,
            l.cycle,
            l.paired,
            l.mask_mean,
            l.flow_pixels
        );
        pb.set_position(trainer.step as u64);
        pb.set_message(line.clone());
        if trainer.step % g.checkpoint_every == 0 || trainer.step == config.steps {
            trainer.save_checkpoint(&ckpt).map_err(|e| anyhow::anyhow!("checkpoint {}: {e}", ckpt.display()))?;
            pb.suspend(|| eprintln!("step {}/{}: {line} ({:.0} s)", trainer.step, config.steps, trainer.seconds));
        }
    }
    pb.finish_and_clear();
    let pairs: usize = groups.iter().map(|e| e.data.len()).sum();
    let source = a.data.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let info = TrainingInfo { pairs, source, seconds: trainer.seconds, expression: Some("all".into()), licence: None };
    let file = DefganFile::new(trainer.generator.clone(), config, info, alignment);
    file.save(a.output).with_context(|| format!("-o {}", a.output.display()))?;
    eprintln!(
        "trained defgan for {} steps in {:.1} s (+ {load_s:.2} s loading) → {} (checkpoints in {})",
        trainer.step,
        trainer.seconds,
        a.output.display(),
        ckpt.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConditioningArg {
    /// The input maps and a per-channel shift after the norms (ours).
    Film,
    /// The input maps only (GANimation's).
    Input,
}

/// `train --model defgan` settings (docs/defgan.md explains each default).
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "defgan (--model defgan)")]
pub struct GanArgs {
    /// Generator steps.
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// Where to train: cpu, or cuda (a build with `--features defgan-cuda`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Critic steps per generator step; 0 = supervised warm-up without a
    /// critic (needs --w-paired; resume it later with critic steps ≥ 1).
    #[arg(long, default_value_t = 5)]
    pub critic_steps: usize,
    /// Augment the training pairs: random mirror images, shifts of up to
    /// size/32 pixels and intensity changes, alike for both photos of a pair.
    #[arg(long)]
    pub augment: bool,
    /// Adam learning rate (β = 0.5, 0.999).
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// Write a checkpoint every N generator steps (and at the end).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub checkpoint_every: usize,
    /// Checkpoint folder [default: OUTPUT.ckpt].
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint folder's last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Seed of the initial weights and the batches.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Generator base width (GANimation: 64).
    #[arg(long, default_value_t = 16)]
    pub gen_width: usize,
    /// Residual blocks per generator (GANimation: 6).
    #[arg(long, default_value_t = 3)]
    pub res_blocks: usize,
    /// Critic base width (GANimation: 64).
    #[arg(long, default_value_t = 16)]
    pub critic_width: usize,
    /// Largest flow, in grid units (the image spans 2).
    #[arg(long, default_value_t = 0.25)]
    pub max_flow: f64,
    /// Where the AU vector enters the generators: `film` (the input and a
    /// per-channel shift after the norms) or `input` (GANimation's: the input only).
    #[arg(long, value_enum, default_value = "film")]
    pub conditioning: ConditioningArg,
    /// Gradient-penalty weight.
    #[arg(long, default_value_t = 10.0)]
    pub w_gp: f64,
    /// AU-regression weight (on the mean squared error).
    #[arg(long, default_value_t = 160.0)]
    pub w_au: f64,
    /// Cycle-consistency weight (L1).
    #[arg(long, default_value_t = 10.0)]
    pub w_cycle: f64,
    /// Flow total-variation weight (pixels).
    #[arg(long, default_value_t = 0.01)]
    pub w_flow_tv: f64,
    /// Flow magnitude weight (pixels²).
    #[arg(long, default_value_t = 0.001)]
    pub w_flow_mag: f64,
    /// Attention-mask mean weight.
    #[arg(long, default_value_t = 0.1)]
    pub w_mask: f64,
    /// Attention-mask total-variation weight.
    #[arg(long, default_value_t = 1.0)]
    pub w_mask_tv: f64,
    /// L1 to the real target photo of each pair; 0 is the self-supervised setting.
    #[arg(long, default_value_t = 0.0)]
    pub w_paired: f64,
    /// Weight the paired L1 per pixel by 1 + K·|target − source|/2, so that
    /// what the expression changes counts more; 0 is the plain L1.
    #[arg(long, default_value_t = 0.0, value_name = "K")]
    pub w_paired_change: f64,
}

/// A defgan settings error with the flag that sets the value.
#[cfg(feature = "defgan")]
fn settings_hint(e: mien::defgan::Error) -> anyhow::Error {
    use mien::defgan::Error;
    let flag = match &e {
        Error::WarmUpWithoutPairedL1 => "--critic-steps 0 needs --w-paired > 0",
        Error::ChangeWithoutPairedL1 { .. } => "--w-paired-change needs --w-paired > 0",
        Error::InvalidSetting { field, .. } => match *field {
            "batch_size" => "--batch-size",
            "steps" => "--steps",
            "lr" => "--lr",
            "net.max_flow" => "--max-flow",
            "net.gen_width" => "--gen-width",
            "net.critic_width" => "--critic-width",
            "net.res_blocks" => "--res-blocks",
            "weights.cycle" => "--w-cycle",
            "weights.gp" => "--w-gp",
            "weights.au" => "--w-au",
            "weights.paired_l1" => "--w-paired",
            "weights.paired_change" => "--w-paired-change",
            "weights.flow_tv" => "--w-flow-tv",
            "weights.flow_magnitude" => "--w-flow-mag",
            "weights.mask_mean" => "--w-mask",
            "weights.mask_tv" => "--w-mask-tv",
            "critic_steps" => "--critic-steps",
            "size" | "net.size" => "--size",
            _ => "defgan settings",
        },
        _ => "defgan settings",
    };
    anyhow::Error::new(e).context(flag)
}
