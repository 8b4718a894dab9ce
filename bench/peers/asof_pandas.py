#!/usr/bin/env python3
# bench/peers/asof_pandas.py: pandas' side of bench_asof.
# usage: asof_pandas.py N_MAIN N_TABLE RUNS
# Builds the bench data (formulas shared with bench_asof.c), then times
# pd.merge_asof(left, right, on="ts") (backward, exact matches allowed); prints one JSON line
# {"engine","version","ms":[...],"cpu_ms":[...],"sum"}.
import json
import sys
import time

import numpy as np
import pandas as pd

nm, nk, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 3


def keys(n, mult):
    i = np.arange(n, dtype=np.int64)
    return 3 * i + ((i * mult) % 1000003) % 3


left = pd.DataFrame({"ts": keys(nm, 48271)})
right = pd.DataFrame({"ts": keys(nk, 69621), "v": np.arange(nk, dtype=np.float64) * 0.25})
ms, cpu_ms = [], []
total = 0.0
for _ in range(runs):
    t0, c0 = time.perf_counter(), time.process_time()
    out = pd.merge_asof(left, right, on="ts")
    ms.append((time.perf_counter() - t0) * 1000)
    cpu_ms.append((time.process_time() - c0) * 1000)
    total = float(out["v"].sum())
print(json.dumps({"engine": "pandas", "version": pd.__version__, "ms": ms, "cpu_ms": cpu_ms, "sum": total}))
