//! `mien train`: fit a model on DIR/trainA ↔ DIR/trainB (or, for the
//! AU-conditioned kinds, on every expression folder of DIR) and save it.
//! The hyperparameters' defaults are the library's ([`TrainOptions`]).

mod defgan;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien::core::dataset::LoadOptions;
use mien::core::normalize::Normalize;
use mien::registry::train::{train_deform, train_local};
use mien::{ModelKind, ModelSpec, TrainOptions};

pub use defgan::GanArgs;

use crate::common::check_writable_file;
use crate::values::{self, Channels, NormalizeArg, OutputModeArg, PriorArg};

/// Image sides `train` accepts (the library's one range, shared with `eval --models`).
const SIZES: std::ops::RangeInclusive<usize> = mien::core::dataset::SIZES;

/// Checks `--size` before any image is read or resized, for every kind.
fn check_size(a: &Args) -> Result<()> {
    let Some(s) = a.size else { return Ok(()) };
    anyhow::ensure!(SIZES.contains(&s), "--size {s}: must be between {} and {} pixels", SIZES.start(), SIZES.end());
    // defgan's networks halve the image repeatedly (mien-defgan's `NetConfig::check`).
    anyhow::ensure!(
        a.model != ModelKind::Defgan || ((16..=1024).contains(&s) && s.is_power_of_two()),
        "--size {s}: --model defgan needs a power of two between 16 and 1024"
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model kind.
    #[arg(long, value_parser = values::model_kind(), default_value = "masked")]
    pub model: ModelKind,
    /// Dataset folder with trainA/ and trainB/.
    #[arg(long)]
    pub data: PathBuf,
    /// Resize every image to N×N (bilinear, OpenCV-style, no antialiasing).
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Window side r (odd) for `masked`.
    #[arg(short = 'r', long = "receptive-field", default_value_t = TrainOptions::default().receptive_field)]
    pub receptive_field: usize,
    /// Ridge penalty λ (> 0) [default: each model's own, see docs/models.md].
    #[arg(long)]
    pub lambda: Option<f64>,
    /// Terms of the training data, stored in the model's metadata and shown by `mien info` (e.g. "JAFFE: research use only").
    #[arg(long, value_name = "TEXT")]
    pub data_licence: Option<String>,
    /// Where `deform` learns each expression's motion: the mean landmark displacement of the training pairs (strong, needs no tuning) or a flow fitted to their pixels (the earlier method).
    #[arg(long, value_enum, default_value_t = FlowFrom::Landmarks)]
    pub flow_from: FlowFrom,
    /// What the ridge penalty shrinks towards: the identity map or zero (the reference).
    #[arg(long, value_enum, default_value_t = PriorArg::of(TrainOptions::default().prior))]
    pub prior: PriorArg,
    /// Do not penalise the bias (the reference penalises it).
    #[arg(long)]
    pub no_penalize_bias: bool,
    /// How colour channels share weights [default: separate; shared for omp, lsrf and lasso, as the LSRF reference].
    #[arg(long, value_enum)]
    pub channels: Option<Channels>,
    /// RBF width γ for `pixel-kernel` and `kernel-ridge`.
    #[arg(long, default_value_t = TrainOptions::default().gamma)]
    pub gamma: f64,
    /// Centres per pixel for `pixel-kernel`.
    #[arg(long, default_value_t = TrainOptions::default().centres)]
    pub centres: usize,
    /// Input pixels per output pixel F for `omp` and `lsrf`.
    #[arg(long, default_value_t = TrainOptions::default().nonzeros)]
    pub nonzeros: usize,
    /// Locality weight β for `lsrf`.
    #[arg(long, default_value_t = TrainOptions::default().beta)]
    pub beta: f64,
    /// Principal components k for `pcr`.
    #[arg(long, default_value_t = TrainOptions::default().components)]
    pub components: usize,
    /// ℓ1 penalty α for `lasso`.
    #[arg(long, default_value_t = TrainOptions::default().alpha)]
    pub alpha: f64,
    /// Input normalisation.
    #[arg(long, value_enum, default_value = "minmax")]
    pub normalize: NormalizeArg,
    /// Default output mode stored in the model.
    #[arg(long, value_enum, default_value = "clip")]
    pub output_mode: OutputModeArg,
    /// Target expression name recorded in the model (e.g. happy).
    #[arg(long)]
    pub expression: Option<String>,
    /// Output model file (.safetensors).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Refuse fits estimated to need more memory than this, in megabytes [default: the memory available now].
    #[arg(long, value_name = "MB")]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub gan: GanArgs,
}

impl Args {
    /// The library's options from the flags.
    fn options(&self) -> TrainOptions {
        TrainOptions {
            receptive_field: self.receptive_field,
            lambda: self.lambda,
            prior: self.prior.into(),
            penalize_bias: !self.no_penalize_bias,
            channels: self.channels.map(Into::into),
            gamma: self.gamma,
            centres: self.centres,
            nonzeros: self.nonzeros,
            beta: self.beta,
            components: self.components,
            alpha: self.alpha,
        }
    }
}

/// Checked settings of a per-expression kind.
struct Train {
    spec: ModelSpec,
    load: LoadOptions,
    a: Args,
}

impl Train {
    fn from_args(a: Args) -> Result<Self> {
        if a.model != ModelKind::Masked && a.receptive_field != 3 {
            anyhow::bail!("--receptive-field applies to --model masked only");
        }
        let spec = ModelSpec::new(a.model, &a.options()).context("model hyperparameters")?;
        anyhow::ensure!(
            a.data.is_dir(),
            "--data {}: not a folder (expected DIR/trainA and DIR/trainB)",
            a.data.display()
        );
        check_writable_file(&a.output, "-o")?;
        let load = LoadOptions { size: a.size, normalize: Normalize::from(a.normalize), ..Default::default() };
        Ok(Self { spec, load, a })
    }
}

pub fn run(a: Args) -> Result<ExitCode> {
    check_size(&a)?;
    check_memory(&a)?;
    match a.model {
        ModelKind::Deform => return run_deform(a),
        ModelKind::Defgan => {
            return defgan::train(defgan::Target { data: &a.data, size: a.size, output: &a.output, gan: &a.gan })
        }
        _ => {}
    }
    let t = Train::from_args(a)?;
    let pb = std::sync::Mutex::new(None::<indicatif::ProgressBar>);
    let progress = |done: usize, total: usize| {
        let mut bar = pb.lock().unwrap_or_else(|e| e.into_inner());
        bar.get_or_insert_with(|| crate::progress::bar(total as u64, "fitting")).set_position(done as u64);
    };
    let mut trained =
        train_local(&t.spec, &t.a.data, &t.load, t.a.output_mode.into(), t.a.expression.clone(), &progress)
            .map_err(|e| hint(e, t.a.model))?;
    trained.file.meta.training.licence = t.a.data_licence.clone();
    if let Some(bar) = pb.into_inner().unwrap_or_else(|e| e.into_inner()) {
        bar.finish_and_clear();
    }
    let file = &trained.file;
    file.save(&t.a.output)?;
    let (w, h, c) = trained.shape;
    eprintln!(
        "trained {} on {} pairs of {w}×{h}×{c} in {:.2} s (+ {:.2} s loading): {} parameters → {}",
        file.meta.kind,
        trained.pairs,
        trained.fit_s,
        trained.load_s,
        file.model.predictor().parameter_count(),
        t.a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Estimates the fit's memory from the data's shape (pair count from the
/// folder listing, size from `--size` or the first image) and refuses a fit
/// that cannot finish, before loading anything else.
fn check_memory(a: &Args) -> Result<()> {
    let limit = match a.max_memory {
        Some(mb) => mb.saturating_mul(1 << 20),
        None => match crate::common::available_memory() {
            Some(bytes) => bytes,
            None => return Ok(()), // unknown on this system: nothing to compare with
        },
    };
    let Some(shape) = data_shape(a) else { return Ok(()) };
    let threads = rayon::current_num_threads();
    let est = mien::memory::fit_memory(a.model, &a.options(), &shape, threads);
    let mb = |b: u64| b.div_ceil(1 << 20);
    anyhow::ensure!(
        est.total() <= limit,
        "fitting {} on {} pairs of {}×{}×{} needs about {} MB of memory (images {} MB, fit {} MB), but {} MB {}; \
         lower --size{}, or train on fewer pairs{}",
        a.model,
        shape.pairs,
        shape.width,
        shape.height,
        shape.channels,
        mb(est.total()),
        mb(est.dataset),
        mb(est.fit),
        mb(limit),
        if a.max_memory.is_some() { "is allowed (--max-memory)" } else { "is available" },
        if a.model == ModelKind::Masked { " or -r" } else { "" },
        if a.max_memory.is_some() { "" } else { "; --max-memory MB overrides the check" },
    );
    Ok(())
}

/// The training data's shape, from the folder listing and one image; `None`
/// when it cannot be read (loading then reports why).
fn data_shape(a: &Args) -> Option<mien::memory::DataShape> {
    let count = |dir: &std::path::Path| {
        std::fs::read_dir(dir).ok().map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().is_file()).count())
    };
    let input_dirs: Vec<PathBuf> = if a.model.takes_au() {
        let rd = std::fs::read_dir(&a.data).ok()?;
        rd.filter_map(|e| e.ok()).map(|e| e.path().join("trainA")).filter(|p| p.is_dir()).collect()
    } else {
        vec![a.data.join("trainA")]
    };
    let pairs: usize = input_dirs.iter().filter_map(|d| count(d)).sum();
    let first = input_dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))?;
    let img = mien::core::image::load(&first, Default::default()).ok()?;
    let (width, height) = match a.size {
        Some(s) => (s, s),
        None => (img.width(), img.height()),
    };
    Some(mien::memory::DataShape { width, height, channels: img.channels(), pairs })
}

/// Flag hints for training errors: masked regression checks its window against the image size only when fitting.
fn hint(e: mien::Error, kind: ModelKind) -> anyhow::Error {
    match e {
        e @ mien::Error::Core(mien::core::Error::InvalidParam { .. })
            if matches!(kind, ModelKind::Masked | ModelKind::Pixel) =>
        {
            anyhow::Error::new(e).context("--receptive-field")
        }
        e @ mien::Error::Core(mien::core::Error::ConstantImage { .. }) => {
            anyhow::Error::new(e).context("constant images train only with --normalize unit")
        }
        e @ mien::Error::Core(mien::core::Error::SizeMismatch { .. }) => {
            anyhow::Error::new(e).context("pass --size N to resize every image when loading")
        }
        e => e.into(),
    }
}

/// Where `deform` learns its motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowFrom {
    /// The mean landmark displacement of each expression's pairs.
    Landmarks,
    /// One flow fitted to each expression's pixels.
    Pixels,
}

/// `--model deform`: one model over every expression folder of an aligned
/// dataset (`DIR/<expression>/trainA|trainB`), each expression's pairs
/// labelled with its prototype Action Units.
fn run_deform(a: Args) -> Result<ExitCode> {
    anyhow::ensure!(
        a.data.is_dir(),
        "--data {}: not a folder (expected the output of `mien align --expression all`)",
        a.data.display()
    );
    check_writable_file(&a.output, "-o")?;
    // --lambda sets the texture step's ridge penalty (towards "no texture change").
    let params = mien::deform::DeformParams::default().motion(match a.flow_from {
        FlowFrom::Landmarks => mien::deform::MotionSource::Landmarks,
        FlowFrom::Pixels => mien::deform::MotionSource::Photometric,
    });
    let params = match a.lambda {
        Some(l) => params.texture_lambda(l),
        None => params,
    };
    params.check().context("--lambda")?;
    let mut trained = train_deform(&a.data, a.size, &params)?;
    trained.file.meta.training.licence = a.data_licence.clone();
    trained.file.save(&a.output)?;
    eprintln!(
        "trained deform on {} pairs over {} expressions ({}) in {:.2} s (+ {:.2} s loading) → {}",
        trained.pairs,
        trained.expressions.len(),
        trained.expressions.join(", "),
        trained.fit_s,
        trained.load_s,
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
