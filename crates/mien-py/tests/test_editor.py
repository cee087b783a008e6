"""The photo editor, face finding and alignment against the CLI."""

from __future__ import annotations

import numpy as np
import pytest

import mien
from conftest import SAMPLES, run_cli


@pytest.mark.parametrize(
    "model, args, kwargs",
    [
        ("masked", ["-e", "happy"], dict(expression="happy")),
        ("pixel", ["-e", "surprise", "--intensity", "0.5"], dict(expression="surprise", intensity=0.5)),
        ("deform", ["--au", "AU12=0.8,AU6=0.5"], dict(aus={"AU12": 0.8, 6: 0.5})),
    ],
)
def test_edit_equals_mien_edit(model, args, kwargs, astronaut, mien_bin, tmp_path):
    out = tmp_path / "cli.png"
    run_cli(mien_bin, "edit", SAMPLES / "astronaut.png", "-m", model, *args, "-o", out)
    intensity = kwargs.pop("intensity", 1.0)
    ed = mien.Editor(model, intensity=intensity)
    edited = ed.edit(astronaut, **kwargs)
    np.testing.assert_array_equal(edited, mien.read_image(out))
    assert edited.shape == astronaut.shape and edited.dtype == np.uint8
    # edit_file writes the CLI's bytes.
    mine = tmp_path / "py.png"
    ed.edit_file(SAMPLES / "astronaut.png", mine, **kwargs)
    assert mine.read_bytes() == out.read_bytes()


def test_edit_with_a_python_trained_model_and_grey_photos(astronaut, mien_bin, tmp_path):
    grey = mien.read_image(SAMPLES / "astronaut.png")[..., 1].copy()
    ed = mien.Editor("masked")
    assert ed.edit(grey).shape == grey.shape
    assert np.array_equal(mien.Editor("masked", intensity=0.0).edit(astronaut), astronaut)
    # A model trained in Python edits photos through its model_.
    crops = np.stack([mien.align(astronaut)] * 4)
    est = mien.PixelRegression().fit(crops, crops[:, ::-1].copy())
    assert mien.Editor(est).edit(astronaut).shape == astronaut.shape


def test_faces_and_align(astronaut, mien_bin, tmp_path):
    faces = mien.Editor().faces(astronaut)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert faces[0].landmarks.shape == (68, 2)
    assert (faces[0].landmarks[:, 0] > x - w).all() and (faces[0].landmarks[:, 0] < x + 2 * w).all()
    crop = mien.align(astronaut)
    assert crop.shape == (128, 128, 3)
    assert mien.align(astronaut, size=64).shape == (64, 64, 3)
    # The model's template (built-in masked) equals what `mien align` writes.
    template = mien.Editor("masked").template()
    assert np.array_equal(mien.align(astronaut, template), mien.align(astronaut, mien.Editor("masked")))
    solvay = mien.read_image(SAMPLES / "solvay_1927.png")
    assert len(mien.Editor(min_face=24).faces(solvay)) >= 20


def test_editor_errors(astronaut):
    flat = np.full((64, 64, 3), 120, np.uint8)
    with pytest.raises(mien.NoFaceError):
        mien.Editor().edit(flat)
    with pytest.raises(mien.NoFaceError):
        mien.align(flat)
    with pytest.raises(mien.NoFaceError, match="face 3"):
        mien.Editor().edit(astronaut, faces=3)
    with pytest.raises(ValueError, match="faces="):
        mien.Editor().edit(astronaut, faces=0)
    with pytest.raises(ValueError, match="unknown expression"):
        mien.Editor().edit(astronaut, "smug")
    with pytest.raises(ValueError, match="Action Units need"):
        mien.Editor("masked").edit(astronaut, aus={"AU12": 0.5})
    with pytest.raises(ValueError, match="AU99|unknown"):
        mien.Editor("deform").edit(astronaut, aus={"AU99": 0.5})
    with pytest.raises(ValueError, match="intensity"):
        mien.Editor("masked", intensity=3.0)
    with pytest.raises(FileNotFoundError):
        mien.Editor("no/such/model.safetensors")
    with pytest.raises(ValueError, match="uint8"):
        mien.Editor().edit(astronaut.astype(np.float64))
    with pytest.raises(ValueError, match="shape"):
        mien.Editor().edit(astronaut[None])
    with pytest.raises(ValueError, match="4 channels|shape"):
        mien.Editor().edit(np.zeros((64, 64, 4), np.uint8))


def test_editor_pickles(astronaut):
    import pickle

    ed = mien.Editor("pixel", intensity=0.7)
    back = pickle.loads(pickle.dumps(ed))
    np.testing.assert_array_equal(back.edit(astronaut), ed.edit(astronaut))


def test_one_editor_serves_many_threads(astronaut):
    from concurrent.futures import ThreadPoolExecutor

    ed = mien.Editor("masked")
    want = ed.edit(astronaut, "sad")
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda e: ed.edit(astronaut, e), ["sad", "happy"] * 4))
    for out, e in zip(outs, ["sad", "happy"] * 4):
        if e == "sad":
            np.testing.assert_array_equal(out, want)
        assert out.shape == astronaut.shape


def test_source_matches_mien_edit_from(astronaut, mien_bin, tmp_path):
    # She smiles: from `auto` (the classifier says happy) the sad edit takes the
    # smile back; from `neutral` it adds sadness on top. Each equals the CLI's.
    for source in ["auto", "neutral", "happy"]:
        out = tmp_path / f"{source}.png"
        run_cli(mien_bin, "edit", SAMPLES / "astronaut.png", "-e", "sad", "--from", source, "-o", out)
        mine = mien.Editor("deform", source=source).edit(astronaut, "sad")
        assert np.array_equal(mine, mien.read_image(out)), source
    auto = mien.Editor(source="auto").edit(astronaut, "sad")
    neutral = mien.Editor(source="neutral").edit(astronaut, "sad")
    assert np.abs(auto.astype(int) - neutral.astype(int)).max() > 10
    with pytest.raises(ValueError, match="source"):
        mien.Editor(source="smug")


def test_features_match_mien_edit_sliders(astronaut, mien_bin, tmp_path):
    out = tmp_path / "sliders.png"
    run_cli(mien_bin, "edit", SAMPLES / "astronaut.png", "--smile", "0.8", "--brows-up", "-0.3", "-o", out)
    mine = mien.Editor().edit(astronaut, features={"smile": 0.8, "brows_up": -0.3})
    assert np.array_equal(mine, mien.read_image(out))
    assert not np.array_equal(mine, astronaut)
    with pytest.raises(ValueError, match="unknown feature"):
        mien.Editor().edit(astronaut, features={"grin": 1})
    with pytest.raises(ValueError, match="from -1 to 1"):
        mien.Editor().edit(astronaut, features={"smile": 3})
    with pytest.raises(ValueError, match="deformation model"):
        mien.Editor("masked").edit(astronaut, features={"smile": 1})
    with pytest.raises(ValueError, match="features"):
        mien.Editor().edit(astronaut, features={})
