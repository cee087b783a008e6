//! `mien demo`: an end-to-end round trip on generated data — write a paired
//! dataset, train `masked` and `pixel`, apply, evaluate — so a fresh checkout
//! can see the whole tool work with nothing but the binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use mien_core::image;
use mien_core::synthetic::{self, LocalMap, Rng};

use super::check_writable_dir;
use crate::args::{self, ApplyArgs, Channels, EvalArgs, ModelKind, NormalizeArg, OutputModeArg, PriorArg, TrainArgs};

pub fn run(a: args::DemoArgs) -> Result<ExitCode> {
    let start = Instant::now();
    let dir = match a.output {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("mien-demo-{}", std::process::id())),
    };
    check_writable_dir(&dir).context("-o")?;
    let data = dir.join("data");
    write_dataset(&data, 64, 40, 10)?;
    eprintln!("generated 40 training and 10 test pairs (64×64) in {}", data.display());
    let mut models = Vec::new();
    for (kind, r) in [(ModelKind::Masked, 3), (ModelKind::Pixel, 3)] {
        let out = dir.join(format!("{}.safetensors", if kind == ModelKind::Masked { "masked" } else { "pixel" }));
        super::train::run(TrainArgs {
            model: kind,
            data: data.clone(),
            size: None,
            receptive_field: r,
            lambda: Some(0.001),
            prior: PriorArg::Identity,
            no_penalize_bias: false,
            channels: Channels::Separate,
            gamma: 10.0,
            centres: 12,
            normalize: NormalizeArg::Unit,
            output_mode: OutputModeArg::Clip,
            expression: None,
            output: out.clone(),
        })?;
        models.push(out);
    }
    let inputs: Vec<PathBuf> =
        std::fs::read_dir(data.join("testA"))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    super::apply::run(ApplyArgs {
        model: models[0].clone(),
        inputs,
        output: dir.join("applied"),
        resize: false,
        output_mode: None,
        side_by_side: true,
    })?;
    super::eval::run(EvalArgs {
        models: models.clone(),
        data: data.clone(),
        csv: Some(dir.join("eval.csv")),
        grid: Some(dir.join("grid.png")),
        grid_rows: 6,
    })?;
    eprintln!("demo finished in {:.2} s; outputs in {}", start.elapsed().as_secs_f64(), dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes a synthetic paired dataset whose targets are a known local linear map of the inputs.
pub fn write_dataset(dir: &Path, size: usize, train: usize, test: usize) -> Result<()> {
    let mut rng = Rng::new(7);
    let map = LocalMap::random(&mut rng, size, size, 3);
    for (split, n) in [("train", train), ("test", test)] {
        let (da, db) = (dir.join(format!("{split}A")), dir.join(format!("{split}B")));
        std::fs::create_dir_all(&da)?;
        std::fs::create_dir_all(&db)?;
        for (i, (x, t)) in synthetic::pairs(&mut rng, n, 1, &map, 0.005).into_iter().enumerate() {
            image::save_png(&x, &da.join(format!("img_{i}.png")))?;
            image::save_png(&t, &db.join(format!("img_{i}.png")))?;
        }
    }
    Ok(())
}
