//! Face detection, SeetaFace cascade beside the tiny face detector, on the
//! bundled samples: the 512×512 astronaut portrait and the Solvay group photo
//! resized to 1920×1280 (29 faces of about 45 px). Each detector runs as
//! `mien` runs it (minimum face 40 px, pyramid 0.7, stride 5; tiny input
//! 320). Threads: the cascade's own (up to 4), the tiny detector on rayon's
//! default pool.
//!
//! ```text
//! cargo bench -p mien-face --bench detectors
//! ```

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use mien_core::image::{load, resize_bilinear, DecodeLimits, Image};
use mien_face::{DetectOptions, Detector, FaceDetector};

fn sample(name: &str) -> Image<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/samples").join(name);
    load(&p, DecodeLimits::default()).expect("bundled sample")
}

fn detectors(c: &mut Criterion) {
    let det = FaceDetector::new().unwrap();
    let solvay = sample("solvay_1927.png");
    let big = resize_bilinear(&solvay.view(), 1920, 1280);
    let big =
        Image::from_planar(1920, 1280, big.channels(), big.data().iter().map(|v| v.round() as u8).collect()).unwrap();
    let astronaut = sample("astronaut.png");
    let mut group = c.benchmark_group("detect");
    group.sample_size(10);
    for detector in [Detector::Seeta, Detector::Tiny, Detector::Auto] {
        let o = DetectOptions { min_size: 40, pyramid_step: 0.7, window_step: 5, detector, ..Default::default() };
        let n = det.detect(&big, &o).unwrap().faces.len();
        eprintln!("{detector}: {n} faces in the 1920×1280 Solvay photo");
        group.bench_function(format!("{detector}_1920x1280"), |b| b.iter(|| det.detect(&big, &o).unwrap()));
        group.bench_function(format!("{detector}_astronaut_512"), |b| b.iter(|| det.detect(&astronaut, &o).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, detectors);
criterion_main!(benches);
