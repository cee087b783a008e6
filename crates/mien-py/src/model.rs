//! Fitted models: `Model` wraps any model file (the same `.safetensors`
//! bytes the CLI reads and writes), and `fit` trains a per-expression kind on
//! numpy batches through the library's registry.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use mien::core::dataset::PairedDataset;
use mien::core::image::{write_atomic, Image};
use mien::core::model_file::{ModelFile, TrainingInfo};
use mien::core::normalize::{Normalize, OutputMode};
use mien::core::pipeline::{self, ApplyOptions};
use mien::{Model, ModelKind, ModelSpec, TrainOptions};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rayon::prelude::*;

use crate::arrays::{batch_from, batch_to_py};
use crate::errors::{value_error, IntoPyResult};

/// A loaded or fitted model of any kind.
#[pyclass(module = "mien._mien", name = "Model", frozen)]
pub struct PyModel {
    pub inner: Arc<Model>,
}

/// How a model held in memory is named in error messages.
const IN_MEMORY: &str = "<model bytes>";

/// A model's file bytes.
pub fn model_bytes(model: &Model) -> PyResult<Vec<u8>> {
    match model {
        Model::Local(f) => f.to_bytes().py(),
        Model::Deform(f) => f.to_bytes().map_err(mien::Error::from).py(),
        _ => Err(value_error("this model kind cannot be serialised by the Python package")),
    }
}

pub fn parse_normalize(s: &str) -> PyResult<Normalize> {
    match s {
        "minmax" => Ok(Normalize::MinMax),
        "unit" => Ok(Normalize::Unit),
        _ => Err(value_error(format!("normalize={s:?}: use 'minmax' or 'unit'"))),
    }
}

pub fn parse_output_mode(s: &str) -> PyResult<OutputMode> {
    match s {
        "clip" => Ok(OutputMode::Clip),
        "stretch" => Ok(OutputMode::Stretch),
        _ => Err(value_error(format!("output_mode={s:?}: use 'clip' or 'stretch'"))),
    }
}

/// Parses an alignment template given as JSON text.
pub fn parse_template(json: Option<&str>) -> PyResult<Option<serde_json::Value>> {
    json.map(|j| serde_json::from_str(j).map_err(|e| value_error(format!("template: not valid JSON: {e}")))).transpose()
}

/// Input/target batches as a paired dataset (pairs keep the arrays' order).
pub fn dataset(
    inputs: &PyReadonlyArrayDyn<'_, u8>,
    targets: &PyReadonlyArrayDyn<'_, u8>,
    normalize: Normalize,
) -> PyResult<PairedDataset> {
    let a = batch_from(inputs, "X")?;
    let b = batch_from(targets, "Y")?;
    if a.len() != b.len() {
        return Err(value_error(format!("X has {} images but Y has {}; they must pair one to one", a.len(), b.len())));
    }
    if a.is_empty() {
        return Err(value_error("X and Y hold no images"));
    }
    // Zero-padded names: the dataset sorts pairs by name, so this keeps the arrays' order.
    let paths: Vec<(PathBuf, PathBuf)> =
        (0..a.len()).map(|i| (PathBuf::from(format!("X[{i}]")), PathBuf::from(format!("Y[{i}]")))).collect();
    let images: Vec<(String, Image<u8>, Image<u8>)> =
        a.into_iter().zip(b).enumerate().map(|(i, (x, y))| (format!("pair {i:09}"), x, y)).collect();
    PairedDataset::from_images(images, &paths, normalize, "numpy".into()).map_err(|e| match e {
        e @ mien::core::Error::ConstantImage { .. } => value_error(format!("{e} (from Python: normalize=\"unit\")")),
        e => crate::errors::core_to_py(e),
    })
}

/// Wraps a fitted local model in a model file with its metadata.
pub fn model_file(
    model: mien::core::model_file::AnyModel,
    normalize: Normalize,
    output_mode: &str,
    info: TrainingInfo,
    template: Option<&str>,
) -> PyResult<PyModel> {
    let mut file = ModelFile::new(model, normalize, parse_output_mode(output_mode)?, info);
    file.meta.alignment = parse_template(template)?;
    Ok(PyModel { inner: Arc::new(Model::Local(file)) })
}

/// Checked training options from (name, value) text pairs.
pub fn train_options(options: &[(String, String)], penalize_bias: bool) -> PyResult<TrainOptions> {
    let mut o = TrainOptions { penalize_bias, ..Default::default() };
    for (k, v) in options {
        o.set(k, v).map_err(value_error)?;
    }
    Ok(o)
}

/// Fits a per-expression model kind on numpy batches.
#[pyfunction]
#[pyo3(signature = (kind, inputs, targets, options, penalize_bias=true, normalize="minmax", output_mode="clip", expression=None, template=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    py: Python<'_>,
    kind: &str,
    inputs: PyReadonlyArrayDyn<'_, u8>,
    targets: PyReadonlyArrayDyn<'_, u8>,
    options: Vec<(String, String)>,
    penalize_bias: bool,
    normalize: &str,
    output_mode: &str,
    expression: Option<String>,
    template: Option<&str>,
) -> PyResult<PyModel> {
    let kind: ModelKind = kind.parse().map_err(value_error)?;
    let spec = ModelSpec::new(kind, &train_options(&options, penalize_bias)?).py()?;
    let normalize = parse_normalize(normalize)?;
    let data = dataset(&inputs, &targets, normalize)?;
    let (model, seconds) = py
        .detach(|| {
            let start = Instant::now();
            spec.fit(&data).map(|m| (m, start.elapsed().as_secs_f64()))
        })
        .py()?;
    let info = TrainingInfo { pairs: data.len(), source: data.source.clone(), seconds, expression, licence: None };
    model_file(model, normalize, output_mode, info, template)
}

/// (n, height, width, channels) of a batch the fused path can take: the
/// model's size, 1 or 3 channels the model's weight sets fit without a
/// grey → RGB conversion, and the clip output mode.
fn fast_shape(file: &ModelFile, shape: &[usize], mode: OutputMode) -> Option<(usize, usize, usize, usize)> {
    let (n, h, w, c) = match *shape {
        [n, h, w] => (n, h, w, 1),
        [n, h, w, c] if c == 1 || c == 3 => (n, h, w, c),
        _ => return None,
    };
    let sets = file.meta.weight_sets;
    let fits = (w, h) == (file.meta.width, file.meta.height) && (sets == 1 || sets == c);
    (fits && mode == OutputMode::Clip && n > 0).then_some((n, h, w, c))
}

/// `predict` without the per-image allocations of [`pipeline::apply`]: each
/// worker thread reuses its buffers and writes straight into the output
/// array, in numpy's layout. The arithmetic is `apply`'s, step for step (u8 →
/// f32, the image's normalisation, the model, the inverse, clamp, round), so
/// the pixels are identical; `tests/test_cli_roundtrip.py` compares them
/// with `mien apply`.
fn predict_fused(
    file: &ModelFile,
    view: numpy::ndarray::ArrayViewD<'_, u8>,
    (n, h, w, c): (usize, usize, usize, usize),
) -> mien::core::Result<Vec<u8>> {
    use mien::core::image::{ImageMut, ImageRef};
    use numpy::ndarray::Axis;

    let d = h * w;
    let per = d * c;
    let predictor = file.model.predictor();
    let normalize = file.meta.normalize;
    let mut out = vec![0u8; n * per];
    out.par_chunks_mut(per).enumerate().try_for_each_init(
        || (vec![0f32; per], vec![0f32; per]),
        |(x, y), (i, o)| {
            let img = view.index_axis(Axis(0), i);
            match img.as_slice() {
                // numpy's usual C-order arrays: plain slices, which vectorise.
                Some(px) if c == 1 => x.iter_mut().zip(px).for_each(|(dst, &v)| *dst = v as f32),
                Some(px) => {
                    for ch in 0..c {
                        let plane = &mut x[ch * d..][..d];
                        plane.iter_mut().zip(px.iter().skip(ch).step_by(c)).for_each(|(dst, &v)| *dst = v as f32);
                    }
                }
                None if c == 1 || img.ndim() == 2 => x.iter_mut().zip(img.iter()).for_each(|(dst, &v)| *dst = v as f32),
                None => {
                    for ch in 0..c {
                        let plane = img.index_axis(Axis(2), ch);
                        x[ch * d..][..d].iter_mut().zip(plane.iter()).for_each(|(dst, &v)| *dst = v as f32);
                    }
                }
            }
            let norm = normalize.affine_for_values(x.iter().copied(), Path::new(&format!("X[{i}]")))?;
            x.iter_mut().for_each(|v| *v = norm.forward(*v));
            y.fill(0.0);
            let input = ImageRef::new(w, h, c, x).expect("buffer has h·w·c values");
            predictor.predict_into(&input, &mut ImageMut::new(w, h, c, y).expect("buffer has h·w·c values"))?;
            if c == 1 {
                o.iter_mut().zip(y.iter()).for_each(|(dst, &p)| *dst = to_pixel(norm.inverse(p)));
            } else {
                for ch in 0..c {
                    for (k, &p) in y[ch * d..][..d].iter().enumerate() {
                        o[k * c + ch] = to_pixel(norm.inverse(p));
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// `v.clamp(0, 255).round().clamp(0, 255) as u8` (the clip output mode, then
/// `Image::to_u8`) without a call to `roundf` per pixel: after the clamp, `v`
/// is in [0, 255] (or NaN, which both map to 0), where the fraction
/// `v − trunc(v)` is exact, so comparing it with ½ rounds half away from zero
/// exactly as `f32::round`.
#[inline]
fn to_pixel(v: f32) -> u8 {
    let v = v.clamp(0.0, 255.0);
    let t = v as u8;
    t + u8::from(v - t as f32 >= 0.5)
}

#[pymethods]
impl PyModel {
    /// Parses model-file bytes (any kind the CLI reads, but defgan).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let model = py.detach(|| Model::from_bytes(data, Path::new(IN_MEMORY))).py()?;
        Ok(Self { inner: Arc::new(model) })
    }

    /// Reads a model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let model = py.detach(|| Model::load(&path)).py()?;
        Ok(Self { inner: Arc::new(model) })
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| model_bytes(&self.inner))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the model file atomically (temporary file + rename).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| write_atomic(&path, &model_bytes(&self.inner)?).py())
    }

    /// The kind (`masked`, `pixel`, …, `deform`).
    #[getter]
    fn kind(&self) -> String {
        self.inner.meta().kind.clone()
    }

    /// (height, width) the model was trained at, in numpy's order.
    #[getter]
    fn size(&self) -> (usize, usize) {
        (self.inner.meta().height, self.inner.meta().width)
    }

    /// Number of weight sets (1, or 3 for one per colour channel).
    #[getter]
    fn weight_sets(&self) -> usize {
        self.inner.meta().weight_sets
    }

    /// Number of stored parameters.
    #[getter]
    fn parameter_count(&self) -> usize {
        self.inner.parameter_count()
    }

    /// The file's metadata as JSON text.
    fn meta_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.meta()).map_err(|e| value_error(e.to_string()))
    }

    /// The stored tensors by name, as numpy arrays of their stored dtype.
    fn tensors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let bytes = model_bytes(&self.inner)?;
        let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| value_error(e.to_string()))?;
        let out = PyDict::new(py);
        for (name, t) in st.tensors() {
            let shape = IxDyn(t.shape());
            let data = t.data();
            let arr = match t.dtype() {
                safetensors::Dtype::F32 => {
                    let v: Vec<f32> =
                        data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                    ArrayD::from_shape_vec(shape, v)
                        .map_err(|e| value_error(e.to_string()))?
                        .into_pyarray(py)
                        .into_any()
                }
                safetensors::Dtype::F64 => {
                    let v: Vec<f64> =
                        data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
                    ArrayD::from_shape_vec(shape, v)
                        .map_err(|e| value_error(e.to_string()))?
                        .into_pyarray(py)
                        .into_any()
                }
                safetensors::Dtype::U32 => {
                    let v: Vec<u32> =
                        data.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                    ArrayD::from_shape_vec(shape, v)
                        .map_err(|e| value_error(e.to_string()))?
                        .into_pyarray(py)
                        .into_any()
                }
                other => return Err(value_error(format!("tensor {name}: dtype {other:?} is not exposed"))),
            };
            out.set_item(name, arr)?;
        }
        Ok(out)
    }

    /// Applies a per-expression model to a batch (n, H, W[, 3]) of uint8
    /// images exactly as `mien apply` does; returns uint8 images of the
    /// model's size. Runs in parallel without the GIL.
    #[pyo3(signature = (inputs, resize=false, output_mode=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        inputs: PyReadonlyArrayDyn<'py, u8>,
        resize: bool,
        output_mode: Option<&str>,
    ) -> PyResult<Bound<'py, numpy::PyArrayDyn<u8>>> {
        let Model::Local(file) = self.inner.as_ref() else {
            return Err(value_error(format!(
                "a {} model edits by Action Units: use mien.Editor(model=...) instead of predict",
                self.kind()
            )));
        };
        let opts = ApplyOptions {
            resize,
            output_mode: output_mode.map(parse_output_mode).transpose()?,
            reference_pipeline: false,
        };
        let effective = opts.output_mode.unwrap_or(file.meta.output_mode);
        let view = inputs.as_array();
        if let Some(shape) = fast_shape(file, view.shape(), effective) {
            let grey_batch = view.ndim() == 3;
            let data = py.detach(|| predict_fused(file, view, shape)).py()?;
            let (n, h, w, c) = shape;
            let dims: Vec<usize> = if grey_batch { vec![n, h, w] } else { vec![n, h, w, c] };
            let arr = ArrayD::from_shape_vec(IxDyn(&dims), data).map_err(|e| value_error(e.to_string()))?;
            return Ok(arr.into_pyarray(py));
        }
        let images = batch_from(&inputs, "X")?;
        let outputs = py
            .detach(|| {
                images
                    .par_iter()
                    .enumerate()
                    .map(|(i, img)| pipeline::apply(file, img, Path::new(&format!("X[{i}]")), opts))
                    .collect::<mien::core::Result<Vec<_>>>()
            })
            .map_err(|e| match e {
                mien::core::Error::SizeMismatch { path, expected_w, expected_h, actual_w, actual_h, .. } => value_error(format!(
                    "{}: image is {actual_w}×{actual_h} but the model was trained on {expected_w}×{expected_h}; pass resize=True, or retrain at {actual_w}×{actual_h}",
                    path.display()
                )),
                e => crate::errors::core_to_py(e),
            })?;
        batch_to_py(py, &outputs)
    }

    fn __repr__(&self) -> String {
        let m = self.inner.meta();
        format!("<mien.Model {} {}×{}, {} parameters>", m.kind, m.width, m.height, self.inner.parameter_count())
    }
}
