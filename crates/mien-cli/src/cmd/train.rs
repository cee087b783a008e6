//! `mien train`: fit a model on DIR/trainA ↔ DIR/trainB and save it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien_core::dataset::{LoadOptions, PairedDataset, Split};
use mien_core::model_file::{AnyModel, ModelFile, TrainingInfo};
use mien_core::models::{MaskedParams, PixelKernelParams, Prior};
use mien_core::normalize::{Normalize, OutputMode};

use super::check_writable_file;
use crate::args::{ModelKind, PriorArg, TrainArgs};
use crate::progress;

/// Checked training settings.
struct Train {
    kind: ModelKind,
    data: PathBuf,
    load: LoadOptions,
    masked: MaskedParams,
    kernel: PixelKernelParams,
    output_mode: OutputMode,
    expression: Option<String>,
    output: PathBuf,
}

impl Train {
    fn from_args(a: TrainArgs) -> Result<Self> {
        if let Some(s) = a.size {
            anyhow::ensure!((8..=8192).contains(&s), "--size {s}: must be between 8 and 8192");
        }
        let mut masked = MaskedParams::default()
            .receptive_field(if a.model == ModelKind::Masked { a.receptive_field } else { 1 })
            .penalize_bias(!a.no_penalize_bias)
            .channels(a.channels.into())
            .prior(match a.prior {
                PriorArg::Identity => Prior::Identity,
                PriorArg::Zero => Prior::Zero,
            });
        let mut kernel = PixelKernelParams::default().gamma(a.gamma).centres(a.centres).channels(a.channels.into());
        if let Some(l) = a.lambda {
            masked = masked.lambda(l);
            kernel = kernel.lambda(l);
        }
        match a.model {
            ModelKind::Masked | ModelKind::Pixel => masked.check().context("--receptive-field / --lambda")?,
            ModelKind::PixelKernel => kernel.check().context("--gamma / --lambda / --centres")?,
        }
        if a.model != ModelKind::Masked && a.receptive_field != 3 {
            anyhow::bail!("--receptive-field applies to --model masked only");
        }
        anyhow::ensure!(
            a.data.is_dir(),
            "--data {}: not a folder (expected DIR/trainA and DIR/trainB)",
            a.data.display()
        );
        check_writable_file(&a.output, "-o")?;
        Ok(Self {
            kind: a.model,
            data: a.data,
            load: LoadOptions { size: a.size, normalize: Normalize::from(a.normalize), ..Default::default() },
            masked,
            kernel,
            output_mode: a.output_mode.into(),
            expression: a.expression,
            output: a.output,
        })
    }
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    let t = Train::from_args(args)?;
    let t_load = Instant::now();
    let data = PairedDataset::load(&t.data, Split::Train, &t.load)?;
    let load_s = t_load.elapsed().as_secs_f64();
    if t.kind == ModelKind::Masked {
        t.masked.check_for_size(data.width, data.height).context("--receptive-field")?;
    }
    let t_fit = Instant::now();
    let model = match t.kind {
        ModelKind::Masked | ModelKind::Pixel => {
            let sets =
                if t.masked.channel_mode() == mien_core::models::ChannelMode::Separate { data.channels } else { 1 };
            let pb = progress::bar((sets * data.height) as u64, "fitting");
            let m = t.masked.fit_with_progress(&data, &|done, _| pb.set_position(done as u64))?;
            pb.finish_and_clear();
            if t.kind == ModelKind::Pixel {
                // The pixel kind is masked regression with r = 1; only the recorded kind differs.
                AnyModel::Pixel(m)
            } else {
                AnyModel::Masked(m)
            }
        }
        ModelKind::PixelKernel => AnyModel::PixelKernel(t.kernel.fit(&data)?),
    };
    let fit_s = t_fit.elapsed().as_secs_f64();
    let params = model.predictor().parameter_count();
    let info = TrainingInfo {
        pairs: data.len(),
        source: data.source.clone(),
        seconds: fit_s,
        expression: t.expression.clone(),
    };
    let file = ModelFile::new(model, data.normalize, t.output_mode, info);
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
