"""mien: facial expression synthesis, numpy in, numpy out.

Images are ``numpy.uint8`` arrays, ``(H, W)`` grey or ``(H, W, 3)`` RGB;
batches add a leading axis. The heavy lifting is mien's Rust core (the same
code as the ``mien`` command line), run without the GIL.

- :class:`Editor` edits faces in photos (and, with ``edit_frames``, the
  frames of a video); :class:`Tracker` follows faces through frames;
  :func:`align` crops faces as
  ``mien align`` does; :func:`read_image` / :func:`write_image`.
- Estimators with scikit-learn conventions: :class:`MaskedRegression`,
  :class:`PixelRegression`, :class:`PixelKernelRegression`, :class:`OMP`,
  :class:`LSRF`, :class:`RidgeRegression`, :class:`LassoRegression`,
  :class:`PCR`, :class:`KernelRidgeRegression`; ``save(path)`` and
  :func:`load` use the CLI's ``.safetensors`` model files.
- :mod:`mien.metrics` (MSE, PSNR, SSIM as ``mien eval``), :mod:`mien.dask`
  (sharded training and batch editing on a Dask cluster; ``pip install
  mien[dask]``).
"""

from __future__ import annotations

import copyreg
import os
from typing import Any, List, Optional, Union

import numpy as np

from . import _checks, _mien, metrics
from ._editor import Editor, Face, TrackedFace, Tracker, align
from ._estimators import (
    LSRF,
    OMP,
    PCR,
    KernelRidgeRegression,
    LassoRegression,
    MaskedRegression,
    NotFittedError,
    PixelKernelRegression,
    PixelRegression,
    RidgeRegression,
    from_model as _from_model,
)
from ._mien import MienError, Model, ModelFileError, NoFaceError

__version__: str = _mien.__version__

__all__ = [
    "Editor",
    "Face",
    "Tracker",
    "TrackedFace",
    "align",
    "read_image",
    "write_image",
    "load",
    "Model",
    "MaskedRegression",
    "PixelRegression",
    "PixelKernelRegression",
    "OMP",
    "LSRF",
    "RidgeRegression",
    "LassoRegression",
    "PCR",
    "KernelRidgeRegression",
    "MienError",
    "NoFaceError",
    "ModelFileError",
    "NotFittedError",
    "BUILTIN_MODELS",
    "EXPRESSIONS",
    "metrics",
]

#: Built-in model names (``Editor(model=...)``).
BUILTIN_MODELS: List[str] = list(_mien.builtin_models())
#: The six expressions.
EXPRESSIONS: List[str] = list(_mien.expressions())


def read_image(path: _checks.PathLike, size: Optional[int] = None) -> np.ndarray:
    """Reads PNG, JPEG, TIFF (palette TIFF too), GIF or BMP as ``mien train``
    reads images: grey stays ``(H, W)``, colour becomes ``(H, W, 3)`` RGB;
    ``size`` resizes to size×size (bilinear, rounded to 8 bits, as ``--size``)."""
    return _mien.read_image(os.fspath(path), size)


def write_image(path: _checks.PathLike, image: Any) -> None:
    """Writes a PNG atomically, with the encoder the CLI uses."""
    _mien.write_image(os.fspath(path), _checks.image(image))


def load(path: _checks.PathLike) -> Any:
    """Reads a model file (written by ``mien train`` or ``save``): a fitted
    estimator of its kind, or a :class:`Model` for kinds without one
    (``deform``, imported ``sparse``; use them with :class:`Editor`)."""
    return _from_model(_mien.Model.load(os.fspath(path)))


# Pickling (joblib, Dask) ships models and statistics as their file bytes.
def _model_from_bytes(data: bytes) -> Model:
    return _mien.Model.from_bytes(data)


def _stats_from_bytes(kind: str, data: bytes) -> Any:
    return _mien._MaskedStats.from_bytes(kind, data)


copyreg.pickle(_mien.Model, lambda m: (_model_from_bytes, (m.to_bytes(),)))
copyreg.pickle(_mien._MaskedStats, lambda s: (_stats_from_bytes, (s.kind, s.to_bytes())))
