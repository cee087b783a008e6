//! Prediction: `out = bias + Σ_offsets w_o ⊙ shift_o(input)`.
//!
//! Each window offset is one pass of multiply-adds over a row slice; the
//! offsets whose source falls outside the image carry zero weight (see the
//! module docs), so the valid span of each pass is simply clipped.

use super::Masked;
use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::{check_shape, Predict};

impl Predict for Masked {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn weight_sets(&self) -> usize {
        self.sets
    }

    fn parameter_count(&self) -> usize {
        self.planes.len()
    }

    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let (w, h) = (self.width, self.height);
        let d = w * h;
        let r = self.params.receptive_field;
        let half = (r / 2) as isize;
        let k = r * r;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            let planes = &self.planes[s * (k + 1) * d..(s + 1) * (k + 1) * d];
            let src = input.plane(c);
            let dst = out.plane_mut(c);
            dst.copy_from_slice(&planes[k * d..(k + 1) * d]);
            for o in 0..k {
                let dy = (o / r) as isize - half;
                let dx = (o % r) as isize - half;
                let wp = &planes[o * d..(o + 1) * d];
                let x0 = (-dx).max(0) as usize;
                let x1 = (w as isize - dx.max(0)) as usize;
                for y in 0..h {
                    let yy = y as isize + dy;
                    if yy < 0 || yy >= h as isize {
                        continue;
                    }
                    let row = y * w;
                    let srow = yy as usize * w;
                    let out_row = &mut dst[row + x0..row + x1];
                    let w_row = &wp[row + x0..row + x1];
                    let s_row = &src[(srow as isize + x0 as isize + dx) as usize..][..x1 - x0];
                    for ((o, &wv), &sv) in out_row.iter_mut().zip(w_row).zip(s_row) {
                        *o += wv * sv;
                    }
                }
            }
        }
        Ok(())
    }
}
