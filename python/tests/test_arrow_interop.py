# labels: quick
"""The Arrow PyCapsule interface against an independent implementation of the Arrow C Data
Interface: pyarrow, Polars and DuckDB's Python packages are not in Debian 12, so this file
carries its own consumer and producer, written with ctypes from the specification (struct
layouts, format strings, buffers, release callbacks), and checks values against numpy.
"""
import ctypes as C

import numpy as np
import pandas as pd
import pytest

import oups


class ArrowSchema(C.Structure):
    pass


class ArrowArray(C.Structure):
    pass


class ArrowArrayStream(C.Structure):
    pass


SCHEMA_RELEASE = C.CFUNCTYPE(None, C.POINTER(ArrowSchema))
ARRAY_RELEASE = C.CFUNCTYPE(None, C.POINTER(ArrowArray))
ArrowSchema._fields_ = [
    ("format", C.c_char_p), ("name", C.c_char_p), ("metadata", C.c_char_p), ("flags", C.c_int64),
    ("n_children", C.c_int64), ("children", C.POINTER(C.POINTER(ArrowSchema))),
    ("dictionary", C.POINTER(ArrowSchema)), ("release", SCHEMA_RELEASE), ("private_data", C.c_void_p)]
ArrowArray._fields_ = [
    ("length", C.c_int64), ("null_count", C.c_int64), ("offset", C.c_int64), ("n_buffers", C.c_int64),
    ("n_children", C.c_int64), ("buffers", C.POINTER(C.c_void_p)), ("children", C.POINTER(C.POINTER(ArrowArray))),
    ("dictionary", C.POINTER(ArrowArray)), ("release", ARRAY_RELEASE), ("private_data", C.c_void_p)]
ArrowArrayStream._fields_ = [
    ("get_schema", C.CFUNCTYPE(C.c_int, C.POINTER(ArrowArrayStream), C.POINTER(ArrowSchema))),
    ("get_next", C.CFUNCTYPE(C.c_int, C.POINTER(ArrowArrayStream), C.POINTER(ArrowArray))),
    ("get_last_error", C.CFUNCTYPE(C.c_char_p, C.POINTER(ArrowArrayStream))),
    ("release", C.CFUNCTYPE(None, C.POINTER(ArrowArrayStream))), ("private_data", C.c_void_p)]

_get_pointer = C.pythonapi.PyCapsule_GetPointer
_get_pointer.restype, _get_pointer.argtypes = C.c_void_p, [C.py_object, C.c_char_p]
_capsule_new = C.pythonapi.PyCapsule_New
_capsule_new.restype, _capsule_new.argtypes = C.py_object, [C.c_void_p, C.c_char_p, C.c_void_p]


def struct_of(capsule, name, typ):
    return typ.from_address(_get_pointer(capsule, name.encode()))


def _bits(ptr, offset, n):
    raw = np.ctypeslib.as_array(C.cast(ptr, C.POINTER(C.c_uint8)), ((offset + n + 7) // 8,))
    return np.unpackbits(raw, bitorder="little")[offset:offset + n].astype(bool)


_FIXED = {"c": np.int8, "C": np.uint8, "s": np.int16, "S": np.uint16, "i": np.int32, "I": np.uint32,
          "l": np.int64, "L": np.uint64, "f": np.float32, "g": np.float64}


def read_column(schema, array):
    """Python list of one column (None for nulls), read per the C Data Interface."""
    fmt = schema.format.decode()
    n, off = array.length, array.offset
    valid = _bits(array.buffers[0], off, n) if array.null_count != 0 and array.buffers[0] else np.ones(n, bool)
    if fmt in _FIXED or fmt.startswith("ts"):
        dt = np.dtype(_FIXED.get(fmt, np.int64))
        vals = np.ctypeslib.as_array(C.cast(array.buffers[1], C.POINTER(np.ctypeslib.as_ctypes_type(dt))),
                                     (off + n,))[off:].copy() if n else np.array([], dt)
        if fmt.startswith("tsn:"):
            vals = vals.view("M8[ns]")
    elif fmt == "b":
        vals = _bits(array.buffers[1], off, n) if n else np.array([], bool)
    elif fmt in ("u", "U", "z", "Z"):
        ot = C.c_int32 if fmt in ("u", "z") else C.c_int64
        offs = np.ctypeslib.as_array(C.cast(array.buffers[1], C.POINTER(ot)), (off + n + 1,))[off:]
        data = C.cast(array.buffers[2], C.POINTER(C.c_char))
        vals = [data[int(a):int(b)] for a, b in zip(offs[:-1], offs[1:])]
        if fmt in ("u", "U"):
            vals = [v.decode() for v in vals]
    else:
        raise AssertionError(f"format {fmt} not expected here")
    return [v if ok else None for v, ok in zip(list(vals), valid)]


def read_table(schema, array):
    assert schema.format == b"+s" and array.n_children == schema.n_children
    return {schema.children[i].contents.name.decode(): read_column(schema.children[i].contents,
                                                                   array.children[i].contents)
            for i in range(schema.n_children)}


FRAME = pd.DataFrame({
    "ts": pd.date_range("2024-01-02", periods=5, freq="s"), "i": np.array([1, -2, 3, 4, 5], dtype=np.int64),
    "u8": np.array([0, 1, 2, 3, 255], dtype=np.uint8), "f": [0.5, np.nan, 2.0, -1.0, 3.0],
    "b": [True, False, True, True, False], "s": ["a", None, "ü", "", "e"], "y": [b"x", b"", None, b"\0", b"z"],
    "n": pd.array([1, None, 3, None, 5], dtype="Int32"),
    "tz": pd.date_range("2024-01-02", periods=5, freq="h", tz="Europe/Paris"),
})


def expected(col):
    s = FRAME[col]
    if col == "tz":
        return [v.value for v in s]  # UTC instants, the zone in the format string
    if col == "n":
        return [None if v is pd.NA else int(v) for v in s]
    if col == "ts":
        return list(s.to_numpy())
    return [None if v is None else v for v in s.tolist()]


def check_values(got):
    assert list(got) == list(FRAME.columns)
    for col, vals in got.items():
        exp = expected(col)
        if col == "tz":
            vals = [int(v) for v in vals]
        if col == "f":
            np.testing.assert_array_equal(np.array(vals), np.array(exp))
        else:
            assert vals == exp, col


def test_c_array_capsules_read_by_an_independent_consumer():
    t = oups.frame_to_table(FRAME.iloc[1:].reset_index(drop=True))
    full = oups.frame_to_table(FRAME)
    sc, ac = full.__arrow_c_array__()
    schema, array = struct_of(sc, "arrow_schema", ArrowSchema), struct_of(ac, "arrow_array", ArrowArray)
    fmts = {schema.children[i].contents.name.decode(): schema.children[i].contents.format.decode()
            for i in range(schema.n_children)}
    assert fmts["ts"] == "tsn:" and fmts["tz"] == "tsn:Europe/Paris" and fmts["n"] == "i"
    check_values(read_table(schema, array))
    # a sliced table exports with its offset (or compacted): values still right
    sc2, ac2 = full.slice(1, 4).__arrow_c_array__()
    got = read_table(struct_of(sc2, "arrow_schema", ArrowSchema), struct_of(ac2, "arrow_array", ArrowArray))
    assert got["s"] == [None, "ü", "", "e"] and got["i"] == [-2, 3, 4, 5]
    assert t.num_rows == 4
    # the schema capsule alone
    s_cap = full.__arrow_c_schema__()  # the struct lives as long as the capsule
    s_only = struct_of(s_cap, "arrow_schema", ArrowSchema)
    assert s_only.format == b"+s" and s_only.n_children == len(FRAME.columns)


def test_consumer_moves_and_releases():
    """A consumer may move the structs out of the capsules and release them later: the data
    stays valid after the capsules and the table are gone, and release runs once."""
    t = oups.frame_to_table(FRAME)
    sc, ac = t.__arrow_c_array__()
    mine_s, mine_a = ArrowSchema(), ArrowArray()
    for src, dst in ((struct_of(sc, "arrow_schema", ArrowSchema), mine_s), (struct_of(ac, "arrow_array", ArrowArray),
                                                                              mine_a)):
        C.memmove(C.addressof(dst), C.addressof(src), C.sizeof(dst))
        src.release = type(src.release)()  # moved: the capsule must not release it
    del sc, ac, t
    check_values(read_table(mine_s, mine_a))
    mine_a.release(C.byref(mine_a))
    mine_s.release(C.byref(mine_s))
    assert not mine_a.release and not mine_s.release  # the producer marked them released


def test_stream_capsule_by_an_independent_consumer():
    t = oups.frame_to_table(FRAME)
    cap = t.__arrow_c_stream__()
    st = struct_of(cap, "arrow_array_stream", ArrowArrayStream)
    schema = ArrowSchema()
    assert st.get_schema(C.byref(st), C.byref(schema)) == 0 and schema.n_children == len(FRAME.columns)
    batches = []
    while True:
        a = ArrowArray()
        assert st.get_next(C.byref(st), C.byref(a)) == 0
        if not a.release:
            break
        batches.append(read_table(schema, a))
        a.release(C.byref(a))
    assert len(batches) == 1
    check_values(batches[0])
    schema.release(C.byref(schema))
    st.release(C.byref(st))
    assert not st.release


class _Producer:
    """An independent producer: an ArrowSchema/ArrowArray built here from numpy buffers, handed
    out as PyCapsules (no destructor: this object owns the structs and the buffers)."""

    def __init__(self, ts, px, valid):
        self.released = []
        self._keep = [ts, px, valid]
        n = len(ts)

        def rel_schema(p):
            self.released.append("schema")
            p.contents.release = SCHEMA_RELEASE()

        def rel_array(p):
            self.released.append("array")
            p.contents.release = ARRAY_RELEASE()
        self._cbs = [SCHEMA_RELEASE(rel_schema), ARRAY_RELEASE(rel_array), SCHEMA_RELEASE(lambda p: None),
                     ARRAY_RELEASE(lambda p: None)]
        kids_s = [ArrowSchema(format=b"tsn:", name=b"ts", flags=0, release=self._cbs[2]),
                  ArrowSchema(format=b"g", name=b"px", flags=2, release=self._cbs[2])]  # 2: nullable
        bits = np.packbits(valid, bitorder="little")
        self._keep.append(bits)
        b_ts = (C.c_void_p * 2)(None, ts.ctypes.data)
        b_px = (C.c_void_p * 2)(bits.ctypes.data, px.ctypes.data)
        kids_a = [ArrowArray(length=n, null_count=0, offset=0, n_buffers=2, buffers=b_ts, release=self._cbs[3]),
                  ArrowArray(length=n, null_count=int((~valid).sum()), offset=0, n_buffers=2, buffers=b_px,
                             release=self._cbs[3])]
        ps = (C.POINTER(ArrowSchema) * 2)(*[C.pointer(k) for k in kids_s])
        pa = (C.POINTER(ArrowArray) * 2)(*[C.pointer(k) for k in kids_a])
        top_b = (C.c_void_p * 1)(None)
        self.schema = ArrowSchema(format=b"+s", name=b"", flags=0, n_children=2, children=ps, release=self._cbs[0])
        self.array = ArrowArray(length=n, null_count=0, offset=0, n_buffers=1, buffers=top_b, n_children=2,
                                children=pa, release=self._cbs[1])
        self._keep += [kids_s, kids_a, b_ts, b_px, ps, pa, top_b]

    def __arrow_c_array__(self, requested_schema=None):
        return (_capsule_new(C.addressof(self.schema), b"arrow_schema", None),
                _capsule_new(C.addressof(self.array), b"arrow_array", None))


def test_import_from_an_independent_producer():
    ts = np.array(["2024-01-02T00:00:00", "2024-01-02T00:00:01", "2024-01-02T00:00:05"], dtype="M8[ns]")
    px = np.array([1.5, 2.5, 3.5])
    p = _Producer(ts, px, np.array([True, False, True]))
    t = oups.Table.from_arrow(p)
    assert t.schema == [("ts", "timestamp[ns]"), ("px", "float64")]
    df = t.to_pandas()
    assert (df["ts"].to_numpy() == ts).all() and df["px"].isna().tolist() == [False, True, False]
    assert df["px"][0] == 1.5 and df["px"][2] == 3.5
    assert not p.array.release and not p.schema.release  # moved into oups
    del df, t
    assert sorted(p.released) == ["array", "schema"]  # released once each, when oups let go
    # and through the API that takes frames: the writer takes the producer directly
    p2 = _Producer(ts, px, np.ones(3, bool))
    m = oups.AsofMerger(on="ts", n_dfs_per_group=1).merge(np.array(["2024-01-02T00:00:02"], dtype="M8[ns]"),
                                                          df_groups=[p2])
    assert isinstance(m, oups.Table) and m[m.column_names[-1]].tolist() == [2.5]


def test_round_trip_through_our_own_import():
    t = oups.frame_to_table(FRAME)
    for provider in (lambda: t.__arrow_c_array__(), None):
        back = oups.Table.from_arrow(t) if provider is None else oups.Table.from_arrow(
            type("P", (), {"__arrow_c_array__": lambda self, requested_schema=None: provider()})())
        assert back.equals(t) is True
        pd.testing.assert_frame_equal(back.to_pandas(), t.to_pandas())
    with pytest.raises(TypeError):
        oups.Table.from_arrow(object())
