//! The model kinds, one enum: names, descriptions and what each kind can do.

use std::fmt;
use std::str::FromStr;

/// A model kind. Its name is what model files record (`kind` in the
/// metadata) and what front ends accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelKind {
    /// Masked regression: ridge over the r×r window around each pixel.
    Masked,
    /// Per-pixel linear map (masked with r = 1).
    Pixel,
    /// Per-pixel RBF kernel ridge regression.
    PixelKernel,
    /// Orthogonal matching pursuit: F input pixels per output pixel (ℓ0).
    Omp,
    /// OMP with a locality bonus β/D (sparse local receptive fields).
    Lsrf,
    /// Ridge on all input pixels (ℓ2, dual form).
    Ridge,
    /// Lasso on all input pixels (ℓ1).
    Lasso,
    /// Principal-component regression (SVD-based).
    Pcr,
    /// RBF kernel ridge regression on whole images.
    KernelRidge,
    /// Deformation: AU-conditioned flow basis + texture.
    Deform,
    /// Neural deformation (burn; the `defgan` feature).
    Defgan,
}

impl ModelKind {
    /// Every kind, in the order front ends list them.
    pub const ALL: [ModelKind; 11] = [
        ModelKind::Masked,
        ModelKind::Pixel,
        ModelKind::PixelKernel,
        ModelKind::Omp,
        ModelKind::Lsrf,
        ModelKind::Ridge,
        ModelKind::Lasso,
        ModelKind::Pcr,
        ModelKind::KernelRidge,
        ModelKind::Deform,
        ModelKind::Defgan,
    ];

    /// The kind's name, as model files record it.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Masked => "masked",
            ModelKind::Pixel => "pixel",
            ModelKind::PixelKernel => "pixel-kernel",
            ModelKind::Omp => "omp",
            ModelKind::Lsrf => "lsrf",
            ModelKind::Ridge => "ridge",
            ModelKind::Lasso => "lasso",
            ModelKind::Pcr => "pcr",
            ModelKind::KernelRidge => "kernel-ridge",
            ModelKind::Deform => "deform",
            ModelKind::Defgan => "defgan",
        }
    }

    /// One line for help texts.
    pub fn description(self) -> &'static str {
        match self {
            ModelKind::Masked => "Masked regression: ridge over the r×r window around each pixel",
            ModelKind::Pixel => "Per-pixel linear map (masked with r = 1)",
            ModelKind::PixelKernel => "Per-pixel RBF kernel ridge regression",
            ModelKind::Omp => "Orthogonal matching pursuit: F input pixels per output pixel (ℓ0)",
            ModelKind::Lsrf => "OMP with a locality bonus β/D (sparse local receptive fields)",
            ModelKind::Ridge => "Ridge on all input pixels (ℓ2, dual form)",
            ModelKind::Lasso => "Lasso on all input pixels (ℓ1)",
            ModelKind::Pcr => "Principal-component regression (SVD-based)",
            ModelKind::KernelRidge => "RBF kernel ridge regression on whole images",
            ModelKind::Deform => {
                "Deformation: AU-conditioned flow basis + texture, trained on every expression of an aligned folder (`mien align --expression all`)"
            }
            ModelKind::Defgan => {
                "Neural deformation: AU-conditioned motion and texture networks trained end to end with a critic (burn; needs a build with `--features defgan`)"
            }
        }
    }

    /// Whether the kind is conditioned on Action Units (one model for every
    /// expression) rather than trained per expression.
    pub fn takes_au(self) -> bool {
        matches!(self, ModelKind::Deform | ModelKind::Defgan)
    }

    /// Whether sparse models share one weight set across colour channels by default.
    pub(crate) fn is_sparse(self) -> bool {
        matches!(self, ModelKind::Omp | ModelKind::Lsrf | ModelKind::Lasso)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(s)).ok_or_else(|| {
            format!(
                "unknown model kind `{s}`; use {}",
                ModelKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for k in ModelKind::ALL {
            assert_eq!(k.name().parse::<ModelKind>().unwrap(), k);
            assert_eq!(ModelKind::ALL.iter().filter(|o| o.name() == k.name()).count(), 1);
        }
        assert!("nope".parse::<ModelKind>().unwrap_err().contains("masked, pixel"));
    }
}
