//! Sparse whole-image linear models: every output pixel is a weighted sum of
//! a few input pixels anywhere in the image, plus a bias.
//!
//! The weights are one CSR matrix per weight set of shape `d × (d + 1)`
//! (`d` pixels, row-major): row `i` is output pixel `i`, column `j < d` input
//! pixel `j`, column `d` the bias — exactly the layout of the LSRF reference's
//! `scipy.sparse` weight files, so importing and exporting them is lossless
//! (see [`crate::npz`]). OMP, LSRF and lasso fits and imported matrices all
//! share this type; unlike masked regression the picked inputs need not be
//! near the output pixel, so the model stores their indices.

mod file;

use crate::error::Result;
use crate::image::{ImageMut, ImageRef};
use crate::models::{check_shape, Masked, Predict};

/// A sparse linear model: `sets` CSR matrices of shape `d × (d + 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sparse {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// `[sets · d + 1]`: row `s·d + i` holds entries `indptr[s·d+i] .. indptr[s·d+i+1]`.
    pub(crate) indptr: Vec<u32>,
    /// Column of each entry; `d` is the bias.
    pub(crate) indices: Vec<u32>,
    /// Weight of each entry (f64, as the reference files).
    pub(crate) values: Vec<f64>,
}

impl Sparse {
    /// Builds a model from CSR parts, checking every index; `None` if inconsistent.
    pub fn from_parts(
        width: usize,
        height: usize,
        sets: usize,
        indptr: Vec<u32>,
        indices: Vec<u32>,
        values: Vec<f64>,
    ) -> Option<Self> {
        let d = width.checked_mul(height)?;
        let rows = sets.checked_mul(d)?;
        let ok = d > 0
            && sets > 0
            && indptr.len() == rows + 1
            && indptr.first() == Some(&0)
            && indptr.last().map(|&v| v as usize) == Some(indices.len())
            && indices.len() == values.len()
            && indptr.windows(2).all(|w| w[0] <= w[1])
            && indices.iter().all(|&j| (j as usize) <= d);
        ok.then_some(Self { width, height, sets, indptr, indices, values })
    }

    /// Number of pixels d.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// The entries of output pixel `i` of weight set `s`: `(column, weight)`, column `d` = bias.
    pub fn row(&self, s: usize, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = s * self.pixels() + i;
        let (a, b) = (self.indptr[r] as usize, self.indptr[r + 1] as usize);
        self.indices[a..b].iter().map(|&j| j as usize).zip(self.values[a..b].iter().copied())
    }

    /// CSR row pointers over all sets (`sets · d + 1` entries).
    pub fn indptr(&self) -> &[u32] {
        &self.indptr
    }
    /// Column of every stored entry (`d` = bias).
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// Weight of every stored entry.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The masked model's weights as a sparse matrix; window entries outside the
    /// image (whose weights are exactly zero) are left out.
    pub fn from_masked(m: &Masked) -> Self {
        let (w, h) = (m.width, m.height);
        let d = w * h;
        let r = m.params.receptive_field;
        let half = (r / 2) as isize;
        let k = r * r;
        let per_pixel = m.weights_per_pixel();
        let mut indptr = vec![0u32];
        let mut entries: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for s in 0..m.sets {
            for i in 0..d {
                let (y, x) = ((i / w) as isize, (i % w) as isize);
                let wts = &per_pixel[(s * d + i) * (k + 1)..][..k + 1];
                entries.clear();
                for (o, &wt) in wts[..k].iter().enumerate() {
                    let (yy, xx) = (y + (o / r) as isize - half, x + (o % r) as isize - half);
                    if yy >= 0 && yy < h as isize && xx >= 0 && xx < w as isize {
                        entries.push(((yy as usize * w + xx as usize) as u32, wt as f64));
                    }
                }
                entries.sort_by_key(|e| e.0);
                entries.push((d as u32, wts[k] as f64));
                indices.extend(entries.iter().map(|e| e.0));
                values.extend(entries.iter().map(|e| e.1));
                indptr.push(indices.len() as u32);
            }
        }
        Self { width: w, height: h, sets: m.sets, indptr, indices, values }
    }
}

impl Predict for Sparse {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn weight_sets(&self) -> usize {
        self.sets
    }

    fn parameter_count(&self) -> usize {
        self.values.len()
    }

    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> Result<()> {
        check_shape(self, input, out)?;
        let d = self.pixels();
        // The input with a trailing 1 so the bias column needs no branch.
        let mut x = vec![0.0f64; d + 1];
        x[d] = 1.0;
        for c in 0..input.channels() {
            let s = if self.sets == 1 { 0 } else { c };
            for (o, &v) in x.iter_mut().zip(input.plane(c)) {
                *o = v as f64;
            }
            let rows = &self.indptr[s * d..=(s + 1) * d];
            for (o, r) in out.plane_mut(c).iter_mut().zip(rows.windows(2)) {
                let (a, b) = (r[0] as usize, r[1] as usize);
                let sum: f64 =
                    self.indices[a..b].iter().zip(&self.values[a..b]).map(|(&j, &v)| v * x[j as usize]).sum();
                *o = sum as f32;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;

    #[test]
    fn predicts_by_rows() {
        // 2×2 image, one set: out0 = 2·x3 + 1, out1 = −x0, out2 = 0.5 (bias only), out3 = empty row.
        let m = Sparse::from_parts(2, 2, 1, vec![0, 2, 3, 4, 4], vec![3, 4, 0, 4], vec![2.0, 1.0, -1.0, 0.5]).unwrap();
        let img = Image::from_planar(2, 2, 1, vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
        let y = m.predict(&img.view()).unwrap();
        assert_eq!(y.data(), &[9.0, -1.0, 0.5, 0.0]);
    }

    #[test]
    fn rejects_bad_parts() {
        assert!(Sparse::from_parts(2, 2, 1, vec![0, 1, 1, 1, 1], vec![5], vec![1.0]).is_none());
        assert!(Sparse::from_parts(2, 2, 1, vec![0, 1, 0, 1, 1], vec![0], vec![1.0]).is_none());
    }
}
