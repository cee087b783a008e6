//! `mien`: the command-line front end. Parses arguments, calls the library
//! crates, and turns errors into one message and a documented exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | nothing to do: no face found |
//! | 2 | usage error, bad input, I/O error |

use std::process::ExitCode;

use clap::Parser;

mod args;
mod cmd;
mod progress;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("mien: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    match cmd::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("mien: error: {err:#}");
            ExitCode::from(cmd::exit_code(&err))
        }
    }
}
