"""LazyTensor: construction rules, formulas (textually identical to pykeops'), every math
method against a dense float64 computation, symbolic variables, linear-operator helpers."""

import math

import numpy as np
import pytest

from helpers import assert_close

import kred.numpy as kn

M, N, D = 7, 9, 3
rng = np.random.default_rng(0)
X = rng.standard_normal((M, D))
Y = rng.standard_normal((N, D))
XP = rng.uniform(0.5, 2.0, (M, D))  # positive
YP = rng.uniform(0.5, 2.0, (N, D))
XU = rng.uniform(-0.9, 0.9, (M, D))  # in (-1, 1)


def lazy(x, y, LT=kn.LazyTensor):
    return LT(x[:, None, :]), LT(y[None, :, :])


def dense(x, y):
    return x[:, None, :], y[None, :, :]


# (name, lazy expression, dense expression, inputs): all reduced with .sum(dim=1)
METHODS = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, (X, Y)),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, (X, Y)),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, (X, Y)),
    ("div", lambda a, b: a / b, lambda a, b: a / b, (X, YP)),
    ("neg", lambda a, b: -a * b, lambda a, b: -a * b, (X, Y)),
    ("scalars", lambda a, b: 2 * a - b / 3.5 + 1 - 0.25 * b, lambda a, b: 2 * a - b / 3.5 + 1 - 0.25 * b, (X, Y)),
    ("rscalars", lambda a, b: 1.5 - a + 2 / b, lambda a, b: 1.5 - a + 2 / b, (X, YP)),
    ("list_param", lambda a, b: a * [1.0, 2.0, 3.0] + b, lambda a, b: a * np.array([1.0, 2.0, 3.0]) + b, (X, Y)),
    ("scalprod", lambda a, b: (a | b), lambda a, b: (a * b).sum(-1, keepdims=True), (X, Y)),
    ("exp", lambda a, b: (a - b).exp(), lambda a, b: np.exp(a - b), (X, Y)),
    ("log", lambda a, b: (a * b).log(), lambda a, b: np.log(a * b), (XP, YP)),
    ("xlogx", lambda a, b: (a * b).xlogx(), lambda a, b: a * b * np.log(a * b), (XP, YP)),
    ("sin", lambda a, b: (a - b).sin(), lambda a, b: np.sin(a - b), (X, Y)),
    ("cos", lambda a, b: (a - b).cos(), lambda a, b: np.cos(a - b), (X, Y)),
    ("sinxdivx", lambda a, b: (a - b).sinxdivx(), lambda a, b: np.sin(a - b) / (a - b), (X, Y)),
    ("sinc", lambda a, b: (a - b).sinc(), lambda a, b: np.sinc(a - b), (X, Y)),
    ("asin", lambda a, b: (a * 0.5 + b * 0).asin() + b, lambda a, b: np.arcsin(a * 0.5) + b, (XU, Y)),
    ("acos", lambda a, b: (a * 0.5).acos() + b, lambda a, b: np.arccos(a * 0.5) + b, (XU, Y)),
    ("atan", lambda a, b: (a - b).atan(), lambda a, b: np.arctan(a - b), (X, Y)),
    ("atan2", lambda a, b: a.atan2(b), lambda a, b: np.arctan2(a, b), (X, Y)),
    ("sqrt", lambda a, b: (a * b).sqrt(), lambda a, b: np.sqrt(a * b), (XP, YP)),
    ("rsqrt", lambda a, b: (a * b).rsqrt(), lambda a, b: 1 / np.sqrt(a * b), (XP, YP)),
    ("abs", lambda a, b: (a - b).abs() + abs(a * b), lambda a, b: np.abs(a - b) + np.abs(a * b), (X, Y)),
    ("sign", lambda a, b: (a - b).sign(), lambda a, b: np.sign(a - b), (X, Y)),
    ("step", lambda a, b: (a - b).step(), lambda a, b: (a - b >= 0) * 1.0, (X, Y)),
    ("relu", lambda a, b: (a - b).relu(), lambda a, b: np.maximum(a - b, 0), (X, Y)),
    ("floor", lambda a, b: (3 * (a - b)).floor(), lambda a, b: np.floor(3 * (a - b)), (X, Y)),
    ("round", lambda a, b: (a - b).round(2), lambda a, b: np.round(a - b, 2), (X, Y)),
    ("square", lambda a, b: (a - b).square(), lambda a, b: (a - b) ** 2, (X, Y)),
    ("inv", lambda a, b: (a * b).inv() + 1 / a, lambda a, b: 1 / (a * b) + 1 / a, (XP, YP)),
    ("pow2", lambda a, b: (a - b) ** 2, lambda a, b: (a - b) ** 2, (X, Y)),
    ("pow3", lambda a, b: (a - b) ** 3, lambda a, b: (a - b) ** 3, (X, Y)),
    ("pow_neg", lambda a, b: (a * b) ** -2, lambda a, b: (a * b) ** -2.0, (XP, YP)),
    ("pow_half", lambda a, b: (a * b) ** 0.5, lambda a, b: np.sqrt(a * b), (XP, YP)),
    ("pow_mhalf", lambda a, b: (a * b) ** -0.5, lambda a, b: 1 / np.sqrt(a * b), (XP, YP)),
    ("powf_float", lambda a, b: (a * b) ** 1.7, lambda a, b: (a * b) ** 1.7, (XP, YP)),
    ("powf_lazy", lambda a, b: a ** b, lambda a, b: a**b, (XP, YP)),
    ("power", lambda a, b: a.power(3) + (b - b), lambda a, b: a**3 + 0 * b, (X, Y)),
    ("lt", lambda a, b: a < b, lambda a, b: (a < b) * 1.0, (X, Y)),
    ("gt", lambda a, b: a > b, lambda a, b: (a > b) * 1.0, (X, Y)),
    ("le", lambda a, b: a <= b, lambda a, b: (a <= b) * 1.0, (X, Y)),
    ("ge", lambda a, b: a >= b, lambda a, b: (a >= b) * 1.0, (X, Y)),
    ("eq", lambda a, b: (a.round(0) == b.round(0)), lambda a, b: (np.round(a) == np.round(b)) * 1.0, (X, Y)),
    ("ne", lambda a, b: (a.round(0) != b.round(0)), lambda a, b: (np.round(a) != np.round(b)) * 1.0, (X, Y)),
    ("clamp_lazy", lambda a, b: a.clamp(b - 0.5, b + 0.5), lambda a, b: np.clip(a, b - 0.5, b + 0.5), (X, Y)),
    ("clamp_float", lambda a, b: (a - b).clamp(-0.5, 0.7), lambda a, b: np.clip(a - b, -0.5, 0.7), (X, Y)),
    ("clamp_int", lambda a, b: (3 * (a - b)).clamp(-1, 2), lambda a, b: np.clip(3 * (a - b), -1, 2), (X, Y)),
    ("clampint", lambda a, b: (3 * (a - b)).clampint(0, 1), lambda a, b: np.clip(3 * (a - b), 0, 1), (X, Y)),
    ("ifelse", lambda a, b: (a - b).ifelse(a, b), lambda a, b: np.where(a - b >= 0, a, b + 0 * a), (X, Y)),
    ("mod", lambda a, b: (4 * (a - b)).mod(1.5, 0.25), lambda a, b: (4 * (a - b)) - 1.5 * np.floor((4 * (a - b) - 0.25) / 1.5), (X, Y)),
    ("sum_last", lambda a, b: (a * b).sum(-1), lambda a, b: (a * b).sum(-1, keepdims=True), (X, Y)),
    ("max_last", lambda a, b: (a - b).max(-1), lambda a, b: (a - b).max(-1, keepdims=True), (X, Y)),
    ("min_last", lambda a, b: (a - b).min(dim=2), lambda a, b: (a - b).min(-1, keepdims=True), (X, Y)),
    ("argmax_last", lambda a, b: (a - b).argmax(-1), lambda a, b: (a - b).argmax(-1)[..., None] * 1.0, (X, Y)),
    ("argmin_last", lambda a, b: (a - b).argmin(-1), lambda a, b: (a - b).argmin(-1)[..., None] * 1.0, (X, Y)),
    ("elem", lambda a, b: (a - b)[1] + (a * b).elem(2), lambda a, b: (a - b)[..., 1:2] + (a * b)[..., 2:3], (X, Y)),
    ("extract", lambda a, b: (a - b)[0:2] + (a * b).extract(1, 2), lambda a, b: (a - b)[..., 0:2] + (a * b)[..., 1:3], (X, Y)),
    ("slice_open", lambda a, b: (a - b)[1:] * (a * b)[:2], lambda a, b: (a - b)[..., 1:] * (a * b)[..., :2], (X, Y)),
    ("getitem_tuple", lambda a, b: (a - b)[:, :, 1], lambda a, b: (a - b)[..., 1:2], (X, Y)),
    ("concat", lambda a, b: a.concat(b), lambda a, b: np.concatenate(np.broadcast_arrays(a, b), -1), (X, Y)),
    (
        "concatenate",
        lambda a, b: kn.LazyTensor.concatenate((a, b, a * b)),
        lambda a, b: np.concatenate(np.broadcast_arrays(a, b, a * b), -1),
        (X, Y),
    ),
    ("one_hot", lambda a, b: (a - b).sum(-1).clamp(0, 3).one_hot(4), None, (X, Y)),
    ("matvecmult", lambda a, b: a.concat(b).concat(a).matvecmult(b), None, (X, Y)),
    ("vecmatmult", lambda a, b: b.vecmatmult(a.concat(b).concat(a)), None, (X, Y)),
    ("tensorprod", lambda a, b: a.tensorprod(b), lambda a, b: (a[..., :, None] * b[..., None, :]).reshape(M, N, 9), (X, Y)),
    (
        "tensordot",
        lambda a, b: a.concat(b).keops_tensordot(b, (2, 3), (3,), (1,), (0,)),
        lambda a, b: np.einsum("mnij,mnj->mni", np.concatenate(np.broadcast_arrays(a, b), -1).reshape(M, N, 2, 3), np.broadcast_to(b, (M, N, 3))),
        (X, Y),
    ),
    (
        "kron",
        lambda a, b: a.keops_kron(b, [3], [3]),
        lambda a, b: (a[..., :, None] * b[..., None, :]).reshape(M, N, 9),
        (X, Y),
    ),
    ("sqdist", lambda a, b: a.sqdist(b), lambda a, b: ((a - b) ** 2).sum(-1, keepdims=True), (X, Y)),
    ("sqnorm2", lambda a, b: (a - b).sqnorm2(), lambda a, b: ((a - b) ** 2).sum(-1, keepdims=True), (X, Y)),
    ("norm2", lambda a, b: (a - b).norm2(), lambda a, b: np.sqrt(((a - b) ** 2).sum(-1, keepdims=True)), (X, Y)),
    ("norm", lambda a, b: (a - b).norm(-1), lambda a, b: np.sqrt(((a - b) ** 2).sum(-1, keepdims=True)), (X, Y)),
    ("normalize", lambda a, b: (a - b).normalize(), lambda a, b: (a - b) / np.sqrt(((a - b) ** 2).sum(-1, keepdims=True)), (X, Y)),
    ("wsqnorm_iso", lambda a, b: (a - b).weightedsqnorm(2.5), lambda a, b: 2.5 * ((a - b) ** 2).sum(-1, keepdims=True), (X, Y)),
    (
        "wsqnorm_diag",
        lambda a, b: (a - b).weightedsqnorm(a * a),
        lambda a, b: (a * a * (a - b) ** 2).sum(-1, keepdims=True),
        (X, Y),
    ),
    ("wsqdist", lambda a, b: a.weightedsqdist(b, [1.0, 2.0, 3.0]), lambda a, b: ((a - b) ** 2 * [1, 2, 3]).sum(-1, keepdims=True), (X, Y)),
]


def _dense_special(name, a, b):
    if name == "one_hot":
        s = np.clip(np.round((a - b).sum(-1)), 0, 3).astype(int)  # ClampInt then OneHot(round)
        s = np.clip((a - b).sum(-1), 0, 3)
        r = np.sign(s) * np.floor(np.abs(s) + 0.5)
        return (r[..., None] == np.arange(4)) * 1.0
    if name == "matvecmult":
        A = np.concatenate(np.broadcast_arrays(a, b, a), -1).reshape(M, N, 3, 3)
        return np.einsum("mnij,mnj->mni", A, np.broadcast_to(b, (M, N, 3)))
    if name == "vecmatmult":
        A = np.concatenate(np.broadcast_arrays(a, b, a), -1).reshape(M, N, 3, 3)
        return np.einsum("mni,mnij->mnj", np.broadcast_to(b, (M, N, 3)), A)
    raise KeyError(name)


@pytest.mark.parametrize("name,lz,dn,inputs", METHODS, ids=[m[0] for m in METHODS])
def test_math_method(name, lz, dn, inputs):
    x, y = inputs
    a, b = lazy(x, y)
    out = lz(a, b).sum(dim=1)
    A, B = dense(x, y)
    with np.errstate(all="ignore"):
        want = dn(A, B) if dn is not None else _dense_special(name, A, B)
    want = np.broadcast_to(want, (M, N, want.shape[-1])).sum(1)
    assert out.dtype == np.float64 and out.shape == want.shape
    assert_close(out, want, "float64", rtol=1e-9, atol=1e-10)


def test_weightedsqnorm_full_matrix():
    S = rng.standard_normal((D, D))
    S = S @ S.T
    a, b = lazy(X, Y)
    out = (a - b).weightedsqnorm(S.ravel()).sum(dim=1)
    d = X[:, None, :] - Y[None, :, :]
    want = np.einsum("mnk,kl,mnl->mn", d, S, d).sum(1)[:, None]
    assert_close(out, want, "float64", rtol=1e-9)


def test_keops_conventions_at_zero():
    """Rsqrt(0)=0, Step(0)=1, Sign(0)=0, IfElse(0 -> a), XLogX(0)=0, SinXDivX(0)=1."""
    z = np.zeros((2, 1))
    o = np.ones((3, 1))
    a, b = lazy(z, o)
    assert_close((a.rsqrt() * b).sum(dim=1), np.zeros((2, 1)), "float64")
    assert_close((a.step() * b).sum(dim=1), np.full((2, 1), 3.0), "float64")
    assert_close((a.sign() + b).sum(dim=1), np.full((2, 1), 3.0), "float64")
    assert_close(a.ifelse(b, -b).sum(dim=1), np.full((2, 1), 3.0), "float64")
    assert_close((a.xlogx() + b).sum(dim=1), np.full((2, 1), 3.0), "float64")
    assert_close((a.sinxdivx() * b).sum(dim=1), np.full((2, 1), 3.0), "float64")
    assert_close(((a ** -0.5) * b).sum(dim=1), np.zeros((2, 1)), "float64")


# ---------------------------------------------------------------------------
# Construction and shapes


def test_construction_rules():
    LT = kn.LazyTensor
    x = X.astype(np.float32)
    xi = LT(x[:, None, :])
    assert (xi.axis, xi.ndim, xi.ni, xi.nj, xi.shape) == (0, 3, M, None, (M, 1, 3))
    yj = LT(Y[None, :, :].astype(np.float32))
    assert (yj.axis, yj.ndim, yj.nj, yj.shape) == (1, 3, N, (1, N, 3))
    p = LT(np.ones((1, 1, 4), dtype=np.float32))
    assert (p.axis, p.ndim, p.shape) == (2, 4, (1, 1, 4))
    assert LT(np.ones(5)).axis == 2 and LT(np.ones(5)).ndim == 5
    assert LT(np.array(2.0)).ndim == 1
    assert LT(x, axis=0).axis == 0 and LT(x, axis=1).nj == M
    assert str(LT(3)).splitlines()[1].strip() == "formula: IntCst(3)"
    f = LT(2.5)
    assert (f.axis, f.ndim) == (2, 1) and f.dtype is None
    assert LT([1.0, 2.0]).ndim == 2
    s = LT((0, 3, 1))
    assert s.symbolic_variables == ((0, 3, 1),) and s.axis == 1
    assert xi.dtype == "float32" and LT(X[:, None, :]).dtype == "float64"
    assert xi.dim() == 3 and (xi - yj).dim() == 3 and (xi - yj).shape == (M, N, 3)
    assert (xi - yj).sum(-1).shape == (M, N)
    # batch dimensions
    xb = LT(np.ones((2, 4, M, 1, D)))
    assert xb.batchdims == (2, 4) and xb.nbatchdims == 2 and xb.shape == (2, 4, M, 1, D)
    assert kn.Vi(x).axis == 0 and kn.Vj(x).axis == 1 and kn.Pm(np.ones(3)).axis == 2
    assert kn.Vi(0, 3).formula == "VarSymb(0,3,0)" and kn.Pm(2, 1).axis == 2


@pytest.mark.parametrize(
    "bad,exc",
    [
        (lambda: kn.LazyTensor(np.ones((4, 3))), ValueError),  # 2-D needs axis
        (lambda: kn.LazyTensor(np.ones((4, 5, 3))), ValueError),  # (M, N, D) is not a variable
        (lambda: kn.LazyTensor(np.ones((4, 1, 3), dtype=np.int64)), TypeError),
        (lambda: kn.LazyTensor((0, 3)), ValueError),
        (lambda: kn.LazyTensor((0, 3, 5)), ValueError),
        (lambda: kn.LazyTensor(np.ones((4, 1, 3)), axis=0), ValueError),
        (lambda: kn.LazyTensor("x"), TypeError),
        (lambda: kn.LazyTensor(np.ones((3, 1, 2), dtype=np.clongdouble)), TypeError),  # complex64/128 only
        (lambda: kn.LazyTensor(True), TypeError),
    ],
)
def test_construction_errors(bad, exc):
    with pytest.raises(exc):
        bad()


def test_incompatible_operands():
    a, b = lazy(X, Y)
    with pytest.raises(ValueError, match="same dimension"):
        a + kn.LazyTensor(np.ones((N, 1, 2)))
    with pytest.raises(ValueError, match="dtype|float32"):
        (a - kn.LazyTensor(Y[None].astype(np.float32))).sum(1)
    with pytest.raises(ValueError, match="rows|ni"):
        a + kn.LazyTensor(np.ones((M + 1, 1, 3)))
    import kred.torch as kt
    import torch

    with pytest.raises(TypeError, match="numpy"):
        a + kt.LazyTensor(torch.ones(1, N, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="reduced"):
        r = kn.Vi(0, 3).sum(dim=1)
        r + a


def test_reduction_axis_arguments():
    a, b = lazy(X, Y)
    F = (a - b).sqnorm2()
    d = ((X[:, None] - Y[None]) ** 2).sum(-1)
    assert_close(F.sum(axis=1), d.sum(1)[:, None], "float64")
    assert_close(F.sum(dim=0), d.sum(0)[:, None], "float64")
    assert_close(F.sum_reduction(dim=0), d.sum(0)[:, None], "float64")
    assert_close(F.sum(dim=-2), d.sum(1)[:, None], "float64")  # negative: -2 is j
    assert_close(F.min(dim=-3), d.min(0)[:, None], "float64")  # -3 is i
    assert_close(F.logsumexp_reduction(axis=1), np.log(np.exp(d).sum(1))[:, None], "float64")
    with pytest.raises(ValueError, match="axis"):
        F.logsumexp()
    with pytest.raises(ValueError, match="axis"):
        F.sum(dim=3)


# ---------------------------------------------------------------------------
# pykeops-identical formulas and printing


@pytest.fixture(scope="module")
def pk():
    import oracle

    oracle._setup_pykeops()
    import pykeops.numpy

    return pykeops.numpy


EXPRESSIONS = [
    lambda a, b, p: ((a - b) ** 2).sum(-1),
    lambda a, b, p: (-((a - b) ** 2).sum(-1)).exp() * p,
    lambda a, b, p: (a | b) * 2.5 + 1,
    lambda a, b, p: a.sqdist(b).sqrt() ** 3,
    lambda a, b, p: (a - b).norm2().rsqrt() / (1 + a.sqnorm2()),
    lambda a, b, p: a.weightedsqdist(b, p),
    lambda a, b, p: (a * b)[1] + (a - b)[0:2].sum(-1),
    lambda a, b, p: a.concat(b).matvecmult(b[0:2]),
    lambda a, b, p: (a - b).clamp(0, 1) + (a - b).clamp(a, b) + (a - b).ifelse(a, b),
    lambda a, b, p: (a > b) + (a <= b) + (a == b) + (a != b) + (a < b) + (a >= b),
    lambda a, b, p: (a - b).mod(2.0) + (a - b).round(3) + (a * b).step() + a.relu() + b.sign(),
    lambda a, b, p: a.tensorprod(b).sum(-1).one_hot(4) * 3,
    lambda a, b, p: (a ** 0.5) + (a ** -0.5) + (a ** 1.5) + (a ** b) - 2 / a,
    lambda a, b, p: (a.t() - b.t()).sum(-1),
    lambda a, b, p: (-a.sqdist(b)).exp().grad(a, b.sum(-1)),
    lambda a, b, p: (-a.sqdist(b)).exp().diff(a, p),
    lambda a, b, p: ((a - b) * (-a.sqdist(b)).exp()).divergence(a),
    lambda a, b, p: (-a.sqdist(b)).exp().laplacian(b),
]


@pytest.mark.parametrize("k", range(len(EXPRESSIONS)))
def test_formula_text_matches_pykeops(k, pk):
    expr = EXPRESSIONS[k]
    x, y, p = X.astype(np.float32), Y.astype(np.float32), np.ones(3, np.float32)
    ours = expr(kn.LazyTensor(x[:, None]), kn.LazyTensor(y[None]), kn.LazyTensor(p))
    theirs = expr(pk.LazyTensor(x[:, None]), pk.LazyTensor(y[None]), pk.LazyTensor(p))
    assert str(ours) == str(theirs)


def test_repr_like_pykeops():
    x = np.zeros((1000, 3), np.float32)
    y = np.zeros((2000, 3), np.float32)
    x_i, y_j = kn.LazyTensor(x[:, None, :]), kn.LazyTensor(y[None, :, :])
    V = x_i - y_j
    S = (V**2).sum(-1)
    assert str(S) == "KeOps LazyTensor\n    formula: Sum(Square((Var(0,3,0) - Var(1,3,1))))\n    shape: (1000, 2000)"
    assert str(V) == "KeOps LazyTensor\n    formula: (Var(0,3,0) - Var(1,3,1))\n    shape: (1000, 2000, 3)"
    assert repr(S) == str(S)
    sym = kn.Vi(0, 3).sqdist(kn.Vj(1, 3))
    assert "symbolic variables: Var(0, 3, 0), Var(1, 3, 1)" in str(sym)


# ---------------------------------------------------------------------------
# Symbolic variables and reusable callables


def test_symbolic_variables_and_callables():
    F = (-kn.Vi(0, 3).sqdist(kn.Vj(1, 3))).exp() * kn.Vj(2, 1)
    red = F.sum(dim=1)
    assert hasattr(red, "reduction_op")
    b = rng.standard_normal((N, 1))
    K = np.exp(-((X[:, None] - Y[None]) ** 2).sum(-1))
    assert_close(red(X, Y, b), K @ b, "float64")
    # the same callable works for another dtype and other sizes
    x2, y2, b2 = X[:3].astype(np.float32), Y[:5].astype(np.float32), b[:5].astype(np.float32)
    out = red(x2, y2, b2)
    assert out.dtype == np.float32
    assert_close(out, np.exp(-((X[:3, None] - Y[None, :5]) ** 2).sum(-1)) @ b[:5], "float32")
    # data and symbolic variables together: data get the positions after the symbolic ones
    G = (kn.LazyTensor(X[:, None, :]) - kn.Vj(0, 3)).sqnorm2().sum(dim=1)
    assert_close(G(Y), ((X[:, None] - Y[None]) ** 2).sum(-1).sum(1)[:, None], "float64")
    # call=False returns a callable LazyTensor
    a, bb = lazy(X, Y)
    H = (a - bb).sqnorm2().sum(dim=1, call=False)
    assert_close(H(), ((X[:, None] - Y[None]) ** 2).sum(-1).sum(1)[:, None], "float64")
    assert "reduction: Sum (axis=1)" in str(H)
    with pytest.raises(ValueError, match="reduction"):
        (a - bb)()


def test_transpose_matmul_matvec():
    a, b = lazy(X, Y)
    K = (-(a - b).sqnorm2()).exp()
    Kd = np.exp(-((X[:, None] - Y[None]) ** 2).sum(-1))
    v = rng.standard_normal((N, 2))
    w = rng.standard_normal(M)
    assert_close(K @ v, Kd @ v, "float64")
    assert_close(K @ v[:, 0], Kd @ v[:, 0], "float64")
    assert (K @ v[:, 0]).shape == (M,)
    assert_close(K.matvec(v), Kd @ v, "float64")
    assert_close(K.rmatvec(w), Kd.T @ w, "float64")
    assert_close(K.T @ w, Kd.T @ w, "float64")
    assert K.t().shape == (N, M) and K.T.T.shape == (M, N)
    # K and its transpose combined: the variables must not be confused
    Kx = (-(kn.LazyTensor(X[:, None]) - kn.LazyTensor(X[None])).sqnorm2()).exp()
    S = (Kx + Kx.t() * 2) @ np.ones(M)
    Kxd = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    assert_close(S, 3 * Kxd.sum(1), "float64")
    with pytest.raises(ValueError, match="trailing dimension"):
        (a - b) @ v


# ---------------------------------------------------------------------------
# Symbolic differentiation


def test_grad_diff_divergence_laplacian_gradmatrix():
    a, b = lazy(X, Y)
    e = rng.standard_normal((N, 1))
    e_j = kn.LazyTensor(e[None, :, :])
    G = np.exp(-((X[:, None] - Y[None]) ** 2).sum(-1))  # (M, N)
    Dxy = X[:, None] - Y[None]  # (M, N, D)
    F = (-a.sqdist(b)).exp()
    # Grad(F, x, e): -2 (x - y) F e
    out = F.grad(a, e_j).sum(dim=1)
    assert_close(out, (-2 * Dxy * (G * e[None, :, 0])[..., None]).sum(1), "float64", rtol=1e-6, atol=1e-7)
    # Diff(F, x, u) with u = (1, 2, 3): -2 <x - y, u> F
    u = kn.LazyTensor([1.0, 2.0, 3.0])
    out = F.diff(a, u).sum(dim=1)
    assert_close(out, (-2 * (Dxy @ np.array([1.0, 2, 3])) * G).sum(1)[:, None], "float64", rtol=1e-6, atol=1e-7)
    # Divergence of V = (x - y) F w.r.t. x: (D - 2 |x-y|^2) F
    V = (a - b) * F
    r2 = (Dxy**2).sum(-1)
    out = V.divergence(a).sum(dim=1)
    assert_close(out, ((D - 2 * r2) * G).sum(1)[:, None], "float64", rtol=1e-6, atol=1e-6)
    # Laplacian of F w.r.t. x: (4 |x-y|^2 - 2 D) F
    out = F.laplacian(a).sum(dim=1)
    assert_close(out, ((4 * r2 - 2 * D) * G).sum(1)[:, None], "float64", rtol=1e-5, atol=1e-5)
    # GradMatrix of V w.r.t. x: [k*D + l] = dV_k/dx_l = (delta_kl - 2 d_k d_l) F
    out = V.grad_matrix(a).sum(dim=1)
    J = (np.eye(D)[None, None] - 2 * Dxy[..., :, None] * Dxy[..., None, :]) * G[..., None, None]
    assert_close(out, J.reshape(M, N, D * D).sum(1), "float64", rtol=1e-6, atol=1e-6)
    # factorize / auto_factorize are identities
    assert F.factorize(a) is F and F.auto_factorize() is F


# ---------------------------------------------------------------------------
# torch LazyTensor specifics


def test_torch_lazytensor_scalars_and_tensors():
    import kred.torch as kt
    import torch

    x = torch.from_numpy(X)
    y = torch.from_numpy(Y)
    a, b = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
    s = torch.tensor(0.5, dtype=torch.float64)  # 0-d tensor -> Pm(1)
    p = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)  # 1-D -> Pm(3)
    out = ((a - b) * s * p).sum(dim=1)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    want = ((X[:, None] - Y[None]) * 0.5 * np.array([1, 2, 3.0])).sum(1)
    assert_close(out, want, "float64")
    # tensor * LazyTensor goes through LazyTensor.__rmul__
    out2 = (p * (a - b)).sum(dim=1)
    assert_close(out2, ((X[:, None] - Y[None]) * np.array([1, 2, 3.0])).sum(1), "float64")
    assert math.isclose(float(kt.LazyTensor(2.0).ndim), 1)
