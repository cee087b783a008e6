//! What an evaluation found, typed: front ends render it as tables and grids.

use std::collections::BTreeMap;

use mien_core::image::Image;

use super::Protocol;

/// Aggregated results of one model at one training size (or of the inputs
/// and the real targets).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// MSE per test pair, on [0, 1] intensities.
    pub mse: Vec<f64>,
    /// SSIM per test pair.
    pub ssim: Vec<f64>,
    /// PSNR per test pair (dB).
    pub psnr: Vec<f64>,
    /// Outputs the classifier saw as the target expression.
    pub hits: usize,
    /// Summed classifier probability of the target.
    pub prob: f64,
    /// Outputs classified.
    pub classified: usize,
    /// Stored parameters.
    pub params: usize,
    /// Model file bytes.
    pub bytes: usize,
    /// Training seconds, summed over folds.
    pub train_s: f64,
    /// Prediction seconds, summed.
    pub predict_s: f64,
    /// Outputs predicted.
    pub predicted: usize,
    /// Expression strength of each output against its real target (when measured).
    pub strength: Vec<mien_face::strength::Strength>,
}

impl Tally {
    pub(crate) fn classified(&mut self, result: Option<(bool, f64)>) {
        if let Some((hit, prob)) = result {
            self.hits += hit as usize;
            self.prob += prob;
            self.classified += 1;
        }
    }

    /// Mean strength ratio and direction cosine over the outputs, when measured.
    pub fn strength_summary(&self) -> Option<mien_face::strength::StrengthSummary> {
        (!self.strength.is_empty()).then(|| mien_face::strength::summarize(&self.strength))
    }

    /// Share of outputs classified as the target and the mean target
    /// probability, when the classifier ran.
    pub fn accuracy(&self) -> Option<(f64, f64)> {
        (self.classified > 0).then(|| (self.hits as f64 / self.classified as f64, self.prob / self.classified as f64))
    }
}

/// Mean and (population) standard deviation.
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// The outcome of [`super::run`].
#[derive(Clone, Debug)]
pub struct Report {
    /// Model labels, in the plan's order.
    pub labels: Vec<String>,
    /// Training-set sizes, in the plan's order.
    pub train_sizes: Vec<Option<usize>>,
    /// The protocol.
    pub protocol: Protocol,
    /// Per (model index, size index).
    pub tallies: BTreeMap<(usize, usize), Tally>,
    /// The inputs scored as outputs (the identity map).
    pub floor: Tally,
    /// The real targets scored (classifier only).
    pub ceiling: Tally,
    /// Folds run.
    pub folds: usize,
    /// The expression the classifier checked for.
    pub expression: Option<String>,
    /// Image size.
    pub size: (usize, usize),
    /// Pairs in the dataset.
    pub pairs: usize,
    /// Rows of the first fold: input, each model's output, target.
    pub grid: Vec<Vec<Image<u8>>>,
    /// Seconds the evaluation took.
    pub seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_std_matches_a_hand_computation() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-12);
        assert!((s - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(mean_std(&[]), (0.0, 0.0));
    }
}
