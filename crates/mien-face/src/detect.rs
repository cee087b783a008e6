//! Face detection with the SeetaFace funnel-structured cascade.
//!
//! The SeetaFace frontal model (BSD-2-Clause, `weights/LICENSE-seetaface`) is
//! compiled into the binary, so detection needs no files at run time. The
//! cascade's sliding window is 40 px and it never upsamples, so the smallest
//! face it can see is 40 px of the image it is given: we resample the image so
//! that a face of [`DetectOptions::min_size`] pixels fills that window, capped
//! so the detection image's longer side stays within
//! [`DetectOptions::max_side`] (large photos are shrunk with an area filter).
//! Boxes are mapped back to original pixels, filtered by score, merged with a
//! second non-maximum suppression that also removes boxes nested inside a
//! stronger one (the cascade's own NMS keeps those), and faces smaller than the
//! minimum are counted and dropped.
//!
//! A second detector, face-api's tiny face detector ([`crate::tiny`]), finds
//! faces rolled by up to 45° and turned further towards profile, but misses
//! faces much smaller than a tenth of the image. [`Detector`] chooses:
//! `seeta`, `tiny`, or `auto` (the default): the cascade; then, beside the
//! faces it found, a search for faces rolled too far for it, by the cascade
//! on copies turned by ±30° and shrunk to the found faces' size; and the
//! tiny detector only when the cascade finds nothing (a single tilted or
//! turned face). Measured figures are in `BENCHMARKS.md`.
//!
//! The cascade is SeetaFace's, computed in this crate (module `cascade`)
//! with its pyramid levels and later stages shared over up to four
//! threads; its windows and scores equal those of the `rustface` port, bit
//! for bit.

use std::sync::OnceLock;

use mien_core::image::Image;

use crate::cascade::{Cascade, Scan};
use crate::error::{Error, Result};
use crate::tiny::TinyDetector;

/// The SeetaFace frontal detector model (BSD-2-Clause, `weights/LICENSE-seetaface`).
static SEETA_MODEL: &[u8] = include_bytes!("../weights/seeta_fd_frontal_v1.0.bin");

/// Most threads one cascade run shares its work over.
const MAX_THREADS: usize = 4;

/// The cascade's fixed window size in pixels.
const WINDOW: f32 = crate::cascade::WINDOW as f32;

/// Rolls, in degrees, at which [`Detector::Auto`] looks again for faces the
/// upright cascade missed, beside those it found. The cascade itself sees
/// faces rolled by up to about 15°; ±30° covers 15–45° either way.
const ROLLS: [f32; 2] = [-30.0, 30.0];

/// Size, in pixels, the smallest upright face found is shrunk to for the
/// rolled-face search (a little over the cascade's 40-pixel window).
const ROLL_FACE: f32 = 50.0;

/// Sliding-window stride of the rolled-face search.
const ROLL_STRIDE: u32 = 6;

/// Largest turned canvas, in pixels, scanned for rolled faces (each of
/// [`ROLLS`]): 2 megapixels, a 1920×1280 photo whose smallest face box is
/// at least 82 px (the cascade's boxes cover brows to mouth, about 0.4 of
/// the head's height). A crowd of small faces (the Solvay photo) is not
/// searched: it would cost several full scans.
const ROLL_BUDGET: usize = 2_000_000;

/// One detected face: an axis-aligned box in original image pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
    /// Detector confidence (SeetaFace's MLP score; larger is surer, typically 2–40).
    pub score: f32,
}

impl FaceBox {
    /// The box's centre.
    pub fn centre(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    /// Intersection over union with another box.
    pub fn iou(&self, other: &FaceBox) -> f32 {
        let inter = self.intersection(other);
        let union = self.w * self.h + other.w * other.h - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
    fn intersection(&self, other: &FaceBox) -> f32 {
        let iw = (self.x + self.w).min(other.x + other.w) - self.x.max(other.x);
        let ih = (self.y + self.h).min(other.y + other.h) - self.y.max(other.y);
        iw.max(0.0) * ih.max(0.0)
    }
}

/// Which detector finds the faces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detector {
    /// The SeetaFace frontal cascade: upright faces from 24 px, any number.
    Seeta,
    /// face-api's tiny face detector: rolled (±45°) and turned faces that
    /// fill a good part of the image.
    Tiny,
    /// The cascade and a search for rolled faces among those it found, or the
    /// tiny detector when the cascade finds no face.
    #[default]
    Auto,
}

impl Detector {
    /// The names accepted by [`std::str::FromStr`].
    pub const NAMES: [&'static str; 3] = ["auto", "seeta", "tiny"];
}

impl std::str::FromStr for Detector {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(Detector::Auto),
            "seeta" => Ok(Detector::Seeta),
            "tiny" => Ok(Detector::Tiny),
            other => Err(format!("unknown detector `{other}`; use auto, seeta or tiny")),
        }
    }
}

impl std::fmt::Display for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Detector::Auto => "auto",
            Detector::Seeta => "seeta",
            Detector::Tiny => "tiny",
        })
    }
}

/// Detection settings.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `min_size` | 24 | smallest face kept, in original pixels | ≥ 8 |
/// | `max_side` | 1600 | longest side of the image the cascade scans | ≥ 64 |
/// | `score_threshold` | 3.0 | minimum detector score | > 0 |
/// | `nms_iou` | 0.3 | boxes overlapping a stronger one more than this are dropped | (0, 1] |
/// | `pyramid_step` | 0.8 | scale ratio between pyramid levels | [0.5, 0.95] |
/// | `window_step` | 4 | sliding-window stride in detection pixels | 1..=16 |
/// | `detector` | `Auto` | which detector runs | [`Detector`] |
/// | `tiny_input` | 320 | tiny detector's input side (the whole image is resized to it) | multiple of 32, 64..=2048 |
/// | `tiny_score` | 0.5 | tiny detector's minimum score | (0, 1) |
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectOptions {
    /// Smallest face kept, in original pixels. Default 24.
    pub min_size: usize,
    /// Longest side of the detection image; larger images are shrunk. Default 1600.
    pub max_side: usize,
    /// Minimum detector score. Default 3.0.
    pub score_threshold: f32,
    /// IoU above which the weaker of two boxes is dropped. Default 0.3.
    pub nms_iou: f32,
    /// Ratio between image-pyramid levels. Default 0.8.
    pub pyramid_step: f32,
    /// Sliding-window stride in detection pixels. Default 4.
    pub window_step: u32,
    /// Which detector runs. Default [`Detector::Auto`].
    pub detector: Detector,
    /// Side of the tiny detector's square input. Default 320.
    pub tiny_input: usize,
    /// The tiny detector's minimum score (a probability). Default 0.5.
    pub tiny_score: f32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            min_size: 24,
            max_side: 1600,
            score_threshold: 3.0,
            nms_iou: 0.3,
            pyramid_step: 0.8,
            window_step: 4,
            detector: Detector::Auto,
            tiny_input: 320,
            tiny_score: 0.5,
        }
    }
}

impl DetectOptions {
    /// Checks every option's range; the detector would panic on some of these.
    pub fn check(&self) -> Result<()> {
        if self.min_size < 8 {
            return Err(Error::param("min_size", self.min_size, "at least 8 pixels"));
        }
        if self.max_side < 64 {
            return Err(Error::param("max_side", self.max_side, "at least 64 pixels"));
        }
        if !(self.score_threshold > 0.0 && self.score_threshold.is_finite()) {
            return Err(Error::param("score_threshold", self.score_threshold, "a positive number"));
        }
        if !(self.nms_iou > 0.0 && self.nms_iou <= 1.0) {
            return Err(Error::param("nms_iou", self.nms_iou, "in (0, 1]"));
        }
        if !(0.5..=0.95).contains(&self.pyramid_step) {
            return Err(Error::param("pyramid_step", self.pyramid_step, "in [0.5, 0.95]"));
        }
        if !(1..=16).contains(&self.window_step) {
            return Err(Error::param("window_step", self.window_step, "in 1..=16"));
        }
        if !(64..=2048).contains(&self.tiny_input) || self.tiny_input % 32 != 0 {
            return Err(Error::param("tiny_input", self.tiny_input, "a multiple of 32 in 64..=2048"));
        }
        if !(self.tiny_score > 0.0 && self.tiny_score < 1.0) {
            return Err(Error::param("tiny_score", self.tiny_score, "in (0, 1)"));
        }
        Ok(())
    }
}

/// What one detection run found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detections {
    /// Faces at least `min_size` pixels wide, strongest first.
    pub faces: Vec<FaceBox>,
    /// Faces found but dropped for being smaller than `min_size`.
    pub skipped_small: usize,
}

/// A reusable detector holding the parsed SeetaFace model and the tiny face detector.
#[derive(Clone)]
pub struct FaceDetector {
    cascade: Cascade,
    /// Parsed on first use: most photos never need it.
    tiny: OnceLock<TinyDetector>,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector").finish_non_exhaustive()
    }
}

impl FaceDetector {
    /// Parses the built-in SeetaFace model.
    pub fn new() -> Result<Self> {
        Ok(Self { cascade: Cascade::parse(SEETA_MODEL)?, tiny: OnceLock::new() })
    }

    /// Finds faces in a grey or RGB image of any size with `options.detector`.
    pub fn detect(&self, image: &Image<u8>, options: &DetectOptions) -> Result<Detections> {
        options.check()?;
        match options.detector {
            Detector::Seeta => self.detect_seeta(image, options),
            Detector::Tiny => self.detect_tiny(image, options),
            Detector::Auto => {
                let grey = grey_of(image)?;
                let mut found = self.seeta_on_grey(&grey, options)?;
                if found.faces.is_empty() && found.skipped_small == 0 {
                    return self.detect_tiny(image, options);
                }
                let rolled = self.detect_rolled(&grey, &found.faces, options)?;
                found.faces.extend(rolled);
                Ok(found)
            }
        }
    }

    /// Faces rolled too far for the upright cascade, among the upright faces
    /// it found: the photo is shrunk so that the smallest found face is
    /// [`ROLL_FACE`] pixels, turned by each of [`ROLLS`] on a second thread
    /// each, and scanned by the cascade for faces up to 1.5× the largest
    /// found. Boxes are mapped back as upright squares around the face
    /// (the landmarks then place it upright, see
    /// [`crate::Landmarker::landmarks_upright_with`]); those on a face
    /// already found are dropped. Skipped when the shrunk, turned photo
    /// would exceed [`ROLL_BUDGET`] pixels: small faces in a large photo (a
    /// crowd) would cost several full scans.
    fn detect_rolled(&self, grey: &Image<u8>, upright: &[FaceBox], options: &DetectOptions) -> Result<Vec<FaceBox>> {
        let smallest = upright.iter().map(|b| b.w.min(b.h)).fold(f32::INFINITY, f32::min);
        let largest = upright.iter().map(|b| b.w.max(b.h)).fold(0.0, f32::max);
        if !smallest.is_finite() || smallest <= 0.0 {
            return Ok(Vec::new());
        }
        let f = (ROLL_FACE / smallest).min(1.0);
        let (w, h) = (grey.width(), grey.height());
        let (sw, sh) = ((w as f32 * f).round() as usize, (h as f32 * f).round() as usize);
        let side = ((sw * sw + sh * sh) as f32).sqrt().ceil() as usize;
        if side * side > ROLL_BUDGET || sw < WINDOW as usize || sh < WINDOW as usize {
            return Ok(Vec::new());
        }
        let mut small = resample_grey(grey.plane(0), w, h, sw, sh);
        // The faces already found are painted flat: the cascade's first stage
        // rejects flat windows at once, so the turned scan costs little where
        // it would only find them again.
        for u in upright {
            let (cx, cy) = u.centre();
            let half = 0.65 * u.w.max(u.h) * f;
            let (x0, x1) = (((cx * f - half).max(0.0)) as usize, ((cx * f + half).ceil() as usize).min(sw));
            let (y0, y1) = (((cy * f - half).max(0.0)) as usize, ((cy * f + half).ceil() as usize).min(sh));
            for row in small.chunks_exact_mut(sw).take(y1).skip(y0) {
                row[x0.min(x1)..x1].fill(128);
            }
        }
        let max_face = (1.25 * largest * f).ceil().max(WINDOW + 1.0) as u32;
        let turns: Vec<crate::Similarity> = ROLLS
            .iter()
            .map(|deg| {
                let (sin, cos) = deg.to_radians().sin_cos();
                let (cx, cy, c) = (sw as f32 / 2.0, sh as f32 / 2.0, side as f32 / 2.0);
                crate::Similarity { a: cos, b: sin, tx: c - (cos * cx - sin * cy), ty: c - (sin * cx + cos * cy) }
            })
            .collect();
        // A coarser stride than the main scan: faces here are the size the
        // window was chosen for, and the search costs a third less.
        let coarse_step = DetectOptions { window_step: ROLL_STRIDE.max(options.window_step), ..*options };
        let coarse_step = &coarse_step;
        let scan = |t: &crate::Similarity| -> Vec<FaceBox> {
            let canvas = turn_grey(&small, sw, sh, t, side);
            self.run_cascade(&canvas, side, side, max_face, coarse_step, 1)
        };
        // One thread per turn where there are threads; in turn otherwise.
        let runs: Vec<Result<Vec<FaceBox>>> = if threads() > 1 {
            std::thread::scope(|scope| {
                let handles: Vec<_> = turns.iter().map(|t| scope.spawn(|| scan(t))).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().map_err(|_| Error::BadImage("a rolled-face search thread failed".into())))
                    .collect()
            })
        } else {
            turns.iter().map(|t| Ok(scan(t))).collect()
        };
        let mut rolled = Vec::new();
        for (t, run) in turns.iter().zip(runs) {
            let back = t.inverse()?;
            for b in run? {
                if b.score < options.score_threshold {
                    continue;
                }
                let (cx, cy) = back.apply((b.x + b.w / 2.0, b.y + b.h / 2.0));
                let s = b.w.max(b.h) / f;
                rolled.push(FaceBox { x: cx / f - s / 2.0, y: cy / f - s / 2.0, w: s, h: s, score: b.score });
            }
        }
        // A face found upright (the cascade sees some roll) is not found twice.
        rolled.retain(|r| {
            let (cx, cy) = r.centre();
            !upright.iter().any(|u| r.iou(u) > 0.1 || (cx > u.x && cx < u.x + u.w && cy > u.y && cy < u.y + u.h))
        });
        let mut rolled = suppress(&mut rolled, options.nms_iou);
        rolled.retain(|b| b.w.min(b.h) >= options.min_size as f32);
        Ok(rolled)
    }

    /// The tiny face detector, parsed from the built-in weights on first use.
    fn tiny(&self) -> Result<&TinyDetector> {
        if let Some(t) = self.tiny.get() {
            return Ok(t);
        }
        let t = TinyDetector::new()?;
        Ok(self.tiny.get_or_init(|| t))
    }

    /// The tiny face detector on the whole image at `options.tiny_input`.
    /// Each box is then redrawn by the cascade on a crop around it when the
    /// cascade sees the face there (upright faces): the landmark placement
    /// was checked on the cascade's boxes, so an upright face gets the same
    /// points whichever detector found it. Rolled faces keep the tiny box
    /// (the landmarks redetect them upright).
    fn detect_tiny(&self, image: &Image<u8>, options: &DetectOptions) -> Result<Detections> {
        let mut boxes = self.tiny()?.raw_boxes(image, options.tiny_input, options.tiny_score)?;
        let mut boxes = suppress(&mut boxes, options.nms_iou);
        for b in &mut boxes {
            if let Some(s) = self.seeta_box_near(image, b, options)? {
                *b = s;
            }
        }
        let min = options.min_size as f32;
        let (faces, small): (Vec<_>, Vec<_>) = boxes.into_iter().partition(|b| b.w.min(b.h) >= min);
        Ok(Detections { faces, skipped_small: small.len() })
    }

    /// The cascade's box for the face in `b`, on a crop of twice its size
    /// scaled to 160 px: the found box nearest the crop's centre, if within a
    /// third of the box side of it, in image pixels.
    fn seeta_box_near(&self, image: &Image<u8>, b: &FaceBox, options: &DetectOptions) -> Result<Option<FaceBox>> {
        const SIDE: f32 = 160.0;
        let side = 2.0 * b.w.max(b.h);
        let (cx, cy) = b.centre();
        let k = SIDE / side.max(1.0);
        let to_crop = crate::Similarity { a: k, b: 0.0, tx: SIDE / 2.0 - k * cx, ty: SIDE / 2.0 - k * cy };
        let crop = crate::align::warp_to_crop(image, &to_crop, SIDE as usize)?;
        let opts = DetectOptions { min_size: 40, ..*options };
        let found = self.detect_seeta(&crop, &opts)?.faces;
        let dist = |f: &FaceBox| (f.x + f.w / 2.0 - SIDE / 2.0).hypot(f.y + f.h / 2.0 - SIDE / 2.0);
        Ok(found.iter().min_by(|p, q| dist(p).total_cmp(&dist(q))).filter(|f| dist(f) < SIDE / 6.0).map(|f| FaceBox {
            x: (f.x - to_crop.tx) / k,
            y: (f.y - to_crop.ty) / k,
            w: f.w / k,
            h: f.h / k,
            score: b.score,
        }))
    }

    /// One cascade run over a grey plane: boxes in that plane's pixels.
    /// `max_face` > 0 stops the pyramid at faces of that size; the work is
    /// shared over `threads`.
    fn run_cascade(
        &self,
        plane: &[u8],
        w: usize,
        h: usize,
        max_face: u32,
        options: &DetectOptions,
        threads: usize,
    ) -> Vec<FaceBox> {
        let scan = Scan { max_face, pyramid_step: options.pyramid_step, stride: options.window_step as usize, threads };
        // Every box with a positive score comes back: the caller applies
        // the threshold after mapping and merging.
        self.cascade
            .detect(plane, w, h, &scan)
            .iter()
            .map(|b| FaceBox {
                x: b.x as f32,
                y: b.y as f32,
                w: b.side as f32,
                h: b.side as f32,
                score: b.score as f32,
            })
            .collect()
    }

    /// The SeetaFace cascade.
    fn detect_seeta(&self, image: &Image<u8>, options: &DetectOptions) -> Result<Detections> {
        self.seeta_on_grey(&grey_of(image)?, options)
    }

    /// The cascade on a grey image.
    fn seeta_on_grey(&self, grey: &Image<u8>, options: &DetectOptions) -> Result<Detections> {
        let (width, height) = (grey.width(), grey.height());
        let longest = width.max(height) as f32;
        let scale = (WINDOW / options.min_size as f32).min(options.max_side as f32 / longest);
        let dw = ((width as f32 * scale).round() as usize).max(1);
        let dh = ((height as f32 * scale).round() as usize).max(1);
        // The cascade needs at least one full window.
        if dw < WINDOW as usize || dh < WINDOW as usize {
            return Ok(Detections::default());
        }
        let scaled = resample_grey(grey.plane(0), width, height, dw, dh);
        let (sx, sy) = (width as f32 / dw as f32, height as f32 / dh as f32);

        let mut boxes: Vec<FaceBox> =
            self.run_cascade(&scaled, dw, dh, 0, options, threads()).iter().map(|b| scale_box(b, sx, sy)).collect();
        boxes.retain(|b| b.score >= options.score_threshold && b.w > 0.0 && b.h > 0.0);
        let boxes = suppress(&mut boxes, options.nms_iou);
        let min = options.min_size as f32;
        let (faces, small): (Vec<_>, Vec<_>) = boxes.into_iter().partition(|b| b.w.min(b.h) >= min);
        Ok(Detections { faces, skipped_small: small.len() })
    }
}

/// Finds faces with the built-in detector; see [`FaceDetector::detect`].
///
/// The parsed model is cached after the first call.
pub fn detect_faces(image: &Image<u8>, options: &DetectOptions) -> Result<Vec<FaceBox>> {
    Ok(shared_detector()?.detect(image, options)?.faces)
}

/// Like [`detect_faces`] but also reports how many faces were too small.
pub fn detect_faces_report(image: &Image<u8>, options: &DetectOptions) -> Result<Detections> {
    shared_detector()?.detect(image, options)
}

fn shared_detector() -> Result<&'static FaceDetector> {
    static DETECTOR: OnceLock<Option<FaceDetector>> = OnceLock::new();
    DETECTOR
        .get_or_init(|| FaceDetector::new().ok())
        .as_ref()
        .ok_or_else(|| Error::CorruptWeights("built-in SeetaFace model does not parse".into()))
}

/// Threads detection shares its work over: the machine's, read once (the
/// standard library reads the cgroup files on every call), at most
/// [`MAX_THREADS`]. Not rayon's pool size: starting that pool costs a
/// one-photo `mien edit` about 3 ms.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS))
}

/// The grey copy of a grey or RGB image.
fn grey_of(image: &Image<u8>) -> Result<Image<u8>> {
    if image.width() == 0 || image.height() == 0 {
        return Err(Error::BadImage("the image has no pixels".into()));
    }
    if !matches!(image.channels(), 1 | 3) {
        return Err(Error::BadImage(format!("{} channels; expected 1 (grey) or 3 (RGB)", image.channels())));
    }
    Ok(image.to_grey())
}

/// A grey `w`×`h` plane turned into a `side`-square canvas by `t` (plane →
/// canvas pixel centres), bilinear, edges repeated outside the plane.
fn turn_grey(src: &[u8], w: usize, h: usize, t: &crate::Similarity, side: usize) -> Vec<u8> {
    let inv = t.inverse().unwrap_or(crate::Similarity { a: 1.0, b: 0.0, tx: 0.0, ty: 0.0 });
    let mut out = vec![0u8; side * side];
    let (xmax, ymax) = ((w - 1) as f32, (h - 1) as f32);
    for (v, row) in out.chunks_exact_mut(side).enumerate() {
        for (u, px) in row.iter_mut().enumerate() {
            let (x, y) = inv.apply((u as f32 + 0.5, v as f32 + 0.5));
            let (x, y) = ((x - 0.5).clamp(0.0, xmax), (y - 0.5).clamp(0.0, ymax));
            let (x0, y0) = (x as usize, y as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let at = |xx: usize, yy: usize| f32::from(src[yy * w + xx]);
            let top = at(x0, y0) + fx * (at(x1, y0) - at(x0, y0));
            let bottom = at(x0, y1) + fx * (at(x1, y1) - at(x0, y1));
            *px = (top + fy * (bottom - top) + 0.5) as u8;
        }
    }
    out
}

/// A box in scaled pixels mapped back by the scale factors.
fn scale_box(b: &FaceBox, sx: f32, sy: f32) -> FaceBox {
    FaceBox { x: b.x * sx, y: b.y * sy, w: b.w * sx, h: b.h * sy, score: b.score }
}

/// Greedy NMS, strongest first; also drops a box mostly (> 60 %) inside a
/// stronger one, which IoU alone misses when a small false box sits on a face.
fn suppress(boxes: &mut [FaceBox], iou: f32) -> Vec<FaceBox> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<FaceBox> = Vec::new();
    for b in boxes.iter() {
        let dominated = kept.iter().any(|k| {
            let inter = k.intersection(b);
            k.iou(b) > iou || inter > 0.6 * (b.w * b.h).min(k.w * k.h)
        });
        if !dominated {
            kept.push(*b);
        }
    }
    kept
}

/// Resamples a grey plane: area averaging when shrinking (no aliasing on big
/// photos), bilinear when enlarging.
fn resample_grey(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    if dw == sw && dh == sh {
        return src.to_vec();
    }
    if dw < sw && dh < sh {
        return area_shrink(src, sw, sh, dw, dh);
    }
    let img = Image::from_planar(sw, sh, 1, src.to_vec()).unwrap_or_else(|| Image::new(sw, sh, 1));
    let out = mien_core::image::resize_bilinear(&img.view(), dw, dh);
    out.data().iter().map(|&v| v.round().clamp(0.0, 255.0) as u8).collect()
}

fn area_shrink(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    let (fx, fy) = (sw as f64 / dw as f64, sh as f64 / dh as f64);
    let span = |d: usize, f: f64, n: usize| {
        let a = ((d as f64 * f).floor() as usize).min(n - 1);
        let b = (((d + 1) as f64 * f).ceil() as usize).clamp(a + 1, n);
        (a, b)
    };
    // Column sums over each output row's source rows, then sums of those
    // over each output pixel's source columns; large images in two halves
    // on two threads.
    let cols: Vec<(usize, usize)> = (0..dw).map(|x| span(x, fx, sw)).collect();
    let rows = |range: std::ops::Range<usize>| -> Vec<u8> {
        let mut sums = vec![0u32; sw];
        let mut out = Vec::with_capacity(dw * range.len());
        for y in range {
            let (y0, y1) = span(y, fy, sh);
            sums.fill(0);
            for row in src[y0 * sw..y1 * sw].chunks_exact(sw) {
                for (s, &v) in sums.iter_mut().zip(row) {
                    *s += u32::from(v);
                }
            }
            for &(x0, x1) in &cols {
                let sum: u32 = sums[x0..x1].iter().sum();
                let n = ((y1 - y0) * (x1 - x0)) as u32;
                out.push(((sum + n / 2) / n) as u8);
            }
        }
        out
    };
    if threads() < 2 || sw * sh < 1 << 20 {
        return rows(0..dh);
    }
    let half = dh / 2;
    std::thread::scope(|scope| {
        let second = scope.spawn(|| rows(half..dh));
        let mut out = rows(0..half);
        out.extend(second.join().unwrap_or_else(|_| rows(half..dh)));
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_weaker_box_is_suppressed() {
        let big = FaceBox { x: 0.0, y: 0.0, w: 100.0, h: 100.0, score: 10.0 };
        let inner = FaceBox { x: 10.0, y: 10.0, w: 30.0, h: 30.0, score: 5.0 };
        let far = FaceBox { x: 200.0, y: 0.0, w: 50.0, h: 50.0, score: 4.0 };
        let kept = suppress(&mut [inner, far, big], 0.3);
        assert_eq!(kept, vec![big, far]);
    }

    #[test]
    fn blank_and_tiny_images_find_nothing() {
        let d = FaceDetector::new().unwrap();
        for (w, h) in [(1, 1), (5, 300), (64, 64)] {
            let found = d.detect(&Image::new(w, h, 1), &DetectOptions::default()).unwrap();
            assert!(found.faces.is_empty());
        }
        assert!(d.detect(&Image::new(0, 0, 1), &DetectOptions::default()).is_err());
        assert!(d.detect(&Image::new(8, 8, 2), &DetectOptions::default()).is_err());
    }

    #[test]
    fn bad_options_are_rejected() {
        let d = FaceDetector::new().unwrap();
        let img = Image::new(64, 64, 1);
        let bad = DetectOptions { pyramid_step: 1.0, ..Default::default() };
        assert!(matches!(d.detect(&img, &bad), Err(Error::InvalidParam { .. })));
        let bad = DetectOptions { score_threshold: f32::NAN, ..Default::default() };
        assert!(d.detect(&img, &bad).is_err());
    }

    #[test]
    fn detector_names_round_trip_and_tiny_options_are_checked() {
        for name in Detector::NAMES {
            assert_eq!(name.parse::<Detector>().unwrap().to_string(), name);
        }
        assert!("yolo".parse::<Detector>().is_err());
        assert_eq!(Detector::default(), Detector::Auto);
        let d = FaceDetector::new().unwrap();
        let img = Image::new(64, 64, 1);
        for bad in [
            DetectOptions { tiny_input: 100, ..Default::default() },
            DetectOptions { tiny_input: 32, ..Default::default() },
            DetectOptions { tiny_score: 1.0, ..Default::default() },
        ] {
            assert!(matches!(d.detect(&img, &bad), Err(Error::InvalidParam { .. })), "{bad:?}");
        }
        let tiny = DetectOptions { detector: Detector::Tiny, ..Default::default() };
        assert!(d.detect(&Image::new(64, 64, 3), &tiny).unwrap().faces.is_empty());
    }

    #[test]
    fn area_shrink_averages_blocks() {
        let src = [0u8, 10, 20, 30, 40, 50, 60, 70];
        assert_eq!(area_shrink(&src, 4, 2, 2, 1), vec![25, 45]);
        // Against a direct mean over each output pixel's source span.
        for (sw, sh, dw, dh) in [(37, 23, 15, 11), (1030, 1100, 601, 403)] {
            let src: Vec<u8> = (0..sw * sh).map(|i| ((i * 7919) % 251) as u8).collect();
            let span = |d: usize, f: f64, n: usize| {
                let a = ((d as f64 * f).floor() as usize).min(n - 1);
                (a, (((d + 1) as f64 * f).ceil() as usize).clamp(a + 1, n))
            };
            let got = area_shrink(&src, sw, sh, dw, dh);
            for y in 0..dh {
                for x in 0..dw {
                    let (y0, y1) = span(y, sh as f64 / dh as f64, sh);
                    let (x0, x1) = span(x, sw as f64 / dw as f64, sw);
                    let sum: u32 = (y0..y1)
                        .flat_map(|j| (x0..x1).map(move |i| (i, j)))
                        .map(|(i, j)| u32::from(src[j * sw + i]))
                        .sum();
                    let n = ((y1 - y0) * (x1 - x0)) as u32;
                    assert_eq!(got[y * dw + x], ((sum + n / 2) / n) as u8, "({x}, {y})");
                }
            }
        }
    }
}
