"""The GPU backend.

Everywhere: the error paths without a driver (a subprocess with
$KRED_LIBCUDA_PATH pointing nowhere), the runtime binding's argument checks,
and what gpu_available() reports. The GPU suite: every reduction x axis x
dtype (float16, bfloat16, float32, float64) against a float64 reference
with poisoned outputs, agreement with the CPU backend, the GPU_1D / GPU_2D /
_device / _host backends, split and unsplit launches, batches, empty
reductions, LazyTensor, KernelSolve and gradients. With a CUDA GPU it runs
there on CUDA tensors; without one it runs on the host GPU emulator
(docs/gpu.md, "The emulator": the same GPU kernels, lowered for the host,
launched by the GPU runtime's own logic through its emulated driver, on
host tensors). Only what needs a real device (streams, several devices,
device mismatches) is skipped without one, with the reason "no CUDA GPU:
...".
"""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import keops_ref
import kred.numpy as kn
import kred.torch as kt
import reduction_cases
from helpers import TOL
from kred.common import backends
from kred.torch._tools import TorchTools


def _gpu_reason():
    if not torch.cuda.is_available():
        return "no CUDA GPU: torch.cuda.is_available() is False"
    if backends.gpu_available() == 0:
        return "no CUDA GPU: " + (backends.gpu_error() or "kred's runtime sees no device")
    return None


GPU_REASON = _gpu_reason()
needs_gpu = pytest.mark.skipif(GPU_REASON is not None, reason=GPU_REASON or "")

# Without a GPU, the compute tests run on the GPU emulator.
EMULATED = GPU_REASON is not None


def _gpu_suite_reason():
    if not EMULATED:
        return None
    from kred import _C

    if not hasattr(_C.runtime, "gpu_set_emulator"):
        return "no CUDA GPU, and this build of kred._C has no GPU emulator"
    return None


GPU_SUITE_REASON = _gpu_suite_reason()
gpu_suite = pytest.mark.skipif(GPU_SUITE_REASON is not None, reason=GPU_SUITE_REASON or "")


def dev(t):
    """Where the GPU backend's inputs live: CUDA memory, or host memory on the emulator."""
    return t if EMULATED else t.cuda()


def on_gpu(t):
    """Whether a result is where the GPU backend leaves it for inputs given by dev()."""
    return (not t.is_cuda) if EMULATED else (t.is_cuda and t.device == torch.device("cuda", 0))


def gpu_backend(name="auto"):
    """The backend string: "auto" picks the GPU for CUDA tensors; host tensors need "GPU" on the emulator."""
    return "GPU" if EMULATED and name == "auto" else name


@pytest.fixture
def emulator(monkeypatch):
    """Without a GPU: $KRED_GPU_EMULATOR=1 sends the GPU backends to the host GPU emulator."""
    if EMULATED:
        monkeypatch.setenv("KRED_GPU_EMULATOR", "1")

DTYPES = ["float16", "bfloat16", "float32", "float64"]
TDTYPE = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}

_GAUSS, _SCORE = reduction_cases.GAUSS, reduction_cases.SCORE
_VEC = (reduction_cases.VEC_FORMULA, ["x = Vi(3)", "y = Vj(3)"])
# name -> (formula, aliases, reduction, opt_arg, formula2): every reduction kind.
CASES = reduction_cases.cases(_VEC[1], 4)
MAX_LIKE = ("Max", "ArgMax", "Max_ArgMax")


def make_inputs(name, M, N, dtype, seed=0):
    """CPU tensors of `dtype`: (M, d) for Vi, (N, d) for Vj, (d,) positive for Pm."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for a in CASES[name][1]:
        kind = a.split("=")[1].strip()[:2]
        dim = int(a.split("(")[1].rstrip(")"))
        if kind == "Vi":
            t = torch.randn(M, dim, generator=g, dtype=torch.float64)
        elif kind == "Vj":
            t = torch.randn(N, dim, generator=g, dtype=torch.float64)
        else:
            t = torch.rand(dim, generator=g, dtype=torch.float64) + 0.5
        out.append(t.to(TDTYPE[dtype]))
    return out


def genred(framework, name, axis):
    formula, aliases, reduction, opt_arg, formula2 = CASES[name]
    mod = kt if framework == "torch" else kn
    return mod.Genred(formula, aliases, reduction_op=reduction, axis=axis, opt_arg=opt_arg, formula2=formula2)


def f64(args):
    return [a.detach().cpu().to(torch.float64).numpy() for a in args]


def reference(name, axis, args):
    formula, aliases, reduction, opt_arg, formula2 = CASES[name]
    return keops_ref.reference(formula, aliases, reduction, axis, f64(args), opt_arg, formula2 or "")


def dense_F(name, axis, args):
    """F in float64 as (rows, reduced, D) for the selection cases (the _VEC formula)."""
    x, y = f64(args)[:2]
    F = (x[:, None, :] - y[None, :, :]) ** 2 + x[:, None, :] * y[None, :, :]
    return F if axis == 1 else F.transpose(1, 0, 2)


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def check_values(got, want, dtype, what):
    got = got.detach().cpu().to(torch.float64).numpy()
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert not np.isnan(got).any() or np.isnan(want).any(), f"{what}: NaN in the output (unwritten?)"
    tol = TOL[dtype]
    finite = np.isfinite(want)
    scale = float(np.max(np.abs(want[finite]))) if finite.any() else 1.0
    np.testing.assert_allclose(got, want, rtol=tol["rtol"], atol=tol["atol"] * max(scale, 1.0), err_msg=what)


def check_indices(idx, name, axis, args, dtype, what):
    """Selected indices: valid, distinct per row, and as good as the reference's (up to rounding)."""
    idx = idx.detach().cpu().numpy()
    assert idx.dtype == np.int64, f"{what}: indices must be int64"
    F = dense_F(name, axis, args)  # (rows, reduced, D)
    rows, reduced, D = F.shape
    K = CASES[name][3] or 1
    idx = idx.reshape(rows, K, D)
    # Fewer candidates than K: the missing ones are -1.
    assert (idx[:, reduced:, :] == -1).all(), f"{what}: padding indices must be -1"
    K = min(K, reduced)
    idx = idx[:, :K, :]
    assert (idx >= 0).all() and (idx < reduced).all(), f"{what}: index out of range"
    for d in range(D):
        for r in range(rows):
            assert len(set(idx[r, :, d].tolist())) == K, f"{what}: repeated index in row {r}"
    picked = np.take_along_axis(F, idx, 1)  # (rows, K, D)
    order = np.sort(-F if name in MAX_LIKE else F, axis=1)[:, :K, :]
    best = -order if name in MAX_LIKE else order
    tol = TOL[dtype]
    scale = max(float(np.max(np.abs(best))), 1.0)
    np.testing.assert_allclose(picked, best, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def check_result(out, name, axis, args, dtype, what):
    """out (as Genred returns it) against the float64 reference."""
    want = reference(name, axis, args)
    outs, wants = as_tuple(out), as_tuple(want)
    assert len(outs) == len(wants), what
    for o, w in zip(outs, wants):
        if o.dtype == torch.int64:
            check_indices(o, name, axis, args, dtype, what)
        else:
            assert o.dtype == TDTYPE[dtype], f"{what}: dtype {o.dtype}"
            check_values(o, w, dtype, what)


@pytest.fixture
def poison(monkeypatch):
    """Outputs allocated by kred come out NaN (values) or -7 (indices) until the kernel writes them."""
    empty = TorchTools.empty

    def poisoned(shape, dtype, like=None):
        t = empty(shape, dtype, like)
        t.fill_(-7 if dtype == "int64" else math.nan)
        return t

    monkeypatch.setattr(TorchTools, "empty", staticmethod(poisoned))


# ---------------------------------------------------------------------------
# Everywhere: runtime reports and error paths


def test_gpu_available_is_consistent():
    from kred import _C

    n = _C.runtime.gpu_available()
    assert isinstance(n, int) and n >= 0
    if n == 0:
        msg = _C.runtime.gpu_error()
        assert msg.startswith("no CUDA"), msg
    else:
        assert _C.runtime.gpu_error() == ""
        if torch.cuda.is_available():
            assert n == torch.cuda.device_count()


def test_runtime_binding_checks_its_arguments():
    from kred import _C

    with pytest.raises(ValueError, match="NULL kred_gpu_kernel"):
        _C.runtime.gpu_launch(0, [], 1, 1, 0, 0)
    with pytest.raises(TypeError, match="kernel must be an int address"):
        _C.runtime.gpu_launch("kernel", [], 1, 1, 0, 0)
    with pytest.raises(ValueError, match="NULL kred_gpu_kernel"):
        _C.runtime.gpu_scratch_bytes(0, 1, 1)


_NO_DRIVER_SCRIPT = textwrap.dedent(
    """
    import numpy as np, torch
    import kred.numpy as kn, kred.torch as kt
    from kred import _C

    assert _C.runtime.gpu_available() == 0
    assert "no CUDA driver: cannot load /nonexistent/libcuda.so.1" in _C.runtime.gpu_error(), _C.runtime.gpu_error()
    F, A = "Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"]
    x, y, b = np.random.rand(5, 3), np.random.rand(7, 3), np.random.rand(7, 2)
    cases = [(kn.Genred(F, A, axis=1), (x, y, b)), (kt.Genred(F, A, axis=1), [torch.from_numpy(a) for a in (x, y, b)])]
    for g, args in cases:
        for backend in ("GPU", "GPU_1D", "GPU_2D", "GPU_1D_host", "GPU_2D_host", "GPU_1D_device", "GPU_2D_device"):
            try:
                g(*args, backend=backend)
            except RuntimeError as e:
                msg = str(e)
                assert f"backend={backend!r}: kred cannot use a CUDA GPU here: no CUDA driver" in msg, msg
            else:
                raise SystemExit(f"backend={backend!r} did not raise")
        want = g(*args, backend="CPU")
        got = g(*args)  # auto: CPU inputs stay on the CPU
        assert np.allclose(np.asarray(got), np.asarray(want))
    print("NO-DRIVER OK")
    """
)


def test_gpu_backends_without_a_driver_raise_clear_errors():
    env = dict(os.environ, KRED_LIBCUDA_PATH="/nonexistent/libcuda.so.1", CUDA_VISIBLE_DEVICES="")
    env.pop("KRED_TEST_FAKE_C", None)
    r = subprocess.run([sys.executable, "-c", _NO_DRIVER_SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and "NO-DRIVER OK" in r.stdout, r.stdout + r.stderr


_FAKE_DRIVER_SCRIPT = textwrap.dedent(
    """
    import ctypes, sys
    from gpu_abi import GpuImage, GpuKernel, KernelInfo
    from kred import _C

    fake = ctypes.CDLL(sys.argv[1])  # the same instance as the runtime's dlopen of that path
    assert _C.runtime.gpu_available() == 2, _C.runtime.gpu_error()

    class Launch(ctypes.Structure):
        _fields_ = [("entry", ctypes.c_char_p), ("image", ctypes.c_void_p), ("context", ctypes.c_void_p),
                    ("grid", ctypes.c_uint * 3), ("block", ctypes.c_uint * 3), ("shared", ctypes.c_uint),
                    ("stream", ctypes.c_void_p), ("num_params", ctypes.c_int), ("params", ctypes.c_uint64 * 64)]

    fake.fakecuda_launch.restype = ctypes.POINTER(Launch)
    fake.fakecuda_primary_context.restype = ctypes.c_void_p
    cats = (ctypes.c_int32 * 3)(0, 1, -1)
    dims = (ctypes.c_int64 * 3)(3, 3, 0)
    text = b"FAKE params k_gpu=10 k_gpu_merge=6"
    ptx = ctypes.create_string_buffer(text)  # NUL-terminated
    images = (GpuImage * 1)(GpuImage(80, 0, ctypes.addressof(ptx), len(text) + 1))
    info = KernelInfo(1, b"k", b"x|y", 1, 0, 1, 0, 3, cats, dims, 1, 0, 1, 0, 1)
    k = GpuKernel(info, b"k_gpu", b"k_gpu_merge", 256, 1, 1024, 1, images)
    addr = ctypes.addressof(k)

    # 5 rows, 70000 reduced: 1 row block < 132 SMs x 8 blocks: 68 chunks of 1030.
    assert _C.runtime.gpu_scratch_bytes(addr, 5, 70000, 1) == 2816  # 68 x 5 doubles -> 2720, rounded to 256
    _C.runtime.gpu_launch(addr, [0x1000, 0x2000, 0xBAD0], 5, 70000, 0x3000, None,
                          stream=0x7700, device=1, split=-1, scratch=0x100000, scratch_bytes=2816)
    assert fake.fakecuda_num_launches() == 2
    run, merge = fake.fakecuda_launch(0).contents, fake.fakecuda_launch(1).contents
    assert run.entry == b"k_gpu" and merge.entry == b"k_gpu_merge"
    assert list(run.params[:10]) == [0x1000, 0x2000, 0, 5, 70000, 1030, 0x3000, 0, 0x100000, 0], list(run.params[:10])
    assert list(run.grid) == [1, 68, 1] and list(run.block) == [256, 1, 1] and run.shared == 1024
    assert run.stream == 0x7700 and merge.stream == 0x7700
    assert run.context == fake.fakecuda_primary_context(1)
    assert list(merge.params[:6]) == [0x100000, 0, 5, 68, 0x3000, 0], list(merge.params[:6])
    assert list(merge.grid) == [1, 1, 1] and merge.shared == 0
    assert fake.fakecuda_allocs() == 0  # the caller's scratch was used

    for kwargs, message in [
        (dict(device=5), "CUDA device 5 does not exist (2 devices)"),
        (dict(split=3), "split must be -1, 0 or 1"),
    ]:
        try:
            _C.runtime.gpu_launch(addr, [0x1000, 0x2000, None], 5, 7, 0x3000, None, **kwargs)
        except RuntimeError as e:
            assert message in str(e), str(e)
        else:
            raise SystemExit(f"{kwargs} did not raise")
    try:
        _C.runtime.gpu_launch(addr, [0x1000, 0x2000], 5, 7, 0x3000, None)
    except ValueError as e:
        assert "takes 3 argument pointers, got 2" in str(e)
    else:
        raise SystemExit("a missing pointer did not raise")
    print("FAKE-DRIVER OK")
    """
)


def _fake_driver():
    """The test stand-in for libcuda.so.1 (test/unit/FakeCuda.cpp), built as kred-fake-cuda."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = os.environ.get("KRED_BUILD_DIR") or os.path.join(root, "build")
    return os.path.join(build, "test", "unit", "fake-cuda", "libcuda.so.1")


def test_runtime_binding_marshals_launches_through_a_fake_driver():
    """gpu_launch's pointers, sizes, stream, device, split and scratch, as the driver sees them (no GPU needed)."""
    path = _fake_driver()
    assert os.path.exists(path), f"{path} is missing: build the kred-fake-cuda target (or set KRED_BUILD_DIR)"
    env = dict(os.environ, KRED_LIBCUDA_PATH=path, KRED_FAKE_CUDA_DEVICES="2")
    env["PYTHONPATH"] = os.path.dirname(os.path.abspath(__file__)) + os.pathsep + env.get("PYTHONPATH", "")  # gpu_abi
    env.pop("KRED_TEST_FAKE_C", None)
    r = subprocess.run([sys.executable, "-c", _FAKE_DRIVER_SCRIPT, path], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and "FAKE-DRIVER OK" in r.stdout, r.stdout + r.stderr


def test_backend_names_and_devices_are_checked():
    x, y, b = (torch.rand(5, 3), torch.rand(7, 3), torch.rand(7, 2))
    g = kt.Genred("Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"], axis=1)
    with pytest.raises(ValueError, match="invalid backend 'GPU_3D'"):
        g(x, y, b, backend="GPU_3D")
    with pytest.raises(ValueError, match=r"argument 'y' \(position 1, Vj\(3\)\) is on device 'meta'"):
        g(x, y.to("meta"), b)


# ---------------------------------------------------------------------------
# With a GPU


@gpu_suite
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", list(CASES))
def test_every_reduction_on_cuda(name, axis, dtype, poison, emulator):
    """Every reduction x axis x dtype: CUDA inputs (auto backend) vs float64, and vs the CPU backend."""
    M, N = (37, 3000) if axis == 1 else (3000, 37)
    args = make_inputs(name, M, N, dtype)
    g = genred("torch", name, axis)
    out = g(*[dev(a) for a in args], backend=gpu_backend())
    for o in as_tuple(out):
        assert on_gpu(o)
    check_result(out, name, axis, args, dtype, f"{name} axis {axis} {dtype} (GPU)")
    # The CPU backend on the same inputs agrees (values to the dtype's tolerance, indices equally good).
    cpu = g(*args, backend="CPU")
    for o, c in zip(as_tuple(out), as_tuple(cpu)):
        if o.dtype == torch.int64:
            if dtype == "float64":
                assert torch.equal(o.cpu(), c), f"{name}: GPU and CPU indices differ in float64"
        else:
            check_values(o, c.to(torch.float64).numpy(), dtype, f"{name} GPU vs CPU")


SPLIT_CASES = ["Sum", "LogSumExpWeight", "Max_SumShiftExpWeight", "SumSoftMaxWeight", "Min_ArgMin", "Max_ArgMax", "KMin_ArgKMin"]


@gpu_suite
@pytest.mark.parametrize("backend", ["GPU", "GPU_1D", "GPU_2D", "GPU_1D_device", "GPU_2D_device", "auto"])
@pytest.mark.parametrize("shape", [(3, 20000), (20000, 3), (700, 2000), (1, 1), (1, 2)])
@pytest.mark.parametrize("name", SPLIT_CASES)
def test_split_and_unsplit_launches(name, shape, backend, poison, emulator):
    """Few rows and a long reduction (split), many rows (not split), tiny ones; forced and automatic."""
    M, N = shape
    dtype = "float32"
    args = make_inputs(name, M, N, dtype, seed=M + N)
    out = genred("torch", name, 1)(*[dev(a) for a in args], backend=gpu_backend(backend))
    check_result(out, name, 1, args, dtype, f"{name} {shape} {backend}")


@gpu_suite
@pytest.mark.parametrize("backend", ["GPU", "GPU_1D_host", "GPU_2D_host"])
def test_host_inputs_are_copied_to_the_gpu_and_back(backend, emulator):
    name, dtype = "KMin_ArgKMin", "float32"
    args = make_inputs(name, 50, 4000, dtype)
    # numpy
    nargs = [a.numpy() for a in args]
    vals, idx = genred("numpy", name, 1)(*nargs, backend=backend)
    assert isinstance(vals, np.ndarray) and isinstance(idx, np.ndarray)
    check_result((torch.from_numpy(vals), torch.from_numpy(idx)), name, 1, args, dtype, f"numpy {backend}")
    # CPU tensors stay CPU tensors
    out = genred("torch", name, 1)(*args, backend=backend)
    assert all(not o.is_cuda for o in out)
    check_result(out, name, 1, args, dtype, f"torch CPU {backend}")
    # out= in host memory
    name = "Sum"
    args = make_inputs(name, 50, 4000, dtype)
    nargs = [a.numpy() for a in args]
    o = np.full((50, 2), np.nan, dtype=np.float32)
    r = genred("numpy", name, 1)(*nargs, backend=backend, out=o)
    assert r is o
    check_result(torch.from_numpy(o), name, 1, args, dtype, f"numpy out= {backend}")


@needs_gpu
def test_device_mismatches_are_clear_errors():
    name = "Sum"
    x, y, b, p = make_inputs(name, 10, 20, "float32")
    g = genred("torch", name, 1)
    with pytest.raises(ValueError, match=r"argument 'x' \(position 0, Vi\(3\)\) is on the CPU but argument 'y' \(position 1, Vj\(3\)\) is on device 'cuda:0'"):
        g(x, y.cuda(), b.cuda(), p.cuda())
    with pytest.raises(ValueError, match=r"argument 'p' \(position 3, Pm\(1\)\) is on the CPU"):
        g(x.cuda(), y.cuda(), b.cuda(), p)
    with pytest.raises(ValueError, match="backend='CPU' runs on CPU arrays, but argument 'x'"):
        g(x.cuda(), y.cuda(), b.cuda(), p.cuda(), backend="CPU")
    with pytest.raises(ValueError, match="backend='GPU_1D_device' runs on CUDA tensors, but argument 'x'"):
        g(x, y, b, p, backend="GPU_1D_device")
    with pytest.raises(ValueError, match="backend='GPU_2D_host' copies host inputs to the GPU"):
        g(x.cuda(), y.cuda(), b.cuda(), p.cuda(), backend="GPU_2D_host")
    with pytest.raises(ValueError, match="backend='GPU_1D_device' runs on CUDA tensors"):
        genred("numpy", name, 1)(x.numpy(), y.numpy(), b.numpy(), p.numpy(), backend="GPU_1D_device")
    if torch.cuda.device_count() > 1:
        with pytest.raises(ValueError, match="is on device 'cuda:1' but argument 'x'"):
            g(x.cuda(), y.cuda(1), b.cuda(), p.cuda())
        with pytest.raises(ValueError, match="device_id=1, but argument 'x'"):
            g(x.cuda(), y.cuda(), b.cuda(), p.cuda(), device_id=1)


@needs_gpu
def test_second_device():
    if torch.cuda.device_count() < 2:
        return  # one device: nothing more to check than test_every_reduction_on_cuda
    name = "Min_ArgMin"
    args = make_inputs(name, 40, 3000, "float32")
    out = genred("torch", name, 1)(*[a.cuda(1) for a in args])
    assert all(o.device == torch.device("cuda", 1) for o in out)
    check_result(out, name, 1, args, "float32", "cuda:1")
    out = genred("numpy", name, 1)(*[a.numpy() for a in args], backend="GPU", device_id=1)
    check_result(tuple(torch.from_numpy(o) for o in out), name, 1, args, "float32", "device_id=1")


@needs_gpu
def test_runs_on_the_current_stream(poison):
    name = "LogSumExp"
    args = [a.cuda() for a in make_inputs(name, 20, 50000, "float32")]
    g = genred("torch", name, 1)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        out = g(*args)
        # Work queued after the reduction on the same stream sees its result.
        doubled = out * 2
    s.synchronize()
    check_result(out, name, 1, [a.cpu() for a in args], "float32", "side stream")
    assert torch.equal(doubled, out * 2)


@gpu_suite
def test_empty_and_batched(poison, emulator):
    name = "Sum"
    g = genred("torch", name, 1)
    bk = gpu_backend()
    x, y, b, p = (dev(a) for a in make_inputs(name, 6, 0, "float32"))
    out = g(x, y, b, p, backend=bk)
    assert on_gpu(out) and out.shape == (6, 2) and torch.all(out == 0)
    x, y, b, p = (dev(a) for a in make_inputs(name, 0, 9, "float32"))
    assert g(x, y, b, p, backend=bk).shape == (0, 2)
    gen = torch.Generator().manual_seed(3)
    xb = torch.randn(2, 3, 30, 3, generator=gen)
    yb = torch.randn(1, 3, 4000, 3, generator=gen)
    bb = torch.randn(2, 1, 4000, 2, generator=gen)
    pb = torch.rand(1, 1, 1, generator=gen) + 0.5
    got = g(dev(xb), dev(yb), dev(bb), dev(pb), backend=bk)
    want = g(xb, yb, bb, pb, backend="CPU")
    assert got.shape == (2, 3, 30, 2)
    check_values(got, want.to(torch.float64).numpy(), "float32", "batched")


@gpu_suite
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lazytensor_on_cuda(dtype, poison, emulator):
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(300, 3, generator=gen, dtype=TDTYPE[dtype])
    y = torch.randn(5000, 3, generator=gen, dtype=TDTYPE[dtype])
    b = torch.randn(5000, 2, generator=gen, dtype=TDTYPE[dtype])

    def run(x, y, b, backend):
        x_i, y_j = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
        D = ((x_i - y_j) ** 2).sum(-1)
        K = (-D).exp()
        return ((K * kt.LazyTensor(b[None, :, :])).sum(dim=1, backend=backend),
                D.argKmin(3, dim=1, backend=backend), (-D).logsumexp(dim=0, backend=backend))

    got = run(dev(x), dev(y), dev(b), gpu_backend())
    want = run(x, y, b, "CPU")
    for gt, wt in zip(got, want):
        assert on_gpu(gt)
        if gt.dtype == torch.int64:
            d = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1).to(torch.float64)
            np.testing.assert_allclose(
                torch.gather(d, 1, gt.cpu()).numpy(), torch.gather(d, 1, wt).numpy(), rtol=1e-4, atol=1e-5
            )
        else:
            check_values(gt, wt.to(torch.float64).numpy(), dtype, "LazyTensor")


@gpu_suite
def test_kernelsolve_on_cuda(emulator):
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(200, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(200, 2, generator=gen, dtype=torch.float64)
    formula, aliases = "Exp(-SqDist(x,y)/IntCst(2))*a", ["x = Vi(3)", "y = Vj(3)", "a = Vj(2)"]
    Kinv = kt.KernelSolve(formula, aliases, "a", axis=1)
    bk = gpu_backend()
    a = Kinv(dev(x), dev(x), dev(b), alpha=0.1, eps=1e-10, backend=bk)
    assert on_gpu(a)
    K = torch.exp(-((x[:, None] - x[None]) ** 2).sum(-1) / 2)
    want = torch.linalg.solve(0.1 * torch.eye(200, dtype=torch.float64) + K, b)
    np.testing.assert_allclose(a.cpu().numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    # Differentiable on the GPU too.
    xg = dev(x).requires_grad_()
    a = Kinv(xg, xg, dev(b), alpha=0.1, eps=1e-10, backend=bk)
    (gx,) = torch.autograd.grad(a.square().sum(), xg)
    xd = x.clone().requires_grad_()
    Kd = torch.exp(-((xd[:, None] - xd[None]) ** 2).sum(-1) / 2)
    ad = torch.linalg.solve(0.1 * torch.eye(200, dtype=torch.float64) + Kd, b)
    (gd,) = torch.autograd.grad(ad.square().sum(), xd)
    np.testing.assert_allclose(gx.cpu().numpy(), gd.numpy(), rtol=1e-5, atol=1e-6)


@gpu_suite
@pytest.mark.parametrize("name", ["Sum", "LogSumExp", "SumSoftMaxWeight", "Min", "KMin"])
@pytest.mark.parametrize("axis", [0, 1])
def test_gradients_on_cuda(name, axis, emulator):
    """Gradients of every input through the GPU backend vs dense torch in float64 (on the GPU)."""
    formula, aliases, reduction, opt_arg, formula2 = CASES[name]
    M, N = (30, 2500) if axis == 1 else (2500, 30)
    args = [dev(a).requires_grad_() for a in make_inputs(name, M, N, "float64", seed=11)]
    g = genred("torch", name, axis)
    out = g(*args, backend=gpu_backend())
    assert on_gpu(out)
    eta = torch.randn_like(out)
    grads = torch.autograd.grad((out * eta).sum(), args, allow_unused=True)

    # Dense torch of the same formulas, rows x reduced x D.
    dargs = [a.detach().clone().requires_grad_() for a in args]
    x, y = dargs[0], dargs[1]
    xi, yj = (x[:, None, :], y[None, :, :]) if axis == 1 else (x[None, :, :], y[:, None, :])
    if formula == _GAUSS[0]:
        b, p = dargs[2], dargs[3]
        bj = b[None] if axis == 1 else b[:, None]
        dense = (torch.exp(-p * ((xi - yj) ** 2).sum(-1, keepdim=True)) * bj).sum(1)
    elif formula == _SCORE[0]:
        b, p = dargs[2], dargs[3]
        bj = b[None] if axis == 1 else b[:, None]
        f = p * (xi * yj).sum(-1, keepdim=True) - ((xi - yj) ** 2).sum(-1, keepdim=True)
        if reduction == "LogSumExp":
            dense = torch.logsumexp(f, dim=1)
        else:
            dense = (torch.softmax(f, dim=1) * bj).sum(1)
    else:
        f = (xi - yj) ** 2 + xi * yj
        if reduction == "Min":
            dense = f.min(1).values
        else:
            dense = torch.sort(f, dim=1).values[:, :opt_arg, :]
            dense = dense.reshape(out.shape)
    want = torch.autograd.grad((dense * eta).sum(), dargs, allow_unused=True)
    for i, (gk, gd) in enumerate(zip(grads, want)):
        gk = torch.zeros_like(args[i]) if gk is None else gk  # inputs the formula does not use
        gd = torch.zeros_like(args[i]) if gd is None else gd
        assert gk.device == args[i].device, f"grad {i} on {gk.device}"
        np.testing.assert_allclose(gk.cpu().numpy(), gd.cpu().numpy(), rtol=1e-7, atol=1e-9, err_msg=f"grad {i}")


# ---------------------------------------------------------------------------
# Sizes and K: tails of blocks and tiles, one-element ranges, split-N


ODD_SIZES = [(1, 1), (1, 2), (2, 3), (129, 131), (257, 127), (5, 4099)]


@gpu_suite
@pytest.mark.parametrize("shape", ODD_SIZES)
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", list(CASES))
def test_odd_sizes(name, axis, shape, poison, emulator):
    """Sizes 1, primes, not multiples of the block (128) or the tile; (5, 4099) splits the reduced index."""
    M, N = shape if axis == 1 else shape[::-1]
    dtype = "float32"
    args = make_inputs(name, M, N, dtype, seed=M * 7 + N)
    out = genred("torch", name, axis)(*[dev(a) for a in args], backend=gpu_backend())
    check_result(out, name, axis, args, dtype, f"{name} axis {axis} {shape}")


@gpu_suite
@pytest.mark.parametrize("K", [1, 5, 10, 64])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("name", ["KMin", "ArgKMin", "KMin_ArgKMin"])
def test_kmin_family_for_every_k(name, axis, K, poison, emulator):
    """K = 1, 5, 10, 64 (more than some rows have terms: padded with +inf / -1), split and not."""
    formula, aliases = _VEC
    g = kt.Genred(formula, aliases, reduction_op=name, axis=axis, opt_arg=K)
    for M, N, backend in [(37, 200, "GPU_1D"), (3, 5000, "GPU_2D"), (40, 50, "GPU")]:
        if axis == 0:
            M, N = N, M
        args = make_inputs("KMin", M, N, "float32", seed=K + M)
        got = as_tuple(g(*[dev(a) for a in args], backend=backend))
        F = dense_F("KMin", axis, args)  # (rows, reduced, 3)
        rows, reduced, D = F.shape
        order = np.argsort(F, axis=1, kind="stable")[:, :K, :]
        best = np.take_along_axis(F, order, 1)
        k = min(K, reduced)
        what = f"{name} axis {axis} K={K} ({M}, {N}) {backend}"
        if name != "ArgKMin":
            vals = got[0].detach().cpu().to(torch.float64).numpy().reshape(rows, K, D)
            np.testing.assert_allclose(vals[:, :k], best[:, :k], rtol=1e-5, atol=1e-5, err_msg=what)
            assert np.all(vals[:, k:] == np.inf), what
        if name != "KMin":
            idx = got[-1].detach().cpu().numpy().reshape(rows, K, D)
            assert np.all(idx[:, k:] == -1), what
            picked = np.take_along_axis(F, idx[:, :k], 1)
            np.testing.assert_allclose(picked, best[:, :k], rtol=1e-5, atol=1e-5, err_msg=what)
            for r in range(rows):
                for d in range(D):
                    assert len(set(idx[r, :k, d].tolist())) == k, f"{what}: repeated index"


# ---------------------------------------------------------------------------
# use_fast_math (pykeops' option, default True) reaches compile_gpu

# Formulas of their own.
_FAST_ALIASES = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)"]
_FAST = {"Sum": "Exp(-SqDist(x,y)*IntCst(2))*b", "LogSumExp": "IntCst(3)*(x|y) - SqDist(x,y)"}


@pytest.fixture
def fast_math_seen(monkeypatch):
    """The fast_math of every compile_gpu call kred makes during the test (starting from an empty memo)."""
    from kred.common import cache
    from kred.common._cext import extension

    monkeypatch.setattr(cache, "_kernels", {})
    ext = extension()
    real, seen = ext.compile_gpu, []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("fast_math"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ext, "compile_gpu", spy)
    return seen


def _fast_inputs(dtype=torch.float32):
    g = torch.Generator().manual_seed(11)
    x, y, b = torch.randn(70, 3, generator=g), torch.randn(300, 3, generator=g), torch.randn(300, 2, generator=g)
    return [t.to(dtype) for t in (x, y, b)]


@gpu_suite
@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_use_fast_math_reaches_compile_gpu(framework, fast, fast_math_seen, poison, emulator):
    """Genred(use_fast_math=...) compiles its GPU kernels with that fast_math, and both match float64."""
    aliases, args = _FAST_ALIASES, _fast_inputs()
    for red, axis in [("Sum", 1), ("LogSumExp", 0)]:
        formula = _FAST[red]
        g = (kt if framework == "torch" else kn).Genred(
            formula, aliases, reduction_op=red, axis=axis, use_fast_math=fast
        )
        assert g.spec.fast_math is fast
        if framework == "torch":
            got = g(*[dev(a) for a in args], backend=gpu_backend())
        else:
            got = torch.from_numpy(g(*[a.numpy() for a in args], backend="GPU"))
        want = keops_ref.reference(formula, aliases, red, axis, f64(args))
        check_values(got, want, "float32", f"{framework} {red} use_fast_math={fast}")
    assert fast_math_seen and set(fast_math_seen) == {fast}


@gpu_suite
def test_lazytensor_and_gradients_pass_use_fast_math(fast_math_seen, emulator):
    """LazyTensor reductions take use_fast_math= (as pykeops'), and the kernels of a gradient inherit it."""
    x, y, b = _fast_inputs(torch.float64)
    x_i, y_j, b_j = kt.LazyTensor(dev(x)[:, None, :]), kt.LazyTensor(dev(y)[None, :, :]), kt.LazyTensor(dev(b)[None])
    K = (-(x_i - y_j).sqnorm2() * 3).exp() * b_j
    got = K.sum(dim=1, backend=gpu_backend(), use_fast_math=False)
    want = torch.exp(-3 * ((x[:, None] - y[None]) ** 2).sum(-1)) @ b
    np.testing.assert_allclose(got.cpu().numpy(), want.numpy(), rtol=1e-9, atol=1e-9)
    assert fast_math_seen and set(fast_math_seen) == {False}

    del fast_math_seen[:]
    xg = dev(x).clone().requires_grad_()
    g = kt.Genred(_FAST["LogSumExp"], _FAST_ALIASES, reduction_op="LogSumExp", axis=1, use_fast_math=False)
    (gx,) = torch.autograd.grad(g(xg, dev(y), dev(b), backend=gpu_backend()).sum(), xg)
    xd = x.clone().requires_grad_()
    F = 3 * xd @ y.T - ((xd[:, None] - y[None]) ** 2).sum(-1)
    (gd,) = torch.autograd.grad(torch.logsumexp(F, dim=1).sum(), xd)
    np.testing.assert_allclose(gx.cpu().numpy(), gd.numpy(), rtol=1e-9, atol=1e-9)
    assert len(fast_math_seen) >= 2 and set(fast_math_seen) == {False}


def test_use_fast_math_changes_the_ptx():
    """use_fast_math=True (the default) compiles f32 Exp to the hardware ex2.approx; False keeps the
    accurate polynomial. Compiled for sm_90 without a GPU."""
    formula, aliases = _FAST["Sum"], _FAST_ALIASES
    ptx = {}
    for fast in (True, False):
        spec = kn.Genred(formula, aliases, use_fast_math=fast).spec
        ptx[fast] = spec.gpu_signature("float32", 90).kernel.ptx[90]
    assert "ex2.approx" in ptx[True]
    assert "ex2.approx" not in ptx[False]
    assert kn.Genred(formula, aliases).spec.fast_math is True
    # The CPU kernel does not depend on it: both specs run the same one.
    specs = [kn.Genred(formula, aliases, use_fast_math=fast).spec for fast in (True, False)]
    assert specs[0].kernel("float32") is specs[1].kernel("float32")
