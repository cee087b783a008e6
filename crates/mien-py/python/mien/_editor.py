"""The photo editor and face alignment over numpy photos and files."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _checks, _mien


class Face(NamedTuple):
    """A detected face: box ``(x, y, w, h)`` in photo pixels, detector
    ``score``, and 68 ``landmarks`` (float32, 68×2, iBUG order)."""

    box: Tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray


class TrackedFace(NamedTuple):
    """A face in one frame of a sequence: its track ``id`` (the same in every
    frame the face is followed), the ``box`` ``(x, y, w, h)`` its landmarks
    imply, the smoothed ``landmarks`` and the ``raw`` ones before smoothing
    (float32, 68×2, iBUG order, frame coordinates)."""

    id: int
    box: Tuple[float, float, float, float]
    landmarks: np.ndarray
    raw: np.ndarray


class Tracker:
    """Follows faces through the frames of a video or animation, as ``mien
    edit`` does on a folder of frames: faces are detected every ``key_every``
    frames (and whenever a face is lost), followed in between from the
    previous frame's landmarks, and each landmark is smoothed over time with
    a One-Euro filter, so a still face does not jitter and a moving one is
    followed without lag. Call :meth:`track` once per frame, in order; every
    frame must have the first one's size.

    Parameters
    ----------
    key_every : int, default 10
        Frames between detections.
    min_cutoff : float, default 0.02
        One-Euro cutoff for a still face, in cycles per frame (lower is smoother).
    beta : float, default 4.0
        How fast the cutoff rises with the face's speed (eye distances per frame).
    min_iou : float, default 0.3
        Box overlap below which a face is lost (frame to frame) or new (at a key frame).
    min_face : int, optional
        Smallest face detected, in pixels (default 40).
    """

    def __init__(
        self,
        key_every: int = 10,
        *,
        min_cutoff: float = 0.02,
        beta: float = 4.0,
        min_iou: float = 0.3,
        min_face: Optional[int] = None,
    ) -> None:
        self._inner = _mien._Tracker(int(key_every), float(min_cutoff), float(beta), float(min_iou), min_face)

    def track(self, frame: Any) -> List[TrackedFace]:
        """The faces of the next frame (``(H, W)`` or ``(H, W, 3)`` uint8), largest first."""
        return [
            TrackedFace(int(f["id"]), tuple(f["box"]), f["landmarks"], f["raw"])
            for f in self._inner.track(_checks.image(frame, "frame"))
        ]

    @property
    def frames(self) -> int:
        """How many frames were tracked."""
        return int(self._inner.frames())

    def __repr__(self) -> str:
        return f"Tracker(frames={self.frames})"


def _faces_arg(faces: Union[str, int]) -> int:
    if isinstance(faces, str) and faces == "all":
        return 0
    if isinstance(faces, (int, np.integer)) and not isinstance(faces, bool) and faces >= 1:
        return int(faces)
    raise ValueError(f"faces={faces!r}: use 'all' or a face number from 1 (largest first)")


def _aus_arg(aus: Optional[Mapping[Union[str, int], float]]) -> Optional[str]:
    if aus is None:
        return None
    if not isinstance(aus, Mapping) or not aus:
        raise ValueError('aus: give a non-empty dict of Action Unit intensities, e.g. {"AU12": 0.8, "AU6": 0.5}')
    parts = []
    for k, v in aus.items():
        name = f"AU{int(k)}" if isinstance(k, (int, np.integer)) else str(k)
        parts.append(f"{name}={float(v)!r}")
    return ",".join(parts)


def _features_arg(features: Optional[Mapping[str, float]]) -> Optional[str]:
    if features is None:
        return None
    if not isinstance(features, Mapping) or not features:
        raise ValueError('features: give a non-empty dict of slider values, e.g. {"smile": 0.8, "brows-up": 0.3}')
    return ",".join(f"{str(k).replace('_', '-')}={float(v)!r}" for k, v in features.items())


def _model_arg(model: Any) -> Any:
    if isinstance(model, _mien.Model):
        return model
    inner = getattr(model, "model_", None)
    if isinstance(inner, _mien.Model):
        return inner
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    raise ValueError("model: give a built-in name ('masked', 'pixel', 'deform'), a model file path, a mien.Model or a fitted estimator")


class Editor:
    """Changes the expression of faces in photos, as ``mien edit``.

    Parameters
    ----------
    model : str, path, mien.Model or fitted estimator, default "deform"
        A built-in model (``"deform"``, ``"masked"``, ``"pixel"``), a model
        file, or a model trained in Python.
    intensity : float, default 1.0
        0 returns the photo, 1 the model's full edit, up to 1.5 exaggerates.
    min_face : int, optional
        Smallest face searched for in pixels (default 40; 24 finds smaller faces, slower).
    colour : {"keep-chroma", "model"}, default "keep-chroma"
        Keep the photo's colour and change luminance only, or take the model's output.
    motion : {"full", "crop"}, default "full"
        Deformation models: move the photo's pixels at full resolution, or paste the edited crop.
    source : str, default "auto"
        What the faces show before the edit (AU models such as deform): ``"auto"`` asks the
        expression classifier, ``"neutral"`` adds the target only, an expression (``"happy"``)
        takes that one back first, as ``mien edit --from``.
    """

    def __init__(
        self,
        model: Any = "deform",
        intensity: float = 1.0,
        *,
        min_face: Optional[int] = None,
        colour: str = "keep-chroma",
        motion: str = "full",
        source: str = "auto",
    ) -> None:
        self._model = _model_arg(model)
        self._settings: Dict[str, Any] = dict(
            intensity=float(intensity), min_face=min_face, colour=colour, motion=motion, source=source
        )
        self._inner = _mien._Editor(self._model, **self._settings)

    def __reduce__(self) -> Any:
        # Workers rebuild the editor from its settings; a Model pickles as its file bytes.
        return (_make_editor, (self._model, self._settings))

    def __repr__(self) -> str:
        model = self._model if isinstance(self._model, str) else repr(self._model)
        return f"Editor(model={model!r}, intensity={self._settings['intensity']})"

    def edit(
        self,
        image: Any,
        expression: str = "happy",
        *,
        aus: Optional[Mapping[Union[str, int], float]] = None,
        faces: Union[str, int] = "all",
        detect: bool = True,
        features: Optional[Mapping[str, float]] = None,
    ) -> np.ndarray:
        """The photo (``(H, W)`` or ``(H, W, 3)`` uint8) with every face (or
        face number ``faces``, largest first) edited towards ``expression``, or
        towards Action Units ``aus`` (``{"AU12": 0.8}``; deform models, each AU
        in its own region), or by feature sliders ``features`` (``{"smile": 0.8,
        "brows_up": 0.3}``, each −1…1 or 0…1 as ``mien edit --smile``; deform
        models). ``detect=False`` treats the photo as a face crop (``mien edit
        --no-detect``). Raises :class:`mien.NoFaceError` when no face is found."""
        return self._inner.edit(
            _checks.image(image), expression, _aus_arg(aus), _faces_arg(faces), bool(detect), _features_arg(features)
        )

    def edit_file(
        self,
        src: _checks.PathLike,
        dst: _checks.PathLike,
        expression: str = "happy",
        *,
        aus: Optional[Mapping[Union[str, int], float]] = None,
        faces: Union[str, int] = "all",
        detect: bool = True,
        features: Optional[Mapping[str, float]] = None,
    ) -> None:
        """Edits a photo file into a PNG file; the bytes equal ``mien edit``'s."""
        dst = os.fspath(dst)
        if not dst.lower().endswith(".png"):
            raise ValueError(f"{dst}: mien writes PNG; name the output .png")
        self._inner.edit_file(
            os.fspath(src), dst, expression, _aus_arg(aus), _faces_arg(faces), bool(detect), _features_arg(features)
        )

    def edit_frames(
        self,
        frames: Iterable[Any],
        expression: str = "happy",
        *,
        aus: Optional[Mapping[Union[str, int], float]] = None,
        features: Optional[Mapping[str, float]] = None,
    ) -> List[np.ndarray]:
        """Every frame of a sequence (all of one size) with its faces edited,
        the faces found on key frames and tracked in between with smoothed
        landmarks (:class:`Tracker`'s defaults); the frames equal those of
        ``mien edit`` on a folder of the same frames. A frame without a face
        comes back unchanged."""
        checked = [_checks.image(f, f"frames[{i}]") for i, f in enumerate(frames)]
        return list(self._inner.edit_frames(checked, expression, _aus_arg(aus), _features_arg(features)))

    def faces(self, image: Any) -> List[Face]:
        """Every face found, largest first."""
        return [Face(tuple(f["box"]), float(f["score"]), f["landmarks"]) for f in self._inner.faces(_checks.image(image))]

    def template(self, expression: str = "happy") -> Dict[str, Any]:
        """The alignment template faces are cropped with (for ``mien.align``)."""
        return json.loads(self._inner.template_json(expression))


def _make_editor(model: Any, settings: Dict[str, Any]) -> Editor:
    return Editor(model, **settings)


def align(
    image: Any,
    template: Any = None,
    *,
    size: int = 128,
    face: int = 1,
    min_face: Optional[int] = None,
) -> np.ndarray:
    """The ``face``-th largest face of a photo warped onto an alignment
    template, as ``mien align`` crops training photos: ``template`` is a
    dict, a ``template.json`` path, a model or Editor (its template), or None
    for the canonical ``size``×``size`` template."""
    if isinstance(face, bool) or not isinstance(face, (int, np.integer)) or face < 1:
        raise ValueError(f"face={face!r}: the largest face is 1")
    return _mien.align(_checks.image(image), _checks.template_json(template), int(size), int(face), min_face)
