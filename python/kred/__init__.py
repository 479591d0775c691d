"""kernelred (kred): symbolic kernel reductions compiled with MLIR.

A drop-in replacement for pykeops: ``from kred.numpy import Genred, LazyTensor``
or ``from kred.torch import ...``. numpy is required; torch only for kred.torch.
The compiled extension ``kred._C`` is loaded on first use.
"""

__version__ = "0.1.0"


def set_num_threads(n):
    """Number of CPU threads used by reductions (n <= 0: all hardware threads).

    `n`: an integer (int, numpy integer, 0-d integer array or tensor); a bool,
    float or larger array is a TypeError.
    """
    from kred.common._cext import extension
    from kred.common.parse import as_integer

    extension().set_num_threads(as_integer(n, "set_num_threads: n"))


def get_num_threads():
    """Number of CPU threads used by reductions."""
    from kred.common._cext import extension

    return extension().get_num_threads()


def clear_cache():
    """Forgets the kernels compiled in this process (the on-disk cache is kept)."""
    from kred.common import cache

    cache.clear()


# Where a wheel's AOT runtime is: find_package(kernelred) with
# CMAKE_PREFIX_PATH=kred.get_cmake_prefix() (docs/abi.md).
from kred._tools import get_cmake_dir, get_cmake_prefix  # noqa: E402

# pykeops' module-level API ------------------------------------------------

import os as _os

# Whether kred prints messages: a line per compiled kernel (formula, target,
# time) and pykeops' messages. Off by default; KRED_VERBOSE=1 (or
# PYKEOPS_VERBOSE=1) or set_verbose(True) turn them on.
verbose = _os.getenv("KRED_VERBOSE", _os.getenv("PYKEOPS_VERBOSE", "0")) not in ("", "0")
default_device_id = 0

import importlib.util as _ilu

numpy_found = _ilu.find_spec("numpy") is not None
torch_found = _ilu.find_spec("torch") is not None


def set_verbose(val):
    """Turns kred's messages on or off (pykeops.set_verbose): with True, each kernel compiled or loaded
    from the disk cache prints a line (reduction, formula, dtype, target, time) on stdout."""
    global verbose
    verbose = bool(val)


def get_build_folder():
    """The folder of the on-disk kernel cache ('' when disabled); pykeops' build folder."""
    from kred.common._cext import extension

    return extension().cache_dir()


keops_get_build_folder = get_build_folder


def set_build_folder(path=None):
    """Moves the on-disk kernel cache to `path` (None: back to the default, $KRED_CACHE_DIR or ~/.cache/kred).

    Kernels already compiled in this process stay usable. A folder that does
    not exist is created private to the user (0700); an existing one is used
    as it is, and clean_pykeops() deletes only kred's entries from it.
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
        _os.makedirs(path, mode=0o700, exist_ok=True)  # a new folder is private to the user
        _os.environ["KRED_CACHE_DIR"] = path


_UNSET = object()
_default_cache_env = _UNSET


def clean_pykeops(recompile_jit_binaries=True):
    """Forgets every compiled kernel: the in-process memo and kred's entries in the on-disk cache.

    Only what kred wrote is deleted: in a cache folder that carries kred's
    marker file (``.kred-cache``, written with the first entry), the files
    ``<xx>/<32 hex digits>.kobj`` that are kred cache entries (and kred's own
    temporary files, once older than a minute), then the ``<xx>`` folders
    left empty, and the marker when nothing else is left. Anything else in
    the folder -- a folder handed to ``set_build_folder`` may hold the
    user's files -- is left alone.
    Returns the number of files deleted.
    `recompile_jit_binaries` is accepted for pykeops compatibility (kred has no JIT binaries).
    """
    from kred.common._cext import extension

    clear_cache()
    ext = extension()
    if hasattr(ext, "clear_memo"):
        ext.clear_memo()
    folder = ext.cache_dir()
    if not folder:
        return 0
    return _clean_cache_folder(folder)


CACHE_MARKER = ".kred-cache"
_ENTRY_MAGIC = b"KREDOBJ1"


def _clean_cache_folder(folder, min_temp_age=60.0):
    """Deletes kred's entries in `folder` (see clean_pykeops); returns how many files were deleted."""
    import re
    import stat
    import time

    entry_re = re.compile(r"^([0-9a-f]{32})\.kobj$")
    temp_re = re.compile(r"^([0-9a-f]{32})\.kobj\.[0-9a-zA-Z]{8}\.tmp$")
    try:
        st = _os.lstat(folder)
    except OSError:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return 0
    if not _os.path.isfile(_os.path.join(folder, CACHE_MARKER)):
        if verbose:
            print(f"[kred] {folder} has no {CACHE_MARKER} marker: not a kred cache folder, nothing deleted")
        return 0
    deleted = 0
    now = time.time()
    for sub in _os.listdir(folder):
        if not re.fullmatch(r"[0-9a-f]{2}", sub):
            continue
        subdir = _os.path.join(folder, sub)
        try:
            if not stat.S_ISDIR(_os.lstat(subdir).st_mode):  # not a symbolic link to elsewhere
                continue
            names = _os.listdir(subdir)
        except OSError:
            continue
        for name in names:
            m = entry_re.match(name) or temp_re.match(name)
            if not m or not m.group(1).startswith(sub):
                continue
            path = _os.path.join(subdir, name)
            try:
                fst = _os.lstat(path)
                if not stat.S_ISREG(fst.st_mode):
                    continue
                if name.endswith(".tmp"):
                    if now - fst.st_mtime < min_temp_age:
                        continue  # maybe being written by another process right now
                else:
                    with open(path, "rb") as f:
                        if f.read(len(_ENTRY_MAGIC)) != _ENTRY_MAGIC:
                            continue
                _os.remove(path)
                deleted += 1
            except OSError:
                pass
        try:
            _os.rmdir(subdir)  # only succeeds when nothing else is left in it
        except OSError:
            pass
    meta = _os.path.join(folder, ".kred-meta")  # kred.cache's records of the entries
    try:
        for name in _os.listdir(meta):
            if re.fullmatch(r"[0-9a-f]{32}\.json", name):
                _os.remove(_os.path.join(meta, name))
        _os.rmdir(meta)
    except OSError:
        pass
    try:
        if _os.listdir(folder) == [CACHE_MARKER]:  # nothing else left: the folder is as before kred used it
            _os.remove(_os.path.join(folder, CACHE_MARKER))
    except OSError:
        pass
    return deleted


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
    if name in ("config", "cache"):
        import importlib

        return importlib.import_module("kred." + name)
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
