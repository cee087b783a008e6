//! `mien edit` on an image sequence: a folder of frames, an animated GIF or
//! an animated PNG. Faces are detected on key frames and tracked in between
//! with smoothed landmarks ([`mien::Tracker`]); every frame is edited.
//!
//! Output: `-o NAME.gif` writes an animated GIF (frame delays kept, looping);
//! any other `-o` is a folder receiving one PNG per frame: the input file's
//! stem for a folder of frames, `frame-00001.png` … for an animation. A frame
//! where no face is followed is written unchanged.
//!
//! Limits: at most [`MAX_FRAMES`] frames, all of one size (a folder whose
//! frames differ is refused, naming the first odd one); a sequence with no
//! frame is refused. The input is read twice (a folder's frame headers or an
//! animation's frames to check, then every frame to edit) so that a refused
//! input costs no editing. Nothing is written until every
//! frame is edited: the GIF goes to a temporary file renamed into place, the
//! PNG frames are staged and renamed together.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use image::AnimationDecoder;
use mien::core::image::{self as mimage, DecodeLimits, Image};
use mien::{Editor, FaceFinder, Timings, Tracker, TrackerOptions};

use crate::common::{check_writable_dir, Outputs};

/// The most frames one sequence may have.
pub const MAX_FRAMES: usize = 2000;

const FRAME_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif"];

/// Whether `mien edit` should treat this input as a sequence: a folder, or a
/// `.gif` / `.png` file holding more than one frame... or a `.gif` at all.
pub fn is_sequence(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    match ext(path).as_str() {
        "gif" => true,
        "png" | "apng" => is_apng(path),
        _ => false,
    }
}

fn ext(path: &Path) -> String {
    path.extension().unwrap_or_default().to_string_lossy().to_lowercase()
}

fn is_apng(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else { return false };
    image::codecs::png::PngDecoder::new(BufReader::new(f)).and_then(|d| d.is_apng()).unwrap_or(false)
}

/// One frame's pixels and display time.
struct Frame {
    name: String,
    image: Image<u8>,
    delay: image::Delay,
}

/// A sequence read frame by frame.
enum Source {
    Folder(Vec<PathBuf>),
    Animation(PathBuf),
}

impl Source {
    fn open(path: &Path) -> Result<Self> {
        if !path.is_dir() {
            return Ok(Source::Animation(path.to_path_buf()));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the folder {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && FRAME_EXTENSIONS.contains(&ext(p).as_str()))
            .collect();
        files.sort();
        Ok(Source::Folder(files))
    }

    /// Calls `each` on every frame in order; stops at the first error.
    fn for_each(&self, each: &mut dyn FnMut(Frame) -> Result<()>) -> Result<()> {
        match self {
            Source::Folder(files) => {
                for p in files {
                    let image = mimage::load(p, DecodeLimits::default())?;
                    let name = format!("{}.png", p.file_stem().unwrap_or_default().to_string_lossy());
                    each(Frame { name, image, delay: image::Delay::from_numer_denom_ms(100, 1) })?;
                }
                Ok(())
            }
            Source::Animation(path) => {
                let open = || -> Result<BufReader<std::fs::File>> {
                    Ok(BufReader::new(
                        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
                    ))
                };
                let frames = if ext(path) == "gif" {
                    image::codecs::gif::GifDecoder::new(open()?)
                        .with_context(|| format!("{}: not a readable GIF, or a GIF with no frame", path.display()))?
                        .into_frames()
                } else {
                    image::codecs::png::PngDecoder::new(open()?)
                        .and_then(|d| d.apng())
                        .with_context(|| format!("{}: not a readable animated PNG", path.display()))?
                        .into_frames()
                };
                for (i, f) in frames.enumerate() {
                    let f = f.with_context(|| format!("{}: frame {} cannot be decoded", path.display(), i + 1))?;
                    let delay = f.delay();
                    let rgba = f.into_buffer();
                    let (w, h) = (rgba.width() as usize, rgba.height() as usize);
                    let mut planes = vec![0u8; 3 * w * h];
                    for (j, px) in rgba.pixels().enumerate() {
                        for c in 0..3 {
                            planes[c * w * h + j] = px.0[c];
                        }
                    }
                    let image = Image::from_planar(w, h, 3, planes).context("frame size")?;
                    each(Frame { name: format!("frame-{:05}.png", i + 1), image, delay })?;
                }
                Ok(())
            }
        }
    }
}

/// Checks the sequence (count, sizes) without editing: the frame count.
/// A folder's frames are only measured (their headers), an animation's decoded.
fn check(input: &Path, source: &Source) -> Result<usize> {
    let mut n = 0usize;
    let mut size = None;
    let mut each = |name: &str, s: (usize, usize)| -> Result<()> {
        n += 1;
        if n > MAX_FRAMES {
            bail!("{}: more than {MAX_FRAMES} frames; mien edits at most {MAX_FRAMES} frames at a time, split the sequence", input.display());
        }
        match size {
            None => size = Some(s),
            Some(first) if first != s => bail!(
                "{}: frame {} is {}×{}, the first frame {}×{}; every frame of a sequence must have one size",
                input.display(),
                name,
                s.0,
                s.1,
                first.0,
                first.1
            ),
            _ => {}
        }
        Ok(())
    };
    match source {
        Source::Folder(files) => {
            for p in files {
                let (w, h) = image::image_dimensions(p).with_context(|| format!("cannot read {}", p.display()))?;
                each(&p.file_name().unwrap_or_default().to_string_lossy(), (w as usize, h as usize))?;
            }
        }
        Source::Animation(_) => source.for_each(&mut |f| each(&f.name, (f.image.width(), f.image.height())))?,
    }
    if n == 0 {
        bail!(
            "{}: no frames (a folder needs PNG, JPEG, TIFF, BMP or GIF files; an animation at least one frame)",
            input.display()
        );
    }
    Ok(n)
}

/// Edits every frame of the sequence `input` into `output`.
pub fn run(editor: &Editor, input: &Path, output: &Path, timings: bool) -> Result<ExitCode> {
    let total = Instant::now();
    let source = Source::open(input)?;
    let gif_out = ext(output) == "gif";
    if gif_out {
        crate::common::check_writable_file(output, "-o")?;
    } else {
        anyhow::ensure!(
            output.extension().is_none() || output.is_dir(),
            "-o {}: a sequence is written as an animated GIF (-o NAME.gif) or a folder of PNG frames",
            output.display()
        );
    }
    let n = check(input, &source)?;
    if !gif_out {
        check_writable_dir(output).context("-o")?;
    }
    let finder = FaceFinder::new()?;
    let mut tracker = Tracker::new(TrackerOptions::default())?;
    let opts = editor.detect_options();
    let mut t = Timings::default();
    let mut staged = Outputs::default();
    let mut gif = if gif_out { Some(GifOut::new(output)?) } else { None };
    let (mut edited_faces, mut ids) = (0usize, std::collections::BTreeSet::new());
    source.for_each(&mut |f| {
        let faces = tracker.next(&finder, &f.image, &opts)?;
        let found: Vec<mien::Found> = faces.iter().map(|t| t.found.clone()).collect();
        ids.extend(faces.iter().map(|t| t.id));
        edited_faces += found.len();
        let out = if found.is_empty() { f.image } else { editor.edit_faces(&f.image, &found, &mut t)?.image };
        match &mut gif {
            Some(g) => g.push(&out, f.delay),
            None => staged.stage(&output.join(&f.name), &mimage::encode_png(&out)?),
        }
    })?;
    match gif {
        Some(g) => g.finish()?,
        None => staged.commit()?,
    }
    let secs = total.elapsed().as_secs_f64();
    eprintln!(
        "edited {n} frame(s), {edited_faces} face(s) in all, {} track(s) → {} ({:.1} s, {:.1} frames/s)",
        ids.len(),
        output.display(),
        secs,
        n as f64 / secs
    );
    if timings {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings (ms, editing only): align {:.1}, synthesise {:.1}, paste {:.1}",
            ms(t.align),
            ms(t.synthesise),
            ms(t.paste)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// An animated GIF written to a temporary file beside its destination.
struct GifOut {
    encoder: image::codecs::gif::GifEncoder<std::io::BufWriter<std::fs::File>>,
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl GifOut {
    fn new(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".mien-gif.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let file = tmp.reopen()?;
        let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(std::io::BufWriter::new(file), 10);
        encoder.set_repeat(image::codecs::gif::Repeat::Infinite)?;
        Ok(Self { encoder, tmp, path: path.to_path_buf() })
    }

    fn push(&mut self, img: &Image<u8>, delay: image::Delay) -> Result<()> {
        let rgb = img.to_rgb();
        let (w, h) = (rgb.width(), rgb.height());
        let n = w * h;
        let d = rgb.data();
        let buf = image::RgbaImage::from_fn(w as u32, h as u32, |x, y| {
            let i = y as usize * w + x as usize;
            image::Rgba([d[i], d[n + i], d[2 * n + i], 255])
        });
        self.encoder
            .encode_frame(image::Frame::from_parts(buf, 0, 0, delay))
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    fn finish(self) -> Result<()> {
        let Self { encoder, tmp, path } = self;
        // Dropping the encoder writes the GIF trailer and flushes the buffer.
        drop(encoder);
        tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(&path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}
