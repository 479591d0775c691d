"""The kred._C contract (docs/architecture.md): compile, Kernel.info/.ir,
Kernel.launch and its errors, FormulaError, threads, empty reductions,
the GIL being released during launches."""

import threading
import time

import numpy as np
import pytest

from kred import _C

SEED = ("Square(p - a) * Exp(x + y)", ["x = Vi(1)", "y = Vj(1)", "a = Vj(1)", "p = Pm(1)"])


def _seed_args(M, N, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 1, (M, 1)).astype(dtype)
    y = rng.uniform(0.1, 1, (N, 1)).astype(dtype)
    a = rng.uniform(0.1, 1, (N, 1)).astype(dtype)
    p = np.array([0.25], dtype=dtype)
    return [x, y, a, p]


def _seed_reference(args, reduction):
    x, y, a, p = (v.astype(np.float64) for v in args)
    f = (p[0] - a[:, 0])[None, :] ** 2 * np.exp(x + y[:, 0][None, :])
    if reduction == "Sum":
        return f.sum(1)
    m = f.max(1)
    return m + np.log(np.exp(f - m[:, None]).sum(1))


def _ptrs(args):
    return [a.ctypes.data for a in args]


def test_module_attributes():
    assert isinstance(_C.version, str) and _C.version
    assert _C.abi_version == 1
    assert "llvm" in _C.compiler_version()
    assert _C.compile is _C.compiler.compile
    assert _C.set_num_threads is _C.runtime.set_num_threads
    assert issubclass(_C.FormulaError, ValueError)


def test_num_threads():
    old = _C.get_num_threads()
    try:
        _C.set_num_threads(3)
        assert _C.get_num_threads() == 3
        _C.set_num_threads(0)
        assert _C.get_num_threads() >= 1
    finally:
        _C.set_num_threads(old)


@pytest.mark.parametrize("reduction", ["Sum", "LogSumExp"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_seed_kernels(reduction, dtype):
    k = _C.compile(SEED[0], SEED[1], reduction, 1, dtype, None, "", "auto", "auto")
    info = k.info
    assert info["axis"] == 1 and info["dtype"] == dtype and info["reduction"] == reduction
    assert info["num_args"] == 4
    assert list(info["arg_category"]) == [0, 1, 1, 2]
    assert list(info["arg_dim"]) == [1, 1, 1, 1]
    assert info["out_value_dim"] == 1 and info["out_index_dim"] == 0
    assert info["row_block"] >= 1 and info["state_values"] >= 1
    assert "kernelred.reduce" in k.ir
    M, N = 3000, 5000
    args = _seed_args(M, N, dtype)
    out = np.full((M, 1), np.nan, dtype=dtype)
    k.launch(_ptrs(args), M, N, out.ctypes.data, None)
    want = _seed_reference(args, reduction)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(out[:, 0], want, rtol=rtol)


def test_memo_returns_the_same_kernel():
    before = _C.cache_stats()
    a = _C.compile(SEED[0], SEED[1], "Sum", 1, "float32", None, "", "auto", "auto")
    b = _C.compile(SEED[0], SEED[1], "Sum", 1, "float32", None, "", "auto", "auto")
    assert a.info == b.info
    assert _C.cache_stats()["memory_hits"] >= before["memory_hits"] + 1


def test_formula_error_has_the_caret_message():
    with pytest.raises(_C.FormulaError) as e:
        _C.compile("Exq(x)", ["x = Vi(1)"], "Sum", 1, "float32", None, "", "auto", "auto")
    assert isinstance(e.value, ValueError)
    text = str(e.value)
    assert "Exq" in text and "^" in text
    assert e.value.source == "formula" and e.value.column >= 1


def test_compile_errors_are_clear():
    with pytest.raises(ValueError):
        _C.compile("x", ["x = Vi(1)"], "NoSuchReduction", 1, "float32", None, "", "auto", "auto")
    with pytest.raises(RuntimeError, match="unknown CPU"):
        _C.compile("x", ["x = Vi(1)"], "Sum", 1, "float32", None, "", "auto", "auto", cpu="pentium-9000")


def test_other_cpu_target():
    k = _C.compile(SEED[0], SEED[1], "LogSumExp", 1, "float64", None, "", "auto", "auto", cpu="x86-64-v3")
    args = _seed_args(37, 1001)
    out = np.full((37, 1), np.nan)
    k.launch(_ptrs(args), 37, 1001, out.ctypes.data, None)
    np.testing.assert_allclose(out[:, 0], _seed_reference(args, "LogSumExp"), rtol=1e-12)


def test_launch_errors():
    k = _C.compile(SEED[0], SEED[1], "Sum", 1, "float32", None, "", "auto", "auto")
    args = _seed_args(4, 5, "float32")
    out = np.full((4, 1), 7.0, dtype=np.float32)
    with pytest.raises(ValueError, match="takes 4 argument pointers, got 3"):
        k.launch(_ptrs(args)[:3], 4, 5, out.ctypes.data, None)
    with pytest.raises(RuntimeError, match="argument 1 .*is NULL"):
        k.launch([args[0].ctypes.data, None, args[2].ctypes.data, args[3].ctypes.data], 4, 5, out.ctypes.data, None)
    with pytest.raises(RuntimeError, match="negative size"):
        k.launch(_ptrs(args), -4, 5, out.ctypes.data, None)
    with pytest.raises(RuntimeError, match="output array is NULL"):
        k.launch(_ptrs(args), 4, 5, None, None)
    with pytest.raises(RuntimeError, match="not aligned"):
        k.launch(_ptrs(args), 4, 5, out.ctypes.data + 1, None)
    with pytest.raises(TypeError):
        k.launch(["not an address"] * 4, 4, 5, out.ctypes.data, None)
    assert (out == 7.0).all()


@pytest.mark.parametrize(
    "reduction,K,value,index",
    [
        ("Sum", None, 0.0, None),
        ("LogSumExp", None, -np.inf, None),
        ("Min", None, np.inf, None),
        ("Max", None, -np.inf, None),
        ("ArgMin", None, None, -1),
        ("Min_ArgMin", None, np.inf, -1),
        ("KMin_ArgKMin", 3, np.inf, -1),
    ],
)
def test_empty_reduction_identity(reduction, K, value, index):
    """N = 0: every output row holds the reduction's identity."""
    k = _C.compile("x * y", ["x = Vi(1)", "y = Vj(1)"], reduction, 1, "float32", K, "", "auto", "auto")
    vd, idd = k.info["out_value_dim"], k.info["out_index_dim"]
    x = np.ones((5, 1), dtype=np.float32)
    y = np.ones((0, 1), dtype=np.float32)
    out = np.full((5, max(vd, 1)), np.nan, dtype=np.float32)
    idx = np.full((5, max(idd, 1)), 9, dtype=np.int64)
    k.launch([x.ctypes.data, y.ctypes.data], 5, 0, out.ctypes.data if vd else None, idx.ctypes.data if idd else None)
    if value is not None:
        assert (out == value).all()
    if index is not None:
        assert (idx == index).all()
    # M = 0: nothing to write.
    k.launch([None, y.ctypes.data], 0, 0, None, None)


def test_threads_and_split_agree():
    k = _C.compile("Exp(-SqDist(x, y)) * b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", 1, "float64", None, "",
                   "auto", "auto")
    rng = np.random.default_rng(1)
    M, N = 5, 20011
    x, y, b = rng.uniform(0.1, 1, (M, 3)), rng.uniform(0.1, 1, (N, 3)), rng.uniform(0.1, 1, (N, 1))
    want = (np.exp(-((x[:, None] - y[None]) ** 2).sum(2)) * b[:, 0]).sum(1)
    for threads in (1, 2, 5):
        for split in (-1, 0, 1):
            out = np.full((M, 1), np.nan)
            k.launch([x.ctypes.data, y.ctypes.data, b.ctypes.data], M, N, out.ctypes.data, None, threads, split)
            np.testing.assert_allclose(out[:, 0], want, rtol=1e-12)


def test_launch_releases_the_gil():
    """A long launch in one thread lets Python code run in another."""
    k = _C.compile("Exp(-SqDist(x, y)) * b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", 1, "float32", None, "",
                   "auto", "auto")
    rng = np.random.default_rng(2)
    M, N = 4000, 200000
    x = rng.uniform(0, 1, (M, 3)).astype(np.float32)
    y = rng.uniform(0, 1, (N, 3)).astype(np.float32)
    b = rng.uniform(0, 1, (N, 1)).astype(np.float32)
    out = np.zeros((M, 1), dtype=np.float32)
    done = threading.Event()
    ticks = [0]

    def count():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0.0005)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    k.launch([x.ctypes.data, y.ctypes.data, b.ctypes.data], M, N, out.ctypes.data, None, 1)
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    if elapsed > 0.05:
        assert ticks[0] >= 5, f"the other thread ran {ticks[0]} times in {elapsed:.3f} s"


def test_concurrent_launches_from_python_threads():
    k = _C.compile(SEED[0], SEED[1], "LogSumExp", 1, "float64", None, "", "auto", "auto")
    args = _seed_args(300, 2000)
    want = _seed_reference(args, "LogSumExp")
    errors = []

    def work():
        for _ in range(5):
            out = np.full((300, 1), np.nan)
            k.launch(_ptrs(args), 300, 2000, out.ctypes.data, None, 2)
            if not np.allclose(out[:, 0], want, rtol=1e-12):
                errors.append("wrong result")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_concurrent_compiles_from_python_threads():
    """compile() releases the GIL; compiling different kernels at once works."""
    import uuid

    salt = uuid.uuid4().int % 1000003
    results, errors = {}, []

    def work(n):
        try:
            formula = "Exp(-SqDist(x, y) * IntInv(%d)) * b" % (salt + n + 2)
            k = _C.compile(formula, ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", 1, "float64", None, "", "auto",
                           "auto", cache_dir="off")
            rng = np.random.default_rng(n)
            x, y, b = rng.uniform(0, 1, (9, 3)), rng.uniform(0, 1, (11, 3)), rng.uniform(0, 1, (11, 1))
            out = np.full((9, 1), np.nan)
            k.launch([x.ctypes.data, y.ctypes.data, b.ctypes.data], 9, 11, out.ctypes.data, None)
            d2 = ((x[:, None] - y[None]) ** 2).sum(2)
            results[n] = np.allclose(out[:, 0], (np.exp(-d2 / (salt + n + 2)) * b[:, 0]).sum(1), rtol=1e-12)
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results.values()) and len(results) == 4


def test_launch_after_fork():
    """A forked child (multiprocessing's default on Linux) gets a fresh thread
    pool: its launches neither deadlock nor lose work."""
    import os

    k = _C.compile(SEED[0], SEED[1], "LogSumExp", 1, "float64", None, "", "auto", "auto")
    args = _seed_args(500, 3000)
    want = _seed_reference(args, "LogSumExp")
    out = np.full((500, 1), np.nan)
    k.launch(_ptrs(args), 500, 3000, out.ctypes.data, None, 2)  # the pool is running
    pid = os.fork()
    if pid == 0:  # child
        ok = False
        try:
            child = np.full((500, 1), np.nan)
            k.launch(_ptrs(args), 500, 3000, child.ctypes.data, None, 2)
            ok = np.allclose(child[:, 0], want, rtol=1e-12)
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
