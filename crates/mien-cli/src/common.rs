//! What several subcommands share: exit codes, output-path checks, and the
//! command line's wording of library errors (flag names added).

use std::path::Path;

use anyhow::{Context, Result};

/// The documented exit code for an error: 1 when no face was found, else 2.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let no_face = err.chain().any(|e| {
        e.downcast_ref::<NoFace>().is_some() || e.downcast_ref::<mien::Error>().is_some_and(mien::Error::is_no_face)
    });
    if no_face {
        1
    } else {
        2
    }
}

/// "No face found", worded for the command line: exits with code 1.
#[derive(Debug)]
pub struct NoFace(pub String);

impl std::fmt::Display for NoFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoFace {}

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
    // An exclusive, randomly named probe (removed on drop): never a file or link someone planted.
    tempfile::Builder::new()
        .prefix(".mien-write-test.")
        .tempfile_in(dir)
        .with_context(|| format!("folder {} is not writable", dir.display()))?;
    Ok(())
}

/// The minimum face size flag, checked.
pub fn check_min_face(min_face: Option<usize>) -> Result<()> {
    if let Some(m) = min_face {
        anyhow::ensure!(m >= mien::faces::MIN_MIN_FACE, "--min-face {m}: must be at least 8 pixels");
    }
    Ok(())
}

/// The CLI's wording of a library error: the flags a user can change.
pub fn hint(err: mien::Error, photo: &Path) -> anyhow::Error {
    match err {
        mien::Error::NoFace => NoFace(format!(
            "{}: no face found; for an already aligned crop use --no-detect, for small faces lower --min-face",
            photo.display()
        ))
        .into(),
        e @ mien::Error::NoSuchFace { .. } => anyhow::Error::new(e).context(format!("{}: --face", photo.display())),
        e => anyhow::Error::new(e).context(photo.display().to_string()),
    }
}

/// Loads an editor for `-m` (built-in name or file) and `-e`.
pub fn editor(model: &str, expression: &str) -> Result<mien::Editor> {
    mien::Editor::builtin(model, expression).map_err(|e| match e {
        e @ mien::Error::UnknownExpression { .. } => {
            anyhow::Error::new(e).context(format!("--expression {expression}"))
        }
        e => anyhow::Error::new(e).context(format!("-m {model}")),
    })
}

/// Standard output closed by its reader (`mien score … | head -1`): the run
/// ends quietly with exit code 0, as ripgrep does.
#[derive(Debug)]
pub struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for BrokenPipe {}

/// Writes to standard output and flushes: a closed pipe becomes [`BrokenPipe`]
/// (exit 0, nothing printed), any other failure (a full disk, `>/dev/full`)
/// an error (exit 2). `println!` would panic on both.
pub fn write_stdout(args: std::fmt::Arguments<'_>) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            anyhow::Error::new(BrokenPipe)
        } else {
            anyhow::Error::new(e).context("cannot write to standard output")
        }
    })
}

/// `println!` that returns write errors instead of panicking (see [`write_stdout`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::common::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

/// `print!` that returns write errors instead of panicking (see [`write_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::common::write_stdout(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// A CSV field: quoted (RFC 4180) when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
