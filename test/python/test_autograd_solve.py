"""Gradients of KernelSolve and LazyTensor.solve (another solve plus a Grad reduction), against
torch.linalg.solve on the dense matrix; gradcheck and gradgradcheck."""

import torch
from torch.autograd import gradcheck, gradgradcheck

import kred.torch as kt
from helpers import assert_close

DT = torch.float64
M, ALPHA = 9, 0.5
FORMULA = "Exp(-s*SqDist(x,y))*a"
ALIASES = ["x = Vi(2)", "y = Vj(2)", "a = Vj(3)", "s = Pm(1)"]


def data(seed, m=M):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, 2, generator=g, dtype=DT)
    b = torch.randn(m, 3, generator=g, dtype=DT)
    s = torch.rand(1, generator=g, dtype=DT) + 0.5
    return [t.requires_grad_() for t in (x, b, s)]


def dense_solve(x, b, s):
    K = torch.exp(-s * ((x[:, None] - x[None]) ** 2).sum(-1))
    return torch.linalg.solve(ALPHA * torch.eye(len(x), dtype=DT) + K, b)


def kernel_solve(x, b, s):
    Kinv = kt.KernelSolve(FORMULA, ALIASES, "a", axis=1)
    return Kinv(x, x, b, s, alpha=ALPHA, eps=1e-14)


def test_kernelsolve_gradients_against_dense():
    x, b, s = data(0, m=25)
    a, ad = kernel_solve(x, b, s), dense_solve(x, b, s)
    assert_close(a, ad, "float64", rtol=1e-8, atol=1e-10)
    e = torch.randn(a.shape, dtype=DT, generator=torch.Generator().manual_seed(1))
    g = torch.autograd.grad(a, [x, b, s], e, create_graph=True)
    gd = torch.autograd.grad(ad, [x, b, s], e, create_graph=True)
    for u, v in zip(g, gd):
        assert_close(u, v, "float64", rtol=1e-7, atol=1e-9)
    # second order
    h = torch.autograd.grad(g[0].square().sum() + g[2].sum(), [x, b, s])
    hd = torch.autograd.grad(gd[0].square().sum() + gd[2].sum(), [x, b, s])
    for u, v in zip(h, hd):
        assert_close(u, v, "float64", rtol=1e-6, atol=1e-8)


def test_kernelsolve_gradcheck_and_gradgradcheck():
    args = data(2)
    assert gradcheck(kernel_solve, args)
    assert gradgradcheck(kernel_solve, args)


def test_lazytensor_solve_gradient():
    x, b, _ = data(3, m=30)
    x_i, x_j = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(x[None, :, :])
    K_xx = (-((x_i - x_j) ** 2).sum(-1)).exp()
    a = K_xx.solve(b, alpha=ALPHA, eps=1e-14)
    ad = dense_solve(x, b, torch.ones(1, dtype=DT))
    g = torch.autograd.grad((a**2).sum(), [x, b])
    gd = torch.autograd.grad((ad**2).sum(), [x, b])
    for u, v in zip(g, gd):
        assert_close(u, v, "float64", rtol=1e-7, atol=1e-9)


def test_solve_gradient_only_through_the_right_hand_side():
    x, b, s = data(4)
    x, s = x.detach(), s.detach()
    a = kernel_solve(x, b, s)
    (gb,) = torch.autograd.grad(a.sum(), [b])
    (gbd,) = torch.autograd.grad(dense_solve(x, b, s).sum(), [b])
    assert_close(gb, gbd, "float64", rtol=1e-8, atol=1e-10)
