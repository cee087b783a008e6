//! The memory a fit needs, estimated from the data's shape before any image
//! is loaded, so that a front end can refuse a fit that cannot finish
//! (`--size 8192`, or a 31×31 window at 2048×2048, would each ask for one
//! allocation of many gigabytes and abort) and say what to change.
//!
//! The figures count the large buffers of each kind's fit (the decoded
//! dataset, sample matrices, weight planes, per-thread accumulators) from the
//! code that allocates them; they are estimates within a small factor, meant
//! to tell a fit that fits from one that is ten times too large.

use mien_core::models::ChannelMode;

use crate::registry::{ModelKind, TrainOptions};

/// The shape of a training set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataShape {
    /// Image width after resizing.
    pub width: usize,
    /// Image height after resizing.
    pub height: usize,
    /// 1 (grey) or 3 (colour).
    pub channels: usize,
    /// Training pairs.
    pub pairs: usize,
}

/// Bytes a fit needs, by what holds them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// The decoded 8-bit training images.
    pub dataset: u64,
    /// The fit's own buffers (samples, weights, accumulators) at its peak,
    /// and the copies of the weights made when saving.
    pub fit: u64,
}

impl MemoryEstimate {
    /// Both together.
    pub fn total(&self) -> u64 {
        self.dataset.saturating_add(self.fit)
    }
}

/// Estimates the memory of fitting `kind` with options `o` on data of shape
/// `s` with `threads` worker threads.
pub fn fit_memory(kind: ModelKind, o: &TrainOptions, s: &DataShape, threads: usize) -> MemoryEstimate {
    let (w, n, c) = (s.width as u64, s.pairs as u64, s.channels.max(1) as u64);
    let d = w.saturating_mul(s.height as u64);
    let threads = threads.max(1) as u64;
    let mode = o.channels.unwrap_or(if kind.is_sparse() { ChannelMode::Shared } else { ChannelMode::Separate });
    // Weight sets, and samples (image planes) per set.
    let (sets, samples) = match mode {
        ChannelMode::Separate => (c, n),
        ChannelMode::Shared => (1, n * c),
        ChannelMode::Grey => (1, n),
    };
    let mut dataset = 2 * n * c * d;
    if mode == ChannelMode::Grey && c > 1 {
        dataset += 2 * n * d; // the grey copy
    }
    let m = |a: u64, b: u64| a.saturating_mul(b);
    let fit_buffers = match kind {
        ModelKind::Masked | ModelKind::Pixel => {
            let r = if kind == ModelKind::Pixel { 1 } else { o.receptive_field as u64 };
            let k = r * r;
            let k1 = k + 1;
            // f32 weight planes, one set's f64 rows, per-thread row accumulators.
            m(m(sets, k1), m(d, 4)) + m(k1, m(d, 8)) + m(threads, m(k * (k + 1) / 2 + 3 * k1 + r + 2, m(w, 8)))
        }
        ModelKind::PixelKernel => {
            let mc = o.centres as u64;
            m(m(sets, 2 * mc + 1), m(d, 4)) + m(threads, m(samples, m(samples, 8)))
        }
        ModelKind::Omp | ModelKind::Lsrf => {
            let f = o.nonzeros as u64;
            m(sets, m(d, 12 * f + 8)) + m(3 * samples, m(d, 4)) + m(threads, m(64, m(d, 4)))
        }
        ModelKind::Ridge | ModelKind::Pcr | ModelKind::KernelRidge => {
            // f64 sample and target matrices, the stored f32 rows, the n×n systems.
            m(sets, m(samples, m(d, 20)) + m(samples, m(samples, 16)))
        }
        ModelKind::Lasso => m(sets, m(samples, m(d, 16))) + m(threads, m(d, 9)),
        ModelKind::Deform => {
            // Six expressions' flows and pyramids, the AU basis, the texture planes, flow accumulators.
            let groups = 6;
            m(d, 4 * (2 * 17 + groups * 10)) + m(n, m(d, 4 * 3)) + m(threads, m(d, 52))
        }
        // The networks' activations depend on the width and batch far more
        // than on the data; only the dataset is counted.
        ModelKind::Defgan => 0,
    };
    // Saving holds the weights twice more: reordered for the file, then serialised.
    let parameters = match kind {
        ModelKind::Masked | ModelKind::Pixel => {
            let r = if kind == ModelKind::Pixel { 1 } else { o.receptive_field as u64 };
            m(sets, m(r * r + 1, d))
        }
        ModelKind::PixelKernel => m(sets, m(2 * o.centres as u64 + 1, d)),
        ModelKind::Omp | ModelKind::Lsrf => m(sets, m(3 * (o.nonzeros as u64 + 1), d)),
        ModelKind::Ridge | ModelKind::Pcr | ModelKind::KernelRidge => m(sets, m(samples, d)),
        ModelKind::Lasso => m(sets, d),
        ModelKind::Deform => m(2 * 17 + 6 * 10, d),
        ModelKind::Defgan => 0,
    };
    MemoryEstimate { dataset, fit: fit_buffers.saturating_add(m(parameters, 8)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reported_blow_ups_are_tens_of_gigabytes() {
        let o = TrainOptions::default();
        let huge = DataShape { width: 8192, height: 8192, channels: 1, pairs: 20 };
        assert!(fit_memory(ModelKind::Masked, &o, &huge, 2).total() > 8 << 30);
        let wide = TrainOptions { receptive_field: 31, ..TrainOptions::default() };
        let s = DataShape { width: 2048, height: 2048, channels: 1, pairs: 20 };
        assert!(fit_memory(ModelKind::Masked, &wide, &s, 2).fit > 16 << 30);
    }

    #[test]
    fn an_everyday_fit_is_small() {
        let o = TrainOptions::default();
        let s = DataShape { width: 128, height: 128, channels: 1, pairs: 100 };
        for kind in ModelKind::ALL {
            let e = fit_memory(kind, &o, &s, 16);
            assert!(e.total() < 1 << 30, "{kind}: {e:?}");
        }
    }
}
