//! Action Units: the 17 AUs OpenFace estimates, prototype AU sets for the six
//! basic expressions, and parsing of AU lists (`AU12=0.8,AU6=0.5`).
//!
//! An expression target is an [`AuVector`] of intensities in [0, 1]. Named
//! expressions map to EMFACS-style prototypes (Friesen & Ekman's EMFACS,
//! as commonly tabulated; the optional members of happy and disgust are
//! included):
//!
//! | expression | AUs | what moves |
//! |---|---|---|
//! | happy | 6 + 12 + 25 | cheek raiser, lip-corner puller, lips part |
//! | surprise | 1 + 2 + 5 + 26 | inner and outer brow raiser, upper-lid raiser, jaw drop |
//! | sad | 1 + 4 + 15 | inner brow raiser, brow lowerer, lip-corner depressor |
//! | angry | 4 + 5 + 7 + 23 | brow lowerer, upper-lid raiser, lid tightener, lip tightener |
//! | disgust | 9 + 10 + 15 | nose wrinkler, upper-lip raiser, lip-corner depressor |
//! | fear | 1 + 2 + 4 + 5 + 7 + 20 + 26 | brows raised and drawn together, lids, lip stretcher, jaw drop |

pub use crate::au_table::{index_of, AUS, AU_COUNT, PROTOTYPES};
use crate::error::{Error, Result};

/// Intensities of the [`AUS`], each in [0, 1] when parsed or built from a
/// prototype (sums of prototypes may exceed 1; the model bounds the motion).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AuVector(pub [f32; AU_COUNT]);

impl AuVector {
    /// All zero: "no change".
    pub fn zero() -> Self {
        Self::default()
    }

    /// The prototype of a named expression at full intensity.
    pub fn from_expression(name: &str) -> Result<Self> {
        let lower = name.trim().to_ascii_lowercase();
        let (_, aus) = PROTOTYPES
            .iter()
            .find(|(n, _)| *n == lower)
            .ok_or_else(|| Error::UnknownExpression { name: name.to_string() })?;
        let mut v = Self::zero();
        for &au in aus.iter() {
            if let Some(i) = index_of(au) {
                v.0[i] = 1.0;
            }
        }
        Ok(v)
    }

    /// Every intensity times `alpha` (α = 0: no change, 1: as given).
    pub fn scaled(&self, alpha: f32) -> Self {
        Self(self.0.map(|v| v * alpha))
    }

    /// The element-wise sum (e.g. happy + surprise).
    pub fn plus(&self, other: &Self) -> Self {
        let mut out = *self;
        out.0.iter_mut().zip(other.0).for_each(|(a, b)| *a += b);
        out
    }

    /// True when every intensity is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0.0)
    }

    /// The intensity of one AU by its number, `None` for an unsupported AU.
    pub fn get(&self, au: u8) -> Option<f32> {
        index_of(au).map(|i| self.0[i])
    }

    /// The intensities as f64 (for the least-squares solves).
    pub(crate) fn as_f64(&self) -> [f64; AU_COUNT] {
        self.0.map(f64::from)
    }
}

impl std::fmt::Display for AuVector {
    /// `AU6=1,AU12=1,AU25=1`: the non-zero entries in `--au` syntax.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> =
            AUS.iter().zip(self.0).filter(|(_, v)| *v != 0.0).map(|(au, v)| format!("AU{au}={v}")).collect();
        f.write_str(&parts.join(","))
    }
}

/// Parses `AU12=0.8,AU6=0.5` (case-insensitive `AU` prefix optional,
/// spaces allowed, unlisted AUs are 0). Errors: unknown AU, value outside
/// [0, 1] or not a number, the same AU twice, malformed entry.
pub fn parse_au_list(text: &str) -> Result<AuVector> {
    let mut v = AuVector::zero();
    let mut seen = [false; AU_COUNT];
    let entries: Vec<&str> = text.split(',').map(str::trim).collect();
    if entries.iter().all(|e| e.is_empty()) {
        return Err(Error::AuSyntax { entry: text.to_string() });
    }
    for entry in entries {
        let (name, value) = entry.split_once('=').ok_or_else(|| Error::AuSyntax { entry: entry.to_string() })?;
        let (name, value) = (name.trim(), value.trim());
        let digits = name.strip_prefix("AU").or_else(|| name.strip_prefix("au")).unwrap_or(name);
        if digits.is_empty() {
            return Err(Error::AuSyntax { entry: entry.to_string() });
        }
        let au = digits.parse::<u8>().ok().filter(|&n| index_of(n).is_some());
        let au = au.ok_or_else(|| Error::UnknownAu { name: name.to_string() })?;
        let i = index_of(au).unwrap_or(0);
        let x: f32 = value.parse().map_err(|_| Error::AuOutOfRange { au, value: value.to_string() })?;
        if !(0.0..=1.0).contains(&x) {
            return Err(Error::AuOutOfRange { au, value: value.to_string() });
        }
        if seen[i] {
            return Err(Error::DuplicateAu { au });
        }
        seen[i] = true;
        v.0[i] = x;
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prototypes_use_supported_aus() {
        for (name, aus) in PROTOTYPES {
            assert!(aus.iter().all(|&a| index_of(a).is_some()), "{name}");
            let v = AuVector::from_expression(name).unwrap();
            assert_eq!(v.0.iter().filter(|&&x| x == 1.0).count(), aus.len());
        }
        let happy = AuVector::from_expression("Happy").unwrap();
        assert_eq!(happy.to_string(), "AU6=1,AU12=1,AU25=1");
        assert_eq!(happy.scaled(0.5).get(12), Some(0.5));
        assert!(happy.scaled(0.0).is_zero());
        assert!(AuVector::from_expression("smirk").unwrap_err().to_string().contains("happy, surprise"));
    }

    #[test]
    fn parses_au_lists() {
        let v = parse_au_list("AU12=0.8, AU6=0.5").unwrap();
        assert_eq!(v.get(12), Some(0.8));
        assert_eq!(v.get(6), Some(0.5));
        assert_eq!(v.get(1), Some(0.0));
        assert_eq!(parse_au_list("au45=1,26=0").unwrap().get(45), Some(1.0));
    }

    #[test]
    fn au_list_errors_are_clear() {
        let e = |s: &str| parse_au_list(s).unwrap_err().to_string();
        assert!(e("AU3=0.5").contains("unknown action unit `AU3`"), "{}", e("AU3=0.5"));
        assert!(e("AUx=0.5").contains("unknown action unit"));
        assert!(e("AU12=1.5").contains("AU12 = 1.5: intensities must lie in [0, 1]"));
        assert!(e("AU12=-0.1").contains("[0, 1]"));
        assert!(e("AU12=NaN").contains("[0, 1]"));
        assert!(e("AU12=abc").contains("[0, 1]"));
        assert!(e("AU12=0.2,AU12=0.3").contains("AU12 is given twice"));
        assert!(e("AU12").contains("not an AU setting"));
        assert!(e("").contains("not an AU setting"));
    }
}
