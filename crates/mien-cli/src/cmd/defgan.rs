//! `mien train --model defgan`: the neural deformation model (crate
//! `mien-defgan`, built with `--features defgan`).

use std::process::ExitCode;

use anyhow::Result;

use crate::args::TrainArgs;

/// What a build without the feature says.
#[cfg(not(feature = "defgan"))]
pub const NOT_BUILT: &str = "this mien was built without defgan: build it with \
     `cargo build --release -p mien-cli --features defgan` (docs/defgan.md)";

#[cfg(not(feature = "defgan"))]
pub fn train(_a: TrainArgs) -> Result<ExitCode> {
    anyhow::bail!(NOT_BUILT)
}

#[cfg(feature = "defgan")]
pub fn train(a: TrainArgs) -> Result<ExitCode> {
    use std::time::Instant;

    use anyhow::Context;
    use mien_core::dataset::{LoadOptions, Split};
    use mien_core::model_file::TrainingInfo;
    use mien_core::normalize::Normalize;
    use mien_defgan::data::TrainSet;
    use mien_defgan::net::Conditioning;
    use mien_defgan::train::{checkpoint_dir, has_checkpoint, TrainConfig, Trainer};
    use mien_defgan::DefganFile;

    use crate::args::ConditioningArg;

    use super::check_writable_file;
    use super::train::aligned_template;

    anyhow::ensure!(
        a.data.is_dir(),
        "--data {}: not a folder (expected the output of `mien align --expression all`)",
        a.data.display()
    );
    check_writable_file(&a.output, "-o")?;
    let g = &a.gan;
    let device = mien_defgan::device(&g.device).map_err(|e| anyhow::anyhow!("--device: {e}"))?;
    anyhow::ensure!(g.checkpoint_every > 0, "--checkpoint-every must be at least 1");
    anyhow::ensure!(g.steps > 0 || g.resume, "--steps must be at least 1");
    let ckpt = g.checkpoint_dir.clone().unwrap_or_else(|| checkpoint_dir(&a.output));
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
    let groups = mien_deform::data::load_aligned(&a.data, Split::Train, &opts)?;
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
    config.check().map_err(|e| anyhow::anyhow!("defgan settings: {e}"))?;
    let alignment = aligned_template(&a.data, groups.iter().map(|e| e.name.as_str()))?;

    let mut trainer = if g.resume {
        Trainer::resume(&ckpt, config.clone(), &device).map_err(|e| anyhow::anyhow!("--resume: {e}"))?
    } else {
        Trainer::new(config.clone(), &device).map_err(|e| anyhow::anyhow!("defgan settings: {e}"))?
    };
    eprintln!(
        "defgan: {} images ({} pairs) at {}×{}×{}, {} generator parameters, {} on {}{}",
        set.len(),
        set.pairs.len(),
        set.size,
        set.size,
        set.channels,
        mien_defgan::burn::module::Module::num_params(&trainer.generator),
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
    let info = TrainingInfo { pairs, source, seconds: trainer.seconds, expression: Some("all".into()) };
    let file = DefganFile::new(trainer.generator.clone(), config, info, alignment);
    file.save(&a.output).with_context(|| format!("-o {}", a.output.display()))?;
    eprintln!(
        "trained defgan for {} steps in {:.1} s (+ {load_s:.2} s loading) → {} (checkpoints in {})",
        trainer.step,
        trainer.seconds,
        a.output.display(),
        ckpt.display()
    );
    Ok(ExitCode::SUCCESS)
}
