# labels: quick oracle
"""AsofMerger through Python: the spec's worked examples, pandas merge_asof as the oracle,
chunked == one-shot for hypothesis-generated splits."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import oups
from oups import AsofMerger


def test_spec_example_1():  # asof_merger.md §11 example 1
    t = pd.DataFrame({"ts": [5, 15, 25], "v": [1.0, 2.0, 3.0]})
    m = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1])
    got = m.merge(np.array([10, 20, 30]), df_groups=[t])
    assert list(got.columns) == ["ts", "v_1", "v_0"]
    assert got["v_1"].tolist() == [0.0, 1.0, 2.0] and got["v_0"].tolist() == [1.0, 2.0, 3.0]
    assert m._conf.has_state


def test_combinations_and_prefixes():
    g0 = pd.DataFrame({"ts": [1, 5], "p": [10.0, 50.0], "q": [1, 5]})
    g1 = pd.DataFrame({"ts": [2, 6], "p": [20.0, 60.0], "q": [2, 6]})
    m = AsofMerger(on="ts", n_dfs_per_group=1, prefixes=[["a_"], ["b_"]], allow_exact_matches=[True])
    got = m.merge(np.array([2, 6]), df_groups=[[g0], [g1]], combinations=[[0, 1], [1, 0]])
    assert list(got.columns) == ["ts", "a_p", "a_q", "b_p", "b_q"]
    assert got["a_p"].tolist() == [10.0, 60.0] and got["b_p"].tolist() == [20.0, 50.0]


def test_validation_messages():
    with pytest.raises(ValueError, match="'n_prev' must have length"):
        AsofMerger(on="ts", n_dfs_per_group=2, n_prev=[1])
    with pytest.raises(ValueError, match=">= 0"):
        AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[-1])
    m = AsofMerger(on="ts", n_dfs_per_group=1)
    with pytest.raises(ValueError, match="flat list"):
        m.merge(np.array([1]), df_groups=[[pd.DataFrame({"ts": [1], "v": [1.0]})]])
    with pytest.raises(ValueError) as e:
        m.merge(np.array([2, 1]), df_groups=[pd.DataFrame({"ts": [1], "v": [1.0]})], check_sorted=True)
    assert isinstance(e.value, oups.Error)


def oracle(main, df, allow_exact):
    left = pd.DataFrame({"ts": main})
    r = pd.merge_asof(left, df, on="ts", allow_exact_matches=allow_exact)
    return r


@pytest.mark.parametrize("allow_exact", [True, False])
def test_equals_pandas_merge_asof(allow_exact):
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"ts": np.sort(rng.integers(0, 10_000, 3000)), "v": rng.normal(size=3000),
                       "k": rng.integers(0, 100, 3000)})
    main = np.sort(rng.integers(100, 10_000, 1000))  # after the first row: no fill involved
    main = main[main > df["ts"].iloc[2]]
    got = AsofMerger(on="ts", n_dfs_per_group=1, allow_exact_matches=[allow_exact]).merge(main, df_groups=[df])
    exp = oracle(main, df, allow_exact)
    pd.testing.assert_frame_equal(got[["ts", "v", "k"]], exp[["ts", "v", "k"]], check_dtype=False)


def test_timestamps_keys():
    ts = pd.date_range("2020", periods=100, freq="min")
    df = pd.DataFrame({"ts": ts, "v": np.arange(100.0)})
    main = pd.Series(pd.date_range("2020-01-01 00:10:30", periods=20, freq="3min"))
    got = AsofMerger(on="ts", n_dfs_per_group=1, allow_exact_matches=[True]).merge(main, df_groups=[df])
    exp = pd.merge_asof(pd.DataFrame({"ts": main}), df, on="ts")
    pd.testing.assert_frame_equal(got, exp)


@given(st.lists(st.integers(1, 499), max_size=5, unique=True).map(sorted), st.integers(0, 3))
def test_chunked_equals_one_shot(cuts, n_prev):
    rng = np.random.default_rng(len(cuts) * 10 + n_prev)
    df = pd.DataFrame({"ts": np.sort(rng.integers(0, 500, 300)), "v": rng.normal(size=300),
                       "s": rng.choice(["a", "b", "c"], 300).astype(object)})
    main = np.sort(rng.integers(0, 500, 120))
    one = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[n_prev]).merge(main, df_groups=[df])
    m = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[n_prev])
    parts = []
    bounds = [0] + cuts + [500]
    for lo, hi in zip(bounds, bounds[1:]):
        mm = main[(main >= lo) & (main < hi)]
        dd = df[(df.ts >= lo) & (df.ts < hi)]
        parts.append(m.merge(mm, df_groups=[dd]))
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), one)
