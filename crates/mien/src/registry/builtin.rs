//! The default models compiled into the library: one AU-conditioned
//! deformation model (the default), and masked regression (r = 3) and the
//! linear pixel model for each of the six expressions, all trained on JAFFE,
//! the Taiwanese corpus and the London set pooled (JAFFE and the Taiwanese
//! corpus are research-use data, the London set CC BY 4.0; see the README and
//! each model's metadata). Regenerate them with `scripts/train-builtin.sh`.

use std::path::Path;
use std::sync::Arc;

use mien_core::labels::EXPRESSIONS;

use super::Model;
use crate::{Error, Result};

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
    "deform" / "all",
];

/// Without the `builtin-models` feature (used to bootstrap the models themselves) there are none.
#[cfg(not(feature = "builtin-models"))]
pub const BUILTIN: &[(&str, &str, &[u8])] = &[];

/// Built-in model names, accepted wherever a model file is.
pub const NAMES: [&str; 3] = ["masked", "pixel", "deform"];

/// The default built-in model.
pub const DEFAULT: &str = "deform";

/// Checks an expression name against the six expressions.
pub fn check_expression(expression: &str) -> Result<()> {
    if EXPRESSIONS.iter().any(|(n, _)| *n == expression) {
        return Ok(());
    }
    Err(Error::UnknownExpression {
        name: expression.to_string(),
        known: EXPRESSIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
    })
}

/// Whether `name` is a built-in model name.
pub fn is_builtin(name: &str) -> bool {
    NAMES.contains(&name)
}

/// The file key of a built-in model for an expression (AU models have one file, `all`).
fn key<'a>(name: &str, expression: &'a str) -> &'a str {
    if name == "deform" {
        "all"
    } else {
        expression
    }
}

/// A built-in model by name (and expression, for the per-expression kinds).
pub fn load(name: &str, expression: &str) -> Result<Model> {
    if name != "deform" {
        if expression == "neutral" {
            return Err(Error::Unsupported(format!(
                "`neutral` is a target only for models conditioned on Action Units (deform): {name} maps \
                 neutral faces to one expression"
            )));
        }
        check_expression(expression)?;
    }
    let key = key(name, expression);
    let (_, _, bytes) = BUILTIN
        .iter()
        .find(|(k, e, _)| *k == name && *e == key)
        .ok_or_else(|| Error::NoBuiltin { kind: name.to_string(), expression: expression.to_string() })?;
    Model::from_bytes(bytes, Path::new(&format!("<built-in {name}-{key}>")))
}

/// A built-in model by name, or a model file.
pub fn resolve(model: &str, expression: &str) -> Result<Model> {
    if is_builtin(model) {
        return load(model, expression);
    }
    let path = Path::new(model);
    if !path.exists() {
        return Err(Error::UnknownModel { name: model.to_string(), builtins: NAMES.join(", ") });
    }
    Model::load(path)
}

/// (model name or file, expression; empty when one model serves every expression).
type CacheKey = (String, String);

/// Models loaded once and shared: the same model for every expression of an
/// AU-conditioned kind, one per expression otherwise. Servers and batch
/// front ends ask it instead of decoding a model per request.
#[derive(Default)]
pub struct ModelCache {
    loaded: std::sync::Mutex<Vec<(CacheKey, Arc<Model>)>>,
}

impl ModelCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The model for (name or file, expression), loading it on first use.
    /// Model files and AU-conditioned built-ins serve every expression from
    /// one entry.
    pub fn get(&self, model: &str, expression: &str) -> Result<Arc<Model>> {
        let per_expression = is_builtin(model) && model != "deform";
        let key = (model.to_string(), if per_expression { expression.to_string() } else { String::new() });
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, m)) = loaded.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(m));
        }
        let m = Arc::new(resolve(model, expression)?);
        loaded.push((key, Arc::clone(&m)));
        Ok(m)
    }
}
