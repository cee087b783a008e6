//! Masked regression: prediction throughput (images/s, 2 threads, images in
//! memory) and fitting time across image sizes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mien_core::dataset::PairedDataset;
use mien_core::image::Image;
use mien_core::models::{MaskedParams, Predict};
use mien_core::normalize::Normalize;
use mien_core::synthetic::{self, LocalMap, Rng};
use rayon::prelude::*;

fn dataset(size: usize, n: usize) -> PairedDataset {
    let mut rng = Rng::new(5);
    let map = LocalMap::random(&mut rng, size, size, 3);
    let images = synthetic::pairs(&mut rng, n, 1, &map, 0.01)
        .into_iter()
        .enumerate()
        .map(|(i, (a, b))| (format!("{i}"), a, b))
        .collect();
    PairedDataset::from_images(images, &[], Normalize::MinMax, "bench".into()).unwrap()
}

fn predict(c: &mut Criterion) {
    let data = dataset(128, 20);
    let model = MaskedParams::default().receptive_field(3).fit(&data).unwrap();
    let inputs: Vec<Image<f32>> = (0..256)
        .map(|i| {
            let p = &data.pairs[i % data.len()];
            Image::from_planar(128, 128, 1, p.input.data().iter().map(|&v| p.input_norm.forward(v as f32)).collect())
                .unwrap()
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let mut outputs: Vec<Image<f32>> = (0..inputs.len()).map(|_| Image::new(128, 128, 1)).collect();
    let mut g = c.benchmark_group("masked_predict_128_grey_r3");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("2_threads", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .zip(outputs.par_iter_mut())
                    .for_each(|(x, y)| model.predict_into(&x.view(), &mut y.view_mut()).unwrap())
            })
        })
    });
    g.finish();
}

fn fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("masked_fit_r3_93_pairs");
    g.sample_size(10);
    for size in [32usize, 64, 128] {
        let data = dataset(size, 93);
        g.throughput(Throughput::Elements((size * size) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, d| {
            b.iter(|| MaskedParams::default().receptive_field(3).fit(d).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, predict, fit);
criterion_main!(benches);
