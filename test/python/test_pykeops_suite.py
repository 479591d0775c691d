"""pykeops' own test files (in the installed pykeops package), run against kred.

Each file runs in a pytest subprocess with ``import pykeops`` aliased to
``kred`` (pykeops_alias.py, pykeops_suite.py). Every test must pass; a test
may be skipped only because there is no GPU. Skipped when pykeops is not
installed (it is the reference of the .venv).

A slice of them runs a second time with $KRED_GPU_EMULATOR=1: every
reduction not explicitly on the CPU then takes the GPU path on the host GPU
emulator (docs/gpu.md), so pykeops' own expectations check the GPU kernels.
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
    check_file(name)


def check_file(name, extra_env=None, what=""):
    """Runs pykeops' test file `name` against kred: every test passes or is skipped for want of a GPU."""
    counts, out, cases = pykeops_suite.run_file(name, timeout=TIMEOUT, extra_env=extra_env)
    assert not counts.get("timeout"), f"{name} did not finish in {TIMEOUT} s:\n{out[-4000:]}"
    bad = [(n, s, m) for n, s, m in cases if s in ("failed", "errors")]
    bad_skips = [(n, s, m) for n, s, m in cases if s == "skipped" and not GPU_SKIP.search(m)]
    report = "\n".join(f"  {s}: {n}: {m[:500]}" for n, s, m in bad + bad_skips)
    assert cases, f"{name}: no test ran:\n{out[-4000:]}"
    assert not bad and not bad_skips and counts["errors"] == 0, f"{name}{what}:\n{report}\n{out[-4000:]}"


# Files whose reductions run on the GPU path on the emulator (block-sparse
# ranges= included).
EMULATED_FILES = [
    "test_block_sparse_reduction.py",
    "test_chunks_ranges.py",
    "test_finalchunks_ranges.py",
    "test_lazytensor_gaussian_cpu.py",
    "test_numpy.py",
    "test_torch.py",
    "test_lazytensor_grad.py",
    "test_lazytensor_clamp.py",
    "test_kron.py",
    "test_sinc.py",
    "test_transpose.py",
    "test_lazytensor_tensordot.py",
]


@pytest.mark.skipif(not FILES, reason="pykeops is not installed")
@pytest.mark.parametrize("name", EMULATED_FILES)
def test_pykeops_file_on_the_gpu_emulator(name):
    assert name in FILES, f"{name} is not among pykeops' test files"
    check_file(name, {"KRED_GPU_EMULATOR": "1", "KRED_GPU_EMU_LOCKSTEP": "0"}, " (GPU emulator)")
