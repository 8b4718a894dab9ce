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


def frame_to_table(df):
    """oups Table from a DataFrame (the index is dropped, as the reference writes frames),
    an oups Table, or any Arrow PyCapsule provider (pyarrow, Polars, DuckDB)."""
    if isinstance(df, _oups.Table):
        return df
    if not isinstance(df, pd.DataFrame):
        if hasattr(df, "__arrow_c_stream__") or hasattr(df, "__arrow_c_array__"):
            return _oups.table_from_arrow(df)
        raise TypeError(f"expected a DataFrame or an Arrow table, got {type(df).__name__}")
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise _oups.InvalidArgumentError(f"duplicate column names in {names}")
    get = getattr(df, "_get_column_array", None)  # pandas >= 1.4: no Series per column (55 us each)
    cols = [get(i) for i in range(len(names))] if get else [df.iloc[:, i] for i in range(len(names))]
    return _oups.table_from_columns([column_tuple(n, c) for n, c in zip(names, cols)])


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


try:  # one block per column, no consolidation copy, about half the cost of DataFrame(dict)
    from pandas.core.internals import BlockManager as _BlockManager
    from pandas.core.internals.api import make_block as _make_block
except ImportError:  # pragma: no cover (other pandas versions)
    _BlockManager = None


def _frame_from_arrays(names, arrays, n):
    if _BlockManager is not None and all(type(a) is np.ndarray for a in arrays):
        blocks = [_make_block(a.reshape(1, -1), placement=[i], ndim=2) for i, a in enumerate(arrays)]
        return pd.DataFrame(_BlockManager(blocks, [pd.Index(names, dtype=object), pd.RangeIndex(n)],
                                          verify_integrity=False))
    return pd.DataFrame(dict(zip(names, arrays)), copy=False)


def table_to_frame(table):
    """DataFrame of an oups Table (zero-copy for numeric and ns timestamp columns)."""
    names, arrays = [], []
    for i in range(len(table.column_names)):
        name, kind, values, mask, extra = table.column(i)
        names.append(name)
        arrays.append(_to_pandas_array(kind, values, mask, extra))
    if not names:
        return pd.DataFrame()
    return _frame_from_arrays(names, arrays, table.num_rows)


def to_table(obj):
    """Table from a DataFrame, a Table or an Arrow provider (None stays None)."""
    return None if obj is None else frame_to_table(obj)
