//! From any expression to any other (issue 14), leave one subject out over
//! an aligned folder (`mien align --expression all`): for each subject, fit
//! the deformation model (`loso.rs`'s recipe: λ = 30 texture, landmark
//! motion) on the other subjects, edit a few crops of each of the subject's
//! seven expressions (neutral included) towards each other expression, and
//! compare edit and source with the subject's real target crops (MSE on grey,
//! the expression-feature distance of `mien::face::strength`, mean landmark
//! distance in pixels; see `eval.rs`). Prints 7×7 markdown tables
//! (rows: source, columns: target; cells `edit / source`, ✗ where the edit is
//! not closer) and the mouth-corner lift of happy sources edited to the
//! other expressions.
//!
//! ```sh
//! cargo run --release -p mien --example any2any -- ALIGNED_DIR [--only PREFIX,…] [--per N] [--auto] [--save DIR]
//! ```
//!
//! `--only` leaves out only the subjects whose names start with a prefix;
//! `--per N` takes up to N crops per expression and subject (default 2, so up
//! to 4 triples per cell and subject); `--auto` adds the tables with the
//! source estimated by the classifier (`Source::Auto`) beside the known
//! source (`Source::Au` of the source's prototype, zero for neutral);
//! `--save DIR` writes one PNG per subject: row = source, column 0 the
//! source crop, then its edit to each target; the last row the real targets.

mod eval;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use eval::{Corpus, From, Grid, Res, EXPRESSIONS};
use mien::core::image::{save_png, Image};
use mien::measure::StrengthMeter;

struct Args {
    dir: PathBuf,
    only: Vec<String>,
    per: usize,
    auto: bool,
    save: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut a = Args { dir: PathBuf::new(), only: Vec::new(), per: 2, auto: false, save: None };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(x) = it.next() {
        match x.as_str() {
            "--only" => {
                a.only = it.next().ok_or("--only takes subject prefixes")?.split(',').map(String::from).collect()
            }
            "--per" => a.per = it.next().and_then(|v| v.parse().ok()).ok_or("--per takes a number")?,
            "--auto" => a.auto = true,
            "--save" => a.save = Some(it.next().ok_or("--save takes a folder")?.into()),
            _ if dir.is_none() && !x.starts_with('-') => dir = Some(PathBuf::from(x)),
            _ => return Err(format!("unexpected argument `{x}`")),
        }
    }
    a.dir = dir.ok_or("usage: any2any ALIGNED_DIR [--only PREFIX,…] [--per N] [--auto] [--save DIR]")?;
    Ok(a)
}

fn main() -> Res<()> {
    let a = args()?;
    let t0 = Instant::now();
    let meter = StrengthMeter::new()?;
    let corpus = Corpus::load(&a.dir, &meter)?;
    let subjects: Vec<String> = corpus
        .subjects()
        .into_iter()
        .filter(|s| a.only.is_empty() || a.only.iter().any(|p| s.starts_with(p.as_str())))
        .collect();
    eprintln!("{} subjects, landmarks in {:.0} s", subjects.len(), t0.elapsed().as_secs_f64());
    let params = eval::default_params();
    let mut known = eval::empty_grid();
    let mut auto = eval::empty_grid();
    for (fold, s) in subjects.iter().enumerate() {
        let model = corpus.fit_without(&BTreeSet::from([s.clone()]), &params)?;
        let faces = corpus.faces(s, a.per);
        let samples = eval::evaluate(&model, &meter, &faces, From::Known, &mut known)?;
        if a.auto {
            eval::evaluate(&model, &meter, &faces, From::Auto, &mut auto)?;
        }
        if let Some(dir) = &a.save {
            std::fs::create_dir_all(dir)?;
            save_png(&sheet(&faces, &samples), &dir.join(format!("{s}.png")))?;
        }
        let counts: Vec<usize> = faces.iter().map(Vec::len).collect();
        eprintln!(
            "fold {}/{} ({s}, crops {counts:?}) done at {:.0} s",
            fold + 1,
            subjects.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    println!("## Known source (`Source::Au` of the source's prototype; neutral = zero)\n");
    print_grid(&known);
    if a.auto {
        println!("## Source::Auto (the classifier on the source crop)\n");
        print_grid(&auto);
    }
    eprintln!("finished in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn print_grid(grid: &Grid) {
    let triples: usize = grid.iter().flatten().map(|c| c.triples.len()).sum();
    let fails = |k: usize| grid.iter().flatten().filter(|c| !c.triples.is_empty() && !c.closer()[k]).count();
    println!(
        "{triples} triples; cells where the edit is not closer: MSE {}, features {}, landmark px {}\n",
        fails(0),
        fails(1),
        fails(2)
    );
    println!("{}", eval::table(grid, "MSE", |c| c.mse(), 4));
    println!("{}", eval::table(grid, "features", |c| c.feature(), 3));
    println!("{}", eval::table(grid, "landmark px", |c| c.pixels(), 2));
    println!("{}", eval::lift_table(grid));
}

/// Row per source: the source crop, then its edit to each target (the
/// source again on the diagonal); last row: the real targets.
fn sheet(faces: &[Vec<(String, Image<u8>)>], samples: &[eval::Sample]) -> Image<u8> {
    let n = EXPRESSIONS.len();
    let side = faces.iter().flatten().map(|f| f.1.width()).max().unwrap_or(128);
    let (w, h) = ((n + 1) * side, (n + 1) * side);
    let mut data = vec![0u8; 3 * w * h];
    let mut put = |row: usize, col: usize, img: &Image<u8>| {
        let img = img.to_rgb();
        for c in 0..3 {
            for y in 0..img.height().min(side) {
                for x in 0..img.width().min(side) {
                    data[c * w * h + (row * side + y) * w + col * side + x] =
                        img.data()[c * img.width() * img.height() + y * img.width() + x];
                }
            }
        }
    };
    for (s, f) in faces.iter().enumerate() {
        if let Some((_, img)) = f.first() {
            put(s, 0, img);
            put(s, s + 1, img);
            put(n, s + 1, img);
        }
    }
    for (s, t, _, edit, _) in samples {
        put(*s, t + 1, edit);
    }
    Image::from_planar(w, h, 3, data).expect("sized")
}
