//! `mien align`: labelled photos → aligned, paired datasets.
//!
//! Each photo is decoded, its largest face detected and landmarked, and the
//! face warped onto the alignment template; then neutral → expression pairs
//! are written in the `trainA/trainB/testA/testB` layout with a `pairs.csv`
//! and the template (`template.json`, which `mien train` stores in the model
//! so `mien edit` aligns new photos the same way). The whole output is built
//! in a temporary sibling folder and renamed into place at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien::core::image::{self, DecodeLimits, Image};
use mien::core::labels::{self, Labelled, LabelledPair, PairMode, EXPRESSIONS};
use mien::face::align::{align_face, Template};
use mien::face::corpora;
use mien::faces::detect_options;
use mien::FaceFinder;
use rayon::prelude::*;

use crate::common::NoFace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of JAFFE photos (names SUBJ.EXn.idx.ext).
    #[arg(long, value_name = "DIR")]
    pub jaffe: Option<PathBuf>,
    /// CSV of `subject,expression,path` (expression `neutral` for the source photos).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Folder of the Taiwanese set (names PPTVESS.jpg; front views are used; subjects tw01, tw02, …).
    #[arg(long, value_name = "DIR")]
    pub taiwanese: Option<PathBuf>,
    /// Folder of the London set (neutral/ID.jpg ↔ smiling/ID.jpg, as happy; subjects london001, …).
    #[arg(long, value_name = "DIR")]
    pub london: Option<PathBuf>,
    /// Target expression (happy, surprise, sad, angry, disgust, fear) or `all` (one dataset per expression).
    #[arg(long, default_value = "all")]
    pub expression: String,
    /// Crop size in pixels.
    #[arg(long, default_value_t = 128)]
    pub size: usize,
    /// Subjects for the test split, comma-separated (e.g. KA,KL).
    #[arg(long, value_name = "LIST")]
    pub test_subjects: Option<String>,
    /// Fraction of subjects for the test split (chosen evenly from the sorted list).
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Pair every neutral take with every expression take (default: the first neutral take only).
    #[arg(long = "pairs-all")]
    pub pairs_all: bool,
    /// Output folder (must not exist or be empty).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
}

/// Checked settings.
struct Align {
    labels: Vec<Labelled>,
    expressions: Vec<String>,
    test: BTreeSet<String>,
    pairs: PairMode,
    template: Template,
    output: PathBuf,
}

impl Align {
    fn from_args(a: Args) -> Result<Self> {
        // Every source given is pooled into one set; subject names stay distinct per source.
        let mut labels = Vec::new();
        if let Some(d) = &a.jaffe {
            labels.extend(labels::jaffe_labels(d).with_context(|| format!("--jaffe {}", d.display()))?);
        }
        if let Some(c) = &a.csv {
            labels.extend(labels::csv_labels(c).with_context(|| format!("--csv {}", c.display()))?);
        }
        if let Some(d) = &a.taiwanese {
            let listing = corpora::taiwanese(d).with_context(|| format!("--taiwanese {}", d.display()))?;
            report_skipped(&listing.skipped);
            labels.extend(corpora::taiwanese_labels(&listing.items));
        }
        if let Some(d) = &a.london {
            let listing = corpora::london(d).with_context(|| format!("--london {}", d.display()))?;
            report_skipped(&listing.skipped);
            labels.extend(listing.items);
        }
        anyhow::ensure!(
            a.jaffe.is_some() || a.csv.is_some() || a.taiwanese.is_some() || a.london.is_some(),
            "give at least one of --jaffe DIR, --csv FILE, --taiwanese DIR, --london DIR (several are pooled)"
        );
        let names: Vec<&str> = EXPRESSIONS.iter().map(|(n, _)| *n).collect();
        let expressions = if a.expression == "all" {
            names.iter().map(|s| s.to_string()).collect()
        } else if names.contains(&a.expression.as_str()) {
            vec![a.expression.clone()]
        } else {
            anyhow::bail!("--expression {}: use one of {} or all", a.expression, names.join(", "));
        };
        anyhow::ensure!((32..=1024).contains(&a.size), "--size {}: must be between 32 and 1024", a.size);
        let named: Vec<String> = a
            .test_subjects
            .as_deref()
            .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
            .unwrap_or_default();
        anyhow::ensure!(
            named.is_empty() || a.test_fraction.is_none(),
            "--test-subjects and --test-fraction exclude each other"
        );
        let test =
            labels::test_subjects(&labels, &named, a.test_fraction).context("--test-subjects / --test-fraction")?;
        if a.output.exists() && std::fs::read_dir(&a.output).map(|mut d| d.next().is_some()).unwrap_or(true) {
            anyhow::bail!(
                "-o {}: already exists and is not empty; remove it or choose another folder",
                a.output.display()
            );
        }
        Ok(Self {
            labels,
            expressions,
            test,
            pairs: if a.pairs_all { PairMode::All } else { PairMode::First },
            template: Template::canonical(a.size),
            output: a.output,
        })
    }
}

/// Files of a corpus folder that were not recognised.
fn report_skipped(skipped: &[corpora::Skipped]) {
    for s in skipped {
        eprintln!("not used: {}: {}", s.path.display(), s.reason);
    }
}

pub fn run(a: Args) -> Result<ExitCode> {
    let start = Instant::now();
    let s = Align::from_args(a)?;
    let per_expr: Vec<(String, Vec<LabelledPair>)> =
        s.expressions.iter().map(|e| (e.clone(), labels::make_pairs(&s.labels, e, s.pairs))).collect();
    let needed: BTreeSet<PathBuf> =
        per_expr.iter().flat_map(|(_, ps)| ps.iter().flat_map(|p| [p.neutral.clone(), p.target.clone()])).collect();
    // A listed photo that does not exist is a mistake in the list, not a photo without a face.
    let missing: Vec<String> = needed.iter().filter(|p| !p.is_file()).map(|p| format!("  {}", p.display())).collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{} listed photo(s) not found (paths in a CSV are relative to its folder):\n{}",
        missing.len(),
        missing.join("\n")
    );
    let finder = FaceFinder::new()?;
    let crops: Vec<(PathBuf, Result<Image<u8>, String>)> = needed
        .par_iter()
        .map(|path| {
            let crop = (|| -> Result<Result<Image<u8>, String>> {
                let img = image::load(path, DecodeLimits::default())?;
                let (faces, _) = finder.find(&img, &detect_options(None))?;
                Ok(match faces.first() {
                    Some(f) => Ok(align_face(&img, &f.landmarks, &s.template)?.crop),
                    None => Err("no face found".to_string()),
                })
            })();
            (path.clone(), crop.map_err(|e| format!("{e:#}")).and_then(|r| r))
        })
        .collect();
    let mut skipped: Vec<(PathBuf, String)> = Vec::new();
    let mut ok: BTreeMap<PathBuf, Image<u8>> = BTreeMap::new();
    for (p, c) in crops {
        match c {
            Ok(img) => {
                ok.insert(p, img);
            }
            Err(why) => skipped.push((p, why)),
        }
    }
    if ok.is_empty() && !skipped.is_empty() {
        for (p, why) in &skipped {
            eprintln!("skipped {}: {why}", p.display());
        }
        return Err(NoFace(format!("none of the {} photos could be aligned; nothing written", skipped.len())).into());
    }
    let parent = s.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    // Created exclusively under a random name; removed on every early return.
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}.partial-", s.output.file_name().unwrap_or_default().to_string_lossy()))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
    let tmp = staging.path().to_path_buf();
    let written = (|| -> Result<Vec<(String, usize, usize)>> {
        let mut counts = Vec::new();
        for (expr, pairs) in &per_expr {
            let dir = if s.expressions.len() == 1 { tmp.clone() } else { tmp.join(expr) };
            counts.push(write_dataset(&dir, expr, pairs, &ok, &s.test, &s.template)?);
        }
        Ok(counts)
    })();
    let counts = written?;
    if s.output.exists() {
        std::fs::remove_dir(&s.output).with_context(|| format!("cannot replace {}", s.output.display()))?;
    }
    std::fs::rename(&tmp, &s.output).with_context(|| format!("cannot move results to {}", s.output.display()))?;
    // Renamed away: nothing left for the guard to remove.
    let _ = staging.keep();
    for (expr, train, test) in &counts {
        eprintln!("{expr:>9}: {train} train pairs, {test} test pairs");
    }
    for (p, why) in &skipped {
        eprintln!("skipped {}: {why}", p.display());
    }
    eprintln!(
        "aligned {} photos to {}×{} in {:.2} s; {} skipped (listed above); test subjects: {} → {}",
        ok.len(),
        s.template.size,
        s.template.size,
        start.elapsed().as_secs_f64(),
        skipped.len(),
        if s.test.is_empty() { "none".to_string() } else { s.test.iter().cloned().collect::<Vec<_>>().join(",") },
        s.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes one expression's dataset; returns (expression, train pairs, test pairs).
fn write_dataset(
    dir: &Path,
    expr: &str,
    pairs: &[LabelledPair],
    crops: &BTreeMap<PathBuf, Image<u8>>,
    test: &BTreeSet<String>,
    template: &Template,
) -> Result<(String, usize, usize)> {
    let mut csv = String::from("subject,expression,split,stem,neutral,target\n");
    let (mut n_train, mut n_test) = (0, 0);
    for p in pairs {
        let (Some(a), Some(b)) = (crops.get(&p.neutral), crops.get(&p.target)) else { continue };
        let split = if test.contains(&p.subject) { "test" } else { "train" };
        let stem = p.stem();
        for (side, img) in [("A", a), ("B", b)] {
            let d = dir.join(format!("{split}{side}"));
            std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
            image::save_png(img, &d.join(format!("{stem}.png")))?;
        }
        let _ = writeln!(csv, "{},{},{split},{stem},{},{}", p.subject, expr, p.neutral.display(), p.target.display());
        if split == "test" {
            n_test += 1;
        } else {
            n_train += 1;
        }
    }
    std::fs::create_dir_all(dir)?;
    image::write_atomic(&dir.join("pairs.csv"), csv.as_bytes())?;
    image::write_atomic(&dir.join("template.json"), serde_json::to_string_pretty(&template.to_json())?.as_bytes())?;
    Ok((expr.to_string(), n_train, n_test))
}
