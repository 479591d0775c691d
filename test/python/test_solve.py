"""KernelSolve and LazyTensor.solve: conjugate gradient with alpha and eps (numpy and torch)."""

import numpy as np
import pytest
import torch

import kred.numpy as kn
import kred.torch as kt
from helpers import assert_close

rng = np.random.default_rng(1)
M, D, E = 50, 3, 2
X = rng.standard_normal((M, D))
B = rng.standard_normal((M, E))
ALPHA = 0.1
FORMULA = "Exp(-SqDist(x,y)/IntCst(2))*a"
ALIASES = ["x = Vi(3)", "y = Vj(3)", "a = Vj(2)"]


def dense_solution(x, b, alpha):
    K = np.exp(-((x[:, None] - x[None]) ** 2).sum(-1) / 2)
    return np.linalg.solve(alpha * np.eye(len(x)) + K, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernelsolve_numpy(dtype):
    x, b = X.astype(dtype), B.astype(dtype)
    K = kn.Genred(FORMULA, ALIASES, axis=1)
    Kinv = kn.KernelSolve(FORMULA, ALIASES, "a", axis=1)
    a = Kinv(x, x, b, alpha=ALPHA, eps=1e-8 if dtype == "float64" else 1e-5)
    assert a.shape == (M, E) and a.dtype == np.dtype(dtype)
    residual = ALPHA * a + K(x, x, a) - b
    assert np.mean(residual**2) < (1e-12 if dtype == "float64" else 1e-6)
    assert_close(a, dense_solution(X, B, ALPHA), dtype, rtol=1e-3, atol=1e-4)


def test_kernelsolve_torch_and_var_syntax():
    x, b = torch.from_numpy(X), torch.from_numpy(B)
    Kinv = kt.KernelSolve(FORMULA, ALIASES, "Var(2,2,1)", axis=1)
    a = Kinv(x, x, b, alpha=ALPHA, eps=1e-10)
    assert isinstance(a, torch.Tensor) and a.shape == (M, E)
    assert_close(a, dense_solution(X, B, ALPHA), "float64", rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_lazytensor_solve_reconstruction(framework):
    if framework == "numpy":
        LT, x, b = kn.LazyTensor, X, B
    else:
        LT, x, b = kt.LazyTensor, torch.from_numpy(X), torch.from_numpy(B)
    x_i, x_j = LT(x[:, None, :]), LT(x[None, :, :])
    K_xx = (-((x_i - x_j) ** 2).sum(-1) / 2).exp()
    a = K_xx.solve(b, alpha=ALPHA, eps=1e-10)
    c = ALPHA * a + K_xx @ a
    assert float(((c - b) ** 2).mean()) < 1e-14
    assert_close(a, dense_solution(X, B, ALPHA), "float64", rtol=1e-6, atol=1e-8)
    # the unknown given explicitly as a symbolic variable
    a2 = (K_xx * LT((0, E, 1))).solve(LT(b, axis=0), var=LT((0, E, 1)), alpha=ALPHA, eps=1e-10)
    assert_close(a2, a, "float64", rtol=1e-6, atol=1e-8)


def test_solve_callable_and_maxiter_warning():
    x_i, x_j = kn.LazyTensor(X[:, None, :]), kn.LazyTensor(X[None, :, :])
    K_xx = (-((x_i - x_j) ** 2).sum(-1) / 2).exp()
    with pytest.warns(RuntimeWarning, match="did not converge"):
        K_xx.solve(B, alpha=ALPHA, eps=1e-12, maxiter=1)
    # symbolic right-hand side: a reusable solver
    solver = K_xx.solve(kn.Vi(0, E), alpha=ALPHA, eps=1e-10)
    assert_close(solver(B), dense_solution(X, B, ALPHA), "float64", rtol=1e-6, atol=1e-8)


def test_kernelsolve_errors():
    with pytest.raises(ValueError, match="unknown alias 'z'"):
        kn.KernelSolve(FORMULA, ALIASES, "z", axis=1)
    Kinv = kn.KernelSolve("Exp(-SqDist(x,y))*a", ["x = Vi(3)", "y = Vj(3)", "a = Vj(2)"], "a", axis=1)
    with pytest.raises(ValueError, match="square"):
        Kinv(X, X[:10], B[:10])
