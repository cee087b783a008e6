//! Synthetic paired datasets for the models' unit tests.

use crate::dataset::PairedDataset;
use crate::image::Image;
use crate::normalize::Normalize;

/// A deterministic pseudo-random byte stream (64-bit LCG, high bits).
pub(crate) struct Lcg(pub u64);

impl Lcg {
    pub fn next_u8(&mut self) -> u8 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }
}

/// `pairs` random `w × h × channels` inputs, targets from `map` applied to each
/// input plane (values in 0..255, rounded and clamped). `Normalize::Unit`, so
/// model space is `pixel / 255` and a map linear in pixels is linear there too.
pub(crate) fn dataset(
    w: usize,
    h: usize,
    channels: usize,
    pairs: usize,
    seed: u64,
    map: impl Fn(&[f64]) -> Vec<f64>,
) -> PairedDataset {
    let mut rng = Lcg(seed);
    let images = (0..pairs)
        .map(|p| {
            let input: Vec<u8> = (0..w * h * channels).map(|_| rng.next_u8()).collect();
            let target: Vec<u8> = input
                .chunks_exact(w * h)
                .flat_map(|plane| {
                    let x: Vec<f64> = plane.iter().map(|&v| v as f64).collect();
                    map(&x).into_iter().map(|v| v.round().clamp(0.0, 255.0) as u8)
                })
                .collect();
            (
                format!("{p:03}"),
                Image::from_planar(w, h, channels, input).expect("sized"),
                Image::from_planar(w, h, channels, target).expect("sized"),
            )
        })
        .collect();
    PairedDataset::from_images(images, &[], Normalize::Unit, "synthetic".into()).expect("valid synthetic data")
}
