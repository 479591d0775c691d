"""GPU fast math (the default, pykeops' use_fast_math=True) against float64, one f32 op at a time.

With a CUDA device each formula runs through the hardware approximation kred-gpu-to-nvvm picks for it
(docs/gpu.md, "Fast math": ex2/lg2/div.full/sqrt/rsqrt/sin/cos.approx), and the error must stay within
the bound NVIDIA documents for that instruction (PTX ISA, "Floating Point Instructions") plus the f32
rounding of the input and of the output. Without one the same kernels run on the GPU emulator, which
computes the accurate path: the test then checks the plumbing and the tighter accurate results.
use_fast_math=False is checked against 2 ulp everywhere.
"""

import math

import numpy as np
import pytest
import torch

import kred.torch as kt
from kred.common import backends

EMULATED = not torch.cuda.is_available() or backends.gpu_available() == 0
ULP = 2.0**-23  # f32 relative spacing at 1

# op -> (formula, inputs x, bound(x, float64 result)). x is a Vi(1), y = 0 a Vj(1) (one term, so the
# reduction adds no error), c = 3 a parameter. The inputs are f32 values, so the bound is the
# instruction's error (PTX ISA) plus the f32 roundings around it.
CASES = {
    # ex2: 2 ulp; rounding t = x * log2(e) to f32 adds |x|/2 ulp.
    "Exp": ("Exp(x-y)", np.linspace(-20.0, 20.0, 4001), lambda x, r: (4.0 + np.abs(x)) * ULP * np.abs(r)),
    # lg2: absolute 2^-22 on (0.5, 2), relative 2^-22 elsewhere; times ln 2.
    "Log": ("Log(x+y)", np.geomspace(1e-3, 1e3, 4001),
            lambda x, r: 2.0**-22 * np.maximum(math.log(2), np.abs(r)) + 2 * ULP * np.abs(r)),
    # div.full: 2 ulp over the full range.
    "Divide": ("(x+y)/c", np.geomspace(1e-30, 1e30, 4001), lambda x, r: 4.0 * ULP * np.abs(r)),
    # sqrt.approx: relative 2^-23.
    "Sqrt": ("Sqrt(x+y)", np.geomspace(1e-30, 1e30, 4001), lambda x, r: (2.0**-23 + 2 * ULP) * np.abs(r)),
    # rsqrt.approx: relative 2^-22.9.
    "Rsqrt": ("Rsqrt(x+y)", np.geomspace(1e-30, 1e30, 4001), lambda x, r: (2.0**-22.9 + 2 * ULP) * np.abs(r)),
    # sin/cos.approx: absolute 2^-20.5 on [-2 pi, 2 pi].
    "Sin": ("Sin(x-y)", np.linspace(-2 * math.pi, 2 * math.pi, 4001), lambda x, r: 2.0**-20.5 + 2 * ULP * np.abs(r)),
    "Cos": ("Cos(x-y)", np.linspace(-2 * math.pi, 2 * math.pi, 4001), lambda x, r: 2.0**-20.5 + 2 * ULP * np.abs(r)),
}
C = 3.0

REFERENCE = {
    "Exp": np.exp,
    "Log": np.log,
    "Divide": lambda x: x / C,
    "Sqrt": np.sqrt,
    "Rsqrt": lambda x: 1.0 / np.sqrt(x),
    "Sin": np.sin,
    "Cos": np.cos,
}


def _run(name, fast, monkeypatch):
    if EMULATED:
        from kred import _C

        if not hasattr(_C.runtime, "gpu_set_emulator"):
            pytest.skip("no CUDA GPU, and this build of kred._C has no GPU emulator")
        monkeypatch.setenv("KRED_GPU_EMULATOR", "1")
    formula, xs, bound = CASES[name]
    aliases = ["x = Vi(1)", "y = Vj(1)", "c = Pm(1)"]
    x32 = torch.tensor(xs, dtype=torch.float32)[:, None]
    args = [x32, torch.zeros(1, 1, dtype=torch.float32), torch.tensor([C], dtype=torch.float32)]
    if not EMULATED:
        args = [a.cuda() for a in args]
    g = kt.Genred(formula, aliases, reduction_op="Sum", axis=1, use_fast_math=fast)
    out = g(*args, backend="GPU").cpu().to(torch.float64).numpy()[:, 0]
    x64 = x32.to(torch.float64).numpy()[:, 0]
    return x64, out, REFERENCE[name](x64), bound


@pytest.mark.parametrize("name", list(CASES))
def test_fast_math_within_nvidia_bounds(name, monkeypatch):
    x, out, ref, bound = _run(name, True, monkeypatch)
    err = np.abs(out - ref)
    limit = bound(x, ref)
    worst = int(np.argmax(err / limit))
    assert np.all(err <= limit), (
        f"{name}: x = {x[worst]!r}: got {out[worst]!r}, float64 {ref[worst]!r}, error {err[worst]:.3e} > "
        f"bound {limit[worst]:.3e}"
    )


@pytest.mark.parametrize("name", list(CASES))
def test_accurate_path_within_two_ulp(name, monkeypatch):
    x, out, ref, _ = _run(name, False, monkeypatch)
    err = np.abs(out - ref)
    # 2 ulp of the result, with the rounding of x (the condition number of sin/cos near their zeros is
    # |x cot x|, whence the absolute term there).
    limit = 2.0 * ULP * np.abs(ref) + (2.0 * ULP * np.abs(x) if name in ("Sin", "Cos") else 0.0) + 1e-45
    if name == "Exp":
        limit = limit + ULP * np.abs(x) * np.abs(ref)
    worst = int(np.argmax(err / limit))
    assert np.all(err <= limit), (
        f"{name}: x = {x[worst]!r}: got {out[worst]!r}, float64 {ref[worst]!r}, error {err[worst]:.3e} > "
        f"limit {limit[worst]:.3e}"
    )
