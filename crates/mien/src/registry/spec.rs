//! Hyperparameters of every trainable kind: [`TrainOptions`] is the one place
//! their defaults live (the CLI's flags and the evaluation protocol read it),
//! and [`ModelSpec`] is a kind with its checked parameters, ready to fit.

use mien_core::dataset::PairedDataset;
use mien_core::model_file::AnyModel;
use mien_core::models::{
    ChannelMode, KernelRidgeParams, LassoParams, LsrfParams, MaskedParams, OmpParams, PcrParams, PixelKernelParams,
    Prior, RidgeParams,
};

use super::ModelKind;
use crate::{Error, Result};

/// The hyperparameters of every trainable kind, each with its default. A kind
/// reads the fields it uses and ignores the rest.
///
/// | Name | Default | Purpose | Kinds |
/// |---|---|---|---|
/// | `receptive_field` | 3 | window side r (odd) | masked |
/// | `lambda` | each model's own | ridge penalty λ (> 0) | all but lasso |
/// | `prior` | zero | what the penalty shrinks towards | masked, pixel |
/// | `penalize_bias` | true | penalise the bias (the reference does) | masked, pixel, omp, lsrf |
/// | `channels` | separate; shared for omp, lsrf, lasso | how colour channels share weights | all |
/// | `gamma` | 10 | RBF width γ | pixel-kernel, kernel-ridge |
/// | `centres` | 12 | centres per pixel | pixel-kernel |
/// | `nonzeros` | 5 | input pixels per output pixel F | omp, lsrf |
/// | `beta` | 60 | locality weight β | lsrf |
/// | `components` | 20 | principal components k | pcr |
/// | `alpha` | 0.01 | ℓ1 penalty α | lasso |
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Window side r (odd) for masked regression.
    pub receptive_field: usize,
    /// Ridge penalty λ; `None` keeps each model's own default.
    pub lambda: Option<f64>,
    /// What the ridge penalty shrinks towards.
    pub prior: Prior,
    /// Whether the bias is penalised.
    pub penalize_bias: bool,
    /// How colour channels share weights; `None` = separate, or shared for the sparse kinds.
    pub channels: Option<ChannelMode>,
    /// RBF width γ.
    pub gamma: f64,
    /// Centres per pixel (pixel-kernel).
    pub centres: usize,
    /// Input pixels per output pixel F (omp, lsrf).
    pub nonzeros: usize,
    /// Locality weight β (lsrf).
    pub beta: f64,
    /// Principal components k (pcr).
    pub components: usize,
    /// ℓ1 penalty α (lasso).
    pub alpha: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            receptive_field: 3,
            lambda: None,
            prior: Prior::Zero,
            penalize_bias: true,
            channels: None,
            gamma: 10.0,
            centres: 12,
            nonzeros: 5,
            beta: 60.0,
            components: 20,
            alpha: 1e-2,
        }
    }
}

impl TrainOptions {
    /// The names [`Self::set`] accepts.
    pub const KEYS: &'static str = "r, lambda, prior, channels, gamma, centres, nonzeros, beta, k, alpha";

    /// Sets one hyperparameter from text (`r`, `lambda`, `prior`, `channels`,
    /// `gamma`, `centres`, `nonzeros`/`f`, `beta`, `k`/`components`, `alpha`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let num = || value.parse::<f64>().map_err(|_| format!("{key}={value} is not a number"));
        let int = || value.parse::<usize>().map_err(|_| format!("{key}={value} is not a whole number"));
        match key {
            "r" => self.receptive_field = int()?,
            "lambda" => self.lambda = Some(num()?),
            "gamma" => self.gamma = num()?,
            "centres" => self.centres = int()?,
            "nonzeros" | "f" => self.nonzeros = int()?,
            "beta" => self.beta = num()?,
            "k" | "components" => self.components = int()?,
            "alpha" => self.alpha = num()?,
            "prior" => {
                self.prior = match value {
                    "identity" => Prior::Identity,
                    "zero" => Prior::Zero,
                    _ => return Err(format!("prior={value}: use identity or zero")),
                }
            }
            "channels" => {
                self.channels = Some(match value {
                    "separate" => ChannelMode::Separate,
                    "shared" => ChannelMode::Shared,
                    "grey" => ChannelMode::Grey,
                    _ => return Err(format!("channels={value}: use separate, shared or grey")),
                })
            }
            other => return Err(format!("unknown hyperparameter `{other}` ({})", Self::KEYS)),
        }
        Ok(())
    }
}

/// A per-expression model kind with its checked hyperparameters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ModelSpec {
    /// Masked regression.
    Masked(MaskedParams),
    /// Masked regression with r = 1, recorded as `pixel`.
    Pixel(MaskedParams),
    /// Per-pixel kernel ridge.
    PixelKernel(PixelKernelParams),
    /// Orthogonal matching pursuit.
    Omp(OmpParams),
    /// Locality-sensitive receptive fields.
    Lsrf(LsrfParams),
    /// Whole-image ridge.
    Ridge(RidgeParams),
    /// Whole-image lasso.
    Lasso(LassoParams),
    /// Principal-component regression.
    Pcr(PcrParams),
    /// Whole-image kernel ridge.
    KernelRidge(KernelRidgeParams),
}

impl ModelSpec {
    /// The spec of a kind with the given options, checked.
    pub fn new(kind: ModelKind, o: &TrainOptions) -> Result<Self> {
        if kind != ModelKind::Masked && o.receptive_field != 3 {
            return Err(Error::Unsupported("the receptive field applies to masked models only".into()));
        }
        let channels = o.channels.unwrap_or(if kind.is_sparse() { ChannelMode::Shared } else { ChannelMode::Separate });
        let masked = |r: usize| {
            let p = MaskedParams::default()
                .receptive_field(r)
                .penalize_bias(o.penalize_bias)
                .channels(channels)
                .prior(o.prior);
            match o.lambda {
                Some(l) => p.lambda(l),
                None => p,
            }
        };
        macro_rules! with_lambda {
            ($p:expr) => {
                match o.lambda {
                    Some(l) => $p.lambda(l),
                    None => $p,
                }
            };
        }
        let spec = match kind {
            ModelKind::Deform | ModelKind::Defgan => {
                return Err(Error::Unsupported(format!(
                    "{kind} trains on every expression at once: train it on an aligned folder of all \
                     expressions (`mien train --model {kind} --data ALIGNED_DIR`), then compare its file \
                     with `mien eval -m`"
                )))
            }
            ModelKind::Masked => ModelSpec::Masked(masked(o.receptive_field)),
            ModelKind::Pixel => ModelSpec::Pixel(masked(1)),
            ModelKind::PixelKernel => ModelSpec::PixelKernel(with_lambda!(PixelKernelParams::default()
                .gamma(o.gamma)
                .centres(o.centres)
                .channels(channels))),
            ModelKind::Omp => ModelSpec::Omp(with_lambda!(OmpParams::default()
                .nonzeros(o.nonzeros)
                .penalize_bias(o.penalize_bias)
                .channels(channels))),
            ModelKind::Lsrf => ModelSpec::Lsrf(with_lambda!(LsrfParams::default()
                .nonzeros(o.nonzeros)
                .beta(o.beta)
                .penalize_bias(o.penalize_bias)
                .channels(channels))),
            ModelKind::Ridge => ModelSpec::Ridge(with_lambda!(RidgeParams::default().channels(channels))),
            ModelKind::Lasso => ModelSpec::Lasso(LassoParams::default().alpha(o.alpha).channels(channels)),
            ModelKind::Pcr => {
                ModelSpec::Pcr(with_lambda!(PcrParams::default().components(o.components).channels(channels)))
            }
            ModelKind::KernelRidge => {
                ModelSpec::KernelRidge(with_lambda!(KernelRidgeParams::default().gamma(o.gamma).channels(channels)))
            }
        };
        spec.check()?;
        Ok(spec)
    }

    /// Checks the hyperparameters' ranges.
    pub fn check(&self) -> Result<()> {
        Ok(match self {
            ModelSpec::Masked(p) | ModelSpec::Pixel(p) => p.check(),
            ModelSpec::PixelKernel(p) => p.check(),
            ModelSpec::Omp(p) => p.check(),
            ModelSpec::Lsrf(p) => p.check(),
            ModelSpec::Ridge(p) => p.check(),
            ModelSpec::Lasso(p) => p.check(),
            ModelSpec::Pcr(p) => p.check(),
            ModelSpec::KernelRidge(p) => p.check(),
        }?)
    }

    /// The kind.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Masked(_) => ModelKind::Masked,
            ModelSpec::Pixel(_) => ModelKind::Pixel,
            ModelSpec::PixelKernel(_) => ModelKind::PixelKernel,
            ModelSpec::Omp(_) => ModelKind::Omp,
            ModelSpec::Lsrf(_) => ModelKind::Lsrf,
            ModelSpec::Ridge(_) => ModelKind::Ridge,
            ModelSpec::Lasso(_) => ModelKind::Lasso,
            ModelSpec::Pcr(_) => ModelKind::Pcr,
            ModelSpec::KernelRidge(_) => ModelKind::KernelRidge,
        }
    }

    /// Fits on a dataset.
    pub fn fit(&self, data: &PairedDataset) -> Result<AnyModel> {
        self.fit_with_progress(data, &|_, _| {})
    }

    /// Fits on a dataset; `progress(done, total)` is called as the local
    /// models finish image rows (the whole-image models report nothing).
    pub fn fit_with_progress(
        &self,
        data: &PairedDataset,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<AnyModel> {
        Ok(match self {
            ModelSpec::Masked(p) | ModelSpec::Pixel(p) => {
                p.check_for_size(data.width, data.height)?;
                let m = p.fit_with_progress(data, progress)?;
                // The pixel kind is masked regression with r = 1; only the recorded kind differs.
                if matches!(self, ModelSpec::Pixel(_)) {
                    AnyModel::Pixel(m)
                } else {
                    AnyModel::Masked(m)
                }
            }
            ModelSpec::PixelKernel(p) => AnyModel::PixelKernel(p.fit(data)?),
            ModelSpec::Omp(p) => AnyModel::Omp(p.fit(data)?),
            ModelSpec::Lsrf(p) => AnyModel::Lsrf(p.fit(data)?),
            ModelSpec::Ridge(p) => AnyModel::Ridge(p.fit(data)?),
            ModelSpec::Lasso(p) => AnyModel::Lasso(p.fit(data)?),
            ModelSpec::Pcr(p) => AnyModel::Pcr(p.fit(data)?),
            ModelSpec::KernelRidge(p) => AnyModel::KernelRidge(p.fit(data)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_parses_every_key_and_refuses_bad_values() {
        let mut o = TrainOptions::default();
        for (k, v) in [("r", "5"), ("lambda", "0.5"), ("prior", "identity"), ("channels", "grey"), ("k", "7")] {
            o.set(k, v).unwrap();
        }
        assert_eq!(
            (o.receptive_field, o.lambda, o.prior, o.channels, o.components),
            (5, Some(0.5), Prior::Identity, Some(ChannelMode::Grey), 7)
        );
        assert!(o.set("r", "x").unwrap_err().contains("whole number"));
        assert!(o.set("nope", "1").unwrap_err().contains("unknown hyperparameter"));
        assert!(o.set("prior", "one").is_err());
    }

    #[test]
    fn every_trainable_kind_builds_and_au_kinds_refuse() {
        for k in ModelKind::ALL {
            let spec = ModelSpec::new(k, &TrainOptions::default());
            assert_eq!(spec.is_ok(), !k.takes_au(), "{k}");
            if let Ok(s) = spec {
                assert_eq!(s.kind(), k);
            }
        }
        let o = TrainOptions { receptive_field: 5, ..Default::default() };
        assert!(ModelSpec::new(ModelKind::Pixel, &o).is_err());
        let o = TrainOptions { lambda: Some(-1.0), ..Default::default() };
        assert!(ModelSpec::new(ModelKind::Masked, &o).is_err());
    }
}
