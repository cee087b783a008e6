"""mien.dask on a 2-worker LocalCluster: sharded fit equals one fit, and
edit_folder writes what `mien edit` writes."""

from __future__ import annotations

import numpy as np
import pytest

import mien
from conftest import SAMPLES, run_cli, synthetic_pairs, write_dataset

distributed = pytest.importorskip("distributed")
db = pytest.importorskip("dask.bag")
import mien.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_fit_on_a_bag_of_arrays_equals_one_fit(client):
    X, Y = synthetic_pairs(48, 24, 20, seed=41)
    one = mien.MaskedRegression(lam=2.0).fit(X, Y)
    bag = db.from_sequence(list(zip(X, Y)), npartitions=6)
    est = mien.dask.fit(bag, mien.MaskedRegression(lam=2.0), split_every=2)
    assert isinstance(est, mien.MaskedRegression) and est.n_pairs_ == 48
    assert est.get_params() == one.get_params()
    np.testing.assert_allclose(est.solve_f64(), mien.MaskedRegression(lam=2.0).partial_fit(X, Y).solve_f64(), rtol=0, atol=1e-9)
    assert np.max(np.abs(est.coef_["weights"] - one.coef_["weights"])) <= 1e-6
    # Both workers did some of it.
    assert len(client.scheduler_info()["workers"]) == 2


def test_fit_on_a_dataframe_of_paths(client, tmp_path):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, Y = synthetic_pairs(20, 16, 16, channels=3, seed=42)
    data = write_dataset(tmp_path, X, Y)
    df = pd.DataFrame(
        {"input": [str(data / "trainA" / f"{i:05d}.png") for i in range(20)],
         "target": [str(data / "trainB" / f"{i:05d}.png") for i in range(20)]}
    )
    est = mien.dask.fit(dd.from_pandas(df, npartitions=4), mien.PixelRegression())
    one = mien.PixelRegression().fit(X, Y)
    assert np.max(np.abs(est.coef_["weights"] - one.coef_["weights"])) <= 1e-6
    with pytest.raises(ValueError, match="shards"):
        mien.dask.fit(dd.from_pandas(df, npartitions=2), mien.OMP())


def _photos(astronaut, folder, n=50):
    """n photos from the bundled astronaut: 256×256 crops around the face at
    different offsets, every other one mirrored."""
    folder.mkdir()
    paths = []
    for i in range(n):
        dy, dx = 10 * (i % 5), 30 + 20 * ((i // 5) % 5)
        img = astronaut[dy : dy + 256, dx : dx + 256]
        if (i // 25) % 2:
            img = img[:, ::-1]
        p = folder / f"photo{i:02d}.png"
        mien.write_image(p, np.ascontiguousarray(img))
        paths.append(p)
    return paths


def test_edit_folder_writes_what_mien_edit_writes(client, astronaut, mien_bin, tmp_path):
    paths = _photos(astronaut, tmp_path / "photos")
    run_cli(mien_bin, "edit", *paths, "-e", "surprise", "-o", tmp_path / "cli")
    written = mien.dask.edit_folder(paths, tmp_path / "dask", expression="surprise", npartitions=8)
    assert len(written) == 50
    for p in paths:
        cli = (tmp_path / "cli" / f"{p.stem}.png").read_bytes()
        assert (tmp_path / "dask" / f"{p.stem}.png").read_bytes() == cli, p.name
