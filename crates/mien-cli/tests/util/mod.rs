//! Fixtures: a temporary folder with a small synthetic paired dataset, and
//! the shared-only data (`../shared`) or a `SKIPPED:` line saying what is missing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mien::core::image::{save_png, Image};
use mien::core::synthetic::{self, LocalMap, Rng};

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A dataset of `n` train and 4 test pairs of `size`×`size` grey images under `data/`.
    pub fn with_dataset(size: usize, n: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(42);
        let map = LocalMap::random(&mut rng, size, size, 3);
        for (split, count) in [("train", n), ("test", 4)] {
            let (a, b) = (dir.path().join(format!("data/{split}A")), dir.path().join(format!("data/{split}B")));
            std::fs::create_dir_all(&a).unwrap();
            std::fs::create_dir_all(&b).unwrap();
            for (i, (x, t)) in synthetic::pairs(&mut rng, count, 1, &map, 0.003).into_iter().enumerate() {
                save_png(&x, &a.join(format!("img_{i}.png"))).unwrap();
                save_png(&t, &b.join(format!("img_{i}.png"))).unwrap();
            }
        }
        Self { dir }
    }

    /// An empty temporary folder.
    pub fn empty() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Files under `rel`, sorted (empty when it does not exist).
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path(rel))
            .map(|rd| rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub fn save(&self, rel: &str, img: &Image<u8>) {
        save_png(img, &self.path(rel)).unwrap();
    }
}

pub fn mien() -> Command {
    Command::cargo_bin("mien").unwrap()
}

/// Runs mien, expecting exit code `code`; returns stderr.
pub fn run_expect(args: &[&str], cwd: &Path, code: i32) -> String {
    let out = mien().args(args).current_dir(cwd).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "mien {args:?}\nstderr: {stderr}\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// The MSE column (third) of the row of an `eval --csv` table whose first
/// field is `model` (quoted names included as written).
pub fn csv_mse(csv: &str, model: &str) -> f64 {
    let row = csv
        .lines()
        .find(|l| l.split(',').next() == Some(model))
        .unwrap_or_else(|| panic!("no row `{model}` in\n{csv}"));
    row.split(',').nth(2).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no MSE in `{row}`"))
}

/// Prints why a test (or part of one) does not run: `SKIPPED: <reason>`. The
/// reason says what to set or install.
pub fn skip(reason: &str) {
    eprintln!("SKIPPED: {reason}");
}

/// `../shared/data/REL` next to the project root, or `None` after saying
/// what is missing. The folder holds data that may not enter the project
/// (JAFFE, the LSRF reference weights), so a fresh clone has none of it.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(rel);
    if p.exists() {
        return Some(p);
    }
    skip(&format!(
        "../shared/data/{rel} not found; put the project's shared data folder at ../shared, next to the project root"
    ));
    None
}
