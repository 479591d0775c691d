"""In-process memo of compiled kernels.

Keyed by everything that changes the generated code: (formula, aliases,
reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme). The
on-disk cache lives in C++ (kred._C); this memo only saves the Python ->
C++ round trip and the parse on repeated calls.
"""

import sys
import threading
import time

from kred.common._cext import extension

_lock = threading.Lock()
_kernels = {}
_stats = {"hits": 0, "misses": 0}


def make_key(formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme):
    return (formula, tuple(aliases), reduction, int(axis), dtype, opt_arg, formula2 or "", dtype_acc, sum_scheme)


def get_kernel(formula, aliases, reduction, axis, dtype, opt_arg=None, formula2="", dtype_acc="auto", sum_scheme="auto"):
    """Returns the compiled ``_C.Kernel`` for this specification (compiling it once)."""
    key = make_key(formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme)
    return _memoized(key, "cpu", lambda: extension().compile(
        formula, list(aliases), reduction, int(axis), dtype, opt_arg, formula2 or "", dtype_acc, sum_scheme
    ))


def _memoized(key, target, compile):
    """The kernel memoized under `key`; else compile() (once: under the lock), recorded (_compiled) for `target`."""
    kernel = _kernels.get(key)
    if kernel is not None:
        _stats["hits"] += 1
        return kernel
    with _lock:
        kernel = _kernels.get(key)
        if kernel is not None:
            _stats["hits"] += 1
            return kernel
        _stats["misses"] += 1
        started = time.time()
        kernel = compile()
        _kernels[key] = kernel
        _compiled(kernel, key, started, target)
    return kernel


_FIELDS = ("formula", "aliases", "reduction", "axis", "dtype", "opt_arg", "formula2", "dtype_acc", "sum_scheme")
_cpu_name = None


def _target(kind):
    """The target a kernel was compiled for, in words: "cpu skylake-avx512", "cuda sm_90", "gpu-emulator"."""
    global _cpu_name
    if kind != "cpu":
        return kind
    if _cpu_name is None:
        try:
            _cpu_name = str(extension().target_info("native")["cpu"])
        except Exception:
            _cpu_name = "native"
    return f"cpu {_cpu_name}"


def _compiled(kernel, key, started, kind):
    """After each compile() call: the verbose log line and the disk cache's record of the kernel."""
    import kred
    from kred import cache as disk

    spec = dict(zip(_FIELDS, key))
    spec["aliases"] = list(spec["aliases"])
    dtype = spec.pop("dtype")
    target = _target(kind)
    try:
        version = extension().compiler_version()
    except Exception:
        version = ""
    try:
        disk.record(kernel, spec, dtype, target, version, started)
    except Exception:  # the records are an aid; never fail a reduction for them
        pass
    if kred.verbose:
        info = getattr(kernel, "info", {}) or {}
        ms = (time.time() - started) * 1000.0
        how = "loaded from the disk cache" if info.get("source") == "disk" else "compiled"
        extra = f" (K={spec['opt_arg']})" if spec["opt_arg"] is not None else ""
        print(
            f"[kred] {how} {spec['reduction']}{extra} reduction over axis {spec['axis']} of "
            f"{spec['formula']!r} with {', '.join(spec['aliases']) or 'no aliases'}, {dtype}, {target}: "
            f"{ms:.0f} ms",
            file=sys.stdout,
            flush=True,
        )


# The architectures compile_gpu can target (lib/Compiler/GPUCompiler.cpp): V100, T4, A100, H100.
GPU_TARGETS = (70, 75, 80, 90)


def gpu_target(sm):
    """The compile_gpu target for a device of compute capability `sm`: the newest of GPU_TARGETS not above it.

    Its PTX is JIT-compiled by the driver for the device (e.g. sm_70 PTX on an sm_72 GPU, sm_80 PTX on an
    sm_86 or sm_89 GPU, sm_90 PTX on sm_100 or sm_120), which is how the runtime picks images (docs/gpu.md).
    Its PTX and cubins also go to compile_gpu's on-disk cache, so a new process does not recompile them.
    """
    sm = int(sm)
    usable = [t for t in GPU_TARGETS if t <= sm]
    if not usable:
        from kred.common.backends import GPUUnavailableError

        raise GPUUnavailableError(
            f"kred's GPU backend needs a GPU of compute capability {GPU_TARGETS[0] // 10}.{GPU_TARGETS[0] % 10} "
            f"or newer; this one is {sm // 10}.{sm % 10}: use backend='CPU'"
        )
    return max(usable)


def get_gpu_kernel(
    formula, aliases, reduction, axis, dtype, opt_arg=None, formula2="", dtype_acc="auto", sum_scheme="auto", *, sm,
    emulate=False, fast_math=True,
):
    """Returns the compiled GPU kernel (``_C.compile_gpu``) for devices of compute capability `sm` (e.g. 90).

    emulate=True: the same kernels compiled for the host GPU emulator (docs/gpu.md, a testing aid); sm is
    then ignored. fast_math: compile_gpu's (the hardware approximations of exp, log...; pykeops'
    use_fast_math), part of the key.
    """
    sm = gpu_target(sm)
    key = make_key(formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme) + (
        ("gpu-emulator",) if emulate else ("gpu", sm)) + (bool(fast_math),)
    ext = extension()
    if not hasattr(ext, "compile_gpu"):
        raise NotImplementedError(
            "this build of kred._C cannot compile GPU kernels (it has no compile_gpu); "
            "rebuild kred with the GPU compiler, or use backend='CPU' with CPU arrays"
        )
    # compile_gpu takes a list of targets (sm=[90]); a bare int is refused.
    return _memoized(key, "gpu-emulator" if emulate else f"cuda sm_{sm}", lambda: ext.compile_gpu(
        formula, list(aliases), reduction, int(axis), dtype, opt_arg, formula2 or "", dtype_acc, sum_scheme,
        sm=[sm], fast_math=bool(fast_math), **({"emulate": True} if emulate else {}),
    ))


def clear():
    """Forgets every kernel compiled in this process (the disk cache stays)."""
    with _lock:
        _kernels.clear()
        _stats["hits"] = _stats["misses"] = 0


def stats():
    """{'hits': ..., 'misses': ..., 'size': ...} of the in-process memo."""
    return dict(_stats, size=len(_kernels))
