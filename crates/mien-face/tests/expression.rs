//! The expression classifier on real faces (JAFFE, from `../shared`) and on
//! bad input.

mod common;

use std::collections::BTreeMap;

use mien_core::image::{load, DecodeLimits, Image};
use mien_core::labels::jaffe_expression;
use mien_face::expression::top_class;
use mien_face::{detect_faces, expression_class, DetectOptions, Error, ExpressionNet, FaceBox, EXPRESSION_CLASSES};

/// Classifies every JAFFE photo in its detected box; prints the accuracy per
/// expression and requires most happy faces to read as happy.
#[test]
fn jaffe_happy_faces_read_as_happy() {
    let Some(dir) = common::shared("data/jaffe") else { return };
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let net = ExpressionNet::new().unwrap();
    // expression → (correct, total)
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut runs = 0usize;
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(code) = name.split('.').nth(1).map(|c| &c[..c.len().min(2)]) else { continue };
        let Some(expression) = (if code == "NE" { Some("neutral") } else { jaffe_expression(code) }) else { continue };
        let img = load(p, DecodeLimits::default()).unwrap();
        let Some(face) = detect_faces(&img, &DetectOptions::default()).unwrap().into_iter().next() else {
            eprintln!("{name}: no face found");
            continue;
        };
        let probs = net.classify(&img, &face).unwrap();
        runs += 1;
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{name}: {probs:?}");
        let (top, p) = top_class(&probs);
        let entry = tally.entry(expression).or_default();
        entry.1 += 1;
        if Some(top) == expression_class(expression) {
            entry.0 += 1;
        }
        eprintln!("{name}: {} ({p:.3}) box {face:?}", EXPRESSION_CLASSES[top]);
    }
    assert!(runs > 0, "no JAFFE photo in {} was classified", dir.display());
    for (expression, (correct, total)) in &tally {
        eprintln!("{expression:>8}: {correct}/{total} = {:.0}%", 100.0 * *correct as f64 / *total as f64);
    }
    let (correct, total) = tally.get("happy").copied().unwrap_or_default();
    assert!(total > 0, "no happy photos (HA) found in {}", dir.display());
    assert!(10 * correct >= 7 * total, "only {correct} of {total} happy photos read as happy");
}

#[test]
fn bad_boxes_and_images_fail_cleanly() {
    let net = ExpressionNet::new().unwrap();
    let img = Image::<u8>::new(64, 48, 1);
    let outside = FaceBox { x: 100.0, y: 0.0, w: 20.0, h: 20.0, score: 1.0 };
    assert!(matches!(net.classify(&img, &outside), Err(Error::BoxOutsideImage { .. })));
    let nan = FaceBox { x: f32::NAN, y: 0.0, w: 20.0, h: 20.0, score: 1.0 };
    assert!(net.classify(&img, &nan).is_err());
    assert!(net.classify_crop(&Image::new(0, 0, 3)).is_err());
    assert!(net.classify_crop(&Image::new(8, 8, 2)).is_err());
    assert!(net.classify_crop(&Image::new(1, 1, 1)).is_ok(), "a one-pixel crop is tiny but valid");
    assert!(net.forward_raw(&[0.0; 10]).is_err());
}

#[test]
fn damaged_or_mismatched_weight_files_are_rejected() {
    let manifest = include_str!("../weights/face_expression_model-weights_manifest.json");
    let bin = include_bytes!("../weights/face_expression_model.bin");
    assert!(ExpressionNet::from_face_api(manifest, bin).is_ok());
    assert!(matches!(ExpressionNet::from_face_api(manifest, &bin[..1000]), Err(Error::CorruptWeights(_))));
    let landmark_manifest = include_str!("../weights/face_landmark_68_model-weights_manifest.json");
    let landmark_bin = include_bytes!("../weights/face_landmark_68_model.bin");
    assert!(matches!(ExpressionNet::from_face_api(landmark_manifest, landmark_bin), Err(Error::CorruptWeights(_))));
    assert!(mien_face::Landmarker::from_face_api(manifest, bin).is_err());
}
