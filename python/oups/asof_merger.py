"""AsofMerger with the reference's API (the reference's) on the C merger. Its state (the
layout and the fill blocks) is the C object held in `_conf` (also reachable as
`_fill_values`): bind it with StatefulLoop.bind_object_state(merger, state=["_conf"]).
"""
import numpy as np
import pandas as pd

from . import _oups
from ._frame import frame_to_table, table_to_frame


def _is_table(x):
    return (isinstance(x, (pd.DataFrame, _oups.Table)) or hasattr(x, "__arrow_c_stream__")
            or hasattr(x, "__arrow_c_array__"))


class AsofMerger:
    def __init__(self, on, *, n_dfs_per_group, prefixes=None, allow_exact_matches=None, n_prev=None,
                 n_prev_suffix_start=0, fill_values_init=None, direction="backward", tolerance=None):
        if prefixes is not None:
            if len(prefixes) and isinstance(prefixes[0], str):
                prefixes = [prefixes]
            if any(len(p) != n_dfs_per_group for p in prefixes):
                raise ValueError("each group must be of length 'n_dfs_per_group' in 'prefixes'.")
        if allow_exact_matches is not None and len(allow_exact_matches) != n_dfs_per_group:
            raise ValueError("'allow_exact_matches' length must match 'n_dfs_per_group'.")
        if n_prev is not None:
            if len(n_prev) != n_dfs_per_group:
                raise ValueError(f"'n_prev' must have length '{n_dfs_per_group}' (number of dataframes per group), "
                                 f"got '{len(n_prev)}'.")
            if any(n < 0 for n in n_prev):
                raise ValueError("all values in 'n_prev' must be >= 0.")
        self.on = on
        self.n_dfs_per_group = n_dfs_per_group
        kw = dict(n_prev_suffix_start=n_prev_suffix_start,
                  direction={"backward": 0, "forward": 1, "nearest": 2}[direction])
        if prefixes is not None:
            kw["prefixes"] = [p for group in prefixes for p in group]
            kw["n_join_positions"] = len(prefixes)
        if allow_exact_matches is not None:
            kw["allow_exact_matches"] = [bool(a) for a in allow_exact_matches]
        if n_prev is not None:
            kw["n_prev"] = [int(n) for n in n_prev]
        if tolerance is not None:
            kw["tolerance"] = int(pd.Timedelta(tolerance).value) if not isinstance(tolerance, int) else tolerance
        if fill_values_init is not None:
            kw["fill"] = 2
            kw["fill_values_init"] = [frame_to_table(t) for g in fill_values_init for t in g]
            kw["n_fill_groups"] = len(fill_values_init)
        self._conf = _oups.AsofMerger(on, n_dfs_per_group, **kw)

    @property
    def _fill_values(self):
        return self._conf

    @_fill_values.setter
    def _fill_values(self, value):
        self._conf = value

    def merge(self, main, *, df_groups, combinations=None, copy=True, check_sorted=False):
        if combinations is None:
            if not df_groups or not _is_table(df_groups[0]):
                raise ValueError("when 'combinations' is None, 'df_groups' must be a flat list of DataFrames.")
            groups = [df_groups]
        else:
            groups = df_groups
            combinations = np.asarray(combinations)
        for g, group in enumerate(groups):
            if len(group) != self.n_dfs_per_group:
                raise ValueError(f"group '{g}' must have the same number of dataframes as 'n_dfs_per_group' "
                                 f"({self.n_dfs_per_group}).")
        tables = [frame_to_table(t) for group in groups for t in group]
        if isinstance(main, pd.Series):
            main = main.array if isinstance(main.dtype, pd.DatetimeTZDtype) else main.to_numpy()
        out = self._conf.merge(main, tables, len(groups), combinations, check_sorted)
        # DataFrames in, DataFrame out; oups Tables (or Arrow providers) in, an oups Table out
        if any(isinstance(t, pd.DataFrame) for group in groups for t in group):
            return table_to_frame(out)
        return out
