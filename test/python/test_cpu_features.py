"""Every x86-64 feature level, whatever the host: compile, link, and run what the host can run.

The CPU lowering picks its SIMD width from the target (128-bit for
x86-64-v2, 256-bit AVX2+FMA for x86-64-v3, 512-bit AVX-512 for x86-64-v4),
and LLVM calls compiler-rt builtins where a level lacks an instruction (f16
conversions without F16C, f32 -> bf16 without AVX512-BF16). So each level
is a different program. Here every reduction x both axes x float16,
bfloat16, float32, float64 is compiled for each level through kred._C
(compile(cpu=...)) and loaded by the JIT, which fails on any symbol the
host would lack. The kernels of the levels this host supports then run
against the float64 reference (outputs poisoned); a level the host lacks is
compiled and linked but not run, and the test says so (its assembly is
checked by test/Pipelines/kred-to-llvm-cpu-portable.mlir on every host).

Also: the disk cache never hands a kernel built for one level to another
(KRED_CPU selects the level of `native` in a fresh process).
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from kred import _C

import corpus
from test_cpu_reductions import EXP_FAMILY, K_FAMILY, REDUCTIONS, _check, _reference, _spec, _terms

torch = pytest.importorskip("torch")

LEVELS = {"x86-64-v2": 128, "x86-64-v3": 256, "x86-64-v4": 512}
DTYPES = ["float16", "bfloat16", "float32", "float64"]
TORCH_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
                "float64": torch.float64}
# Tolerances of test_cpu_reductions._check (which multiplies them by 8): for
# 16-bit kernels the formula runs in f32 and the error is the output's
# rounding, 2^-11 (float16) or 2^-8 (bfloat16) relative.
RTOL = {"float16": 1.6e-4, "bfloat16": 1.2e-3, "float32": 2e-6, "float64": 1e-12}
# 1, primes, not multiples of any vector width; rows = 3 forces split-N.
SIZES = [(1, 1), (7, 13), (37, 101), (3, 1031)]


def _runs_here(level):
    return _C.target_info(level)["runs_here"]


def _host_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


@pytest.mark.parametrize("level", list(LEVELS))
def test_level_target(level):
    """The level's vector width, and runs_here agrees with the kernel's view of the host."""
    info = _C.target_info(level)
    assert info["cpu"] == level
    assert info["vector_bits"] == LEVELS[level]
    flags = _host_flags()
    needed = {"x86-64-v2": {"sse4_2", "popcnt", "ssse3"},
              "x86-64-v3": {"avx2", "fma", "f16c", "bmi2", "movbe"},
              "x86-64-v4": {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"}}
    want = all(needed[name] <= flags for name in list(LEVELS)[: list(LEVELS).index(level) + 1])
    assert info["runs_here"] == want, (level, info["runs_here"], sorted(needed[level] - flags))


def test_native_is_a_supported_level():
    info = _C.target_info("native")
    assert info["runs_here"]
    assert info["vector_bits"] in (128, 256, 512)


def _cases():
    for level in LEVELS:
        for red in REDUCTIONS:
            for axis in (1, 0):
                for dtype in DTYPES:
                    yield level, red, axis, dtype


def _inputs(red, dim, M, N, dtype, seed):
    """x: Vi(dim), y: Vj(dim), b, p: float64 arrays and the `dtype` tensors they round to."""
    rng = np.random.default_rng(seed)

    def pos(*shape):
        return rng.uniform(0.5, 1.5, shape)

    x = pos(M, dim)
    y = pos(N, dim) * rng.choice([-1.0, 1.0], (N, dim))
    b = pos(N, dim if red in EXP_FAMILY else 1)
    p = np.array([0.75])
    tensors = [torch.from_numpy(a).to(TORCH_DTYPES[dtype]).contiguous() for a in (x, y, b, p)]
    rounded = [t.to(torch.float64).numpy() for t in tensors]
    return tensors, rounded


def _launch(kernel, tensors, M, N, rows, dtype, **kw):
    info = kernel.info
    vd, idd = info["out_value_dim"], info["out_index_dim"]
    out = torch.full((rows, max(vd, 1)), float("nan"), dtype=TORCH_DTYPES[dtype])  # poisoned
    idx = torch.full((rows, max(idd, 1)), -7, dtype=torch.int64)
    kernel.launch([t.data_ptr() for t in tensors], M, N, out.data_ptr() if vd else None,
                  idx.data_ptr() if idd else None, **kw)
    return (out.to(torch.float64).numpy() if vd else None), (idx.numpy() if idd else None)


@pytest.mark.parametrize("level,red,axis,dtype", list(_cases()))
def test_level_reduction(level, red, axis, dtype, monkeypatch):
    dim = 3
    K = 5 if red in K_FAMILY else None
    formula, aliases, formula2 = _spec(red, dim)
    kernel = _C.compile(formula, aliases, red, axis, dtype, K, formula2, "auto", "auto", cpu=level)
    assert kernel.info["dtype"] == dtype
    if not _runs_here(level):
        pytest.skip(f"this host lacks {level}'s features: compiled and linked, not run")
    import test_cpu_reductions

    monkeypatch.setitem(test_cpu_reductions.RTOL, dtype, RTOL[dtype])
    for seed, (M, N) in enumerate(SIZES):
        tensors, rounded = _inputs(red, dim, M, N, dtype, seed)
        rows = M if axis == 1 else N
        F, G, A = _terms(red, dim, rounded, axis)
        ref = _reference(red, F, G, K)
        where = f"{level} {red} axis={axis} {dtype} M={M} N={N}"
        got = _launch(kernel, tensors, M, N, rows, dtype)
        _check(red, dtype, F, A, ref, got, K, where)
        if rows <= 7:
            got = _launch(kernel, tensors, M, N, rows, dtype, num_threads=2, split=1)
            _check(red, dtype, F, A, ref, got, K, where + " split")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_corpus_links_at_every_level(dtype):
    """A slice of the formula corpus, 16-bit, for the level with the fewest instructions.

    x86-64-v2 has neither F16C nor AVX512-BF16: every conversion is a
    builtin call or kred-expand-bf16's integer code, and every op's lowering
    is linked by the JIT, which fails on a symbol nobody provides.
    """
    entries = corpus.entries()[::5]
    for e in entries:
        _C.compile(e["formula"], e["aliases"], e["reduction"], e["axis"], dtype, e["opt_arg"],
                   e["formula2"] or "", "auto", e["sum_scheme"] or "auto", cpu="x86-64-v2")


# --------------------------------------------------------------------------
# The disk cache across feature levels

_CHILD = r"""
import json, sys
import numpy as np
from kred import _C
x = np.linspace(0.5, 1.5, 51, dtype=np.float32)[:, None].copy()
y = np.linspace(-1.0, 1.0, 77, dtype=np.float32)[:, None].copy()
k = _C.compile("Exp(-SqDist(x, y))", ["x = Vi(1)", "y = Vj(1)"], "Sum", 1, "float32")
out = np.full((51, 1), np.nan, dtype=np.float32)
k.launch([x.ctypes.data, y.ctypes.data], 51, 77, out.ctypes.data, None)
want = np.exp(-(x.astype(np.float64) - y.astype(np.float64).T) ** 2).sum(1)
print(json.dumps(dict(stats=_C.cache_stats(), target=_C.target_info(),
                      err=float(np.abs(out[:, 0] - want).max() / want.max()))))
"""


def _child(cache_dir, level):
    env = dict(os.environ, KRED_CACHE_DIR=str(cache_dir))
    env.pop("KRED_CPU", None)
    if level != "native":
        env["KRED_CPU"] = level
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cache_not_shared_across_levels(tmp_path):
    """A cache folder copied to a host of another level recompiles; the same level reuses it."""
    runnable = [lv for lv in LEVELS if _runs_here(lv)]
    assert "x86-64-v2" in runnable, "every x86-64 host kred supports runs x86-64-v2"
    first = tmp_path / "first"
    wide = runnable[-1]  # the widest level this host runs
    r = _child(first, wide)
    assert r["target"]["cpu"] == wide and r["stats"]["compiled"] == 1 and r["stats"]["disk_writes"] == 1
    assert r["err"] < 1e-5
    for other in ["native"] + [lv for lv in runnable if lv != wide]:
        copy = tmp_path / ("copy-" + other)
        shutil.copytree(first, copy)
        r = _child(copy, other)  # another target: the copied entry is not used
        assert r["stats"]["disk_hits"] == 0 and r["stats"]["compiled"] == 1, (other, r)
        assert r["err"] < 1e-5
    copy = tmp_path / "same"
    shutil.copytree(first, copy)
    r = _child(copy, wide)  # the same target: a disk hit
    assert r["stats"]["disk_hits"] == 1 and r["stats"]["compiled"] == 0, r
    assert r["err"] < 1e-5


def test_kred_cpu_environment(monkeypatch):
    """KRED_CPU picks the level of 'native' (and is checked)."""
    monkeypatch.setenv("KRED_CPU", "x86-64-v2")
    info = _C.target_info()
    assert info["cpu"] == "x86-64-v2" and info["vector_bits"] == 128
    monkeypatch.setenv("KRED_CPU", "not-a-cpu")
    with pytest.raises(Exception, match="unknown CPU 'not-a-cpu'"):
        _C.target_info()
