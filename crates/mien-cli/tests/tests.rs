//! End-to-end tests of the `mien` binary: one integration test binary, the
//! fixtures in `util.rs`.

mod defgan;
mod face;
mod golden;
mod hostile;
mod interop;
mod sequence;
mod serve;
mod snapshots;
mod util;

use mien::core::image::Image;
use util::{run_expect, Fixture};

/// (what, how to set it up, arguments, expected message).
type BadInput<'a> = (&'a str, Box<dyn Fn(&Fixture)>, Vec<&'a str>, &'a str);

fn train(fx: &Fixture, extra: &[&str]) -> String {
    let mut args = vec!["train", "--data", "data", "-o", "m.safetensors"];
    args.extend_from_slice(extra);
    run_expect(&args, fx.dir.path(), 0)
}

#[test]
fn train_apply_eval_info_round_trip() {
    let fx = Fixture::with_dataset(24, 20);
    let msg = train(&fx, &["--model", "masked", "-r", "3", "--normalize", "unit", "--lambda", "0.001"]);
    assert!(msg.contains("trained masked on 20 pairs"), "{msg}");
    run_expect(&["train", "--data", "data", "--model", "pixel", "-o", "p.safetensors"], fx.dir.path(), 0);
    run_expect(&["train", "--data", "data", "--model", "pixel-kernel", "-o", "k.safetensors"], fx.dir.path(), 0);

    run_expect(
        &["apply", "-m", "m.safetensors", "data/testA/img_0.png", "data/testA/img_1.png", "-o", "out"],
        fx.dir.path(),
        0,
    );
    assert_eq!(fx.files("out"), vec!["img_0.png", "img_1.png"]);
    run_expect(
        &["apply", "-m", "m.safetensors", "data/testA/img_0.png", "--side-by-side", "-o", "sbs"],
        fx.dir.path(),
        0,
    );
    let strip = mien::core::image::load(&fx.path("sbs/img_0.png"), Default::default()).unwrap();
    assert_eq!((strip.width(), strip.height()), (48, 24));

    let out = util::mien()
        .args(["eval", "-m", "m.safetensors", "-m", "p.safetensors", "-m", "k.safetensors", "--data", "data"])
        .args(["--csv", "eval.csv", "--grid", "grid.png"])
        .current_dir(fx.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("| identity |") && table.contains("| m | masked |") && table.contains("| k | pixel-kernel |"),
        "{table}"
    );
    let csv = std::fs::read_to_string(fx.path("eval.csv")).unwrap();
    assert!(util::csv_mse(&csv, "m") < util::csv_mse(&csv, "identity") * 0.1, "{csv}");
    let grid = mien::core::image::load(&fx.path("grid.png"), Default::default()).unwrap();
    assert_eq!((grid.width(), grid.height()), (24 * 5, 24 * 4));

    let out = util::mien().args(["info", "m.safetensors"]).current_dir(fx.dir.path()).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(info.contains("kind:          masked") && info.contains("20 pairs from `data`"), "{info}");
}

#[test]
fn demo_runs_end_to_end() {
    let fx = Fixture::with_dataset(8, 1);
    let err = run_expect(&["demo", "-o", "demo"], fx.dir.path(), 0);
    assert!(err.contains("demo finished"), "{err}");
    for name in ["astronaut", "solvay_1927", "chelsea"] {
        let grid = mien::core::image::load(&fx.path(&format!("demo/{name}-grid.png")), Default::default()).unwrap();
        assert_eq!(grid.height(), 320, "{name}");
    }
    assert!(err.contains("solvay_1927: 29 face(s)"), "{err}");
}

/// Every bad input: exit code 2, a message naming the problem, no output written.
#[test]
fn bad_training_inputs_fail_cleanly() {
    let cases: Vec<BadInput> = vec![
        ("unmatched", Box::new(|f| f.write("data/trainA/extra.png", &[])), vec![], "without a partner"),
        ("zero-byte", Box::new(|f| f.write("data/trainA/img_0.png", &[])), vec![], "empty"),
        (
            "truncated",
            Box::new(|f| {
                let b = std::fs::read(f.path("data/trainA/img_1.png")).unwrap();
                f.write("data/trainA/img_1.png", &b[..b.len() / 2]);
            }),
            vec![],
            "cannot decode",
        ),
        ("non-image", Box::new(|f| f.write("data/trainA/img_2.png", b"just some text\n")), vec![], "cannot decode"),
        (
            "constant",
            Box::new(|f| f.save("data/trainB/img_3.png", &Image::from_planar(16, 16, 1, vec![9u8; 256]).unwrap())),
            vec![],
            "constant",
        ),
        (
            "odd size",
            Box::new(|f| {
                f.save(
                    "data/trainB/img_3.png",
                    &Image::from_planar(10, 16, 1, (0..160).map(|i| i as u8).collect()).unwrap(),
                )
            }),
            vec![],
            "--size",
        ),
        ("lambda zero", Box::new(|_| {}), vec!["--lambda", "0"], "lambda"),
        ("lambda negative", Box::new(|_| {}), vec!["--lambda=-1"], "lambda"),
        ("even r", Box::new(|_| {}), vec!["-r", "4"], "odd"),
        ("oversized r", Box::new(|_| {}), vec!["-r", "17"], "at most the image side"),
        ("output folder missing", Box::new(|_| {}), vec!["-o", "nope/m.safetensors"], "does not exist"),
        (
            "output under a file",
            Box::new(|f| f.write("file", b"x")),
            vec!["-o", "file/m.safetensors"],
            "does not exist",
        ),
    ];
    for (name, setup, extra, needle) in cases {
        let fx = Fixture::with_dataset(16, 6);
        setup(&fx);
        let mut args = vec!["train", "--data", "data"];
        if !extra.contains(&"-o") {
            args.extend(["-o", "m.safetensors"]);
        }
        args.extend(extra);
        let err = run_expect(&args, fx.dir.path(), 2);
        assert!(err.contains(needle), "case {name}: {err}");
        let written: Vec<String> = fx.files(".").into_iter().filter(|f| f != "data" && f != "file").collect();
        assert!(written.is_empty(), "case {name} left {written:?}");
    }
}

#[test]
fn bad_apply_inputs_fail_cleanly() {
    let fx = Fixture::with_dataset(16, 6);
    train(&fx, &[]);
    fx.save("big.png", &Image::from_planar(20, 20, 1, (0..400).map(|i| (i % 251) as u8).collect()).unwrap());
    let err =
        run_expect(&["apply", "-m", "m.safetensors", "data/testA/img_0.png", "big.png", "-o", "out"], fx.dir.path(), 2);
    assert!(err.contains("trained on 16×16") && err.contains("--resize"), "{err}");
    assert!(fx.files("out").is_empty(), "nothing half-written: {:?}", fx.files("out"));
    run_expect(&["apply", "-m", "m.safetensors", "big.png", "--resize", "-o", "out"], fx.dir.path(), 0);

    let model = std::fs::read(fx.path("m.safetensors")).unwrap();
    fx.write("trunc.safetensors", &model[..model.len() / 2]);
    fx.write("text.safetensors", b"not a model");
    for (file, needle) in [
        ("trunc.safetensors", "corrupt"),
        ("text.safetensors", "not a mien model"),
        ("none.safetensors", "No such file"),
    ] {
        let err = run_expect(&["apply", "-m", file, "big.png", "-o", "out2"], fx.dir.path(), 2);
        assert!(err.contains(needle), "{file}: {err}");
        assert!(!fx.path("out2").exists() || fx.files("out2").is_empty());
    }
    let err = run_expect(&["info", "trunc.safetensors"], fx.dir.path(), 2);
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn huge_image_header_is_rejected_before_decoding() {
    let fx = Fixture::with_dataset(16, 6);
    train(&fx, &[]);
    // A valid PNG signature and IHDR chunk announcing 20000×20000, and no pixel data.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    png.extend_from_slice(&20000u32.to_be_bytes());
    png.extend_from_slice(&20000u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0]);
    let crc = crc32(&png[12..]);
    png.extend_from_slice(&crc.to_be_bytes());
    for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
        png.extend_from_slice(&[0, 0, 0, 0]);
        png.extend_from_slice(chunk);
        png.extend_from_slice(&crc32(chunk).to_be_bytes());
    }
    fx.write("huge.png", &png);
    let err = run_expect(&["apply", "-m", "m.safetensors", "huge.png", "--resize", "-o", "out"], fx.dir.path(), 2);
    assert!(err.contains("20000×20000"), "{err}");
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

#[test]
fn usage_errors_exit_2() {
    let fx = Fixture::with_dataset(8, 1);
    run_expect(&["train", "--data", "data"], fx.dir.path(), 2);
    run_expect(&["train", "--data", "data", "--model", "nonsense", "-o", "x"], fx.dir.path(), 2);
    run_expect(&["frobnicate"], fx.dir.path(), 2);
}
