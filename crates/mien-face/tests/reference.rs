//! The landmark network against face-api 1.7.15 itself.
//!
//! The expected numbers were computed once with `@vladmandic/face-api` 1.7.15
//! on `@tensorflow/tfjs` 4.22's pure-JavaScript CPU backend under Node 20
//! (`FaceLandmark68Net.loadFromWeightMap` with the same weight files, then
//! `runNet(await toNetInput(tensor3d))`), i.e. face-api's own padding,
//! resizing, normalisation and network. They are the raw 136 outputs: x, y
//! interleaved, as fractions of the 112 px input square.

mod common;

use mien_core::image::{load, DecodeLimits, Image};
use mien_face::{FaceBox, Landmarker};

/// face-api on a 160×120 synthetic RGB image (the whole image as the box).
const SYNTHETIC_EXPECTED: [f32; 136] = [
    0.2901332, 0.4498284, 0.3931355, 0.5547086, 0.4361, 0.5696462, 0.4755793, 0.6366269, 0.5369562, 0.6548987,
    0.5668246, 0.6836532, 0.6685426, 0.6374981, 0.6790144, 0.6271996, 0.7121574, 0.7103468, 0.723004, 0.7007799,
    0.7122317, 0.6290896, 0.693913, 0.6362901, 0.7248902, 0.5806041, 0.7164435, 0.5914125, 0.7673391, 0.5115501,
    0.793241, 0.4702651, 0.6562895, 0.3662582, 0.4317124, 0.4705175, 0.4695157, 0.4123151, 0.4924137, 0.4290934,
    0.5342718, 0.4209747, 0.5698178, 0.4662954, 0.6232595, 0.3959913, 0.5854074, 0.455415, 0.6016111, 0.4566174,
    0.6634265, 0.4515904, 0.6776316, 0.4180964, 0.6063936, 0.4849966, 0.6187474, 0.5361742, 0.5879853, 0.5336468,
    0.5919136, 0.5557968, 0.5564998, 0.5847787, 0.5681381, 0.5888101, 0.5920514, 0.593102, 0.6039246, 0.5776542,
    0.6134337, 0.5810145, 0.5141288, 0.4992904, 0.5307011, 0.5115151, 0.5472356, 0.5117962, 0.5673082, 0.513525,
    0.5645686, 0.5380527, 0.5272745, 0.5135357, 0.5847327, 0.5083625, 0.611507, 0.5385892, 0.6280486, 0.5286243,
    0.60506, 0.4983079, 0.5994557, 0.4854822, 0.6078439, 0.5678861, 0.618231, 0.58111, 0.6457998, 0.5893663, 0.587363,
    0.6026117, 0.661663, 0.5622101, 0.6552559, 0.562344, 0.6197872, 0.5411057, 0.6249113, 0.5205261, 0.6426564,
    0.5315058, 0.7094172, 0.5656407, 0.7234943, 0.5885465, 0.7148896, 0.6024557, 0.6791161, 0.598694, 0.6241296,
    0.6143235, 0.6833109, 0.6173699, 0.675261, 0.5933049, 0.7006027, 0.5771296, 0.6417406, 0.5343581, 0.6658727,
    0.5360729, 0.6886069, 0.5600389, 0.6853389, 0.5734277,
];

/// face-api on JAFFE `KA.HA1.29.tiff` cropped at (58, 73) 150×150, the box
/// our detector finds there (JAFFE itself stays outside the project).
const JAFFE_KA_HA1_EXPECTED: [f32; 136] = [
    0.0394179, 0.3840908, 0.0542748, 0.5003448, 0.0771556, 0.6142475, 0.1032267, 0.706566, 0.1414208, 0.8041818,
    0.1965327, 0.8826174, 0.2697414, 0.9348078, 0.3659801, 0.99156, 0.4981347, 1.018592, 0.6233722, 0.9825827,
    0.7062129, 0.9260632, 0.767728, 0.8710065, 0.8222137, 0.7895236, 0.8615498, 0.6902267, 0.8821976, 0.5923434,
    0.9048761, 0.4860349, 0.9115783, 0.369682, 0.1075292, 0.2509187, 0.1562091, 0.1826692, 0.222901, 0.162711,
    0.2908061, 0.1684975, 0.3490821, 0.1867128, 0.5935064, 0.1737806, 0.6493894, 0.1485331, 0.7172338, 0.1370625,
    0.7879658, 0.153455, 0.8343856, 0.224616, 0.4768986, 0.3736016, 0.4785722, 0.4626673, 0.4800913, 0.5395657,
    0.4791577, 0.6127688, 0.4060827, 0.6566347, 0.4393967, 0.6705292, 0.4802847, 0.6780217, 0.5220085, 0.6677852,
    0.5543143, 0.6596432, 0.1955131, 0.3614932, 0.2342109, 0.3423724, 0.2933675, 0.3459846, 0.3491067, 0.3730578,
    0.3014006, 0.3920131, 0.2395818, 0.3880883, 0.5975329, 0.3665553, 0.6506338, 0.3332735, 0.7113269, 0.3300949,
    0.7530255, 0.355262, 0.7089061, 0.3823597, 0.6474046, 0.3785074, 0.3182063, 0.7926831, 0.3757926, 0.770621,
    0.4413904, 0.7562337, 0.478211, 0.763168, 0.513947, 0.7520744, 0.5886496, 0.7774226, 0.6483989, 0.7975731,
    0.5938896, 0.8527186, 0.5431136, 0.882218, 0.484353, 0.8899118, 0.4321819, 0.8822201, 0.3729023, 0.8544513,
    0.3278306, 0.7935716, 0.4282477, 0.7918316, 0.4804176, 0.7922351, 0.5295929, 0.7918303, 0.6335955, 0.797083,
    0.5349064, 0.8287063, 0.4845561, 0.8361484, 0.4333732, 0.8321373,
];

fn assert_close(actual: &[f32], expected: &[f32], tol: f32) {
    let worst = actual.iter().zip(expected).map(|(a, e)| (a - e).abs()).fold(0.0f32, f32::max);
    assert!(worst <= tol, "largest difference from face-api is {worst}, over {tol}");
}

#[test]
fn synthetic_image_matches_face_api_including_padding_and_resizing() {
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
    let net = Landmarker::new().unwrap();
    let face = FaceBox { x: 0.0, y: 0.0, w: w as f32, h: h as f32, score: 1.0 };
    let input = net.network_input(&img, &face).unwrap();
    let raw = net.forward_raw(&input).unwrap();
    assert_close(&raw, &SYNTHETIC_EXPECTED, 1e-3);
    // The image-coordinate points are the same numbers, un-padded and scaled.
    let pts = net.landmarks(&img, &face).unwrap();
    for (i, &(x, y)) in pts.iter().enumerate() {
        assert!((x - (SYNTHETIC_EXPECTED[2 * i] * 160.0)).abs() < 0.2);
        assert!((y - (SYNTHETIC_EXPECTED[2 * i + 1] * 160.0 - 20.0)).abs() < 0.2);
    }
}

#[test]
fn jaffe_face_matches_face_api() {
    let Some(p) = common::shared("data/jaffe/KA.HA1.29.tiff") else { return };
    let img = load(&p, DecodeLimits::default()).unwrap();
    let net = Landmarker::new().unwrap();
    let face = FaceBox { x: 58.75, y: 73.14, w: 150.48, h: 150.48, score: 1.0 };
    let raw = net.forward_raw(&net.network_input(&img, &face).unwrap()).unwrap();
    assert_close(&raw, &JAFFE_KA_HA1_EXPECTED, 1e-3);
}
