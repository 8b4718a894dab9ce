# labels: quick
"""StatefulLoop through Python: iteration bookkeeping, bound state persisted by the C loop
(no pickle), resume, buffer/Skip (spec stateful_loop.md)."""
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import oups
from oups import AsofMerger, StatefulLoop
from oups.stateful_loop import Skip


def step(x, acc):
    acc["sum"] += x


def run_sum(path, items):
    loop = StatefulLoop(path)
    f = loop.bind_function_state(step, state={"acc": {"sum": 0}})
    for ctx in loop.iterate(items):
        with ctx as item:
            f(item)
    return f.keywords["acc"]["sum"]


def test_resume_walkthrough(tmp_path):  # spec §13 "Resume"
    p = tmp_path / "job.loopstate"
    assert run_sum(p, [1, 2, 3]) == 6
    assert run_sum(p, [4, 5]) == 15

    def failing(items, fail_at):
        loop = StatefulLoop(p)
        f = loop.bind_function_state(step, state={"acc": {"sum": 0}})
        for ctx in loop.iterate(items):
            with ctx as item:
                f(item)
                if item == fail_at:
                    raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        failing([6, 7], 6)
    assert run_sum(p, []) == 15  # nothing persisted by the failed run (and none by an empty one)
    with pytest.raises(RuntimeError):
        failing([6, 7], 7)  # failure in the last item: oups persists nothing (no quirk)
    assert run_sum(p, [6, 7]) == 28


def test_counters_and_last_flag(tmp_path):
    loop = StatefulLoop(tmp_path / "s")
    assert loop.iteration_count == -1 and loop.is_last_iteration is False
    seen = []
    for ctx in loop.iterate("abc"):
        with ctx as item:
            seen.append((item, loop.iteration_count, loop.is_last_iteration))
    assert seen == [("a", 0, False), ("b", 1, False), ("c", 2, True)]
    assert loop.is_last_iteration
    assert repr(loop).startswith("StatefulLoop(filepath=")


def test_state_kinds_round_trip(tmp_path):
    p = tmp_path / "s"
    df = pd.DataFrame({"ts": pd.date_range("2020", periods=3), "v": [1.5, np.nan, 3.0], "s": ["a", None, "c"]})
    value = {"none": None, "b": True, "i": -(2**70), "f": 0.1, "s": "é", "by": b"\x00\x01",
             "t": pd.Timestamp("2021-02-03 04:05:06.000000007"), "tz": pd.Timestamp("2021-01-01", tz="UTC"),
             "df": df, "dfi": df.set_index("s"), "nest": [1, (2, [3, {"k": 4}])], 5: "int key"}

    def g(x, state):
        pass

    loop = StatefulLoop(p)
    loop.bind_function_state(g, state={"state": value})
    for ctx in loop.iterate([0]):
        with ctx:
            pass
    loop2 = StatefulLoop(p)
    got = loop2.bind_function_state(g, state={"state": {}}).keywords["state"]
    for k in value:
        if isinstance(value[k], pd.DataFrame):
            pd.testing.assert_frame_equal(got[k], value[k])
        else:
            assert got[k] == value[k] and type(got[k]) is type(value[k]), k


def test_bind_errors(tmp_path):
    loop = StatefulLoop(tmp_path / "s")
    with pytest.raises(ValueError, match="not present in stateful function/object: y, z"):
        loop.bind_function_state(step, state={"z": 1, "y": 2, "x": 0})
    with pytest.raises(TypeError, match="cannot be persisted"):
        loop.bind_function_state(step, state={"acc": {"f": object()}})

    class Obj:
        a = 1
    with pytest.raises(ValueError, match="not present"):
        loop.bind_object_state(Obj(), state=["b"])
    with pytest.raises(oups.BusyError):
        StatefulLoop(tmp_path / "s")  # the file is locked by `loop`


def test_buffer_worked_example(tmp_path):  # spec §10.4 with byte sizes measured by pandas
    frames = [pd.DataFrame({"v": np.arange(10, dtype=np.int64) + 10 * i}) for i in range(5)]
    size = frames[0].memory_usage(deep=True).sum()
    limit_mb = (2.5 * size) / 1048576
    loop = StatefulLoop(tmp_path / "s")
    flushed = []
    for ctx in loop.iterate(frames):
        with ctx as f:
            out = loop.buffer({"k": f}, memory_limit_mb=limit_mb)
            flushed.append((loop.iteration_count, len(out["k"])))
    assert flushed == [(2, 30), (4, 20)]
    with pytest.raises(Skip):
        StatefulLoop(tmp_path / "t").buffer({"k": frames[0]})


def test_buffer_of_tables_concatenates_tables(tmp_path):
    """buffer() with oups Tables: the default concat gives one oups Table (no pandas)."""
    loop = StatefulLoop(tmp_path / "b.loopstate")
    parts = [oups.frame_to_table(pd.DataFrame({"a": np.arange(i, i + 3)})) for i in range(0, 9, 3)]
    got = []
    for ctx in loop.iterate(parts):
        with ctx as t:
            got.append(loop.buffer({"t": t}, memory_limit_mb=1)["t"])
    assert len(got) == 1 and isinstance(got[0], oups.Table)
    assert got[0]["a"].tolist() == list(range(9))


def test_merger_state_resumes_exactly(tmp_path):
    """The merger's state (layout + fill blocks) bound via _conf: chunked runs in separate
    processes == one shot."""
    rng = np.random.default_rng(1)
    ts = np.sort(rng.integers(0, 1000, 200))
    q = pd.DataFrame({"ts": ts, "v": rng.normal(size=200), "n": np.arange(200)})
    main = np.sort(rng.integers(0, 1000, 50))
    one = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[2]).merge(main, df_groups=[q])
    script = textwrap.dedent(f"""
        import sys, numpy as np, pandas as pd
        from oups import AsofMerger, StatefulLoop
        q = pd.read_pickle(sys.argv[1]); main = np.load(sys.argv[2]); lo, hi = int(sys.argv[3]), int(sys.argv[4])
        loop = StatefulLoop(sys.argv[5])
        m = loop.bind_object_state(AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[2]), state=["_conf"])
        for ctx in loop.iterate([0]):
            with ctx:
                mm = main[(main >= lo) & (main < hi)]
                qq = q[(q.ts >= lo) & (q.ts < hi)]
                m.merge(mm, df_groups=[qq]).to_pickle(sys.argv[6])
    """)
    q.to_pickle(tmp_path / "q.pkl")
    np.save(tmp_path / "main.npy", main)
    parts = []
    for i, (lo, hi) in enumerate([(0, 300), (300, 301), (301, 1000)]):
        out = tmp_path / f"out{i}.pkl"
        subprocess.run([sys.executable, "-c", script, str(tmp_path / "q.pkl"), str(tmp_path / "main.npy"),
                        str(lo), str(hi), str(tmp_path / "m.loopstate"), str(out)], check=True)
        parts.append(pd.read_pickle(out))
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), one)


@given(st.lists(st.integers(0, 40), min_size=0, max_size=4, unique=True).map(sorted))
def test_chunked_sum_equals_one_shot(tmp_path_factory, cuts):
    items = list(range(40))
    p = tmp_path_factory.mktemp("h") / "s"
    bounds = [0] + cuts + [40]
    total = 0
    for lo, hi in zip(bounds, bounds[1:]):
        if hi > lo:
            total = run_sum(p, items[lo:hi])
    assert total == sum(items)


def test_spec_end_to_end_flow(tmp_path):
    """stateful_loop.md §15: store + iter_intersections(n_prev) + AsofMerger bound through
    _conf + function state + buffer + write; two runs with a later start == one run."""
    from oups import Store, toplevel

    @toplevel
    class K:
        name: str
    rng = np.random.default_rng(3)

    def build(root):
        st = Store(root, K)
        for name, n in (("quotes", 4000), ("trades", 1500)):
            ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 3600 * 10**9, n)))
            with st[K(name)] as o:
                o.write(ordered_on="ts", df=pd.DataFrame({"ts": ts, "px": rng.normal(size=n)}),
                        row_group_target_size=500)
        return st

    def update_stats(feats, acc):
        acc["n"] = acc.get("n", 0) + len(feats)

    def build_features(store, state_file, start, end_excl):
        loop = StatefulLoop(state_file)
        merger = loop.bind_object_state(AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1], prefixes=["q_"]),
                                        state=["_conf"])
        stats = loop.bind_function_state(update_stats, state={"acc": {}})
        chunks = store.iter_intersections([K("quotes"), K("trades")], start=start, end_excl=end_excl, n_prev=[2, 0])
        for item_ctx in loop.iterate(chunks):
            with item_ctx as chunk:
                main = chunk[K("trades")]["ts"] if K("trades") in chunk else pd.Series([], dtype="M8[ns]")
                quotes = chunk[K("quotes")] if K("quotes") in chunk else pd.DataFrame({"ts": pd.Series([], dtype="M8[ns]"), "px": []})
                feats = merger.merge(main, df_groups=[quotes])
                stats(feats)
                out = loop.buffer({"feats": feats}, memory_limit_mb=0.01)
                with store[K("out")] as o:
                    o.write(df=out["feats"], ordered_on="ts")
        return stats.keywords["acc"]["n"]

    st1 = build(tmp_path / "a")
    rng = np.random.default_rng(3)
    st2 = build(tmp_path / "b")
    mid = pd.Timestamp("2024-01-01 04:00")
    n1 = build_features(st1, tmp_path / "a.loopstate", None, None)
    build_features(st2, tmp_path / "b.loopstate", None, mid)
    n2 = build_features(st2, tmp_path / "b.loopstate", mid, None)
    assert n1 == n2 == 1500
    with st1[K("out")] as o1, st2[K("out")] as o2:
        pd.testing.assert_frame_equal(o1.to_pandas(), o2.to_pandas())
