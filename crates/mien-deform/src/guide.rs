//! Motion from landmarks: an expression's mean landmark displacement,
//! interpolated into a dense flow by a thin-plate spline.
//!
//! The photometric group flow of [`crate::flow`] is one field for all of a
//! group's pairs; where people move differently (one mouth opens wide, the
//! next barely) the smoothness and magnitude penalties settle on the least
//! motion that explains them all, and strong expressions come out weak. The
//! landmarks say directly how far each point moved. For pair p with points
//! `sₚⱼ` on the neutral crop and `tₚⱼ` on the expression crop (same aligned
//! frame), the backward flow that turns the neutral into the expression must
//! carry `tⱼ` back to `sⱼ`:
//!
//! ```text
//! F(t̄ⱼ) = d̄ⱼ,   t̄ⱼ = Σₚ ωₚ tₚⱼ,   d̄ⱼ = Σₚ ωₚ (sₚⱼ − tₚⱼ),   Σₚ ωₚ = 1              (6)
//! ```
//!
//! (weights ωₚ let each subject count once however many takes it has). The
//! dense field is the thin-plate spline through these constraints plus fixed
//! points on the crop border (no motion there), per component:
//!
//! ```text
//! F(x) = a₀ + a₁x + a₂y + Σᵢ wᵢ U(‖x − cᵢ‖),   U(r) = r² log r,                            (7)
//! (K + λI) w + P a = d,   Pᵀ w = 0
//! ```
//!
//! with K the U matrix of the centres cᵢ and P their rows (1, x, y); λ > 0
//! relaxes the fit to noisy landmark means. The spline minimises bending
//! energy, so motion spreads smoothly from the landmarks into cheeks,
//! forehead and chin and fades towards the border.

use crate::error::{Error, Result};
use crate::warp::Flow;

/// One training pair's landmarks (same count, same order) on the neutral and
/// the expression crop, and its weight in the group mean.
#[derive(Clone, Debug, PartialEq)]
pub struct PointPair {
    /// Points on the neutral (input) crop, in pixels.
    pub source: Vec<[f32; 2]>,
    /// The same points on the expression (target) crop.
    pub target: Vec<[f32; 2]>,
    /// Relative weight (> 0); normalised over the group.
    pub weight: f32,
    /// Which subject the pair shows (any label; pairs of one subject share it).
    pub subject: usize,
}

/// Spacing of the fixed zero-motion points along the crop border, in pixels
/// of a 128 px crop (scaled with the crop).
const BORDER_STEP: f32 = 16.0;

/// Largest factor by which [`landmark_flow`] lengthens the mean motion to keep
/// the subjects' strength: where their motions nearly cancel, the mean's
/// direction is too uncertain to stretch further.
pub const MAX_STRENGTH_GAIN: f64 = 2.0;

/// The dense backward flow of (6)–(7) for a `w × h` crop.
///
/// With `keep_strength`, the mean displacement is lengthened to the subjects'
/// typical strength: averaging people who move in somewhat different
/// directions shortens the mean (two smiles, one wider and one higher, average
/// to a smaller smile than either), so (6) is scaled by
/// `Σₛ Wₛ ‖d̄ₛ‖ / ‖d̄‖` (at most [`MAX_STRENGTH_GAIN`]), with d̄ₛ subject s's own
/// mean displacement, Wₛ its share of the weight and ‖·‖ the RMS over points.
/// Averaging each subject's takes first keeps landmark noise out of the length.
pub fn landmark_flow(pairs: &[PointPair], w: usize, h: usize, relax: f64, keep_strength: bool) -> Result<Flow> {
    let first = pairs.first().ok_or_else(|| Error::NoTrainingData("no landmark pairs were given".into()))?;
    let n = first.source.len();
    if n == 0 {
        return Err(Error::NoTrainingData("landmark pairs have no points".into()));
    }
    let total: f64 = pairs.iter().map(|p| p.weight as f64).sum();
    if pairs.iter().any(|p| p.source.len() != n || p.target.len() != n) {
        return Err(Error::Incompatible("every landmark pair must have the same number of points".into()));
    }
    if !(total > 0.0 && total.is_finite()) || pairs.iter().any(|p| p.weight.is_nan() || p.weight < 0.0) {
        return Err(Error::Incompatible("landmark weights must be ≥ 0 with a positive sum".into()));
    }
    let mut centres = vec![[0.0f64; 2]; n];
    let mut disp = vec![[0.0f64; 2]; n];
    for p in pairs {
        let wt = p.weight as f64 / total;
        for j in 0..n {
            for c in 0..2 {
                let (s, t) = (p.source[j][c] as f64, p.target[j][c] as f64);
                if !(s.is_finite() && t.is_finite()) {
                    return Err(Error::Incompatible("a landmark is not finite".into()));
                }
                centres[j][c] += wt * t;
                disp[j][c] += wt * (s - t);
            }
        }
    }
    if keep_strength {
        let rms = |d: &[[f64; 2]]| (d.iter().map(|v| v[0] * v[0] + v[1] * v[1]).sum::<f64>() / n as f64).sqrt();
        let mut by_subject: std::collections::BTreeMap<usize, (f64, Vec<[f64; 2]>)> = Default::default();
        for p in pairs {
            let e = by_subject.entry(p.subject).or_insert_with(|| (0.0, vec![[0.0; 2]; n]));
            e.0 += p.weight as f64;
            for j in 0..n {
                for c in 0..2 {
                    e.1[j][c] += p.weight as f64 * (p.source[j][c] - p.target[j][c]) as f64;
                }
            }
        }
        let goal: f64 = by_subject
            .values()
            .filter(|(wt, _)| *wt > 0.0)
            .map(|(wt, d)| {
                let mean: Vec<[f64; 2]> = d.iter().map(|v| [v[0] / wt, v[1] / wt]).collect();
                wt / total * rms(&mean)
            })
            .sum();
        let len = rms(&disp);
        if len > 1e-9 {
            let gain = (goal / len).clamp(1.0, MAX_STRENGTH_GAIN);
            disp.iter_mut().for_each(|v| {
                v[0] *= gain;
                v[1] *= gain;
            });
        }
    }
    // Zero motion along the border.
    let step = (BORDER_STEP * w.max(h) as f32 / 128.0).max(4.0) as f64;
    let (fw, fh) = ((w - 1) as f64, (h - 1) as f64);
    let along = |len: f64, f: &mut dyn FnMut(f64)| {
        let k = (len / step).ceil().max(1.0) as usize;
        (0..k).for_each(|i| f(len * i as f64 / k as f64));
    };
    let mut border = Vec::new();
    along(fw, &mut |x| border.push([x, 0.0]));
    along(fh, &mut |y| border.push([fw, y]));
    along(fw, &mut |x| border.push([fw - x, fh]));
    along(fh, &mut |y| border.push([0.0, fh - y]));
    // Keep only landmarks inside the crop; a landmark outside it cannot move pixels.
    let mut pts: Vec<([f64; 2], [f64; 2])> = centres
        .into_iter()
        .zip(disp)
        .filter(|(c, _)| (0.0..=fw).contains(&c[0]) && (0.0..=fh).contains(&c[1]))
        .collect();
    pts.extend(border.into_iter().map(|c| (c, [0.0, 0.0])));
    let spline = Spline::fit(&pts, relax)?;
    let mut flow = Flow::zero(w, h);
    for y in 0..h {
        for x in 0..w {
            let [u, v] = spline.at([x as f64, y as f64]);
            flow.u[y * w + x] = u as f32;
            flow.v[y * w + x] = v as f32;
        }
    }
    Ok(flow)
}

/// A fitted 2-D thin-plate spline with two output components.
struct Spline {
    centres: Vec<[f64; 2]>,
    /// `[m + 3][2]`: the m kernel weights, then a₀, a₁, a₂.
    coef: Vec<[f64; 2]>,
}

fn kernel(r2: f64) -> f64 {
    if r2 <= 0.0 {
        0.0
    } else {
        0.5 * r2 * r2.ln()
    }
}

impl Spline {
    fn fit(points: &[([f64; 2], [f64; 2])], relax: f64) -> Result<Self> {
        let m = points.len();
        let n = m + 3;
        let mut a = vec![0.0f64; n * n];
        let mut b = vec![[0.0f64; 2]; n];
        for (i, (ci, di)) in points.iter().enumerate() {
            for (j, (cj, _)) in points.iter().enumerate() {
                let r2 = (ci[0] - cj[0]).powi(2) + (ci[1] - cj[1]).powi(2);
                a[i * n + j] = kernel(r2) + if i == j { relax } else { 0.0 };
            }
            let row = [1.0, ci[0], ci[1]];
            for (q, v) in row.iter().enumerate() {
                a[i * n + m + q] = *v;
                a[(m + q) * n + i] = *v;
            }
            b[i] = *di;
        }
        let coef = solve(&mut a, &mut b, n)
            .ok_or_else(|| Error::Incompatible("the landmark spline system is singular".into()))?;
        Ok(Self { centres: points.iter().map(|p| p.0).collect(), coef })
    }

    fn at(&self, x: [f64; 2]) -> [f64; 2] {
        let m = self.centres.len();
        let a = &self.coef[m..m + 3];
        let mut out = [0, 1].map(|c| a[0][c] + a[1][c] * x[0] + a[2][c] * x[1]);
        for (ci, w) in self.centres.iter().zip(&self.coef) {
            let k = kernel((x[0] - ci[0]).powi(2) + (x[1] - ci[1]).powi(2));
            out[0] += w[0] * k;
            out[1] += w[1] * k;
        }
        out
    }
}

/// Solves `A X = B` (n×n, two right-hand sides) by Gaussian elimination with
/// partial pivoting; `None` when A is singular.
fn solve(a: &mut [f64], b: &mut [[f64; 2]], n: usize) -> Option<Vec<[f64; 2]>> {
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| a[x * n + c].abs().total_cmp(&a[y * n + c].abs()))?;
        if a[piv * n + c].abs() < 1e-13 * scale {
            return None;
        }
        if piv != c {
            for q in 0..n {
                a.swap(c * n + q, piv * n + q);
            }
            b.swap(c, piv);
        }
        let p = a[c * n + c];
        for r in c + 1..n {
            let f = a[r * n + c] / p;
            if f == 0.0 {
                continue;
            }
            for q in c..n {
                a[r * n + q] -= f * a[c * n + q];
            }
            let bc = b[c];
            b[r][0] -= f * bc[0];
            b[r][1] -= f * bc[1];
        }
    }
    let mut x = vec![[0.0f64; 2]; n];
    for r in (0..n).rev() {
        let mut s = b[r];
        for q in r + 1..n {
            s[0] -= a[r * n + q] * x[q][0];
            s[1] -= a[r * n + q] * x[q][1];
        }
        x[r] = [s[0] / a[r * n + r], s[1] / a[r * n + r]];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(source: Vec<[f32; 2]>, target: Vec<[f32; 2]>) -> PointPair {
        PointPair { source, target, weight: 1.0, subject: 0 }
    }

    #[test]
    fn the_flow_carries_each_mean_target_point_back_to_its_source() {
        let src = vec![[40.0, 40.0], [80.0, 50.0], [60.0, 90.0]];
        let tgt_a = vec![[42.0, 38.0], [82.0, 50.0], [60.0, 96.0]];
        let tgt_b = vec![[44.0, 38.0], [84.0, 50.0], [60.0, 100.0]];
        let flow = landmark_flow(&[pair(src.clone(), tgt_a), pair(src, tgt_b)], 128, 128, 0.0, false).unwrap();
        // Mean target of the third point: (60, 98); it must sample the source at (60, 90).
        let i = 98 * 128 + 60;
        assert!((flow.u[i] - 0.0).abs() < 1e-3 && (flow.v[i] + 8.0).abs() < 1e-3, "{} {}", flow.u[i], flow.v[i]);
        let i = 38 * 128 + 43;
        assert!((flow.u[i] + 3.0).abs() < 1e-3 && (flow.v[i] - 2.0).abs() < 1e-3);
        // The border's fixed points do not move, and the border between them barely.
        assert!(flow.u[0].abs() < 1e-6 && flow.v[127 * 128 + 127].abs() < 1e-6);
        assert!(flow.v[127 * 128 + 64].abs() < 0.05, "{}", flow.v[127 * 128 + 64]);
        assert!(flow.is_finite());
    }

    #[test]
    fn weights_give_the_weighted_mean() {
        let src = vec![[64.0, 64.0]];
        let a = PointPair { source: src.clone(), target: vec![[64.0, 60.0]], weight: 3.0, subject: 0 };
        let b = PointPair { source: src, target: vec![[64.0, 68.0]], weight: 1.0, subject: 1 };
        let flow = landmark_flow(&[a, b], 128, 128, 0.0, false).unwrap();
        // Weighted mean target (64, 62), displacement +2 in y.
        let i = 62 * 128 + 64;
        assert!((flow.v[i] - 2.0).abs() < 1e-3, "{}", flow.v[i]);
    }

    #[test]
    fn the_spline_matches_a_brute_force_solve_and_reproduces_affine_motion() {
        // An affine displacement field is reproduced exactly (zero bending) when
        // no border points pin it: fit the spline directly.
        let pts: Vec<([f64; 2], [f64; 2])> = (0..12)
            .map(|i| {
                let c = [(i * 37 % 100) as f64, (i * 53 % 90) as f64];
                (c, [1.0 + 0.02 * c[0], -0.5 + 0.01 * c[1] - 0.03 * c[0]])
            })
            .collect();
        let s = Spline::fit(&pts, 0.0).unwrap();
        for x in [[5.0, 7.0], [50.0, 20.0], [99.0, 88.0]] {
            let v = s.at(x);
            assert!((v[0] - (1.0 + 0.02 * x[0])).abs() < 1e-6);
            assert!((v[1] - (-0.5 + 0.01 * x[1] - 0.03 * x[0])).abs() < 1e-6);
        }
        // And interpolates arbitrary values at the centres.
        let pts: Vec<([f64; 2], [f64; 2])> =
            (0..10).map(|i| ([(i * 13 % 40) as f64, (i * 29 % 40) as f64], [(i % 3) as f64, (i % 4) as f64])).collect();
        let s = Spline::fit(&pts, 0.0).unwrap();
        for (c, d) in &pts {
            let v = s.at(*c);
            assert!((v[0] - d[0]).abs() < 1e-6 && (v[1] - d[1]).abs() < 1e-6);
        }
    }

    #[test]
    fn keeping_strength_restores_the_subjects_typical_length() {
        // Two subjects move one point by 4 px, in directions 90° apart: the
        // mean is 4/√2 long, each subject's own motion 4.
        let src = vec![[64.0, 64.0]];
        let a = PointPair { source: src.clone(), target: vec![[68.0, 64.0]], weight: 1.0, subject: 0 };
        let b = PointPair { source: src, target: vec![[64.0, 68.0]], weight: 1.0, subject: 1 };
        let at = |f: &Flow| (f.u[66 * 128 + 66], f.v[66 * 128 + 66]);
        let plain = landmark_flow(&[a.clone(), b.clone()], 128, 128, 0.0, false).unwrap();
        let kept = landmark_flow(&[a, b], 128, 128, 0.0, true).unwrap();
        let (u, v) = at(&plain);
        assert!((u + 2.0).abs() < 1e-3 && (v + 2.0).abs() < 1e-3, "{u} {v}");
        let (u, v) = at(&kept);
        assert!((u.hypot(v) - 4.0).abs() < 1e-3 && (u - v).abs() < 1e-4, "{u} {v}");
        // Takes of one subject are averaged before the length is taken: noise cancels.
        let src = vec![[64.0, 64.0]];
        let c = PointPair { source: src.clone(), target: vec![[68.0, 64.0]], weight: 1.0, subject: 0 };
        let d = PointPair { source: src, target: vec![[64.0, 68.0]], weight: 1.0, subject: 0 };
        let same = landmark_flow(&[c, d], 128, 128, 0.0, true).unwrap();
        let (u, v) = at(&same);
        assert!((u + 2.0).abs() < 1e-3 && (v + 2.0).abs() < 1e-3, "{u} {v}");
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(landmark_flow(&[], 64, 64, 0.0, false).is_err());
        let p = PointPair { source: vec![[1.0, 1.0]], target: vec![[1.0, 1.0], [2.0, 2.0]], weight: 1.0, subject: 0 };
        assert!(landmark_flow(&[p], 64, 64, 0.0, false).is_err());
        let p = PointPair { source: vec![[f32::NAN, 1.0]], target: vec![[1.0, 1.0]], weight: 1.0, subject: 0 };
        assert!(landmark_flow(&[p], 64, 64, 0.0, false).is_err());
        let p = PointPair { source: vec![[1.0, 1.0]], target: vec![[1.0, 1.0]], weight: 0.0, subject: 0 };
        assert!(landmark_flow(&[p], 64, 64, 0.0, false).is_err());
    }
}
