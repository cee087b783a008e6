//! Small dense symmetric positive-definite solves, in f64.
//!
//! The local models solve one tiny ridge system per pixel ((k+1)×(k+1), k the
//! window size); a hand-written Cholesky on a stack-sized buffer beats any
//! general library call at that size and keeps the core crate light.

/// Solves `A x = b` for symmetric positive-definite `A` (row-major, `n × n`),
/// overwriting `a` with its Cholesky factor and `b` with `x`. Returns false
/// when `A` is not numerically positive definite.
pub fn cholesky_solve(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    debug_assert_eq!(a.len(), n * n);
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    true
}

/// Gaussian elimination with partial pivoting for general square systems;
/// used by tests as an independent brute-force reference.
#[cfg(test)]
pub(crate) fn dense_solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs())).unwrap();
        if p != c {
            for k in 0..n {
                a.swap(c * n + k, p * n + k);
            }
            b.swap(c, p);
        }
        for r in c + 1..n {
            let f = a[r * n + c] / a[c * n + c];
            for k in c..n {
                a[r * n + k] -= f * a[c * n + k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r * n + k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r * n + r];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_matches_elimination() {
        let n = 5;
        let m: Vec<f64> = (0..n * n).map(|i| ((i * 37 % 11) as f64) / 7.0 - 0.6).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] =
                    (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum::<f64>() + if i == j { 0.5 } else { 0.0 };
            }
        }
        let b: Vec<f64> = (0..n).map(|i| i as f64 - 1.5).collect();
        let want = dense_solve(a.clone(), b.clone(), n);
        let (mut a2, mut x) = (a, b);
        assert!(cholesky_solve(&mut a2, &mut x, n));
        for (u, v) in x.iter().zip(&want) {
            assert!((u - v).abs() < 1e-12, "{u} vs {v}");
        }
    }

    #[test]
    fn rejects_indefinite() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        let mut b = vec![1.0, 1.0];
        assert!(!cholesky_solve(&mut a, &mut b, 2));
    }
}
