//! Image files and quality measures.

use std::path::PathBuf;

use mien::core::dataset::{read_sized, LoadOptions};
use mien::core::image::{save_png, Image};
use mien::core::labels::EXPRESSIONS;
use mien::core::metrics;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;

use crate::arrays::{image_from, image_to_py};
use crate::errors::{value_error, IntoPyResult};

/// Reads an image file (PNG, JPEG, TIFF — palette TIFF too —, GIF, BMP) as
/// `mien train` reads training images: grey stays (H, W), colour is (H, W, 3);
/// `size` resizes to size×size (bilinear, rounded to 8 bits).
#[pyfunction]
#[pyo3(signature = (path, size=None))]
pub fn read_image<'py>(py: Python<'py>, path: PathBuf, size: Option<usize>) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    if size == Some(0) {
        return Err(value_error("size must be at least 1"));
    }
    let opts = LoadOptions { size, ..Default::default() };
    let img = py.detach(|| read_sized(&path, &opts)).py()?;
    Ok(image_to_py(py, img))
}

/// Writes an image as PNG, atomically (temporary file + rename), with the
/// encoder `mien` uses, so the bytes equal the CLI's.
#[pyfunction]
pub fn write_image(py: Python<'_>, path: PathBuf, image: PyReadonlyArrayDyn<'_, u8>) -> PyResult<()> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    if ext.as_deref() != Some("png") {
        return Err(value_error(format!("{}: mien writes PNG; name the file .png", path.display())));
    }
    let img = image_from(&image, "image")?;
    py.detach(|| save_png(&img, &path)).py()
}

/// Two images of the same shape.
fn pair(a: &PyReadonlyArrayDyn<'_, u8>, b: &PyReadonlyArrayDyn<'_, u8>) -> PyResult<(Image<u8>, Image<u8>)> {
    let (sa, sb) = (a.as_array().shape().to_vec(), b.as_array().shape().to_vec());
    if sa != sb {
        return Err(value_error(format!("the images differ in shape: {sa:?} and {sb:?}")));
    }
    Ok((image_from(a, "a")?, image_from(b, "b")?))
}

/// Mean squared error on intensities / 255 (as `mien eval`).
#[pyfunction]
pub fn mse(a: PyReadonlyArrayDyn<'_, u8>, b: PyReadonlyArrayDyn<'_, u8>) -> PyResult<f64> {
    let (a, b) = pair(&a, &b)?;
    Ok(metrics::mse(&a, &b))
}

/// PSNR in dB for peak 1 (infinite for identical images).
#[pyfunction]
pub fn psnr(a: PyReadonlyArrayDyn<'_, u8>, b: PyReadonlyArrayDyn<'_, u8>) -> PyResult<f64> {
    let (a, b) = pair(&a, &b)?;
    Ok(metrics::psnr(&a, &b))
}

/// SSIM (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5), mean over channels.
#[pyfunction]
pub fn ssim(py: Python<'_>, a: PyReadonlyArrayDyn<'_, u8>, b: PyReadonlyArrayDyn<'_, u8>) -> PyResult<f64> {
    let (a, b) = pair(&a, &b)?;
    if a.width() < 11 || a.height() < 11 {
        return Err(value_error(format!("ssim needs images of at least 11×11, got {}×{}", a.width(), a.height())));
    }
    Ok(py.detach(|| metrics::ssim(&a, &b)))
}

/// The built-in model names.
#[pyfunction]
pub fn builtin_models() -> Vec<&'static str> {
    mien::registry::builtin::NAMES.to_vec()
}

/// The six expression names.
#[pyfunction]
pub fn expressions() -> Vec<&'static str> {
    EXPRESSIONS.iter().map(|(n, _)| *n).collect()
}
