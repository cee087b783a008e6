//! Local Action Units and feature sliders: each AU's motion and texture act
//! only where FACS says that AU acts.
//!
//! The global basis of [`crate::model`] splits each expression's flow over
//! its AUs by a minimum-norm solve, so AU12 alone (the smile) also moves
//! brows and eyes: every AU shares the whole face. Here each AU k has a
//! **region** `r_k(x) ∈ [0, 1]` on the face (the [`REGIONS`] table: convex
//! hulls of landmarks, padded, then feathered), placed on the face's own 68
//! landmarks in the crop, and the basis is refitted **per pixel** under those
//! masks. At pixel x, with `D = diag(r(x))` and `A` the G×17 matrix of the
//! training groups' AU vectors, the per-AU motion `b(x)` solves
//!
//! ```text
//! min_b  Σ_g ‖(A D b)_g − F_g(x)‖² + μ‖b‖²                                          (8)
//! ```
//!
//! (`F_g` the model's flow of group g), so a change `a` moves pixel x by
//! `aᵀ D b(x) = c(x)ᵀ F(x)` with group coefficients
//!
//! ```text
//! c(x) = (A D² Aᵀ + μI)⁻¹ A D² a                                                     (9)
//! ```
//!
//! and the texture residual mixes the group residual maps with the same
//! `c(x)`. Where every AU of `a` has `r_k(x) = 0`, `c(x) = 0`: no motion and
//! no texture change, exactly. With every mask 1, (9) is the global model's
//! `c = Mᵀa`. An AU alone now gives a partial expression in its own region
//! (AU12: lip corners and cheeks), and AUs sharing a region share its motion
//! as the data show it (at the brows, sad separates AU1 from AU2).
//!
//! **Feature sliders** ([`FEATURES`]) name groups of local AUs for people:
//! "smile" is AU6 + AU12 + AU25 (the happy prototype), "brows up" AU1 + AU2,
//! and so on; most run from −1 (the opposite: a smile taken away, eyes
//! narrowed) to +1. "wink" has no training data (no expression closes one
//! eye); its motion is drawn from the landmarks instead: one eye's upper lid
//! slides down to its lower lid, inside that eye's AU45 region, with no
//! texture change.

use crate::au::{AuVector, AU_COUNT};
use crate::error::{Error, Result};
use crate::warp::Flow;

/// One convex piece of a region: the hull of some landmarks (0-based iBUG
/// 68-point indices), together with the same landmarks shifted by `extend`
/// (in interocular distances, y down), e.g. up onto the forehead.
#[derive(Clone, Copy, Debug)]
pub struct Part {
    /// Landmark indices.
    pub points: &'static [usize],
    /// Shift of the extra copy of the points, in interocular distances.
    pub extend: (f32, f32),
}

/// Where one Action Unit acts: the union of its parts, grown by `pad`
/// interocular distances at full strength, then fading to zero over
/// [`FEATHER`] more. Outside hull + pad + feather the AU changes nothing.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    /// The AU number.
    pub au: u8,
    /// What moves, in words.
    pub what: &'static str,
    /// The convex parts.
    pub parts: &'static [Part],
    /// Full-strength margin around the hulls, in interocular distances.
    pub pad: f32,
}

/// Width of the fade from full strength to none, in interocular distances.
pub const FEATHER: f32 = 0.2;

const fn part(points: &'static [usize]) -> Part {
    Part { points, extend: (0.0, 0.0) }
}

const fn part_ext(points: &'static [usize], dx: f32, dy: f32) -> Part {
    Part { points, extend: (dx, dy) }
}

const BROWS_INNER: [usize; 6] = [19, 20, 21, 22, 23, 24];
const RIGHT_EYE: [usize; 6] = [36, 37, 38, 39, 40, 41];
const LEFT_EYE: [usize; 6] = [42, 43, 44, 45, 46, 47];
const OUTER_LIPS: [usize; 12] = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59];
const LIPS: [usize; 20] = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67];

/// The region of every supported AU, in [`crate::au::AUS`] order (FACS: where each
/// muscle's action shows). `docs/img/au-regions.jpg` draws them.
pub const REGIONS: [Region; AU_COUNT] = [
    Region {
        au: 1,
        what: "inner brows and the forehead above them",
        parts: &[part_ext(&BROWS_INNER, 0.0, -0.45)],
        pad: 0.1,
    },
    Region {
        au: 2,
        what: "outer brows and the forehead above them",
        parts: &[part_ext(&[17, 18, 19], 0.0, -0.45), part_ext(&[24, 25, 26], 0.0, -0.45)],
        pad: 0.1,
    },
    Region {
        au: 4,
        what: "brows, the space between them and the upper lids below",
        parts: &[part_ext(&[17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27], 0.0, 0.15)],
        pad: 0.1,
    },
    Region {
        au: 5,
        what: "upper lids",
        parts: &[part_ext(&[36, 37, 38, 39], 0.0, -0.12), part_ext(&[42, 43, 44, 45], 0.0, -0.12)],
        pad: 0.08,
    },
    Region {
        au: 6,
        what: "cheeks under the eyes and the lower lids",
        parts: &[part(&[36, 39, 40, 41, 1, 2, 31]), part(&[42, 45, 46, 47, 15, 14, 35])],
        pad: 0.05,
    },
    Region { au: 7, what: "lids", parts: &[part(&RIGHT_EYE), part(&LEFT_EYE)], pad: 0.1 },
    Region {
        au: 9,
        what: "nose and the space between the brows",
        parts: &[part(&[21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 39, 42])],
        pad: 0.08,
    },
    Region {
        au: 10,
        what: "upper lip and the nose wings",
        parts: &[part(&[31, 32, 33, 34, 35, 48, 49, 50, 51, 52, 53, 54])],
        pad: 0.1,
    },
    Region {
        au: 12,
        what: "lip corners and cheeks",
        parts: &[part(&[48, 49, 59, 31, 2, 3, 4]), part(&[54, 53, 55, 35, 14, 13, 12])],
        pad: 0.08,
    },
    Region { au: 14, what: "lip corners", parts: &[part(&[48]), part(&[54])], pad: 0.2 },
    Region {
        au: 15,
        what: "lip corners and below them",
        parts: &[part(&[48, 59, 58, 5, 6]), part(&[54, 55, 56, 11, 10])],
        pad: 0.08,
    },
    Region { au: 17, what: "chin", parts: &[part(&[56, 57, 58, 7, 8, 9])], pad: 0.1 },
    Region { au: 20, what: "lips and lip corners", parts: &[part(&OUTER_LIPS)], pad: 0.2 },
    Region { au: 23, what: "lips", parts: &[part(&LIPS)], pad: 0.1 },
    Region { au: 25, what: "lips", parts: &[part(&LIPS)], pad: 0.1 },
    Region {
        au: 26,
        what: "mouth, chin and jaw",
        parts: &[part_ext(&[48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0.0, 0.3)],
        pad: 0.1,
    },
    Region { au: 45, what: "eyes and lids", parts: &[part(&RIGHT_EYE), part(&LEFT_EYE)], pad: 0.12 },
];

/// One slider: a feature of the face, named for people, as a combination of
/// local AUs.
#[derive(Clone, Copy, Debug)]
pub struct Feature {
    /// Name on the command line (`--smile`) and in the API (`smile=0.8`).
    pub name: &'static str,
    /// Label on the web page.
    pub label: &'static str,
    /// The AUs it sets, with weights (empty for the wink).
    pub aus: &'static [(u8, f32)],
    /// Lowest value: −1 where the opposite makes sense, else 0. The highest is 1.
    pub min: f32,
    /// What −1 and +1 do.
    pub help: &'static str,
}

/// The feature sliders, in display order.
pub const FEATURES: [Feature; 8] = [
    Feature {
        name: "smile",
        label: "smile",
        aus: &[(6, 1.0), (12, 1.0), (25, 1.0)],
        min: -1.0,
        help: "lip corners up and out, cheeks raised (AU6+12+25); −1 takes a smile away",
    },
    Feature {
        name: "brows-up",
        label: "brows up",
        aus: &[(1, 1.0), (2, 1.0)],
        min: -1.0,
        help: "inner and outer brows raised (AU1+2); −1 lowers them",
    },
    Feature {
        name: "brows-down",
        label: "brows down",
        aus: &[(4, 1.0)],
        min: 0.0,
        help: "brows lowered and drawn together (AU4)",
    },
    Feature {
        name: "eyes-wide",
        label: "eyes wide",
        aus: &[(5, 1.0)],
        min: -1.0,
        help: "upper lids raised (AU5); −1 narrows the eyes",
    },
    Feature {
        name: "mouth-open",
        label: "mouth open",
        aus: &[(26, 1.0)],
        min: -1.0,
        help: "jaw dropped, mouth opened (AU26); −1 closes an open mouth",
    },
    Feature {
        name: "lip-corners-down",
        label: "lip corners down",
        aus: &[(15, 1.0)],
        min: 0.0,
        help: "lip corners pulled down (AU15)",
    },
    Feature {
        name: "nose-wrinkle",
        label: "nose wrinkle",
        aus: &[(9, 1.0), (10, 1.0)],
        min: 0.0,
        help: "nose wrinkled, upper lip raised (AU9+10)",
    },
    Feature {
        name: "wink",
        label: "wink",
        aus: &[],
        min: -1.0,
        help: "+1 closes the eye on the left of the picture, −1 the one on the right",
    },
];

/// Number of feature sliders.
pub const FEATURE_COUNT: usize = FEATURES.len();

const WINK: usize = FEATURE_COUNT - 1;

/// The values of the feature sliders, in [`FEATURES`] order; all zero is no change.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Features(pub [f32; FEATURE_COUNT]);

impl Features {
    /// Every slider at 0.
    pub fn zero() -> Self {
        Self::default()
    }

    /// True when no slider is moved.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0.0)
    }

    /// The slider called `name` (see [`FEATURES`]).
    pub fn get(&self, name: &str) -> Option<f32> {
        feature_index(name).map(|i| self.0[i])
    }

    /// Sets one slider, checking its name and range.
    pub fn set(&mut self, name: &str, value: f32) -> Result<()> {
        let i = feature_index(name).ok_or_else(|| Error::UnknownFeature { name: name.to_string() })?;
        let f = &FEATURES[i];
        if !(value.is_finite() && (f.min..=1.0).contains(&value)) {
            return Err(Error::FeatureOutOfRange { name: f.name, value: value.to_string(), min: f.min });
        }
        self.0[i] = value;
        Ok(())
    }

    /// Every slider times `alpha` (the editor's intensity).
    pub fn scaled(&self, alpha: f32) -> Self {
        Self(self.0.map(|v| v * alpha))
    }

    /// The sliders that approximate one of the six expressions (the web
    /// page's presets).
    pub fn preset(expression: &str) -> Result<Self> {
        let values: &[(&str, f32)] = match expression.trim().to_ascii_lowercase().as_str() {
            "happy" => &[("smile", 1.0)],
            "surprise" => &[("brows-up", 1.0), ("eyes-wide", 0.8), ("mouth-open", 1.0)],
            "sad" => &[("brows-up", 0.4), ("brows-down", 0.6), ("lip-corners-down", 1.0)],
            "angry" => &[("brows-down", 1.0), ("eyes-wide", 0.4)],
            "disgust" => &[("nose-wrinkle", 1.0), ("lip-corners-down", 0.6), ("brows-down", 0.3)],
            "fear" => &[("brows-up", 1.0), ("brows-down", 0.5), ("eyes-wide", 1.0), ("mouth-open", 0.5)],
            "neutral" => &[],
            _ => return Err(Error::UnknownExpression { name: expression.to_string() }),
        };
        let mut f = Self::zero();
        for &(name, v) in values {
            f.set(name, v)?;
        }
        Ok(f)
    }

    /// The signed AU change of the sliders other than the wink.
    pub fn au_change(&self) -> AuVector {
        let mut a = AuVector::zero();
        for (f, &v) in FEATURES.iter().zip(&self.0) {
            for &(au, w) in f.aus {
                if let Some(i) = crate::au::index_of(au) {
                    a.0[i] += v * w;
                }
            }
        }
        a
    }

    /// The wink slider: + the eye on the left of the picture, − the right one.
    pub fn wink(&self) -> f32 {
        self.0[WINK]
    }
}

impl std::str::FromStr for Features {
    type Err = Error;

    /// `smile=0.8,brows-up=0.3` (names of [`FEATURES`]; unlisted sliders are 0).
    fn from_str(text: &str) -> Result<Self> {
        let mut f = Self::zero();
        let mut seen = [false; FEATURE_COUNT];
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, value) =
                entry.split_once('=').ok_or_else(|| Error::FeatureSyntax { entry: entry.to_string() })?;
            let (name, value) = (name.trim(), value.trim());
            let i = feature_index(name).ok_or_else(|| Error::UnknownFeature { name: name.to_string() })?;
            if seen[i] {
                return Err(Error::FeatureSyntax { entry: format!("{name} is given twice") });
            }
            seen[i] = true;
            let v: f32 = value.parse().map_err(|_| Error::FeatureOutOfRange {
                name: FEATURES[i].name,
                value: value.to_string(),
                min: FEATURES[i].min,
            })?;
            f.set(name, v)?;
        }
        Ok(f)
    }
}

impl std::fmt::Display for Features {
    /// The moved sliders as `smile=0.8,brows-up=0.3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> =
            FEATURES.iter().zip(self.0).filter(|(_, v)| *v != 0.0).map(|(x, v)| format!("{}={v}", x.name)).collect();
        f.write_str(&parts.join(","))
    }
}

/// `smile, brows-up, …`: the slider names, for messages.
pub(crate) fn feature_list() -> String {
    FEATURES.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// The position of a slider by name (`brows_up` and `brows up` are accepted too).
pub fn feature_index(name: &str) -> Option<usize> {
    let norm = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    FEATURES.iter().position(|f| f.name == norm)
}

/// A local edit: a signed AU change (target − source, or sliders) and a wink.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LocalChange {
    /// Signed change per AU, in [`crate::au::AUS`] order.
    pub au: AuVector,
    /// Wink: + the eye on the left of the picture, − the right one, in −1..=1 (scaled).
    pub wink: f32,
}

impl LocalChange {
    /// From source and target AU vectors: `to − from`.
    pub fn between(from: &AuVector, to: &AuVector) -> Self {
        Self { au: AuVector(std::array::from_fn(|k| to.0[k] - from.0[k])), wink: 0.0 }
    }

    /// From the sliders.
    pub fn from_features(f: &Features) -> Self {
        Self { au: f.au_change(), wink: f.wink() }
    }

    /// True when nothing changes.
    pub fn is_zero(&self) -> bool {
        self.au.is_zero() && self.wink == 0.0
    }

    /// The AUs this change moves (its non-zero entries; the wink acts in
    /// [`wink_mask`], one eye of AU45's region).
    pub fn moved(&self) -> Vec<usize> {
        (0..AU_COUNT).filter(|&k| self.au.0[k] != 0.0).collect()
    }

    pub(crate) fn check(&self) -> Result<()> {
        match self.au.0.iter().chain([&self.wink]).find(|v| !v.is_finite() || v.abs() > 4.0) {
            Some(&v) => Err(Error::BadIntensity(v)),
            None => Ok(()),
        }
    }
}

/// The 68 landmarks of the face in crop pixels (continuous coordinates:
/// pixel (i, j) covers [i, i+1) × [j, j+1)).
pub type Points = [(f32, f32); 68];

/// Distance between the eye centres.
fn interocular(p: &Points) -> f32 {
    let c = |r: &[usize]| {
        let n = r.len() as f32;
        (r.iter().map(|&i| p[i].0).sum::<f32>() / n, r.iter().map(|&i| p[i].1).sum::<f32>() / n)
    };
    let (l, r) = (c(&RIGHT_EYE), c(&LEFT_EYE));
    (l.0 - r.0).hypot(l.1 - r.1)
}

/// Convex hull (counter-clockwise in y-down pixels is irrelevant: only the
/// sign consistency matters), by the monotone chain.
fn hull(mut pts: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut lower: Vec<(f32, f32)> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<(f32, f32)> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// Distance from `q` to a convex polygon (0 inside).
fn distance_to_hull(h: &[(f32, f32)], q: (f32, f32)) -> f32 {
    let seg = |a: (f32, f32), b: (f32, f32)| {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 { (((q.0 - a.0) * dx + (q.1 - a.1) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
        (q.0 - a.0 - t * dx).hypot(q.1 - a.1 - t * dy)
    };
    match h.len() {
        0 => f32::INFINITY,
        1 => seg(h[0], h[0]),
        2 => seg(h[0], h[1]),
        n => {
            let mut inside = true;
            let mut best = f32::INFINITY;
            for i in 0..n {
                let (a, b) = (h[i], h[(i + 1) % n]);
                // Counter-clockwise hull (monotone chain, cross > 0 turns): inside is on the left.
                if (b.0 - a.0) * (q.1 - a.1) - (b.1 - a.1) * (q.0 - a.0) < 0.0 {
                    inside = false;
                }
                best = best.min(seg(a, b));
            }
            if inside {
                0.0
            } else {
                best
            }
        }
    }
}

/// The mask of one region on a `w × h` crop: 1 within `pad` of its hulls,
/// fading linearly to 0 at `pad + FEATHER` (both in interocular distances of
/// `points`), exactly 0 beyond.
pub fn region_mask(region: &Region, points: &Points, w: usize, h: usize) -> Vec<f32> {
    let iod = interocular(points).max(1.0);
    let (pad, feather) = (region.pad * iod, FEATHER * iod);
    let mut mask = vec![0.0f32; w * h];
    for part in region.parts {
        let mut pts: Vec<(f32, f32)> = part.points.iter().map(|&i| points[i]).collect();
        if part.extend != (0.0, 0.0) {
            let (dx, dy) = (part.extend.0 * iod, part.extend.1 * iod);
            pts.extend(part.points.iter().map(|&i| (points[i].0 + dx, points[i].1 + dy)));
        }
        let hl = hull(pts);
        let reach = pad + feather;
        let (x0, x1) = hl.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y0, y1) = hl.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let clip = |v: f32, n: usize| (v.max(0.0) as usize).min(n);
        let (xa, xb) = (clip((x0 - reach - 1.0).floor(), w), clip((x1 + reach + 1.0).ceil(), w));
        let (ya, yb) = (clip((y0 - reach - 1.0).floor(), h), clip((y1 + reach + 1.0).ceil(), h));
        for y in ya..yb {
            for x in xa..xb {
                let d = distance_to_hull(&hl, (x as f32 + 0.5, y as f32 + 0.5));
                let m = (1.0 - (d - pad) / feather).clamp(0.0, 1.0);
                let o = &mut mask[y * w + x];
                *o = o.max(m);
            }
        }
    }
    mask
}

/// The masks of every AU, `[17][w·h]` in [`crate::au::AUS`] order.
pub fn region_masks(points: &Points, w: usize, h: usize) -> Vec<Vec<f32>> {
    REGIONS.iter().map(|r| region_mask(r, points, w, h)).collect()
}

/// The wink's region: AU45's part on one side (+: the eye on the left of the
/// picture, landmarks 36–41).
pub fn wink_mask(points: &Points, w: usize, h: usize, sign: f32) -> Vec<f32> {
    let blink = &REGIONS[AU_COUNT - 1];
    let side = Region { parts: if sign >= 0.0 { &blink.parts[..1] } else { &blink.parts[1..] }, ..*blink };
    region_mask(&side, points, w, h)
}

/// The flow that closes one eye by `strength` (0..=1): the upper lid slides
/// down over the eye. Per column between the eye's corners, the lid skin from
/// a fold above the upper lid down to the lid's edge is stretched to reach
/// `strength` of the way to the lower lid, covering the top of the eye; below
/// that the eye and the lower lid stay. Above the fold nothing moves.
fn wink_flow(points: &Points, w: usize, h: usize, sign: f32, strength: f32) -> Flow {
    let (upper, lower): ([usize; 4], [usize; 4]) =
        if sign >= 0.0 { ([36, 37, 38, 39], [36, 41, 40, 39]) } else { ([42, 43, 44, 45], [42, 47, 46, 45]) };
    // Piecewise-linear lid curves through the landmarks (pixel-centre coordinates).
    let curve = |idx: &[usize; 4], x: f32| -> Option<f32> {
        idx.windows(2).find_map(|s| {
            let (a, b) = (points[s[0]], points[s[1]]);
            let (lo, hi) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            (x >= lo.0 && x <= hi.0 && hi.0 > lo.0).then(|| lo.1 + (x - lo.0) / (hi.0 - lo.0) * (hi.1 - lo.1) - 0.5)
        })
    };
    let iod = interocular(points).max(1.0);
    let mut f = Flow::zero(w, h);
    for x in 0..w {
        let cx = x as f32 + 0.5;
        let (Some(yu), Some(yl)) = (curve(&upper, cx), curve(&lower, cx)) else { continue };
        let open = yl - yu;
        if open <= 0.0 {
            continue;
        }
        let fold = yu - open.max(0.12 * iod);
        let reach = yu + strength * (open + 0.04 * iod);
        for y in 0..h {
            let yy = y as f32;
            if yy <= fold || yy > reach {
                continue;
            }
            // [fold, reach] shows the lid skin of [fold, yu].
            let src = fold + (yy - fold) * (yu - fold) / (reach - fold);
            f.v[y * w + x] = src - yy;
        }
    }
    f
}

impl crate::Deform {
    /// The per-pixel group coefficients (9) of a change, `[d][G]`; all zero
    /// where no moved AU's region reaches.
    fn local_coefficients(&self, masks: &[Vec<f32>], change: &AuVector) -> Vec<f64> {
        let (d, g) = (self.width * self.height, self.groups.len());
        let mu = self.params.basis_ridge;
        let a: Vec<[f64; AU_COUNT]> = self.groups.iter().map(|(_, v)| v.as_f64()).collect();
        let moved: Vec<usize> = (0..AU_COUNT).filter(|&k| change.0[k] != 0.0).collect();
        let mut out = vec![0.0f64; d * g];
        let mut s = vec![0.0f64; g * g];
        let mut rhs = vec![0.0f64; g];
        for p in 0..d {
            if moved.iter().all(|&k| masks[k][p] == 0.0) {
                continue;
            }
            let r2: [f64; AU_COUNT] = std::array::from_fn(|k| f64::from(masks[k][p]).powi(2));
            for i in 0..g {
                rhs[i] = moved.iter().map(|&k| a[i][k] * r2[k] * f64::from(change.0[k])).sum();
                for j in 0..=i {
                    let v: f64 = (0..AU_COUNT).map(|k| a[i][k] * a[j][k] * r2[k]).sum();
                    s[i * g + j] = v + if i == j { mu } else { 0.0 };
                    s[j * g + i] = s[i * g + j];
                }
            }
            // S is positive definite (μ > 0); were it not numerically, the pixel stays still.
            if mien_core::models::solve::cholesky_solve(&mut s, &mut rhs, g) {
                out[p * g..(p + 1) * g].copy_from_slice(&rhs);
            }
        }
        out
    }

    /// The flow of a local change on a face with these landmarks (crop
    /// pixels at the model's size): (9) over the group flows, then the wink.
    /// Each pixel's displacement is bounded by the training maximum, as
    /// [`crate::Deform::flow_change`]; outside every moved AU's region the flow is exactly 0.
    pub fn local_flow(&self, points: &Points, change: &LocalChange) -> Result<Flow> {
        Ok(self.local_parts(points, change)?.0)
    }

    /// Flow and per-pixel group coefficients of a local change.
    fn local_parts(&self, points: &Points, change: &LocalChange) -> Result<(Flow, Vec<f64>)> {
        change.check()?;
        if points.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
            return Err(Error::Incompatible("a landmark is not a finite number".into()));
        }
        let (w, h, g) = (self.width, self.height, self.groups.len());
        let d = w * h;
        let masks = region_masks(points, w, h);
        let coef = self.local_coefficients(&masks, &change.au);
        let group_flows: Vec<Flow> = self.groups.iter().map(|(_, a)| self.raw_flow(a)).collect();
        let mut f = Flow::zero(w, h);
        for p in 0..d {
            let c = &coef[p * g..(p + 1) * g];
            if c.iter().all(|&x| x == 0.0) {
                continue;
            }
            f.u[p] = c.iter().zip(&group_flows).map(|(&c, gf)| c * f64::from(gf.u[p])).sum::<f64>() as f32;
            f.v[p] = c.iter().zip(&group_flows).map(|(&c, gf)| c * f64::from(gf.v[p])).sum::<f64>() as f32;
        }
        if change.wink != 0.0 {
            let s = change.wink.clamp(-1.0, 1.0);
            let closing = wink_flow(points, w, h, s, s.abs());
            let mask = wink_mask(points, w, h, s);
            for (p, &m) in mask.iter().enumerate() {
                f.u[p] += m * closing.u[p];
                f.v[p] += m * closing.v[p];
            }
        }
        let cap = self.max_pixel_flow;
        for (u, v) in f.u.iter_mut().zip(f.v.iter_mut()) {
            let m = u.hypot(*v);
            if m > cap {
                *u *= cap / m;
                *v *= cap / m;
            }
        }
        Ok((f, coef))
    }

    /// Edits a crop at the model's size by a local change (see the module
    /// docs): motion and texture only inside the moved AUs' regions placed
    /// on `points`, the face's landmarks in the crop. A zero change returns
    /// the input.
    pub fn predict_local(
        &self,
        input: &mien_core::image::ImageRef<'_, f32>,
        points: &Points,
        change: &LocalChange,
    ) -> Result<crate::Edited> {
        Ok(self.predict_local_with_flow(input, points, change)?.0)
    }

    /// As [`Self::predict_local`], also returning the flow it applied
    /// ([`Self::local_flow`]), e.g. to move a full-resolution photo by it.
    pub fn predict_local_with_flow(
        &self,
        input: &mien_core::image::ImageRef<'_, f32>,
        points: &Points,
        change: &LocalChange,
    ) -> Result<(crate::Edited, Flow)> {
        use mien_core::image::Image;
        self.check_input_size(input)?;
        let (w, h) = (self.width, self.height);
        let mut deformed = Image::new(w, h, input.channels());
        if change.is_zero() {
            change.check()?;
            deformed.data_mut().copy_from_slice(input.data());
            return Ok((crate::Edited { output: deformed.clone(), deformed }, Flow::zero(w, h)));
        }
        let (flow, coef) = self.local_parts(points, change)?;
        for c in 0..input.channels() {
            crate::warp::warp_plane_into(input.plane(c), w, h, &flow.u, &flow.v, deformed.plane_mut(c));
        }
        let mut output = deformed.clone();
        if !self.texture.is_empty() {
            let weights = self.local_texture(&coef);
            let r = self.params.texture_window;
            for c in 0..input.channels() {
                crate::model::add_residual(&weights, w, h, r, deformed.plane(c), output.plane_mut(c));
            }
        }
        Ok((crate::Edited { deformed, output }, flow))
    }

    /// `Σ_g c_g(x) R_g` as `[k + 1][d]` planes: the group residual maps mixed per pixel.
    fn local_texture(&self, coef: &[f64]) -> Vec<f32> {
        let (d, g) = (self.width * self.height, self.groups.len());
        let k1 = self.params.texture_window.pow(2) + 1;
        let mut out = vec![0.0f32; k1 * d];
        for gi in 0..g {
            let planes = &self.texture[gi * k1 * d..(gi + 1) * k1 * d];
            for o in 0..k1 {
                let (dst, src) = (&mut out[o * d..(o + 1) * d], &planes[o * d..(o + 1) * d]);
                for p in 0..d {
                    let c = coef[p * g + gi];
                    if c != 0.0 {
                        dst[p] += c as f32 * src[p];
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
