"""pykeops as the tests' oracle: one place that lists every formula it compiles.

pykeops' CPU backend JIT-compiles each (formula, reduction, axis, dtype) with
g++ (seconds each), so the cases are fixed here, computed once per machine in
a pool of worker processes, and cached on disk (pykeops' build folder and the
results, keyed by the case and the exact input bytes):
$KRED_TEST_CACHE (default ~/.cache/kred-tests).
"""

import hashlib
import os
import pickle
import zlib

import numpy as np

M, N = 40, 60

# name -> (formula, aliases, reduction, axis, opt_arg, formula2, dtype)
_GAUSS = ("Exp(-p*SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"])
_SCORE = ("p*(x|y) - SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"])
_VEC = ("Square(x-y) + x*y", ["x = Vi(3)", "y = Vj(3)"])
_SCAL = ("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"])

CASES = {
    "sum1": (*_GAUSS, "Sum", 1, None, None, "float32"),
    "sum0": (*_GAUSS, "Sum", 0, None, None, "float32"),
    "sum1_f64": (*_GAUSS, "Sum", 1, None, None, "float64"),
    "lse1": (*_SCORE, "LogSumExp", 1, None, None, "float32"),
    "lse0": (*_SCORE, "LogSumExp", 0, None, None, "float32"),
    "lsew1": (*_SCORE, "LogSumExp", 1, None, "Exp(b)", "float32"),
    "ssmw1": (*_SCORE, "SumSoftMaxWeight", 1, None, "b", "float32"),
    "min1": (*_VEC, "Min", 1, None, None, "float32"),
    "max1": (*_VEC, "Max", 1, None, None, "float32"),
    "argmin1": (*_VEC, "ArgMin", 1, None, None, "float32"),
    "argmax1": (*_VEC, "ArgMax", 1, None, None, "float32"),
    "minargmin1": (*_VEC, "Min_ArgMin", 1, None, None, "float32"),
    "maxargmax1": (*_VEC, "Max_ArgMax", 1, None, None, "float32"),
    "kmin1": (*_VEC, "KMin", 1, 4, None, "float32"),
    "argkmin1": (*_VEC, "ArgKMin", 1, 4, None, "float32"),
    "kminargkmin1": (*_VEC, "KMin_ArgKMin", 1, 4, None, "float32"),
    "argkmin0_scalar": (*_SCAL, "ArgKMin", 0, 5, None, "float32"),
}


def case(name):
    formula, aliases, reduction, axis, opt_arg, formula2, dtype = CASES[name]
    return dict(
        formula=formula, aliases=list(aliases), reduction=reduction, axis=axis, opt_arg=opt_arg, formula2=formula2, dtype=dtype
    )


def inputs(name, dtype=None):
    """Deterministic inputs of a case: (M, d) for Vi, (N, d) for Vj, (d,) positive for Pm."""
    c = case(name)
    dtype = dtype or c["dtype"]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    out = []
    for a in c["aliases"]:
        kind = a.split("=")[1].strip()[:2]
        dim = int(a.split("(")[1].rstrip(")").split(",")[-1])
        if kind == "Vi":
            out.append(rng.standard_normal((M, dim)).astype(dtype))
        elif kind == "Vj":
            out.append(rng.standard_normal((N, dim)).astype(dtype))
        else:
            out.append(rng.uniform(0.5, 1.5, (dim,)).astype(dtype))
    return out


def cache_dir():
    d = os.environ.get("KRED_TEST_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "kred-tests")
    os.makedirs(d, exist_ok=True)
    return d


def _key(name):
    import importlib.metadata as md

    c = case(name)
    h = hashlib.sha256(repr(sorted(c.items())).encode())
    for a in inputs(name):
        h.update(a.tobytes())
    h.update(md.version("pykeops").encode())
    return h.hexdigest()[:24]


def _setup_pykeops():
    here = os.path.dirname(os.path.abspath(__file__))
    os.environ.setdefault("CXX", os.path.join(here, "pykeops_cxx.sh"))
    import pykeops

    pykeops.set_verbose(False)
    build = os.path.join(cache_dir(), "pykeops-build")
    os.makedirs(build, exist_ok=True)
    pykeops.set_build_folder(build)
    return pykeops


def _compute(names):
    _setup_pykeops()
    from pykeops.numpy import Genred

    out = {}
    for name in names:
        c = case(name)
        g = Genred(
            c["formula"], c["aliases"], reduction_op=c["reduction"], axis=c["axis"], opt_arg=c["opt_arg"], formula2=c["formula2"]
        )
        out[name] = g(*inputs(name), backend="CPU")
    return out


def results(names=None, workers=2):
    """{case name: pykeops output} for every case (computed once per machine)."""
    names = list(CASES) if names is None else list(names)
    return cached_results("oracle-results", names, _key, _compute, workers=workers, spawn=False)


def cached_results(subdir, names, key, compute, workers=1, spawn=True):
    """{name: result} for `names`, pickled in cache_dir()/subdir as <name>-<key(name)>.pkl.

    The missing ones come from compute(list of names) -> {name: result}, a
    module-level function, run in up to `workers` spawned processes; with
    spawn=False, in this process when workers == 1 or only one is missing.
    """
    d = os.path.join(cache_dir(), subdir)
    os.makedirs(d, exist_ok=True)
    found, missing = {}, []
    for name in names:
        path = os.path.join(d, f"{name}-{key(name)}.pkl")
        if os.path.exists(path):
            with open(path, "rb") as f:
                found[name] = pickle.load(f)
        else:
            missing.append(name)
    if missing:
        if spawn or (workers > 1 and len(missing) > 1):
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            chunks = [c for c in (missing[k::workers] for k in range(workers)) if c]
            with ProcessPoolExecutor(max_workers=len(chunks), mp_context=mp.get_context("spawn")) as ex:
                parts = list(ex.map(compute, chunks))
            computed = {k: v for p in parts for k, v in p.items()}
        else:
            computed = compute(missing)
        for name, value in computed.items():
            path = os.path.join(d, f"{name}-{key(name)}.pkl")
            tmp = path + f".tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                pickle.dump(value, f)
            os.replace(tmp, path)
            found[name] = value
    return found
