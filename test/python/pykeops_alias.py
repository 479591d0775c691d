"""A pytest plugin that makes ``import pykeops...`` import kred instead.

Loaded with ``-p pykeops_alias`` (test/python on sys.path) by
pykeops_suite.py, to run pykeops' own test files, in place in the
installed pykeops package, against kred:

- ``pykeops`` is ``kred``, ``pykeops.X.Y`` is ``kred.X.Y`` (the module
  objects themselves, so the tests see exactly what kred users see);
- ``pykeops.test`` (and its modules) stay pykeops' real test files, so
  that pytest can import them under their package name.

Nothing else of pykeops is importable while the alias is installed.
"""

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys


def _real_pykeops_dir():
    """The installed pykeops package folder, found without importing it."""
    for entry in sys.path:
        cand = os.path.join(entry or ".", "pykeops")
        if os.path.isfile(os.path.join(cand, "__init__.py")) and os.path.isdir(os.path.join(cand, "test")):
            return os.path.abspath(cand)
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class PykeopsAliasFinder(importlib.abc.MetaPathFinder):
    def __init__(self, test_dir):
        self.test_dir = test_dir

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pykeops" and not fullname.startswith("pykeops."):
            return None
        parts = fullname.split(".")
        if len(parts) >= 2 and parts[1] == "test":
            if self.test_dir is None:
                return None
            if len(parts) == 2:
                init = os.path.join(self.test_dir, "__init__.py")
                return importlib.util.spec_from_file_location(
                    fullname, init, submodule_search_locations=[self.test_dir]
                )
            return None  # pykeops.test.<file>: found through pykeops.test.__path__
        target_name = "kred" + fullname[len("pykeops") :]
        try:
            if importlib.util.find_spec(target_name) is None:
                return None
        except ModuleNotFoundError:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


def install():
    """Installs the alias (idempotent); returns pykeops' real test folder."""
    for f in sys.meta_path:
        if isinstance(f, PykeopsAliasFinder):
            return f.test_dir
    real = _real_pykeops_dir()
    test_dir = os.path.join(real, "test") if real else None
    for name in [m for m in sys.modules if m == "pykeops" or m.startswith("pykeops.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, PykeopsAliasFinder(test_dir))
    return test_dir


install()


def pytest_runtest_setup(item):
    """Seeds torch's and numpy's generators before each test: some of
    pykeops' tests draw unseeded random data and compare with a tolerance
    that a few draws exceed (test_block_sparse_reduction's truncation error
    is above its 0.2% bound for about one draw in six, with pykeops as with
    kred); the project's CI must not depend on the draw."""
    try:
        import numpy

        numpy.random.seed(0)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:
        pass
