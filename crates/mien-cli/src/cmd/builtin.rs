//! The default models compiled into the binary: masked regression (r = 3)
//! and the linear pixel model for each of the six expressions, and one
//! AU-conditioned deformation model, all trained on all of aligned JAFFE
//! (research-use data; see the README). Regenerate them with
//! `scripts/train-builtin.sh`.

use std::path::Path;

use anyhow::{Context, Result};
use mien_core::labels::EXPRESSIONS;
use mien_core::model_file::{ModelFile, ModelMeta};
use mien_deform::DeformFile;

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

/// Names accepted by `-m` besides file paths.
pub const KINDS: [&str; 3] = ["masked", "pixel", "deform"];

/// A model `edit` can run: a per-expression image-to-image model, or the
/// AU-conditioned deformation model.
#[derive(Clone, Debug)]
pub enum EditModel {
    /// masked, pixel, … (one expression per model).
    Local(ModelFile),
    /// deform (any AU vector).
    Deform(DeformFile),
    /// defgan (any AU vector; builds with the `defgan` feature).
    #[cfg(feature = "defgan")]
    Defgan(Box<mien_defgan::DefganFile>),
}

impl EditModel {
    /// The model's metadata.
    pub fn meta(&self) -> &ModelMeta {
        match self {
            EditModel::Local(m) => &m.meta,
            EditModel::Deform(m) => &m.meta,
            #[cfg(feature = "defgan")]
            EditModel::Defgan(m) => &m.meta,
        }
    }

    /// Stored parameters.
    pub fn parameter_count(&self) -> usize {
        match self {
            EditModel::Local(m) => m.model.predictor().parameter_count(),
            EditModel::Deform(f) => f.model.parameter_count(),
            #[cfg(feature = "defgan")]
            EditModel::Defgan(f) => f.parameter_count(),
        }
    }

    /// Whether the model takes an Action Unit vector (deform, defgan).
    pub fn takes_au(&self) -> bool {
        !matches!(self, EditModel::Local(_))
    }

    /// Parses model-file bytes of any kind.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let meta = ModelFile::read_meta(bytes, path)?;
        Ok(if meta.kind == "deform" {
            EditModel::Deform(DeformFile::from_bytes(bytes, path)?)
        } else if meta.kind == "defgan" {
            #[cfg(feature = "defgan")]
            {
                // Inference runs on the CPU backend.
                let device = mien_defgan::device("cpu").map_err(|e| anyhow::anyhow!(e))?;
                EditModel::Defgan(Box::new(mien_defgan::DefganFile::from_bytes(bytes, path, &device)?))
            }
            #[cfg(not(feature = "defgan"))]
            anyhow::bail!("{} is a defgan model, but {}", path.display(), super::defgan::NOT_BUILT)
        } else {
            EditModel::Local(ModelFile::from_bytes(bytes, path)?)
        })
    }
}

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

/// A built-in model by kind (and expression, for the per-expression kinds), or a model file.
pub fn resolve(model: &str, expression: &str) -> Result<EditModel> {
    if KINDS.contains(&model) {
        let key = if model == "deform" { "all" } else { expression };
        if model != "deform" {
            check_expression(expression)?;
        }
        let (_, _, bytes) = BUILTIN
            .iter()
            .find(|(k, e, _)| *k == model && *e == key)
            .ok_or_else(|| anyhow::anyhow!("no built-in {model} model for {expression} in this build"))?;
        return EditModel::from_bytes(bytes, Path::new(&format!("<built-in {model}-{key}>")));
    }
    let path = Path::new(model);
    anyhow::ensure!(
        path.exists(),
        "-m {model}: neither a built-in model ({}) nor an existing model file",
        KINDS.join(", ")
    );
    let bytes = std::fs::read(path).with_context(|| format!("-m {model}"))?;
    EditModel::from_bytes(&bytes, path).with_context(|| format!("-m {model}"))
}
