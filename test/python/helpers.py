"""Small helpers shared by the Python tests."""

import json
import os
import subprocess
import sys

import numpy as np

import keops_ref
import oracle


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def python_env(**extra):
    """os.environ plus `extra`, with kred's python/ first on PYTHONPATH: the environment of the tests' children."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_children(code, args, n, env=None):
    """n processes ``python -c code *args`` started together; the JSON of each one's last line of output."""
    procs = [
        subprocess.Popen([sys.executable, "-c", code, *args], env=env or python_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(n)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def to_numpy(x):
    if isinstance(x, tuple):
        return tuple(to_numpy(v) for v in x)
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def to_torch(arrays):
    import torch

    return [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]


TOL = {
    "float64": dict(rtol=1e-9, atol=1e-9),
    "float32": dict(rtol=2e-4, atol=2e-5),
    "float16": dict(rtol=2e-2, atol=2e-2),
    "bfloat16": dict(rtol=5e-2, atol=5e-2),
}


def assert_close(got, want, dtype="float32", scale=None, **kw):
    """Values: allclose with dtype tolerances (scaled by max|want|); indices: equal."""
    got, want = to_numpy(got), to_numpy(want)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"expected a tuple of {len(want)}, got {type(got)}"
        for g, w in zip(got, want):
            assert_close(g, w, dtype, scale, **kw)
        return
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    if want.dtype == np.int64:
        assert got.dtype == np.int64, f"indices must be int64, got {got.dtype}"
        np.testing.assert_array_equal(got, want)
        return
    tol = dict(TOL[dtype])
    tol.update(kw)
    finite = np.isfinite(want)
    s = scale if scale is not None else (float(np.max(np.abs(want[finite]))) if finite.any() else 1.0)
    np.testing.assert_allclose(
        got.astype(np.float64), want.astype(np.float64), rtol=tol["rtol"], atol=tol["atol"] * max(s, 1.0)
    )


def reference(name, args=None):
    """Float64 dense reference of an oracle case."""
    c = oracle.case(name)
    if args is None:
        args = oracle.inputs(name)
    args = [np.asarray(to_numpy(a), dtype=np.float64) for a in args]
    return keops_ref.reference(
        c["formula"], c["aliases"], c["reduction"], c["axis"], args, c["opt_arg"], c["formula2"] or ""
    )
