//! One file per subcommand; shared conversions and checks here.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mien_core::models::ChannelMode;
use mien_core::normalize::{Normalize, OutputMode};

use crate::args::{Channels, Command, NormalizeArg, OutputModeArg};

mod align;
mod apply;
mod builtin;
mod defgan;
mod demo;
mod edit;
mod eval;
mod faces;
mod info;
mod interop;
mod protocol;
mod score;
mod serve;
mod train;

/// Runs a subcommand.
pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Train(a) => train::run(a),
        Command::Apply(a) => apply::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Info(a) => info::run(a),
        Command::Edit(a) => edit::run(a),
        Command::Align(a) => align::run(a),
        Command::Import(a) => interop::import(a),
        Command::Export(a) => interop::export(a),
        Command::Score(a) => score::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Serve(a) => serve::run(a),
    }
}

/// The documented exit code for an error: 1 when no face was found, else 2.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<faces::NoFace>().is_some() {
        1
    } else {
        2
    }
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

impl From<NormalizeArg> for Normalize {
    fn from(n: NormalizeArg) -> Self {
        match n {
            NormalizeArg::Minmax => Normalize::MinMax,
            NormalizeArg::Unit => Normalize::Unit,
        }
    }
}

impl From<OutputModeArg> for OutputMode {
    fn from(o: OutputModeArg) -> Self {
        match o {
            OutputModeArg::Clip => OutputMode::Clip,
            OutputModeArg::Stretch => OutputMode::Stretch,
        }
    }
}

/// Fails early when a file cannot be created at `path` (missing or read-only folder),
/// before any expensive work.
pub fn check_writable_file(path: &Path, flag: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!("{flag} {}: folder {} does not exist; create it first", path.display(), dir.display());
    }
    check_writable_dir(dir).with_context(|| format!("{flag} {}", path.display()))
}

/// Creates `dir` if needed and checks that files can be written in it.
pub fn check_writable_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    let probe = dir.join(format!(".mien-write-test.{}", std::process::id()));
    std::fs::write(&probe, b"").with_context(|| format!("folder {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
