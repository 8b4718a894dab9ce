# labels: quick
"""The AsofMerger spec's worked examples (asof_merger.md §11), through the Python API.
Symbols a, b, c, d are 1.0, 2.0, 3.0, 4.0; the zero fill is 0.0."""
import numpy as np
import pandas as pd
import pytest

import oups
from oups import AsofMerger

a, b, c, d = 1.0, 2.0, 3.0, 4.0


def t(ts, v):
    return pd.DataFrame({"ts": np.array(ts, dtype=np.int64), "v": v})


def merge(main, table, **kw):
    return AsofMerger(on="ts", n_dfs_per_group=1, **kw).merge(np.array(main, dtype=np.int64), df_groups=[table])


def rows(df):
    return [list(r) for r in df.itertuples(index=False)]


def test_examples_1_2():
    for allow in (False, True):
        got = merge([10, 20, 30], t([5, 15, 25], [a, b, c]), n_prev=[1], allow_exact_matches=[allow])
        assert rows(got) == [[10, 0, a], [20, a, b], [30, b, c]]


def test_example_3_ties():
    tab = t([5, 15, 25], [a, b, c])
    assert rows(merge([5, 15, 25], tab, n_prev=[1], allow_exact_matches=[False])) == [[5, 0, 0], [15, 0, a], [25, a, b]]
    assert rows(merge([5, 15, 25], tab, n_prev=[1], allow_exact_matches=[True])) == [[5, 0, a], [15, a, b], [25, b, c]]


def test_example_4_guard():
    m = AsofMerger(on="ts", n_dfs_per_group=1)
    got = m.merge(np.array([10, 20, 30]), df_groups=[t([15, 25, 35], [a, b, c])])
    assert list(got.columns) == ["ts", "v"] and rows(got) == [[10, 0.0], [20, a], [30, b]]
    assert m._conf.fill_block(0, 0).to_pandas()["v"].tolist() == [c]


def test_example_5_fill_values_init():
    fill = pd.DataFrame({"v": [-1.0, -2.0, -3.0]})  # x, y, z
    m = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[2], n_prev_suffix_start=1, fill_values_init=[[fill]])
    got = m.merge(np.array([3, 10, 30]), df_groups=[t([5, 15, 25], [a, b, c])])
    assert list(got.columns) == ["ts", "v_3", "v_2", "v_1"]
    assert rows(got) == [[3, -1.0, -2.0, -3.0], [10, -2.0, -3.0, a], [30, a, b, c]]


def test_example_6_duplicate_keys():
    tab = t([10, 10, 20], [a, b, c])
    assert rows(merge([10, 15], tab, n_prev=[1], allow_exact_matches=[True])) == [[10, a, b], [15, a, b]]
    assert rows(merge([10, 15], tab, n_prev=[1], allow_exact_matches=[False])) == [[10, 0, 0], [15, a, b]]


def test_example_7_two_tables_mixed_dtypes():
    A = pd.DataFrame({"ts": [10, 20], "p": [1.5, 2.5], "q": [7, 8], "r": [0.1, 0.2]})
    B = pd.DataFrame({"ts": [12, 18, 22], "s": [100, 200, 300]})
    m = AsofMerger(on="ts", n_dfs_per_group=2, prefixes=["A_", "B_"], allow_exact_matches=[True, False],
                   n_prev=[0, 1])
    got = m.merge(np.array([15, 20, 25]), df_groups=[A, B])
    assert list(got.columns) == ["ts", "A_p", "A_r", "A_q", "B_s_1", "B_s_0"]
    assert rows(got) == [[15, 1.5, 0.1, 7, 0, 100], [20, 2.5, 0.2, 8, 100, 200], [25, 2.5, 0.2, 8, 200, 300]]
    assert [str(x) for x in got.dtypes] == ["int64", "float64", "float64", "int64", "int64", "int64"]
    assert m._conf.fill_block(0, 1).to_pandas()["s"].tolist() == [200, 300]


G0, G1 = pd.DataFrame({"ts": [5, 15, 25], "v": [1, 2, 3]}), pd.DataFrame({"ts": [12, 18, 28], "v": [10, 20, 30]})
MAIN8, COMB8 = np.array([10, 10, 20, 30]), [[0, 1], [1, 0], [0, 0], [1, 0]]


def test_example_8_combinations():
    m = AsofMerger(on="ts", n_dfs_per_group=1, prefixes=[["L_"], ["R_"]])
    got = m.merge(MAIN8, df_groups=[[G0], [G1]], combinations=COMB8)
    assert rows(got) == [[10, 1, 0], [10, 0, 1], [20, 2, 2], [30, 30, 3]]


def test_example_9_combinations_windows():
    m = AsofMerger(on="ts", n_dfs_per_group=1, prefixes=[["L_"], ["R_"]], n_prev=[1])
    got = m.merge(MAIN8, df_groups=[[G0], [G1]], combinations=COMB8)
    assert list(got.columns) == ["ts", "L_v_1", "L_v_0", "R_v_1", "R_v_0"]
    assert rows(got) == [[10, 0, 1, 0, 0], [10, 0, 0, 0, 1], [20, 1, 2, 1, 2], [30, 20, 30, 2, 3]]
    assert m._conf.fill_block(1, 0).to_pandas()["v"].tolist() == [20, 30]


def test_example_10_carry_over():
    m = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[1])
    r1 = m.merge(np.array([10, 20]), df_groups=[t([5, 15], [a, b])])
    r2 = m.merge(np.array([22, 30, 40]), df_groups=[t([25, 35], [c, d])])
    assert rows(r1) == [[10, 0, a], [20, a, b]] and rows(r2) == [[22, a, b], [30, b, c], [40, c, d]]
    one = merge([10, 20, 22, 30, 40], t([5, 15, 25, 35], [a, b, c, d]), n_prev=[1])
    pd.testing.assert_frame_equal(pd.concat([r1, r2], ignore_index=True), one)


def test_example_11_short_chunk():
    m = AsofMerger(on="ts", n_dfs_per_group=1, n_prev=[2])
    assert rows(m.merge(np.array([10]), df_groups=[t([5, 15], [a, b])])) == [[10, 0, 0, a]]
    assert rows(m.merge(np.array([20]), df_groups=[t([25], [c])])) == [[20, 0, a, b]]


def test_example_12_empty_chunk():
    m = AsofMerger(on="ts", n_dfs_per_group=1)
    assert m.merge(np.array([10, 20]), df_groups=[t([5, 15], [a, b])])["v"].tolist() == [a, b]
    assert m.merge(np.array([30, 40]), df_groups=[t([], [])])["v"].tolist() == [b, b]
    assert m.merge(np.array([50]), df_groups=[t([45], [c])])["v"].tolist() == [c]


def test_name_collision_is_an_error():  # §7.4 quirk: oups refuses duplicate output names
    m = AsofMerger(on="ts", n_dfs_per_group=1)
    with pytest.raises(oups.InvalidArgumentError, match="duplicate|v"):
        m.merge(MAIN8, df_groups=[[G0], [G1]], combinations=COMB8)
