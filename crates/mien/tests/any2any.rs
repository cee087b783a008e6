//! From any expression to any other (issue 14) on held-out subjects: the
//! deformation model, told the source expression, edits every expression
//! (neutral included) towards every other so that the edit is closer to the
//! subject's real target photo than the source is (in most cells: the bars
//! are the measured levels, see the README), and a smiling face edited to
//! neutral or sad loses most of its smile (angry keeps more on JAFFE). The measures and the full
//! Taiwanese table are in `examples/any2any` and the README ("From any
//! expression to any other").
//!
//! Needs aligned data: `MIEN_ALIGNED_JAFFE` (made by `.ci/run` with
//! `mien align --jaffe … --expression all`) and, for the Taiwanese test,
//! `MIEN_ALIGNED_TAIWANESE` (`mien align --taiwanese … --expression all`);
//! each prints SKIPPED without its folder.

#[path = "../examples/any2any/eval.rs"]
mod eval;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use eval::{Corpus, From, Grid, EXPRESSIONS};
use mien::measure::StrengthMeter;

fn aligned(var: &str, how: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var).map(PathBuf::from).filter(|d| d.is_dir());
    if dir.is_none() {
        println!("SKIPPED: set {var} to the output of `{how}`");
    }
    dir
}

/// Leave-one-subject-out over `subjects` (a fit per subject), known sources.
fn loso(dir: &Path, subjects: Option<&[&str]>, per: usize) -> Grid {
    let t0 = Instant::now();
    let meter = StrengthMeter::new().unwrap();
    let corpus = Corpus::load(dir, &meter).unwrap();
    let all = corpus.subjects();
    let chosen: Vec<String> = match subjects {
        Some(s) => s.iter().map(|s| s.to_string()).filter(|s| all.contains(s)).collect(),
        None => all.into_iter().collect(),
    };
    assert!(chosen.len() >= 2, "held-out subjects found: {chosen:?}");
    let mut grid = eval::empty_grid();
    for s in &chosen {
        let model = corpus.fit_without(&BTreeSet::from([s.clone()]), &eval::default_params()).unwrap();
        eval::evaluate(&model, &meter, &corpus.faces(s, per), From::Known, &mut grid).unwrap();
    }
    println!("{} held-out subjects in {:.0} s", chosen.len(), t0.elapsed().as_secs_f64());
    println!("{}", eval::table(&grid, "MSE", |c| c.mse(), 4));
    println!("{}", eval::table(&grid, "features", |c| c.feature(), 3));
    println!("{}", eval::table(&grid, "landmark px", |c| c.pixels(), 2));
    println!("{}", eval::lift_table(&grid));
    grid
}

/// The cells (source → target) where the edit is not closer by measure `k`
/// (0 MSE, 1 features, 2 landmark pixels).
fn failing(grid: &Grid, k: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (s, row) in grid.iter().enumerate() {
        for (t, cell) in row.iter().enumerate() {
            if s != t {
                assert!(!cell.triples.is_empty(), "no triples for {} → {}", EXPRESSIONS[s], EXPRESSIONS[t]);
                if !cell.closer()[k] {
                    out.push(format!("{}→{}", EXPRESSIONS[s], EXPRESSIONS[t]));
                }
            }
        }
    }
    out
}

/// Mean over the 42 cells of edit / source, for MSE, features and landmark pixels.
fn mean_ratios(grid: &Grid) -> [f64; 3] {
    let cells: Vec<&eval::Cell> = grid
        .iter()
        .enumerate()
        .flat_map(|(s, r)| r.iter().enumerate().filter(move |(t, _)| *t != s).map(|(_, c)| c))
        .collect();
    let r = |f: &dyn Fn(&eval::Cell) -> [f64; 2]| {
        cells.iter().map(|c| f(c)).map(|[e, s]| e / s).sum::<f64>() / cells.len() as f64
    };
    [r(&|c| c.mse()), r(&|c| c.feature()), r(&|c| c.pixels())]
}

/// What must keep holding, with the full tables' levels (README) as the bars.
struct Bars {
    /// Fewest cells (of 42) where the edit is closer: MSE, features, landmark pixels.
    closer: [usize; 3],
    /// Largest mean edit / source ratio over the cells.
    ratio: [f64; 3],
    /// Largest part of a happy source's lift gap left by the edit to neutral, sad, angry.
    lift_gap: [f64; 3],
}

fn check(grid: &Grid, bars: &Bars) {
    let ratios = mean_ratios(grid);
    println!(
        "mean edit / source over the cells: MSE {:.3}, features {:.3}, landmark px {:.3}",
        ratios[0], ratios[1], ratios[2]
    );
    for (k, name) in ["MSE", "features", "landmark px"].iter().enumerate() {
        let fails = failing(grid, k);
        println!("{name}: closer in {} of 42 cells; not in {fails:?}", 42 - fails.len());
        assert!(
            42 - fails.len() >= bars.closer[k],
            "{name}: the edit is closer in only {} of 42 cells",
            42 - fails.len()
        );
        assert!(ratios[k] <= bars.ratio[k], "{name}: mean edit / source {:.3} above {}", ratios[k], bars.ratio[k]);
    }
    // Smiles in and out: every cell from or to happy is closer in expression features.
    for e in 0..EXPRESSIONS.len() {
        for (s, t) in [(1, e), (e, 1)] {
            if s != t {
                let [ed, src] = grid[s][t].feature();
                assert!(
                    ed < src,
                    "{} → {}: features {ed:.3} not below the source's {src:.3}",
                    EXPRESSIONS[s],
                    EXPRESSIONS[t]
                );
            }
        }
    }
    // A smiling source edited to neutral, sad or angry loses the smile: at most `bar` of the
    // lift gap between source and real target is left above the target. Going past the target
    // (corners lower than the real face's: `left` < 0) is bounded separately, by half the gap.
    for (bar, t) in bars.lift_gap.iter().zip([0, 3, 4]) {
        let cell = &grid[1][t];
        let [s, e, tg] = cell.lift();
        let (gap, left) = (cell.lift_gap_left(), (e - tg) / (s - tg));
        println!(
            "happy → {}: lift source {s:.3}, edit {e:.3}, target {tg:.3}; gap left {gap:.3} ({})",
            EXPRESSIONS[t],
            if left < 0.0 { "past the target" } else { "short of the target" }
        );
        assert!(e < s, "happy → {}: the lift grew", EXPRESSIONS[t]);
        assert!(left <= *bar, "happy → {}: the edit leaves {left:.3} of the lift gap (bar {bar})", EXPRESSIONS[t]);
        assert!(left >= -0.5, "happy → {}: the edit goes {:.3} of the gap past the target", EXPRESSIONS[t], -left);
    }
}

#[test]
fn any_expression_to_any_other_on_held_out_jaffe_subjects() {
    let Some(dir) =
        aligned("MIEN_ALIGNED_JAFFE", "mien align --jaffe ../shared/data/jaffe --expression all (.ci/run does)")
    else {
        return;
    };
    let grid = loso(&dir, Some(&["KA", "KL", "KM", "KR"]), 2);
    // Measured: closer in 29 / 38 / 30 cells, lift gap left 0.21 / 0.16 / 0.60. JAFFE's angry
    // takes keep more of the smile than the 25 % (its happy takes smile little).
    check(&grid, &Bars { closer: [26, 35, 28], ratio: [0.97, 0.80, 0.95], lift_gap: [0.25, 0.25, 0.75] });
}

#[test]
fn any_expression_to_any_other_on_held_out_taiwanese_subjects() {
    let Some(dir) =
        aligned("MIEN_ALIGNED_TAIWANESE", "mien align --taiwanese ../shared/data/taiwanese --expression all")
    else {
        return;
    };
    let grid = loso(&dir, Some(&["tw01", "tw02", "tw05"]), 3);
    // Measured: closer in 36 / 33 / 36 cells, lift gap left 0.10 / 0.42 / 0.22: on these three
    // performers sad goes past the real sad faces' corners (which barely drop); over all 24
    // folds (README) the gap left is 0.13 / 0.20 / 0.24.
    check(&grid, &Bars { closer: [32, 30, 32], ratio: [0.97, 0.85, 0.95], lift_gap: [0.25, 0.25, 0.25] });
}
