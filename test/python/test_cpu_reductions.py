"""Every reduction on the CPU through kred._C, against a float64 numpy reference.

Each reduction kind x axis x dtype (float32, float64) x formula dimension
{1, 3, 17, 64} (K in {1, 5, 10} for the KMin family) runs on random inputs
(never zeros) of sizes 1, primes and non-multiples of the tiles, with the
outputs poisoned before each launch. Then the log-sum-exp stability cases
(+-1e30, -inf terms, all-equal rows) and split vs. no split.

Drives kred._C directly (compile + Kernel.launch), not the Python API.
"""

import numpy as np
import pytest

from kred import _C

# KeOps' reduction_op names, from the compiler's own table.
REDUCTIONS = _C.compiler.reduction_names()
EXP_FAMILY = {"LogSumExp", "LogSumExpWeight", "Max_SumShiftExp", "Max_SumShiftExpWeight", "SumSoftMaxWeight"}
WEIGHTED = {"LogSumExpWeight", "Max_SumShiftExpWeight", "SumSoftMaxWeight"}
K_FAMILY = {"KMin", "ArgKMin", "KMin_ArgKMin"}
DIMS = [1, 3, 17, 64]
# (M, N): 1, primes, non-multiples of the SIMD width / tiles, M << N (split).
SIZES = [(1, 1), (1, 1031), (7, 13), (97, 101), (257, 3), (513, 509)]
RTOL = {"float32": 2e-6, "float64": 1e-12}


def _cases():
    for red in REDUCTIONS:
        for axis in (1, 0):
            for dtype in ("float32", "float64"):
                for dim in DIMS:
                    if red in K_FAMILY:
                        ks = (1, 5, 10) if dim <= 3 else (5,)
                        for k in ks:
                            yield red, axis, dtype, dim, k
                    else:
                        yield red, axis, dtype, dim, None


def _spec(red, dim):
    """(formula, aliases, formula2) of the test kernel of `red`."""
    if red in EXP_FAMILY:
        # A scalar formula of D-dimensional inputs; weights of dimension D.
        formula = "(x|y) * p - SqNorm2(y)"
        aliases = ["x = Vi(%d)" % dim, "y = Vj(%d)" % dim, "b = Vj(%d)" % dim, "p = Pm(1)"]
        formula2 = "b" if red in WEIGHTED else ""
        return formula, aliases, formula2
    formula = "(x - y) * b + p"
    aliases = ["x = Vi(%d)" % dim, "y = Vj(%d)" % dim, "b = Vj(1)", "p = Pm(1)"]
    return formula, aliases, ""


def _inputs(red, dim, M, N, dtype, seed):
    """x: Vi(dim), y: Vj(dim), b: Vj(dim) (weights) or Vj(1), p: Pm(1)."""
    rng = np.random.default_rng(seed)

    def pos(*shape):  # never zero
        return rng.uniform(0.5, 1.5, shape)

    x = pos(M, dim)
    y = pos(N, dim) * rng.choice([-1.0, 1.0], (N, dim))
    b = pos(N, dim if red in EXP_FAMILY else 1)
    p = np.array([0.75])
    return [np.ascontiguousarray(a, dtype=dtype) for a in (x, y, b, p)]


def _terms(red, dim, args, axis):
    """F (rows, reduced, D), G (or None) and A in float64, from the rounded inputs.

    A bounds the magnitudes F's evaluation goes through (its rounding errors
    are a few ulps of A, however small F is after cancellation).
    """
    x, y, b, p = (a.astype(np.float64) for a in args)
    if red in EXP_FAMILY:
        F = (x @ y.T) * p[0] - (y * y).sum(1)[None, :]
        A = (np.abs(x) @ np.abs(y).T) * abs(p[0]) + (y * y).sum(1)[None, :]
        F, A = F[..., None], A[..., None]
        G = np.broadcast_to(b[None, :, :], (x.shape[0], y.shape[0], dim)) if red in WEIGHTED else None
    else:
        F = (x[:, None, :] - y[None, :, :]) * b[None, :, :] + p[0]
        A = (np.abs(x)[:, None, :] + np.abs(y)[None, :, :]) * np.abs(b)[None, :, :] + abs(p[0])
        G = None
    if axis == 0:
        F, A = F.transpose(1, 0, 2), A.transpose(1, 0, 2)
        G = None if G is None else G.transpose(1, 0, 2)
    return F, G, A


def _reference(red, F, G, K):
    """(values, indices) per output row, float64 / int64, flattened per row."""
    rows, n, D = F.shape
    if red == "Sum":
        return F.sum(1), None
    if red in EXP_FAMILY:
        f = F[..., 0]
        m = f.max(1)
        e = np.exp(f - m[:, None])
        if red == "LogSumExp":
            return (m + np.log(e.sum(1)))[:, None], None
        if red == "Max_SumShiftExp":
            return np.stack([m, e.sum(1)], 1), None
        s = (e[..., None] * G).sum(1)
        if red == "LogSumExpWeight":
            return m[:, None] + np.log(s), None
        if red == "Max_SumShiftExpWeight":
            return np.concatenate([m[:, None], s], 1), None
        return s / e.sum(1)[:, None], None  # SumSoftMaxWeight
    largest = red in ("Max", "ArgMax", "Max_ArgMax")
    k = 1 if red not in K_FAMILY else K
    order = np.argsort(-F if largest else F, axis=1, kind="stable")[:, :k, :]
    vals = np.take_along_axis(F, order, 1)
    if order.shape[1] < k:  # fewer terms than K: +inf / -1
        pad = k - order.shape[1]
        vals = np.concatenate([vals, np.full((rows, pad, D), np.inf)], 1)
        order = np.concatenate([order, np.full((rows, pad, D), -1)], 1)
    vals, order = vals.reshape(rows, k * D), order.reshape(rows, k * D)
    if red in ("Min", "Max", "KMin"):
        return vals, None
    if red in ("ArgMin", "ArgMax", "ArgKMin"):
        return None, order
    return vals, order


def _compile(red, axis, dtype, dim, K):
    formula, aliases, formula2 = _spec(red, dim)
    return _C.compile(formula, aliases, red, axis, dtype, K, formula2, "auto", "auto")


def _launch(kernel, args, M, N, rows, **kw):
    info = kernel.info
    vd, idd = info["out_value_dim"], info["out_index_dim"]
    dtype = args[0].dtype
    out = np.full((rows, max(vd, 1)), np.nan, dtype=dtype)  # poisoned
    idx = np.full((rows, max(idd, 1)), -7, dtype=np.int64)
    kernel.launch([a.ctypes.data for a in args], M, N, out.ctypes.data if vd else None,
                  idx.ctypes.data if idd else None, **kw)
    return (out if vd else None), (idx if idd else None)


def _check(red, dtype, F, A, ref, got, K, where):
    rtol = 8 * RTOL[dtype]
    rv, ri = ref
    gv, gi = got
    rows, n, D = F.shape
    amax = A.max(1)  # (rows, D): error scale of one term
    if rv is not None:
        assert gv is not None and gv.shape == rv.shape, where
        assert not np.isnan(gv).any(), f"{where}: NaN in the output (poison left?)"
        if red == "Sum":
            err = np.abs(gv - rv) / A.sum(1)  # the sum's condition
            assert err.max() <= rtol, f"{where}: sum error {err.max():.3g}"
        else:
            if red in EXP_FAMILY:  # every output moves with max |dF| (softmax weights)
                scale = amax[:, :1] * np.maximum(np.abs(rv), 1.0)
            else:  # K values per component
                scale = np.tile(amax, (1, rv.shape[1] // D))
            finite = np.isfinite(rv)
            assert np.array_equal(np.isfinite(gv), finite), f"{where}: inf pattern differs"
            err = np.abs(gv[finite] - rv[finite]) / scale[finite]
            assert err.size == 0 or err.max() <= rtol, f"{where}: error {err.max():.3g} (scaled)"
            assert (gv[~finite] == rv[~finite]).all(), where
    if ri is not None:
        assert gi is not None and gi.shape == ri.shape, where
        k = ri.shape[1] // D
        assert np.array_equal(gi < 0, ri < 0), f"{where}: missing indices"
        assert ((gi >= -1) & (gi < n)).all(), f"{where}: index out of range"
        if dtype == "float64":
            assert np.array_equal(gi, ri), f"{where}: indices differ"
        else:
            # float32 formula values may reorder near-ties: the selected terms
            # must have the reference's values.
            slots = np.arange(k * D) % D
            rr = np.arange(rows)[:, None]
            picked = F[rr, np.maximum(gi, 0), slots[None, :]]
            wanted = F[rr, np.maximum(ri, 0), slots[None, :]]
            scale = np.tile(amax, (1, k))
            err = (np.abs(picked - wanted) / scale)[ri >= 0]
            assert err.size == 0 or err.max() <= rtol, f"{where}: wrong terms selected"
        if k > 1:  # distinct indices per (row, component)
            g = gi.reshape(rows, k, D)
            for c in range(D):
                sel = np.sort(g[:, :, c], 1)
                dup = (sel[:, 1:] == sel[:, :-1]) & (sel[:, 1:] >= 0)
                assert not dup.any(), f"{where}: repeated index"


@pytest.mark.parametrize("red,axis,dtype,dim,K", list(_cases()))
def test_reduction(red, axis, dtype, dim, K):
    kernel = _compile(red, axis, dtype, dim, K)
    info = kernel.info
    assert info["axis"] == axis and info["dtype"] == dtype and info["num_args"] == 4
    for seed, (M, N) in enumerate(SIZES):
        args = _inputs(red, dim, M, N, dtype, seed)
        rows = M if axis == 1 else N
        F, G, A = _terms(red, dim, args, axis)
        ref = _reference(red, F, G, K)
        where = f"{red} axis={axis} {dtype} D={dim} K={K} M={M} N={N}"
        _check(red, dtype, F, A, ref, _launch(kernel, args, M, N, rows), K, where)
        if rows <= 7:  # few rows: the split-N path, forced, with threads
            _check(red, dtype, F, A, ref, _launch(kernel, args, M, N, rows, num_threads=3, split=1), K,
                   where + " split")


# --------------------------------------------------------------------------
# Log-sum-exp stability


def _lse_kernel(red, dtype, formula2=""):
    aliases = ["x = Vi(1)", "y = Vj(1)"] + (["b = Vj(1)"] if formula2 else [])
    return _C.compile("x * y", aliases, red, 1, dtype, None, formula2, "auto", "auto")


def _run_lse(kernel, x, y, b=None):
    args = [np.ascontiguousarray(x[:, None]), np.ascontiguousarray(y[:, None])]
    if b is not None:
        args.append(np.ascontiguousarray(b[:, None]))
    M, N = len(x), len(y)
    vd = kernel.info["out_value_dim"]
    outs = []
    for split in (0, 1):
        out = np.full((M, vd), np.nan, dtype=x.dtype)
        kernel.launch([a.ctypes.data for a in args], M, N, out.ctypes.data, None, 2, split)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=RTOL[x.dtype.name] * 8)
    return outs[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lse_huge_values(dtype):
    """+-1e30 terms: the running maximum keeps everything finite."""
    k = _lse_kernel("LogSumExp", dtype)
    x = np.array([1e30, -1e30, 1.0], dtype=dtype)
    y = np.array([1.0, -1.0, 1.0, 0.5] * 250, dtype=dtype)
    got = _run_lse(k, x, y)[:, 0]
    xy = x.astype(np.float64)[:, None] * y.astype(np.float64)[None, :]
    m = xy.max(1)
    want = m + np.log(np.exp(xy - m[:, None]).sum(1))
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lse_minus_infinity_terms(dtype):
    """-inf terms add nothing; a row of -inf only gives -inf (no NaN)."""
    k = _lse_kernel("LogSumExp", dtype)
    x = np.array([1.0, 2.0, 0.5], dtype=dtype)
    y = np.array([-np.inf, 1.0, -np.inf, 2.0, 3.0], dtype=dtype)
    got = _run_lse(k, x, y)[:, 0]
    f = x.astype(np.float64)[:, None] * y[[1, 3, 4]].astype(np.float64)[None, :]
    want = np.log(np.exp(f).sum(1))
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 4)
    only = _run_lse(k, x, np.full(7, -np.inf, dtype=dtype))[:, 0]
    assert np.all(only == -np.inf)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lse_all_equal_rows(dtype):
    """Equal terms: LSE = F + log(N) exactly up to rounding."""
    k = _lse_kernel("LogSumExp", dtype)
    x = np.array([1.0, -3.0, 1e30, -1e30, 80.0], dtype=dtype)
    N = 1001
    y = np.ones(N, dtype=dtype)
    got = _run_lse(k, x, y)[:, 0]
    want = x.astype(np.float64) + np.log(N)
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_weight_huge_values(dtype):
    """SumSoftMaxWeight with one dominant term picks its weight."""
    k = _lse_kernel("SumSoftMaxWeight", dtype, formula2="b")
    x = np.array([1e30, 1.0], dtype=dtype)
    y = np.array([0.5, 1.0, -1.0], dtype=dtype)
    b = np.array([3.0, 5.0, 7.0], dtype=dtype)
    got = _run_lse(k, x, y, b)[:, 0]
    f = x.astype(np.float64)[:, None] * y.astype(np.float64)[None, :]
    e = np.exp(f - f.max(1)[:, None])
    want = (e * b.astype(np.float64)).sum(1) / e.sum(1)
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 4)
    assert got[0] == pytest.approx(5.0)


@pytest.mark.parametrize("red", ["Sum", "LogSumExp"])
def test_float32_precision(red):
    """f32 sums of positive terms and LSE within 1e-6 relative of float64."""
    rng = np.random.default_rng(5)
    M, N, D = 200, 20011, 3
    x = rng.uniform(0.5, 1.5, (M, D)).astype(np.float32)
    y = rng.uniform(0.5, 1.5, (N, D)).astype(np.float32)
    b = rng.uniform(0.5, 1.5, (N, 1)).astype(np.float32)
    aliases = ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"]
    formula = "Exp(-SqDist(x, y)) * b" if red == "Sum" else "b - SqDist(x, y)"
    k = _C.compile(formula, aliases, red, 1, "float32", None, "", "auto", "auto")
    out = np.full((M, 1), np.nan, dtype=np.float32)
    k.launch([x.ctypes.data, y.ctypes.data, b.ctypes.data], M, N, out.ctypes.data, None)
    d2 = ((x.astype(np.float64)[:, None, :] - y.astype(np.float64)[None, :, :]) ** 2).sum(2)
    if red == "Sum":
        want = (np.exp(-d2) * b.astype(np.float64)[:, 0]).sum(1)
    else:
        f = b.astype(np.float64)[:, 0][None, :] - d2
        m = f.max(1)
        want = m + np.log(np.exp(f - m[:, None]).sum(1))
    err = np.abs(out[:, 0] - want) / np.abs(want)
    assert err.max() <= 1e-6, f"max relative error {err.max():.3g}"


def test_ties_lowest_index_wins():
    """Equal values: ArgMin/ArgKMin keep the lowest indices, split or not."""
    x = np.zeros((3, 1), dtype=np.float32) + 1.0
    y = np.array([2.0, 1.0, 3.0, 1.0, 1.0, 2.0] * 400, dtype=np.float32)[:, None]
    N = len(y)
    for red, K, want in [("ArgMin", None, [1]), ("ArgKMin", 4, [1, 3, 4, 7])]:
        k = _C.compile("Abs(x - y)", ["x = Vi(1)", "y = Vj(1)"], red, 1, "float32", K, "", "auto", "auto")
        for split in (0, 1):
            idx = np.full((3, len(want)), -7, dtype=np.int64)
            k.launch([x.ctypes.data, y.ctypes.data], 3, N, None, idx.ctypes.data, 2, split)
            assert (idx == np.array(want)[None, :]).all(), (red, split, idx)


def test_reduction_names():
    """The names every case above runs: KeOps' 15, the pykeops spellings only on request."""
    assert len(REDUCTIONS) == len(set(REDUCTIONS)) == 15
    for name in ("Sum", "LogSumExpWeight", "Max_SumShiftExpWeight", "Min_ArgMin", "KMin_ArgKMin"):
        assert name in REDUCTIONS
    assert "SoftMax" not in REDUCTIONS
    spellings = _C.compiler.reduction_names(spellings=True)
    assert set(REDUCTIONS) < set(spellings)
    assert {"SoftMax", "MinArgMin", "MaxSumShiftExp"} <= set(spellings)


def test_kernel_reports_keops_reduction_name():
    """describe() names the reduction by its KeOps name, whatever spelling compiled it."""
    k = _C.compile("x - y", ["x = Vi(1)", "y = Vj(1)"], "MinArgMin", 1, "float32", None, "", "auto", "auto")
    assert "Min_ArgMin" in repr(k)
    assert k.info["reduction"] == "MinArgMin"
    assert k.info["reduction_kind"] == "Min_ArgMin"
