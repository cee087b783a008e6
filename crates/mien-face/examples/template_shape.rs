//! Derives the canonical template shape: the mean JAFFE face, each photo's
//! landmarks normalised so its eye centres sit at `(∓0.5, 0)`.
//!
//! `cargo run --release -p mien-face --example template_shape [jaffe-dir]`
//! prints the mean stable points (the `MEAN_SHAPE` table in
//! `src/align/template.rs`), the mean brow and chin heights used to place
//! the template in the crop, and all 68 mean points (the `MEAN_LANDMARKS`
//! table, where the Action Unit regions sit on a face without landmarks).

use std::path::PathBuf;

use mien_core::image::{load, DecodeLimits};
use mien_face::{detect_faces, eye_centres, DetectOptions, Landmarker, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/jaffe")));
    let net = Landmarker::new()?;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "tiff"));
    paths.sort();
    let mut sum = [(0.0f64, 0.0f64); 68];
    let mut n = 0usize;
    for p in &paths {
        let img = load(p, DecodeLimits::default())?;
        let Some(face) = detect_faces(&img, &DetectOptions::default())?.into_iter().next() else {
            eprintln!("{}: no face", p.display());
            continue;
        };
        let pts = net.landmarks(&img, &face)?;
        let ((lx, ly), (rx, ry)) = eye_centres(&pts);
        let (mx, my) = ((lx + rx) / 2.0, (ly + ry) / 2.0);
        // Rotate and scale so the eye vector becomes (1, 0).
        let (ex, ey) = (rx - lx, ry - ly);
        let d2 = ex * ex + ey * ey;
        for (s, &(x, y)) in sum.iter_mut().zip(&pts) {
            let (dx, dy) = (x - mx, y - my);
            s.0 += f64::from((dx * ex + dy * ey) / d2);
            s.1 += f64::from((dy * ex - dx * ey) / d2);
        }
        n += 1;
    }
    let mean: [(f32, f32); 68] = sum.map(|(x, y)| ((x / n as f64) as f32, (y / n as f64) as f32));
    println!("{n} faces");
    println!("stable points (x, y), eye centres at (∓0.5, 0):");
    for (x, y) in Template::stable_points(&mean) {
        println!("    ({x:.3}, {y:.3}),");
    }
    let brow_top = (17..27).map(|i| mean[i].1).fold(f32::INFINITY, f32::min);
    let chin = mean[8].1;
    let jaw_x = (0..17).map(|i| mean[i].0.abs()).fold(0.0f32, f32::max);
    println!("brow top y {brow_top:.3}, chin y {chin:.3}, jaw half-width {jaw_x:.3}");
    println!("all 68 points:");
    for row in mean.chunks(4) {
        let cells: Vec<String> = row.iter().map(|(x, y)| format!("({x:.3}, {y:.3})")).collect();
        println!("    {},", cells.join(", "));
    }
    Ok(())
}
