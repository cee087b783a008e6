//! Masked regression against a brute-force dense solve and on data with a known map.

use std::path::PathBuf;

use super::fit::{fit_rows, weight_sets};
use super::*;
use crate::dataset::PairedDataset;
use crate::image::Image;
use crate::model_file::{AnyModel, ModelFile, TrainingInfo};
use crate::models::solve::dense_solve;
use crate::models::{ChannelMode, PixelParams, Predict};
use crate::normalize::{Normalize, OutputMode};
use crate::synthetic::{self, LocalMap, Rng};

pub(super) fn random_dataset(
    rng: &mut Rng,
    n: usize,
    w: usize,
    h: usize,
    channels: usize,
    normalize: Normalize,
) -> PairedDataset {
    let images = (0..n)
        .map(|i| {
            let a: Vec<u8> = (0..w * h * channels).map(|_| (rng.next_u64() % 256) as u8).collect();
            let b: Vec<u8> = (0..w * h * channels).map(|_| (rng.next_u64() % 256) as u8).collect();
            (
                format!("p{i:03}"),
                Image::from_planar(w, h, channels, a).unwrap(),
                Image::from_planar(w, h, channels, b).unwrap(),
            )
        })
        .collect();
    PairedDataset::from_images(images, &[], normalize, "random".into()).unwrap()
}

/// Stacks every window into a dense design matrix per pixel and solves the
/// normal equations by Gaussian elimination: the textbook definition.
fn brute_force(data: &PairedDataset, r: usize, lambda: f64, penalize_bias: bool) -> Vec<Vec<f64>> {
    let (w, h) = (data.width, data.height);
    let half = (r / 2) as isize;
    let k = r * r;
    let sets = weight_sets(ChannelMode::Separate, data);
    let samples = &sets[0];
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            // Columns: the in-image window offsets, then the bias.
            let offs: Vec<usize> = (0..k)
                .filter(|&o| {
                    let sy = y as isize + (o / r) as isize - half;
                    let sx = x as isize + (o % r) as isize - half;
                    sy >= 0 && sy < h as isize && sx >= 0 && sx < w as isize
                })
                .collect();
            let p = offs.len() + 1;
            let rows: Vec<(Vec<f64>, f64)> = samples
                .iter()
                .map(|s| {
                    let mut v: Vec<f64> = offs
                        .iter()
                        .map(|&o| {
                            let sy = (y as isize + (o / r) as isize - half) as usize;
                            let sx = (x as isize + (o % r) as isize - half) as usize;
                            s.input_norm.forward(s.input[sy * w + sx] as f32) as f64
                        })
                        .collect();
                    v.push(1.0);
                    (v, s.target_norm.forward(s.target[y * w + x] as f32) as f64)
                })
                .collect();
            let mut a = vec![0.0; p * p];
            let mut b = vec![0.0; p];
            for (v, t) in &rows {
                for i in 0..p {
                    b[i] += v[i] * t;
                    for j in 0..p {
                        a[i * p + j] += v[i] * v[j];
                    }
                }
            }
            for i in 0..p {
                if i < p - 1 || penalize_bias {
                    a[i * p + i] += lambda;
                }
            }
            let sol = dense_solve(a, b, p);
            let mut full = vec![0.0; k + 1];
            for (j, &o) in offs.iter().enumerate() {
                full[o] = sol[j];
            }
            full[k] = sol[p - 1];
            out.push(full);
        }
    }
    out
}

#[test]
fn equals_brute_force_dense_ridge() {
    let mut rng = Rng::new(1);
    for (r, penalize_bias) in [(3, true), (5, true), (3, false)] {
        let data = random_dataset(&mut rng, 20, 9, 9, 1, Normalize::MinMax);
        let params =
            MaskedParams::default().receptive_field(r).lambda(0.3).penalize_bias(penalize_bias).prior(Prior::Zero);
        let sets = weight_sets(ChannelMode::Separate, &data);
        let rows = fit_rows(&params, 9, 9, &sets[0], &|| {}).unwrap();
        let want = brute_force(&data, r, 0.3, penalize_bias);
        let k1 = r * r + 1;
        let scale = want.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        for y in 0..9 {
            for x in 0..9 {
                for o in 0..k1 {
                    let got = rows[y][o * 9 + x];
                    let exp = want[y * 9 + x][o];
                    assert!((got - exp).abs() <= 1e-9 * scale, "r={r} pixel ({x},{y}) weight {o}: {got} vs {exp}");
                }
            }
        }
    }
}

#[test]
fn pixel_equals_masked_with_r1() {
    let mut rng = Rng::new(2);
    let data = random_dataset(&mut rng, 15, 8, 6, 3, Normalize::MinMax);
    let a = PixelParams::default().lambda(0.2).fit(&data).unwrap();
    let b = MaskedParams::default().receptive_field(1).lambda(0.2).fit(&data).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.sets, 3);
}

#[test]
fn recovers_a_known_local_map() {
    let mut rng = Rng::new(3);
    let (w, h, r) = (20, 20, 3);
    let map = LocalMap::random(&mut rng, w, h, r);
    let images: Vec<_> = synthetic::pairs(&mut rng, 300, 1, &map, 0.002)
        .into_iter()
        .enumerate()
        .map(|(i, (a, b))| (format!("{i}"), a, b))
        .collect();
    let data = PairedDataset::from_images(images, &[], Normalize::Unit, "synthetic".into()).unwrap();
    let model = MaskedParams::default().receptive_field(r).lambda(1e-4).prior(Prior::Zero).fit(&data).unwrap();
    let per_pixel = model.weights_per_pixel();
    let k1 = r * r + 1;
    let mut worst: f64 = 0.0;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            for o in 0..k1 {
                // `synthetic::pairs` stores 0.5 + 0.25·(map − 0.5): weights ×0.25, bias 0.25·b + 0.375.
                let truth = map.weights[i * k1 + o] * 0.25 + if o == k1 - 1 { 0.375 } else { 0.0 };
                worst = worst.max((per_pixel[i * k1 + o] as f64 - truth).abs());
            }
        }
    }
    assert!(worst < 0.03, "largest weight error {worst}");
}

#[test]
fn prediction_matches_the_fitted_map() {
    let mut rng = Rng::new(4);
    let data = random_dataset(&mut rng, 12, 10, 7, 3, Normalize::MinMax);
    let model = MaskedParams::default().receptive_field(5).channels(ChannelMode::Separate).fit(&data).unwrap();
    let x: Vec<f32> = (0..10 * 7 * 3).map(|i| ((i * 7919) % 101) as f32 / 100.0).collect();
    let img = Image::from_planar(10, 7, 3, x.clone()).unwrap();
    let out = model.predict(&img.view()).unwrap();
    let wpp = model.weights_per_pixel();
    let (w, h, r, k1) = (10usize, 7usize, 5usize, 26usize);
    for c in 0..3 {
        for y in 0..h {
            for xx in 0..w {
                let wt = &wpp[(c * w * h + y * w + xx) * k1..][..k1];
                let mut v = wt[25] as f64;
                for (o, &wo) in wt[..25].iter().enumerate() {
                    let sy = y as isize + (o / r) as isize - 2;
                    let sx = xx as isize + (o % r) as isize - 2;
                    if sy >= 0 && sy < h as isize && sx >= 0 && sx < w as isize {
                        v += wo as f64 * x[c * w * h + sy as usize * w + sx as usize] as f64;
                    }
                }
                let got = out.plane(c)[y * w + xx] as f64;
                assert!((got - v).abs() < 1e-4, "{got} vs {v}");
            }
        }
    }
}

#[test]
fn shared_and_grey_modes_have_one_weight_set() {
    let mut rng = Rng::new(5);
    let data = random_dataset(&mut rng, 10, 6, 6, 3, Normalize::MinMax);
    for mode in [ChannelMode::Shared, ChannelMode::Grey] {
        let m = MaskedParams::default().channels(mode).fit(&data).unwrap();
        assert_eq!(m.sets, 1, "{mode}");
        // One set applies to every channel of a colour input.
        let img = Image::from_planar(6, 6, 3, vec![0.5f32; 108]).unwrap();
        assert_eq!(m.predict(&img.view()).unwrap().channels(), 3);
    }
}

#[test]
fn rejects_bad_parameters() {
    assert!(MaskedParams::default().receptive_field(4).check().is_err());
    assert!(MaskedParams::default().receptive_field(0).check().is_err());
    assert!(MaskedParams::default().lambda(0.0).check().is_err());
    assert!(MaskedParams::default().lambda(-1.0).check().is_err());
    assert!(MaskedParams::default().lambda(f64::NAN).check().is_err());
    assert!(MaskedParams::default().receptive_field(9).check_for_size(8, 8).is_err());
}

#[test]
fn model_file_round_trip_and_damage() {
    let mut rng = Rng::new(6);
    let data = random_dataset(&mut rng, 8, 12, 12, 1, Normalize::MinMax);
    let model = MaskedParams::default().fit(&data).unwrap();
    let file = ModelFile::new(AnyModel::Masked(model), Normalize::MinMax, OutputMode::Clip, TrainingInfo::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    file.save(&path).unwrap();
    let back = ModelFile::load(&path).unwrap();
    assert_eq!(back, file);
    let img = Image::from_planar(12, 12, 1, (0..144).map(|i| (i % 13) as f32 / 12.0).collect()).unwrap();
    let a = file.model.predictor().predict(&img.view()).unwrap();
    let b = back.model.predictor().predict(&img.view()).unwrap();
    assert_eq!(a, b);
    // The file parses with the safetensors crate's own reader.
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.tensor("weights").unwrap().shape(), &[1, 144, 10]);

    let p = PathBuf::from("x");
    let truncated = ModelFile::from_bytes(&bytes[..bytes.len() - 100], &p).unwrap_err().to_string();
    assert!(truncated.contains("corrupt"), "{truncated}");
    let header_cut = ModelFile::from_bytes(&bytes[..40], &p).unwrap_err().to_string();
    assert!(header_cut.contains("truncated"), "{header_cut}");
    let text = ModelFile::from_bytes(b"hello, this is not a model at all", &p).unwrap_err().to_string();
    assert!(text.contains("not a mien model"), "{text}");
    let newer = String::from_utf8_lossy(&bytes).replacen("\"format_version\":\"1\"", "\"format_version\":\"9\"", 1);
    let err = ModelFile::from_bytes(newer.as_bytes(), &p).unwrap_err().to_string();
    assert!(err.contains("version 9") && err.contains("written by mien"), "{err}");
    let kind = ModelFile::load_kind(&path, "pixel-kernel").unwrap_err().to_string();
    assert!(kind.contains("holds a `masked` model"), "{kind}");
}

#[test]
fn identity_prior_shrinks_towards_output_equals_input() {
    let mut rng = Rng::new(9);
    let data = random_dataset(&mut rng, 20, 9, 9, 1, Normalize::MinMax);
    let sets = weight_sets(ChannelMode::Separate, &data);
    let identity = MaskedParams::default().receptive_field(3).lambda(0.3).prior(Prior::Identity);
    let zero = identity.clone().prior(Prior::Zero);
    let a = fit_rows(&identity, 9, 9, &sets[0], &|| {}).unwrap();
    let b = fit_rows(&zero, 9, 9, &sets[0], &|| {}).unwrap();
    // A huge λ leaves the identity map (centre weight 1, the rest 0) under the
    // identity prior, and all-zero weights under the zero prior.
    let shrunk = fit_rows(&identity.clone().lambda(1e9), 9, 9, &sets[0], &|| {}).unwrap();
    let flat = fit_rows(&zero.clone().lambda(1e9), 9, 9, &sets[0], &|| {}).unwrap();
    for y in 0..9 {
        for x in 0..9 {
            assert!((shrunk[y][4 * 9 + x] - 1.0).abs() < 1e-6);
            assert!(shrunk[y][9 + x].abs() < 1e-6 && flat[y][4 * 9 + x].abs() < 1e-6);
        }
    }
    // At a moderate λ the two priors give different models on the same data.
    assert!(a.iter().zip(&b).any(|(u, v)| u.iter().zip(v).any(|(p, q)| (p - q).abs() > 1e-3)));
}
