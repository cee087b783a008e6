//! Kernel pixel model against the exact dual solve and on a known curve.

use super::fit::fit_pixel;
use super::*;
use crate::dataset::PairedDataset;
use crate::image::Image;
use crate::model_file::{AnyModel, ModelFile, TrainingInfo};
use crate::models::solve::dense_solve;
use crate::models::{PixelParams, Predict};
use crate::normalize::{Normalize, OutputMode};
use crate::synthetic::Rng;

/// Exact kernel ridge prediction by a dense solve of `(K + λI) α = t − mean(t)`.
fn exact_krr(gamma: f64, lambda: f64, x: &[f64], t: &[f64], at: f64) -> f64 {
    let n = x.len();
    let mean = t.iter().sum::<f64>() / n as f64;
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            k[i * n + j] = (-gamma * (x[i] - x[j]).powi(2)).exp() + if i == j { lambda } else { 0.0 };
        }
    }
    let alpha = dense_solve(k, t.iter().map(|v| v - mean).collect(), n);
    mean + (0..n).map(|i| alpha[i] * (-gamma * (at - x[i]).powi(2)).exp()).sum::<f64>()
}

fn eval(fit: &fit::PixelFit, gamma: f64, at: f64) -> f64 {
    fit.bias + fit.centres.iter().zip(&fit.coefs).map(|(c, b)| b * (-gamma * (at - c).powi(2)).exp()).sum::<f64>()
}

#[test]
fn small_samples_use_the_exact_dual_solve() {
    let mut rng = Rng::new(11);
    let p = PixelKernelParams::default().gamma(8.0).lambda(0.05).centres(12);
    let x: Vec<f64> = (0..9).map(|_| rng.uniform()).collect();
    let t: Vec<f64> = x.iter().map(|v| v.sqrt() + 0.05 * rng.normal()).collect();
    let fit = fit_pixel(&p, &x, &t).unwrap();
    for q in [0.0, 0.13, 0.5, 0.77, 1.0] {
        let (a, b) = (eval(&fit, 8.0, q), exact_krr(8.0, 0.05, &x, &t, q));
        assert!((a - b).abs() < 1e-10, "at {q}: {a} vs {b}");
    }
}

#[test]
fn reduced_centres_approximate_the_exact_solve() {
    let mut rng = Rng::new(12);
    let p = PixelKernelParams::default().gamma(10.0).lambda(0.1).centres(12);
    let x: Vec<f64> = (0..150).map(|_| rng.uniform()).collect();
    let t: Vec<f64> = x.iter().map(|v| v.powf(0.45) + 0.02 * rng.normal()).collect();
    let fit = fit_pixel(&p, &x, &t).unwrap();
    let worst = (0..=20)
        .map(|i| i as f64 / 20.0)
        .map(|q| (eval(&fit, 10.0, q) - exact_krr(10.0, 0.1, &x, &t, q)).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.01, "largest deviation from the exact dual solve: {worst}");
}

/// Pairs whose target is a gamma curve of the input, pixel by pixel.
fn gamma_curve_data(rng: &mut Rng, n: usize) -> PairedDataset {
    let (w, h) = (6, 5);
    let images = (0..n)
        .map(|i| {
            let x: Vec<f64> = (0..w * h).map(|_| rng.uniform()).collect();
            let a: Vec<u8> = x.iter().map(|v| (v * 255.0).round() as u8).collect();
            let b: Vec<u8> = x.iter().map(|v| (v.powf(0.4) * 255.0).round() as u8).collect();
            (format!("{i}"), Image::from_planar(w, h, 1, a).unwrap(), Image::from_planar(w, h, 1, b).unwrap())
        })
        .collect();
    PairedDataset::from_images(images, &[], Normalize::Unit, "gamma".into()).unwrap()
}

#[test]
fn fits_a_gamma_curve_better_than_the_linear_pixel_model() {
    let mut rng = Rng::new(13);
    let train = gamma_curve_data(&mut rng, 80);
    let test = gamma_curve_data(&mut rng, 20);
    let kernel = PixelKernelParams::default().lambda(0.01).fit(&train).unwrap();
    let linear = PixelParams::default().lambda(0.01).fit(&train).unwrap();
    let err = |m: &dyn Predict| -> f64 {
        test.pairs
            .iter()
            .map(|p| {
                let x = p.input.to_f32();
                let x = Image::from_planar(6, 5, 1, x.data().iter().map(|v| v / 255.0).collect()).unwrap();
                let y = m.predict(&x.view()).unwrap();
                y.data().iter().zip(p.target.data()).map(|(a, &b)| (*a as f64 - b as f64 / 255.0).powi(2)).sum::<f64>()
            })
            .sum::<f64>()
    };
    let (ek, el) = (err(&kernel), err(&linear));
    assert!(ek < el * 0.25, "kernel error {ek} vs linear {el}");
}

#[test]
fn round_trips_through_the_model_file() {
    let mut rng = Rng::new(14);
    let data = gamma_curve_data(&mut rng, 30);
    let m = PixelKernelParams::default().fit(&data).unwrap();
    let f = ModelFile::new(AnyModel::PixelKernel(m), Normalize::Unit, OutputMode::Clip, TrainingInfo::default());
    let back = ModelFile::from_bytes(&f.to_bytes().unwrap(), "k".as_ref()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn rejects_bad_parameters() {
    assert!(PixelKernelParams::default().gamma(0.0).check().is_err());
    assert!(PixelKernelParams::default().lambda(-0.1).check().is_err());
    assert!(PixelKernelParams::default().centres(1).check().is_err());
}
