"""torch autograd through kred reductions (issue 6).

- gradcheck and gradgradcheck (float64) for every differentiable reduction kind, both axes,
  w.r.t. i-variables, j-variables and parameters;
- gradients and second derivatives against dense torch autograd for every kind (Min, Max and
  KMin included: kred differentiates through the selected indices, pykeops does not);
- selections: ties, K > N padding, indices never differentiable;
- batch dimensions with broadcasting, LazyTensor reductions, derivatives of formulas that
  already hold Grad/Diff/Laplacian;
- torch.func (jvp, vmap, vmap of grad, hessian) and forward-mode AD;
- numpy: Grad/Diff formulas against finite differences.

KernelSolve's gradients: test_autograd_solve.py; pykeops comparisons: test_autograd_pykeops.py.
"""

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck

import kred.numpy as kn
import kred.torch as kt
from helpers import assert_close

DT = torch.float64
M, N = 5, 7
A = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"]


def inputs(seed, m=M, n=N, batch_x=(), batch_y=(), batch_p=(), dtype=DT):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch_x + (m, 3), generator=g, dtype=dtype)
    y = torch.randn(batch_y + (n, 3), generator=g, dtype=dtype)
    b = torch.randn(batch_y + (n, 2), generator=g, dtype=dtype)
    p = torch.rand(batch_p + (1,), generator=g, dtype=dtype) + 0.5
    return [t.requires_grad_() for t in (x, y, b, p)]


# ---------------------------------------------------------------------------
# Formulas (KeOps strings) and their dense torch versions on x (..,M,1,3), y (..,1,N,3), b, p.

SCORE = "p*(x|y) - SqDist(x,y)"  # scalar


def d_score(x, y, b, p):
    return p * (x * y).sum(-1, keepdim=True) - ((x - y) ** 2).sum(-1, keepdim=True)


GAUSS = "Exp(-p*SqDist(x,y))*b"  # dim 2


def d_gauss(x, y, b, p):
    return torch.exp(-p * ((x - y) ** 2).sum(-1, keepdim=True)) * b


VEC = "Square(x-y)*p + x*y + Elem(b,0)"  # dim 3, for the selections


def d_vec(x, y, b, p):
    return (x - y) ** 2 * p + x * y + b[..., 0:1]


SCAL = "p*SqDist(x,y) + Elem(b,1)"  # scalar, for the selections


def d_scal(x, y, b, p):
    return p * ((x - y) ** 2).sum(-1, keepdim=True) + b[..., 1:2]


WEIGHT = "b*p + Extract(x,0,2)"  # softmax weight depending on i, j and the parameter


def d_weight(x, y, b, p):
    return b * p + x[..., 0:2]


def _topk(F, K, dim, largest):
    v, i = torch.topk(F, K, dim=dim, largest=largest, sorted=True)
    if dim == -3:  # (.., K, N, D) -> (.., N, K, D)
        v, i = v.transpose(-3, -2), i.transpose(-3, -2)
    if v.shape[-1] == 1:
        v, i = v.squeeze(-1), i.squeeze(-1)
    return v, i


def _shift(F, G, dim):
    m = F.amax(dim)
    s = (torch.exp(F - m.unsqueeze(dim)) * G).sum(dim)
    return torch.cat([m, s], -1)


# name -> (reduction, F, dense F, formula2, dense G, opt_arg, dense reduction(F, G, dim))
KINDS = {
    "Sum": ("Sum", GAUSS, d_gauss, None, None, None, lambda F, G, d: F.sum(d)),
    "LogSumExp": ("LogSumExp", SCORE, d_score, None, None, None, lambda F, G, d: torch.logsumexp(F, d)),
    "LogSumExpWeight": ("LogSumExp", SCORE, d_score, "Exp(b)", None, None, lambda F, G, d: torch.logsumexp(F + G, d)),
    "SumSoftMaxWeight": (
        "SumSoftMaxWeight", SCORE, d_score, WEIGHT, d_weight, None,
        lambda F, G, d: (torch.softmax(F, d) * G).sum(d),
    ),
    "Max_SumShiftExp": ("Max_SumShiftExp", SCORE, d_score, None, None, None, lambda F, G, d: _shift(F, 1.0, d)),
    "Max_SumShiftExpWeight": (
        "Max_SumShiftExpWeight", SCORE, d_score, "b", None, None, lambda F, G, d: _shift(F, G, d),
    ),
    "Min": ("Min", VEC, d_vec, None, None, None, lambda F, G, d: F.amin(d)),
    "Max": ("Max", VEC, d_vec, None, None, None, lambda F, G, d: F.amax(d)),
    "Min_ArgMin": ("Min_ArgMin", VEC, d_vec, None, None, None, lambda F, G, d: tuple(torch.min(F, d))),
    "Max_ArgMax": ("Max_ArgMax", SCAL, d_scal, None, None, None, lambda F, G, d: tuple(torch.max(F, d))),
    "KMin": ("KMin", VEC, d_vec, None, None, 3, lambda F, G, d: _topk(F, 3, d, False)[0]),
    "KMin_scalar": ("KMin", SCAL, d_scal, None, None, 4, lambda F, G, d: _topk(F, 4, d, False)[0]),
    "KMin_ArgKMin": ("KMin_ArgKMin", SCAL, d_scal, None, None, 3, lambda F, G, d: _topk(F, 3, d, False)),
}
SELECTIONS = {"Min", "Max", "Min_ArgMin", "Max_ArgMax", "KMin", "KMin_scalar", "KMin_ArgKMin"}


def kred_fn(kind, axis):
    red, F, _, F2, _, K, _ = KINDS[kind]
    g = kt.Genred(F, A, reduction_op=red, axis=axis, formula2=F2, opt_arg=K)

    def f(*args):
        out = g(*args)
        return out[0] if isinstance(out, tuple) else out

    return f


def dense_fn(kind, axis, with_indices=False):
    red, _, dF, F2, dG, K, dred = KINDS[kind]

    def f(x, y, b, p):
        xi, yj, bj = x.unsqueeze(-2), y.unsqueeze(-3), b.unsqueeze(-3)
        pp = p.unsqueeze(-2).unsqueeze(-2)
        F = dF(xi, yj, bj, pp)
        G = None
        if F2 in ("Exp(b)", "b"):
            G = bj  # for Exp(b), the dense reduction takes the log of the weight
        elif dG is not None:
            G = dG(xi, yj, bj, pp)
        out = dred(F, G, -2 if axis == 1 else -3)
        if isinstance(out, tuple):
            return out if with_indices else out[0]
        return out

    return f


def check_margins(kind, axis, args, gap=1e-4):
    """The selections of the test inputs must be unique, with margins larger than gradcheck's steps."""
    if kind not in SELECTIONS and not kind.startswith("Max_SumShiftExp"):
        return
    _, _, dF, _, _, K, _ = KINDS[kind]
    x, y, b, p = (t.detach() for t in args)
    vals = dF(x.unsqueeze(-2), y.unsqueeze(-3), b.unsqueeze(-3), p.unsqueeze(-2).unsqueeze(-2))
    dim = -2 if axis == 1 else -3
    srt = torch.sort(vals, dim=dim, descending=kind.startswith("Max")).values
    n = vals.shape[dim]
    m = min((K or 1) + 1, n)
    gaps = srt.narrow(dim, 1, m - 1) - srt.narrow(dim, 0, m - 1)
    assert float(gaps.abs().min()) > gap, f"{kind}: the test inputs have near ties"


KIND_AXES = [(k, a) for k in KINDS for a in (1, 0)]
IDS = [f"{k}-axis{a}" for k, a in KIND_AXES]


# ---------------------------------------------------------------------------
# gradcheck / gradgradcheck


@pytest.mark.parametrize("kind,axis", KIND_AXES, ids=IDS)
def test_gradcheck_and_gradgradcheck(kind, axis):
    args = inputs(11)
    check_margins(kind, axis, args)
    f = kred_fn(kind, axis)
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


@pytest.mark.parametrize("kind,axis", KIND_AXES, ids=IDS)
def test_gradients_against_dense_torch(kind, axis):
    """Values, gradients (random output gradient) and second derivatives, w.r.t. x (Vi), y, b (Vj) and p (Pm)."""
    args = inputs(5, m=13, n=17)
    check_margins(kind, axis, args, gap=1e-9)
    f, fd = kred_fn(kind, axis), dense_fn(kind, axis)
    out, ref = f(*args), fd(*args)
    assert_close(out, ref, "float64")
    e = torch.randn(ref.shape, dtype=DT, generator=torch.Generator().manual_seed(1))
    g = torch.autograd.grad(out, args, e, create_graph=True, allow_unused=True)
    gd = torch.autograd.grad(ref, args, e, create_graph=True, allow_unused=True)
    g, gd = [zero_if_none(u, a) for u, a in zip(g, args)], [zero_if_none(v, a) for v, a in zip(gd, args)]
    for name, u, v in zip("xybp", g, gd):
        assert u.shape == v.shape, name
        assert_close(u, v, "float64", rtol=1e-8, atol=1e-10)
    # second order: d/d(args) <grad_x, w> + <grad_p, 1>
    w = torch.randn(args[0].shape, dtype=DT, generator=torch.Generator().manual_seed(2))
    s, sd = (g[0] * w).sum() + g[3].sum(), (gd[0] * w).sum() + gd[3].sum()
    h = torch.autograd.grad(s, args, allow_unused=True, materialize_grads=False)
    hd = torch.autograd.grad(sd, args, allow_unused=True)
    for a, u, v in zip(args, h, hd):
        assert_close(zero_if_none(u, a), zero_if_none(v, a), "float64", rtol=1e-7, atol=1e-9)


def zero_if_none(g, like):
    return torch.zeros_like(like) if g is None else g


def test_gradient_of_each_category_alone():
    """needs_input_grad: only the requested gradient is computed, on the right axis."""
    x, y, b, p = inputs(3, m=9, n=4)
    for axis in (0, 1):
        f, fd = kred_fn("LogSumExpWeight", axis), dense_fn("LogSumExpWeight", axis)
        for k, t in enumerate((x, y, b, p)):
            (g,) = torch.autograd.grad(f(x, y, b, p).sum(), [t])
            (gd,) = torch.autograd.grad(fd(x, y, b, p).sum(), [t])
            assert_close(g, gd, "float64")


# ---------------------------------------------------------------------------
# Selections: ties, padding, indices


def test_selection_ties_take_the_lowest_index():
    x = torch.zeros(2, 1, dtype=DT, requires_grad=True)
    y = torch.tensor([[1.0], [0.5], [-0.5], [2.0], [0.5]], dtype=DT, requires_grad=True)
    g = kt.Genred("SqDist(x,y)", ["x = Vi(1)", "y = Vj(1)"], reduction_op="Min_ArgMin", axis=1)
    vals, idx = g(x, y)
    assert idx.tolist() == [[1], [1]]
    (gy,) = torch.autograd.grad(vals.sum(), [y])
    # d/dy (x - y)^2 = 2 (y - x) at the selected j only: 2 * 0.5 for both rows
    assert gy[:, 0].tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]
    # KMin: the tied pair is selected in index order
    vals, idx = kt.Genred("SqDist(x,y)", ["x = Vi(1)", "y = Vj(1)"], reduction_op="KMin_ArgKMin", opt_arg=3, axis=1)(x, y)
    assert idx[0].tolist() == [1, 2, 4]
    (gy,) = torch.autograd.grad(vals[:, 0].sum() + 10 * vals[:, 2].sum(), [y])
    assert gy[:, 0].tolist() == [0.0, 2.0, 0.0, 0.0, 20.0]


def test_kmin_with_k_larger_than_n_pads_without_gradient():
    x, y, b, p = inputs(4, m=3, n=2)
    g = kt.Genred(SCAL, A, reduction_op="KMin_ArgKMin", opt_arg=4, axis=1)
    vals, idx = g(x, y, b, p)
    assert torch.isinf(vals[:, 2:]).all() and (idx[:, 2:] == -1).all()
    grads = torch.autograd.grad(vals, [x, y, b, p], torch.ones_like(vals))
    ref = torch.autograd.grad(dense_fn_kmin(x, y, b, p, 2), [x, y, b, p], torch.ones(3, 2, dtype=DT))
    for u, v in zip(grads, ref):
        assert torch.isfinite(u).all()
        assert_close(u, v, "float64")


def dense_fn_kmin(x, y, b, p, K):
    F = d_scal(x.unsqueeze(-2), y.unsqueeze(-3), b.unsqueeze(-3), p)
    return torch.topk(F, K, dim=-2, largest=False).values.squeeze(-1)


def test_index_outputs_are_not_differentiable():
    x, y, b, p = inputs(2)
    idx = kt.Genred(VEC, A, reduction_op="ArgMin", axis=1)(x, y, b, p)
    assert idx.dtype == torch.int64 and not idx.requires_grad
    vals, idx = kt.Genred(VEC, A, reduction_op="KMin_ArgKMin", opt_arg=2, axis=0)(x, y, b, p)
    assert vals.requires_grad and not idx.requires_grad and idx.dtype == torch.int64
    # the values of Min are those of the no-grad kernel, bit for bit
    with torch.no_grad():
        plain = kt.Genred(VEC, A, reduction_op="Min", axis=1)(x, y, b, p)
    assert torch.equal(kt.Genred(VEC, A, reduction_op="Min", axis=1)(x, y, b, p).detach(), plain)


# ---------------------------------------------------------------------------
# Batch dimensions


BATCH_KINDS = ["Sum", "LogSumExpWeight", "SumSoftMaxWeight", "Max_SumShiftExp", "Min_ArgMin", "KMin"]


@pytest.mark.parametrize("kind", BATCH_KINDS)
@pytest.mark.parametrize("axis", [1, 0])
def test_batch_dimensions_with_broadcasting(kind, axis):
    # x: (2, 1, M, 3), y and b: (3, N, .), p: (2, 3, 1): broadcast batch (2, 3)
    args = inputs(7, m=4, n=5, batch_x=(2, 1), batch_y=(3,), batch_p=(2, 3))
    f, fd = kred_fn(kind, axis), dense_fn(kind, axis)
    out = f(*args)
    assert_close(out, fd(*args), "float64")
    e = torch.randn(out.shape, dtype=DT, generator=torch.Generator().manual_seed(0))
    gs = torch.autograd.grad(out, args, e, allow_unused=True, materialize_grads=True)
    gd = torch.autograd.grad(fd(*args), args, e, allow_unused=True, materialize_grads=True)
    for u, v, a in zip(gs, gd, args):
        assert u.shape == a.shape
        assert_close(u, v, "float64")
    if kind in ("Sum", "KMin"):
        assert gradgradcheck(f, args)


def test_parameter_shapes_are_kept():
    x, y, b, _ = inputs(1)
    g = kt.Genred(GAUSS, A, axis=1)
    for p in (torch.tensor(0.7, dtype=DT), torch.tensor([0.7], dtype=DT), torch.tensor([[[0.7]]], dtype=DT)):
        p.requires_grad_()
        (gp,) = torch.autograd.grad(g(x, y, b, p).sum(), [p])
        assert gp.shape == p.shape
        (gd,) = torch.autograd.grad(dense_fn("Sum", 1)(x, y, b, p.reshape(1)).sum(), [p])
        assert_close(gp, gd, "float64")


# ---------------------------------------------------------------------------
# LazyTensor


def test_lazytensor_reductions_backpropagate():
    x, y, b, p = inputs(9, m=11, n=8)
    X, Y, Bj = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :]), kt.LazyTensor(b[None, :, :])
    P = kt.LazyTensor(p)
    S = P * (X | Y) - X.sqdist(Y)
    V = (X - Y) ** 2 * P + X * Y
    xi, yj, bj, pp = x[:, None], y[None], b[None], p

    def Sd():
        return pp * (xi * yj).sum(-1, keepdim=True) - ((xi - yj) ** 2).sum(-1, keepdim=True)

    def Vd():
        return (xi - yj) ** 2 * pp + xi * yj

    cases = [
        (lambda: (S.exp() * Bj).sum(dim=1), lambda: (Sd().exp() * bj).sum(1)),
        (lambda: S.logsumexp(dim=0), lambda: torch.logsumexp(Sd(), 0)),
        (lambda: S.logsumexp(dim=1, weight=Bj.exp()), lambda: torch.logsumexp(Sd() + bj, 1)),
        (lambda: S.sumsoftmaxweight(Bj, dim=0), lambda: (torch.softmax(Sd(), 0) * bj).sum(0)),
        (lambda: V.min(dim=1), lambda: Vd().amin(1)),
        (lambda: V.max(dim=0), lambda: Vd().amax(0)),
        (lambda: V.min_argmin(dim=0)[0], lambda: Vd().min(0).values),
        (lambda: S.max_argmax(dim=1)[0], lambda: Sd().max(1).values),
        (lambda: V.Kmin(K=3, dim=1), lambda: torch.topk(Vd(), 3, dim=1, largest=False).values),
        (lambda: S.Kmin_argKmin(K=2, dim=0)[0], lambda: torch.topk(Sd(), 2, dim=0, largest=False).values.squeeze(-1).t()),
        (lambda: V.sum(dim=0), lambda: Vd().sum(0)),
    ]
    for k, (lazy, dense) in enumerate(cases):
        out, ref = lazy(), dense()
        assert_close(out, ref, "float64")
        e = torch.randn(ref.shape, dtype=DT, generator=torch.Generator().manual_seed(k))
        for u, v in zip(torch.autograd.grad(out, [x, y, b, p], e, allow_unused=True),
                        torch.autograd.grad(ref, [x, y, b, p], e, allow_unused=True)):
            if v is None:
                assert u is None
            else:
                assert_close(u, v, "float64", rtol=1e-8, atol=1e-10)


def test_backward_through_symbolic_derivatives():
    """Reductions of formulas that already hold Grad / Diff / Laplacian / GradMatrix, differentiated again."""
    x, y, b, _ = inputs(6, m=4, n=6)

    def red(fn):
        return lambda x_, y_, b_: fn(
            kt.LazyTensor(x_[:, None, :]), kt.LazyTensor(y_[None, :, :]), kt.LazyTensor(b_[None, :, 0:1])
        )

    fns = [
        red(lambda X, Y, e: (-X.sqdist(Y)).exp().grad(X, e).sum(dim=1)),
        red(lambda X, Y, e: (-X.sqdist(Y)).exp().laplacian(X).sum(dim=0)),
        red(lambda X, Y, e: ((X - Y) * (-X.sqdist(Y)).exp()).divergence(X).logsumexp(dim=1)),
        red(lambda X, Y, e: ((X - Y) * (-X.sqdist(Y)).exp()).grad_matrix(Y).sum(dim=1)),
        red(lambda X, Y, e: (-X.sqdist(Y)).exp().diff(Y, X).min(dim=1)),
    ]
    for fn in fns:
        assert gradcheck(fn, (x, y, b))
    assert gradgradcheck(fns[0], (x, y, b))


# ---------------------------------------------------------------------------
# torch.func and forward mode


FUNC_KINDS = ["Sum", "LogSumExpWeight", "SumSoftMaxWeight", "Max_SumShiftExpWeight", "Min", "KMin_ArgKMin"]


@pytest.mark.parametrize("kind", FUNC_KINDS)
def test_jvp_and_forward_ad(kind):
    for axis in (1, 0):
        args = [t.detach() for t in inputs(8)]
        g = torch.Generator().manual_seed(3)
        tans = [torch.randn(a.shape, dtype=DT, generator=g) for a in args]
        f, fd = kred_fn(kind, axis), dense_fn(kind, axis)
        out, t = torch.func.jvp(f, tuple(args), tuple(tans))
        outd, td = torch.func.jvp(fd, tuple(args), tuple(tans))
        assert_close(out, outd, "float64")
        assert_close(t, td, "float64", rtol=1e-8, atol=1e-10)
        import torch.autograd.forward_ad as fwAD

        with fwAD.dual_level():
            duals = [fwAD.make_dual(a, u) for a, u in zip(args, tans)]
            t2 = fwAD.unpack_dual(f(*duals)).tangent
        assert_close(t2, td, "float64", rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("kind", FUNC_KINDS)
def test_vmap(kind):
    x, y, b, p = (t.detach() for t in inputs(12))
    xs = torch.randn(3, M, 3, dtype=DT, generator=torch.Generator().manual_seed(4))
    ps = torch.rand(3, 1, dtype=DT, generator=torch.Generator().manual_seed(5)) + 0.5
    for axis in (1, 0):
        f = kred_fn(kind, axis)
        v = torch.func.vmap(lambda xx: f(xx, y, b, p))(xs)
        assert_close(v, torch.stack([f(xx, y, b, p) for xx in xs]), "float64")
        v = torch.func.vmap(lambda xx, pp: f(xx, y, b, pp))(xs, ps)
        assert_close(v, torch.stack([f(xx, y, b, pp) for xx, pp in zip(xs, ps)]), "float64")
        # vmap of grad (per-sample gradients) against a loop of torch.autograd
        v = torch.func.vmap(torch.func.grad(lambda yy, xx: f(xx, yy, b, p).square().sum()), in_dims=(None, 0))(y, xs)
        loop = []
        for xx in xs:
            yy = y.clone().requires_grad_()
            loop.append(torch.autograd.grad(f(xx, yy, b, p).square().sum(), [yy])[0])
        assert_close(v, torch.stack(loop), "float64")


def test_hessian_and_jacobians():
    x, y, b, p = (t.detach() for t in inputs(13))
    g = kt.Genred(GAUSS, A, axis=1)
    fd = dense_fn("Sum", 1)
    H = torch.func.hessian(lambda xx: g(xx, y, b, p).square().sum())(x)
    Hd = torch.func.hessian(lambda xx: fd(xx, y, b, p).square().sum())(x)
    assert_close(H, Hd, "float64", rtol=1e-8, atol=1e-10)
    J = torch.func.jacrev(lambda yy: kred_fn("KMin", 0)(x, yy, b, p))(y)
    Jf = torch.func.jacfwd(lambda yy: kred_fn("KMin", 0)(x, yy, b, p))(y)
    Jd = torch.func.jacrev(lambda yy: dense_fn("KMin", 0)(x, yy, b, p))(y)
    assert_close(J, Jd, "float64")
    assert_close(Jf, Jd, "float64")


# ---------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_low_precision_gradients(dtype):
    args64 = inputs(14, m=20, n=30)
    args = [a.detach().to(dtype).requires_grad_() for a in args64]
    # (selections in float16 may pick other, nearly tied, pairs than the float64 reference)
    kinds = ("Sum", "LogSumExp", "SumSoftMaxWeight") + (("KMin",) if dtype == torch.float32 else ())
    for kind in kinds:
        f, fd = kred_fn(kind, 1), dense_fn(kind, 1)
        out = f(*args)
        assert out.dtype == dtype
        gs = torch.autograd.grad(out.sum(), args, allow_unused=True, materialize_grads=True)
        gd = torch.autograd.grad(fd(*args64).sum(), args64, allow_unused=True, materialize_grads=True)
        for u, v in zip(gs, gd):
            assert u.dtype == dtype
            assert_close(u, v, "float32" if dtype == torch.float32 else "float16", rtol=2e-3 if dtype == torch.float32 else 5e-2)


# ---------------------------------------------------------------------------
# numpy: Grad in formula strings, against finite differences


def _fd(fun, arrays, k, h=1e-6):
    """Central differences of the scalar fun(*arrays) w.r.t. arrays[k]."""
    a = arrays[k]
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + h
        up = fun(*arrays)
        a[idx] = old - h
        down = fun(*arrays)
        a[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


@pytest.mark.parametrize("reduction,F2", [("Sum", None), ("LogSumExp", "Exp(b)")])
def test_numpy_grad_formulas_against_finite_differences(reduction, F2):
    rng = np.random.default_rng(21)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    b, p = rng.standard_normal((6, 2)), np.array([0.8])
    F = GAUSS if reduction == "Sum" else SCORE
    D = 2
    e_i, e_j = rng.standard_normal((4, D)), rng.standard_normal((6, D))
    for axis, e in ((1, e_i), (0, e_j)):
        fwd = kn.Genred(F, A, reduction_op=reduction, axis=axis, formula2=F2)

        def loss(x, y, b, p):
            return float((fwd(x, y, b, p) * e).sum())

        if reduction == "Sum":
            grad_of = {  # Sum Grad(F, V, e) over the other index than V's
                0: kn.Genred(f"Grad({F}, x, e)", A + [f"e = V{'ij'[1 - axis]}({D})"], axis=1),
                1: kn.Genred(f"Grad({F}, y, e)", A + [f"e = V{'ij'[1 - axis]}({D})"], axis=0),
            }
            for k, G in grad_of.items():
                got = G(x, y, b, p, e)
                want = _fd(loss, [x, y, b, p], k)
                np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
        else:
            # d/dx of the log-sum-exp, written with the saved result r as in the torch backward
            r = fwd(x, y, b, p)
            cat = "ij"[1 - axis]
            G = kn.Genred(
                f"Grad(Exp(({F}) - r)*Exp(b), x, e)",
                A + [f"e = V{cat}({D})", f"r = V{cat}({D})"],
                axis=1,
            )
            got = G(x, y, b, p, e, r)
            np.testing.assert_allclose(got, _fd(loss, [x, y, b, p], 0), rtol=1e-6, atol=1e-8)


def test_numpy_diff_and_second_order_formulas_against_finite_differences():
    rng = np.random.default_rng(22)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    u = rng.standard_normal((4, 3))
    F = "Exp(-SqDist(x,y))*Sin((x|y))"
    A2 = ["x = Vi(3)", "y = Vj(3)"]
    fwd = kn.Genred(F, A2, axis=1)
    # Diff(F, x, u): directional derivative of the sum over j
    got = kn.Genred(f"Diff({F}, x, u)", A2 + ["u = Vi(3)"], axis=1)(x, y, u)
    h = 1e-6
    want = (fwd(x + h * u, y) - fwd(x - h * u, y)) / (2 * h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    # Grad(Grad(F, x, 1), y, v) summed over i: d/dy of <grad_x F, v>
    v = rng.standard_normal((4, 3))
    gx = kn.Genred(f"Grad({F}, x, IntCst(1))", A2, axis=1)

    def loss(x, y):
        return float((gx(x, y) * v).sum())

    got = kn.Genred(f"Grad(Grad({F}, x, IntCst(1)), y, v)", A2 + ["v = Vi(3)"], axis=0)(x, y, v)
    np.testing.assert_allclose(got, _fd(loss, [x, y], 1), rtol=1e-5, atol=1e-7)
