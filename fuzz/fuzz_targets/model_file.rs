//! Model files of every kind (`mien::Model::from_bytes`): corrupt headers,
//! misshapen or non-finite tensors, unknown kinds and versions must all be errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.safetensors");
    let _ = mien::core::model_file::ModelFile::read_meta(data, path);
    let _ = mien::Model::from_bytes(data, path);
});
