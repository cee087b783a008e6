//! Aligned expression folders as AU-labelled training groups, and
//! leave-one-subject-out splits.
//!
//! `mien align --expression all` writes `DIR/<expression>/trainA|trainB`;
//! each expression folder becomes one group with its prototype AU vector.
//! Pair names are `<neutral stem>__<target stem>` and JAFFE stems start with
//! the subject (`KA.NE1.26`), so the subject is the name up to the first dot.

use std::path::Path;

use mien_core::dataset::{LoadOptions, PairedDataset, Split};

use crate::au::{AuVector, PROTOTYPES};
use crate::error::{Error, Result};
use crate::model::AuGroup;

/// One expression's pairs with its prototype AU vector.
#[derive(Clone, Debug)]
pub struct ExpressionData {
    /// Expression name (one of [`PROTOTYPES`]).
    pub name: String,
    /// Its prototype AU vector.
    pub au: AuVector,
    /// The pairs.
    pub data: PairedDataset,
}

impl ExpressionData {
    /// As a training group.
    pub fn group(&self) -> AuGroup<'_> {
        AuGroup { name: &self.name, au: self.au, data: &self.data, points: &[] }
    }
}

/// Reads every `DIR/<expression>/` of an aligned folder that exists (one split).
pub fn load_aligned(dir: &Path, split: Split, opts: &LoadOptions) -> Result<Vec<ExpressionData>> {
    let mut out = Vec::new();
    for (name, _) in PROTOTYPES {
        let sub = dir.join(name);
        if !sub.is_dir() {
            continue;
        }
        let data = PairedDataset::load(&sub, split, opts)?;
        out.push(ExpressionData { name: name.to_string(), au: AuVector::from_expression(name)?, data });
    }
    if out.is_empty() {
        return Err(Error::NoTrainingData(format!(
            "{} has no expression folders ({}); expected one paired folder per expression, `<expression>/trainA` and `<expression>/trainB`",
            dir.display(),
            PROTOTYPES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(out)
}

/// The subject of a pair name: the part before the first `.`.
pub fn subject_of(pair_name: &str) -> &str {
    pair_name.split('.').next().unwrap_or(pair_name)
}

/// Splits a dataset into (pairs of other subjects, pairs of `subject`).
pub fn split_subject(data: &PairedDataset, subject: &str) -> (PairedDataset, PairedDataset) {
    let (test, train): (Vec<_>, Vec<_>) = data.pairs.iter().cloned().partition(|p| subject_of(&p.name) == subject);
    let with = |pairs| PairedDataset { pairs, ..data.clone() };
    (with(train), with(test))
}
