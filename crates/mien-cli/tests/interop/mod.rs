//! `mien import` / `export` / `apply --reference-pipeline` against the LSRF
//! reference weights (`../shared/data/lsrf-reference`, shared-only data).

use std::path::PathBuf;

use mien::core::image::{self, Image};
use mien::core::npz;

use crate::util::{run_expect, shared_data, Fixture};

/// The reference pipeline computed straight from the CSR matrix: resize
/// (rounded to 8 bits), per-image min–max over all channels, `W·x + b` per
/// channel, global min–max stretch to 0..255.
fn reference_output(csr: &npz::Csr, img: &Image<u8>, side: usize) -> Vec<f64> {
    let small = image::resize_bilinear(&img.view(), side, side).to_u8();
    let (lo, hi) = small.data().iter().fold((255u8, 0u8), |(l, h), &v| (l.min(v), h.max(v)));
    let x: Vec<f64> = small.data().iter().map(|&v| (v as f64 - lo as f64) / (hi as f64 - lo as f64)).collect();
    let d = side * side;
    let mut y = vec![0.0; x.len()];
    for c in 0..small.channels() {
        for i in 0..d {
            y[c * d + i] = csr.row(i).map(|(j, w)| if j == d { w } else { w * x[c * d + j] }).sum();
        }
    }
    let (ylo, yhi) = y.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    y.iter().map(|v| (v - ylo) / (yhi - ylo) * 255.0).collect()
}

#[test]
fn reference_weights_import_apply_and_export() {
    let (Some(weights), Some(wild)) = (shared_data("lsrf-reference/weights"), shared_data("wild")) else { return };
    let fx = Fixture::with_dataset(8, 1);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&weights).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 4);
    let photos = ["andrew.jpg", "paint_1.jpg", "cat.jpg"];
    for (k, w) in files.iter().enumerate() {
        let name = w.file_name().unwrap().to_string_lossy().into_owned();
        let side = if name.contains("size_128") { 128 } else { 80 };
        let kind = if name.starts_with("omp") { "omp" } else { "lsrf" };
        let model = format!("m{k}.safetensors");
        run_expect(&["import", "--npz", w.to_str().unwrap(), "--kind", kind, "-o", &model], fx.dir.path(), 0);
        let out_dir = format!("out{k}");
        let inputs: Vec<String> = photos.iter().map(|p| wild.join(p).to_string_lossy().into_owned()).collect();
        let mut args = vec!["apply", "-m", &model, "--reference-pipeline", "-o", &out_dir];
        args.extend(inputs.iter().map(String::as_str));
        run_expect(&args, fx.dir.path(), 0);
        let csr = npz::read_csr(w).unwrap();
        for p in photos {
            let input = image::load(&wild.join(p), Default::default()).unwrap();
            let out =
                image::load(&fx.path(&format!("{out_dir}/{}.png", p.trim_end_matches(".jpg"))), Default::default())
                    .unwrap();
            assert_eq!((out.width(), out.height(), out.channels()), (side, side, input.channels()), "{name} {p}");
            assert_eq!(*out.data().iter().min().unwrap(), 0, "stretched output starts at 0");
            assert_eq!(*out.data().iter().max().unwrap(), 255, "stretched output ends at 255");
            let want = reference_output(&csr, &input, side);
            let worst = out.data().iter().zip(&want).map(|(&o, &r)| (o as f64 - r).abs()).fold(0.0, f64::max);
            assert!(worst <= 1.0, "{name} on {p}: largest difference from the hand-computed pipeline {worst}");
        }
        // Export gives back exactly the matrix that was imported.
        let back = format!("back{k}.npz");
        run_expect(&["export", "-m", &model, "--npz", &back], fx.dir.path(), 0);
        assert_eq!(npz::read_csr(&fx.path(&back)).unwrap(), csr, "{name}: import → export must be exact");
    }
}

#[test]
fn export_refuses_whole_image_models_and_per_channel_weights() {
    let fx = Fixture::with_dataset(16, 6);
    run_expect(&["train", "--model", "ridge", "--data", "data", "-o", "r.safetensors"], fx.dir.path(), 0);
    let err = run_expect(&["export", "-m", "r.safetensors", "--npz", "r.npz"], fx.dir.path(), 2);
    assert!(err.contains("not a sparse linear map"), "{err}");
    run_expect(
        &["train", "--model", "masked", "--channels", "shared", "--data", "data", "-o", "m.safetensors"],
        fx.dir.path(),
        0,
    );
    run_expect(&["export", "-m", "m.safetensors", "--npz", "m.npz"], fx.dir.path(), 0);
    let csr = npz::read_csr(&fx.path("m.npz")).unwrap();
    assert_eq!((csr.rows, csr.cols), (256, 257));
    assert!(!fx.path("r.npz").exists());
}
