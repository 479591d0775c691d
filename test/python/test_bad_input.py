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


# -- NaN in Min/Max/ArgMin/ArgMax/KMin/ArgKMin (docs/reliability.md, "NaN") ------------------
#
# The rule: a NaN term never wins a comparison, so it is ignored; a row whose
# terms are all NaN (or nothing but NaN and the identity, e.g. +inf for Min)
# gets the empty reduction: +inf/-inf and index -1. pykeops' CPU backend
# ignores NaN the same way (all-NaN rows: +inf/-inf, index 0); torch.min/max
# and numpy.min propagate NaN (value NaN, index of the first NaN).

SELECTIONS = ["Min", "Max", "ArgMin", "ArgMax", "Min_ArgMin", "Max_ArgMax", "KMin", "ArgKMin", "KMin_ArgKMin"]
NAN = np.nan


def _nan_reference(red, F, K=2):
    """Reduction of F (rows, n, D) over axis 1, NaN ignored: (values (rows, K?, D), indices)."""
    largest = "Max" in red
    fill = -np.inf if largest else np.inf
    Fm = np.where(np.isnan(F), fill, F)
    order = np.argsort(-Fm if largest else Fm, axis=1, kind="stable")
    k = K if "K" in red else 1
    idx = order[:, :k]
    v = np.take_along_axis(Fm, idx, 1)
    idx = np.where(v == fill, -1, idx)  # nothing but NaN (or the identity) left: padding
    if "K" not in red:
        return v[:, 0], idx[:, 0]
    return v, idx


def _selection_genred(mod, red, axis, D):
    aliases = [f"x = Vi({D})", f"y = Vj({D})"]
    return mod.Genred("y - x", aliases, reduction_op=red, axis=axis, opt_arg=2 if "K" in red else None)


def _split_result(red, r, framework):
    as_np = (lambda a: a.numpy()) if framework == "torch" else (lambda a: a)
    if isinstance(r, tuple):
        return as_np(r[0]), as_np(r[1])
    return (None, as_np(r)) if red.startswith("Arg") else (as_np(r), None)


def _check_selection(red, r, F, framework, D):
    want_v, want_i = _nan_reference(red, F)
    if D == 1 and "K" in red:
        want_v, want_i = want_v[..., 0], want_i[..., 0]
    v, i = _split_result(red, r, framework)
    if v is not None:
        assert not np.isnan(v).any(), "a NaN was selected"
        np.testing.assert_allclose(v.reshape(want_v.shape), want_v.astype(v.dtype), rtol=1e-6)
    if i is not None:
        np.testing.assert_array_equal(i.reshape(want_i.shape), want_i)


NAN_ROWS = {
    "nan-first": [NAN, 3, 1, 2],
    "nan-middle": [3, NAN, 1, 2],
    "nan-after-min": [3, 1, NAN, 2],
    "nan-last": [3, 1, 2, NAN],
    "one-number": [NAN, NAN, 5, NAN],
    "all-nan": [NAN, NAN, NAN, NAN],
}


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("red", SELECTIONS)
def test_nan_is_ignored_by_selections(red, axis, framework):
    mod = kn if framework == "numpy" else kt
    g = _selection_genred(mod, red, axis, 1)
    for name, row in NAN_ROWS.items():
        terms = np.array(row, np.float32)
        other = np.zeros((1, 1), np.float32)
        x, y = (other, terms[:, None]) if axis == 1 else (terms[:, None], other)
        if framework == "torch":
            x, y = torch.from_numpy(x), torch.from_numpy(y)
        r = g(x, y)
        sign = 1.0 if axis == 1 else -1.0  # y - x: the terms are y, or -x when reducing over i
        F = (sign * terms[None, :, None]).astype(np.float64)
        _check_selection(red, r, F, framework, 1)


def test_nan_rule_examples():
    # the table of docs/reliability.md
    g = _selection_genred(kn, "Min_ArgMin", 1, 1)
    x = np.zeros((1, 1), np.float32)
    v, i = g(x, np.array([[3], [NAN], [1], [2]], np.float32))
    assert (v[0, 0], i[0, 0]) == (1.0, 2)
    v, i = g(x, np.full((4, 1), NAN, np.float32))
    assert v[0, 0] == np.inf and i[0, 0] == -1
    # +inf terms do not replace the identity either: no index
    v, i = g(x, np.full((3, 1), np.inf, np.float32))
    assert v[0, 0] == np.inf and i[0, 0] == -1
    v, i = _selection_genred(kn, "KMin_ArgKMin", 1, 1)(x, np.array([[NAN], [4], [NAN]], np.float32))
    assert v[0].tolist() == [4.0, np.inf] and i[0].tolist() == [1, -1]


def _nan_data(M, N, D, dtype, seed):
    r = np.random.default_rng(seed)
    x = r.standard_normal((M, D)).astype(dtype)
    y = r.standard_normal((N, D)).astype(dtype)
    y[r.random((N, D)) < 0.4] = NAN
    x[r.random((M, D)) < 0.1] = NAN  # whole rows of NaN terms
    return x, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "M,N,D",
    [(3, 5000, 1), (1000, 7, 1), (37, 1029, 3)],
    ids=["few-rows-split-reduced-index", "many-rows", "vectors"],
)
@pytest.mark.parametrize("axis", [1, 0])
def test_nan_rule_holds_on_every_path(M, N, D, dtype, axis):
    # the SIMD lanes, the split of the reduced index (partial accumulators merged), ranges= (interval
    # merges), batch dimensions: the same rule everywhere
    x, y = _nan_data(M, N, D, dtype, seed=M + N + D)
    F = (y[None, :, :] - x[:, None, :]).astype(np.float64)
    if axis == 0:
        F = F.transpose(1, 0, 2)
    half = (N // 2) if axis == 1 else (M // 2)
    ranges = (
        np.array([[0, M]]), np.array([2]), np.array([[0, N // 2], [N // 2, N]]),
        np.array([[0, N]]), np.array([2]), np.array([[0, M // 2], [M // 2, M]]),
    )
    assert half > 0
    for red in SELECTIONS:
        g = _selection_genred(kn, red, axis, D)
        _check_selection(red, g(x, y), F, "numpy", D)
        _check_selection(red, g(x, y, ranges=ranges), F, "numpy", D)
        if red in ("Min_ArgMin", "KMin_ArgKMin"):
            b = g(np.stack([x, x]), np.stack([y, y]))  # batch of 2, same data
            for k in range(2):
                _check_selection(red, (b[0][k], b[1][k]), F, "numpy", D)


def test_nan_rows_have_no_gradient():
    x = torch.tensor([[0.0], [NAN], [1.0]], requires_grad=True)
    y = torch.tensor([[3.0], [NAN], [1.0], [2.0]], requires_grad=True)
    D = (kt.LazyTensor(x[:, None]) - kt.LazyTensor(y[None])) ** 2
    for red, want_v, want_gx, want_gy in [
        ("min", [1.0, np.inf, 0.0], [-2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]),
        ("max", [9.0, -np.inf, 4.0], [-6.0, 0.0, -4.0], [10.0, 0.0, 0.0, 0.0]),
    ]:
        v = getattr(D, red)(dim=1)
        np.testing.assert_array_equal(v.detach().ravel().numpy(), want_v)
        gx, gy = torch.autograd.grad(v[torch.isfinite(v)].sum(), [x, y])
        np.testing.assert_array_equal(gx.ravel().numpy(), want_gx)
        np.testing.assert_array_equal(gy.ravel().numpy(), want_gy)
    v = D.Kmin(2, dim=1)
    np.testing.assert_array_equal(v.detach().numpy(), [[1.0, 4.0], [np.inf, np.inf], [0.0, 1.0]])
    gx, gy = torch.autograd.grad(v[torch.isfinite(v)].sum(), [x, y])
    np.testing.assert_array_equal(gx.ravel().numpy(), [-6.0, 0.0, -2.0])
    np.testing.assert_array_equal(gy.ravel().numpy(), [0.0, 0.0, 2.0, 6.0])


# -- empty M or N: one identity from every entry point (docs/python.md "Inputs") ---------------

_INF = np.inf
EMPTY_IDENTITY = {  # reduction (formula2 for the weighted ones) -> (values per row, index)
    "Sum": ([0.0, 0.0], None),
    "LogSumExp": ([-_INF], None),
    "LogSumExp+weight": ([-_INF, -_INF], None),
    "LogSumExpWeight": ([-_INF, -_INF], None),
    "SumSoftMaxWeight": ([NAN, NAN], None),
    "Max_SumShiftExp": ([-_INF, 0.0], None),
    "Max_SumShiftExpWeight": ([-_INF, 0.0, 0.0], None),
    "Min": ([_INF], None),
    "Max": ([-_INF], None),
    "ArgMin": (None, -1),
    "ArgMax": (None, -1),
    "Min_ArgMin": ([_INF], -1),
    "Max_ArgMax": ([-_INF], -1),
    "KMin": ([_INF, _INF], None),
    "ArgKMin": (None, -1),
    "KMin_ArgKMin": ([_INF, _INF], -1),
}


def _empty_genred(mod, name, axis):
    red, formula, formula2 = name, "SqDist(x,y)", None
    if name == "Sum":
        formula = "SqDist(x,y)*bj*bi"
    if name in ("LogSumExp+weight", "LogSumExpWeight", "SumSoftMaxWeight", "Max_SumShiftExpWeight"):
        red, formula2 = name.replace("+weight", ""), "bj*bi"
    aliases = ["x = Vi(2)", "y = Vj(2)", "bi = Vi(2)", "bj = Vj(2)"]
    return mod.Genred(formula, aliases, reduction_op=red, axis=axis, opt_arg=2 if "K" in red else None,
                      formula2=formula2)


def _empty_data(M, N, framework, batch=(), grad=False):
    r = np.random.default_rng(0)
    a = [r.standard_normal(batch + (n, 2)).astype(np.float32) for n in (M, N, M, N)]
    if framework == "numpy":
        return a
    t = [torch.from_numpy(v) for v in a]
    if grad:
        t[0].requires_grad_()
    return t


def _assert_identity(name, r, rows, where):
    want_v, want_i = EMPTY_IDENTITY[name]

    def arr(a):
        return np.asarray(a.detach() if hasattr(a, "detach") else a)

    if isinstance(r, tuple):
        v, i = arr(r[0]), arr(r[1])
    elif want_v is None:
        v, i = None, arr(r)
    else:
        v, i = arr(r), None
    if want_v is not None:
        assert v.size == rows * len(want_v), (where, v.shape)
        np.testing.assert_array_equal(v.reshape(rows, -1), np.tile(np.array(want_v, v.dtype), (rows, 1)),
                                      err_msg=where)
    if want_i is not None:
        assert i.size and (i == want_i).all(), (where, i)


def _empty_ranges(M, N, mode, framework):
    z2, z1 = np.zeros((0, 2), np.int64), np.zeros((0,), np.int64)
    r = {
        # every block's reduction range is empty
        "empty-intervals": ([[0, M]], [1], [[0, 0]], [[0, N]], [1], [[0, 0]]),
        # blocks with no interval at all
        "no-intervals": ([[0, M]], [0], [[0, N]], [[0, N]], [0], [[0, M]]),
        # no block: every output row is in none
        "no-blocks": (z2, z1, z2, z2, z1, z2),
    }[mode]
    r = tuple(np.asarray(a, np.int64) for a in r)
    return r if framework == "numpy" else tuple(torch.from_numpy(a) for a in r)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("name", sorted(EMPTY_IDENTITY))
def test_empty_reductions_give_one_identity_everywhere(name, axis, framework):
    mod = kn if framework == "numpy" else kt
    g = _empty_genred(mod, name, axis)
    rows = 3
    M, N = (rows, 0) if axis == 1 else (0, rows)  # nothing to reduce
    where = f"{framework} axis={axis}"
    _assert_identity(name, g(*_empty_data(M, N, framework)), rows, where + " plain")
    _assert_identity(name, g(*_empty_data(M, N, framework, batch=(2,))), 2 * rows, where + " batch")
    # ranges= on an empty reduced index
    rg = _empty_ranges(M, N, "empty-intervals", framework)
    _assert_identity(name, g(*_empty_data(M, N, framework), ranges=rg), rows, where + " ranges, N=0")
    # ranges= whose blocks have nothing to reduce, with data there: the runtime's block-sparse launch
    for mode in ("empty-intervals", "no-intervals", "no-blocks"):
        rg = _empty_ranges(rows, rows, mode, framework)
        _assert_identity(name, g(*_empty_data(rows, rows, framework), ranges=rg), rows, f"{where} ranges {mode}")
    if framework == "torch" and not name.startswith("Arg"):
        # through autograd (an input requires grad)
        _assert_identity(name, g(*_empty_data(M, N, framework, grad=True)), rows, where + " autograd")
    if framework == "numpy":
        # the compiled kernel's own launch (kred_cpu_launch), past Python's shortcut
        sig = g.spec.signature("float32")
        args = _empty_data(M, N, "numpy")
        out = np.full((rows, max(sig.vd, 1)), 123.0, np.float32)
        idx = np.full((rows, max(sig.idd, 1)), 123, np.int64)
        sig.kernel.launch([a.ctypes.data for a in args], M, N, out.ctypes.data if sig.vd else 0,
                          idx.ctypes.data if sig.idd else 0, 0)
        res = tuple(a for a, n in ((out, sig.vd), (idx, sig.idd)) if n)
        _assert_identity(name, res if len(res) == 2 else res[0], rows, where + " kernel.launch")
    # no output rows: an empty result
    M2, N2 = (0, rows) if axis == 1 else (rows, 0)
    r = g(*_empty_data(M2, N2, framework))
    for a in r if isinstance(r, tuple) else (r,):
        assert a.shape[0] == 0


def test_empty_lazytensor_reductions():
    x = torch.zeros(3, 2)
    y = torch.zeros(0, 2)
    D = ((kt.LazyTensor(x[:, None]) - kt.LazyTensor(y[None])) ** 2).sum(-1)
    assert D.sum(dim=1).tolist() == [[0.0]] * 3
    assert D.min(dim=1).tolist() == [[np.inf]] * 3
    assert D.argmin(dim=1).tolist() == [[-1]] * 3
    assert D.logsumexp(dim=1).tolist() == [[-np.inf]] * 3
    assert torch.isnan(D.sumsoftmaxweight(kt.LazyTensor(y[None]), dim=1)).all()
    assert D.argKmin(2, dim=1).tolist() == [[-1, -1]] * 3
    assert D.sum(dim=0).shape == (0, 1)
