//! The expression network against face-api 1.7.15 itself.
//!
//! The expected probabilities were computed once with `@vladmandic/face-api`
//! 1.7.15 on `@tensorflow/tfjs` 4.22's pure-JavaScript CPU backend under
//! Node 20, along the path `detectAllFaces(tensor).withFaceExpressions()`
//! takes for each box: `extractFaceTensors(image, [box])` (clip, floor,
//! slice), then `FaceExpressionNet.predictExpressions` (pad to a square,
//! resize to 112, normalise, network, softmax). Inputs are the landmark
//! reference's synthetic image and two JAFFE photos, given to Node as raw
//! grey pixels expanded to RGB. Order: neutral, happy, sad, angry, fearful,
//! disgusted, surprised.

mod common;

use mien_core::image::{load, DecodeLimits, Image};
use mien_face::{ExpressionNet, FaceBox};

/// The 160×120 synthetic image, the whole image as the box.
const SYNTHETIC_EXPECTED: [f32; 7] =
    [0.02392012, 0.05891053, 0.9170778, 0.00007747066, 0.000003283301, 0.000008861617, 0.000001940641];

/// The synthetic image with a box sticking out left and top, (-10.6, -5.3) 90.9×100.2.
const SYNTHETIC_CLIPPED_EXPECTED: [f32; 7] =
    [0.9106289, 0.06667209, 0.02181952, 0.0007969463, 5.207486e-8, 0.00001377132, 0.0000686658];

/// JAFFE `KA.HA1.29.tiff`, box (58.75, 73.14) 150.48×150.48 (our detector's).
const JAFFE_KA_HA1_EXPECTED: [f32; 7] =
    [3.637767e-8, 0.9999999, 1.020142e-10, 9.190972e-11, 3.026258e-14, 6.072235e-10, 2.378618e-8];

/// JAFFE `KA.AN1.39.tiff`, box (55.16, 74.34) 147.48×147.48 (our detector's),
/// where the network hesitates between disgusted and angry.
const JAFFE_KA_AN1_EXPECTED: [f32; 7] =
    [0.002270942, 1.169978e-7, 0.0003507847, 0.4567632, 0.000005226487, 0.5406073, 0.000002442551];

fn assert_close(what: &str, actual: &[f32; 7], expected: &[f32; 7]) {
    let worst = actual.iter().zip(expected).map(|(a, e)| (a - e).abs()).fold(0.0f32, f32::max);
    eprintln!("{what}: largest difference from face-api {worst:.2e}");
    assert!(worst <= 1e-3, "{what}: {actual:?} differs from face-api's {expected:?} by {worst}");
}

fn synthetic() -> Image<u8> {
    let (w, h) = (160usize, 120usize);
    let mut img = Image::<u8>::new(w, h, 3);
    for c in 0..3 {
        let plane = img.plane_mut(c);
        for y in 0..h {
            for x in 0..w {
                plane[y * w + x] = ((x * 7 + y * 13 + c * 50 + (x * y) % 17) % 256) as u8;
            }
        }
    }
    img
}

#[test]
fn synthetic_image_matches_face_api() {
    let net = ExpressionNet::new().unwrap();
    let img = synthetic();
    assert_close("synthetic crop", &net.classify_crop(&img).unwrap(), &SYNTHETIC_EXPECTED);
    let whole = FaceBox { x: 0.0, y: 0.0, w: 160.0, h: 120.0, score: 1.0 };
    assert_eq!(net.classify(&img, &whole).unwrap(), net.classify_crop(&img).unwrap());
    let clipped = FaceBox { x: -10.6, y: -5.3, w: 90.9, h: 100.2, score: 1.0 };
    assert_close("synthetic clipped box", &net.classify(&img, &clipped).unwrap(), &SYNTHETIC_CLIPPED_EXPECTED);
}

#[test]
fn jaffe_faces_match_face_api() {
    let net = ExpressionNet::new().unwrap();
    let cases = [
        ("KA.HA1.29.tiff", FaceBox { x: 58.75, y: 73.14, w: 150.48, h: 150.48, score: 1.0 }, JAFFE_KA_HA1_EXPECTED),
        ("KA.AN1.39.tiff", FaceBox { x: 55.16, y: 74.34, w: 147.48, h: 147.48, score: 1.0 }, JAFFE_KA_AN1_EXPECTED),
    ];
    for (name, face, expected) in cases {
        let Some(p) = common::shared(&format!("data/jaffe/{name}")) else { continue };
        let img = load(&p, DecodeLimits::default()).unwrap();
        assert_close(name, &net.classify(&img, &face).unwrap(), &expected);
    }
}
