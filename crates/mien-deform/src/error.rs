//! The error type of the deform crate, grouped by whose fault it is.

/// A deform-crate result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `mien-deform`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- bad AU input -----------------------------------------------------
    /// An AU list entry is not of the form `AUn=value`.
    #[error("`{entry}` is not an AU setting; write e.g. AU12=0.8,AU6=0.5")]
    AuSyntax {
        /// The offending entry.
        entry: String,
    },
    /// An AU number that is not among the supported ones.
    #[error("unknown action unit `{name}`; supported: {}", crate::au_table::supported_list())]
    UnknownAu {
        /// The name as given.
        name: String,
    },
    /// An AU intensity outside [0, 1] (or not a number).
    #[error("AU{au} = {value}: intensities must lie in [0, 1]")]
    AuOutOfRange {
        /// The AU number.
        au: u8,
        /// The value as given.
        value: String,
    },
    /// The same AU given twice.
    #[error("AU{au} is given twice; give each action unit once")]
    DuplicateAu {
        /// The AU number.
        au: u8,
    },
    /// An expression name without a prototype.
    #[error("unknown expression `{name}`; use one of {}", crate::au_table::expression_list())]
    UnknownExpression {
        /// The name as given.
        name: String,
    },
    /// A feature slider name that is not among [`crate::local::FEATURES`].
    #[error("unknown feature `{name}`; use one of {}", crate::local::feature_list())]
    UnknownFeature {
        /// The name as given.
        name: String,
    },
    /// A slider value outside its range (or not a number).
    #[error("{name} = {value}: must be a number from {} to 1", if *min < 0.0 { "-1" } else { "0" })]
    FeatureOutOfRange {
        /// The slider.
        name: &'static str,
        /// The value as given.
        value: String,
        /// The slider's lowest value.
        min: f32,
    },
    /// A slider list entry that is not `name=value`, or a slider given twice.
    #[error("`{entry}`: write sliders as e.g. smile=0.8,brows-up=0.3, each once")]
    FeatureSyntax {
        /// The offending entry.
        entry: String,
    },
    /// A scale factor that is negative or not finite.
    #[error("intensity {0} must be a finite number ≥ 0")]
    BadIntensity(f32),

    // ---- bad training data ------------------------------------------------
    /// No training groups, or a group with no pairs.
    #[error("no training pairs: {0}")]
    NoTrainingData(String),
    /// Training groups disagree (size, channels).
    #[error("{0}")]
    Incompatible(String),

    // ---- from the core crate (images, parameters, model files, I/O) --------
    /// A core error (parameters, images, model files, I/O).
    #[error(transparent)]
    Core(#[from] mien_core::Error),
}
