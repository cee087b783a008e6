//! Tilted faces: the astronaut sample rotated by −45…45° in 15° steps must
//! be found by the default detector, and its landmarks must land within 5% of
//! the interocular distance (mean over the 68 points) of the upright ones
//! rotated the same way.

mod common;

use common::sample;
use mien_core::image::{load, DecodeLimits, Image};
use mien_face::{eye_centres, warp_to_crop, DetectOptions, Detector, FaceDetector, Landmarker, Landmarks, Similarity};

/// The rotation by `deg` degrees about the centre of a `size`-square image.
fn rotation(deg: f32, size: f32) -> Similarity {
    let (s, c) = deg.to_radians().sin_cos();
    let h = size / 2.0;
    Similarity { a: c, b: s, tx: h - (c * h - s * h), ty: h - (s * h + c * h) }
}

fn found_landmarks(det: &FaceDetector, lm: &Landmarker, img: &Image<u8>, opts: &DetectOptions) -> Vec<Landmarks> {
    let faces = det.detect(img, opts).unwrap().faces;
    faces.iter().map(|f| lm.landmarks_upright_with(det, img, f).unwrap()).collect()
}

fn mean_error(a: &Landmarks, b: &Landmarks) -> f32 {
    a.iter().zip(b).map(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1)).sum::<f32>() / 68.0
}

fn check_detector(detector: Detector) -> Vec<String> {
    let Some(p) = sample("astronaut.png") else { return vec![] };
    let img = load(&p, DecodeLimits::default()).unwrap();
    let (det, lm) = (FaceDetector::new().unwrap(), Landmarker::new().unwrap());
    let opts = DetectOptions { min_size: 40, detector, ..Default::default() };
    let upright = found_landmarks(&det, &lm, &img, &opts);
    assert_eq!(upright.len(), 1, "{detector}: the upright astronaut");
    let (l, r) = eye_centres(&upright[0]);
    let iod = (r.0 - l.0).hypot(r.1 - l.1);
    let mut failures = Vec::new();
    for deg in (-3..=3).map(|k| k as f32 * 15.0) {
        let t = rotation(deg, img.width() as f32);
        let rotated = warp_to_crop(&img, &t, img.width()).unwrap();
        let expected = upright[0].map(|p| t.apply(p));
        let found = found_landmarks(&det, &lm, &rotated, &opts);
        let best = found.iter().map(|f| mean_error(f, &expected) / iod).min_by(f32::total_cmp);
        eprintln!("{detector} {deg:+}°: {} faces, landmark error {:?} of the eye distance", found.len(), best);
        match best {
            Some(e) if e <= 0.05 => {}
            _ => failures.push(format!("{deg}°: {} faces, error {best:?}", found.len())),
        }
    }
    failures
}

#[test]
fn default_detector_finds_tilted_faces_and_places_landmarks() {
    let failures = check_detector(Detector::default());
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn tiny_detector_finds_tilted_faces_and_places_landmarks() {
    let failures = check_detector(Detector::Tiny);
    assert!(failures.is_empty(), "{failures:?}");
}
