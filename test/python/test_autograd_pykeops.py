"""Gradients of kred.torch reductions against pykeops.torch on the same inputs (float64), for the
reductions pykeops can differentiate: Sum, LogSumExp (with and without weight) and
SumSoftMaxWeight, both axes, w.r.t. i-, j-variables and parameters, plus second derivatives.

pykeops compiles one kernel per gradient (about 4 s each with the -O0 wrapper of oracle.py), so
its results are computed once per machine in spawned workers and cached next to the forward
oracle's ($KRED_TEST_CACHE, see oracle.py).
"""

import hashlib
import zlib

import numpy as np
import pytest
import torch

import oracle
from helpers import assert_close

M, N = 30, 40
A = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"]
GAUSS = "Exp(-p*SqDist(x,y))*b"
SCORE = "p*(x|y) - SqDist(x,y)"
WEIGHT = "b*p + Extract(x,0,2)"

# name -> (formula, reduction, axis, formula2, differentiated inputs, second order)
CASES = {
    "sum1": (GAUSS, "Sum", 1, None, "xybp", True),
    "sum0": (GAUSS, "Sum", 0, None, "xybp", False),
    "lse1": (SCORE, "LogSumExp", 1, None, "xyp", True),
    "lse0": (SCORE, "LogSumExp", 0, None, "xyp", False),
    "lsew0": (SCORE, "LogSumExp", 0, "Exp(b)", "xybp", False),
    "ssmw1": (SCORE, "SumSoftMaxWeight", 1, WEIGHT, "xybp", True),
    "ssmw0": (SCORE, "SumSoftMaxWeight", 0, WEIGHT, "xybp", False),
}


def case_inputs(name):
    """(x, y, b, p, e, w): inputs, the output gradient e and the second-order weight w (numpy float64)."""
    formula, reduction, axis, formula2, _, _ = CASES[name]
    rng = np.random.default_rng(zlib.crc32(("autograd-" + name).encode()))
    x = rng.standard_normal((M, 3))
    y = rng.standard_normal((N, 3))
    b = rng.standard_normal((N, 2))
    p = rng.uniform(0.5, 1.5, (1,))
    dim = 2 if reduction == "Sum" or formula2 else 1
    e = rng.standard_normal(((M if axis == 1 else N), dim))
    w = rng.standard_normal((M, 3))
    return x, y, b, p, e, w


def evaluate(Genred, name, backend_kwargs):
    """out, first-order gradients (dict) and second-order gradients (dict) of one case."""
    formula, reduction, axis, formula2, wrt, second = CASES[name]
    x, y, b, p, e, w = (torch.from_numpy(a) for a in case_inputs(name))
    args = [t.clone().requires_grad_() for t in (x, y, b, p)]
    named = dict(zip("xybp", args))
    g = Genred(formula, A, reduction_op=reduction, axis=axis, formula2=formula2)
    out = g(*args, **backend_kwargs)
    grads = torch.autograd.grad(out, [named[k] for k in wrt], e, create_graph=second)
    res = {"out": out.detach().numpy(), "grad": {k: t.detach().numpy() for k, t in zip(wrt, grads)}, "second": {}}
    if second:
        gx = grads[list(wrt).index("x")]
        s = (gx * w).sum()
        h = torch.autograd.grad(s, [named["x"], named["y"]])
        res["second"] = {"x": h[0].numpy(), "y": h[1].numpy()}
    return res


def _compute(names):
    oracle._setup_pykeops()
    from pykeops.torch import Genred

    return {name: evaluate(Genred, name, {"backend": "CPU"}) for name in names}


def _key(name):
    import importlib.metadata as md

    h = hashlib.sha256(repr(CASES[name]).encode())
    for a in case_inputs(name):
        h.update(a.tobytes())
    h.update(md.version("pykeops").encode())
    return h.hexdigest()[:24]


def pykeops_results(workers=2):
    return oracle.cached_results("autograd-oracle", list(CASES), _key, _compute, workers=workers)


@pytest.fixture(scope="module")
def pykeops_grads():
    return pykeops_results()


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_pykeops(name, pykeops_grads):
    import kred.torch as kt

    ref = pykeops_grads[name]
    got = evaluate(kt.Genred, name, {})
    assert_close(got["out"], ref["out"], "float64")
    assert set(got["grad"]) == set(ref["grad"])
    for k in ref["grad"]:
        assert_close(got["grad"][k], ref["grad"][k], "float64", rtol=1e-9, atol=1e-10)
    for k in ref["second"]:
        assert_close(got["second"][k], ref["second"][k], "float64", rtol=1e-8, atol=1e-10)
