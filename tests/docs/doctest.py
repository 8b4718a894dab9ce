#!/usr/bin/env python3
"""tests/docs/doctest.py: the documentation's examples are run, so they cannot rot.

usage: doctest.py SOURCE_DIR BUILD_DIR [FILE...]   (default: README.md, docs/*.md, include/oups/*.h)

What is checked, per kind of example:
- ```c blocks of Markdown files and @code ... @endcode blocks of the public headers: each is a
  complete translation unit, compiled with the project's warnings (-Werror) against the public
  headers only; one that defines main() is also linked with liboups.a and run in a scratch
  directory (exit 0 required).
- ```c internal blocks (contributor docs): the same, also seeing the internal headers (src/) and
  the test harness (tests/); compiled, never linked.
- ```text output blocks right after such a program: its standard output, compared exactly.
- ```c excerpt blocks: a declaration copied from a header, shown for reading; it must appear in
  include/oups/*.h verbatim (whitespace aside), so it cannot drift from the real one.
- ```sh blocks: run with bash -e in a scratch directory per Markdown file (blocks of one file
  share it, in order), with the build's `oups` first on PATH. ```sh norun marks the commands
  that build, install or test this project itself (the README's two commands, install steps):
  running them here would recurse.
- ```console blocks: "$ command" lines are run like ```sh; the lines after each command are its
  expected output, compared exactly; a last expected line "..." accepts any further output.
Prints one line per example and "N examples passed, N failed"; exit 1 if any failed.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FILES = sys.argv[3:] or ([os.path.join(SRC, "README.md")] + sorted(glob.glob(os.path.join(SRC, "docs", "*.md")))
                         + sorted(glob.glob(os.path.join(SRC, "include", "oups", "*.h"))))
CC = os.environ.get("CC", "cc")
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wno-unused-parameter",
          "-Wno-unused-variable", "-Wno-unused-function", "-Wno-unused-but-set-variable",
          "-I" + os.path.join(SRC, "include")] + os.environ.get("OUPS_DOCTEST_CFLAGS", "").split()


def link_flags():
    libs = subprocess.run(["pkg-config", "--libs", "libzstd", "snappy", "liblz4", "zlib", "libbrotlienc",
                           "libbrotlidec"], capture_output=True, text=True, check=True).stdout.split()
    return [os.path.join(BUILD, "liboups.a")] + libs + ["-lpthread", "-lm"]


def blocks_md(path):
    """(line, info, text) of every fenced block."""
    out, lines, i = [], open(path, encoding="utf-8").read().split("\n"), 0
    while i < len(lines):
        m = re.match(r"^ {0,4}```(\S*)\s*(.*)$", lines[i])  # fences may be indented (list items)
        if m and m.group(1):
            start, body, i = i + 1, [], i + 1
            while i < len(lines) and not lines[i].lstrip().startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((start, (m.group(1) + " " + m.group(2)).strip(), textwrap.dedent("\n".join(body)) + "\n"))
        elif m:  # an info-less block: skip to its closing fence
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith("```"):
                i += 1
        i += 1
    return out


def blocks_h(path):
    out, lines = [], open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if "@code" in line:
            body = []
            for j in range(i + 1, len(lines)):
                if "@endcode" in lines[j]:
                    break
                body.append(re.sub(r"^\s*\* ?", "", lines[j]))
            out.append((i + 1, "c", "\n".join(body) + "\n"))
    return out


def norm(s):
    """Whitespace and comments aside (an excerpt may annotate fields)."""
    s = re.sub(r"/\*.*?\*/", " ", s, flags=re.S)
    s = re.sub(r"//[^\n]*", " ", s)
    return re.sub(r"\s+", " ", s).strip()


HEADERS = norm("\n".join(open(h, encoding="utf-8").read()
                         for h in glob.glob(os.path.join(SRC, "include", "oups", "*.h"))))


def run_c(text, scratch, internal=False):
    src = os.path.join(scratch, "snippet.c")
    with open(src, "w") as f:
        f.write(text)
    is_prog = not internal and re.search(r"\bint\s+main\s*\(", text) is not None
    exe = os.path.join(scratch, "snippet")
    extra = ["-D_GNU_SOURCE", "-I" + os.path.join(SRC, "src"), "-I" + os.path.join(SRC, "tests")] if internal else []
    cmd = [CC] + CFLAGS + extra + ([src, "-o", exe] + link_flags() if is_prog else ["-c", src, "-o", exe + ".o"])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        return "does not compile:\n" + r.stderr
    if is_prog:
        r = subprocess.run([exe], cwd=scratch, capture_output=True, text=True, timeout=300)
        if r.returncode:
            return "exits %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)
        LAST_STDOUT[0] = r.stdout
    return None


LAST_STDOUT = [None]  # the last C program's output, for a following ```text output block


def shell_env():
    env = dict(os.environ)
    env["PATH"] = BUILD + os.pathsep + env["PATH"]
    env["LC_ALL"] = "C"
    return env


def run_sh(text, scratch):
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=scratch, env=shell_env(),
                       capture_output=True, text=True, timeout=300)
    return None if r.returncode == 0 else "exits %d:\n%s%s" % (r.returncode, r.stdout, r.stderr)


def run_console(text, scratch):
    steps, cur = [], None
    for line in text.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            cur = [line[2:], []]
            steps.append(cur)
        elif cur is not None:
            cur[1].append(line)
    for cmd, want in steps:
        r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=scratch, env=shell_env(),
                           capture_output=True, text=True, timeout=300)
        got = (r.stdout + r.stderr).rstrip("\n").split("\n") if (r.stdout + r.stderr) else []
        prefix = want[:-1] if want and want[-1] == "..." else None
        ok = got[:len(prefix)] == prefix if prefix is not None else got == want
        if not ok:
            return "$ %s\nexpected:\n%s\ngot (exit %d):\n%s" % (cmd, "\n".join(want), r.returncode, "\n".join(got))
    return None


def main():
    passed = failed = 0
    for path in FILES:
        rel = os.path.relpath(path, SRC)
        blocks = blocks_h(path) if path.endswith(".h") else blocks_md(path)
        scratch = tempfile.mkdtemp(prefix="oups-doctest-")
        try:
            for line, info, text in blocks:
                kind = info.split()
                if kind[0] == "c":
                    LAST_STDOUT[0] = None  # an output block belongs to the program right before it
                if kind[0] == "c" and "excerpt" in kind:
                    err = None if norm(text) in HEADERS else "excerpt not found in include/oups/*.h"
                elif kind[0] == "c":
                    err = run_c(textwrap.dedent(text), scratch, "internal" in kind)
                elif kind[0] in ("sh", "bash") and "norun" not in kind:
                    err = run_sh(text, scratch)
                elif kind[0] == "console":
                    err = run_console(text, scratch)
                elif kind[0] == "text" and "output" in kind:
                    got = LAST_STDOUT[0]
                    err = None if got == text else "program output:\n%s\nexpected:\n%s" % (got, text)
                else:
                    continue
                where = "%s:%d (%s)" % (rel, line, info)
                if err:
                    failed += 1
                    print("FAIL " + where + ": " + err.rstrip())
                else:
                    passed += 1
                    print("ok   " + where)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    print("%d examples passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
