//! Detects the face in an image, prints timings and landmarks, and writes the
//! network input (112×112×3 f32, little endian) and raw output next to
//! `$OUT_PREFIX` for comparison with face-api under Node (a development aid).
use std::path::Path;
use std::time::Instant;

use mien_core::image::{load, DecodeLimits};
use mien_face::{detect_faces, eye_centres, DetectOptions, Landmarker};

fn main() {
    let path = std::env::args().nth(1).expect("usage: landmark_probe IMAGE");
    let img = load(Path::new(&path), DecodeLimits::default()).expect("load");
    let t = Instant::now();
    let lm = Landmarker::new().expect("weights");
    println!("weights parsed in {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let opts = DetectOptions::default();
    let _ = detect_faces(&img, &opts); // warm the detector's model cache
    let t = Instant::now();
    let faces = detect_faces(&img, &opts).expect("detect");
    println!("detect: {:.1} ms, {} faces", t.elapsed().as_secs_f64() * 1e3, faces.len());
    let face = faces.first().expect("no face");
    println!("box {face:?}");
    let _ = lm.landmarks(&img, face);
    let t = Instant::now();
    let n = 20;
    let mut pts = lm.landmarks(&img, face).expect("landmarks");
    for _ in 1..n {
        pts = lm.landmarks(&img, face).expect("landmarks");
    }
    println!("landmarks: {:.2} ms each", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    println!("eyes {:?}", eye_centres(&pts));
    println!("points {:?}", &pts[..]);
    if let Ok(prefix) = std::env::var("OUT_PREFIX") {
        let input = lm.network_input(&img, face).expect("input");
        let bytes: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(format!("{prefix}.input.f32"), bytes).expect("write");
        let raw = lm.forward_raw(&input).expect("forward");
        let text: Vec<String> = raw.iter().map(|v| format!("{v:.7}")).collect();
        std::fs::write(format!("{prefix}.rust.txt"), text.join("\n")).expect("write");
    }
}
