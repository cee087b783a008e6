//! `scipy.sparse` `.npz` files (`mien import --npz`): zip damage, zip bombs,
//! inconsistent `shape`/`indptr`/`indices` must all be errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mien::core::npz::csr_from_bytes(data, std::path::Path::new("fuzz.npz"));
});
