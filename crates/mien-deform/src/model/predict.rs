//! Prediction: compose the flow (4), warp, add the mixed texture residual (5).

use mien_core::image::{Image, ImageMut, ImageRef};
use mien_core::models::Predict;

use super::Deform;
use crate::au::{AuVector, AU_COUNT};
use crate::au_model::AuEdit;
use crate::error::{Error, Result};
use crate::warp::{sample_clamped, warp_plane_into, Flow};

/// The two stages of one deform edit, in normalised intensity: the shared
/// [`AuEdit`] (this name is kept for existing callers).
pub type Edited = AuEdit;

impl Deform {
    /// `Σ_k a_k B_k` without the training-range bounds.
    pub(crate) fn raw_flow(&self, au: &AuVector) -> Flow {
        let d = self.width * self.height;
        let mut f = Flow::zero(self.width, self.height);
        for (k, &a) in au.0.iter().enumerate() {
            if a == 0.0 {
                continue;
            }
            let (bu, bv) = self.basis[k * 2 * d..(k + 1) * 2 * d].split_at(d);
            f.u.iter_mut().zip(bu).for_each(|(o, b)| *o += a * b);
            f.v.iter_mut().zip(bv).for_each(|(o, b)| *o += a * b);
        }
        f
    }

    /// The flow for a target: `F(a) = Σ_k a_k B_k`, each pixel's displacement
    /// clamped to the training maximum and the field scaled down when its mean
    /// length exceeds the training maximum (see the module docs).
    pub fn flow_for(&self, au: &AuVector) -> Result<Flow> {
        self.flow_change(&AuVector::zero(), au)
    }

    /// The flow from a face showing `from` to the same face showing `to`:
    /// `B(F(to)) − B(F(from))`, the basis being linear (a smiling face edited
    /// to `sad` first loses its smile), with B the bounds of
    /// [`Self::flow_for`] applied to each part. Bounding the parts, not their
    /// sum, keeps each within the training motion: the sum of taking a smile
    /// away and adding angry brows moves more of the face than any one
    /// expression, and scaling it down as a whole would leave half the smile.
    pub fn flow_change(&self, from: &AuVector, to: &AuVector) -> Result<Flow> {
        check_au(from)?;
        check_au(to)?;
        if from.is_zero() {
            return Ok(self.bounded(self.raw_flow(to)));
        }
        let (add, back) = (self.bounded(self.raw_flow(to)), inverse(&self.bounded(self.raw_flow(from))));
        // First take the source away (`back`), then add the target: out(x) = in(x + T(x) + G(x + T(x))).
        let (w, h) = (add.width, add.height);
        let mut f = add.clone();
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (sx, sy) = (x as f32 + add.u[i], y as f32 + add.v[i]);
                f.u[i] += sample_clamped(&back.u, w, h, sx, sy);
                f.v[i] += sample_clamped(&back.v, w, h, sx, sy);
            }
        }
        Ok(f)
    }

    /// A flow within the training range: each pixel's displacement clamped to
    /// the largest training one, the field scaled down when its mean length
    /// exceeds the largest training mean.
    fn bounded(&self, mut f: Flow) -> Flow {
        let cap = self.max_pixel_flow;
        for (u, v) in f.u.iter_mut().zip(f.v.iter_mut()) {
            let m = u.hypot(*v);
            if m > cap {
                let s = cap / m;
                *u *= s;
                *v *= s;
            }
        }
        let mean = f.mean_magnitude();
        if mean > self.max_mean_flow && mean > 0.0 {
            let s = self.max_mean_flow / mean;
            f.u.iter_mut().chain(f.v.iter_mut()).for_each(|x| *x *= s);
        }
        f
    }

    /// The texture coefficients `c = Mᵀa` of (5).
    fn texture_coefficients(&self, au: &AuVector) -> Vec<f32> {
        // `au` may be a difference of two targets (negative entries): linear all the same.
        let g = self.groups.len();
        (0..g).map(|j| (0..AU_COUNT).map(|k| au.0[k] * self.mix[k * g + j]).sum()).collect()
    }

    /// Edits a normalised face crop at the model's size (any channel count: the
    /// flow and the grey-trained texture apply to every channel). A zero AU
    /// vector returns the input unchanged in both stages.
    pub fn predict(&self, input: &ImageRef<'_, f32>, au: &AuVector) -> Result<Edited> {
        let mut deformed = Image::new(input.width(), input.height(), input.channels());
        let mut output = Image::new(input.width(), input.height(), input.channels());
        self.predict_into(input, au, &mut deformed.view_mut(), &mut output.view_mut())?;
        Ok(Edited { deformed, output })
    }

    /// As [`Deform::predict`], into preallocated images of the input's shape.
    pub fn predict_into(
        &self,
        input: &ImageRef<'_, f32>,
        au: &AuVector,
        deformed: &mut ImageMut<'_, f32>,
        output: &mut ImageMut<'_, f32>,
    ) -> Result<()> {
        self.predict_change_into(input, &AuVector::zero(), au, deformed, output)
    }

    /// Edits a crop whose face shows `from` (e.g. a smile) towards `to`:
    /// motion [`Self::flow_change`] and texture `Σ_k (to − from)_k R_k`, both
    /// linear in the AUs, so the source expression's motion and texture are
    /// taken back while the target's are added. `from = to` returns the input.
    pub fn predict_change(&self, input: &ImageRef<'_, f32>, from: &AuVector, to: &AuVector) -> Result<Edited> {
        let mut deformed = Image::new(input.width(), input.height(), input.channels());
        let mut output = Image::new(input.width(), input.height(), input.channels());
        self.predict_change_into(input, from, to, &mut deformed.view_mut(), &mut output.view_mut())?;
        Ok(Edited { deformed, output })
    }

    /// As [`Deform::predict_change`], into preallocated images of the input's shape.
    pub fn predict_change_into(
        &self,
        input: &ImageRef<'_, f32>,
        from: &AuVector,
        to: &AuVector,
        deformed: &mut ImageMut<'_, f32>,
        output: &mut ImageMut<'_, f32>,
    ) -> Result<()> {
        self.check_input_size(input)?;
        let (w, h) = (self.width, self.height);
        for o in [&*deformed, &*output] {
            if o.width() != w || o.height() != h || o.channels() != input.channels() {
                return Err(Error::Incompatible("output buffer does not match the input's shape".into()));
            }
        }
        check_au(from)?;
        check_au(to)?;
        let au = &difference(from, to);
        if au.is_zero() {
            deformed.data_mut().copy_from_slice(input.data());
            output.data_mut().copy_from_slice(input.data());
            return Ok(());
        }
        let flow = self.flow_change(from, to)?;
        for c in 0..input.channels() {
            warp_plane_into(input.plane(c), w, h, &flow.u, &flow.v, deformed.plane_mut(c));
        }
        output.data_mut().copy_from_slice(deformed.data_mut());
        if self.texture.is_empty() {
            return Ok(());
        }
        let weights = self.mixed_texture(&self.texture_coefficients(au));
        let r = self.params.texture_window;
        for c in 0..input.channels() {
            add_residual(&weights, w, h, r, deformed.plane_mut(c), output.plane_mut(c));
        }
        Ok(())
    }

    /// An error unless `input` has the model's size.
    pub(crate) fn check_input_size(&self, input: &ImageRef<'_, f32>) -> Result<()> {
        let (w, h) = (self.width, self.height);
        if input.width() != w || input.height() != h {
            return Err(Error::Incompatible(format!(
                "input is {}×{} but the model was trained on {w}×{h}; align or resize it to {w}×{h}",
                input.width(),
                input.height()
            )));
        }
        Ok(())
    }

    /// `Σ_g c_g R_g` as `[k + 1][d]` planes.
    fn mixed_texture(&self, coef: &[f32]) -> Vec<f32> {
        let d = self.width * self.height;
        let k1 = self.params.texture_window.pow(2) + 1;
        let mut out = vec![0.0f32; k1 * d];
        for (g, &c) in coef.iter().enumerate() {
            if c == 0.0 {
                continue;
            }
            let planes = &self.texture[g * k1 * d..(g + 1) * k1 * d];
            out.iter_mut().zip(planes).for_each(|(o, &p)| *o += c * p);
        }
        out
    }
}

/// `out += bias + Σ_o w_o ⊙ shift_o(src)`; window entries outside the image
/// are skipped (MR fits them as zero columns with zero weight).
pub(crate) fn add_residual(weights: &[f32], w: usize, h: usize, r: usize, src: &[f32], out: &mut [f32]) {
    let d = w * h;
    let k = r * r;
    let half = (r / 2) as isize;
    out.iter_mut().zip(&weights[k * d..(k + 1) * d]).for_each(|(o, b)| *o += b);
    for o in 0..k {
        let dy = (o / r) as isize - half;
        let dx = (o % r) as isize - half;
        let wp = &weights[o * d..(o + 1) * d];
        let x0 = (-dx).max(0) as usize;
        let x1 = (w as isize - dx.max(0)) as usize;
        for y in 0..h {
            let yy = y as isize + dy;
            if yy < 0 || yy >= h as isize || x1 <= x0 {
                continue;
            }
            let row = y * w;
            let srow = (yy as usize * w) as isize + dx;
            let s_row = &src[(srow + x0 as isize) as usize..][..x1 - x0];
            for ((o, &wv), &sv) in out[row + x0..row + x1].iter_mut().zip(&wp[row + x0..row + x1]).zip(s_row) {
                *o += wv * sv;
            }
        }
    }
}

/// The backward flow that undoes `f`: G with `G(y) = −F(y + G(y))`, so
/// warping by F then by G returns (up to resampling) the input. Negating F
/// is right only where F is constant; a smile moves the mouth corners
/// several pixels and −F, read at the wrong place, leaves part of it. Solved
/// by fixed-point iteration from −F (a contraction where F's gradient is
/// below 1, as for every trained expression).
pub(crate) fn inverse(f: &Flow) -> Flow {
    let (w, h) = (f.width, f.height);
    let mut g = Flow { width: w, height: h, u: f.u.iter().map(|v| -v).collect(), v: f.v.iter().map(|v| -v).collect() };
    for _ in 0..8 {
        let mut next = g.clone();
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let (sx, sy) = (x as f32 + g.u[i], y as f32 + g.v[i]);
                next.u[i] = -sample_clamped(&f.u, w, h, sx, sy);
                next.v[i] = -sample_clamped(&f.v, w, h, sx, sy);
            }
        }
        g = next;
    }
    g
}

/// `to − from`, entry by entry (may be negative).
fn difference(from: &AuVector, to: &AuVector) -> AuVector {
    AuVector(std::array::from_fn(|k| to.0[k] - from.0[k]))
}

fn check_au(au: &AuVector) -> Result<()> {
    match au.0.iter().find(|v| !v.is_finite() || **v < 0.0) {
        Some(&v) => Err(Error::BadIntensity(v)),
        None => Ok(()),
    }
}

/// A deform model fixed to one AU target: a plain [`Predict`] for pipelines
/// that know nothing of AUs (e.g. `mien_core::pipeline`, the CLI's editor).
#[derive(Clone, Copy, Debug)]
pub struct Conditioned<'a> {
    /// The model.
    pub model: &'a Deform,
    /// The target.
    pub au: AuVector,
}

impl Deform {
    /// This model at one AU target, as a [`Predict`].
    pub fn at(&self, au: AuVector) -> Conditioned<'_> {
        Conditioned { model: self, au }
    }
}

impl Deform {
    /// Stored parameters: flow basis, texture maps and their AU mix.
    pub fn parameter_count(&self) -> usize {
        self.basis.len() + self.texture.len() + self.mix.len()
    }
}

impl Predict for Conditioned<'_> {
    fn size(&self) -> (usize, usize) {
        self.model.size()
    }
    fn weight_sets(&self) -> usize {
        1
    }
    fn parameter_count(&self) -> usize {
        self.model.parameter_count()
    }
    fn predict_into(&self, input: &ImageRef<'_, f32>, out: &mut ImageMut<'_, f32>) -> mien_core::Result<()> {
        let mut deformed = Image::new(input.width(), input.height(), input.channels());
        self.model.predict_into(input, &self.au, &mut deformed.view_mut(), out).map_err(|e| match e {
            Error::Core(c) => c,
            other => mien_core::Error::Incompatible(other.to_string()),
        })
    }
}
