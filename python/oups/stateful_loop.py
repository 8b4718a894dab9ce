"""StatefulLoop with the reference's API (the reference library's) on the C loop: the C side
counts items, knows the last one (one-item look-ahead), locks the persistence file and
persists the bound state atomically at the end of the pass; the buffers are kept here, with
the reference's pandas memory accounting and concat_func.
"""
import functools
import inspect
import os

import pandas as pd

from . import _oups, _state
from ._frame import concat as _concat


class Skip(Exception):
    """Raised by buffer() to skip the rest of the item body (suppressed by the context)."""


class IterationContext:
    __slots__ = ("_item",)

    def __init__(self, item):
        self._item = item

    def __enter__(self):
        return self._item

    def __exit__(self, exc_type, exc, tb):
        return exc_type is Skip  # exactly Skip, not a subclass (as the reference)


def _frame_bytes(f):
    if isinstance(f, pd.DataFrame):
        return int(f.memory_usage(deep=True).sum())
    if isinstance(f, _oups.Table):
        return f.memory_size()
    return 0


class StatefulLoop:
    """StatefulLoop(filepath, *, default_memory_limit_mb=300.0, lock_timeout=0)."""

    def __init__(self, filepath, *, default_memory_limit_mb=300.0, lock_timeout=0):
        self._filepath = filepath
        self._limit = int(default_memory_limit_mb * 1024 * 1024)
        timeout = -1 if lock_timeout is None else int(lock_timeout * 1000)
        self._c = _oups.Loop(os.fspath(filepath), self._limit, timeout)
        self._slots = {}
        self._slot_iteration = None
        self._slot_pos = 0
        self._last_info = None

    @property
    def filepath(self):
        return self._filepath

    @property
    def default_memory_limit_bytes(self):
        return self._limit

    @property
    def default_memory_limit_mb(self):
        return self._limit / 1048576

    def _info(self):
        if self._last_info is not None:
            return self._last_info
        return self._c.info()

    @property
    def iteration_count(self):
        return self._info()["iteration"]

    @property
    def is_last_iteration(self):
        return self._info()["is_last"]

    @property
    def resumed(self):
        """True if a persistence file was loaded (this loop completed once before)."""
        return self._info()["resumed"]

    def __repr__(self):
        return f"StatefulLoop(filepath={self._filepath}, default_memory_limit_mb={self.default_memory_limit_mb})"

    def iterate(self, iterable, *, check_loop_usage=None):
        """Lazily iterate `iterable`, one IterationContext per item. The state is persisted
        after the last item; an abandoned pass persists nothing and releases the file lock."""
        self._c.begin(iterable)
        try:
            while True:
                has, item = self._c.next()
                if not has:
                    break
                yield IterationContext(item)
        finally:
            self._last_info = self._c.info()
            self._c.close()

    def _bind(self, ns, base, container, names, is_attr):
        return self._c.bind(ns, base, container, list(names), is_attr)

    def bind_function_state(self, func, *, state, name=None):
        base = name or getattr(func, "__name__", None)
        if not base:
            raise ValueError("function has no name.")
        params = inspect.signature(func).parameters
        bad = sorted(k for k in state if k not in params)
        if bad:
            raise ValueError(f"state contains keys not present in stateful function/object: {', '.join(bad)}")
        for k, v in state.items():
            _state.check(v, f"state {k!r}")
        entry = dict(state)
        self._bind(0, base, entry, list(entry), False)
        return functools.partial(func, **entry)

    def bind_object_state(self, obj, *, state, name=None):
        base = name or getattr(obj, "__name__", None) or type(obj).__name__
        bad = sorted(a for a in state if not hasattr(obj, a))
        if bad:
            raise ValueError(f"state contains keys not present in stateful function/object: {', '.join(bad)}")
        for a in state:
            _state.check(getattr(obj, a), f"attribute {a!r}")
        self._bind(1, base, obj, list(state), True)
        return obj

    def buffer(self, data, memory_limit_mb=None, concat_func=None):
        info = self._info()  # one C call for both fields (a tight loop calls buffer every item)
        it = info["iteration"]
        if it != self._slot_iteration:
            self._slot_iteration = it
            self._slot_pos = 0
        slot = self._slots.setdefault(self._slot_pos, [{}, 0])
        self._slot_pos += 1
        for k, f in data.items():
            slot[0].setdefault(k, []).append(f)
            slot[1] += _frame_bytes(f)
        limit = self._limit if memory_limit_mb is None else int(memory_limit_mb * 1048576)
        if info["is_last"] or slot[1] >= limit:
            out = {k: (concat_func or _concat)(v) for k, v in slot[0].items() if v}
            for v in slot[0].values():
                v.clear()
            slot[1] = 0
            return out
        raise Skip()
