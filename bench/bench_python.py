#!/usr/bin/env python3
"""bench/bench_python.py: the Python binding's cost.

1. Per-call overhead: tiny calls through the binding (C call + argument/result conversion),
   in microseconds per call.
2. A reference-style workflow on N rows, oups vs pandas alone, in separate processes (so
   peak RSS is per side and phase), alternating, median of R runs with the spread:
   - oups, process 1: write a store (quotes N rows, trades N/4) with Store/
     OrderedParquetDataset; process 2: one StatefulLoop pass over iter_intersections:
     AsofMerger of trades against quotes (n_prev=1), per-minute mean of the merged price
     accumulated in function state, output buffered (64 MB cap) and written to a third
     dataset. The run's peak RSS is bounded by one row group per dataset plus the buffer.
   - pandas: the same data kept with to_pickle (pandas alone has no Parquet writer on this
     system), read back, merge_asof (plus the previous quote via shift), resample("1min").mean().
   Both compute the same per-minute means (checked).

usage: PYTHONPATH=build/python python3 bench/bench_python.py [--rows N] [--runs R] [--calls C]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def per_call(n_calls):
    import oups
    from oups import _oups
    tmp = tempfile.mkdtemp(prefix="oups-bench-py-")
    try:
        one = pd.DataFrame({"ts": np.array([5], dtype=np.int64), "v": [1.0]})
        t1 = oups.frame_to_table(one)
        opd = oups.OrderedParquetDataset(os.path.join(tmp, "d"), ordered_on="ts")
        opd.write(df=one)
        cm = _oups.AsofMerger("ts", 1)
        main = np.array([6], dtype=np.int64)
        cm.merge(main, [t1], 1)
        m = oups.AsofMerger(on="ts", n_dfs_per_group=1)
        cases = {
            "_oups.version()": lambda: _oups.version(),
            "Table.num_rows": lambda: t1.num_rows,
            "len(OrderedParquetDataset)": lambda: len(opd),
            "frame_to_table (1 row, 2 cols)": lambda: oups.frame_to_table(one),
            "Table.to_pandas (1 row, 2 cols)": lambda: t1.to_pandas(),
            "_oups.AsofMerger.merge (1 row, Tables)": lambda: cm.merge(main, [t1], 1),
            "AsofMerger.merge (1 row, DataFrames)": lambda: m.merge(main, df_groups=[one]),
        }
        out = {}
        for name, f in cases.items():
            f()
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(n_calls):
                    f()
                runs.append((time.perf_counter() - t0) / n_calls * 1e6)
            out[name] = (statistics.median(runs), min(runs), max(runs))
        opd.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    span = 10 * 86_400 * 10**9
    q_ts = (np.sort(rng.integers(0, span, n)) + np.datetime64("2024-01-01", "ns").astype(np.int64)).astype("M8[ns]")
    t_ts = (np.sort(rng.integers(0, span, n // 4)) + np.datetime64("2024-01-01", "ns").astype(np.int64)).astype("M8[ns]")
    quotes = pd.DataFrame({"ts": q_ts, "px": rng.normal(100, 1, n), "sz": rng.integers(1, 100, n)})
    trades = pd.DataFrame({"ts": t_ts, "qty": rng.integers(1, 10, n // 4)})
    return quotes, trades


def _store(root):
    from oups import Store, toplevel

    @toplevel
    class K:
        name: str
    return Store(root, K), K


def oups_write(n, root):
    """Phase 1 (own process): generate the data and write the store."""
    quotes, trades = make_data(n)
    st, K = _store(root)
    t0 = time.perf_counter()
    with st[K("quotes")] as o:
        o.write(df=quotes, ordered_on="ts", row_group_target_size=500_000)
    with st[K("trades")] as o:
        o.write(df=trades, ordered_on="ts", row_group_target_size=500_000)
    return time.perf_counter() - t0


def oups_run(root, buffer_mb=64):
    """Phase 2 (own process): one StatefulLoop pass over the store; memory is what the
    iteration holds (one row group per dataset) plus the loop's buffer."""
    from oups import AsofMerger, StatefulLoop
    st, K = _store(root)

    def agg(feats, acc):
        minute = feats["ts"].to_numpy().view(np.int64) // 60_000_000_000
        u, inv = np.unique(minute, return_inverse=True)
        s = np.bincount(inv, weights=feats["q_px_0"].to_numpy())
        c = np.bincount(inv)
        for k, sv, cv in zip(u.tolist(), s.tolist(), c.tolist()):
            p = acc.get(k)
            acc[k] = (p[0] + sv, p[1] + cv) if p else (sv, cv)

    t0 = time.perf_counter()
    loop = StatefulLoop(os.path.join(root, "job.loopstate"))
    merger = loop.bind_object_state(AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1], prefixes=["q_"],
                                               allow_exact_matches=[True]), state=["_conf"])
    stats = loop.bind_function_state(agg, state={"acc": {}})
    chunks = st.iter_intersections_tables([K("quotes"), K("trades")])
    for ctx in loop.iterate(chunks):
        with ctx as chunk:
            q = chunk.get(K("quotes"))
            t = chunk.get(K("trades"))
            main = t.to_pandas()["ts"] if t is not None else pd.Series([], dtype="M8[ns]")
            feats = merger.merge(main, df_groups=[q.to_pandas()[["ts", "px"]]])
            stats(feats)
            out = loop.buffer({"f": feats}, memory_limit_mb=buffer_mb)
            with st[K("feats")] as o:
                o.write(df=out["f"], ordered_on="ts", row_group_target_size=1_000_000)
    acc = stats.keywords["acc"]
    keys = sorted(acc)
    means = np.array([acc[k][0] / acc[k][1] for k in keys])
    return time.perf_counter() - t0, np.array(keys), means


def side_pandas(n, root):
    quotes, trades = make_data(n)
    t0 = time.perf_counter()
    quotes.to_pickle(os.path.join(root, "quotes.pkl"))
    trades.to_pickle(os.path.join(root, "trades.pkl"))
    del quotes, trades
    t_write = time.perf_counter() - t0
    q = pd.read_pickle(os.path.join(root, "quotes.pkl"))[["ts", "px"]]
    t = pd.read_pickle(os.path.join(root, "trades.pkl"))
    q["px_1"] = q["px"].shift(1, fill_value=0.0)
    feats = pd.merge_asof(t[["ts"]], q, on="ts").fillna(0.0)
    feats.to_pickle(os.path.join(root, "feats.pkl"))
    r = feats.set_index("ts")["px"].resample("1min").mean().dropna()
    keys = r.index.to_numpy().view(np.int64) // 60_000_000_000
    return time.perf_counter() - t0, t_write, keys, r.to_numpy()


def child(side, n, root):
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    if side == "oups-write":
        print(json.dumps({"write_s": oups_write(n, root), "write_peak_rss_mb": rss()}))
        return
    if side == "oups-run":
        total, keys, means = oups_run(root)
        res = {"run_s": total, "run_peak_rss_mb": rss()}
    else:
        total, t_write, keys, means = side_pandas(n, root)
        res = {"total_s": total, "write_s": t_write, "peak_rss_mb": rss()}
    np.save(os.path.join(tempfile.gettempdir(), f"oups-bench-{side}-{n}.npy"), np.stack([keys.astype(float), means]))
    print(json.dumps(res))


def run_side(side, n):
    root = tempfile.mkdtemp(prefix="oups-bench-")
    try:
        def call(s):
            p = subprocess.run([sys.executable, __file__, "--child", s, "--rows", str(n), "--root", root],
                               check=True, capture_output=True, text=True)
            return json.loads(p.stdout.strip().splitlines()[-1])
        if side == "pandas":
            return call("pandas")
        w, r = call("oups-write"), call("oups-run")
        return dict(w, **r, total_s=w["write_s"] + r["run_s"], peak_rss_mb=max(w["write_peak_rss_mb"],
                                                                             r["run_peak_rss_mb"]))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--child", choices=["oups-write", "oups-run", "pandas"])
    ap.add_argument("--root")
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.rows, a.root)
    print("per-call overhead (us per call: median [min, max] of 5 runs of %d calls)" % a.calls)
    for name, (med, lo, hi) in per_call(a.calls).items():
        print(f"  {name:42s} {med:8.2f}  [{lo:.2f}, {hi:.2f}]")
    res = {"oups": [], "pandas": []}
    for r in range(a.runs):
        for side in (("oups", "pandas") if r % 2 == 0 else ("pandas", "oups")):
            res[side].append(run_side(side, a.rows))
    a_ = np.load(os.path.join(tempfile.gettempdir(), f"oups-bench-oups-run-{a.rows}.npy"))
    b_ = np.load(os.path.join(tempfile.gettempdir(), f"oups-bench-pandas-{a.rows}.npy"))
    same = a_.shape == b_.shape and np.array_equal(a_[0], b_[0]) and np.allclose(a_[1], b_[1], rtol=1e-9)
    print(f"workflow on {a.rows:,} quotes + {a.rows // 4:,} trades (median [min, max] of {a.runs} alternating runs)")
    for side, rs in res.items():
        for k in [k for k in rs[0] if k in ("total_s", "write_s", "run_s", "peak_rss_mb", "write_peak_rss_mb",
                                            "run_peak_rss_mb")]:
            v = [x[k] for x in rs]
            print(f"  {side:6s} {k:18s} {statistics.median(v):10.2f}  [{min(v):.2f}, {max(v):.2f}]")
    ratio = statistics.median(x["total_s"] for x in res["pandas"]) / statistics.median(x["total_s"] for x in res["oups"])
    print(f"  pandas/oups total time: {ratio:.2f}x; same per-minute means: {same}")


if __name__ == "__main__":
    sys.exit(main())
