//! The tables behind AU vectors: the supported Action Units in vector order
//! and the prototype AU sets of the six basic expressions (see [`crate::au`]
//! for the table of what moves).
//!
//! A module of its own so that both the parser in [`crate::au`] and the
//! messages in [`crate::error`] read these lists without importing each other.

/// The supported Action Units, in vector order (OpenFace's intensity set).
pub const AUS: [u8; 17] = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45];

/// Number of supported AUs.
pub const AU_COUNT: usize = AUS.len();

/// Prototype AU sets of the six basic expressions (see the table in [`crate::au`]).
pub const PROTOTYPES: [(&str, &[u8]); 6] = [
    ("happy", &[6, 12, 25]),
    ("surprise", &[1, 2, 5, 26]),
    ("sad", &[1, 4, 15]),
    ("angry", &[4, 5, 7, 23]),
    ("disgust", &[9, 10, 15]),
    ("fear", &[1, 2, 4, 5, 7, 20, 26]),
];

/// The vector position of an AU number.
pub fn index_of(au: u8) -> Option<usize> {
    AUS.iter().position(|&a| a == au)
}

/// `AU1 AU2 …`: the supported AUs, for messages.
pub(crate) fn supported_list() -> String {
    AUS.iter().map(|a| format!("AU{a}")).collect::<Vec<_>>().join(" ")
}

/// `happy, surprise, …`: the expressions with a prototype, for messages.
pub(crate) fn expression_list() -> String {
    PROTOTYPES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}
