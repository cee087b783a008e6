"""The same model files as the CLI: trained in Python, applied by `mien
apply` (and vice versa) with identical pixels; masked weights equal `mien
train`'s on JAFFE."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

import mien
from conftest import run_cli, skip, synthetic_pairs, write_dataset


def _apply_cli(mien_bin: Path, model: Path, X: np.ndarray, tmp: Path) -> np.ndarray:
    inputs = tmp / "in"
    inputs.mkdir(exist_ok=True)
    paths = []
    for i, x in enumerate(X):
        p = inputs / f"{i:05d}.png"
        mien.write_image(p, x)
        paths.append(p)
    run_cli(mien_bin, "apply", "-m", model, "-o", tmp / "out", *paths)
    return np.stack([mien.read_image(tmp / "out" / f"{i:05d}.png") for i in range(len(X))])


@pytest.mark.parametrize("make", [mien.MaskedRegression, mien.PixelRegression, lambda: mien.LSRF(nonzeros=3)])
@pytest.mark.parametrize("channels", [0, 3])
def test_python_model_applies_identically_in_cli(make, channels, mien_bin, tmp_path):
    X, Y = synthetic_pairs(16, 24, 24, channels=channels, seed=11)
    est = make().fit(X, Y)
    path = tmp_path / "py.safetensors"
    est.save(path)
    np.testing.assert_array_equal(_apply_cli(mien_bin, path, X, tmp_path), est.predict(X))
    info = run_cli(mien_bin, "info", path).stdout + run_cli(mien_bin, "info", path).stderr
    assert est._kind in info


@pytest.mark.parametrize("kind", ["masked", "pixel", "omp"])
def test_cli_model_loads_in_python_identically(kind, mien_bin, tmp_path):
    X, Y = synthetic_pairs(16, 24, 24, seed=12)
    data = write_dataset(tmp_path / "data", X, Y)
    model = tmp_path / "cli.safetensors"
    run_cli(mien_bin, "train", "--model", kind, "--data", data, "-o", model)
    est = mien.load(model)
    assert est._kind == kind
    np.testing.assert_array_equal(est.predict(X), _apply_cli(mien_bin, model, X, tmp_path))
    # The same data through Python: the same weights, bit for bit.
    mine = type(est)(**est.get_params()).fit(X, Y)
    for name, w in est.coef_.items():
        np.testing.assert_array_equal(mine.coef_[name], w)


def _jaffe_pairs(jaffe: Path, expression: str = "HA"):
    """Every neutral take × every `expression` take of the same subject (93 for happy)."""
    files = sorted(p.name for p in jaffe.iterdir() if p.suffix.lower() in (".tiff", ".tif"))
    by = {}
    for name in files:
        m = re.match(r"([A-Z]{2})\.([A-Z]{2})\d\.\d+\.", name)
        if m:
            by.setdefault((m.group(1), m.group(2)), []).append(name)
    pairs = []
    for (subj, ex), names in sorted(by.items()):
        if ex == expression:
            for ne in by.get((subj, "NE"), []):
                for ha in names:
                    pairs.append((ne, ha))
    return pairs


def test_masked_equals_cli_train_on_jaffe_centre_crops(jaffe_dir, mien_bin, tmp_path):
    pairs = _jaffe_pairs(jaffe_dir)
    assert len(pairs) == 93
    data = tmp_path / "centre"
    for sub in ("trainA", "trainB"):
        (data / sub).mkdir(parents=True)
    for i, (ne, ha) in enumerate(pairs):
        # The README's centre crop: rows 40..232, columns 32..224.
        mien.write_image(data / "trainA" / f"{i:03d}.png", mien.read_image(jaffe_dir / ne)[40:232, 32:224])
        mien.write_image(data / "trainB" / f"{i:03d}.png", mien.read_image(jaffe_dir / ha)[40:232, 32:224])
    cli = tmp_path / "cli.safetensors"
    run_cli(mien_bin, "train", "--model", "masked", "--data", data, "--size", "128", "-o", cli)
    X = np.stack([mien.read_image(data / "trainA" / f"{i:03d}.png", size=128) for i in range(len(pairs))])
    Y = np.stack([mien.read_image(data / "trainB" / f"{i:03d}.png", size=128) for i in range(len(pairs))])
    py = mien.MaskedRegression().fit(X, Y)
    w_cli = mien.load(cli).coef_["weights"]
    w_py = py.coef_["weights"]
    assert w_py.shape == (1, 128 * 128, 10)
    assert np.max(np.abs(w_py - w_cli)) <= 1e-6
    # Four shards merged agree too.
    merged = mien.MaskedRegression().partial_fit(X[0::4], Y[0::4], finalize=False)
    for i in range(1, 4):
        merged.merge(mien.MaskedRegression().partial_fit(X[i::4], Y[i::4], finalize=False))
    assert np.max(np.abs(merged.finalize().coef_["weights"] - w_cli)) <= 1e-6


def test_masked_equals_cli_train_on_aligned_jaffe(mien_bin, tmp_path):
    aligned = os.environ.get("MIEN_ALIGNED_JAFFE")
    if not aligned or not (Path(aligned) / "happy" / "trainA").is_dir():
        skip("MIEN_ALIGNED_JAFFE is not set to a `mien align --jaffe ... --expression all` folder (.ci/run makes one)")
    data = Path(aligned) / "happy"
    cli = tmp_path / "cli.safetensors"
    run_cli(mien_bin, "train", "--model", "masked", "--data", data, "-o", cli)
    stems = sorted(p.stem for p in (data / "trainA").iterdir() if not p.name.startswith("."))
    find = lambda sub, s: next((data / sub).glob(f"{s}.*"))
    X = np.stack([mien.read_image(find("trainA", s)) for s in stems])
    Y = np.stack([mien.read_image(find("trainB", s)) for s in stems])
    py = mien.MaskedRegression().fit(X, Y, template=data / "template.json", expression="happy")
    assert np.max(np.abs(py.coef_["weights"] - mien.load(cli).coef_["weights"])) <= 1e-6
    # With the template recorded, the editor crops photos as for the CLI's model.
    cli_template = mien.Editor(str(cli)).template()
    assert mien.Editor(py).template() == cli_template
