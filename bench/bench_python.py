#!/usr/bin/env python3
"""bench/bench_python.py: the Python binding's cost.

1. Per-call overhead: tiny calls through the binding (C call + argument/result conversion),
   in CPU microseconds per call (the thread's CPU time: on an idle machine the wall time).
2. A reference-style workflow on N rows, oups vs pandas alone, in separate processes (so
   peak RSS is per side and phase), alternating, median of R runs with the spread, wall and
   CPU time (user + system of all threads: steadier on a shared machine):
   - oups, process 1: write a store (quotes N rows, trades N/4) with Store/
     OrderedParquetDataset (Parquet with the reference's default codec, none, or
     --compression; checksummed, fsync'd); process 2: one StatefulLoop pass over
     iter_intersections_tables reading only the columns it uses: AsofMerger of the trades against the quotes (n_prev=1) and
     SegmentedAggregator per-minute means of the merged price, both bound to the loop's state,
     all on oups Tables (no DataFrame made in the loop); merged rows and means buffered (cap
     --buffer-mb, 64 MB) and written to two more datasets. The run holds one row group per
     dataset plus the buffer, whatever N.
   - pandas: the same data kept with to_pickle (pandas alone has no Parquet engine on this
     system: pyarrow and fastparquet are not packaged), read back, merge_asof (plus the
     previous quote via shift), the merged frame pickled, then per-minute means, timed both
     with resample("1min").mean() and with groupby(ts.dt.floor("1min")).mean().
   Both compute the same per-minute means (checked).

usage: PYTHONPATH=build/python python3 bench/bench_python.py [--rows N] [--runs R] [--calls C] [--dir D]
       [--buffer-mb MB] [--compression CODEC]
(--rows 0: the per-call costs only)
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
    """us per call of small calls: the binding's own cost (the C work is tiny), from the
    cheapest crossing (version()) to DataFrame conversions and the ops' Python wrappers."""
    import oups
    from oups import _oups
    tmp = tempfile.mkdtemp(prefix="oups-bench-py-")
    try:
        one = pd.DataFrame({"ts": np.array([5], dtype="M8[ns]"), "v": [1.0]})
        t1 = oups.frame_to_table(one)
        opd = oups.OrderedParquetDataset(os.path.join(tmp, "d"), ordered_on="ts")
        opd.write(df=one)
        cm = _oups.AsofMerger("ts", 1)
        main = np.array([6], dtype="M8[ns]")
        m = oups.AsofMerger(on="ts", n_dfs_per_group=1)
        sa = oups.SegmentedAggregator("ts", {"v": ("v", "sum")}, bin_by="1min")
        n_loops = iter(range(1 << 30))

        def loop_pass(body):
            """A batch case: one StatefulLoop pass of n_calls items (a bound dict state, so the
            end-of-pass persist, amortised, is included); `body(loop, item)` in each item."""
            def run():
                loop = oups.StatefulLoop(os.path.join(tmp, f"l{next(n_loops)}.loopstate"))
                loop.bind_function_state(lambda acc: None, state={"acc": {"n": 0}}, name="f")
                for ctx in loop.iterate(range(n_calls)):
                    with ctx as item:
                        body(loop, item)
            run.batch = True
            return run
        cases = {
            "_oups.version() (the floor)": lambda: _oups.version(),
            "Table.num_rows": lambda: t1.num_rows,
            "len(OrderedParquetDataset)": lambda: len(opd),
            "opd.key_value_metadata": lambda: opd.key_value_metadata,
            "opd.max_file_id": lambda: opd.max_file_id,
            "opd.row_group_stats (a pandas DataFrame)": lambda: opd.row_group_stats,
            'Table["v"] (numpy view)': lambda: t1["v"],
            'Table[["ts"]] (select)': lambda: t1[["ts"]],
            "oups.concat_tables([t, t])": lambda: oups.concat_tables([t1, t1]),
            "frame_to_table (1 row, 2 cols)": lambda: oups.frame_to_table(one),
            "Table.to_pandas (1 row, 2 cols)": lambda: t1.to_pandas(),
            "_oups.AsofMerger.merge (C call, Tables)": lambda: cm.merge(main, [t1], 1),
            "AsofMerger.merge (Tables in/out)": lambda: m.merge(main, df_groups=[t1]),
            "AsofMerger.merge (DataFrames in/out)": lambda: m.merge(main, df_groups=[one]),
            "SegmentedAggregator.process (Table)": lambda: sa.process(t1),
            "SegmentedAggregator.process (DataFrame)": lambda: sa.process(one),
            "StatefulLoop item (iterate + with)": loop_pass(lambda loop, item: None),
            "StatefulLoop item + buffer (Table, Skip)":
                loop_pass(lambda loop, item: loop.buffer({"t": t1}, memory_limit_mb=1e6)),
        }
        out = {}
        for name, f in cases.items():
            batch = getattr(f, "batch", False)
            f()
            runs = []
            for _ in range(7):
                t0 = time.thread_time()  # CPU time: steadier than wall time on a shared machine
                if batch:
                    f()
                else:
                    for _ in range(n_calls):
                        f()
                runs.append((time.thread_time() - t0) / n_calls * 1e6)
            out[name] = (statistics.median(runs), min(runs), max(runs))
        opd.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# writer options of every oups write: none by default, so the Parquet codec is the binding's
# default, which is the reference's (uncompressed, as its fastparquet writer); --compression
WRITE_OPTS = {}


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
    t0, c0 = time.perf_counter(), _cpu()
    with st[K("quotes")] as o:
        o.write(df=quotes, ordered_on="ts", row_group_target_size=500_000, **WRITE_OPTS)
    with st[K("trades")] as o:
        o.write(df=trades, ordered_on="ts", row_group_target_size=500_000, **WRITE_OPTS)
    return time.perf_counter() - t0, _cpu() - c0


def oups_run(root, buffer_mb=64):
    """Phase 2 (own process): one StatefulLoop pass over the store; memory is what the
    iteration holds (one row group per dataset) plus the loop's buffer. Table-level: no
    DataFrame is made in the loop; the merge and the per-minute means run in C (AsofMerger,
    SegmentedAggregator), Python only passes Tables and zero-copy numpy views along."""
    from oups import AsofMerger, SegmentedAggregator, StatefulLoop
    st, K = _store(root)
    t0 = time.perf_counter()
    loop = StatefulLoop(os.path.join(root, "job.loopstate"))
    merger = loop.bind_object_state(AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1], prefixes=["q_"],
                                               allow_exact_matches=[True]), state=["_conf"])
    means = loop.bind_object_state(SegmentedAggregator("ts", {"px": ("q_px_0", "mean")}, bin_by="1min"),
                                   state=["_conf"])
    no_ts = np.array([], dtype="M8[ns]")
    lap = _Laps()
    # only the columns the loop uses are read (quotes: ts, px; trades: ts): sz and qty are never
    # decoded (columns= is an oups addition; the reference's iteration reads every column)
    cols = {K("quotes"): ["ts", "px"], K("trades"): ["ts"]}
    for ctx in loop.iterate(st.iter_intersections_tables([K("quotes"), K("trades")], columns=cols)):
        lap("read (iteration step)")
        with ctx as chunk:
            q = chunk.get(K("quotes"))
            t = chunk.get(K("trades"))
            feats = merger.merge(t["ts"] if t is not None else no_ts, df_groups=[q])
            lap("merge")
            bins = means.process(feats)
            lap("aggregate")
            # each call gives the bins of its rows, the last one in progress: written with
            # duplicates_on, its final value replaces it
            out = loop.buffer({"f": feats, "m": bins}, memory_limit_mb=buffer_mb)
            lap("buffer (concat)")
            with st[K("feats")] as o:
                o.write(df=out["f"], ordered_on="ts", row_group_target_size=1_000_000, **WRITE_OPTS)
            with st[K("means")] as o:
                o.write(df=out["m"], ordered_on="ts", row_group_target_size=1_000_000, duplicates_on="ts",
                        **WRITE_OPTS)
            lap("write outputs")
        lap("buffer (concat)")  # a buffered item leaves through Skip
    lap("read (iteration step)")  # the end of the pass: state persisted
    with st[K("means")] as o:
        m = o.to_table()
    elapsed = time.perf_counter() - t0
    px = m["px"]
    full = ~np.isnan(px)  # minutes without trades: NaN means, as pandas' resample gives (dropped there)
    keys = m["ts"].view(np.int64)[full] // 60_000_000_000
    return elapsed, keys, px[full], lap.s


class _Laps:
    """CPU time per phase (all threads; wall time is mostly other processes' on a shared
    machine): lap(name) charges the CPU time since the previous lap to `name`."""

    def __init__(self):
        self.t, self.s = _cpu(), {}

    def __call__(self, name):
        now = _cpu()
        self.s[name] = self.s.get(name, 0.0) + now - self.t
        self.t = now


def side_pandas(n, root):
    """pandas alone: pickle (no Parquet engine without pyarrow/fastparquet), merge_asof, and
    the per-minute means two ways from the same merged frame: resample (what the pandas docs
    show) and groupby on the floored minute (much faster with pandas 1.5: its resample infers
    the index frequency first, hashing every delta)."""
    quotes, trades = make_data(n)
    t0, c0 = time.perf_counter(), _cpu()
    lap = _Laps()
    quotes.to_pickle(os.path.join(root, "quotes.pkl"))
    trades.to_pickle(os.path.join(root, "trades.pkl"))
    del quotes, trades
    lap("write (pickle)")
    t_write = time.perf_counter() - t0
    q = pd.read_pickle(os.path.join(root, "quotes.pkl"))
    t = pd.read_pickle(os.path.join(root, "trades.pkl"))
    lap("read (pickle)")
    # one new frame of the three columns: faster than adding px_1 to q[["ts", "px"]] (the
    # previous baseline: merge_asof then copied the frame's blocks, 0.5-1 s more CPU)
    q = pd.DataFrame({"ts": q["ts"], "px": q["px"], "px_1": q["px"].shift(1, fill_value=0.0)})
    feats = pd.merge_asof(t[["ts"]], q, on="ts").fillna(0.0)
    lap("merge (shift + merge_asof)")
    feats.to_pickle(os.path.join(root, "feats.pkl"))
    lap("write output (pickle)")
    t_common, c_common = time.perf_counter() - t0, _cpu() - c0
    t1, c1 = time.perf_counter(), _cpu()
    lap.t = c1
    r = feats.set_index("ts")["px"].resample("1min").mean().dropna()
    t_resample, c_resample = time.perf_counter() - t1, _cpu() - c1
    lap("aggregate (resample)")
    t1, c1 = time.perf_counter(), _cpu()
    g = feats["px"].groupby(feats["ts"].dt.floor("1min")).mean()
    t_groupby, c_groupby = time.perf_counter() - t1, _cpu() - c1
    lap("aggregate (groupby floor)")
    assert r.index.equals(g.index) and np.allclose(r.to_numpy(), g.to_numpy(), rtol=1e-12)
    keys = r.index.to_numpy().view(np.int64) // 60_000_000_000
    return (t_common + t_resample, t_common + t_groupby, t_write, c_common + c_resample, c_common + c_groupby,
            keys, r.to_numpy(), lap.s)


def _result_path(where, side, n, pid):
    return os.path.join(where, f"oups-bench-{side}-{n}-{pid}.npy")


def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process
    return r.ru_utime + r.ru_stime


def child(side, n, root, buffer_mb):
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    if side == "oups-write":
        w, cpu = oups_write(n, root)
        print(json.dumps({"write_s": w, "write_cpu_s": cpu, "write_peak_rss_mb": rss()}))
        return
    if side == "oups-run":
        c0 = _cpu()
        total, keys, means, phases = oups_run(root, buffer_mb)
        res = {"run_s": total, "run_cpu_s": _cpu() - c0, "run_peak_rss_mb": rss()}
    else:
        total, total_groupby, t_write, cpu, cpu_groupby, keys, means, phases = side_pandas(n, root)
        res = {"total_s": total, "total_groupby_s": total_groupby, "write_s": t_write, "cpu_s": cpu,
               "cpu_groupby_s": cpu_groupby, "peak_rss_mb": rss()}
    res.update({"cpu phase " + k: v for k, v in phases.items()})
    np.save(_result_path(os.path.dirname(root), side, n, os.getppid()), np.stack([keys.astype(float), means]))
    print(json.dumps(res))


def run_side(side, n, where=None, buffer_mb=64):
    root = tempfile.mkdtemp(prefix="oups-bench-", dir=where)
    try:
        def call(s):
            p = subprocess.run([sys.executable, __file__, "--child", s, "--rows", str(n), "--root", root,
                                "--buffer-mb", str(buffer_mb)]
                               + (["--compression", WRITE_OPTS["compression"]] if WRITE_OPTS else []),
                               check=True, capture_output=True, text=True)
            return json.loads(p.stdout.strip().splitlines()[-1])
        if side == "pandas":
            return call("pandas")
        w, r = call("oups-write"), call("oups-run")
        return dict(w, **r, total_s=w["write_s"] + r["run_s"], cpu_s=w["write_cpu_s"] + r["run_cpu_s"],
                    peak_rss_mb=max(w["write_peak_rss_mb"], r["run_peak_rss_mb"]))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--child", choices=["oups-write", "oups-run", "pandas"])
    ap.add_argument("--root")
    ap.add_argument("--dir", help="where the data files go (default: the temporary directory)")
    ap.add_argument("--buffer-mb", type=float, default=64, help="the loop's buffer cap (MB)")
    ap.add_argument("--compression", help="codec of the oups writes (default: the binding's, uncompressed as the "
                    "reference's), e.g. zstd, snappy, lz4_raw")
    a = ap.parse_args()
    if a.compression:
        WRITE_OPTS["compression"] = a.compression
    if a.child:
        return child(a.child, a.rows, a.root, a.buffer_mb)
    print("per-call cost (CPU us per call: median [min, max] of 7 runs of %d calls)" % a.calls)
    for name, (med, lo, hi) in per_call(a.calls).items():
        print(f"  {name:42s} {med:8.2f}  [{lo:.2f}, {hi:.2f}]")
    if a.rows == 0:
        return
    res = {"oups": [], "pandas": []}
    for r in range(a.runs):
        for side in (("oups", "pandas") if r % 2 == 0 else ("pandas", "oups")):
            res[side].append(run_side(side, a.rows, a.dir, a.buffer_mb))
    where = a.dir or tempfile.gettempdir()
    paths = [_result_path(where, side, a.rows, os.getpid()) for side in ("oups-run", "pandas")]
    a_, b_ = (np.load(p) for p in paths)
    for p in paths:
        os.remove(p)
    same = a_.shape == b_.shape and np.array_equal(a_[0], b_[0]) and np.allclose(a_[1], b_[1], rtol=1e-9)
    print(f"workflow on {a.rows:,} quotes + {a.rows // 4:,} trades in {a.dir or tempfile.gettempdir()}, "
          f"loop buffer cap {a.buffer_mb:g} MB "
          f"(median [min, max] of {a.runs} alternating runs; cpu = user+system of every thread)")
    for side, rs in res.items():
        for k in rs[0]:
            v = [x[k] for x in rs]
            print(f"  {side:6s} {k:42s} {statistics.median(v):10.3f}  [{min(v):.3f}, {max(v):.3f}]")
    med = lambda side, k: statistics.median(x[k] for x in res[side])  # noqa: E731
    print(f"  pandas (resample) / oups: wall {med('pandas', 'total_s') / med('oups', 'total_s'):.2f}x, "
          f"cpu {med('pandas', 'cpu_s') / med('oups', 'cpu_s'):.2f}x")
    print(f"  pandas (groupby floor) / oups: wall {med('pandas', 'total_groupby_s') / med('oups', 'total_s'):.2f}x, "
          f"cpu {med('pandas', 'cpu_groupby_s') / med('oups', 'cpu_s'):.2f}x")
    print(f"  same per-minute means: {same}")


if __name__ == "__main__":
    sys.exit(main())
