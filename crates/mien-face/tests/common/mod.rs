//! Test data outside this crate. The public-domain sample photos are bundled
//! with the CLI (`crat../mien/samples`); JAFFE and the other shared-only
//! data live in `../shared` next to the project root, which a fresh clone does
//! not have, so the tests needing it say so and return.

#![allow(dead_code)] // each test file uses some of these

use std::path::{Path, PathBuf};

/// `../shared/REL`, or `None` after printing `SKIPPED: …` saying what is missing.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(rel);
    if p.exists() {
        return Some(p);
    }
    eprintln!("SKIPPED: ../shared/{rel} not found; put the project's shared data folder at ../shared, next to the project root");
    None
}

/// A sample photo (`astronaut.png`, `solvay_1927.png`, `chelsea.png`): the copy
/// bundled with the CLI, else the one in `../shared/data/wild`.
pub fn sample(name: &str) -> Option<PathBuf> {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/samples").join(name);
    if bundled.exists() {
        return Some(bundled);
    }
    shared(&format!("data/wild/{name}"))
}
