//! Landmark motion keeps an expression's strength on a held-out subject where
//! the photometric group flow averages it away. Needs aligned JAFFE
//! (`MIEN_ALIGNED_JAFFE`, made by `.ci/run` with `mien align --jaffe … --expression all`);
//! prints SKIPPED without it.

use std::path::PathBuf;
use std::sync::Arc;

use mien::core::dataset::{LoadOptions, Split};
use mien::core::model_file::TrainingInfo;
use mien::core::normalize::Normalize;
use mien::deform::data::{load_aligned, split_subject, subject_of};
use mien::deform::{AuGroup, DeformFile, DeformParams, MotionSource};
use mien::face::strength::summarize;
use mien::measure::StrengthMeter;
use mien::registry::train::landmark_pairs;
use mien::registry::Model;
use mien::{Editor, Source};

fn aligned_jaffe() -> Option<PathBuf> {
    let dir = std::env::var_os("MIEN_ALIGNED_JAFFE").map(PathBuf::from).filter(|d| d.is_dir());
    if dir.is_none() {
        println!(
            "SKIPPED: set MIEN_ALIGNED_JAFFE to the output of `mien align --jaffe ../shared/data/jaffe --expression all` \
             (.ci/run does)"
        );
    }
    dir
}

#[test]
fn landmark_motion_keeps_the_strength_the_pixel_flow_loses() {
    let Some(dir) = aligned_jaffe() else { return };
    let opts = LoadOptions { normalize: Normalize::MinMax, ..Default::default() };
    let groups: Vec<_> =
        load_aligned(&dir, Split::Train, &opts).unwrap().into_iter().filter(|g| g.name != "disgust").collect();
    let meter = StrengthMeter::new().unwrap();
    let held_out = "KA";
    let splits: Vec<_> = groups.iter().map(|g| split_subject(&g.data, held_out)).collect();
    let points: Vec<_> = splits
        .iter()
        .map(|(train, _)| landmark_pairs(&meter, train, |n| Some(subject_of(n).to_string())).unwrap())
        .collect();
    let fit = |motion: MotionSource| {
        let au_groups: Vec<AuGroup<'_>> = groups
            .iter()
            .zip(&splits)
            .zip(&points)
            .map(|((g, (train, _)), p)| AuGroup { name: &g.name, au: g.au, data: train, points: p })
            .collect();
        let model = DeformParams::default().texture_lambda(30.0).motion(motion).fit(&au_groups).unwrap();
        Arc::new(Model::Deform(DeformFile::new(model, TrainingInfo::default(), None)))
    };
    let (landmarks, pixels) = (fit(MotionSource::Landmarks), fit(MotionSource::Photometric));
    for (g, (_, test)) in groups.iter().zip(&splits) {
        if !["happy", "surprise"].contains(&g.name.as_str()) {
            continue;
        }
        assert!(!test.is_empty(), "{held_out} has {} pairs", g.name);
        let measure = |model: &Arc<Model>| {
            let editor = Editor::new(model.clone(), &g.name).unwrap().source(Source::Neutral).unwrap();
            let strengths: Vec<_> = test
                .pairs
                .iter()
                .map(|p| {
                    let out = editor.edit_crop(&p.input).unwrap();
                    let out = mien::core::image::Image::from_planar(
                        out.width(),
                        out.height(),
                        out.channels(),
                        out.data().iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect(),
                    )
                    .unwrap();
                    meter.compare(&p.input, &out, &p.target).unwrap()
                })
                .collect();
            summarize(&strengths)
        };
        let (lm, px) = (measure(&landmarks), measure(&pixels));
        let (lr, pr) = (lm.mean_ratio.unwrap(), px.mean_ratio.unwrap());
        let lc = lm.mean_cosine.unwrap();
        println!("{}: landmark motion ratio {lr:.2} cosine {lc:.2}; pixel flow ratio {pr:.2}", g.name);
        assert!(lr >= 0.7, "{}: landmark motion reaches only {lr:.2} of the real change", g.name);
        assert!(lr > pr, "{}: landmark motion {lr:.2} is not stronger than the pixel flow {pr:.2}", g.name);
        assert!(lc >= 0.5, "{}: landmark motion points elsewhere (cosine {lc:.2})", g.name);
    }
}
