#!/usr/bin/env python3
# tests/ops/segagg_pandas.py: the pandas oracle for tests/ops/test_segagg_oracle.c.
# Input files (argv[1:], one case each, so pandas is imported once): line 1
# "freq_ns closed label origin offset_ns" (origin: epoch, start_day, start or an int64 ns
# timestamp), then one row per line "ts_ns x i" (x "nan" = missing).
# Output (stdout): per case, one line per bin "label_ns size" then first last min max sum count
# mean of x, then of i (floats as %.17g, missing as nan), and a line "#" after each case.
import sys

import numpy as np
import pandas as pd

FUNCS = ["first", "last", "min", "max", "sum", "count", "mean"]


def case(path):
    with open(path) as f:
        lines = f.read().split("\n")
    freq, closed, label, origin, offset = lines[0].split()
    rows = [l.split() for l in lines[1:] if l.strip()]
    ts = pd.to_datetime(np.array([int(r[0]) for r in rows], dtype=np.int64), unit="ns")
    x = np.array([float(r[1]) for r in rows], dtype=np.float64)
    i = np.array([int(r[2]) for r in rows], dtype=np.int64)
    df = pd.DataFrame({"x": x, "i": i}, index=ts)
    if origin not in ("epoch", "start_day", "start"):
        origin = pd.Timestamp(int(origin), unit="ns")
    r = df.resample(pd.Timedelta(int(freq), unit="ns"), closed=closed, label=label, origin=origin,
                    offset=pd.Timedelta(int(offset), unit="ns"))
    size = r.size()
    res = r.agg({"x": FUNCS, "i": FUNCS})
    cols = res[[(c, f) for c in ("x", "i") for f in FUNCS]].to_numpy(dtype=np.float64)
    labels = res.index.asi8
    sizes = size.to_numpy()
    out = []
    for k in range(len(labels)):
        out.append("%d %d %s" % (labels[k], sizes[k], " ".join("nan" if v != v else "%.17g" % v for v in cols[k])))
    out.append("#")
    sys.stdout.write("\n".join(out) + "\n")


for arg in sys.argv[1:]:
    case(arg)
