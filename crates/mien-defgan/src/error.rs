//! The error type of the defgan crate, grouped by whose fault it is.
//!
//! Variants carry the facts (the setting's config field and value, sizes,
//! paths); messages name settings by their config field, and the CLI adds
//! its flag names.

use std::path::PathBuf;

use mien_core::Error as CoreError;

/// A defgan-crate result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `mien-defgan`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- bad input --------------------------------------------------------
    /// An input crop that is not at the model's size.
    #[error("input is {actual_w}×{actual_h} but the model was trained on {size}×{size}; align or resize it to {size}×{size}")]
    InputSize {
        /// The model's side.
        size: usize,
        /// Input width.
        actual_w: usize,
        /// Input height.
        actual_h: usize,
    },
    /// A crop whose channel count the model cannot edit.
    #[error("the model edits {model}-channel crops but the input has {input}; pass a colour crop")]
    Channels {
        /// Channels the model was trained on.
        model: usize,
        /// Channels of the input.
        input: usize,
    },
    /// An AU target with NaN or infinite intensities.
    #[error("the AU vector has non-finite values; give intensities in [0, 1]")]
    NonFiniteAu,
    /// An input that does not fit the model (kept for callers that build it).
    #[error("{0}")]
    Incompatible(String),

    // ---- bad training data ------------------------------------------------
    /// No training groups, or groups without pairs.
    #[error("no training pairs: give at least one group with neutral → expression pairs")]
    NoTrainingData,
    /// Training crops that are not square.
    #[error("training crops are {width}×{height}: defgan needs square crops; align or resize them to one square size")]
    NotSquare {
        /// Crop width.
        width: usize,
        /// Crop height.
        height: usize,
    },
    /// Training groups of different crop sizes or channel counts.
    #[error("training groups differ: {first} and {other} (side×side×channels); give every group crops of one size and channel count")]
    MixedGroups {
        /// The first group's crops.
        first: String,
        /// A group that differs.
        other: String,
    },

    // ---- bad settings -----------------------------------------------------
    /// A network or training setting out of range.
    #[error("invalid {setting} = {value}: {expected}")]
    InvalidSetting {
        /// The setting in words (e.g. "batch size").
        setting: &'static str,
        /// Its field in [`crate::train::TrainConfig`] (e.g. `batch_size`,
        /// `net.max_flow`, `weights.cycle`), for front ends that map it to an option.
        field: &'static str,
        /// The value given.
        value: String,
        /// The valid range.
        expected: &'static str,
    },
    /// A supervised warm-up (no critic) without the paired L1 term has nothing to learn from.
    #[error("critic steps 0 (a supervised warm-up without critic) need the paired L1 term: set its weight (weights.paired_l1) above 0, or use 1 or more critic steps")]
    WarmUpWithoutPairedL1,
    /// A paired-change emphasis without the paired L1 term it weights.
    #[error("a paired-change emphasis (weights.paired_change = {paired_change}) needs the paired L1 term: set its weight (weights.paired_l1) above 0 too")]
    ChangeWithoutPairedL1 {
        /// The emphasis given.
        paired_change: f64,
    },
    /// Settings that cannot train (kept for callers that build it).
    #[error("{0}")]
    Config(String),

    // ---- device -----------------------------------------------------------
    /// `cuda` asked of a build without the CUDA backend.
    #[error("this build has no CUDA backend: mien-defgan was built without its `cuda` feature (docs/defgan.md)")]
    NoCuda,
    /// A device name other than `cpu` and `cuda`.
    #[error("unknown device `{0}`: use cpu or cuda")]
    UnknownDevice(String),

    // ---- checkpoints ------------------------------------------------------
    /// A checkpoint whose networks have other shapes than the settings.
    #[error(
        "the checkpoint in {dir} has other network shapes ({found}); resume with the same settings or start afresh"
    )]
    CheckpointShapes {
        /// The checkpoint folder.
        dir: PathBuf,
        /// Its network settings.
        found: String,
    },
    /// A checkpoint file that cannot be encoded or decoded.
    #[error("{path}: checkpoint: {reason}; start afresh if it is damaged")]
    Checkpoint {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    // ---- from the core crate (model files, I/O) ---------------------------
    /// Reading or writing a file, or a model file that is not a defgan model.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl Error {
    /// A setting out of range.
    pub(crate) fn setting(
        setting: &'static str,
        field: &'static str,
        value: impl ToString,
        expected: &'static str,
    ) -> Self {
        Error::InvalidSetting { setting, field, value: value.to_string(), expected }
    }
}
