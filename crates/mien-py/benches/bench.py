"""Whole-program figures of the Python package for BENCHMARKS.md (a
benchmark, not a test): `python crates/mien-py/benches/bench.py [--mien
target/release/mien]` after `pip install ./crates/mien-py[dask]`.

1. `Editor.edit` on the bundled 512×512 portrait against `mien edit` for the
   same work (20 photos per process, so start-up and model loading amortise).
2. `MaskedRegression.predict` throughput, 128×128 grey, r = 3.
3. `mien.dask.fit` on a LocalCluster with 1 and 2 single-threaded workers
   (RAYON_NUM_THREADS=1 inside each, so workers are the only parallelism),
   and the cost of one merge of 128×128 statistics.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import mien

ROOT = Path(__file__).resolve().parents[3]
PORTRAIT = ROOT / "crates" / "mien" / "samples" / "astronaut.png"


def best(f, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def editor_vs_cli(mien_bin: Path, tmp: Path) -> None:
    photos = []
    for i in range(20):
        p = tmp / f"p{i:02d}.png"
        shutil.copy(PORTRAIT, p)
        photos.append(p)
    ed = mien.Editor("masked")
    img = mien.read_image(PORTRAIT)
    ed.edit(img)  # warm: models and networks loaded
    lo, med = best(lambda: ed.edit(img), 10)
    print(f"Editor.edit(array) 512×512 masked happy: best {lo * 1e3:.1f} ms, median {med * 1e3:.1f} ms")
    # The same work as `mien edit` (decode, edit, encode, write), alternating
    # the two so that load from other processes hits both alike.
    (tmp / "py").mkdir()
    py, cli = [], []
    for _ in range(6):
        t = time.perf_counter()
        for p in photos:
            ed.edit_file(p, tmp / "py" / p.name)
        py.append((time.perf_counter() - t) / len(photos))
        t = time.perf_counter()
        subprocess.run([str(mien_bin), "edit", *map(str, photos), "-o", str(tmp / "cli")], check=True, capture_output=True)
        cli.append((time.perf_counter() - t) / len(photos))
    print(f"Editor.edit_file, 20 photos: best {min(py) * 1e3:.1f} ms/photo, median {statistics.median(py) * 1e3:.1f}")
    print(f"mien edit, 20 photos in one process (start-up included): best {min(cli) * 1e3:.1f} ms/photo, median {statistics.median(cli) * 1e3:.1f}")
    print(f"  Python / CLI (best): {min(py) / min(cli):.3f}")


def predict_throughput() -> None:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (200, 128, 128), dtype=np.uint8)
    Y = rng.integers(0, 256, (200, 128, 128), dtype=np.uint8)
    m = mien.MaskedRegression().fit(X, Y)
    B = rng.integers(0, 256, (4096, 128, 128), dtype=np.uint8)
    m.predict(B[:256])
    lo, med = best(lambda: m.predict(B), 5)
    print(f"MaskedRegression.predict 4096 × 128×128 grey: best {len(B) / lo:,.0f} faces/s, median {len(B) / med:,.0f} faces/s")


def dask_scaling(tmp: Path, n: int) -> None:
    import dask.bag as db
    from distributed import Client, LocalCluster

    import mien.dask

    rng = np.random.default_rng(1)
    data = tmp / "pairs"
    (data / "a").mkdir(parents=True)
    (data / "b").mkdir(parents=True)
    pairs = []
    for i in range(n):
        a = rng.integers(0, 256, (128, 128), dtype=np.uint8)
        b = rng.integers(0, 256, (128, 128), dtype=np.uint8)
        pa, pb = data / "a" / f"{i}.png", data / "b" / f"{i}.png"
        mien.write_image(pa, a)
        mien.write_image(pb, b)
        pairs.append((str(pa), str(pb)))
    os.environ["RAYON_NUM_THREADS"] = "1"  # inherited by the worker processes
    rates = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster):
            bag = db.from_sequence(pairs, npartitions=8)
            mien.dask.fit(bag)  # warm the workers (imports, first allocations)
            lo, med = best(lambda: mien.dask.fit(bag), 3)
            rates[workers] = n / lo
            print(f"mien.dask.fit, {n} pairs of 128×128 grey PNG paths, {workers} worker(s): best {lo:.2f} s ({n / lo:.0f} pairs/s), median {med:.2f} s")
    print(f"  2 workers / 1 worker throughput: {rates[2] / rates[1]:.2f}×")
    del os.environ["RAYON_NUM_THREADS"]
    X = np.stack([mien.read_image(a) for a, _ in pairs[:100]])
    Y = np.stack([mien.read_image(b) for _, b in pairs[:100]])
    s1 = mien.MaskedRegression().partial_fit(X[:50], Y[:50], finalize=False).stats_
    s2 = mien.MaskedRegression().partial_fit(X[50:], Y[50:], finalize=False).stats_
    data2 = s2.to_bytes()
    lo, _ = best(lambda: s1.merge(s2), 10)
    print(f"merge of two 128×128 r=3 statistics ({len(data2) / 1e6:.1f} MB): {lo * 1e3:.1f} ms")
    lo, _ = best(lambda: mien._mien._MaskedStats.from_bytes("masked", s2.to_bytes()), 10)
    print(f"  serialise + parse one: {lo * 1e3:.1f} ms")
    lo, _ = best(lambda: s1.finalize(), 5)
    print(f"  finalize (solve 16384 pixels): {lo * 1e3:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mien", default=str(ROOT / "target" / "release" / "mien"))
    ap.add_argument("--skip", default="", help="comma-separated: editor,predict,dask")
    ap.add_argument("--pairs", type=int, default=2400, help="training pairs for the Dask figures")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "editor" not in skip:
            editor_vs_cli(Path(a.mien), tmp)
        if "predict" not in skip:
            predict_throughput()
        if "dask" not in skip:
            dask_scaling(tmp, a.pairs)


if __name__ == "__main__":
    main()
