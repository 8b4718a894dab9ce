"""oups: ordered data (ticks, logs) on liboups, with the API of the reference Python oups.

    from oups import toplevel, sublevel, Store, OrderedParquetDataset, StatefulLoop, AsofMerger

Errors derive from oups.Error and carry the C library's message.
"""
from ._oups import (BusyError, CallbackError, CorruptError, Error, ExistsError, InvalidArgumentError,
                    LockTimeoutError, NotFoundError, OupsIOError, OutOfMemoryError, ReadOnlyError, SchemaError,
                    StateError, UnorderedError, UnsupportedError, ValueOverflowError)
from ._oups import version as _c_version
from ._frame import Table, frame_to_table, table_to_frame
from ._oups import concat_tables
from .asof_merger import AsofMerger
from .segmented_aggregator import SegmentedAggregator, by_x_rows
from .stateful_loop import Skip, StatefulLoop
from .store import (OrderedParquetDataset, Store, is_toplevel, iter_intersections, sublevel, toplevel, write)

__version__ = _c_version()

__all__ = [
    "AsofMerger", "SegmentedAggregator", "by_x_rows", "OrderedParquetDataset", "Skip", "StatefulLoop", "Store", "Table", "toplevel", "sublevel",
    "is_toplevel", "iter_intersections", "write", "frame_to_table", "table_to_frame", "concat_tables", "Error",
    "InvalidArgumentError", "OutOfMemoryError", "OupsIOError", "CorruptError", "UnsupportedError", "UnorderedError",
    "SchemaError", "NotFoundError", "BusyError", "LockTimeoutError", "ReadOnlyError", "ExistsError", "CallbackError",
    "ValueOverflowError", "StateError",
]
