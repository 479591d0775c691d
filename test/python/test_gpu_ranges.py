"""Block-sparse reductions (ranges=) on the GPU backend.

kred_gpu_launch_ranges_sized and the GPU module's NAME_gpu_ranges kernel
(docs/gpu.md): every reduction kind x both axes x float32 / float64 with
random block-sparse ranges (shuffled clusters, rows in no block, blocks with
nothing to reduce), geomloss-style ranges from the cluster helpers, a single
row, empty blocks, intervals longer than and not multiples of the tile,
several CUDA blocks per range block; against the CPU backend's ranges result
and the float64 dense reference restricted to the block mask, outputs
poisoned. Torch gradients through ranges on the GPU backend against the CPU
backend's, LazyTensor reductions with K.ranges both ways, and the runtime's
checks of the ranges. With a CUDA GPU it runs
there (ranges and inputs as CUDA tensors); without one on the host GPU
emulator, the same kernels through the same launch logic (test_gpu.py's
pattern: dev(), on_gpu(), gpu_backend(), the `emulator` fixture).
"""

import zlib

import numpy as np
import pytest
import torch

import kred.torch as kt
from helpers import TOL
from keops_ref import final
from kred.torch import cluster as tcl
from test_gpu import (  # noqa: F401  (fixtures)
    CASES,
    EMULATED,
    TDTYPE,
    check_values,
    dense_F,
    dev,
    emulator,
    gpu_backend,
    gpu_suite,
    make_inputs,
    on_gpu,
    poison,
)
from test_ranges import dense_mask, masked_reference, random_ranges, reduced_lists

M, N = 37, 53


def tranges(ranges):
    """A ranges 6-tuple as int64 tensors where the GPU backend's inputs live."""
    return tuple(dev(torch.as_tensor(np.asarray(a), dtype=torch.int64)) for a in ranges)


def genred(name, axis):
    formula, aliases, reduction, K, formula2 = CASES[name]
    return kt.Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def check_selected(got, want, name, axis, args, dtype, what):
    """Selected indices equal to `want`'s, or (float rounding between near-ties) selecting values as good; -1 (no
    candidate) exactly where `want` has it."""
    np.testing.assert_array_equal(got == -1, want == -1, err_msg=f"{what}: -1 entries")
    if (got == want).all():
        return
    F = dense_F(name, axis, args)  # (rows, reduced, 3), float64
    rows = F.shape[0]
    g3, w3 = got.reshape(rows, -1, 3).clip(0), want.reshape(rows, -1, 3).clip(0)
    picked, best = np.take_along_axis(F, g3, 1), np.take_along_axis(F, w3, 1)
    tol = TOL[dtype]
    scale = max(float(np.max(np.abs(best))), 1.0)
    np.testing.assert_allclose(picked, best, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def check_against_cpu_and_dense(name, axis, dtype, args, ranges, what):
    """The GPU backend's ranges result vs the CPU backend's (same ranges) and the float64 masked reference."""
    formula, aliases, reduction, K, formula2 = CASES[name]
    g = genred(name, axis)
    cpu = as_tuple(g(*args, backend="CPU", ranges=tuple(torch.as_tensor(np.asarray(a)) for a in ranges)))
    gpu = as_tuple(g(*[dev(a) for a in args], backend=gpu_backend(), ranges=tranges(ranges)))
    f64 = [a.detach().to(torch.float64).numpy() for a in args]
    V, Ix = masked_reference(formula, aliases, reduction, axis, f64, ranges, K, formula2 or "")
    want = as_tuple(final(reduction, V, Ix, K))
    rows = args[0].shape[0] if axis == 1 else args[1].shape[0]
    empty = np.array([len(l) == 0 for l in reduced_lists(ranges, axis, rows)], dtype=bool)
    assert len(gpu) == len(cpu) == len(want), what
    for o, c, w in zip(gpu, cpu, want):
        assert on_gpu(o), f"{what}: result on {o.device}"
        assert o.shape == c.shape, f"{what}: shape {tuple(o.shape)} != {tuple(c.shape)}"
        o = o.cpu()
        if o.dtype == torch.int64:
            assert (o >= -1).all(), f"{what}: unwritten index (poison)"
            check_selected(o.numpy(), c.numpy(), name, axis, args, dtype, f"{what}: indices vs CPU")
            check_selected(o.numpy(), np.asarray(w).reshape(o.shape), name, axis, args, dtype, f"{what}: indices")
            continue
        assert o.dtype == TDTYPE[dtype], f"{what}: dtype {o.dtype}"
        if reduction == "SumSoftMaxWeight":
            # Rows with nothing to reduce: NaN (0/0), as on the CPU and in KeOps.
            assert torch.isnan(o[torch.from_numpy(empty)]).all(), f"{what}: empty rows not NaN"
            assert torch.isnan(c[torch.from_numpy(empty)]).all(), what
            o, c, w = o[~empty], c[~empty], np.asarray(w)[~empty]
        check_values(o, c.to(torch.float64).numpy(), dtype, what + " vs CPU")
        if reduction != "SumSoftMaxWeight":
            # Rows with nothing to reduce: the identity table of kred_runtime.h, which the CPU writes (checked
            # above; masked_reference knows only some of them), then the reduced rows against float64.
            o, w = o[~empty], np.asarray(w)[~empty]
        check_values(o, w, dtype, what + " vs float64 reference")


@gpu_suite
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("name", list(CASES))
def test_every_kind(name, axis, dtype, emulator, poison):
    seed = zlib.crc32(name.encode()) + axis
    args = make_inputs(name, M, N, dtype, seed=seed % 1000)
    ranges = random_ranges(M, N, seed=seed)
    rows = M if axis == 1 else N
    lists = reduced_lists(ranges, axis, rows)
    assert any(len(l) == 0 for l in lists) and any(len(l) > 0 for l in lists)
    check_against_cpu_and_dense(name, axis, dtype, args, ranges, f"{name} axis={axis} {dtype}")


def _ranges(blocks_i, slices_i, red_i, blocks_j, slices_j, red_j):
    """A 6-tuple from lists (int64 numpy arrays)."""
    arr = lambda a, shape: np.asarray(a, dtype=np.int64).reshape(shape)  # noqa: E731
    return (arr(blocks_i, (-1, 2)), arr(slices_i, (-1,)), arr(red_i, (-1, 2)),
            arr(blocks_j, (-1, 2)), arr(slices_j, (-1,)), arr(red_j, (-1, 2)))


def _transpose(ri, rj, keep):
    """from_matrix's 6-tuple for clusters ri (rows, i) and rj (j) and a keep mask."""
    from kred.numpy import cluster as ncl

    return ncl.from_matrix(np.asarray(ri, np.int64), np.asarray(rj, np.int64), np.asarray(keep, bool))


@gpu_suite
@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "SumSoftMaxWeight", "Min_ArgMin", "ArgKMin"])
@pytest.mark.parametrize("axis", [1, 0])
def test_long_intervals_and_many_cuda_blocks(name, axis, emulator, poison):
    """Intervals longer than the tile and not multiples of it (1, 129, 257, ...), intervals in shuffled order
    within a block, range blocks of more rows than a CUDA block covers, an empty block, rows in no block."""
    m, n = 300, 400
    args = make_inputs(name, m, n, "float32", seed=5)
    ri = [[0, 1], [1, 200], [200, 200], [210, 300]]  # a one-row block, a large one, an empty one; 200..210 uncovered
    rj = [[0, 1], [1, 130], [130, 387], [390, 400]]  # 1, 129, 257, 10 indices; 387..390 in no cluster
    keep = [[1, 0, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 0, 1]]
    ranges = _transpose(ri, rj, keep)
    # Shuffle each block's intervals: the kernel must visit them in the given order (as the CPU does).
    ranges = list(ranges)
    for bpos, spos, rpos in ((0, 1, 2), (3, 4, 5)):
        red = ranges[rpos].copy()
        s = ranges[spos]
        for b in range(len(ranges[bpos])):
            l0 = 0 if b == 0 else s[b - 1]
            red[l0:s[b]] = red[l0:s[b]][::-1]
        ranges[rpos] = red
    check_against_cpu_and_dense(name, axis, "float32", args, tuple(ranges), f"{name} axis={axis} long")


@gpu_suite
@pytest.mark.parametrize("name", ["Sum", "Max_ArgMax", "KMin", "SumSoftMaxWeight"])
def test_single_row_and_edge_patterns(name, emulator, poison):
    """One output row; no block at all (every row the identity); only empty blocks; empty intervals."""
    args = make_inputs(name, 1, N, "float64", seed=7)
    # one row, reduced over two intervals (one empty), and the transposed pattern
    one = _ranges([[0, 1]], [3], [[0, 10], [20, 20], [30, 53]], [[0, 10], [20, 20], [30, 53]], [1, 2, 3],
                  [[0, 1], [0, 1], [0, 1]])
    check_against_cpu_and_dense(name, 1, "float64", args, one, f"{name} one row")
    check_against_cpu_and_dense(name, 0, "float64", args, one, f"{name} one row, axis 0")
    args = make_inputs(name, M, N, "float64", seed=8)
    none = _ranges(np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)))
    check_against_cpu_and_dense(name, 1, "float64", args, none, f"{name} no block")
    empty_blocks = _ranges([[0, 0], [5, 5], [0, 37]], [0, 0, 1], [[7, 7]], [[0, 53]], [1], [[36, 36]])
    check_against_cpu_and_dense(name, 1, "float64", args, empty_blocks, f"{name} empty blocks")
    check_against_cpu_and_dense(name, 0, "float64", args, empty_blocks, f"{name} empty blocks, axis 0")


@gpu_suite
@pytest.mark.parametrize("axis", [1, 0])
def test_geomloss_style_clusters(axis, emulator, poison):
    """The multiscale pattern of geomloss: grid clusters, sorted points, centroid distances thresholded."""
    g = torch.Generator().manual_seed(11)
    x = torch.rand(90, 3, generator=g, dtype=torch.float64)
    y = torch.rand(110, 3, generator=g, dtype=torch.float64) * 0.9 + 0.05
    b = torch.randn(110, 2, generator=g, dtype=torch.float64)
    x_lab, y_lab = tcl.grid_cluster(x, 0.34), tcl.grid_cluster(y, 0.34)
    ranges_x, centroids_x, _ = tcl.cluster_ranges_centroids(x, x_lab)
    ranges_y, centroids_y, _ = tcl.cluster_ranges_centroids(y, y_lab)
    x, x_lab = tcl.sort_clusters(x, x_lab)
    (y, b), y_lab = tcl.sort_clusters((y, b), y_lab)
    D = ((centroids_x[:, None, :] - centroids_y[None, :, :]) ** 2).sum(2)
    keep = D < 0.3**2
    assert 0 < keep.sum() < keep.numel()
    ranges = tuple(np.asarray(a.cpu()) for a in tcl.from_matrix(ranges_x, ranges_y, keep))
    for dtype in ("float32", "float64"):
        args = [a.to(TDTYPE[dtype]) for a in (x, y, b, torch.tensor([4.0], dtype=torch.float64))]
        check_against_cpu_and_dense("Sum", axis, dtype, args, ranges, f"geomloss clusters axis={axis} {dtype}")
        check_against_cpu_and_dense("LogSumExp", axis, dtype, args, ranges, f"geomloss LSE axis={axis} {dtype}")


@gpu_suite
@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "SumSoftMaxWeight"])
@pytest.mark.parametrize("axis", [1, 0])
def test_gradients_through_ranges(name, axis, emulator):
    """torch autograd through a GPU ranges= reduction (its backward reductions run with ranges on the GPU
    too) against the same on the CPU backend."""
    formula, aliases, reduction, K, formula2 = CASES[name]
    base = make_inputs(name, M, N, "float64", seed=13)
    ranges = random_ranges(M, N, seed=31 + axis)
    lists = reduced_lists(ranges, axis, M if axis == 1 else N)
    ok = torch.tensor([len(l) > 0 for l in lists])
    g = genred(name, axis)
    e = None
    grads = {}
    for backend in ("CPU", "GPU"):
        args = [(a.clone() if backend == "CPU" else dev(a.clone())).requires_grad_() for a in base]
        rg = tuple(torch.as_tensor(np.asarray(r)) for r in ranges) if backend == "CPU" else tranges(ranges)
        out = g(*args, backend="CPU" if backend == "CPU" else gpu_backend(), ranges=rg)
        if e is None:
            e = torch.randn(out.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        mask = ok.reshape((-1,) + (1,) * (out.dim() - 1)).to(out.device)
        loss = (torch.where(mask, out, 0.0) * e.to(out.device)).sum()
        grads[backend] = [t.cpu() if t is not None else None
                          for t in torch.autograd.grad(loss, args, allow_unused=True)]
    for i, (c, gg) in enumerate(zip(grads["CPU"], grads["GPU"])):
        assert (c is None) == (gg is None), f"grad {i}"
        if c is not None:
            assert torch.isfinite(gg).all(), f"{name} axis={axis}: grad {i} not finite"
            torch.testing.assert_close(gg, c, rtol=1e-9, atol=1e-11, msg=f"{name} axis={axis}: grad {i}")


@gpu_suite
def test_masked_dense_gradient_agrees(emulator):
    """A Gaussian convolution's x-gradient through ranges on the GPU against dense masked torch."""
    x, y, b, p = make_inputs("Sum", M, N, "float64", seed=17)
    ranges = random_ranges(M, N, seed=41)
    xg = dev(x.clone()).requires_grad_()
    out = genred("Sum", 1)(xg, dev(y), dev(b), dev(p), backend=gpu_backend(), ranges=tranges(ranges))
    (gx,) = torch.autograd.grad(out.sum(), [xg])
    xd = x.clone().requires_grad_()
    mask = torch.from_numpy(dense_mask(ranges, M, N))
    F = torch.exp(-p * ((xd[:, None, :] - y[None, :, :]) ** 2).sum(-1, keepdim=True)) * b[None, :, :]
    (gd,) = torch.autograd.grad((F * mask[..., None]).sum(), [xd])
    torch.testing.assert_close(gx.cpu(), gd, rtol=1e-9, atol=1e-11)


@gpu_suite
def test_invalid_ranges_are_rejected(emulator):
    """Overlapping blocks, decreasing slices, intervals out of range: ValueError (Python's checks) before the GPU
    runtime; the runtime binding checks the same and the element counts (RuntimeError)."""
    x, y, b, p = (dev(a) for a in make_inputs("Sum", M, N, "float32", seed=1))
    g = genred("Sum", 1)
    bad = _ranges([[0, 20], [10, 37]], [1, 2], [[0, 53]] * 2, [[0, 53]], [1], [[0, 37]])
    with pytest.raises(ValueError, match="overlap"):
        g(x, y, b, p, backend=gpu_backend(), ranges=tranges(bad))


@pytest.mark.skipif(not EMULATED, reason="drives the emulated runtime directly (host arrays as device memory)")
@gpu_suite
def test_runtime_checks_the_ranges(emulator):
    """kred_gpu_launch_ranges_sized's own checks (the binding, on the emulator)."""
    from kred import _C

    rt = _C.runtime
    x, y, b, p = make_inputs("Sum", M, N, "float32", seed=1)
    g = genred("Sum", 1)
    # Compile through a normal call, then reach the kernel the backend used.
    ok = _ranges([[0, 37]], [1], [[0, 53]], [[0, 53]], [1], [[0, 37]])
    g(x, y, b, p, backend="GPU_EMU", ranges=ok)
    from kred.common import backends

    launched = {}
    real = backends._launch_ranges

    def spy(rt_, kernel, *a, **k):
        launched["kernel"] = kernel
        return real(rt_, kernel, *a, **k)

    backends._launch_ranges = spy
    try:
        g(x, y, b, p, backend="GPU_EMU", ranges=ok)
    finally:
        backends._launch_ranges = real
    kernel = launched["kernel"]
    out = np.full((M, 2), np.nan, dtype=np.float32)
    ptrs = [t.contiguous().data_ptr() for t in (x, y, b, p)]
    keep = [x, y, b, p]  # noqa: F841
    blocks = np.array([[0, 37]], np.int64)
    slices = np.array([1], np.int64)
    red = np.array([[0, 53]], np.int64)

    def launch(blocks=blocks, slices=slices, red=red, nb=1, nr=1, **sizes):
        was = rt.gpu_set_emulator(True)
        try:
            rt.gpu_launch_ranges(kernel, ptrs, M, N, out.ctypes.data, 0, blocks.ctypes.data, nb,
                                 slices.ctypes.data, red.ctypes.data, nr, **sizes)
        finally:
            rt.gpu_set_emulator(was)

    launch(blocks_size=2, slices_size=1, redranges_size=2)
    assert np.isfinite(out).all()
    with pytest.raises(RuntimeError, match="too short"):
        launch(blocks_size=1)
    with pytest.raises(RuntimeError, match="too short"):
        launch(redranges_size=1)
    with pytest.raises(RuntimeError, match="not a range within"):
        launch(red=np.array([[0, 54]], np.int64))
    with pytest.raises(RuntimeError, match="not a range within"):
        launch(blocks=np.array([[0, 38]], np.int64))
    with pytest.raises(RuntimeError, match="non-decreasing"):
        launch(slices=np.array([2], np.int64))
    with pytest.raises(RuntimeError, match="overlap"):
        launch(blocks=np.array([[0, 20], [10, 37]], np.int64), slices=np.array([1, 1], np.int64), nb=2)
    with pytest.raises(RuntimeError, match="negative"):
        launch(nb=-1)


@gpu_suite
def test_lazytensor_ranges_both_ways(emulator, poison):
    """LazyTensor reductions with K.ranges (int32 entries, as some clusterings give) on the GPU backend, K @ b
    and K.t() @ a, against the CPU backend."""
    x, y, b, p = make_inputs("Sum", M, N, "float32", seed=19)
    a = torch.randn(M, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float32)
    ranges = tuple(torch.as_tensor(np.asarray(r), dtype=torch.int32) for r in random_ranges(M, N, seed=23))

    outs = {}
    for backend, to in (("CPU", lambda t: t), ("GPU", dev)):
        xi, yj = kt.LazyTensor(to(x)[:, None, :]), kt.LazyTensor(to(y)[None, :, :])
        K = (-((xi - yj) ** 2).sum(-1)).exp()
        K.ranges = tuple(to(r) for r in ranges)
        name = "CPU" if backend == "CPU" else gpu_backend()
        kb = (K * kt.LazyTensor(to(b)[None, :, :])).sum(dim=1, backend=name)
        ka = (K * kt.LazyTensor(to(a)[:, None, :])).sum(dim=0, backend=name)
        outs[backend] = (kb, ka)
    for got, want in zip(outs["GPU"], outs["CPU"]):
        assert on_gpu(got)
        torch.testing.assert_close(got.cpu(), want, rtol=2e-5, atol=2e-5)
