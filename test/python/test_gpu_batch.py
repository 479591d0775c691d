"""Batch dimensions in the GPU launch grid.

A batched reduction on the GPU backend is one kred_gpu_launch_batched_sized
call: the batch is grid z of NAME_gpu and NAME_gpu_merge, each argument of
batch element z found through the offsets table (broadcast batch dimensions
are offsets that repeat). Every reduction kind x both axes x split / unsplit
launches, broadcast batch shapes over two dimensions, batched parameters,
against the float64 dense reference of each batch element, outputs poisoned;
one launch per call; the runtime's checks of the offsets and sizes. With a
CUDA GPU it runs there; without one on the host GPU emulator (test_gpu.py's
pattern: dev(), gpu_backend(), the `emulator` fixture).
"""

import numpy as np
import pytest
import torch

from kred.common import backends
from test_gpu import (  # noqa: F401  (fixtures)
    CASES,
    EMULATED,
    TDTYPE,
    as_tuple,
    check_indices,
    check_values,
    dev,
    emulator,
    genred,
    gpu_backend,
    gpu_suite,
    on_gpu,
    poison,
    reference,
)

# Batch (2, 3): x varies over the first batch dimension, y over the second,
# b over both, p over the first; M and N prime.
M, N = 13, 29
SHAPES = {"Vi": (2, 1, M), "Vj": (1, 3, N), "b": (2, 3, N), "Pm": (2, 1)}


def batched_inputs(name, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for a in CASES[name][1]:
        var, rhs = (s.strip() for s in a.split("="))
        kind, dim = rhs[:2], int(rhs.split("(")[1].rstrip(")"))
        shape = SHAPES["b" if var == "b" else kind] + (dim,)
        t = torch.randn(*shape, generator=g, dtype=torch.float64)
        if kind == "Pm":
            t = t.abs() + 0.5
        out.append(t.to(TDTYPE[dtype]))
    return out


def element(args, idx):
    """The (unbatched) arguments of batch element idx = (i0, i1)."""
    return [a[tuple(i if s > 1 else 0 for i, s in zip(idx, a.shape[:2]))] for a in args]


class LaunchCounter:
    """Counts the runtime's gpu_launch calls (backends._runtime() wrapped)."""

    def __init__(self, monkeypatch):
        self.calls = []
        real = backends._runtime()
        counter = self

        class Proxy:
            def __getattr__(self, attr):
                return getattr(real, attr)

            def gpu_launch(self, *a, **kw):
                counter.calls.append(kw.get("batch", 1))
                return real.gpu_launch(*a, **kw)

        monkeypatch.setattr(backends, "_runtime", lambda: Proxy())


@gpu_suite
@pytest.mark.parametrize("split", ["GPU_1D", "GPU_2D"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_reduction(name, axis, split, poison, emulator, monkeypatch):
    dtype = "float32"
    args = batched_inputs(name, dtype)
    counter = LaunchCounter(monkeypatch)
    out = genred("torch", name, axis)(*(dev(a) for a in args), backend=split)
    assert counter.calls == [6], f"expected one launch of the whole batch, got {counter.calls}"
    for o in as_tuple(out):
        assert on_gpu(o) and o.shape[:2] == (2, 3)
    for idx in np.ndindex(2, 3):
        part = element(args, idx)
        what = f"{name} axis {axis} {split} batch element {idx}"
        want = as_tuple(reference(name, axis, part))
        for o, w in zip(as_tuple(out), want):
            if o.dtype == torch.int64:
                check_indices(o[idx], name, axis, part, dtype, what)
            else:
                check_values(o[idx], w, dtype, what)


def many_elements(dtype, N=11, B=70):
    """LogSumExpWeight over B batch elements of one row each: x and y batched, b and p shared."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(B, 1, 3, generator=g, dtype=torch.float64)
    y = torch.randn(B, N, 3, generator=g, dtype=torch.float64)
    b = torch.randn(1, N, 2, generator=g, dtype=torch.float64)
    p = torch.rand(1, generator=g, dtype=torch.float64) + 0.5
    return [a.to(TDTYPE[dtype]) for a in (x, y, b, p)]


def check_many_elements(out, args, dtype):
    """`out` of many_elements(dtype) against the float64 reference of each element."""
    B = args[0].shape[0]
    assert out.shape == (B, 1, 2)
    for z in range(B):
        part = [args[0][z], args[1][z], args[2][0], args[3]]
        check_values(out[z], reference("LogSumExpWeight", 1, part), dtype, f"batch element {z}")


class SumBatch:
    """A batch of two Sum reductions (CASES["Sum"], axis 1) on numpy arrays, for calling the launch functions
    directly: x, y and b batched, p shared; their addresses and sizes, an output of NaN and the good offsets."""

    M, N = M, N

    def __init__(self):
        g = np.random.default_rng(4)
        self.x = g.standard_normal((2, M, 3), dtype=np.float32)
        self.y = g.standard_normal((2, N, 3), dtype=np.float32)
        self.b = g.standard_normal((2, N, 2), dtype=np.float32)
        self.p = np.array([0.7], dtype=np.float32)
        self.out = np.full((2, M, 2), np.nan, dtype=np.float32)
        self.ptrs = [a.ctypes.data for a in (self.x, self.y, self.b, self.p)]
        self.sizes = [a.size for a in (self.x, self.y, self.b, self.p)]
        self.good = np.array([[0, 0, 0, 0], [M * 3, N * 3, N * 2, 0]], dtype=np.int64)

    def check(self, what):
        """The output against the float64 reference of each element."""
        for z in range(2):
            want = reference("Sum", 1, [torch.from_numpy(a) for a in (self.x[z], self.y[z], self.b[z], self.p)])
            check_values(torch.from_numpy(self.out[z]), want, "float32", f"{what}, batch element {z}")


@gpu_suite
@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_batched_dtypes_and_many_elements(dtype, poison, emulator, monkeypatch):
    # More batch elements than threads in a block, a batch of one row each.
    args = many_elements(dtype)
    counter = LaunchCounter(monkeypatch)
    out = genred("torch", "LogSumExpWeight", 1)(*(dev(a) for a in args), backend=gpu_backend())
    assert counter.calls == [70]
    check_many_elements(out, args, dtype)


@gpu_suite
def test_batched_launch_checks():
    """kred_gpu_launch_batched_sized (on the emulator) refuses offsets and sizes that would leave the arrays."""
    from kred import _C

    rt = _C.runtime
    formula, aliases, reduction, _, _ = CASES["Sum"]
    kernel = _C.compile_gpu(formula, aliases, reduction, 1, "float32", emulate=True)
    s = SumBatch()
    out, good = s.out, s.good

    def launch(offsets, batch=2, out_size=out.size, split=0):
        rt.gpu_launch(kernel, s.ptrs, M, N, out.ctypes.data, 0, split=split, arg_sizes=s.sizes, out_size=out_size,
                      batch=batch, batch_offsets=offsets)

    was = rt.gpu_set_emulator(True)
    try:
        for split in (0, 1):
            out[:] = np.nan
            launch(good, split=split)
            s.check(f"split {split}")
        bad = good.copy()
        bad[1, 1] = N * 3 + 1  # y of element 1 would run past y
        with pytest.raises(RuntimeError, match="argument 1"):
            launch(bad)
        bad = good.copy()
        bad[1, 0] = -3
        with pytest.raises(RuntimeError, match="negative offset"):
            launch(bad)
        with pytest.raises(RuntimeError, match="out holds"):
            launch(good, out_size=M * 2)
        with pytest.raises(ValueError, match="batch_offsets"):
            launch(good, batch=3)
        with pytest.raises(RuntimeError, match="batch count"):
            launch(np.zeros((0, 4), dtype=np.int64), batch=0)
    finally:
        rt.gpu_set_emulator(was)
