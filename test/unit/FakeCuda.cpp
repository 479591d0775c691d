//===- FakeCuda.cpp - a host stand-in for libcuda.so.1 (tests only) -------===//
//
// Part of the kernelred project.
//
// Implements the CUDA driver entry points that lib/Runtime/kred_cuda.cpp
// looks up, on the host, so that the GPU runtime's launch logic (image
// choice, module cache, split decision, parameter marshalling, launch
// order, scratch, contexts) is tested without a GPU. See FakeCuda.h.
//
// A module image is text naming its functions and their parameter counts:
//   "... params NAME_gpu=11 NAME_gpu_merge=6 ..."
// An image containing "INVALID" fails to load (CUDA_ERROR_INVALID_PTX, with
// a JIT log).
//
//===----------------------------------------------------------------------===//

#include "FakeCuda.h"

#include "CudaDriverTypes.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace kred::cuda;

#define FAKE_API extern "C" __attribute__((visibility("default")))

namespace {

struct Context {
  int device;
};

struct Module;

struct Function {
  std::string name;
  Module *module;
  int numParams;
};

struct Module {
  std::string text;
  const void *image;
  Context *context;
  std::deque<Function> functions;
};

std::mutex mutex;
bool initialized = false;
int numDevices = 1;
int deviceSm[8] = {90, 90, 90, 90, 90, 90, 90, 90};
int deviceSms[8] = {132, 132, 132, 132, 132, 132, 132, 132};
int threadsPerSM = 2048;
Context primaries[8];
Context other{-1};
thread_local Context *current = nullptr;
std::vector<std::unique_ptr<FakeLaunch>> launches;
std::vector<std::string> launchEntries;
int moduleLoads = 0, moduleUnloads = 0, allocs = 0, frees = 0, syncs = 0;
const void *lastImage = nullptr;
bool asyncAllocDisabled = false;
FakeLaunchHook hook = nullptr;

} // namespace

//===----------------------------------------------------------------------===//
// Control API (FakeCuda.h)
//===----------------------------------------------------------------------===//

FAKE_API void fakecuda_configure(int devices, const int *sm, const int *sms,
                                 int threads) {
  std::lock_guard<std::mutex> lock(mutex);
  numDevices = devices;
  for (int i = 0; i < devices && i < 8; ++i) {
    if (sm)
      deviceSm[i] = sm[i];
    if (sms)
      deviceSms[i] = sms[i];
  }
  if (threads > 0)
    threadsPerSM = threads;
}

FAKE_API void fakecuda_reset_log() {
  std::lock_guard<std::mutex> lock(mutex);
  launches.clear();
  moduleLoads = moduleUnloads = allocs = frees = syncs = 0;
}

FAKE_API void fakecuda_set_hook(FakeLaunchHook h) { hook = h; }

FAKE_API int fakecuda_num_launches() {
  std::lock_guard<std::mutex> lock(mutex);
  return static_cast<int>(launches.size());
}

FAKE_API const FakeLaunch *fakecuda_launch(int i) {
  std::lock_guard<std::mutex> lock(mutex);
  if (i < 0 || i >= static_cast<int>(launches.size()))
    return nullptr;
  return launches[i].get();
}

FAKE_API int fakecuda_module_loads() { return moduleLoads; }
FAKE_API const void *fakecuda_last_module_image() { return lastImage; }
FAKE_API int fakecuda_module_unloads() { return moduleUnloads; }
FAKE_API int fakecuda_allocs() { return allocs; }
FAKE_API int fakecuda_frees() { return frees; }
FAKE_API int fakecuda_syncs() { return syncs; }
FAKE_API void fakecuda_disable_async_alloc(int disable) {
  asyncAllocDisabled = disable != 0;
}
FAKE_API void *fakecuda_current_context() { return current; }
FAKE_API void *fakecuda_other_context() { return &other; }
FAKE_API void *fakecuda_primary_context(int device) {
  return &primaries[device];
}

//===----------------------------------------------------------------------===//
// Driver API
//===----------------------------------------------------------------------===//

FAKE_API CUresult cuInit(unsigned int flags) {
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard<std::mutex> lock(mutex);
  if (!initialized) {
    if (const char *env = std::getenv("KRED_FAKE_CUDA_DEVICES"))
      numDevices = std::atoi(env);
    for (int i = 0; i < 8; ++i)
      primaries[i].device = i;
    initialized = true;
  }
  return numDevices > 0 ? CUDA_SUCCESS : CUDA_ERROR_NO_DEVICE;
}

FAKE_API CUresult cuDeviceGetCount(int *count) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  *count = numDevices;
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal < 0 || ordinal >= numDevices)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attr,
                                       CUdevice device) {
  if (device < 0 || device >= numDevices)
    return CUDA_ERROR_INVALID_DEVICE;
  switch (attr) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = deviceSm[device] / 10;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = deviceSm[device] % 10;
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:
    *value = deviceSms[device];
    return CUDA_SUCCESS;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR:
    *value = threadsPerSM;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

FAKE_API CUresult cuDevicePrimaryCtxRetain(CUcontext *context,
                                           CUdevice device) {
  if (device < 0 || device >= numDevices)
    return CUDA_ERROR_INVALID_DEVICE;
  *context = reinterpret_cast<CUcontext>(&primaries[device]);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuCtxGetCurrent(CUcontext *context) {
  *context = reinterpret_cast<CUcontext>(current);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuCtxSetCurrent(CUcontext context) {
  current = reinterpret_cast<Context *>(context);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                                     unsigned int numOptions,
                                     CUjit_option *options,
                                     void **optionValues) {
  if (!current)
    return 201; // CUDA_ERROR_INVALID_CONTEXT
  std::string text(static_cast<const char *>(image));
  if (text.find("INVALID") != std::string::npos) {
    char *log = nullptr;
    size_t size = 0;
    for (unsigned i = 0; i < numOptions; ++i) {
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
        log = static_cast<char *>(optionValues[i]);
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
        size = reinterpret_cast<size_t>(optionValues[i]);
    }
    if (log && size)
      std::snprintf(log, size, "ptxas fatal   : fake syntax error");
    return CUDA_ERROR_INVALID_PTX;
  }
  auto *m = new Module{text, image, current, {}};
  std::lock_guard<std::mutex> lock(mutex);
  ++moduleLoads;
  lastImage = image;
  *module = reinterpret_cast<CUmodule>(m);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                                      const char *name) {
  auto *m = reinterpret_cast<Module *>(module);
  std::string key = std::string(" ") + name + "=";
  size_t at = m->text.find(key);
  if (at == std::string::npos)
    return CUDA_ERROR_NOT_FOUND;
  int params = std::atoi(m->text.c_str() + at + key.size());
  std::lock_guard<std::mutex> lock(mutex);
  m->functions.push_back(Function{name, m, params});
  *function = reinterpret_cast<CUfunction>(&m->functions.back());
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuModuleUnload(CUmodule module) {
  auto *m = reinterpret_cast<Module *>(module);
  if (m->context != current)
    return 201; // CUDA_ERROR_INVALID_CONTEXT
  std::lock_guard<std::mutex> lock(mutex);
  ++moduleUnloads;
  delete m;
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuFuncSetAttribute(CUfunction, CUfunction_attribute, int) {
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy,
                                 unsigned gz, unsigned bx, unsigned by,
                                 unsigned bz, unsigned shared, CUstream stream,
                                 void **params, void **extra) {
  auto *fn = reinterpret_cast<Function *>(f);
  if (!current || fn->module->context != current || extra || !params ||
      gx == 0 || gy == 0 || gz == 0 || gy > 65535 || bx * by * bz > 1024 ||
      fn->numParams > 64)
    return CUDA_ERROR_INVALID_VALUE;
  auto record = std::make_unique<FakeLaunch>();
  record->entry = fn->name.c_str();
  record->image = static_cast<const char *>(fn->module->image);
  record->context = current;
  record->grid[0] = gx, record->grid[1] = gy, record->grid[2] = gz;
  record->block[0] = bx, record->block[1] = by, record->block[2] = bz;
  record->sharedBytes = shared;
  record->stream = stream;
  record->numParams = fn->numParams;
  for (int i = 0; i < fn->numParams; ++i)
    std::memcpy(&record->params[i], params[i], 8);
  const FakeLaunch *copy = record.get();
  {
    std::lock_guard<std::mutex> lock(mutex);
    launches.push_back(std::move(record));
  }
  if (hook)
    hook(copy);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuMemAllocAsync(CUdeviceptr *pointer, size_t bytes,
                                  CUstream) {
  if (asyncAllocDisabled)
    return CUDA_ERROR_NOT_SUPPORTED;
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  ++allocs;
  *pointer = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream) {
  ++frees;
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  ++allocs;
  *pointer = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuMemFree_v2(CUdeviceptr pointer) {
  ++frees;
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuStreamSynchronize(CUstream) {
  ++syncs;
  return CUDA_SUCCESS;
}

// "Device" memory is host memory here.
FAKE_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src,
                                       size_t bytes, CUstream) {
  if (bytes)
    std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src,
                                       size_t bytes, CUstream) {
  if (bytes)
    std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}

namespace {

/// The errors the fake driver names, with their texts (like the real
/// driver's for the errors the runtime's messages show).
struct ErrorText {
  CUresult error;
  const char *name, *text;
};
const ErrorText kErrorTexts[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "fake driver error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "fake driver error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
};

const ErrorText *findErrorText(CUresult error) {
  for (const ErrorText &e : kErrorTexts)
    if (e.error == error)
      return &e;
  return nullptr;
}

} // namespace

FAKE_API CUresult cuGetErrorName(CUresult error, const char **name) {
  const ErrorText *e = findErrorText(error);
  *name = e ? e->name : nullptr;
  return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

FAKE_API CUresult cuGetErrorString(CUresult error, const char **text) {
  const ErrorText *e = findErrorText(error);
  *text = e ? e->text : "fake driver error";
  return CUDA_SUCCESS;
}
