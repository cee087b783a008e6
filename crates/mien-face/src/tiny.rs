//! Face detection with face-api.js's tiny face detector: a pure-Rust port of
//! `TinyFaceDetector` (MIT, Vladimir Mandic's `@vladmandic/face-api` 1.7.15;
//! weights `weights/tiny_face_detector_model.bin`, notice in
//! `weights/LICENSE-face-api`), a Tiny-YOLOv2 with depthwise-separable
//! convolutions.
//!
//! The network: the image is zero-padded to a square (padding after the
//! image), resized bilinearly to `S × S` (`S` a multiple of 32), the RGB mean
//! (117.001, 114.697, 97.404) subtracted and divided by 255; a 3×3 `valid`
//! convolution to 16 channels, then five separable convolutions (32 … 512
//! channels) each followed by a 2×2 max pool (stride 2, the last stride 1),
//! every layer with a leaky ReLU (slope 0.1); a 1×1 convolution gives, per
//! cell of the `S/32 × S/32` grid and per anchor (5), the box offsets and an
//! objectness logit. Boxes decode as in YOLOv2: centre `(col + σ(tx)) / cells`,
//! size `exp(tw) · anchor / cells`, score `σ(to)`.
//!
//! The network was trained on faces that fill a fair part of its input: its
//! smallest anchor is 1.6 cells (51 px at the input), so a face is found
//! when it is about that large once the image is resized to the input side
//! [`crate::DetectOptions::tiny_input`] (default 320): large faces, rolled
//! or turned, not the small faces of a group photo.

use mien_core::image::Image;
use rayon::prelude::*;

use crate::detect::FaceBox;
use crate::error::{Error, Result};
use crate::faceapi::conv::Conv3x3;
use crate::faceapi::separable::SeparableConv;
use crate::faceapi::tensor::Tensor;
use crate::faceapi::weights::WeightMap;

static MANIFEST: &str = include_str!("../weights/tiny_face_detector_model-weights_manifest.json");
static WEIGHTS: &[u8] = include_bytes!("../weights/tiny_face_detector_model.bin");

const MEAN_RGB: [f32; 3] = [117.001, 114.697, 97.404];
const ANCHORS: [(f32, f32); 5] =
    [(1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061), (4.266906, 5.178857), (9.041765, 10.66308)];
const CHANNELS: [usize; 7] = [3, 16, 32, 64, 128, 256, 512];
/// Outputs per anchor: x, y, w, h, objectness.
const BOX_SIZE: usize = 5;

/// The tiny face detector with its weights loaded; immutable and `Sync`.
#[derive(Clone, Debug)]
pub struct TinyDetector {
    conv0: Conv3x3,
    separable: Vec<SeparableConv>,
    /// `[ci][co]` of the final 1×1 convolution.
    head: Vec<f32>,
    head_bias: Vec<f32>,
}

impl TinyDetector {
    /// The detector with the built-in weights.
    pub fn new() -> Result<Self> {
        Self::from_face_api(MANIFEST, WEIGHTS)
    }

    /// The detector with weights from a face-api `tiny_face_detector_model`
    /// manifest (JSON text) and binary.
    pub fn from_face_api(manifest: &str, bin: &[u8]) -> Result<Self> {
        let mut map = WeightMap::parse(manifest, bin)?;
        let conv0 = map.conv("conv0", CHANNELS[0], CHANNELS[1])?;
        let separable = (1..=5)
            .map(|i| map.separable(&format!("conv{i}"), CHANNELS[i], CHANNELS[i + 1]))
            .collect::<Result<Vec<_>>>()?;
        let outs = ANCHORS.len() * BOX_SIZE;
        let head = map.take("conv8/filters", &[1, 1, CHANNELS[6], outs])?;
        let head_bias = map.take("conv8/bias", &[outs])?;
        Ok(Self { conv0, separable, head, head_bias })
    }

    /// Every box scoring above `threshold` (0–1) on the network run at an
    /// `input × input` size, in image pixels, before non-maximum suppression.
    pub fn raw_boxes(&self, image: &Image<u8>, input: usize, threshold: f32) -> Result<Vec<FaceBox>> {
        if input < 64 || input % 32 != 0 {
            return Err(Error::param("tiny_input", input, "a multiple of 32, at least 64"));
        }
        if !matches!(image.channels(), 1 | 3) {
            return Err(Error::BadImage(format!("{} channels; expected 1 (grey) or 3 (RGB)", image.channels())));
        }
        if image.width() == 0 || image.height() == 0 {
            return Err(Error::BadImage("the image has no pixels".into()));
        }
        let x = network_input(image, input);
        let out = self.forward(&x);
        let side = image.width().max(image.height()) as f32;
        Ok(decode(&out, threshold, side))
    }

    fn forward(&self, input: &Tensor) -> Tensor {
        let mut x = crop_border(&self.conv0.forward(input, 1));
        leaky(&mut x);
        for sep in &self.separable {
            x = max_pool(&x, 2);
            x = sep.forward(&x, 1);
            leaky(&mut x);
        }
        // The last pool has stride 1 and keeps the size.
        let x = max_pool(&x, 1);
        let outs = self.head_bias.len();
        let mut out = Tensor::zeros(x.h, x.w, outs);
        for (px, o) in x.data.chunks_exact(x.c).zip(out.data.chunks_exact_mut(outs)) {
            o.copy_from_slice(&self.head_bias);
            for (&v, w) in px.iter().zip(self.head.chunks_exact(outs)) {
                for (o, &wv) in o.iter_mut().zip(w) {
                    *o += v * wv;
                }
            }
        }
        out
    }
}

/// The `valid` 3×3 convolution is the `same` one without its outer ring.
fn crop_border(t: &Tensor) -> Tensor {
    let (h, w) = (t.h - 2, t.w - 2);
    let mut out = Tensor::zeros(h, w, t.c);
    for (y, row) in out.data.chunks_exact_mut(w * t.c).enumerate() {
        let at = ((y + 1) * t.w + 1) * t.c;
        row.copy_from_slice(&t.data[at..at + w * t.c]);
    }
    out
}

fn leaky(t: &mut Tensor) {
    for v in &mut t.data {
        if *v < 0.0 {
            *v *= 0.1;
        }
    }
}

/// TensorFlow's 2×2 max pool with `same` padding: windows start at `i · stride`
/// and are cut short at the bottom and right edges.
fn max_pool(t: &Tensor, stride: usize) -> Tensor {
    let (h, w, c) = (t.h.div_ceil(stride), t.w.div_ceil(stride), t.c);
    let mut out = Tensor::zeros(h, w, c);
    out.data.par_chunks_mut(w * c).enumerate().for_each(|(oy, row)| {
        let ys = [oy * stride, (oy * stride + 1).min(t.h - 1)];
        for (ox, o) in row.chunks_exact_mut(c).enumerate() {
            let xs = [ox * stride, (ox * stride + 1).min(t.w - 1)];
            o.fill(f32::NEG_INFINITY);
            for &y in &ys {
                for &x in &xs {
                    let at = (y * t.w + x) * c;
                    for (o, &v) in o.iter_mut().zip(&t.data[at..at + c]) {
                        *o = o.max(v);
                    }
                }
            }
        }
    });
    out
}

/// The normalised `size × size × 3` input: the image padded to a square with
/// zeros after it, resized with `tf.image.resizeBilinear` (`src = dst · in/out`).
fn network_input(image: &Image<u8>, size: usize) -> Tensor {
    let (iw, ih) = (image.width(), image.height());
    let side = iw.max(ih);
    let scale = side as f32 / size as f32;
    let taps: Vec<(usize, usize, f32)> = (0..size)
        .map(|d| {
            let s = d as f32 * scale;
            let lo = (s.floor() as usize).min(side - 1);
            (lo, (lo + 1).min(side - 1), s - lo as f32)
        })
        .collect();
    let planes: [&[u8]; 3] =
        if image.channels() == 3 { [image.plane(0), image.plane(1), image.plane(2)] } else { [image.plane(0); 3] };
    let mut t = Tensor::zeros(size, size, 3);
    t.data.par_chunks_mut(size * 3).enumerate().for_each(|(oy, row)| {
        let (y0, y1, fy) = taps[oy];
        for (ox, px) in row.chunks_exact_mut(3).enumerate() {
            let (x0, x1, fx) = taps[ox];
            for (c, (out, mean)) in px.iter_mut().zip(MEAN_RGB).enumerate() {
                let p = planes[c];
                let at = |x: usize, y: usize| if x < iw && y < ih { f32::from(p[y * iw + x]) } else { 0.0 };
                let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
                let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
                *out = (top + (bottom - top) * fy - mean) / 255.0;
            }
        }
    });
    t
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

/// YOLOv2 decoding of the head's output into boxes in pixels of an image
/// whose longer side is `side`.
fn decode(out: &Tensor, threshold: f32, side: f32) -> Vec<FaceBox> {
    let cells = out.h as f32;
    let mut boxes = Vec::new();
    for row in 0..out.h {
        for col in 0..out.w {
            let cell = &out.data[(row * out.w + col) * out.c..(row * out.w + col + 1) * out.c];
            for (t, &(ax, ay)) in cell.chunks_exact(BOX_SIZE).zip(&ANCHORS) {
                let score = sigmoid(t[4]);
                if score <= threshold {
                    continue;
                }
                let cx = (col as f32 + sigmoid(t[0])) / cells;
                let cy = (row as f32 + sigmoid(t[1])) / cells;
                let w = t[2].exp() * ax / cells;
                let h = t[3].exp() * ay / cells;
                boxes.push(FaceBox {
                    x: (cx - w / 2.0) * side,
                    y: (cy - h / 2.0) * side,
                    w: w * side,
                    h: h * side,
                    score,
                });
            }
        }
    }
    boxes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_weights_load_and_grid_is_input_over_32() {
        let d = TinyDetector::new().unwrap();
        let out = d.forward(&network_input(&Image::new(100, 60, 3), 416));
        assert_eq!((out.h, out.w, out.c), (13, 13, 25));
        let out = d.forward(&network_input(&Image::new(100, 60, 1), 160));
        assert_eq!((out.h, out.w), (5, 5));
    }

    #[test]
    fn max_pool_same_cuts_windows_at_the_edge() {
        let t = Tensor { h: 1, w: 3, c: 1, data: vec![1.0, 3.0, 2.0] };
        assert_eq!(max_pool(&t, 2).data, vec![3.0, 2.0]);
        assert_eq!(max_pool(&t, 1).data, vec![3.0, 3.0, 2.0]);
    }

    #[test]
    fn bad_input_size_is_rejected() {
        let d = TinyDetector::new().unwrap();
        assert!(d.raw_boxes(&Image::new(10, 10, 3), 100, 0.5).is_err());
        assert!(d.raw_boxes(&Image::new(0, 0, 3), 128, 0.5).is_err());
    }
}
