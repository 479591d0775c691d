"""Complex formulas (KeOps §1h) on the CPU through kred._C, against numpy complex128.

A complex vector of dimension n is a formula value of dimension 2n holding
interleaved (re, im) pairs; the compiler expands the complex ops into real
ops (kred-expand-complex) before lowering. Each formula runs in a Sum
reduction over both axes, in float32 and float64, and is compared with the
same reduction computed by numpy on complex128 views of the (rounded)
inputs.

Drives kred._C directly (compile + Kernel.launch), not the Python API.
"""

import numpy as np
import pytest

from kred import _C

# x: Vi(2n), y: Vj(2n) complex vectors of n components; z: Vj(2) a complex
# scalar; r: Vi(n) real; s: Vj(1) real scalar; p: Pm(2) a complex parameter.
N_COMPLEX = 3

# (formula, numpy reference on complex128 / float64 operands, output kind)
# where the reference maps a dict of broadcast (M, N, ...) arrays to an
# (M, N, d) complex or real array.
FORMULAS = [
    ("ComplexMult(x, y)", lambda v: v["x"] * v["y"]),
    ("ComplexMult(x, z)", lambda v: v["x"] * v["z"]),
    ("ComplexMult(z, y)", lambda v: v["z"] * v["y"]),
    ("ComplexAdd(x, y)", lambda v: v["x"] + v["y"]),
    ("ComplexSubtract(x, z)", lambda v: v["x"] - v["z"]),
    ("ComplexDivide(x, y)", lambda v: v["x"] / v["y"]),
    ("ComplexDivide(z, x)", lambda v: v["z"] / v["x"]),
    ("ComplexExp(x)", lambda v: np.exp(v["x"])),
    ("ComplexExp(ComplexMult(x, y))", lambda v: np.exp(v["x"] * v["y"])),
    ("ComplexExp1j(r)", lambda v: np.exp(1j * v["r"])),
    ("ComplexExp1j(s * r)", lambda v: np.exp(1j * v["s"] * v["r"])),
    ("Conj(x)", lambda v: np.conj(v["x"])),
    ("ComplexMult(Conj(x), y)", lambda v: np.conj(v["x"]) * v["y"]),
    ("ComplexSum(x)", lambda v: v["x"].sum(-1, keepdims=True)),
    ("ComplexSumT(z, 6)", lambda v: np.broadcast_to(v["z"], v["z"].shape[:-1] + (3,))),  # real dim 6
    ("ComplexRealScal(s, x)", lambda v: v["s"] * v["x"]),
    ("ComplexRealScal(Elem(r, 1), y)", lambda v: v["r"][..., 1:2] * v["y"]),
    ("ComplexMult(p, x)", lambda v: v["p"] * v["x"]),
    ("Real2Complex(r)", lambda v: v["r"] + 0j),
    ("Imag2Complex(r)", lambda v: 1j * v["r"]),
    ("ComplexAbs(x)", lambda v: np.abs(v["x"])),
    ("ComplexSquareAbs(ComplexSubtract(x, y))", lambda v: np.abs(v["x"] - v["y"]) ** 2),
    ("ComplexAngle(ComplexMult(x, y))", lambda v: np.angle(v["x"] * v["y"])),
    ("ComplexReal(ComplexMult(x, y))", lambda v: (v["x"] * v["y"]).real),
    ("ComplexImag(ComplexDivide(x, z))", lambda v: (v["x"] / v["z"]).imag),
    # Real and complex ops mixed: a Fourier-like kernel.
    ("ComplexMult(ComplexExp1j(-(r | r) * s), y)", lambda v: np.exp(-1j * (v["r"] ** 2).sum(-1, keepdims=True) * v["s"]) * v["y"]),
]

ALIASES = [
    "x = Vi(%d)" % (2 * N_COMPLEX),
    "y = Vj(%d)" % (2 * N_COMPLEX),
    "z = Vj(2)",
    "r = Vi(%d)" % N_COMPLEX,
    "s = Vj(1)",
    "p = Pm(2)",
]
RTOL = {"float32": 1e-5, "float64": 1e-12}
SIZES = [(1, 1), (7, 13), (37, 101)]


def _inputs(M, N, dtype, seed):
    rng = np.random.default_rng(seed)

    def pos(*shape):  # magnitudes in [0.3, 1.2] with random signs, never 0
        return rng.uniform(0.3, 1.2, shape) * rng.choice([-1.0, 1.0], shape)

    arrays = [pos(M, 2 * N_COMPLEX), pos(N, 2 * N_COMPLEX), pos(N, 2), pos(M, N_COMPLEX), pos(N, 1), pos(2)]
    return [np.ascontiguousarray(a, dtype=dtype) for a in arrays]


def _operands(args, axis):
    """The variables as broadcastable (rows, reduced, d) complex128 / float64 arrays."""
    x, y, z, r, s, p = (a.astype(np.float64) for a in args)

    def cplx(a):
        return a[..., 0::2] + 1j * a[..., 1::2]

    v = {
        "x": cplx(x)[:, None, :],
        "y": cplx(y)[None, :, :],
        "z": cplx(z)[None, :, :],
        "r": r[:, None, :],
        "s": s[None, :, :],
        "p": cplx(p)[None, None, :],
    }
    if axis == 0:
        v = {k: np.swapaxes(a, 0, 1) for k, a in v.items()}
    return v


def _as_real(F):
    """Complex (.., d) -> interleaved real (.., 2d); real arrays unchanged."""
    if not np.iscomplexobj(F):
        return F
    out = np.empty(F.shape[:-1] + (2 * F.shape[-1],))
    out[..., 0::2], out[..., 1::2] = F.real, F.imag
    return out


def _magnitudes(F):
    """An error scale per term: |F| per component (both parts for complex)."""
    if not np.iscomplexobj(F):
        return np.abs(F)
    a = np.abs(F)
    return np.repeat(a, 2, axis=-1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("formula,ref", FORMULAS, ids=[f for f, _ in FORMULAS])
def test_complex_sum(formula, ref, axis, dtype):
    kernel = _C.compile(formula, ALIASES, "Sum", axis, dtype, None, "", "auto", "auto")
    vd = kernel.info["out_value_dim"]
    for seed, (M, N) in enumerate(SIZES):
        args = _inputs(M, N, dtype, seed)
        v = _operands(args, axis)
        rows, red = (M, N) if axis == 1 else (N, M)
        F = np.asarray(ref(v))
        F = np.broadcast_to(F, (rows, red) + F.shape[2:])
        want = _as_real(F.sum(1))
        scale = _magnitudes(F).sum(1)  # the sum's condition
        assert want.shape == (rows, vd), (formula, want.shape, vd)
        for split in (0, 1):
            out = np.full((rows, vd), np.nan, dtype=dtype)  # poisoned
            kernel.launch([a.ctypes.data for a in args], M, N, out.ctypes.data, None, 2, split)
            err = np.abs(out.astype(np.float64) - want) / np.maximum(scale, 1e-300)
            where = f"{formula} axis={axis} {dtype} M={M} N={N} split={split}"
            assert not np.isnan(out).any(), where
            assert err.max() <= 64 * RTOL[dtype], f"{where}: error {err.max():.3g}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_complex_in_other_reductions(dtype):
    """Complex formulas feed every reduction family: here the real part of a
    complex product in Min_ArgMin and LogSumExp, and a Grad through ComplexAbs."""
    M, N = 17, 29
    args = _inputs(M, N, dtype, 3)
    v = _operands(args, 1)
    F = (v["x"] * v["y"]).real  # (M, N, 3)
    k = _C.compile("ComplexReal(ComplexMult(x, y))", ALIASES, "Min_ArgMin", 1, dtype, None, "", "auto", "auto")
    out = np.full((M, 3), np.nan, dtype=dtype)
    idx = np.full((M, 3), -7, dtype=np.int64)
    k.launch([a.ctypes.data for a in args], M, N, out.ctypes.data, idx.ctypes.data)
    np.testing.assert_allclose(out, F.min(1), rtol=16 * RTOL[dtype], atol=16 * RTOL[dtype])
    picked = np.take_along_axis(F, idx[:, None, :], 1)[:, 0, :]
    np.testing.assert_allclose(picked, F.min(1), rtol=16 * RTOL[dtype], atol=16 * RTOL[dtype])

    k = _C.compile("ComplexReal(ComplexSum(ComplexMult(x, y)))", ALIASES, "LogSumExp", 1, dtype, None, "", "auto", "auto")
    out = np.full((M, 1), np.nan, dtype=dtype)
    k.launch([a.ctypes.data for a in args], M, N, out.ctypes.data, None)
    f = F.sum(-1)
    m = f.max(1)
    want = m + np.log(np.exp(f - m[:, None]).sum(1))
    np.testing.assert_allclose(out[:, 0], want, rtol=16 * RTOL[dtype], atol=16 * RTOL[dtype])

    # Grad of sum_k |x_k y_jk|^2 wrt x along s_j: 2 s_j |y_jk|^2 x_k (as
    # (re, im) pairs).
    k = _C.compile("Grad(Sum(ComplexSquareAbs(ComplexMult(x, y))), x, s)", ALIASES, "Sum", 1, dtype, None, "",
                   "auto", "auto")
    out = np.full((M, 2 * N_COMPLEX), np.nan, dtype=dtype)
    k.launch([a.ctypes.data for a in args], M, N, out.ctypes.data, None)
    G = 2 * v["s"] * np.abs(v["y"]) ** 2 * v["x"]
    want = _as_real(G.sum(1))
    scale = _magnitudes(G).sum(1)
    assert (np.abs(out - want) / scale).max() <= 64 * RTOL[dtype]
