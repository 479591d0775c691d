"""The formula corpus (test/Frontend/Inputs/corpus.txt) as numeric test cases.

``entries()`` parses the corpus into dicts (name, formula, aliases, reduction,
axis, opt_arg, formula2, sum_scheme); ``inputs(entry)`` builds deterministic,
never-zero float64 inputs in a domain that suits the formula's operations
(positive below Log/Sqrt/Powf/..., in (0, 1) below Asin/Acos, sorted knots
for BSpline, small integers for OneHot). Every entry runs in float64 whatever
its corpus dtype: the comparisons are about the formula, not the precision.

Used by test_corpus_numeric.py (kred against the float64 dense reference
keops_ref.py) and corpus_vs_pykeops.py (kred against pykeops' CPU backend).
"""

import os
import re
import zlib

import numpy as np

import keops_ref

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "Frontend", "Inputs", "corpus.txt")

M, N = 7, 11

# Operations whose argument must be positive (or in (0, 1)) to stay real.
_POSITIVE = re.compile(r"\b(Log|Sqrt|Rsqrt|Powf|XLogX|Asin|Acos|Pow)\b")


def entries(path=CORPUS):
    out, cur = [], None
    with open(path) as f:
        lines = f.read().splitlines() + [""]
    for line in lines:
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur is not None:
                out.append(cur)
            cur = None
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if cur is None:
            cur = dict(source="", formula="", aliases=[], reduction="Sum", axis=1, opt_arg=None, formula2=None,
                       dtype="float32", sum_scheme=None)
        if key == "var":
            cur["aliases"].append(value)
        elif key == "axis":
            cur["axis"] = int(value)
        elif key == "k":
            cur["opt_arg"] = int(value)
        elif key in cur:
            cur[key] = value
    for i, e in enumerate(out):
        e["name"] = f"c{i:03d}"
    return out


def signature(e):
    """(num_args, categories, dims) as kred reads them (it counts Grad's implicit gradient input)."""
    import kred.numpy

    spec = kred.numpy.Genred(e["formula"], list(e["aliases"]), dtype="float64", **genred_kwargs(e)).spec
    sig = spec.signature("float64")
    return sig.nargs, sig.cats, sig.dims


def inputs(e, m=M, n=N):
    """float64 arrays, one per argument position: (m, d) for Vi, (n, d) for Vj, (d,) for Pm."""
    npos, cats, dims = signature(e)
    f = e["formula"] + " " + (e["formula2"] or "")
    rng = np.random.default_rng(zlib.crc32((e["name"] + f).encode()))
    positive = bool(_POSITIVE.search(f))
    out = []
    for pos in range(npos):
        cat, dim = cats[pos], max(dims[pos], 1)
        shape = (m, dim) if cat == 0 else (n, dim) if cat == 1 else (dim,)
        if "OneHot" in f:
            a = rng.integers(0, 6, shape).astype(np.float64) + rng.uniform(-0.3, 0.3, shape)
        elif "BSpline" in f:
            a = np.sort(rng.uniform(0.05, 0.95, shape), axis=-1)
        elif positive:
            a = rng.uniform(0.1, 0.95, shape)
        else:
            a = rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        if "SoftDTW" in f and cat == 2:
            a = np.abs(a)
        out.append(np.ascontiguousarray(a))
    return out


def genred_kwargs(e):
    kw = dict(reduction_op=e["reduction"], axis=e["axis"], opt_arg=e["opt_arg"], formula2=e["formula2"])
    if e["sum_scheme"]:
        kw["sum_scheme"] = e["sum_scheme"]
    return kw


def run_genred(Genred, e, args):
    g = Genred(e["formula"], list(e["aliases"]), dtype="float64", **genred_kwargs(e))
    return g(*args, backend="CPU")


def reference(e, args):
    return keops_ref.reference(e["formula"], e["aliases"], e["reduction"], e["axis"], args, e["opt_arg"],
                               e["formula2"] or "")


def compare(got, want, rtol=1e-10, atol=1e-10):
    """None when equal (values to rtol scaled by max|want|, indices exactly); else a message."""
    if isinstance(want, tuple) or isinstance(got, tuple):
        if not (isinstance(want, tuple) and isinstance(got, tuple) and len(got) == len(want)):
            return f"tuple mismatch: {type(got)} vs {type(want)}"
        for k, (g, w) in enumerate(zip(got, want)):
            msg = compare(g, w, rtol, atol)
            if msg:
                return f"[{k}] {msg}"
        return None
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if np.issubdtype(want.dtype, np.integer):
        if not np.array_equal(got.astype(np.int64), want.astype(np.int64)):
            bad = np.argwhere(got != want)[:3].tolist()
            return f"indices differ at {bad}: {got[tuple(np.array(bad).T)]} vs {want[tuple(np.array(bad).T)]}"
        return None
    g, w = got.astype(np.float64), want.astype(np.float64)
    if not np.array_equal(np.isnan(g), np.isnan(w)):
        return f"NaN pattern differs ({int(np.isnan(g).sum())} vs {int(np.isnan(w).sum())})"
    fin = np.isfinite(w)
    if not np.array_equal(g[~fin & ~np.isnan(w)], w[~fin & ~np.isnan(w)]):
        return "infinities differ"
    scale = max(float(np.max(np.abs(w[fin]))) if fin.any() else 1.0, 1.0)
    err = np.abs(g[fin] - w[fin])
    if err.size and not np.all(err <= atol * scale + rtol * np.abs(w[fin])):
        k = int(np.argmax(err - rtol * np.abs(w[fin])))
        return f"max abs err {err.max():.3e} (got {g[fin].ravel()[k]!r}, want {w[fin].ravel()[k]!r})"
    return None
