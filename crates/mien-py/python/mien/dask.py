"""Training and batch editing on a Dask cluster (``pip install mien[dask]``).

Masked regression's training is a sum of per-pixel Gram matrices over
images, so it shards exactly: :func:`fit` runs ``partial_fit`` on every
partition of a bag (or dataframe) of pairs where the data lives, ships each
partition's statistics (f64, a few MB; independent of the number of images)
through a tree reduction of exact merges, and solves once. :func:`edit_folder`
edits photo files in parallel, one :class:`mien.Editor` per task.

Both run on whatever scheduler is active: a ``dask.distributed.Client`` of a
``LocalCluster`` in tests, of a real cluster in production
(``Client("scheduler:8786")``), or Dask's local threads when there is none.
Workers need mien installed (the same version) and, for file paths, the
files at the same paths.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from . import _checks, _mien
from ._editor import Editor, _aus_arg, _faces_arg
from ._estimators import MaskedRegression, _ShardedRegressor

try:
    import dask
    import dask.bag as db
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("mien.dask needs Dask: pip install 'mien[dask]' (dask[bag] and distributed)") from e

__all__ = ["fit", "edit_folder"]

#: Pairs accumulated per ``partial_fit`` call inside a partition (bounds a task's memory).
CHUNK = 256


def _load(item: Any, size: Optional[int]) -> np.ndarray:
    if isinstance(item, (str, os.PathLike)):
        return _mien.read_image(os.fspath(item), size)
    return _checks.image(item)


def _fresh(estimator: _ShardedRegressor) -> _ShardedRegressor:
    return type(estimator)(**estimator.get_params())


def _partition_stats(
    items: Iterable[Tuple[Any, Any]], estimator: _ShardedRegressor, size: Optional[int]
) -> List[Optional[bytes]]:
    est = _fresh(estimator)
    xs: List[np.ndarray] = []
    ys: List[np.ndarray] = []

    def flush() -> None:
        if xs:
            est.partial_fit(np.stack(xs), np.stack(ys), finalize=False)
            xs.clear()
            ys.clear()

    for pair in items:
        x, y = pair
        xs.append(_load(x, size))
        ys.append(_load(y, size))
        if len(xs) >= CHUNK:
            flush()
    flush()
    stats = getattr(est, "stats_", None)
    return [None if stats is None else stats.to_bytes()]


def _merge(states: Iterable[Optional[bytes]], kind: str) -> Optional[bytes]:
    total = None
    for s in states:
        if s is None:
            continue
        part = _mien._MaskedStats.from_bytes(kind, s)
        if total is None:
            total = part
        else:
            total.merge(part)
    return None if total is None else total.to_bytes()


def fit(
    pairs: Any,
    estimator: Optional[_ShardedRegressor] = None,
    *,
    size: Optional[int] = None,
    split_every: int = 8,
    expression: Optional[str] = None,
    template: Any = None,
) -> _ShardedRegressor:
    """Fits a :class:`~mien.MaskedRegression` (default) or
    :class:`~mien.PixelRegression` on a Dask collection of (input, target)
    pairs and returns the fitted estimator (a new one; ``estimator`` gives
    the hyperparameters and is not changed).

    ``pairs``: a ``dask.bag.Bag`` of ``(x, y)`` tuples, or a
    ``dask.dataframe.DataFrame`` whose first two columns (or ``input`` and
    ``target``) hold them; each item is a uint8 image array or an image file
    path (read on the worker, resized to ``size`` when given, as ``mien train
    --size``). ``split_every`` is the fan-in of the merge tree. The result
    equals a single-machine fit up to the order of floating-point additions.
    """
    est = estimator if estimator is not None else MaskedRegression()
    if not isinstance(est, _ShardedRegressor):
        raise ValueError(f"{type(est).__name__} does not train in shards; use MaskedRegression or PixelRegression")
    bag = _as_bag(pairs)
    kind = est._kind
    states = bag.map_partitions(_partition_stats, est, size)
    merged = states.reduction(
        functools.partial(_merge, kind=kind), functools.partial(_merge, kind=kind), split_every=split_every
    )
    (data,) = dask.compute(merged)
    if data is None:
        raise ValueError("the collection holds no pairs")
    out = _fresh(est)
    out.stats_ = _mien._MaskedStats.from_bytes(kind, data)
    return out.finalize(expression=expression, template=template)


def _as_bag(pairs: Any) -> "db.Bag":
    if isinstance(pairs, db.Bag):
        return pairs
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover
        dd = None
    if dd is not None and isinstance(pairs, dd.DataFrame):
        cols = ["input", "target"] if {"input", "target"} <= set(pairs.columns) else list(pairs.columns[:2])
        return pairs[cols].to_bag(index=False)
    raise ValueError("pairs: give a dask.bag.Bag of (input, target) tuples or a dask.dataframe.DataFrame")


@functools.lru_cache(maxsize=8)
def _worker_editor(model: Any, settings: Tuple[Tuple[str, Any], ...]) -> Editor:
    # One editor (and its loaded models) per worker process and setting.
    return Editor(model, **dict(settings))


def _edit_partition(jobs: Iterable[Tuple[str, str]], model: Any, settings: Tuple[Tuple[str, Any], ...], edit: Dict[str, Any]) -> List[str]:
    key = model if isinstance(model, str) else None
    ed = _worker_editor(key, settings) if key is not None else Editor(model, **dict(settings))
    done = []
    for src, dst in jobs:
        ed._inner.edit_file(src, dst, edit["expression"], edit["aus"], edit["faces"], edit["detect"])
        done.append(dst)
    return done


def edit_folder(
    paths: Sequence[_checks.PathLike],
    output: _checks.PathLike,
    *,
    model: Any = "deform",
    expression: str = "happy",
    intensity: float = 1.0,
    aus: Optional[Dict[Any, float]] = None,
    faces: Any = "all",
    detect: bool = True,
    min_face: Optional[int] = None,
    colour: str = "keep-chroma",
    motion: str = "full",
    source: str = "auto",
    npartitions: Optional[int] = None,
) -> List[str]:
    """Edits photo files in parallel on the active Dask scheduler, writing
    ``output/<stem>.png`` for each, byte for byte what ``mien edit PHOTOS -o
    output`` writes; returns the written paths in input order. A photo
    without a face raises :class:`mien.NoFaceError` (files already written
    stay; each is written atomically)."""
    paths = [os.fspath(p) for p in paths]
    out = os.fspath(output)
    os.makedirs(out, exist_ok=True)
    targets: List[Tuple[str, str]] = []
    seen: Dict[str, str] = {}
    for p in paths:
        stem = os.path.splitext(os.path.basename(p))[0]
        if stem in seen:
            raise ValueError(f"{seen[stem]} and {p} share the stem {stem!r}: both would be written to {stem}.png")
        seen[stem] = p
        targets.append((p, os.path.join(out, f"{stem}.png")))
    if not targets:
        return []
    # Check the settings (and load the model) here, so mistakes surface before any task runs.
    probe = Editor(model, intensity, min_face=min_face, colour=colour, motion=motion, source=source)
    settings = tuple(sorted(probe._settings.items()))
    edit = dict(expression=expression, aus=_aus_arg(aus), faces=_faces_arg(faces), detect=bool(detect))
    n = npartitions or min(len(targets), 64)
    bag = db.from_sequence(targets, npartitions=n)
    (written,) = dask.compute(bag.map_partitions(_edit_partition, probe._model, settings, edit))
    return list(written)
