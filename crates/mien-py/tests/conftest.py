"""Shared fixtures: the repository, the `mien` binary, ../shared data, and
small synthetic datasets. Tests that need something absent print
`SKIPPED: <reason>` and are reported as skipped (run pytest with -rs)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import mien

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "crates" / "mien" / "samples"


def skip(reason: str) -> None:
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mien_bin() -> Path:
    """The CLI: $MIEN_BIN, else target/release/mien (`cargo build --release -p mien-cli`)."""
    path = Path(os.environ.get("MIEN_BIN", ROOT / "target" / "release" / "mien"))
    if not path.is_file():
        skip(f"the mien binary is not built ({path}); run `cargo build --release -p mien-cli` or set MIEN_BIN")
    return path


def run_cli(bin_path: Path, *args: object) -> subprocess.CompletedProcess:
    """Runs the CLI and fails the test with its stderr when it fails."""
    proc = subprocess.run([str(bin_path), *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, f"mien {' '.join(map(str, args))} failed:\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def jaffe_dir() -> Path:
    d = SHARED / "data" / "jaffe"
    if not d.is_dir():
        skip(f"{d} not found: JAFFE lives in ../shared (research use only, never in the repository)")
    return d


def synthetic_pairs(n: int, h: int, w: int, channels: int = 0, seed: int = 0):
    """Random faces-like pairs: a smooth field plus noise, the target a local
    blur-and-shift of the input (so a masked model has something to learn)."""
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if channels == 0 else (n, h, w, channels)
    base = rng.normal(size=shape).cumsum(axis=1).cumsum(axis=2)
    base -= base.min(axis=(1, 2), keepdims=True)
    base /= base.max(axis=(1, 2), keepdims=True)
    X = np.clip(base * 220 + rng.normal(0, 6, size=shape) + 15, 0, 255).round().astype(np.uint8)
    Yf = 0.5 * X.astype(float) + 0.25 * np.roll(X, 1, axis=2) + 0.25 * np.roll(X, -1, axis=1) + 10
    Y = np.clip(Yf + rng.normal(0, 3, size=shape), 0, 255).round().astype(np.uint8)
    return X, Y


@pytest.fixture(scope="session")
def grey_pairs():
    return synthetic_pairs(24, 32, 28, seed=1)


@pytest.fixture(scope="session")
def rgb_pairs():
    return synthetic_pairs(12, 24, 20, channels=3, seed=2)


def write_dataset(root: Path, X: np.ndarray, Y: np.ndarray) -> Path:
    """X, Y as DIR/trainA and DIR/trainB PNGs whose sorted stems keep the arrays' order."""
    for sub, imgs in (("trainA", X), ("trainB", Y)):
        (root / sub).mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(imgs):
            mien.write_image(root / sub / f"{i:05d}.png", img)
    return root


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return mien.read_image(SAMPLES / "astronaut.png")
