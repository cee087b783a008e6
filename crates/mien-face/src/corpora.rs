//! Listings of the colour face corpora beyond JAFFE: the Taiwanese corpus of
//! Chinese emotions and the Face Research Lab London set.
//!
//! Both are read from their file names alone (nothing is decoded), into the
//! same [`Labelled`] records as JAFFE, so `mien_core::labels`' pairing and
//! subject split work on them unchanged. Subjects are prefixed (`tw01`,
//! `london001`) so the corpora can be mixed without two people sharing an
//! identity. A file whose name does not parse is reported in
//! [`Listing::skipped`] with the reason, never dropped silently; files that
//! are not images (`Readme.txt`, `Image_info.xls`, `info.csv`) and hidden
//! files are ignored.
//!
//! The Taiwanese observer ratings (`Image_info.xls`) are not read: that needs
//! an `.xls` (BIFF8) reader such as `calamine` as a new dependency. The sheet
//! names its images `….tif`, covers all three views (2272 names), and leaves
//! out the nine letterless neutral takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use mien_core::labels::{Labelled, LabelledPair, PairMode};

use crate::error::{Error, Result};

/// The Taiwanese corpus' expression letters `a`–`g`, as mien names them.
pub const TAIWANESE_EXPRESSIONS: [&str; 7] = ["neutral", "happy", "sad", "angry", "disgust", "fear", "surprise"];

/// How a Taiwanese take was elicited (the name's third digit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Performance {
    /// `0`: the calm, neutral face.
    Neutral,
    /// `1`: theatrical performance.
    Theatrical,
    /// `2`: posed to Ekman's FACS criteria.
    Facs,
    /// `3`: recalling a personal event.
    PersonalEvent,
}

/// One photo of the Taiwanese corpus, parsed from its name `PPTVESS.ext`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaiwaneseTake {
    /// Performer number (`PP`, 1–99; the corpus uses 1–30).
    pub performer: u8,
    /// Elicitation (`T`).
    pub performance: Performance,
    /// View (`V`): 1 front, 2 three-quarter, 3 profile.
    pub view: u8,
    /// mien's expression name (`E`, one of [`TAIWANESE_EXPRESSIONS`]).
    pub expression: &'static str,
    /// Serial number (`SS`).
    pub serial: u8,
    /// `false` for the neutral takes whose name has `0` where the letter goes (`1201002.jpg`).
    pub lettered: bool,
    /// The photo.
    pub path: PathBuf,
}

impl TaiwaneseTake {
    /// The subject name used in [`Labelled`] records: `tw` and two digits.
    pub fn subject(&self) -> String {
        format!("tw{:02}", self.performer)
    }
    /// As a labelled photo.
    pub fn labelled(&self) -> Labelled {
        Labelled { subject: self.subject(), expression: self.expression.to_string(), path: self.path.clone() }
    }
}

/// A file that a listing could not place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What a folder held: the records, and the image files that did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing<T> {
    /// Parsed records, sorted.
    pub items: Vec<T>,
    /// Image files left out, with the reason, sorted by path.
    pub skipped: Vec<Skipped>,
}

/// Parses a Taiwanese file stem (`0111b01`, or `1201002` for a letterless
/// neutral take); the take's `path` is left empty. The error says what is wrong.
pub fn parse_taiwanese_stem(stem: &str) -> std::result::Result<TaiwaneseTake, String> {
    let b = stem.as_bytes();
    if b.len() != 7 || !stem.is_ascii() {
        return Err(format!("expected 7 characters `PPTVESS` (e.g. 0111b01), found `{stem}`"));
    }
    let digit = |i: usize, what: &str| match b[i] {
        c @ b'0'..=b'9' => Ok(c - b'0'),
        c => Err(format!("character {} (`{}`) should be the {what} digit", i + 1, c as char)),
    };
    let performer = 10 * digit(0, "performer")? + digit(1, "performer")?;
    let serial = 10 * digit(5, "serial")? + digit(6, "serial")?;
    let performance = match digit(2, "performance type")? {
        0 => Performance::Neutral,
        1 => Performance::Theatrical,
        2 => Performance::Facs,
        3 => Performance::PersonalEvent,
        t => return Err(format!("performance type {t} is not 0 (neutral), 1, 2 or 3")),
    };
    let view = digit(3, "view")?;
    if performer == 0 || !(1..=3).contains(&view) {
        return Err(format!("performer {performer:02} or view {view} out of range (performers from 01, views 1–3)"));
    }
    let (expression, lettered) = match b[4] {
        c @ b'a'..=b'g' => (TAIWANESE_EXPRESSIONS[usize::from(c - b'a')], true),
        b'0' if performance == Performance::Neutral => ("neutral", false),
        c => return Err(format!("expression letter `{}` is not a–g", c as char)),
    };
    if (performance == Performance::Neutral) != (expression == "neutral") {
        return Err(format!("performance type {} does not match expression `{expression}`", b[2] as char));
    }
    Ok(TaiwaneseTake { performer, performance, view, expression, serial, lettered, path: PathBuf::new() })
}

/// Lists the Taiwanese corpus in `dir` (`PPTVESS.jpg` files, all views).
pub fn taiwanese(dir: &Path) -> Result<Listing<TaiwaneseTake>> {
    let mut listing = Listing { items: Vec::new(), skipped: Vec::new() };
    for (stem, path) in images_in(dir)? {
        match parse_taiwanese_stem(&stem) {
            Ok(take) => listing.items.push(TaiwaneseTake { path, ..take }),
            Err(reason) => listing.skipped.push(Skipped { path, reason }),
        }
    }
    if listing.items.is_empty() {
        return Err(Error::EmptyCorpus { path: dir.into(), expected: "Taiwanese `PPTVESS.jpg` photos" });
    }
    listing.items.sort();
    Ok(listing)
}

/// The front-view takes as labelled photos (other views would pair a frontal
/// neutral with a turned head).
pub fn taiwanese_labels(takes: &[TaiwaneseTake]) -> Vec<Labelled> {
    takes.iter().filter(|t| t.view == 1).map(TaiwaneseTake::labelled).collect()
}

/// Lists the London set in `dir`: `neutral/ID.jpg` as `neutral` and
/// `smiling/ID.jpg` as `happy`, subject `londonID`. A photo without its
/// partner in the other folder is skipped, so every subject listed has both.
pub fn london(dir: &Path) -> Result<Listing<Labelled>> {
    let neutral: BTreeMap<String, PathBuf> = images_in(&dir.join("neutral"))?.into_iter().collect();
    let smiling: BTreeMap<String, PathBuf> = images_in(&dir.join("smiling"))?.into_iter().collect();
    let mut listing = Listing { items: Vec::new(), skipped: Vec::new() };
    for (folder, mine, other, other_name) in
        [("neutral", &neutral, &smiling, "smiling"), ("happy", &smiling, &neutral, "neutral")]
    {
        for (id, path) in mine {
            if other.contains_key(id) {
                listing.items.push(Labelled {
                    subject: format!("london{id}"),
                    expression: folder.into(),
                    path: path.clone(),
                });
            } else {
                listing.skipped.push(Skipped { path: path.clone(), reason: format!("no {other_name}/{id}.* partner") });
            }
        }
    }
    if listing.items.is_empty() {
        return Err(Error::EmptyCorpus {
            path: dir.into(), expected: "London neutral/ID.jpg ↔ smiling/ID.jpg pairs"
        });
    }
    listing.items.sort();
    listing.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(listing)
}

/// Neutral → `expression` pairs within each subject.
///
/// [`PairMode::First`] pairs the subject's first neutral take (by path: the
/// lowest serial) with each expression take, so every target appears once;
/// [`PairMode::All`] pairs every neutral take with every expression take
/// (the Taiwanese performers have one to three neutral takes, so targets
/// repeat). Subjects without a neutral take give no pairs.
pub fn pairs(labels: &[Labelled], expression: &str, mode: PairMode) -> Result<Vec<LabelledPair>> {
    if !mien_core::labels::EXPRESSIONS.iter().any(|(name, _)| *name == expression) {
        let names: Vec<&str> = mien_core::labels::EXPRESSIONS.iter().map(|(n, _)| *n).collect();
        return Err(Error::param("expression", expression, format!("one of {}", names.join(", "))));
    }
    Ok(mien_core::labels::make_pairs(labels, expression, mode))
}

/// `(stem, path)` of the image files directly in `dir`, sorted.
fn images_in(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let io = |e| Error::Core(mien_core::Error::io(dir, e));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let (Some(stem), Some(ext)) = (path.file_stem(), path.extension()) else { continue };
        let (stem, ext) = (stem.to_string_lossy().into_owned(), ext.to_string_lossy().to_ascii_lowercase());
        let image = ["jpg", "jpeg", "png", "tif", "tiff", "bmp"].contains(&ext.as_str());
        if image && !stem.starts_with('.') && path.is_file() {
            out.push((stem, path));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAIWANESE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/taiwanese");
    const LONDON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/london");

    fn present(dir: &str) -> bool {
        let ok = Path::new(dir).is_dir();
        if !ok {
            println!("SKIPPED: {dir} is absent (shared data, not in the project)");
        }
        ok
    }

    #[test]
    fn names_parse() {
        let t = parse_taiwanese_stem("0111b01").unwrap();
        assert_eq!(
            (t.performer, t.performance, t.view, t.expression, t.serial, t.lettered),
            (1, Performance::Theatrical, 1, "happy", 1, true)
        );
        let t = parse_taiwanese_stem("3023g39").unwrap();
        assert_eq!(
            (t.performer, t.performance, t.view, t.expression, t.serial),
            (30, Performance::Facs, 3, "surprise", 39)
        );
        let t = parse_taiwanese_stem("1201010").unwrap();
        assert_eq!(
            (t.performer, t.performance, t.expression, t.serial, t.lettered),
            (12, Performance::Neutral, "neutral", 10, false)
        );
        assert_eq!(parse_taiwanese_stem("0101a02").unwrap().expression, "neutral");
        for (bad, why) in [
            ("0111b1", "7 characters"),
            ("0111b011", "7 characters"),
            ("01é1b01", "7 characters"),
            ("0x11b01", "performer digit"),
            ("0141b01", "performance type 4"),
            ("0110b01", "view 0"),
            ("0014b01", "view 4"),
            ("0011b01", "performer 00"),
            ("0111h01", "letter `h`"),
            ("0111B01", "letter `B`"),
            ("0111001", "letter `0`"),
            ("0101b01", "does not match"),
            ("0111a01", "does not match"),
            ("0111b0x", "serial digit"),
        ] {
            let err = parse_taiwanese_stem(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn expression_names_are_miens() {
        for name in &TAIWANESE_EXPRESSIONS[1..] {
            assert!(mien_core::labels::EXPRESSIONS.iter().any(|(n, _)| n == name), "{name}");
        }
        assert!(pairs(&[], "disgusted", PairMode::First).unwrap_err().to_string().contains("disgust, fear"));
    }

    #[test]
    fn folders_list_and_report() {
        let dir = std::env::temp_dir().join(format!("mien-corpora-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["tw", "ldn/neutral", "ldn/smiling", "none"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for f in
            ["tw/0101a01.jpg", "tw/0111b01.JPG", "tw/0111b02.jpg", "tw/oops.jpg", "tw/Readme.txt", "tw/.0111b03.jpg"]
        {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        for f in
            ["ldn/neutral/001.jpg", "ldn/neutral/002.jpg", "ldn/smiling/001.jpg", "ldn/smiling/003.jpg", "ldn/info.csv"]
        {
            std::fs::write(dir.join(f), b"").unwrap();
        }
        let tw = taiwanese(&dir.join("tw")).unwrap();
        assert_eq!(tw.items.len(), 3);
        assert_eq!(tw.skipped.len(), 1);
        assert!(tw.skipped[0].path.ends_with("oops.jpg"));
        let happy = pairs(&taiwanese_labels(&tw.items), "happy", PairMode::First).unwrap();
        assert_eq!(happy.len(), 2);
        assert!(happy.iter().all(|p| p.subject == "tw01" && p.neutral.ends_with("0101a01.jpg")));

        let ldn = london(&dir.join("ldn")).unwrap();
        assert_eq!(ldn.items.len(), 2);
        assert_eq!(
            ldn.skipped.iter().map(|s| s.reason.as_str()).collect::<Vec<_>>(),
            ["no smiling/002.* partner", "no neutral/003.* partner"]
        );
        let p = pairs(&ldn.items, "happy", PairMode::All).unwrap();
        assert_eq!((p.len(), p[0].subject.as_str()), (1, "london001"));

        assert!(matches!(taiwanese(&dir.join("none")), Err(Error::EmptyCorpus { .. })));
        assert!(matches!(london(&dir.join("none")), Err(Error::Core(_))));
        assert!(taiwanese(&dir.join("missing")).unwrap_err().to_string().contains("missing"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn taiwanese_corpus_as_shared() {
        if !present(TAIWANESE) {
            return;
        }
        let tw = taiwanese(Path::new(TAIWANESE)).unwrap();
        assert_eq!((tw.items.len(), tw.skipped.len()), (1018, 0), "{:?}", tw.skipped);
        let performers: std::collections::BTreeSet<u8> = tw.items.iter().map(|t| t.performer).collect();
        assert_eq!(performers.len(), 24);
        assert!(tw.items.iter().all(|t| t.view == 1));
        let count = |e: &str| tw.items.iter().filter(|t| t.expression == e).count();
        let counts: Vec<usize> = TAIWANESE_EXPRESSIONS.iter().map(|e| count(e)).collect();
        assert_eq!(counts, [63, 189, 164, 167, 163, 121, 151]);
        let letterless: Vec<String> = tw.items.iter().filter(|t| !t.lettered).map(|t| t.subject()).collect();
        assert_eq!(letterless.len(), 9);
        assert!(letterless.iter().all(|s| ["tw12", "tw13", "tw18"].contains(&s.as_str())));
        let t = tw.items.iter().find(|t| t.path.ends_with("1201002.jpg")).unwrap();
        assert_eq!((t.expression, t.performance, t.serial), ("neutral", Performance::Neutral, 2));
        let t = tw.items.iter().find(|t| t.path.ends_with("0121e01.jpg")).unwrap();
        assert_eq!((t.expression, t.performance, t.subject().as_str()), ("disgust", Performance::Facs, "tw01"));

        let labels = taiwanese_labels(&tw.items);
        for (i, e) in TAIWANESE_EXPRESSIONS.iter().enumerate().skip(1) {
            let first = pairs(&labels, e, PairMode::First).unwrap();
            let all = pairs(&labels, e, PairMode::All).unwrap();
            // Every performer has a neutral take, so First keeps every expression take.
            assert_eq!(first.len(), counts[i]);
            assert!(all.len() > first.len());
            println!("taiwanese {e}: {} takes, {} pairs (all)", first.len(), all.len());
        }
    }

    #[test]
    fn london_set_as_shared() {
        if !present(LONDON) {
            return;
        }
        let ldn = london(Path::new(LONDON)).unwrap();
        assert_eq!((ldn.items.len(), ldn.skipped.len()), (172, 0), "{:?}", ldn.skipped);
        let p = pairs(&ldn.items, "happy", PairMode::First).unwrap();
        assert_eq!(p.len(), 86);
        assert_eq!(p[0].subject, "london001");
        assert!(p[0].neutral.ends_with("neutral/001.jpg") && p[0].target.ends_with("smiling/001.jpg"));
        assert_eq!(pairs(&ldn.items, "happy", PairMode::All).unwrap().len(), 86);
        assert!(pairs(&ldn.items, "sad", PairMode::First).unwrap().is_empty());
    }
}
