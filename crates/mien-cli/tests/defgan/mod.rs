//! `--model defgan` through the binary. Built with the `defgan` feature (as
//! `.ci/run` does): train, refuse to overwrite a checkpoint, resume, info,
//! edit, eval and bad settings. Without it: a clear error.

use crate::util::{run_expect, Fixture};

#[cfg(not(feature = "defgan"))]
#[test]
fn defgan_without_its_feature_says_how_to_build_it() {
    let fx = Fixture::with_dataset(8, 1);
    let err = run_expect(&["train", "--model", "defgan", "--data", "data", "-o", "g.safetensors"], fx.dir.path(), 2);
    assert!(err.contains("--features defgan"), "{err}");
    assert!(!fx.path("g.safetensors").exists());
}

/// An aligned folder as `mien align --expression all` writes it: two
/// expressions, subject-prefixed pair names, 32×32 grey crops.
#[cfg(feature = "defgan")]
fn aligned(fx: &Fixture) {
    use mien::core::synthetic::{self, LocalMap, Rng};
    let mut rng = Rng::new(5);
    for (k, expression) in ["happy", "surprise"].iter().enumerate() {
        let map = LocalMap::random(&mut rng, 32, 32, 3);
        for (split, n) in [("train", 6), ("test", 2)] {
            for side in ["A", "B"] {
                std::fs::create_dir_all(fx.path(&format!("al/{expression}/{split}{side}"))).unwrap();
            }
            for (i, (x, t)) in synthetic::pairs(&mut rng, n, 1, &map, 0.003).into_iter().enumerate() {
                let name = format!("S{i}.NE1.{i}__S{i}.X{k}.{i}.png");
                fx.save(&format!("al/{expression}/{split}A/{name}"), &x);
                fx.save(&format!("al/{expression}/{split}B/{name}"), &t);
            }
        }
    }
}

#[cfg(feature = "defgan")]
#[test]
fn defgan_trains_resumes_edits_and_evaluates() {
    let fx = Fixture::with_dataset(8, 1);
    aligned(&fx);
    let dir = fx.dir.path();
    let small = [
        "--size",
        "32",
        "--res-blocks",
        "1",
        "--critic-width",
        "4",
        "--batch-size",
        "2",
        "--critic-steps",
        "1",
        "--checkpoint-every",
        "1",
    ];
    let train = |extra: &[&str], code: i32| {
        let mut args = vec!["train", "--model", "defgan", "--data", "al", "-o", "g.safetensors"];
        if !extra.contains(&"--gen-width") {
            args.extend_from_slice(&["--gen-width", "4"]);
        }
        args.extend_from_slice(&small);
        args.extend_from_slice(extra);
        run_expect(&args, dir, code)
    };
    let msg = train(&["--steps", "2"], 0);
    assert!(msg.contains("trained defgan for 2 steps") && msg.contains("self-supervised"), "{msg}");
    assert!(fx.path("g.safetensors.ckpt/state.json").is_file(), "checkpoint written");
    let err = train(&["--steps", "3"], 2);
    assert!(err.contains("--resume"), "an existing checkpoint is not overwritten: {err}");
    let msg = train(&["--steps", "3", "--resume", "--w-paired", "10"], 0);
    assert!(msg.contains("resuming at step 2") && msg.contains("trained defgan for 3 steps"), "{msg}");
    let err = train(&["--steps", "4", "--resume", "--gen-width", "8"], 2);
    assert!(err.contains("network shapes"), "{err}");
    let err = train(&["--steps", "4", "--resume", "--conditioning", "input"], 2);
    assert!(err.contains("network shapes"), "a film checkpoint does not resume as input-only: {err}");
    for (flag, value, needle) in [
        ("--w-paired-change", "3", "--w-paired"),
        ("--conditioning", "late", "invalid value"),
        ("--device", "tpu", "unknown device"),
        ("--batch-size", "0", "batch size"),
        ("--w-cycle", "nan", "cycle"),
        ("--max-flow", "0", "max flow"),
    ] {
        let args = ["train", "--model", "defgan", "--data", "al", "-o", "bad.safetensors", "--steps", "1", flag, value];
        let err = run_expect(&args, dir, 2);
        assert!(err.contains(needle), "{flag} {value}: {err}");
        assert!(!fx.path("bad.safetensors").exists() && !fx.path("bad.safetensors.ckpt/state.json").exists());
    }
    #[cfg(not(feature = "defgan-cuda"))]
    assert!(run_expect(
        &["train", "--model", "defgan", "--data", "al", "-o", "c.safetensors", "--device", "cuda"],
        dir,
        2
    )
    .contains("defgan-cuda"));

    let info = crate::util::mien().args(["info", "g.safetensors"]).current_dir(dir).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("kind:          defgan") && info.contains("size:          32×32"), "{info}");

    let photo = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/samples/astronaut.png"));
    let p = photo.to_str().unwrap();
    run_expect(&["edit", p, "-m", "g.safetensors", "--au", "AU12=0.8", "-o", "e.png", "--debug-dir", "dbg"], dir, 0);
    assert!(fx.path("e.png").is_file() && fx.path("dbg/e-face1-deformed.png").is_file());
    run_expect(&["edit", p, "-m", "g.safetensors", "-e", "happy", "--intensity", "0", "-o", "zero.png"], dir, 0);
    let (orig, zero) = (
        mien::core::image::load(&photo, Default::default()).unwrap(),
        mien::core::image::load(&fx.path("zero.png"), Default::default()).unwrap(),
    );
    assert!(
        orig.data().iter().zip(zero.data()).all(|(&a, &b)| (a as i32 - b as i32).abs() <= 1),
        "intensity 0 keeps the photo"
    );

    let out = crate::util::mien()
        .args(["eval", "--data", "al/happy", "--expression", "happy", "-m", "g.safetensors"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("| g | defgan |"));
    let err = run_expect(&["eval", "--data", "al/happy", "--models", "defgan"], dir, 2);
    assert!(err.contains("mien eval -m"), "{err}");
}
