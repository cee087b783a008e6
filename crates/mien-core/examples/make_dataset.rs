//! Writes paired datasets for benchmarks and the README's figures.
//!
//! ```text
//! cargo run --release -p mien-core --example make_dataset -- jaffe-centre OUT [TEST_SUBJECTS]
//! cargo run --release -p mien-core --example make_dataset -- synthetic OUT SIZE PAIRS CHANNELS
//! ```
//! `jaffe-centre`: JAFFE neutral→happy from `../shared/data/jaffe`, rows
//! 40..232 × columns 32..224 resized to 128×128, every neutral take paired
//! with every happy take of the same subject; subjects in TEST_SUBJECTS
//! (default KA,KL) go to testA/testB. `synthetic`: smooth random images and a
//! known local linear map (see `mien_core::synthetic`).

use std::path::{Path, PathBuf};

use mien_core::image::{self, save_png, DecodeLimits, Image};
use mien_core::synthetic::{self, LocalMap, Rng};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("jaffe-centre") if args.len() >= 2 => {
            let test = args.get(2).map(String::as_str).unwrap_or("KA,KL");
            jaffe(Path::new(&args[1]), &test.split(',').collect::<Vec<_>>())
        }
        Some("synthetic") if args.len() == 5 => {
            let n = |i: usize| args[i].parse::<usize>().map_err(|e| format!("{}: {e}", args[i]));
            (|| synthetic_set(Path::new(&args[1]), n(2)?, n(3)?, n(4)?))()
        }
        _ => Err("usage: make_dataset jaffe-centre OUT [KA,KL] | synthetic OUT SIZE PAIRS CHANNELS".into()),
    };
    if let Err(e) = result {
        eprintln!("make_dataset: {e}");
        std::process::exit(2);
    }
}

fn centre_crop(img: &Image<u8>) -> Image<u8> {
    let (x0, y0, s) = (32, 40, 192);
    let src = img.plane(0);
    let data: Vec<u8> = (0..s * s).map(|i| src[(y0 + i / s) * img.width() + x0 + i % s]).collect();
    image::resize_bilinear(&Image::from_planar(s, s, 1, data).unwrap().view(), 128, 128).to_u8()
}

fn jaffe(out: &Path, test: &[&str]) -> Result<(), String> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/jaffe"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let take = |expr: &str, subj: &str| -> Vec<&String> {
        names.iter().filter(|n| n.starts_with(&format!("{subj}.{expr}"))).collect()
    };
    let mut subjects: Vec<&str> = names.iter().filter_map(|n| n.split('.').next()).collect();
    subjects.dedup();
    let mut count = 0;
    for subj in subjects {
        let split = if test.contains(&subj) { "test" } else { "train" };
        let (da, db) = (out.join(format!("{split}A")), out.join(format!("{split}B")));
        std::fs::create_dir_all(&da).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&db).map_err(|e| e.to_string())?;
        for ne in take("NE", subj) {
            let x =
                centre_crop(&image::load(&dir.join(ne), DecodeLimits::default()).map_err(|e| e.to_string())?.to_grey());
            for ha in take("HA", subj) {
                let t = centre_crop(
                    &image::load(&dir.join(ha), DecodeLimits::default()).map_err(|e| e.to_string())?.to_grey(),
                );
                let stem = format!("{}__{}", ne.trim_end_matches(".tiff"), ha.trim_end_matches(".tiff"));
                save_png(&x, &da.join(format!("{stem}.png"))).map_err(|e| e.to_string())?;
                save_png(&t, &db.join(format!("{stem}.png"))).map_err(|e| e.to_string())?;
                count += 1;
            }
        }
    }
    eprintln!("wrote {count} pairs to {}", out.display());
    Ok(())
}

fn synthetic_set(out: &Path, size: usize, pairs: usize, channels: usize) -> Result<(), String> {
    let mut rng = Rng::new(1);
    let map = LocalMap::random(&mut rng, size, size, 3);
    let (da, db) = (out.join("trainA"), out.join("trainB"));
    std::fs::create_dir_all(&da).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&db).map_err(|e| e.to_string())?;
    for i in 0..pairs {
        let (x, t) = synthetic::pairs(&mut rng, 1, channels, &map, 0.005).remove(0);
        save_png(&x, &da.join(format!("img_{i:04}.png"))).map_err(|e| e.to_string())?;
        save_png(&t, &db.join(format!("img_{i:04}.png"))).map_err(|e| e.to_string())?;
    }
    eprintln!("wrote {pairs} pairs of {size}×{size}×{channels} to {}", out.display());
    Ok(())
}
