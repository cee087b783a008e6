//! The fuzzing corpora (`fuzz/corpus/TARGET`) and crash reproducers
//! (`fuzz/regressions/TARGET`) replayed on the stable toolchain: every input
//! the fuzzers found interesting must still give an answer (usually an
//! error), never a panic. The fuzz targets themselves (`fuzz/`, cargo-fuzz,
//! nightly) call the same functions.

use std::path::{Path, PathBuf};

use mien::core::image::{decode, DecodeLimits};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) {
            out.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    out.sort();
    out
}

fn replay(target: &str, run: impl Fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus for {target} in fuzz/corpus/{target}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        // A panic names the input that caused it.
        eprintln!("{}", path.display());
        run(&bytes);
    }
}

#[test]
fn model_file_corpus() {
    replay("model_file", |data| {
        let path = Path::new("fuzz.safetensors");
        let _ = mien::core::model_file::ModelFile::read_meta(data, path);
        let _ = mien::Model::from_bytes(data, path);
    });
}

#[test]
fn npz_corpus() {
    replay("npz", |data| {
        let _ = mien::core::npz::csr_from_bytes(data, Path::new("fuzz.npz"));
    });
}

#[test]
fn image_decode_corpus() {
    replay("image_decode", |data| {
        let _ = decode(data, Path::new("fuzz"), DecodeLimits { max_pixels: 1 << 20 });
    });
}

#[test]
fn parsers_corpus() {
    replay("parsers", |data| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let _ = mien::deform::parse_au_list(text);
        let _ = text.parse::<mien::FaceChoice>();
        let _ = mien::protocol::parse_entries(text);
        let _ = mien::protocol::parse_train_sizes(text);
        let _ = text.parse::<mien::ModelKind>();
    });
}
