"""The reference's store API on liboups: indexers (@toplevel/@sublevel), Store,
OrderedParquetDataset, write() and iter_intersections (the reference's oups.store).

Datasets, merge-writes, locking and lock-step iteration are the C library's; keys (their
fields, string and path forms, discovery of the keys under a store's root) are plain Python
here, following the spec's recommended strict parsing (one path component per level).
"""
import dataclasses
import os
import typing

import numpy as np
import pandas as pd

from . import _oups
from ._frame import _frame_from_arrays, frame_to_table, table_to_frame, to_table

_FORBIDDEN = ("/", ".")


# ------------------------------------------------------------------------------------------
# Indexers

def _is_level(x):
    return dataclasses.is_dataclass(x) and getattr(x, "_oups_level", False)


def _field_types(cls):
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _level_classes(cls):
    """[(level class, [(name, type)])] from the top level down the last-field chain."""
    out = []
    while cls is not None:
        fields = _field_types(cls)
        out.append((cls, fields))
        last = fields[-1][1] if fields else None
        cls = last if isinstance(last, type) and _is_level(last) else None
    return out


def _levels(key):
    """Field values per level, the nested level excluded."""
    out = []
    while key is not None:
        vals = [getattr(key, f.name) for f in dataclasses.fields(key)]
        nested = vals[-1] if vals and _is_level(vals[-1]) else None
        out.append(vals[:-1] if nested is not None else vals)
        key = nested
    return out


def _validate(key, sep):
    chars = (sep,) + _FORBIDDEN
    level = key
    while level is not None:
        vals = [getattr(level, f.name) for f in dataclasses.fields(level)]
        nested = None
        for i, v in enumerate(vals):
            if _is_level(v):
                if i == 0:
                    raise TypeError("a dataclass instance cannot be the only field of a level.")
                if i != len(vals) - 1:
                    raise TypeError("a dataclass instance is only possible in last position.")
                nested = v
                continue
            if any(c in str(v) for c in chars):
                raise ValueError(f"use of a forbidden character among {chars} is not possible in {v}.")
            if type(v) not in (int, str):
                raise TypeError(f"field type {type(v)} not possible.")
        level = nested


def _parts(key):
    sep = type(key).field_sep
    levels = _levels(key)
    parts = [sep.join(str(v) for v in lv) for lv in levels]
    return parts


def _build(cls, tokens_per_level):
    """Key from text tokens per level (strict), or None."""
    levels = _level_classes(cls)
    if len(tokens_per_level) != len(levels):
        return None
    nested = None
    for (lcls, fields), toks in reversed(list(zip(levels, tokens_per_level))):
        own = fields[:-1] if nested is not None else fields
        if len(toks) != len(own):
            return None
        vals = []
        for (name, typ), tok in zip(own, toks):
            if typ is int:
                try:
                    vals.append(int(tok))
                except ValueError:
                    return None
            else:
                vals.append(tok)
        if nested is not None:
            vals.append(nested)
        obj = object.__new__(lcls)
        for (name, _), v in zip(fields, vals):
            object.__setattr__(obj, name, v)
        nested = obj
    return nested


def _level_sizes(cls):
    levels = _level_classes(cls)
    return [len(f) - (1 if i < len(levels) - 1 else 0) for i, (_, f) in enumerate(levels)]


class _ToplevelMeta(type):
    @property
    def depth(cls):
        return len(_level_classes(cls))

    @property
    def field_sep(cls):
        return cls._oups_field_sep


def toplevel(cls=None, *, field_sep="-"):
    """Class decorator: a frozen, ordered dataclass whose instances are dataset keys."""

    def wrap(c):
        user_post_init = c.__dict__.get("__post_init__")

        def __post_init__(self):  # set before dataclass() so that its __init__ calls it
            if user_post_init:
                user_post_init(self)
            _validate(self, type(self).field_sep)

        c.__post_init__ = __post_init__
        dc = dataclasses.dataclass(frozen=True, order=True)(c)
        ns = dict(dc.__dict__)
        ns.pop("__dict__", None)
        ns.pop("__weakref__", None)
        ns["_oups_level"] = True
        ns["_oups_field_sep"] = field_sep
        ns["__str__"] = lambda self: type(self).field_sep.join(_parts(self))
        ns["to_path"] = lambda self: "/".join(_parts(self))
        ns["field_sep"] = property(lambda self: type(self)._oups_field_sep)
        ns["depth"] = property(lambda self: type(self).depth)

        def from_str(klass, text):
            toks = str(text).split(klass.field_sep)
            out, i = [], 0
            for n in _level_sizes(klass):
                out.append(toks[i:i + n])
                i += n
            return _build(klass, out) if i == len(toks) else None

        def from_path(klass, path):
            comps = [p for p in str(path).split("/") if p]
            return _build(klass, [c.split(klass.field_sep) for c in comps])

        ns["from_str"] = classmethod(from_str)
        ns["from_path"] = classmethod(from_path)
        return _ToplevelMeta(dc.__name__, dc.__bases__, ns)

    return wrap if cls is None else wrap(cls)


def sublevel(cls):
    """Class decorator: a nested level of a @toplevel key (last field of its parent)."""
    dc = dataclasses.dataclass(frozen=True, order=True)(cls)
    dc._oups_level = True
    return dc


def is_toplevel(x):
    return hasattr(x, "field_sep") and callable(getattr(x, "from_path", None))


# ------------------------------------------------------------------------------------------
# Ordered parquet datasets

def _key_scalar(v):
    """A range bound as the C side takes it: int (timestamps as ns since the epoch) or float."""
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"):
        return pd.Timestamp(v).value
    if isinstance(v, (np.integer, int)):
        return int(v)
    return float(v)


class OrderedParquetDataset:
    """OrderedParquetDataset(path, ordered_on=None, lock_timeout=None, lock_lifetime=15).

    Opens and locks the dataset (released by `remove_from_disk`, `close`, a `with` block or
    garbage collection). `lock_lifetime` is accepted for compatibility: oups locks are
    released by the operating system when the process dies, so no lifetime is needed.
    """

    def __init__(self, path, ordered_on=None, lock_timeout=None, lock_lifetime=15, *, _ds=None):
        if _ds is None:
            timeout = -1 if lock_timeout is None else int(lock_timeout * 1000)
            _ds = _oups.Dataset(os.fspath(path), ordered_on or None, timeout)
        self._ds = _ds

    # -- properties
    @property
    def _info(self):
        return self._ds.info()

    @property
    def dirpath(self):
        return self._info["path"]

    @property
    def ordered_on(self):
        return self._info["ordered_on"]

    @property
    def is_newly_initialized(self):
        return self._info["is_new"]

    @property
    def max_file_id(self):
        return self._info["max_file_id"]

    @property
    def key_value_metadata(self):
        return self._ds.kv()

    @property
    def row_group_stats(self):
        st, key_type = self._ds.stats()
        ids, n_rows, mins, maxs = zip(*st) if st else ((), (), (), ())
        # timestamp keys (stored in their unit) as datetime64[ns], as the reference's pandas frame
        unit = key_type[10:].split(",")[0].rstrip("]") if key_type and key_type.startswith("timestamp[") else None
        key = (lambda v: np.array(v, dtype=f"M8[{unit}]").astype("M8[ns]")) if unit else \
            (lambda v: np.array(v, dtype=None if st else object))
        arrays = [np.array(ids, dtype=np.uint16), np.array(n_rows, dtype=np.uint32), key(mins), key(maxs)]
        return _frame_from_arrays(["file_ids", "n_rows", "ordered_on_mins", "ordered_on_maxs"], arrays, len(st),
                                  plain=bool(st))

    def __len__(self):
        return len(self._ds)

    def __getitem__(self, item):
        n = len(self)
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            stop = max(stop, start)
        else:
            start, stop, step = int(item), int(item) + 1, 1
            if start < 0:  # the reference's quirk: opd[-1] is an empty view
                start = stop = 0
        return OrderedParquetDataset(None, _ds=self._ds.view(start, stop, step))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release the handle and (once its views are closed too) the lock."""
        self._ds.close()

    _release_lock = close

    # -- reading
    def to_table(self, columns=None, start=None, end_excl=None):
        """The rows as an oups Table (Arrow PyCapsule provider)."""
        return self._ds.read(columns, _key_scalar(start), _key_scalar(end_excl))

    def to_pandas(self, columns=None):
        return table_to_frame(self.to_table(columns))

    # -- writing
    def write(self, **params):
        on = self.ordered_on
        given = params.pop("ordered_on", None)
        if on is None and given is None:
            raise ValueError("'ordered_on' parameter is required.")
        if on is not None and given is not None and given != on:
            raise ValueError(f"'ordered_on' parameter value '{given}' does not match '{on}' in record dataset.")
        write(self, ordered_on=on or given, **params)

    def remove_from_disk(self, preserve_metadata=False, release_lock=True):
        self._ds.remove_from_disk(preserve_metadata)
        if release_lock:
            self.close()

    def check(self):
        """Verify files against the metadata (oups addition): raises oups.CorruptError."""
        self._ds.check()

    def _write_row_group_files(self, chunks, write_metadata_file=True, key_value_metadata=None):
        self._ds.write_row_groups([frame_to_table(c) for c in chunks], write_metadata_file,
                                  ordered_on=self.ordered_on, key_value_metadata=key_value_metadata)


def write(dataset_or_path, ordered_on, df=None, row_group_target_size=6_345_000, duplicates_on=None,
          max_n_off_target_rgs=None, key_value_metadata=None, **writer_options):
    """Merge `df` into the dataset (as the reference's write): sorted on `ordered_on`, row groups of
    `row_group_target_size` rows (int) or per period (frequency string, "2h", "D", "MS").
    writer_options: `compression`: None (the default, as the reference's fastparquet writer:
    uncompressed), "zstd", "snappy", "lz4_raw", "gzip", "brotli", "none", with an optional
    ":level"; other writer options of the reference's engines are ignored."""
    if max_n_off_target_rgs == 0:
        raise ValueError("'max_n_off_target_rgs' cannot be 0.")
    opts = {"ordered_on": ordered_on, "max_n_off_target_rgs": max_n_off_target_rgs,
            "key_value_metadata": key_value_metadata,
            # the reference writes through fastparquet, whose default is no compression
            "compression": writer_options.get("compression") or "none"}
    if isinstance(row_group_target_size, str):
        opts["row_group_period"] = row_group_target_size
    else:
        opts["row_group_rows"] = int(row_group_target_size)
    if duplicates_on is None:
        opts["duplicates"] = 0
    elif isinstance(duplicates_on, (list, tuple)) and len(duplicates_on) == 0:
        opts["duplicates"] = 1
    else:
        subset = [duplicates_on] if isinstance(duplicates_on, str) else list(duplicates_on)
        if ordered_on not in subset:
            subset.append(ordered_on)
        opts["duplicates"] = 2
        opts["duplicates_on"] = subset
    table = to_table(df)
    if isinstance(dataset_or_path, OrderedParquetDataset):
        dataset_or_path._ds.write(table, **opts)
    else:
        with OrderedParquetDataset(dataset_or_path, ordered_on=ordered_on) as opd:
            opd._ds.write(table, **opts)


# ------------------------------------------------------------------------------------------
# Store

class Store:
    """Store(basepath, indexer): datasets under `basepath`, one per key of `indexer`."""

    def __init__(self, basepath, indexer):
        if not is_toplevel(indexer):
            raise TypeError(f"{getattr(indexer, '__name__', indexer)} has to be '@toplevel' decorated.")
        self.basepath = os.path.abspath(os.fspath(basepath))
        self.indexer = indexer
        self._keys = None

    @property
    def keys(self):
        if self._keys is None:
            self._keys = self._discover()
        return self._keys

    def _discover(self):
        keys = set()
        d = self.indexer.depth - 1
        if not os.path.isdir(self.basepath):
            return []
        for root, dirs, files in os.walk(self.basepath):
            rel = os.path.relpath(root, self.basepath)
            level = 0 if rel == "." else rel.count(os.sep) + 1
            if level >= d:
                dirs[:] = []
            if level != d:
                continue
            for f in files:
                if f.endswith("_opdmd") and len(f) > len("_opdmd"):
                    path = f[:-len("_opdmd")] if rel == "." else f"{rel}/{f[:-len('_opdmd')]}"
                    k = self.indexer.from_path(path)
                    if k is not None:
                        keys.add(k)
        return sorted(keys)

    def __len__(self):
        return len(self.keys)

    def __iter__(self):
        return iter(self.keys)

    def __contains__(self, key):
        return key in self.keys

    def __repr__(self):
        return "\n".join(str(k) for k in self.keys)

    def get(self, key, ordered_on=None, lock_timeout=None, lock_lifetime=15):
        opd = OrderedParquetDataset(os.path.join(self.basepath, key.to_path()), ordered_on, lock_timeout)
        if opd.is_newly_initialized:
            self._keys = None  # rescan at the next access
        return opd

    __getitem__ = get

    def __delitem__(self, key):
        if key not in self.keys:
            raise KeyError(f"key '{key}' not found in store.")
        path = os.path.join(self.basepath, key.to_path())
        OrderedParquetDataset(path).remove_from_disk()
        self._keys = None
        parent = os.path.dirname(path)
        while os.path.abspath(parent) != self.basepath and parent.startswith(self.basepath):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)

    def iter_intersections(self, keys, start=None, end_excl=None, n_prev=0, columns=None):
        """Yield, per step of the key axis, {key: DataFrame} for the participating datasets.
        The datasets stay opened (locked) until the iteration ends or is abandoned.
        columns (oups addition): None (all), one list of names for every dataset, or per
        dataset a {key: names} dict or a list aligned with `keys` (None: all); only those
        columns are read, plus `ordered_on` (appended when not listed)."""
        keys = list(keys)
        for item in self.iter_intersections_tables(keys, start, end_excl, n_prev, columns):
            yield {k: table_to_frame(t) for k, t in item.items()}

    def iter_intersections_tables(self, keys, start=None, end_excl=None, n_prev=0, columns=None):
        """iter_intersections giving oups Tables (Arrow providers) instead of DataFrames."""
        keys = list(keys)
        if isinstance(n_prev, int):
            n_prev = [n_prev] * len(keys)
        columns = _columns_per_dataset(columns, keys)
        opds = [self.get(k) for k in keys]
        it = None
        try:
            it = _oups.intersections([o._ds for o in opds], _key_scalar(start), _key_scalar(end_excl), list(n_prev),
                                     columns)
            for step in it:
                yield {keys[i]: t for i, t in step}
        finally:
            it = None  # the C iterator goes before the datasets it reads
            for o in opds:
                o.close()


def _columns_per_dataset(columns, keys):
    """`columns` of iter_intersections as one list (or None) per dataset."""
    if columns is None:
        return None
    if isinstance(columns, str):
        raise TypeError("columns: a list of column names, not a str")
    if isinstance(columns, dict):
        unknown = [k for k in columns if k not in keys]
        if unknown:
            raise ValueError(f"columns: {unknown[0]!r} is not one of the keys iterated")
        return [columns.get(k) for k in keys]
    columns = list(columns)
    if all(isinstance(c, str) for c in columns):
        return [columns] * len(keys)
    return columns


def iter_intersections(datasets, start=None, end_excl=None, n_prev=0, columns=None):
    """iter_intersections over OrderedParquetDataset objects: {index: DataFrame} per step
    (`columns` as for Store.iter_intersections, a dict keyed by dataset index)."""
    datasets = list(datasets)
    if isinstance(n_prev, int):
        n_prev = [n_prev] * len(datasets)
    columns = _columns_per_dataset(columns, list(range(len(datasets))))
    it = _oups.intersections([d._ds for d in datasets], _key_scalar(start), _key_scalar(end_excl), list(n_prev),
                             columns)
    for step in it:
        yield {i: table_to_frame(t) for i, t in step}
