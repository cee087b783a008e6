//! The text parsers of command-line values: `--au` (Action Unit lists),
//! `--face`, `--models` entries with hyperparameters and `--train-sizes`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = mien::deform::parse_au_list(text);
    let _ = text.parse::<mien::FaceChoice>();
    let _ = mien::protocol::parse_entries(text);
    let _ = mien::protocol::parse_train_sizes(text);
    let _ = text.parse::<mien::ModelKind>();
});
