#!/usr/bin/env python3
# tests/cli/asof_cli_pandas.py: the pandas oracle of tests/cli/test_asof_cli*.c. Usage:
#   asof_cli_pandas.py ON BY|- DIRECTION ALLOW(0|1) TOLERANCE|none MAIN.csv TABLE.csv OURS.csv
# Runs pandas.merge_asof(MAIN, TABLE, on=ON, by=BY (comma list, "-" for none), direction,
# allow_exact_matches, tolerance) and compares it with `oups asof` output OURS.csv column by
# column (by name; the same set of names): a null of ours is pandas' NaN, numbers compare
# exactly (ours prints the shortest round-trip form). Prints the first difference; exit 1.
import sys

import numpy as np
import pandas as pd

on, by, direction, allow, tol, main_p, table_p, ours_p = sys.argv[1:9]
by = None if by == "-" else by.split(",")
main = pd.read_csv(main_p)
table = pd.read_csv(table_p)
for df in (main, table):  # a header-only CSV reads as object columns
    if len(df) == 0:
        df[on] = df[on].astype("int64")
ref = pd.merge_asof(main, table, on=on, by=by, direction=direction, allow_exact_matches=allow == "1",
                    tolerance=None if tol == "none" else int(tol))
ours = pd.read_csv(ours_p)
if sorted(ours.columns) != sorted(ref.columns):
    print(f"columns differ: ours {list(ours.columns)}, pandas {list(ref.columns)}")
    sys.exit(1)
if len(ours) != len(ref):
    print(f"row counts differ: ours {len(ours)}, pandas {len(ref)}")
    sys.exit(1)
for c in ref.columns:
    a, b = ours[c].to_numpy(), ref[c].to_numpy()
    for i in range(len(a)):
        na, nb = pd.isna(a[i]), pd.isna(b[i])
        same = na and nb if (na or nb) else a[i] == b[i]
        if not same:
            print(f"column {c} row {i}: ours {a[i]!r}, pandas {b[i]!r}")
            sys.exit(1)
print(f"ok {len(ref)} rows")
