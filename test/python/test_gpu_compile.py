"""kred._C.compile_gpu: PTX/cubin images and the kred_gpu_kernel struct the
runtime reads (docs/gpu.md), checked through ctypes; the targets (sm_70 to
sm_90). Needs no GPU."""

import ctypes
import os
import shutil

import pytest

from kred import _C


class KernelInfo(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("name", ctypes.c_char_p),
        ("formula", ctypes.c_char_p),
        ("axis", ctypes.c_int32),
        ("dtype", ctypes.c_int32),
        ("acc_dtype", ctypes.c_int32),
        ("reduction", ctypes.c_int32),
        ("num_args", ctypes.c_int32),
        ("arg_category", ctypes.POINTER(ctypes.c_int32)),
        ("arg_dim", ctypes.POINTER(ctypes.c_int64)),
        ("out_value_dim", ctypes.c_int64),
        ("out_index_dim", ctypes.c_int64),
        ("state_values", ctypes.c_int64),
        ("state_indices", ctypes.c_int64),
        ("row_block", ctypes.c_int64),
    ]


class GpuImage(ctypes.Structure):
    _fields_ = [
        ("sm", ctypes.c_int32),
        ("kind", ctypes.c_int32),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
    ]


class GpuKernel(ctypes.Structure):
    _fields_ = [
        ("info", KernelInfo),
        ("run_entry", ctypes.c_char_p),
        ("merge_entry", ctypes.c_char_p),
        ("block_threads", ctypes.c_int32),
        ("rows_per_thread", ctypes.c_int32),
        ("shared_bytes", ctypes.c_int32),
        ("num_images", ctypes.c_int32),
        ("images", ctypes.POINTER(GpuImage)),
    ]


def has_ptxas():
    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    return os.path.exists(os.path.join(home, "bin", "ptxas")) or shutil.which("ptxas")


def test_struct_matches_images():
    k = _C.compile_gpu("SqDist(x,y)",
                       ["x = Vi(3)", "y = Vj(3)"], "KMin_ArgKMin", axis=0,
                       dtype="float16", opt_arg=3, name="knn", sm=[80, 90],
                       cubin=False, block_threads=64, rows_per_thread=2)
    s = GpuKernel.from_address(k.address)
    assert k.kernel_address() == k.address
    assert s.info.name == b"knn"
    assert s.info.axis == 0
    assert s.info.num_args == 2
    assert s.info.out_value_dim == 3 and s.info.out_index_dim == 3
    assert s.info.state_values == 3 and s.info.state_indices == 3
    assert s.run_entry == b"knn_gpu" and s.merge_entry == b"knn_gpu_merge"
    assert (s.block_threads, s.rows_per_thread, s.shared_bytes) == (64, 2, 0)
    assert s.info.row_block == 128
    assert s.num_images == 2
    assert k.cubin == {}
    for i, sm in enumerate([80, 90]):
        img = s.images[i]
        assert (img.sm, img.kind) == (sm, 0)
        text = ctypes.string_at(img.data, img.size)
        assert text.endswith(b"\0") and text[:-1].decode() == k.ptx[sm]
        assert b".target sm_%d" % sm in text
        assert b".entry knn_gpu(" in text and b".entry knn_gpu_merge(" in text
    info = k.info
    assert info["sms"] == [80, 90] and info["run_entry"] == "knn_gpu"
    assert info["dtype"] == "float16" and info["acc_dtype"] == "float32"


@pytest.mark.skipif(not has_ptxas(), reason="no ptxas")
def test_cubins_come_first():
    k = _C.compile_gpu("Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"],
                       "Sum", sm=[90], cubin=True)
    s = GpuKernel.from_address(k.address)
    kinds = [(s.images[i].sm, s.images[i].kind) for i in range(s.num_images)]
    assert kinds == [(90, 1), (90, 0)]
    cubin = ctypes.string_at(s.images[0].data, s.images[0].size)
    assert cubin == k.cubin[90] and cubin[:4] == b"\x7fELF"


def test_errors():
    for sm in (61, 72, 100):
        with pytest.raises(RuntimeError, match=r"unsupported GPU architecture sm_%d \(supported: "
                           r"sm_70, sm_75, sm_80, sm_90\)" % sm):
            _C.compile_gpu("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], sm=[sm])
    with pytest.raises(_C.FormulaError):
        _C.compile_gpu("SqDist(x,", ["x = Vi(3)", "y = Vj(3)"])


def test_default_targets_include_older_gpus():
    """By default a kernel carries PTX for V100 (sm_70), T4 (sm_75), A100 and H100; bf16 conversions are
    expanded before sm_80 (no cvt.*bf16, which needs sm_80)."""
    k = _C.compile_gpu("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], "KMin", axis=1, dtype="bfloat16",
                       opt_arg=2, cubin=False)
    assert k.info["sms"] == [70, 75, 80, 90]
    assert sorted(k.ptx) == [70, 75, 80, 90]
    for sm, version in ((70, "6.0"), (75, "6.3")):
        assert ".target sm_%d" % sm in k.ptx[sm] and ".version " + version in k.ptx[sm]
        assert "bf16" not in k.ptx[sm]
    assert "cvt.rn.bf16.f32" in k.ptx[80]


def test_cache_get_gpu_kernel_targets():
    """What CUDABackend.signature calls with the device's compute capability
    (an int): compile_gpu takes a list, and the device's sm maps to the
    newest target not above it (the runtime JIT-compiles that PTX)."""
    from kred.common import cache
    from kred.common.backends import GPUUnavailableError

    args = ("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32")
    assert cache.GPU_TARGETS == (70, 75, 80, 90)
    for device_sm, target in ((90, 90), (86, 80), (89, 80), (80, 80), (100, 90), (120, 90), (75, 75),
                              (70, 70), (72, 70)):
        k = cache.get_gpu_kernel(*args, sm=device_sm)
        assert k.info["sms"] == [target]
        assert k.info["run_entry"] == "kernel_gpu"
    assert cache.get_gpu_kernel(*args, sm=86) is cache.get_gpu_kernel(*args, sm=80)
    assert cache.get_gpu_kernel(*args, sm=72) is cache.get_gpu_kernel(*args, sm=70)
    with pytest.raises(GPUUnavailableError, match="compute capability 7.0 or newer"):
        cache.get_gpu_kernel(*args, sm=61)

