"""The GPU emulator catches what it is there to catch, in kred's own generated kernels.

A GPU kernel of kred (the Gaussian kernel sum, run and merge kernels) is
lowered by hand through the emulator's path -- the gpu.module of
convert-kred-to-gpu, then kred-gpu-to-host and the host tail -- once as it
is and once with a barrier deleted from the gpu.module. Each is built into a
shared library and launched through the runtime's real kred_gpu_launch on
the emulator, in place of the compiled kernel's own host image (the rest
of its kred_gpu_kernel is the real one). The unmodified kernel must give
the reference result, so the harness is the real path; each mutant must
fail with a race report (threads run in lockstep, as the emulator's
default), so a lowering that forgot a barrier fails the GPU suite.
"""

import ctypes
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from gpu_abi import GpuImage, GpuKernel
from kred import _C

LLVM_BIN = "/usr/lib/llvm-22/bin"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("KRED_BUILD_DIR", os.path.join(ROOT, "build"))
KRED_OPT = os.path.join(BUILD, "bin", "kred-opt")
KRED_COMPILE = os.path.join(BUILD, "bin", "kred-compile")

FORMULA = "Exp(-SqDist(x,y))*b"
ALIASES = ["x=Vi(3)", "y=Vj(3)", "b=Vj(1)"]

TO_GPU_MODULE = ["--kred-expand-complex", "--kred-autodiff", "--canonicalize", "--cse", "--kred-online-logsumexp",
                 "--convert-kred-to-gpu", "--canonicalize", "--cse"]
# kred-opt's passes (the head of kred-to-gpu-host's tail), then upstream mlir-opt's (the rest).
TO_HOST = ["--kred-gpu-to-host", "--kred-approximate-math", "--kred-expand-bf16", "--canonicalize", "--cse"]
TO_LLVM = ["--convert-scf-to-cf", "--convert-vector-to-llvm", "--convert-math-to-llvm", "--convert-arith-to-llvm",
           "--convert-cf-to-llvm", "--convert-func-to-llvm", "--reconcile-unrealized-casts"]


KernelFn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class EmuEntry(ctypes.Structure):  # lib/Runtime/kred_gpu_emu.h
    _fields_ = [("name", ctypes.c_char_p), ("fn", ctypes.c_void_p), ("static_shared_bytes", ctypes.c_int64),
                ("num_params", ctypes.c_int64)]


class EmuModule(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_uint64), ("num_entries", ctypes.c_int64), ("entries", ctypes.POINTER(EmuEntry))]


KRED_EMU_MAGIC = 0x313055454D44524B


def _run(cmd, **kw):
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def gpu_module(tmp_path_factory):
    for tool in (KRED_OPT, KRED_COMPILE, *(os.path.join(LLVM_BIN, t) for t in ("llc", "mlir-translate", "mlir-opt"))):
        assert os.path.exists(tool), f"{tool} is missing (build kred first; LLVM 22 tools from scripts/setup.sh)"
    tmp = tmp_path_factory.mktemp("emu-mutants")
    ir = tmp / "kernel.mlir"
    cmd = [KRED_COMPILE, "--formula", FORMULA, "--reduction", "Sum", "--name", "kernel", "-o", str(ir)]
    for a in ALIASES:
        cmd += ["--var", a]
    _run(cmd)
    return tmp, _run([KRED_OPT, str(ir), *TO_GPU_MODULE])


def _run_kernel_lines(text):
    """(first, last) line numbers of gpu.func @kernel_gpu in the gpu.module's text."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if "gpu.func @kernel_gpu(" in line)
    last = next(i for i in range(first + 1, len(lines)) if lines[i].strip().startswith("gpu.func @"))
    return first, last


def _build(tmp, name, gpu_text):
    """The host library of a gpu.module's text, and each entry's (static shared bytes, parameters)."""
    src = tmp / f"{name}.mlir"
    src.write_text(gpu_text)
    host = _run([os.path.join(LLVM_BIN, "mlir-opt"), *TO_LLVM], input=_run([KRED_OPT, str(src), *TO_HOST]))
    shared = {}
    for m in re.finditer(r"llvm\.func @(\w+)\(.*\{(.*kred\.static_shared_bytes = \d+.*)\}", host):
        attrs = dict(re.findall(r"(kred\.\w+) = (\d+)", m.group(2)))
        shared[m.group(1)] = (int(attrs["kred.static_shared_bytes"]), int(attrs["kred.num_params"]))
    assert {"kernel_gpu", "kernel_gpu_merge"} <= set(shared), shared
    ll = tmp / f"{name}.ll"
    ll.write_text(_run([os.path.join(LLVM_BIN, "mlir-translate"), "--mlir-to-llvmir"], input=host))
    obj = tmp / f"{name}.o"
    _run([os.path.join(LLVM_BIN, "llc"), "-O2", "-filetype=obj", "--relocation-model=pic", str(ll), "-o", str(obj)])
    so = tmp / f"lib{name}.so"
    cc = shutil.which("clang-22") or os.path.join(LLVM_BIN, "clang")
    _run([cc, "-shared", str(obj), "-o", str(so)])
    return ctypes.CDLL(str(so)), shared


def _launch(lib, shared, M, N, split):
    """Launches the library's kernels in place of the compiled kernel's host image; returns (out, error)."""
    compiled = _C.compile_gpu(FORMULA, ALIASES, "Sum", 1, "float32", emulate=True)
    kernel = GpuKernel.from_address(compiled.address)
    names = sorted(shared)
    entries = (EmuEntry * len(names))(*[
        EmuEntry(n.encode(), ctypes.cast(getattr(lib, n), ctypes.c_void_p).value, *shared[n]) for n in names])
    module = EmuModule(KRED_EMU_MAGIC, len(names), entries)
    image = (GpuImage * 1)(GpuImage(0, 2, ctypes.addressof(module), ctypes.sizeof(module)))
    mutant = GpuKernel(kernel.info, kernel.run_entry, kernel.merge_entry, kernel.block_threads,
                    kernel.rows_per_thread, kernel.shared_bytes, 1, image)
    rng = np.random.default_rng(M * 31 + N)
    x, y = rng.standard_normal((M, 3), dtype=np.float32), rng.standard_normal((N, 3), dtype=np.float32)
    b = rng.standard_normal((N, 1), dtype=np.float32)
    out = np.full((M, 1), np.nan, dtype=np.float32)
    scratch = np.zeros(1 << 20, dtype=np.uint8)
    was = _C.runtime.gpu_set_emulator(True)
    error = None
    try:
        _C.runtime.gpu_launch(ctypes.addressof(mutant), [x.ctypes.data, y.ctypes.data, b.ctypes.data], M, N,
                              out.ctypes.data, None, split=split, scratch=scratch.ctypes.data,
                              scratch_bytes=scratch.size)
    except RuntimeError as e:
        error = str(e)
    finally:
        _C.runtime.gpu_set_emulator(was)
    want = (np.exp(-((x.astype(np.float64)[:, None] - y.astype(np.float64)[None]) ** 2).sum(-1))
            * b.astype(np.float64)[:, 0]).sum(1)
    return out[:, 0], want, error


@pytest.fixture
def lockstep(monkeypatch):
    monkeypatch.setenv("KRED_GPU_EMU_LOCKSTEP", "1")
    monkeypatch.setenv("KRED_GPU_EMU_RACECHECK", "1")


@pytest.mark.parametrize("M,N,split", [(37, 300, 0), (130, 3000, 1)])
def test_the_generated_kernel_through_the_harness(gpu_module, lockstep, M, N, split):
    tmp, text = gpu_module
    first, last = _run_kernel_lines(text)
    run = text.splitlines()[first:last]
    assert sum(line.strip() == "gpu.barrier" for line in run) == 2, "the run kernel's tile loop has two barriers"
    lib, shared = _build(tmp, "original", text)
    got, want, error = _launch(lib, shared, M, N, split)
    assert error is None, error
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("which", [0, 1], ids=["after-the-tile-loads", "before-the-tile-is-overwritten"])
def test_a_missing_barrier_is_reported(gpu_module, lockstep, which):
    tmp, text = gpu_module
    lines = text.splitlines(keepends=True)
    first, last = _run_kernel_lines(text)
    barriers = [i for i in range(first, last) if lines[i].strip() == "gpu.barrier"]
    assert len(barriers) == 2
    del lines[barriers[which]]
    lib, shared = _build(tmp, f"mutant{which}", "".join(lines))
    got, want, error = _launch(lib, shared, 130, 300, 0)
    assert error is not None, "the emulator ran a kernel without its barrier and reported nothing"
    assert re.search(r"(read-after-write|write-after-read) race on workgroup memory", error), error
