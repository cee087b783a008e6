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
    /// Edit the expression of every face in photos.
    Edit(EditArgs),
    /// Build aligned paired datasets from labelled photos (JAFFE names or a CSV).
    Align(AlignArgs),
    /// Edit the bundled sample photos with the built-in models and write grids.
    Demo(DemoArgs),
    /// Import reference-implementation weights (scipy.sparse .npz) as a model file.
    Import(ImportArgs),
    /// Export a local model's weights as a scipy.sparse .npz matrix.
    Export(ExportArgs),
    /// Print the expression classifier's probabilities for images (CSV).
    Score(ScoreArgs),
    /// Serve a local web page and JSON API for editing photos in the browser.
    Serve(ServeArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// Masked regression: ridge over the r×r window around each pixel.
    Masked,
    /// Per-pixel linear map (masked with r = 1).
    Pixel,
    /// Per-pixel RBF kernel ridge regression.
    PixelKernel,
    /// Orthogonal matching pursuit: F input pixels per output pixel (ℓ0).
    Omp,
    /// OMP with a locality bonus β/D (sparse local receptive fields).
    Lsrf,
    /// Ridge on all input pixels (ℓ2, dual form).
    Ridge,
    /// Lasso on all input pixels (ℓ1).
    Lasso,
    /// Principal-component regression (SVD-based).
    Pcr,
    /// RBF kernel ridge regression on whole images.
    KernelRidge,
    /// Deformation: AU-conditioned flow basis + texture, trained on every
    /// expression of an aligned folder (`mien align --expression all`).
    Deform,
    /// Neural deformation: AU-conditioned motion and texture networks trained
    /// end to end with a critic (burn; needs a build with `--features defgan`).
    Defgan,
}

impl ModelKind {
    /// The name on the command line.
    pub fn name(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }
}

impl GanArgs {
    /// The flags' defaults (for `eval --models`, which builds `TrainArgs` itself).
    pub fn defaults() -> Self {
        use clap::FromArgMatches;
        let cmd = Self::augment_args(clap::Command::new("defaults"));
        Self::from_arg_matches(&cmd.get_matches_from(["defaults"])).expect("defaults parse")
    }
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
pub enum ConditioningArg {
    /// The input maps and a per-channel shift after the norms (ours).
    Film,
    /// The input maps only (GANimation's).
    Input,
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
    /// Ridge penalty λ (> 0) [default: each model's own, see docs/models.md].
    #[arg(long)]
    pub lambda: Option<f64>,
    /// What the ridge penalty shrinks towards: the identity map or zero (the reference).
    #[arg(long, value_enum, default_value = "zero")]
    pub prior: PriorArg,
    /// Do not penalise the bias (the reference penalises it).
    #[arg(long)]
    pub no_penalize_bias: bool,
    /// How colour channels share weights [default: separate; shared for omp, lsrf and lasso, as the LSRF reference].
    #[arg(long, value_enum)]
    pub channels: Option<Channels>,
    /// RBF width γ for `pixel-kernel` and `kernel-ridge`.
    #[arg(long, default_value_t = 10.0)]
    pub gamma: f64,
    /// Centres per pixel for `pixel-kernel`.
    #[arg(long, default_value_t = 12)]
    pub centres: usize,
    /// Input pixels per output pixel F for `omp` and `lsrf`.
    #[arg(long, default_value_t = 5)]
    pub nonzeros: usize,
    /// Locality weight β for `lsrf`.
    #[arg(long, default_value_t = 60.0)]
    pub beta: f64,
    /// Principal components k for `pcr`.
    #[arg(long, default_value_t = 20)]
    pub components: usize,
    /// ℓ1 penalty α for `lasso`.
    #[arg(long, default_value_t = 1e-2)]
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
    #[command(flatten)]
    pub gan: GanArgs,
}

/// `train --model defgan` settings (docs/defgan.md explains each default).
#[derive(Debug, Args)]
#[command(next_help_heading = "defgan (--model defgan)")]
pub struct GanArgs {
    /// Generator steps.
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// Where to train: cpu, or cuda (a build with `--features defgan-cuda`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Critic steps per generator step; 0 = supervised warm-up without a
    /// critic (needs --w-paired; resume it later with critic steps ≥ 1).
    #[arg(long, default_value_t = 5)]
    pub critic_steps: usize,
    /// Augment the training pairs: random mirror images, shifts of up to
    /// size/32 pixels and intensity changes, alike for both photos of a pair.
    #[arg(long)]
    pub augment: bool,
    /// Adam learning rate (β = 0.5, 0.999).
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// Write a checkpoint every N generator steps (and at the end).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub checkpoint_every: usize,
    /// Checkpoint folder [default: OUTPUT.ckpt].
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint folder's last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Seed of the initial weights and the batches.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Generator base width (GANimation: 64).
    #[arg(long, default_value_t = 16)]
    pub gen_width: usize,
    /// Residual blocks per generator (GANimation: 6).
    #[arg(long, default_value_t = 3)]
    pub res_blocks: usize,
    /// Critic base width (GANimation: 64).
    #[arg(long, default_value_t = 16)]
    pub critic_width: usize,
    /// Largest flow, in grid units (the image spans 2).
    #[arg(long, default_value_t = 0.25)]
    pub max_flow: f64,
    /// Where the AU vector enters the generators: `film` (the input and a
    /// per-channel shift after the norms) or `input` (GANimation's: the input only).
    #[arg(long, value_enum, default_value = "film")]
    pub conditioning: ConditioningArg,
    /// Gradient-penalty weight.
    #[arg(long, default_value_t = 10.0)]
    pub w_gp: f64,
    /// AU-regression weight (on the mean squared error).
    #[arg(long, default_value_t = 160.0)]
    pub w_au: f64,
    /// Cycle-consistency weight (L1).
    #[arg(long, default_value_t = 10.0)]
    pub w_cycle: f64,
    /// Flow total-variation weight (pixels).
    #[arg(long, default_value_t = 0.01)]
    pub w_flow_tv: f64,
    /// Flow magnitude weight (pixels²).
    #[arg(long, default_value_t = 0.001)]
    pub w_flow_mag: f64,
    /// Attention-mask mean weight.
    #[arg(long, default_value_t = 0.1)]
    pub w_mask: f64,
    /// Attention-mask total-variation weight.
    #[arg(long, default_value_t = 1.0)]
    pub w_mask_tv: f64,
    /// L1 to the real target photo of each pair; 0 is the self-supervised setting.
    #[arg(long, default_value_t = 0.0)]
    pub w_paired: f64,
    /// Weight the paired L1 per pixel by 1 + K·|target − source|/2, so that
    /// what the expression changes counts more; 0 is the plain L1.
    #[arg(long, default_value_t = 0.0, value_name = "K")]
    pub w_paired_change: f64,
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
    /// Reproduce the reference implementations' pipeline (implies --resize;
    /// the resized image is rounded to 8 bits as OpenCV's resize does).
    #[arg(long)]
    pub reference_pipeline: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model files to score on DIR/testA ↔ DIR/testB (repeat for several).
    #[arg(short = 'm', long = "model", conflicts_with = "specs")]
    pub models: Vec<PathBuf>,
    /// Train and score these kinds instead, each with optional hyperparameters:
    /// `masked:r=3:lambda=3,pixel,omp:nonzeros=5,lsrf:beta=60,ridge,pcr:k=20,kernel-ridge:gamma=10,lasso:alpha=0.001`.
    #[arg(long = "models", value_name = "SPECS")]
    pub specs: Option<String>,
    /// With --models: `holdout` (train on trainA/B, test on testA/B) or `loso`
    /// (leave one subject out over all pairs; needs DIR/pairs.csv from `mien align`).
    #[arg(long, value_enum, default_value = "holdout")]
    pub protocol: Protocol,
    /// With --models: training-set sizes to sweep, e.g. 5,10,20,all.
    #[arg(long, value_name = "LIST", default_value = "all")]
    pub train_sizes: String,
    /// With --models: resize every image to N×N first.
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
    /// Target expression for the expression check (default: from DIR/pairs.csv).
    #[arg(long)]
    pub expression: Option<String>,
    /// Skip the expression classifier check.
    #[arg(long)]
    pub no_expression_check: bool,
    /// Dataset folder with testA/ and testB/ (and trainA/, trainB/, pairs.csv for --models).
    #[arg(long)]
    pub data: PathBuf,
    /// Also write the table as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the markdown table to a file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a PNG grid: input | each model | target, one row per test pair.
    #[arg(long)]
    pub grid: Option<PathBuf>,
    /// Most rows in the grid.
    #[arg(long, default_value_t = 8)]
    pub grid_rows: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    /// The dataset's own train/test split.
    Holdout,
    /// Leave one subject out.
    Loso,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Model file.
    pub model: PathBuf,
}

#[derive(Debug, Args)]
pub struct AlignArgs {
    /// Folder of JAFFE photos (names SUBJ.EXn.idx.ext).
    #[arg(long, value_name = "DIR")]
    pub jaffe: Option<PathBuf>,
    /// CSV of `subject,expression,path` (expression `neutral` for the source photos).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Target expression (happy, surprise, sad, angry, disgust, fear) or `all` (one dataset per expression).
    #[arg(long, default_value = "all")]
    pub expression: String,
    /// Crop size in pixels.
    #[arg(long, default_value_t = 128)]
    pub size: usize,
    /// Subjects for the test split, comma-separated (e.g. KA,KL).
    #[arg(long, value_name = "LIST")]
    pub test_subjects: Option<String>,
    /// Fraction of subjects for the test split (chosen evenly from the sorted list).
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Pair every neutral take with every expression take (default: the first neutral take only).
    #[arg(long = "pairs-all")]
    pub pairs_all: bool,
    /// Output folder (must not exist or be empty).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Photos to edit.
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,
    /// Target expression: happy, surprise, sad, angry, disgust, fear.
    #[arg(short = 'e', long, default_value = "happy")]
    pub expression: String,
    /// How far to go: 0 returns the photo, 1 the model's full output (for -m deform: scales the AU vector).
    #[arg(long, default_value_t = 1.0)]
    pub intensity: f32,
    /// Action Unit intensities instead of an expression (-m deform), e.g. AU12=0.8,AU6=0.5.
    #[arg(long, value_name = "LIST")]
    pub au: Option<String>,
    /// Write a strip of the edit at these intensities side by side, e.g. 0,0.25,0.5,0.75,1 (one photo).
    #[arg(long, value_name = "LIST")]
    pub sweep: Option<String>,
    /// A built-in model (`masked`, `pixel`) or a model file.
    #[arg(short = 'm', long, default_value = "masked")]
    pub model: String,
    /// Which faces: `all`, or the N-th largest (1-based).
    #[arg(long, default_value = "all")]
    pub face: String,
    /// Treat each photo as an already aligned face crop (sketches, paintings, animals).
    #[arg(long)]
    pub no_detect: bool,
    /// Smallest face searched for, in pixels (default 40; down to 24 finds smaller faces, more slowly).
    #[arg(long, value_name = "PX")]
    pub min_face: Option<usize>,
    /// Output file (one photo) or folder (several).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Also write detection boxes, landmarks and aligned crops here.
    #[arg(long, value_name = "DIR")]
    pub debug_dir: Option<PathBuf>,
    /// Print a timing breakdown.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's outputs (default: ./mien-demo).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Built-in model kind to show (masked or pixel) or a model file.
    #[arg(short = 'm', long)]
    pub model: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A `scipy.sparse.save_npz` CSR weight matrix, d × (d + 1).
    #[arg(long)]
    pub npz: PathBuf,
    /// Image side N (d = N²); default: the square root of the row count.
    #[arg(long)]
    pub size: Option<usize>,
    /// What the reference file holds: omp, lsrf or masked.
    #[arg(long, default_value = "lsrf")]
    pub kind: String,
    /// Output model file.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model file (masked, pixel, omp, lsrf, lasso or imported; one weight set).
    #[arg(short = 'm', long)]
    pub model: PathBuf,
    /// Output .npz file.
    #[arg(long)]
    pub npz: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Images to classify.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Classify the whole image instead of the detected face.
    #[arg(long)]
    pub no_detect: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The bound address is printed on stdout.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Folder of extra model files (*.safetensors) to offer besides the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Allow listening on a non-loopback address: anyone who can reach it can use the server.
    #[arg(long)]
    pub allow_remote: bool,
    /// Largest request body, in megabytes.
    #[arg(long, value_name = "MB", default_value_t = 20)]
    pub max_body_mb: u64,
    /// Largest image (width × height), checked from the header before decoding.
    #[arg(long, value_name = "PIXELS", default_value_t = 16_000_000)]
    pub max_pixels: u64,
    /// Edits computed at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Edits that may wait for a free worker; more get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub queue: usize,
    /// Seconds a request may wait and compute before it gets 503.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout_s: u64,
    /// Smallest face searched for, in pixels (default 40, as `mien edit`); 64 halves detection time.
    #[arg(long, value_name = "PX")]
    pub min_face: Option<usize>,
}
