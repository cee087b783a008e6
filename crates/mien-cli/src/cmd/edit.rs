//! `mien edit`: change the expression of every face in photos.
//!
//! Per face: detect, place 68 landmarks, warp the face onto the model's
//! alignment template, run the model on the crop, blend input and output by
//! `--intensity` in the aligned frame, and paste the change back into the
//! full-resolution photo under a feathered face-shaped mask. Everything is
//! computed before the first file is written; a photo without a face stops
//! the run with exit code 1 and writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mien_core::image::{self, DecodeLimits, Image, ImageRef};
use mien_core::model_file::ModelMeta;
use mien_core::normalize::OutputMode;
use mien_core::pipeline::{self, ApplyOptions};
use mien_deform::AuVector;
use mien_face::align::{align_face, landmarks_to_crop, paste_back, Template};

use super::builtin::{self, EditModel};
use super::check_writable_dir;
use super::faces::{detect_options, FaceFinder, Found, NoFace};
use crate::args::EditArgs;

/// Which faces to edit.
#[derive(Clone, Copy, Debug)]
pub enum FaceChoice {
    All,
    Nth(usize),
}

/// Checked settings shared with `demo`.
#[derive(Clone)]
pub struct Editor {
    pub model: EditModel,
    /// The deformation model's target at intensity 1 (its expression's prototype, or `--au`).
    pub au: Option<AuVector>,
    pub template: Template,
    pub intensity: f32,
    pub faces: FaceChoice,
    pub min_face: Option<usize>,
}

/// Time spent per stage, summed over photos.
#[derive(Default, Debug)]
pub struct Timings {
    pub decode: Duration,
    pub detect: Duration,
    pub landmarks: Duration,
    pub align: Duration,
    pub synthesise: Duration,
    pub paste: Duration,
    pub encode: Duration,
}

/// One edited photo and what was found in it.
pub struct Edited {
    pub image: Image<u8>,
    pub faces: Vec<Found>,
    pub crops: Vec<(Image<u8>, Image<u8>)>,
    /// Motion-only crops of a deformation model, one per face.
    pub deformed: Vec<Image<u8>>,
}

impl Editor {
    /// Loads the model (built-in name or file) and checks the settings.
    pub fn new(
        model: &str,
        expression: &str,
        intensity: f32,
        faces: FaceChoice,
        min_face: Option<usize>,
    ) -> Result<Self> {
        anyhow::ensure!(
            (0.0..=1.0).contains(&intensity),
            "--intensity {intensity}: must be between 0 (unchanged) and 1 (full expression)"
        );
        let model = builtin::resolve(model, expression)?;
        let au = if model.takes_au() {
            builtin::check_expression(expression)?;
            Some(AuVector::from_expression(expression)?)
        } else {
            None
        };
        let meta = model.meta();
        let template = match &meta.alignment {
            Some(j) => Template::from_json(j).context("the model's alignment template")?,
            None => Template::canonical(meta.width),
        };
        Ok(Self { model, au, template, intensity, faces, min_face })
    }

    /// Targets an Action Unit vector instead of the expression's prototype (deformation models only).
    pub fn with_au(mut self, au: AuVector) -> Result<Self> {
        anyhow::ensure!(
            self.model.takes_au(),
            "--au needs a model conditioned on Action Units: use -m deform (or a defgan model file)"
        );
        self.au = Some(au);
        Ok(self)
    }

    /// Stored parameters of the model.
    pub fn parameter_count(&self) -> usize {
        self.model.parameter_count()
    }

    /// The same editor at another intensity.
    pub fn at_intensity(&self, intensity: f32) -> Self {
        Self { intensity, ..self.clone() }
    }

    /// Edits one decoded photo: finds its faces, then edits them.
    pub fn edit(&self, finder: &FaceFinder, img: &Image<u8>, path: &Path, t: &mut Timings) -> Result<Edited> {
        let faces = self.find_faces(finder, img, path, t)?;
        self.edit_faces(img, faces, path, t)
    }

    /// The faces to edit, with landmarks; [`NoFace`] when there are none.
    pub fn find_faces(&self, finder: &FaceFinder, img: &Image<u8>, path: &Path, t: &mut Timings) -> Result<Vec<Found>> {
        let start = Instant::now();
        let (boxes, skipped) = finder.detect(img, &detect_options(img, self.min_face))?;
        t.detect += start.elapsed();
        if skipped > 0 {
            eprintln!("{}: skipped {skipped} face(s) smaller than the minimum size (--min-face)", path.display());
        }
        if boxes.is_empty() {
            return Err(NoFace(format!(
                "{}: no face found; for an already aligned crop use --no-detect, for small faces lower --min-face",
                path.display()
            ))
            .into());
        }
        let boxes = match self.faces {
            FaceChoice::All => boxes,
            FaceChoice::Nth(n) => {
                let count = boxes.len();
                vec![boxes.into_iter().nth(n - 1).ok_or_else(|| {
                    anyhow::anyhow!("{}: --face {n} asked for, but only {count} face(s) found", path.display())
                })?]
            }
        };
        let start = Instant::now();
        let faces = finder.landmarks(img, boxes)?;
        t.landmarks += start.elapsed();
        Ok(faces)
    }

    /// Edits the given faces of a photo at the editor's intensity.
    pub fn edit_faces(&self, img: &Image<u8>, faces: Vec<Found>, path: &Path, t: &mut Timings) -> Result<Edited> {
        self.edit_faces_at(img, &faces, path, self.intensity, t)
    }

    /// Edits the given faces of a photo at `intensity` (0..=1): align each
    /// face, run the model, paste the change back. `mien serve` calls this
    /// with a per-request intensity.
    pub fn edit_faces_at(
        &self,
        img: &Image<u8>,
        faces: &[Found],
        path: &Path,
        intensity: f32,
        t: &mut Timings,
    ) -> Result<Edited> {
        let mut out = img.clone();
        let mut crops = Vec::new();
        let mut deformed_crops = Vec::new();
        for f in faces {
            let start = Instant::now();
            let aligned = align_face(img, &f.landmarks, &self.template)?;
            t.align += start.elapsed();
            let start = Instant::now();
            let (edited, deformed) = self.edit_crop_at(&aligned.crop, path, intensity)?;
            t.synthesise += start.elapsed();
            if let Some(d) = deformed {
                deformed_crops.push(d.to_u8());
            }
            let start = Instant::now();
            out = paste_back(&out, &edited, &aligned.crop, &aligned.transform, &f.landmarks)?;
            t.paste += start.elapsed();
            crops.push((aligned.crop, edited.to_u8()));
        }
        Ok(Edited { image: out, faces: faces.to_vec(), crops, deformed: deformed_crops })
    }

    /// Runs the model on a crop and blends by intensity; returns 0..255 values at the crop's size.
    pub fn edit_crop(&self, crop: &Image<u8>, path: &Path) -> Result<Image<f32>> {
        Ok(self.edit_crop_full(crop, path)?.0)
    }

    /// As [`Self::edit_crop`], also returning the motion-only ("deformed") crop of a deformation model.
    pub fn edit_crop_full(&self, crop: &Image<u8>, path: &Path) -> Result<(Image<f32>, Option<Image<f32>>)> {
        self.edit_crop_at(crop, path, self.intensity)
    }

    /// As [`Self::edit_crop_full`] at a given intensity (0..=1).
    pub fn edit_crop_at(
        &self,
        crop: &Image<u8>,
        path: &Path,
        intensity: f32,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let fit = |img: Image<f32>| {
            if img.width() != crop.width() || img.height() != crop.height() {
                image::resize_bilinear(&img.view(), crop.width(), crop.height())
            } else {
                img
            }
        };
        match &self.model {
            EditModel::Local(model) => {
                let pred =
                    fit(pipeline::apply_f32(model, crop, path, ApplyOptions { resize: true, ..Default::default() })?);
                let base = if pred.channels() != crop.channels() { crop.to_rgb() } else { crop.clone() };
                let a = intensity;
                let data = base.data().iter().zip(pred.data()).map(|(&x, &y)| x as f32 + a * (y - x as f32)).collect();
                Ok((Image::from_planar(pred.width(), pred.height(), pred.channels(), data).expect("same shape"), None))
            }
            // The intensity scales the target AU vector: 0 is no motion and no texture change.
            EditModel::Deform(file) => self.edit_au_model(crop, path, intensity, &file.meta, |x, au| {
                let e = file.model.predict(x, au)?;
                Ok((e.deformed, e.output))
            }),
            #[cfg(feature = "defgan")]
            EditModel::Defgan(file) => {
                // The network at a = 0 would neutralise the face, so 0 returns the crop itself.
                if intensity == 0.0 {
                    return Ok((crop.to_f32(), Some(crop.to_f32())));
                }
                self.edit_au_model(crop, path, intensity, &file.meta, |x, au| {
                    let e = file.edit(x, au)?;
                    Ok((e.deformed, e.output))
                })
            }
        }
    }
}

impl Editor {
    /// An AU-conditioned model on a crop: resize to the model's size,
    /// normalise as the model records, run `predict` (→ motion only, edit) on
    /// the intensity-scaled AU target, map both back to 0..255 at the crop's size.
    fn edit_au_model(
        &self,
        crop: &Image<u8>,
        path: &Path,
        intensity: f32,
        meta: &ModelMeta,
        predict: impl FnOnce(&ImageRef<'_, f32>, &AuVector) -> Result<(Image<f32>, Image<f32>)>,
    ) -> Result<(Image<f32>, Option<Image<f32>>)> {
        let (w, h) = (meta.width, meta.height);
        let mut x = if crop.width() != w || crop.height() != h {
            image::resize_bilinear(&crop.view(), w, h)
        } else {
            crop.to_f32()
        };
        let norm = meta.normalize.apply_in_place(&mut x, path)?;
        let (deformed, output) = predict(&x.view(), &self.au.unwrap_or_default().scaled(intensity))?;
        let back = |img: &Image<f32>| {
            let px = OutputMode::Clip.to_pixels(img, norm);
            if px.width() != crop.width() || px.height() != crop.height() {
                image::resize_bilinear(&px.view(), crop.width(), crop.height())
            } else {
                px
            }
        };
        Ok((back(&output), Some(back(&deformed))))
    }
}

pub fn run(a: EditArgs) -> Result<ExitCode> {
    let faces = match a.face.as_str() {
        "all" => FaceChoice::All,
        n => match n.parse::<usize>() {
            Ok(k) if k >= 1 => FaceChoice::Nth(k),
            _ => anyhow::bail!("--face {n}: use `all` or a face number from 1 (largest first)"),
        },
    };
    if let Some(m) = a.min_face {
        anyhow::ensure!(m >= 8, "--min-face {m}: must be at least 8 pixels");
    }
    let mut editor = Editor::new(&a.model, &a.expression, a.intensity, faces, a.min_face)?;
    if let Some(list) = &a.au {
        editor = editor.with_au(mien_deform::parse_au_list(list).context("--au")?)?;
    }
    let sweep: Option<Vec<f32>> = a
        .sweep
        .as_deref()
        .map(|list| {
            list.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|x| (0.0..=1.0).contains(x))
                        .ok_or_else(|| anyhow::anyhow!("--sweep: `{v}` is not an intensity between 0 and 1"))
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    if sweep.is_some() {
        anyhow::ensure!(a.photos.len() == 1, "--sweep writes one strip: give one photo");
    }
    let single = a.photos.len() == 1;
    let targets: Vec<PathBuf> = if single && a.output.extension().is_some() {
        let ext = a.output.extension().unwrap_or_default().to_string_lossy().to_lowercase();
        anyhow::ensure!(ext == "png", "-o {}: mien writes PNG; name the output .png", a.output.display());
        super::check_writable_file(&a.output, "-o")?;
        vec![a.output.clone()]
    } else {
        check_writable_dir(&a.output).context("-o")?;
        a.photos
            .iter()
            .map(|p| a.output.join(format!("{}.png", p.file_stem().unwrap_or_default().to_string_lossy())))
            .collect()
    };
    if let Some(d) = &a.debug_dir {
        check_writable_dir(d).context("--debug-dir")?;
    }
    let finder = if a.no_detect { None } else { Some(FaceFinder::new()?) };
    let mut t = Timings::default();
    let total = Instant::now();
    let mut results = Vec::new();
    for path in &a.photos {
        let start = Instant::now();
        let img = image::load(path, DecodeLimits::default())?;
        t.decode += start.elapsed();
        let edit_at = |ed: &Editor, t: &mut Timings, faces: Option<Vec<Found>>| -> Result<Edited> {
            match (&finder, faces) {
                (Some(_), Some(faces)) => ed.edit_faces(&img, faces, path, t),
                (Some(f), None) => ed.edit(f, &img, path, t),
                (None, _) => {
                    let start = Instant::now();
                    let out = ed.edit_crop(&img, path)?;
                    t.synthesise += start.elapsed();
                    Ok(Edited { image: out.to_u8(), faces: Vec::new(), crops: Vec::new(), deformed: Vec::new() })
                }
            }
        };
        let edited = match &sweep {
            None => edit_at(&editor, &mut t, None)?,
            Some(alphas) => {
                let faces = match &finder {
                    Some(f) => Some(editor.find_faces(f, &img, path, &mut t)?),
                    None => None,
                };
                let strips: Vec<Edited> = alphas
                    .iter()
                    .map(|&al| edit_at(&editor.at_intensity(al), &mut t, faces.clone()))
                    .collect::<Result<_>>()?;
                let refs: Vec<&Image<u8>> = strips.iter().map(|e| &e.image).collect();
                let strip = super::apply::side_by_side(&refs);
                let last = strips.into_iter().last().expect("at least one intensity");
                Edited { image: strip, ..last }
            }
        };
        results.push((img, edited));
    }
    let start = Instant::now();
    for ((img, edited), target) in results.iter().zip(&targets) {
        image::save_png(&edited.image, target)?;
        if let Some(d) = &a.debug_dir {
            write_debug(d, target, img, edited, &editor.template)?;
        }
    }
    t.encode += start.elapsed();
    let faces: usize = results.iter().map(|(_, e)| e.faces.len().max(1)).sum();
    eprintln!(
        "edited {faces} face(s) in {} photo(s) → {} ({:.0} ms)",
        results.len(),
        if single { targets[0].display().to_string() } else { a.output.display().to_string() },
        total.elapsed().as_secs_f64() * 1000.0
    );
    if a.timings {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timings (ms): decode {:.1}, detect {:.1}, landmarks {:.1}, align {:.1}, synthesise {:.1}, paste {:.1}, encode {:.1}",
            ms(t.decode), ms(t.detect), ms(t.landmarks), ms(t.align), ms(t.synthesise), ms(t.paste), ms(t.encode)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Boxes and landmarks drawn on the photo, and each face's aligned crop and edit.
fn write_debug(dir: &Path, target: &Path, img: &Image<u8>, e: &Edited, template: &Template) -> Result<()> {
    let stem = target.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    let mut marked = img.to_rgb();
    for f in &e.faces {
        let b = &f.face;
        draw_rect(&mut marked, b.x, b.y, b.w, b.h, [255, 0, 0]);
        for &(x, y) in f.landmarks.iter() {
            draw_rect(&mut marked, x - 1.0, y - 1.0, 2.0, 2.0, [0, 255, 0]);
        }
    }
    image::save_png(&marked, &dir.join(format!("{stem}-faces.png")))?;
    for (i, ((crop, edited), f)) in e.crops.iter().zip(&e.faces).enumerate() {
        let mut c = crop.to_rgb();
        if let Ok(tf) = template.fit(&f.landmarks) {
            for &(x, y) in landmarks_to_crop(&f.landmarks, &tf).iter() {
                draw_rect(&mut c, x - 0.5, y - 0.5, 1.0, 1.0, [0, 255, 0]);
            }
        }
        image::save_png(&c, &dir.join(format!("{stem}-face{}-aligned.png", i + 1)))?;
        image::save_png(edited, &dir.join(format!("{stem}-face{}-edited.png", i + 1)))?;
        if let Some(d) = e.deformed.get(i) {
            image::save_png(d, &dir.join(format!("{stem}-face{}-deformed.png", i + 1)))?;
        }
    }
    Ok(())
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
