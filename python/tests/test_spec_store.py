# labels: quick
"""The store spec's own worked examples (store.md §7), through the Python API."""
import os

import numpy as np
import pandas as pd
import pytest

from oups import OrderedParquetDataset, Store, sublevel, toplevel, write


def rgs(opd, col="a"):
    return [opd[i].to_pandas()[col].tolist() for i in range(len(opd))]


def existing(path, groups, with_b=True):
    """A dataset with explicit row groups (the §3.4 primitive), b=0 marking old rows."""
    opd = OrderedParquetDataset(path, ordered_on="a")
    chunks = [pd.DataFrame({"a": np.array(g, dtype=np.int64), "b": np.zeros(len(g), dtype=np.int64)}) for g in groups]
    opd._write_row_group_files(chunks)
    return opd


def new(keys):
    return pd.DataFrame({"a": np.array(keys, dtype=np.int64), "b": np.ones(len(keys), dtype=np.int64)})


def marked(opd):
    return [[f"{a}n" if b else a for a, b in zip(df["a"], df["b"])]
            for df in (opd[i].to_pandas() for i in range(len(opd)))]


@sublevel
class SpaceTime:
    area: str
    season: str


@toplevel
class WeatherEntry:
    capital: str
    quantity: str
    spacetime: SpaceTime


def test_st2(tmp_path):
    st = Store(tmp_path, WeatherEntry)
    we = WeatherEntry("paris", "temperature", SpaceTime("notredame", "winter"))
    df = pd.DataFrame({"timestamp": pd.to_datetime(["2021-01-01 08:00", "2021-01-01 10:00"]),
                       "temperature": [8.4, 5.3]})
    with st[we] as opd:
        opd.write(ordered_on="timestamp", df=df)
    assert we in st
    with st[we] as opd:
        pd.testing.assert_frame_equal(opd.to_pandas(), df)
    df4 = pd.DataFrame({"timestamp": pd.date_range("2021-01-01 08:00", periods=4, freq="2h"),
                        "temperature": [8.4, 5.3, 4.9, 2.3]})
    with st[we] as opd:
        opd.remove_from_disk(release_lock=False)
        opd.write(ordered_on="timestamp", df=df4, row_group_target_size=2)
        pd.testing.assert_frame_equal(opd[0].to_pandas(), df4.iloc[:2])
    assert os.path.exists(tmp_path / "paris-temperature/notredame-winter/file_00000.parquet")
    assert os.path.exists(tmp_path / "paris-temperature/notredame-winter_opdmd")


def test_st5(tmp_path):
    @toplevel
    class K:
        capital: str
        quantity: str
    st = Store(tmp_path, K)
    we1, we2 = K("paris", "temperature"), K("london", "temperature")
    h = lambda hs: pd.to_datetime([f"2021-01-01 {x:02d}:00" for x in hs])  # noqa: E731
    with st[we1] as o:
        o.write(ordered_on="ts", df=pd.DataFrame({"ts": h([8, 10, 12, 14]), "t": [8, 5, 4, 2]}), row_group_target_size=2)
    with st[we2] as o:
        o.write(ordered_on="ts", df=pd.DataFrame({"ts": h([9, 11, 13, 15]), "t": [18, 15, 14, 12]}),
                row_group_target_size=2)
    steps = list(st.iter_intersections([we1, we2]))
    hours = [[s[k]["ts"].dt.hour.tolist() for k in (we1, we2)] for s in steps]
    assert hours == [[[8, 10], [9, 11]], [[12], []], [[14], [13, 15]]]
    assert list(steps[1][we2].columns) == ["ts", "t"]


def test_o1_o2_o6(tmp_path):
    p = tmp_path / "sub" / "ds"
    with OrderedParquetDataset(p, ordered_on="a") as opd:
        assert opd.dirpath == str(p) and opd.ordered_on == "a" and opd.is_newly_initialized
        assert opd.key_value_metadata == {} and len(opd.row_group_stats) == 0
        assert sorted(os.listdir(tmp_path / "sub")) == ["ds.lock"]
    ref = pd.DataFrame({"timestamp": pd.date_range("2021-01-01 08:00", periods=8, freq="2h"),
                        "temperature": [8.4, 5.3, 4.9, 2.3, 1.0, 0.5, 0.2, 0.1]})
    q = tmp_path / "o2"
    opd = OrderedParquetDataset(q, ordered_on="timestamp")
    opd._write_row_group_files([ref.iloc[i:i + 1] for i in range(8)])
    assert len(opd) == 8 and opd.max_file_id == 7 and not opd.is_newly_initialized
    assert sorted(os.listdir(q)) == [f"file_{i:05d}.parquet" for i in range(8)]
    pd.testing.assert_frame_equal(opd.to_pandas(), ref)
    pd.testing.assert_frame_equal(opd[2:4].to_pandas(), ref.iloc[2:4].reset_index(drop=True))
    assert opd[2:4].row_group_stats["file_ids"].max() == 3 and opd[2:4].max_file_id == 7
    opd.close()
    with pytest.raises(ValueError, match="b"):
        OrderedParquetDataset(q, ordered_on="b")
    OrderedParquetDataset(q, ordered_on="timestamp", lock_timeout=1).close()


def test_w1(tmp_path):
    p = tmp_path / "w"
    write(p, ordered_on="a", df=pd.DataFrame({"a": range(6), "b": ["ah", "oh", "uh", "ih", "ai", "oi"]}),
          row_group_target_size=2)
    with OrderedParquetDataset(p) as o:
        assert rgs(o) == [[0, 1], [2, 3], [4, 5]]
    write(p, ordered_on="a", df=pd.DataFrame({"a": [6, 7], "b": ["at", "of"]}), row_group_target_size=2)
    with OrderedParquetDataset(p) as o:
        assert rgs(o) == [[0, 1], [2, 3], [4, 5], [6, 7]]
        assert o.row_group_stats["file_ids"].tolist() == [0, 1, 2, 3]


W14 = [[0, 2, 4, 6], [6, 7, 8, 10], [11, 11, 12, 12], [13]]


@pytest.mark.parametrize("case,keys,dup,expected", [
    ("a", [3, 4, 13, 14], "a", [[0, 2, "3n", "4n"], [6], [6, 7, 8, 10], [11, 11, 12, 12], ["13n", "14n"]]),
    ("b", [3, 6, 13, 14], "a", [[0, 2, "3n", 4], ["6n", 7, 8, 10], [11, 11, 12, 12], ["13n", "14n"]]),
    ("c", [3, 6, 13, 14], None, [[0, 2, "3n", 4], [6, 6, "6n", 7], [8, 10], [11, 11, 12, 12], [13, "13n", "14n"]]),
    ("d", [6, 7, 13, 14], None, [[0, 2, 4, 6], [6, "6n", 7, "7n"], [8, 10], [11, 11, 12, 12], [13, "13n", "14n"]]),
])
def test_w14_islands(tmp_path, case, keys, dup, expected):  # case a: the [REQUIRED] result
    opd = existing(tmp_path / case, W14)
    opd.write(df=new(keys), row_group_target_size=4, max_n_off_target_rgs=1, duplicates_on=dup)
    assert marked(opd) == expected
    opd.check()
    opd.close()


@pytest.mark.parametrize("max_off,expected", [
    (3, [[0, 1, 2, 6], [7, 8, 9, 10], [11], [12], ["12n"]]),
    (None, [[0, 1, 2, 6], [7, 8, 9, 10], [11], [12], ["12n"]]),
    (2, [[0, 1, 2, 6], [7, 8, 9, 10], [11, 12, "12n"]]),
])
def test_w19(tmp_path, max_off, expected):
    opd = existing(tmp_path / "w", [[0, 1, 2, 6], [7, 8, 9, 10], [11], [12]])
    opd.write(df=new([12]), row_group_target_size=4, max_n_off_target_rgs=max_off)
    assert marked(opd) == expected


def test_w21(tmp_path):
    opd = existing(tmp_path / "w", [[0, 1, 2], [6, 7, 8], [9]])
    opd.write(df=new([3]), row_group_target_size=3, max_n_off_target_rgs=2)
    assert marked(opd) == [[0, 1, 2], ["3n"], [6, 7, 8], [9]]


@pytest.mark.parametrize("groups,max_off,expected", [
    ([[1, 1, 1, 1, 2, 2, 2, 2], [4, 4, 4, 4, 4, 6, 6, 6, 6, 6]], 1,
     [[1, 1, 1, 1], [2, 2, 2, 2], [4, 4, 4, 4], [4, 6, 6, 6], [6, 6]]),
    ([[1, 1, 2, 2], [4, 5, 6, 6]], 1, [[1, 1, 2, 2], [4, 5, 6, 6]]),
    ([[1, 2], [3]], 1, [[1, 2, 3]]),
    ([[1, 2], [3]], None, [[1, 2], [3]]),
])
@pytest.mark.parametrize("empty_df", [False, True])
def test_w23_resize(tmp_path, groups, max_off, expected, empty_df):
    opd = existing(tmp_path / "w", groups)
    opd.write(df=new([]) if empty_df else None, row_group_target_size=4, max_n_off_target_rgs=max_off)
    assert rgs(opd) == expected


def test_w27(tmp_path):
    df = pd.DataFrame({"a": [1, 1, 2, 2, 2], "b": [1, 2, 3, 4, 5]})
    write(tmp_path / "x", ordered_on="a", df=df, row_group_target_size=2)
    with OrderedParquetDataset(tmp_path / "x") as o:
        assert [o[i].to_pandas()["b"].tolist() for i in range(len(o))] == [[1, 2], [3, 4], [5]]
    write(tmp_path / "y", ordered_on="a", df=df, row_group_target_size=2, duplicates_on="a")
    with OrderedParquetDataset(tmp_path / "y") as o:
        assert o.to_pandas()["b"].tolist() == [2, 5]


def test_t8_t9_t11(tmp_path):
    t = lambda xs: pd.to_datetime([f"2020-01-01 {x}" for x in xs])  # noqa: E731
    write(tmp_path / "t8", ordered_on="ts", df=pd.DataFrame({"ts": t(["08:00", "09:59", "10:00", "13:30", "13:59",
                                                                        "14:00"])}), row_group_target_size="2h")
    with OrderedParquetDataset(tmp_path / "t8") as o:
        assert [o[i].to_pandas()["ts"].dt.strftime("%H:%M").tolist() for i in range(len(o))] == \
            [["08:00", "09:59"], ["10:00"], ["13:30", "13:59"], ["14:00"]]
    for max_off, expected in [(None, [["01-05", "01-20"], ["02-03"], ["02-10"], ["03-01", "03-15"]]),
                              (1, [["01-05", "01-20"], ["02-03", "02-10"], ["03-01", "03-15"]])]:
        p = tmp_path / f"t9{max_off}"
        o = OrderedParquetDataset(p, ordered_on="ts")
        o._write_row_group_files([pd.DataFrame({"ts": pd.to_datetime(["2024-01-05", "2024-01-20"])}),
                                  pd.DataFrame({"ts": pd.to_datetime(["2024-02-03"])})])
        o.write(df=pd.DataFrame({"ts": pd.to_datetime(["2024-02-10", "2024-03-01", "2024-03-15"])}),
                row_group_target_size="MS", max_n_off_target_rgs=max_off)
        assert [o[i].to_pandas()["ts"].dt.strftime("%m-%d").tolist() for i in range(len(o))] == expected
        o.close()
    for max_off, expected in [(1, [[8, 9], [10, 11]]), (None, [[8], [9], [10], [11]])]:
        o = OrderedParquetDataset(tmp_path / f"t11{max_off}", ordered_on="ts")
        o._write_row_group_files([pd.DataFrame({"ts": t([f"{h:02d}:00"])}) for h in (8, 9, 10, 11)])
        o.write(df=None, row_group_target_size="2h", max_n_off_target_rgs=max_off)
        assert [o[i].to_pandas()["ts"].dt.hour.tolist() for i in range(len(o))] == expected
        o.close()


def test_e1(tmp_path):
    write(tmp_path / "e", ordered_on="a", df=new([1, 2]))
    with pytest.raises(ValueError):
        write(tmp_path / "e", ordered_on="a", df=new([3, 1]))
    with OrderedParquetDataset(tmp_path / "e") as o:
        assert o.to_pandas()["a"].tolist() == [1, 2]


def f3(tmp_path):
    @toplevel
    class K:
        name: str
    st = Store(tmp_path, K)
    data = {
        "key1": ["08:00", "09:00", "10:00", "10:00", "10:00", "10:00", "14:00", "14:15", "18:15", "18:15"],
        "key2": ["08:35", "08:35", "08:35", "10:00", "12:10", "12:10", "12:10", "12:10", "14:00", "15:15", "18:00",
                 "19:15"],
        "key3": ["15:15", "16:00", "18:15", "19:00", "22:00", "22:05", "22:05", "22:05"],
    }
    keys = []
    for name, hs in data.items():
        df = pd.DataFrame({"ts": pd.to_datetime([f"2025-01-01 {h}" for h in hs]), "v": np.arange(len(hs))})
        with st[K(name)] as o:
            o.write(ordered_on="ts", df=df, row_group_target_size=2)
        keys.append(K(name))
    return st, keys


def test_i1_i3(tmp_path):
    st, keys = f3(tmp_path)
    steps = [[s[k]["v"].tolist() for k in keys] for s in st.iter_intersections(keys)]
    assert steps == [[[0, 1], [0, 1, 2], []], [[2, 3, 4, 5], [3], []], [[], [4, 5, 6, 7], []],
                     [[6, 7], [8, 9], [0, 1]], [[], [10], []], [[8, 9], [11], [2, 3]], [[], [], [4, 5, 6, 7]]]
    again = [[s[k]["v"].tolist() for k in keys] for s in st.iter_intersections(keys, n_prev=2)]
    assert again == steps
    i3 = list(st.iter_intersections(keys, start=pd.Timestamp("2025-01-01 09:00"),
                                    end_excl=pd.Timestamp("2025-01-01 14:00")))
    assert all(keys[2] not in s for s in i3)
    assert [[s[k]["v"].tolist() for k in keys[:2]] for s in i3] == [[[1], []], [[2, 3, 4, 5], [3]], [[], [4, 5, 6, 7]]]
