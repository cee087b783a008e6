//! Intensity normalisation into the models' space and back to 8-bit pixels.
//!
//! Models see intensities in roughly [0, 1]. `minmax` (the reference
//! implementations' choice) maps each image's own darkest pixel to 0 and
//! brightest to 1 over all channels together, which cancels exposure and
//! contrast differences between photos; `unit` divides by 255. The map is an
//! affine [`Affine`] per image, so datasets keep raw bytes and normalise on
//! the fly.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::image::Image;

/// How input and target images are scaled before fitting and prediction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// Each image scaled to [0, 1] by its own min and max over all channels (default; the reference).
    #[default]
    MinMax,
    /// `x / 255`.
    Unit,
}

/// How a prediction is turned back into 8-bit pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    /// Invert the input's normalisation and clamp to 0..255 (default): the
    /// output keeps the input photo's brightness and contrast, and a few
    /// overshooting pixels are clipped instead of dimming the whole face.
    #[default]
    Clip,
    /// The reference: stretch the whole result's min..max to 0..255.
    Stretch,
}

impl std::fmt::Display for Normalize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Normalize::MinMax => "minmax",
            Normalize::Unit => "unit",
        })
    }
}

impl std::fmt::Display for OutputMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutputMode::Clip => "clip",
            OutputMode::Stretch => "stretch",
        })
    }
}

/// `normalised = (pixel − offset) · scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Subtracted first.
    pub offset: f32,
    /// Multiplied after.
    pub scale: f32,
}

impl Affine {
    /// Maps one 8-bit pixel into model space.
    #[inline]
    pub fn forward(&self, v: f32) -> f32 {
        (v - self.offset) * self.scale
    }
    /// Maps a model-space value back to the 0..255 range (unclamped).
    #[inline]
    pub fn inverse(&self, v: f32) -> f32 {
        v / self.scale + self.offset
    }
}

impl Normalize {
    /// The affine map for one image; `path` names it in errors.
    pub fn affine_for(self, img: &Image<u8>, path: &Path) -> Result<Affine> {
        self.affine_for_values(img.data().iter().map(|&v| v as f32), path)
    }

    /// The affine map for an image given as `f32` pixels in 0..255.
    pub fn affine_for_values(self, values: impl Iterator<Item = f32>, path: &Path) -> Result<Affine> {
        match self {
            Normalize::Unit => Ok(Affine { offset: 0.0, scale: 1.0 / 255.0 }),
            Normalize::MinMax => {
                let (lo, hi) = values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
                // Less than one grey level of contrast cannot be stretched
                // meaningfully; NaN contrast (no values) is refused too.
                if (hi - lo).partial_cmp(&1.0).is_none_or(|c| c.is_lt()) {
                    return Err(Error::ConstantImage { path: path.to_path_buf(), value: lo.clamp(0.0, 255.0) as u8 });
                }
                Ok(Affine { offset: lo, scale: 1.0 / (hi - lo) })
            }
        }
    }

    /// Normalises an image (`f32` pixels in 0..255) in place and returns the map used.
    pub fn apply_in_place(self, img: &mut Image<f32>, path: &Path) -> Result<Affine> {
        let a = self.affine_for_values(img.data().iter().copied(), path)?;
        img.data_mut().iter_mut().for_each(|v| *v = a.forward(*v));
        Ok(a)
    }
}

impl OutputMode {
    /// Turns a model-space prediction into 8-bit pixels. `input` is the
    /// normalisation of the image the prediction was made from.
    pub fn to_pixels(self, pred: &Image<f32>, input: Affine) -> Image<f32> {
        let mut out = pred.clone();
        match self {
            OutputMode::Clip => out.data_mut().iter_mut().for_each(|v| *v = input.inverse(*v).clamp(0.0, 255.0)),
            OutputMode::Stretch => {
                let (lo, hi) =
                    pred.data().iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                let span = hi - lo;
                if span > 0.0 && span.is_finite() {
                    out.data_mut().iter_mut().for_each(|v| *v = (*v - lo) / span * 255.0);
                } else {
                    // A flat prediction has nothing to stretch: fall back to the input's range.
                    out.data_mut().iter_mut().for_each(|v| *v = input.inverse(*v).clamp(0.0, 255.0));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minmax_maps_extremes_to_unit_interval() {
        let img = Image::from_planar(3, 1, 1, vec![10u8, 60, 110]).unwrap();
        let a = Normalize::MinMax.affine_for(&img, Path::new("x")).unwrap();
        assert_eq!(a.forward(10.0), 0.0);
        assert_eq!(a.forward(110.0), 1.0);
        assert!((a.inverse(0.5) - 60.0).abs() < 1e-4);
    }

    #[test]
    fn constant_image_is_an_error_not_nan() {
        let img = Image::from_planar(2, 2, 1, vec![7u8; 4]).unwrap();
        let err = Normalize::MinMax.affine_for(&img, Path::new("flat.png")).unwrap_err();
        assert!(err.to_string().contains("constant"), "{err}");
        assert!(Normalize::Unit.affine_for(&img, Path::new("flat.png")).is_ok());
    }

    #[test]
    fn stretch_spans_full_range() {
        let pred = Image::from_planar(3, 1, 1, vec![0.2f32, 0.4, 0.6]).unwrap();
        let out = OutputMode::Stretch.to_pixels(&pred, Affine { offset: 0.0, scale: 1.0 });
        assert_eq!(out.data()[0], 0.0);
        assert_eq!(out.data()[2], 255.0);
    }
}
