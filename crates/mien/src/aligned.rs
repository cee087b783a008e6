//! What `mien align` writes beside an aligned dataset: the face template
//! (`template.json`) and the pair list (`pairs.csv`: subject, expression,
//! split, stem, …).

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Error, Result};

/// The checked face template of an aligned folder (`DIR/template.json`), if any.
pub fn template(dir: &Path) -> Result<Option<serde_json::Value>> {
    let p = dir.join("template.json");
    if !p.is_file() {
        return Ok(None);
    }
    let text = mien_core::input::read_text_capped(&p, mien_core::input::MAX_INPUT_BYTES, "template")?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| Error::Json { path: p.clone(), error })?;
    mien_face::align::Template::from_json(&json).map_err(|e| Error::from(e).context(p.display().to_string()))?;
    Ok(Some(json))
}

/// The template of a folder of aligned expressions: the first `DIR/<name>/template.json`.
pub fn first_template<'a>(dir: &Path, names: impl Iterator<Item = &'a str>) -> Result<Option<serde_json::Value>> {
    for name in names {
        if let Some(t) = template(&dir.join(name))? {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// `pairs.csv`: stem → (subject, expression). Empty when absent.
pub fn pairs_csv(dir: &Path) -> Result<BTreeMap<String, (String, String)>> {
    let path = dir.join("pairs.csv");
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let text = mien_core::input::read_text_capped(&path, mien_core::input::MAX_INPUT_BYTES, "CSV file")?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 4 {
            return Err(Error::Protocol(format!(
                "{}:{}: expected subject,expression,split,stem,…",
                path.display(),
                i + 1
            )));
        }
        out.insert(f[3].to_string(), (f[0].to_string(), f[1].to_string()));
    }
    Ok(out)
}

/// The expression of an aligned folder, from its `pairs.csv`.
pub fn expression(dir: &Path) -> Option<String> {
    pairs_csv(dir).ok()?.values().next().map(|m| m.1.clone())
}
