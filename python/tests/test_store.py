# labels: quick oracle
"""Indexers, Store, OrderedParquetDataset, write() and iter_intersections (spec store.md)."""
import os

import numpy as np
import pandas as pd
import pytest

import oups
from oups import OrderedParquetDataset, Store, sublevel, toplevel


@sublevel
class SubLevel2:
    ma: str
    to: int
    ou: int


@sublevel
class SubLevel1:
    pu: int
    il: str
    iv: SubLevel2


@toplevel
class TopLevel:
    ma: str
    to: int
    of: SubLevel1


@sublevel
class SpaceTime:
    area: str
    season: str


@toplevel(field_sep=".")
class WeatherEntry:
    capital: str
    quantity: str
    spacetime: SpaceTime


@toplevel
class Indexer:
    id: str


def test_indexer_examples():  # spec §1.3, §1.4, §7.1
    k = TopLevel("aha", 2, SubLevel1(5, "oh", SubLevel2("ou", 3, 7)))
    assert str(k) == "aha-2-5-oh-ou-3-7"
    assert k.to_path() == "aha-2/5-oh/ou-3-7"
    assert TopLevel.depth == 3 and Indexer.depth == 1 and TopLevel.field_sep == "-"
    assert TopLevel.from_path(k.to_path()) == k and TopLevel.from_str(str(k)) == k
    assert str(Indexer(id="key1")) == "key1" == Indexer(id="key1").to_path()
    assert TopLevel.from_str("aha-x-5-oh-ou-3-7") is None
    assert oups.is_toplevel(TopLevel) and not oups.is_toplevel(SubLevel1)
    with pytest.raises(ValueError, match="use of a forbidden"):
        Indexer(id="a.b")
    with pytest.raises(TypeError, match="field type"):
        TopLevel("a", True, SubLevel1(5, "oh", SubLevel2("ou", 3, 7)))
    assert TopLevel("a", 1, SubLevel1(1, "b", SubLevel2("c", 1, 1))) < TopLevel("a", 2, SubLevel1(0, "b", SubLevel2("c", 1, 1)))


def test_store_discovery(tmp_path):  # spec §2.1 fixture
    files = ["london.temperature/greenwich.summer_opdmd", "london.temperature/westminster.winter_dummy",
             "paris.temperature/bastille.summer_opdmd", "stockholm.pressure/skansen.fall_opdmd",
             "stockholm.pressure/flemings.spring/innerplace.morning_opdmd"]
    for f in files:
        p = tmp_path / "store" / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.touch()
    (tmp_path / "store/paris.temperature/forgottendir").mkdir()
    st = Store(tmp_path / "store", WeatherEntry)
    assert repr(st) == ("london.temperature.greenwich.summer\nparis.temperature.bastille.summer\n"
                        "stockholm.pressure.skansen.fall")
    assert WeatherEntry("london", "temperature", SpaceTime("greenwich", "summer")) in st

    @toplevel
    class W2:
        capital: str
        quantity: str
        spacetime: SpaceTime
    assert len(Store(tmp_path / "store", W2)) == 0
    with pytest.raises(TypeError, match="has to be '@toplevel' decorated"):
        Store(tmp_path, SpaceTime)


def frame(ts, **cols):
    return pd.DataFrame({"ts": np.asarray(ts, dtype=np.int64), **cols})


def test_opd_write_read_slice_metadata(tmp_path):
    path = tmp_path / "ds"
    df = frame(range(8), v=np.arange(8.0))
    with OrderedParquetDataset(path, ordered_on="ts") as opd:
        assert opd.is_newly_initialized and len(opd) == 0
        opd.write(df=df, row_group_target_size=1, key_value_metadata={"custom_meta": "test_value"})
        assert len(opd) == 8 and opd.max_file_id == 7
        pd.testing.assert_frame_equal(opd.to_pandas(), df)
        pd.testing.assert_frame_equal(opd[2:4].to_pandas(), df.iloc[2:4].reset_index(drop=True))
        assert len(opd[1]) == 1 and len(opd[-1]) == 0 and len(opd[1:3][0]) == 1
        assert opd[::2].row_group_stats["file_ids"].tolist() == [0, 2, 4, 6]
        assert opd[1:4].max_file_id == 7
        with pytest.raises(PermissionError):
            opd[1:3].write(df=df)
        assert opd.key_value_metadata == {"custom_meta": "test_value"}
        opd.check()
        opd.remove_from_disk(preserve_metadata=True, release_lock=False)
        assert not os.path.exists(path) and not os.path.exists(str(path) + "_opdmd")
        assert len(opd) == 0 and opd.key_value_metadata["custom_meta"] == "test_value"
        assert opd.ordered_on == "ts"
    with OrderedParquetDataset(path) as opd:  # the lock was released
        assert len(opd) == 0


def test_write_merge_dedup_and_ordered_check(tmp_path):
    p = tmp_path / "ds"
    oups.write(p, ordered_on="ts", df=frame([1, 2, 3], v=[1.0, 2.0, 3.0]), row_group_target_size=2)
    oups.write(p, ordered_on="ts", df=frame([3, 4], v=[30.0, 4.0]), row_group_target_size=2, duplicates_on=[])
    oups.write(p, ordered_on="ts", df=frame([3], v=[33.0]), row_group_target_size=2, duplicates_on="ts")
    with OrderedParquetDataset(p) as opd:
        got = opd.to_pandas()
    assert got["ts"].tolist() == [1, 2, 3, 4] and got["v"].tolist() == [1.0, 2.0, 33.0, 4.0]
    with pytest.raises(ValueError) as e:
        oups.write(p, ordered_on="ts", df=frame([5, 4], v=[1.0, 2.0]))
    assert isinstance(e.value, oups.UnorderedError) and "ts" in str(e.value)
    with pytest.raises(ValueError, match="cannot be 0"):
        oups.write(p, ordered_on="ts", df=None, max_n_off_target_rgs=0)
    with pytest.raises(oups.Error):
        oups.write(p, ordered_on="other", df=frame([9], v=[1.0]))


def test_write_compression_writer_option(tmp_path):
    """writer_options: compression is forwarded to the Parquet writer, read back the same."""
    df = pd.DataFrame({"ts": pd.date_range("2020", periods=1000, freq="s"), "v": np.arange(1000.0)})
    sizes = {}
    for codec in ("zstd", "snappy", "none", None, "zstd:9", "default"):
        with OrderedParquetDataset(tmp_path / str(codec), ordered_on="ts") as opd:
            opd.write(df=df, **({} if codec == "default" else {"compression": codec}))
            pd.testing.assert_frame_equal(opd.to_pandas(), df)
        sizes[codec] = sum(f.stat().st_size for f in (tmp_path / str(codec)).iterdir())
    # the default is the reference's (fastparquet: uncompressed)
    assert sizes["default"] == sizes[None] == sizes["none"] > sizes["zstd"]
    with pytest.raises(oups.InvalidArgumentError, match="lzma"):
        oups.write(str(tmp_path / "bad"), ordered_on="ts", df=df, compression="lzma")


def test_write_time_period_strategy(tmp_path):  # spec §4.6: one row group per period
    ts = pd.date_range("2020-01-01 00:30", periods=12, freq="30min")
    df = pd.DataFrame({"ts": ts, "v": np.arange(12)})
    oups.write(tmp_path / "ds", ordered_on="ts", df=df, row_group_target_size="2h")
    with OrderedParquetDataset(tmp_path / "ds") as opd:
        st = opd.row_group_stats
        floors = [t.floor("2h") for t in st["ordered_on_mins"]]
        assert floors == sorted(set(floors))
        pd.testing.assert_frame_equal(opd.to_pandas(), df)


@pytest.mark.parametrize("keys", [np.arange(7) * 3, np.arange(7) * 0.5, pd.date_range("2024", periods=7, freq="h")])
def test_row_group_stats_frame(tmp_path, keys):
    """row_group_stats: the reference's frame (file_ids uint16, n_rows uint32, first and last key
    of each row group in the key's dtype), empty with the same columns before any write."""
    with OrderedParquetDataset(tmp_path / "ds", ordered_on="k") as opd:
        st = opd.row_group_stats
        assert list(st.columns) == ["file_ids", "n_rows", "ordered_on_mins", "ordered_on_maxs"] and len(st) == 0
        opd.write(df=pd.DataFrame({"k": keys, "v": np.arange(7)}), row_group_target_size=3)
        st = opd.row_group_stats
    k = pd.Series(keys)
    want = pd.DataFrame({"file_ids": np.array([0, 1, 2], np.uint16), "n_rows": np.array([3, 3, 1], np.uint32),
                         "ordered_on_mins": k.iloc[[0, 3, 6]].to_numpy(), "ordered_on_maxs": k.iloc[[2, 5, 6]].to_numpy()})
    pd.testing.assert_frame_equal(st, want)


def test_lock_timeout(tmp_path):
    opd = OrderedParquetDataset(tmp_path / "ds", ordered_on="ts")
    with pytest.raises(TimeoutError):
        OrderedParquetDataset(tmp_path / "ds", lock_timeout=0.05)
    opd.close()
    OrderedParquetDataset(tmp_path / "ds", lock_timeout=0.05).close()


def test_store_get_write_delete_and_intersections(tmp_path):
    st = Store(tmp_path / "store", Indexer)
    a, b = Indexer("a"), Indexer("b")
    with st[a] as opd:
        opd.write(df=frame([1, 3, 5, 7, 9], v=np.arange(5.0)), ordered_on="ts", row_group_target_size=2)
    with st[b] as opd:
        opd.write(df=frame([2, 6, 10], w=np.arange(3)), ordered_on="ts", row_group_target_size=1)
    assert list(st) == [a, b] and b in st
    steps = list(st.iter_intersections([a, b], start=3, end_excl=10))
    got_a = pd.concat([s[a] for s in steps if a in s], ignore_index=True)
    got_b = pd.concat([s[b] for s in steps if b in s], ignore_index=True)
    assert got_a["ts"].tolist() == [3, 5, 7, 9] and got_b["ts"].tolist() == [6]
    # n_prev: warm-up rows before start for the first step
    first = next(st.iter_intersections([a, b], start=5, n_prev=[1, 0]))
    assert first[a]["ts"].tolist()[0] == 3
    # locks released after (and while abandoning) the iteration
    it = st.iter_intersections([a], start=0)
    next(it)
    it.close()
    with st[a] as opd:
        assert len(opd) == 3
    del st[b]
    assert list(st) == [a]
    with pytest.raises(KeyError, match="not found in store"):
        del st[b]


def test_threads_and_handle_guards(tmp_path):
    """Different datasets in parallel threads (the GIL is released in C); a dataset cannot be
    closed while an iteration borrows it."""
    import threading
    paths = [tmp_path / f"d{i}" for i in range(4)]
    errors = []

    def work(p, k):
        try:
            df = frame(np.arange(20000) * 2 + k, v=np.arange(20000.0) + k)
            oups.write(p, ordered_on="ts", df=df, row_group_target_size=3000)
            with OrderedParquetDataset(p) as o:
                pd.testing.assert_frame_equal(o.to_pandas(), df)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
    threads = [threading.Thread(target=work, args=(p, k)) for k, p in enumerate(paths)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    opd = OrderedParquetDataset(paths[0])
    it = oups.iter_intersections([opd], start=0)
    next(it)
    with pytest.raises(oups.StateError):
        opd.close()
    it.close()
    del it
    import gc
    gc.collect()
    opd.close()


from hypothesis import given, strategies as st  # noqa: E402


@given(st.lists(st.integers(1, 299), max_size=6, unique=True).map(sorted), st.sampled_from([None, "ts"]),
       st.sampled_from([7, 50, 1000]))
def test_chunked_writes_equal_one_shot(tmp_path_factory, cuts, dup, rg_size):
    """Writing the rows in any number of consecutive chunks gives the one-shot dataset's rows
    (keys with runs of equal values, so cuts fall inside runs; dedup: last occurrence wins)."""
    rng = np.random.default_rng(len(cuts))
    ts = np.sort(rng.integers(0, 60, 300))
    df = frame(ts, v=np.arange(300.0), s=rng.choice(["x", "yy", None], 300).astype(object))
    root = tmp_path_factory.mktemp("w")
    oups.write(root / "one", ordered_on="ts", df=df, row_group_target_size=rg_size, duplicates_on=dup)
    bounds = [0] + cuts + [300]
    for lo, hi in zip(bounds, bounds[1:]):
        oups.write(root / "chunked", ordered_on="ts", df=df.iloc[lo:hi], row_group_target_size=rg_size,
                   duplicates_on=dup)
    with OrderedParquetDataset(root / "one") as a, OrderedParquetDataset(root / "chunked") as b:
        one, chunked = a.to_pandas(), b.to_pandas()
        b.check()
    if dup is None:
        pd.testing.assert_frame_equal(chunked, one)
    else:
        expected = df.drop_duplicates("ts", keep="last").reset_index(drop=True)
        pd.testing.assert_frame_equal(one, expected)
        pd.testing.assert_frame_equal(chunked, expected)


@pytest.mark.parametrize("freq", ["15min", "2h", "D", "MS"])
def test_period_row_groups_equal_pandas_resample_bins(tmp_path, freq):
    """Oracle: with a frequency row_group_target_size, row group k holds exactly the rows of
    the k-th non-empty pandas resample(freq) bin."""
    rng = np.random.default_rng(11)
    span = {"15min": 10**13, "2h": 10**14, "D": 10**15, "MS": 3 * 10**16}[freq]
    ts = pd.to_datetime(np.sort(rng.integers(0, span, 2000)) + pd.Timestamp("2023-12-30").value)
    df = pd.DataFrame({"ts": ts, "v": np.arange(2000)})
    oups.write(tmp_path / "p", ordered_on="ts", df=df, row_group_target_size=freq)
    sizes = df.resample(freq, on="ts").size()
    with OrderedParquetDataset(tmp_path / "p") as o:
        assert o.row_group_stats["n_rows"].tolist() == sizes[sizes > 0].tolist()
        pd.testing.assert_frame_equal(o.to_pandas(), df)


@given(st.integers(0, 2**32), st.sampled_from([None, 0, 25, 60]), st.sampled_from([None, 30, 59, 100]),
       st.integers(0, 3), st.sampled_from([1, 4, 9]))
def test_intersections_columns_equal_full_read_projected(tmp_path_factory, seed, start, end, n_prev, rg):
    """columns= reads only the chosen columns (plus ordered_on, appended when not listed):
    every step equals the all-columns step projected on them, whatever the bounds, n_prev,
    row-group sizes (runs of equal keys across row groups) and selections."""
    rng = np.random.default_rng(seed)
    root = tmp_path_factory.mktemp("cols")
    s = Store(root, Indexer)
    keys = [Indexer("a"), Indexer("b"), Indexer("c")]
    for k, n in zip(keys, rng.integers(0, 40, 3)):
        ts = np.sort(rng.integers(0, 80, n))
        df = frame(ts, x=rng.normal(size=n), y=rng.integers(0, 9, n), z=rng.choice(["p", None, "qq"], n).astype(object))
        if n:
            s[k].write(df=df, ordered_on="ts", row_group_target_size=rg)
    keys = [k for k in keys if k in s]
    names = ["x", "y", "z", "ts"]
    sel = {k: list(rng.permutation(names)[:rng.integers(0, 5)]) for k in keys if rng.random() < 0.8}
    kw = dict(start=start, end_excl=end, n_prev=n_prev)
    full = list(s.iter_intersections(keys, **kw))
    got = list(s.iter_intersections(keys, columns=sel, **kw))
    assert len(got) == len(full)
    for f, g in zip(full, got):
        assert list(g) == list(f)
        for k, df in g.items():
            want = sel.get(k, list(f[k].columns))
            want = want + ([] if "ts" in want else ["ts"])
            pd.testing.assert_frame_equal(df, f[k][want])
    # the same selection for every dataset, and the refusals
    if keys:
        assert all(list(df.columns) == ["y", "ts"] for step in s.iter_intersections(keys, columns=["y"], **kw)
                   for df in step.values())
        with pytest.raises(oups.NotFoundError, match="nope"):
            list(s.iter_intersections(keys, columns=["nope"]))
        with pytest.raises(TypeError):
            list(s.iter_intersections(keys, columns="x"))
        with pytest.raises(ValueError):
            list(s.iter_intersections(keys, columns={Indexer("zz"): ["x"]}))
