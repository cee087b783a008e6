//! `mien train`: fit a model on DIR/trainA ↔ DIR/trainB and save it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien_core::dataset::{LoadOptions, PairedDataset, Split};
use mien_core::model_file::{AnyModel, ModelFile, TrainingInfo};
use mien_core::models::{
    ChannelMode, KernelRidgeParams, LassoParams, LsrfParams, MaskedParams, OmpParams, PcrParams, PixelKernelParams,
    Prior, RidgeParams,
};
use mien_core::normalize::{Normalize, OutputMode};

use super::check_writable_file;
use crate::args::{ModelKind, PriorArg, TrainArgs};
use crate::progress;

/// A model kind with its checked hyperparameters.
#[derive(Clone, Debug)]
pub enum ModelSpec {
    Masked(MaskedParams),
    Pixel(MaskedParams),
    PixelKernel(PixelKernelParams),
    Omp(OmpParams),
    Lsrf(LsrfParams),
    Ridge(RidgeParams),
    Lasso(LassoParams),
    Pcr(PcrParams),
    KernelRidge(KernelRidgeParams),
}

impl ModelSpec {
    /// Builds and checks the spec for a kind from `train`'s flags.
    pub fn from_args(a: &TrainArgs) -> Result<Self> {
        if a.model != ModelKind::Masked && a.receptive_field != 3 {
            anyhow::bail!("--receptive-field applies to --model masked only");
        }
        let sparse = matches!(a.model, ModelKind::Omp | ModelKind::Lsrf | ModelKind::Lasso);
        let channels: ChannelMode =
            a.channels.map(Into::into).unwrap_or(if sparse { ChannelMode::Shared } else { ChannelMode::Separate });
        let prior = match a.prior {
            PriorArg::Identity => Prior::Identity,
            PriorArg::Zero => Prior::Zero,
        };
        let masked = |r: usize| {
            let p = MaskedParams::default()
                .receptive_field(r)
                .penalize_bias(!a.no_penalize_bias)
                .channels(channels)
                .prior(prior);
            match a.lambda {
                Some(l) => p.lambda(l),
                None => p,
            }
        };
        macro_rules! with_lambda {
            ($p:expr) => {
                match a.lambda {
                    Some(l) => $p.lambda(l),
                    None => $p,
                }
            };
        }
        let spec = match a.model {
            ModelKind::Deform | ModelKind::Defgan => anyhow::bail!(
                "{} trains on every expression at once: use `mien train --model {} --data ALIGNED_DIR`, then \
                 compare its file with `mien eval -m`",
                a.model.name(),
                a.model.name()
            ),
            ModelKind::Masked => ModelSpec::Masked(masked(a.receptive_field)),
            ModelKind::Pixel => ModelSpec::Pixel(masked(1)),
            ModelKind::PixelKernel => ModelSpec::PixelKernel(with_lambda!(PixelKernelParams::default()
                .gamma(a.gamma)
                .centres(a.centres)
                .channels(channels))),
            ModelKind::Omp => ModelSpec::Omp(with_lambda!(OmpParams::default()
                .nonzeros(a.nonzeros)
                .penalize_bias(!a.no_penalize_bias)
                .channels(channels))),
            ModelKind::Lsrf => ModelSpec::Lsrf(with_lambda!(LsrfParams::default()
                .nonzeros(a.nonzeros)
                .beta(a.beta)
                .penalize_bias(!a.no_penalize_bias)
                .channels(channels))),
            ModelKind::Ridge => ModelSpec::Ridge(with_lambda!(RidgeParams::default().channels(channels))),
            ModelKind::Lasso => ModelSpec::Lasso(LassoParams::default().alpha(a.alpha).channels(channels)),
            ModelKind::Pcr => {
                ModelSpec::Pcr(with_lambda!(PcrParams::default().components(a.components).channels(channels)))
            }
            ModelKind::KernelRidge => {
                ModelSpec::KernelRidge(with_lambda!(KernelRidgeParams::default().gamma(a.gamma).channels(channels)))
            }
        };
        spec.check().context("model hyperparameters")?;
        Ok(spec)
    }

    fn check(&self) -> mien_core::Result<()> {
        match self {
            ModelSpec::Masked(p) | ModelSpec::Pixel(p) => p.check(),
            ModelSpec::PixelKernel(p) => p.check(),
            ModelSpec::Omp(p) => p.check(),
            ModelSpec::Lsrf(p) => p.check(),
            ModelSpec::Ridge(p) => p.check(),
            ModelSpec::Lasso(p) => p.check(),
            ModelSpec::Pcr(p) => p.check(),
            ModelSpec::KernelRidge(p) => p.check(),
        }
    }

    /// Fits on a dataset, with a progress bar for the local models.
    pub fn fit(&self, data: &PairedDataset) -> Result<AnyModel> {
        Ok(match self {
            ModelSpec::Masked(p) | ModelSpec::Pixel(p) => {
                p.check_for_size(data.width, data.height).context("--receptive-field")?;
                let sets = if p.channel_mode() == ChannelMode::Separate { data.channels } else { 1 };
                let pb = progress::bar((sets * data.height) as u64, "fitting");
                let m = p.fit_with_progress(data, &|done, _| pb.set_position(done as u64))?;
                pb.finish_and_clear();
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

/// Checked training settings.
struct Train {
    spec: ModelSpec,
    data: PathBuf,
    load: LoadOptions,
    output_mode: OutputMode,
    expression: Option<String>,
    output: PathBuf,
}

impl Train {
    fn from_args(a: TrainArgs) -> Result<Self> {
        if let Some(s) = a.size {
            anyhow::ensure!((8..=8192).contains(&s), "--size {s}: must be between 8 and 8192");
        }
        let spec = ModelSpec::from_args(&a)?;
        anyhow::ensure!(
            a.data.is_dir(),
            "--data {}: not a folder (expected DIR/trainA and DIR/trainB)",
            a.data.display()
        );
        check_writable_file(&a.output, "-o")?;
        Ok(Self {
            spec,
            data: a.data,
            load: LoadOptions { size: a.size, normalize: Normalize::from(a.normalize), ..Default::default() },
            output_mode: a.output_mode.into(),
            expression: a.expression,
            output: a.output,
        })
    }
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    if args.model == ModelKind::Deform {
        return run_deform(args);
    }
    if args.model == ModelKind::Defgan {
        return super::defgan::train(args);
    }
    let t = Train::from_args(args)?;
    let t_load = Instant::now();
    let data = PairedDataset::load(&t.data, Split::Train, &t.load)?;
    let load_s = t_load.elapsed().as_secs_f64();
    let t_fit = Instant::now();
    let model = t.spec.fit(&data)?;
    let fit_s = t_fit.elapsed().as_secs_f64();
    let params = model.predictor().parameter_count();
    let info = TrainingInfo {
        pairs: data.len(),
        source: data.source.clone(),
        seconds: fit_s,
        expression: t.expression.clone(),
    };
    let mut file = ModelFile::new(model, data.normalize, t.output_mode, info);
    // Aligned datasets (`mien align`) carry their template; the model keeps it
    // so `mien edit` crops new photos exactly as the training photos were.
    let template = t.data.join("template.json");
    if template.is_file() {
        let text = std::fs::read_to_string(&template).with_context(|| format!("cannot read {}", template.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", template.display()))?;
        mien_face::align::Template::from_json(&json).with_context(|| format!("{}", template.display()))?;
        file.meta.alignment = Some(json);
    }
    file.save(&t.output)?;
    eprintln!(
        "trained {} on {} pairs of {}×{}×{} in {:.2} s (+ {:.2} s loading): {} parameters → {}",
        file.meta.kind,
        data.len(),
        data.width,
        data.height,
        data.channels,
        fit_s,
        load_s,
        params,
        t.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--model deform`: one model over every expression folder of an aligned
/// dataset (`DIR/<expression>/trainA|trainB`), each expression's pairs
/// labelled with its prototype Action Units.
fn run_deform(a: TrainArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        a.data.is_dir(),
        "--data {}: not a folder (expected the output of `mien align --expression all`)",
        a.data.display()
    );
    check_writable_file(&a.output, "-o")?;
    let opts = LoadOptions { size: a.size, normalize: Normalize::MinMax, ..Default::default() };
    let t_load = Instant::now();
    let groups_data = mien_deform::data::load_aligned(&a.data, Split::Train, &opts)?;
    let load_s = t_load.elapsed().as_secs_f64();
    let groups: Vec<mien_deform::AuGroup<'_>> = groups_data.iter().map(|g| g.group()).collect();
    let t_fit = Instant::now();
    // --lambda sets the texture step's ridge penalty (towards "no texture change").
    let params = match a.lambda {
        Some(l) => mien_deform::DeformParams::default().texture_lambda(l),
        None => mien_deform::DeformParams::default(),
    };
    params.check().context("--lambda")?;
    let model = params.fit(&groups)?;
    let fit_s = t_fit.elapsed().as_secs_f64();
    let pairs: usize = groups_data.iter().map(|g| g.data.len()).sum();
    let alignment = aligned_template(&a.data, groups_data.iter().map(|g| g.name.as_str()))?;
    let source = a.data.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let info = TrainingInfo { pairs, source, seconds: fit_s, expression: Some("all".into()) };
    let file = mien_deform::DeformFile::new(model, info, alignment);
    file.save(&a.output)?;
    eprintln!(
        "trained deform on {pairs} pairs over {} expressions ({}) in {fit_s:.2} s (+ {load_s:.2} s loading) → {}",
        groups_data.len(),
        groups_data.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The face template of an aligned folder (the first `DIR/<expression>/template.json`), checked.
pub(super) fn aligned_template<'a>(
    dir: &std::path::Path,
    names: impl Iterator<Item = &'a str>,
) -> Result<Option<serde_json::Value>> {
    let Some(p) = names.map(|n| dir.join(n).join("template.json")).find(|p| p.is_file()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", p.display()))?;
    mien_face::align::Template::from_json(&json).with_context(|| p.display().to_string())?;
    Ok(Some(json))
}
