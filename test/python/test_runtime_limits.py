"""The runtime at its limits, through Python.

- M * N beyond 2^32 (M = N = 70,000, D = 1, float32): Min_ArgMin and Sum over
  j, ArgMin over i, and a block-sparse Sum, checked on every row against exact
  float64 references (sorted prefix sums and nearest neighbours of the 1D
  data), and on a sample of rows (including the last ones, where i * N + j is
  above 2^32) against a dense numpy computation done in chunks of rows;
- sized launches: a short argument, output, index output or ranges array
  given to kred._C (Kernel.launch, Kernel.launch_ranges, the CPU backend) is
  a RuntimeError naming it, with the expected and given element counts, and
  nothing is written;
- empty reductions: every reduction gives the same identities from Genred
  with N = 0 (or M = 0 for axis=0) and from Genred with ranges= whose blocks
  have nothing to reduce (the runtime's kred_cpu_launch_ranges).
"""

import math

import numpy as np
import pytest

from kred import _C
from kred.common import backends
from kred.numpy import Genred

# ---------------------------------------------------------------------------
# M * N beyond 2^32

BIG = 70_000
LARGE_PAIRS = BIG * BIG  # 4.9e9 > 2^32


@pytest.fixture(scope="module")
def big_data():
    """x_i = integer + 0.25 and y_j integers (with many duplicates) below 2^16: |x_i - y_j| and its
    float32 sums are exact enough, no two y_j are at the same distance from an x_i unless equal, and
    ties between equal y_j must resolve to the lowest j."""
    assert LARGE_PAIRS > 2**32
    rng = np.random.default_rng(2024)
    x = (rng.integers(0, 50_000, size=(BIG, 1)) + 0.25).astype(np.float32)
    y = rng.integers(0, 50_000, size=(BIG, 1)).astype(np.float32)
    # Make the nearest y of the last x rows a y_j with a large j (and a duplicate before it is not
    # allowed: the value 60,000 appears only at j = BIG - 1).
    y[-1, 0] = 60_000.0
    x[-3:, 0] = [60_000.25, 59_998.25, 60_003.25]
    return x, y


def nearest(points, queries):
    """For each query, the lowest index of the point nearest to it, and the distance (exact for this
    data: no query is halfway between two distinct points)."""
    p = points.astype(np.float64)
    q = queries.astype(np.float64)
    order = np.argsort(p, kind="stable")  # equal values keep their index order
    ps = p[order]
    pos = np.searchsorted(ps, q)
    left = np.clip(pos - 1, 0, len(ps) - 1)
    right = np.clip(pos, 0, len(ps) - 1)
    dl, dr = np.abs(q - ps[left]), np.abs(q - ps[right])
    assert not np.any((dl == dr) & (ps[left] != ps[right]))
    best = np.where(dl < dr, ps[left], ps[right])
    first = np.searchsorted(ps, best, side="left")  # first of the equal values = lowest index
    return order[first], np.minimum(dl, dr)


def abs_sums(points, queries):
    """sum_j |q - p_j| for each query, exact in float64 (prefix sums of sorted values)."""
    ps = np.sort(points.astype(np.float64))
    q = queries.astype(np.float64)
    prefix = np.concatenate(([0.0], np.cumsum(ps)))
    k = np.searchsorted(ps, q)
    return q * k - prefix[k] + (prefix[-1] - prefix[k]) - q * (len(ps) - k)


def dense_rows(x, y, rows, chunk=200):
    """Brute force over every pair of the given rows of x, in chunks of rows (float64):
    (min value, lowest argmin, sum) of |x_i - y_j| over j."""
    yd = y[:, 0].astype(np.float64)
    mins, args, sums = [], [], []
    for c in range(0, len(rows), chunk):
        r = rows[c : c + chunk]
        d = np.abs(x[r, 0].astype(np.float64)[:, None] - yd[None, :])
        mins.append(d.min(1))
        args.append(d.argmin(1))  # the first minimum: the lowest j
        sums.append(d.sum(1))
    return np.concatenate(mins), np.concatenate(args), np.concatenate(sums)


@pytest.fixture(scope="module")
def sample_rows():
    rng = np.random.default_rng(7)
    # Rows whose pairs (i, j) have i * N + j above 2^32 start at 61,356.
    tail = np.arange(BIG - 600, BIG)
    assert tail[0] * BIG > 2**32
    return np.unique(np.concatenate(([0, 1, 4097], rng.integers(0, BIG, size=900), tail)))


def test_min_argmin_beyond_2_32_pairs(big_data, sample_rows):
    x, y = big_data
    g = Genred("Abs(x-y)", ["x=Vi(1)", "y=Vj(1)"], reduction_op="Min_ArgMin", axis=1)
    values, indices = g(x, y)
    assert values.shape == (BIG, 1) and indices.shape == (BIG, 1)
    want_idx, want_val = nearest(y[:, 0], x[:, 0])
    np.testing.assert_array_equal(indices[:, 0], want_idx)
    np.testing.assert_array_equal(values[:, 0].astype(np.float64), want_val)
    assert indices[-3, 0] == BIG - 1 and indices[-1, 0] == BIG - 1
    # The dense reference on a sample of rows, the last 600 among them.
    dmin, darg, _ = dense_rows(x, y, sample_rows)
    np.testing.assert_array_equal(indices[sample_rows, 0], darg)
    np.testing.assert_array_equal(values[sample_rows, 0].astype(np.float64), dmin)


def test_sum_beyond_2_32_pairs(big_data, sample_rows):
    x, y = big_data
    g = Genred("Abs(x-y)", ["x=Vi(1)", "y=Vj(1)"], reduction_op="Sum", axis=1)
    got = g(x, y)[:, 0].astype(np.float64)
    want = abs_sums(y[:, 0], x[:, 0])
    # float32 accumulation of 70,000 terms (block sums): 3.4e-6 relative at most here; a wrong index
    # or a lost block of terms would be off by far more.
    err = np.abs(got - want) / want
    assert err.max() < 5e-5, f"max relative error {err.max():.3g} at row {err.argmax()}"
    _, _, dsum = dense_rows(x, y, sample_rows)
    np.testing.assert_allclose(got[sample_rows], dsum, rtol=1e-5)


def test_argmin_over_i_beyond_2_32_pairs(big_data):
    x, y = big_data
    g = Genred("Abs(x-y)", ["x=Vi(1)", "y=Vj(1)"], reduction_op="ArgMin", axis=0)
    got = g(x, y)
    assert got.shape == (BIG, 1)
    # For each y_j, the lowest i of the nearest x_i.
    xs = x[:, 0].astype(np.float64)
    order = np.argsort(xs, kind="stable")
    sx = xs[order]
    q = y[:, 0].astype(np.float64)
    pos = np.searchsorted(sx, q)
    left, right = np.clip(pos - 1, 0, BIG - 1), np.clip(pos, 0, BIG - 1)
    dl, dr = np.abs(q - sx[left]), np.abs(q - sx[right])
    # x = k + 0.25: y is never halfway between two distinct x values (k + 0.25 and k' + 0.25 have
    # midpoints at multiples of 0.5 plus 0.25), so ties are only between equal x values.
    assert not np.any((dl == dr) & (sx[left] != sx[right]))
    best = np.where(dl < dr, sx[left], sx[right])
    want = order[np.searchsorted(sx, best, side="left")]
    np.testing.assert_array_equal(got[:, 0], want)
    # Dense check of the last columns (j near N) in chunks of j.
    cols = np.arange(BIG - 400, BIG)
    for c in range(0, len(cols), 200):
        j = cols[c : c + 200]
        d = np.abs(xs[:, None] - q[None, j])
        np.testing.assert_array_equal(got[j, 0], d.argmin(0))


def test_block_sparse_sum_beyond_2_32_pairs(big_data):
    """kred_cpu_launch_ranges on 70,000 x 70,000 pairs: two row blocks, the second one reduced over two
    intervals (folded with NAME_merge); the rows in between (in no block) get 0."""
    x, y = big_data
    h = BIG // 2
    ranges_i = np.array([[0, h - 10], [h, BIG]], dtype=np.int64)
    slices_i = np.array([1, 3], dtype=np.int64)
    redranges_j = np.array([[0, BIG], [h, BIG], [0, h]], dtype=np.int64)
    ranges_j = np.array([[0, BIG]], dtype=np.int64)
    slices_j = np.array([1], dtype=np.int64)
    redranges_i = np.array([[0, BIG]], dtype=np.int64)
    g = Genred("Abs(x-y)", ["x=Vi(1)", "y=Vj(1)"], reduction_op="Sum", axis=1)
    got = g(x, y, ranges=(ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i))[:, 0]
    want = abs_sums(y[:, 0], x[:, 0])
    in_block = np.ones(BIG, bool)
    in_block[h - 10 : h] = False
    np.testing.assert_allclose(got[in_block].astype(np.float64), want[in_block], rtol=1e-5)
    assert np.all(got[~in_block] == 0)


# ---------------------------------------------------------------------------
# Sized launches through the extension


@pytest.fixture(scope="module")
def argmin_kernel():
    return _C.compile("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)", "p=Pm(2)"], "Min_ArgMin", 1, "float32")


def small_args(M=10, N=20):
    rng = np.random.default_rng(3)
    x = rng.random((M, 3), dtype=np.float32)
    y = rng.random((N, 3), dtype=np.float32)
    p = np.zeros(2, np.float32)  # unused by the formula, but declared
    return x, y, p


def test_launch_sizes_accepted(argmin_kernel):
    x, y, p = small_args()
    out = np.zeros((10, 1), np.float32)
    idx = np.full((10, 1), -7, np.int64)
    ptrs = [x.ctypes.data, y.ctypes.data, p.ctypes.data]
    argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, arg_sizes=[x.size, y.size, p.size],
                         out_size=out.size, out_idx_size=np.int64(idx.size))
    d = ((x[:, None, :].astype(np.float64) - y[None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(idx[:, 0], d.argmin(1))
    # More than needed is fine (a view into a larger buffer).
    argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, arg_sizes=[x.size + 5, y.size, 100],
                         out_size=out.size + 1, out_idx_size=idx.size + 3)


@pytest.mark.parametrize(
    "which, message",
    [
        (0, "argument 0 (Vi, dim 3) is too short: 30 elements expected (M = 10 rows of 3), 29 given"),
        (1, "argument 1 (Vj, dim 3) is too short: 60 elements expected (N = 20 rows of 3), 59 given"),
        (2, "argument 2 (Pm, dim 2) is too short: 2 elements expected, 1 given"),
        ("out", "the output array is too short: 10 elements expected (M = 10 rows of 1), 9 given"),
        ("idx", "the index output array is too short: 10 elements expected (M = 10 rows of 1), 9 given"),
    ],
)
def test_launch_rejects_short_buffer(argmin_kernel, which, message):
    x, y, p = small_args()
    out = np.full((10, 1), 5.0, np.float32)
    idx = np.full((10, 1), -7, np.int64)
    sizes = [x.size, y.size, p.size]
    out_size, idx_size = out.size, idx.size
    if which == "out":
        out_size -= 1
    elif which == "idx":
        idx_size -= 1
    else:
        sizes[which] -= 1
    ptrs = [x.ctypes.data, y.ctypes.data, p.ctypes.data]
    with pytest.raises(RuntimeError) as e:
        argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, 2, 1, arg_sizes=sizes,
                             out_size=out_size, out_idx_size=idx_size)
    assert message in str(e.value)
    assert "kernel 'kernel'" in str(e.value)
    assert np.all(out == 5.0) and np.all(idx == -7)
    # The same through the CPU backend's launch(sizes=...).
    with pytest.raises(RuntimeError, match="too short"):
        backends.CPUBackend().launch(argmin_kernel, ptrs, 10, 20, out.ctypes.data, idx.ctypes.data,
                                     sizes=(sizes, out_size, idx_size))
    assert np.all(out == 5.0) and np.all(idx == -7)


def test_launch_size_arguments_checked(argmin_kernel):
    x, y, p = small_args()
    out = np.zeros((10, 1), np.float32)
    idx = np.zeros((10, 1), np.int64)
    ptrs = [x.ctypes.data, y.ctypes.data, p.ctypes.data]
    with pytest.raises(ValueError, match="takes 3 arguments, got 2 arg_sizes"):
        argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, arg_sizes=[30, 60])
    with pytest.raises(TypeError, match=r"arg_sizes\[1\] must be an int element count"):
        argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, arg_sizes=[30, 60.0, 2])
    with pytest.raises(TypeError, match="out_size must be an int element count"):
        argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, out_size=True)
    with pytest.raises(RuntimeError, match="negative element count -1"):
        argmin_kernel.launch(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, arg_sizes=[-1, 60, 2])


@pytest.mark.parametrize(
    "which, message",
    [
        ("blocks", "the block ranges (ranges_i) are too short: 4 int64 elements expected (2 blocks of 2), 3 given"),
        ("slices", "the slices (slices_i) are too short: 2 int64 elements expected (2 blocks of 1), 1 given"),
        ("red", "the reduction ranges (redranges_j) are too short: 4 int64 elements expected (2 ranges of 2), "
         "3 given"),
        ("out", "the output array is too short"),
    ],
)
def test_launch_ranges_rejects_short_arrays(argmin_kernel, which, message):
    x, y, p = small_args()
    out = np.full((10, 1), 5.0, np.float32)
    idx = np.full((10, 1), -7, np.int64)
    blocks = np.array([[0, 5], [5, 10]], np.int64)
    slices = np.array([1, 2], np.int64)
    red = np.array([[0, 10], [10, 20]], np.int64)
    sizes = {"blocks_size": blocks.size, "slices_size": slices.size, "redranges_size": red.size,
             "out_size": out.size}
    key = {"blocks": "blocks_size", "slices": "slices_size", "red": "redranges_size", "out": "out_size"}[which]
    sizes[key] -= 1
    ptrs = [x.ctypes.data, y.ctypes.data, p.ctypes.data]
    with pytest.raises(RuntimeError) as e:
        argmin_kernel.launch_ranges(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, blocks.ctypes.data, 2,
                                    slices.ctypes.data, red.ctypes.data, 2, 0, **sizes)
    assert message in str(e.value)
    assert np.all(out == 5.0) and np.all(idx == -7)
    sizes[key] += 1
    argmin_kernel.launch_ranges(ptrs, 10, 20, out.ctypes.data, idx.ctypes.data, blocks.ctypes.data, 2,
                                slices.ctypes.data, red.ctypes.data, 2, 0, **sizes)
    d = ((x[:, None, :].astype(np.float64) - y[None, :, :]) ** 2).sum(-1)
    np.testing.assert_array_equal(idx[:5, 0], d[:5, :10].argmin(1))
    np.testing.assert_array_equal(idx[5:, 0], 10 + d[5:, 10:].argmin(1))


# ---------------------------------------------------------------------------
# Empty reductions: the same identities from every entry point

INF = math.inf
NAN = math.nan

# reduction -> (formula, aliases, opt_arg, formula2, expected values per row (None: no values), index)
EMPTY_CASES = {
    "Sum": ("x*y", None, None, [0.0], None),
    "LogSumExp": ("x*y", None, None, [-INF], None),
    "LogSumExpWeight": ("x*y", None, "b", [-INF, -INF], None),
    "SumSoftMaxWeight": ("x*y", None, "b", [NAN, NAN], None),
    "Max_SumShiftExp": ("x*y", None, None, [-INF, 0.0], None),
    "Min": ("x*y", None, None, [INF], None),
    "Max": ("x*y", None, None, [-INF], None),
    "ArgMin": ("x*y", None, None, None, -1),
    "ArgMax": ("x*y", None, None, None, -1),
    "Min_ArgMin": ("x*y", None, None, [INF], -1),
    "Max_ArgMax": ("x*y", None, None, [-INF], -1),
    "KMin": ("x*y", 2, None, [INF, INF], None),
    "ArgKMin": ("x*y", 2, None, None, -1),
    "KMin_ArgKMin": ("x*y", 2, None, [INF, INF], -1),
}


def split_output(reduction, out):
    """(values as float64 2D array or None, indices as 2D array or None) of a Genred result."""
    vals_expected, idx_expected = EMPTY_CASES[reduction][3], EMPTY_CASES[reduction][4]
    if vals_expected is not None and idx_expected is not None:
        v, i = out
        return np.asarray(v, np.float64).reshape(len(v), -1), np.asarray(i).reshape(len(i), -1)
    if vals_expected is not None:
        return np.asarray(out, np.float64).reshape(len(out), -1), None
    return None, np.asarray(out).reshape(len(out), -1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("reduction", list(EMPTY_CASES))
def test_empty_identities_agree(reduction, axis, dtype):
    formula, K, formula2, vals, idx = EMPTY_CASES[reduction]
    aliases = ["x=Vi(1)", "y=Vj(1)", "b=Vj(2)"] if axis == 1 else ["x=Vi(1)", "y=Vj(1)", "b=Vi(2)"]
    options = {"opt_arg": K} if K else {}
    if formula2:
        options["formula2"] = formula2
    g = Genred(formula, aliases, reduction_op=reduction, axis=axis, **options)
    rows, red = 7, 5
    rng = np.random.default_rng(1)
    row_x = rng.random((rows, 1)).astype(dtype)
    red_y = rng.random((red, 1)).astype(dtype)
    red_b = rng.random((red, 2)).astype(dtype)
    empty_y, empty_b = np.zeros((0, 1), dtype), np.zeros((0, 2), dtype)

    # Output rows: 0-1 reduced over [1, 3); 2-3 a block without intervals; 4 in no block; 5-6 a block
    # with one empty interval.
    ranges_rows = np.array([[0, 2], [2, 4], [5, 7]], np.int64)
    slices_rows = np.array([1, 1, 2], np.int64)
    red_rows = np.array([[1, 3], [2, 2]], np.int64)
    other = (np.array([[0, red]], np.int64), np.array([1], np.int64), np.array([[0, rows]], np.int64))
    if axis == 1:
        args_empty = (row_x, empty_y, empty_b)
        args = (row_x, red_y, red_b)
        ranges = (ranges_rows, slices_rows, red_rows) + other
    else:  # rows are j: swap the roles of x and y, and of the two triples
        args_empty = (np.zeros((0, 1), dtype), row_x, np.zeros((0, 2), dtype))
        args = (red_y, row_x, red_b)
        ranges = other + (ranges_rows, slices_rows, red_rows)

    v0, i0 = split_output(reduction, g(*args_empty))  # rows > 0, nothing to reduce (Python's path)
    vr, ir = split_output(reduction, g(*args, ranges=ranges))  # kred_cpu_launch_ranges
    empty_rows = [2, 3, 4, 5, 6]
    if vals is not None:
        want = np.tile(np.array(vals, np.float64), (rows, 1))
        np.testing.assert_array_equal(v0, want)
        np.testing.assert_array_equal(vr[empty_rows], want[empty_rows])
        assert np.all(np.isfinite(vr[:2]))  # rows 0-1 had something to reduce
    if idx is not None:
        assert np.all(i0 == idx) and np.all(ir[empty_rows] == idx)
        assert np.all((ir[:2] >= 1) & (ir[:2] < 3))
