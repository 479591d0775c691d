"""KernelSolve's low-rank preconditioners (kred/common/precond.py): solutions against a float64 dense solve
(torch.linalg.solve) for numpy and torch, float32 and float64, odd sizes, several right-hand sides, batch
dimensions, both axes and non-scalar kernels; the iteration count on a Gaussian system; gradients; options."""

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import kred.numpy as kn
import kred.torch as kt
from kred.common import precond as pc

ALPHA = 0.1
GAMMA = 4
FORMULA = f"Exp(-SqDist(x,y)*IntCst({GAMMA}))*a"
EPS = {"float32": 1e-4, "float64": 1e-10}


def aliases(E, D=3, axis=1):
    if axis == 1:
        return [f"x = Vi({D})", f"y = Vj({D})", f"a = Vj({E})"]
    return [f"x = Vi({D})", f"y = Vj({D})", f"a = Vi({E})"]


def data(M, E, seed, batch=(), D=3):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(batch + (M, D), generator=g, dtype=torch.float64)
    b = torch.randn(batch + (M, E), generator=g, dtype=torch.float64)
    return x, b


def gauss(x, gamma=GAMMA):
    return torch.exp(-gamma * ((x[..., :, None, :] - x[..., None, :, :]) ** 2).sum(-1))


def dense_solve(K, b, alpha=ALPHA):
    eye = torch.eye(K.shape[-1], dtype=torch.float64)
    return torch.linalg.solve(alpha * eye + K, b)


def check_solution(a, want, A, b, eps, alpha=ALPHA):
    """|b - A a|^2 < size(b) eps^2 (pykeops' criterion, with slack for the float32 products), hence
    |a - want| <= |b - A a| / alpha."""
    a = torch.as_tensor(np.asarray(a) if not isinstance(a, torch.Tensor) else a).double()
    assert torch.isfinite(a).all()
    bound = (b.numel() ** 0.5) * eps
    r = (b - A(a)).norm()
    assert r <= 2 * bound, (float(r), bound)
    err = (a - want).norm()
    assert err <= 2 * bound / alpha + 1e-12, (float(err), bound / alpha)


def framework_args(framework, dtype, *tensors):
    if framework == "numpy":
        return tuple(t.numpy().astype(dtype) for t in tensors)
    return tuple(t.to(getattr(torch, dtype)) for t in tensors)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("M", [1, 7, 101, 997])
def test_against_dense_solve(framework, dtype, M):
    E = 3 if M != 997 else 2
    x, b = data(M, E, seed=M)
    K = gauss(x)
    want = dense_solve(K, b)
    mod = kn if framework == "numpy" else kt
    Kinv = mod.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    xs, bs = framework_args(framework, dtype, x, b)
    for precond in ("auto", "pivchol", "nystrom", None):
        a = Kinv(xs, xs, bs, alpha=ALPHA, eps=EPS[dtype], precond=precond)
        assert type(a) is type(bs) and tuple(a.shape) == (M, E) and a.dtype == bs.dtype
        info = Kinv.solve_info
        assert info["converged"]
        assert info["precond"] == (None if precond is None else "pivchol" if precond == "auto" else precond)
        check_solution(a, want, lambda v: ALPHA * v + K @ v, b, EPS[dtype])


def test_iterations_drop_tenfold_on_a_gaussian_system():
    """The Gaussian test system of the bench (points in the unit cube, Exp(-SqDist(x,y)), alpha 1e-3),
    smaller: the number of products with K, a deterministic count."""
    M, E, alpha = 1000, 4, 1e-3
    x, b = data(M, E, seed=5)
    Kinv = kt.KernelSolve("Exp(-SqDist(x,y))*a", aliases(E), "a", axis=1)
    counts = {}
    for precond in (None, "pivchol", "nystrom"):
        a = Kinv(x, x, b, alpha=alpha, eps=1e-8, precond=precond)
        assert Kinv.solve_info["converged"]
        counts[precond] = Kinv.solve_info["iterations"]
        check_solution(a, dense_solve(gauss(x, 1), b, alpha), lambda v: alpha * v + gauss(x, 1) @ v, b, 1e-8, alpha)
    assert counts[None] >= 10 * counts["pivchol"], counts
    assert counts[None] >= 10 * counts["nystrom"], counts


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_batch_dimensions_and_broadcasting(framework):
    M, E = 61, 2
    x, b = data(M, E, seed=11, batch=(2, 3))
    K = gauss(x)
    want = dense_solve(K, b)
    mod = kn if framework == "numpy" else kt
    Kinv = mod.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    xs, bs = framework_args(framework, "float64", x, b)
    for precond in ("pivchol", "nystrom"):
        a = Kinv(xs, xs, bs, alpha=ALPHA, eps=1e-10, precond=precond)
        assert tuple(a.shape) == (2, 3, M, E)
        check_solution(a, want, lambda v: ALPHA * v + K @ v, b, 1e-10)
    # the points broadcast over the first batch dimension
    xb = x[:1]
    Kb = gauss(xb).expand(2, 3, M, M)
    xs, bs = framework_args(framework, "float64", xb, b)
    a = Kinv(xs, xs, bs, alpha=ALPHA, eps=1e-10, precond="pivchol")
    check_solution(a, dense_solve(Kb, b), lambda v: ALPHA * v + Kb @ v, b, 1e-10)


def test_axis_0_and_parameters():
    M, E = 53, 3
    x, b = data(M, E, seed=3)
    s = torch.tensor([2.5], dtype=torch.float64)
    K = gauss(x, 2.5)
    Kinv = kt.KernelSolve("Exp(-s*SqDist(x,y))*a", aliases(E, axis=0) + ["s = Pm(1)"], "a", axis=0)
    a = Kinv(x, x, b, s, alpha=ALPHA, eps=1e-10)
    assert Kinv.solve_info["precond"] == "pivchol" and Kinv.solve_info["rank"] > 0
    check_solution(a, dense_solve(K, b), lambda v: ALPHA * v + K @ v, b, 1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_valued_kernel(dtype):
    """K = k (x) B with B a symmetric positive definite E x E matrix: not a scalar kernel times the identity,
    the factorization runs over the n E unknowns."""
    M, E = 40, 3
    x, b = data(M, E, seed=8)
    g = torch.Generator().manual_seed(9)
    R = torch.randn(E, E, generator=g, dtype=torch.float64)
    B = R @ R.T + E * torch.eye(E, dtype=torch.float64)
    K = torch.kron(gauss(x), B)  # index (i, e)
    Kinv = kt.KernelSolve(
        f"Exp(-SqDist(x,y)*IntCst({GAMMA}))*MatVecMult(B,a)", aliases(E) + [f"B = Pm({E * E})"], "a", axis=1
    )
    xs, bs, Bs = framework_args("torch", dtype, x, b, B.reshape(-1))
    for rank in (None, 5):
        a = Kinv(xs, xs, bs, Bs, alpha=ALPHA, eps=EPS[dtype], precond="pivchol", precond_rank=rank)
        assert Kinv.solve_info["rank"] == (5 if rank else Kinv.solve_info["rank"]) and Kinv.solve_info["rank"] > 0
        flat = b.reshape(-1)
        check_solution(a.reshape(-1), torch.linalg.solve(ALPHA * torch.eye(M * E, dtype=torch.float64) + K, flat),
                       lambda v: ALPHA * v + K @ v, flat, EPS[dtype])


def test_structure_detection():
    M, E = 30, 3
    x, b = data(M, E, seed=4)
    ks = kt.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    P = pc.build(ks, (x, x, b), ALPHA, "auto", -1, "pivchol", None)
    assert P.scalar and P.n == M
    ks = kt.KernelSolve(f"Exp(-SqDist(x,y))*MatVecMult(B,a)", aliases(E) + [f"B = Pm({E * E})"], "a", axis=1)
    B = torch.eye(E, dtype=torch.float64) + 0.1
    P = pc.build(ks, (x, x, b, B.reshape(-1)), ALPHA, "auto", -1, "pivchol", None)
    assert not P.scalar and P.n == M * E


def test_full_rank_factorization_is_a_direct_solve():
    M, E = 25, 2
    x, b = data(M, E, seed=2)
    Kinv = kn.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    Kinv(x.numpy(), x.numpy(), b.numpy(), alpha=ALPHA, eps=1e-12, precond="pivchol", precond_rank=M)
    assert Kinv.solve_info["rank"] <= M and Kinv.solve_info["iterations"] <= 3


def test_lazytensor_solve_takes_the_options():
    M, E = 80, 2
    x, b = data(M, E, seed=6)
    x_i, x_j = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(x[None, :, :])
    K_xx = (-((x_i - x_j) ** 2).sum(-1) * GAMMA).exp()
    want = dense_solve(gauss(x), b)
    for precond in (None, "pivchol", "nystrom"):
        a = K_xx.solve(b, alpha=ALPHA, eps=1e-10, precond=precond, precond_rank=20)
        check_solution(a, want, lambda v: ALPHA * v + gauss(x) @ v, b, 1e-10)


def test_gradients_with_the_preconditioner():
    M, E = 8, 2
    x, b = data(M, E, seed=7)
    s = torch.tensor([1.5], dtype=torch.float64)
    for t in (x, b, s):
        t.requires_grad_()
    Kinv = kt.KernelSolve("Exp(-s*SqDist(x,y))*a", aliases(E) + ["s = Pm(1)"], "a", axis=1)
    for precond in ("pivchol", "nystrom"):

        def f(x, b, s):
            return Kinv(x, x, b, s, alpha=ALPHA, eps=1e-14, precond=precond, precond_rank=4)

        assert gradcheck(f, (x, b, s))
    # against the dense solve, on a larger system
    x, b = data(150, 3, seed=12)
    x.requires_grad_()
    b.requires_grad_()
    a = kt.KernelSolve(FORMULA, aliases(3), "a", axis=1)(x, x, b, alpha=ALPHA, eps=1e-12)
    ad = dense_solve(gauss(x), b)
    e = torch.randn(a.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for u, v in zip(torch.autograd.grad(a, [x, b], e), torch.autograd.grad(ad, [x, b], e)):
        assert torch.allclose(u, v, rtol=1e-6, atol=1e-8)


def test_backward_reuses_the_preconditioner(monkeypatch):
    M, E = 200, 2
    x, b = data(M, E, seed=13)
    x.requires_grad_()
    b.requires_grad_()
    builds = []
    real = pc.build

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pc, "build", counting)
    Kinv = kt.KernelSolve("Exp(-SqDist(x,y))*a", aliases(E), "a", axis=1)
    a = Kinv(x, x, b, alpha=1e-3, eps=1e-10)
    forward = dict(Kinv.solve_info)
    gx, gb = torch.autograd.grad(a.sum(), [x, b])
    backward = Kinv.solve_info
    assert len(builds) == 1
    assert backward is not forward and backward["precond"] == "pivchol" and backward["converged"]
    assert backward["iterations"] <= 2 * forward["iterations"] + 5
    xd, bd = x.detach().requires_grad_(), b.detach().requires_grad_()
    ad = dense_solve(gauss(xd, 1), bd, 1e-3)
    gxd, gbd = torch.autograd.grad(ad.sum(), [xd, bd])
    assert torch.allclose(gb, gbd, rtol=1e-5, atol=1e-6)
    assert torch.allclose(gx, gxd, rtol=1e-4, atol=1e-4 * float(gxd.abs().max()))


def test_auto_falls_back_to_plain_cg():
    M, E = 40, 1
    x, b = data(M, E, seed=14)
    Kinv = kn.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    xs, bs = x.numpy(), b.numpy()
    # ranges (block-sparse operator): one block with everything
    ranges = (np.array([[0, M]]), np.array([1]), np.array([[0, M]]), np.array([[0, M]]), np.array([1]),
              np.array([[0, M]]))
    Kinv(xs, xs, bs, alpha=ALPHA, eps=1e-10, ranges=ranges)
    assert Kinv.solve_info["precond"] is None and Kinv.solve_info["converged"]
    with pytest.raises(ValueError, match="not supported with ranges"):
        Kinv(xs, xs, bs, alpha=ALPHA, ranges=ranges, precond="pivchol")
    # alpha <= 0: P = alpha Id + L L^T is not positive definite
    with pytest.warns(RuntimeWarning, match="did not converge"):
        Kinv(xs, xs, bs, alpha=0.0, eps=1e-12, maxiter=5)
    assert Kinv.solve_info["precond"] is None
    with pytest.raises(ValueError, match="needs alpha > 0"):
        Kinv(xs, xs, bs, alpha=0.0, precond="nystrom")
    # a nearly diagonal kernel: the pivoted Cholesky stops early
    Knarrow = kn.KernelSolve("Exp(-SqDist(x,y)*IntCst(100000))*a", aliases(E), "a", axis=1)
    Knarrow(xs, xs, bs, alpha=ALPHA, eps=1e-10)
    assert Knarrow.solve_info["rank"] <= 16


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_bad_options(framework):
    mod = kn if framework == "numpy" else kt
    x, b = data(10, 1, seed=0)
    xs, bs = framework_args(framework, "float64", x, b)
    Kinv = mod.KernelSolve(FORMULA, aliases(1), "a", axis=1)
    with pytest.raises(ValueError, match="precond must be"):
        Kinv(xs, xs, bs, precond="cholesky")
    with pytest.raises(ValueError, match="precond_rank"):
        Kinv(xs, xs, bs, precond_rank=0)
    with pytest.raises(TypeError, match="precond_rank"):
        Kinv(xs, xs, bs, precond_rank=2.5)
    # the operator's own errors come first, unchanged
    with pytest.raises(ValueError, match="square"):
        Kinv(xs, xs[:5], bs[:5], alpha=ALPHA)


def test_pure_torch_path(monkeypatch):
    """The dense work in torch (what CUDA tensors use), here on CPU tensors."""
    monkeypatch.setattr(pc, "_ops", lambda tools, like: pc._TorchOps(like) if tools.name == "torch"
                        else pc._NumpyOps(like))
    M, E = 70, 2
    x, b = data(M, E, seed=15, batch=(2,))
    K = gauss(x)
    Kinv = kt.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    for precond in ("pivchol", "nystrom"):
        a = Kinv(x, x, b, alpha=ALPHA, eps=1e-10, precond=precond)
        assert Kinv.solve_info["rank"] > 0
        check_solution(a, dense_solve(K, b), lambda v: ALPHA * v + K @ v, b, 1e-10)
    B = torch.eye(E, dtype=torch.float64) + 0.2
    Km = torch.kron(gauss(x[0]), B)
    Kinv = kt.KernelSolve(f"Exp(-SqDist(x,y)*IntCst({GAMMA}))*MatVecMult(B,a)", aliases(E) + [f"B = Pm({E * E})"],
                          "a", axis=1)
    a = Kinv(x[0], x[0], b[0], B.reshape(-1), alpha=ALPHA, eps=1e-10, precond="pivchol")
    flat = b[0].reshape(-1)
    check_solution(a.reshape(-1), torch.linalg.solve(ALPHA * torch.eye(M * E, dtype=torch.float64) + Km, flat),
                   lambda v: ALPHA * v + Km @ v, flat, 1e-10)


def test_operators_the_preconditioner_cannot_factor_are_left_to_cg():
    """Only j-variables: the reduction has one output row, not a square operator; KernelSolve's check says so."""
    b = np.ones((5, 2))
    Kinv = kn.KernelSolve("a", ["a = Vj(2)"], "a", axis=1)
    with pytest.raises(ValueError, match="square"):
        Kinv(b, alpha=ALPHA, precond="pivchol")


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("M", [1, 9])
def test_preconditioner_is_symmetric_positive_definite_and_leaves_its_input(framework, M):
    """z = alpha P^-1 v against the dense formula; v unchanged (CG passes its residual)."""
    E = 3
    x, b = data(M, E, seed=16, batch=(2,))
    mod = kn if framework == "numpy" else kt
    ks = mod.KernelSolve(FORMULA, aliases(E), "a", axis=1)
    xs, bs = framework_args(framework, "float64", x, b)
    P = pc.build(ks, (xs, xs, bs), ALPHA, "auto", -1, "pivchol", 4)
    v = bs.copy() if framework == "numpy" else bs.clone()
    z = P(v)
    assert (np.asarray(v) == np.asarray(bs)).all()
    for k in range(2):
        Lt = torch.as_tensor(np.asarray(P.Lt[k]))
        Pk = ALPHA * torch.eye(M, dtype=torch.float64) + Lt.T @ Lt
        assert torch.linalg.eigvalsh(Pk).min() > 0
        want = ALPHA * torch.linalg.solve(Pk, b[k])
        assert torch.allclose(torch.as_tensor(np.asarray(z[k])), want, rtol=1e-10, atol=1e-12)
