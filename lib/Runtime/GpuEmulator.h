//===- GpuEmulator.h - the emulated CUDA driver's entry points --*- C++ -*-===//
//
// Part of the kernelred project.
//
// The CUDA driver entry points of the GPU emulator (kred_gpu_emu.cpp), with
// the signatures of CudaDriverTypes.h. kred_cuda.cpp binds its Driver to
// them (instead of dlopen("libcuda.so.1") + dlsym) when the emulator is
// selected ($KRED_GPU_EMULATOR=1 or kred_gpu_set_emulator(1)). They run
// kred_emu_module images (kred_gpu_emu.h) on the host; docs/gpu.md ("The
// emulator (runtime side)") describes what they do. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_GPU_EMULATOR_H
#define KRED_GPU_EMULATOR_H

#include "CudaDriverTypes.h"

namespace kred::emu {

using namespace kred::cuda;

CUresult cuInit(unsigned int flags);
CUresult cuDeviceGetCount(int *count);
CUresult cuDeviceGet(CUdevice *device, int ordinal);
CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                              CUdevice device);
CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device);
CUresult cuCtxGetCurrent(CUcontext *context);
CUresult cuCtxSetCurrent(CUcontext context);
CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                            unsigned int numOptions, CUjit_option *options,
                            void **optionValues);
CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name);
CUresult cuModuleUnload(CUmodule module);
CUresult cuFuncSetAttribute(CUfunction function,
                            CUfunction_attribute attribute, int value);
CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX,
                        unsigned int gridDimY, unsigned int gridDimZ,
                        unsigned int blockDimX, unsigned int blockDimY,
                        unsigned int blockDimZ, unsigned int sharedMemBytes,
                        CUstream stream, void **kernelParams, void **extra);
CUresult cuMemAllocAsync(CUdeviceptr *pointer, size_t bytes, CUstream stream);
CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream stream);
CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes);
CUresult cuMemFree_v2(CUdeviceptr pointer);
CUresult cuStreamSynchronize(CUstream stream);
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream stream);
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                              CUstream stream);
CUresult cuGetErrorName(CUresult error, const char **name);
CUresult cuGetErrorString(CUresult error, const char **text);

} // namespace kred::emu

#endif // KRED_GPU_EMULATOR_H
