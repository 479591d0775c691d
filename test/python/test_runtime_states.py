"""Unfinalized accumulators and their merge (runtime API version 5).

A reduction cut along its reduced range (the pieces of kred.distributed):
each piece runs `launch_states` on its slice of the reduced variables
(kred_cpu_launch_states_sized; kred_gpu_launch_states_sized on the host GPU
emulator, as CI has no GPU), adds its offset to its state indices >= 0, and
`merge_states` folds the [parts][rows][S] stack in part order and finalizes
it (kred_*_merge_states_sized). Through the backends' launch_states /
merge_states, for every reduction kind x both axes x float32/float64: three
uneven contiguous parts (one empty, one of a single index, in every order),
duplicated points so that ties happen and the lowest global index must win;
the merged result must be the ordinary launch's on the whole data (values
allclose, indices exactly equal) and match the float64 reference. Also: the
state indices are absolute reduced indices of the slice or -1, one output
row, K = 0 everywhere (identity states), parts = 0, the CPU's internal split
of launch_states (threads, chunks merged in order), and short buffers
(errors naming the buffer). Outputs and states are poisoned (NaN, -7).
"""

import numpy as np
import pytest

import keops_ref
import reduction_cases
from helpers import TOL
from kred import _C
from kred.common import backends, cache

K_SEL = 3
CASES = reduction_cases.cases(["x = Vi(3)", "y = Vj(3)"], K_SEL)
NAMES = [
    "Sum",
    "LogSumExp",
    "LogSumExpWeight",
    "SumSoftMaxWeight",
    "Min",
    "Max",
    "ArgMin",
    "ArgMax",
    "Min_ArgMin",
    "Max_ArgMax",
    "KMin",
    "ArgKMin",
    "KMin_ArgKMin",
    "Max_SumShiftExp",
]
BACKENDS = ["cpu", "gpu-emulator"]
# Agreement of a merged result with the one-pass launch (the sums' order differs).
MERGE_TOL = {"float64": dict(rtol=1e-11, atol=1e-12), "float32": dict(rtol=3e-5, atol=3e-6)}


def kernel_for(backend, name, axis, dtype):
    formula, aliases, reduction, opt_arg, formula2 = CASES[name]
    if backend == "cpu":
        return cache.get_kernel(formula, aliases, reduction, axis, dtype, opt_arg, formula2 or "")
    return cache.get_gpu_kernel(formula, aliases, reduction, axis, dtype, opt_arg, formula2 or "", sm=90, emulate=True)


def backend_for(backend):
    return backends._CPU if backend == "cpu" else backends.EmulatedGPUBackend(split=-1)


def categories(name):
    return [0 if "Vi" in a else 1 if "Vj" in a else 2 for a in CASES[name][1]]


def make_inputs(name, axis, M, N, dtype, seed=0):
    """Random arrays by position; rows of the reduced category duplicated (ties in every reduction)."""
    rng = np.random.default_rng(seed)
    out = []
    for a, cat in zip(CASES[name][1], categories(name)):
        dim = int(a.split("(")[1].rstrip(")"))
        if cat == 2:
            out.append((rng.random(dim) + 0.5).astype(dtype))
            continue
        n = M if cat == 0 else N
        v = rng.standard_normal((n, dim))
        if cat == (1 if axis == 1 else 0) and n >= 4:
            # The same point at several indices, in different parts of every cut below.
            for j in (n - 1, n // 2, 2):
                v[j] = v[0]
            v[n - 2] = v[1]
        out.append(np.ascontiguousarray(v.astype(dtype)))
    return out


def ptrs(args):
    return [a.ctypes.data for a in args]


def sizes(args):
    return [a.size for a in args]


def outputs(kernel, rows):
    """Poisoned output arrays (values NaN, indices -7), with at least one column."""
    info = kernel.info
    out = np.full((rows, max(info["out_value_dim"], 1)), np.nan, dtype=info["dtype"])
    idx = np.full((rows, max(info["out_index_dim"], 1)), -7, dtype=np.int64)
    return out, idx


def out_ptrs(kernel, out, idx):
    info = kernel.info
    return (out.ctypes.data if info["out_value_dim"] else None, idx.ctypes.data if info["out_index_dim"] else None)


def trimmed(kernel, out, idx):
    info = kernel.info
    return out[:, : info["out_value_dim"]], idx[:, : info["out_index_dim"]]


def full_launch(be, kernel, args, M, N):
    """The ordinary launch on the whole data."""
    rows = M if kernel.info["axis"] == 1 else N
    out, idx = outputs(kernel, rows)
    be.launch(kernel, ptrs(args), M, N, *out_ptrs(kernel, out, idx), sizes=(sizes(args), out.size, idx.size))
    return trimmed(kernel, out, idx)


def state_arrays(kernel, parts, rows):
    """Poisoned [parts][rows][S] state arrays (values NaN, indices -7; indices with at least one column)."""
    info = kernel.info
    values = np.full((parts, rows, info["state_values"]), np.nan, dtype=info["acc_dtype"])
    indices = np.full((parts, rows, max(info["state_indices"], 1)), -7, dtype=np.int64)
    return values, indices


def part_states(be, kernel, args, cats, M, N, bounds):
    """launch_states of every part [k0, k1) on its slice of the reduced variables, indices shifted by k0."""
    info = kernel.info
    axis = info["axis"]
    rows = M if axis == 1 else N
    red_cat = 1 if axis == 1 else 0
    values, indices = state_arrays(kernel, len(bounds), rows)
    SI = info["state_indices"]
    for p, (k0, k1) in enumerate(bounds):
        sliced = [np.ascontiguousarray(a[k0:k1]) if c == red_cat else a for a, c in zip(args, cats)]
        Mp, Np = (M, k1 - k0) if axis == 1 else (k1 - k0, N)
        v, ix = values[p], indices[p]
        be.launch_states(kernel, ptrs(sliced), Mp, Np, v.ctypes.data, ix.ctypes.data if SI else None,
                         sizes=(sizes(sliced), v.size, ix.size if SI else None))
        assert not np.isnan(v).any(), f"part {p}: state values left unwritten (NaN)"
        if SI:
            # Indices of the slice (absolute within it: the caller adds the offset), or -1.
            assert ((ix == -1) | ((ix >= 0) & (ix < k1 - k0))).all(), f"part {p}: state indices {ix}"
            ix[ix >= 0] += k0
        else:
            assert (ix == -7).all(), "state indices written though the kernel has none"
    return values, indices


def merge(be, kernel, values, indices, rows):
    parts = values.shape[0]
    out, idx = outputs(kernel, rows)
    SI = kernel.info["state_indices"]
    be.merge_states(kernel, values.ctypes.data, indices.ctypes.data if SI else None, rows, parts,
                    *out_ptrs(kernel, out, idx), sizes=(values.size, indices.size if SI else None, out.size, idx.size))
    return trimmed(kernel, out, idx)


def assert_same(got, want, dtype, what):
    (gv, gi), (wv, wi) = got, want
    assert not np.isnan(gv).any() or np.isnan(wv).any(), f"{what}: NaN in the merged output (unwritten?)"
    np.testing.assert_allclose(gv, wv, **MERGE_TOL[dtype], err_msg=what)
    np.testing.assert_array_equal(gi, wi, err_msg=what)


def check_reference(name, axis, args, got, dtype, what):
    formula, aliases, reduction, opt_arg, formula2 = CASES[name]
    args64 = [a.astype(np.float64) for a in args]
    v, _ = keops_ref.reduce_raw(formula, aliases, reduction, axis, args64, opt_arg, formula2 or "")
    if v is None:
        return
    tol = TOL[dtype]
    finite = np.isfinite(v)
    scale = max(float(np.abs(v[finite]).max()) if finite.any() else 1.0, 1.0)
    np.testing.assert_allclose(got[0], v, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def cuts(K):
    """Three contiguous parts of [0, K): one empty, one of one index, in every order of sizes."""
    out = []
    for s in [(1, 0, K - 1), (K - 1, 1, 0), (0, K - 1, 1)]:
        bounds, k0 = [], 0
        for n in s:
            bounds.append((k0, k0 + n))
            k0 += n
        out.append(bounds)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_parts_merge_to_one_launch(name, axis, dtype, backend):
    rows, K = 37, 29
    M, N = (rows, K) if axis == 1 else (K, rows)
    kernel = kernel_for(backend, name, axis, dtype)
    be = backend_for(backend)
    args = make_inputs(name, axis, M, N, dtype)
    cats = categories(name)
    want = full_launch(be, kernel, args, M, N)
    check_reference(name, axis, args, want, dtype, f"{name} one launch vs float64")
    for bounds in cuts(K):
        values, indices = part_states(be, kernel, args, cats, M, N, bounds)
        got = merge(be, kernel, values, indices, rows)
        what = f"{name} axis={axis} {dtype} {backend} parts {bounds}"
        assert_same(got, want, dtype, what)
        check_reference(name, axis, args, got, dtype, what)
    # One row, more parts of uneven sizes.
    one = [a[:1] if c == (0 if axis == 1 else 1) else a for a, c in zip(args, cats)]
    M1, N1 = (1, K) if axis == 1 else (K, 1)
    bounds = [(0, 5), (5, 5), (5, 6), (6, 17), (17, K)]
    values, indices = part_states(be, kernel, one, cats, M1, N1, bounds)
    assert_same(merge(be, kernel, values, indices, 1), full_launch(be, kernel, one, M1, N1), dtype,
                f"{name} one row")


IDENTITY_CASES = ["Sum", "LogSumExp", "SumSoftMaxWeight", "Max_ArgMax", "KMin_ArgKMin", "ArgKMin", "Max_SumShiftExp"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", IDENTITY_CASES)
def test_empty_reductions(name, axis, backend):
    """K = 0 in every part (identity states) and parts = 0: the ordinary launch's identity output."""
    dtype, rows = "float32", 19
    M, N = (rows, 0) if axis == 1 else (0, rows)
    kernel = kernel_for(backend, name, axis, dtype)
    be = backend_for(backend)
    args = make_inputs(name, axis, M, N, dtype)
    want = full_launch(be, kernel, args, M, N)
    values, indices = part_states(be, kernel, args, categories(name), M, N, [(0, 0), (0, 0)])
    if kernel.info["state_indices"]:
        assert (indices == -1).all(), "identity state indices must be -1"
    assert_same(merge(be, kernel, values, indices, rows), want, dtype, f"{name} K = 0")
    # No part at all: nothing to read.
    out, idx = outputs(kernel, rows)
    be.merge_states(kernel, None, None, rows, 0, *out_ptrs(kernel, out, idx), sizes=(0, 0, out.size, idx.size))
    assert_same(trimmed(kernel, out, idx), want, dtype, f"{name} parts = 0")
    # No rows: nothing written.
    out, idx = outputs(kernel, 3)
    be.merge_states(kernel, None, None, 0, 2, *out_ptrs(kernel, out, idx))
    assert np.isnan(out).all() and (idx == -7).all()


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "KMin_ArgKMin", "Max_ArgMax"])
def test_cpu_internal_split(name, axis, dtype):
    """Few rows and a long reduced range: launch_states splits it over threads (chunks merged in order into
    the caller's arrays); the states then finalize to the ordinary launch's output, ties included."""
    rows, K = 7, 3001
    M, N = (rows, K) if axis == 1 else (K, rows)
    kernel = kernel_for("cpu", name, axis, dtype)
    args = make_inputs(name, axis, M, N, dtype, seed=3)
    cats = categories(name)
    red_cat = 1 if axis == 1 else 0
    for a, c in zip(args, cats):
        if c == red_cat:
            a[1500:2000] = a[100:600]  # ties across the chunks' boundaries
    want = full_launch(backends._CPU, kernel, args, M, N)
    for threads in (1, 4):
        values, indices = state_arrays(kernel, 1, rows)
        SI = kernel.info["state_indices"]
        kernel.launch_states(ptrs(args), M, N, values.ctypes.data, indices.ctypes.data if SI else None, threads)
        assert not np.isnan(values).any()
        if SI:
            assert ((indices >= 0) & (indices < K)).all()
        got = merge(backends._CPU, kernel, values, indices, rows)
        assert_same(got, want, dtype, f"{name} threads={threads}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_short_buffers(backend):
    """Short buffers and bad sizes raise RuntimeError naming the buffer, before anything is written."""
    name, axis, dtype = "Min_ArgMin", 1, "float64"
    M, N = 5, 7
    kernel = kernel_for(backend, name, axis, dtype)
    be = backend_for(backend)
    args = make_inputs(name, axis, M, N, dtype)
    info = kernel.info
    S, SI = info["state_values"], info["state_indices"]
    values, indices = state_arrays(kernel, 2, M)
    v, ix = values.ctypes.data, indices.ctypes.data

    def launch(arg_sizes=None, vs=M * S, xs=M * SI):
        be.launch_states(kernel, ptrs(args), M, N, v, ix, sizes=(arg_sizes or sizes(args), vs, xs))

    with pytest.raises(RuntimeError, match=r"the state values array is too short: %d elements expected "
                       r"\(M = 5 rows of %d\), %d given" % (M * S, S, M * S - 1)):
        launch(vs=M * S - 1)
    with pytest.raises(RuntimeError, match="the state indices array is too short"):
        launch(xs=M * SI - 1)
    with pytest.raises(RuntimeError, match="state values array: negative element count"):
        launch(vs=-1)
    with pytest.raises(RuntimeError, match=r"argument 1 \(Vj, dim 3\) is too short"):
        launch(arg_sizes=[M * 3, N * 3 - 1])
    with pytest.raises(RuntimeError, match="the state values array is NULL"):
        be.launch_states(kernel, ptrs(args), M, N, None, ix)
    assert np.isnan(values).all() and (indices == -7).all(), "a failed launch wrote its states"
    launch()  # the exact sizes pass
    values[1] = values[0]
    indices[1] = indices[0]
    poisoned = values.copy(), indices.copy()

    out, idx = outputs(kernel, M)
    o, oi = out.ctypes.data, idx.ctypes.data

    def merge_(vs=2 * M * S, xs=2 * M * SI, os=M * 3, ois=M * 3, rows=M, parts=2):
        be.merge_states(kernel, v, ix, rows, parts, o, oi, sizes=(vs, xs, os, ois))

    with pytest.raises(RuntimeError, match=r"the state values array is too short: %d elements expected "
                       r"\(2 parts x 5 rows of %d\)" % (2 * M * S, S)):
        merge_(vs=2 * M * S - 1)
    with pytest.raises(RuntimeError, match=r"the state indices array is too short"):
        merge_(xs=2 * M * SI - 1)
    with pytest.raises(RuntimeError, match=r"the output array is too short: 15 elements expected"):
        merge_(os=M * 3 - 1)
    with pytest.raises(RuntimeError, match=r"the index output array is too short"):
        merge_(ois=M * 3 - 1)
    with pytest.raises(RuntimeError, match=r"negative size \(rows = 5, parts = -1\)"):
        merge_(parts=-1)
    with pytest.raises(RuntimeError, match=r"negative size \(rows = -1, parts = 2\)"):
        merge_(rows=-1)
    assert np.isnan(out).all() and (idx == -7).all(), "a failed merge wrote its output"
    np.testing.assert_array_equal(values, poisoned[0])
    np.testing.assert_array_equal(indices, poisoned[1])
    merge_()
    assert_same(trimmed(kernel, out, idx), full_launch(be, kernel, args, M, N), dtype, "after the errors")


def test_extension_signatures():
    """The extension's entry points as kred.distributed calls them (positional and keyword forms)."""
    name, axis, dtype = "ArgKMin", 0, "float32"
    M, N = 11, 6
    kernel = kernel_for("cpu", name, axis, dtype)
    args = make_inputs(name, axis, M, N, dtype)
    values, indices = state_arrays(kernel, 1, N)
    kernel.launch_states(ptrs(args), M, N, values.ctypes.data, indices.ctypes.data, 0, arg_sizes=sizes(args),
                         values_size=values.size, indices_size=indices.size)
    out, idx = outputs(kernel, N)
    kernel.merge_states(values.ctypes.data, indices.ctypes.data, N, 1, None, idx.ctypes.data, 2,
                        values_size=values.size, indices_size=indices.size, out_size=None, out_idx_size=idx.size)
    np.testing.assert_array_equal(idx, full_launch(backends._CPU, kernel, args, M, N)[1])
    for fn in ("gpu_launch_states", "gpu_merge_states"):
        assert hasattr(_C.runtime, fn)
    with pytest.raises(TypeError, match="values_size must be an int"):
        kernel.launch_states(ptrs(args), M, N, values.ctypes.data, indices.ctypes.data, values_size="3")
