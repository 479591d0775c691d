"""kred.config: what pykeops.config tells about the installation.

``gpu_available`` is True only when kred can run reductions on a CUDA
device; pykeops' own tests (and user code) use it to pick GPU code paths.
"""

import importlib.util
import os

numpy_found = importlib.util.find_spec("numpy") is not None
torch_found = importlib.util.find_spec("torch") is not None


def _gpu_available():
    from kred.common import backends

    probe = getattr(backends, "gpu_available", None)
    if probe is None:
        return False
    try:
        return bool(probe())
    except Exception:
        return False


gpu_available = _gpu_available()


def get_build_folder():
    """The folder of kred's on-disk kernel cache (pykeops: its build folder)."""
    from kred import get_build_folder as _get

    return _get()


def get_use_cuda():
    return gpu_available
