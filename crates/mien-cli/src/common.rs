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
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!("{} exists and is not a folder; name a folder (or a .png file for one photo)", dir.display());
    }
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

/// Loads an editor for `-m` (built-in name or file) and `-e`. Without `-e`,
/// a per-expression model file makes the expression it was trained for, and
/// everything else `happy`.
pub fn editor(model: &str, expression: Option<&str>) -> Result<mien::Editor> {
    let expression = match expression {
        Some(e) => e.to_string(),
        None => trained_expression(model).unwrap_or_else(|| "happy".into()),
    };
    mien::Editor::builtin(model, &expression).map_err(|e| match e {
        e @ mien::Error::UnknownExpression { .. } => {
            anyhow::Error::new(e).context(format!("--expression {expression}"))
        }
        e @ mien::Error::ExpressionMismatch { .. } => {
            anyhow::Error::new(e).context(format!("-m {model} --expression {expression}"))
        }
        e => anyhow::Error::new(e).context(format!("-m {model}")),
    })
}

/// The expression a per-expression model file records (`None` for built-in
/// names, AU models, unreadable files and models trained without one).
pub fn trained_expression(model: &str) -> Option<String> {
    use mien::core::input::{read_capped, MAX_MODEL_BYTES};
    let path = Path::new(model);
    if !path.is_file() {
        return None;
    }
    let bytes = read_capped(path, MAX_MODEL_BYTES, "model file").ok()?;
    let meta = mien::core::model_file::ModelFile::read_meta(&bytes, path).ok()?;
    let au = meta.kind.parse::<mien::ModelKind>().is_ok_and(|k| k.takes_au());
    meta.training.expression.filter(|_| !au)
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

/// Loads a per-expression model file for `apply` and `export`, which cannot
/// take the Action-Unit models: those are named with the command to use.
pub fn local_model(path: &Path, command: &str) -> Result<mien::core::model_file::ModelFile> {
    use mien::core::input::{read_capped, MAX_MODEL_BYTES};
    use mien::core::model_file::ModelFile;
    let bytes = read_capped(path, MAX_MODEL_BYTES, "model file").context("-m")?;
    let meta = ModelFile::read_meta(&bytes, path).context("-m")?;
    if let Ok(kind) = meta.kind.parse::<mien::ModelKind>() {
        anyhow::ensure!(
            !kind.takes_au(),
            "-m {}: a {kind} model edits by Action Units, but `mien {command}` takes per-expression models \
             (masked, pixel, …); edit aligned crops with `mien edit -m {} --no-detect`",
            path.display(),
            path.display()
        );
    }
    ModelFile::from_bytes(&bytes, path).context("-m")
}

/// Output files written all or nothing: each is first written in full to an
/// exclusive temporary file beside its destination, and only when every one
/// has been written are they renamed into place. A failure (a destination
/// that is a folder, a full disk) leaves no new file behind.
#[derive(Default)]
pub struct Outputs {
    staged: Vec<(tempfile::NamedTempFile, std::path::PathBuf)>,
}

impl Outputs {
    /// Checks destinations before anything is computed: none may repeat or be a folder.
    pub fn check_destinations<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in paths {
            anyhow::ensure!(seen.insert(p), "{} would be written twice; give the inputs different names", p.display());
            anyhow::ensure!(!p.is_dir(), "{} is a folder; it cannot be replaced by an image", p.display());
        }
        Ok(())
    }

    /// Writes `bytes` to a temporary file for `path`.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        use std::io::Write as _;
        anyhow::ensure!(!path.is_dir(), "{} is a folder; it cannot be replaced by an image", path.display());
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let write = || -> std::io::Result<tempfile::NamedTempFile> {
            let mut tmp = builder.tempfile_in(dir)?;
            tmp.write_all(bytes)?;
            tmp.as_file().sync_all()?;
            Ok(tmp)
        };
        let tmp = write().with_context(|| format!("cannot write {}", path.display()))?;
        self.staged.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file into place.
    pub fn commit(self) -> Result<()> {
        for (tmp, path) in self.staged {
            tmp.persist(&path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

/// Bytes of memory this process could still use: Linux's `MemAvailable`,
/// lowered to the cgroup's remaining limit when one is set (containers).
/// `None` where neither can be read.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb.saturating_mul(1024))
    });
    let read_u64 = |p: &str| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok();
    let cgroup = read_u64("/sys/fs/cgroup/memory.max")
        .map(|max| max.saturating_sub(read_u64("/sys/fs/cgroup/memory.current").unwrap_or(0)));
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
