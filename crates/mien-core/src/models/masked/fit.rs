//! Fitting masked regression: per-pixel Gram sums, accumulated a row at a time.
//!
//! For one output row the work is laid out as `[pair (a, b) of window
//! entries][x]`, so each accumulation step is a fused multiply-add over two
//! shifted input rows — contiguous slices the compiler vectorises — instead
//! of a gather per pixel. Rows are independent and run in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{Masked, MaskedParams, Prior};
use crate::dataset::PairedDataset;
use crate::error::{Error, Result};
use crate::models::solve::cholesky_solve;
use crate::models::ChannelMode;
use crate::normalize::Affine;

/// One training sample of one weight set: an input and a target plane with their normalisations.
#[derive(Clone, Copy)]
pub(crate) struct PlaneSample<'a> {
    pub input: &'a [u8],
    pub input_norm: Affine,
    pub target: &'a [u8],
    pub target_norm: Affine,
}

/// Progress callback: `(work done, total work)`.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

impl MaskedParams {
    /// Fits the model on a paired dataset.
    pub fn fit(&self, data: &PairedDataset) -> Result<Masked> {
        self.fit_with_progress(data, &|_, _| {})
    }

    /// Fits, reporting progress in rows solved.
    pub fn fit_with_progress(&self, data: &PairedDataset, progress: Progress<'_>) -> Result<Masked> {
        self.check_for_size(data.width, data.height)?;
        let grey;
        let data = if self.channels == ChannelMode::Grey && data.channels > 1 {
            grey = data.to_grey()?;
            &grey
        } else {
            data
        };
        let sets = weight_sets(self.channels, data);
        let (w, h) = (data.width, data.height);
        let k1 = self.window_len() + 1;
        let d = w * h;
        // The largest buffer of the fit: refused with an error, not an abort, when it cannot be had.
        let len = sets.len() * k1 * d;
        let mut planes = Vec::new();
        planes.try_reserve_exact(len).map_err(|_| Error::OutOfMemory {
            what: format!("masked regression at {w}×{h} with a {r}×{r} window", r = self.receptive_field),
            needed: len as u64 * 4,
            limit: 0,
            hint: "use smaller images or a smaller window".into(),
        })?;
        planes.resize(len, 0.0f32);
        let done = AtomicUsize::new(0);
        let total = sets.len() * h;
        // Heard at once, so a front end can show progress before the first (possibly slow) row.
        progress(0, total);
        for (s, samples) in sets.iter().enumerate() {
            let rows = fit_rows(self, w, h, samples, &|| progress(done.fetch_add(1, Ordering::Relaxed) + 1, total))?;
            let set_planes = &mut planes[s * k1 * d..(s + 1) * k1 * d];
            for (y, row) in rows.iter().enumerate() {
                for o in 0..k1 {
                    for x in 0..w {
                        set_planes[o * d + y * w + x] = row[o * w + x] as f32;
                    }
                }
            }
        }
        Ok(Masked { params: self.clone(), width: w, height: h, sets: sets.len(), planes })
    }
}

/// The samples of each weight set for a channel mode.
pub(crate) fn weight_sets(mode: ChannelMode, data: &PairedDataset) -> Vec<Vec<PlaneSample<'_>>> {
    match mode {
        ChannelMode::Separate => {
            (0..data.channels).map(|c| data.pairs.iter().map(|p| sample(p, c)).collect()).collect()
        }
        ChannelMode::Shared | ChannelMode::Grey => {
            vec![data.pairs.iter().flat_map(|p| (0..data.channels).map(move |c| sample(p, c))).collect()]
        }
    }
}

fn sample(p: &crate::dataset::Pair, c: usize) -> PlaneSample<'_> {
    PlaneSample {
        input: p.input.plane(c),
        input_norm: p.input_norm,
        target: p.target.plane(c),
        target_norm: p.target_norm,
    }
}

/// The window of one model: its side, centre and the (a, b) pairs of window
/// entries whose products make up the upper triangle of each pixel's Gram matrix.
pub(crate) struct Window {
    pub r: usize,
    pub half: usize,
    pub k: usize,
    pub k1: usize,
    pub pairs: Vec<(usize, usize)>,
}

impl Window {
    pub fn new(r: usize) -> Self {
        let k = r * r;
        Self { r, half: r / 2, k, k1: k + 1, pairs: (0..k).flat_map(|a| (a..k).map(move |b| (a, b))).collect() }
    }

    /// Length of one image row's sums: `[pair][x]` Gram entries, then `[a][x]`
    /// Σ x_a (the bias column), then `[o][x]` right-hand sides (k window entries + bias).
    pub fn row_len(&self, w: usize) -> usize {
        (self.pairs.len() + self.k + self.k1) * w
    }
}

/// Adds the samples' contributions to output row `y` to `sums` (laid out as
/// [`Window::row_len`] says). Sums over disjoint sample sets add up to the sums
/// over their union, which is what sharded training relies on.
pub(crate) fn accumulate_row(
    params: &MaskedParams,
    win: &Window,
    w: usize,
    h: usize,
    y: usize,
    samples: &[PlaneSample<'_>],
    sums: &mut [f64],
) {
    let (r, half, k) = (win.r, win.half, win.k);
    let pw = w + 2 * half;
    let (gram, rest) = sums.split_at_mut(win.pairs.len() * w);
    let (lin, rhs) = rest.split_at_mut(k * w); // lin: Σ x_a (the bias column against each input)
    let mut buf = vec![0.0f64; r * pw];
    let mut t = vec![0.0f64; w];
    for s in samples {
        for (dy, band) in buf.chunks_exact_mut(pw).enumerate() {
            let yy = y as isize + dy as isize - half as isize;
            let inner = &mut band[half..half + w];
            if yy < 0 || yy >= h as isize {
                inner.fill(0.0);
            } else {
                let src = &s.input[yy as usize * w..][..w];
                for (o, &v) in inner.iter_mut().zip(src) {
                    *o = s.input_norm.forward(v as f32) as f64;
                }
            }
        }
        for (o, &v) in t.iter_mut().zip(&s.target[y * w..][..w]) {
            *o = s.target_norm.forward(v as f32) as f64;
        }
        if params.prior == Prior::Identity {
            // Fit the residual over the identity map: t − x_centre.
            let centre = &buf[half * pw + half..][..w];
            t.iter_mut().zip(centre).for_each(|(o, c)| *o -= c);
        }
        let row = |a: usize| {
            let (dy, dx) = (a / r, a % r);
            &buf[dy * pw + dx..][..w]
        };
        for (p, &(a, b)) in win.pairs.iter().enumerate() {
            let (ra, rb) = (row(a), row(b));
            for ((g, &u), &v) in gram[p * w..][..w].iter_mut().zip(ra).zip(rb) {
                *g += u * v;
            }
        }
        for a in 0..k {
            let ra = row(a);
            for (((l, q), &u), &tv) in lin[a * w..][..w].iter_mut().zip(&mut rhs[a * w..][..w]).zip(ra).zip(&t) {
                *l += u;
                *q += u * tv;
            }
        }
        for (q, &tv) in rhs[k * w..][..w].iter_mut().zip(&t) {
            *q += tv;
        }
    }
}

/// Solves every pixel of output row `y` from its accumulated sums over `n`
/// samples; returns `[k + 1][width]` weights in f64.
pub(crate) fn solve_row(
    params: &MaskedParams,
    win: &Window,
    w: usize,
    y: usize,
    sums: &[f64],
    n: f64,
) -> Result<Vec<f64>> {
    let (k, k1) = (win.k, win.k1);
    let (gram, rest) = sums.split_at(win.pairs.len() * w);
    let (lin, rhs) = rest.split_at(k * w);
    let mut out = vec![0.0f64; k1 * w];
    let mut a_mat = vec![0.0f64; k1 * k1];
    let mut b_vec = vec![0.0f64; k1];
    for x in 0..w {
        for (p, &(a, b)) in win.pairs.iter().enumerate() {
            let g = gram[p * w + x];
            a_mat[a * k1 + b] = g;
            a_mat[b * k1 + a] = g;
        }
        for a in 0..k {
            a_mat[a * k1 + k] = lin[a * w + x];
            a_mat[k * k1 + a] = lin[a * w + x];
            a_mat[a * k1 + a] += params.lambda;
        }
        a_mat[k * k1 + k] = n + if params.penalize_bias { params.lambda } else { 0.0 };
        for (o, bv) in b_vec.iter_mut().enumerate() {
            *bv = rhs[o * w + x];
        }
        if !cholesky_solve(&mut a_mat, &mut b_vec, k1) {
            return Err(Error::IllConditioned {
                system: format!("the ridge system of pixel ({x}, {y})"),
                lambda: params.lambda,
            });
        }
        if params.prior == Prior::Identity {
            b_vec[k / 2] += 1.0;
        }
        for (o, &bv) in b_vec.iter().enumerate() {
            out[o * w + x] = bv;
        }
    }
    Ok(out)
}

/// Solves every pixel of one weight set; returns per row `[k + 1][width]` weights in f64.
pub(crate) fn fit_rows(
    params: &MaskedParams,
    w: usize,
    h: usize,
    samples: &[PlaneSample<'_>],
    row_done: &(dyn Fn() + Sync),
) -> Result<Vec<Vec<f64>>> {
    let win = Window::new(params.receptive_field);
    let n = samples.len() as f64;
    (0..h)
        .into_par_iter()
        .map(|y| {
            let mut sums = vec![0.0f64; win.row_len(w)];
            accumulate_row(params, &win, w, h, y, samples, &mut sums);
            let out = solve_row(params, &win, w, y, &sums, n)?;
            row_done();
            Ok(out)
        })
        .collect()
}
