//! Colour-true editing as a property: an edit changes luminance; the photo's
//! chroma is kept (moved only by an AU model's motion step).

use mien::core::image::chroma::chroma;
use mien::core::image::{self, Image};
use mien::face::align::align_face;
use mien::{Colour, Editor, FaceFinder};

fn astronaut_crop(editor: &Editor) -> Image<u8> {
    let photo =
        image::decode(mien::samples::sample("astronaut").unwrap().png, "astronaut".as_ref(), Default::default())
            .unwrap();
    let finder = FaceFinder::new().unwrap();
    let (faces, _) = finder.find(&photo, &mien::faces::detect_options(None)).unwrap();
    align_face(&photo, &faces[0].landmarks, editor.template()).unwrap().crop
}

/// Largest Cb/Cr difference between two RGB images over pixels away from the
/// 0..255 limits (where chroma may be shrunk to stay in range), and how many were compared.
fn max_chroma_gap(a: &Image<f32>, b: &Image<f32>) -> (f32, usize) {
    let n = a.width() * a.height();
    let (pa, pb) = (a.data(), b.data());
    let (mut worst, mut counted) = (0.0f32, 0);
    for i in 0..n {
        let rgb_b = [pb[i], pb[n + i], pb[2 * n + i]];
        if rgb_b.iter().any(|&v| !(1.0..=254.0).contains(&v)) {
            continue;
        }
        let (ca, cb) = (chroma(pa[i], pa[n + i], pa[2 * n + i]), chroma(rgb_b[0], rgb_b[1], rgb_b[2]));
        worst = worst.max((ca.0 - cb.0).abs()).max((ca.1 - cb.1).abs());
        counted += 1;
    }
    (worst, counted)
}

#[test]
fn every_builtin_model_keeps_the_photos_chroma() {
    for model in mien::registry::builtin::NAMES {
        for expression in ["happy", "surprise", "sad"] {
            let editor = Editor::builtin(model, expression).unwrap();
            let crop = astronaut_crop(&editor);
            let (edited, deformed) = editor.edit_crop_at(&crop, 1.0).unwrap();
            // Outside the motion the chroma source is the crop itself; with motion, the moved crop.
            let source = deformed.unwrap_or_else(|| crop.to_f32());
            let (gap, counted) = max_chroma_gap(&source, &edited);
            assert!(counted > crop.width() * crop.height() / 2, "{model}/{expression}: {counted} pixels compared");
            assert!(gap < 0.01, "{model}/{expression}: chroma moved by {gap}");
            // And the edit did change something: luminance.
            let changed = edited.data().iter().zip(source.data()).filter(|(a, b)| (**a - **b).abs() > 2.0).count();
            assert!(changed > 100, "{model}/{expression}: the edit changed only {changed} values");
        }
    }
}

#[test]
fn model_colour_mode_gives_the_models_own_output() {
    let editor = Editor::builtin("masked", "surprise").unwrap().colour(Colour::Model);
    let crop = astronaut_crop(&editor);
    let (edited, _) = editor.edit_crop_at(&crop, 1.0).unwrap();
    // Channel-by-channel grey-trained regression shifts chroma somewhere: that is what KeepChroma prevents.
    let (gap, _) = max_chroma_gap(&crop.to_f32(), &edited);
    assert!(gap > 3.0, "expected the raw model to move chroma, moved {gap}");
}

#[test]
fn a_face_crop_is_aligned_without_detection_and_stripes_are_resized() {
    let editor = Editor::builtin("masked", "happy").unwrap();
    let finder = FaceFinder::new().unwrap();
    let crop = astronaut_crop(&editor);
    let edited = editor.edit_crop_photo(&finder, &crop, &mut Default::default()).unwrap();
    assert_eq!(edited.faces.len(), 1, "the aligned astronaut crop has face landmarks");
    assert_eq!((edited.image.width(), edited.image.height()), (crop.width(), crop.height()));
    assert_ne!(edited.image.data(), crop.data(), "the face was edited");
    // Stripes: no face to find, but not constant (a model cannot normalise a constant image).
    let stripes = Image::from_planar(96, 96, 3, (0..96 * 96 * 3).map(|i| ((i / 8) % 2 * 200) as u8).collect()).unwrap();
    let edited = editor.edit_crop_photo(&finder, &stripes, &mut Default::default()).unwrap();
    assert!(edited.faces.is_empty(), "no face landmarks on stripes: plain resizing");
}

#[test]
fn plausible_faces_are_upright_and_fill_the_crop() {
    let finder = FaceFinder::new().unwrap();
    let photo =
        image::decode(mien::samples::sample("astronaut").unwrap().png, "astronaut".as_ref(), Default::default())
            .unwrap();
    let (faces, _) = finder.find(&photo, &mien::faces::detect_options(None)).unwrap();
    let points = faces[0].landmarks;
    // In the 512 px photo the face is small: not a face crop.
    assert!(!mien::faces::plausible_face(&points, photo.width(), photo.height()));
    // Cut to its box, the same points describe a face filling the crop.
    let b = faces[0].face;
    let shifted: mien::face::Landmarks = std::array::from_fn(|i| (points[i].0 - b.x, points[i].1 - b.y));
    assert!(mien::faces::plausible_face(&shifted, b.w as usize, b.h as usize));
    // Upside down it is not.
    let flipped: mien::face::Landmarks = std::array::from_fn(|i| (shifted[i].0, b.h - shifted[i].1));
    assert!(!mien::faces::plausible_face(&flipped, b.w as usize, b.h as usize));
}

#[test]
fn intensity_above_one_exaggerates_and_above_the_limit_is_refused() {
    for model in mien::registry::builtin::NAMES {
        let editor = Editor::builtin(model, "surprise").unwrap();
        let crop = astronaut_crop(&editor);
        let change = |a: f32| -> f64 {
            let (out, _) = editor.edit_crop_at(&crop, a).unwrap();
            out.data().iter().zip(crop.to_f32().data()).map(|(o, i)| f64::from((o - i).abs())).sum()
        };
        let (full, more) = (change(1.0), change(1.5));
        assert!(more > 1.2 * full, "{model}: change at 1.5 ({more}) vs at 1 ({full})");
    }
    assert!(Editor::builtin("masked", "happy").unwrap().intensity(1.5).is_ok());
    let err = Editor::builtin("masked", "happy").unwrap().intensity(1.6).unwrap_err();
    assert!(err.to_string().contains("1.5"), "{err}");
}
