//! The feathered face mask that limits pasting to the face.
//!
//! The outline is the convex hull of the 68 landmarks with the brows copied
//! upward by [`FOREHEAD`] interocular distances, so edits of the brows and
//! lower forehead (surprise, anger) are kept. Inside the hull the mask rises
//! smoothly from 0 to 1 over [`FEATHER`]·size pixels, measured as the distance
//! to the nearest hull edge after shrinking the hull by [`SHRINK`]·size; it is
//! also faded out towards the crop's own border, so a face that overflows the
//! crop never shows the crop's edge. Pixels where the mask is exactly 0 are
//! never touched by [`paste_back`](super::paste_back).

use mien_core::image::Image;

use crate::landmarks::groups::{eye_centres, JAW, LEFT_BROW, RIGHT_BROW};
use crate::landmarks::Landmarks;

/// How far above the brows the outline reaches, in interocular distances.
pub const FOREHEAD: f32 = 0.35;
/// How far the hull is pulled in before feathering, as a fraction of the crop size.
pub const SHRINK: f32 = 0.01;
/// Width of the 0→1 ramp, as a fraction of the crop size.
pub const FEATHER: f32 = 0.05;

/// The `size × size` single-channel mask (0..=1) of a face whose landmarks are
/// given in crop coordinates (see [`landmarks_to_crop`](super::landmarks_to_crop)).
/// All zeros when the landmarks do not span an area.
pub fn face_mask(crop_landmarks: &Landmarks, size: usize) -> Image<f32> {
    let mut mask = Image::new(size, size, 1);
    let hull = convex_hull(outline(crop_landmarks));
    if hull.len() < 3 {
        return mask;
    }
    let edges: Vec<Edge> =
        hull.iter().zip(hull.iter().cycle().skip(1)).filter_map(|(&p, &q)| Edge::new(p, q)).collect();
    let s = size as f32;
    let (shrink, feather) = (SHRINK * s, (FEATHER * s).max(1.0));
    let ramp = |d: f32| smoothstep(((d - shrink) / feather).clamp(0.0, 1.0));
    // Only pixels inside the hull's box can be non-zero.
    let (x0, x1) = span(hull.iter().map(|p| p.0), size);
    let (y0, y1) = span(hull.iter().map(|p| p.1), size);
    let plane = mask.plane_mut(0);
    for v in y0..y1 {
        let cy = v as f32 + 0.5;
        for u in x0..x1 {
            let cx = u as f32 + 0.5;
            let inside = edges.iter().map(|e| e.distance_inside((cx, cy))).fold(f32::INFINITY, f32::min);
            let to_border = cx.min(cy).min(s - cx).min(s - cy) - 0.5;
            plane[v * size + u] = ramp(inside).min(smoothstep((to_border / feather).clamp(0.0, 1.0)));
        }
    }
    mask
}

/// Jaw and brows, plus the brows lifted towards the forehead.
fn outline(p: &Landmarks) -> Vec<(f32, f32)> {
    let ((lx, ly), (rx, ry)) = eye_centres(p);
    let (ex, ey) = (rx - lx, ry - ly);
    // "Up" is perpendicular to the eye line, pointing away from the jaw.
    let up = (ey * FOREHEAD, -ex * FOREHEAD);
    let brows = LEFT_BROW.chain(RIGHT_BROW).map(|i| p[i]);
    let lifted = brows.clone().map(|(x, y)| (x + up.0, y + up.1));
    JAW.map(|i| p[i]).chain(brows).chain(lifted).filter(|q| q.0.is_finite() && q.1.is_finite()).collect()
}

/// Andrew's monotone chain; counter-clockwise in a y-up frame.
fn convex_hull(mut pts: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * pts.len());
    for pass in [pts.clone(), pts.iter().rev().copied().collect()] {
        let start = hull.len();
        for p in pass {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// One hull edge as a line `n·q = c` with unit normal pointing inside.
struct Edge {
    n: (f32, f32),
    c: f32,
}

impl Edge {
    fn new(p: (f32, f32), q: (f32, f32)) -> Option<Self> {
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let len = dx.hypot(dy);
        // The hull turns left (positive cross products), so inside is to the left.
        (len > 1e-6).then(|| {
            let n = (-dy / len, dx / len);
            Edge { n, c: n.0 * p.0 + n.1 * p.1 }
        })
    }
    fn distance_inside(&self, q: (f32, f32)) -> f32 {
        self.n.0 * q.0 + self.n.1 * q.1 - self.c
    }
}

fn smoothstep(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// The pixel range `[lo, hi)` covering some coordinates, clipped to `0..size`.
fn span(values: impl Iterator<Item = f32>, size: usize) -> (usize, usize) {
    let (lo, hi) = values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = lo.floor().clamp(0.0, size as f32) as usize;
    let hi = hi.ceil().clamp(0.0, size as f32) as usize;
    (lo, hi.max(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_of_a_square_with_an_inner_point() {
        let hull = convex_hull(vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (2.0, 2.0)]);
        assert_eq!(hull.len(), 4);
        let edges: Vec<_> =
            hull.iter().zip(hull.iter().cycle().skip(1)).filter_map(|(&p, &q)| Edge::new(p, q)).collect();
        let d = edges.iter().map(|e| e.distance_inside((1.0, 2.0))).fold(f32::INFINITY, f32::min);
        assert!((d - 1.0).abs() < 1e-6, "{d}");
    }

    #[test]
    fn degenerate_landmarks_give_an_empty_mask() {
        let m = face_mask(&[(5.0, 5.0); 68], 32);
        assert!(m.data().iter().all(|&v| v == 0.0));
        let m = face_mask(&[(f32::NAN, 5.0); 68], 32);
        assert!(m.data().iter().all(|&v| v == 0.0));
    }
}
