//! numpy ↔ mien images. numpy images are H×W (grey) or H×W×C with C = 1 or 3,
//! `uint8`, any strides; mien's are planar. Each crossing copies the pixels
//! exactly once (a grey output hands its buffer to numpy without a copy).

use mien::core::image::Image;
use numpy::ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use numpy::{IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn};
use pyo3::prelude::*;

use crate::errors::value_error;

/// One image from an (H, W) or (H, W, C) view; `what` names it in errors.
pub fn image_from_view(v: ArrayViewD<'_, u8>, what: &str) -> PyResult<Image<u8>> {
    let (h, w, c) = match *v.shape() {
        [h, w] => (h, w, 1),
        [h, w, c] if c == 1 || c == 3 => (h, w, c),
        [_, _, c] => {
            return Err(value_error(format!(
                "{what} has {c} channels; use 1 (grey) or 3 (RGB), e.g. drop alpha with image[..., :3]"
            )))
        }
        ref s => {
            return Err(value_error(format!(
                "{what} has shape {s:?}; an image is (height, width) or (height, width, 3)"
            )))
        }
    };
    if h == 0 || w == 0 {
        return Err(value_error(format!("{what} is empty ({h}×{w})")));
    }
    let data: Vec<u8> = if v.ndim() == 2 || c == 1 {
        v.iter().copied().collect()
    } else {
        let mut data = Vec::with_capacity(h * w * c);
        for ch in 0..c {
            data.extend(v.index_axis(Axis(2), ch).iter().copied());
        }
        data
    };
    Ok(Image::from_planar(w, h, c, data).expect("h·w·c bytes"))
}

/// One image from an array argument.
pub fn image_from(a: &PyReadonlyArrayDyn<'_, u8>, what: &str) -> PyResult<Image<u8>> {
    image_from_view(a.as_array(), what)
}

/// A batch (n, H, W) or (n, H, W, C) as images.
pub fn batch_from(a: &PyReadonlyArrayDyn<'_, u8>, what: &str) -> PyResult<Vec<Image<u8>>> {
    let v = a.as_array();
    if !(3..=4).contains(&v.ndim()) {
        return Err(value_error(format!(
            "{what} has shape {:?}; a batch of images is (n, height, width) or (n, height, width, 3)",
            v.shape()
        )));
    }
    (0..v.shape()[0]).map(|i| image_from_view(v.index_axis(Axis(0), i), &format!("{what}[{i}]"))).collect()
}

/// Interleaves a planar image into `out` (H·W·C bytes, numpy's layout).
fn interleave_into(img: &Image<u8>, out: &mut [u8]) {
    let (n, c) = (img.width() * img.height(), img.channels());
    if c == 1 {
        out.copy_from_slice(img.data());
        return;
    }
    for ch in 0..c {
        for (o, &v) in out.iter_mut().skip(ch).step_by(c).zip(img.plane(ch)).take(n) {
            *o = v;
        }
    }
}

/// An image as an (H, W) or (H, W, 3) array.
pub fn image_to_py<'py>(py: Python<'py>, img: Image<u8>) -> Bound<'py, PyArrayDyn<u8>> {
    let (h, w, c) = (img.height(), img.width(), img.channels());
    let (shape, data) = if c == 1 {
        (vec![h, w], img.into_data())
    } else {
        let mut out = vec![0u8; h * w * c];
        interleave_into(&img, &mut out);
        (vec![h, w, c], out)
    };
    ArrayD::from_shape_vec(IxDyn(&shape), data).expect("shape matches").into_pyarray(py)
}

/// Images of one shape as an (n, H, W) or (n, H, W, 3) array.
pub fn batch_to_py<'py>(py: Python<'py>, imgs: &[Image<u8>]) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let Some(first) = imgs.first() else {
        return Ok(ArrayD::<u8>::zeros(IxDyn(&[0, 0, 0])).into_pyarray(py));
    };
    let (h, w, c) = (first.height(), first.width(), first.channels());
    let per = h * w * c;
    let mut data = vec![0u8; per * imgs.len()];
    for (img, out) in imgs.iter().zip(data.chunks_exact_mut(per)) {
        if (img.height(), img.width(), img.channels()) != (h, w, c) {
            return Err(value_error("outputs of different shapes cannot form one array"));
        }
        interleave_into(img, out);
    }
    let shape: Vec<usize> = if c == 1 { vec![imgs.len(), h, w] } else { vec![imgs.len(), h, w, c] };
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), data).expect("shape matches").into_pyarray(py))
}
