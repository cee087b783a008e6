"""Image quality measures on intensities / 255, the numbers ``mien eval`` reports."""

from __future__ import annotations

from typing import Any

from . import _checks, _mien

__all__ = ["mse", "psnr", "ssim"]


def mse(a: Any, b: Any) -> float:
    """Mean squared error of two uint8 images of one shape, on [0, 1] intensities."""
    return _mien.mse(_checks.image(a, "a"), _checks.image(b, "b"))


def psnr(a: Any, b: Any) -> float:
    """Peak signal-to-noise ratio in dB for peak 1; ``inf`` for identical images."""
    return _mien.psnr(_checks.image(a, "a"), _checks.image(b, "b"))


def ssim(a: Any, b: Any) -> float:
    """Structural similarity (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5,
    valid positions only), averaged over the map and then over channels.
    Images must be at least 11×11."""
    return _mien.ssim(_checks.image(a, "a"), _checks.image(b, "b"))
