//! Faces through a sequence of frames: `mien.Tracker` (landmarks per frame,
//! one identity per face) and `Editor.edit_frames` (every frame edited, as
//! `mien edit` on a folder of frames).

use std::sync::Mutex;

use mien::core::image::Image;
use mien::faces::detect_options;
use mien::{Editor, Timings, TrackedFace, Tracker, TrackerOptions};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::arrays::image_from;
use crate::editor::finder;
use crate::errors::{value_error, IntoPyResult};

/// A tracker and the size of the frames it has seen.
struct State {
    tracker: Tracker,
    size: Option<Size>,
}

/// Face tracker (see `mien.Tracker`).
#[pyclass(module = "mien._mien", name = "_Tracker", frozen)]
pub struct PyTracker {
    state: Mutex<State>,
    min_face: Option<usize>,
}

/// The options as the library checks them, with Python's argument names in errors.
pub fn tracker_options(key_every: usize, min_cutoff: f32, beta: f32, min_iou: f32) -> PyResult<TrackerOptions> {
    let options = TrackerOptions { key_every, min_cutoff, beta, min_iou };
    options.check().map_err(|e| value_error(e.to_string()))?;
    Ok(options)
}

/// A frame's width, height and channels.
type Size = (usize, usize, usize);

fn size_of(f: &Image<u8>) -> Size {
    (f.width(), f.height(), f.channels())
}

/// The error for frame `i` of size `got` in a sequence whose first frame is `first`.
fn size_error(i: usize, got: Size, first: Size) -> PyErr {
    value_error(format!(
        "frame {i} is {}×{} with {} channel(s), the first {}×{} with {}: every frame of a sequence has one size",
        got.0, got.1, got.2, first.0, first.1, first.2
    ))
}

/// Checks that every frame has the first one's size and channels.
pub fn same_size(frames: &[Image<u8>]) -> PyResult<()> {
    let Some(first) = frames.first() else {
        return Err(value_error("frames: give at least one frame"));
    };
    match frames.iter().position(|f| size_of(f) != size_of(first)) {
        Some(i) => Err(size_error(i, size_of(&frames[i]), size_of(first))),
        None => Ok(()),
    }
}

/// One tracked face as a dict: `id`, `box` (x, y, w, h), `landmarks` (smoothed) and `raw`.
fn face_dict<'py>(py: Python<'py>, face: &TrackedFace) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let b = &face.found.face;
    d.set_item("id", face.id)?;
    d.set_item("box", (b.x, b.y, b.w, b.h))?;
    let points = |p: &mien::face::Landmarks| {
        let v: Vec<f32> = p.iter().flat_map(|&(x, y)| [x, y]).collect();
        Array2::from_shape_vec((68, 2), v).expect("68 points").into_pyarray(py)
    };
    d.set_item("landmarks", points(&face.found.landmarks))?;
    d.set_item("raw", points(&face.raw))?;
    Ok(d)
}

#[pymethods]
impl PyTracker {
    #[new]
    #[pyo3(signature = (key_every=10, min_cutoff=0.02, beta=4.0, min_iou=0.3, min_face=None))]
    fn new(key_every: usize, min_cutoff: f32, beta: f32, min_iou: f32, min_face: Option<usize>) -> PyResult<Self> {
        let options = tracker_options(key_every, min_cutoff, beta, min_iou)?;
        if let Some(m) = min_face {
            if m < mien::faces::MIN_MIN_FACE {
                return Err(value_error(format!("min_face={m}: must be at least {}", mien::faces::MIN_MIN_FACE)));
            }
        }
        let tracker = Tracker::new(options).py()?;
        Ok(Self { state: Mutex::new(State { tracker, size: None }), min_face })
    }

    /// The faces of the next frame, largest first.
    fn track<'py>(&self, py: Python<'py>, frame: PyReadonlyArrayDyn<'py, u8>) -> PyResult<Bound<'py, PyList>> {
        let img = image_from(&frame, "frame")?;
        let min_face = self.min_face;
        let faces = py.detach(|| -> PyResult<Vec<TrackedFace>> {
            let mut state = self.state.lock().map_err(|_| value_error("the tracker failed in another thread"))?;
            let size = size_of(&img);
            match state.size {
                Some(first) if first != size => return Err(size_error(state.tracker.frames(), size, first)),
                _ => state.size = Some(size),
            }
            let f = finder().py()?;
            state.tracker.next(f, &img, &detect_options(min_face)).py()
        })?;
        let out = PyList::empty(py);
        for f in &faces {
            out.append(face_dict(py, f)?)?;
        }
        Ok(out)
    }

    /// How many frames were tracked.
    fn frames(&self) -> PyResult<usize> {
        Ok(self.state.lock().map_err(|_| value_error("the tracker failed in another thread"))?.tracker.frames())
    }
}

/// Every frame edited with faces tracked through the sequence (detection on
/// key frames only, smoothed landmarks), as `mien edit` on a folder of
/// frames; frames without a face come back unchanged.
pub fn edit_frames(editor: &Editor, frames: &[Image<u8>]) -> mien::Result<Vec<Image<u8>>> {
    let f = finder()?;
    let mut tracker = Tracker::new(TrackerOptions::default())?;
    let opts = editor.detect_options();
    let mut t = Timings::default();
    frames
        .iter()
        .map(|img| {
            let found: Vec<mien::Found> = tracker.next(f, img, &opts)?.into_iter().map(|t| t.found).collect();
            Ok(if found.is_empty() { img.clone() } else { editor.edit_faces(img, &found, &mut t)?.image })
        })
        .collect()
}
