"""pykeops' own test files (in the installed pykeops package), run against kred.

Each file runs in a pytest subprocess with ``import pykeops`` aliased to
``kred`` (pykeops_alias.py, pykeops_suite.py). Every test must pass; a test
may be skipped only because there is no GPU. Skipped when pykeops is not
installed (it is the reference of the .venv).
"""

import re

import pytest

import pykeops_suite

FILES = pykeops_suite.suite_files()
# A file must finish in this many seconds (it compiles each of its formulas once).
TIMEOUT = 900
GPU_SKIP = re.compile(r"gpu|cuda", re.IGNORECASE)


@pytest.mark.skipif(not FILES, reason="pykeops is not installed")
@pytest.mark.parametrize("name", FILES or ["none"])
def test_pykeops_file(name):
    counts, out, cases = pykeops_suite.run_file(name, timeout=TIMEOUT)
    assert not counts.get("timeout"), f"{name} did not finish in {TIMEOUT} s:\n{out[-4000:]}"
    bad = [(n, s, m) for n, s, m in cases if s in ("failed", "errors")]
    bad_skips = [(n, s, m) for n, s, m in cases if s == "skipped" and not GPU_SKIP.search(m)]
    report = "\n".join(f"  {s}: {n}: {m[:500]}" for n, s, m in bad + bad_skips)
    assert cases, f"{name}: no test ran:\n{out[-4000:]}"
    assert not bad and not bad_skips and counts["errors"] == 0, f"{name}:\n{report}\n{out[-4000:]}"
