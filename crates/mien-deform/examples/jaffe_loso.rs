//! Leave-one-subject-out evaluation of the deform model on aligned JAFFE,
//! with training time on all data and masked regression for comparison.
//!
//! ```text
//! mien align --jaffe ../shared/data/jaffe --expression all --pairs-all -o /tmp/deform-al
//! cargo run --release -p mien-deform --example jaffe_loso -- /tmp/deform-al [FOLDS]
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use mien_core::dataset::{LoadOptions, Pair, Split};
use mien_core::image::Image;
use mien_core::metrics;
use mien_core::models::{MaskedParams, Predict};
use mien_deform::data::{load_aligned, split_subject, subject_of, ExpressionData};
use mien_deform::DeformParams;

fn normalised(p: &Pair) -> Image<f32> {
    let v = p.input.plane(0).iter().map(|&x| p.input_norm.forward(x as f32)).collect();
    Image::from_planar(p.input.width(), p.input.height(), 1, v).unwrap()
}

fn to_pixels(p: &Pair, img: &Image<f32>) -> Image<u8> {
    let v = img.data().iter().map(|&x| p.input_norm.inverse(x).round().clamp(0.0, 255.0) as u8).collect();
    Image::from_planar(img.width(), img.height(), 1, v).unwrap()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: jaffe_loso ALIGNED_DIR [FOLDS]")?);
    let folds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let all: Vec<ExpressionData> = load_aligned(&dir, Split::Train, &LoadOptions::default())?;
    let pairs: usize = all.iter().map(|e| e.data.len()).sum();
    let mut params = DeformParams::default();
    if let Ok(a) = std::env::var("DEFORM_SMOOTHNESS") {
        params = params.smoothness(a.parse()?);
    }
    if let Ok(a) = std::env::var("DEFORM_TEXTURE_LAMBDA") {
        params = params.texture_lambda(a.parse()?);
    }

    let t = Instant::now();
    let groups: Vec<_> = all.iter().map(ExpressionData::group).collect();
    let model = params.fit(&groups)?;
    println!(
        "training on all {pairs} pairs ({} threads): {:.2} s; flow limits {:?}",
        rayon::current_num_threads(),
        t.elapsed().as_secs_f64(),
        model.flow_limits()
    );

    let bytes = mien_deform::DeformFile::new(model, Default::default(), None).to_bytes()?;
    println!("model file: {:.2} MB", bytes.len() as f64 / 1e6);

    let subjects: BTreeSet<String> = all[0].data.pairs.iter().map(|p| subject_of(&p.name).to_string()).collect();
    // [expr] → (input mse, motion mse, deform ssim, masked ssim, n)
    let mut acc = vec![[0.0f64; 5]; all.len()];
    for subject in subjects.iter().take(folds) {
        let split: Vec<_> = all.iter().map(|e| split_subject(&e.data, subject)).collect();
        let train: Vec<ExpressionData> = all
            .iter()
            .zip(&split)
            .map(|(e, (tr, _))| ExpressionData { name: e.name.clone(), au: e.au, data: tr.clone() })
            .collect();
        let groups: Vec<_> = train.iter().map(ExpressionData::group).collect();
        let t = Instant::now();
        let model = params.fit(&groups)?;
        let fit_s = t.elapsed().as_secs_f64();
        for (i, (e, (tr, te))) in all.iter().zip(&split).enumerate() {
            let masked =
                if e.name == "happy" || e.name == "surprise" { Some(MaskedParams::default().fit(tr)?) } else { None };
            for p in &te.pairs {
                let x = normalised(p);
                let tgt = Image::from_planar(
                    x.width(),
                    x.height(),
                    1,
                    p.target.plane(0).iter().map(|&v| p.target_norm.forward(v as f32)).collect(),
                )
                .unwrap();
                let ed = model.predict(&x.view(), &e.au)?;
                let mse = |a: &Image<f32>| {
                    a.data().iter().zip(tgt.data()).map(|(u, v)| ((u - v) as f64).powi(2)).sum::<f64>()
                        / a.data().len() as f64
                };
                acc[i][0] += mse(&x);
                acc[i][1] += mse(&ed.deformed);
                acc[i][2] += metrics::ssim(&to_pixels(p, &ed.output), &p.target);
                if let Some(m) = &masked {
                    acc[i][3] += metrics::ssim(&to_pixels(p, &m.predict(&x.view())?), &p.target);
                }
                acc[i][4] += 1.0;
            }
        }
        println!("fold {subject}: fit {fit_s:.2} s");
    }
    println!("\n| expression | pairs | MSE input→target | MSE motion-only→target | SSIM deform | SSIM masked |");
    println!("|---|---|---|---|---|---|");
    for (e, a) in all.iter().zip(&acc) {
        let n = a[4].max(1.0);
        let masked = if e.name == "happy" || e.name == "surprise" { format!("{:.4}", a[3] / n) } else { "–".into() };
        println!("| {} | {} | {:.5} | {:.5} | {:.4} | {} |", e.name, a[4], a[0] / n, a[1] / n, a[2] / n, masked);
    }
    Ok(())
}
