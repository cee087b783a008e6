//! The one error type of the core crate, grouped by whose fault it is.
//!
//! Every variant carries the facts a user needs (the path, the expected and
//! the actual value) and its message says what to do about it. The CLI maps
//! all of them to exit code 2 and adds flag names where it knows them.

use std::path::PathBuf;

/// A core-crate result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `mien-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- bad input data -------------------------------------------------
    /// The bytes are not an image in a supported format, or are damaged.
    #[error("{path}: cannot decode image: {reason} (supported: PNG, JPEG, TIFF, GIF, BMP)")]
    Decode {
        /// The file (or `<memory>`).
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The image header announces more pixels than allowed; nothing was allocated.
    #[error("{path}: image is {width}×{height}, over the limit of {limit} pixels; downscale it first")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Width from the header.
        width: u64,
        /// Height from the header.
        height: u64,
        /// The pixel limit in force.
        limit: u64,
    },
    /// Every pixel has the same value, so min–max normalisation would divide by zero.
    #[error("{path}: image is constant (every pixel is {value}); min–max normalisation needs contrast: use an image with some contrast, or unit normalisation (for a model: one trained with it)")]
    ConstantImage {
        /// The file.
        path: PathBuf,
        /// The single value.
        value: u8,
    },
    /// An image does not have the size the dataset or model requires.
    #[error("{path}: image is {actual_w}×{actual_h} but {expected_w}×{expected_h} is required; {hint}")]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// Required width.
        expected_w: usize,
        /// Required height.
        expected_h: usize,
        /// Actual width.
        actual_w: usize,
        /// Actual height.
        actual_h: usize,
        /// What to do, in library terms (the CLI may add its flag).
        hint: String,
    },
    /// The paired folders do not hold the same stems.
    #[error("{dir}: files without a partner (pairs match by file stem):\n{}", list_lines(.unmatched))]
    UnmatchedPairs {
        /// The dataset folder.
        dir: PathBuf,
        /// Files with no partner in the other folder.
        unmatched: Vec<PathBuf>,
    },
    /// A dataset folder or split has no images.
    #[error("{path}: no images found; a paired dataset has trainA/ and trainB/ (and testA/, testB/ for evaluation)")]
    EmptyDataset {
        /// The folder.
        path: PathBuf,
    },
    /// An input image (not from a file) does not have the model's size.
    #[error("input is {actual_w}×{actual_h} but the model was trained on {expected_w}×{expected_h}; resize the input to {expected_w}×{expected_h} or retrain the model at {actual_w}×{actual_h}")]
    InputSize {
        /// Training width.
        expected_w: usize,
        /// Training height.
        expected_h: usize,
        /// Input width.
        actual_w: usize,
        /// Input height.
        actual_h: usize,
    },
    /// Input does not fit the model (channels, sizes, …).
    #[error("{0}")]
    Incompatible(String),

    // ---- bad parameters -------------------------------------------------
    /// A hyperparameter is out of range.
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParam {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// The valid range.
        expected: String,
    },

    /// A ridge or kernel system cannot be solved at this penalty (the data
    /// are too collinear or too few for it).
    #[error("{system} is not positive definite at lambda = {lambda}; increase lambda, the ridge penalty")]
    IllConditioned {
        /// Which system (e.g. "the ridge system of pixel (3, 4)").
        system: String,
        /// The penalty λ in force.
        lambda: f64,
    },

    // ---- model files ----------------------------------------------------
    /// The file is not a mien model file at all.
    #[error("{path}: not a mien model file ({reason})")]
    NotAModel {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// The file was written by a newer or older, incompatible mien.
    #[error("{path}: model format version {found} (written by {writer}) is not supported; this mien reads version {supported}: retrain the model or use the mien that wrote it")]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: String,
        /// Version this build reads.
        supported: u32,
        /// Who wrote it.
        writer: String,
    },
    /// The file holds another kind of model than the caller asked for.
    #[error("{path}: holds a `{found}` model, expected `{expected}`")]
    WrongKind {
        /// The file.
        path: PathBuf,
        /// Kind asked for.
        expected: String,
        /// Kind found.
        found: String,
    },
    /// The file is a mien model but damaged (truncated, missing or misshapen tensors).
    #[error("{path}: model file is corrupt: {reason}; re-save or retrain it")]
    CorruptModel {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A `.npz` file is not a readable `scipy.sparse` CSR matrix.
    #[error("{path}: not a scipy.sparse CSR .npz file: {reason}")]
    Npz {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    // ---- I/O --------------------------------------------------------------
    /// Reading or writing a file failed. The message holds the OS error, so it
    /// is not also reported as the error's `source()` (a chain would print it twice).
    #[error("{path}: {error}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },

    // ---- resource limits --------------------------------------------------
    /// An input holds more bytes than mien reads from one file (a device such
    /// as `/dev/zero` or an endless stream ends here too); nothing was decoded.
    #[error("{path}: more than {} MB; mien reads at most {} MB from one {what}", limit >> 20, limit >> 20)]
    InputTooLarge {
        /// The file.
        path: PathBuf,
        /// What kind of input (`image`, `model file`, …).
        what: &'static str,
        /// The byte limit in force.
        limit: u64,
    },
    /// A computation needs more memory than it can have (`limit` 0: the
    /// allocation itself failed).
    #[error("{what} needs about {} MB of memory, {}; {hint}", needed.div_ceil(1 << 20), if *limit == 0 { "more than the system gave".to_string() } else { format!("over the {} MB allowed", limit >> 20) })]
    OutOfMemory {
        /// What would be computed.
        what: String,
        /// Bytes the estimate says it needs.
        needed: u64,
        /// Bytes allowed.
        limit: u64,
        /// What to change, in library terms.
        hint: String,
    },
}

fn list_lines(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n")
}

impl Error {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io { path: path.into(), error }
    }
    /// Checks that a hyperparameter is a finite number > 0.
    pub fn check_positive(name: &'static str, value: f64) -> Result<()> {
        if value > 0.0 && value.is_finite() {
            Ok(())
        } else {
            Err(Error::param(name, value, "a finite number > 0"))
        }
    }
    /// A parameter out of range.
    pub fn param(name: &'static str, value: impl ToString, expected: impl Into<String>) -> Self {
        Error::InvalidParam { name, value: value.to_string(), expected: expected.into() }
    }
}
