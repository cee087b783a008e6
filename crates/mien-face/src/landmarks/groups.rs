//! Named ranges of the 68 iBUG-300W points and the eye centres derived from
//! them. "Left" and "right" are as seen in the image (the subject's right eye
//! is the image's left eye, points 36–41), following face-api's naming.

use std::ops::Range;

/// Jaw line, points 0–16.
pub const JAW: Range<usize> = 0..17;
/// Eyebrow on the image's left, 17–21.
pub const LEFT_BROW: Range<usize> = 17..22;
/// Eyebrow on the image's right, 22–26.
pub const RIGHT_BROW: Range<usize> = 22..27;
/// Nose bridge and base, 27–35.
pub const NOSE: Range<usize> = 27..36;
/// Eye on the image's left, 36–41.
pub const LEFT_EYE: Range<usize> = 36..42;
/// Eye on the image's right, 42–47.
pub const RIGHT_EYE: Range<usize> = 42..48;
/// Outer and inner lips, 48–67.
pub const MOUTH: Range<usize> = 48..68;

/// Borrowed views of the landmark groups.
pub trait FaceParts {
    /// Points 36–41.
    fn left_eye(&self) -> &[(f32, f32)];
    /// Points 42–47.
    fn right_eye(&self) -> &[(f32, f32)];
    /// Points 27–35.
    fn nose(&self) -> &[(f32, f32)];
    /// Points 48–67.
    fn mouth(&self) -> &[(f32, f32)];
    /// Points 0–16.
    fn jaw(&self) -> &[(f32, f32)];
}

impl FaceParts for [(f32, f32); 68] {
    fn left_eye(&self) -> &[(f32, f32)] {
        &self[LEFT_EYE]
    }
    fn right_eye(&self) -> &[(f32, f32)] {
        &self[RIGHT_EYE]
    }
    fn nose(&self) -> &[(f32, f32)] {
        &self[NOSE]
    }
    fn mouth(&self) -> &[(f32, f32)] {
        &self[MOUTH]
    }
    fn jaw(&self) -> &[(f32, f32)] {
        &self[JAW]
    }
}

/// The mean of some points (`(0, 0)` for none).
pub fn centroid(points: &[(f32, f32)]) -> (f32, f32) {
    let n = points.len().max(1) as f32;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(ax, ay), &(x, y)| (ax + x, ay + y));
    (sx / n, sy / n)
}

/// Centres of the image-left and image-right eyes.
pub fn eye_centres(points: &[(f32, f32); 68]) -> ((f32, f32), (f32, f32)) {
    (centroid(points.left_eye()), centroid(points.right_eye()))
}

/// Centre of the mouth (all 20 lip points).
pub fn mouth_centre(points: &[(f32, f32); 68]) -> (f32, f32) {
    centroid(points.mouth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cover_all_points_once() {
        let mut seen = [0u8; 68];
        for r in [JAW, LEFT_BROW, RIGHT_BROW, NOSE, LEFT_EYE, RIGHT_EYE, MOUTH] {
            r.for_each(|i| seen[i] += 1);
        }
        assert!(seen.iter().all(|&s| s == 1));
    }

    #[test]
    fn eye_centre_is_the_mean() {
        let mut p = [(0.0, 0.0); 68];
        for (k, i) in LEFT_EYE.enumerate() {
            p[i] = (k as f32, 2.0);
        }
        assert_eq!(eye_centres(&p).0, (2.5, 2.0));
    }
}
