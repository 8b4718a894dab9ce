# labels: quick
"""Tables <-> pandas/numpy: dtypes, nulls, zero-copy, the Arrow PyCapsule interface."""
import numpy as np
import pandas as pd
import pytest

import oups
from oups import _oups


def roundtrip(df):
    return oups.frame_to_table(df).to_pandas()


def test_dtypes_round_trip():
    df = pd.DataFrame({
        "i8": np.array([1, -2, 3], dtype=np.int8), "i16": np.array([1, 2, -3], dtype=np.int16),
        "i32": np.array([1, 2, 3], dtype=np.int32), "i64": np.array([1, 2, 3]),
        "u8": np.array([1, 2, 255], dtype=np.uint8), "u64": np.array([1, 2, 2**64 - 1], dtype=np.uint64),
        "f32": np.array([1.5, 2, 3], dtype=np.float32), "f64": [0.5, np.nan, -0.0],
        "b": [True, False, True], "ts": pd.to_datetime(["2020-01-01", "2021-06-01 12:00", "1969-12-31"]),
        "tz": pd.date_range("2020-03-29", periods=3, freq="h", tz="Europe/Paris"),
        "s": ["a", "", "ü"], "bin": [b"\x00", b"", b"xyz"],
    })
    back = roundtrip(df)
    pd.testing.assert_frame_equal(back, df)


def test_nulls():
    df = pd.DataFrame({
        "n": pd.array([1, None, 3], dtype="Int64"), "u": pd.array([None, 2, 3], dtype="UInt8"),
        "bb": pd.array([True, None, False], dtype="boolean"),
        "ts": pd.to_datetime(["2020-01-01", None, "2020-01-03"]), "s": ["a", None, "c"],
        "ss": pd.array(["x", None, "z"], dtype="string"),
    })
    t = oups.frame_to_table(df)
    back = t.to_pandas()
    pd.testing.assert_series_equal(back["n"], df["n"])
    pd.testing.assert_series_equal(back["u"], df["u"])
    pd.testing.assert_series_equal(back["bb"], df["bb"])
    pd.testing.assert_series_equal(back["ts"], df["ts"])
    assert back["s"].tolist() == ["a", None, "c"]
    assert back["ss"].tolist() == ["x", None, "z"]


def test_time_zones():
    import datetime
    import pytz
    for tz in ["UTC", "Europe/Paris", datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),
               pytz.FixedOffset(60), datetime.timezone.utc]:
        df = pd.DataFrame({"t": pd.date_range("2020-03-29", periods=4, freq="h", tz=tz)})
        t = oups.frame_to_table(df)
        back = t.to_pandas()
        assert (back["t"] == df["t"]).all() and back["t"].dt.tz is not None, tz
        assert "+" not in t.schema[0][1] or t.schema[0][1].endswith("+01:00]")


def test_categorical_is_stored_decoded():
    df = pd.DataFrame({"c": pd.Categorical(["x", "y", "x"]), "k": pd.Categorical([1, 2, 1])})
    back = roundtrip(df)
    assert back["c"].tolist() == ["x", "y", "x"]
    assert back["k"].tolist() == [1, 2, 1]


def test_zero_copy_both_ways():
    a = np.arange(1000, dtype=np.int64)
    ts = pd.date_range("2020", periods=1000, freq="s")
    df = pd.DataFrame({"a": a, "ts": ts, "f": a * 0.5})
    t = oups.frame_to_table(df)
    back = t.to_pandas()
    for c in ("a", "ts", "f"):
        assert np.shares_memory(back[c].to_numpy(), df[c].to_numpy()), c
    # arrays made from oups columns are read-only (columns are immutable and shared)
    name, kind, values, mask, extra = t.column(0)
    assert not values.flags.writeable
    # the table keeps the numpy memory alive after the frame is gone
    del df, a, back, values
    assert t.to_pandas()["a"].iloc[-1] == 999


def test_empty_and_single_row():
    df = pd.DataFrame({"a": np.array([], dtype=np.int64), "s": np.array([], dtype=object)})
    t = oups.frame_to_table(df)
    assert t.num_rows == 0
    assert list(t.to_pandas().columns) == ["a", "s"]
    one = pd.DataFrame({"a": [7], "ts": [pd.Timestamp("2020-01-01")]})
    pd.testing.assert_frame_equal(roundtrip(one), one)


def test_arrow_capsules_round_trip():
    df = pd.DataFrame({"a": [1, 2, 3], "s": ["x", None, "z"], "ts": pd.date_range("2020", periods=3)})
    t = oups.frame_to_table(df)
    schema = t.__arrow_c_schema__()
    assert type(schema).__name__ == "PyCapsule"
    s, a = t.__arrow_c_array__()
    assert type(s).__name__ == "PyCapsule" and type(a).__name__ == "PyCapsule"

    class Provider:  # a foreign producer exposing only __arrow_c_array__ / __arrow_c_stream__
        def __init__(self, t, stream):
            self.t, self.stream = t, stream

        def __getattr__(self, name):
            if name == "__arrow_c_stream__" and self.stream:
                return self.t.__arrow_c_stream__
            if name == "__arrow_c_array__" and not self.stream:
                return self.t.__arrow_c_array__
            raise AttributeError(name)

    for stream in (True, False):
        t2 = oups.Table.from_arrow(Provider(t, stream))
        assert t2.equals(t) is True
        pd.testing.assert_frame_equal(t2.to_pandas(), df)
    # accepted wherever a frame is
    assert oups.frame_to_table(Provider(t, True)).num_rows == 3


def test_slice_and_equals():
    t = oups.frame_to_table(pd.DataFrame({"a": np.arange(10)}))
    s = t.slice(2, 3)
    assert s.to_pandas()["a"].tolist() == [2, 3, 4]
    assert "row count" in t.equals(s)


def test_errors_are_oups_errors():
    with pytest.raises(TypeError, match="column 'x' row 1"):
        oups.frame_to_table(pd.DataFrame({"x": ["a", 3]}))
    with pytest.raises(oups.InvalidArgumentError):
        oups.frame_to_table(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(oups.Error):
        t = oups.frame_to_table(pd.DataFrame({"a": [1]}))
        t.slice(0, 5)
    assert issubclass(oups.UnorderedError, ValueError)
    assert issubclass(oups.LockTimeoutError, TimeoutError)
    assert issubclass(oups.ReadOnlyError, PermissionError)
    assert _oups.Error is oups.Error


def test_frame_layouts_of_the_fast_paths():
    """frame_to_table reads pandas' blocks directly: every layout gives the same table."""
    two_d = pd.DataFrame(np.arange(12, dtype=np.int64).reshape(4, 3))  # one F-ordered block, int names
    t = oups.frame_to_table(two_d)
    assert t.column_names == ["0", "1", "2"]
    assert t.to_pandas()["1"].tolist() == [1, 4, 7, 10]
    mixed = pd.DataFrame({"a": np.arange(5), "ts": pd.date_range("2020", periods=5, freq="s")})
    mixed["f"] = mixed["a"] * 0.5  # a second, unconsolidated float block
    mixed.insert(1, "b", mixed["a"] % 2 == 0)  # bool block placed between the others
    mixed["s"] = list("vwxyz")
    sliced = mixed.iloc[1:4]  # block views with an offset
    for df in (mixed, sliced, mixed[["f", "a"]], mixed.set_index("s")):
        back = oups.frame_to_table(df).to_pandas()
        pd.testing.assert_frame_equal(back, df.reset_index(drop=True))  # the index is not stored
    # a column list given by the caller: (name, array) takes the dtype, others the full tuple
    t = _oups.table_from_columns([("x", np.array([1.5])), ("ts", np.array([3], dtype="M8[ns]"))])
    assert t.schema == [("x", "float64"), ("ts", "timestamp[ns]")]
    with pytest.raises(TypeError, match="column 'y'"):
        _oups.table_from_columns([("y", np.array([1], dtype=">i8"))])
    with pytest.raises(TypeError, match="column 'y'"):
        _oups.table_from_columns([("y", np.array([1], dtype="M8[us]"))])


def test_frames_built_share_nothing_mutable():
    """Column and row indexes are cached (immutable); frames stay independent of each other."""
    t = oups.frame_to_table(pd.DataFrame({"a": [1, 2], "ts": pd.to_datetime(["2020", "2021"])}))
    f1, f2 = t.to_pandas(), t.to_pandas()
    f1.columns = ["x", "y"]
    f1["z"] = 1
    f1 = f1.copy()
    f1.iloc[0, 0] = 100
    assert list(f2.columns) == ["a", "ts"] and f2["a"].tolist() == [1, 2]
    assert list(t.to_pandas().columns) == ["a", "ts"]
    assert f2["ts"].dtype == np.dtype("M8[ns]") and not f2["a"].to_numpy().flags.writeable


def test_table_level_api():
    """Tables all the way: columns as numpy views, select, concat, ops returning Tables."""
    ts = pd.date_range("2020-01-01", periods=6, freq="20s")
    t = oups.frame_to_table(pd.DataFrame({"ts": ts, "v": np.arange(6.0), "n": pd.array([1, None, 3, 4, 5, 6],
                                                                                      dtype="Int64")}))
    v = t["v"]
    assert v.dtype == np.float64 and not v.flags.writeable and v.tolist() == list(np.arange(6.0))
    assert t["ts"].dtype == np.dtype("M8[ns]") and (t["ts"] == ts.to_numpy()).all()
    assert t["n"].tolist() == t.to_pandas()["n"].tolist()  # nulls: as to_pandas gives them
    with pytest.raises(KeyError, match="'nope'"):
        t["nope"]
    assert t[["v", "ts"]].column_names == ["v", "ts"]
    with pytest.raises(oups.NotFoundError):
        t[["nope"]]
    both = oups.concat_tables([t.slice(0, 2), t.slice(2, 4)])
    assert both.equals(t) is True
    with pytest.raises(TypeError, match="item 1"):
        oups.concat_tables([t, t.to_pandas()])
    with pytest.raises(oups.InvalidArgumentError):
        oups.concat_tables([])
    # DataFrames in -> DataFrame out; Tables in -> Table out (same rows)
    m = oups.AsofMerger(on="ts", n_dfs_per_group=1)
    main = np.array(["2020-01-01T00:00:30", "2020-01-01T00:01:10"], dtype="M8[ns]")
    q = t[["ts", "v"]]
    out_t = m.merge(main, df_groups=[q])
    out_df = m.merge(main, df_groups=[q.to_pandas()])
    assert isinstance(out_t, oups.Table) and isinstance(out_df, pd.DataFrame)
    pd.testing.assert_frame_equal(out_t.to_pandas(), out_df)
    sa = oups.SegmentedAggregator("ts", {"s": ("v", "sum")}, bin_by="1min")
    bins_t = sa.process(q)
    sa2 = oups.SegmentedAggregator("ts", {"s": ("v", "sum")}, bin_by="1min")
    pd.testing.assert_frame_equal(bins_t.to_pandas(), sa2.process(q.to_pandas()))
