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

/// A 260-pixel head from a 1350-pixel London photo (the photo shrunk to
/// 400 px and cropped at (70, 60)), turned by `deg` about its centre and
/// pasted at `(x, y)` on `canvas`.
fn paste_head(canvas: &mut Image<u8>, photo: &Image<u8>, deg: f32, x: usize, y: usize) {
    let k = 400.0 / photo.width() as f32;
    let head = warp_to_crop(photo, &Similarity { a: k, b: 0.0, tx: -70.0, ty: -60.0 }, 260).unwrap();
    let turned = warp_to_crop(&head, &rotation(deg, 260.0), 260).unwrap();
    let (cw, n, hn) = (canvas.width(), canvas.width() * canvas.height(), 260 * 260);
    for c in 0..3 {
        for v in 0..260 {
            for u in 0..260 {
                canvas.data_mut()[c * n + (y + v) * cw + x + u] = turned.data()[c * hn + v * 260 + u];
            }
        }
    }
}

/// Three upright heads above three heads rolled by ±35° and ±45°: the
/// cascade alone finds some rolled heads (it tolerates some roll), the
/// default detector must find every one, and place the rolled faces'
/// landmarks at their roll.
#[test]
fn rolled_faces_among_upright_ones_are_found() {
    let names = ["001", "013", "027", "041", "068", "096"];
    let mut photos = Vec::new();
    for n in names {
        let Some(p) = common::shared(&format!("data/london/neutral/{n}.jpg")) else { return };
        photos.push(load(&p, DecodeLimits::default()).unwrap());
    }
    let (det, lm) = (FaceDetector::new().unwrap(), Landmarker::new().unwrap());
    let opts = |detector| DetectOptions { min_size: 40, detector, ..Default::default() };
    let (mut cascade_found, mut rolled_total) = (0, 0);
    for deg in [-45.0f32, -35.0, 35.0, 45.0] {
        let mut canvas = Image::from_planar(1536, 1024, 3, vec![110u8; 3 * 1536 * 1024]).unwrap();
        for (i, photo) in photos.iter().enumerate() {
            let (x, y) = (80 + 500 * (i % 3), if i < 3 { 100 } else { 650 });
            paste_head(&mut canvas, photo, if i < 3 { 0.0 } else { deg }, x, y);
        }
        // A rolled head's centre: the face sits near the middle of its square.
        let rolled_at = |f: &mien_face::FaceBox| {
            (3..6).find(|i| {
                let x = 80.0 + 500.0 * (i % 3) as f32 + 130.0;
                (f.centre().0 - x).abs() < 110.0 && f.centre().1 > 650.0 && f.centre().1 < 910.0
            })
        };
        let seeta = det.detect(&canvas, &opts(Detector::Seeta)).unwrap().faces;
        cascade_found += seeta.iter().filter(|f| rolled_at(f).is_some()).count();
        let auto = det.detect(&canvas, &opts(Detector::Auto)).unwrap().faces;
        let rolled: Vec<_> = auto.iter().filter(|f| rolled_at(f).is_some()).collect();
        eprintln!("{deg:+}°: cascade {} faces, default {} faces ({} rolled)", seeta.len(), auto.len(), rolled.len());
        assert_eq!((auto.len(), rolled.len()), (6, 3), "{deg}°: {auto:?}");
        rolled_total += 3;
        for f in rolled {
            let points = lm.landmarks_upright_with(&det, &canvas, f).unwrap();
            let (l, r) = eye_centres(&points);
            // `rotation` turns clockwise on screen (y points down), as the eye line's angle counts.
            let roll = (r.1 - l.1).atan2(r.0 - l.0).to_degrees();
            assert!((roll - deg).abs() < 8.0, "{deg}°: eye line at {roll:.1}°");
        }
    }
    eprintln!("the cascade alone found {cascade_found} of {rolled_total} rolled heads");
    assert!(cascade_found < rolled_total, "the cascade alone found every rolled head: this test checks nothing");
}
