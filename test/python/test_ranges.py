"""Block-sparse reductions (ranges=) and the cluster helpers.

- Genred (numpy, torch), LazyTensor (.ranges, t(), axis=0), generic_sum and
  KernelSolve with ranges, against a float64 dense evaluation restricted to
  the block mask (keops_ref), for every reduction family, both axes, odd
  sizes, rows in no block and blocks with nothing to reduce;
- torch gradients with ranges against dense masked torch;
- the same ranges through pykeops (a few formulas, cached like oracle.py);
- argument checks; the cluster helpers against pykeops', and the
  block-sparse Gaussian convolution of KeOps' tutorial end to end.
"""

import hashlib
import zlib

import numpy as np
import pytest

import keops_ref
import oracle
from helpers import assert_close, to_numpy
from keops_ref import final
from reduction_cases import GAUSS, SCORE, VEC_FORMULA, XYBP, cases

from kred.numpy import Genred, KernelSolve, LazyTensor, generic_sum
from kred.numpy import cluster as ncl

M, N = 37, 53

# ---------------------------------------------------------------------------
# Ranges patterns


def random_ranges(M, N, seed, density=0.4, gaps=True):
    """A consistent 6-tuple from random clusters (shuffled, with uncovered rows) and a random keep mask."""
    rng = np.random.default_rng(seed)

    def clusters(n):
        cuts = np.unique(np.concatenate(([0, n], rng.integers(0, n + 1, size=max(1, n // 6)))))
        segs = np.stack((cuts[:-1], cuts[1:]), 1)
        if gaps and len(segs) > 2:
            segs = np.delete(segs, rng.integers(0, len(segs)), axis=0)  # rows in no cluster
        return segs[rng.permutation(len(segs))]

    ri, rj = clusters(M), clusters(N)
    keep = rng.random((len(ri), len(rj))) < density
    keep[0, :] = False  # a cluster with nothing to reduce, both ways
    keep[:, 0] = False
    return ncl.from_matrix(ri, rj, keep)


def reduced_lists(ranges, axis, rows):
    """For each output row, the reduced indices in the order KeOps visits them."""
    r, s, red = (ranges[0], ranges[1], ranges[2]) if axis == 1 else (ranges[3], ranges[4], ranges[5])
    out = [np.zeros(0, dtype=np.int64) for _ in range(rows)]
    for b in range(len(r)):
        l0 = 0 if b == 0 else s[b - 1]
        idx = np.concatenate([np.arange(red[l, 0], red[l, 1]) for l in range(l0, s[b])] or [np.zeros(0, np.int64)])
        for row in range(r[b, 0], r[b, 1]):
            out[row] = idx.astype(np.int64)
    return out


def dense_mask(ranges, M, N):
    mask = np.zeros((M, N), dtype=bool)
    for i, js in enumerate(reduced_lists(ranges, 1, M)):
        mask[i, js] = True
    return mask


def masked_reference(formula, aliases, reduction, axis, args, ranges, opt_arg=None, formula2=""):
    """Float64 reference: each output row reduced over its own list of reduced indices."""
    sig = keops_ref.signature(formula, aliases, formula2)
    cats = sig[1]
    rows_cat = 0 if axis == 1 else 1
    rows = next(np.asarray(a).shape[0] for p, a in enumerate(args) if cats[p] == rows_cat)
    lists = reduced_lists(ranges, axis, rows)
    per_row = []
    for r in range(rows):
        sub = []
        idx = lists[r] if len(lists[r]) else np.zeros(1, np.int64)  # shapes only when empty
        for p, a in enumerate(args):
            a = np.asarray(a, dtype=np.float64)
            if cats[p] == rows_cat:
                sub.append(a[r : r + 1])
            elif cats[p] == 1 - rows_cat:
                sub.append(a[idx])
            else:
                sub.append(a)
        v, i = keops_ref.reduce_raw(formula, aliases, reduction, axis, sub, opt_arg, formula2)
        if not len(lists[r]):  # nothing to reduce: the empty reduction
            if v is not None:
                fill = {"Sum": 0.0, "LogSumExp": -np.inf, "SumSoftMaxWeight": np.nan}.get(reduction)
                if fill is None:
                    fill = -np.inf if reduction.startswith("Max") else np.inf
                v = np.full_like(v, fill)
            if i is not None:
                i = np.full_like(i, -1)
        per_row.append((v, i))
    vals = [v for v, _ in per_row]
    idxs = [i for _, i in per_row]
    V = None if vals[0] is None else np.concatenate(vals, 0)
    Ix = None
    if idxs[0] is not None:
        Ix = np.concatenate([np.where(i >= 0, lists[r][np.clip(i, 0, None)] if len(lists[r]) else -1, -1)
                             for r, i in enumerate(idxs)], 0)
    return V, Ix


# ---------------------------------------------------------------------------
# Forward: every reduction family, both axes, numpy and torch, against dense

VEC = (VEC_FORMULA, XYBP)
_ALL = cases(XYBP, 3)
FORWARD = {name: _ALL[name] for name in ("Sum", "LogSumExp", "LogSumExpWeight", "SumSoftMaxWeight", "Min", "ArgMin",
                                         "Max_ArgMax", "KMin", "ArgKMin")}
FORWARD["KMin_ArgKMin"] = cases(XYBP, 4)["KMin_ArgKMin"]


def make_args(dtype="float64", m=M, n=N, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal((m, 3)).astype(dtype),
        rng.standard_normal((n, 3)).astype(dtype),
        rng.standard_normal((n, 2)).astype(dtype),
        np.array([0.7], dtype=dtype),
    ]


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("name", list(FORWARD))
def test_forward_matches_dense(name, axis):
    formula, aliases, reduction, K, formula2 = FORWARD[name]
    args = make_args()
    ranges = random_ranges(M, N, seed=zlib.crc32(name.encode()) + axis)
    g = Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)
    got = g(*args, ranges=ranges)
    V, Ix = masked_reference(formula, aliases, reduction, axis, args, ranges, K, formula2 or "")
    want = final(reduction, V, Ix, K)
    # NaN where SumSoftMaxWeight has nothing to reduce (0/0, as KeOps)
    if reduction == "SumSoftMaxWeight":
        lists = reduced_lists(ranges, axis, M if axis == 1 else N)
        empty = np.array([len(l) == 0 for l in lists])
        assert empty.any() and np.isnan(got[empty]).all()
        got, want = got[~empty], want[~empty]
    assert_close(got, want, "float64")


@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "ArgKMin", "SumSoftMaxWeight", "Min"])
def test_empty_rows_get_the_empty_reduction(name):
    formula, aliases, reduction, K, formula2 = FORWARD[name]
    args = make_args()
    ranges = random_ranges(M, N, seed=3)
    lists = reduced_lists(ranges, 1, M)
    empty = np.array([len(l) == 0 for l in lists])
    assert empty.sum() >= 2  # uncovered rows and the cluster with nothing kept
    g = Genred(formula, aliases, reduction_op=reduction, axis=1, opt_arg=K, formula2=formula2)
    got = g(*args, ranges=ranges)
    # the same as an empty reduction without ranges (N = 0)
    none = g(args[0][:1], args[1][:0], args[2][:0], args[3])
    for row in np.nonzero(empty)[0]:
        np.testing.assert_array_equal(got[row], none[0])


@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "Min_ArgMin", "ArgKMin", "SumSoftMaxWeight"])
def test_torch_float32_and_lazytensor(name, axis):
    torch = pytest.importorskip("torch")
    from kred.torch import Genred as TGenred
    from kred.torch import LazyTensor as TLazyTensor
    from kred.torch import cluster as tcl

    if name == "Min_ArgMin":
        formula, aliases, reduction, K, formula2 = (*VEC, "Min_ArgMin", None, None)
    else:
        formula, aliases, reduction, K, formula2 = FORWARD[name]
    args = make_args("float32")
    ranges_np = random_ranges(M, N, seed=11 + axis)
    ranges = tuple(torch.from_numpy(r.astype(np.int32)) for r in ranges_np)  # int32 tensors work too
    targs = [torch.from_numpy(a) for a in args]
    got = TGenred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)(*targs, ranges=ranges)
    want = Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)(*args, ranges=ranges_np)
    if reduction in ("Min_ArgMin",):
        assert_close(got[0], want[0], "float32", equal_nan=True)
        assert_close(got[1], want[1])
    else:
        assert_close(got, want, "float32", equal_nan=True)

    # LazyTensor with a .ranges attribute: the same reductions
    x, y, b = targs[0], targs[1], targs[2]
    p = float(args[3][0])
    x_i, y_j, b_j = TLazyTensor(x[:, None, :]), TLazyTensor(y[None, :, :]), TLazyTensor(b[None, :, :])
    if name == "Sum":
        K_ij = (-p * ((x_i - y_j) ** 2).sum(-1)).exp()
        K_ij.ranges = ranges
        lt = (K_ij * b_j).sum(dim=axis)
        want_lt = want
    elif name == "LogSumExp":
        S = p * (x_i | y_j) - ((x_i - y_j) ** 2).sum(-1)
        S.ranges = ranges
        lt = S.logsumexp(dim=axis)
        want_lt = want
    else:
        return
    assert_close(lt, want_lt, "float32")
    assert tcl.swap_axes(ranges)[0] is ranges[3]


def test_lazytensor_transpose_and_matmul():
    torch = pytest.importorskip("torch")
    from kred.torch import LazyTensor as TLazyTensor

    args = make_args()
    ranges = random_ranges(M, N, seed=5)
    x, y, b = (torch.from_numpy(a) for a in args[:3])
    mask = torch.from_numpy(dense_mask(ranges, M, N))
    Kd = torch.exp(-((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)) * mask
    K = (-((TLazyTensor(x[:, None, :]) - TLazyTensor(y[None, :, :])) ** 2).sum(-1)).exp()
    K.ranges = tuple(torch.from_numpy(r) for r in ranges)
    assert_close(K @ b, Kd @ b, "float64")
    c = torch.randn(M, 2, dtype=torch.float64)
    assert_close(K.t() @ c, Kd.t() @ c, "float64")
    assert_close(K.sum(dim=0), Kd.sum(0)[:, None], "float64")
    # numpy LazyTensor, symbolic call
    xn, yn = args[0], args[1]
    Kn = (-((LazyTensor(xn[:, None, :]) - LazyTensor(yn[None, :, :])) ** 2).sum(-1)).exp()
    Kn.ranges = ranges
    assert_close((Kn * LazyTensor(args[2][None, :, :])).sum(1), to_numpy(Kd @ b), "float64")
    # two LazyTensors with different ranges do not combine
    other = LazyTensor(yn[None, :, :])
    other.ranges = random_ranges(M, N, seed=6)
    with pytest.raises(ValueError, match="ranges"):
        _ = Kn * other


def test_generic_sum_and_kernelsolve():
    args = make_args()
    ranges = random_ranges(M, N, seed=8)
    gs = generic_sum("Exp(-p*SqDist(x,y))*b", "a = Vi(2)", *GAUSS[1])
    V, _ = masked_reference(*GAUSS, "Sum", 1, args, ranges)
    assert_close(gs(*args, ranges=ranges), V, "float64")

    # KernelSolve on a symmetric block mask: (alpha Id + K_masked) a = b
    rng = np.random.default_rng(1)
    x = rng.standard_normal((M, 2))
    b = rng.standard_normal((M, 1))
    lab = ncl.grid_cluster(x, 0.8)
    x, lab = ncl.sort_clusters(x, lab)
    r, c, _ = ncl.cluster_ranges_centroids(x, lab)
    keep = ((c[:, None, :] - c[None, :, :]) ** 2).sum(-1) < 2.0**2
    ranges = ncl.from_matrix(r, r, keep)
    Ks = KernelSolve("Exp(-SqDist(x,y))*a", ["x = Vi(2)", "y = Vj(2)", "a = Vj(1)"], "a", axis=1)
    alpha = 0.5
    got = Ks(x, x, b, alpha=alpha, eps=1e-10, ranges=ranges)
    mask = keep[lab[:, None], lab[None, :]]
    Kd = np.exp(-((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)) * mask
    want = np.linalg.solve(alpha * np.eye(M) + Kd, b)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------
# torch gradients with ranges, against dense masked torch (float64)


@pytest.mark.parametrize(
    "name,axis",
    [("Sum", 1), ("Sum", 0), ("LogSumExp", 1), ("LogSumExp", 0), ("SumSoftMaxWeight", 1), ("Min", 1), ("KMin", 0)],
)
def test_torch_gradients(name, axis):
    torch = pytest.importorskip("torch")
    from kred.torch import Genred as TGenred

    formula, aliases, reduction, K, formula2 = FORWARD[name]
    args = [torch.from_numpy(a).requires_grad_() for a in make_args(seed=4)]
    ranges = random_ranges(M, N, seed=21 + axis)
    out = TGenred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)(*args, ranges=ranges)
    lists = reduced_lists(ranges, axis, M if axis == 1 else N)
    ok = torch.tensor([len(l) > 0 for l in lists])
    e = torch.randn(out.shape, dtype=torch.float64)
    loss = (torch.where(ok.reshape((-1,) + (1,) * (out.dim() - 1)), out, 0.0) * e).sum()
    grads = torch.autograd.grad(loss, args, allow_unused=True)

    # dense: the same rows and pairs only
    x, y, b, p = (a.detach().clone().requires_grad_() for a in args)
    mask = torch.from_numpy(dense_mask(ranges, M, N))
    if axis == 0:
        mask = mask.t()
    xi, yj = (x[:, None, :], y[None, :, :]) if axis == 1 else (x[None, :, :], y[:, None, :])
    if name == "Sum":
        F = torch.exp(-p * ((xi - yj) ** 2).sum(-1, keepdim=True)) * (b[None, :, :] if axis == 1 else b[:, None, :])
        dense = (F * mask[..., None]).sum(1)
    elif name == "LogSumExp":
        S = p * (xi * yj).sum(-1) - ((xi - yj) ** 2).sum(-1)
        dense = torch.logsumexp(torch.where(mask, S, -torch.inf)[ok], dim=1)[:, None]
    elif name == "SumSoftMaxWeight":
        S = p * (xi * yj).sum(-1) - ((xi - yj) ** 2).sum(-1)
        w = torch.softmax(torch.where(mask, S, -torch.inf)[ok], dim=1)
        dense = w @ b
    else:  # Min / KMin of Square(x-y) + x*y, componentwise
        F = (xi - yj) ** 2 + xi * yj
        F = torch.where(mask[..., None], F, torch.inf)
        if name == "Min":
            dense = F.min(1).values
        else:
            dense = torch.sort(F, dim=1).values[:, :K, :].reshape(F.shape[0], K, 3)
    if name in ("Min", "KMin"):
        dense = torch.where(torch.isfinite(dense), dense, 0.0)
        e_dense = e
    else:
        e_dense = e[ok] if dense.shape[0] != e.shape[0] else e
        if dense.shape[0] == e.shape[0]:
            dense = torch.where(ok[:, None], dense, 0.0)
    want = torch.autograd.grad((dense * e_dense).sum(), [x, y, b, p], allow_unused=True)
    for a, g, w in zip(args, grads, want):
        g = torch.zeros_like(a) if g is None else g
        w = torch.zeros_like(a) if w is None else w
        assert_close(g, w, "float64", rtol=1e-7, atol=1e-8)


# ---------------------------------------------------------------------------
# pykeops with the same ranges (compiled once per machine, cached)

ORACLE = {
    "sum1": (*GAUSS, "Sum", 1, None, None),
    "lse0": (*SCORE, "LogSumExp", 0, None, None),
    "minargmin1": (*VEC, "Min_ArgMin", 1, None, None),
    "argkmin0": (*VEC, "ArgKMin", 0, 3, None),
    "ssmw1": (*SCORE, "SumSoftMaxWeight", 1, None, "b"),
}


def _oracle_inputs(name):
    return make_args(seed=len(name)), random_ranges(M, N, seed=len(name) + 100)


def _oracle_key(name):
    import importlib.metadata as md

    h = hashlib.sha256(repr(ORACLE[name]).encode())
    args, ranges = _oracle_inputs(name)
    for a in list(args) + list(ranges):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(md.version("pykeops").encode())
    return h.hexdigest()[:24]


def _oracle_compute(names):
    oracle._setup_pykeops()
    from pykeops.numpy import Genred as PGenred

    out = {}
    for name in names:
        formula, aliases, reduction, axis, K, formula2 = ORACLE[name]
        args, ranges = _oracle_inputs(name)
        g = PGenred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)
        out[name] = g(*args, backend="CPU", ranges=ranges)
    return out


@pytest.fixture(scope="module")
def pykeops_ranges():
    return oracle.cached_results("ranges-oracle", list(ORACLE), _oracle_key, _oracle_compute)


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(ORACLE))
def test_matches_pykeops(name, pykeops_ranges):
    formula, aliases, reduction, axis, K, formula2 = ORACLE[name]
    args, ranges = _oracle_inputs(name)
    got = Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=K, formula2=formula2)(*args, ranges=ranges)
    want = pykeops_ranges[name]
    lists = reduced_lists(ranges, axis, M if axis == 1 else N)
    # Rows with nothing to reduce differ on purpose: kred writes the empty reduction (index -1, LogSumExp
    # -inf), pykeops index 0 and LogSumExp NaN; test_forward_matches_dense checks kred's values.
    ok = np.array([len(l) > 0 for l in lists])
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            assert_close(g[ok], w[ok], "float64")
    elif reduction == "ArgKMin":
        # fewer than K indices to reduce: kred pads with -1, pykeops with 0 (docs/python.md)
        counts = np.array([len(l) for l in lists])
        pad = np.arange(K)[None, :] >= counts[:, None]
        assert (got[pad] == -1).all()
        np.testing.assert_array_equal(got[~pad], want[~pad])
    else:
        assert_close(got[ok], want[ok], "float64")
    if reduction == "Sum":
        np.testing.assert_array_equal(got[~ok], want[~ok])  # 0 in both


# ---------------------------------------------------------------------------
# Checks


def test_errors():
    args = make_args()
    g = Genred(*GAUSS, reduction_op="Sum", axis=1)
    good = random_ranges(M, N, seed=2)
    with pytest.raises(ValueError, match="6-tuple"):
        g(*args, ranges=good[:3])
    bad = list(good)
    bad[0] = good[0].astype(np.float32)
    with pytest.raises(TypeError, match="ranges_i must have an integer dtype"):
        g(*args, ranges=tuple(bad))
    bad = list(good)
    bad[2] = good[2].copy()
    bad[2][0, 1] = N + 1
    with pytest.raises(ValueError, match=r"redranges_j\[0\]"):
        g(*args, ranges=tuple(bad))
    bad = list(good)
    bad[1] = good[1][:-1]
    with pytest.raises(ValueError, match="slices_i must have shape"):
        g(*args, ranges=tuple(bad))
    bad = list(good)
    bad[0] = np.array([[0, 10], [5, 20]])
    bad[1] = np.array([0, 0])
    with pytest.raises(ValueError, match="overlapping blocks"):
        g(*args, ranges=tuple(bad))
    bad[0] = np.array([[0, 10], [10, 20]])
    bad[1] = np.array([1, 0])
    with pytest.raises(ValueError, match=r"slices_i\[1\] = 0"):
        g(*args, ranges=tuple(bad))
    with pytest.raises(ValueError, match="batch dimensions"):
        g(*[np.stack([a, a]) if a.ndim == 2 else a for a in args], ranges=good)


# ---------------------------------------------------------------------------
# Cluster helpers


def _pykeops_cluster(kind):
    oracle._setup_pykeops()
    import importlib

    return importlib.import_module(f"pykeops.{kind}.cluster")


def test_numpy_cluster_helpers_match_pykeops():
    pk = _pykeops_cluster("numpy")
    rng = np.random.default_rng(0)
    for D in (1, 2, 3):
        x = rng.random((301, D))
        lab, lab_p = ncl.grid_cluster(x, 0.17), pk.grid_cluster(x, 0.17)
        np.testing.assert_array_equal(lab, lab_p)
        assert lab.dtype == lab_p.dtype
        xs, ls = ncl.sort_clusters(x, lab)
        xp, lp = pk.sort_clusters(x, lab)
        np.testing.assert_array_equal(ls, lp)
        np.testing.assert_array_equal(xs, xp)
        (a, b), _ = ncl.sort_clusters((x, x[:, :1]), lab)
        np.testing.assert_array_equal(b, xs[:, :1])
        np.testing.assert_array_equal(ncl.cluster_ranges(ls), pk.cluster_ranges(lp))
        w = rng.random(301)
        for kw in ({}, {"weights": w}):
            got, want = ncl.cluster_ranges_centroids(x, lab, **kw), pk.cluster_ranges_centroids(x, lab, **kw)
            for g_, w_ in zip(got, want):
                np.testing.assert_allclose(g_, w_, rtol=1e-14)
                assert g_.dtype == w_.dtype and g_.shape == w_.shape
        np.testing.assert_allclose(ncl.cluster_centroids(x, lab), pk.cluster_centroids(x, lab), rtol=1e-14)
    ri = np.array([[2, 5], [7, 12]])
    rj = np.array([[1, 4], [4, 9], [20, 30]])
    keep = np.array([[True, True, False], [False, True, False]])
    for g_, w_ in zip(ncl.from_matrix(ri, rj, keep), pk.from_matrix(ri, rj, keep)):
        np.testing.assert_array_equal(g_, w_)
        assert g_.dtype == w_.dtype
    r = ncl.from_matrix(ri, rj, keep)
    assert ncl.swap_axes(r)[0] is r[3] and ncl.swap_axes(None) is None
    with pytest.raises(NotImplementedError):
        ncl.grid_cluster(rng.random((5, 4)), 0.1)


def test_torch_cluster_helpers_match_pykeops():
    torch = pytest.importorskip("torch")
    from kred.torch import cluster as tcl

    pk = _pykeops_cluster("torch")
    g = torch.Generator().manual_seed(0)
    for D in (1, 2, 3):
        x = torch.rand(301, D, generator=g, dtype=torch.float64)
        lab, lab_p = tcl.grid_cluster(x, 0.17), pk.grid_cluster(x, 0.17)
        assert torch.equal(lab, lab_p) and lab.dtype == lab_p.dtype
        xs, ls = tcl.sort_clusters(x, lab)
        xp, lp = pk.sort_clusters(x, lab)
        assert torch.equal(ls, lp) and torch.equal(xs, xp)
        assert torch.equal(tcl.cluster_ranges(ls), pk.cluster_ranges(lp))
        w = torch.rand(301, generator=g, dtype=torch.float64)
        w[:3] = 0.0
        for kw in ({}, {"weights": w}):
            got, want = tcl.cluster_ranges_centroids(x, lab, **kw), pk.cluster_ranges_centroids(x, lab, **kw)
            for g_, w_ in zip(got, want):
                torch.testing.assert_close(g_, w_, rtol=1e-14, atol=0)
        torch.testing.assert_close(tcl.cluster_centroids(x, lab), pk.cluster_centroids(x, lab), rtol=1e-14, atol=0)
    ri = torch.IntTensor([[2, 5], [7, 12]])
    rj = torch.IntTensor([[1, 4], [4, 9], [20, 30]])
    keep = torch.tensor([[True, True, False], [False, True, False]])
    for g_, w_ in zip(tcl.from_matrix(ri, rj, keep), pk.from_matrix(ri, rj, keep)):
        assert torch.equal(g_, w_) and g_.dtype == w_.dtype


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_block_sparse_gaussian_convolution(framework):
    """KeOps' block-sparse tutorial: cluster, sort, keep the close blocks, reduce; vs dense on the kept blocks."""
    rng = np.random.default_rng(2)
    Mx, Ny = 700, 500
    t = np.linspace(0, 2 * np.pi, Mx + 1)[:-1]
    x = np.stack((0.4 + 0.4 * np.cos(t), 0.5 + 0.3 * np.sin(t)), 1) + 0.01 * rng.standard_normal((Mx, 2))
    y = rng.standard_normal((Ny, 2)) / 10 + 0.6
    b = rng.standard_normal((Ny, 1))
    eps, sigma = 0.05, 0.05
    if framework == "torch":
        torch = pytest.importorskip("torch")
        from kred.torch import LazyTensor as L
        from kred.torch import cluster as cl

        x, y, b = (torch.from_numpy(a) for a in (x, y, b))
    else:
        L, cl = LazyTensor, ncl
    lx, ly = cl.grid_cluster(x, eps), cl.grid_cluster(y, eps)
    rx, cx, _ = cl.cluster_ranges_centroids(x, lx)
    ry, cy, _ = cl.cluster_ranges_centroids(y, ly)
    x, lx = cl.sort_clusters(x, lx)
    y, ly = cl.sort_clusters((y, b), ly)
    y, b = y
    keep = ((cx[:, None, :] - cy[None, :, :]) ** 2).sum(2) < (4 * sigma) ** 2
    ranges = cl.from_matrix(rx, ry, keep)
    x_i, y_j = L(x[:, None, :] / sigma), L(y[None, :, :] / sigma)
    K = (-((x_i - y_j) ** 2).sum(2) / 2).exp()
    full = to_numpy(K @ b)
    K.ranges = ranges
    sparse = to_numpy(K @ b)
    xn, yn, bn = to_numpy(x), to_numpy(y), to_numpy(b)
    mask = to_numpy(keep)[to_numpy(lx).astype(np.int64)[:, None], to_numpy(ly).astype(np.int64)[None, :]]
    Kd = np.exp(-((xn[:, None, :] - yn[None, :, :]) ** 2).sum(-1) / (2 * sigma**2))
    np.testing.assert_allclose(sparse, (Kd * mask) @ bn, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(full, Kd @ bn, rtol=1e-9, atol=1e-9)
    assert 0 < mask.mean() < 0.5  # really sparse
    assert np.abs(sparse - full).sum() / np.abs(full).sum() < 2e-3  # as the tutorial: close to dense
