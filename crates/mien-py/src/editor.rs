//! The photo editor and face alignment: `mien edit` and `mien align` on numpy
//! photos or on files.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use mien::core::image::{self, DecodeLimits, Image};
use mien::deform::parse_au_list;
use mien::face::align::{align_face, Template};
use mien::faces::detect_options;
use mien::registry::ModelCache;
use mien::{Colour, Edited, Editor, FaceChoice, FaceFinder, Model, Motion, Timings};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrays::{image_from, image_to_py};
use crate::errors::{value_error, IntoPyResult};
use crate::model::PyModel;

/// The detector and landmark network, loaded once per process and shared
/// by every editor (it is `Sync`).
pub fn finder() -> mien::Result<&'static FaceFinder> {
    static FINDER: OnceLock<FaceFinder> = OnceLock::new();
    if let Some(f) = FINDER.get() {
        return Ok(f);
    }
    let f = FaceFinder::new()?;
    Ok(FINDER.get_or_init(|| f))
}

/// Where the editor's models come from.
enum Source {
    /// A built-in name or a model file path, loaded per expression on first use.
    Named(String, ModelCache),
    /// A model object.
    Loaded(Arc<Model>),
}

/// Photo editor (see `mien.Editor`).
#[pyclass(module = "mien._mien", name = "_Editor", frozen)]
pub struct PyEditor {
    source: Source,
    intensity: f32,
    min_face: Option<usize>,
    colour: Colour,
    motion: Motion,
    from: mien::Source,
}

/// `faces`: 0 = all, n = the n-th largest.
fn face_choice(faces: usize) -> FaceChoice {
    if faces == 0 {
        FaceChoice::All
    } else {
        FaceChoice::Nth(faces)
    }
}

impl PyEditor {
    fn editor(
        &self,
        expression: &str,
        aus: Option<&str>,
        features: Option<&str>,
        faces: usize,
    ) -> mien::Result<Editor> {
        let model = match &self.source {
            Source::Named(name, cache) => cache.get(name, expression)?,
            Source::Loaded(m) => Arc::clone(m),
        };
        let mut ed = Editor::new(model, expression)?
            .intensity(self.intensity)?
            .faces(face_choice(faces))
            .min_face(self.min_face)
            .colour(self.colour)
            .motion(self.motion)
            .source(self.from)?;
        if let Some(text) = aus {
            ed = ed.with_au(parse_au_list(text)?)?;
        }
        if let Some(text) = features {
            ed = ed.with_features(text.parse()?)?;
        }
        Ok(ed)
    }

    fn run(
        &self,
        img: &Image<u8>,
        expression: &str,
        aus: Option<&str>,
        features: Option<&str>,
        faces: usize,
        detect: bool,
    ) -> mien::Result<Edited> {
        let ed = self.editor(expression, aus, features, faces)?;
        let f = finder()?;
        let mut t = Timings::default();
        if detect {
            ed.edit(f, img, &mut t)
        } else {
            ed.edit_crop_photo(f, img, &mut t)
        }
    }
}

#[pymethods]
impl PyEditor {
    /// `model`: a built-in name (`masked`, `pixel`, `deform`), a model file path, or a `Model`.
    #[new]
    #[pyo3(signature = (model, intensity=1.0, min_face=None, colour="keep-chroma", motion="full", source="auto"))]
    fn new(
        model: &Bound<'_, PyAny>,
        intensity: f32,
        min_face: Option<usize>,
        colour: &str,
        motion: &str,
        source: &str,
    ) -> PyResult<Self> {
        let from: mien::Source = source
            .parse()
            .map_err(|e: mien::Error| value_error(format!("source={source:?}: {e} (or 'auto', 'neutral')")))?;
        let source = if let Ok(m) = model.cast::<PyModel>() {
            Source::Loaded(Arc::clone(&m.get().inner))
        } else if let Ok(name) = model.extract::<PathBuf>() {
            let name = name.to_string_lossy().into_owned();
            let cache = ModelCache::new();
            // Fail now, not at the first edit: unknown names, missing or bad files.
            if !mien::registry::builtin::is_builtin(&name) {
                cache.get(&name, "happy").py()?;
            }
            Source::Named(name, cache)
        } else {
            return Err(value_error(
                "model: give a built-in name ('masked', 'pixel', 'deform'), a model file path or a mien.Model",
            ));
        };
        if !(0.0..=mien::MAX_INTENSITY).contains(&intensity) {
            return Err(mien::Error::Intensity(intensity)).py();
        }
        if let Some(m) = min_face {
            if m < mien::faces::MIN_MIN_FACE {
                return Err(value_error(format!("min_face={m}: must be at least {}", mien::faces::MIN_MIN_FACE)));
            }
        }
        let colour = match colour {
            "keep-chroma" => Colour::KeepChroma,
            "model" => Colour::Model,
            _ => return Err(value_error(format!("colour={colour:?}: use 'keep-chroma' or 'model'"))),
        };
        let motion = match motion {
            "full" => Motion::FullResolution,
            "crop" => Motion::Crop,
            _ => return Err(value_error(format!("motion={motion:?}: use 'full' or 'crop'"))),
        };
        Ok(Self { source, intensity, min_face, colour, motion, from })
    }

    /// Edits one photo; `faces`: 0 = every face, n = the n-th largest.
    #[pyo3(signature = (image, expression="happy", aus=None, faces=0, detect=true, features=None))]
    #[allow(clippy::too_many_arguments)]
    fn edit<'py>(
        &self,
        py: Python<'py>,
        image: PyReadonlyArrayDyn<'py, u8>,
        expression: &str,
        aus: Option<&str>,
        faces: usize,
        detect: bool,
        features: Option<&str>,
    ) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
        let img = image_from(&image, "image")?;
        let edited = py.detach(|| self.run(&img, expression, aus, features, faces, detect)).py()?;
        Ok(image_to_py(py, edited.image))
    }

    /// Edits photo files as `mien edit` does: reads `src`, writes the PNG `dst` atomically.
    #[pyo3(signature = (src, dst, expression="happy", aus=None, faces=0, detect=true, features=None))]
    #[allow(clippy::too_many_arguments)]
    fn edit_file(
        &self,
        py: Python<'_>,
        src: PathBuf,
        dst: PathBuf,
        expression: &str,
        aus: Option<&str>,
        faces: usize,
        detect: bool,
        features: Option<&str>,
    ) -> PyResult<()> {
        py.detach(|| {
            let img = image::load(&src, DecodeLimits::default()).map_err(mien::Error::from)?;
            let edited = self
                .run(&img, expression, aus, features, faces, detect)
                .map_err(|e| e.context(src.display().to_string()))?;
            image::save_png(&edited.image, &dst).map_err(mien::Error::from)
        })
        .py()
    }

    /// Every frame of a sequence edited, faces tracked between key frames
    /// (as `mien edit` on a folder of frames); all frames of one size.
    #[pyo3(signature = (frames, expression="happy", aus=None, features=None))]
    fn edit_frames<'py>(
        &self,
        py: Python<'py>,
        frames: Vec<PyReadonlyArrayDyn<'py, u8>>,
        expression: &str,
        aus: Option<&str>,
        features: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let imgs: Vec<Image<u8>> =
            frames.iter().enumerate().map(|(i, f)| image_from(f, &format!("frames[{i}]"))).collect::<PyResult<_>>()?;
        crate::tracker::same_size(&imgs)?;
        let edited = py
            .detach(|| -> mien::Result<Vec<Image<u8>>> {
                let ed = self.editor(expression, aus, features, 0)?;
                crate::tracker::edit_frames(&ed, &imgs)
            })
            .py()?;
        let out = PyList::empty(py);
        for img in edited {
            out.append(image_to_py(py, img))?;
        }
        Ok(out)
    }

    /// Every face (largest first): dicts with `box` (x, y, w, h), `score` and
    /// `landmarks` (68×2 float32, iBUG order, photo coordinates).
    fn faces<'py>(&self, py: Python<'py>, image: PyReadonlyArrayDyn<'py, u8>) -> PyResult<Bound<'py, PyList>> {
        find_faces(py, &image, self.min_face)
    }

    /// The model's alignment template (JSON text) for an expression.
    #[pyo3(signature = (expression="happy"))]
    fn template_json(&self, expression: &str) -> PyResult<String> {
        let ed = self.editor(expression, None, None, 0).py()?;
        serde_json::to_string(ed.template()).map_err(|e| value_error(e.to_string()))
    }
}

/// Faces of a photo as dicts (see `PyEditor::faces`).
fn find_faces<'py>(
    py: Python<'py>,
    image: &PyReadonlyArrayDyn<'py, u8>,
    min_face: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    let img = image_from(image, "image")?;
    let (found, _) = py.detach(|| finder()?.find(&img, &detect_options(min_face))).py()?;
    let out = PyList::empty(py);
    for face in found {
        let d = PyDict::new(py);
        let b = &face.face;
        d.set_item("box", (b.x, b.y, b.w, b.h))?;
        d.set_item("score", b.score)?;
        let pts: Vec<f32> = face.landmarks.iter().flat_map(|&(x, y)| [x, y]).collect();
        d.set_item("landmarks", Array2::from_shape_vec((68, 2), pts).expect("68 points").into_pyarray(py))?;
        out.append(d)?;
    }
    Ok(out)
}

/// The canonical alignment template at `size` as JSON text.
#[pyfunction]
#[pyo3(signature = (size=128))]
pub fn canonical_template(size: usize) -> PyResult<String> {
    let t = Template::canonical(size);
    t.check().map_err(|e| value_error(e.to_string()))?;
    serde_json::to_string(&t).map_err(|e| value_error(e.to_string()))
}

/// The `face`-th largest face of a photo (1-based) warped onto a template,
/// as `mien align` crops training photos.
#[pyfunction]
#[pyo3(signature = (image, template=None, size=128, face=1, min_face=None))]
pub fn align<'py>(
    py: Python<'py>,
    image: PyReadonlyArrayDyn<'py, u8>,
    template: Option<&str>,
    size: usize,
    face: usize,
    min_face: Option<usize>,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let template = match template {
        Some(j) => {
            let v: serde_json::Value = serde_json::from_str(j).map_err(|e| value_error(format!("template: {e}")))?;
            Template::from_json(&v).map_err(mien::Error::from).py()?
        }
        None => Template::canonical(size),
    };
    template.check().map_err(mien::Error::from).py()?;
    if face == 0 {
        return Err(value_error("face: the largest face is 1"));
    }
    let img = image_from(&image, "image")?;
    let crop = py
        .detach(|| -> mien::Result<Image<u8>> {
            let (found, _) = finder()?.find(&img, &detect_options(min_face))?;
            let n = found.len();
            let chosen = found.get(face - 1).ok_or(if n == 0 {
                mien::Error::NoFace
            } else {
                mien::Error::NoSuchFace { asked: face, found: n }
            })?;
            Ok(align_face(&img, &chosen.landmarks, &template)?.crop)
        })
        .py()?;
    Ok(image_to_py(py, crop))
}
