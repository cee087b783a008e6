//! `mien align`, `edit`, `score` on real photos. The bundled samples are in the
//! repository; JAFFE tests need `../shared` and print SKIPPED without it.

use std::path::PathBuf;

use mien::core::image::{self, Image};

use crate::util::{csv_mse, run_expect, shared_data, Fixture};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/samples")).join(name)
}

fn load(p: &std::path::Path) -> Image<u8> {
    image::load(p, Default::default()).unwrap()
}

#[test]
fn intensity_zero_returns_the_photo_and_one_changes_the_face() {
    let fx = Fixture::with_dataset(8, 1);
    let photo = sample("astronaut.png");
    let p = photo.to_str().unwrap();
    run_expect(&["edit", p, "--intensity", "0", "-o", "zero.png"], fx.dir.path(), 0);
    run_expect(&["edit", p, "-e", "surprise", "-o", "full.png", "--debug-dir", "dbg"], fx.dir.path(), 0);
    let (orig, zero, full) = (load(&photo), load(&fx.path("zero.png")), load(&fx.path("full.png")));
    assert_eq!((zero.width(), zero.height(), zero.channels()), (orig.width(), orig.height(), orig.channels()));
    let worst = orig.data().iter().zip(zero.data()).map(|(&a, &b)| (a as i32 - b as i32).abs()).max().unwrap();
    assert!(worst <= 1, "intensity 0 changed a pixel by {worst}");
    let changed = orig.data().iter().zip(full.data()).filter(|(a, b)| a != b).count();
    let n = orig.data().len();
    // The face changes, the rest of the photo (most of it) stays bit-exact.
    assert!(changed > n / 100 && changed < n / 3, "{changed} of {n} values changed");
    for f in ["full-faces.png", "full-face1-aligned.png", "full-face1-edited.png"] {
        assert!(fx.path(&format!("dbg/{f}")).is_file(), "{f}");
    }
}

#[test]
fn no_face_exits_1_and_writes_nothing() {
    let fx = Fixture::with_dataset(8, 1);
    // A smooth synthetic image: no face anywhere.
    let plain = Image::from_planar(200, 150, 3, (0..200 * 150 * 3).map(|i| (i % 200) as u8).collect()).unwrap();
    fx.save("plain.png", &plain);
    let err = run_expect(&["edit", "plain.png", "-o", "out.png"], fx.dir.path(), 1);
    assert!(err.contains("no face found"), "{err}");
    assert!(!fx.path("out.png").exists());
    // --no-detect edits it as a crop anyway.
    run_expect(&["edit", "plain.png", "--no-detect", "-o", "out.png"], fx.dir.path(), 0);
    assert_eq!(load(&fx.path("out.png")).width(), 200);
}

#[test]
fn bad_edit_inputs_fail_cleanly() {
    let fx = Fixture::with_dataset(8, 1);
    let p = sample("astronaut.png");
    let p = p.to_str().unwrap();
    fx.write("corrupt.png", b"\x89PNG\r\n\x1a\nthis is not really a png");
    for (args, needle) in [
        (vec!["edit", "corrupt.png", "-o", "o.png"], "cannot decode"),
        (vec!["edit", p, "-e", "smug", "-o", "o.png"], "unknown"),
        (vec!["edit", p, "--intensity", "3", "-o", "o.png"], "--intensity"),
        (vec!["edit", p, "-m", "nonexistent.safetensors", "-o", "o.png"], "neither a built-in model"),
        (vec!["edit", p, "--face", "0", "-o", "o.png"], "--face"),
        (vec!["edit", p, "--face", "5", "-o", "o.png"], "only 1 face"),
        (vec!["edit", p, "-o", "o.jpg"], "PNG"),
    ] {
        let err = run_expect(&args, fx.dir.path(), 2);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!fx.path("o.png").exists() && !fx.path("o.jpg").exists());
    }
}

#[test]
fn group_photo_and_border_faces() {
    let fx = Fixture::with_dataset(8, 1);
    let s = sample("solvay_1927.png");
    let err = run_expect(&["edit", s.to_str().unwrap(), "-o", "solvay.png"], fx.dir.path(), 0);
    assert!(err.contains("edited 29 face(s)"), "{err}");
    // The astronaut cut so that her face touches the right border.
    let a = load(&sample("astronaut.png"));
    let (w, h) = (250, 300);
    let mut data = Vec::new();
    for c in 0..3 {
        for y in 0..h {
            data.extend_from_slice(&a.plane(c)[y * 512..y * 512 + w]);
        }
    }
    fx.save("border.png", &Image::from_planar(w, h, 3, data).unwrap());
    run_expect(&["edit", "border.png", "-o", "border-out.png"], fx.dir.path(), 0);
    assert_eq!(load(&fx.path("border-out.png")).width(), w);
    // Tiny faces: the group photo shrunk to a quarter has faces under 24 px, skipped with a message.
    let small = image::resize_bilinear(&load(&s).view(), 416, 284).to_u8();
    fx.save("small.png", &small);
    let err = run_expect(&["edit", "small.png", "--min-face", "24", "-o", "small-out.png"], fx.dir.path(), 1);
    assert!(err.contains("no face found") && err.contains("--min-face"), "{err}");
    assert!(!fx.path("small-out.png").exists());
}

#[test]
fn align_jaffe_counts_and_aligned_model_quality() {
    let Some(dir) = shared_data("jaffe") else { return };
    let fx = Fixture::with_dataset(8, 1);
    let d = dir.to_str().unwrap();
    let err = run_expect(
        &["align", "--jaffe", d, "--expression", "all", "--pairs-all", "--test-subjects", "KA,KL", "-o", "al"],
        fx.dir.path(),
        0,
    );
    assert!(err.contains("aligned 213 photos") && err.contains("0 skipped"), "{err}");
    // Every neutral take × every expression take of each subject, counted from the file names.
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let takes = |subj: &str, code: &str| names.iter().filter(|n| n.starts_with(&format!("{subj}.{code}"))).count();
    let subjects = ["KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM"];
    for (expr, code) in
        [("happy", "HA"), ("surprise", "SU"), ("sad", "SA"), ("angry", "AN"), ("disgust", "DI"), ("fear", "FE")]
    {
        let count = |test: bool| -> usize {
            subjects.iter().filter(|s| ["KA", "KL"].contains(s) == test).map(|s| takes(s, "NE") * takes(s, code)).sum()
        };
        let (train, test) = (count(false), count(true));
        assert!(err.contains(&format!("{expr:>9}: {train} train pairs, {test} test pairs")), "{expr}: {err}");
        let csv = std::fs::read_to_string(fx.path(&format!("al/{expr}/pairs.csv"))).unwrap();
        assert_eq!(csv.lines().count(), 1 + train + test, "{expr}");
    }
    // Leave two subjects out, five times over (disjoint pairs of subjects):
    // masked r = 3 must beat the identity map and the pixel model on mean test MSE.
    run_expect(&["align", "--jaffe", d, "--expression", "happy", "--pairs-all", "-o", "all"], fx.dir.path(), 0);
    let pairs = std::fs::read_to_string(fx.path("all/pairs.csv")).unwrap();
    let folds = [["KA", "KL"], ["KM", "KR"], ["MK", "NA"], ["NM", "TM"], ["UY", "YM"]];
    let (mut m_sum, mut p_sum, mut i_sum) = (0.0, 0.0, 0.0);
    for (k, held) in folds.iter().enumerate() {
        let fold = fx.path(&format!("fold{k}"));
        for line in pairs.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let split = if held.contains(&f[0]) { "test" } else { "train" };
            for side in ["A", "B"] {
                let to = fold.join(format!("{split}{side}"));
                std::fs::create_dir_all(&to).unwrap();
                std::fs::copy(fx.path(&format!("all/train{side}/{}.png", f[3])), to.join(format!("{}.png", f[3])))
                    .unwrap();
            }
        }
        std::fs::copy(fx.path("all/template.json"), fold.join("template.json")).unwrap();
        let fd = fold.to_str().unwrap();
        run_expect(&["train", "--model", "masked", "--data", fd, "-o", "m.safetensors"], fx.dir.path(), 0);
        run_expect(&["train", "--model", "pixel", "--data", fd, "-o", "p.safetensors"], fx.dir.path(), 0);
        let out = crate::util::mien()
            .args(["eval", "-m", "m.safetensors", "-m", "p.safetensors", "--data", fd, "--csv", "e.csv"])
            .current_dir(fx.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        let csv = std::fs::read_to_string(fx.path("e.csv")).unwrap();
        let (i, p, m) = (csv_mse(&csv, "identity"), csv_mse(&csv, "p"), csv_mse(&csv, "m"));
        println!("held out {held:?}: identity {i:.5}, pixel {p:.5}, masked {m:.5}");
        m_sum += m;
        p_sum += p;
        i_sum += i;
    }
    println!(
        "aligned JAFFE happy, mean over 5 folds: identity {:.5}, pixel {:.5}, masked {:.5}",
        i_sum / 5.0,
        p_sum / 5.0,
        m_sum / 5.0
    );
    assert!(m_sum < i_sum && m_sum < p_sum, "masked {m_sum} vs identity {i_sum}, pixel {p_sum} (sums over folds)");
    let info = crate::util::mien().args(["info", "m.safetensors"]).current_dir(fx.dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("alignment:"), "the template travels with the model");
}

#[test]
fn deform_edits_with_aus_sweeps_and_rejects_bad_au_lists() {
    let fx = Fixture::with_dataset(8, 1);
    let photo = sample("astronaut.png");
    let p = photo.to_str().unwrap();
    run_expect(&["edit", p, "-m", "deform", "-e", "happy", "--intensity", "0", "-o", "zero.png"], fx.dir.path(), 0);
    let (orig, zero) = (load(&photo), load(&fx.path("zero.png")));
    assert!(
        orig.data().iter().zip(zero.data()).all(|(&a, &b)| (a as i32 - b as i32).abs() <= 1),
        "α = 0 keeps the photo"
    );
    run_expect(
        &["edit", p, "-m", "deform", "--au", "AU12=0.8,AU6=0.5", "-o", "au.png", "--debug-dir", "dbg"],
        fx.dir.path(),
        0,
    );
    assert!(fx.path("dbg/au-face1-deformed.png").is_file(), "the motion-only image is written");
    run_expect(
        &["edit", p, "-m", "deform", "-e", "surprise", "--sweep", "0,0.5,1", "-o", "strip.png"],
        fx.dir.path(),
        0,
    );
    let strip = load(&fx.path("strip.png"));
    assert_eq!((strip.width(), strip.height()), (3 * orig.width(), orig.height()));
    // The strip's first panel is the photo, the last differs from it.
    let panel = |k: usize, c: usize, y: usize, x: usize| strip.plane(c)[y * strip.width() + k * orig.width() + x];
    let diff = |k: usize| {
        (0..orig.height())
            .step_by(4)
            .flat_map(|y| (0..orig.width()).step_by(4).map(move |x| (y, x)))
            .filter(|&(y, x)| (panel(k, 0, y, x) as i32 - orig.plane(0)[y * orig.width() + x] as i32).abs() > 1)
            .count()
    };
    assert_eq!(diff(0), 0);
    assert!(diff(2) > diff(1) && diff(1) > 0, "more change at higher intensity: {} vs {}", diff(2), diff(1));
    for (list, needle) in [("AU99=0.5", "AU99"), ("AU12=1.5", "[0, 1]"), ("AU12=0.5,AU12=0.7", "given twice")] {
        let err = run_expect(&["edit", p, "-m", "deform", "--au", list, "-o", "bad.png"], fx.dir.path(), 2);
        assert!(err.to_lowercase().contains(&needle.to_lowercase()), "{list}: {err}");
    }
    let model = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/models/deform-all.safetensors"));
    let info = crate::util::mien().args(["info", model.to_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("kind:          deform"), "info reads deform files");
    let err = run_expect(&["edit", p, "-m", "masked", "--au", "AU12=0.5", "-o", "bad.png"], fx.dir.path(), 2);
    assert!(err.contains("-m deform"), "{err}");
    assert!(!fx.path("bad.png").exists());
}

#[test]
fn feature_sliders_edit_locally_and_refuse_bad_values() {
    let fx = Fixture::with_dataset(8, 1);
    let photo = sample("astronaut.png");
    let p = photo.to_str().unwrap();
    run_expect(&["edit", p, "--smile", "0.8", "--brows-up", "-0.5", "-o", "s.png"], fx.dir.path(), 0);
    run_expect(&["edit", p, "--wink", "1", "-o", "w.png"], fx.dir.path(), 0);
    let (orig, smile, wink) = (load(&photo), load(&fx.path("s.png")), load(&fx.path("w.png")));
    // Rows that change: the smile and brows reach from the brows to the chin, the wink only the eye's rows.
    let rows = |img: &mien::core::image::Image<u8>| {
        let w = orig.width();
        let changed: Vec<usize> = (0..orig.height())
            .filter(|&y| (0..w).any(|x| orig.plane(0)[y * w + x].abs_diff(img.plane(0)[y * w + x]) > 2))
            .collect();
        (changed.len(), changed.first().copied().unwrap_or(0), changed.last().copied().unwrap_or(0))
    };
    let (s, w) = (rows(&smile), rows(&wink));
    assert!(s.0 > 80 && w.0 > 3 && w.0 < 30, "rows changed: sliders {s:?}, wink {w:?}");
    assert!(w.1 > s.1 && w.2 < s.2, "the wink's rows {w:?} lie inside the smile and brows' {s:?}");
    for (args, needle) in [
        (&["--smile", "2"][..], "--smile: smile = 2: must be a number from -1 to 1"),
        (&["--nose-wrinkle", "-0.5"], "from 0 to 1"),
        (&["--smile", "0.5", "-e", "sad"], "instead of -e or --au"),
        (&["--smile", "0.5", "-m", "masked"], "need the deformation model"),
    ] {
        let mut cmd = vec!["edit", p];
        cmd.extend_from_slice(args);
        cmd.extend_from_slice(&["-o", "bad.png"]);
        let err = run_expect(&cmd, fx.dir.path(), 2);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(!fx.path("bad.png").exists());
}

#[test]
fn score_prints_probabilities_per_image() {
    let fx = Fixture::with_dataset(8, 1);
    let photo = sample("astronaut.png");
    let out = crate::util::mien().args(["score", photo.to_str().unwrap()]).current_dir(fx.dir.path()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("image,neutral,happy,sad,angry,fearful,disgusted,surprised"));
    let probs: Vec<f64> = lines.next().unwrap().split(',').skip(1).map(|v| v.parse().unwrap()).collect();
    assert_eq!(probs.len(), 7);
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 0.01, "{probs:?}");
    // She smiles in the photo.
    let top = (0..7).max_by(|&i, &j| probs[i].total_cmp(&probs[j])).unwrap();
    assert_eq!(top, 1, "{probs:?}");
    let plain = Image::from_planar(64, 64, 1, vec![128; 64 * 64]).unwrap();
    fx.save("plain.png", &plain);
    let err = run_expect(&["score", "plain.png"], fx.dir.path(), 1);
    assert!(err.contains("no face found"), "{err}");
}

#[test]
fn loso_table_runs_every_model_at_64() {
    let Some(dir) = shared_data("jaffe") else { return };
    let fx = Fixture::with_dataset(8, 1);
    run_expect(
        &["align", "--jaffe", dir.to_str().unwrap(), "--expression", "happy", "--pairs-all", "-o", "al"],
        fx.dir.path(),
        0,
    );
    // lasso with a larger α than its default keeps this test to seconds per fold.
    let models = "masked,pixel,pixel-kernel,omp,lsrf,ridge,lasso:alpha=0.05,pcr,kernel-ridge";
    let out = crate::util::mien()
        .args(["eval", "--models", models, "--protocol", "loso", "--size", "64", "--data", "al", "--csv", "t.csv"])
        .current_dir(fx.dir.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(table.contains("leave one subject out, 10 folds"), "{table}");
    for m in models.split(',') {
        assert!(table.contains(&format!("| {m} | all |")), "{m} missing:\n{table}");
    }
    let csv = std::fs::read_to_string(fx.path("t.csv")).unwrap();
    println!("{table}");
    assert!(csv_mse(&csv, "\"masked\"") < csv_mse(&csv, "identity"), "{csv}");
}
