"""The formula operations added from their ODS declaration (issue 12):
DifferenceMatrix, GradFromPos and SumLinOperator, through Genred on the CPU,
against dense float64 numpy / torch references: values, dimensions and
gradients."""

import numpy as np
import pytest

from kred.numpy import Genred, LazyTensor

RNG = np.random.default_rng(12)


def difference_matrix(x, y):
    """KeOps' sandbox DifferenceMatrix on (M, n) and (N, m) arrays: the
    (M, N, n * m) array with entry [i, j, l * n + k] = x[i, k] - y[j, l]."""
    M, n = x.shape
    N, m = y.shape
    d = x[:, None, None, :] - y[None, :, :, None]  # (M, N, m, n)
    return d.reshape(M, N, m * n)


@pytest.mark.parametrize("n,m", [(1, 1), (3, 2), (2, 5)])
def test_difference_matrix_sum(n, m):
    x = RNG.standard_normal((7, n))
    y = RNG.standard_normal((11, m))
    g = Genred("DifferenceMatrix(x, y)", [f"x=Vi({n})", f"y=Vj({m})"], reduction_op="Sum", axis=1)
    out = g(x, y, backend="CPU")
    assert out.shape == (7, n * m)
    np.testing.assert_allclose(out, difference_matrix(x, y).sum(axis=1), rtol=1e-12, atol=1e-12)


def test_difference_matrix_kernel_float32():
    # A soft-DTW-like use: a Gaussian of the squared difference matrix.
    x = RNG.standard_normal((40, 3))
    y = RNG.standard_normal((50, 4))
    b = RNG.standard_normal((50, 1))
    g = Genred(
        "Exp(-Square(DifferenceMatrix(x, y))) * b", ["x=Vi(3)", "y=Vj(4)", "b=Vj(1)"], reduction_op="Sum", axis=1
    )
    out = g(x.astype(np.float32), y.astype(np.float32), b.astype(np.float32), backend="CPU")
    ref = (np.exp(-difference_matrix(x, y) ** 2) * b[None, :, :]).sum(axis=1)
    assert out.shape == (40, 12) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-5 * np.abs(ref).max())


def test_difference_matrix_lazytensor():
    x = RNG.standard_normal((5, 2))
    y = RNG.standard_normal((6, 3))
    res = LazyTensor(x[:, None, :]).difference_matrix(LazyTensor(y[None, :, :])).sum(axis=1)
    np.testing.assert_allclose(res, difference_matrix(x, y).sum(axis=1), rtol=1e-12, atol=1e-12)


def test_difference_matrix_gradient():
    torch = pytest.importorskip("torch")
    from kred.torch import Genred as TGenred

    x = torch.randn(9, 3, dtype=torch.float64, requires_grad=True)
    y = torch.randn(8, 2, dtype=torch.float64, requires_grad=True)
    g = TGenred("Exp(-Square(DifferenceMatrix(x, y)))", ["x=Vi(3)", "y=Vj(2)"], reduction_op="Sum", axis=1)
    w = torch.randn(9, 6, dtype=torch.float64)
    (g(x, y, backend="CPU") * w).sum().backward()
    gx, gy = x.grad.clone(), y.grad.clone()

    xr = x.detach().clone().requires_grad_(True)
    yr = y.detach().clone().requires_grad_(True)
    d = (xr[:, None, None, :] - yr[None, :, :, None]).reshape(9, 8, 6)
    (torch.exp(-d**2).sum(dim=1) * w).sum().backward()
    torch.testing.assert_close(gx, xr.grad, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(gy, yr.grad, rtol=1e-10, atol=1e-10)


def test_grad_from_pos():
    x = RNG.standard_normal((6, 3))
    y = RNG.standard_normal((9, 3))
    b = RNG.standard_normal((9, 1))
    aliases = ["x=Vi(0,3)", "y=Vj(1,3)"]
    # KeOps 1's GradFromPos(f, v, i): the gradient input is Var(i, dim f,
    # the other category than v's), here a j-variable of dimension 1.
    g = Genred("GradFromPos(Exp(-SqDist(x, y)), x, 2)", aliases, reduction_op="Sum", axis=1)
    out = g(x, y, b, backend="CPU")
    diff = x[:, None, :] - y[None, :, :]
    k = np.exp(-(diff**2).sum(-1))[:, :, None]
    ref = (-2 * diff * k * b[None, :, :]).sum(axis=1)
    assert out.shape == (6, 3)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    explicit = Genred("Grad(Exp(-SqDist(x, y)), x, b)", aliases + ["b=Vj(2,1)"], reduction_op="Sum", axis=1)
    np.testing.assert_allclose(out, explicit(x, y, b, backend="CPU"), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("wl_dim,wr_dim", [(None, None), (1, 1), (2, 3), (2, None)])
def test_sum_lin_operator(wl_dim, wr_dim):
    # f = A u is linear in u (A: 2 x 3, row-major); SumLinOperator(f, u, wl,
    # wr) = sum_kl wl_k A_kl wr_l (weights 1 when omitted).
    A = RNG.standard_normal((10, 6))
    u = RNG.standard_normal((4, 3))
    aliases = ["A=Vj(6)", "u=Vi(3)"]
    args = [A, u]
    call = "SumLinOperator(MatVecMult(A, u), u"
    wl = np.ones(2) if wl_dim is None else RNG.standard_normal(wl_dim)
    wr = np.ones((4, 3)) if wr_dim is None else RNG.standard_normal((4, wr_dim))
    if wl_dim is not None:
        aliases.append(f"wl=Pm({wl_dim})")
        args.append(wl)
        call += ", wl"
        if wr_dim is not None:
            aliases.append(f"wr=Vi({wr_dim})")
            args.append(wr)
            call += ", wr"
    g = Genred(call + ")", aliases, reduction_op="Sum", axis=1)
    out = g(*args, backend="CPU")
    Am = A.reshape(10, 2, 3)
    wl2 = np.broadcast_to(wl, (2,))
    wr3 = np.broadcast_to(wr, (4, 3))
    ref = np.einsum("k,jkl,il->i", wl2, Am, wr3)[:, None]
    assert out.shape == (4, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "formula,aliases,match",
    [
        ("SumLinOperator(MatVecMult(A, u), u, w)", ["A=Vj(6)", "u=Vi(3)", "w=Pm(3)"],
         "'SumLinOperator' needs a left weight wl of dimension 1 or 2"),
        ("SumLinOperator(MatVecMult(A, u), u, 1, w)", ["A=Vj(6)", "u=Vi(3)", "w=Pm(2)"],
         "'SumLinOperator' needs a right weight wr of dimension 1 or 3"),
        ("GradFromPos(Exp(-SqDist(x, y)), p, 2)", ["x=Vi(3)", "y=Vj(3)", "p=Pm(1)"],
         r"GradFromPos\(f, v, i\) needs v to be an i- or j-variable"),
        ("GradFromPos(Exp(-SqDist(x, y)), x, 1)", ["x=Vi(3)", "y=Vj(3)"],
         "GradFromPos.* adds its gradient input at position 1"),
    ],
)
def test_new_op_errors(formula, aliases, match):
    def array(alias):
        dim = int(alias.split("(")[1].rstrip(")").split(",")[-1])
        return np.ones(dim) if "Pm" in alias else np.ones((2, dim))

    with pytest.raises(ValueError, match=match):
        Genred(formula, aliases, reduction_op="Sum", axis=1)(*[array(a) for a in aliases], backend="CPU")
