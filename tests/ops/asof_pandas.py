#!/usr/bin/env python3
# tests/ops/asof_pandas.py: the pandas oracle for tests/ops/test_asof_oracle.c.
# Input files (argv[1:], one case each, processed in order so pandas is imported once): line 1 "direction allow_exact_matches tolerance|none", line 2 the main
# keys, then one line of keys per table (space-separated int64, possibly empty).
# Output (stdout): per table one line, for each main key the matched table row index or -1,
# from pandas.merge_asof (each table joined separately, matching the row via an index column).
import sys

import numpy as np
import pandas as pd


def ints(line):
    return np.array([int(x) for x in line.split()], dtype=np.int64)


def case(path):
    with open(path) as f:
        lines = f.read().split("\n")
    direction, allow, tol = lines[0].split()
    keys = ints(lines[1])
    left = pd.DataFrame({"ts": keys})
    out = []
    for line in lines[2:]:
        if line.strip() == "#":
            tk = np.array([], dtype=np.int64)
        elif line == "":
            continue
        else:
            tk = ints(line)
        right = pd.DataFrame({"ts": tk, "row": np.arange(len(tk), dtype=np.float64)})
        res = pd.merge_asof(left, right, on="ts", direction=direction, allow_exact_matches=allow == "1",
                            tolerance=None if tol == "none" else int(tol))
        rows = res["row"].to_numpy()
        out.append(" ".join("-1" if np.isnan(r) else str(int(r)) for r in rows))
    sys.stdout.write("\n".join(out) + "\n")


for arg in sys.argv[1:]:
    case(arg)
