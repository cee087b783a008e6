//! `mien edit`: change the expression of every face in photos (the library's
//! [`mien::Editor`]). Everything is computed before the first file is
//! written; a photo without a face stops the run with exit code 1 and writes
//! nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mien::core::image::{self, DecodeLimits, Image};
use mien::deform::AuVector;
use mien::face::align::{landmarks_to_crop, Template};
use mien::{Colour, Edited, Editor, FaceChoice, FaceFinder, Found, Motion, Source, Timings};

use crate::common::{check_writable_dir, hint, Outputs};
use crate::values;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Photos to edit, or one image sequence (a folder of frames, an animated GIF or PNG).
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,
    /// Target expression: happy, surprise, sad, angry, disgust, fear [default: happy, or the one a model file was trained for].
    #[arg(short = 'e', long)]
    pub expression: Option<String>,
    /// How far to go: 0 returns the photo, 1 the model's full output, up to 1.5 to exaggerate (for -m deform: scales the AU vector).
    #[arg(long, default_value_t = 1.0)]
    pub intensity: f32,
    /// Action Unit intensities instead of an expression (-m deform), e.g. AU12=0.8,AU6=0.5.
    #[arg(long, value_name = "LIST", value_parser = values::au_list)]
    pub au: Option<AuVector>,
    /// Feature slider: lip corners up and out, cheeks raised; −1 takes a smile away (-1..1, -m deform).
    #[arg(
        long,
        value_name = "-1..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub smile: Option<f32>,
    /// Feature slider: brows raised; −1 lowers them (-1..1).
    #[arg(
        long,
        value_name = "-1..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub brows_up: Option<f32>,
    /// Feature slider: brows lowered and drawn together (0..1).
    #[arg(
        long,
        value_name = "0..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub brows_down: Option<f32>,
    /// Feature slider: upper lids raised; −1 narrows the eyes (-1..1).
    #[arg(
        long,
        value_name = "-1..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub eyes_wide: Option<f32>,
    /// Feature slider: jaw dropped; −1 closes an open mouth (-1..1).
    #[arg(
        long,
        value_name = "-1..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub mouth_open: Option<f32>,
    /// Feature slider: lip corners pulled down (0..1).
    #[arg(
        long,
        value_name = "0..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub lip_corners_down: Option<f32>,
    /// Feature slider: nose wrinkled, upper lip raised (0..1).
    #[arg(
        long,
        value_name = "0..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub nose_wrinkle: Option<f32>,
    /// Feature slider: +1 closes the eye on the left of the picture, −1 the one on the right.
    #[arg(
        long,
        value_name = "-1..1",
        allow_negative_numbers = true,
        help_heading = "Feature sliders (-m deform; instead of -e)"
    )]
    pub wink: Option<f32>,
    /// Write a strip of the edit at these intensities side by side, e.g. 0,0.25,0.5,0.75,1 (one photo).
    #[arg(long, value_name = "LIST", value_parser = values::intensities)]
    pub sweep: Option<std::vec::Vec<f32>>,
    /// A built-in model (`masked`, `pixel`) or a model file.
    #[arg(short = 'm', long, default_value = mien::registry::builtin::DEFAULT)]
    pub model: String,
    /// Which faces: `all`, or the N-th largest (1-based).
    #[arg(long, default_value = "all", value_parser = values::face_choice)]
    pub face: FaceChoice,
    /// Colour photos: `keep-chroma` changes luminance and keeps the photo's
    /// colour (moved only by a deformation model's motion); `model` takes the
    /// model's output channel by channel.
    #[arg(long, value_enum, default_value = "keep-chroma")]
    pub colour: ColourArg,
    /// Deformation models: `full` moves the photo's own pixels by the model's flow (full
    /// resolution); `crop` pastes the edited crop back as for the other models.
    #[arg(long, value_enum, default_value = "full")]
    pub motion: MotionArg,
    /// What the faces show before the edit (AU models such as deform): `auto` asks the expression
    /// classifier, `neutral` adds the target only, an expression (e.g. `happy`) takes that one back
    /// first, so a smiling face edited to `sad` stops smiling.
    #[arg(long, value_name = "EXPRESSION", default_value = "auto", value_parser = values::source)]
    pub from: Source,
    /// What the faces show before the edit, as Action Units (instead of --from), e.g. AU12=0.8,AU6=0.5.
    #[arg(long, value_name = "LIST", value_parser = values::au_list, conflicts_with = "from")]
    pub from_au: Option<AuVector>,
    /// Treat each photo as a face crop: no detection; the landmarks still align it to the model
    /// (plain resizing when they do not find a face: sketches, animals).
    #[arg(long)]
    pub no_detect: bool,
    /// Smallest face searched for, in pixels (default 40; down to 24 finds smaller faces, more slowly).
    #[arg(long, value_name = "PX")]
    pub min_face: Option<usize>,
    /// Face detector: `auto` (SeetaFace cascade, a second look for faces rolled 15–45° among
    /// those it finds, the tiny detector when it finds no face), `seeta` (upright faces from
    /// 24 px), `tiny` (faces tilted up to 45° or turned, that fill a good part of the photo).
    #[arg(long, default_value = "auto", value_parser = ["auto", "seeta", "tiny"])]
    pub detector: String,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColourArg {
    KeepChroma,
    Model,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MotionArg {
    Full,
    Crop,
}

/// Checked settings.
struct Edit {
    editor: Editor,
    photos: Vec<PathBuf>,
    sweep: Option<Vec<f32>>,
    no_detect: bool,
    targets: Vec<PathBuf>,
    output: PathBuf,
    debug_dir: Option<PathBuf>,
    timings: bool,
}

impl Edit {
    fn from_args(a: Args) -> Result<Self> {
        crate::common::check_min_face(a.min_face)?;
        let mut editor = crate::common::editor(&a.model, a.expression.as_deref())?
            .intensity(a.intensity)
            .map_err(|_| {
                anyhow::anyhow!(
                    "--intensity {}: must be between 0 (unchanged) and 1.5 (1 is the full expression, above exaggerates)",
                    a.intensity
                )
            })?
            .faces(a.face)
            .min_face(a.min_face)
            .detector(a.detector.parse().map_err(anyhow::Error::msg)?)
            .colour(match a.colour {
                ColourArg::KeepChroma => Colour::KeepChroma,
                ColourArg::Model => Colour::Model,
            })
            .motion(match a.motion {
                MotionArg::Full => Motion::FullResolution,
                MotionArg::Crop => Motion::Crop,
            })
            .source(match a.from_au {
                Some(au) => Source::Au(au),
                None => a.from,
            })
            .context("--from")?;
        if let Some(features) = features(&a)? {
            anyhow::ensure!(
                a.expression.is_none() && a.au.is_none(),
                "feature sliders change the face as it is: give them instead of -e or --au, not with them"
            );
            editor = editor.with_features(features).map_err(|e| match e {
                mien::Error::NotLocalModel => anyhow::anyhow!(
                    "feature sliders (--smile, --brows-up, …) need the deformation model: use -m deform (the default) or a deform model file"
                ),
                e => anyhow::Error::new(e),
            })?;
        }
        if let Some(au) = a.au {
            editor = editor.with_au(au).map_err(|e| match e {
                mien::Error::NotAuModel => anyhow::anyhow!(
                    "--au needs a model conditioned on Action Units: use -m deform (or a defgan model file)"
                ),
                e => anyhow::Error::new(e).context("--au"),
            })?;
        }
        if a.sweep.is_some() {
            anyhow::ensure!(a.photos.len() == 1, "--sweep writes one strip: give one photo");
        }
        if a.photos.len() == 1 && super::edit_seq::is_sequence(&a.photos[0]) {
            anyhow::ensure!(a.sweep.is_none() && !a.no_detect, "--sweep and --no-detect take photos, not a sequence");
            let (photos, output, timings) = (a.photos, a.output, a.timings);
            let no_detect = false;
            return Ok(Self {
                editor,
                photos,
                sweep: None,
                no_detect,
                targets: vec![],
                output,
                debug_dir: None,
                timings,
            });
        }
        let single = a.photos.len() == 1;
        let targets: Vec<PathBuf> = if single && a.output.extension().is_some() {
            let ext = a.output.extension().unwrap_or_default().to_string_lossy().to_lowercase();
            anyhow::ensure!(ext == "png", "-o {}: mien writes PNG; name the output .png", a.output.display());
            crate::common::check_writable_file(&a.output, "-o")?;
            vec![a.output.clone()]
        } else {
            let targets: Vec<PathBuf> = a
                .photos
                .iter()
                .map(|p| a.output.join(format!("{}.png", p.file_stem().unwrap_or_default().to_string_lossy())))
                .collect();
            // Every destination is checked before any work (or folder), so a run never stops half-written.
            Outputs::check_destinations(targets.iter().map(PathBuf::as_path)).context("-o")?;
            check_writable_dir(&a.output).context("-o")?;
            targets
        };
        if let Some(d) = &a.debug_dir {
            check_writable_dir(d).context("--debug-dir")?;
        }
        Ok(Self {
            editor,
            photos: a.photos,
            sweep: a.sweep,
            no_detect: a.no_detect,
            targets,
            output: a.output,
            debug_dir: a.debug_dir,
            timings: a.timings,
        })
    }
}

/// The feature sliders given on the command line, checked; `None` when none is.
fn features(a: &Args) -> Result<Option<mien::deform::Features>> {
    let given = [
        ("smile", a.smile),
        ("brows-up", a.brows_up),
        ("brows-down", a.brows_down),
        ("eyes-wide", a.eyes_wide),
        ("mouth-open", a.mouth_open),
        ("lip-corners-down", a.lip_corners_down),
        ("nose-wrinkle", a.nose_wrinkle),
        ("wink", a.wink),
    ];
    if given.iter().all(|(_, v)| v.is_none()) {
        return Ok(None);
    }
    let mut f = mien::deform::Features::zero();
    for (name, v) in given {
        if let Some(v) = v {
            f.set(name, v).with_context(|| format!("--{name}"))?;
        }
    }
    Ok(Some(f))
}

pub fn run(a: Args) -> Result<ExitCode> {
    let total = Instant::now();
    // While the model loads, a second thread parses the face networks, reads
    // the first photo and finds its faces (together half of a small edit's
    // time otherwise). Its faces are used only when the editor asks for the
    // same detection settings.
    let first = a.photos.first().filter(|p| p.is_file() && !super::edit_seq::is_sequence(p)).cloned();
    let early_options = mien::face::DetectOptions {
        detector: a.detector.parse().unwrap_or_default(),
        ..mien::faces::detect_options(a.min_face)
    };
    let detect_early = !a.no_detect && a.sweep.is_none();
    let early = std::thread::spawn(move || {
        let finder = FaceFinder::new();
        let first = first.map(|p| {
            let start = Instant::now();
            let img = image::load(&p, DecodeLimits::default());
            let decoded = start.elapsed();
            let found = match (&finder, &img) {
                (Ok(f), Ok(img)) if detect_early => {
                    let start = Instant::now();
                    Some((f.detect(img, &early_options), start.elapsed()))
                }
                _ => None,
            };
            Early { path: p, img, decoded, found }
        });
        (finder, first)
    });
    let s = Edit::from_args(a)?;
    let (finder, mut first) = early.join().map_err(|_| anyhow::anyhow!("the thread reading the photo failed"))?;
    if s.targets.is_empty() {
        return super::edit_seq::run(&s.editor, &s.photos[0], &s.output, s.timings);
    }
    // With --no-detect the landmark network still aligns each crop to the model's template.
    let finder = finder?;
    let mut t = Timings::default();
    let mut results = Vec::new();
    for path in &s.photos {
        let start = Instant::now();
        let (img, mut found) = match first.take() {
            Some(e) if &e.path == path => {
                t.decode += e.decoded;
                (e.img?, e.found.filter(|_| s.editor.detect_options() == early_options))
            }
            _ => {
                let img = image::load(path, DecodeLimits::default())?;
                t.decode += start.elapsed();
                (img, None)
            }
        };
        if let Some((detected, took)) = found.take() {
            t.detect += took;
            let edited = detected
                .and_then(|d| s.editor.edit_detected(&finder, &img, d, &mut t))
                .inspect(|e| report_skipped(path, e.skipped_small))
                .map_err(|e| hint(e, path))?;
            results.push((img, edited));
            continue;
        }
        let edit_at = |ed: &Editor, t: &mut Timings, faces: Option<&[Found]>| -> Result<Edited> {
            let edited = match faces {
                Some(faces) => ed.edit_faces(&img, faces, t),
                None if s.no_detect => ed.edit_crop_photo(&finder, &img, t),
                None => ed.edit(&finder, &img, t).inspect(|e| report_skipped(path, e.skipped_small)),
            };
            edited.map_err(|e| hint(e, path))
        };
        let edited = match &s.sweep {
            None => edit_at(&s.editor, &mut t, None)?,
            Some(alphas) => {
                let faces = if s.no_detect {
                    None
                } else {
                    let (faces, skipped) = s.editor.find_faces(&finder, &img, &mut t).map_err(|e| hint(e, path))?;
                    report_skipped(path, skipped);
                    Some(faces)
                };
                let strips: Vec<Edited> = alphas
                    .iter()
                    .map(|&al| edit_at(&s.editor.at_intensity(al), &mut t, faces.as_deref()))
                    .collect::<Result<_>>()?;
                let refs: Vec<&Image<u8>> = strips.iter().map(|e| &e.image).collect();
                let strip = mien::compose::side_by_side(&refs);
                let last = strips.into_iter().last().context("--sweep: give at least one intensity")?;
                Edited { image: strip, ..last }
            }
        };
        if s.no_detect && edited.faces.is_empty() {
            eprintln!(
                "{}: no face landmarks found on the crop; resized it to the model instead of aligning it",
                path.display()
            );
        }
        results.push((img, edited));
    }
    let start = Instant::now();
    let mut files: Vec<(PathBuf, Image<u8>)> = Vec::new();
    for ((img, edited), target) in results.iter().zip(&s.targets) {
        if let Some(d) = &s.debug_dir {
            files.extend(debug_images(d, target, img, edited, s.editor.template()));
        }
        files.push((target.clone(), edited.image.clone()));
    }
    Outputs::check_destinations(files.iter().map(|(p, _)| p.as_path()))?;
    // All or nothing: a failing --debug-dir (or disk) leaves no edit behind either.
    let mut out = Outputs::default();
    for (path, img) in &files {
        out.stage(path, &image::encode_png(img)?)?;
    }
    out.commit()?;
    t.encode += start.elapsed();
    let faces: usize = results.iter().map(|(_, e)| e.faces.len().max(1)).sum();
    eprintln!(
        "edited {faces} face(s) in {} photo(s) → {} ({:.0} ms)",
        results.len(),
        if s.photos.len() == 1 { s.targets[0].display().to_string() } else { s.output.display().to_string() },
        total.elapsed().as_secs_f64() * 1000.0
    );
    if s.timings {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings (ms): decode {:.1}, detect {:.1}, landmarks {:.1}, align {:.1}, synthesise {:.1}, paste {:.1}, encode {:.1}",
            ms(t.decode), ms(t.detect), ms(t.landmarks), ms(t.align), ms(t.synthesise), ms(t.paste), ms(t.encode)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The first photo, read (and its faces found) while the model loaded.
struct Early {
    path: PathBuf,
    img: mien::core::Result<Image<u8>>,
    decoded: Duration,
    found: Option<(Detected, Duration)>,
}

/// Face boxes and the count of faces too small, as `FaceFinder::detect` gives them.
type Detected = mien::Result<(Vec<mien::face::FaceBox>, usize)>;

fn report_skipped(path: &Path, skipped: usize) {
    if skipped > 0 {
        eprintln!("{}: skipped {skipped} face(s) smaller than the minimum size (--min-face)", path.display());
    }
}

/// Boxes and landmarks drawn on the photo, and each face's aligned crop and
/// edit, with the files they go to in `dir`.
fn debug_images(
    dir: &Path,
    target: &Path,
    img: &Image<u8>,
    e: &Edited,
    template: &Template,
) -> Vec<(PathBuf, Image<u8>)> {
    let stem = target.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let mut marked = img.to_rgb();
    for f in &e.faces {
        let b = &f.face;
        draw_rect(&mut marked, b.x, b.y, b.w, b.h, [255, 0, 0]);
        for &(x, y) in f.landmarks.iter() {
            draw_rect(&mut marked, x - 1.0, y - 1.0, 2.0, 2.0, [0, 255, 0]);
        }
    }
    let mut out = vec![(dir.join(format!("{stem}-faces.png")), marked)];
    for (i, ((crop, edited), f)) in e.crops.iter().zip(&e.faces).enumerate() {
        let mut c = crop.to_rgb();
        if let Ok(tf) = template.fit(&f.landmarks) {
            for &(x, y) in landmarks_to_crop(&f.landmarks, &tf).iter() {
                draw_rect(&mut c, x - 0.5, y - 0.5, 1.0, 1.0, [0, 255, 0]);
            }
        }
        out.push((dir.join(format!("{stem}-face{}-aligned.png", i + 1)), c));
        out.push((dir.join(format!("{stem}-face{}-edited.png", i + 1)), edited.clone()));
        if let Some(d) = e.deformed.get(i) {
            out.push((dir.join(format!("{stem}-face{}-deformed.png", i + 1)), d.clone()));
        }
    }
    out
}

fn draw_rect(img: &mut Image<u8>, x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3]) {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    let (x0, y0, x1, y1) = (x.round() as i64, y.round() as i64, (x + w).round() as i64, (y + h).round() as i64);
    let n = (iw * ih) as usize;
    let mut put = |px: i64, py: i64| {
        if px >= 0 && py >= 0 && px < iw && py < ih {
            let i = (py * iw + px) as usize;
            for (c, v) in rgb.iter().enumerate() {
                img.data_mut()[c * n + i] = *v;
            }
        }
    };
    for px in x0..=x1 {
        put(px, y0);
        put(px, y1);
    }
    for py in y0..=y1 {
        put(x0, py);
        put(x1, py);
    }
}
