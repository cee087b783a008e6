//! face-api networks: time per face for expression classification and
//! landmarks (crop, resize, network), on a synthetic 256×256 grey image so
//! the benchmark needs no data set. Threads: rayon's default pool.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mien_core::image::Image;
use mien_face::{ExpressionNet, FaceBox, Landmarker};

fn image() -> Image<u8> {
    let mut img = Image::<u8>::new(256, 256, 1);
    for (i, v) in img.plane_mut(0).iter_mut().enumerate() {
        let (x, y) = (i % 256, i / 256);
        *v = ((x * 7 + y * 13 + (x * y) % 17) % 256) as u8;
    }
    img
}

fn networks(c: &mut Criterion) {
    let img = image();
    let face = FaceBox { x: 58.75, y: 73.14, w: 150.48, h: 150.48, score: 1.0 };
    let expressions = ExpressionNet::new().unwrap();
    let landmarks = Landmarker::new().unwrap();
    let mut group = c.benchmark_group("face_api");
    group.throughput(Throughput::Elements(1));
    group.bench_function("landmarks", |b| b.iter(|| landmarks.landmarks(&img, &face).unwrap()));
    group.bench_function("expression_classify", |b| b.iter(|| expressions.classify(&img, &face).unwrap()));
    group.finish();
}

criterion_group!(benches, networks);
criterion_main!(benches);
