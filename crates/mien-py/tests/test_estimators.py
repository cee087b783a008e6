"""scikit-learn conventions and the estimators' behaviour on synthetic data."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import mien

ALL = [
    mien.MaskedRegression(),
    mien.MaskedRegression(r=5, lam=1.0, prior="identity"),
    mien.PixelRegression(),
    mien.PixelKernelRegression(),
    mien.OMP(nonzeros=3),
    mien.LSRF(nonzeros=3),
    mien.RidgeRegression(),
    mien.LassoRegression(),
    mien.PCR(k=4),
    mien.KernelRidgeRegression(),
]


@pytest.mark.parametrize("est", ALL, ids=repr)
def test_every_kind_fits_predicts_saves_and_loads(est, grey_pairs, tmp_path):
    from sklearn.base import clone

    X, Y = grey_pairs
    est = clone(est)
    assert est.fit(X, Y) is est
    P = est.predict(X)
    assert P.shape == X.shape and P.dtype == np.uint8
    assert est.n_pairs_ == len(X) and est.image_size_ == X.shape[1:] == est.model_.size
    path = tmp_path / "m.safetensors"
    est.save(path)
    back = mien.load(path)
    assert type(back) is type(est)
    # `lam=None` means "the model's own default"; the file records the value used.
    loaded = back.get_params()
    assert {k: v for k, v in loaded.items() if est.get_params()[k] is not None} == {
        k: v for k, v in est.get_params().items() if v is not None
    }
    np.testing.assert_array_equal(back.predict(X), P)
    assert est.score(X, Y) > -1.0


def test_masked_beats_identity_on_learnable_data():
    from conftest import synthetic_pairs

    X, Y = synthetic_pairs(160, 24, 24, seed=5)
    m = mien.MaskedRegression(lam=0.1).fit(X[:120], Y[:120])
    identity = -np.mean((X[120:] / 255.0 - Y[120:] / 255.0) ** 2)
    assert m.score(X[120:], Y[120:]) > identity


def test_colour_models_have_a_weight_set_per_channel(rgb_pairs):
    X, Y = rgb_pairs
    sep = mien.MaskedRegression().fit(X, Y)
    assert sep.n_weight_sets_ == 3 and sep.coef_["weights"].shape == (3, 24 * 20, 10)
    shared = mien.MaskedRegression(channels="shared").fit(X, Y)
    assert shared.n_weight_sets_ == 1
    assert sep.predict(X).shape == X.shape


def test_get_set_params_clone_repr():
    from sklearn.base import clone

    m = mien.MaskedRegression(r=5, lam=0.5)
    assert m.get_params() == dict(
        r=5, lam=0.5, prior="zero", penalize_bias=True, channels="separate", normalize="minmax", output_mode="clip"
    )
    assert m.set_params(lam=2.0) is m and m.lam == 2.0
    with pytest.raises(ValueError, match="invalid parameter 'lambda_'"):
        m.set_params(lambda_=1.0)
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params()
    assert repr(m) == "MaskedRegression(r=5, lam=2.0)"
    # __init__ stores parameters only; learned attributes appear with fit.
    assert not [k for k in vars(mien.MaskedRegression()) if k.endswith("_")]
    with pytest.raises(mien.NotFittedError):
        mien.MaskedRegression().predict(np.zeros((1, 8, 8), np.uint8))


def test_pickle_round_trips_fitted_and_partial_estimators(grey_pairs):
    X, Y = grey_pairs
    for est in [mien.MaskedRegression().fit(X, Y), mien.OMP(nonzeros=2).fit(X, Y)]:
        back = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(back.predict(X), est.predict(X))
        assert back.get_params() == est.get_params()
    part = mien.PixelRegression().partial_fit(X[:10], Y[:10])
    back = pickle.loads(pickle.dumps(part))
    back.partial_fit(X[10:], Y[10:])
    part.partial_fit(X[10:], Y[10:])
    np.testing.assert_array_equal(back.coef_["weights"], part.coef_["weights"])
    model = pickle.loads(pickle.dumps(part.model_))
    assert isinstance(model, mien.Model) and model.kind == "pixel"


def test_joblib_ships_models_to_worker_processes(grey_pairs):
    joblib = pytest.importorskip("joblib")
    X, Y = grey_pairs
    m = mien.MaskedRegression().fit(X, Y)
    parts = joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(m.predict)(X[i::2]) for i in range(2))
    np.testing.assert_array_equal(np.concatenate([parts[0], parts[1]]), np.concatenate([m.predict(X[0::2]), m.predict(X[1::2])]))


def test_sklearn_estimator_checks_that_apply():
    # The generic checks feed 2-D float tables; these are the ones about the
    # estimator API itself rather than tabular data.
    est_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    for cls in [mien.MaskedRegression, mien.PixelRegression, mien.OMP, mien.LSRF, mien.PCR]:
        est = cls()
        name = cls.__name__
        est_checks.check_no_attributes_set_in_init(name, est)
        est_checks.check_parameters_default_constructible(name, est)
        est_checks.check_get_params_invariance(name, est)
        est_checks.check_set_params(name, est)
        if hasattr(est_checks, "check_estimator_repr"):
            est_checks.check_estimator_repr(name, est)


def test_bad_hyperparameters_are_value_errors(grey_pairs):
    X, Y = grey_pairs
    for est, match in [
        (mien.MaskedRegression(r=4), "receptive field"),
        (mien.MaskedRegression(lam=-1), "lambda"),
        (mien.MaskedRegression(r=3.0), "whole number"),
        (mien.MaskedRegression(prior="one"), "prior"),
        (mien.MaskedRegression(normalize="z"), "normalize"),
        (mien.MaskedRegression(output_mode="z"), "output_mode"),
        (mien.MaskedRegression(r=41), "receptive field"),
    ]:
        with pytest.raises(ValueError, match=match):
            est.fit(X, Y)
