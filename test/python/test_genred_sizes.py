"""Genred passes the element count of every array to the sized launches, so that no call can make the
runtime read or write past an array (kred_cpu_launch_sized, kred_cpu_launch_batched_sized with the offsets
of each batch element, kred_cpu_launch_ranges_sized; docs/abi.md).

A Genred call computes M and N from the shapes and allocates the outputs itself, so a correct call
never needs the check. The tests below therefore break the contract on purpose: they patch the CPU
backend so that it launches with one more row than Genred measured (as a bug in the shape logic
would), and check that the runtime refuses the launch, naming the array, before anything is written.
"""

import numpy as np
import pytest
import torch

from kred.common import backends
from kred.numpy import Genred
from kred.torch import Genred as TorchGenred

F = "SqDist(x, y) * b + p"
ALIASES = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(2)"]


def data(M=7, N=11, batch=()):
    rng = np.random.default_rng(5)
    x = rng.random(batch + (M, 3)).astype(np.float32)
    y = rng.random(batch + (N, 3)).astype(np.float32)
    b = rng.random(batch + (N, 2)).astype(np.float32)
    p = np.array([0.5, -1.0], np.float32)
    return x, y, b, p


def dense(x, y, b, p):
    x, y, b, p = (np.asarray(v, np.float64) for v in (x, y, b, p))
    return ((x[..., :, None, :] - y[..., None, :, :]) ** 2).sum(-1) @ b + y.shape[-2] * p


class Launches(list):
    """(M, N, sizes) of every launch; `batches`: (batch, batch_offsets) of each."""

    def __init__(self):
        super().__init__()
        self.batches = []


@pytest.fixture
def recorded(monkeypatch):
    """Records (M, N, sizes) of every CPU launch (plain, batched and block-sparse)."""
    calls = Launches()
    real, real_ranges = backends.CPUBackend.launch, backends.CPUBackend.launch_ranges

    def launch(self, kernel, ptrs, M, N, out, idx, sizes=None, batch=1, batch_offsets=None):
        calls.append((M, N, sizes))
        calls.batches.append((batch, None if batch_offsets is None else batch_offsets.copy()))
        return real(self, kernel, ptrs, M, N, out, idx, sizes=sizes, batch=batch, batch_offsets=batch_offsets)

    def launch_ranges(self, kernel, ptrs, M, N, out, idx, ranges, sizes=None):
        calls.append((M, N, sizes))
        return real_ranges(self, kernel, ptrs, M, N, out, idx, ranges, sizes=sizes)

    monkeypatch.setattr(backends.CPUBackend, "launch", launch)
    monkeypatch.setattr(backends.CPUBackend, "launch_ranges", launch_ranges)
    return calls


@pytest.fixture
def one_row_too_many(monkeypatch):
    """Makes every CPU launch claim one more i-row and j-row than Genred measured (sizes unchanged)."""
    real, real_ranges = backends.CPUBackend.launch, backends.CPUBackend.launch_ranges
    extra = {"M": 1, "N": 0}

    def launch(self, kernel, ptrs, M, N, out, idx, sizes=None, **batch):
        return real(self, kernel, ptrs, M + extra["M"], N + extra["N"], out, idx, sizes=sizes, **batch)

    def launch_ranges(self, kernel, ptrs, M, N, out, idx, ranges, sizes=None):
        return real_ranges(self, kernel, ptrs, M + extra["M"], N + extra["N"], out, idx, ranges, sizes=sizes)

    monkeypatch.setattr(backends.CPUBackend, "launch", launch)
    monkeypatch.setattr(backends.CPUBackend, "launch_ranges", launch_ranges)
    return extra


def test_every_launch_gets_the_sizes_of_its_arrays(recorded):
    x, y, b, p = data()
    g = Genred(F, ALIASES, reduction_op="Sum", axis=1)
    np.testing.assert_allclose(g(x, y, b, p), dense(x, y, b, p), rtol=1e-5)
    (M, N, sizes), = recorded
    assert (M, N) == (7, 11)
    assert sizes == ([x.size, y.size, b.size, p.size], 7 * 2, None)
    # ArgMin: an index output (int64) and no value output.
    recorded.clear()
    Genred("SqDist(x, y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="ArgMin", axis=1)(x, y)
    (_, _, sizes), = recorded
    assert sizes == ([x.size, y.size], None, 7)


def test_unused_position_gets_no_size(recorded):
    x, y, _, _ = data()
    # Explicit positions 0 and 2: position 1 is no variable of the kernel (KRED_CAT_UNUSED); whatever
    # is passed there is never read and gets no size.
    out = Genred("SqDist(x, y)", ["x = Vi(0, 3)", "y = Vj(2, 3)"], axis=1)(x, np.zeros(1, np.float32), y)
    np.testing.assert_allclose(out, ((x[:, None] - y[None]) ** 2).sum(-1).sum(1, keepdims=True), rtol=1e-5)
    (_, _, (arg_sizes, _, _)), = recorded
    assert arg_sizes == [x.size, None, y.size]


def test_a_batch_is_one_launch_with_the_whole_arrays_and_the_offsets(recorded):
    x, y, b, p = data(batch=(3,))
    pb = np.zeros((1, 2), np.float32)  # a broadcast parameter: every batch element reads its start
    out = Genred(F, ALIASES, axis=1)(x, y, b, pb)
    np.testing.assert_allclose(out, dense(x, y, b, pb), rtol=1e-5)
    (M, N, (arg_sizes, out_size, idx_size)), = recorded
    assert (M, N) == (7, 11)
    assert arg_sizes == [3 * 7 * 3, 3 * 11 * 3, 3 * 11 * 2, 2]
    assert (out_size, idx_size) == (3 * 7 * 2, None)
    (batch, offsets), = recorded.batches
    assert batch == 3
    np.testing.assert_array_equal(offsets, [[0, 0, 0, 0], [21, 33, 22, 0], [42, 66, 44, 0]])


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_too_many_i_rows_are_refused_before_anything_is_written(one_row_too_many, framework):
    x, y, b, p = data()
    if framework == "numpy":
        g, args = Genred(F, ALIASES, axis=1), (x, y, b, p)
        out = np.full((7, 2), 42.0, np.float32)
    else:
        g, args = TorchGenred(F, ALIASES, axis=1), tuple(torch.from_numpy(v) for v in (x, y, b, p))
        out = torch.full((7, 2), 42.0)
    with pytest.raises(RuntimeError) as e:
        g(*args, out=out)
    assert "argument 0 (Vi, dim 3) is too short: 24 elements expected (M = 8 rows of 3), 21 given" in str(e.value)
    assert (np.asarray(out) == 42.0).all()


def test_too_many_j_rows_are_refused(one_row_too_many):
    one_row_too_many.update(M=0, N=1)
    x, y, b, p = data()
    with pytest.raises(RuntimeError, match=r"argument 1 \(Vj, dim 3\) is too short: 36 elements expected "
                                           r"\(N = 12 rows of 3\), 33 given"):
        Genred(F, ALIASES, axis=1)(x, y, b, p)


def test_batched_call_with_too_many_rows_is_refused_naming_the_last_element(one_row_too_many, recorded):
    # Element k may read into element k + 1 (still inside the array); the last element would read past
    # the end: the launch is refused, naming it, before anything is written. (recorded wraps
    # one_row_too_many's launch: it sees Genred's M.)
    x, y, b, p = data(batch=(3,))
    out = np.full((3, 7, 2), 42.0, np.float32)
    with pytest.raises(RuntimeError, match=r"batch element 2: argument 0 \(Vi, dim 3\) at offset 42 needs 24 "
                                           r"elements \(M = 8 rows of 3\), past the 63 given"):
        Genred(F, ALIASES, axis=1)(x, y, b, p, out=out)
    assert len(recorded) == 1
    assert (out == 42.0).all()


def test_block_sparse_call_with_too_many_rows_is_refused(one_row_too_many):
    x, y, b, p = data()
    ranges_i = np.array([[0, 7]], np.int64)
    slices_i = np.array([1], np.int64)
    redranges_j = np.array([[0, 11]], np.int64)
    ranges = (ranges_i, slices_i, redranges_j, redranges_j.copy(), slices_i.copy(), ranges_i.copy())
    with pytest.raises(RuntimeError, match=r"argument 0 \(Vi, dim 3\) is too short"):
        Genred(F, ALIASES, axis=1)(x, y, b, p, ranges=ranges)
