//! One flow field shared by many image pairs, estimated coarse-to-fine by
//! linearised least squares (Horn–Schunck aggregated over pairs).
//!
//! Given pairs `(Iₚ, Tₚ)`, p = 1..n (neutral, expression) in normalised
//! intensity, the flow `F = (u, v)` minimises
//!
//! ```text
//! E(F) = (1/n) Σₚ Σₓ (Iₚ(x + F(x)) − Tₚ(x))²  +  α Σₓ ‖∇F(x)‖²  +  β Σₓ ‖F(x)‖²      (1)
//! ```
//!
//! the photometric error of the warped neutrals, a smoothness penalty and a
//! small magnitude penalty. Around the current flow F₀ the warped image is
//! linearised, `Iₚ(x + F) ≈ Wₚ(x) + gₚ(x)·(F − F₀)(x)` with `Wₚ = Iₚ∘(id + F₀)`
//! and `gₚ` the spatial gradient — taken as the mean of the gradients of Wₚ
//! and Tₚ, which converges in fewer warps than either alone. Per pixel this
//! gives the aggregated structure tensor and residual vector
//!
//! ```text
//! J(x) = (1/n) Σₚ gₚ gₚᵀ,     b(x) = (1/n) Σₚ gₚ (Wₚ − Tₚ)                       (2)
//! ```
//!
//! and the Gauss–Newton step solves the sparse normal equations of (1),
//!
//! ```text
//! (J(x) + (α N(x) + β) I) F(x) = J(x) F₀(x) − b(x) + α Σ_{y ∈ nb(x)} F(y)         (3)
//! ```
//!
//! (N(x) the number of 4-neighbours inside the image: the smoothness term
//! has free boundaries), by successive over-relaxation, one 2×2 solve per
//! pixel. Only the n-fold sums of (2) touch the pairs, so the cost per warp
//! is one pass over the data plus a few cheap sweeps over one image. Large
//! motions are found coarse-to-fine: the pairs are averaged down by 2×2
//! boxes into a pyramid, solved at the coarsest level first, and each
//! level's flow, upsampled bilinearly and doubled, starts the next.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::warp::{sample_clamped, warp_plane_into, Flow};

/// Smallest side of a pyramid level: coarser levels hold too few pixels to
/// tell motion from aliasing.
const MIN_SIDE: usize = 16;

/// Settings of the flow solver (see the module equations).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowSettings {
    /// Pyramid levels (1 = full resolution only); the coarsest side stays ≥ 16 px.
    pub levels: usize,
    /// Re-linearisations (warps) per level.
    pub warps: usize,
    /// SOR sweeps per warp.
    pub sweeps: usize,
    /// Smoothness weight α of (1).
    pub smoothness: f64,
    /// Magnitude weight β of (1).
    pub magnitude: f64,
}

impl Default for FlowSettings {
    fn default() -> Self {
        Self { levels: 4, warps: 6, sweeps: 40, smoothness: 0.05, magnitude: 1e-6 }
    }
}

/// A grey plane with its size.
#[derive(Clone, Debug)]
pub(crate) struct Plane {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Plane {
    /// Halves each side: a [1 2 1]/4 blur, then the mean of 2×2 blocks (an
    /// odd last row or column is dropped). The blur keeps fine texture from
    /// aliasing into coarse, wrong structure, which misleads the coarse flow.
    fn down(&self) -> Plane {
        let (sw, sh) = (self.w, self.h);
        let blur = |p: &[f32], step: usize, len: usize, pos: usize, i: usize| {
            let a = if pos > 0 { p[i - step] } else { p[i] };
            let c = if pos + 1 < len { p[i + step] } else { p[i] };
            0.25 * a + 0.5 * p[i] + 0.25 * c
        };
        let mut tmp = vec![0.0f32; sw * sh];
        for y in 0..sh {
            for x in 0..sw {
                tmp[y * sw + x] = blur(&self.data, 1, sw, x, y * sw + x);
            }
        }
        let mut blurred = vec![0.0f32; sw * sh];
        for y in 0..sh {
            for x in 0..sw {
                blurred[y * sw + x] = blur(&tmp, sw, sh, y, y * sw + x);
            }
        }
        let (w, h) = (sw / 2, sh / 2);
        let mut data = vec![0.0; w * h];
        for y in 0..h {
            for x in 0..w {
                let s = |dx: usize, dy: usize| blurred[(2 * y + dy) * sw + 2 * x + dx];
                data[y * w + x] = 0.25 * (s(0, 0) + s(1, 0) + s(0, 1) + s(1, 1));
            }
        }
        Plane { w, h, data }
    }
}

/// Upsamples a flow to `w × h` (bilinear on the cell centres) and scales it to the new pixel size.
fn upsample(flow: &Flow, w: usize, h: usize) -> Flow {
    let sx = flow.width as f32 / w as f32;
    let sy = flow.height as f32 / h as f32;
    let mut out = Flow::zero(w, h);
    for y in 0..h {
        let cy = (y as f32 + 0.5) * sy - 0.5;
        for x in 0..w {
            let cx = (x as f32 + 0.5) * sx - 0.5;
            out.u[y * w + x] = sample_clamped(&flow.u, flow.width, flow.height, cx, cy) / sx;
            out.v[y * w + x] = sample_clamped(&flow.v, flow.width, flow.height, cx, cy) / sy;
        }
    }
    out
}

/// Central-difference gradient with clamped borders, added into `gx`, `gy` with weight `k`.
fn add_gradient(p: &[f32], w: usize, h: usize, k: f32, gx: &mut [f32], gy: &mut [f32]) {
    for y in 0..h {
        let (ya, yb) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let fy = k / (yb - ya).max(1) as f32;
        for x in 0..w {
            let (xa, xb) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let fx = k / (xb - xa).max(1) as f32;
            gx[y * w + x] += (p[y * w + xb] - p[y * w + xa]) * fx;
            gy[y * w + x] += (p[yb * w + x] - p[ya * w + x]) * fy;
        }
    }
}

/// The aggregated sums (2) at flow `f`: `[J11, J12, J22, b1, b2]` per pixel.
fn normal_sums(sources: &[Plane], targets: &[Plane], f: &Flow) -> Vec<[f64; 5]> {
    let (w, h) = (f.width, f.height);
    let n = sources.len() as f64;
    let mut sums = sources
        .par_iter()
        .zip(targets)
        .fold(
            || (vec![[0.0f64; 5]; w * h], vec![0.0f32; w * h], vec![0.0f32; w * h], vec![0.0f32; w * h]),
            |(mut acc, mut warped, mut gx, mut gy), (s, t)| {
                warp_plane_into(&s.data, w, h, &f.u, &f.v, &mut warped);
                gx.fill(0.0);
                gy.fill(0.0);
                add_gradient(&warped, w, h, 0.5, &mut gx, &mut gy);
                add_gradient(&t.data, w, h, 0.5, &mut gx, &mut gy);
                for i in 0..w * h {
                    let (a, b) = (gx[i] as f64, gy[i] as f64);
                    let r = (warped[i] - t.data[i]) as f64;
                    let e = &mut acc[i];
                    e[0] += a * a;
                    e[1] += a * b;
                    e[2] += b * b;
                    e[3] += a * r;
                    e[4] += b * r;
                }
                (acc, warped, gx, gy)
            },
        )
        .map(|(acc, ..)| acc)
        .reduce(
            || vec![[0.0f64; 5]; w * h],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| x.iter_mut().zip(y).for_each(|(p, q)| *p += q));
                a
            },
        );
    sums.iter_mut().for_each(|e| e.iter_mut().for_each(|v| *v /= n));
    sums
}

/// SOR sweeps of (3) around `f0`, updating `f` in place.
fn solve_step(sums: &[[f64; 5]], f0: &Flow, f: &mut Flow, s: &FlowSettings) {
    const OMEGA: f64 = 1.8;
    let (w, h) = (f.width, f.height);
    for _ in 0..s.sweeps {
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (mut nu, mut nv, mut nn) = (0.0f64, 0.0f64, 0.0f64);
                let mut add = |j: usize| {
                    nu += f.u[j] as f64;
                    nv += f.v[j] as f64;
                    nn += 1.0;
                };
                if x > 0 {
                    add(i - 1);
                }
                if x + 1 < w {
                    add(i + 1);
                }
                if y > 0 {
                    add(i - w);
                }
                if y + 1 < h {
                    add(i + w);
                }
                let [j11, j12, j22, b1, b2] = sums[i];
                let d = s.smoothness * nn + s.magnitude;
                let (u0, v0) = (f0.u[i] as f64, f0.v[i] as f64);
                let r1 = j11 * u0 + j12 * v0 - b1 + s.smoothness * nu;
                let r2 = j12 * u0 + j22 * v0 - b2 + s.smoothness * nv;
                let (a11, a22) = (j11 + d, j22 + d);
                let det = a11 * a22 - j12 * j12;
                if det <= 0.0 || !det.is_finite() {
                    continue;
                }
                let nu_new = (a22 * r1 - j12 * r2) / det;
                let nv_new = (a11 * r2 - j12 * r1) / det;
                let (cu, cv) = (f.u[i] as f64, f.v[i] as f64);
                f.u[i] = (cu + OMEGA * (nu_new - cu)) as f32;
                f.v[i] = (cv + OMEGA * (nv_new - cv)) as f32;
            }
        }
    }
}

/// Damps the Gauss–Newton step: no pixel moves more than [`MAX_STEP`] px
/// per linearisation. The linearisation only holds within about a pixel, and
/// a longer step lands on a wrong local minimum that later warps cannot leave.
fn limit_step(f0: &Flow, f: &mut Flow) {
    for i in 0..f.u.len() {
        let (du, dv) = (f.u[i] - f0.u[i], f.v[i] - f0.v[i]);
        let m = du.hypot(dv);
        if m > MAX_STEP {
            f.u[i] = f0.u[i] + du * MAX_STEP / m;
            f.v[i] = f0.v[i] + dv * MAX_STEP / m;
        }
    }
}

/// Longest update of one linearisation, in pixels of the level.
const MAX_STEP: f32 = 1.0;

/// The flow minimising (1) for pairs of `w × h` grey planes in normalised intensity.
///
/// `sources` and `targets` must have the same length (≥ 1) and every plane `w·h` values.
pub fn shared_flow(sources: &[&[f32]], targets: &[&[f32]], w: usize, h: usize, s: &FlowSettings) -> Flow {
    let mut pyr_s: Vec<Vec<Plane>> = vec![sources.iter().map(|d| Plane { w, h, data: d.to_vec() }).collect()];
    let mut pyr_t: Vec<Vec<Plane>> = vec![targets.iter().map(|d| Plane { w, h, data: d.to_vec() }).collect()];
    let (mut lw, mut lh) = (w, h);
    while pyr_s.len() < s.levels.max(1) && lw / 2 >= MIN_SIDE && lh / 2 >= MIN_SIDE {
        let down = |v: &Vec<Plane>| v.par_iter().map(Plane::down).collect::<Vec<_>>();
        let (ns, nt) = (down(pyr_s.last().expect("level")), down(pyr_t.last().expect("level")));
        lw /= 2;
        lh /= 2;
        pyr_s.push(ns);
        pyr_t.push(nt);
    }
    let mut flow: Option<Flow> = None;
    for (src, tgt) in pyr_s.iter().zip(&pyr_t).rev() {
        let (lw, lh) = (src[0].w, src[0].h);
        let mut f = match &flow {
            None => Flow::zero(lw, lh),
            Some(c) => upsample(c, lw, lh),
        };
        for _ in 0..s.warps {
            let sums = normal_sums(src, tgt, &f);
            let f0 = f.clone();
            solve_step(&sums, &f0, &mut f, s);
            limit_step(&f0, &mut f);
        }
        flow = Some(f);
    }
    flow.unwrap_or_else(|| Flow::zero(w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsampling_a_constant_flow_doubles_it() {
        let mut f = Flow::zero(4, 4);
        f.u.fill(1.5);
        f.v.fill(-0.5);
        let up = upsample(&f, 8, 8);
        assert!(up.u.iter().all(|&x| (x - 3.0).abs() < 1e-6));
        assert!(up.v.iter().all(|&x| (x + 1.0).abs() < 1e-6));
    }
}
