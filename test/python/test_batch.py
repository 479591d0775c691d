"""Batch dimensions and broadcasting, against dense torch computations.

On the CPU a batched reduction is one kred_cpu_launch_batched_sized call:
the arguments of each batch element found through a table of offsets
(broadcast batch dimensions repeat them), the tasks of every element on the
thread pool together. Every reduction kind x both axes over a broadcast
batch (2, 3) with batched parameters, prime sizes, serial and split
launches, outputs poisoned, each element against the float64 reference; one
launch per call; the runtime's checks of the offsets and sizes.
(test_gpu_batch.py does the same on the GPU.)
"""

import numpy as np
import pytest
import torch

import kred.numpy as kn
import kred.torch as kt
from helpers import assert_close
from kred.common import backends
from kred.common._cext import extension
from test_gpu import CASES, as_tuple, check_indices, check_values, genred, poison, reference  # noqa: F401
from test_gpu_batch import SumBatch, batched_inputs, check_many_elements, element, many_elements

torch.manual_seed(0)
M, N, D = 6, 8, 3


def t(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def test_batched_gaussian_sum_both_axes():
    B = 4
    x, y, b = t(B, M, 1, D), t(B, 1, N, D), t(B, 1, N, 2)
    x_i, y_j, b_j = kt.LazyTensor(x), kt.LazyTensor(y), kt.LazyTensor(b)
    K = (-((x_i - y_j) ** 2).sum(-1)).exp()
    assert K.shape == (B, M, N) and K.nbatchdims == 1
    Kd = torch.exp(-((x - y) ** 2).sum(-1))  # (B, M, N)
    out = (K * b_j).sum(dim=2)
    assert out.shape == (B, M, 2)
    assert_close(out, Kd @ b[:, 0], "float64")
    out0 = K.sum(dim=1)
    assert out0.shape == (B, N, 1)
    assert_close(out0, Kd.sum(1)[..., None], "float64")


def test_broadcast_batch_dims_and_batched_parameters():
    x = t(2, 1, M, 1, D)  # batch (2, 1)
    y = t(1, 3, 1, N, D)  # batch (1, 3)
    s = torch.rand(2, 3, 1, 1, 1, dtype=torch.float64) + 0.5  # batched parameter
    b = t(1, N, 1)  # no batch dims: broadcast to every batch
    x_i, y_j, s_p, b_j = kt.LazyTensor(x), kt.LazyTensor(y), kt.LazyTensor(s), kt.LazyTensor(b)
    assert s_p.axis == 2 and b_j.axis == 1
    F = (-s_p * ((x_i - y_j) ** 2).sum(-1)).exp() * b_j
    assert F.shape == (2, 3, M, N)
    Fd = torch.exp(-s[..., 0] * ((x - y) ** 2).sum(-1)) * b[None, None, :, :, 0]  # (2,3,M,N)
    assert_close(F.sum(dim=3), Fd.sum(-1)[..., None], "float64")
    assert_close(F.sum(dim=2), Fd.sum(-2)[..., None], "float64")
    assert_close(F.logsumexp(dim=3), torch.logsumexp(Fd, -1)[..., None], "float64")
    # selections per batch
    vals, idx = F.min_argmin(dim=3)
    mv, mi = Fd.min(-1)
    assert_close(vals, mv[..., None], "float64")
    assert_close(idx, mi[..., None], "float64")
    kv = F.Kmin(3, dim=2)
    assert kv.shape == (2, 3, N, 3)
    assert_close(kv, torch.sort(Fd, dim=-2).values[..., :3, :].transpose(-1, -2), "float64")
    ak = F.argKmin(2, dim=3)
    assert ak.dtype == torch.int64 and ak.shape == (2, 3, M, 2)
    assert_close(ak, torch.sort(Fd, dim=-1).indices[..., :2], "float64")


def test_batched_softmax_weight_vector_output():
    B = 3
    x, y, v = t(B, M, 1, D), t(B, 1, N, D), t(B, 1, N, 4)
    S = (kt.LazyTensor(x) | kt.LazyTensor(y))
    out = S.sumsoftmaxweight(kt.LazyTensor(v), dim=2)
    Sd = (x * y).sum(-1)  # (B, M, N)
    want = torch.softmax(Sd, -1) @ v[:, 0]
    assert_close(out, want, "float64")


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_genred_with_batch_arguments(framework):
    import numpy as np

    B = 2
    x, y, p = t(B, M, D), t(B, N, D), torch.rand(B, 1, dtype=torch.float64) + 0.5
    want = torch.exp(-p[:, None, :] * ((x[:, :, None] - y[:, None]) ** 2).sum(-1)).sum(-1, keepdim=True)
    if framework == "numpy":
        import kred.numpy as b

        args = [a.numpy() for a in (x, y, p)]
    else:
        b = kt
        args = [x, y, p]
    g = b.Genred("Exp(-p*SqDist(x,y))", ["x = Vi(3)", "y = Vj(3)", "p = Pm(1)"], axis=1)
    out = g(*args)
    assert tuple(out.shape) == (B, M, 1)
    assert_close(out, want, "float64")
    # a parameter without batch dimension is shared by every batch
    out = g(args[0], args[1], args[2][0])
    want0 = torch.exp(-p[0] * ((x[:, :, None] - y[:, None]) ** 2).sum(-1)).sum(-1, keepdim=True)
    assert_close(out, want0, "float64")
    # non-contiguous batched inputs
    xt = args[0].transpose(0, 1) if framework == "torch" else np.swapaxes(args[0], 0, 1)
    xt = xt.transpose(0, 1) if framework == "torch" else np.swapaxes(xt, 0, 1)
    assert_close(g(xt, args[1], args[2]), want, "float64")


def test_incompatible_batch_dims_error():
    x, y = t(2, M, 1, D), t(3, 1, N, D)
    with pytest.raises(ValueError, match="batch"):
        kt.LazyTensor(x) - kt.LazyTensor(y)
    g = kt.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], axis=1)
    with pytest.raises(ValueError, match="argument 'y' \\(position 1"):
        g(t(2, M, D), t(3, N, D))


# ---------------------------------------------------------------------------
# One launch for the whole batch (kred_cpu_launch_batched_sized)


@pytest.fixture
def cpu_launches(monkeypatch):
    """The `batch` of every CPU launch (CPUBackend.launch wrapped)."""
    calls = []
    real = backends.CPUBackend.launch

    def launch(self, *a, batch=1, **kw):
        calls.append(batch)
        return real(self, *a, batch=batch, **kw)

    monkeypatch.setattr(backends.CPUBackend, "launch", launch)
    return calls


@pytest.fixture
def four_threads():
    extension().set_num_threads(4)
    yield
    extension().set_num_threads(0)


# serial: too few pairs for a second thread; split: four threads, fewer row blocks than threads, so
# each element's reduced index is cut into chunks (merged in order).
SIZES = {"serial": {0: (29, 13), 1: (13, 29)}, "split": {0: (1031, 13), 1: (13, 1031)}}


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_reduction_over_a_broadcast_batch(name, axis, size, poison, cpu_launches, four_threads, monkeypatch):
    import test_gpu_batch

    M, N = SIZES[size][axis]
    monkeypatch.setattr(test_gpu_batch, "SHAPES", {"Vi": (2, 1, M), "Vj": (1, 3, N), "b": (2, 3, N), "Pm": (2, 1)})
    dtype = "float32"
    args = batched_inputs(name, dtype)
    out = genred("torch", name, axis)(*args, backend="CPU")
    assert cpu_launches == [6], f"expected one launch of the whole batch, got {cpu_launches}"
    for o in as_tuple(out):
        assert o.shape[:2] == (2, 3)
    for idx in np.ndindex(2, 3):
        part = element(args, idx)
        what = f"{name} axis {axis} {size} batch element {idx}"
        for o, w in zip(as_tuple(out), as_tuple(reference(name, axis, part))):
            if o.dtype == torch.int64:
                check_indices(o[idx], name, axis, part, dtype, what)
            else:
                check_values(o[idx], w, dtype, what)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_many_small_elements(dtype, poison, cpu_launches, four_threads):
    # 70 reductions of one row each: one launch, whose tasks the threads share.
    args = many_elements(dtype, N=257)
    out = genred("torch", "LogSumExpWeight", 1)(*args, backend="CPU")
    assert cpu_launches == [70]
    check_many_elements(out, args, dtype)


def test_batch_with_unused_positions_and_numpy(cpu_launches):
    # Positions 0 and 2: position 1 is no variable of the kernel; its offsets are ignored.
    g = np.random.default_rng(2)
    x = g.standard_normal((3, 1, 5, 3))
    y = g.standard_normal((1, 2, 7, 3))
    out = kn.Genred("SqDist(x, y)", ["x = Vi(0, 3)", "y = Vj(2, 3)"], reduction_op="Min_ArgMin", axis=1)(
        x, np.zeros(1), y, backend="CPU")
    assert cpu_launches == [6]
    d = ((x[:, :, :, None, :] - y[:, :, None, :, :]) ** 2).sum(-1)  # (3, 2, 5, 7)
    np.testing.assert_allclose(out[0][..., 0], d.min(-1), rtol=1e-12)
    np.testing.assert_array_equal(out[1][..., 0], d.argmin(-1))


def test_batched_launch_checks():
    """Kernel.launch(batch=, batch_offsets=) (kred_cpu_launch_batched_sized) refuses offsets and sizes that
    would leave the arrays, naming the argument and the batch element, before anything is written."""
    formula, aliases, reduction, _, _ = CASES["Sum"]
    kernel = extension().compile(formula, aliases, reduction, 1, "float32", None, "", "auto", "auto")
    s = SumBatch()
    out, good, M, N = s.out, s.good, s.M, s.N

    def launch(offsets, batch=2, out_size=out.size, split=-1):
        kernel.launch(s.ptrs, M, N, out.ctypes.data, 0, 2, split, arg_sizes=s.sizes, out_size=out_size, batch=batch,
                      batch_offsets=offsets)

    for split in (0, 1):
        out[:] = np.nan
        launch(good, split=split)
        s.check(f"split {split}")
    # The counts left out: those the batch needs (unchecked).
    out[:] = np.nan
    kernel.launch(s.ptrs, M, N, out.ctypes.data, 0, batch=2, batch_offsets=good)
    s.check("no sizes")
    out[:] = -1.0

    def refused(match, *a, **kw):
        with pytest.raises(RuntimeError, match=match):
            launch(*a, **kw)
        assert (out == -1.0).all()

    bad = good.copy()
    bad[1, 1] = N * 3 + 1  # y of element 1 would run past y
    refused(r"kernel 'kernel': batch element 1: argument 1 \(Vj, dim 3\) at offset 88 needs 87 elements "
            r"\(N = 29 rows of 3\), past the 174 given", bad)
    bad = good.copy()
    bad[1, 3] = 1  # the parameter of element 1 past p
    refused(r"batch element 1: argument 3 \(Pm, dim 1\) at offset 1 needs 1 element, past the 1 given", bad)
    bad = good.copy()
    bad[0, 0] = -3
    refused(r"batch element 0: argument 0 has a negative offset \(-3\)", bad)
    refused(r"out holds 26 elements; a batch of 2 x 13 rows x 2 needs 52", good, out_size=M * 2)
    refused("batch count must be at least 1", np.zeros((0, 4), dtype=np.int64), batch=0)
    refused("batch of 2 elements with no offsets", None)
    with pytest.raises(ValueError, match="batch_offsets must be a contiguous int64 buffer of batch x num_args = 3 x 4"):
        launch(good, batch=3)
    with pytest.raises(ValueError, match="batch_offsets"):
        launch(good.astype(np.int32))
    strided = np.zeros((2, 8), np.int64)
    strided[:, ::2] = good
    with pytest.raises(ValueError, match="batch_offsets"):
        launch(strided[:, ::2])
    with pytest.raises(TypeError, match="batch_offsets must be an int64 array"):
        launch([[0, 0, 0, 0], [0, 0, 0, 0]])
    assert (out == -1.0).all()
