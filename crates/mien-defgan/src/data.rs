//! Training images with AU labels, and batches drawn from them.
//!
//! Every image of an aligned folder is a training image labelled with its
//! expression's prototype AU vector (neutral: all zeros). The pairs are kept
//! only for the optional paired L1 term: in the self-supervised setting a
//! batch's target AU vectors are the labels of other, independently drawn
//! images, and no image is ever compared with its expression's photo.

use std::collections::HashMap;

use burn::prelude::*;
use mien_core::dataset::PairedDataset;
use mien_core::image::Image;
use mien_core::synthetic::Rng;
use mien_deform::au::{AuVector, AU_COUNT};

use crate::error::{Error, Result};

/// Images in [-1, 1] (planar, `channels` planes of `size²`), their labels and the pairs.
#[derive(Clone, Debug)]
pub struct TrainSet {
    /// Crop side.
    pub size: usize,
    /// Channels per image.
    pub channels: usize,
    /// Pixels, image after image.
    pub pixels: Vec<f32>,
    /// One AU label per image.
    pub labels: Vec<AuVector>,
    /// (source, target) image indices of each neutral → expression pair.
    pub pairs: Vec<(usize, usize)>,
}

/// u8 → [-1, 1].
pub fn to_signed(v: u8) -> f32 {
    v as f32 / 127.5 - 1.0
}

impl TrainSet {
    /// Collects the images of every group (expression name, its AU vector and
    /// its neutral → expression pairs, already at the training size). Each
    /// photo appears once, however many pairs it is in; names are
    /// `<neutral stem>__<target stem>` as `mien align` writes them.
    pub fn from_groups(groups: &[(AuVector, &PairedDataset)]) -> Result<Self> {
        let first = groups.first().ok_or(Error::NoTrainingData)?.1;
        let (size, channels) = (first.width, first.channels);
        if first.height != size {
            return Err(Error::NotSquare { width: first.width, height: first.height });
        }
        let mut set = Self { size, channels, pixels: Vec::new(), labels: Vec::new(), pairs: Vec::new() };
        let mut index: HashMap<String, usize> = HashMap::new();
        for (au, data) in groups {
            if data.width != size || data.height != size || data.channels != channels {
                return Err(Error::MixedGroups {
                    first: format!("{size}×{size}×{channels}"),
                    other: format!("{}×{}×{}", data.width, data.height, data.channels),
                });
            }
            for p in &data.pairs {
                let (src, tgt) = p.name.split_once("__").unwrap_or((p.name.as_str(), p.name.as_str()));
                let s = set.intern(&mut index, src, &p.input, AuVector::zero());
                let t = set.intern(&mut index, tgt, &p.target, *au);
                set.pairs.push((s, t));
            }
        }
        if set.pairs.is_empty() {
            return Err(Error::NoTrainingData);
        }
        Ok(set)
    }

    fn intern(&mut self, index: &mut HashMap<String, usize>, name: &str, img: &Image<u8>, au: AuVector) -> usize {
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = self.labels.len();
        self.pixels.extend(img.data().iter().map(|&v| to_signed(v)));
        self.labels.push(au);
        index.insert(name.to_string(), i);
        i
    }

    /// Number of distinct images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True without images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn image(&self, i: usize) -> &[f32] {
        let d = self.channels * self.size * self.size;
        &self.pixels[i * d..(i + 1) * d]
    }

    /// Draws a batch: random pairs, each used in a random direction (neutral →
    /// expression or back). With `paired` the target AU vector is the pair's
    /// other image's label; without it, the label of an independently drawn
    /// image. With `augment` each row's two photos get the same random
    /// [`Augment`] (so the pair stays aligned).
    pub fn batch(&self, rng: &mut Rng, n: usize, paired: bool, augment: bool, device: &Device) -> Batch {
        let d = self.channels * self.size * self.size;
        let (mut x, mut t) = (Vec::with_capacity(n * d), Vec::with_capacity(n * d));
        let (mut ax, mut ay) = (Vec::with_capacity(n * AU_COUNT), Vec::with_capacity(n * AU_COUNT));
        for _ in 0..n {
            let (mut s, mut g) = self.pairs[pick(rng, self.pairs.len())];
            if rng.uniform() < 0.5 {
                std::mem::swap(&mut s, &mut g);
            }
            let target_label = if paired { g } else { pick(rng, self.len()) };
            if augment {
                let a = Augment::draw(rng, self.size);
                a.apply(self.image(s), self.channels, self.size, &mut x);
                a.apply(self.image(g), self.channels, self.size, &mut t);
            } else {
                x.extend_from_slice(self.image(s));
                t.extend_from_slice(self.image(g));
            }
            ax.extend_from_slice(&self.labels[s].0);
            ay.extend_from_slice(&self.labels[target_label].0);
        }
        let shape = [n, self.channels, self.size, self.size];
        Batch {
            x: Tensor::from_data(TensorData::new(x, shape), device),
            target: Tensor::from_data(TensorData::new(t, shape), device),
            au_x: Tensor::from_data(TensorData::new(ax, [n, AU_COUNT]), device),
            au_y: Tensor::from_data(TensorData::new(ay, [n, AU_COUNT]), device),
        }
    }
}

/// One random photometric and geometric change, applied alike to a pair's two
/// photos: a mirror image (p = ½; the AU prototypes are bilateral, so labels
/// stay), an integer shift of up to `size/32` pixels each way (edges
/// replicated), and a gain in [0.8, 1.25] and an offset in [−0.1, 0.1] on the
/// [−1, 1] scale (clamped). With only nine training subjects in a JAFFE fold,
/// the network otherwise learns their faces rather than the edit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// Mirror left–right.
    pub flip: bool,
    /// Shift right (pixels; the output at x reads the input at x − dx).
    pub dx: isize,
    /// Shift down (pixels).
    pub dy: isize,
    /// Intensity gain.
    pub gain: f32,
    /// Intensity offset.
    pub offset: f32,
}

impl Augment {
    /// Draws one change for crops of `size`.
    pub fn draw(rng: &mut Rng, size: usize) -> Self {
        let m = (size / 32).max(1) as isize;
        let mut shift = || ((rng.uniform() * (2 * m + 1) as f64) as isize).min(2 * m) - m;
        let (dx, dy) = (shift(), shift());
        let flip = rng.uniform() < 0.5;
        let gain = (0.8f64 * (1.25f64 / 0.8).powf(rng.uniform())) as f32;
        let offset = (rng.uniform() * 0.2 - 0.1) as f32;
        Self { flip, dx, dy, gain, offset }
    }

    /// Appends the changed planar image (`channels` planes of `size²`) to `out`.
    pub fn apply(&self, img: &[f32], channels: usize, size: usize, out: &mut Vec<f32>) {
        let last = size as isize - 1;
        for c in 0..channels {
            let plane = &img[c * size * size..(c + 1) * size * size];
            for y in 0..size as isize {
                let sy = (y - self.dy).clamp(0, last) as usize;
                for x in 0..size as isize {
                    let mut sx = (x - self.dx).clamp(0, last);
                    if self.flip {
                        sx = last - sx;
                    }
                    let v = plane[sy * size + sx as usize];
                    out.push((self.gain * v + self.offset).clamp(-1.0, 1.0));
                }
            }
        }
    }
}

/// A uniform index below `n`.
pub fn pick(rng: &mut Rng, n: usize) -> usize {
    ((rng.uniform() * n as f64) as usize).min(n - 1)
}

/// One batch: real images, their labels, target labels and (paired) target images.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Real source images (N, C, S, S) in [-1, 1].
    pub x: Tensor<4>,
    /// The pair's other image (used only by the paired L1 term).
    pub target: Tensor<4>,
    /// Labels of `x` (N, 17).
    pub au_x: Tensor<2>,
    /// Target AU vectors (N, 17).
    pub au_y: Tensor<2>,
}
