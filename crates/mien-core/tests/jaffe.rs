//! JAFFE neutral→happy on simple centre crops: masked regression (r = 3) must
//! beat the identity map and the pixel model on held-out subjects.
//!
//! Needs `../shared/data/jaffe` (research-use data that never enters the
//! repository); prints `SKIPPED: …` and returns when it is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mien_core::dataset::PairedDataset;
use mien_core::image::{self, DecodeLimits, Image};
use mien_core::metrics;
use mien_core::model_file::{AnyModel, ModelFile, TrainingInfo};
use mien_core::models::{MaskedParams, PixelParams};
use mien_core::normalize::{Normalize, OutputMode};
use mien_core::pipeline::{self, ApplyOptions};

const HELD_OUT: [&str; 2] = ["KA", "KL"];

/// `../shared/data/jaffe` next to the project root, or `None` after saying what is missing.
fn jaffe_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/jaffe");
    if dir.is_dir() {
        return Some(dir);
    }
    eprintln!("SKIPPED: ../shared/data/jaffe not found; put the project's shared data folder at ../shared, next to the project root");
    None
}

/// Rows 40..232, columns 32..224 of the 256×256 photo, resized to 128×128.
fn centre_crop(img: &Image<u8>) -> Image<u8> {
    let (x0, y0, s) = (32, 40, 192);
    let src = img.plane(0);
    let data: Vec<u8> = (0..s * s).map(|i| src[(y0 + i / s) * img.width() + x0 + i % s]).collect();
    let crop = Image::from_planar(s, s, 1, data).unwrap();
    image::resize_bilinear(&crop.view(), 128, 128).to_u8()
}

/// Per subject: the neutral takes and the named happy takes.
type SubjectPhotos = BTreeMap<String, (Vec<Image<u8>>, Vec<(String, Image<u8>)>)>;

/// (subject → neutral takes, happy takes), all centre-cropped.
fn load_happy_pairs(dir: &Path) -> SubjectPhotos {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut out: SubjectPhotos = BTreeMap::new();
    for n in names {
        let parts: Vec<&str> = n.split('.').collect();
        if parts.len() < 3 {
            continue;
        }
        let (subj, expr) = (parts[0].to_string(), &parts[1][..2]);
        if expr != "NE" && expr != "HA" {
            continue;
        }
        let img = image::load(&dir.join(&n), DecodeLimits::default()).unwrap().to_grey();
        let entry = out.entry(subj).or_default();
        if expr == "NE" {
            entry.0.push(centre_crop(&img));
        } else {
            entry.1.push((n.clone(), centre_crop(&img)));
        }
    }
    out
}

/// Every neutral take paired with every happy take of the same subject.
fn dataset(pairs: &SubjectPhotos, test: bool) -> PairedDataset {
    let images = pairs
        .iter()
        .filter(|(s, _)| HELD_OUT.contains(&s.as_str()) == test)
        .flat_map(|(_, (ne, ha))| {
            ne.iter()
                .enumerate()
                .flat_map(move |(i, n)| ha.iter().map(move |(name, h)| (format!("{name}-ne{i}"), n.clone(), h.clone())))
        })
        .collect();
    PairedDataset::from_images(images, &[], Normalize::MinMax, "jaffe-centre".into()).unwrap()
}

fn test_mse(model: Option<&ModelFile>, test: &PairedDataset) -> f64 {
    let total: f64 = test
        .pairs
        .iter()
        .map(|p| {
            let out = match model {
                Some(m) => pipeline::apply(m, &p.input, p.name.as_ref(), ApplyOptions::default()).unwrap(),
                None => p.input.clone(),
            };
            metrics::mse(&out, &p.target)
        })
        .sum();
    total / test.len() as f64
}

#[test]
fn masked_beats_identity_and_pixel_on_held_out_subjects() {
    let Some(dir) = jaffe_dir() else { return };
    let pairs = load_happy_pairs(&dir);
    assert_eq!(pairs.len(), 10, "ten JAFFE subjects, palette TIFFs of KM included");
    let (train, test) = (dataset(&pairs, false), dataset(&pairs, true));
    let wrap = |m| ModelFile::new(m, Normalize::MinMax, OutputMode::Clip, TrainingInfo::default());
    let lambda: f64 = std::env::var("MIEN_LAMBDA").ok().and_then(|v| v.parse().ok()).unwrap_or(3.0);
    let masked = wrap(AnyModel::Masked(MaskedParams::default().receptive_field(3).lambda(lambda).fit(&train).unwrap()));
    let pixel = wrap(AnyModel::Pixel(PixelParams::default().lambda(lambda).fit(&train).unwrap()));
    let (m_id, m_px, m_mr) = (test_mse(None, &test), test_mse(Some(&pixel), &test), test_mse(Some(&masked), &test));
    println!(
        "JAFFE centre crops 128×128, neutral→happy, {} train / {} test pairs (held out {:?}): \
         identity MSE {m_id:.5}, pixel {m_px:.5}, masked r=3 {m_mr:.5}",
        train.len(),
        test.len(),
        HELD_OUT
    );
    assert!(m_mr < m_id, "masked {m_mr} should beat identity {m_id}");
    assert!(m_mr < m_px, "masked {m_mr} should beat pixel {m_px}");
}
