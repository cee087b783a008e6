//! Faces through an image sequence (video frames, an animated image): a
//! [`Tracker`] detects faces on key frames only and follows them in between,
//! placing each frame's landmarks from the previous frame's points
//! ([`FaceFinder::refine`]), and smooths every landmark over time with a
//! One-Euro filter so that a still face does not jitter while a moving one
//! is followed without lag. Each track keeps one identity (`id`) from the key
//! frame that found it until it is lost.
//!
//! A frame is a key frame every [`TrackerOptions::key_every`] frames, when no
//! face is being tracked, or after a track was lost (its new box overlapping
//! its previous one by less than [`TrackerOptions::min_iou`]). On a key frame
//! detected faces take over the identity of the track whose box they overlap
//! most (IoU above `min_iou`); the others start new tracks.

use mien_core::image::Image;
use mien_face::landmarks::{eye_roll, upright_box};
use mien_face::{DetectOptions, FaceBox, Landmarks};

use crate::faces::{FaceFinder, Found};
use crate::Result;

/// Settings of a [`Tracker`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `key_every` | 10 | frames between detections | ≥ 1 |
/// | `min_cutoff` | 0.02 | One-Euro cutoff of a still face, per frame | > 0 |
/// | `beta` | 4.0 | how fast the cutoff rises with speed (eye distances per frame) | ≥ 0 |
/// | `min_iou` | 0.3 | box overlap that keeps a track (frame to frame and at key frames) | (0, 1) |
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackerOptions {
    /// Detect every this many frames. Default 10.
    pub key_every: usize,
    /// One-Euro minimum cutoff frequency, in cycles per frame. Default 0.02.
    pub min_cutoff: f32,
    /// One-Euro speed coefficient, speed measured in eye distances per frame. Default 4.
    pub beta: f32,
    /// Overlap below which a track is lost or a detection is a new face. Default 0.3.
    pub min_iou: f32,
}

impl Default for TrackerOptions {
    fn default() -> Self {
        Self { key_every: 10, min_cutoff: 0.02, beta: 4.0, min_iou: 0.3 }
    }
}

impl TrackerOptions {
    /// Checks every option's range.
    pub fn check(&self) -> Result<()> {
        let bad = |name: &str, v: f32, want: &str| Err(crate::Error::Unsupported(format!("{name} {v}: {want}")));
        if self.key_every == 0 {
            return bad("key_every", 0.0, "at least 1 frame");
        }
        if !(self.min_cutoff > 0.0 && self.min_cutoff.is_finite()) {
            return bad("min_cutoff", self.min_cutoff, "a positive number");
        }
        if !(self.beta >= 0.0 && self.beta.is_finite()) {
            return bad("beta", self.beta, "zero or positive");
        }
        if !(self.min_iou > 0.0 && self.min_iou < 1.0) {
            return bad("min_iou", self.min_iou, "in (0, 1)");
        }
        Ok(())
    }
}

/// A face in one frame of a sequence.
#[derive(Clone, Debug)]
pub struct TrackedFace {
    /// The track's identity, the same in every frame it is followed.
    pub id: u64,
    /// The face with its smoothed landmarks; `face` is the box they imply.
    pub found: Found,
    /// The landmarks before smoothing.
    pub raw: Landmarks,
}

/// One track's state.
#[derive(Clone, Debug)]
struct Track {
    id: u64,
    raw: Landmarks,
    filter: OneEuro,
    face: FaceBox,
}

/// Follows faces through a sequence; call [`Tracker::next`] once per frame, in order.
#[derive(Clone, Debug)]
pub struct Tracker {
    options: TrackerOptions,
    tracks: Vec<Track>,
    frame: usize,
    next_id: u64,
    lost: bool,
}

impl Tracker {
    /// A tracker with checked options.
    pub fn new(options: TrackerOptions) -> Result<Self> {
        options.check()?;
        Ok(Self { options, tracks: Vec::new(), frame: 0, next_id: 1, lost: false })
    }

    /// How many frames were processed.
    pub fn frames(&self) -> usize {
        self.frame
    }

    /// The faces of the next frame, largest first. Frames must keep one size
    /// for the boxes to mean anything; the caller checks that.
    pub fn next(&mut self, finder: &FaceFinder, img: &Image<u8>, detect: &DetectOptions) -> Result<Vec<TrackedFace>> {
        let key = self.frame % self.options.key_every == 0 || self.tracks.is_empty() || self.lost;
        self.frame += 1;
        self.lost = false;
        if key {
            let (boxes, _) = finder.detect(img, detect)?;
            let mut claimed = vec![false; self.tracks.len()];
            let mut tracks = Vec::with_capacity(boxes.len());
            for b in boxes {
                let raw = finder.landmarks_reboxed(img, &b)?;
                let face = landmark_box(&raw);
                let best = self
                    .tracks
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !claimed[*i])
                    .map(|(i, t)| (i, t.face.iou(&face)))
                    .filter(|&(_, iou)| iou >= self.options.min_iou)
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                let track = match best {
                    Some((i, _)) => {
                        claimed[i] = true;
                        let mut t = self.tracks[i].clone();
                        t.raw = raw;
                        t.face = face;
                        t
                    }
                    None => {
                        let id = self.next_id;
                        self.next_id += 1;
                        Track { id, raw, filter: OneEuro::default(), face }
                    }
                };
                tracks.push(track);
            }
            self.tracks = tracks;
        } else {
            let mut kept = Vec::with_capacity(self.tracks.len());
            for mut t in std::mem::take(&mut self.tracks) {
                let raw = finder.refine(img, &t.raw)?;
                let face = landmark_box(&raw);
                if face.iou(&t.face) < self.options.min_iou || !raw.iter().all(|p| p.0.is_finite() && p.1.is_finite()) {
                    self.lost = true;
                    continue;
                }
                t.raw = raw;
                t.face = face;
                kept.push(t);
            }
            self.tracks = kept;
        }
        let opts = self.options;
        let mut out: Vec<TrackedFace> = self
            .tracks
            .iter_mut()
            .map(|t| {
                let smooth = t.filter.step(&t.raw, &opts);
                TrackedFace { id: t.id, found: Found { face: landmark_box(&smooth), landmarks: smooth }, raw: t.raw }
            })
            .collect();
        out.sort_by(|a, b| (b.found.face.w * b.found.face.h).total_cmp(&(a.found.face.w * a.found.face.h)));
        Ok(out)
    }
}

/// The axis-aligned box a detector would draw for these points (see
/// [`upright_box`]), turned faces taking the box of their own frame's extent.
pub fn landmark_box(points: &Landmarks) -> FaceBox {
    let ((cx, cy), side) = upright_box(points, eye_roll(points));
    FaceBox { x: cx - side / 2.0, y: cy - side / 2.0, w: side, h: side, score: 1.0 }
}

/// A One-Euro filter (Casiez et al., 2012) over the 136 landmark coordinates,
/// with unit time step (one frame) and speed measured in eye distances, so
/// that the same settings serve small and large faces.
#[derive(Clone, Debug, Default)]
struct OneEuro {
    state: Option<(Landmarks, Landmarks)>,
}

/// Cutoff of the speed estimate, per frame.
const D_CUTOFF: f32 = 0.3;

fn alpha(cutoff: f32) -> f32 {
    let tau = 1.0 / (2.0 * std::f32::consts::PI * cutoff);
    1.0 / (1.0 + tau)
}

impl OneEuro {
    fn step(&mut self, x: &Landmarks, o: &TrackerOptions) -> Landmarks {
        let Some((prev, dprev)) = self.state else {
            self.state = Some((*x, [(0.0, 0.0); 68]));
            return *x;
        };
        let (l, r) = mien_face::eye_centres(&prev);
        let iod = (r.0 - l.0).hypot(r.1 - l.1).max(1.0);
        let ad = alpha(D_CUTOFF);
        let mut out = prev;
        let mut dout = dprev;
        for i in 0..68 {
            let d = (x[i].0 - prev[i].0, x[i].1 - prev[i].1);
            dout[i] = (dprev[i].0 + ad * (d.0 - dprev[i].0), dprev[i].1 + ad * (d.1 - dprev[i].1));
            let speed = dout[i].0.hypot(dout[i].1) / iod;
            let a = alpha(o.min_cutoff + o.beta * speed);
            out[i] = (prev[i].0 + a * d.0, prev[i].1 + a * d.1);
        }
        self.state = Some((out, dout));
        out
    }
}
