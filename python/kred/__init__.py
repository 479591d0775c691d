"""kernelred (kred): symbolic kernel reductions compiled with MLIR.

A drop-in replacement for pykeops: ``from kred.numpy import Genred, LazyTensor``
or ``from kred.torch import ...``. numpy is required; torch only for kred.torch.
The compiled extension ``kred._C`` is loaded on first use.
"""

__version__ = "0.1.0"


def set_num_threads(n):
    """Number of CPU threads used by reductions (n <= 0: all hardware threads)."""
    from kred.common._cext import extension

    extension().set_num_threads(int(n))


def get_num_threads():
    """Number of CPU threads used by reductions."""
    from kred.common._cext import extension

    return extension().get_num_threads()


def clear_cache():
    """Forgets the kernels compiled in this process (the on-disk cache is kept)."""
    from kred.common import cache

    cache.clear()


# pykeops' module-level API ------------------------------------------------

import os as _os

# Whether kred prints pykeops-style messages (PYKEOPS_VERBOSE=0 or
# KRED_VERBOSE=0 turn them off, as in pykeops).
verbose = _os.getenv("PYKEOPS_VERBOSE", _os.getenv("KRED_VERBOSE")) != "0"
default_device_id = 0

import importlib.util as _ilu

numpy_found = _ilu.find_spec("numpy") is not None
torch_found = _ilu.find_spec("torch") is not None


def set_verbose(val):
    """Turns kred's messages on or off (pykeops.set_verbose)."""
    global verbose
    verbose = bool(val)


def get_build_folder():
    """The folder of the on-disk kernel cache ('' when disabled); pykeops' build folder."""
    from kred.common._cext import extension

    return extension().cache_dir()


keops_get_build_folder = get_build_folder


def set_build_folder(path=None):
    """Moves the on-disk kernel cache to `path` (None: back to the default, $KRED_CACHE_DIR or ~/.cache/kred).

    Kernels already compiled in this process stay usable.
    """
    global _default_cache_env
    if _default_cache_env is _UNSET:
        _default_cache_env = _os.environ.get("KRED_CACHE_DIR")
    if path is None:
        if _default_cache_env is None:
            _os.environ.pop("KRED_CACHE_DIR", None)
        else:
            _os.environ["KRED_CACHE_DIR"] = _default_cache_env
    else:
        path = _os.path.abspath(_os.path.expanduser(str(path)))
        _os.makedirs(path, exist_ok=True)
        _os.environ["KRED_CACHE_DIR"] = path


_UNSET = object()
_default_cache_env = _UNSET


def clean_pykeops(recompile_jit_binaries=True):
    """Forgets every compiled kernel: the in-process memo and the on-disk cache's contents.

    `recompile_jit_binaries` is accepted for pykeops compatibility (kred has no JIT binaries).
    """
    import shutil

    from kred.common._cext import extension

    clear_cache()
    ext = extension()
    if hasattr(ext, "clear_memo"):
        ext.clear_memo()
    folder = ext.cache_dir()
    if folder and _os.path.isdir(folder):
        for entry in _os.listdir(folder):
            p = _os.path.join(folder, entry)
            if _os.path.isdir(p) and not _os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                try:
                    _os.remove(p)
                except OSError:
                    pass


def check_health():
    """Prints the configuration and runs the numpy (and torch) binding checks."""
    from kred import config

    print(f"kred {__version__}")
    print(f"  build folder (kernel cache): {get_build_folder() or '(disabled)'}")
    print(f"  CPU threads: {get_num_threads()}")
    print(f"  GPU available: {config.gpu_available}")
    test_numpy_bindings()
    if config.torch_found:
        test_torch_bindings()


def show_cuda_status(force_print=False):
    """Prints whether kred can use a GPU."""
    from kred import config

    if force_print or verbose:
        print(f"[kred] GPU available: {config.gpu_available}")


def test_numpy_bindings():
    """Compiles and runs one formula with kred.numpy (pykeops.test_numpy_bindings)."""
    from kred.numpy.test_install import test_numpy_bindings as _run

    return _run()


def test_torch_bindings():
    """Compiles and runs one formula with kred.torch (pykeops.test_torch_bindings)."""
    from kred.torch.test_install import test_torch_bindings as _run

    return _run()


def __getattr__(name):
    # `kred.config` without an explicit import, as `pykeops.config` is always there
    if name == "config":
        import importlib

        return importlib.import_module("kred.config")
    raise AttributeError(f"module 'kred' has no attribute {name!r}")


__all__ = [
    "set_num_threads",
    "get_num_threads",
    "clear_cache",
    "__version__",
    "verbose",
    "set_verbose",
    "get_build_folder",
    "set_build_folder",
    "clean_pykeops",
    "check_health",
    "test_numpy_bindings",
    "test_torch_bindings",
]
