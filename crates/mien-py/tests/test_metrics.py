"""mien.metrics against a numpy transcription of the definitions and against `mien eval`."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import mien
from conftest import run_cli, synthetic_pairs


def _filter_valid(img, g):
    h, w = img.shape
    tmp = np.stack([img[:, k : w - 10 + k] for k in range(11)], 0)
    tmp = np.tensordot(g, tmp, axes=1)
    out = np.stack([tmp[k : h - 10 + k, :] for k in range(11)], 0)
    return np.tensordot(g, out, axes=1)


def ssim_reference(a, b):
    x = np.arange(11) - 5.0
    g = np.exp(-x * x / (2 * 1.5**2))
    g /= g.sum()
    a = a.astype(np.float64) / 255.0
    b = b.astype(np.float64) / 255.0
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = 0.01**2, 0.03**2
    total = 0.0
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        mx, my = _filter_valid(x, g), _filter_valid(y, g)
        sxx = _filter_valid(x * x, g) - mx * mx
        syy = _filter_valid(y * y, g) - my * my
        sxy = _filter_valid(x * y, g) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        total += m.mean()
    return total / a.shape[2]


@pytest.mark.parametrize("channels", [0, 3])
def test_metrics_match_the_definitions(channels):
    X, Y = synthetic_pairs(3, 40, 33, channels=channels, seed=21)
    for a, b in zip(X, Y):
        mse = np.mean((a / 255.0 - b / 255.0) ** 2)
        assert abs(mien.metrics.mse(a, b) - mse) < 1e-12
        assert abs(mien.metrics.psnr(a, b) - (-10 * np.log10(mse))) < 1e-9
        assert abs(mien.metrics.ssim(a, b) - ssim_reference(a, b)) < 1e-9
    assert mien.metrics.psnr(X[0], X[0]) == float("inf")
    assert abs(mien.metrics.ssim(X[0], X[0]) - 1.0) < 1e-12


def test_metrics_match_mien_eval(mien_bin, tmp_path):
    X, Y = synthetic_pairs(6, 32, 32, seed=22)
    for sub, imgs in (("trainA", X), ("trainB", Y), ("testA", X), ("testB", Y)):
        (tmp_path / sub).mkdir()
        for i, img in enumerate(imgs):
            mien.write_image(tmp_path / sub / f"{i}.png", img)
    model = tmp_path / "m.safetensors"
    mien.MaskedRegression().fit(X, Y).save(model)
    out = tmp_path / "eval.csv"
    run_cli(mien_bin, "eval", "-m", model, "--data", tmp_path, "--csv", out, "--no-expression-check", "--no-strength")
    rows = {r["model"]: r for r in csv.DictReader(open(out))}
    est = mien.load(model)
    for name, outputs in (("identity", X), ("m", est.predict(X))):
        mse = np.mean([mien.metrics.mse(o, t) for o, t in zip(outputs, Y)])
        ssim = np.mean([mien.metrics.ssim(o, t) for o, t in zip(outputs, Y)])
        # The CSV rounds MSE to 6 decimals, PSNR to 4, SSIM to 5.
        assert abs(float(rows[name]["mse"]) - mse) <= 5e-7 + 1e-12
        assert abs(float(rows[name]["psnr_db"]) - (-10 * np.log10(mse))) <= 5e-5 + 1e-12
        assert abs(float(rows[name]["ssim"]) - ssim) <= 5e-6 + 1e-12


def test_metric_errors():
    a = np.zeros((20, 20), np.uint8)
    with pytest.raises(ValueError, match="differ in shape"):
        mien.metrics.mse(a, np.zeros((20, 21), np.uint8))
    with pytest.raises(ValueError, match="at least 11"):
        mien.metrics.ssim(a[:10, :10], a[:10, :10])
    with pytest.raises(ValueError, match="uint8"):
        mien.metrics.psnr(a.astype(np.float32), a)
