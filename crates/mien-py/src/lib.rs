//! Python bindings of mien: the extension module `mien._mien` of the `mien`
//! Python package (`crates/mien-py/python/mien`, built by maturin; see
//! `docs/python.md`). Images cross the boundary as numpy `uint8` arrays,
//! H×W (grey) or H×W×3 (RGB), converted once to mien's planar layout; heavy
//! calls release the GIL; every library error becomes a Python exception.
//!
//! The bindings are compiled only with the `python` feature, which maturin
//! enables: without it this crate is empty, so workspace-wide `cargo` runs do
//! not need Python.

#[cfg(feature = "python")]
mod arrays;
#[cfg(feature = "python")]
mod editor;
#[cfg(feature = "python")]
mod errors;
#[cfg(feature = "python")]
mod functions;
#[cfg(feature = "python")]
mod model;
#[cfg(feature = "python")]
mod stats;
#[cfg(feature = "python")]
mod tracker;

/// The extension module: classes and functions that `python/mien/*.py` wraps
/// into the public, scikit-learn-style API.
#[cfg(feature = "python")]
#[pyo3::pymodule]
fn _mien(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    use pyo3::prelude::*;
    errors::register(m)?;
    m.add_class::<model::PyModel>()?;
    m.add_class::<stats::PyMaskedStats>()?;
    m.add_class::<editor::PyEditor>()?;
    m.add_class::<tracker::PyTracker>()?;
    m.add_function(wrap_pyfunction!(model::fit, m)?)?;
    m.add_function(wrap_pyfunction!(functions::read_image, m)?)?;
    m.add_function(wrap_pyfunction!(functions::write_image, m)?)?;
    m.add_function(wrap_pyfunction!(functions::mse, m)?)?;
    m.add_function(wrap_pyfunction!(functions::psnr, m)?)?;
    m.add_function(wrap_pyfunction!(functions::ssim, m)?)?;
    m.add_function(wrap_pyfunction!(functions::builtin_models, m)?)?;
    m.add_function(wrap_pyfunction!(functions::expressions, m)?)?;
    m.add_function(wrap_pyfunction!(editor::align, m)?)?;
    m.add_function(wrap_pyfunction!(editor::canonical_template, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
