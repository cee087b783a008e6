//! The [`Fit`] trait: what every local and whole-image model's params type
//! shares, so a front end can train any kind through one generic function.
//!
//! Each params type keeps its inherent `check` and `fit` (and, where it has
//! one, `fit_with_progress`); the trait forwards to them, so code that names
//! the concrete type is unaffected and inherent calls still win method
//! resolution.

use crate::dataset::PairedDataset;
use crate::error::Result;
use crate::models::{
    KernelRidge, KernelRidgeParams, Lasso, LassoParams, LsrfParams, Masked, MaskedParams, Omp, OmpParams, Pcr,
    PcrParams, PixelKernel, PixelKernelParams, PixelParams, Predict, Ridge, RidgeParams,
};

/// Hyperparameters that check themselves and fit a [`Predict`] model, the
/// linfa shape made fallible: defaults and setters, then
/// [`check`](Fit::check), then [`fit`](Fit::fit).
///
/// ```no_run
/// use mien_core::dataset::PairedDataset;
/// use mien_core::models::{Fit, Predict, RidgeParams};
///
/// fn train<P: Fit>(params: &P, data: &PairedDataset) -> mien_core::Result<P::Model> {
///     params.check()?;
///     params.fit(data)
/// }
/// # fn demo(data: &PairedDataset) -> mien_core::Result<()> {
/// let model = train(&RidgeParams::default().lambda(10.0), data)?;
/// println!("{} parameters", model.parameter_count());
/// # Ok(())
/// # }
/// ```
pub trait Fit {
    /// The fitted model.
    type Model: Predict;

    /// Checks the ranges that do not depend on the data ([`crate::Error::InvalidParam`]
    /// names the parameter, the value and the valid range).
    fn check(&self) -> Result<()>;

    /// Fits on the training split of `data`; checks the parameters (also
    /// against the image size) first.
    fn fit(&self, data: &PairedDataset) -> Result<Self::Model>;
}

/// `Fit` for params types whose inherent `check` and `fit` already have the
/// trait's signatures (inherent associated functions win path resolution, so
/// `<$params>::fit` is the inherent one, not a recursive call).
macro_rules! forward_fit {
    ($($params:ty => $model:ty),* $(,)?) => {$(
        impl Fit for $params {
            type Model = $model;
            fn check(&self) -> Result<()> {
                <$params>::check(self)
            }
            fn fit(&self, data: &PairedDataset) -> Result<$model> {
                <$params>::fit(self, data)
            }
        }
    )*};
}

forward_fit! {
    MaskedParams => Masked,
    PixelParams => Masked,
    PixelKernelParams => PixelKernel,
    OmpParams => Omp,
    LsrfParams => Omp,
    RidgeParams => Ridge,
    LassoParams => Lasso,
    PcrParams => Pcr,
    KernelRidgeParams => KernelRidge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testutil::dataset;

    fn fit_generic<P: Fit>(params: &P, data: &PairedDataset) -> (usize, usize) {
        params.check().unwrap();
        params.fit(data).unwrap().size()
    }

    #[test]
    fn every_params_type_fits_through_the_trait() {
        let d = 20;
        let data = dataset(5, 4, 1, 12, 7, |x| (0..d).map(|i| 0.5 * x[i] + 0.5 * x[(i + 1) % d]).collect());
        assert_eq!(fit_generic(&MaskedParams::default(), &data), (5, 4));
        assert_eq!(fit_generic(&PixelParams::default(), &data), (5, 4));
        assert_eq!(fit_generic(&PixelKernelParams::default(), &data), (5, 4));
        assert_eq!(fit_generic(&OmpParams::default().nonzeros(3), &data), (5, 4));
        assert_eq!(fit_generic(&LsrfParams::default().nonzeros(3), &data), (5, 4));
        assert_eq!(fit_generic(&RidgeParams::default(), &data), (5, 4));
        assert_eq!(fit_generic(&LassoParams::default(), &data), (5, 4));
        assert_eq!(fit_generic(&PcrParams::default().components(4), &data), (5, 4));
        assert_eq!(fit_generic(&KernelRidgeParams::default(), &data), (5, 4));
        let bad = RidgeParams::default().lambda(-1.0);
        assert!(matches!(Fit::check(&bad), Err(crate::Error::InvalidParam { name: "lambda", .. })));
    }
}
