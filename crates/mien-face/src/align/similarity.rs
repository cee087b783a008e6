//! 2-D similarity transforms (rotation, uniform scale, translation) and their
//! closed-form least-squares fit.
//!
//! Writing a point as the complex number `z = x + iy`, a similarity without
//! reflection is `z' = s·z + t` with `s = a + ib`. Fitting it to point pairs
//! is then ordinary complex linear regression: after removing the (weighted)
//! centroids, `s = Σ w·conj(z)·z' / Σ w·|z|²`. This is Umeyama's solution
//! restricted to proper rotations, with no SVD and no reflection case to
//! handle. Sums run in `f64` so that photo-sized coordinates lose nothing.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`: a rotation by `atan2(b, a)`,
/// a scale of `hypot(a, b)` and a translation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Similarity {
    /// `scale · cos(angle)`.
    pub a: f32,
    /// `scale · sin(angle)`.
    pub b: f32,
    /// Horizontal translation.
    pub tx: f32,
    /// Vertical translation.
    pub ty: f32,
}

impl Default for Similarity {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Similarity {
    /// The identity transform.
    pub const IDENTITY: Similarity = Similarity { a: 1.0, b: 0.0, tx: 0.0, ty: 0.0 };

    /// The least-squares similarity taking each `from[i]` to `to[i]`.
    ///
    /// Fails when the slices differ in length, hold fewer than two points,
    /// contain non-finite values, or `from` collapses to a single point.
    pub fn fit(from: &[(f32, f32)], to: &[(f32, f32)]) -> Result<Self> {
        Self::fit_weighted(from, to, &vec![1.0; from.len()])
    }

    /// [`fit`](Self::fit) with a non-negative weight per pair (larger pulls harder).
    pub fn fit_weighted(from: &[(f32, f32)], to: &[(f32, f32)], weights: &[f32]) -> Result<Self> {
        if from.len() != to.len() || from.len() != weights.len() {
            return Err(Error::BadLandmarks(format!(
                "{} source points, {} target points and {} weights; pass one of each per pair",
                from.len(),
                to.len(),
                weights.len()
            )));
        }
        let finite = |p: &(f32, f32)| p.0.is_finite() && p.1.is_finite();
        if !from.iter().chain(to).all(finite) {
            return Err(Error::BadLandmarks("a landmark is not a finite number".into()));
        }
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().filter(|w| **w > 0.0).count() < 2 {
            return Err(Error::BadLandmarks("need at least two points with positive, finite weights".into()));
        }
        let wsum: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        let mean = |pts: &[(f32, f32)]| {
            let (sx, sy) = pts.iter().zip(weights).fold((0.0, 0.0), |(ax, ay), (&(x, y), &w)| {
                (ax + f64::from(w) * f64::from(x), ay + f64::from(w) * f64::from(y))
            });
            (sx / wsum, sy / wsum)
        };
        let (fx, fy) = mean(from);
        let (gx, gy) = mean(to);
        let (mut num_re, mut num_im, mut den) = (0.0f64, 0.0f64, 0.0f64);
        for ((&(x, y), &(u, v)), &w) in from.iter().zip(to).zip(weights) {
            let w = f64::from(w);
            let (x, y) = (f64::from(x) - fx, f64::from(y) - fy);
            let (u, v) = (f64::from(u) - gx, f64::from(v) - gy);
            // conj(x + iy)·(u + iv) = (xu + yv) + i(xv − yu)
            num_re += w * (x * u + y * v);
            num_im += w * (x * v - y * u);
            den += w * (x * x + y * y);
        }
        // Relative to the spread of the points, so that tiny faces still fit.
        let spread = fx.abs().max(fy.abs()).max(1.0);
        if den <= (1e-9 * spread) * (1e-9 * spread) * wsum {
            return Err(Error::BadLandmarks("the landmarks collapse to a single point".into()));
        }
        let (a, b) = (num_re / den, num_im / den);
        let tx = gx - (a * fx - b * fy);
        let ty = gy - (b * fx + a * fy);
        let s = Similarity { a: a as f32, b: b as f32, tx: tx as f32, ty: ty as f32 };
        if !s.is_invertible() {
            return Err(Error::BadLandmarks("the target points collapse to a single point".into()));
        }
        Ok(s)
    }

    /// Maps one point.
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (self.a * x - self.b * y + self.tx, self.b * x + self.a * y + self.ty)
    }

    /// The uniform scale factor `hypot(a, b)`.
    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    /// The rotation angle in radians.
    pub fn angle(&self) -> f32 {
        self.b.atan2(self.a)
    }

    /// Whether every coefficient is finite and the scale is not (nearly) zero.
    pub fn is_invertible(&self) -> bool {
        let det = self.a * self.a + self.b * self.b;
        [self.a, self.b, self.tx, self.ty].iter().all(|v| v.is_finite()) && det.is_normal()
    }

    /// The transform undoing this one; fails when the scale is zero or a
    /// coefficient is not finite.
    pub fn inverse(&self) -> Result<Self> {
        if !self.is_invertible() {
            return Err(Error::BadLandmarks(format!("the transform {self:?} is not invertible")));
        }
        let det = f64::from(self.a).powi(2) + f64::from(self.b).powi(2);
        let (a, b) = (f64::from(self.a) / det, -f64::from(self.b) / det);
        let (tx, ty) = (f64::from(self.tx), f64::from(self.ty));
        let inv =
            Similarity { a: a as f32, b: b as f32, tx: (-(a * tx - b * ty)) as f32, ty: (-(b * tx + a * ty)) as f32 };
        if inv.is_invertible() {
            Ok(inv)
        } else {
            Err(Error::BadLandmarks(format!("the transform {self:?} is not invertible in f32")))
        }
    }

    /// `other ∘ self`: first this transform, then `other`.
    pub fn then(&self, other: &Similarity) -> Similarity {
        let (a, b) = (other.a * self.a - other.b * self.b, other.b * self.a + other.a * self.b);
        let (tx, ty) = other.apply((self.tx, self.ty));
        Similarity { a, b, tx, ty }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(p: (f32, f32), q: (f32, f32), tol: f32) -> bool {
        (p.0 - q.0).abs() <= tol && (p.1 - q.1).abs() <= tol
    }

    #[test]
    fn fit_recovers_a_known_transform() {
        let truth = Similarity { a: 0.8 * 0.3f32.cos(), b: 0.8 * 0.3f32.sin(), tx: -12.5, ty: 40.0 };
        let from: Vec<_> = (0..9).map(|i| ((i * 37 % 11) as f32 * 20.0, (i * 53 % 7) as f32 * 30.0 + 5.0)).collect();
        let to: Vec<_> = from.iter().map(|&p| truth.apply(p)).collect();
        let fit = Similarity::fit(&from, &to).unwrap();
        for (v, t) in [(fit.a, truth.a), (fit.b, truth.b), (fit.tx, truth.tx), (fit.ty, truth.ty)] {
            assert!((v - t).abs() < 1e-4, "{fit:?} vs {truth:?}");
        }
    }

    #[test]
    fn inverse_undoes_and_then_composes() {
        let s = Similarity { a: 1.7, b: -0.4, tx: 3.0, ty: -8.0 };
        let inv = s.inverse().unwrap();
        for p in [(0.0, 0.0), (100.0, -3.0), (-7.5, 512.0)] {
            assert!(close(inv.apply(s.apply(p)), p, 1e-3));
            assert!(close(s.then(&inv).apply(p), p, 1e-3));
        }
    }

    #[test]
    fn degenerate_input_fails() {
        let p = [(1.0, 1.0); 4];
        assert!(Similarity::fit(&p, &[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]).is_err());
        assert!(Similarity::fit(&[(0.0, 0.0), (1.0, 0.0)], &p[..2]).is_err());
        assert!(Similarity::fit(&[(0.0, 0.0), (f32::NAN, 0.0)], &p[..2]).is_err());
        assert!(Similarity::fit(&[(0.0, 0.0)], &p[..1]).is_err());
        assert!(Similarity::fit(&[(0.0, 0.0), (1.0, 0.0)], &p[..1]).is_err());
        assert!(Similarity { a: 0.0, b: 0.0, tx: 1.0, ty: 1.0 }.inverse().is_err());
    }
}
