//! The deform model on synthetic pairs with a known flow.

use mien_core::dataset::PairedDataset;
use mien_core::image::Image;
use mien_core::normalize::Normalize;

use super::*;
use crate::warp::{warp, Flow};

const W: usize = 64;

/// A smooth random texture in 0..255: a few sinusoids of 6–20 px periods.
fn texture(seed: u64) -> Image<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut rnd = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (s >> 33) as f32 / (1u64 << 31) as f32
    };
    let waves: Vec<[f32; 4]> = (0..6)
        .map(|_| {
            let (a, p) = (rnd() * std::f32::consts::TAU, 6.0 + 14.0 * rnd());
            [a.cos() / p, a.sin() / p, rnd() * std::f32::consts::TAU, 0.5 + rnd()]
        })
        .collect();
    let mut data = vec![0.0f32; W * W];
    for y in 0..W {
        for x in 0..W {
            let v: f32 = waves
                .iter()
                .map(|[fx, fy, ph, amp]| amp * (std::f32::consts::TAU * (fx * x as f32 + fy * y as f32) + ph).sin())
                .sum();
            data[y * W + x] = 128.0 + 18.0 * v;
        }
    }
    Image::from_planar(W, W, 1, data).unwrap()
}

/// A smooth flow of up to ~2.5 px: a bulge pulling towards a point plus a shear.
fn known_flow() -> Flow {
    let mut f = Flow::zero(W, W);
    for y in 0..W {
        for x in 0..W {
            let (dx, dy) = (x as f32 - 36.0, y as f32 - 28.0);
            let g = (-(dx * dx + dy * dy) / (2.0 * 14.0 * 14.0)).exp();
            f.u[y * W + x] = -0.12 * dx * g + 0.8 * (y as f32 / W as f32 * std::f32::consts::PI).sin();
            f.v[y * W + x] = -0.12 * dy * g - 1.0 * g;
        }
    }
    f
}

fn pair_dataset(pairs: Vec<(Image<f32>, Image<f32>)>) -> PairedDataset {
    let images = pairs.into_iter().enumerate().map(|(i, (a, b))| (format!("p{i}"), a.to_u8(), b.to_u8())).collect();
    PairedDataset::from_images(images, &[], Normalize::Unit, "synthetic".into()).unwrap()
}

fn rms_inside(a: &Flow, b: &Flow, margin: usize) -> f32 {
    let mut s = 0.0f64;
    let mut n = 0;
    for y in margin..W - margin {
        for x in margin..W - margin {
            let i = y * W + x;
            s += ((a.u[i] - b.u[i]) as f64).powi(2) + ((a.v[i] - b.v[i]) as f64).powi(2);
            n += 1;
        }
    }
    (s / n as f64).sqrt() as f32
}

/// Two expressions with their own known flows (happy: the bulge; surprise: a lift).
fn two_group_model(texture_step: bool) -> (Deform, Flow, Flow) {
    let fh = known_flow();
    let mut fs = Flow::zero(W, W);
    fs.v.iter_mut().enumerate().for_each(|(i, v)| *v = 1.5 * ((i / W) as f32 / W as f32 * std::f32::consts::PI).sin());
    let make = |f: &Flow, seeds: std::ops::Range<u64>| {
        pair_dataset(seeds.map(|s| (texture(s), warp(&texture(s).view(), f).unwrap())).collect())
    };
    let (dh, ds) = (make(&fh, 0..3), make(&fs, 10..13));
    let groups = [
        AuGroup { name: "happy", au: AuVector::from_expression("happy").unwrap(), data: &dh, points: &[] },
        AuGroup { name: "surprise", au: AuVector::from_expression("surprise").unwrap(), data: &ds, points: &[] },
    ];
    (DeformParams::default().texture(texture_step).fit(&groups).unwrap(), fh, fs)
}

#[test]
fn learning_from_one_warped_pair_recovers_the_flow() {
    let truth = known_flow();
    let src = texture(7);
    let tgt = warp(&src.view(), &truth).unwrap();
    let data = pair_dataset(vec![(src, tgt)]);
    let happy = AuVector::from_expression("happy").unwrap();
    // One clean synthetic pair needs far less smoothing than the default,
    // which is tuned for many noisy pairs of different faces.
    let params = DeformParams::default().texture(false).smoothness(0.002);
    let model = params.fit(&[AuGroup { name: "happy", au: happy, data: &data, points: &[] }]).unwrap();
    let got = model.flow_for(&happy).unwrap();
    let rms = rms_inside(&got, &truth, 8);
    eprintln!("flow RMS error away from borders: {rms:.3} px (true max {:.2} px)", truth.max_magnitude());
    assert!(rms < 0.25, "RMS {rms}");
}

#[test]
fn zero_intensity_returns_the_input_and_motion_grows_with_alpha() {
    let (model, _, _) = two_group_model(true);
    let x = texture(99);
    let xn = Image::from_planar(W, W, 1, x.data().iter().map(|v| v / 255.0).collect()).unwrap();
    let happy = AuVector::from_expression("happy").unwrap();
    let e = model.predict(&xn.view(), &happy.scaled(0.0)).unwrap();
    assert_eq!(e.output, xn);
    assert_eq!(e.deformed, xn);
    let mut last = (0.0f32, 0.0f64);
    for alpha in [0.25, 0.5, 0.75, 1.0] {
        let f = model.flow_for(&happy.scaled(alpha)).unwrap();
        let out = model.predict(&xn.view(), &happy.scaled(alpha)).unwrap().output;
        let change: f64 = out.data().iter().zip(xn.data()).map(|(a, b)| ((a - b) as f64).abs()).sum();
        assert!(f.mean_magnitude() > last.0, "α = {alpha}: {} ≤ {}", f.mean_magnitude(), last.0);
        assert!(change > last.1, "α = {alpha}");
        last = (f.mean_magnitude(), change);
    }
}

#[test]
fn unseen_au_combinations_stay_in_the_training_range() {
    let (model, fh, fs) = two_group_model(true);
    let (max_pixel, max_mean) = model.flow_limits();
    assert!(max_mean >= 0.9 * fh.mean_magnitude().max(fs.mean_magnitude()));
    let x = Image::from_planar(W, W, 1, texture(5).data().iter().map(|v| v / 255.0).collect()).unwrap();
    let happy = AuVector::from_expression("happy").unwrap();
    let surprise = AuVector::from_expression("surprise").unwrap();
    let au12 = crate::au::parse_au_list("AU12=1").unwrap();
    for au in [au12, happy.plus(&surprise), happy.plus(&surprise).plus(&au12).scaled(3.0)] {
        let f = model.flow_for(&au).unwrap();
        assert!(f.is_finite());
        assert!(f.max_magnitude() <= max_pixel * 1.0001 && f.mean_magnitude() <= max_mean * 1.0001, "{au}");
        let e = model.predict(&x.view(), &au).unwrap();
        assert!(e.output.data().iter().chain(e.deformed.data()).all(|v| v.is_finite()), "{au}");
    }
    assert!(model.flow_for(&au12).unwrap().mean_magnitude() > 0.0);
    assert!(model.predict(&x.view(), &AuVector([f32::NAN; 17])).is_err());
}

#[test]
fn save_load_predict_is_identical_and_damage_is_reported() {
    let (model, _, _) = two_group_model(true);
    let file = DeformFile::new(model, mien_core::model_file::TrainingInfo::default(), None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.safetensors");
    file.save(&path).unwrap();
    let back = DeformFile::load(&path).unwrap();
    assert_eq!(back, file);
    let x = Image::from_planar(W, W, 1, texture(3).data().iter().map(|v| v / 255.0).collect()).unwrap();
    let au = crate::au::parse_au_list("AU12=0.7,AU1=0.3").unwrap();
    assert_eq!(file.model.predict(&x.view(), &au).unwrap(), back.model.predict(&x.view(), &au).unwrap());
    // The core reader sees the header and names the kind.
    let bytes = std::fs::read(&path).unwrap();
    let meta = mien_core::model_file::ModelFile::read_meta(&bytes, &path).unwrap();
    assert_eq!(meta.kind, "deform");
    let cut = DeformFile::from_bytes(&bytes[..bytes.len() - 64], &path).unwrap_err().to_string();
    assert!(cut.contains("corrupt"), "{cut}");
    let junk = DeformFile::from_bytes(b"not a model file at all", &path).unwrap_err().to_string();
    assert!(junk.contains("not a mien model"), "{junk}");
}

#[test]
fn rejects_bad_parameters_and_inputs() {
    assert!(DeformParams::default().texture_window(4).check().is_err());
    assert!(DeformParams::default().smoothness(0.0).check().is_err());
    assert!(DeformParams::default().levels(0).check().is_err());
    assert!(DeformParams::default().fit(&[]).is_err());
    let (model, _, _) = two_group_model(false);
    let small = Image::new(10, 10, 1);
    let happy = AuVector::from_expression("happy").unwrap();
    assert!(model.predict(&small.view(), &happy).unwrap_err().to_string().contains("trained on 64×64"));
}

#[test]
fn a_change_from_a_source_takes_its_motion_back() {
    let (model, _, _) = two_group_model(true);
    let x = texture(42);
    let happy = AuVector::from_expression("happy").unwrap();
    let sad = AuVector::from_expression("surprise").unwrap();
    // From the target to itself: nothing changes.
    let same = model.predict_change(&x.view(), &happy, &happy).unwrap();
    assert_eq!(same.output.data(), x.data());
    // From neutral: the plain edit.
    let plain = model.predict(&x.view(), &happy).unwrap();
    let from_zero = model.predict_change(&x.view(), &AuVector::zero(), &happy).unwrap();
    assert_eq!(plain.output.data(), from_zero.output.data());
    // Going from a to b and then from b to a returns every pixel to where it was.
    let ab = model.flow_change(&happy, &sad).unwrap();
    let ba = model.flow_change(&sad, &happy).unwrap();
    let mut worst = 0.0f32;
    for y in 8..W - 8 {
        for x in 8..W - 8 {
            let i = y * W + x;
            let (px, py) = (x as f32 + ba.u[i], y as f32 + ba.v[i]);
            let du = ba.u[i] + crate::warp::sample_clamped(&ab.u, W, W, px, py);
            let dv = ba.v[i] + crate::warp::sample_clamped(&ab.v, W, W, px, py);
            worst = worst.max(du.hypot(dv));
        }
    }
    assert!(worst < 0.1, "a round trip moves a pixel by {worst} px");
    assert!(ab.max_magnitude() > 0.0);
    // A negative source is refused like a negative target.
    let mut bad = happy;
    bad.0[0] = -1.0;
    assert!(model.predict_change(&x.view(), &bad, &happy).is_err());
}

#[test]
fn the_inverse_flow_undoes_a_large_smooth_flow() {
    // Scaled up to ~6 px so −F alone is visibly wrong.
    let mut f = known_flow();
    f.u.iter_mut().chain(f.v.iter_mut()).for_each(|x| *x *= 2.5);
    let g = super::predict::inverse(&f);
    let (mut worst, mut naive) = (0.0f32, 0.0f32);
    for y in 12..W - 12 {
        for x in 12..W - 12 {
            let i = y * W + x;
            // x → x + G(x) → that point + F(that point) must land back on x.
            let (px, py) = (x as f32 + g.u[i], y as f32 + g.v[i]);
            let back = |fl: &Flow, dx: f32, dy: f32| {
                (
                    px + crate::warp::sample_clamped(&fl.u, W, W, dx, dy),
                    py + crate::warp::sample_clamped(&fl.v, W, W, dx, dy),
                )
            };
            let (bx, by) = back(&f, px, py);
            worst = worst.max((bx - x as f32).hypot(by - y as f32));
            let (nx, ny) = (x as f32 - f.u[i], y as f32 - f.v[i]);
            let (cx, cy) = (
                nx + crate::warp::sample_clamped(&f.u, W, W, nx, ny),
                ny + crate::warp::sample_clamped(&f.v, W, W, nx, ny),
            );
            naive = naive.max((cx - x as f32).hypot(cy - y as f32));
        }
    }
    assert!(worst < 0.05, "the inverse misses by {worst} px");
    assert!(naive > 5.0 * worst, "−F alone misses by {naive} px, the inverse by {worst}");
}
