//! The canonical face: where the stable landmarks go in an aligned crop.
//!
//! Alignment fits a similarity from a few landmarks that move little with
//! expression: the two eye centres (weight 1), the nose bridge and base
//! (27, 30, 31, 35; weight ¼ each) and the mouth corners (48, 54; weight 0.1,
//! since they widen in a smile and drop when the mouth opens). The weights
//! were chosen on JAFFE: with the mouth corners at ½ a surprised face came
//! out ~12 % smaller than the same subject's neutral one, and the variance
//! between takes of one expression was 186 (eyes, nose, mouth ½) vs 177
//! (these weights) vs 204 for a fixed crop of the same view.
//! The canonical positions are the mean JAFFE shape (213 photos, landmarks from
//! this crate's network, each photo normalised so its eye centres sit at
//! `(∓0.5, 0)`), see `examples/template_shape.rs`. It is placed with the eye
//! centres at `y = 0.40·size`, the interocular distance `0.32·size`, so the
//! mean brow tops are near `y = 0.26·size`, the mean chin near `0.92·size`
//! and the jaw within `0.15..0.85·size` across: the whole face from brows to
//! chin sits inside the crop with a margin.

use serde::{Deserialize, Serialize};

use super::Similarity;
use crate::error::{Error, Result};
use crate::landmarks::groups::{centroid, LEFT_EYE, RIGHT_EYE};
use crate::landmarks::Landmarks;

/// One stable point: the mean of some of the 68 landmarks.
#[derive(Clone, Copy, Debug)]
struct StablePoint {
    indices: &'static [usize],
    weight: f32,
}

/// The stable points in template order: eye centres, nose 27, 30, 31, 35,
/// mouth corners 48, 54.
const STABLE: [StablePoint; 8] = [
    StablePoint { indices: &[36, 37, 38, 39, 40, 41], weight: 1.0 },
    StablePoint { indices: &[42, 43, 44, 45, 46, 47], weight: 1.0 },
    StablePoint { indices: &[27], weight: 0.25 },
    StablePoint { indices: &[30], weight: 0.25 },
    StablePoint { indices: &[31], weight: 0.25 },
    StablePoint { indices: &[35], weight: 0.25 },
    StablePoint { indices: &[48], weight: 0.1 },
    StablePoint { indices: &[54], weight: 0.1 },
];

/// Mean JAFFE positions of [`STABLE`], eye centres at `(∓0.5, 0)`, made
/// left-right symmetric (the raw means differ by < 0.01 between sides).
const MEAN_SHAPE: [(f32, f32); 8] = [
    (-0.5, 0.0),
    (0.5, 0.0),
    (0.0, 0.030),
    (0.0, 0.600),
    (-0.175, 0.722),
    (0.175, 0.722),
    (-0.366, 1.098),
    (0.366, 1.098),
];

/// All 68 points of the mean JAFFE face in the frame of [`MEAN_SHAPE`] (eye
/// centres at `(∓0.5, 0)`), from `examples/template_shape.rs`: where a face's
/// parts sit in a crop when its own landmarks are not known.
#[rustfmt::skip]
const MEAN_LANDMARKS: [(f32, f32); 68] = [
    (-1.098, 0.026), (-1.063, 0.321), (-1.008, 0.604), (-0.947, 0.837),
    (-0.855, 1.087), (-0.714, 1.280), (-0.538, 1.414), (-0.309, 1.550),
    (0.021, 1.624), (0.339, 1.539), (0.544, 1.414), (0.703, 1.290),
    (0.846, 1.089), (0.953, 0.842), (1.012, 0.597), (1.071, 0.330),
    (1.094, 0.040), (-0.897, -0.269), (-0.766, -0.402), (-0.598, -0.438),
    (-0.435, -0.419), (-0.292, -0.370), (0.298, -0.370), (0.438, -0.422),
    (0.600, -0.445), (0.775, -0.408), (0.893, -0.279), (0.003, 0.030),
    (0.002, 0.238), (0.001, 0.427), (-0.007, 0.600), (-0.175, 0.718),
    (-0.098, 0.749), (-0.004, 0.767), (0.096, 0.743), (0.174, 0.727),
    (-0.682, -0.017), (-0.582, -0.063), (-0.438, -0.056), (-0.305, 0.018),
    (-0.419, 0.065), (-0.573, 0.052), (0.303, 0.018), (0.435, -0.065),
    (0.582, -0.066), (0.681, -0.001), (0.576, 0.063), (0.423, 0.051),
    (-0.362, 1.092), (-0.235, 1.020), (-0.089, 0.972), (-0.006, 0.989),
    (0.074, 0.965), (0.239, 1.039), (0.370, 1.103), (0.248, 1.212),
    (0.133, 1.278), (-0.001, 1.293), (-0.119, 1.275), (-0.247, 1.217),
    (-0.340, 1.093), (-0.120, 1.067), (-0.005, 1.067), (0.106, 1.070),
    (0.336, 1.101), (0.115, 1.147), (0.003, 1.160), (-0.111, 1.152),
];

/// Eye height as a fraction of the crop size.
const EYE_Y: f32 = 0.40;
/// Interocular distance as a fraction of the crop size.
const INTEROCULAR: f32 = 0.32;
/// Crops larger than this are refused (they would be 16 M pixels per channel).
const MAX_SIZE: usize = 4096;

// Keep the compile-time table and the index ranges in step.
const _: () = assert!(LEFT_EYE.start == 36 && RIGHT_EYE.start == 42);

/// Canonical positions of the stable landmarks in a `size × size` crop, in
/// continuous pixel coordinates (pixel `(i, j)` covers `[i, i+1) × [j, j+1)`,
/// as the landmarks do). Stored as JSON in model files, so a model can
/// re-create the crops it was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// Side of the square crop in pixels.
    pub size: usize,
    /// Where each stable point goes: left eye centre, right eye centre,
    /// nose 27, 30, 31, 35, mouth corners 48, 54.
    pub points: Vec<(f32, f32)>,
}

impl Default for Template {
    fn default() -> Self {
        Self::canonical(Self::DEFAULT_SIZE)
    }
}

impl Template {
    /// The crop size of [`Template::default`].
    pub const DEFAULT_SIZE: usize = 128;

    /// The mean JAFFE face at `size × size`: centred, eyes level at
    /// `0.40·size`, interocular distance `0.32·size`.
    pub fn canonical(size: usize) -> Self {
        let s = size as f32;
        let points =
            MEAN_SHAPE.iter().map(|&(x, y)| (s * (0.5 + INTEROCULAR * x), s * (EYE_Y + INTEROCULAR * y))).collect();
        Self { size, points }
    }

    /// The same template for another crop size (all points scaled).
    pub fn resized(&self, size: usize) -> Self {
        let k = size as f32 / self.size.max(1) as f32;
        Self { size, points: self.points.iter().map(|&(x, y)| (x * k, y * k)).collect() }
    }

    /// Checks the size and the points (count, finiteness, not collapsed).
    pub fn check(&self) -> Result<()> {
        if self.size < 8 || self.size > MAX_SIZE {
            return Err(Error::BadTemplate(format!("crop size {} is outside 8..={MAX_SIZE}", self.size)));
        }
        if self.points.len() != STABLE.len() {
            return Err(Error::BadTemplate(format!(
                "{} points, expected {} (eye centres, nose 27/30/31/35, mouth corners 48/54)",
                self.points.len(),
                STABLE.len()
            )));
        }
        if self.points.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
            return Err(Error::BadTemplate("a point is not a finite number".into()));
        }
        let ((lx, ly), (rx, ry)) = (self.points[0], self.points[1]);
        if (rx - lx).hypot(ry - ly) < 1.0 {
            return Err(Error::BadTemplate("the eye centres are less than a pixel apart".into()));
        }
        Ok(())
    }

    /// The 68 points of the mean face placed in this template's crop (the
    /// similarity that best takes the mean face's stable points to
    /// [`Self::points`]): where a face's parts sit when its landmarks are unknown.
    pub fn mean_landmarks(&self) -> Result<Landmarks> {
        self.check()?;
        let fit = Similarity::fit_weighted(&MEAN_SHAPE, &self.points, &Self::weights())?;
        let mut out = [(0.0, 0.0); 68];
        out.iter_mut().zip(MEAN_LANDMARKS).for_each(|(o, p)| *o = fit.apply(p));
        Ok(out)
    }

    /// The stable points of a face, in template order.
    pub fn stable_points(landmarks: &Landmarks) -> Vec<(f32, f32)> {
        STABLE.iter().map(|p| centroid(&p.indices.iter().map(|&i| landmarks[i]).collect::<Vec<_>>())).collect()
    }

    /// The fit weight of each stable point.
    pub fn weights() -> Vec<f32> {
        STABLE.iter().map(|p| p.weight).collect()
    }

    /// The least-squares similarity taking the face's stable points to this
    /// template (photo → crop).
    pub fn fit(&self, landmarks: &Landmarks) -> Result<Similarity> {
        self.check()?;
        Similarity::fit_weighted(&Self::stable_points(landmarks), &self.points, &Self::weights())
    }

    /// The template as a JSON value, for `ModelMeta::alignment`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "size": self.size, "points": self.points })
    }

    /// Reads and checks a template written by [`to_json`](Self::to_json).
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let t: Template = serde_json::from_value(value.clone())
            .map_err(|e| Error::BadTemplate(format!("alignment template JSON: {e}")))?;
        t.check()?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_is_centred_with_level_eyes() {
        let t = Template::canonical(128);
        t.check().unwrap();
        let ((lx, ly), (rx, ry)) = (t.points[0], t.points[1]);
        assert_eq!(ly, ry);
        assert!(((lx + rx) / 2.0 - 64.0).abs() < 1e-4);
        assert!(t.points.iter().all(|&(x, y)| x > 0.0 && x < 128.0 && y > 0.0 && y < 128.0));
    }

    #[test]
    fn mean_landmarks_sit_on_the_template() {
        let t = Template::canonical(128);
        let pts = t.mean_landmarks().unwrap();
        // The mean face's stable points are the template's own (up to the table's rounding).
        for (a, b) in Template::stable_points(&pts).iter().zip(&t.points) {
            assert!((a.0 - b.0).abs() < 0.6 && (a.1 - b.1).abs() < 0.6, "{a:?} vs {b:?}");
        }
        assert!(pts[8].1 > pts[57].1 && pts[57].1 > pts[33].1 && pts[33].1 > pts[27].1, "chin, mouth, nose, eyes");
        let big = t.resized(256).mean_landmarks().unwrap();
        assert!((big[30].0 - 2.0 * pts[30].0).abs() < 1e-3);
    }

    #[test]
    fn json_round_trips_and_bad_json_fails() {
        let t = Template::canonical(96);
        assert_eq!(Template::from_json(&t.to_json()).unwrap(), t);
        assert!(Template::from_json(&serde_json::json!({"size": 96})).is_err());
        assert!(Template::from_json(&serde_json::json!({"size": 0, "points": t.points})).is_err());
        assert!(Template::from_json(&serde_json::json!({"size": 96, "points": [[1.0, 2.0]]})).is_err());
        assert!(Template::from_json(&serde_json::json!("nonsense")).is_err());
    }
}
