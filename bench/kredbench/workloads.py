"""The benchmark workloads: one Genred formula each, its inputs, and the dense
torch computation of the same result (the whole (M, N) matrix in memory)."""

import math
from dataclasses import dataclass
from typing import Callable, Optional

import torch

F32 = 4  # bytes


@dataclass
class Workload:
    """A kernel reduction to time.

    formula/aliases/reduction/axis/opt_arg/formula2 are Genred's arguments
    (identical for kred and pykeops). make(M, N, gen, device) returns the
    input tensors; dense(*inputs) computes the same output with plain torch;
    dense_matrices is how many (M, N) float32 buffers the dense computation
    holds at its peak (forward), used to skip it where it would not fit.
    grad_wrt: input positions differentiated in the backward benchmarks.
    kind: "value" (compare by relative error) or "index" (share of equal
    indices).
    """

    name: str
    title: str
    formula: str
    aliases: list
    reduction: str
    M: int
    N: int
    make: Callable
    dense: Callable
    dense_matrices: int
    axis: int = 1
    opt_arg: Optional[int] = None
    formula2: Optional[str] = None
    grad_wrt: tuple = ()
    kind: str = "value"
    exp_formula: bool = True
    quick: tuple = (256, 512)

    def __post_init__(self):
        self.grad_wrt = tuple(self.grad_wrt)

    def genred_kwargs(self):
        kw = {"reduction_op": self.reduction, "axis": self.axis}
        if self.opt_arg is not None:
            kw["opt_arg"] = self.opt_arg
        if self.formula2 is not None:
            kw["formula2"] = self.formula2
        return kw

    def dense_bytes(self, M, N, backward=False):
        # The autograd graph keeps roughly as many (M, N) buffers again.
        return self.dense_matrices * (2 if backward else 1) * M * N * F32

    def sized(self, quick=False, scale=1.0):
        if quick:
            return self.quick
        return max(1, int(round(self.M * scale))), max(1, int(round(self.N * scale)))

    def spec(self):
        """The formula as one line (for tables and notes)."""
        s = f"{self.reduction}({self.formula}"
        if self.formula2:
            s += f", {self.formula2}"
        if self.opt_arg is not None:
            s += f", K={self.opt_arg}"
        return s + f"), axis={self.axis}, " + ", ".join(self.aliases)


# --------------------------------------------------------------------------
# Inputs


def _seed_inputs(D, randn):
    def make(M, N, gen, device="cpu"):
        r = torch.randn if randn else torch.rand
        x = r(M, D, generator=gen).to(device)
        y = r(N, D, generator=gen).to(device)
        a = r(N, 1, generator=gen).to(device)
        p = r(1, generator=gen).to(device)
        return [x, y, a, p]

    return make


def _points(D, weight_dim=None):
    def make(M, N, gen, device="cpu"):
        x = torch.rand(M, D, generator=gen).to(device)
        y = torch.rand(N, D, generator=gen).to(device)
        if weight_dim is None:
            return [x, y]
        b = torch.rand(N, weight_dim, generator=gen).to(device)
        return [x, y, b]

    return make


def _batched_points(B, D, weight_dim):
    """B independent problems: (B, M, D), (B, N, D) points and (B, N, weight_dim) weights."""

    def make(M, N, gen, device="cpu"):
        x = torch.rand(B, M, D, generator=gen).to(device)
        y = torch.rand(B, N, D, generator=gen).to(device)
        b = torch.rand(B, N, weight_dim, generator=gen).to(device)
        return [x, y, b]

    return make


# --------------------------------------------------------------------------
# Dense torch versions


def dense_seed_lse(x, y, a, p):
    F = ((p - a.T) ** 2) * torch.exp(x + y.T)  # (M, N), D = 1
    return torch.logsumexp(F, dim=1, keepdim=True)


def dense_seed_sum(x, y, a, p):
    F = ((p - a) ** 2)[None, :, :] * torch.exp(x[:, None, :] + y[None, :, :])  # (M, N, D)
    return F.sum(1)


def sqdist(x, y):
    # |x|^2 + |y|^2 - 2 x.y: the fast dense way (one matmul, (M, N) memory).
    return (x * x).sum(1, keepdim=True) + (y * y).sum(1)[None, :] - 2 * (x @ y.T)


def dense_gauss(x, y, b):
    return torch.exp(-sqdist(x, y)) @ b


def dense_batched_gauss(x, y, b):
    d = (x * x).sum(-1, keepdim=True) + (y * y).sum(-1)[..., None, :] - 2 * (x @ y.transpose(-1, -2))
    return torch.exp(-d) @ b


def dense_argkmin(K):
    def f(x, y):
        return sqdist(x, y).topk(K, dim=1, largest=False).indices

    return f


def dense_softmax_weight(x, y, b):
    return torch.softmax(-sqdist(x, y), dim=1) @ b


# --------------------------------------------------------------------------
# The workloads of issues 4 and 6 (CPU)

SEED_LSE = Workload(
    "seed_lse", "seed LogSumExp, D=1", "Square(p-a)*Exp(x+y)",
    ["x = Vi(1)", "y = Vj(1)", "a = Vj(1)", "p = Pm(1)"], "LogSumExp", 3000, 5000,
    _seed_inputs(1, randn=False), dense_seed_lse, dense_matrices=5, grad_wrt=(1,),
    quick=(300, 500))

SEED_SUM = Workload(
    "seed_sum", "seed Sum, D=3", "Square(p-a)*Exp(x+y)",
    ["x = Vi(3)", "y = Vj(3)", "a = Vj(1)", "p = Pm(1)"], "Sum", 3000, 5000,
    _seed_inputs(3, randn=True), dense_seed_sum, dense_matrices=9, grad_wrt=(1,),
    quick=(300, 500))


def gauss(M, N, name=None):
    return Workload(
        name or f"gauss_{M:.0e}".replace("+0", "").replace("+", ""),
        f"Gaussian sum, D=3", "Exp(-SqDist(x,y))*b",
        ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", M, N,
        _points(3, 1), dense_gauss, dense_matrices=4, grad_wrt=(0, 1), quick=(1000, 1000))


GAUSS_1E4 = gauss(10**4, 10**4, "gauss_1e4")
GAUSS_1E5 = gauss(10**5, 10**5, "gauss_1e5")


def argkmin(M, N, D=3, K=10, name=None):
    return Workload(
        name or f"argkmin_D{D}", f"ArgKMin K={K}, D={D}", "SqDist(x,y)",
        [f"x = Vi({D})", f"y = Vj({D})"], "ArgKMin", M, N, _points(D), dense_argkmin(K),
        dense_matrices=3, opt_arg=K, kind="index", exp_formula=False, quick=(2000, 2000))


ARGKMIN = argkmin(5 * 10**4, 5 * 10**4, name="argkmin_5e4")

# Batch dimensions (issue 15): 64 small Gaussian sums in one Genred call, one launch whose tasks the threads
# share (M and N are those of each batch element).
GAUSS_BATCH = Workload(
    "gauss_batch64", "64 Gaussian sums (batch), D=3", "Exp(-SqDist(x,y))*b",
    ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", 200, 300,
    _batched_points(64, 3, 1), dense_batched_gauss, dense_matrices=4 * 64, quick=(200, 300))

FORWARD = [SEED_LSE, SEED_SUM, GAUSS_1E4, GAUSS_1E5, ARGKMIN, GAUSS_BATCH]
BACKWARD = [SEED_LSE, SEED_SUM, GAUSS_1E4, GAUSS_1E5]

# --------------------------------------------------------------------------
# The GPU workloads of issue 7


def softmax_weight(M, N, name):
    return Workload(
        name, "SumSoftMaxWeight, D=3", "-SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)", "b = Vj(3)"],
        "SumSoftMaxWeight", M, N, _points(3, 3), dense_softmax_weight, dense_matrices=3,
        formula2="b", quick=(2000, 2000))


GPU = [
    SEED_LSE,
    SEED_SUM,
    gauss(10**5, 10**5, "gauss_1e5"),
    gauss(10**6, 10**6, "gauss_1e6"),
    softmax_weight(10**5, 10**5, "softmax_weight_1e5"),
    argkmin(10**5, 10**5, D=3, name="argkmin_D3_1e5"),
    Workload("argkmin_D64_1e5", "ArgKMin K=10, D=64", "SqDist(x,y)", ["x = Vi(64)", "y = Vj(64)"],
             "ArgKMin", 10**5, 10**5, _points(64), dense_argkmin(10), dense_matrices=3,
             opt_arg=10, kind="index", exp_formula=False, quick=(2000, 2000)),
]
