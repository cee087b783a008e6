//! One module per subcommand, each with its clap `Args`, a `from_args` step
//! that checks ranges and cross-flag rules, and `run`. No subcommand imports
//! another; what several need lives in the `mien` library or `crate::common`.

pub mod align;
pub mod apply;
pub mod demo;
pub mod edit;
pub mod edit_seq;
pub mod eval;
pub mod export;
pub mod import;
pub mod info;
pub mod score;
pub mod serve;
pub mod train;
