"""Tables <-> pandas: one column at a time, zero-copy where the layouts agree.

Numeric and timestamp columns are shared both ways (numpy arrays wrapped by oups buffers,
oups columns exposed as read-only numpy arrays). Nulls: pandas nullable dtypes (Int64,
boolean, ...) and NaT/None carry a validity mask; float NaN stays a value (as the reference
writes it). Categoricals are stored as their decoded values.
"""
import decimal

import numpy as np
import pandas as pd

from . import _oups

_NAT = np.iinfo(np.int64).min
_UNIT_FACTOR = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


class Table(_oups.Table):
    """An immutable oups table; exchange it through the Arrow PyCapsule interface or pandas."""

    def to_pandas(self):
        return table_to_frame(self)

    def __len__(self):
        return self.num_rows

    def __getitem__(self, key):
        """t["col"]: the column as a numpy array (zero-copy, read-only, for numeric and naive ns
        timestamp columns without nulls; converted as to_pandas does otherwise);
        t[["a", "b"]]: a Table of these columns (zero-copy)."""
        if isinstance(key, str):
            a = self._pandas_column(key)
            return _to_pandas_array(*a[1:]) if type(a) is tuple else a
        return self.select(list(key))

    def __repr__(self):
        return f"oups.Table({self.num_rows} rows: {', '.join(f'{n} {t}' for n, t in self.schema)})"

    @staticmethod
    def from_pandas(df):
        return frame_to_table(df)

    @staticmethod
    def from_arrow(obj):
        return _oups.table_from_arrow(obj)


_oups._set_table_class(Table)


def _tz_name(tz):
    """Zone name as stored in the column type: an IANA name, "UTC", or a fixed "+HH:MM"."""
    name = getattr(tz, "zone", None) or getattr(tz, "key", None) or str(tz)
    if name.startswith("pytz.FixedOffset") or name.startswith("UTC+") or name.startswith("UTC-"):
        off = int(tz.utcoffset(None).total_seconds()) // 60
        name = f"{'+' if off >= 0 else '-'}{abs(off) // 60:02d}:{abs(off) % 60:02d}"
    return name


def _objects_kind(values):
    for v in values:
        if isinstance(v, (bytes, bytearray)):
            return "binary"
        if isinstance(v, str):
            return "string"
    return "string"


_PLAIN = frozenset("iufb")
_M8NS = np.dtype("M8[ns]")


def column_tuple(name, col):
    """(name, kind, values, valid mask or None, extra) of a Series / array for the C side."""
    if type(col) is np.ndarray and col.dtype.kind in _PLAIN and col.ndim == 1:  # the common case, fast
        return (name, col.dtype.name, col, None, None)
    dtype = getattr(col, "dtype", None)
    if dtype is None:
        col = np.asarray(col)
        dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = np.asarray(col, dtype=object) if dtype.categories.dtype == object else np.asarray(col)
        return column_tuple(name, col)
    if isinstance(dtype, pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(col)
        values = idx.asi8
        mask = values != _NAT
        return (name, "timestamp", values, None if mask.all() else mask, _tz_name(dtype.tz))
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = np.asarray(col)
        if values.dtype != np.dtype("M8[ns]"):
            values = values.astype("M8[ns]")
        values = values.view(np.int64)
        mask = values != _NAT
        return (name, "timestamp", values, None if mask.all() else mask, None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        arr = col.array if isinstance(col, pd.Series) else pd.array(col)
        if isinstance(arr, pd.arrays.StringArray) or isinstance(dtype, pd.StringDtype):
            values = np.asarray(arr, dtype=object)
            return (name, "string", values, None, None)
        if hasattr(arr, "_data") and hasattr(arr, "_mask"):  # Integer/Boolean/FloatingArray
            mask = ~np.asarray(arr._mask)
            return (name, arr._data.dtype.name, arr._data, None if mask.all() else mask, None)
        return column_tuple(name, np.asarray(arr))
    values = np.asarray(col)
    if values.dtype == object:
        return (name, _objects_kind(values), values, None, None)
    if values.dtype.kind == "U":
        return (name, "string", values.astype(object), None, None)
    if values.dtype.kind == "S":
        return (name, "binary", values.astype(object), None, None)
    return (name, values.dtype.name, values, None, None)


_FAST_IN = frozenset("iufb")


def _fast_columns(df, names):
    """[(name, array)] straight from the frame's numpy blocks (a row of a 2-D block is a 1-D view,
    no Series made), a column_tuple where the dtype needs work; None on other pandas internals."""
    mgr = getattr(df, "_mgr", None)
    blocks = getattr(mgr, "blocks", None)
    if blocks is None:
        return None
    cols = [None] * len(names)
    for blk in blocks:
        vals = blk.values
        if type(vals) is not np.ndarray and vals.dtype == _M8NS:  # naive datetimes: a DatetimeArray
            vals = getattr(vals, "_ndarray", vals)
        if type(vals) is np.ndarray and vals.ndim == 2 and (vals.dtype.kind in _FAST_IN or vals.dtype == _M8NS):
            for j, loc in enumerate(blk.mgr_locs):
                cols[loc] = (names[loc], vals[j])
        else:
            for loc in blk.mgr_locs:
                cols[loc] = column_tuple(names[loc], df._get_column_array(loc))
    return cols


def frame_to_table(df):
    """oups Table from a DataFrame (the index is dropped, as the reference writes frames),
    an oups Table, or any Arrow PyCapsule provider (pyarrow, Polars, DuckDB)."""
    if isinstance(df, _oups.Table):
        return df
    if not isinstance(df, pd.DataFrame):
        if hasattr(df, "__arrow_c_stream__") or hasattr(df, "__arrow_c_array__"):
            return _oups.table_from_arrow(df)
        raise TypeError(f"expected a DataFrame or an Arrow table, got {type(df).__name__}")
    columns = df.columns
    labels = columns._values.tolist() if hasattr(columns, "_values") else list(columns)
    names = [c if type(c) is str else str(c) for c in labels]
    # distinct labels may still print alike (1 and "1"): the set only when some are not str
    if not columns.is_unique or (names != labels and len(set(names)) != len(names)):
        raise _oups.InvalidArgumentError(f"duplicate column names in {names}")
    cols = _fast_columns(df, names)
    if cols is None:
        get = getattr(df, "_get_column_array", None)  # pandas >= 1.4: no Series per column (55 us each)
        arrays = [get(i) for i in range(len(names))] if get else [df.iloc[:, i] for i in range(len(names))]
        cols = [column_tuple(n, c) for n, c in zip(names, arrays)]
    return _oups.table_from_columns(cols)


def _to_pandas_array(kind, values, mask, extra):
    if kind == "timestamp":
        unit, tz = extra
        if unit != "ns":
            values = values * _UNIT_FACTOR[unit]
        arr = values.view("M8[ns]")
        if mask is not None:
            arr = arr.copy()
            arr[~mask] = np.datetime64("NaT")
        if tz:
            return pd.DatetimeIndex(arr).tz_localize("UTC").tz_convert(tz).array
        return arr
    if kind == "date32":
        arr = values.astype("M8[D]").astype("M8[ns]")
        if mask is not None:
            arr[~mask] = np.datetime64("NaT")
        return arr
    if kind == "decimal":
        q = decimal.Decimal(1).scaleb(-extra)
        out = np.empty(len(values), dtype=object)
        for i, raw in enumerate(values):
            v = int.from_bytes(raw.tobytes(), "little", signed=True)
            out[i] = None if (mask is not None and not mask[i]) else (decimal.Decimal(v) * q)
        return out
    if mask is None or kind in ("string", "binary"):
        return values
    if kind.startswith("float"):
        arr = values.copy()
        arr[~mask] = np.nan
        return arr
    if kind == "bool":
        return pd.arrays.BooleanArray(values, ~mask)
    return pd.arrays.IntegerArray(values, ~mask)


try:  # pandas internals: one block per column, no consolidation copy, no per-call inference
    from pandas._libs.internals import BlockPlacement as _BlockPlacement
    from pandas.core.internals import BlockManager as _BlockManager
    from pandas.core.internals import blocks as _blocks
    _new_block_2d = getattr(_blocks, "new_block_2d", None) or (lambda v, p: _blocks.new_block(v, p, ndim=2))
    try:  # block class per dtype, datetimes wrapped without pandas' inference (the slow part)
        from pandas.core.arrays import DatetimeArray as _DatetimeArray
        _BLOCK_CLASS = {}
        # a new DatetimeArray over our values from a template (pandas' cython path, no checks)
        _DTA = _DatetimeArray._simple_new(np.zeros((1, 1), _M8NS), dtype=_M8NS)
        _wrap_m8 = getattr(_DTA, "_from_backing_data", None) or (lambda v: _DatetimeArray._simple_new(v, dtype=_M8NS))

        def _block(a, placement):
            klass = _BLOCK_CLASS.get(a.dtype)
            if klass is None:
                klass = _BLOCK_CLASS[a.dtype] = _blocks.get_block_type(a.dtype)
            v = a.reshape(1, -1)
            if a.dtype == _M8NS:
                v = _wrap_m8(v)
            return klass(v, ndim=2, placement=placement)
        _block(np.zeros(1, _M8NS), _BlockPlacement(slice(0, 1)))
    except Exception:  # pragma: no cover (other pandas versions)
        _block = _new_block_2d
except ImportError:  # pragma: no cover (other pandas versions)
    _BlockManager = None

# Indexes are immutable: the column Index of a set of names and RangeIndex(n) are made once
# (pd.Index(names) alone costs ~25 us) and shared by the frames built, as pandas itself does.
_COLUMNS_CACHE, _RANGE_CACHE, _PLACEMENTS = {}, {}, []


def _columns_index(names):
    key = tuple(names)
    idx = _COLUMNS_CACHE.get(key)
    if idx is None:
        if len(_COLUMNS_CACHE) >= 1024:
            _COLUMNS_CACHE.clear()
        idx = _COLUMNS_CACHE[key] = pd.Index(names, dtype=object)
    return idx


def _range_index(n):
    idx = _RANGE_CACHE.get(n)
    if idx is None:
        if len(_RANGE_CACHE) >= 1024:
            _RANGE_CACHE.clear()
        idx = _RANGE_CACHE[n] = pd.RangeIndex(n)
    return idx


def _placement(i):
    while len(_PLACEMENTS) <= i:
        k = len(_PLACEMENTS)
        _PLACEMENTS.append(_BlockPlacement(slice(k, k + 1)))
    return _PLACEMENTS[i]


def _frame_from_arrays(names, arrays, n, plain):
    """DataFrame of columns `arrays`; `plain`: all are numpy arrays (one block each, no copy)."""
    if plain and _BlockManager is not None:
        blocks = [_block(a, _placement(i)) for i, a in enumerate(arrays)]
        mgr = _BlockManager(blocks, [_columns_index(names), _range_index(n)], verify_integrity=False)
        return pd.DataFrame(mgr)
    return pd.DataFrame(dict(zip(names, arrays)), copy=False)


def table_to_frame(table):
    """DataFrame of an oups Table (zero-copy for numeric and ns timestamp columns)."""
    names = table.column_names
    if not names:
        return pd.DataFrame()
    arrays = table._pandas_columns()
    plain = True
    for i, a in enumerate(arrays):
        if type(a) is tuple:
            a = arrays[i] = _to_pandas_array(*a[1:])
            plain = plain and type(a) is np.ndarray
    return _frame_from_arrays(names, arrays, table.num_rows, plain)


def concat(items):
    """Rows of all items in order: one oups Table if they all are Tables, else pandas.concat
    (the default concat_func of StatefulLoop.buffer)."""
    items = list(items)
    if items and all(isinstance(t, _oups.Table) for t in items):
        return _oups.concat_tables(items)
    return pd.concat(items)


def to_table(obj):
    """Table from a DataFrame, a Table or an Arrow provider (None stays None)."""
    return None if obj is None else frame_to_table(obj)
