//===- CudaDriverTypes.h - the CUDA driver API types the runtime uses -----===//
//
// Part of the kernelred project.
//
// The few CUDA driver API types, enumerators and function signatures that
// kred_cuda.cpp reaches through dlopen("libcuda.so.1") + dlsym, declared
// here so that the runtime builds without a CUDA toolkit. The values are
// those of cuda.h (driver API, stable since CUDA 11). The test driver
// (test/unit/FakeCuda.cpp) and the GPU emulator (kred_gpu_emu.cpp)
// implement the same signatures. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_CUDA_DRIVER_TYPES_H
#define KRED_CUDA_DRIVER_TYPES_H

#include <cstddef>
#include <cstdint>

namespace kred::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUjit_option = int;
using CUdevice_attribute = int;
using CUfunction_attribute = int;

enum : int {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_NOT_SUPPORTED = 801,
};

enum : int {
  CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
  CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2,
  CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3,
  CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z = 4,
  CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5,
  CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6,
  CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8,
  CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR = 39,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81,
  CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
  CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115,
};

enum : int { CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };

enum : int {
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
};

// Function types, by the symbol the runtime looks up.
using cuInit_t = CUresult (*)(unsigned int flags);
using cuDriverGetVersion_t = CUresult (*)(int *version);
using cuDeviceGetCount_t = CUresult (*)(int *count);
using cuDeviceGet_t = CUresult (*)(CUdevice *device, int ordinal);
using cuDeviceGetAttribute_t = CUresult (*)(int *value,
                                            CUdevice_attribute attribute,
                                            CUdevice device);
using cuDevicePrimaryCtxRetain_t = CUresult (*)(CUcontext *context,
                                                CUdevice device);
using cuCtxGetCurrent_t = CUresult (*)(CUcontext *context);
using cuCtxSetCurrent_t = CUresult (*)(CUcontext context);
using cuModuleLoadDataEx_t = CUresult (*)(CUmodule *module, const void *image,
                                          unsigned int numOptions,
                                          CUjit_option *options,
                                          void **optionValues);
using cuModuleGetFunction_t = CUresult (*)(CUfunction *function,
                                           CUmodule module, const char *name);
using cuModuleUnload_t = CUresult (*)(CUmodule module);
using cuFuncSetAttribute_t = CUresult (*)(CUfunction function,
                                          CUfunction_attribute attribute,
                                          int value);
using cuLaunchKernel_t = CUresult (*)(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream stream,
    void **kernelParams, void **extra);
using cuMemAllocAsync_t = CUresult (*)(CUdeviceptr *pointer, size_t bytes,
                                       CUstream stream);
using cuMemFreeAsync_t = CUresult (*)(CUdeviceptr pointer, CUstream stream);
using cuMemAlloc_t = CUresult (*)(CUdeviceptr *pointer, size_t bytes);
using cuMemFree_t = CUresult (*)(CUdeviceptr pointer);
using cuStreamSynchronize_t = CUresult (*)(CUstream stream);
using cuMemcpyHtoDAsync_t = CUresult (*)(CUdeviceptr dst, const void *src,
                                         size_t bytes, CUstream stream);
using cuMemcpyDtoHAsync_t = CUresult (*)(void *dst, CUdeviceptr src,
                                         size_t bytes, CUstream stream);
using cuGetErrorName_t = CUresult (*)(CUresult error, const char **name);
using cuGetErrorString_t = CUresult (*)(CUresult error, const char **text);

} // namespace kred::cuda

#endif // KRED_CUDA_DRIVER_TYPES_H
