//! Sharded training: masked regression's sufficient statistics
//! ([`mien::core::models::MaskedStats`]) as a Python object that accumulates
//! batches, merges exactly and serialises to bytes for shipping between
//! processes (Dask workers).

use std::path::Path;
use std::time::Instant;

use mien::core::model_file::{AnyModel, TrainingInfo};
use mien::core::models::MaskedStats;
use mien::{ModelKind, ModelSpec};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

use crate::errors::{value_error, IntoPyResult};
use crate::model::{dataset, model_file, parse_normalize, train_options, PyModel};

/// Accumulated normal equations of a `masked` or `pixel` model.
#[pyclass(module = "mien._mien", name = "_MaskedStats", frozen)]
pub struct PyMaskedStats {
    kind: ModelKind,
    stats: Mutex<MaskedStats>,
}

impl PyMaskedStats {
    fn lock(&self) -> std::sync::MutexGuard<'_, MaskedStats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl PyMaskedStats {
    /// Empty statistics of `kind` (`masked` or `pixel`) with these hyperparameters.
    #[new]
    #[pyo3(signature = (kind, options, penalize_bias=true))]
    fn new(kind: &str, options: Vec<(String, String)>, penalize_bias: bool) -> PyResult<Self> {
        let kind: ModelKind = kind.parse().map_err(value_error)?;
        let params = match ModelSpec::new(kind, &train_options(&options, penalize_bias)?).py()? {
            ModelSpec::Masked(p) | ModelSpec::Pixel(p) => p,
            _ => {
                return Err(value_error(format!(
                    "{kind} has no sufficient statistics; only masked and pixel train in shards"
                )))
            }
        };
        Ok(Self { kind, stats: Mutex::new(MaskedStats::new(params).py()?) })
    }

    /// Adds a batch of pairs (X, Y: (n, H, W[, 3]) uint8).
    #[pyo3(signature = (inputs, targets, normalize="minmax"))]
    fn update(
        &self,
        py: Python<'_>,
        inputs: PyReadonlyArrayDyn<'_, u8>,
        targets: PyReadonlyArrayDyn<'_, u8>,
        normalize: &str,
    ) -> PyResult<()> {
        let data = dataset(&inputs, &targets, parse_normalize(normalize)?)?;
        py.detach(|| self.lock().update(&data)).py()
    }

    /// Adds another shard's statistics (same kind, hyperparameters, size, colour mode, normalisation).
    fn merge(&self, py: Python<'_>, other: &PyMaskedStats) -> PyResult<()> {
        if std::ptr::eq(self, other) {
            let copy = self.lock().clone();
            return py.detach(|| self.lock().merge(&copy)).py();
        }
        if other.kind != self.kind {
            return Err(value_error(format!("cannot merge {} statistics into {}", other.kind, self.kind)));
        }
        let theirs = other.lock().clone();
        py.detach(|| self.lock().merge(&theirs)).py()
    }

    /// Training pairs accumulated.
    #[getter]
    fn pairs(&self) -> usize {
        self.lock().pairs()
    }

    /// (height, width) of the accumulated images (numpy's order), or None.
    #[getter]
    fn size(&self) -> Option<(usize, usize)> {
        self.lock().size().map(|(w, h)| (h, w))
    }

    /// The f64 solution before rounding to the model's f32: (sets, H·W, r²+1).
    fn solve<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let stats = self.lock().clone();
        let w = py.detach(|| stats.solve()).py()?;
        let (width, height) = stats.size().unwrap_or_default();
        let d = width * height;
        let k1 = stats.params().window_len() + 1;
        let shape = [w.len() / (d * k1).max(1), d, k1];
        Ok(ArrayD::from_shape_vec(IxDyn(&shape), w).map_err(|e| value_error(e.to_string()))?.into_pyarray(py))
    }

    /// The fitted model from the statistics so far.
    #[pyo3(signature = (output_mode="clip", expression=None, template=None))]
    fn finalize(
        &self,
        py: Python<'_>,
        output_mode: &str,
        expression: Option<String>,
        template: Option<&str>,
    ) -> PyResult<PyModel> {
        let stats = self.lock().clone();
        let start = Instant::now();
        let masked = py.detach(|| stats.finalize()).py()?;
        let info = TrainingInfo {
            pairs: stats.pairs(),
            source: "numpy".into(),
            seconds: start.elapsed().as_secs_f64(),
            expression,
            licence: None,
        };
        let model = if self.kind == ModelKind::Pixel { AnyModel::Pixel(masked) } else { AnyModel::Masked(masked) };
        let normalize = stats.normalize().unwrap_or_default();
        model_file(model, normalize, output_mode, info, template)
    }

    /// The statistics as bytes (for pickling and shipping between processes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.lock().to_bytes().py()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Statistics of `kind` from [`Self::to_bytes`] output.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, kind: &str, data: &[u8]) -> PyResult<Self> {
        let kind: ModelKind = kind.parse().map_err(value_error)?;
        let stats = py.detach(|| MaskedStats::from_bytes(data, Path::new("<statistics bytes>"))).py()?;
        Ok(Self { kind, stats: Mutex::new(stats) })
    }

    /// The kind the statistics fit (`masked` or `pixel`).
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind.name()
    }
}
