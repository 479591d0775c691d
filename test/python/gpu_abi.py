"""ctypes mirrors of the GPU kernel ABI (lib/Runtime/kred_runtime.h, docs/abi.md), for the tests that read
or build a kred_gpu_kernel: KernelInfo (kred_kernel_info), GpuImage (kred_gpu_image), GpuKernel
(kred_gpu_kernel). No kred import: subprocesses of the tests load it too."""

import ctypes


def _typed(ctype, *names):
    """Fields of one ctypes type, in order."""
    return [(name, ctype) for name in names]


class KernelInfo(ctypes.Structure):
    _fields_ = (
        _typed(ctypes.c_uint32, "abi_version")
        + _typed(ctypes.c_char_p, "name", "formula")
        + _typed(ctypes.c_int32, "axis", "dtype", "acc_dtype", "reduction", "num_args")
        + [("arg_category", ctypes.POINTER(ctypes.c_int32)), ("arg_dim", ctypes.POINTER(ctypes.c_int64))]
        + _typed(ctypes.c_int64, "out_value_dim", "out_index_dim", "state_values", "state_indices", "row_block")
    )


class GpuImage(ctypes.Structure):
    _fields_ = _typed(ctypes.c_int32, "sm", "kind") + [("data", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class GpuKernel(ctypes.Structure):
    _fields_ = (
        [("info", KernelInfo)]
        + _typed(ctypes.c_char_p, "run_entry", "merge_entry")
        + _typed(ctypes.c_int32, "block_threads", "rows_per_thread", "shared_bytes", "num_images")
        + [("images", ctypes.POINTER(GpuImage))]
    )
