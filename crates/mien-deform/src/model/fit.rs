//! Fitting: group flows, the per-AU basis (4), then the group texture residuals.

use mien_core::dataset::{Pair, PairedDataset};
use mien_core::image::Image;
use mien_core::models::{ChannelMode, MaskedParams, Prior};
use rayon::prelude::*;

use super::{AuGroup, Deform, DeformParams, MotionSource};
use crate::au::{AuVector, AU_COUNT};
use crate::error::{Error, Result};
use crate::flow::shared_flow;
use crate::guide::landmark_flow;
use crate::warp::{warp_plane_into, Flow};

impl DeformParams {
    /// Fits motion and texture on groups of pairs that share a target AU vector.
    pub fn fit(&self, groups: &[AuGroup<'_>]) -> Result<Deform> {
        self.check()?;
        let first = groups.first().ok_or_else(|| Error::NoTrainingData("no groups were given".into()))?;
        let (w, h) = (first.data.width, first.data.height);
        for g in groups {
            if g.data.is_empty() {
                return Err(Error::NoTrainingData(format!("group `{}` has no pairs", g.name)));
            }
            if (g.data.width, g.data.height) != (w, h) {
                return Err(Error::Incompatible(format!(
                    "group `{}` is {}×{} but `{}` is {w}×{h}; align all groups to one size",
                    g.name, g.data.width, g.data.height, first.name
                )));
            }
            if g.au.0.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(Error::Incompatible(format!("group `{}` has a negative or non-finite AU", g.name)));
            }
        }
        if w < 8 || h < 8 {
            return Err(mien_core::Error::param("image size", format!("{w}×{h}"), "at least 8×8").into());
        }
        let grey: Vec<PairedDataset> = groups
            .iter()
            .map(|g| if g.data.channels == 1 { Ok(g.data.clone()) } else { g.data.to_grey() })
            .collect::<mien_core::Result<_>>()?;
        let d = w * h;

        // Motion: one flow per group, then the ridge basis (4).
        let flows: Vec<Flow> = match self.motion {
            MotionSource::Photometric => grey
                .par_iter()
                .map(|data| {
                    let (src, tgt): (Vec<Vec<f32>>, Vec<Vec<f32>>) = data.pairs.iter().map(normalised).unzip();
                    let s: Vec<&[f32]> = src.iter().map(Vec::as_slice).collect();
                    let t: Vec<&[f32]> = tgt.iter().map(Vec::as_slice).collect();
                    shared_flow(&s, &t, w, h, &self.flow)
                })
                .collect(),
            MotionSource::Landmarks => groups
                .iter()
                .map(|g| {
                    if g.points.is_empty() {
                        return Err(Error::NoTrainingData(format!(
                            "group `{}` has no landmarks; landmark motion needs the pairs' landmarks",
                            g.name
                        )));
                    }
                    landmark_flow(g.points, w, h, self.landmark_relax, self.keep_strength)
                })
                .collect::<Result<_>>()?,
        };
        let aus: Vec<AuVector> = groups.iter().map(|g| g.au).collect();
        let mix = ridge_mix(&aus, self.basis_ridge)?;
        let gn = groups.len();
        let mut basis = vec![0.0f32; AU_COUNT * 2 * d];
        for k in 0..AU_COUNT {
            for (g, f) in flows.iter().enumerate() {
                let m = mix[k * gn + g] as f32;
                if m == 0.0 {
                    continue;
                }
                let (bu, bv) = basis[k * 2 * d..(k + 1) * 2 * d].split_at_mut(d);
                bu.iter_mut().zip(&f.u).for_each(|(b, x)| *b += m * x);
                bv.iter_mut().zip(&f.v).for_each(|(b, x)| *b += m * x);
            }
        }
        let mut model = Deform {
            params: self.clone(),
            width: w,
            height: h,
            groups: groups.iter().map(|g| (g.name.to_string(), g.au)).collect(),
            basis,
            texture: Vec::new(),
            mix: mix.iter().map(|&m| m as f32).collect(),
            max_pixel_flow: f32::INFINITY,
            max_mean_flow: f32::INFINITY,
        };
        // The training range of motion, from the flows the model itself gives the groups.
        let fitted: Vec<Flow> = aus.iter().map(|a| model.raw_flow(a)).collect();
        model.max_pixel_flow = fitted.iter().map(Flow::max_magnitude).fold(0.0, f32::max);
        model.max_mean_flow = fitted.iter().map(Flow::mean_magnitude).fold(0.0, f32::max);

        if self.texture {
            let r = self.texture_window;
            let k1 = r * r + 1;
            let mut texture = vec![0.0f32; gn * k1 * d];
            let mr = MaskedParams::default()
                .receptive_field(r)
                .lambda(self.texture_lambda)
                .prior(Prior::Identity)
                .channels(ChannelMode::Grey);
            for (g, (data, flow)) in grey.iter().zip(&fitted).enumerate() {
                let warped = warped_dataset(data, flow)?;
                let fitted_mr = mr.fit(&warped)?;
                // `[1][d][k + 1]` → `[k + 1][d]`, minus the identity: the residual map R_g.
                let per_pixel = fitted_mr.weights_per_pixel();
                let planes = &mut texture[g * k1 * d..(g + 1) * k1 * d];
                for i in 0..d {
                    for o in 0..k1 {
                        planes[o * d + i] = per_pixel[i * k1 + o];
                    }
                }
                let centre = (r * r) / 2;
                planes[centre * d..(centre + 1) * d].iter_mut().for_each(|v| *v -= 1.0);
            }
            model.texture = texture;
        }
        Ok(model)
    }
}

/// A pair's input and target planes in normalised intensity.
fn normalised(p: &Pair) -> (Vec<f32>, Vec<f32>) {
    let f =
        |img: &Image<u8>, n: mien_core::normalize::Affine| img.plane(0).iter().map(|&v| n.forward(v as f32)).collect();
    (f(&p.input, p.input_norm), f(&p.target, p.target_norm))
}

/// The group's pairs with every input warped by `flow`. Warping commutes with
/// the per-image affine normalisation, so the raw 8-bit input is warped and
/// keeps its own normalisation (rounding to 8 bits costs ≤ 0.5 grey levels).
fn warped_dataset(data: &PairedDataset, flow: &Flow) -> Result<PairedDataset> {
    let (w, h) = (data.width, data.height);
    let mut out = data.clone();
    let mut buf = vec![0.0f32; w * h];
    for p in &mut out.pairs {
        let src: Vec<f32> = p.input.plane(0).iter().map(|&v| v as f32).collect();
        warp_plane_into(&src, w, h, &flow.u, &flow.v, &mut buf);
        let bytes = buf.iter().map(|&v| v.round().clamp(0.0, 255.0) as u8).collect();
        p.input = Image::from_planar(w, h, 1, bytes)
            .ok_or_else(|| Error::Incompatible("warped image has the wrong size".into()))?;
    }
    Ok(out)
}

/// `M = Aᵀ(AAᵀ + μI)⁻¹` as `[17][G]`, by Gauss–Jordan on the small G×G system.
pub(crate) fn ridge_mix(aus: &[AuVector], mu: f64) -> Result<Vec<f64>> {
    let g = aus.len();
    let a: Vec<[f64; AU_COUNT]> = aus.iter().map(AuVector::as_f64).collect();
    // K = AAᵀ + μI, augmented with the identity.
    let mut k = vec![0.0f64; g * 2 * g];
    for i in 0..g {
        for j in 0..g {
            k[i * 2 * g + j] = (0..AU_COUNT).map(|q| a[i][q] * a[j][q]).sum::<f64>() + if i == j { mu } else { 0.0 };
        }
        k[i * 2 * g + g + i] = 1.0;
    }
    for c in 0..g {
        let piv = (c..g).max_by(|&x, &y| k[x * 2 * g + c].abs().total_cmp(&k[y * 2 * g + c].abs())).unwrap_or(c);
        if k[piv * 2 * g + c].abs() < 1e-12 {
            return Err(Error::Incompatible("the AU basis system is singular; raise the basis ridge".into()));
        }
        for q in 0..2 * g {
            k.swap(c * 2 * g + q, piv * 2 * g + q);
        }
        let p = k[c * 2 * g + c];
        k[c * 2 * g..(c + 1) * 2 * g].iter_mut().for_each(|v| *v /= p);
        for r in 0..g {
            if r != c {
                let f = k[r * 2 * g + c];
                for q in 0..2 * g {
                    k[r * 2 * g + q] -= f * k[c * 2 * g + q];
                }
            }
        }
    }
    let mut m = vec![0.0f64; AU_COUNT * g];
    for q in 0..AU_COUNT {
        for j in 0..g {
            m[q * g + j] = (0..g).map(|i| a[i][q] * k[i * 2 * g + g + j]).sum();
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_reproduces_each_prototype_up_to_the_ridge() {
        let aus: Vec<AuVector> =
            crate::au::PROTOTYPES.iter().map(|(n, _)| AuVector::from_expression(n).unwrap()).collect();
        let m = ridge_mix(&aus, 1e-6).unwrap();
        // A·M ≈ I: group g's AU vector mixes back to group g's own flow.
        for (i, a) in aus.iter().enumerate() {
            for j in 0..aus.len() {
                let v: f64 = (0..AU_COUNT).map(|q| a.0[q] as f64 * m[q * aus.len() + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-4, "{i} {j} {v}");
            }
        }
    }
}
