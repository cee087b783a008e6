//! The facade's errors: the building blocks' errors passed through, plus
//! what only the facade can say (no face, unknown model, an intensity out of
//! range). Messages state facts and the fix in library terms; front ends add
//! their own flag names.

use std::path::PathBuf;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the caller's input -------------------------------------------------
    /// No face was found in a photo (the CLI's exit code 1).
    #[error("no face found; for an already aligned crop skip detection, for small faces lower the minimum face size")]
    NoFace,
    /// A face number beyond the faces found.
    #[error("face {asked} asked for, but only {found} face(s) found")]
    NoSuchFace {
        /// The 1-based face number asked for.
        asked: usize,
        /// How many faces were found.
        found: usize,
    },
    /// A model name that is neither built in nor an existing file.
    #[error("`{name}`: neither a built-in model ({builtins}) nor an existing model file")]
    UnknownModel {
        /// The name given.
        name: String,
        /// The built-in model names.
        builtins: String,
    },
    /// No built-in model of that kind for that expression in this build.
    #[error("no built-in {kind} model for {expression} in this build")]
    NoBuiltin {
        /// The kind.
        kind: String,
        /// The expression.
        expression: String,
    },
    /// An expression name that is not one of the six.
    #[error("unknown expression `{name}`; use one of {known}")]
    UnknownExpression {
        /// The name given.
        name: String,
        /// The accepted names.
        known: String,
    },
    /// A per-expression model asked for another expression than it was trained for.
    #[error("the model was trained for `{trained}`, not `{asked}`; ask for {trained}, or use a model trained for {asked} (or an Action-Unit model such as the built-in `deform`)")]
    ExpressionMismatch {
        /// The expression recorded in the model file.
        trained: String,
        /// The expression asked for.
        asked: String,
    },
    /// An intensity outside 0..=1.5.
    #[error("intensity {0}: must be between 0 (unchanged) and 1.5 (1 is the full expression, above exaggerates)")]
    Intensity(f32),
    /// Action Units given to a model that does not take them.
    #[error(
        "Action Units need a model conditioned on them: the built-in `deform` model, or a deform or defgan model file"
    )]
    NotAuModel,
    /// Feature sliders or local Action Units given to a model without a per-AU flow basis.
    #[error(
        "feature sliders (--smile, --brows-up, …) need the deformation model: the built-in `deform` model or a deform model file"
    )]
    NotLocalModel,
    /// A model kind that needs a feature this build lacks.
    #[error("{} is a defgan model, but this build has no defgan: build with the `defgan` feature (`cargo build --release -p mien-cli --features defgan`, docs/defgan.md)", path.display())]
    DefganNotBuilt {
        /// The model file.
        path: PathBuf,
    },
    /// A setting or dataset the evaluation protocol cannot use; the message says why.
    #[error("{0}")]
    Protocol(String),
    /// A model kind that cannot be trained this way; the message says how.
    #[error("{0}")]
    Unsupported(String),
    /// A file that could not be read. The message holds the cause, so it is
    /// not also the error's `source()` (a chain would print it twice).
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A JSON file (an alignment template) that does not parse.
    #[error("{}: not valid JSON: {error}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        error: serde_json::Error,
    },

    // --- the building blocks --------------------------------------------------
    /// Images, datasets, local models, model files.
    #[error(transparent)]
    Core(#[from] mien_core::Error),
    /// Detection, landmarks, alignment.
    #[error(transparent)]
    Face(#[from] mien_face::Error),
    /// The deformation model.
    #[error(transparent)]
    Deform(#[from] mien_deform::Error),
    /// The neural deformation model.
    #[cfg(feature = "defgan")]
    #[error(transparent)]
    Defgan(#[from] mien_defgan::Error),
    /// An error with the file or item it concerns. The message holds the
    /// inner error's, so it is not also the `source()`.
    #[error("{context}: {inner}")]
    Context {
        /// What was being done.
        context: String,
        /// Why it failed.
        inner: Box<Error>,
    },
}

impl Error {
    /// Wraps the error with what was being done (a file, a fold, a model).
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context { context: context.into(), inner: Box::new(self) }
    }

    /// Whether this is (or wraps) [`Error::NoFace`].
    pub fn is_no_face(&self) -> bool {
        match self {
            Error::NoFace => true,
            Error::Context { inner, .. } => inner.is_no_face(),
            _ => false,
        }
    }
}
