//! Paired datasets: `DIR/trainA` ↔ `DIR/trainB` (and `testA` ↔ `testB`).
//!
//! Pairs match by file stem. Images are kept as raw 8-bit planes with each
//! image's normalisation stored beside it, so a dataset of 100 1024×1024 RGB
//! pairs holds 600 MB rather than 2.4 GB of floats; the models normalise rows
//! on the fly while they accumulate their sums.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::image::{self, DecodeLimits, Image};
use crate::normalize::{Affine, Normalize};

/// Which half of a paired dataset to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// `trainA` / `trainB`.
    Train,
    /// `testA` / `testB`.
    Test,
}

impl Split {
    fn dirs(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => ("trainA", "trainB"),
            Split::Test => ("testA", "testB"),
        }
    }
}

/// Image sides a dataset can be resized to for training and evaluation
/// (`LoadOptions::size`). Below 8 pixels a face has no structure left; above
/// 8192 one image plane alone passes 64 MB. Whether a fit at a given side
/// fits in memory is a separate question (each front end estimates it).
pub const SIZES: std::ops::RangeInclusive<usize> = 8..=8192;

/// How images are read into a dataset.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Resize every image to `size × size` (bilinear, see [`image::resize_bilinear`]).
    /// `None`: all images must already share one size.
    pub size: Option<usize>,
    /// Normalisation recorded for each image.
    pub normalize: Normalize,
    /// Header limits checked before decoding.
    pub limits: DecodeLimits,
}

impl LoadOptions {
    /// Checks the resize side before any image is read: a side of 0 has no
    /// pixels, and one past [`SIZES`] would allocate gigabytes per image.
    /// Sides under 8 are allowed here (models imported at tiny sizes are
    /// evaluated at their own size); front ends that train ask for [`SIZES`].
    pub fn check(&self) -> Result<()> {
        match self.size {
            Some(s) if s == 0 || s > *SIZES.end() => {
                Err(Error::param("size", s, format!("between 1 and {} pixels", SIZES.end())))
            }
            _ => Ok(()),
        }
    }
}

/// One input/target pair with its normalisation.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The shared file stem.
    pub name: String,
    /// Input image (e.g. neutral).
    pub input: Image<u8>,
    /// Target image (e.g. happy).
    pub target: Image<u8>,
    /// Normalisation of the input.
    pub input_norm: Affine,
    /// Normalisation of the target.
    pub target_norm: Affine,
}

/// Input/target pairs of one size and channel count.
#[derive(Clone, Debug)]
pub struct PairedDataset {
    /// Width of every image.
    pub width: usize,
    /// Height of every image.
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Normalisation applied to every image.
    pub normalize: Normalize,
    /// The pairs, sorted by name.
    pub pairs: Vec<Pair>,
    /// Where the pairs came from (folder name), for the model's metadata.
    pub source: String,
}

impl PairedDataset {
    /// Reads `dir/trainA` + `dir/trainB` (or the test split).
    pub fn load(dir: &Path, split: Split, opts: &LoadOptions) -> Result<Self> {
        let (a, b) = split.dirs();
        let list_a = list_images(&dir.join(a))?;
        let list_b = list_images(&dir.join(b))?;
        let mut unmatched = Vec::new();
        let mut pairs_paths = Vec::new();
        for (stem, pa) in &list_a {
            match list_b.get(stem) {
                Some(pb) => pairs_paths.push((stem.clone(), pa.clone(), pb.clone())),
                None => unmatched.push(pa.clone()),
            }
        }
        unmatched.extend(list_b.iter().filter(|(s, _)| !list_a.contains_key(*s)).map(|(_, p)| p.clone()));
        if !unmatched.is_empty() {
            return Err(Error::UnmatchedPairs { dir: dir.to_path_buf(), unmatched });
        }
        if pairs_paths.is_empty() {
            return Err(Error::EmptyDataset { path: dir.join(a) });
        }
        let source =
            dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
        Self::from_files(&pairs_paths, opts, source)
    }

    /// Builds a dataset from `(name, input path, target path)` triples.
    pub fn from_files(files: &[(String, PathBuf, PathBuf)], opts: &LoadOptions, source: String) -> Result<Self> {
        opts.check()?;
        let images: Vec<(String, Image<u8>, Image<u8>)> = files
            .par_iter()
            .map(|(name, pa, pb)| Ok((name.clone(), read_sized(pa, opts)?, read_sized(pb, opts)?)))
            .collect::<Result<_>>()?;
        let paths: Vec<(PathBuf, PathBuf)> = files.iter().map(|(_, pa, pb)| (pa.clone(), pb.clone())).collect();
        Self::from_images(images, &paths, opts.normalize, source)
    }

    /// Builds a dataset from decoded images; `paths` (same order) name them in errors.
    pub fn from_images(
        images: Vec<(String, Image<u8>, Image<u8>)>,
        paths: &[(PathBuf, PathBuf)],
        normalize: Normalize,
        source: String,
    ) -> Result<Self> {
        let first = images.first().ok_or_else(|| Error::EmptyDataset { path: PathBuf::from(&source) })?;
        let (w, h) = (first.1.width(), first.1.height());
        let channels = if images.iter().any(|(_, a, b)| a.channels() == 3 || b.channels() == 3) { 3 } else { 1 };
        let names: Vec<String> = images.iter().map(|(n, _, _)| n.clone()).collect();
        let name_of = |i: usize, which: usize| {
            paths
                .get(i)
                .map(|p| if which == 0 { p.0.clone() } else { p.1.clone() })
                .unwrap_or_else(|| PathBuf::from(&names[i]))
        };
        let mut pairs = Vec::with_capacity(images.len());
        for (i, (name, a, b)) in images.into_iter().enumerate() {
            for (which, img) in [(0, &a), (1, &b)] {
                if img.width() != w || img.height() != h {
                    return Err(Error::SizeMismatch {
                        path: name_of(i, which),
                        expected_w: w,
                        expected_h: h,
                        actual_w: img.width(),
                        actual_h: img.height(),
                        hint: "all training images must share one size: resize them when loading (`LoadOptions::size`)"
                            .into(),
                    });
                }
            }
            let rgb = |img: Image<u8>| if img.channels() == channels { img } else { img.to_rgb() };
            let (a, b) = (rgb(a), rgb(b));
            let input_norm = normalize.affine_for(&a, &name_of(i, 0))?;
            let target_norm = normalize.affine_for(&b, &name_of(i, 1))?;
            pairs.push(Pair { name, input: a, target: b, input_norm, target_norm });
        }
        pairs.sort_by(|x, y| x.name.cmp(&y.name));
        Ok(Self { width: w, height: h, channels, normalize, pairs, source })
    }

    /// The same pairs reduced to one grey channel (BT.601).
    pub fn to_grey(&self) -> Result<Self> {
        let mut out = self.clone();
        out.channels = 1;
        for p in &mut out.pairs {
            p.input = p.input.to_grey();
            p.target = p.target.to_grey();
            p.input_norm = self.normalize.affine_for(&p.input, Path::new(&p.name))?;
            p.target_norm = self.normalize.affine_for(&p.target, Path::new(&p.name))?;
        }
        Ok(out)
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Reads one image and resizes it when asked (rounded back to 8 bits, as
/// OpenCV's `resize` on 8-bit images does).
pub fn read_sized(path: &Path, opts: &LoadOptions) -> Result<Image<u8>> {
    opts.check()?;
    let img = image::load(path, opts.limits)?;
    Ok(match opts.size {
        Some(s) if s != img.width() || s != img.height() => image::resize_bilinear(&img.view(), s, s).to_u8(),
        _ => img,
    })
}

/// Files in a folder, by stem. Hidden files are skipped; every other file is
/// taken as an image, so a stray non-image fails loudly at decode time
/// instead of silently shrinking the dataset.
fn list_images(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = BTreeMap::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        out.insert(stem, path);
    }
    Ok(out)
}
