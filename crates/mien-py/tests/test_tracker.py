"""Faces through frames: mien.Tracker and Editor.edit_frames against the CLI."""

from __future__ import annotations

import numpy as np
import pytest

import mien
from conftest import run_cli


def moving_frames(photo: np.ndarray, n: int) -> list:
    """The photo on a grey frame 40 px larger, moving right 1 px per frame."""
    h, w = photo.shape[:2]
    frames = []
    for i in range(n):
        f = np.full((h + 40, w + 40, 3), 90, np.uint8)
        f[20 : 20 + h, 10 + i : 10 + i + w] = photo
        frames.append(f)
    return frames


def jitter(points: list) -> float:
    """Frame-to-frame RMS landmark step (px), as the Rust sequence test measures it."""
    p = np.stack(points).astype(np.float64)
    steps = np.sqrt((np.diff(p, axis=0) ** 2).sum(axis=2).mean(axis=1))
    return float(np.sqrt((steps**2).mean()))


def test_tracker_follows_one_face_with_one_identity(astronaut):
    tracker = mien.Tracker()
    tracks = [tracker.track(f) for f in moving_frames(astronaut, 12)]
    assert [len(t) for t in tracks] == [1] * 12
    assert len({t[0].id for t in tracks}) == 1
    assert tracker.frames == 12
    first, last = tracks[0][0], tracks[-1][0]
    assert first.landmarks.shape == (68, 2) and first.landmarks.dtype == np.float32
    # The face moved 11 px right and not down: so did its raw landmarks.
    dx, dy = (last.raw - first.raw).mean(axis=0)
    assert 9.5 < dx < 12.5 and abs(dy) < 1.5, (dx, dy)
    x, y, w, h = first.box
    assert 0 < x and 0 < y and w > 50 and h > 50


def test_tracker_smooths_a_still_noisy_face(astronaut):
    rng = np.random.default_rng(0)
    tracker = mien.Tracker()
    raw, smooth = [], []
    for _ in range(20):
        noisy = astronaut.astype(np.int16) + rng.normal(0, 4, astronaut.shape).round().astype(np.int16)
        (face,) = tracker.track(np.clip(noisy, 0, 255).astype(np.uint8))
        raw.append(face.raw)
        smooth.append(face.landmarks)
    print(f"landmark jitter: raw {jitter(raw):.3f} px, smoothed {jitter(smooth):.3f} px")
    assert jitter(smooth) <= 0.3
    assert jitter(smooth) < jitter(raw)


def test_tracker_refuses_bad_options_and_frames(astronaut):
    with pytest.raises(ValueError, match="key_every"):
        mien.Tracker(key_every=0)
    with pytest.raises(ValueError, match="min_iou"):
        mien.Tracker(min_iou=1.5)
    with pytest.raises(ValueError, match="min_face"):
        mien.Tracker(min_face=2)
    tracker = mien.Tracker()
    tracker.track(astronaut)
    with pytest.raises(ValueError, match="one size"):
        tracker.track(astronaut[:200, :200])
    with pytest.raises(ValueError, match="uint8"):
        tracker.track(astronaut.astype(np.float32))
    assert tracker.frames == 1


def test_edit_frames_equals_mien_edit_on_a_folder(astronaut, mien_bin, tmp_path):
    frames = moving_frames(astronaut, 4)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, f in enumerate(frames):
        mien.write_image(folder / f"f{i:02d}.png", f)
    out = tmp_path / "out"
    run_cli(mien_bin, "edit", folder, "-o", out)
    mine = mien.Editor().edit_frames(frames)
    assert len(mine) == 4
    for i, m in enumerate(mine):
        assert np.array_equal(m, mien.read_image(out / f"f{i:02d}.png")), f"frame {i}"
    assert not np.array_equal(mine[0], frames[0])
    with pytest.raises(ValueError, match="one size"):
        mien.Editor().edit_frames([frames[0], frames[1][:-2]])
    with pytest.raises(ValueError, match="at least one frame"):
        mien.Editor().edit_frames([])
