# labels: quick
"""bench/bench_python.py runs end to end on a small store (every per-call case, both sides of
the workflow) and both sides compute the same per-minute means. No timing is asserted."""
import os
import subprocess
import sys

import pytest

import oups

SRC = os.environ.get("OUPS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(SRC, "bench", "bench_python.py")


@pytest.mark.skipif(not os.path.exists(BENCH), reason="bench/bench_python.py absent")
def test_bench_python_smoke(tmp_path):
    env = dict(os.environ)  # the children import the oups under test
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.dirname(oups.__file__)),
                                         env.get("PYTHONPATH", "")])
    p = subprocess.run([sys.executable, BENCH, "--rows", "40000", "--runs", "1", "--calls", "20",
                        "--dir", str(tmp_path), "--buffer-mb", "0.1"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "frame_to_table (1 row, 2 cols)" in out and "AsofMerger.merge (Tables in/out)" in out
    assert "oups   run_peak_rss_mb" in out and "pandas cpu phase aggregate (resample)" in out
    assert "same per-minute means: True" in out
    assert os.listdir(tmp_path) == []  # the data files are removed
