//! Trains defgan on a `mien align` folder with checkpoints, printing losses:
//! `train_aligned ALIGNED_DIR CHECKPOINT_DIR STEPS PAIRED_L1 CRITIC_STEPS [SIZE]`.
//! Resumes from CHECKPOINT_DIR when it holds a checkpoint. `mien train
//! --model defgan --resume` reads the same checkpoints.
use std::path::PathBuf;
use std::time::Instant;

use burn::prelude::*;
use mien_core::dataset::{LoadOptions, Split};
use mien_core::normalize::Normalize;
use mien_defgan::data::TrainSet;
use mien_defgan::train::{TrainConfig, Trainer};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&a[1]);
    let ckpt = PathBuf::from(&a[2]);
    let steps: usize = a[3].parse().unwrap();
    let paired: f64 = a[4].parse().unwrap();
    let critic: usize = a[5].parse().unwrap();
    let size: usize = a.get(6).and_then(|s| s.parse().ok()).unwrap_or(64);
    let opts = LoadOptions { size: Some(size), normalize: Normalize::Unit, ..Default::default() };
    let groups = mien_deform::data::load_aligned(&dir, Split::Train, &opts).unwrap();
    let refs: Vec<_> = groups.iter().map(|g| (g.au, &g.data)).collect();
    let set = TrainSet::from_groups(&refs).unwrap();
    println!("{} images, {} pairs", set.len(), set.pairs.len());
    let mut cfg = TrainConfig::new(size, set.channels);
    cfg.steps = steps;
    cfg.weights.paired_l1 = paired;
    cfg.critic_steps = critic;
    let device = Device::flex();
    let mut t = if ckpt.join("state.json").exists() {
        Trainer::resume(&ckpt, cfg, &device).unwrap()
    } else {
        Trainer::new(cfg, &device).unwrap()
    };
    let start = Instant::now();
    while t.step < steps {
        let l = t.step(&set);
        println!(
            "step {} {:.1}s W {:.3} gp {:.3} dAU {:.4} adv {:.3} au {:.4} cyc {:.4} pair {:.4} mask {:.3} flow {:.2}px total {:.3}",
            l.step, start.elapsed().as_secs_f64(), l.critic_wasserstein, l.gradient_penalty, l.critic_au,
            l.adversarial, l.au, l.cycle, l.paired, l.mask_mean, l.flow_pixels, l.total
        );
        if t.step % 25 == 0 || t.step == steps {
            t.save_checkpoint(&ckpt).unwrap();
        }
    }
}
