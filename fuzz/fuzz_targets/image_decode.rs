//! The image decoders behind mien's own checks (`mien::core::image::decode`):
//! PNG, JPEG, TIFF (palette too), GIF, BMP. The pixel limit is lower than the
//! CLI's so that one input stays within libFuzzer's memory limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mien::core::image::{decode, DecodeLimits};

fuzz_target!(|data: &[u8]| {
    let _ = decode(data, std::path::Path::new("fuzz"), DecodeLimits { max_pixels: 1 << 20 });
});
