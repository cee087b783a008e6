//! Principal-component regression (PCR): inputs projected onto their top k
//! principal components, targets ridge-regressed on the projection.
//!
//! The principal directions of the centred inputs `Xc` (`n × d`) come from
//! the `n × n` Gram matrix `XcXcᵀ = V Λ Vᵀ` (symmetric Jacobi, f64) rather than
//! the `d × d` covariance: `u_m = Xcᵀ v_m / √λ_m`. The training projections
//! are then `Z = V_k Λ_k^{1/2}` with `ZᵀZ = Λ_k` diagonal, so the ridge solve
//! is closed-form: `B_m = √λ_m / (λ_m + λ) · v_mᵀ Tc`. The model stores the
//! means, the k directions and the k coefficient rows (`2kd + 2d` numbers);
//! prediction is `y = mean_t + Bᵀ U (x − mean_x)`.

mod file;
mod fit;
mod params;
mod predict;

pub use params::PcrParams;

/// A fitted principal-component regression.
#[derive(Clone, Debug, PartialEq)]
pub struct Pcr {
    pub(crate) params: PcrParams,
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) sets: usize,
    /// `[sets][d]` mean training input.
    pub(crate) mean_input: Vec<f32>,
    /// `[sets][d]` mean training target.
    pub(crate) mean_target: Vec<f32>,
    /// `[sets][k][d]` unit principal directions.
    pub(crate) components: Vec<f32>,
    /// `[sets][k][d]` regression coefficients of each component.
    pub(crate) coefficients: Vec<f32>,
}

impl Pcr {
    /// The hyperparameters it was fitted with.
    pub fn params(&self) -> &PcrParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::models::testutil::{dataset, Lcg};
    use crate::models::Predict;

    #[test]
    fn recovers_a_map_within_the_component_span() {
        // Inputs vary only along 3 directions (a rank-3 family of images), and
        // the target is linear in the input: PCR with k = 3 is exact there.
        let d = 36;
        let basis: Vec<Vec<f64>> =
            (0..3).map(|b| (0..d).map(|j| ((j * (b + 2)) % 7) as f64 * 10.0).collect()).collect();
        let mut rng = Lcg(21);
        let coeffs: Vec<[f64; 3]> = (0..60)
            .map(|_| [rng.next_u8() as f64 / 255.0, rng.next_u8() as f64 / 255.0, rng.next_u8() as f64 / 255.0])
            .collect();
        let make = |c: &[f64; 3]| -> Vec<f64> {
            (0..d).map(|j| 40.0 + (0..3).map(|b| c[b] * basis[b][j]).sum::<f64>()).collect()
        };
        let map = |x: &[f64]| -> Vec<f64> { (0..d).map(|i| 0.5 * x[(i + 1) % d] + 0.25 * x[i] + 30.0).collect() };
        let images = coeffs
            .iter()
            .enumerate()
            .map(|(p, c)| {
                let x = make(c);
                let to8 =
                    |v: &[f64]| Image::from_planar(6, 6, 1, v.iter().map(|&u| u.round() as u8).collect()).unwrap();
                (format!("{p:03}"), to8(&x), to8(&map(&x.iter().map(|u| u.round()).collect::<Vec<_>>())))
            })
            .collect();
        let data =
            crate::dataset::PairedDataset::from_images(images, &[], crate::normalize::Normalize::Unit, "pcr".into())
                .unwrap();
        let m = PcrParams::default().components(3).lambda(1e-9).fit(&data).unwrap();
        let probe: Vec<f64> = make(&[0.3, 0.6, 0.2]).iter().map(|v| v.round()).collect();
        let x = Image::from_planar(6, 6, 1, probe.iter().map(|&v| (v / 255.0) as f32).collect()).unwrap();
        let got = m.predict(&x.view()).unwrap();
        for (g, w) in got.data().iter().zip(map(&probe)) {
            assert!((*g as f64 * 255.0 - w).abs() < 0.6, "{} vs {w}", g * 255.0);
        }
    }

    #[test]
    fn rejects_more_components_than_the_data_has() {
        let data = dataset(4, 4, 1, 5, 22, |x| x.to_vec());
        assert!(PcrParams::default().components(10).fit(&data).is_err());
        assert!(PcrParams::default().components(0).check().is_err());
    }
}
