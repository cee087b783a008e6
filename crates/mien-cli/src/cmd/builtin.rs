//! The default models compiled into the binary: masked regression (r = 3)
//! and the linear pixel model for each of the six expressions, trained on all
//! of aligned JAFFE (research-use data; see the README). Regenerate them with
//! `scripts/train-builtin.sh`.

use std::path::Path;

use anyhow::{Context, Result};
use mien_core::labels::EXPRESSIONS;
use mien_core::model_file::ModelFile;

#[cfg(feature = "builtin-models")]
macro_rules! builtin {
    ($($kind:literal / $expr:literal),* $(,)?) => {
        &[$(($kind, $expr, include_bytes!(concat!("../../models/", $kind, "-", $expr, ".safetensors")) as &[u8])),*]
    };
}

/// (kind, expression, model file bytes).
#[cfg(feature = "builtin-models")]
pub const BUILTIN: &[(&str, &str, &[u8])] = builtin![
    "masked" / "happy",
    "masked" / "surprise",
    "masked" / "sad",
    "masked" / "angry",
    "masked" / "disgust",
    "masked" / "fear",
    "pixel" / "happy",
    "pixel" / "surprise",
    "pixel" / "sad",
    "pixel" / "angry",
    "pixel" / "disgust",
    "pixel" / "fear",
];

/// Without the `builtin-models` feature (used to bootstrap the models themselves) there are none.
#[cfg(not(feature = "builtin-models"))]
pub const BUILTIN: &[(&str, &str, &[u8])] = &[];

/// Names accepted by `-m` besides file paths.
pub const KINDS: [&str; 2] = ["masked", "pixel"];

/// Checks an expression name.
pub fn check_expression(expression: &str) -> Result<()> {
    if EXPRESSIONS.iter().any(|(n, _)| *n == expression) {
        return Ok(());
    }
    anyhow::bail!(
        "--expression {expression}: unknown; use one of {}",
        EXPRESSIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    )
}

/// A built-in model by kind and expression, or a model file.
pub fn resolve(model: &str, expression: &str) -> Result<ModelFile> {
    if KINDS.contains(&model) {
        check_expression(expression)?;
        let (_, _, bytes) = BUILTIN
            .iter()
            .find(|(k, e, _)| *k == model && *e == expression)
            .ok_or_else(|| anyhow::anyhow!("no built-in {model} model for {expression}"))?;
        return Ok(ModelFile::from_bytes(bytes, Path::new(&format!("<built-in {model}-{expression}>")))?);
    }
    let path = Path::new(model);
    anyhow::ensure!(
        path.exists(),
        "-m {model}: neither a built-in model ({}) nor an existing model file",
        KINDS.join(", ")
    );
    ModelFile::load(path).with_context(|| format!("-m {model}"))
}
