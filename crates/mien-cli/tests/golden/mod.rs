//! Behaviour pins: the built-in models' edits of the bundled samples and a
//! JAFFE leave-one-subject-out table, hashed, against what the code before the
//! library refactor (commit 4efd390) produced. A change to any pixel of these
//! outputs fails here; an intended change re-records the file with
//! `MIEN_GOLDEN_RECORD=1 cargo test --release -p mien-cli --test tests golden`
//! and says why in the commit. The edits run with `--colour model` (the
//! pipeline as it was); the demo runs with today's default, colour-true
//! editing, re-recorded when that default came (2026-12-04).

use std::fmt::Write as _;
use std::path::Path;

use crate::util::{mien, shared_data, Fixture};

/// The recorded hashes, one `name hash` line each.
const RECORDED: &str = include_str!("outputs.txt");

/// The commands whose outputs are pinned: (name, arguments; `OUT` is the output path).
const EDITS: &[(&str, &[&str])] = &[
    (
        "astro-masked-happy",
        &["edit", "SAMPLES/astronaut.png", "-m", "masked", "-e", "happy", "--colour", "model", "-o", "OUT"],
    ),
    (
        "astro-masked-surprise",
        &[
            "edit",
            "SAMPLES/astronaut.png",
            "-m",
            "masked",
            "-e",
            "surprise",
            "--intensity",
            "0.7",
            "--colour",
            "model",
            "-o",
            "OUT",
        ],
    ),
    (
        "astro-pixel-sad",
        &["edit", "SAMPLES/astronaut.png", "-e", "sad", "-m", "pixel", "--colour", "model", "-o", "OUT"],
    ),
    (
        "astro-deform-fear",
        &[
            "edit",
            "SAMPLES/astronaut.png",
            "-e",
            "fear",
            "-m",
            "deform",
            "--intensity",
            "0.6",
            "--motion",
            "crop",
            "--colour",
            "model",
            "-o",
            "OUT",
        ],
    ),
    (
        "astro-deform-au12",
        &[
            "edit",
            "SAMPLES/astronaut.png",
            "-m",
            "deform",
            "--au",
            "AU12=0.8",
            "--motion",
            "crop",
            "--colour",
            "model",
            "-o",
            "OUT",
        ],
    ),
    (
        "astro-sweep",
        &["edit", "SAMPLES/astronaut.png", "-e", "angry", "--sweep", "0,0.5,1", "--colour", "model", "-o", "OUT"],
    ),
    (
        "chelsea-nodetect-fear",
        &["edit", "SAMPLES/chelsea.png", "--no-detect", "-e", "fear", "--colour", "model", "-o", "OUT"],
    ),
    (
        "solvay-face2-disgust",
        &["edit", "SAMPLES/solvay_1927.png", "--face", "2", "-e", "disgust", "--colour", "model", "-o", "OUT"],
    ),
    ("solvay-all-happy", &["edit", "SAMPLES/solvay_1927.png", "-e", "happy", "--colour", "model", "-o", "OUT"]),
];

/// FNV-1a of a byte stream, as 16 hex digits.
fn fnv(bytes: impl IntoIterator<Item = u8>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The hash of the decoded pixels and the shape (independent of PNG encoder settings).
fn pixel_hash(path: &Path) -> String {
    let img = mien::core::image::load(path, Default::default()).unwrap();
    let shape = [img.width() as u64, img.height() as u64, img.channels() as u64];
    fnv(shape.iter().flat_map(|v| v.to_le_bytes()).chain(img.data().iter().copied()))
}

fn samples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/samples").to_string_lossy().into_owned()
}

fn produce() -> Vec<(String, String)> {
    let fx = Fixture::empty();
    let mut out = Vec::new();
    for (name, args) in EDITS {
        let target = fx.path(&format!("{name}.png"));
        let args: Vec<String> =
            args.iter().map(|a| a.replace("SAMPLES", &samples()).replace("OUT", &target.to_string_lossy())).collect();
        let res = mien().args(&args).output().unwrap();
        assert!(res.status.success(), "mien {args:?}: {}", String::from_utf8_lossy(&res.stderr));
        out.push((name.to_string(), pixel_hash(&target)));
    }
    let demo = fx.path("demo");
    let res = mien().args(["demo", "-o", &demo.to_string_lossy()]).output().unwrap();
    assert!(res.status.success(), "mien demo: {}", String::from_utf8_lossy(&res.stderr));
    let mut files: Vec<_> = std::fs::read_dir(&demo).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        out.push((format!("demo/{}", f.file_name().unwrap().to_string_lossy()), pixel_hash(&f)));
    }
    match loso_table(&fx) {
        Some(rows) => out.extend(rows),
        None => eprintln!("(only the JAFFE table was skipped; the sample edits and the demo were checked)"),
    }
    out
}

/// `eval --protocol loso` on aligned JAFFE happy: every deterministic column
/// of the CSV (metrics, sizes; not the timings), hashed per row.
fn loso_table(fx: &Fixture) -> Option<Vec<(String, String)>> {
    let jaffe = shared_data("jaffe")?;
    let aligned = fx.path("aligned");
    let res = mien()
        .args(["align", "--jaffe", &jaffe.to_string_lossy(), "--expression", "happy", "--pairs-all", "-o"])
        .arg(&aligned)
        .output()
        .unwrap();
    assert!(res.status.success(), "mien align: {}", String::from_utf8_lossy(&res.stderr));
    let csv = fx.path("loso.csv");
    let res = mien()
        .args(["eval", "--models", "masked,pixel", "--protocol", "loso", "--no-expression-check", "--data"])
        .arg(&aligned)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(res.status.success(), "mien eval: {}", String::from_utf8_lossy(&res.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    Some(
        text.lines()
            .skip(1)
            .map(|row| {
                let fields: Vec<&str> = row.split(',').collect();
                let name = format!("loso/{}", fields[0].trim_matches('"'));
                (name, fnv(fields[..12].join(",").bytes()))
            })
            .collect(),
    )
}

#[test]
fn builtin_edits_match_the_recorded_outputs() {
    let got = produce();
    let mut text = String::new();
    for (name, hash) in &got {
        writeln!(text, "{name} {hash}").unwrap();
    }
    if std::env::var_os("MIEN_GOLDEN_RECORD").is_some() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/outputs.txt");
        std::fs::write(&path, &text).unwrap();
        println!("recorded {} hashes in {}", got.len(), path.display());
        return;
    }
    let recorded: Vec<(&str, &str)> = RECORDED.lines().filter_map(|l| l.split_once(' ')).collect();
    for (name, hash) in &got {
        let (_, rhash) = recorded
            .iter()
            .find(|(r, _)| r == name)
            .unwrap_or_else(|| panic!("{name} is not in tests/golden/outputs.txt:\n{text}"));
        assert_eq!(hash, rhash, "{name}: the output changed from the recorded one");
    }
    let compared = got.len();
    assert!(compared >= EDITS.len(), "compared only {compared} outputs");
}
