//! Feature sliders and local Action Units on a real photo with the built-in
//! deformation model: each slider alone changes the photo only inside its
//! region (`Editor::region_box`), and visibly inside it.

use mien::core::image::{self, Image};
use mien::deform::{parse_au_list, Features, FEATURES};
use mien::{Editor, FaceFinder, Source, Timings};

fn photo() -> Image<u8> {
    image::decode(mien::samples::sample("astronaut").unwrap().png, "astronaut".as_ref(), Default::default()).unwrap()
}

/// (pixels changed by more than 2 levels inside the box, largest change outside it).
fn changes(a: &Image<u8>, b: &Image<u8>, bx: [f32; 4]) -> (usize, u8) {
    let (w, h) = (a.width(), a.height());
    let (mut inside, mut outside) = (0usize, 0u8);
    for c in 0..a.channels() {
        let (pa, pb) = (a.plane(c), b.plane(c));
        for y in 0..h {
            for x in 0..w {
                let d = pa[y * w + x].abs_diff(pb[y * w + x]);
                // Bilinear resampling may reach the pixel next to the box's edge.
                let within = x as f32 + 1.0 >= bx[0] - 1.0
                    && (x as f32) <= bx[2] + 1.0
                    && y as f32 + 1.0 >= bx[1] - 1.0
                    && (y as f32) <= bx[3] + 1.0;
                if within {
                    inside += usize::from(d > 2);
                } else {
                    outside = outside.max(d);
                }
            }
        }
    }
    (inside, outside)
}

fn check(editor: &Editor, what: &str) -> (usize, [f32; 4]) {
    let (photo, finder) = (photo(), FaceFinder::new().unwrap());
    let edited = editor.edit(&finder, &photo, &mut Timings::default()).unwrap();
    let region = editor.region_box(&edited.faces[0]).unwrap().expect("a local edit has a region");
    let (inside, outside) = changes(&photo, &edited.image, region);
    println!("{what}: {inside} pixels changed inside {region:?}, largest change outside {outside}");
    assert!(outside <= 1, "{what}: a pixel outside its region changed by {outside} levels");
    assert!(inside > 30, "{what}: only {inside} pixels changed inside its region");
    (inside, region)
}

#[test]
fn each_slider_alone_changes_only_its_region() {
    let base = Editor::builtin("deform", "happy").unwrap();
    let mut areas = Vec::new();
    for f in FEATURES {
        for value in [1.0, f.min].into_iter().filter(|&v| v != 0.0) {
            let mut s = Features::zero();
            s.set(f.name, value).unwrap();
            let editor = base.clone().with_features(s).unwrap();
            let (_, r) = check(&editor, &format!("{}={value}", f.name));
            areas.push((f.name, (r[2] - r[0]) * (r[3] - r[1]), r));
        }
    }
    // Brows sit above the mouth: the regions really are different places.
    let top = |n: &str| areas.iter().find(|a| a.0 == n).unwrap().2[1];
    assert!(top("brows-up") < top("smile") && top("brows-down") < top("mouth-open"));
    // Whole-face expression edits have no region.
    let face = FaceFinder::new().unwrap().find(&photo(), &mien::faces::detect_options(None)).unwrap().0;
    assert_eq!(base.region_box(&face[0]).unwrap(), None);
}

#[test]
fn an_action_unit_alone_acts_in_its_own_region() {
    for list in ["AU12=1", "AU4=1", "AU26=1"] {
        let editor = Editor::builtin("deform", "happy")
            .unwrap()
            .source(Source::Neutral)
            .unwrap()
            .with_au(parse_au_list(list).unwrap())
            .unwrap();
        check(&editor, list);
    }
    // From the classifier's estimate (she smiles): the smile is taken back too, and the
    // region then covers it.
    let editor = Editor::builtin("deform", "happy").unwrap().with_au(parse_au_list("AU4=1").unwrap()).unwrap();
    check(&editor, "AU4=1 from auto");
}

#[test]
fn sliders_need_the_deformation_model() {
    let e = Editor::builtin("masked", "happy").unwrap().with_features("smile=1".parse().unwrap()).unwrap_err();
    assert!(e.to_string().contains("deformation model"), "{e}");
}
