//! Orthogonal matching pursuit (OMP, the ℓ0 comparison model) and its
//! locality-constrained form LSRF.
//!
//! Every output pixel i greedily picks `F` input pixels from the whole image
//! (the bias is always in the model). At each step the candidate with the
//! largest score wins,
//! `score_j = |corr(x̃_j, r_i)| + β / D_i(j)`,
//! where `x̃_j` is input pixel j's training column centred and scaled to unit
//! norm, `r_i` the current residual of pixel i (so the first term is a
//! correlation in [0, 1]), and `D_i(j) = Σ_{m ∈ N(i)} ‖pos(j) − pos(m)‖` the
//! summed distance from j to the square neighbourhood `N(i)` of half-width
//! `⌊√F / 2⌋` around i, clipped to the image. β = 0 is plain OMP; LSRF uses
//! β = 60, so picks stay near the pixel and `D_i(j) = 0` (possible only when
//! `N(i) = {i}`) makes j the pick outright. After each pick the pixel's
//! weights are refitted by ridge regression on the picked inputs and the bias.
//!
//! The correlations of all output pixels are one matrix product
//! `Rᵀ X̃` (`d × d`); at 128×128 that is a gigabyte, so it is formed for a
//! block of output pixels at a time, keeping only each pixel's best candidate.
//! The fitted model is a [`Sparse`] matrix with F + 1 entries per row.

mod file;
pub(crate) mod fit;
mod params;
mod predict;

pub use params::{LsrfParams, OmpParams};

use crate::models::Sparse;

/// A fitted OMP or LSRF model: its hyperparameters and the sparse weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Omp {
    pub(crate) params: OmpParams,
    pub(crate) sparse: Sparse,
}

impl Omp {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &OmpParams {
        &self.params
    }
    /// The weights.
    pub fn sparse(&self) -> &Sparse {
        &self.sparse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testutil::dataset;
    use crate::models::{ChannelMode, MaskedParams, Predict};

    fn perm(i: usize, d: usize) -> usize {
        (i * 7 + 3) % d
    }

    #[test]
    fn recovers_a_scrambled_copy() {
        let d = 64;
        let data = dataset(8, 8, 1, 40, 1, |x| (0..d).map(|i| x[perm(i, d)]).collect());
        let m = OmpParams::default().nonzeros(1).lambda(1e-6).fit(&data).unwrap();
        for i in 0..d {
            let row: Vec<(usize, f64)> = m.sparse.row(0, i).collect();
            assert_eq!(row.len(), 2);
            assert_eq!(row[0].0, perm(i, d), "pixel {i}");
            assert!((row[0].1 - 1.0).abs() < 1e-4, "{row:?}");
            assert_eq!(row[1].0, d);
            assert!(row[1].1.abs() < 1e-4, "{row:?}");
        }
    }

    #[test]
    fn recovers_a_two_pixel_mix() {
        let d = 64;
        let data = dataset(8, 8, 1, 60, 2, |x| (0..d).map(|i| 0.7 * x[perm(i, d)] + 0.3 * x[(i + 20) % d]).collect());
        let m = OmpParams::default().nonzeros(2).lambda(1e-6).fit(&data).unwrap();
        for i in 0..d {
            let row: Vec<(usize, f64)> = m.sparse.row(0, i).collect();
            let mut want = [(perm(i, d), 0.7), ((i + 20) % d, 0.3)];
            want.sort_by_key(|e| e.0);
            for (got, want) in row.iter().zip(&want) {
                assert_eq!(got.0, want.0, "pixel {i}: {row:?}");
                assert!((got.1 - want.1).abs() < 0.01, "pixel {i}: {row:?}");
            }
        }
    }

    #[test]
    fn lsrf_with_one_pick_takes_the_pixel_itself() {
        let d = 36;
        let data = dataset(6, 6, 1, 20, 3, |x| (0..d).map(|i| x[perm(i, d)]).collect());
        let m = LsrfParams::default().nonzeros(1).fit(&data).unwrap();
        for i in 0..d {
            assert_eq!(m.sparse.row(0, i).next().unwrap().0, i);
        }
    }

    #[test]
    fn lsrf_with_forced_locality_is_masked_regression() {
        let (w, h) = (9, 8);
        let d = w * h;
        // A smoothing map plus a far-away term (which the window cannot reach).
        let data = dataset(w, h, 3, 30, 4, |x| {
            (0..d)
                .map(|i| {
                    let (y, xx) = (i / w, i % w);
                    let at = |dy: isize, dx: isize| {
                        let (yy, xq) = (y as isize + dy, xx as isize + dx);
                        if yy < 0 || xq < 0 || yy >= h as isize || xq >= w as isize {
                            0.0
                        } else {
                            x[yy as usize * w + xq as usize]
                        }
                    };
                    0.5 * at(0, 0) + 0.2 * at(0, 1) + 0.2 * at(1, 0) + 0.1 * x[(i + 30) % d]
                })
                .collect()
        });
        let lsrf = LsrfParams::default().nonzeros(9).beta(1e9).lambda(0.4).fit(&data).unwrap();
        let masked = MaskedParams::default()
            .prior(crate::models::Prior::Zero)
            .receptive_field(3)
            .lambda(0.4)
            .channels(ChannelMode::Shared)
            .fit(&data)
            .unwrap();
        let msparse = Sparse::from_masked(&masked);
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let i = y * w + x;
                let a: Vec<(usize, f64)> = lsrf.sparse.row(0, i).collect();
                let b: Vec<(usize, f64)> = msparse.row(0, i).collect();
                assert_eq!(a.len(), b.len());
                for (u, v) in a.iter().zip(&b) {
                    assert_eq!(u.0, v.0, "pixel ({x}, {y})");
                    assert!((u.1 - v.1).abs() < 1e-5, "pixel ({x}, {y}): {u:?} vs {v:?}");
                }
            }
        }
        assert_eq!(lsrf.weight_sets(), 1);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(OmpParams::default().nonzeros(0).check().is_err());
        assert!(OmpParams::default().lambda(0.0).check().is_err());
        assert!(LsrfParams::default().beta(f64::NAN).check().is_err());
        let data = dataset(2, 2, 1, 3, 5, |x| x.to_vec());
        assert!(OmpParams::default().nonzeros(5).fit(&data).is_err());
    }

    /// The paper's setting (F = 5, shared RGB weights; its timing is the
    /// `sparse` benchmark) at a small size: exactly F picks and the bias per
    /// pixel, and plain OMP's picks include both generating inputs.
    #[test]
    fn default_setting_keeps_f_picks_per_pixel() {
        let (side, f) = (16, 5);
        let d = side * side;
        let data = dataset(side, side, 3, 30, 6, |x| (0..d).map(|i| 0.5 * x[i] + 0.5 * x[(i + 1) % d]).collect());
        for (name, p) in [("omp", OmpParams::default()), ("lsrf", LsrfParams::default().as_omp().clone())] {
            let m = p.fit(&data).unwrap();
            assert_eq!(m.weight_sets(), 1, "{name}");
            // A value and an input index per entry.
            assert_eq!(m.parameter_count(), 2 * d * (f + 1), "{name}");
            for i in 0..d {
                let row: Vec<usize> = m.sparse.row(0, i).map(|e| e.0).collect();
                assert_eq!(row.len(), f + 1, "{name} pixel {i}: {row:?}");
                assert_eq!(row.last(), Some(&d), "{name} pixel {i}: the bias comes last");
                if name == "omp" {
                    assert!(row.contains(&i) && row.contains(&((i + 1) % d)), "{name} pixel {i}: {row:?}");
                }
            }
        }
    }
}
