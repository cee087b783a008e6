//! Colour-true edits: the edit's luminance with the original's chroma.
//!
//! The local models edit grey faces (or each RGB channel independently), so a
//! colour photo comes back either grey or with hue shifts the model never
//! meant. [`keep_chroma`] recombines the two in BT.601 full-range YCbCr (the
//! JPEG convention, and the luma [`Image::to_grey`] uses): Y from the edit,
//! Cb and Cr from the original. Where that colour lies outside the RGB cube,
//! the chroma is shrunk towards grey just enough to fit, so Y and the hue stay
//! exact and only saturation is lost.
//!
//! An edit that moves the face (a deformation model) moves its colours too:
//! pass the original warped by the same motion as the chroma source, so the
//! lips' red follows the lips. The function is the same either way; only the
//! caller knows which original lines up with the edit.

use super::{Image, ImageMut, ImageRef};
use crate::error::{Error, Result};

const KR: f32 = 0.299;
const KG: f32 = 0.587;
const KB: f32 = 0.114;

/// BT.601 luma of one RGB pixel (0..255 in, 0..255 out).
pub fn luma(r: f32, g: f32, b: f32) -> f32 {
    KR * r + KG * g + KB * b
}

/// BT.601 full-range chroma `(Cb, Cr)` of one RGB pixel, centred on 128.
pub fn chroma(r: f32, g: f32, b: f32) -> (f32, f32) {
    let y = luma(r, g, b);
    // Cb = (B − Y) / (2 (1 − Kb)), Cr = (R − Y) / (2 (1 − Kr)); the JPEG matrix written from its definition.
    (128.0 + (b - y) / (2.0 * (1.0 - KB)), 128.0 + (r - y) / (2.0 * (1.0 - KR)))
}

/// What [`keep_chroma_into`] had to give up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChromaReport {
    /// Pixels whose chroma was shrunk towards grey to stay inside 0..255.
    pub desaturated: usize,
    /// Pixels whose edited luma lay outside 0..255 and was clamped.
    pub luma_clamped: usize,
}

/// The edit's luminance with the chroma of `chroma_source`, as a new RGB image (0..255).
///
/// `chroma_source` is the original photo or crop (RGB; a grey one has no
/// chroma, so the result is the edit's luma in three planes), or the original
/// warped by the edit's motion. `edited` is the model's output, grey or RGB,
/// of the same width and height; its luma is taken with [`luma`].
pub fn keep_chroma(chroma_source: &ImageRef<'_, f32>, edited: &ImageRef<'_, f32>) -> Result<Image<f32>> {
    let mut out = Image::new(edited.width(), edited.height(), 3);
    keep_chroma_into(chroma_source, edited, &mut out.view_mut())?;
    Ok(out)
}

/// [`keep_chroma`] for 8-bit photos: rounds the result to 8 bits.
///
/// Rounding moves each channel by at most ½, so Y, Cb and Cr of the result
/// are within one grey level of the exact values.
pub fn keep_chroma_u8(chroma_source: &Image<u8>, edited: &Image<u8>) -> Result<Image<u8>> {
    Ok(keep_chroma(&chroma_source.to_f32().view(), &edited.to_f32().view())?.to_u8())
}

/// [`keep_chroma`] into a preallocated RGB image of the edit's size; says
/// how many pixels lost saturation or had their luma clamped.
pub fn keep_chroma_into(
    chroma_source: &ImageRef<'_, f32>,
    edited: &ImageRef<'_, f32>,
    out: &mut ImageMut<'_, f32>,
) -> Result<ChromaReport> {
    check_shapes(chroma_source, edited, out)?;
    let n = edited.width() * edited.height();
    let (mut report, mut rgb) = (ChromaReport::default(), [0.0f32; 3]);
    let source = planes(chroma_source);
    let edit = planes(edited);
    let data = out.data_mut();
    for i in 0..n {
        let y_edit = pixel_luma(&edit, i);
        if !y_edit.is_finite() {
            return Err(non_finite("edited image", i, edited.width()));
        }
        let y = y_edit.clamp(0.0, 255.0);
        report.luma_clamped += usize::from(y != y_edit);
        let (sr, sg, sb) = (source[0][i], source[1][i], source[2][i]);
        let y_source = pixel_luma(&source, i);
        if !y_source.is_finite() {
            return Err(non_finite("chroma source", i, edited.width()));
        }
        // R − Y, G − Y and B − Y depend on the chroma alone, so the source's
        // offsets from its own luma carry its Cb and Cr to any luma.
        let offsets = [sr - y_source, sg - y_source, sb - y_source];
        let scale = fitting_scale(y, offsets);
        report.desaturated += usize::from(scale < 1.0);
        for (v, d) in rgb.iter_mut().zip(offsets) {
            *v = (y + scale * d).clamp(0.0, 255.0);
        }
        for (c, v) in rgb.iter().enumerate() {
            data[c * n + i] = *v;
        }
    }
    Ok(report)
}

/// The largest `s` in [0, 1] with `y + s·d` inside 0..255 for every offset.
fn fitting_scale(y: f32, offsets: [f32; 3]) -> f32 {
    offsets.iter().fold(1.0f32, |s, &d| {
        let room = if d > 0.0 {
            (255.0 - y) / d
        } else if d < 0.0 {
            y / -d
        } else {
            1.0
        };
        s.min(room)
    })
}

/// Three plane slices; a grey image lends its one plane three times.
fn planes<'a>(image: &ImageRef<'a, f32>) -> [&'a [f32]; 3] {
    if image.channels() == 1 {
        [image.plane(0); 3]
    } else {
        [image.plane(0), image.plane(1), image.plane(2)]
    }
}

/// Luma of pixel `i`; a grey pixel is its own luma exactly (the BT.601
/// weights sum to 1 only up to rounding in `f32`).
fn pixel_luma(planes: &[&[f32]; 3], i: usize) -> f32 {
    if std::ptr::eq(planes[0], planes[1]) {
        planes[0][i]
    } else {
        luma(planes[0][i], planes[1][i], planes[2][i])
    }
}

fn non_finite(what: &str, i: usize, width: usize) -> Error {
    let (x, y) = (i % width.max(1), i / width.max(1));
    Error::Incompatible(format!("{what} has a non-finite value at pixel ({x}, {y}); pass intensities in 0..255"))
}

fn check_shapes(source: &ImageRef<'_, f32>, edited: &ImageRef<'_, f32>, out: &ImageMut<'_, f32>) -> Result<()> {
    for (what, c) in [("chroma source", source.channels()), ("edited image", edited.channels())] {
        if c != 1 && c != 3 {
            return Err(Error::Incompatible(format!("the {what} has {c} channels; pass a grey or RGB image")));
        }
    }
    if (source.width(), source.height()) != (edited.width(), edited.height()) {
        return Err(Error::Incompatible(format!(
            "the chroma source is {}×{} but the edited image is {}×{}; pass the original crop the edit was made from (or resize it to the edit's size)",
            source.width(),
            source.height(),
            edited.width(),
            edited.height()
        )));
    }
    if (out.width(), out.height(), out.channels()) != (edited.width(), edited.height(), 3) {
        return Err(Error::Incompatible(format!(
            "the output is {}×{}×{} but {}×{}×3 (width×height×channels) is needed",
            out.width(),
            out.height(),
            out.channels(),
            edited.width(),
            edited.height()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64), so the property tests need no extra crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn byte(&mut self) -> u8 {
            (self.next() >> 56) as u8
        }
        fn image(&mut self, w: usize, h: usize, c: usize) -> Image<u8> {
            Image::from_planar(w, h, c, (0..w * h * c).map(|_| self.byte()).collect()).unwrap()
        }
    }

    fn pixel(img: &Image<f32>, i: usize) -> (f32, f32, f32) {
        (img.plane(0)[i], img.plane(1)[i], img.plane(2)[i])
    }

    #[test]
    fn ycbcr_matches_the_jpeg_matrix() {
        let (r, g, b) = (200.0, 50.0, 90.0);
        let (cb, cr) = chroma(r, g, b);
        assert!((cb - (128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b)).abs() < 1e-3);
        assert!((cr - (128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b)).abs() < 1e-3);
        assert_eq!(chroma(77.0, 77.0, 77.0), (128.0, 128.0));
    }

    #[test]
    fn luma_is_the_edits_and_chroma_the_sources_where_nothing_was_clamped() {
        let mut rng = Rng(7);
        for (w, h, edit_channels) in [(9, 7, 1), (5, 11, 3), (16, 16, 1)] {
            let source = rng.image(w, h, 3).to_f32();
            let edited = rng.image(w, h, edit_channels).to_f32();
            let mut out = Image::new(w, h, 3);
            let report = keep_chroma_into(&source.view(), &edited.view(), &mut out.view_mut()).unwrap();
            assert_eq!(report.luma_clamped, 0);
            let mut exact = 0;
            for i in 0..w * h {
                let (r, g, b) = pixel(&out, i);
                assert!([r, g, b].iter().all(|v| (0.0..=255.0).contains(v)));
                let want_y = if edit_channels == 1 {
                    edited.plane(0)[i]
                } else {
                    luma(pixel(&edited, i).0, pixel(&edited, i).1, pixel(&edited, i).2)
                };
                assert!((luma(r, g, b) - want_y).abs() < 1e-3, "pixel {i}: Y {} vs {want_y}", luma(r, g, b));
                let (sr, sg, sb) = pixel(&source, i);
                let (want_cb, want_cr) = chroma(sr, sg, sb);
                let (cb, cr) = chroma(r, g, b);
                let fits =
                    fitting_scale(want_y, [sr - luma(sr, sg, sb), sg - luma(sr, sg, sb), sb - luma(sr, sg, sb)]) >= 1.0;
                if fits {
                    exact += 1;
                    assert!((cb - want_cb).abs() < 1e-3 && (cr - want_cr).abs() < 1e-3);
                } else {
                    // Shrunk towards grey: same hue, less saturation, and no
                    // slack left (some channel touches 0 or 255).
                    let (dcb, dcr, wcb, wcr) = (cb - 128.0, cr - 128.0, want_cb - 128.0, want_cr - 128.0);
                    assert!(
                        (dcb * wcr - dcr * wcb).abs() < 0.05 * (wcb * wcb + wcr * wcr).max(1.0),
                        "hue changed at {i}"
                    );
                    assert!(dcb * wcb + dcr * wcr >= -1e-3 && dcb.hypot(dcr) <= wcb.hypot(wcr) + 1e-3);
                    assert!([r, g, b].iter().any(|v| !(1e-3..=255.0 - 1e-3).contains(v)), "slack left at {i}");
                }
            }
            // Random colours against random lumas clamp often, but not always.
            assert!(exact > 0 && report.desaturated == w * h - exact);
        }
    }

    #[test]
    fn eight_bit_result_is_within_one_grey_level() {
        let mut rng = Rng(11);
        let (w, h) = (13, 10);
        // Mild colours around mid grey and mid-range lumas, so nothing needs clamping.
        let source = Image::from_planar(w, h, 3, (0..w * h * 3).map(|_| 96 + rng.byte() / 4).collect()).unwrap();
        let edited = Image::from_planar(w, h, 1, (0..w * h).map(|_| 64 + rng.byte() / 2).collect()).unwrap();
        let out = keep_chroma_u8(&source, &edited).unwrap().to_f32();
        let src = source.to_f32();
        for i in 0..w * h {
            let (r, g, b) = pixel(&out, i);
            let (sr, sg, sb) = pixel(&src, i);
            let ((cb, cr), (wcb, wcr)) = (chroma(r, g, b), chroma(sr, sg, sb));
            assert!((luma(r, g, b) - edited.plane(0)[i] as f32).abs() <= 1.0);
            assert!((cb - wcb).abs() <= 1.0 && (cr - wcr).abs() <= 1.0, "pixel {i}: ({cb}, {cr}) vs ({wcb}, {wcr})");
        }
    }

    #[test]
    fn grey_source_gives_the_edits_grey() {
        let source = Image::from_planar(2, 1, 1, vec![10.0, 200.0]).unwrap();
        let edited = Image::from_planar(2, 1, 1, vec![30.0, 300.0]).unwrap();
        let mut out = Image::new(2, 1, 3);
        let report = keep_chroma_into(&source.view(), &edited.view(), &mut out.view_mut()).unwrap();
        assert_eq!(out.data(), &[30.0, 255.0, 30.0, 255.0, 30.0, 255.0]);
        assert_eq!(report, ChromaReport { desaturated: 0, luma_clamped: 1 });
    }

    #[test]
    fn bad_input_fails_cleanly() {
        let rgb = Image::<f32>::new(4, 4, 3);
        let small = Image::<f32>::new(3, 4, 1);
        let two = Image::<f32>::new(4, 4, 2);
        assert!(keep_chroma(&rgb.view(), &small.view()).unwrap_err().to_string().contains("3×4"));
        assert!(keep_chroma(&two.view(), &rgb.view()).unwrap_err().to_string().contains("2 channels"));
        let mut nan = Image::<f32>::new(4, 4, 1);
        nan.data_mut()[5] = f32::NAN;
        assert!(keep_chroma(&rgb.view(), &nan.view()).unwrap_err().to_string().contains("(1, 1)"));
        let mut wrong_out = Image::<f32>::new(4, 4, 1);
        assert!(keep_chroma_into(&rgb.view(), &rgb.view(), &mut wrong_out.view_mut()).is_err());
        let empty = Image::<f32>::new(0, 0, 3);
        assert_eq!(keep_chroma(&empty.view(), &empty.view()).unwrap().data().len(), 0);
    }
}
