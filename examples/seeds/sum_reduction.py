"""Sum reduction -- KeOps' seed example with `pykeops` replaced by `kred`.

Computes the (3000, 3) tensor c_i = sum_j (p - a_j)^2 exp(x_i + y_j) with a
Genred Sum reduction over j, then (once kred has torch autograd, issue 6)
its gradient with respect to y. Plots are saved as PNG files in
$KRED_PLOT_DIR (default: <tmp>/kred-examples) instead of being shown.
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

# Choose the storage place for our data : CPU (host) or GPU (device) memory.
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
dtype = "float32"  # Could be 'float32' or 'float64'
torchtype = torch.float32 if dtype == "float32" else torch.float64

x = torch.randn(M, 3, dtype=torchtype, device=device)
y = torch.randn(N, 3, dtype=torchtype, device=device, requires_grad=True)
a = torch.randn(N, 1, dtype=torchtype, device=device)
p = torch.randn(1, dtype=torchtype, device=device)

#####################################################################
# Define a custom formula

formula = "Square(p-a)*Exp(x+y)"
variables = [
    "x = Vi(3)",  # First arg   : i-variable, of size 3
    "y = Vj(3)",  # Second arg  : j-variable, of size 3
    "a = Vj(1)",  # Third arg   : j-variable, of size 1 (scalar)
    "p = Pm(1)",
]  # Fourth  arg : Parameter,  of size 1 (scalar)

#####################################################################
# Our sum reduction is performed over the index j, i.e. on the axis 1
# of the kernel matrix. The output c is an x-variable indexed by i.

start = time.time()
my_routine = Genred(formula, variables, reduction_op="Sum", axis=1)
c = my_routine(x, y, a, p)
print("Time to compute the sum reduction with kred: ", round(time.time() - start, 5), "s")
print("Output shape:", c.shape)

#####################################################################
# The gradient of c with respect to y, applied to e (needs issue 6).

e = torch.rand_like(c)
start = time.time()
try:
    g = grad(c, y, e)[0]  # g = [d_y c].e
except NotImplementedError as err:  # kred: torch autograd is kernelred issue 6
    print("Gradient skipped:", err)
    g = None
else:
    print("Time to compute gradient of convolution operation with kred: ", round(time.time() - start, 5), "s")

#####################################################################
# The equivalent code with a "vanilla" pytorch implementation

g_torch = (
    (
        (p - a.transpose(0, 1))[:, None] ** 2
        * torch.exp(x.transpose(0, 1)[:, :, None] + y.transpose(0, 1)[:, None, :])
        * e.transpose(0, 1)[:, :, None]
    )
    .sum(dim=1)
    .transpose(0, 1)
)

if g is not None:
    # Plot the results next to each other:
    for i in range(3):
        plt.subplot(3, 1, i + 1)
        plt.plot(g.detach().cpu().numpy()[:40, i], "-", label="kred")
        plt.plot(g_torch.detach().cpu().numpy()[:40, i], "--", label="PyTorch")
        plt.legend(loc="lower right")
    plt.tight_layout()
    plt.savefig(os.path.join(plot_dir, "sum_reduction_grad.png"))
    plt.close()
