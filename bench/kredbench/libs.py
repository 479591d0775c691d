"""The three contenders behind one interface: kred, pykeops and dense torch.

Threads: run.py sets OMP_NUM_THREADS before torch and pykeops are imported
and calls torch.set_num_threads; torch ships the libgomp.so.1 that pykeops'
compiled modules link against, so both run on the same OpenMP runtime with
that many threads. kred's thread pool is set with kred.set_num_threads.
"""

import os
import sys
import tempfile

from .common import REPO


class Libs:
    def __init__(self, threads, use_pykeops=True, pykeops_build_folder=None, pykeops_cxxflags=None):
        self.threads = threads
        sys.path.insert(0, os.path.join(REPO, "python"))
        import torch

        import kred
        import kred.torch as kred_torch

        self.torch = torch
        self.kred = kred
        self.kred_torch = kred_torch
        torch.set_num_threads(threads)
        kred.set_num_threads(threads)
        self.kred_error = None
        try:
            self.kred_version = f"{kred.__version__} (_C {kred.common._cext.extension().version})"
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            self.kred_version = f"{kred.__version__} (_C failed to load: {exc})"
            self.kred_error = str(exc)

        self.pykeops = None
        self.pykeops_reason = "disabled (--no-pykeops)"
        self.pykeops_cxxflags = pykeops_cxxflags
        if use_pykeops:
            if pykeops_cxxflags is not None:
                # keopscore reads CXXFLAGS once, when its config is built.
                os.environ["CXXFLAGS"] = pykeops_cxxflags
            try:
                import pykeops
                import pykeops.torch as pykeops_torch

                pykeops.set_verbose(False)
                suffix = ""
                if pykeops_cxxflags:
                    suffix = "-" + "".join(c if c.isalnum() else "_" for c in pykeops_cxxflags.strip())
                folder = pykeops_build_folder or os.path.join(
                    os.path.expanduser("~"), ".cache", "kred-bench", "pykeops-build" + suffix)
                os.makedirs(folder, exist_ok=True)
                pykeops.set_build_folder(folder)
                self.pykeops = pykeops_torch
                self.pykeops_version = pykeops.__version__
                self.pykeops_folder = folder
            except Exception as exc:  # noqa: BLE001 - pykeops is optional
                self.pykeops_reason = f"pykeops unavailable: {type(exc).__name__}: {exc}"

    def set_kred_threads(self, n):
        self.kred.set_num_threads(n)

    def genred(self, lib, wl):
        mod = self.kred_torch if lib == "kred" else self.pykeops
        return mod.Genred(wl.formula, list(wl.aliases), **wl.genred_kwargs())


def fresh_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
