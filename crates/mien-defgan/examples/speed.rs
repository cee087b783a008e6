//! Rough timings of inference and of one training step (criterion has the real benchmark).
use std::time::Instant;

use burn::prelude::*;
use mien_defgan::data::TrainSet;
use mien_defgan::train::{TrainConfig, Trainer};
use mien_defgan::{Generator, NetConfig};

fn main() {
    let device = Device::flex();
    let size: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(128);
    let width: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let blocks: usize = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut cfg = NetConfig::new(size, 3);
    cfg.gen_width = width;
    cfg.res_blocks = blocks;
    let g = Generator::new(&cfg, &device);
    println!("params {}", g.num_params());
    let x = Tensor::<4>::zeros([1, 3, size, size], &device);
    let a = Tensor::<2>::zeros([1, 17], &device);
    for i in 0..5 {
        let t = Instant::now();
        let y = g.forward(x.clone(), a.clone()).output.into_data();
        println!("infer {size}: {:.1} ms ({})", t.elapsed().as_secs_f64() * 1e3, y.num_elements() + i - i);
    }
    let mut tc = TrainConfig::new(size, 3);
    tc.net = cfg;
    let set = TrainSet {
        size,
        channels: 3,
        pixels: vec![0.1; 4 * 3 * size * size],
        labels: vec![mien_deform::au::AuVector::zero(); 4],
        pairs: vec![(0, 1), (2, 3)],
    };
    let mut tr = Trainer::new(tc, &device).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let l = tr.step(&set);
        println!("train step {size} batch 8: {:.2} s  {:?}", t.elapsed().as_secs_f64(), l.total);
    }
}
