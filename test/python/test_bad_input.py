"""Bad input and integer-like values (docs/reliability.md).

1. Integer-like values are integers wherever kred takes an integer (K /
   opt_arg, axis, dim, device_id, maxiter, set_num_threads, symbolic
   variables, elem/extract/one_hot indices...): Python ints, numpy integer
   scalars, 0-d integer numpy arrays and torch tensors, other objects with
   __index__. torchdr's TSNE passes K to Kmin_argKmin as a 0-d int64 tensor.
   Booleans, floats (even integral ones) and arrays that are not 0-d are
   rejected with an error naming the argument.
2. ``out=``: anything the kernel cannot write in place is rejected with an
   error naming ``out`` before any kernel runs.
"""

import numpy as np
import pytest
import torch

import kred
import kred.numpy as kn
import kred.torch as kt
from kred.common import backends
from kred.common.parse import as_integer

M, N = 7, 9
rng = np.random.default_rng(0)
X = rng.standard_normal((M, 3)).astype(np.float32)
Y = rng.standard_normal((N, 3)).astype(np.float32)
B = rng.standard_normal((N, 2)).astype(np.float32)


class Index:
    """An object that is an integer only through __index__."""

    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n


def integer_likes(n):
    return [
        n,
        np.int64(n),
        np.int32(n),
        np.uint8(n),
        np.array(n),
        np.array(n, dtype=np.int16),
        torch.tensor(n),
        torch.tensor(n, dtype=torch.int32),
        Index(n),
    ]


def non_integers(n):
    return [
        True,
        np.bool_(True),
        np.array(True),
        torch.tensor(True),
        float(n),
        np.float64(n),
        np.array(float(n)),
        torch.tensor(float(n)),
        np.array([n]),
        torch.tensor([n]),
        np.array([[n]]),
        str(n),
        [n],
    ]


def ids(values):
    return [f"{type(v).__module__}.{type(v).__name__}:{v!r}"[:60] for v in values]


# -- the helper --------------------------------------------------------------


@pytest.mark.parametrize("value", integer_likes(3), ids=ids(integer_likes(3)))
def test_as_integer_accepts_integer_likes(value):
    n = as_integer(value, "K")
    assert n == 3 and type(n) is int


@pytest.mark.parametrize("value", non_integers(3), ids=ids(non_integers(3)))
def test_as_integer_rejects_the_rest(value):
    with pytest.raises(TypeError, match="^K must be an integer"):
        as_integer(value, "K")


def test_as_integer_minimum_and_none():
    with pytest.raises(ValueError, match="maxiter must be an integer >= 1, got 0"):
        as_integer(np.int64(0), "maxiter", minimum=1)
    assert as_integer(None, "device_id", allow_none=True) is None
    with pytest.raises(TypeError, match="device_id must be an integer"):
        as_integer(None, "device_id")


# -- K (opt_arg) ------------------------------------------------------------------


def _kmin_ref(K):
    d = ((X[:, None] - Y[None]) ** 2).sum(-1)
    idx = np.argsort(d, axis=1, kind="stable")[:, :K]
    return np.take_along_axis(d, idx, 1), idx


@pytest.mark.parametrize("K", integer_likes(3), ids=ids(integer_likes(3)))
def test_genred_numpy_integer_like_K(K):
    want_v, want_i = _kmin_ref(3)
    g = kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="KMin_ArgKMin", axis=1, opt_arg=K)
    assert g.opt_arg == 3 and type(g.opt_arg) is int
    v, i = g(X, Y)
    assert v.shape == (M, 3) and i.shape == (M, 3)
    np.testing.assert_allclose(v, want_v, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(i, want_i)
    i2 = kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="ArgKMin", axis=1, opt_arg=K)(X, Y)
    np.testing.assert_array_equal(i2, want_i)


@pytest.mark.parametrize("K", non_integers(3) + [0, np.int64(0), torch.tensor(-1), None], ids=ids(non_integers(3) + [0, np.int64(0), torch.tensor(-1), None]))
def test_genred_rejects_bad_K(K):
    with pytest.raises(ValueError, match=r"the KMin reduction requires opt_arg=K, a positive integer"):
        kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="KMin", axis=1, opt_arg=K)


@pytest.mark.parametrize("K", [torch.tensor(3), torch.tensor(3, dtype=torch.int64), np.int64(3), np.array(3), Index(3)],
                         ids=["tensor", "tensor-int64", "np.int64", "np.array", "__index__"])
def test_lazytensor_torch_K_like_torchdr(K):
    # torchdr's TSNE: Kmin_argKmin(K, dim=1) with K a 0-d int64 tensor
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    D = ((kt.LazyTensor(x[:, None]) - kt.LazyTensor(y[None])) ** 2).sum(-1)
    want_v, want_i = _kmin_ref(3)
    v, i = D.Kmin_argKmin(K, dim=1)
    assert v.shape == (M, 3) and i.shape == (M, 3)
    np.testing.assert_allclose(v.numpy(), want_v, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(i.numpy(), want_i)
    np.testing.assert_array_equal(D.argKmin(K, dim=1).numpy(), want_i)
    np.testing.assert_allclose(D.Kmin(K, dim=1).numpy(), want_v, rtol=1e-5, atol=1e-6)
    # also through a symbolic reduction, called later
    S = ((kt.Vi(0, 3) - kt.Vj(1, 3)) ** 2).sum(-1)
    f = S.argKmin(K, dim=1)
    assert f.opt_arg == 3 and type(f.opt_arg) is int
    np.testing.assert_array_equal(f(x, y).numpy(), want_i)


@pytest.mark.parametrize("K", non_integers(3), ids=ids(non_integers(3)))
def test_lazytensor_rejects_bad_K(K):
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    D = ((kt.LazyTensor(x[:, None]) - kt.LazyTensor(y[None])) ** 2).sum(-1)
    with pytest.raises(ValueError, match=r"the ArgKMin reduction requires opt_arg=K"):
        D.argKmin(K, dim=1)
    # rejected when the reduction is built, even without data to run it on
    S = ((kn.Vi(0, 3) - kn.Vj(1, 3)) ** 2).sum(-1)
    with pytest.raises(ValueError, match=r"the KMin_ArgKMin reduction requires opt_arg=K"):
        S.Kmin_argKmin(K, dim=1)


# -- axis / dim ------------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("axis", [1, np.int64(1), np.array(1), torch.tensor(1), Index(1)], ids=["int", "np.int64", "np.array", "tensor", "__index__"])
def test_genred_integer_like_axis(framework, axis):
    want = (((X[:, None] - Y[None]) ** 2).sum(-1)[:, :, None] * B[None]).sum(1)
    mod = kn if framework == "numpy" else kt
    g = mod.Genred("SqDist(x,y)*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"], axis=axis)
    assert g.axis == 1 and type(g.axis) is int
    args = (X, Y, B) if framework == "numpy" else tuple(map(torch.from_numpy, (X, Y, B)))
    out = g(*args)
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-5)


@pytest.mark.parametrize("axis", [True, False, 1.0, np.float64(0), torch.tensor(1.0), np.array([1]), torch.tensor([0]), "1", 2, np.int64(-1)],
                         ids=["True", "False", "1.0", "np.float64", "tensor-float", "np-1d", "tensor-1d", "str", "2", "np-neg"])
def test_genred_rejects_bad_axis(axis):
    with pytest.raises(ValueError, match=r"^axis must be"):
        kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], axis=axis)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("dim", [1, np.int64(1), np.array(1), torch.tensor(1), Index(1), -2, np.int64(-2)],
                         ids=["int", "np.int64", "np.array", "tensor", "__index__", "neg", "np-neg"])
def test_lazytensor_integer_like_dim(framework, dim):
    if framework == "numpy":
        x, y, b, lt = X, Y, B, kn.LazyTensor
    else:
        x, y, b, lt = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(B), kt.LazyTensor
    d = ((X[:, None] - Y[None]) ** 2).sum(-1)
    D = ((lt(x[:, None]) - lt(y[None])) ** 2).sum(-1)
    np.testing.assert_allclose(np.asarray(D.sum(dim=dim)).ravel(), d.sum(1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(D.sum(axis=dim)).ravel(), d.sum(1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(D.min(dim=dim)).ravel(), d.min(1), rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(D.argmin(dim=dim)).ravel(), d.argmin(1))
    np.testing.assert_allclose(np.asarray(D.max(dim)).ravel(), d.max(1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(D.logsumexp(dim=dim)).ravel(), np.log(np.exp(d).sum(1)), rtol=1e-5)
    v, i = D.min_argmin(dim=dim)
    np.testing.assert_array_equal(np.asarray(i).ravel(), d.argmin(1))
    np.testing.assert_array_equal(np.asarray(D.argKmin(2, dim=dim)), np.argsort(d, 1, kind="stable")[:, :2])
    K = lt(x[:, None]) * lt(y[None])  # (M, N, 3)
    np.testing.assert_allclose(np.asarray(K.sum(dim=dim)), (X[:, None] * Y[None]).sum(1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(D @ b), d @ B, rtol=1e-5)


@pytest.mark.parametrize("dim", [np.int64(-1), torch.tensor(-1), np.int64(2), Index(2)], ids=["np-1", "tensor-1", "np2", "__index__2"])
def test_lazytensor_vector_sum_with_integer_like_dim(dim):
    # sum(-1) / sum(2) of a (M, N, D) LazyTensor is the vector sum, not a reduction
    D = kn.LazyTensor(X[:, None]) - kn.LazyTensor(Y[None])
    s = D.sum(dim)
    assert s.formula.startswith("Sum(") and s.ndim == 1
    np.testing.assert_allclose(s.sum(dim=1).ravel(), (X[:, None] - Y[None]).sum(-1).sum(1), rtol=1e-4, atol=1e-5)
    assert D.min(dim).ndim == 1 and D.max(dim).ndim == 1


@pytest.mark.parametrize("dim", [True, 1.0, np.float32(1), torch.tensor(1.0), torch.tensor([1]), np.array([1]), "1"],
                         ids=["True", "1.0", "np.float32", "tensor-float", "tensor-1d", "np-1d", "str"])
def test_lazytensor_rejects_bad_dim(dim):
    D = ((kn.LazyTensor(X[:, None]) - kn.LazyTensor(Y[None])) ** 2).sum(-1)
    for red in (D.sum, D.min, D.argmin, D.logsumexp, D.min_argmin):
        with pytest.raises(TypeError, match=r"axis \(or dim\) must be an integer"):
            red(dim=dim)
    with pytest.raises(TypeError, match=r"axis \(or dim\) must be an integer"):
        D.Kmin(2, dim=dim)


# -- LazyTensor construction and vector operations ----------------------------------------


def test_lazytensor_integer_like_construction_and_indices():
    for n0, n3 in [(np.int64(0), np.int64(3)), (torch.tensor(0), torch.tensor(3)), (Index(0), Index(3))]:
        v = kn.Vi(n0, n3)
        assert v.formula == "VarSymb(0,3,0)"
        assert kn.LazyTensor((n0, n3, np.int64(1))).formula == "VarSymb(0,3,1)"
    x = kn.LazyTensor(X[:, None])
    assert str(x[np.int64(1)].formula) == str(x[1].formula)
    assert x.elem(torch.tensor(2)).formula == x.elem(2).formula
    assert x.extract(np.int64(1), np.int64(2)).formula == x.extract(1, 2).formula
    assert (x ** np.int64(3)).formula == (x**3).formula
    assert (x ** np.int64(2)).formula == (x**2).formula
    assert x.sum(-1).one_hot(np.int64(4)).formula == x.sum(-1).one_hot(4).formula
    assert x.round(np.int64(2)).formula == x.round(2).formula
    assert x.clampint(np.int64(0), np.int64(1)).formula == x.clampint(0, 1).formula
    # a numpy integer scalar is an integer constant, as an int is
    assert kn.LazyTensor(np.int64(5)).formula == kn.LazyTensor(5).formula == "IntCst(5)"
    assert (x + np.int64(2)).formula == (x + 2).formula
    lt = kn.LazyTensor(X, axis=np.int64(0))
    assert lt.axis == 0


def test_lazytensor_construction_rejects_bools_and_floats():
    x = kn.LazyTensor(X[:, None])
    with pytest.raises(TypeError, match="booleans"):
        kn.LazyTensor(np.bool_(True))
    with pytest.raises(ValueError, match="triplet of integers"):
        kn.LazyTensor((0, 3.0, 0))
    with pytest.raises(ValueError, match="triplet of integers"):
        kn.LazyTensor((0, True, 0))
    with pytest.raises(ValueError, match="integer indices"):
        x.elem(np.float64(1))
    with pytest.raises(ValueError, match="integer indices"):
        x.elem(True)
    with pytest.raises(ValueError, match="integer dimension"):
        x.sum(-1).one_hot(4.0)
    with pytest.raises(ValueError, match="two integers"):
        x.clampint(0, np.float32(1))
    with pytest.raises(ValueError, match="axis must be an integer"):
        kn.LazyTensor(X, axis=1.0)


# -- other options ------------------------------------------------------------------------


def test_set_num_threads_integer_likes():
    before = kred.get_num_threads()
    try:
        for n in (np.int64(1), torch.tensor(2), np.array(1), Index(2)):
            kred.set_num_threads(n)
            assert kred.get_num_threads() == int(n)
        for bad in (True, 1.5, 2.0, np.float64(1), torch.tensor(1.0), np.array([1]), "2"):
            with pytest.raises(TypeError, match="set_num_threads: n must be an integer"):
                kred.set_num_threads(bad)
        assert kred.get_num_threads() == 2  # unchanged by the rejected calls
    finally:
        kred.set_num_threads(before)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_kernelsolve_integer_like_options(framework):
    mod = kn if framework == "numpy" else kt
    x = rng.standard_normal((12, 2)).astype(np.float64)
    b = rng.standard_normal((12, 1)).astype(np.float64)
    if framework == "torch":
        x, b = torch.from_numpy(x), torch.from_numpy(b)
    ks = mod.KernelSolve("Exp(-SqDist(x,y))*a", ["x = Vi(2)", "y = Vj(2)", "a = Vj(1)"], "a", axis=np.int64(1))
    assert ks.axis == 1
    a = ks(x, x, b, alpha=np.float64(1.0), maxiter=np.int64(200))
    a2 = ks(x, x, b, alpha=1.0, maxiter=torch.tensor(200))
    np.testing.assert_allclose(np.asarray(a), np.asarray(a2))
    for bad in (True, 10.0, np.array([10])):
        with pytest.raises(TypeError, match="maxiter must be an integer"):
            ks(x, x, b, alpha=1.0, maxiter=bad)
    with pytest.raises(ValueError, match="maxiter must be an integer >= 1"):
        ks(x, x, b, alpha=1.0, maxiter=0)
    with pytest.raises(ValueError, match="axis must be"):
        mod.KernelSolve("Exp(-SqDist(x,y))*a", ["x = Vi(2)", "y = Vj(2)", "a = Vj(1)"], "a", axis=1.0)


def test_device_id_integer_likes():
    g = kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], axis=1)
    ref = g(X, Y)
    for d in (np.int64(-1), torch.tensor(-1), None):
        np.testing.assert_array_equal(g(X, Y, device_id=d), ref)
    for bad in (-1.0, True, np.array([-1])):
        with pytest.raises(TypeError, match="device_id must be an integer"):
            g(X, Y, device_id=bad)


# -- out= --------------------------------------------------------------------------------


@pytest.fixture
def launches(monkeypatch):
    """Counts the kernel launches of the CPU backend (a rejected out= must come before any)."""
    calls = []
    real, real_ranges = backends.CPUBackend.launch, backends.CPUBackend.launch_ranges

    def launch(self, *a, **k):
        calls.append("launch")
        return real(self, *a, **k)

    def launch_ranges(self, *a, **k):
        calls.append("launch_ranges")
        return real_ranges(self, *a, **k)

    monkeypatch.setattr(backends.CPUBackend, "launch", launch)
    monkeypatch.setattr(backends.CPUBackend, "launch_ranges", launch_ranges)
    return calls


def _sum_genred(mod):
    return mod.Genred("SqDist(x,y)*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"], axis=1)


def test_out_numpy_read_only_is_rejected_and_untouched(launches):
    g = _sum_genred(kn)
    out = np.full((M, 2), 7.0, np.float32)
    out.setflags(write=False)
    with pytest.raises(ValueError, match=r"^out is read-only"):
        g(X, Y, B, out=out)
    assert not launches
    np.testing.assert_array_equal(out, 7.0)
    # read-only memory that numpy does not own (a bytes object): never written
    raw = bytes(np.full((M, 2), 3.0, np.float32).tobytes())
    ro = np.frombuffer(raw, np.float32).reshape(M, 2)
    with pytest.raises(ValueError, match=r"^out is read-only"):
        g(X, Y, B, out=ro)
    assert raw == np.full((M, 2), 3.0, np.float32).tobytes()
    # broadcast views are read-only too
    with pytest.raises(ValueError, match=r"^out is read-only"):
        g(X, Y, B, out=np.broadcast_to(np.zeros(2, np.float32), (M, 2)))
    assert not launches
    # and the same call with a writable out works and launches
    res = g(X, Y, B, out=np.empty((M, 2), np.float32))
    np.testing.assert_allclose(res, g(X, Y, B), rtol=1e-6)
    assert launches


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_out_bad_arrays_are_rejected_before_launch(framework, launches):
    if framework == "numpy":
        mod, args = kn, (X, Y, B)
        zeros = lambda shape, dtype=np.float32: np.zeros(shape, dtype)  # noqa: E731
        i64, f64 = np.int64, np.float64
    else:
        mod, args = kt, tuple(map(torch.from_numpy, (X, Y, B)))
        zeros = lambda shape, dtype=torch.float32: torch.zeros(shape, dtype=dtype)  # noqa: E731
        i64, f64 = torch.int64, torch.float64
    g = _sum_genred(mod)
    cases = [
        (zeros((M - 1, 2)), ValueError, r"out has shape \(6, 2\), expected \(7, 2\)"),  # too small
        (zeros((M * 2,)), ValueError, r"out has shape \(14,\), expected \(7, 2\)"),  # right size, wrong shape
        (zeros((M + 1, 2)), ValueError, r"out has shape \(8, 2\), expected \(7, 2\)"),  # too large
        (zeros((M, 2), f64), TypeError, r"out has dtype float64, expected float32"),
        (zeros((M, 2), i64), TypeError, r"out has dtype int64, expected float32"),
        (zeros((2, M)).T, ValueError, r"out must be C-contiguous"),
        (zeros((M, 4))[:, ::2], ValueError, r"out must be C-contiguous"),
        ([[0.0, 0.0]] * M, TypeError, r"out must be a (numpy\.ndarray|torch\.Tensor), got list"),
    ]
    for out, exc, msg in cases:
        before = out.copy() if hasattr(out, "copy") else None
        with pytest.raises(exc, match=msg):
            g(*args, out=out)
        if before is not None:
            np.testing.assert_array_equal(np.asarray(out), np.asarray(before))
    # the index reductions want int64
    ga = mod.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="ArgMin", axis=1)
    with pytest.raises(TypeError, match="out has dtype float32, expected int64"):
        ga(*args[:2], out=zeros((M, 1)))
    # memory shared with an input: the kernel would overwrite what it reads
    shared = zeros((N, 2))
    with pytest.raises(ValueError, match=r"out shares memory with argument 'b' \(position 2, Vj\(2\)\)"):
        mod.Genred("SqDist(x,y)*b", ["x = Vj(3)", "y = Vi(3)", "b = Vj(2)"], axis=0)(args[1], args[0], shared, out=shared)
    assert not launches


def test_out_numpy_misaligned_and_byteswapped(launches):
    g = _sum_genred(kn)
    buf = np.zeros(M * 2 * 4 + 1, np.uint8)
    mis = buf[1:].view(np.float32).reshape(M, 2)
    assert not mis.flags.aligned
    with pytest.raises(ValueError, match="out is misaligned"):
        g(X, Y, B, out=mis)
    with pytest.raises(ValueError, match="out has non-native byte order"):
        g(X, Y, B, out=np.zeros((M, 2), np.float32).astype(np.float32().dtype.newbyteorder()))
    assert not launches


def test_out_torch_specific(launches):
    x, y, b = map(torch.from_numpy, (X, Y, B))
    g = _sum_genred(kt)
    # another device (the meta device exists everywhere, no GPU needed)
    with pytest.raises(ValueError, match="out is on device meta, expected cpu"):
        g(x, y, b, out=torch.empty((M, 2), device="meta"))
    # an out that requires grad would be written outside autograd
    with pytest.raises(ValueError, match="out requires grad"):
        g(x, y, b, out=torch.zeros((M, 2), requires_grad=True))
    # inputs that require grad: the in-place result would not be differentiable
    with pytest.raises(ValueError, match="out= cannot be used when an input requires grad"):
        g(x.clone().requires_grad_(), y, b, out=torch.zeros((M, 2)))
    # a sparse out
    with pytest.raises(ValueError, match="out must be a dense"):
        g(x, y, b, out=torch.zeros((M, 2)).to_sparse())
    assert not launches
    # under no_grad the same call is fine
    with torch.no_grad():
        out = torch.zeros((M, 2))
        res = g(x.clone().requires_grad_(), y, b, out=out)
    assert res is out
    torch.testing.assert_close(out, g(x, y, b))


def test_out_lazytensor_matmul():
    # LazyTensor @ b with out= (pykeops' in-place test) checks out the same way
    x, y, b = map(torch.from_numpy, (X, Y, B))
    K = (-((kt.LazyTensor(x[:, None]) - kt.LazyTensor(y[None])) ** 2).sum(-1)).exp()
    out = torch.empty(M, 2)
    K.__matmul__(b, out=out)
    torch.testing.assert_close(out, K @ b)
    with pytest.raises(ValueError, match=r"out has shape \(6, 2\), expected \(7, 2\)"):
        K.__matmul__(b, out=torch.empty(M - 1, 2))
