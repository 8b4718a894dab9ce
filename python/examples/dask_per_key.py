"""Scale-out on Dask: one StatefulLoop pipeline per key of a store, each a dask.distributed
task. Keys are independent (own input dataset, own output dataset, own state file, all
locked), so tasks run in parallel on any worker; a task whose worker dies is retried by Dask
and resumes from the state its loop persisted last.

    python3 dask_per_key.py ROOT [--keys 8] [--rows 20000] [--workers 2] [--crash-key k1]

The pipeline of a key: for each batch of the key axis (a run of the loop, as new data would
arrive in production), read the input through iter_intersections, compute a running count and
sum (function state) and the previous value as of each row (AsofMerger, object state), buffer
the results and merge-write them into the output dataset. Writes deduplicate on the key, so
replaying a batch after a crash rewrites the same rows: the output is exactly the sequential
run's (the test checks it bit for bit).
"""
import argparse
import os
import sys

import numpy as np
import pandas as pd

from oups import AsofMerger, OrderedParquetDataset, StatefulLoop, Store, toplevel


@toplevel
class Key:
    name: str


N_BATCHES = 3


def make_input(root, keys, rows, seed=0):
    """One input dataset per key: ts (datetime64[ns], sorted) and v (float64)."""
    store = Store(os.path.join(root, "in"), Key)
    rng = np.random.default_rng(seed)
    for k in keys:
        ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 86_400_000_000_000, rows)))
        df = pd.DataFrame({"ts": ts, "v": rng.normal(size=rows)})
        with store[Key(k)] as opd:
            opd.write(df=df, ordered_on="ts", row_group_target_size=max(rows // 10, 1))


def _update(chunk, acc):
    """Running count and sum over everything seen so far (persisted in `acc`)."""
    cum = acc["sum"] + chunk["v"].cumsum().to_numpy()
    n = acc["n"] + np.arange(1, len(chunk) + 1)
    acc["sum"] = float(cum[-1]) if len(chunk) else acc["sum"]
    acc["n"] = int(n[-1]) if len(chunk) else acc["n"]
    return cum, n


def _batch_bounds():
    edges = pd.date_range("2024-01-01", periods=N_BATCHES + 1, freq=f"{24 // N_BATCHES}h")
    return list(zip(edges[:-1], edges[1:]))


def process_key(root, name, crash_marker=None):
    """The per-key task. Returns the number of output rows. If `crash_marker` names a file that
    does not exist yet, the process creates it and dies in the middle of batch 1 (a worker
    killed while processing), to show the retry resuming from the persisted state."""
    inp = Store(os.path.join(root, "in"), Key)
    out_path = os.path.join(root, "out", name)
    state_path = os.path.join(root, "state", f"{name}.loopstate")
    os.makedirs(os.path.dirname(state_path), exist_ok=True)
    for b, (lo, hi) in enumerate(_batch_bounds()):
        loop = StatefulLoop(state_path, lock_timeout=60)
        prog = loop.bind_function_state(lambda progress: progress, state={"progress": {"done": 0}},
                                        name="progress").keywords["progress"]
        update = loop.bind_function_state(_update, state={"acc": {"n": 0, "sum": 0.0}})
        merger = loop.bind_object_state(AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1],
                                                   allow_exact_matches=[False]), state=["_conf"])
        if prog["done"] > b:  # this batch completed in an earlier attempt
            del loop
            continue
        chunks = inp.iter_intersections([Key(name)], start=lo, end_excl=hi)
        for i, ctx in enumerate(loop.iterate(chunks)):
            with ctx as item:
                chunk = item[Key(name)]
                cum, n = update(chunk)
                prev = merger.merge(chunk["ts"], df_groups=[chunk[["ts", "v"]]])
                res = pd.DataFrame({"ts": chunk["ts"].to_numpy(), "v": chunk["v"].to_numpy(), "cum": cum,
                                    "n": n, "v_prev": prev["v_1"].to_numpy()})
                if loop.is_last_iteration:
                    prog["done"] = b + 1
                if crash_marker and b == 1 and i == 2 and not os.path.exists(crash_marker):
                    open(crash_marker, "w").close()
                    os._exit(1)  # the worker dies mid-batch: no state persisted for batch 1
                flushed = loop.buffer({"res": res}, memory_limit_mb=0.02)
                OrderedParquetDataset(out_path, ordered_on="ts").write(
                    df=flushed["res"], row_group_target_size=5000, duplicates_on="ts")
    with OrderedParquetDataset(out_path) as opd:
        return len(opd.to_pandas(columns=["ts"]))


def run_dask(root, keys, n_workers=2, crash_key=None):
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            Client(cl) as client:
        futs = [client.submit(process_key, root, k, os.path.join(root, f"crash-{k}") if k == crash_key else None,
                              key=f"process-{k}", pure=False) for k in keys]
        return dict(zip(keys, client.gather(futs)))


def run_sequential(root, keys):
    return {k: process_key(root, k) for k in keys}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--keys", type=int, default=8)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--crash-key", default=None)
    a = ap.parse_args(argv)
    keys = [f"k{i}" for i in range(a.keys)]
    make_input(a.root, keys, a.rows)
    print(run_dask(a.root, keys, a.workers, a.crash_key))


if __name__ == "__main__":
    sys.exit(main())
