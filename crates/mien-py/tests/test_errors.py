"""Bad input raises Python exceptions with clear messages, never crashes the interpreter."""

from __future__ import annotations

import numpy as np
import pytest

import mien


def test_image_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        mien.read_image(tmp_path / "nope.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ValueError, match="cannot decode"):
        mien.read_image(tmp_path / "bad.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        mien.read_image(tmp_path / "empty.png")
    with pytest.raises(ValueError, match="PNG"):
        mien.write_image(tmp_path / "x.jpg", np.zeros((4, 4), np.uint8))
    with pytest.raises(FileNotFoundError):
        mien.write_image(tmp_path / "no" / "dir" / "x.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="size"):
        mien.read_image(tmp_path / "bad.png", size=0)


def test_model_files(tmp_path):
    from conftest import synthetic_pairs

    X, Y = synthetic_pairs(6, 12, 12, seed=31)
    m = mien.MaskedRegression().fit(X, Y)
    path = tmp_path / "m.safetensors"
    m.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[:-100])
    with pytest.raises(mien.ModelFileError, match="corrupt"):
        mien.load(tmp_path / "cut.safetensors")
    (tmp_path / "text.safetensors").write_bytes(b"hello, this is not a model at all")
    with pytest.raises(mien.ModelFileError, match="not a mien model"):
        mien.load(tmp_path / "text.safetensors")
    with pytest.raises(FileNotFoundError):
        mien.load(tmp_path / "missing.safetensors")
    with pytest.raises(mien.ModelFileError):
        mien.Model.from_bytes(data[:40])
    assert issubclass(mien.ModelFileError, mien.MienError) and issubclass(mien.NoFaceError, mien.MienError)


def test_training_and_prediction_input():
    from conftest import synthetic_pairs

    X, Y = synthetic_pairs(6, 12, 12, seed=32)
    m = mien.MaskedRegression()
    cases = [
        (lambda: m.fit(X, Y[:5]), "pair one to one"),
        (lambda: m.fit(X[:0], Y[:0]), "no images"),
        (lambda: m.fit(X.astype(np.int64), Y), "uint8"),
        (lambda: m.fit(X[0], Y[0]), "batch"),
        (lambda: m.fit(X[:, :, :, None].repeat(4, 3), Y), "batch|shape"),
        (lambda: m.fit(np.full_like(X, 7), Y), r"X\[0\].*constant.*normalize=\"unit\""),
        (lambda: m.fit(X, Y[:, :10]), "12×10|size"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
    m.fit(X, Y)
    with pytest.raises(ValueError, match="resize=True"):
        m.predict(X[:, :10])
    assert m.predict(X[:, :10], resize=True).shape == (6, 12, 12)
    with pytest.raises(ValueError, match="constant"):
        m.predict(np.full_like(X, 7))
    # Non-contiguous views are fine (copied once into the core's layout).
    np.testing.assert_array_equal(m.predict(X[:, ::-1][:, ::-1]), m.predict(X))


def test_gil_is_released_during_heavy_calls():
    import threading
    import time

    from conftest import synthetic_pairs

    X, Y = synthetic_pairs(200, 96, 96, seed=33)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    mien.MaskedRegression(r=5).fit(X, Y)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    during = [x for x in ticks if start <= x <= start + elapsed]
    # A held GIL would starve the ticker for the whole fit.
    assert elapsed < 0.05 or len(during) >= 5, (elapsed, len(during))
