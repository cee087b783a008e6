//! clap value types shared by several subcommands, each mapped onto the
//! library's own type, and the parsers of typed list values.

use clap::ValueEnum;
use mien::core::models::{ChannelMode, Prior};
use mien::core::normalize::{Normalize, OutputMode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Channels {
    /// One weight set per colour channel.
    Separate,
    /// One weight set fitted on all channels together.
    Shared,
    /// Convert to grey before fitting.
    Grey,
}

impl From<Channels> for ChannelMode {
    fn from(c: Channels) -> Self {
        match c {
            Channels::Separate => ChannelMode::Separate,
            Channels::Shared => ChannelMode::Shared,
            Channels::Grey => ChannelMode::Grey,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PriorArg {
    /// Shrink towards output = input.
    Identity,
    /// Shrink towards zero weights (textbook ridge, the reference).
    Zero,
}

impl From<PriorArg> for Prior {
    fn from(p: PriorArg) -> Self {
        match p {
            PriorArg::Identity => Prior::Identity,
            PriorArg::Zero => Prior::Zero,
        }
    }
}

impl PriorArg {
    /// The flag value of a library prior (for defaults).
    pub fn of(p: Prior) -> Self {
        match p {
            Prior::Identity => PriorArg::Identity,
            _ => PriorArg::Zero,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NormalizeArg {
    /// Each image scaled to [0,1] by its own min and max.
    Minmax,
    /// x / 255.
    Unit,
}

impl From<NormalizeArg> for Normalize {
    fn from(n: NormalizeArg) -> Self {
        match n {
            NormalizeArg::Minmax => Normalize::MinMax,
            NormalizeArg::Unit => Normalize::Unit,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputModeArg {
    /// Invert the input's normalisation, clamp to 0..255.
    Clip,
    /// Stretch the result's min..max to 0..255 (the reference).
    Stretch,
}

impl From<OutputModeArg> for OutputMode {
    fn from(o: OutputModeArg) -> Self {
        match o {
            OutputModeArg::Clip => OutputMode::Clip,
            OutputModeArg::Stretch => OutputMode::Stretch,
        }
    }
}

/// `--model`: every kind of the library's registry, with its description as help.
pub fn model_kind() -> impl clap::builder::TypedValueParser<Value = mien::ModelKind> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(
        mien::ModelKind::ALL.map(|k| clap::builder::PossibleValue::new(k.name()).help(k.description())),
    )
    .map(|s| s.parse::<mien::ModelKind>().expect("a listed kind"))
}

/// `--face`: `all` or a face number.
pub fn face_choice(s: &str) -> Result<mien::FaceChoice, String> {
    s.parse()
}

/// `--from`: `auto`, `neutral` or one of the six expressions.
pub fn source(s: &str) -> Result<mien::Source, String> {
    s.parse().map_err(|e: mien::Error| format!("{e} (or `auto`, `neutral`)"))
}

/// `--au`: Action Unit intensities, e.g. `AU12=0.8,AU6=0.5`.
pub fn au_list(s: &str) -> Result<mien::deform::AuVector, String> {
    mien::deform::parse_au_list(s).map_err(|e| e.to_string())
}

/// `--sweep`: intensities between 0 and 1.5.
pub fn intensities(s: &str) -> Result<Vec<f32>, String> {
    s.split(',')
        .map(|v| {
            v.trim()
                .parse::<f32>()
                .ok()
                .filter(|x| (0.0..=mien::MAX_INTENSITY).contains(x))
                .ok_or_else(|| format!("`{v}` is not an intensity between 0 and 1.5"))
        })
        .collect()
}

/// `--train-sizes`: positive numbers or `all`.
pub fn train_sizes(s: &str) -> Result<TrainSizes, String> {
    mien::protocol::parse_train_sizes(s).map(TrainSizes)
}

/// Parsed `--train-sizes` (`None` = all pairs).
#[derive(Clone, Debug)]
pub struct TrainSizes(pub Vec<Option<usize>>);
