"""pytest configuration of the Python tests (kred.numpy, kred.torch).

- Tests run against the real compiled extension kred._C; they fail (not
  skip) when it is missing. KRED_TEST_FAKE_C=1 swaps in the pure-numpy
  stand-in of keops_ref.py, for developing the Python side alone.
- pykeops (the oracle) is set up in oracle.py; its results are cached in
  $KRED_TEST_CACHE (default ~/.cache/kred-tests).
- Tests marked `gpu` are skipped without a CUDA device.
- The GPU suite runs on the host GPU emulator without a GPU (docs/gpu.md):
  its race detector stays on, but threads switch only at barriers
  (KRED_GPU_EMU_LOCKSTEP=0: eight times faster; a race is then reported as
  read-after-write or write-after-read depending on the thread order). The
  emulator's own tests (test/unit/GpuEmuTest.cpp, test_gpu_emulator.py) run
  in lockstep.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FAKE = os.environ.get("KRED_TEST_FAKE_C") == "1"

os.environ.setdefault("KRED_GPU_EMU_LOCKSTEP", "0")


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skipped without one)")
    config.addinivalue_line("markers", "oracle: compares with pykeops")
    if FAKE:
        from keops_ref import FakeC

        from kred.common._cext import set_extension

        set_extension(FakeC)


def pytest_report_header(config):
    return "kred._C: " + ("FAKE (KRED_TEST_FAKE_C=1, keops_ref.FakeC)" if FAKE else "compiled extension")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="no CUDA GPU: torch.cuda.is_available() is False")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pykeops_results():
    """{case name: pykeops result} for every case of oracle.CASES."""
    import oracle as _oracle

    return _oracle.results()
