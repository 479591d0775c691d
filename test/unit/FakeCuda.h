//===- FakeCuda.h - control API of the test CUDA driver --------*- C++ -*-===//
//
// Part of the kernelred project.
//
// test/unit/FakeCuda.cpp builds a stand-in for libcuda.so.1 that runs on
// the host: "device memory" is host memory, modules are the image bytes,
// and cuLaunchKernel records the launch and hands it to a hook (which plays
// the kernel). The GPU runtime tests load it through $KRED_LIBCUDA_PATH and
// drive it with these functions (looked up with dlsym).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TEST_FAKE_CUDA_H
#define KRED_TEST_FAKE_CUDA_H

#include <cstdint>

extern "C" {

/// One cuLaunchKernel call.
struct FakeLaunch {
  const char *entry; ///< the function's name in its module
  const char *image; ///< the image the function was loaded from
  void *context;     ///< the context current at the launch
  unsigned grid[3];
  unsigned block[3];
  unsigned sharedBytes;
  void *stream;
  int numParams;       ///< from the module text ("params NAME=COUNT")
  uint64_t params[64]; ///< every parameter read as 64 bits
};

using FakeLaunchHook = void (*)(const FakeLaunch *launch);

/// Devices: count, compute capability (major * 10 + minor) and
/// multiprocessors of each (ordinal < 8), max threads per multiprocessor.
void fakecuda_configure(int devices, const int *sm, const int *sms,
                        int threadsPerSM);
/// Forgets the recorded launches and counters (modules stay loaded).
void fakecuda_reset_log();
void fakecuda_set_hook(FakeLaunchHook hook);
int fakecuda_num_launches();
const FakeLaunch *fakecuda_launch(int i);
/// Module loads and unloads so far.
int fakecuda_module_loads();
int fakecuda_module_unloads();
/// The image of the last successful cuModuleLoadDataEx (NULL before).
const void *fakecuda_last_module_image();
/// Stream-ordered and plain allocations and frees so far, stream syncs.
int fakecuda_allocs();
int fakecuda_frees();
int fakecuda_syncs();
/// Makes cuMemAllocAsync report CUDA_ERROR_NOT_SUPPORTED (1) or work (0).
void fakecuda_disable_async_alloc(int disable);
/// The context of the current thread (cuCtxGetCurrent).
void *fakecuda_current_context();
/// A context that is no device's primary context.
void *fakecuda_other_context();
/// The primary context of a device (as cuDevicePrimaryCtxRetain).
void *fakecuda_primary_context(int device);

} // extern "C"

#endif // KRED_TEST_FAKE_CUDA_H
