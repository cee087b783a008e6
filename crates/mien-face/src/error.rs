//! The error type of the face crate, grouped by whose fault it is.
//!
//! Core errors (decoding, I/O) pass through unchanged inside
//! [`Error::Core`]; everything else names the value that was wrong and what
//! to do about it.

/// A face-crate result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `mien-face`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- bad input data -------------------------------------------------
    /// The detector found no face (of at least the minimum size) in the image.
    #[error("no face found in the {width}×{height} image{}; use a frontal photo where the face is at least {min_size} px wide, or lower the minimum face size", skipped_note(*.skipped_small))]
    NoFace {
        /// Image width.
        width: usize,
        /// Image height.
        height: usize,
        /// The minimum face size in force, in original pixels.
        min_size: usize,
        /// Faces that were found but were smaller than the minimum.
        skipped_small: usize,
    },
    /// The image cannot be processed (no pixels, unsupported channel count).
    #[error("unsupported image: {0}")]
    BadImage(String),
    /// A face box lies outside the image or is empty.
    #[error("face box (x {x}, y {y}, {w}×{h}) does not overlap the {width}×{height} image; pass a box from detect_faces on the same image")]
    BoxOutsideImage {
        /// Box left edge.
        x: f32,
        /// Box top edge.
        y: f32,
        /// Box width.
        w: f32,
        /// Box height.
        h: f32,
        /// Image width.
        width: usize,
        /// Image height.
        height: usize,
    },

    /// Landmarks (or points derived from them) cannot define an alignment.
    #[error("cannot align: {0}; alignment needs the 68 landmarks of one face")]
    BadLandmarks(String),
    /// Landmarks cannot be measured (the eye centres coincide, a point is not finite).
    #[error("cannot measure the expression: {0}; measuring needs the 68 landmarks of one face")]
    UnmeasurableLandmarks(String),
    /// A crop handed to `paste_back` does not match the photo or the other crop.
    #[error("the {what} is {}×{}×{} (width×height×channels) but {}×{}×{} was expected; paste the crop align_face made, with the photo's channel count", actual.0, actual.1, actual.2, expected.0, expected.1, expected.2)]
    CropMismatch {
        /// Which crop.
        what: &'static str,
        /// Expected width, height, channels.
        expected: (usize, usize, usize),
        /// Actual width, height, channels.
        actual: (usize, usize, usize),
    },

    /// A corpus folder holds none of the photos it should.
    #[error("{path}: no {expected} found; point at the folder that holds the corpus (e.g. ../shared/data/taiwanese)")]
    EmptyCorpus {
        /// The folder.
        path: std::path::PathBuf,
        /// What was looked for.
        expected: &'static str,
    },

    // ---- bad parameters -------------------------------------------------
    /// An alignment template is invalid (wrong point count, size out of range).
    #[error("invalid alignment template: {0}; align the photos again to rewrite it, or remove it to use the canonical template")]
    BadTemplate(String),

    /// An option is out of range.
    #[error("invalid {name} = {value}: {expected}")]
    InvalidParam {
        /// The option's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// The valid range.
        expected: String,
    },

    // ---- model weights --------------------------------------------------
    /// Network weights do not match the architecture (wrong names, shapes or length).
    #[error("corrupt network weights: {0}; use the weights shipped with face-api 1.7.15")]
    CorruptWeights(String),

    // ---- from the core crate ---------------------------------------------
    /// An error from `mien-core` (decoding, I/O, …).
    #[error(transparent)]
    Core(#[from] mien_core::Error),
}

fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        1 => " (1 face was smaller than the minimum size)".into(),
        n => format!(" ({n} faces were smaller than the minimum size)"),
    }
}

impl Error {
    /// An option out of range.
    pub fn param(name: &'static str, value: impl ToString, expected: impl Into<String>) -> Self {
        Error::InvalidParam { name, value: value.to_string(), expected: expected.into() }
    }
}
