"""Input checks shared by the public API: every array that reaches the Rust
core is a uint8 image or batch of images, so shape and dtype mistakes become
ValueErrors with a message that says what to pass instead."""

from __future__ import annotations

import json
import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _mien

PathLike = Union[str, "os.PathLike[str]"]


def _dtype_error(name: str, dtype: Any) -> ValueError:
    return ValueError(
        f"{name} must be uint8 images (0..255), got dtype {dtype}; "
        f"convert with np.clip(x, 0, 255).round().astype(np.uint8)"
    )


def image(x: Any, name: str = "image") -> np.ndarray:
    """One image: (H, W) grey or (H, W, 3) RGB, uint8."""
    a = np.asarray(x)
    if a.dtype != np.uint8:
        raise _dtype_error(name, a.dtype)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3)):
        raise ValueError(f"{name} has shape {a.shape}; an image is (height, width) or (height, width, 3)")
    return a


def batch(x: Any, name: str = "X") -> np.ndarray:
    """A batch of images: (n, H, W) grey or (n, H, W, 3) RGB, uint8."""
    a = np.asarray(x)
    if a.dtype != np.uint8:
        raise _dtype_error(name, a.dtype)
    if a.ndim not in (3, 4) or (a.ndim == 4 and a.shape[3] not in (1, 3)):
        raise ValueError(
            f"{name} has shape {a.shape}; a batch of images is (n, height, width) or (n, height, width, 3) "
            f"(one image: add the batch axis with image[None])"
        )
    return a


def pairs(x: Any, y: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Input and target batches of the same length."""
    a, b = batch(x, "X"), batch(y, "Y")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"X has {a.shape[0]} images but Y has {b.shape[0]}; they must pair one to one")
    if a.shape[0] == 0:
        raise ValueError("X and Y hold no images")
    return a, b


def template_json(template: Any) -> Optional[str]:
    """An alignment template as JSON text: None, a dict, a `template.json`
    path (as `mien align` writes), a `mien.Model`, an estimator or an Editor."""
    if template is None:
        return None
    if isinstance(template, dict):
        return json.dumps(template)
    if isinstance(template, _mien.Model):
        alignment = json.loads(template.meta_json()).get("alignment")
        return None if alignment is None else json.dumps(alignment)
    inner = getattr(template, "model_", None)
    if isinstance(inner, _mien.Model):
        return template_json(inner)
    if hasattr(template, "template"):
        return json.dumps(template.template())
    if isinstance(template, (str, os.PathLike)):
        with open(os.fspath(template), encoding="utf-8") as f:
            return f.read()
    raise ValueError(
        "template: give a dict, a template.json path, a mien.Model, a fitted estimator or an Editor"
    )
