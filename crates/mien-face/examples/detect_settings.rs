//! Detection speed and recall for a few settings: faces found in the Solvay
//! photo, JAFFE photos with exactly one face, and time on the astronaut.
//!
//! ```text
//! cargo run --release -p mien-face --example detect_settings
//! ```

use std::path::Path;
use std::time::Instant;

use mien_core::image::{load, DecodeLimits};
use mien_face::{DetectOptions, FaceDetector};

fn main() {
    let shared = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let samples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/samples"));
    let det = FaceDetector::new().expect("built-in model");
    let astro = load(&samples.join("astronaut.png"), DecodeLimits::default()).expect("sample");
    let solvay = load(&samples.join("solvay_1927.png"), DecodeLimits::default()).expect("sample");
    let jaffe: Vec<_> = std::fs::read_dir(shared.join("jaffe"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| load(&e.path(), DecodeLimits::default()).expect("jaffe")).collect())
        .unwrap_or_default();
    for (pyr, step) in [(0.8, 4), (0.75, 4), (0.7, 4), (0.8, 5), (0.75, 5), (0.7, 5)] {
        let o = DetectOptions { min_size: 40, pyramid_step: pyr, window_step: step, ..Default::default() };
        let t = Instant::now();
        let runs = 10;
        for _ in 0..runs {
            det.detect(&astro, &o).expect("detect");
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        let s = det.detect(&solvay, &o).expect("detect").faces.len();
        let one = jaffe.iter().filter(|img| det.detect(img, &o).map(|d| d.faces.len() == 1).unwrap_or(false)).count();
        println!(
            "pyramid {pyr} step {step}: astronaut {ms:.1} ms, solvay {s} faces, jaffe one face {one}/{}",
            jaffe.len()
        );
    }
}
