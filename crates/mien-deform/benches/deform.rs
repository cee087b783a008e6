//! Inference time of the deform model per aligned face (motion + texture),
//! for face crops of 64, 128 and 256 px, on a model fitted to synthetic pairs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mien_core::dataset::PairedDataset;
use mien_core::image::Image;
use mien_core::normalize::Normalize;
use mien_deform::{AuGroup, AuVector, DeformParams};

fn face_like(size: usize, seed: usize) -> Image<u8> {
    let data = (0..size * size)
        .map(|i| {
            let (x, y) = ((i % size) as f32, (i / size) as f32);
            (128.0 + 60.0 * ((x * 0.21 + seed as f32).sin() * (y * 0.17).cos())) as u8
        })
        .collect();
    Image::from_planar(size, size, 1, data).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("deform_predict");
    for size in [64usize, 128, 256] {
        let images = (0..4).map(|s| (format!("p{s}"), face_like(size, s), face_like(size, s + 7))).collect();
        let data = PairedDataset::from_images(images, &[], Normalize::MinMax, "bench".into()).unwrap();
        let names = ["happy", "surprise", "sad", "angry", "disgust", "fear"];
        let groups: Vec<AuGroup<'_>> = names
            .iter()
            .map(|n| AuGroup { name: n, au: AuVector::from_expression(n).unwrap(), data: &data, points: &[] })
            .collect();
        let model = DeformParams::default().levels(2).warps(1).sweeps(5).fit(&groups).unwrap();
        let x =
            Image::from_planar(size, size, 1, face_like(size, 3).data().iter().map(|&v| v as f32 / 255.0).collect())
                .unwrap();
        let au = AuVector::from_expression("happy").unwrap().scaled(0.8);
        group.throughput(Throughput::Elements((size * size) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| model.predict(&x.view(), &au).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
