"""Access to the compiled extension ``kred._C`` (built by ``make`` into python/kred/).

Everything that needs the compiler or the runtime goes through
:func:`extension`, so the rest of the package imports without ``_C`` (and
the error, when it is missing, says how to build it).
"""

import threading

_lock = threading.Lock()
_module = None
# A module with the same interface as kred._C, installed by set_extension();
# the test-suite uses this seam for its pure-numpy fallback.
_override = None


def extension():
    """Returns the ``kred._C`` module (imported on first use)."""
    global _module
    if _override is not None:
        return _override
    if _module is None:
        with _lock:
            if _module is None:
                try:
                    from kred import _C as mod
                except ImportError as e:
                    raise ImportError(
                        "kred's compiled extension kred._C is not available "
                        f"({e}). Build it with `make` (it is placed in python/kred/) "
                        "or install the package with `pip install .`."
                    ) from e
                _module = mod
    return _module


def set_extension(module):
    """Replaces kred._C by `module` (None restores it). For tests only."""
    global _override
    _override = module
    from kred.common import cache

    cache.clear()


def formula_error_type():
    """The exception type of formula diagnostics (``_C.FormulaError``)."""
    return getattr(extension(), "FormulaError", ValueError)
