//! A progress bar on stderr that stays silent when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `total` steps with a message.
pub fn bar(total: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed_precise}")
            .expect("static template")
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_string());
    pb
}
