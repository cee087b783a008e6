//! Detection on real photos: the bundled samples and JAFFE (from `../shared`,
//! skipped when it is absent).

mod common;

use common::{sample, shared};
use mien_core::image::{load, DecodeLimits};
use mien_face::{detect_faces, detect_faces_report, DetectOptions};

#[test]
fn exactly_one_face_in_every_jaffe_photo() {
    let Some(dir) = shared("data/jaffe") else { return };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tiff"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 213, "JAFFE should hold 213 photos");
    let mut wrong = Vec::new();
    for p in &paths {
        let img = load(p, DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((img.width(), img.height()), (256, 256));
        let faces = detect_faces(&img, &DetectOptions::default()).unwrap();
        if faces.len() != 1 {
            wrong.push(format!("{}: {} faces", p.display(), faces.len()));
            continue;
        }
        // A face fills a good part of a JAFFE frame and sits near the middle.
        let f = faces[0];
        let (cx, cy) = f.centre();
        assert!(f.w > 60.0 && f.w < 220.0, "{}: odd box {f:?}", p.display());
        assert!((60.0..196.0).contains(&cx) && (60.0..196.0).contains(&cy), "{}: off-centre {f:?}", p.display());
    }
    assert!(wrong.is_empty(), "not exactly one face:\n{}", wrong.join("\n"));
}

#[test]
fn most_faces_in_the_solvay_group_photo() {
    let Some(p) = sample("solvay_1927.png") else { return };
    let img = load(&p, DecodeLimits::default()).unwrap();
    let found = detect_faces_report(&img, &DetectOptions::default()).unwrap();
    let n = found.faces.len();
    assert!((25..=31).contains(&n), "expected about 29 faces, found {n}");
    for f in &found.faces {
        assert!(f.x >= -f.w * 0.2 && f.y >= -f.h * 0.2 && f.x + f.w <= img.width() as f32 + f.w * 0.2);
    }
}

#[test]
fn raising_min_size_skips_and_counts_small_faces() {
    let Some(p) = sample("solvay_1927.png") else { return };
    let img = load(&p, DecodeLimits::default()).unwrap();
    let opts = DetectOptions { min_size: 58, ..Default::default() };
    let found = detect_faces_report(&img, &opts).unwrap();
    assert!(found.faces.iter().all(|f| f.w >= 58.0));
    assert!(found.skipped_small > 0, "the Solvay faces are 43–64 px; some must be below 58");
}

#[test]
fn grey_and_colour_find_the_same_face() {
    let Some(p) = sample("astronaut.png") else { return };
    let rgb = load(&p, DecodeLimits::default()).unwrap();
    let a = detect_faces(&rgb, &DetectOptions::default()).unwrap();
    let b = detect_faces(&rgb.to_grey(), &DetectOptions::default()).unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a, b);
}
