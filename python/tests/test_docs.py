# labels: quick
"""The Python examples of docs/python*.md and docs/scaling-out.md run: every ```python block
(not marked norun), the blocks of one page in order in one namespace and one scratch
directory."""
import os
import re

import pytest

SRC = os.environ.get("OUPS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PAGES = ["python.md", "python-migration.md", "scaling-out.md"]


def python_blocks(path):
    text = open(path, encoding="utf-8").read()
    return [m.group(2) for m in re.finditer(r"^```python([^\n]*)\n(.*?)^```", text, re.S | re.M)
            if "norun" not in m.group(1)]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, tmp_path, monkeypatch, capsys):
    path = os.path.join(SRC, "docs", page)
    if not os.path.exists(path):
        pytest.skip(f"{page} absent")
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "__doc__"}
    for block in python_blocks(path):
        exec(compile(block, path, "exec"), ns)
    if page == "python.md":
        out = capsys.readouterr().out
        assert "100 100" in out
