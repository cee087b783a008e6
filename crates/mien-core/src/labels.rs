//! Labelled photos → neutral/expression pairs, for building paired datasets.
//!
//! Labels come from JAFFE's file names (`SUBJ.EXn.idx.ext`: `NE` neutral,
//! `HA SA SU AN DI FE` the six expressions) or from a CSV of
//! `subject,expression,path`. Pairs are formed within a subject: the first
//! neutral take with each expression take (`first`), or every neutral take
//! with every expression take (`all`). Subjects go wholly to train or test so
//! no identity leaks across the split.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The six basic expressions mien ships models for, with JAFFE's codes.
pub const EXPRESSIONS: [(&str, &str); 6] =
    [("happy", "HA"), ("surprise", "SU"), ("sad", "SA"), ("angry", "AN"), ("disgust", "DI"), ("fear", "FE")];

/// One labelled photo.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Labelled {
    /// Person.
    pub subject: String,
    /// `neutral` or an expression name.
    pub expression: String,
    /// The photo.
    pub path: PathBuf,
}

/// Which neutral takes are paired with each expression take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PairMode {
    /// The subject's first neutral take × each expression take.
    #[default]
    First,
    /// Every neutral take × every expression take.
    All,
}

/// A neutral → expression pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledPair {
    /// Person.
    pub subject: String,
    /// Target expression.
    pub expression: String,
    /// Neutral photo.
    pub neutral: PathBuf,
    /// Expression photo.
    pub target: PathBuf,
}

impl LabelledPair {
    /// A file stem unique within a dataset: `<neutral stem>__<target stem>`.
    pub fn stem(&self) -> String {
        let s = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{}__{}", s(&self.neutral), s(&self.target))
    }
}

/// Maps a JAFFE expression code to mien's name.
pub fn jaffe_expression(code: &str) -> Option<&'static str> {
    if code == "NE" {
        return Some("neutral");
    }
    EXPRESSIONS.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
}

/// Labels the JAFFE photos in a folder by their names; other files are ignored.
pub fn jaffe_labels(dir: &Path) -> Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() < 4 || parts[1].len() < 2 {
            continue;
        }
        if let Some(expr) = jaffe_expression(&parts[1][..2]) {
            out.push(Labelled { subject: parts[0].to_string(), expression: expr.to_string(), path });
        }
    }
    if out.is_empty() {
        return Err(Error::EmptyDataset { path: dir.into() });
    }
    out.sort();
    Ok(out)
}

/// Reads `subject,expression,path` lines (a header line is allowed; paths are
/// relative to the CSV's folder). Expressions must be `neutral` or one of [`EXPRESSIONS`].
pub fn csv_labels(csv: &Path) -> Result<Vec<Labelled>> {
    let text = crate::input::read_text_capped(csv, crate::input::MAX_INPUT_BYTES, "CSV file")?;
    let base = csv.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(3, ',').map(str::trim).collect();
        if i == 0 && f.first() == Some(&"subject") {
            continue;
        }
        let bad = |why: String| Error::Incompatible(format!("{}:{}: {why}", csv.display(), i + 1));
        if f.len() != 3 || f.iter().any(|s| s.is_empty()) {
            return Err(bad("expected `subject,expression,path`".into()));
        }
        let expr = f[1].to_lowercase();
        if expr != "neutral" && !EXPRESSIONS.iter().any(|(n, _)| *n == expr) {
            return Err(bad(format!(
                "unknown expression `{}`; use neutral, {}",
                f[1],
                EXPRESSIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )));
        }
        out.push(Labelled { subject: f[0].to_string(), expression: expr, path: base.join(f[2]) });
    }
    if out.is_empty() {
        return Err(Error::EmptyDataset { path: csv.into() });
    }
    Ok(out)
}

/// Neutral → `expression` pairs per subject. Subjects without a neutral take are skipped.
pub fn make_pairs(labels: &[Labelled], expression: &str, mode: PairMode) -> Vec<LabelledPair> {
    let mut by_subject: BTreeMap<&str, (Vec<&Labelled>, Vec<&Labelled>)> = BTreeMap::new();
    for l in labels {
        let e = by_subject.entry(&l.subject).or_default();
        if l.expression == "neutral" {
            e.0.push(l);
        } else if l.expression == expression {
            e.1.push(l);
        }
    }
    let mut out = Vec::new();
    for (subject, (mut ne, mut ex)) in by_subject {
        ne.sort();
        ex.sort();
        let neutrals = match mode {
            PairMode::First => &ne[..ne.len().min(1)],
            PairMode::All => &ne[..],
        };
        for n in neutrals {
            for t in &ex {
                out.push(LabelledPair {
                    subject: subject.to_string(),
                    expression: expression.to_string(),
                    neutral: n.path.clone(),
                    target: t.path.clone(),
                });
            }
        }
    }
    out
}

/// Chooses test subjects: the named ones, or a deterministic fraction of the
/// sorted subject list (every k-th subject, so the choice is reproducible).
pub fn test_subjects(labels: &[Labelled], named: &[String], fraction: Option<f64>) -> Result<BTreeSet<String>> {
    let all: BTreeSet<String> = labels.iter().map(|l| l.subject.clone()).collect();
    if !named.is_empty() {
        let unknown: Vec<&String> = named.iter().filter(|s| !all.contains(*s)).collect();
        if !unknown.is_empty() {
            return Err(Error::param(
                "test subjects",
                unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
                format!("subjects in the data: {}", all.iter().cloned().collect::<Vec<_>>().join(",")),
            ));
        }
        return Ok(named.iter().cloned().collect());
    }
    match fraction {
        None => Ok(BTreeSet::new()),
        Some(f) if (0.0..1.0).contains(&f) => {
            let k = (all.len() as f64 * f).round() as usize;
            if k == 0 {
                return Ok(BTreeSet::new());
            }
            let step = all.len() as f64 / k as f64;
            let list: Vec<&String> = all.iter().collect();
            Ok((0..k).map(|i| list[((i as f64 + 0.5) * step) as usize].clone()).collect())
        }
        Some(f) => Err(Error::param("test fraction", f, "a number in [0, 1)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str, e: &str, p: &str) -> Labelled {
        Labelled { subject: s.into(), expression: e.into(), path: p.into() }
    }

    #[test]
    fn first_and_all_pairings() {
        let labels = vec![
            l("A", "neutral", "A.NE1"),
            l("A", "neutral", "A.NE2"),
            l("A", "happy", "A.HA1"),
            l("A", "happy", "A.HA2"),
            l("A", "sad", "A.SA1"),
            l("B", "happy", "B.HA1"),
        ];
        let first = make_pairs(&labels, "happy", PairMode::First);
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|p| p.neutral == Path::new("A.NE1")));
        assert_eq!(make_pairs(&labels, "happy", PairMode::All).len(), 4);
        assert_eq!(make_pairs(&labels, "sad", PairMode::All).len(), 2);
    }

    #[test]
    fn jaffe_codes() {
        assert_eq!(jaffe_expression("SU"), Some("surprise"));
        assert_eq!(jaffe_expression("NE"), Some("neutral"));
        assert_eq!(jaffe_expression("XX"), None);
    }

    #[test]
    fn test_subject_choice() {
        let labels: Vec<Labelled> = ["A", "B", "C", "D"].iter().map(|s| l(s, "neutral", "x")).collect();
        assert_eq!(test_subjects(&labels, &["B".into()], None).unwrap().len(), 1);
        assert!(test_subjects(&labels, &["Z".into()], None).is_err());
        assert_eq!(test_subjects(&labels, &[], Some(0.5)).unwrap().len(), 2);
        assert!(test_subjects(&labels, &[], Some(1.5)).is_err());
    }

    #[test]
    fn csv_parsing_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.csv");
        std::fs::write(&p, "subject,expression,path\nann,neutral,a.png\nann,Happy,b.png\n").unwrap();
        let got = csv_labels(&p).unwrap();
        assert_eq!(got[1].expression, "happy");
        assert_eq!(got[1].path, dir.path().join("b.png"));
        std::fs::write(&p, "ann,smirk,b.png\n").unwrap();
        assert!(csv_labels(&p).unwrap_err().to_string().contains("unknown expression"));
    }
}
