"""partial_fit / merge / finalize: training on shards equals one fit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import mien
from conftest import synthetic_pairs


@pytest.mark.parametrize(
    "make, channels",
    [
        (lambda: mien.MaskedRegression(), 0),
        (lambda: mien.MaskedRegression(r=5, prior="identity", lam=0.7), 0),
        (lambda: mien.MaskedRegression(), 3),
        (lambda: mien.MaskedRegression(channels="shared"), 3),
        (lambda: mien.PixelRegression(penalize_bias=False), 0),
    ],
)
def test_four_shards_merged_equal_one_fit(make, channels):
    X, Y = synthetic_pairs(40, 20, 18, channels=channels, seed=7)
    one = make().fit(X, Y)
    whole = make().partial_fit(X, Y)
    # One partial_fit over everything accumulates in fit's order: the same f32 weights, bit for bit.
    np.testing.assert_array_equal(whole.coef_["weights"], one.coef_["weights"])

    shards = []
    for i in range(4):
        s = make().partial_fit(X[i::4], Y[i::4], finalize=False)
        shards.append(pickle.loads(pickle.dumps(s)))  # as if it came from another machine
    merged = shards[0]
    for s in shards[1:]:
        merged.merge(s)
    merged.finalize()
    assert merged.n_pairs_ == 40
    a, b = whole.solve_f64(), merged.solve_f64()
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-9)
    np.testing.assert_allclose(merged.coef_["weights"], one.coef_["weights"], rtol=0, atol=1e-6)


def test_merge_refuses_mismatches():
    X, Y = synthetic_pairs(8, 12, 12, seed=3)
    a = mien.MaskedRegression().partial_fit(X, Y)
    with pytest.raises(ValueError, match="same parameters"):
        a.merge(mien.MaskedRegression(lam=1.0).partial_fit(X, Y))
    with pytest.raises(ValueError, match="same parameters"):
        a.merge(mien.PixelRegression().partial_fit(X, Y))
    X2, Y2 = synthetic_pairs(8, 14, 12, seed=3)
    with pytest.raises(ValueError, match="same size"):
        a.merge(mien.MaskedRegression().partial_fit(X2, Y2))
    with pytest.raises(ValueError, match="same size"):
        a.partial_fit(X2, Y2)
    with pytest.raises(mien.NotFittedError):
        mien.MaskedRegression().finalize()
    # A shard that saw nothing merges as a no-op.
    before = a.coef_["weights"].copy()
    a.merge(mien.MaskedRegression()).finalize()
    np.testing.assert_array_equal(a.coef_["weights"], before)


def test_statistics_bytes_are_checked():
    X, Y = synthetic_pairs(6, 10, 10, seed=4)
    s = mien.MaskedRegression().partial_fit(X, Y).stats_
    data = s.to_bytes()
    with pytest.raises(mien.ModelFileError):
        mien._mien._MaskedStats.from_bytes("masked", data[: len(data) // 2])
    with pytest.raises(mien.ModelFileError):
        mien._mien._MaskedStats.from_bytes("masked", b"\x00" * 64)
