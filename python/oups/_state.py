"""Encoding of bound StatefulLoop state values (no pickle): a tagged binary format of None,
bool, int, float, str, bytes, pandas Timestamp, DataFrame (as an in-memory Parquet file),
the C ops (their own versioned blobs) and dicts/lists/tuples of those. The C loop stores the
blobs in its persistence file and writes it atomically.
"""
import struct

import numpy as np
import pandas as pd

from . import _oups
from ._frame import frame_to_table, table_to_frame

# The C ops a state value may hold, by tag (the segmented aggregator only if liboups has it).
_OPS = {b"M": _oups.AsofMerger}
if hasattr(_oups, "SegmentedAggregator"):
    _OPS[b"G"] = _oups.SegmentedAggregator
_OP_TYPES = tuple(_OPS.values())

MAGIC = b"OPV1"
_INDEX_COL = "__oups_index__"


_SCALARS = frozenset([type(None), bool, int, float, str, bytes, pd.Timestamp])


def check(value, path="state"):
    """Raise TypeError (at bind time) if `value` cannot be persisted."""
    t = type(value)
    if t in _SCALARS:
        return
    if t is tuple or t is list:
        for i, v in enumerate(value):
            if type(v) not in _SCALARS:
                check(v, f"{path}[{i}]")
        return
    if value is None or isinstance(value, (bool, int, float, str, bytes, pd.Timestamp, np.integer, np.floating,
                                           np.bool_) + _OP_TYPES):
        return
    if isinstance(value, (pd.DataFrame, _oups.Table)):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            check(k, f"{path} key {k!r}")
            check(v, f"{path}[{k!r}]")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check(v, f"{path}[{i}]")
        return
    raise TypeError(f"{path}: a {type(value).__name__} cannot be persisted by StatefulLoop (supported: None, "
                    "bool, int, float, str, bytes, pandas Timestamp, DataFrame, oups ops, and dict/list/tuple "
                    "of those)")


_pack_d = struct.Struct("<d").pack
_pack_q = struct.Struct("<q").pack
_pack_Q = struct.Struct("<Q").pack


def _blob(out, data):
    out.append(struct.pack("<Q", len(data)))
    out.append(data)


def _enc(v, out):
    t = type(v)
    if t is float:  # the common scalars first, by exact type (fast path)
        out.append(b"f" + _pack_d(v))
        return
    if t is int and -(1 << 63) <= v < (1 << 63):
        out.append(b"i" + _pack_q(v))
        return
    if t is str:
        b = v.encode("utf-8", "surrogatepass")
        out.append(b"s" + _pack_Q(len(b)) + b)
        return
    if t is tuple or t is list:
        out.append((b"l" if t is list else b"u") + _pack_Q(len(v)))
        for x in v:
            _enc(x, out)
        return
    if v is None:
        out.append(b"N")
    elif isinstance(v, (bool, np.bool_)):
        out.append(b"T" if v else b"F")
    elif isinstance(v, (int, np.integer)):
        v = int(v)
        if -(1 << 63) <= v < (1 << 63):
            out.append(b"i" + struct.pack("<q", v))
        else:
            out.append(b"I")
            _blob(out, v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True))
    elif isinstance(v, (float, np.floating)):
        out.append(b"f" + struct.pack("<d", float(v)))
    elif isinstance(v, str):
        out.append(b"s")
        _blob(out, v.encode("utf-8", "surrogatepass"))
    elif isinstance(v, bytes):
        out.append(b"b")
        _blob(out, v)
    elif isinstance(v, pd.Timestamp):
        out.append(b"t" + struct.pack("<q", v.value))
        _blob(out, (str(v.tz) if v.tz is not None else "").encode())
    elif isinstance(v, pd.DataFrame):
        df = v
        has_index = not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1)
        if has_index:  # kept as a last column whose name also carries the index name
            name = _INDEX_COL if df.index.name is None else f"{_INDEX_COL}:{df.index.name}"
            df = df.copy(deep=False)
            df.insert(len(df.columns), name, df.index)
        out.append(b"D" if has_index else b"d")
        _blob(out, _oups.table_to_parquet(frame_to_table(df)))
    elif isinstance(v, _oups.Table):
        out.append(b"P")
        _blob(out, _oups.table_to_parquet(v))
    elif isinstance(v, _OP_TYPES):
        out.append(next(tag for tag, cls in _OPS.items() if isinstance(v, cls)))
        _blob(out, v.save())
    elif isinstance(v, dict):
        out.append(b"m" + struct.pack("<Q", len(v)))
        for k, x in v.items():
            _enc(k, out)
            _enc(x, out)
    elif isinstance(v, (list, tuple)):
        out.append((b"l" if isinstance(v, list) else b"u") + struct.pack("<Q", len(v)))
        for x in v:
            _enc(x, out)
    else:
        check(v)


def encode(value, name="state"):
    check(value, str(name))
    out = [MAGIC]
    _enc(value, out)
    return b"".join(out)


class _Reader:
    def __init__(self, data):
        self.data = memoryview(data)
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise _oups.CorruptError("truncated StatefulLoop state value")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def blob(self):
        return bytes(self.take(self.u64()))


def _dec(r, current):
    tag = bytes(r.take(1))
    if tag == b"N":
        return None
    if tag in (b"T", b"F"):
        return tag == b"T"
    if tag == b"i":
        return struct.unpack("<q", r.take(8))[0]
    if tag == b"I":
        return int.from_bytes(r.blob(), "little", signed=True)
    if tag == b"f":
        return struct.unpack("<d", r.take(8))[0]
    if tag == b"s":
        return r.blob().decode("utf-8", "surrogatepass")
    if tag == b"b":
        return r.blob()
    if tag == b"t":
        ns = struct.unpack("<q", r.take(8))[0]
        tz = r.blob().decode()
        ts = pd.Timestamp(ns)
        return ts.tz_localize("UTC").tz_convert(tz) if tz else ts
    if tag in (b"d", b"D"):
        df = table_to_frame(_oups.table_from_parquet(r.blob()))
        if tag == b"D":
            col = df.columns[-1]
            df = df.set_index(col)
            df.index.name = col[len(_INDEX_COL) + 1:] if col != _INDEX_COL else None
        return df
    if tag == b"P":
        return _oups.table_from_parquet(r.blob())
    if tag in _OPS:
        blob = r.blob()
        if not isinstance(current, _OPS[tag]):
            raise TypeError(f"a {_OPS[tag].__name__} state restores only into an existing {_OPS[tag].__name__}")
        current.load(blob)
        return current
    if tag == b"m":
        n = r.u64()
        cur = current if isinstance(current, dict) else {}
        out = {}
        for _ in range(n):
            k = _dec(r, None)
            out[k] = _dec(r, cur.get(k) if isinstance(k, (str, int, float, bool, type(None), bytes)) else None)
        return out
    if tag in (b"l", b"u"):
        n = r.u64()
        cur = current if isinstance(current, (list, tuple)) and len(current) == n else [None] * n
        items = [_dec(r, cur[i]) for i in range(n)]
        return items if tag == b"l" else tuple(items)
    raise _oups.CorruptError(f"unknown tag {tag!r} in a StatefulLoop state value")


def decode(data, current=None):
    if bytes(data[:4]) != MAGIC:
        raise _oups.CorruptError("not an oups Python state value (bad magic)")
    r = _Reader(data)
    r.take(4)
    v = _dec(r, current)
    if r.pos != len(r.data):
        raise _oups.CorruptError("trailing bytes after a StatefulLoop state value")
    return v
