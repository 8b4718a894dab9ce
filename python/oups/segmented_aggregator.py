"""SegmentedAggregator: the reference's segmentby + cumsegagg as a stateful op on the C
aggregator (the reference's segmentby/cumsegagg; C guide docs/segagg.md). Feed it the chunks of an
ordered stream; each call returns the bins (and snapshots) of the rows seen, the last bin of
each group being in progress (it comes again, updated, in the next call with rows). Bind it
with StatefulLoop.bind_object_state(agg, state=["_conf"]) to resume exactly in another run.
"""
import numpy as np
import pandas as pd

from . import _oups
from ._frame import frame_to_table, table_to_frame

_FUNCS = {"first": 0, "last": 1, "min": 2, "max": 3, "sum": 4, "count": 5, "mean": 6}
_ORIGINS = {"epoch": 0, "start_day": 1, "start": 2}


class by_x_rows:  # noqa: N801 (the reference's public name)
    """bin_by=by_x_rows(n): bins of n rows (counted per group)."""

    def __init__(self, rows=4):
        self.rows = int(rows)


def _ns(v):
    if isinstance(v, (int, np.integer)):
        return int(v)
    return pd.Timestamp(v).value


def _segmenter(spec, closed, label, origin, offset):
    if spec is None:
        return None
    d = {"closed_right": closed == "right", "label_right": label == "right"}
    if isinstance(spec, by_x_rows):
        return dict(d, kind="rows", rows=spec.rows)
    if isinstance(spec, (str, pd.Timedelta, pd.DateOffset)) or hasattr(spec, "freq"):
        freq = getattr(spec, "freq", spec)
        d.update(kind="time", freq_ns=int(pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).value
                                          if not isinstance(freq, pd.Timedelta) else freq.value))
        if origin in _ORIGINS:
            d["origin"] = _ORIGINS[origin]
        else:
            d.update(origin=3, origin_ns=_ns(origin))
        if offset is not None:
            d["offset_ns"] = int(pd.Timedelta(offset).value)
        return d
    if callable(spec):
        raise NotImplementedError("user-callback segmenters are not available from Python yet")
    return dict(d, kind="points", points=[_ns(p) for p in spec])


class SegmentedAggregator:
    """SegmentedAggregator(ordered_on, agg, bin_by, *, snap_by=None, by=None, closed="left",
    label="left", origin="epoch", offset=None)

    agg: {out_col: (in_col, func)}, func among first, last, min, max, sum, count, mean.
    bin_by: a period ("5min", pd.Timedelta), by_x_rows(n), or explicit bin end points.
    snap_by: None, a period or explicit points: snapshots of the bin in progress.
    by: group columns (one pass over interleaved groups).
    """

    def __init__(self, ordered_on, agg, bin_by, *, snap_by=None, by=None, closed="left", label="left",
                 origin="epoch", offset=None):
        if not hasattr(_oups, "SegmentedAggregator"):
            raise NotImplementedError("this liboups has no segmented aggregator")
        aggs = []
        for out, (col, func) in agg.items():
            if func not in _FUNCS:
                raise ValueError(f"{func} aggregation function is unknown")
            aggs.append((out, col, _FUNCS[func]))
        self.ordered_on = ordered_on
        self._conf = _oups.SegmentedAggregator(
            ordered_on, aggs, _segmenter(bin_by, closed, label, origin, offset),
            _segmenter(snap_by, closed, label, origin, offset), list(by) if by else None)
        self._has_snaps = snap_by is not None

    def process(self, chunk):
        """Bins (a DataFrame), or (bins, snapshots) with snap_by, of one chunk; oups Tables
        instead of DataFrames when `chunk` is not a DataFrame (an oups Table or Arrow provider)."""
        bins, snaps = self._conf.process(frame_to_table(chunk))
        if not isinstance(chunk, pd.DataFrame):
            return (bins, snaps) if self._has_snaps else bins
        if self._has_snaps:
            return table_to_frame(bins), table_to_frame(snaps)
        return table_to_frame(bins)

    agg = process
