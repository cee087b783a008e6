//! Landmarks on real faces (the bundled astronaut; JAFFE from `../shared`,
//! skipped when absent) and on bad input.

mod common;

use mien_core::image::{load, DecodeLimits, Image};
use mien_face::landmarks::groups::mouth_centre;
use mien_face::{detect_faces, eye_centres, DetectOptions, Error, FaceBox, FaceParts, Landmarker};

#[test]
fn landmarks_are_anatomically_plausible_on_photos() {
    let net = Landmarker::new().unwrap();
    for rel in ["astronaut.png", "data/jaffe/KM.NE1.1.tiff", "data/jaffe/YM.SU2.59.tiff"] {
        let found = if rel.starts_with("data/") { common::shared(rel) } else { common::sample(rel) };
        let Some(p) = found else { continue };
        let img = load(&p, DecodeLimits::default()).unwrap();
        let face = detect_faces(&img, &DetectOptions::default()).unwrap()[0];
        let pts = net.landmarks(&img, &face).unwrap();
        let ((lx, ly), (rx, ry)) = eye_centres(&pts);
        let (mx, my) = mouth_centre(&pts);
        assert!(lx < rx, "{rel}: eyes in the wrong order");
        assert!(my > ly.max(ry), "{rel}: mouth above the eyes");
        assert!(mx > lx && mx < rx, "{rel}: mouth not between the eyes");
        let eye_dist = ((rx - lx).powi(2) + (ry - ly).powi(2)).sqrt();
        assert!(eye_dist > 0.25 * face.w && eye_dist < 0.7 * face.w, "{rel}: eye distance {eye_dist} for box {face:?}");
        let nose_tip = pts.nose()[3];
        assert!(nose_tip.1 > ly && nose_tip.1 < my, "{rel}: nose tip not between eyes and mouth");
    }
}

#[test]
fn bad_boxes_and_images_fail_cleanly() {
    let net = Landmarker::new().unwrap();
    let img = Image::<u8>::new(64, 48, 1);
    let outside = FaceBox { x: 100.0, y: 0.0, w: 20.0, h: 20.0, score: 1.0 };
    assert!(matches!(net.landmarks(&img, &outside), Err(Error::BoxOutsideImage { .. })));
    let nan = FaceBox { x: f32::NAN, y: 0.0, w: 20.0, h: 20.0, score: 1.0 };
    assert!(net.landmarks(&img, &nan).is_err());
    let empty = FaceBox { x: 10.0, y: 10.0, w: 0.5, h: 30.0, score: 1.0 };
    assert!(net.landmarks(&img, &empty).is_err());
    let huge = FaceBox { x: -1e30, y: -1e30, w: f32::MAX, h: f32::MAX, score: 1.0 };
    assert!(net.landmarks(&img, &huge).is_ok(), "a box covering the image is clipped to it");
    let sliver = FaceBox { x: 0.0, y: 0.0, w: 64.0, h: 1.0, score: 1.0 };
    assert!(net.landmarks(&img, &sliver).is_ok());
    assert!(net.landmarks(&Image::new(8, 8, 2), &sliver).is_err());
    assert!(net.forward_raw(&[0.0; 10]).is_err());
}

#[test]
fn damaged_weight_files_are_rejected() {
    let manifest = include_str!("../weights/face_landmark_68_model-weights_manifest.json");
    let bin = include_bytes!("../weights/face_landmark_68_model.bin");
    assert!(Landmarker::from_face_api(manifest, bin).is_ok());
    assert!(matches!(Landmarker::from_face_api(manifest, &bin[..1000]), Err(Error::CorruptWeights(_))));
    assert!(Landmarker::from_face_api("{", bin).is_err());
    assert!(Landmarker::from_face_api(&manifest.replace("dense2/conv1/bias", "dense2/conv1/bogus"), bin).is_err());
}
