# labels: quick
"""Scale-out (python/examples/dask_per_key.py): per-key StatefulLoop tasks on a
dask.distributed LocalCluster == the sequential run, including a task whose worker is killed
mid-batch and retried (it resumes from the persisted state)."""
import os
import shutil
import sys

import pytest

pytest.importorskip("distributed")

EXAMPLES = os.path.join(os.environ.get("OUPS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                        "python", "examples")
sys.path.insert(0, EXAMPLES)
# worker processes import the example module by name
os.environ["PYTHONPATH"] = os.pathsep.join([EXAMPLES] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

import dask_per_key as ex  # noqa: E402

from oups import OrderedParquetDataset  # noqa: E402


def read(root, k):
    with OrderedParquetDataset(os.path.join(root, "out", k)) as opd:
        return opd.to_pandas()


def test_dask_equals_sequential_with_killed_worker(tmp_path):
    keys = [f"k{i}" for i in range(4)]
    seq, dist = str(tmp_path / "seq"), str(tmp_path / "dist")
    ex.make_input(seq, keys, 3000)
    shutil.copytree(os.path.join(seq, "in"), os.path.join(dist, "in"))
    n_seq = ex.run_sequential(seq, keys)
    n_dist = ex.run_dask(dist, keys, n_workers=2, crash_key="k1")
    assert os.path.exists(os.path.join(dist, "crash-k1"))  # the worker did die once
    assert n_seq == n_dist == {k: 3000 for k in keys}
    for k in keys:
        a, b = read(seq, k), read(dist, k)
        assert a.equals(b), k  # bit-identical (NaN-aware)
    # a second distributed run on the same data finds every batch done: nothing changes
    assert ex.run_sequential(dist, keys) == n_dist
