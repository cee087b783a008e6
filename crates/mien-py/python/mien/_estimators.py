"""scikit-learn-style estimators over mien's per-expression models.

Each class stores its hyperparameters in ``__init__`` and nothing else;
``fit(X, Y)`` trains on paired batches (``X``: inputs such as neutral faces,
``Y``: targets such as the same faces smiling, both ``(n, H, W)`` or
``(n, H, W, 3)`` uint8) and returns ``self``; the learned state is
``model_`` (a :class:`mien.Model`, i.e. the ``.safetensors`` model file the
CLI reads) plus a few descriptive attributes ending in ``_``.
``get_params``/``set_params``, ``sklearn.base.clone`` and pickling work
without scikit-learn installed; pickles carry the model file's bytes.
"""

from __future__ import annotations

import inspect
import json
import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _checks, _mien

# Python parameter name -> the library's hyperparameter key (TrainOptions::set).
_OPTION_KEYS = {
    "r": "r",
    "lam": "lambda",
    "prior": "prior",
    "channels": "channels",
    "gamma": "gamma",
    "centres": "centres",
    "nonzeros": "nonzeros",
    "beta": "beta",
    "k": "k",
    "alpha": "alpha",
}

# Model-file hyperparameter name -> Python parameter name.
_META_KEYS = {
    "receptive_field": "r",
    "lambda": "lam",
    "prior": "prior",
    "channels": "channels",
    "penalize_bias": "penalize_bias",
    "gamma": "gamma",
    "centres": "centres",
    "nonzeros": "nonzeros",
    "beta": "beta",
    "components": "k",
    "alpha": "alpha",
}

_INTS = {"r", "centres", "nonzeros", "k"}


def _text(name: str, value: Any) -> str:
    """A hyperparameter as the library parses it (floats round-trip exactly through repr)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r}: expected a number or a name, not a bool")
    if name in _INTS:
        if isinstance(value, (int, np.integer)):
            return str(int(value))
        raise ValueError(f"{name}={value!r} is not a whole number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value))
    return str(value)


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit`` (the same bases as scikit-learn's)."""


class _ImageRegressor:
    """Shared machinery; see the module docstring."""

    _kind: str = ""

    # --- scikit-learn's parameter protocol --------------------------------------
    @classmethod
    def _get_param_names(cls) -> List[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The hyperparameters, by name (``deep`` is accepted for scikit-learn; there are no nested estimators)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> "_ImageRegressor":
        """Sets hyperparameters by name; returns ``self``. Learned attributes are kept until the next ``fit``."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid parameters: {', '.join(valid)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):  # scikit-learn ≥ 1.6 asks estimators for their tags
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type="regressor",
            target_tags=TargetTags(required=True, multi_output=True),
            regressor_tags=RegressorTags(),
        )

    _estimator_type = "regressor"

    # --- training ------------------------------------------------------------------
    def _options(self) -> List[Tuple[str, str]]:
        params = self.get_params()
        return [(_OPTION_KEYS[k], _text(k, v)) for k, v in params.items() if k in _OPTION_KEYS and v is not None]

    def fit(self, X: Any, Y: Any, *, expression: Optional[str] = None, template: Any = None) -> "_ImageRegressor":
        """Fits on paired batches; returns ``self``.

        ``expression`` (e.g. ``"happy"``) and ``template`` (the alignment
        template of the crops: a ``template.json`` path, dict, model or
        Editor) are recorded in the model file, so ``mien edit`` crops new
        photos exactly as the training crops were. Starts over: any
        statistics from ``partial_fit`` are dropped.
        """
        X, Y = _checks.pairs(X, Y)
        self.model_ = _mien.fit(
            self._kind,
            X,
            Y,
            self._options(),
            penalize_bias=bool(getattr(self, "penalize_bias", True)),
            normalize=self.normalize,
            output_mode=self.output_mode,
            expression=expression,
            template=_checks.template_json(template),
        )
        self.stats_ = None
        self._set_learned()
        return self

    def _set_learned(self) -> None:
        meta = json.loads(self.model_.meta_json())
        self.n_pairs_ = int(meta["training"]["pairs"])
        self.image_size_ = (int(meta["height"]), int(meta["width"]))
        self.n_weight_sets_ = int(meta["weight_sets"])
        self.n_parameters_ = int(self.model_.parameter_count)

    def _check_fitted(self) -> "_mien.Model":
        model = getattr(self, "model_", None)
        if model is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit (or partial_fit) first")
        return model

    # --- prediction ------------------------------------------------------------------
    def predict(self, X: Any, *, resize: bool = False) -> np.ndarray:
        """Edited images for a batch ``(n, H, W[, 3])`` of uint8 faces at the
        model's size (``resize=True``: any size, resized as ``mien apply
        --resize``). Same pixels as ``mien apply``; runs without the GIL."""
        model = self._check_fitted()
        return model.predict(_checks.batch(X, "X"), resize=resize)

    def score(self, X: Any, Y: Any) -> float:
        """Negative mean squared error of ``predict(X)`` against ``Y`` on
        intensities / 255 (higher is better, as scikit-learn's scorers)."""
        X, Y = _checks.pairs(X, Y)
        P = self.predict(X)
        if P.shape != Y.shape:
            raise ValueError(f"predictions have shape {P.shape} but Y has {Y.shape}")
        return -float(np.mean((P.astype(np.float64) / 255.0 - Y.astype(np.float64) / 255.0) ** 2))

    # --- files ---------------------------------------------------------------------------
    def save(self, path: _checks.PathLike) -> None:
        """Writes the model file (``.safetensors``, the format ``mien apply``/``edit``/``info`` read)."""
        self._check_fitted().save(os.fspath(path))

    @property
    def coef_(self) -> Dict[str, np.ndarray]:
        """The model file's tensors by name (masked/pixel: ``weights``, float32
        ``(sets, H·W, r²+1)``: per pixel the window weights row-major, then the bias)."""
        return self._check_fitted().tensors()


class _ShardedRegressor(_ImageRegressor):
    """Masked regression and its r = 1 case train in shards: ``partial_fit``
    accumulates per-pixel sufficient statistics (f64), ``merge`` adds another
    estimator's, ``finalize`` solves them. Shards merged equal one fit up to
    the order of floating-point additions."""

    def _new_stats(self) -> "_mien._MaskedStats":
        return _mien._MaskedStats(self._kind, self._options(), bool(self.penalize_bias))

    def partial_fit(
        self,
        X: Any,
        Y: Any,
        *,
        finalize: bool = True,
        expression: Optional[str] = None,
        template: Any = None,
    ) -> "_ShardedRegressor":
        """Adds a batch of pairs to the statistics; with ``finalize`` (default)
        also solves them so ``predict`` reflects every batch so far. Pass
        ``finalize=False`` while streaming shards and call ``finalize()`` once."""
        X, Y = _checks.pairs(X, Y)
        if getattr(self, "stats_", None) is None:
            self.stats_ = self._new_stats()
        self.stats_.update(X, Y, self.normalize)
        if finalize:
            self.finalize(expression=expression, template=template)
        return self

    def merge(self, other: "_ShardedRegressor") -> "_ShardedRegressor":
        """Adds another estimator's statistics (same class and hyperparameters); returns ``self``."""
        if type(other) is not type(self) or other.get_params() != self.get_params():
            raise ValueError(f"can only merge a {type(self).__name__} with the same parameters, got {other!r}")
        theirs = getattr(other, "stats_", None)
        if theirs is None:
            return self
        if getattr(self, "stats_", None) is None:
            self.stats_ = self._new_stats()
        self.stats_.merge(theirs)
        return self

    def finalize(self, *, expression: Optional[str] = None, template: Any = None) -> "_ShardedRegressor":
        """Solves the accumulated statistics into ``model_``; returns ``self``."""
        stats = getattr(self, "stats_", None)
        if stats is None or stats.pairs == 0:
            raise NotFittedError("no statistics to finalize: call partial_fit first")
        self.model_ = stats.finalize(self.output_mode, expression, _checks.template_json(template))
        self._set_learned()
        return self

    def solve_f64(self) -> np.ndarray:
        """The solution of the accumulated statistics in f64, before the
        model's f32 rounding: ``(sets, H·W, r²+1)``."""
        stats = getattr(self, "stats_", None)
        if stats is None:
            raise NotFittedError("no statistics: call partial_fit first")
        return stats.solve()


class MaskedRegression(_ShardedRegressor):
    """Masked regression (MR): each output pixel is a ridge regression over
    the r×r window of input pixels around it, plus a bias.

    Parameters
    ----------
    r : int, default 3
        Window side (odd, ≤ the image side).
    lam : float, default 3.0
        Ridge penalty λ (> 0).
    prior : {"zero", "identity"}, default "zero"
        What the penalty shrinks towards: zero weights (the reference) or the
        identity map (output = input).
    penalize_bias : bool, default True
        Penalise the bias too (as the reference does).
    channels : {"separate", "shared", "grey"}, default "separate"
        One weight set per colour channel, one shared set, or grey.
    normalize : {"minmax", "unit"}, default "minmax"
        Each image scaled by its own min and max, or by 1/255.
    output_mode : {"clip", "stretch"}, default "clip"
        How predictions return to pixels (see ``mien train --output-mode``).
    """

    _kind = "masked"

    def __init__(
        self,
        r: int = 3,
        lam: float = 3.0,
        prior: str = "zero",
        penalize_bias: bool = True,
        channels: str = "separate",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.r = r
        self.lam = lam
        self.prior = prior
        self.penalize_bias = penalize_bias
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class PixelRegression(_ShardedRegressor):
    """Pixel-based linear synthesis (PIX): ``y_i = a_i·x_i + b_i`` per pixel
    (masked regression with r = 1, recorded as kind ``pixel``). Parameters as
    :class:`MaskedRegression` without ``r``."""

    _kind = "pixel"

    def __init__(
        self,
        lam: float = 3.0,
        prior: str = "zero",
        penalize_bias: bool = True,
        channels: str = "separate",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.lam = lam
        self.prior = prior
        self.penalize_bias = penalize_bias
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class PixelKernelRegression(_ImageRegressor):
    """Pixel-based nonlinear synthesis: per-pixel RBF kernel ridge regression
    on the pixel's own value with ``centres`` centres of width ``gamma``;
    ``lam=None`` keeps the model's own default penalty."""

    _kind = "pixel-kernel"

    def __init__(
        self,
        gamma: float = 10.0,
        centres: int = 12,
        lam: Optional[float] = None,
        channels: str = "separate",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.gamma = gamma
        self.centres = centres
        self.lam = lam
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class OMP(_ImageRegressor):
    """Orthogonal matching pursuit: ``nonzeros`` input pixels picked greedily
    per output pixel (ℓ0); one weight set shared by the colour channels by
    default, as the LSRF reference."""

    _kind = "omp"

    def __init__(
        self,
        nonzeros: int = 5,
        lam: Optional[float] = None,
        penalize_bias: bool = True,
        channels: str = "shared",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.nonzeros = nonzeros
        self.lam = lam
        self.penalize_bias = penalize_bias
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class LSRF(_ImageRegressor):
    """Locality-sensitive sparse receptive fields: OMP with a locality bonus
    ``beta``/distance."""

    _kind = "lsrf"

    def __init__(
        self,
        nonzeros: int = 5,
        beta: float = 60.0,
        lam: Optional[float] = None,
        penalize_bias: bool = True,
        channels: str = "shared",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.nonzeros = nonzeros
        self.beta = beta
        self.lam = lam
        self.penalize_bias = penalize_bias
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class RidgeRegression(_ImageRegressor):
    """Whole-image ridge regression (ℓ2, dual form)."""

    _kind = "ridge"

    def __init__(
        self, lam: Optional[float] = None, channels: str = "separate", normalize: str = "minmax", output_mode: str = "clip"
    ) -> None:
        self.lam = lam
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class LassoRegression(_ImageRegressor):
    """Whole-image lasso (ℓ1 penalty ``alpha``, coordinate descent)."""

    _kind = "lasso"

    def __init__(
        self, alpha: float = 0.01, channels: str = "shared", normalize: str = "minmax", output_mode: str = "clip"
    ) -> None:
        self.alpha = alpha
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class PCR(_ImageRegressor):
    """Principal-component regression on ``k`` components."""

    _kind = "pcr"

    def __init__(
        self,
        k: int = 20,
        lam: Optional[float] = None,
        channels: str = "separate",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.k = k
        self.lam = lam
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


class KernelRidgeRegression(_ImageRegressor):
    """Whole-image RBF kernel ridge regression."""

    _kind = "kernel-ridge"

    def __init__(
        self,
        gamma: float = 10.0,
        lam: Optional[float] = None,
        channels: str = "separate",
        normalize: str = "minmax",
        output_mode: str = "clip",
    ) -> None:
        self.gamma = gamma
        self.lam = lam
        self.channels = channels
        self.normalize = normalize
        self.output_mode = output_mode


ESTIMATORS = {
    cls._kind: cls
    for cls in (
        MaskedRegression,
        PixelRegression,
        PixelKernelRegression,
        OMP,
        LSRF,
        RidgeRegression,
        LassoRegression,
        PCR,
        KernelRidgeRegression,
    )
}


def from_model(model: "_mien.Model") -> Any:
    """The fitted estimator of a model's kind, hyperparameters taken from its
    metadata; models without an estimator class (``deform``, imported
    ``sparse``) are returned as they are."""
    cls = ESTIMATORS.get(model.kind)
    if cls is None:
        return model
    meta = json.loads(model.meta_json())
    names = set(cls._get_param_names())
    params: Dict[str, Any] = {}
    for key, value in (meta.get("hyperparameters") or {}).items():
        name = _META_KEYS.get(key)
        if name in names:
            params[name] = value
    params["normalize"] = meta.get("normalize", "minmax")
    params["output_mode"] = meta.get("output_mode", "clip")
    est = cls(**params)
    est.model_ = model
    est.stats_ = None
    est._set_learned()
    return est
