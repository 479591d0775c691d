"""ctypes mirrors of the GPU kernel ABI (lib/Runtime/kred_runtime.h, docs/abi.md), for the tests that read
or build a kred_gpu_kernel: KernelInfo (kred_kernel_info), GpuImage (kred_gpu_image), GpuKernel
(kred_gpu_kernel). No kred import: subprocesses of the tests load it too."""

import ctypes


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
