"""Data handling: zero-copy inputs, non-contiguous inputs, empty arrays, NaN/Inf, the compile memo."""

import threading

import numpy as np
import pytest
import torch

import kred
import kred.numpy as kn
import kred.torch as kt
from kred.common import backends, cache
from helpers import assert_close

F = "Exp(-SqDist(x,y))*b"
A = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"]
rng = np.random.default_rng(3)
X = rng.standard_normal((20, 3))
Y = rng.standard_normal((30, 3))
B = rng.standard_normal((30, 2))


def dense(x, y, b):
    x, y, b = (np.asarray(v, dtype=np.float64) for v in (x, y, b))
    return np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b


@pytest.fixture
def launches(monkeypatch):
    seen = []
    orig = backends.CPUBackend.launch

    def spy(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes=None):
        seen.append(list(arg_ptrs))
        return orig(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes=sizes)

    monkeypatch.setattr(backends.CPUBackend, "launch", spy)
    return seen


def test_zero_copy_inputs(launches):
    x, y, b = X.astype(np.float32), Y.astype(np.float32), B.astype(np.float32)
    kn.Genred(F, A, axis=1)(x, y, b)
    assert launches[-1] == [x.ctypes.data, y.ctypes.data, b.ctypes.data]
    xt, yt, bt = (torch.from_numpy(v) for v in (x, y, b))
    kt.Genred(F, A, axis=1)(xt, yt, bt)
    assert launches[-1] == [xt.data_ptr(), yt.data_ptr(), bt.data_ptr()]
    # LazyTensor: the views of x[:, None, :] share memory with x
    (kt.LazyTensor(xt[:, None, :]) - kt.LazyTensor(yt[None, :, :])).sqnorm2().sum(dim=1)
    assert launches[-1] == [xt.data_ptr(), yt.data_ptr()]


def test_noncontiguous_numpy_inputs():
    want = dense(X, Y, B)
    G = kn.Genred(F, A, axis=1)
    xf = np.asfortranarray(X)
    y_strided = np.repeat(Y, 2, axis=0)[::2]
    b_rev = B[::-1].copy()[::-1]
    big = X.astype(">f8")  # big-endian
    for x, y, b in ((xf, Y, B), (X, y_strided, B), (X, Y, b_rev), (big, Y, B)):
        assert_close(G(x, y, b), want, "float64")


def test_noncontiguous_torch_inputs():
    want = dense(X, Y, B)
    G = kt.Genred(F, A, axis=1)
    x = torch.from_numpy(X)
    y = torch.from_numpy(Y)
    b = torch.from_numpy(B)
    assert_close(G(x.t().contiguous().t(), y, b), want, "float64")
    assert_close(G(x, torch.from_numpy(np.repeat(Y, 2, 0))[::2], b), want, "float64")
    assert_close(G(x, y, b.flip(0).flip(0)), want, "float64")
    # expanded (stride 0) and conjugate/negative views
    b1 = torch.ones(1, 2, dtype=torch.float64).expand(30, 2)
    assert_close(G(x, y, b1), dense(X, Y, np.ones((30, 2))), "float64")
    assert_close(G(x, y, -(-b)), want, "float64")


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_empty_inputs(framework):
    def arr(a):
        return torch.from_numpy(a) if framework == "torch" else a

    mod = kt if framework == "torch" else kn
    x, y, b = X, Y, B
    empty_i, empty_j, empty_b = X[:0], Y[:0], B[:0]
    G = mod.Genred(F, A, axis=1)
    out = G(arr(empty_i), arr(y), arr(b))
    assert tuple(out.shape) == (0, 2)
    out = G(arr(x), arr(empty_j), arr(empty_b))
    assert tuple(out.shape) == (20, 2) and np.all(np.asarray(out) == 0)
    S = "SqDist(x,y)"
    a2 = ["x = Vi(3)", "y = Vj(3)"]
    lse = mod.Genred(S, a2, reduction_op="LogSumExp", axis=1)(arr(x), arr(empty_j))
    assert np.all(np.asarray(lse) == -np.inf)
    mn, am = mod.Genred(S, a2, reduction_op="Min_ArgMin", axis=1)(arr(x), arr(empty_j))
    assert np.all(np.asarray(mn) == np.inf) and np.all(np.asarray(am) == -1)
    mx = mod.Genred(S, a2, reduction_op="Max", axis=0)(arr(empty_i), arr(y))
    assert tuple(mx.shape) == (30, 1) and np.all(np.asarray(mx) == -np.inf)
    km = mod.Genred(S, a2, reduction_op="KMin", axis=1, opt_arg=3)(arr(x), arr(empty_j))
    assert tuple(km.shape) == (20, 3) and np.all(np.asarray(km) == np.inf)
    ak = mod.Genred(S, a2, reduction_op="ArgKMin", axis=1, opt_arg=3)(arr(x), arr(empty_j))
    assert ak.dtype in (np.int64, torch.int64) and np.all(np.asarray(ak) == -1)


@pytest.mark.filterwarnings("ignore:invalid value")
def test_nan_and_inf_pass_through():
    x = X.copy()
    x[2, 1] = np.nan
    x[5, 0] = np.inf
    out = kn.Genred("(x|y)", ["x = Vi(3)", "y = Vj(3)"], axis=1)(x, Y)
    want = (x[:, None] * Y[None]).sum(-1).sum(1)
    assert np.isnan(out[2, 0]) and not np.isfinite(out[5, 0])
    ok = np.isfinite(want)
    assert_close(out[ok, 0], want[ok], "float64")


def test_compile_memo():
    cache.clear()
    G = kn.Genred(F, A, axis=1)
    G(X, Y, B)
    s1 = cache.stats()
    G(X, Y, B)  # the Genred object keeps its kernel
    kn.Genred(F, list(A), axis=1)(X, Y, B)  # a new Genred with the same spec reuses the kernel
    s2 = cache.stats()
    assert s2["size"] == s1["size"] == 1 and s2["hits"] == s1["hits"] + 1 and s2["misses"] == s1["misses"]
    G(X.astype(np.float32), Y.astype(np.float32), B.astype(np.float32))
    assert cache.stats()["size"] == 2
    kred.clear_cache()
    assert cache.stats()["size"] == 0


def test_threads_setting_and_concurrent_calls():
    n = kred.get_num_threads()
    kred.set_num_threads(1)
    assert kred.get_num_threads() == 1
    kred.set_num_threads(n)
    G = kn.Genred(F, A, axis=1)
    want = dense(X, Y, B)
    errors = []

    def work():
        try:
            for _ in range(5):
                assert_close(G(X, Y, B), want, "float64")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_torch_outputs_are_in_the_graph_and_no_grad_skips_it():
    x = torch.from_numpy(X).requires_grad_()
    y, b = torch.from_numpy(Y), torch.from_numpy(B)
    out = kt.Genred(F, A, axis=1)(x, y, b)
    assert out.requires_grad and out.grad_fn is not None
    assert_close(out, dense(X, Y, B), "float64")
    out.sum().backward()  # gradients themselves: test_autograd*.py
    assert x.grad is not None and x.grad.shape == x.shape
    with torch.no_grad():
        assert not kt.Genred(F, A, axis=1)(x, y, b).requires_grad
    # indices never require grad
    idx = kt.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="ArgMin", axis=1)(x, y)
    assert idx.dtype == torch.int64 and not idx.requires_grad
    vals, idx = kt.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="Min_ArgMin", axis=1)(x, y)
    assert vals.requires_grad and not idx.requires_grad
