//! The sparse comparison models' fitting time across image sizes: OMP and
//! LSRF with the paper's F = 5 and lasso with its default α, RGB with shared
//! weights, 100 synthetic pairs (each target pixel the mean of its input pixel
//! and the next). These were timed tests before; the whole-program figures
//! (`mien train --model omp`) are in `BENCHMARKS.md`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mien_core::dataset::PairedDataset;
use mien_core::image::Image;
use mien_core::models::{LassoParams, LsrfParams, OmpParams};
use mien_core::normalize::Normalize;
use mien_core::synthetic::Rng;

const PAIRS: usize = 100;

/// `PAIRS` random RGB `side`×`side` inputs; target pixel i = (x_i + x_{i+1}) / 2 per channel.
fn dataset(side: usize) -> PairedDataset {
    let d = side * side;
    let mut rng = Rng::new(6);
    let images = (0..PAIRS)
        .map(|p| {
            let input: Vec<u8> = (0..3 * d).map(|_| (rng.next_u64() >> 56) as u8).collect();
            let target: Vec<u8> = input
                .chunks_exact(d)
                .flat_map(|plane| {
                    (0..d).map(move |i| (u16::from(plane[i]) + u16::from(plane[(i + 1) % d])).div_ceil(2) as u8)
                })
                .collect();
            (
                format!("{p:03}"),
                Image::from_planar(side, side, 3, input).unwrap(),
                Image::from_planar(side, side, 3, target).unwrap(),
            )
        })
        .collect();
    PairedDataset::from_images(images, &[], Normalize::Unit, "bench".into()).unwrap()
}

fn omp_lsrf(c: &mut Criterion) {
    let mut g = c.benchmark_group("omp_lsrf_fit_f5_rgb_shared_100_pairs");
    g.sample_size(10);
    for side in [32usize, 64, 128] {
        let data = dataset(side);
        g.throughput(Throughput::Elements((side * side) as u64));
        g.bench_with_input(BenchmarkId::new("omp", side), &data, |b, d| {
            b.iter(|| OmpParams::default().fit(d).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("lsrf", side), &data, |b, d| {
            b.iter(|| LsrfParams::default().fit(d).unwrap())
        });
    }
    g.finish();
}

fn lasso(c: &mut Criterion) {
    let mut g = c.benchmark_group("lasso_fit_rgb_shared_100_pairs");
    g.sample_size(10);
    for side in [16usize, 32, 64] {
        let data = dataset(side);
        g.throughput(Throughput::Elements((side * side) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(side), &data, |b, d| {
            b.iter(|| LassoParams::default().fit(d).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, omp_lsrf, lasso);
criterion_main!(benches);
