# labels: quick oracle
"""SegmentedAggregator through Python: pandas resample oracle, chunked == one shot for
hypothesis-generated splits, state persisted by the StatefulLoop across processes."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import oups
from oups import _oups

pytestmark = pytest.mark.skipif(not hasattr(_oups, "SegmentedAggregator"),
                                reason="this liboups has no segmented aggregator")


def data(n=2000, seed=0, groups=False):
    rng = np.random.default_rng(seed)
    ts = pd.to_datetime(np.sort(rng.integers(0, 6 * 3600 * 10**9, n)) + pd.Timestamp("2024-01-02").value)
    df = pd.DataFrame({"ts": ts, "px": rng.normal(100, 1, n), "qty": rng.integers(1, 10, n)})
    if groups:
        df["sym"] = rng.choice(["A", "B", "C"], n).astype(object)
    return df


AGG = {"open": ("px", "first"), "high": ("px", "max"), "low": ("px", "min"), "close": ("px", "last"),
       "vol": ("qty", "sum"), "n": ("qty", "count"), "avg": ("px", "mean")}


def oracle(df, freq):
    r = df.resample(freq, on="ts")
    out = pd.DataFrame({"open": r["px"].first(), "high": r["px"].max(), "low": r["px"].min(),
                        "close": r["px"].last(), "vol": r["qty"].sum(), "n": r["qty"].count(),
                        "avg": r["px"].mean()})
    return out[out["n"] > 0]


@pytest.mark.parametrize("freq", ["1min", "15min", "1h"])
def test_equals_pandas_resample(freq):
    df = data()
    got = oups.SegmentedAggregator("ts", AGG, freq).process(df)
    got = got[got["n"].notna()].set_index("ts")
    exp = oracle(df, freq)
    exp.index.name = "ts"
    pd.testing.assert_frame_equal(got, exp, check_dtype=False, check_freq=False)


def consolidate(parts, keys):
    """Drop each group's in-progress last bin from what was kept, then append (docs/segagg.md)."""
    out = None
    for p in parts:
        if out is None:
            out = p
            continue
        if len(p):
            out = out.drop(out.groupby(keys[1:]).tail(1).index if len(keys) > 1 else out.index[-1:])
        out = pd.concat([out, p], ignore_index=True)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


@given(st.lists(st.integers(1, 1999), max_size=5, unique=True).map(sorted))
def test_chunked_equals_one_shot(cuts):
    df = data(groups=True)
    one = oups.SegmentedAggregator("ts", AGG, "10min", by=["sym"]).process(df)
    agg = oups.SegmentedAggregator("ts", AGG, "10min", by=["sym"])
    bounds = [0] + cuts + [len(df)]
    parts = [agg.process(df.iloc[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]
    got = consolidate(parts, ["ts", "sym"])
    pd.testing.assert_frame_equal(got, one.sort_values(["ts", "sym"], kind="stable").reset_index(drop=True))


def test_snapshots_and_rows_bins():
    df = data(300)
    bins, snaps = oups.SegmentedAggregator("ts", {"n": ("qty", "count")}, "1h", snap_by="15min").process(df)
    assert len(snaps) >= len(bins) and list(snaps.columns) == ["ts", "n"]
    rows = oups.SegmentedAggregator("ts", {"n": ("qty", "count")}, oups.by_x_rows(50)).process(df)
    assert rows["n"].tolist() == [50] * 6


def test_state_through_stateful_loop(tmp_path):
    df = data()

    def run(chunk):
        loop = oups.StatefulLoop(tmp_path / "agg.loopstate")
        agg = loop.bind_object_state(oups.SegmentedAggregator("ts", AGG, "10min"), state=["_conf"])
        out = []
        for ctx in loop.iterate([chunk]):
            with ctx as c:
                out.append(agg.process(c))
        return out[0]
    parts = [run(df.iloc[:700]), run(df.iloc[700:1500]), run(df.iloc[1500:])]
    one = oups.SegmentedAggregator("ts", AGG, "10min").process(df)
    pd.testing.assert_frame_equal(consolidate(parts, ["ts"]), one)


def test_errors():
    with pytest.raises(ValueError, match="unknown"):
        oups.SegmentedAggregator("ts", {"x": ("px", "median")}, "1min")
    agg = oups.SegmentedAggregator("ts", AGG, "1min")
    df = data(100)
    agg.process(df.iloc[50:])
    with pytest.raises(oups.UnorderedError):
        agg.process(df.iloc[:50])
