"""LogSumExp reduction -- KeOps' seed example with `pykeops` replaced by `kred`.

c_i = log sum_j exp((p - a_j)^2 exp(x_i + y_j)), computed with a stable
LogSumExp Genred and compared with the naive log of a Sum of Exp. Plots are
saved as PNG files in $KRED_PLOT_DIR (default: <tmp>/kred-examples).
"""

import os
import tempfile
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch.autograd import grad  # noqa: E402

from kred.torch import Genred  # noqa: E402

plot_dir = os.environ.get("KRED_PLOT_DIR", os.path.join(tempfile.gettempdir(), "kred-examples"))
os.makedirs(plot_dir, exist_ok=True)

#####################################################################
# Declare random inputs:

M = 3000
N = 5000

dtype = "float32"  # Could be 'float32' or 'float64'
torchtype = torch.float32 if dtype == "float32" else torch.float64

x = torch.rand(M, 1, dtype=torchtype)
y = torch.rand(N, 1, dtype=torchtype, requires_grad=True)
a = torch.rand(N, 1, dtype=torchtype)
p = torch.rand(1, dtype=torchtype)

#####################################################################
# Define a custom formula

formula = "Square(p-a)*Exp(x+y)"
variables = [
    "x = Vi(1)",  # First arg   : i-variable, of size 1 (scalar)
    "y = Vj(1)",  # Second arg  : j-variable, of size 1 (scalar)
    "a = Vj(1)",  # Third arg   : j-variable, of size 1 (scalar)
    "p = Pm(1)",
]  # Fourth  arg : Parameter,  of size 1 (scalar)

start = time.time()

#####################################################################
# Our log-sum-exp reduction is performed over the index j,
# i.e. on the axis 1 of the kernel matrix.

my_routine = Genred(formula, variables, reduction_op="LogSumExp", axis=1)
c = my_routine(x, y, a, p, backend="CPU")

print(
    "Time to compute the convolution operation on the cpu: ",
    round(time.time() - start, 5),
    "s",
    end=" ",
)

#####################################################################
# We compare with the unstable, naive computation "Log of Sum of Exp":

my_routine2 = Genred("Exp(" + formula + ")", variables, reduction_op="Sum", axis=1, dtype=dtype)
c2 = torch.log(my_routine2(x, y, a, p, backend="CPU"))


def compare(stable, unstable, png):
    """Print the relative error of the unstable result and plot both next to each other."""
    print("(relative error: ", ((unstable - stable).norm() / stable.norm()).item(), ")")
    plt.plot(stable.detach().cpu().numpy()[:40], "-", label="kred - Stable")
    plt.plot(unstable.detach().cpu().numpy()[:40], "--", label="kred - Unstable")
    plt.legend(loc="lower right")
    plt.tight_layout()
    plt.savefig(os.path.join(plot_dir, png))
    plt.close()


compare(c, c2, "logsumexp_reduction.png")

#####################################################################
# The gradient of c with respect to y (needs kernelred issue 6).

e = torch.rand_like(c)
start = time.time()
try:
    g = grad(c, y, e)[0]
    print("Time to compute gradient of convolution operation on the cpu: ", round(time.time() - start, 5), "s", end=" ")
    g2 = grad(c2, y, e)[0]
    compare(g, g2, "logsumexp_reduction_grad.png")
except NotImplementedError as err:  # kred: torch autograd is kernelred issue 6
    print("Gradient skipped:", err)

#####################################################################
# Same operations performed on the Gpu (kernelred issue 7)

if torch.cuda.is_available():
    pc, ac, xc, yc, ec = p.cuda(), a.cuda(), x.cuda(), y.cuda(), e.cuda()
    try:
        start = time.time()
        c3 = my_routine(xc, yc, ac, pc, backend="GPU")
        print("Time to compute convolution operation on the gpu:", round(time.time() - start, 5), "s ", end="")
        print("(relative error:", float(torch.abs((c2 - c3.cpu()) / c2).mean()), ")")
    except NotImplementedError as err:
        print("GPU skipped:", err)
