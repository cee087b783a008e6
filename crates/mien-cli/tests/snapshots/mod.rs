//! `insta` snapshots of what a user reads: `mien --help`, every subcommand's
//! `--help`, and the error message (stderr) and exit code of representative
//! bad inputs. They pin the CLI's words across refactors: a change shows up
//! as a diff here. Accept an intended one with
//! `INSTA_UPDATE=always cargo test --release -p mien-cli --test tests snapshots`
//! (or `cargo insta review`) and commit the `.snap` files.
//!
//! Bad inputs run in a temporary folder with relative paths; any path of that
//! folder still in the output is replaced by `[TMP]`.

use insta::assert_snapshot;
use mien::core::image::Image;

use crate::util::{mien, Fixture};

/// The standard output of `mien ARGS --help`, which must succeed silently on stderr.
fn help(args: &[&str]) -> String {
    let out = mien().args(args).arg("--help").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "mien {args:?} --help: {:?}\n{stderr}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

macro_rules! help_snapshots {
    ($($test:ident: [$($arg:literal),*];)*) => {$(
        #[test]
        fn $test() {
            assert_snapshot!(help(&[$($arg),*]));
        }
    )*};
}

help_snapshots! {
    help_main: [];
    help_train: ["train"];
    help_apply: ["apply"];
    help_eval: ["eval"];
    help_info: ["info"];
    help_edit: ["edit"];
    help_align: ["align"];
    help_import: ["import"];
    help_export: ["export"];
    help_score: ["score"];
    help_demo: ["demo"];
    help_serve: ["serve"];
}

/// A small dataset under `data/`, the astronaut as `photo.png` and a flat grey
/// `plain.png` (no face), so each bad input below has exactly one problem.
fn fixture() -> Fixture {
    let fx = Fixture::with_dataset(8, 2);
    let astronaut = concat!(env!("CARGO_MANIFEST_DIR"), "/../mien/samples/astronaut.png");
    std::fs::copy(astronaut, fx.path("photo.png")).unwrap();
    fx.save("plain.png", &Image::from_planar(64, 64, 1, vec![128u8; 64 * 64]).unwrap());
    fx
}

/// `$ mien ARGS`, its exit code and its stderr, temporary paths as `[TMP]`.
fn failure(args: &[&str]) -> String {
    let fx = fixture();
    let out = mien().args(args).current_dir(fx.dir.path()).output().unwrap();
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for dir in [fx.dir.path().to_path_buf(), fx.dir.path().canonicalize().unwrap()] {
        stderr = stderr.replace(dir.to_str().unwrap(), "[TMP]");
    }
    let code = out.status.code().map_or("none (killed)".to_string(), |c| c.to_string());
    format!("$ mien {}\nexit code: {code}\n{stderr}", args.join(" "))
}

macro_rules! error_snapshots {
    ($($test:ident: [$($arg:literal),*];)*) => {$(
        #[test]
        fn $test() {
            assert_snapshot!(failure(&[$($arg),*]));
        }
    )*};
}

error_snapshots! {
    error_unknown_expression: ["edit", "photo.png", "-e", "grumpy", "-o", "out.png"];
    error_intensity_out_of_range: ["edit", "photo.png", "--intensity", "1.6", "-o", "out.png"];
    error_missing_model_file: ["apply", "-m", "missing.safetensors", "data/testA/img_0.png", "-o", "out"];
    error_face_zero: ["edit", "photo.png", "--face", "0", "-o", "out.png"];
    error_no_face_in_photo: ["edit", "plain.png", "-o", "out.png"];
    error_output_not_png: ["edit", "photo.png", "-o", "out.jpg"];
    error_eval_without_models: ["eval", "--data", "data"];
    error_unknown_model_kind: ["eval", "--models", "masked,bogus", "--data", "data"];
    error_bad_train_sizes: ["eval", "--models", "masked", "--train-sizes", "1,x", "--data", "data"];
    error_bad_au: ["edit", "photo.png", "-m", "deform", "--au", "AU99=0.5", "-o", "out.png"];
    error_bad_au_syntax: ["edit", "photo.png", "-m", "deform", "--au", "nonsense", "-o", "out.png"];
    error_data_folder_missing: ["train", "--data", "no-such-folder", "-o", "m.safetensors"];
    error_import_missing_file: ["import", "--npz", "no-such-file.npz", "-o", "m.safetensors"];
    error_unknown_subcommand: ["frobnicate"];
}
