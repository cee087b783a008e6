//! How strong an edit's expression is, measured on 68 landmarks.
//!
//! A model that turns a neutral face happy can smile too little, too much or
//! the wrong way. Seven geometric features (mouth-corner lift, mouth width,
//! mouth opening, the two brow heights and the two eye openings), in units of
//! the interocular distance, turn each face into a point; the edit's motion
//! `f(output) − f(input)` is compared with the real motion
//! `f(target) − f(input)` of the same person's expression photo: their length
//! ratio says how much of the expression the edit shows, their cosine
//! whether it is the same expression. [`summarize`] averages many such
//! triples and breaks them down per feature.
//!
//! All features are measured in one face frame: origin between the eye
//! centres, x along the eye line (towards the image-right eye), y
//! perpendicular and pointing down the face, unit = interocular distance. In
//! [`compare`] the *input* face's frame serves all three faces, so an edit
//! that opens the eyes does not change the ruler it is measured with; the
//! three landmark sets must therefore be in the same coordinates (the same
//! photo, or crops aligned to one template). The results do not change when
//! all three sets are moved, rotated or scaled together.

use crate::error::{Error, Result};
use crate::landmarks::groups::{centroid, LEFT_BROW, LEFT_EYE, RIGHT_BROW, RIGHT_EYE};
use crate::landmarks::Landmarks;

/// Number of features in [`Features`].
pub const FEATURE_COUNT: usize = 7;

/// The features' names, in [`Features`] order.
pub const FEATURE_NAMES: [&str; FEATURE_COUNT] = [
    "mouth corner lift",
    "mouth width",
    "mouth opening",
    "left brow height",
    "right brow height",
    "left eye opening",
    "right eye opening",
];

/// Changes (in interocular distances) below this count as no change: 0.1 %
/// of the eye distance is a twentieth of a pixel on a 128 px aligned crop.
pub const MIN_CHANGE: f32 = 1e-3;

/// Expression features of one face, in interocular distances; larger means
/// more (corners higher, mouth wider or more open, brows higher, eyes wider).
/// "Left" and "right" are as seen in the image, like [`crate::landmarks::groups`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Features(pub [f32; FEATURE_COUNT]);

impl Features {
    /// Height of the mouth corners (48, 54) above the lip line (the midpoint
    /// of the inner lip centres 62 and 66).
    pub fn mouth_corner_lift(&self) -> f32 {
        self.0[0]
    }
    /// Distance between the mouth corners.
    pub fn mouth_width(&self) -> f32 {
        self.0[1]
    }
    /// Mean gap between the inner lips (pairs 61–67, 62–66, 63–65).
    pub fn mouth_opening(&self) -> f32 {
        self.0[2]
    }
    /// Height of the image-left brow's mean (17–21) above the eye's centre
    /// (the mean of its six points, so raised lower lids lower it a little).
    pub fn left_brow_height(&self) -> f32 {
        self.0[3]
    }
    /// Height of the image-right brow's mean (22–26) above the eye's centre.
    pub fn right_brow_height(&self) -> f32 {
        self.0[4]
    }
    /// Mean lid gap of the image-left eye (pairs 37–41, 38–40).
    pub fn left_eye_opening(&self) -> f32 {
        self.0[5]
    }
    /// Mean lid gap of the image-right eye (pairs 43–47, 44–46).
    pub fn right_eye_opening(&self) -> f32 {
        self.0[6]
    }
    /// `self − other`, feature by feature.
    pub fn minus(&self, other: &Features) -> Features {
        Features(std::array::from_fn(|k| self.0[k] - other.0[k]))
    }
    /// Euclidean length.
    pub fn norm(&self) -> f32 {
        self.dot(self).sqrt()
    }
    /// Dot product.
    pub fn dot(&self, other: &Features) -> f32 {
        self.0.iter().zip(other.0).map(|(a, b)| a * b).sum()
    }
}

/// A face frame: origin, unit x axis and scale (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceFrame {
    origin: (f32, f32),
    axis: (f32, f32),
    scale: f32,
}

impl FaceFrame {
    /// The frame of a face from its eye centres; fails when the eyes
    /// coincide or a point is not finite.
    pub fn of(points: &Landmarks) -> Result<Self> {
        if let Some(k) = points.iter().position(|p| !p.0.is_finite() || !p.1.is_finite()) {
            return Err(Error::UnmeasurableLandmarks(format!("point {k} is not finite")));
        }
        let (l, r) = (centroid(&points[LEFT_EYE]), centroid(&points[RIGHT_EYE]));
        let (dx, dy) = (r.0 - l.0, r.1 - l.1);
        let scale = dx.hypot(dy);
        if !scale.is_finite() || scale <= 1e-6 * (1.0 + l.0.abs().max(l.1.abs())) {
            return Err(Error::UnmeasurableLandmarks(format!("the eye centres coincide (distance {scale})")));
        }
        Ok(Self { origin: ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0), axis: (dx / scale, dy / scale), scale })
    }

    /// Interocular distance in image units.
    pub fn interocular(&self) -> f32 {
        self.scale
    }

    /// An image point in frame coordinates.
    pub fn to_frame(&self, p: (f32, f32)) -> (f32, f32) {
        let (x, y) = (p.0 - self.origin.0, p.1 - self.origin.1);
        // y' = the axis turned 90° towards image-down, so an upright face keeps y pointing down.
        ((x * self.axis.0 + y * self.axis.1) / self.scale, (-x * self.axis.1 + y * self.axis.0) / self.scale)
    }

    /// The features of `points`, measured in this frame.
    pub fn features(&self, points: &Landmarks) -> Features {
        let p: [(f32, f32); 68] = std::array::from_fn(|k| self.to_frame(points[k]));
        let gap = |pairs: &[(usize, usize)]| {
            pairs.iter().map(|&(up, down)| p[down].1 - p[up].1).sum::<f32>() / pairs.len() as f32
        };
        let lip_line = (p[62].1 + p[66].1) / 2.0;
        let (corner_l, corner_r) = (p[48], p[54]);
        let (eye_l, eye_r) = (centroid(&p[LEFT_EYE]), centroid(&p[RIGHT_EYE]));
        Features([
            lip_line - (corner_l.1 + corner_r.1) / 2.0,
            (corner_r.0 - corner_l.0).hypot(corner_r.1 - corner_l.1),
            gap(&[(61, 67), (62, 66), (63, 65)]),
            eye_l.1 - centroid(&p[LEFT_BROW]).1,
            eye_r.1 - centroid(&p[RIGHT_BROW]).1,
            gap(&[(37, 41), (38, 40)]),
            gap(&[(43, 47), (44, 46)]),
        ])
    }
}

/// The features of one face in its own frame.
pub fn features(points: &Landmarks) -> Result<Features> {
    Ok(FaceFrame::of(points)?.features(points))
}

/// An edit's motion compared with the real one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strength {
    /// `|f(output) − f(input)| / |f(target) − f(input)|`: 1 is the target's
    /// strength, 0 no change. `None` when the real change is below
    /// [`MIN_CHANGE`] (the target looks like the input: nothing to match).
    pub ratio: Option<f32>,
    /// Cosine of the angle between the two motions: 1 the same expression, −1
    /// its opposite. `None` when the real change is below [`MIN_CHANGE`];
    /// `Some(0.0)` by convention when only the edit's change is, so an edit
    /// that does nothing counts as pointing nowhere, not as undefined.
    pub cosine: Option<f32>,
    /// `f(output) − f(input)`.
    pub output_change: Features,
    /// `f(target) − f(input)`.
    pub target_change: Features,
}

/// Compares an edit (`input` → `output`) with the real expression (`input` →
/// `target`), all three measured in the input's frame.
pub fn compare(input: &Landmarks, output: &Landmarks, target: &Landmarks) -> Result<Strength> {
    let frame = FaceFrame::of(input)?;
    for (what, points) in [("output", output), ("target", target)] {
        if let Some(k) = points.iter().position(|p| !p.0.is_finite() || !p.1.is_finite()) {
            return Err(Error::UnmeasurableLandmarks(format!("{what} point {k} is not finite")));
        }
    }
    let f_in = frame.features(input);
    let output_change = frame.features(output).minus(&f_in);
    let target_change = frame.features(target).minus(&f_in);
    let (out_len, target_len) = (output_change.norm(), target_change.norm());
    let (ratio, cosine) = if target_len < MIN_CHANGE {
        (None, None)
    } else if out_len < MIN_CHANGE {
        (Some(out_len / target_len), Some(0.0))
    } else {
        let cos = (output_change.dot(&target_change) / (out_len * target_len)).clamp(-1.0, 1.0);
        (Some(out_len / target_len), Some(cos))
    };
    Ok(Strength { ratio, cosine, output_change, target_change })
}

/// One feature over many comparisons.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FeatureSummary {
    /// The feature's name (from [`FEATURE_NAMES`]).
    pub name: &'static str,
    /// Mean signed change the edits made.
    pub mean_output_change: f32,
    /// Mean signed change the targets show.
    pub mean_target_change: f32,
    /// Least-squares gain `Σ Δout·Δtarget / Σ Δtarget²`: the share of the
    /// real change along this feature the edits reproduce (1 right, 0 none,
    /// negative the wrong way). Weighting by the real change keeps triples
    /// where the feature hardly moved from dominating. `None` when the
    /// feature did not move in any target.
    pub gain: Option<f32>,
}

/// Means over many comparisons.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StrengthSummary {
    /// Comparisons seen.
    pub count: usize,
    /// Comparisons whose target did not change ([`Strength::ratio`] is `None`); left out of the means.
    pub undefined: usize,
    /// Mean [`Strength::ratio`] over the defined comparisons (`None` if there are none).
    pub mean_ratio: Option<f32>,
    /// Mean [`Strength::cosine`] over the defined comparisons (`None` if there are none).
    pub mean_cosine: Option<f32>,
    /// Per-feature breakdown over all comparisons, in [`FEATURE_NAMES`] order.
    pub per_feature: [FeatureSummary; FEATURE_COUNT],
}

/// Averages comparisons (see [`StrengthSummary`]).
pub fn summarize<'a>(strengths: impl IntoIterator<Item = &'a Strength>) -> StrengthSummary {
    let (mut count, mut defined) = (0usize, 0usize);
    let (mut ratio_sum, mut cosine_sum) = (0.0f64, 0.0f64);
    let (mut out_sum, mut target_sum) = ([0.0f64; FEATURE_COUNT], [0.0f64; FEATURE_COUNT]);
    let (mut cross, mut target_sq) = ([0.0f64; FEATURE_COUNT], [0.0f64; FEATURE_COUNT]);
    for s in strengths {
        count += 1;
        if let (Some(r), Some(c)) = (s.ratio, s.cosine) {
            defined += 1;
            ratio_sum += f64::from(r);
            cosine_sum += f64::from(c);
        }
        for k in 0..FEATURE_COUNT {
            let (o, t) = (f64::from(s.output_change.0[k]), f64::from(s.target_change.0[k]));
            out_sum[k] += o;
            target_sum[k] += t;
            cross[k] += o * t;
            target_sq[k] += t * t;
        }
    }
    let mean = |sum: f64, n: usize| (n > 0).then(|| (sum / n as f64) as f32);
    let min_sq = f64::from(MIN_CHANGE).powi(2);
    StrengthSummary {
        count,
        undefined: count - defined,
        mean_ratio: mean(ratio_sum, defined),
        mean_cosine: mean(cosine_sum, defined),
        per_feature: std::array::from_fn(|k| FeatureSummary {
            name: FEATURE_NAMES[k],
            mean_output_change: mean(out_sum[k], count).unwrap_or(0.0),
            mean_target_change: mean(target_sum[k], count).unwrap_or(0.0),
            gain: (target_sq[k] >= min_sq).then(|| (cross[k] / target_sq[k]) as f32),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upright synthetic face, eyes 30 px apart at y = 50.
    fn face() -> Landmarks {
        let mut p = [(0.0f32, 0.0f32); 68];
        for (k, point) in p[..17].iter_mut().enumerate() {
            let t = k as f32 / 16.0 * std::f32::consts::PI;
            *point = (55.0 - 30.0 * t.cos(), 50.0 + 45.0 * t.sin());
        }
        for k in 0..5 {
            p[17 + k] = (30.0 + 5.0 * k as f32, 40.0);
            p[22 + k] = (60.0 + 5.0 * k as f32, 40.0);
        }
        for k in 0..4 {
            p[27 + k] = (55.0, 50.0 + 4.0 * k as f32);
            p[31 + k] = (51.0 + 2.0 * k as f32, 66.0);
        }
        p[35] = (59.0, 66.0);
        let eye = [(-7.0, 0.0), (-3.0, -2.0), (3.0, -2.0), (7.0, 0.0), (3.0, 2.0), (-3.0, 2.0)];
        for (k, (dx, dy)) in eye.iter().enumerate() {
            p[36 + k] = (40.0 + dx, 50.0 + dy);
            p[42 + k] = (70.0 + dx, 50.0 + dy);
        }
        let mouth = [
            (42.0, 85.0),
            (47.0, 82.0),
            (52.0, 81.0),
            (55.0, 81.5),
            (58.0, 81.0),
            (63.0, 82.0),
            (68.0, 85.0),
            (63.0, 88.0),
            (58.0, 89.0),
            (55.0, 89.5),
            (52.0, 89.0),
            (47.0, 88.0),
            (45.0, 85.0),
            (50.0, 84.0),
            (55.0, 84.0),
            (60.0, 84.0),
            (65.0, 85.0),
            (60.0, 86.0),
            (55.0, 86.0),
            (50.0, 86.0),
        ];
        p[48..].copy_from_slice(&mouth);
        p
    }

    /// A smile: corners up and out, lips parted a little, lower lids raised.
    fn smile_motion() -> Landmarks {
        let mut d = [(0.0f32, 0.0f32); 68];
        d[48] = (-3.0, -3.0);
        d[54] = (3.0, -3.0);
        d[60] = (-2.0, -2.0);
        d[64] = (2.0, -2.0);
        for k in [65, 66, 67] {
            d[k] = (0.0, 1.0);
        }
        for k in [40, 41, 46, 47] {
            d[k] = (0.0, -0.5);
        }
        d
    }

    fn moved(p: &Landmarks, d: &Landmarks, amount: f32) -> Landmarks {
        std::array::from_fn(|k| (p[k].0 + amount * d[k].0, p[k].1 + amount * d[k].1))
    }

    fn similarity(p: &Landmarks, scale: f32, angle: f32, shift: (f32, f32)) -> Landmarks {
        let (s, c) = angle.sin_cos();
        std::array::from_fn(|k| {
            let (x, y) = p[k];
            (scale * (c * x - s * y) + shift.0, scale * (s * x + c * y) + shift.1)
        })
    }

    fn close(a: Option<f32>, b: f32, tol: f32) -> bool {
        a.is_some_and(|a| (a - b).abs() <= tol)
    }

    #[test]
    fn smile_features_move_the_right_way() {
        let (f, d) = (face(), smile_motion());
        let change = features(&moved(&f, &d, 1.0)).unwrap().minus(&features(&f).unwrap());
        // Corners 3 px up against a lip line 0.5 px down, over 30 px between the eyes.
        assert!((change.mouth_corner_lift() - 3.5 / 30.0).abs() < 1e-5, "{change:?}");
        assert!((change.mouth_width() - 6.0 / 30.0).abs() < 1e-5);
        assert!((change.mouth_opening() - 1.0 / 30.0).abs() < 1e-5);
        assert!(change.left_eye_opening() < 0.0 && change.right_eye_opening() < 0.0);
        // The lower lids rose 0.5 px, lifting the eye centre (mean of six points) by 1/6 px towards the brow.
        assert!((change.left_brow_height() + 1.0 / 6.0 / 30.0).abs() < 1e-5, "{change:?}");
        assert!((change.right_brow_height() - change.left_brow_height()).abs() < 1e-6);
    }

    #[test]
    fn known_motions_give_known_strengths() {
        let (f, d) = (face(), smile_motion());
        let full = moved(&f, &d, 1.0);
        let same = compare(&f, &full, &full).unwrap();
        assert!(close(same.ratio, 1.0, 1e-5) && close(same.cosine, 1.0, 1e-5), "{same:?}");
        let half = compare(&f, &moved(&f, &d, 0.5), &full).unwrap();
        assert!(close(half.ratio, 0.5, 1e-4) && close(half.cosine, 1.0, 1e-5), "{half:?}");
        let opposite = compare(&f, &moved(&f, &d, -1.0), &full).unwrap();
        assert!(close(opposite.ratio, 1.0, 1e-4) && close(opposite.cosine, -1.0, 1e-5), "{opposite:?}");
        let inert = compare(&f, &f, &full).unwrap();
        assert_eq!((inert.ratio, inert.cosine), (Some(0.0), Some(0.0)));
        let nothing_to_match = compare(&f, &full, &f).unwrap();
        assert_eq!((nothing_to_match.ratio, nothing_to_match.cosine), (None, None));
    }

    #[test]
    fn moving_all_three_together_changes_nothing() {
        // Random faces and motions (a fixed LCG), each compared before and
        // after one similarity applied to all three sets.
        let mut state = 12345u64;
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        };
        for trial in 0..50 {
            let jitter: Landmarks = std::array::from_fn(|_| (uniform(), uniform()));
            let base = moved(&face(), &jitter, 1.5);
            let out_motion: Landmarks = std::array::from_fn(|_| (uniform(), uniform()));
            let target_motion: Landmarks = std::array::from_fn(|_| (uniform(), uniform()));
            let (output, target) = (moved(&base, &out_motion, 2.0), moved(&base, &target_motion, 2.0));
            let before = compare(&base, &output, &target).unwrap();
            let (scale, angle, shift) =
                (0.3 + 3.0 * (uniform() + 1.0), 0.5 * uniform(), (500.0 * uniform(), 500.0 * uniform()));
            let [a, b, c] = [&base, &output, &target].map(|p| similarity(p, scale, angle, shift));
            let after = compare(&a, &b, &c).unwrap();
            let (r0, r1, c0, c1) =
                (before.ratio.unwrap(), after.ratio.unwrap(), before.cosine.unwrap(), after.cosine.unwrap());
            assert!(
                (r0 - r1).abs() < 1e-3 * r0.max(1.0) && (c0 - c1).abs() < 1e-3,
                "trial {trial}: {before:?} vs {after:?}"
            );
            assert!((-1.0..=1.0).contains(&c0) && r0 >= 0.0);
            let to_itself = compare(&a, &c, &c).unwrap();
            assert!(close(to_itself.ratio, 1.0, 1e-5) && close(to_itself.cosine, 1.0, 1e-5));
        }
    }

    #[test]
    fn summary_means_and_gains() {
        let (f, d) = (face(), smile_motion());
        let full = moved(&f, &d, 1.0);
        let items = [
            compare(&f, &full, &full).unwrap(),
            compare(&f, &moved(&f, &d, 0.5), &full).unwrap(),
            compare(&f, &full, &f).unwrap(),
        ];
        let s = summarize(&items);
        assert_eq!((s.count, s.undefined), (3, 1));
        assert!(close(s.mean_ratio, 0.75, 1e-4) && close(s.mean_cosine, 1.0, 1e-5), "{s:?}");
        let lift = &s.per_feature[0];
        assert_eq!(lift.name, "mouth corner lift");
        // Σ o·t / Σ t² over (t, t), (t/2, t), (t, 0) = 1.5 t² / 2 t².
        assert!(close(lift.gain, 0.75, 1e-4), "{lift:?}");
        assert!((lift.mean_target_change - 2.0 * 3.5 / 30.0 / 3.0).abs() < 1e-5);
        let empty = summarize(&[]);
        assert_eq!((empty.count, empty.mean_ratio, empty.per_feature[0].gain), (0, None, None));
    }

    #[test]
    fn unmeasurable_faces_fail_cleanly() {
        let f = face();
        let mut squashed = f;
        squashed[36..48].fill((10.0, 10.0));
        assert!(matches!(features(&squashed), Err(Error::UnmeasurableLandmarks(_))));
        let mut nan = f;
        nan[60].0 = f32::NAN;
        assert!(compare(&nan, &f, &f).is_err());
        assert!(compare(&f, &nan, &f).unwrap_err().to_string().contains("output point 60"));
        let inf = [(f32::INFINITY, 0.0); 68];
        assert!(compare(&f, &f, &inf).is_err());
    }
}
