//! Prints detections for images given on the command line (a tuning aid).
use std::path::Path;
use std::time::Instant;

use mien_core::image::{load, DecodeLimits};
use mien_face::{detect_faces_report, DetectOptions};

fn main() {
    let mut opts = DetectOptions::default();
    if let Ok(t) = std::env::var("THRESH") {
        opts.score_threshold = t.parse().unwrap_or(opts.score_threshold);
    }
    if let Ok(t) = std::env::var("MINSIZE") {
        opts.min_size = t.parse().unwrap_or(opts.min_size);
    }
    let mut counts = std::collections::BTreeMap::new();
    for arg in std::env::args().skip(1) {
        let img = match load(Path::new(&arg), DecodeLimits::default()) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let t = Instant::now();
        let d = detect_faces_report(&img, &opts).expect("detect");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        *counts.entry(d.faces.len()).or_insert(0) += 1;
        if d.faces.len() != 1 || std::env::var("VERBOSE").is_ok() {
            println!(
                "{arg}: {}x{}x{} {} faces, {} small, {ms:.1} ms",
                img.width(),
                img.height(),
                img.channels(),
                d.faces.len(),
                d.skipped_small
            );
            for f in &d.faces {
                println!("   {:.0} {:.0} {:.0}x{:.0} score {:.2}", f.x, f.y, f.w, f.h, f.score);
            }
        }
    }
    println!("histogram of face counts: {counts:?}");
}
