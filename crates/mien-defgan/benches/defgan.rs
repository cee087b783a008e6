//! defgan speed: inference on one 128×128 face, and one training step
//! (5 critic steps + 1 generator step, batch 8) at 64×64 and 128×128, CPU.

use burn::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};
use mien_core::synthetic::{smooth_image, Rng};
use mien_defgan::data::TrainSet;
use mien_defgan::net::Conditioning;
use mien_defgan::train::{TrainConfig, Trainer};
use mien_defgan::{Generator, NetConfig};
use mien_deform::au::AuVector;

fn inference(c: &mut Criterion) {
    let device = Device::flex();
    let cfg = NetConfig::new(128, 3);
    let g = Generator::new(&cfg, &device);
    eprintln!(
        "defgan 128×128 RGB: {} generator parameters, {:.2} GFLOP per face (2 × {} MACs)",
        burn::module::Module::num_params(&g),
        2.0 * cfg.generator_macs() as f64 / 1e9,
        cfg.generator_macs()
    );
    let mut rng = Rng::new(1);
    let x: Vec<f32> = smooth_image(&mut rng, 128, 128, 3).iter().map(|v| *v as f32 * 2.0 - 1.0).collect();
    let x = Tensor::<4>::from_data(TensorData::new(x, [1, 3, 128, 128]), &device);
    let au = Tensor::<2>::from_data(
        TensorData::new(AuVector::from_expression("happy").unwrap().0.to_vec(), [1, 17]),
        &device,
    );
    // The default (film) and GANimation's input-only conditioning, to price the AU shifts.
    for (name, conditioning) in [("", Conditioning::Film), ("_input_only", Conditioning::Input)] {
        let g = Generator::new(&NetConfig { conditioning, ..cfg.clone() }, &device);
        c.bench_function(&format!("defgan_infer_128_rgb{name}"), |b| {
            b.iter(|| g.forward(x.clone(), au.clone()).output.into_data())
        });
    }
}

fn set(size: usize) -> TrainSet {
    let mut rng = Rng::new(2);
    let mut s = TrainSet { size, channels: 1, pixels: Vec::new(), labels: Vec::new(), pairs: Vec::new() };
    for i in 0..8 {
        s.pixels.extend(smooth_image(&mut rng, size, size, 1).iter().map(|v| *v as f32 * 2.0 - 1.0));
        s.labels.push(if i % 2 == 0 { AuVector::zero() } else { AuVector::from_expression("happy").unwrap() });
        if i % 2 == 1 {
            s.pairs.push((i - 1, i));
        }
    }
    s
}

fn train_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("defgan_train_step_batch8");
    group.sample_size(10);
    for size in [64, 128] {
        let data = set(size);
        let mut t = Trainer::new(TrainConfig::new(size, 1), &Device::flex()).unwrap();
        t.step(&data);
        group.bench_function(format!("{size}_grey_critic5"), |b| b.iter(|| t.step(&data)));
        // The supervised warm-up step: paired L1 only, no critic, no cycle pass.
        let mut config = TrainConfig::new(size, 1);
        (config.critic_steps, config.weights.cycle, config.weights.paired_l1, config.augment) = (0, 0.0, 100.0, true);
        let mut t = Trainer::new(config, &Device::flex()).unwrap();
        t.step(&data);
        group.bench_function(format!("{size}_grey_warm_up"), |b| b.iter(|| t.step(&data)));
    }
    group.finish();
}

criterion_group!(benches, inference, train_step);
criterion_main!(benches);
