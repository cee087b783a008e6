//! The SeetaFace funnel-structured cascade, written here for speed.
//!
//! The method is SeetaFace's (Wu, Kan, He, Shan, Chen, "Funnel-structured
//! cascade for multi-view face detection with alignment awareness",
//! Neurocomputing 2017) and the model file is SeetaFace's frontal model
//! (BSD-2-Clause, `weights/LICENSE-seetaface`). It runs in two parts:
//!
//! 1. A boosted classifier over locally assembled binary (LAB) codes scans
//!    every pyramid level at a fixed stride. A LAB code compares the sum of
//!    a 3×3 block with its eight neighbouring 3×3 blocks (one bit each); each
//!    weak classifier reads one code at a fixed place in the 40×40 window and
//!    adds a table entry to the score. After every group of ten the score
//!    must stay above that group's threshold; windows whose grey levels vary
//!    by less than 10 (standard deviation) are rejected.
//! 2. The windows left, merged by non-maximum suppression, are cut from the
//!    full-size image, resized to 40×40, and judged by small multilayer
//!    perceptrons over SURF-like gradient histograms (2×2 cells, eight
//!    signed and absolute gradient channels), which also move and resize
//!    each window.
//!
//! This module computes exactly what the `rustface` port of SeetaFace
//! computes (the same levels, windows, scores and boxes, bit for bit: a test
//! compares the two on the bundled photos) at a fraction of its cost:
//!
//! - the LAB codes come from 3×3 block sums made by two running sums over
//!   `u16` rows, where the port differences a 32-bit integral image per
//!   block;
//! - the flatness test runs first, so flat windows skip the classifier (a
//!   window must pass both; the order does not change the result);
//! - the second part builds each window's gradient channels in one pass
//!   and evaluates only the cells its classifier reads, and its perceptron
//!   layers accumulate all outputs of an input at once (each output's sum
//!   keeps its order, so the floating-point result is the same);
//! - pyramid levels, and the windows of each later stage, are shared out
//!   over threads; results are put back in the order one thread makes them.

// `!(a > b)` on floats: a NaN score or statistic rejects, as in SeetaFace.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The cascade's window side, in pixels.
pub(crate) const WINDOW: usize = 40;

/// Side of a LAB code's square of 3×3 blocks.
const LAB_SPAN: usize = 9;

/// Weak classifiers of the first stage are checked against a threshold
/// after each group of this many.
const LAB_GROUP: usize = 10;

/// Windows whose grey levels' standard deviation is not above this are
/// rejected by the first stage.
const FLAT_STD: f64 = 10.0;

/// Gradient channels of the second stage's features.
const CHANNELS: usize = 8;

/// Values in one feature: 2×2 cells of [`CHANNELS`] sums.
const FEATURE_DIM: usize = 4 * CHANNELS;

/// Settings of one scan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scan {
    /// Largest face looked for, in pixels of the scanned plane; 0 for the
    /// plane's shorter side.
    pub max_face: u32,
    /// Ratio between pyramid levels, in (0, 1).
    pub pyramid_step: f32,
    /// Sliding-window stride in level pixels, ≥ 1.
    pub stride: usize,
    /// Threads to share the work over, ≥ 1.
    pub threads: usize,
}

/// A square window in the scanned plane's pixels, with its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Window {
    pub x: i32,
    pub y: i32,
    pub side: i32,
    pub score: f64,
}

/// The parsed model.
#[derive(Clone, Debug)]
pub(crate) struct Cascade {
    /// The first hierarchy: one boosted LAB classifier per view.
    first: Vec<Lab>,
    /// Later hierarchies: groups of perceptron stages.
    later: Vec<Vec<Group>>,
}

/// One first-stage classifier: code positions, tables and group thresholds.
#[derive(Clone, Debug)]
struct Lab {
    /// (x, y) of each weak classifier's code in the window.
    points: Vec<(usize, usize)>,
    /// Score after each weak classifier (only every [`LAB_GROUP`]th is used).
    thresholds: Vec<f32>,
    /// 256 entries per weak classifier, one per code.
    tables: Vec<f32>,
}

/// A run of perceptron stages over the windows of some earlier groups.
#[derive(Clone, Debug)]
struct Group {
    stages: Vec<Mlp>,
    /// Indices of the windows lists this group takes; its result replaces the first.
    sources: Vec<usize>,
}

#[derive(Clone, Debug)]
struct Mlp {
    /// The feature patches read, in input order.
    patches: Vec<Patch>,
    threshold: f32,
    layers: Vec<Layer>,
}

/// A feature's patch in the 40×40 window; it is split into 2×2 cells.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Patch {
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

#[derive(Clone, Debug)]
struct Layer {
    inputs: usize,
    outputs: usize,
    /// Input-major: `weights[i * outputs + o]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Logistic output (the last layer) or rectified (the others).
    logistic: bool,
}

/// Little-endian reader over the model bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take4(&mut self) -> Result<[u8; 4]> {
        let b = self.bytes.get(self.at..self.at + 4).ok_or_else(|| bad(format!("ends early, at byte {}", self.at)))?;
        self.at += 4;
        Ok([b[0], b[1], b[2], b[3]])
    }

    fn int(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.take4()?))
    }

    /// A count in `0..=max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize> {
        let v = self.int()?;
        usize::try_from(v).ok().filter(|&n| n <= max).ok_or_else(|| bad(format!("{what} {v} is outside 0..={max}")))
    }

    fn float(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.take4()?))
    }

    fn floats(&mut self, n: usize) -> Result<Vec<f32>> {
        (0..n).map(|_| self.float()).collect()
    }
}

fn bad(why: String) -> Error {
    Error::CorruptWeights(format!("SeetaFace cascade model: {why}"))
}

/// The second stage's feature pool, in the model's numbering (from 1):
/// patches of width:height 1:1, 1:2, 2:1, 2:3 and 3:2, from 16 to 40 px
/// high in steps of one, at every 16 px in the window.
fn feature_pool() -> Vec<Patch> {
    let mut pool = Vec::new();
    for (fw, fh) in [(1, 1), (1, 2), (2, 1), (2, 3), (3, 2)] {
        for h in 16..=WINDOW {
            if h % 2 != 0 || h % fh != 0 {
                continue;
            }
            let w = h / fh * fw;
            if w % 2 != 0 || !(16..=WINDOW).contains(&w) {
                continue;
            }
            for y in (0..=WINDOW - h).step_by(16) {
                for x in (0..=WINDOW - w).step_by(16) {
                    pool.push(Patch { x, y, w, h });
                }
            }
        }
    }
    pool
}

impl Cascade {
    /// Parses a SeetaFace detector model: hierarchies of groups of stages,
    /// each stage a boosted LAB classifier (kind 0) or a perceptron over
    /// SURF features (kind 1).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self> {
        const MANY: usize = 1 << 20;
        let pool = feature_pool();
        let mut r = Reader { bytes, at: 0 };
        let hierarchies = r.count("hierarchy count", 64)?;
        if hierarchies == 0 {
            return Err(bad("no hierarchies".into()));
        }
        let mut first = Vec::new();
        let mut later = Vec::new();
        for level in 0..hierarchies {
            let groups = r.count("group count", 64)?;
            let mut this = Vec::new();
            for _ in 0..groups {
                let n_stages = r.count("stage count", 64)?;
                let mut labs = Vec::new();
                let mut mlps = Vec::new();
                for _ in 0..n_stages {
                    match r.int()? {
                        0 => labs.push(parse_lab(&mut r, MANY)?),
                        1 => mlps.push(parse_mlp(&mut r, &pool, MANY)?),
                        k => return Err(bad(format!("unknown classifier kind {k}"))),
                    }
                }
                // A negative count (the first hierarchy's) means none.
                let n_src = match r.int()? {
                    n if n <= 0 => 0,
                    n => {
                        usize::try_from(n).ok().filter(|&n| n <= 64).ok_or_else(|| bad(format!("source count {n}")))?
                    }
                };
                let sources = (0..n_src).map(|_| r.count("source", 63)).collect::<Result<Vec<_>>>()?;
                if level == 0 {
                    if n_stages != 1 || labs.len() != 1 {
                        return Err(bad("the first hierarchy must hold one LAB stage per group".into()));
                    }
                    first.extend(labs);
                } else {
                    if n_stages == 0 || !labs.is_empty() || sources.is_empty() {
                        return Err(bad("later hierarchies must hold perceptron stages and name their sources".into()));
                    }
                    this.push(Group { stages: mlps, sources });
                }
            }
            if level > 0 {
                later.push(this);
            }
        }
        if first.is_empty() {
            return Err(bad("no first-stage classifier".into()));
        }
        for g in later.iter().flatten() {
            if g.sources.iter().any(|&s| s >= first.len()) {
                return Err(bad("a group names a source that does not exist".into()));
            }
        }
        if r.at != bytes.len() {
            return Err(bad(format!("{} bytes left over", bytes.len() - r.at)));
        }
        Ok(Self { first, later })
    }

    /// Faces in a `w`×`h` grey plane, in its pixels: the cascade's merged
    /// windows with their summed scores, best first, scores ≤ 0 dropped.
    pub(crate) fn detect(&self, plane: &[u8], w: usize, h: usize, scan: &Scan) -> Vec<Window> {
        assert_eq!(plane.len(), w * h, "plane size");
        let threads = scan.threads.max(1);
        let stride = scan.stride.max(1);
        let mut shortest = w.min(h) as u32;
        if scan.max_face > 0 {
            shortest = shortest.min(scan.max_face);
        }
        if shortest == 0 {
            return Vec::new();
        }
        // The pyramid: scale 1, step, step², … while a window fits the face range.
        let min_scale = WINDOW as f32 / shortest as f32;
        let mut levels = Vec::new();
        let step = scan.pyramid_step.clamp(0.01, 0.99);
        let mut s = 1.0f32;
        while s >= min_scale {
            levels.push((s, (w as f32 * s) as usize, (h as f32 * s) as usize));
            s *= step;
        }

        // First stage, level by level, the largest first to whichever thread is free.
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(s, lw, lh)) = levels.get(i) else { break };
                done.push((i, self.scan_level(plane, w, h, s, lw, lh, stride)));
            }
            done
        };
        let mut per_level: Vec<(usize, Vec<Vec<Window>>)> = if threads > 1 && levels.len() > 1 {
            std::thread::scope(|scope| {
                let others: Vec<_> = (1..threads.min(levels.len())).map(|_| scope.spawn(work)).collect();
                let mut all = work();
                for o in others {
                    all.extend(o.join().expect("cascade thread"));
                }
                all
            })
        } else {
            work()
        };
        per_level.sort_by_key(|(i, _)| *i);
        let mut lists: Vec<Vec<Window>> = vec![Vec::new(); self.first.len()];
        for (_, found) in per_level {
            for (list, f) in lists.iter_mut().zip(found) {
                list.extend(f);
            }
        }

        let mut merged: Vec<Vec<Window>> = lists.iter_mut().map(|l| suppress_summing(l, 0.8)).collect();
        let mut current: Vec<Vec<Window>> = vec![Vec::new(); self.first.len()];
        let n_later = self.later.len();
        for (li, groups) in self.later.iter().enumerate() {
            let mut results = Vec::with_capacity(groups.len());
            for g in groups {
                let r = g.sources[0];
                current[r] = g.sources.iter().flat_map(|&k| merged[k].iter().copied()).collect();
                for (k, stage) in g.stages.iter().enumerate() {
                    current[r] = self.judge(stage, plane, w, h, &current[r], threads);
                    if k + 1 < g.stages.len() {
                        merged[r] = suppress_summing(&mut current[r], 0.8);
                        current[r] = merged[r].clone();
                    } else if li + 1 == n_later {
                        merged[r] = suppress_summing(&mut current[r], 0.3);
                        current[r] = merged[r].clone();
                    }
                }
                results.push(r);
            }
            for (j, &r) in results.iter().enumerate() {
                merged[j] = current[r].clone();
            }
        }
        let mut out = std::mem::take(&mut merged[0]);
        out.retain(|b| b.score >= f64::MIN_POSITIVE);
        out
    }

    /// The first stage on one pyramid level: its windows per first-stage
    /// classifier, mapped to plane pixels.
    #[allow(clippy::too_many_arguments)]
    fn scan_level(
        &self,
        plane: &[u8],
        w: usize,
        h: usize,
        s: f32,
        lw: usize,
        lh: usize,
        stride: usize,
    ) -> Vec<Vec<Window>> {
        let mut found = vec![Vec::new(); self.first.len()];
        if lw < WINDOW || lh < WINDOW {
            return found;
        }
        let resized;
        let level: &[u8] = if lw == w && lh == h {
            plane
        } else {
            resized = point_bilinear(plane, w, h, lw, lh);
            &resized
        };
        let codes = lab_codes(level, lw, lh);
        let stats = window_sums(level, lw, lh, stride);
        let offsets: Vec<Vec<usize>> =
            self.first.iter().map(|c| c.points.iter().map(|&(x, y)| y * lw + x).collect()).collect();
        let side = (WINDOW as f32 / s + 0.5) as i32;
        let area = (WINDOW * WINDOW) as f64;
        let mut stat = stats.iter();
        for y in (0..=lh - WINDOW).step_by(stride) {
            for x in (0..=lw - WINDOW).step_by(stride) {
                let &(sum, squares) = stat.next().expect("one sum per window");
                let mean = f64::from(sum) / area;
                let m2 = f64::from(squares) / area;
                if !((m2 - mean * mean).sqrt() > FLAT_STD) {
                    continue;
                }
                let origin = y * lw + x;
                for ((lab, offs), list) in self.first.iter().zip(&offsets).zip(&mut found) {
                    if let Some(score) = lab.classify(&codes[origin..], offs) {
                        list.push(Window {
                            x: (x as f32 / s + 0.5) as i32,
                            y: (y as f32 / s + 0.5) as i32,
                            side,
                            score: f64::from(score),
                        });
                    }
                }
            }
        }
        found
    }

    /// One perceptron stage over `windows`: those it accepts, moved and
    /// resized by its regression outputs, with its score.
    fn judge(&self, stage: &Mlp, plane: &[u8], w: usize, h: usize, windows: &[Window], threads: usize) -> Vec<Window> {
        let one = |table: &mut Vec<[i32; CHANNELS]>, b: &Window| -> Option<Window> {
            if b.x + b.side <= 0 || b.y + b.side <= 0 || b.side < 2 {
                return None;
            }
            let patch = window_patch(plane, w, h, b);
            let (score, out) = stage.classify(&patch, table);
            if !(score > stage.threshold) {
                return None;
            }
            // Windows reaching past the left or top edge count from the edge.
            let (x, y, side) = (b.x.max(0) as f32, b.y.max(0) as f32, b.side as f32);
            let new_side = ((out[3] * 2.0 - 1.0) * side + side + 0.5).floor();
            Some(Window {
                x: ((out[1] * 2.0 - 1.0) * side + x + (side - new_side) * 0.5 + 0.5).floor() as i32,
                y: ((out[2] * 2.0 - 1.0) * side + y + (side - new_side) * 0.5 + 0.5).floor() as i32,
                side: new_side as u32 as i32,
                score: f64::from(score),
            })
        };
        const MIN_SHARE: usize = 32;
        let all = |part: &[Window]| -> Vec<Window> {
            let mut table = vec![[0i32; CHANNELS]; TABLE * TABLE];
            part.iter().filter_map(|b| one(&mut table, b)).collect()
        };
        if threads < 2 || windows.len() < 2 * MIN_SHARE {
            return all(windows);
        }
        let chunk = windows.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut parts = windows.chunks(chunk);
            let mine = parts.next().unwrap_or(&[]);
            let all = &all;
            let others: Vec<_> = parts.map(|p| scope.spawn(move || all(p))).collect();
            let mut found = all(mine);
            for o in others {
                found.extend(o.join().expect("cascade thread"));
            }
            found
        })
    }
}

fn parse_lab(r: &mut Reader, many: usize) -> Result<Lab> {
    let n = r.count("weak classifier count", many)?;
    let bins = r.count("bin count", 255)?;
    if bins != 255 || n == 0 || n % LAB_GROUP != 0 {
        return Err(bad(format!("a LAB stage with {n} weak classifiers of {bins} bins")));
    }
    let mut points = Vec::with_capacity(n);
    for _ in 0..n {
        let x = r.count("LAB x", WINDOW - LAB_SPAN)?;
        let y = r.count("LAB y", WINDOW - LAB_SPAN)?;
        points.push((x, y));
    }
    let thresholds = r.floats(n)?;
    let tables = r.floats(n * (bins + 1))?;
    Ok(Lab { points, thresholds, tables })
}

fn parse_mlp(r: &mut Reader, pool: &[Patch], many: usize) -> Result<Mlp> {
    let n_layers = r.count("layer count", 64)?;
    let n_feat = r.count("feature count", pool.len())?;
    let patches = (0..n_feat)
        .map(|_| {
            let id = r.int()?;
            usize::try_from(id)
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| pool.get(i).copied())
                .ok_or_else(|| bad(format!("feature {id} is not in the pool of {}", pool.len())))
        })
        .collect::<Result<Vec<_>>>()?;
    let threshold = r.float()?;
    let mut inputs = r.count("input size", many)?;
    if n_layers < 2 || inputs != n_feat * FEATURE_DIM {
        return Err(bad(format!("a perceptron of {n_layers} layers taking {inputs} values from {n_feat} features")));
    }
    let mut layers = Vec::new();
    for i in 1..n_layers {
        let outputs = r.count("layer size", many)?;
        if outputs == 0 || inputs * outputs > many {
            return Err(bad(format!("a {inputs}×{outputs} layer")));
        }
        // Stored output-major; kept input-major.
        let stored = r.floats(inputs * outputs)?;
        let mut weights = vec![0.0; inputs * outputs];
        for o in 0..outputs {
            for j in 0..inputs {
                weights[j * outputs + o] = stored[o * inputs + j];
            }
        }
        let bias = r.floats(outputs)?;
        layers.push(Layer { inputs, outputs, weights, bias, logistic: i + 1 == n_layers });
        inputs = outputs;
    }
    if inputs < 4 {
        return Err(bad("a perceptron with fewer than 4 outputs (score and box)".into()));
    }
    Ok(Mlp { patches, threshold, layers })
}

impl Lab {
    /// The boosted score of the window whose top-left code is `codes[0]`
    /// (`offsets` are the weak classifiers' code offsets in the level), or
    /// `None` when a group threshold rejects it.
    #[inline]
    fn classify(&self, codes: &[u8], offsets: &[usize]) -> Option<f32> {
        let mut score = 0.0f32;
        for (g, offs) in offsets.chunks_exact(LAB_GROUP).enumerate() {
            let base = g * LAB_GROUP;
            for (k, &o) in offs.iter().enumerate() {
                score += self.tables[(base + k) * 256 + usize::from(codes[o])];
            }
            if !(score >= self.thresholds[base + LAB_GROUP - 1]) {
                return None;
            }
        }
        Some(score)
    }
}

impl Mlp {
    /// Score and outputs (score, x, y, size) for a 40×40 patch.
    /// `table` is scratch space of `TABLE`² entries whose first row and
    /// column are zero.
    fn classify(&self, patch: &[u8; WINDOW * WINDOW], table: &mut [[i32; CHANNELS]]) -> (f32, [f32; 4]) {
        gradient_integral(patch, table);
        let mut input = Vec::with_capacity(self.patches.len() * FEATURE_DIM);
        for p in &self.patches {
            let raw = cell_sums(table, p);
            let total: f64 = raw.iter().map(|&v| f64::from(v.wrapping_mul(v))).sum();
            if total != 0.0 {
                let norm = total.sqrt() as f32;
                input.extend(raw.iter().map(|&v| v as f32 / norm));
            } else {
                input.extend([0.0; FEATURE_DIM]);
            }
        }
        let mut x = input;
        for layer in &self.layers {
            x = layer.forward(&x);
        }
        (x[0], [x[0], x[1], x[2], x[3]])
    }
}

impl Layer {
    /// Each output's weighted sum runs over the inputs in order (as a
    /// sequential dot product would), all outputs side by side.
    fn forward(&self, input: &[f32]) -> Vec<f32> {
        debug_assert_eq!(input.len(), self.inputs);
        const BLOCK: usize = 16;
        let n = self.outputs;
        let mut acc = vec![-0.0f32; n];
        // Blocks of outputs kept in registers while the inputs stream past.
        let full = n / BLOCK * BLOCK;
        for o0 in (0..full).step_by(BLOCK) {
            let mut a = [-0.0f32; BLOCK];
            for (i, v) in input.iter().enumerate() {
                let wt: &[f32; BLOCK] = self.weights[i * n + o0..][..BLOCK].try_into().expect("block");
                for k in 0..BLOCK {
                    a[k] += v * wt[k];
                }
            }
            acc[o0..o0 + BLOCK].copy_from_slice(&a);
        }
        if full < n {
            for (v, row) in input.iter().zip(self.weights.chunks_exact(n)) {
                for (a, wt) in acc[full..].iter_mut().zip(&row[full..]) {
                    *a += v * wt;
                }
            }
        }
        for (a, b) in acc.iter_mut().zip(&self.bias) {
            let t = *a + b;
            *a = if self.logistic {
                1.0 / (1.0 + (-t).exp())
            } else if t > 0.0 {
                t
            } else {
                0.0
            };
        }
        acc
    }
}

/// LAB codes of a `w`×`h` plane (row stride `w`), defined where a 9×9
/// square fits (`x ≤ w − 9`, `y ≤ h − 9`; zero elsewhere). Each bit is set
/// when the centre 3×3 block's sum is at least that of one neighbouring
/// block: 0x80 top-left, 0x40 top, 0x20 top-right, 0x10 left, 0x08 right,
/// 0x04 bottom-left, 0x02 bottom, 0x01 bottom-right.
fn lab_codes(plane: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut codes = vec![0u8; w * h];
    if w < LAB_SPAN || h < LAB_SPAN {
        return codes;
    }
    // 3×3 block sums at each top-left corner (x ≤ w − 3, y ≤ h − 3), row stride w.
    let bw = w - 2;
    let mut across = vec![0u16; w * h];
    for (src, dst) in plane.chunks_exact(w).zip(across.chunks_exact_mut(w)) {
        for (d, t) in dst[..bw].iter_mut().zip(src.windows(3)) {
            *d = u16::from(t[0]) + u16::from(t[1]) + u16::from(t[2]);
        }
    }
    let mut blocks = vec![0u16; w * (h - 2)];
    for y in 0..h - 2 {
        let (a, b, c) = (&across[y * w..][..bw], &across[(y + 1) * w..][..bw], &across[(y + 2) * w..][..bw]);
        for (((d, &p), &q), &r) in blocks[y * w..][..bw].iter_mut().zip(a).zip(b).zip(c) {
            *d = p + q + r;
        }
    }
    let cw = w - LAB_SPAN + 1;
    for y in 0..=h - LAB_SPAN {
        let row = |dy: usize, dx: usize| &blocks[(y + dy) * w + dx..][..cw];
        let (tl, t, tr) = (row(0, 0), row(0, 3), row(0, 6));
        let (l, centre, r) = (row(3, 0), row(3, 3), row(3, 6));
        let (bl, b, br) = (row(6, 0), row(6, 3), row(6, 6));
        let out = &mut codes[y * w..][..cw];
        for i in 0..cw {
            let c = centre[i];
            out[i] = (u8::from(c >= tl[i]) << 7)
                | (u8::from(c >= t[i]) << 6)
                | (u8::from(c >= tr[i]) << 5)
                | (u8::from(c >= l[i]) << 4)
                | (u8::from(c >= r[i]) << 3)
                | (u8::from(c >= bl[i]) << 2)
                | (u8::from(c >= b[i]) << 1)
                | u8::from(c >= br[i]);
        }
    }
    codes
}

/// Sums of grey levels and of their squares over each 40×40 window of a
/// `w`×`h` plane at `stride`, in scan order: column sums over the window's
/// rows, slid down from one window row to the next, then added across.
fn window_sums(plane: &[u8], w: usize, h: usize, stride: usize) -> Vec<(u32, u32)> {
    let mut cols = vec![0u32; w];
    let mut cols_sq = vec![0u32; w];
    let add = |cols: &mut [u32], cols_sq: &mut [u32], row: &[u8], sign: bool| {
        for ((c, q), &v) in cols.iter_mut().zip(cols_sq.iter_mut()).zip(row) {
            let v = u32::from(v);
            if sign {
                *c += v;
                *q += v * v;
            } else {
                *c -= v;
                *q -= v * v;
            }
        }
    };
    let mut out = Vec::new();
    let mut rows = 0..0; // rows now summed in `cols`
    for y in (0..=h - WINDOW).step_by(stride) {
        if rows.end <= y {
            // The next window shares no rows with the last (stride > 40).
            cols.fill(0);
            cols_sq.fill(0);
            rows = y..y;
        }
        while rows.start < y {
            add(&mut cols, &mut cols_sq, &plane[rows.start * w..][..w], false);
            rows.start += 1;
        }
        while rows.end < y + WINDOW {
            add(&mut cols, &mut cols_sq, &plane[rows.end * w..][..w], true);
            rows.end += 1;
        }
        let (mut s, mut q) = (0u32, 0u32);
        let (mut from, mut to) = (0, 0); // columns summed in (s, q)
        for x in (0..=w - WINDOW).step_by(stride) {
            if to <= x {
                (s, q, from, to) = (0, 0, x, x);
            }
            while from < x {
                s -= cols[from];
                q -= cols_sq[from];
                from += 1;
            }
            while to < x + WINDOW {
                s += cols[to];
                q += cols_sq[to];
                to += 1;
            }
            out.push((s, q));
        }
    }
    out
}

/// Where output sample `i` of `to` reads a line of `from` ≥ 2 samples: at
/// `i·from/to`, between samples `x0` and `x0 + 1` with weight `wx` on the
/// second (the corner of each output pixel, no smoothing).
fn taps(from: usize, to: usize) -> impl Iterator<Item = (usize, f64)> {
    let f = from as f64 / to as f64;
    (0..to).map(move |i| {
        let xs = f * i as f64;
        let x0 = (xs as usize).min(from - 2);
        (x0, xs - x0 as f64)
    })
}

/// One output row of bilinear samples between source rows `r0` and `r1`
/// (weight `wy` on `r1`), truncated to `u8`.
fn blend_row(dst: &mut [u8], r0: &[u8], r1: &[u8], cols: &[(usize, f64)], wy: f64) {
    for (d, &(x0, wx)) in dst.iter_mut().zip(cols) {
        let top = (1.0 - wx) * f64::from(r0[x0]) + wx * f64::from(r0[x0 + 1]);
        let bottom = (1.0 - wx) * f64::from(r1[x0]) + wx * f64::from(r1[x0 + 1]);
        *d = ((1.0 - wy) * top + wy * bottom) as u8;
    }
}

/// A `sw`×`sh` plane (both ≥ 2) resampled to `dw`×`dh` by [`taps`] and
/// [`blend_row`]: the cascade's pyramid levels.
fn point_bilinear(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    let cols: Vec<(usize, f64)> = taps(sw, dw).collect();
    let mut out = vec![0u8; dw * dh];
    for (dst, (y0, wy)) in out.chunks_exact_mut(dw).zip(taps(sh, dh)) {
        blend_row(dst, &src[y0 * sw..][..sw], &src[(y0 + 1) * sw..][..sw], &cols, wy);
    }
    out
}

/// A window (side ≥ 2) cut from the plane, zero outside it, and resized
/// to 40×40 as [`point_bilinear`] resizes (a plain copy at 40 px).
fn window_patch(plane: &[u8], w: usize, h: usize, b: &Window) -> [u8; WINDOW * WINDOW] {
    let side = b.side as usize;
    let (mut spare0, mut spare1) = (Vec::new(), Vec::new());
    let mut out = [0u8; WINDOW * WINDOW];
    if side == WINDOW {
        for (y, dst) in out.chunks_exact_mut(WINDOW).enumerate() {
            dst.copy_from_slice(window_row(plane, w, h, b, y, &mut spare0));
        }
        return out;
    }
    let mut cols = [(0usize, 0.0f64); WINDOW];
    for (c, t) in cols.iter_mut().zip(taps(side, WINDOW)) {
        *c = t;
    }
    for (dst, (y0, wy)) in out.chunks_exact_mut(WINDOW).zip(taps(side, WINDOW)) {
        let r0 = window_row(plane, w, h, b, y0, &mut spare0);
        let r1 = window_row(plane, w, h, b, y0 + 1, &mut spare1);
        blend_row(dst, r0, r1, &cols, wy);
    }
    out
}

/// Row `y` of window `b` (`b.side` pixels): a slice of the plane where the
/// row lies inside it, else `spare` filled with the visible part and zeros.
fn window_row<'a>(plane: &'a [u8], w: usize, h: usize, b: &Window, y: usize, spare: &'a mut Vec<u8>) -> &'a [u8] {
    let side = b.side as usize;
    let (x0, y) = (i64::from(b.x), i64::from(b.y) + y as i64);
    let on_plane = (0..h as i64).contains(&y);
    if on_plane && x0 >= 0 && x0 as usize + side <= w {
        return &plane[y as usize * w + x0 as usize..][..side];
    }
    spare.clear();
    spare.resize(side, 0);
    let (from, to) = (x0.clamp(0, w as i64), (x0 + side as i64).clamp(0, w as i64));
    if on_plane && from < to {
        let (from, to, at) = (from as usize, to as usize, (from - x0) as usize);
        spare[at..at + to - from].copy_from_slice(&plane[y as usize * w + from..][..to - from]);
    }
    spare
}

/// Side of the gradient integral table (a zero first row and column).
const TABLE: usize = WINDOW + 1;

/// Integral table of the eight gradient channels of a 40×40 patch:
/// horizontal gradient `dx` and its magnitude where `dy ≥ 0`, the same
/// where `dy < 0`, then vertical gradient `dy` and its magnitude where
/// `dx ≥ 0` and where `dx < 0`. Gradients are central differences, doubled
/// one-sided differences on the border.
fn gradient_integral(p: &[u8; WINDOW * WINDOW], table: &mut [[i32; CHANNELS]]) {
    let n = WINDOW;
    let mut dx = [0i32; WINDOW * WINDOW];
    let mut dy = [0i32; WINDOW * WINDOW];
    for (row, out) in p.chunks_exact(n).zip(dx.chunks_exact_mut(n)) {
        out[0] = (i32::from(row[1]) - i32::from(row[0])) * 2;
        for x in 1..n - 1 {
            out[x] = i32::from(row[x + 1]) - i32::from(row[x - 1]);
        }
        out[n - 1] = (i32::from(row[n - 1]) - i32::from(row[n - 2])) * 2;
    }
    for (y, out) in dy.chunks_exact_mut(n).enumerate() {
        let (lo, hi, k) = match y {
            0 => (0, 1, 2),
            _ if y == n - 1 => (n - 2, n - 1, 2),
            _ => (y - 1, y + 1, 1),
        };
        let (a, b) = (&p[lo * n..][..n], &p[hi * n..][..n]);
        for ((o, &u), &v) in out.iter_mut().zip(a).zip(b) {
            *o = (i32::from(v) - i32::from(u)) * k;
        }
    }
    // The first row and column stay zero; the rest is overwritten.
    for y in 0..n {
        let mut run = [0i32; CHANNELS];
        for x in 0..n {
            let (gx, gy) = (dx[y * n + x], dy[y * n + x]);
            // All ones where negative.
            let (down, left) = (gy >> 31, gx >> 31);
            let (ax, ay) = (gx.abs(), gy.abs());
            let c = [gx & !down, ax & !down, gx & down, ax & down, gy & !left, ay & !left, gy & left, ay & left];
            let above = table[y * TABLE + x + 1];
            let cell = &mut table[(y + 1) * TABLE + x + 1];
            for k in 0..CHANNELS {
                run[k] += c[k];
                cell[k] = above[k] + run[k];
            }
        }
    }
}

/// A feature's 2×2 cells' channel sums, cells in reading order.
fn cell_sums(table: &[[i32; CHANNELS]], p: &Patch) -> [i32; FEATURE_DIM] {
    let (cw, ch) = (p.w / 2, p.h / 2);
    let mut out = [0i32; FEATURE_DIM];
    for (i, cell) in out.chunks_exact_mut(CHANNELS).enumerate() {
        let (x0, y0) = (p.x + (i % 2) * cw, p.y + (i / 2) * ch);
        let (x1, y1) = (x0 + cw, y0 + ch);
        let (a, b, c, d) =
            (&table[y0 * TABLE + x0], &table[y0 * TABLE + x1], &table[y1 * TABLE + x0], &table[y1 * TABLE + x1]);
        for k in 0..CHANNELS {
            cell[k] = d[k] - b[k] - c[k] + a[k];
        }
    }
    out
}

/// The cascade's merge: windows sorted by score, each kept window absorbing
/// (and adding the scores of) the later ones overlapping it by more than
/// `iou` (intersection over union, in whole pixels). `windows` is left sorted.
fn suppress_summing(windows: &mut [Window], iou: f32) -> Vec<Window> {
    windows.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    // Candidates by left edge: a window overlapping `a` by more than `iou`
    // has an area within a factor `iou` of a's (intersection ≤ the smaller
    // area, union ≥ the larger), so its side is under side_a / √iou and its
    // left edge lies in (x_a − side_a / √iou, x_a + side_a).
    let mut by_x: Vec<(i32, usize)> = windows.iter().enumerate().map(|(i, w)| (w.x, i)).collect();
    by_x.sort_unstable();
    let reach = |side: i32| -> i32 {
        if iou > 0.0 {
            (side.max(0) as f32 / iou.sqrt()).ceil() as i32 + 2
        } else {
            i32::MAX / 4
        }
    };
    let mut merged = vec![false; windows.len()];
    let mut kept = Vec::new();
    let mut near = Vec::new();
    for i in 0..windows.len() {
        if merged[i] {
            continue;
        }
        merged[i] = true;
        let a = windows[i];
        let area_a = (a.side.max(0) as u32).wrapping_mul(a.side.max(0) as u32) as f32;
        let (ax2, ay2) = (a.x + a.side - 1, a.y + a.side - 1);
        let lo = by_x.partition_point(|&(x, _)| x <= a.x.saturating_sub(reach(a.side)));
        let hi = by_x.partition_point(|&(x, _)| x <= ax2);
        near.clear();
        near.extend(by_x[lo..hi].iter().map(|&(_, j)| j).filter(|&j| j > i && !merged[j]));
        near.sort_unstable();
        let mut score = a.score;
        for &j in &near {
            let b = windows[j];
            let ix = a.x.max(b.x);
            let iy = a.y.max(b.y);
            let iw = ax2.min(b.x + b.side - 1) - ix + 1;
            let ih = ay2.min(b.y + b.side - 1) - iy + 1;
            if iw <= 0 || ih <= 0 {
                continue;
            }
            let area_b = (b.side.max(0) as u32).wrapping_mul(b.side.max(0) as u32) as f32;
            let inter = (iw * ih) as f32;
            if inter / (area_a + area_b - inter) > iou {
                merged[j] = true;
                score += b.score;
            }
        }
        kept.push(Window { score, ..a });
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reproducible grey test plane with structure at several scales.
    fn plane(w: usize, h: usize, seed: u32) -> Vec<u8> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..w * h)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let (x, y) = ((i % w) as f32, (i / w) as f32);
                let smooth = 120.0 + 80.0 * ((x / 7.0).sin() * (y / 11.0).cos());
                (smooth + (s % 40) as f32 - 20.0).clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    #[test]
    fn lab_codes_match_block_sums_by_brute_force() {
        let (w, h) = (23, 17);
        let p = plane(w, h, 3);
        let codes = lab_codes(&p, w, h);
        let block = |x: usize, y: usize| -> u32 {
            (0..3).flat_map(|j| (0..3).map(move |i| (i, j))).map(|(i, j)| u32::from(p[(y + j) * w + x + i])).sum()
        };
        for y in 0..=h - 9 {
            for x in 0..=w - 9 {
                let c = block(x + 3, y + 3);
                let order = [(0, 0, 7), (3, 0, 6), (6, 0, 5), (0, 3, 4), (6, 3, 3), (0, 6, 2), (3, 6, 1), (6, 6, 0)];
                let want =
                    order.iter().fold(0u8, |acc, &(dx, dy, bit)| acc | (u8::from(c >= block(x + dx, y + dy)) << bit));
                assert_eq!(codes[y * w + x], want, "code at ({x}, {y})");
            }
        }
    }

    #[test]
    fn window_patches_read_zero_outside_the_plane() {
        let (w, h) = (50, 45);
        let p = plane(w, h, 4);
        for b in [(-7, -5, 40), (20, 15, 40), (-10, 30, 61), (5, 3, 33), (30, -20, 2), (48, 40, 90)] {
            let b = Window { x: b.0, y: b.1, side: b.2, score: 0.0 };
            let side = b.side as usize;
            // The window as rustface cuts it: a zero-padded copy, then resized.
            let mut cut = vec![0u8; side * side];
            for y in 0..side {
                for x in 0..side {
                    let (px, py) = (b.x + x as i32, b.y + y as i32);
                    if (0..w as i32).contains(&px) && (0..h as i32).contains(&py) {
                        cut[y * side + x] = p[py as usize * w + px as usize];
                    }
                }
            }
            let want = if side == WINDOW { cut } else { point_bilinear(&cut, side, side, WINDOW, WINDOW) };
            assert_eq!(window_patch(&p, w, h, &b).to_vec(), want, "{b:?}");
        }
    }

    #[test]
    fn window_statistics_match_a_direct_sum() {
        for (w, h, stride) in [(57, 49, 5), (40, 40, 1), (95, 61, 17), (80, 90, 50)] {
            let p = plane(w, h, 9);
            let got = window_sums(&p, w, h, stride);
            let mut want = Vec::new();
            for y in (0..=h - WINDOW).step_by(stride) {
                for x in (0..=w - WINDOW).step_by(stride) {
                    let (mut s, mut q) = (0u32, 0u32);
                    for j in 0..WINDOW {
                        for i in 0..WINDOW {
                            let v = u32::from(p[(y + j) * w + x + i]);
                            s += v;
                            q += v * v;
                        }
                    }
                    want.push((s, q));
                }
            }
            assert_eq!(got, want, "{w}×{h} at stride {stride}");
        }
    }

    #[test]
    fn gradient_cells_match_a_direct_sum() {
        let p = plane(WINDOW, WINDOW, 5);
        let patch: [u8; WINDOW * WINDOW] = p.try_into().unwrap();
        let mut table = vec![[0i32; CHANNELS]; TABLE * TABLE];
        gradient_integral(&patch, &mut table);
        let g = |x: usize, y: usize| -> (i32, i32) {
            let v = |x: usize, y: usize| i32::from(patch[y * WINDOW + x]);
            let dx = if x == 0 {
                2 * (v(1, y) - v(0, y))
            } else if x == WINDOW - 1 {
                2 * (v(x, y) - v(x - 1, y))
            } else {
                v(x + 1, y) - v(x - 1, y)
            };
            let dy = if y == 0 {
                2 * (v(x, 1) - v(x, 0))
            } else if y == WINDOW - 1 {
                2 * (v(x, y) - v(x, y - 1))
            } else {
                v(x, y + 1) - v(x, y - 1)
            };
            (dx, dy)
        };
        for p in feature_pool().iter().step_by(7) {
            let got = cell_sums(&table, p);
            let (cw, ch) = (p.w / 2, p.h / 2);
            for cell in 0..4 {
                let (x0, y0) = (p.x + (cell % 2) * cw, p.y + (cell / 2) * ch);
                let mut want = [0i32; CHANNELS];
                for y in y0..y0 + ch {
                    for x in x0..x0 + cw {
                        let (dx, dy) = g(x, y);
                        let (c1, c2) = if dy >= 0 { (0, 1) } else { (2, 3) };
                        want[c1] += dx;
                        want[c2] += dx.abs();
                        let (c1, c2) = if dx >= 0 { (4, 5) } else { (6, 7) };
                        want[c1] += dy;
                        want[c2] += dy.abs();
                    }
                }
                assert_eq!(&got[cell * CHANNELS..][..CHANNELS], &want, "patch {p:?} cell {cell}");
            }
        }
    }

    #[test]
    fn layers_sum_each_output_in_input_order() {
        let (inputs, outputs) = (29, 37);
        let weights: Vec<f32> = (0..inputs * outputs).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 3e3).collect();
        let input: Vec<f32> = (0..inputs).map(|i| ((i * 31 % 17) as f32 - 8.0) / 7.0).collect();
        let bias: Vec<f32> = (0..outputs).map(|o| o as f32 * 0.1 - 0.2).collect();
        let mut t = vec![0.0; inputs * outputs];
        for o in 0..outputs {
            for j in 0..inputs {
                t[j * outputs + o] = weights[o * inputs + j];
            }
        }
        for logistic in [false, true] {
            let layer = Layer { inputs, outputs, weights: t.clone(), bias: bias.clone(), logistic };
            let got = layer.forward(&input);
            for o in 0..outputs {
                let sum: f32 =
                    input.iter().zip(&weights[o * inputs..][..inputs]).map(|(a, b)| a * b).sum::<f32>() + bias[o];
                let want = if logistic { 1.0 / (1.0 + (-sum).exp()) } else { sum.max(0.0) };
                assert_eq!(got[o].to_bits(), want.to_bits(), "output {o}");
            }
        }
    }

    #[test]
    fn the_feature_pool_has_the_models_size() {
        // The frontal model numbers its features in a pool of this size.
        let pool = feature_pool();
        assert_eq!(pool.len(), 56);
        assert_eq!(pool[0], Patch { x: 0, y: 0, w: 16, h: 16 });
        assert!(pool.iter().all(|p| p.x + p.w <= WINDOW && p.y + p.h <= WINDOW && p.w % 2 == 0 && p.h % 2 == 0));
    }

    #[test]
    fn truncated_or_padded_models_are_refused() {
        let model = include_bytes!("../weights/seeta_fd_frontal_v1.0.bin");
        if let Err(e) = Cascade::parse(model) {
            panic!("{e}");
        }
        assert!(Cascade::parse(&model[..model.len() - 4]).is_err());
        let mut longer = model.to_vec();
        longer.extend([0, 0, 0, 0]);
        assert!(Cascade::parse(&longer).is_err());
        assert!(Cascade::parse(&[]).is_err());
    }

    #[test]
    fn merging_matches_a_scan_of_all_pairs() {
        // Windows of many sizes and places, some with equal scores.
        let mut s = 7u32;
        let mut next = |m: u32| {
            s = s.wrapping_mul(1103515245).wrapping_add(12345);
            (s >> 8) % m
        };
        let windows: Vec<Window> = (0..400)
            .map(|_| {
                let side = 40 + next(200) as i32;
                Window { x: next(600) as i32 - 50, y: next(400) as i32 - 50, side, score: f64::from(next(50)) / 7.0 }
            })
            .collect();
        for iou in [0.3, 0.8, 0.05] {
            let mut sorted = windows.clone();
            let got = suppress_summing(&mut sorted, iou);
            let mut merged = vec![false; sorted.len()];
            let mut want = Vec::new();
            for i in 0..sorted.len() {
                if merged[i] {
                    continue;
                }
                let a = sorted[i];
                let mut score = a.score;
                for j in i + 1..sorted.len() {
                    let b = sorted[j];
                    let iw = (a.x + a.side - 1).min(b.x + b.side - 1) - a.x.max(b.x) + 1;
                    let ih = (a.y + a.side - 1).min(b.y + b.side - 1) - a.y.max(b.y) + 1;
                    if merged[j] || iw <= 0 || ih <= 0 {
                        continue;
                    }
                    let (aa, ab, inter) = ((a.side * a.side) as f32, (b.side * b.side) as f32, (iw * ih) as f32);
                    if inter / (aa + ab - inter) > iou {
                        merged[j] = true;
                        score += b.score;
                    }
                }
                want.push(Window { score, ..a });
            }
            assert_eq!(got, want, "iou {iou}");
            assert!(got.len() < windows.len());
        }
    }

    #[test]
    fn merging_sums_the_scores_of_overlapping_windows() {
        let mut w = vec![
            Window { x: 0, y: 0, side: 40, score: 1.0 },
            Window { x: 2, y: 1, side: 40, score: 3.0 },
            Window { x: 100, y: 0, side: 40, score: 2.0 },
        ];
        let kept = suppress_summing(&mut w, 0.3);
        assert_eq!(kept.len(), 2);
        assert_eq!((kept[0].x, kept[0].score), (2, 4.0));
        assert_eq!((kept[1].x, kept[1].score), (100, 2.0));
    }
    /// The cascade against the `rustface` port on the bundled photos, at
    /// mien's settings and others: the same windows, scores bit for bit.
    #[test]
    fn same_windows_as_the_rustface_port() {
        use mien_core::image::{load, DecodeLimits};
        let model = include_bytes!("../weights/seeta_fd_frontal_v1.0.bin");
        let ours = Cascade::parse(model).unwrap();
        let theirs = rustface::read_model(std::io::Cursor::new(&model[..])).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mien/samples");
        let mut checked = 0;
        for name in ["astronaut.png", "chelsea.png", "solvay_1927.png"] {
            let grey = load(&dir.join(name), DecodeLimits::default()).unwrap().to_grey();
            let (w, h) = (grey.width(), grey.height());
            for (step, stride, max_face, threads) in [(0.7, 5, 0, 2), (0.8, 4, 0, 1), (0.7, 6, 120, 3)] {
                let mut d = rustface::create_detector_with_model(theirs.clone());
                d.set_min_face_size(40);
                if max_face > 0 {
                    d.set_max_face_size(max_face);
                }
                d.set_score_thresh(f64::MIN_POSITIVE);
                d.set_pyramid_scale_factor(step);
                d.set_slide_window_step(stride, stride);
                let want: Vec<Window> = d
                    .detect(&rustface::ImageData::new(grey.plane(0), w as u32, h as u32))
                    .iter()
                    .map(|f| {
                        let b = f.bbox();
                        assert_eq!(b.width(), b.height());
                        Window { x: b.x(), y: b.y(), side: b.width() as i32, score: f.score() }
                    })
                    .collect();
                let scan = Scan { max_face, pyramid_step: step, stride: stride as usize, threads };
                let got = ours.detect(grey.plane(0), w, h, &scan);
                assert_eq!(got, want, "{name} at step {step}, stride {stride}, max face {max_face}");
                checked += want.len();
            }
        }
        assert!(checked > 40, "only {checked} faces compared");
    }

    #[test]
    fn point_bilinear_samples_at_the_scaled_corners() {
        // A horizontal ramp 0, 10, …, 70: sampling at x·8/4 = 0, 2, 4, 6.
        let src: Vec<u8> = (0..8).map(|x| 10 * x).collect::<Vec<_>>().repeat(2);
        assert_eq!(point_bilinear(&src, 8, 2, 4, 1), vec![0, 20, 40, 60]);
        // Half-way samples interpolate (and truncate, as the cascade does).
        assert_eq!(point_bilinear(&[0, 5, 0, 5], 2, 2, 3, 2)[1], 3);
    }
}
