//! Leave-one-subject-out on aligned JAFFE: the motion-only output is closer to
//! the target than the input is, for every expression.
//!
//! JAFFE may not be redistributed, so the aligned crops are not in the
//! project. Point `MIEN_ALIGNED_JAFFE` at the output of
//! `mien align --jaffe ../shared/data/jaffe --expression all --pairs-all -o DIR`;
//! without it (or when the folder is absent) the test prints `SKIPPED: …` and
//! passes. (It cannot align JAFFE itself: alignment lives in `mien-face`.)

use std::path::PathBuf;

use mien_core::dataset::{LoadOptions, Split};
use mien_core::image::Image;
use mien_deform::data::{load_aligned, split_subject, ExpressionData};
use mien_deform::DeformParams;

const HOW: &str = "`mien align --jaffe ../shared/data/jaffe --expression all --pairs-all -o DIR`";

/// The folder `MIEN_ALIGNED_JAFFE` names, or `None` after printing `SKIPPED: …`.
fn aligned_jaffe() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("MIEN_ALIGNED_JAFFE").map(PathBuf::from) else {
        eprintln!("SKIPPED: set MIEN_ALIGNED_JAFFE to an aligned JAFFE folder ({HOW})");
        return None;
    };
    if !dir.is_dir() {
        eprintln!("SKIPPED: MIEN_ALIGNED_JAFFE={} is not a folder; point it at the output of {HOW}", dir.display());
        return None;
    }
    Some(dir)
}

#[test]
fn motion_only_beats_the_input_on_held_out_subjects() {
    let Some(dir) = aligned_jaffe() else { return };
    let all = load_aligned(&dir, Split::Train, &LoadOptions::default()).unwrap();
    // Three folds keep the test near 10 s; the example `jaffe_loso` runs all ten.
    let mut sums = vec![(0.0f64, 0.0f64, 0usize); all.len()];
    for subject in ["KA", "NA", "YM"] {
        let split: Vec<_> = all.iter().map(|e| split_subject(&e.data, subject)).collect();
        let train: Vec<ExpressionData> = all
            .iter()
            .zip(&split)
            .map(|(e, (tr, _))| ExpressionData { name: e.name.clone(), au: e.au, data: tr.clone() })
            .collect();
        let groups: Vec<_> = train.iter().map(ExpressionData::group).collect();
        let model = DeformParams::default().texture(false).fit(&groups).unwrap();
        for (i, (e, (_, test))) in all.iter().zip(&split).enumerate() {
            for p in &test.pairs {
                let norm = |img: &Image<u8>, a: mien_core::normalize::Affine| {
                    let v = img.plane(0).iter().map(|&x| a.forward(x as f32)).collect();
                    Image::from_planar(img.width(), img.height(), 1, v).unwrap()
                };
                let (x, t) = (norm(&p.input, p.input_norm), norm(&p.target, p.target_norm));
                let deformed = model.predict(&x.view(), &e.au).unwrap().deformed;
                let mse = |a: &Image<f32>| {
                    a.data().iter().zip(t.data()).map(|(u, v)| ((u - v) as f64).powi(2)).sum::<f64>()
                        / a.data().len() as f64
                };
                sums[i].0 += mse(&x);
                sums[i].1 += mse(&deformed);
                sums[i].2 += 1;
            }
        }
    }
    for (e, (input, motion, n)) in all.iter().zip(&sums) {
        eprintln!(
            "{:>9}: {n} test pairs, MSE input {:.5}, motion only {:.5}",
            e.name,
            input / *n as f64,
            motion / *n as f64
        );
        assert!(*n > 0 && motion < input, "{}: motion-only MSE {motion} is not below the input's {input}", e.name);
    }
}
