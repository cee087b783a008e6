//! Dense building blocks of the whole-image baselines: sample matrices,
//! matrix products, multi-right-hand-side Cholesky and a symmetric Jacobi
//! eigen-solver.
//!
//! The comparison models regress every output pixel on the whole input
//! image, so they work on `n × d` matrices (n samples, d pixels) instead of
//! per-pixel windows. Products go through `matrixmultiply`, a small pure-Rust
//! GEMM with runtime SIMD detection; everything of size `n × n` is solved in
//! f64 by hand, since n (training planes) stays in the hundreds.

use crate::dataset::PairedDataset;
use crate::error::Result;
use crate::models::masked::fit::{weight_sets, PlaneSample};
use crate::models::ChannelMode;

/// Runs `fit` on the samples of each weight set of `data` for a channel mode
/// (converting to grey first for `grey`), with the image width and height.
pub(crate) fn with_weight_sets<T>(
    mode: ChannelMode,
    data: &PairedDataset,
    fit: impl FnOnce(usize, usize, &[Vec<PlaneSample<'_>>]) -> Result<T>,
) -> Result<T> {
    let grey;
    let data = if mode == ChannelMode::Grey && data.channels > 1 {
        grey = data.to_grey()?;
        &grey
    } else {
        data
    };
    fit(data.width, data.height, &weight_sets(mode, data))
}

/// `out = base + Σ_s k[s] · rows[s]` over the rows of a row-major `k.len() × out.len()`
/// matrix: the dual-form prediction of the whole-image models.
pub(crate) fn combine_rows(rows: &[f32], k: &[f64], base: &[f32], out: &mut [f32]) {
    let d = out.len();
    let mut acc: Vec<f64> = base.iter().map(|&v| v as f64).collect();
    for (row, &ks) in rows.chunks_exact(d).zip(k) {
        for (a, &r) in acc.iter_mut().zip(row) {
            *a += ks * r as f64;
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        *o = a as f32;
    }
}

/// `Σ_j a[j]·b[j]` in f64.
pub(crate) fn dot(a: &[f32], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(&u, &v)| u as f64 * v).sum()
}

/// Normalised inputs and targets of one weight set as two row-major `n × d`
/// matrices (row s = sample s).
pub(crate) fn sample_matrices(samples: &[PlaneSample<'_>], d: usize) -> (Vec<f64>, Vec<f64>) {
    let n = samples.len();
    let mut x = vec![0.0f64; n * d];
    let mut t = vec![0.0f64; n * d];
    for (s, p) in samples.iter().enumerate() {
        for (o, &v) in x[s * d..(s + 1) * d].iter_mut().zip(p.input) {
            *o = p.input_norm.forward(v as f32) as f64;
        }
        for (o, &v) in t[s * d..(s + 1) * d].iter_mut().zip(p.target) {
            *o = p.target_norm.forward(v as f32) as f64;
        }
    }
    (x, t)
}

/// Column means of a row-major `rows × cols` matrix.
pub(crate) fn column_means(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut m = vec![0.0; cols];
    for r in a.chunks_exact(cols) {
        for (o, &v) in m.iter_mut().zip(r) {
            *o += v;
        }
    }
    let inv = 1.0 / rows.max(1) as f64;
    m.iter_mut().for_each(|v| *v *= inv);
    m
}

/// Subtracts `means` from every row.
pub(crate) fn centre_rows(a: &mut [f64], means: &[f64]) {
    for r in a.chunks_exact_mut(means.len()) {
        for (v, &m) in r.iter_mut().zip(means) {
            *v -= m;
        }
    }
}

/// A strided view of a matrix: `data[r·rs + c·cs]` is entry (r, c).
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a, T> {
    pub data: &'a [T],
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T> Mat<'a, T> {
    /// A row-major matrix with `cols` columns.
    pub fn rows(data: &'a [T], cols: usize) -> Self {
        Self { data, rs: cols, cs: 1 }
    }
    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [T], cols: usize) -> Self {
        Self { data, rs: 1, cs: cols }
    }
    fn view(&self, r: usize, c: usize) -> ndarray::ArrayView2<'a, T> {
        use ndarray::ShapeBuilder;
        ndarray::ArrayView2::from_shape((r, c).strides((self.rs, self.cs)), self.data)
            .expect("internal matrix shapes are consistent")
    }
}

/// `c (m × n, row-major) = a (m × k) · b (k × n)`.
pub(crate) fn gemm<T>(m: usize, k: usize, n: usize, a: Mat<'_, T>, b: Mat<'_, T>, c: &mut [T])
where
    T: ndarray::LinalgScalar,
{
    let mut cv = ndarray::ArrayViewMut2::from_shape((m, n), &mut c[..m * n]).expect("output sized by caller");
    ndarray::linalg::general_mat_mul(T::one(), &a.view(m, k), &b.view(k, n), T::zero(), &mut cv);
}

/// Cholesky factor `A = L Lᵀ` in place (lower triangle of row-major `n × n`;
/// the upper triangle is left as is). False when `A` is not positive definite.
pub(crate) fn cholesky_factor(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let (done, rest) = a.split_at_mut(j * n);
        let row_j = &mut rest[..n];
        for k in 0..j {
            let row_k = &done[k * n..k * n + k + 1];
            let s: f64 = row_j[..k].iter().zip(&row_k[..k]).map(|(x, y)| x * y).sum();
            row_j[k] = (row_j[k] - s) / row_k[k];
        }
        let d = row_j[j] - row_j[..j].iter().map(|v| v * v).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        row_j[j] = d.sqrt();
    }
    true
}

/// Solves `L Lᵀ X = B` for a factor from [`cholesky_factor`], with `B`
/// row-major `n × cols` overwritten by `X`. Each step is an axpy over a whole
/// row of right-hand sides, so many columns (one per output pixel) vectorise.
pub(crate) fn cholesky_solve_rows(l: &[f64], n: usize, b: &mut [f64], cols: usize) {
    for i in 0..n {
        let (done, rest) = b.split_at_mut(i * cols);
        let row_i = &mut rest[..cols];
        for k in 0..i {
            let f = l[i * n + k];
            for (v, &u) in row_i.iter_mut().zip(&done[k * cols..(k + 1) * cols]) {
                *v -= f * u;
            }
        }
        let inv = 1.0 / l[i * n + i];
        row_i.iter_mut().for_each(|v| *v *= inv);
    }
    for i in (0..n).rev() {
        let (head, tail) = b.split_at_mut((i + 1) * cols);
        let row_i = &mut head[i * cols..];
        for k in i + 1..n {
            let f = l[k * n + i];
            for (v, &u) in row_i.iter_mut().zip(&tail[(k - i - 1) * cols..(k - i) * cols]) {
                *v -= f * u;
            }
        }
        let inv = 1.0 / l[i * n + i];
        row_i.iter_mut().for_each(|v| *v *= inv);
    }
}

/// Eigen-decomposition of a symmetric row-major `n × n` matrix by cyclic
/// Jacobi rotations. Returns eigenvalues in descending order and the
/// eigenvectors as the rows of a row-major `n × n` matrix, in the same order.
///
/// Jacobi is O(n³) per sweep and needs ~6–10 sweeps, fine for the n ≤ a few
/// hundred training planes of the Gram matrices here, and it is accurate for
/// the small eigenvalues that principal-component regression may keep.
pub(crate) fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    // v holds eigenvectors as rows: rows are rotated together with a's columns.
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum();
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // A ← Jᵀ A J on rows and columns p, q.
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vp, vq) = (v[p * n + k], v[q * n + k]);
                    v[p * n + k] = c * vp - s * vq;
                    v[q * n + k] = s * vp + c * vq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[j * n + j].total_cmp(&a[i * n + i]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let vectors = order.iter().flat_map(|&i| v[i * n..(i + 1) * n].to_vec()).collect();
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Vec<f64> {
        let m: Vec<f64> = (0..n * n).map(|i| ((i * 37 % 23) as f64) / 11.0 - 1.0).collect();
        let mut a = vec![0.0; n * n];
        gemm(n, n, n, Mat::rows(&m, n), Mat::transposed(&m, n), &mut a);
        (0..n).for_each(|i| a[i * n + i] += 0.3);
        a
    }

    #[test]
    fn gemm_matches_loops() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64).sin()).collect();
        let b: Vec<f64> = (0..n * k).map(|i| (i as f64).cos()).collect(); // stored n × k, used transposed
        let mut c = vec![0.0; m * n];
        gemm(m, k, n, Mat::rows(&a, k), Mat::transposed(&b, k), &mut c);
        for i in 0..m {
            for j in 0..n {
                let want: f64 = (0..k).map(|l| a[i * k + l] * b[j * k + l]).sum();
                assert!((c[i * n + j] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn multi_rhs_cholesky_matches_elimination() {
        let n = 6;
        let a = spd(n);
        let cols = 4;
        let b: Vec<f64> = (0..n * cols).map(|i| i as f64 * 0.1 - 1.0).collect();
        let mut l = a.clone();
        assert!(cholesky_factor(&mut l, n));
        let mut x = b.clone();
        cholesky_solve_rows(&l, n, &mut x, cols);
        for c in 0..cols {
            let col: Vec<f64> = (0..n).map(|i| b[i * cols + c]).collect();
            let want = crate::models::solve::dense_solve(a.clone(), col, n);
            for i in 0..n {
                assert!((x[i * cols + c] - want[i]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn jacobi_reconstructs() {
        let n = 7;
        let a = spd(n);
        let (vals, vecs) = symmetric_eigen(a.clone(), n);
        assert!(vals.windows(2).all(|w| w[0] >= w[1]));
        for i in 0..n {
            for j in 0..n {
                let r: f64 = (0..n).map(|k| vals[k] * vecs[k * n + i] * vecs[k * n + j]).sum();
                assert!((r - a[i * n + j]).abs() < 1e-9, "{r} vs {}", a[i * n + j]);
            }
        }
    }
}
