//! `mien`: the command-line front end. Parses arguments, calls the `mien`
//! library, and turns errors into one message and a documented exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | nothing to do: no face found |
//! | 2 | usage error, bad input, I/O error, resource limit |
//!
//! A reader that closes standard output early (`mien score … | head -1`)
//! ends the run quietly with code 0, as ripgrep does.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod common;
mod progress;
mod values;

/// mien: facial expression synthesis with fast local regression models.
#[derive(Debug, Parser)]
#[command(name = "mien", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads, at most 4 per core; 0 or absent: one per core.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit a model on a paired dataset (DIR/trainA ↔ DIR/trainB).
    Train(cmd::train::Args),
    /// Apply a model to aligned face crops.
    Apply(cmd::apply::Args),
    /// Evaluate models on DIR/testA ↔ DIR/testB (MSE, PSNR, SSIM, size, speed).
    Eval(cmd::eval::Args),
    /// Print a model file's metadata.
    Info(cmd::info::Args),
    /// Edit the expression of every face in photos.
    Edit(cmd::edit::Args),
    /// Build aligned paired datasets from labelled photos (JAFFE names or a CSV).
    Align(cmd::align::Args),
    /// Edit the bundled sample photos with the built-in models and write grids.
    Demo(cmd::demo::Args),
    /// Import reference-implementation weights (scipy.sparse .npz) as a model file.
    Import(cmd::import::Args),
    /// Export a local model's weights as a scipy.sparse .npz matrix.
    Export(cmd::export::Args),
    /// Print the expression classifier's probabilities for images (CSV).
    Score(cmd::score::Args),
    /// Serve a local web page and JSON API for editing photos in the browser.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads.filter(|&n| n > 0) {
        // Thousands of threads only cost memory and start-up time (minutes at 100 000).
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        if n > 4 * cores {
            eprintln!("mien: error: --threads {n}: must be at most {} (4 per core); 0 means one per core", 4 * cores);
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("mien: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Train(a) => cmd::train::run(a),
        Command::Apply(a) => cmd::apply::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Info(a) => cmd::info::run(a),
        Command::Edit(a) => cmd::edit::run(a),
        Command::Align(a) => cmd::align::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Score(a) => cmd::score::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(err) if err.chain().any(|e| e.is::<common::BrokenPipe>()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mien: error: {err:#}");
            ExitCode::from(common::exit_code(&err))
        }
    }
}
