//! The raw argument layer (clap derive). Range checks and cross-flag rules
//! live in each subcommand's `from_args` step, so every usage error about a
//! value comes from one place per command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// mien: facial expression synthesis with fast local regression models.
#[derive(Debug, Parser)]
#[command(name = "mien", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit a model on a paired dataset (DIR/trainA ↔ DIR/trainB).
    Train(TrainArgs),
    /// Apply a model to aligned face crops.
    Apply(ApplyArgs),
    /// Evaluate models on DIR/testA ↔ DIR/testB (MSE, PSNR, SSIM, size, speed).
    Eval(EvalArgs),
    /// Print a model file's metadata.
    Info(InfoArgs),
    /// Train, apply and evaluate on generated data, end to end, in a temporary folder.
    Demo(DemoArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// Masked regression: ridge over the r×r window around each pixel.
    Masked,
    /// Per-pixel linear map (masked with r = 1).
    Pixel,
    /// Per-pixel RBF kernel ridge regression.
    PixelKernel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Channels {
    /// One weight set per colour channel.
    Separate,
    /// One weight set fitted on all channels together.
    Shared,
    /// Convert to grey before fitting.
    Grey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PriorArg {
    /// Shrink towards output = input.
    Identity,
    /// Shrink towards zero weights (textbook ridge, the reference).
    Zero,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NormalizeArg {
    /// Each image scaled to [0,1] by its own min and max.
    Minmax,
    /// x / 255.
    Unit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputModeArg {
    /// Invert the input's normalisation, clamp to 0..255.
    Clip,
    /// Stretch the result's min..max to 0..255 (the reference).
    Stretch,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Model kind.
    #[arg(long, value_enum, default_value = "masked")]
    pub model: ModelKind,
    /// Dataset folder with trainA/ and trainB/.
    #[arg(long)]
    pub data: PathBuf,
    /// Resize every image to N×N (bilinear, OpenCV-style, no antialiasing).
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Window side r (odd) for `masked`.
    #[arg(short = 'r', long = "receptive-field", default_value_t = 3)]
    pub receptive_field: usize,
    /// Ridge penalty λ (> 0) [default: 1 for masked and pixel, 0.1 for pixel-kernel].
    #[arg(long)]
    pub lambda: Option<f64>,
    /// What the ridge penalty shrinks towards: the identity map or zero (the reference).
    #[arg(long, value_enum, default_value = "identity")]
    pub prior: PriorArg,
    /// Do not penalise the bias (the reference penalises it).
    #[arg(long)]
    pub no_penalize_bias: bool,
    /// How colour channels share weights.
    #[arg(long, value_enum, default_value = "separate")]
    pub channels: Channels,
    /// RBF width γ for `pixel-kernel`.
    #[arg(long, default_value_t = 10.0)]
    pub gamma: f64,
    /// Centres per pixel for `pixel-kernel`.
    #[arg(long, default_value_t = 12)]
    pub centres: usize,
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
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Model file.
    #[arg(short = 'm', long)]
    pub model: PathBuf,
    /// Input images (aligned face crops).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing); writes OUTDIR/<stem>.png.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Resize inputs to the model's size instead of rejecting them.
    #[arg(long)]
    pub resize: bool,
    /// Override the model's output mode.
    #[arg(long, value_enum)]
    pub output_mode: Option<OutputModeArg>,
    /// Write input|output side by side.
    #[arg(long)]
    pub side_by_side: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model files (repeat for several).
    #[arg(short = 'm', long = "model", required = true)]
    pub models: Vec<PathBuf>,
    /// Dataset folder with testA/ and testB/.
    #[arg(long)]
    pub data: PathBuf,
    /// Also write the table as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Write a PNG grid: input | each model | target, one row per test pair.
    #[arg(long)]
    pub grid: Option<PathBuf>,
    /// Most rows in the grid.
    #[arg(long, default_value_t = 8)]
    pub grid_rows: usize,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Model file.
    pub model: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's outputs (default: a temporary folder).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}
