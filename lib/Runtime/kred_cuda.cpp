//===- kred_cuda.cpp - the kernelred GPU runtime --------------------------===//
//
// Part of the kernelred project.
//
// Runs compiled GPU kernels (the ABI of docs/gpu.md) on caller-owned device
// arrays: checks the arguments, loads the kernel's image for the device once
// per (kernel, context), decides whether to split the reduced index, and
// enqueues the run kernel (and the merge kernel) on the caller's stream.
//
// The CUDA driver is reached only through dlopen("libcuda.so.1") (or
// $KRED_LIBCUDA_PATH) and dlsym: nothing links libcuda or the CUDA runtime,
// so the library loads, and reports KRED_ERR_NO_DEVICE, on machines without
// a driver. In its place, $KRED_GPU_EMULATOR=1 or kred_gpu_set_emulator(1)
// binds the same Driver to the GPU emulator (kred_gpu_emu.cpp), which runs
// host images on the host with this very launch logic (tests). Never synchronizes the device; the stream is synchronized only
// in the fallback for drivers without stream-ordered allocation, to free a
// scratch buffer the runtime had to allocate itself.
//
//===----------------------------------------------------------------------===//

#include "kred_runtime.h"

#include "CudaDriverTypes.h"
#include "GpuEmulator.h"
#include "RuntimeInternal.h"
#include "kred_gpu_emu.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace kred::cuda;
using kred::detail::Batch;
using kred::detail::BufferSizes;
using kred::detail::ceilDiv;
using kred::detail::checkArrays;
using kred::detail::checkBatch;
using kred::detail::checkedMul;
using kred::detail::checkInfo;
using kred::detail::fail;
using kred::detail::guardedLaunch;
using kred::detail::kernelName;

namespace {

//===----------------------------------------------------------------------===//
// The driver, loaded once per process
//===----------------------------------------------------------------------===//

struct Driver {
  /// True when the driver loaded, initialized and reports a device.
  bool ok = false;
  /// The GPU emulator (kred_gpu_emu.cpp) rather than libcuda.
  bool emulated = false;
  /// Why not (a complete sentence for kred_last_error()).
  std::string error;
  std::string path;
  int deviceCount = 0;

  cuInit_t init = nullptr;
  cuDeviceGetCount_t deviceGetCount = nullptr;
  cuDeviceGet_t deviceGet = nullptr;
  cuDeviceGetAttribute_t deviceGetAttribute = nullptr;
  cuDevicePrimaryCtxRetain_t primaryCtxRetain = nullptr;
  cuCtxGetCurrent_t ctxGetCurrent = nullptr;
  cuCtxSetCurrent_t ctxSetCurrent = nullptr;
  cuModuleLoadDataEx_t moduleLoadDataEx = nullptr;
  cuModuleGetFunction_t moduleGetFunction = nullptr;
  cuModuleUnload_t moduleUnload = nullptr;
  cuLaunchKernel_t launchKernel = nullptr;
  cuMemAlloc_t memAlloc = nullptr;
  cuMemFree_t memFree = nullptr;
  cuStreamSynchronize_t streamSynchronize = nullptr;
  cuMemcpyHtoDAsync_t memcpyHtoDAsync = nullptr;
  cuMemcpyDtoHAsync_t memcpyDtoHAsync = nullptr;
  cuGetErrorName_t getErrorName = nullptr;
  cuGetErrorString_t getErrorString = nullptr;
  // Optional: stream-ordered allocation (CUDA 11.2+), large shared memory.
  cuMemAllocAsync_t memAllocAsync = nullptr;
  cuMemFreeAsync_t memFreeAsync = nullptr;
  cuFuncSetAttribute_t funcSetAttribute = nullptr;

  /// "CUDA_ERROR_X (text)" for a driver result.
  std::string describe(CUresult r) const {
    const char *name = nullptr, *text = nullptr;
    if (getErrorName)
      getErrorName(r, &name);
    if (getErrorString)
      getErrorString(r, &text);
    std::string s = name ? name : "CUDA error " + std::to_string(r);
    if (text)
      s += std::string(" (") + text + ")";
    return s;
  }
};

Driver loadDriver() {
  Driver d;
  const char *env = std::getenv("KRED_LIBCUDA_PATH");
  d.path = env && *env ? env : "libcuda.so.1";
  dlerror();
  void *handle = dlopen(d.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    d.error = "no CUDA driver: cannot load " + d.path + " (" +
              (why ? why : "unknown reason") +
              "); the GPU backend needs an NVIDIA driver and GPU";
    return d;
  }
  const char *missing = nullptr;
  auto bind = [&](auto &fn, const char *name, bool required) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(handle, name));
    if (!fn && required && !missing)
      missing = name;
  };
  bind(d.init, "cuInit", true);
  bind(d.deviceGetCount, "cuDeviceGetCount", true);
  bind(d.deviceGet, "cuDeviceGet", true);
  bind(d.deviceGetAttribute, "cuDeviceGetAttribute", true);
  bind(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain", true);
  bind(d.ctxGetCurrent, "cuCtxGetCurrent", true);
  bind(d.ctxSetCurrent, "cuCtxSetCurrent", true);
  bind(d.moduleLoadDataEx, "cuModuleLoadDataEx", true);
  bind(d.moduleGetFunction, "cuModuleGetFunction", true);
  bind(d.moduleUnload, "cuModuleUnload", true);
  bind(d.launchKernel, "cuLaunchKernel", true);
  bind(d.memAlloc, "cuMemAlloc_v2", true);
  bind(d.memFree, "cuMemFree_v2", true);
  bind(d.streamSynchronize, "cuStreamSynchronize", true);
  bind(d.memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", true);
  bind(d.memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", true);
  bind(d.getErrorName, "cuGetErrorName", true);
  bind(d.getErrorString, "cuGetErrorString", true);
  bind(d.memAllocAsync, "cuMemAllocAsync", false);
  bind(d.memFreeAsync, "cuMemFreeAsync", false);
  bind(d.funcSetAttribute, "cuFuncSetAttribute", false);
  if (missing) {
    d.error = "the CUDA driver " + d.path + " has no " + missing +
              " (driver too old?); the GPU backend is unavailable";
    return d;
  }
  if (CUresult r = d.init(0)) {
    d.error = "no CUDA device: cuInit failed with " + d.describe(r);
    return d;
  }
  int count = 0;
  if (CUresult r = d.deviceGetCount(&count)) {
    d.error = "no CUDA device: cuDeviceGetCount failed with " + d.describe(r);
    return d;
  }
  if (count <= 0) {
    d.error = "no CUDA device: the driver " + d.path + " reports none";
    return d;
  }
  d.deviceCount = count;
  d.ok = true;
  return d;
}

/// The GPU emulator's entry points, bound directly.
Driver loadEmulator() {
  namespace emu = kred::emu;
  Driver d;
  d.emulated = true;
  d.path = "the kred GPU emulator";
  d.init = emu::cuInit;
  d.deviceGetCount = emu::cuDeviceGetCount;
  d.deviceGet = emu::cuDeviceGet;
  d.deviceGetAttribute = emu::cuDeviceGetAttribute;
  d.primaryCtxRetain = emu::cuDevicePrimaryCtxRetain;
  d.ctxGetCurrent = emu::cuCtxGetCurrent;
  d.ctxSetCurrent = emu::cuCtxSetCurrent;
  d.moduleLoadDataEx = emu::cuModuleLoadDataEx;
  d.moduleGetFunction = emu::cuModuleGetFunction;
  d.moduleUnload = emu::cuModuleUnload;
  d.launchKernel = emu::cuLaunchKernel;
  d.memAlloc = emu::cuMemAlloc_v2;
  d.memFree = emu::cuMemFree_v2;
  d.streamSynchronize = emu::cuStreamSynchronize;
  d.memcpyHtoDAsync = emu::cuMemcpyHtoDAsync_v2;
  d.memcpyDtoHAsync = emu::cuMemcpyDtoHAsync_v2;
  d.getErrorName = emu::cuGetErrorName;
  d.getErrorString = emu::cuGetErrorString;
  d.memAllocAsync = emu::cuMemAllocAsync;
  d.memFreeAsync = emu::cuMemFreeAsync;
  d.funcSetAttribute = emu::cuFuncSetAttribute;
  int count = 0;
  CUresult r = d.init(0);
  if (!r)
    r = d.deviceGetCount(&count);
  if (r || count <= 0) {
    d.error = "the GPU emulator failed to start: " + d.describe(r);
    return d;
  }
  d.deviceCount = count;
  d.ok = true;
  return d;
}

/// 1: the emulator, 0: libcuda, -1: not chosen yet ($KRED_GPU_EMULATOR
/// decides at first use); kred_gpu_set_emulator changes it.
std::atomic<int> emulatorSelected{-1};
std::atomic<bool> realLoaded{false}, emulatorLoaded{false};

bool useEmulator() {
  int selected = emulatorSelected.load();
  if (selected < 0) {
    const char *env = std::getenv("KRED_GPU_EMULATOR");
    int want = env && *env && std::strcmp(env, "0") != 0 ? 1 : 0;
    emulatorSelected.compare_exchange_strong(selected, want);
    selected = emulatorSelected.load();
  }
  return selected == 1;
}

const Driver &realDriver() {
  static const Driver d = loadDriver();
  realLoaded = true;
  return d;
}

const Driver &emulatorDriver() {
  static const Driver d = loadEmulator();
  emulatorLoaded = true;
  return d;
}

/// The selected driver (loaded on first use, thread-safe); check ok. The
/// two drivers keep their own devices and modules (indexed by `emulated`).
const Driver &driver() {
  return useEmulator() ? emulatorDriver() : realDriver();
}

/// kred_status for a failed driver call.
int statusOf(CUresult r) {
  switch (r) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return KRED_ERR_OUT_OF_MEMORY;
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
    return KRED_ERR_NO_DEVICE;
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
  case CUDA_ERROR_INVALID_PTX:
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
    return KRED_ERR_UNSUPPORTED;
  default:
    return KRED_ERR_DEVICE;
  }
}

int driverFail(const Driver &d, CUresult r, const kred_kernel_info &info,
               const char *call) {
  return fail(statusOf(r), "kernel '%s': %s failed: %s", kernelName(info), call,
              d.describe(r).c_str());
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

struct Device {
  CUcontext context = nullptr; ///< the primary context (retained for good)
  int sm = 0;                  ///< compute capability, major * 10 + minor
  int multiprocessors = 1;
  int threadsPerMultiprocessor = 2048;
};

std::mutex deviceMutex;
/// Per driver: [0] libcuda, [1] the emulator.
std::vector<std::unique_ptr<Device>> deviceTables[2];

/// The device `ordinal` (its primary context retained on first use).
int getDevice(const Driver &d, int32_t ordinal, const char *who,
              const Device **result) {
  if (!d.ok)
    return fail(KRED_ERR_NO_DEVICE, "%s: %s", who, d.error.c_str());
  if (ordinal < 0 || ordinal >= d.deviceCount)
    return fail(KRED_ERR_NO_DEVICE,
                "%s: CUDA device %d does not exist (%d device%s)", who, ordinal,
                d.deviceCount, d.deviceCount == 1 ? "" : "s");
  std::lock_guard<std::mutex> lock(deviceMutex);
  std::vector<std::unique_ptr<Device>> &devices = deviceTables[d.emulated];
  if (devices.empty())
    devices.resize(d.deviceCount);
  std::unique_ptr<Device> &slot = devices[ordinal];
  if (!slot) {
    auto dev = std::make_unique<Device>();
    CUdevice handle = 0;
    int major = 0, minor = 0, sms = 0, threads = 0;
    CUresult r = d.deviceGet(&handle, ordinal);
    if (!r)
      r = d.deviceGetAttribute(
          &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle);
    if (!r)
      r = d.deviceGetAttribute(
          &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle);
    if (!r)
      r = d.deviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                               handle);
    if (!r)
      r = d.deviceGetAttribute(
          &threads, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, handle);
    if (!r)
      r = d.primaryCtxRetain(&dev->context, handle);
    if (r)
      return fail(statusOf(r), "%s: cannot set up CUDA device %d: %s", who,
                  ordinal, d.describe(r).c_str());
    dev->sm = major * 10 + minor;
    dev->multiprocessors = std::max(1, sms);
    dev->threadsPerMultiprocessor = threads > 0 ? threads : 2048;
    slot = std::move(dev);
  }
  *result = slot.get();
  return KRED_OK;
}

/// Makes `context` current for the scope (when it is not already) and puts
/// the caller's context back at the end.
class ScopedContext {
public:
  explicit ScopedContext(const Driver &d) : d(d) {}
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;
  ~ScopedContext() {
    if (restore)
      d.ctxSetCurrent(previous);
  }
  CUresult enter(CUcontext context) {
    if (CUresult r = d.ctxGetCurrent(&previous))
      return r;
    if (previous == context)
      return CUDA_SUCCESS;
    if (CUresult r = d.ctxSetCurrent(context))
      return r;
    restore = true;
    return CUDA_SUCCESS;
  }

private:
  const Driver &d;
  CUcontext previous = nullptr;
  bool restore = false;
};

//===----------------------------------------------------------------------===//
// Images and the module cache
//===----------------------------------------------------------------------===//

/// The cubin of exactly the device's compute capability `sm`; -1 if none.
int selectCubin(const kred_gpu_kernel &k, int sm) {
  for (int32_t i = 0; i < k.num_images; ++i)
    if (k.images[i].kind == 1 && k.images[i].sm == sm && k.images[i].data)
      return i;
  return -1;
}

/// A host image (for the emulator); -1 if none.
int selectHost(const kred_gpu_kernel &k) {
  for (int32_t i = 0; i < k.num_images; ++i)
    if (k.images[i].kind == KRED_GPU_IMAGE_HOST && k.images[i].data)
      return i;
  return -1;
}

const char *kindName(int32_t kind) {
  return kind == 1 ? "cubin" : kind == KRED_GPU_IMAGE_HOST ? "host" : "PTX";
}

/// The PTX of the highest sm not above the device's `sm`; -1 if none.
int selectPtx(const kred_gpu_kernel &k, int sm) {
  int best = -1;
  for (int32_t i = 0; i < k.num_images; ++i) {
    const kred_gpu_image &image = k.images[i];
    if (image.kind != 0 || !image.data || image.sm > sm)
      continue;
    if (best < 0 || image.sm > k.images[best].sm)
      best = i;
  }
  return best;
}

std::string listImages(const kred_gpu_kernel &k) {
  std::string s;
  for (int32_t i = 0; i < k.num_images; ++i) {
    if (!s.empty())
      s += ", ";
    s += "sm_" + std::to_string(k.images[i].sm) + " " +
         kindName(k.images[i].kind);
  }
  return s.empty() ? "none" : s;
}

struct Module {
  // What was loaded, to detect another kernel at a freed kernel's address.
  const void *image = nullptr;
  size_t imageSize = 0;
  std::string runEntry, mergeEntry;
  CUmodule module = nullptr;
  CUfunction run = nullptr;
  CUfunction merge = nullptr;
  /// NAME_gpu_ranges (run_entry + "_ranges"); NULL in an image without it
  /// (compiled before it existed): only ranges= launches need it.
  CUfunction ranges = nullptr;

  bool isFor(const kred_gpu_kernel &k, const kred_gpu_image &i) const {
    return image == i.data && imageSize == i.size && runEntry == k.run_entry &&
           mergeEntry == k.merge_entry;
  }
};

using ModuleKey = std::pair<const kred_gpu_kernel *, CUcontext>;
std::mutex moduleMutex;
/// Per driver: [0] libcuda, [1] the emulator.
std::map<ModuleKey, Module> moduleTables[2];

/// Loads the image `index` of `k` into the current context.
int loadModule(const Driver &d, const kred_gpu_kernel &k, int index,
               Module *result) {
  const kred_gpu_image &image = k.images[index];
  Module m;
  m.image = image.data;
  m.imageSize = image.size;
  m.runEntry = k.run_entry;
  m.mergeEntry = k.merge_entry;
  char log[4096];
  log[0] = 0;
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
  if (CUresult r =
          d.moduleLoadDataEx(&m.module, image.data, 2, options, values)) {
    log[sizeof(log) - 1] = 0;
    return fail(statusOf(r),
                "kernel '%s': loading its sm_%d %s image failed: %s%s%s%s",
                kernelName(k.info), image.sm, kindName(image.kind),
                d.describe(r).c_str(), log[0] ? ": " : "", log,
                image.kind == KRED_GPU_IMAGE_HOST && !d.emulated
                    ? " (a host image runs on the GPU emulator only: "
                      "KRED_GPU_EMULATOR=1)"
                    : "");
  }
  CUresult r = d.moduleGetFunction(&m.run, m.module, k.run_entry);
  const char *entry = k.run_entry;
  if (!r) {
    entry = k.merge_entry;
    r = d.moduleGetFunction(&m.merge, m.module, k.merge_entry);
  }
  if (!r) {
    std::string rangesEntry = std::string(k.run_entry) + "_ranges";
    if (d.moduleGetFunction(&m.ranges, m.module, rangesEntry.c_str()))
      m.ranges = nullptr;
  }
  if (r) {
    d.moduleUnload(m.module);
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': its sm_%d image has no entry '%s': %s",
                kernelName(k.info), image.sm, entry, d.describe(r).c_str());
  }
  // Dynamic shared memory above the default 48 KiB must be opted into.
  if (k.shared_bytes > 48 * 1024) {
    r = d.funcSetAttribute
            ? d.funcSetAttribute(
                  m.run, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                  k.shared_bytes)
            : CUDA_ERROR_NOT_SUPPORTED;
    if (r) {
      d.moduleUnload(m.module);
      return fail(KRED_ERR_UNSUPPORTED,
                  "kernel '%s': cannot use %d bytes of dynamic shared "
                  "memory: %s",
                  kernelName(k.info), k.shared_bytes, d.describe(r).c_str());
    }
  }
  *result = m;
  return KRED_OK;
}

/// The functions of `k` in the device's context (which must be current),
/// loading its image on first use: the cubin of the device's sm, else (or
/// when the driver cannot load that cubin, e.g. one built by a newer CUDA
/// toolkit than the driver) the PTX of the highest sm not above it, else a
/// host image (which only the emulator runs). The emulator tries the host
/// image first (and refuses the others).
int getModule(const Driver &d, const kred_gpu_kernel &k, const Device &dev,
              Module *result) {
  int cubin = selectCubin(k, dev.sm), ptx = selectPtx(k, dev.sm);
  int host = selectHost(k);
  std::vector<int> candidates;
  for (int i : d.emulated ? std::initializer_list<int>{host, cubin, ptx}
                          : std::initializer_list<int>{cubin, ptx, host})
    if (i >= 0)
      candidates.push_back(i);
  if (candidates.empty())
    return fail(KRED_ERR_UNSUPPORTED,
                "kernel '%s' has no image for this GPU (sm_%d): it has %s; "
                "compile it for sm_%d or an older PTX target",
                kernelName(k.info), dev.sm, listImages(k).c_str(), dev.sm);
  // A cached module of any candidate will do (a later one when an earlier
  // could not be loaded).
  auto matches = [&](const Module &m) {
    for (int i : candidates)
      if (m.isFor(k, k.images[i]))
        return true;
    return false;
  };
  std::map<ModuleKey, Module> &modules = moduleTables[d.emulated];
  ModuleKey key{&k, dev.context};
  Module stale;
  {
    std::lock_guard<std::mutex> lock(moduleMutex);
    auto it = modules.find(key);
    if (it != modules.end()) {
      if (matches(it->second)) {
        *result = it->second;
        return KRED_OK;
      }
      // Another kernel at the address of a freed one.
      stale = it->second;
      modules.erase(it);
    }
  }
  if (stale.module)
    d.moduleUnload(stale.module);
  // Load without the lock (PTX JIT compilation can take a while), then
  // keep the first of concurrent loads.
  Module loaded;
  int status = KRED_OK;
  std::string earlier; // why the earlier candidates failed
  for (size_t c = 0; c < candidates.size(); ++c) {
    status = loadModule(d, k, candidates[c], &loaded);
    if (status == KRED_OK || status == KRED_ERR_OUT_OF_MEMORY)
      break;
    if (c + 1 < candidates.size()) {
      earlier += std::string(earlier.empty() ? "" : "; its ") +
                 kindName(k.images[candidates[c]].kind) + " failed: " +
                 kred_last_error();
    } else if (!earlier.empty()) {
      std::string last = kred_last_error();
      return fail(status, "%s (after its %s)", last.c_str(), earlier.c_str());
    }
  }
  if (status != KRED_OK)
    return status;
  std::lock_guard<std::mutex> lock(moduleMutex);
  auto [it, inserted] = modules.emplace(key, loaded);
  if (!inserted) {
    if (matches(it->second)) {
      // Loaded meanwhile by another launch: keep that one.
      d.moduleUnload(loaded.module);
    } else {
      // Replaced meanwhile by a launch of another kernel at this address.
      d.moduleUnload(it->second.module);
      it->second = loaded;
    }
  }
  *result = it->second;
  return KRED_OK;
}

//===----------------------------------------------------------------------===//
// Work decomposition
//===----------------------------------------------------------------------===//

/// Reduced indices below which a GPU launch is not worth splitting.
constexpr int64_t kMinChunk = 1024;
/// Largest gridDim.y.
constexpr int64_t kMaxChunks = 65535;
/// Largest gridDim.z: batch elements per launch.
constexpr int64_t kMaxGridZ = 65535;
/// Alignment of the state arrays in the scratch buffer.
constexpr size_t kScratchAlign = 256;

size_t alignUp(size_t n, size_t a) { return (n + a - 1) / a * a; }

struct Plan {
  int64_t rowBlocks = 0; ///< gridDim.x of the run kernel
  int64_t numChunks = 1; ///< gridDim.y
  int64_t chunk = 0;     ///< reduced indices per chunk
  size_t valuesBytes = 0;
  size_t indicesOffset = 0; ///< of the state indices in the scratch
  size_t scratchBytes = 0;  ///< 0 when not split
};

/// Splits the reduced index when the row blocks cannot fill the device
/// (fewer than multiprocessors x resident blocks per multiprocessor) and it
/// is long enough (split = -1), always when split = 1, never when 0.
int makePlan(const kred_gpu_kernel &k, const Device &dev, int64_t rows,
             int64_t reduced, int32_t split, int64_t batch, Plan *plan) {
  const kred_kernel_info &info = k.info;
  int64_t perBlock = int64_t(k.block_threads) * k.rows_per_thread;
  plan->rowBlocks = ceilDiv(rows, perBlock);
  // The batch elements of one launch fill the device together.
  int64_t gridBlocks = checkedMul(plan->rowBlocks, batch);
  int64_t resident =
      std::max<int64_t>(1, dev.threadsPerMultiprocessor / k.block_threads);
  int64_t target = int64_t(dev.multiprocessors) * resident;
  int64_t chunks = 1;
  if (split == 1 && reduced >= 2)
    chunks = std::min(reduced,
                      std::max<int64_t>(3, ceilDiv(target, gridBlocks)));
  else if (split == -1 && gridBlocks >= 0 && gridBlocks < target &&
           reduced >= 2 * kMinChunk)
    chunks = std::min(ceilDiv(target, gridBlocks), reduced / kMinChunk);
  chunks = std::clamp<int64_t>(chunks, 1, kMaxChunks);
  plan->chunk = chunks > 1 ? ceilDiv(reduced, chunks) : reduced;
  plan->numChunks = chunks > 1 ? ceilDiv(reduced, plan->chunk) : 1;
  plan->valuesBytes = plan->indicesOffset = plan->scratchBytes = 0;
  if (plan->numChunks == 1)
    return KRED_OK;
  int64_t states = checkedMul(checkedMul(rows, plan->numChunks), batch);
  int64_t values = checkedMul(states, info.state_values);
  int64_t indices = checkedMul(states, info.state_indices);
  int64_t valueBytes =
      checkedMul(values, static_cast<int64_t>(kred_dtype_size(info.acc_dtype)));
  int64_t indexBytes = checkedMul(indices, 8);
  if (states < 0 || values < 0 || indices < 0 || valueBytes < 0 ||
      indexBytes < 0 || valueBytes > (int64_t(1) << 60) ||
      indexBytes > (int64_t(1) << 60))
    return fail(KRED_ERR_OUT_OF_MEMORY,
                "kernel '%s': partial accumulators too large",
                kernelName(info));
  plan->valuesBytes = static_cast<size_t>(valueBytes);
  plan->indicesOffset = alignUp(plan->valuesBytes, kScratchAlign);
  plan->scratchBytes = plan->indicesOffset + static_cast<size_t>(indexBytes);
  return KRED_OK;
}

//===----------------------------------------------------------------------===//
// Checks and launch
//===----------------------------------------------------------------------===//

int checkGpuKernel(const kred_gpu_kernel *k, const char *who) {
  if (!k)
    return fail(KRED_ERR_INVALID_ARGUMENT, "%s: kernel is NULL", who);
  if (int status = checkInfo(k->info))
    return status;
  const char *name = kernelName(k->info);
  if (!k->run_entry || !k->merge_entry)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': missing run or merge entry name", name);
  if (k->block_threads < 1 || k->block_threads > 1024 ||
      k->rows_per_thread < 1 || k->shared_bytes < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid launch shape (block_threads %d, "
                "rows_per_thread %d, shared_bytes %d)",
                name, k->block_threads, k->rows_per_thread, k->shared_bytes);
  if (k->num_images < 1 || !k->images)
    return fail(KRED_ERR_INVALID_ARGUMENT, "kernel '%s': has no GPU image",
                name);
  return KRED_OK;
}

/// Device memory for the partial accumulators, from the caller's scratch
/// when it is large enough, else allocated on the stream.
class ScratchBuffer {
public:
  ScratchBuffer(const Driver &d, CUstream stream) : d(d), stream(stream) {}
  ScratchBuffer(const ScratchBuffer &) = delete;
  ScratchBuffer &operator=(const ScratchBuffer &) = delete;
  ~ScratchBuffer() { release(); }

  int acquire(const kred_kernel_info &info, size_t bytes, void *given,
              size_t givenBytes) {
    if (given) {
      uintptr_t at = reinterpret_cast<uintptr_t>(given);
      uintptr_t aligned = alignUp(at, kScratchAlign);
      if (aligned - at <= givenBytes && givenBytes - (aligned - at) >= bytes) {
        base = aligned;
        return KRED_OK;
      }
    }
    CUresult r = CUDA_ERROR_NOT_SUPPORTED;
    if (d.memAllocAsync && d.memFreeAsync) {
      r = d.memAllocAsync(&owned, bytes, stream);
      if (!r)
        ordered = true;
    }
    if (r == CUDA_ERROR_NOT_SUPPORTED) {
      r = d.memAlloc(&owned, bytes);
      ordered = false;
    }
    if (r) {
      owned = 0;
      return fail(statusOf(r),
                  "kernel '%s': cannot allocate %zu bytes of device scratch "
                  "for the partial accumulators: %s",
                  kernelName(info), bytes, d.describe(r).c_str());
    }
    base = owned;
    return KRED_OK;
  }

  uintptr_t get() const { return base; }

private:
  void release() {
    if (!owned)
      return;
    if (ordered) {
      d.memFreeAsync(owned, stream);
    } else {
      // No stream-ordered free: wait for the kernels that use it.
      d.streamSynchronize(stream);
      d.memFree(owned);
    }
  }

  const Driver &d;
  CUstream stream;
  CUdeviceptr owned = 0;
  bool ordered = false;
  uintptr_t base = 0;
};

/// The parameters of a run or ranges kernel, every one 64-bit: the argument
/// pointers by position (0 for unused ones), M, N, then `rest`.
class KernelParams {
public:
  KernelParams(const kred_kernel_info &info, const void *const *args,
               int64_t M, int64_t N, std::initializer_list<uint64_t> rest) {
    for (int32_t p = 0; p < info.num_args; ++p)
      values.push_back(info.arg_category[p] == KRED_CAT_UNUSED || !args
                           ? 0
                           : reinterpret_cast<uintptr_t>(args[p]));
    values.push_back(static_cast<uint64_t>(M));
    values.push_back(static_cast<uint64_t>(N));
    values.insert(values.end(), rest);
    for (uint64_t &v : values)
      pointers.push_back(&v);
  }
  KernelParams(const KernelParams &) = delete;
  KernelParams &operator=(const KernelParams &) = delete;
  void **data() { return pointers.data(); }

private:
  std::vector<uint64_t> values;
  std::vector<void *> pointers;
};

/// What every launch checks and derives before it differs: the kernel, the
/// options (defaults when NULL), the sizes and the arrays (`sizes` NULL for
/// the unchecked kred_gpu_launch), and the device.
struct LaunchSetup {
  kred_gpu_launch_options opts{0, nullptr, -1, nullptr, 0};
  int64_t rows = 0, reduced = 0;
  const Device *dev = nullptr;
};

/// With `states` (a states launch), the state arrays are checked instead of
/// the outputs.
int setUpLaunch(const kred_gpu_kernel *kernel, const char *who,
                const void *const *args, int64_t M, int64_t N, void *out,
                int64_t *outIdx, const kred::detail::BufferSizes *sizes,
                const kred_gpu_launch_options *options, LaunchSetup *setup,
                const kred::detail::StateArrays *states = nullptr) {
  if (int status = checkGpuKernel(kernel, who))
    return status;
  const kred_kernel_info &info = kernel->info;
  const char *name = kernelName(info);
  if (options)
    setup->opts = *options;
  if (setup->opts.split < -1 || setup->opts.split > 1)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': split must be -1, 0 or 1 (got %d)", name,
                setup->opts.split);
  if (setup->opts.device < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid CUDA device ordinal %d", name,
                setup->opts.device);
  if (M < 0 || N < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': negative size (M = %lld, N = %lld)", name,
                static_cast<long long>(M), static_cast<long long>(N));
  setup->rows = info.axis == 1 ? M : N;
  setup->reduced = info.axis == 1 ? N : M;
  if (states) {
    if (int status = kred::detail::checkArgs(info, args, M, N, sizes))
      return status;
    if (int status =
            kred::detail::checkStates(info, setup->rows, 1, false, *states))
      return status;
  } else if (int status = checkArrays(info, args, M, N, out, outIdx,
                                      setup->rows, sizes)) {
    return status;
  }
  return getDevice(driver(), setup->opts.device, who, &setup->dev);
}

/// Makes `dev`'s context current for the lifetime of `scope` and gets the
/// kernel's module there.
int enterModule(const Driver &d, const kred_gpu_kernel &k, const Device &dev,
                ScopedContext &scope, Module *m) {
  if (CUresult r = scope.enter(dev.context))
    return driverFail(d, r, k.info, "cuCtxSetCurrent");
  return getModule(d, k, dev, m);
}

/// gridDim.x holds at most 2^31-1 blocks; `what` names the `rows`.
int checkGridX(const kred_kernel_info &info, int64_t blocks, int64_t rows,
               const char *what) {
  if (blocks > 0x7fffffff)
    return fail(KRED_ERR_UNSUPPORTED,
                "kernel '%s': %lld %s need more than 2^31-1 blocks",
                kernelName(info), static_cast<long long>(rows), what);
  return KRED_OK;
}

/// Launches the merge kernel, NAME_gpu_merge(state_values, state_indices,
/// rows, nchunks, out, out_idx), over `rows` rows (grid z: `gridZ` batch
/// elements).
int launchMerge(const Driver &d, const kred_gpu_kernel &k, const Module &m,
                CUstream stream, uintptr_t values, uintptr_t indices,
                int64_t rows, int64_t chunks, uintptr_t out, uintptr_t outIdx,
                unsigned gridZ) {
  uint64_t mergeValues[6] = {values,
                             indices,
                             static_cast<uint64_t>(rows),
                             static_cast<uint64_t>(chunks),
                             out,
                             outIdx};
  void *mergeParams[6];
  for (int i = 0; i < 6; ++i)
    mergeParams[i] = &mergeValues[i];
  int64_t mergeBlocks = ceilDiv(rows, k.block_threads);
  if (int status = checkGridX(k.info, mergeBlocks, rows, "rows"))
    return status;
  if (CUresult r =
          d.launchKernel(m.merge, static_cast<unsigned>(mergeBlocks), 1, gridZ,
                         static_cast<unsigned>(k.block_threads), 1, 1, 0,
                         stream, mergeParams, nullptr))
    return driverFail(d, r, k.info, "cuLaunchKernel of the merge kernel");
  return KRED_OK;
}

/// `sizes` is NULL for the unchecked kred_gpu_launch (batch 1 then).
int launch(const kred_gpu_kernel *kernel, const void *const *args, int64_t M,
           int64_t N, void *out, int64_t *outIdx,
           const kred::detail::BufferSizes *sizes,
           const kred_gpu_launch_options *options, Batch batch = {}) {
  if (int status = checkGpuKernel(kernel, "kred_gpu_launch"))
    return status;
  const kred_gpu_kernel &k = *kernel;
  const kred_kernel_info &info = k.info;
  kred::detail::BufferSizes adjusted{};
  std::vector<int64_t> argsLeft;
  if (sizes || batch.count != 1)
    if (int status = checkBatch(info, M, N, batch, sizes, adjusted, argsLeft))
      return status;
  LaunchSetup setup;
  if (int status = setUpLaunch(kernel, "kred_gpu_launch", args, M, N, out,
                               outIdx, sizes, options, &setup))
    return status;
  const Driver &d = driver();
  const kred_gpu_launch_options &opts = setup.opts;
  int64_t rows = setup.rows;
  if (rows == 0)
    return KRED_OK;

  ScopedContext scope(d);
  Module m;
  if (int status = enterModule(d, k, *setup.dev, scope, &m))
    return status;
  // One launch runs up to kMaxGridZ batch elements (grid z).
  int64_t group = std::min(batch.count, kMaxGridZ);
  Plan plan;
  if (int status = makePlan(k, *setup.dev, rows, setup.reduced, opts.split,
                            group, &plan))
    return status;
  if (int status = checkGridX(info, plan.rowBlocks, rows, "output rows"))
    return status;

  CUstream stream = static_cast<CUstream>(opts.stream);
  ScratchBuffer scratch(d, stream);
  uintptr_t stateValues = 0, stateIndices = 0;
  if (plan.numChunks > 1) {
    if (int status = scratch.acquire(info, plan.scratchBytes, opts.scratch,
                                     opts.scratch_bytes))
      return status;
    stateValues = scratch.get();
    if (info.state_indices > 0)
      stateIndices = scratch.get() + plan.indicesOffset;
  }
  // The batch offsets on the device (from pageable memory: the copy has
  // read them when the call returns).
  int32_t P = info.num_args;
  ScratchBuffer table(d, stream);
  if (batch.offsets) {
    size_t bytes = static_cast<size_t>(batch.count) * P * sizeof(int64_t);
    if (int status = table.acquire(info, bytes, nullptr, 0))
      return status;
    if (bytes)
      if (CUresult r =
              d.memcpyHtoDAsync(table.get(), batch.offsets, bytes, stream))
        return driverFail(d, r, info, "copying the batch offsets");
  }

  size_t eltSize = kred_dtype_size(info.dtype);
  for (int64_t z0 = 0; z0 < batch.count; z0 += group) {
    unsigned gridZ = static_cast<unsigned>(std::min(group, batch.count - z0));
    int64_t firstRow = z0 * rows;
    uintptr_t outZ = reinterpret_cast<uintptr_t>(out) +
                     static_cast<uintptr_t>(firstRow * info.out_value_dim) *
                         eltSize;
    uintptr_t outIdxZ =
        reinterpret_cast<uintptr_t>(outIdx) +
        static_cast<uintptr_t>(firstRow * info.out_index_dim) * 8;
    // NAME_gpu(arg_0, ..., arg_{P-1}, M, N, chunk, out, out_idx,
    //          state_values, state_indices, batch_offsets)
    KernelParams params(info, args, M, N,
                        {static_cast<uint64_t>(plan.chunk), outZ, outIdxZ,
                         stateValues, stateIndices,
                         batch.offsets ? table.get() + static_cast<uintptr_t>(
                                                           z0 * P * 8)
                                       : 0});
    if (CUresult r = d.launchKernel(
            m.run, static_cast<unsigned>(plan.rowBlocks),
            static_cast<unsigned>(plan.numChunks), gridZ,
            static_cast<unsigned>(k.block_threads), 1, 1,
            static_cast<unsigned>(k.shared_bytes), stream, params.data(),
            nullptr))
      return driverFail(d, r, info, "cuLaunchKernel of the run kernel");
    if (plan.numChunks == 1)
      continue;

    if (int status = launchMerge(d, k, m, stream, stateValues, stateIndices,
                                 rows, plan.numChunks, outZ, outIdxZ, gridZ))
      return status;
  }
  return KRED_OK;
}

/// Rows of a CUDA block of NAME_gpu_ranges: its (first, last, r0, r1)
/// entry of the lookup table.
constexpr int64_t kLookupFields = 4;

/// kred_gpu_launch_ranges_sized; `sizes` and `rangeSizes` as on the CPU
/// (kred_ranges.cpp).
int launchRanges(const kred_gpu_kernel *kernel, const void *const *args,
                 int64_t M, int64_t N, void *out, int64_t *outIdx,
                 const kred::detail::BufferSizes *sizes, int64_t numBlocks,
                 const int64_t *blocks, const int64_t *slices, int64_t numRed,
                 const int64_t *redRanges, const int64_t *rangeSizes,
                 const kred_gpu_launch_options *options) {
  if (int status = checkGpuKernel(kernel, "kred_gpu_launch_ranges"))
    return status;
  const kred_gpu_kernel &k = *kernel;
  const kred_kernel_info &info = k.info;
  const char *name = kernelName(info);
  // options->split is ignored here.
  kred_gpu_launch_options given{0, nullptr, -1, nullptr, 0};
  if (options)
    given = *options;
  given.split = -1;
  LaunchSetup setup;
  if (int status = setUpLaunch(kernel, "kred_gpu_launch_ranges", args, M, N,
                               out, outIdx, sizes, &given, &setup))
    return status;
  const kred_gpu_launch_options &opts = setup.opts;
  int64_t rows = setup.rows, reduced = setup.reduced;
  if (int status = kred::detail::checkRangeCounts(
          info, numBlocks, blocks, slices, numRed, redRanges, rangeSizes))
    return status;
  const Driver &d = driver();
  const Device *dev = setup.dev;

  ScopedContext scope(d);
  if (CUresult r = scope.enter(dev->context))
    return driverFail(d, r, info, "cuCtxSetCurrent");
  CUstream stream = static_cast<CUstream>(opts.stream);

  // The ranges to the host (as KeOps does), to check them and build the
  // lookup table: the stream is synchronized.
  std::vector<int64_t> hostBlocks(static_cast<size_t>(2 * numBlocks)),
      hostSlices(static_cast<size_t>(numBlocks)),
      hostRed(static_cast<size_t>(2 * numRed));
  auto toHost = [&](std::vector<int64_t> &host,
                    const int64_t *device) -> CUresult {
    if (host.empty())
      return CUDA_SUCCESS;
    return d.memcpyDtoHAsync(host.data(), reinterpret_cast<CUdeviceptr>(device),
                             host.size() * sizeof(int64_t), stream);
  };
  CUresult r = toHost(hostBlocks, blocks);
  if (!r)
    r = toHost(hostSlices, slices);
  if (!r)
    r = toHost(hostRed, redRanges);
  if (!r && (numBlocks > 0 || numRed > 0))
    r = d.streamSynchronize(stream);
  if (r)
    return driverFail(d, r, info, "copying the ranges to the host");
  std::vector<kred::detail::RangePiece> whole;
  int64_t pairs = 0;
  if (int status = kred::detail::planRanges(
          info, rows, reduced, numBlocks, hostBlocks.data(), hostSlices.data(),
          numRed, hostRed.data(), rangeSizes, whole, &pairs))
    return status;
  if (rows == 0)
    return KRED_OK;

  Module m;
  if (int status = getModule(d, k, *dev, &m))
    return status;
  if (!m.ranges)
    return fail(KRED_ERR_UNSUPPORTED,
                "kernel '%s': its GPU image has no entry '%s_ranges' (compiled "
                "by an older kernelred: recompile it for ranges=)",
                name, k.run_entry);

  // The lookup table: one (first, last, r0, r1) per CUDA block, each block
  // at most block_threads * rows_per_thread rows of one range block (or of
  // the rows between blocks, which get the identity: first == last).
  int64_t perBlock = int64_t(k.block_threads) * k.rows_per_thread;
  std::vector<int64_t> lookup;
  for (const kred::detail::RangePiece &w : whole)
    for (int64_t r0 = w.r0; r0 < w.r1; r0 += perBlock)
      lookup.insert(lookup.end(),
                    {w.first, w.last, r0, std::min(w.r1, r0 + perBlock)});
  int64_t cudaBlocks = static_cast<int64_t>(lookup.size()) / kLookupFields;
  if (int status = checkGridX(info, cudaBlocks, rows, "output rows"))
    return status;
  size_t lookupBytes = lookup.size() * sizeof(int64_t);
  ScratchBuffer table(d, stream);
  if (int status =
          table.acquire(info, lookupBytes, opts.scratch, opts.scratch_bytes))
    return status;
  // From pageable memory: the call returns once `lookup` has been read.
  if (CUresult r = d.memcpyHtoDAsync(table.get(), lookup.data(), lookupBytes,
                                     stream))
    return driverFail(d, r, info, "copying the ranges lookup table");

  // NAME_gpu_ranges(arg_0, ..., arg_{P-1}, M, N, lookup, red_ranges, out,
  //                 out_idx)
  KernelParams params(info, args, M, N,
                      {table.get(), reinterpret_cast<uintptr_t>(redRanges),
                       reinterpret_cast<uintptr_t>(out),
                       reinterpret_cast<uintptr_t>(outIdx)});
  if (CUresult r = d.launchKernel(m.ranges, static_cast<unsigned>(cudaBlocks),
                                  1, 1, static_cast<unsigned>(k.block_threads),
                                  1, 1, static_cast<unsigned>(k.shared_bytes),
                                  stream, params.data(), nullptr))
    return driverFail(d, r, info, "cuLaunchKernel of the ranges kernel");
  (void)pairs;
  return KRED_OK;
}

/// kred_gpu_launch_states_sized: one launch of NAME_gpu, gridDim.y = 1,
/// chunk = K, the caller's state arrays.
int launchStates(const kred_gpu_kernel *kernel, const void *const *args,
                 int64_t M, int64_t N, const kred::detail::BufferSizes *sizes,
                 const kred::detail::StateArrays &states,
                 const kred_gpu_launch_options *options) {
  const char *who = "kred_gpu_launch_states_sized";
  if (int status = checkGpuKernel(kernel, who))
    return status;
  const kred_gpu_kernel &k = *kernel;
  const kred_kernel_info &info = k.info;
  LaunchSetup setup;
  if (int status = setUpLaunch(kernel, who, args, M, N, nullptr, nullptr, sizes,
                               options, &setup, &states))
    return status;
  int64_t rows = setup.rows;
  if (rows == 0)
    return KRED_OK;
  const Driver &d = driver();
  ScopedContext scope(d);
  Module m;
  if (int status = enterModule(d, k, *setup.dev, scope, &m))
    return status;
  int64_t rowBlocks =
      ceilDiv(rows, int64_t(k.block_threads) * k.rows_per_thread);
  if (int status = checkGridX(info, rowBlocks, rows, "output rows"))
    return status;
  // NAME_gpu(arg_0, ..., arg_{P-1}, M, N, chunk = K, out = 0, out_idx = 0,
  //          state_values, state_indices, batch_offsets = 0)
  uintptr_t values = reinterpret_cast<uintptr_t>(states.values);
  uintptr_t indices =
      info.state_indices > 0 ? reinterpret_cast<uintptr_t>(states.indices) : 0;
  KernelParams params(
      info, args, M, N,
      {static_cast<uint64_t>(setup.reduced), 0, 0, values, indices, 0});
  if (CUresult r = d.launchKernel(m.run, static_cast<unsigned>(rowBlocks), 1, 1,
                                  static_cast<unsigned>(k.block_threads), 1, 1,
                                  static_cast<unsigned>(k.shared_bytes),
                                  static_cast<CUstream>(setup.opts.stream),
                                  params.data(), nullptr))
    return driverFail(d, r, info, "cuLaunchKernel of the run kernel");
  return KRED_OK;
}

/// kred_gpu_merge_states_sized: one launch of NAME_gpu_merge, nchunks =
/// parts.
int mergeStates(const kred_gpu_kernel *kernel,
                const kred::detail::StateArrays &states, int64_t rows,
                int64_t parts, void *out, int64_t *outIdx,
                const kred::detail::BufferSizes &sizes,
                const kred_gpu_launch_options *options) {
  const char *who = "kred_gpu_merge_states_sized";
  if (int status = checkGpuKernel(kernel, who))
    return status;
  const kred_gpu_kernel &k = *kernel;
  const kred_kernel_info &info = k.info;
  const char *name = kernelName(info);
  kred_gpu_launch_options opts{0, nullptr, -1, nullptr, 0};
  if (options)
    opts = *options;
  if (opts.device < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid CUDA device ordinal %d", name,
                opts.device);
  if (rows < 0 || parts < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': negative size (rows = %lld, parts = %lld)", name,
                static_cast<long long>(rows), static_cast<long long>(parts));
  if (int status = kred::detail::checkOutputs(info, out, outIdx, rows, &sizes))
    return status;
  if (int status = kred::detail::checkStates(info, rows, parts, true, states))
    return status;
  const Device *dev = nullptr;
  const Driver &d = driver();
  if (int status = getDevice(d, opts.device, who, &dev))
    return status;
  if (rows == 0)
    return KRED_OK;
  ScopedContext scope(d);
  Module m;
  if (int status = enterModule(d, k, *dev, scope, &m))
    return status;
  return launchMerge(
      d, k, m, static_cast<CUstream>(opts.stream),
      reinterpret_cast<uintptr_t>(states.values),
      info.state_indices > 0 ? reinterpret_cast<uintptr_t>(states.indices) : 0,
      rows, parts, reinterpret_cast<uintptr_t>(out),
      reinterpret_cast<uintptr_t>(outIdx), 1);
}

size_t scratchBytes(const kred_gpu_kernel *kernel, int64_t M, int64_t N,
                    int64_t batch, int32_t device) {
  if (checkGpuKernel(kernel, "kred_gpu_scratch_bytes"))
    return 0;
  if (M < 0 || N < 0 || batch < 1) {
    fail(KRED_ERR_INVALID_ARGUMENT,
         "kernel '%s': negative size (M = %lld, N = %lld, batch %lld)",
         kernelName(kernel->info), static_cast<long long>(M),
         static_cast<long long>(N), static_cast<long long>(batch));
    return 0;
  }
  const Device *dev = nullptr;
  if (getDevice(driver(), device, "kred_gpu_scratch_bytes", &dev))
    return 0;
  int64_t rows = kernel->info.axis == 1 ? M : N;
  int64_t reduced = kernel->info.axis == 1 ? N : M;
  if (rows == 0)
    return 0;
  Plan plan;
  if (makePlan(*kernel, *dev, rows, reduced, -1, std::min(batch, kMaxGridZ),
               &plan))
    return 0;
  return plan.scratchBytes;
}

void releaseKernel(const kred_gpu_kernel *kernel) {
  if (!kernel)
    return;
  // Both drivers: the kernel may have been loaded by either.
  for (bool emulated : {false, true}) {
    if (!(emulated ? emulatorLoaded : realLoaded))
      continue;
    const Driver &d = emulated ? emulatorDriver() : realDriver();
    if (!d.ok)
      continue;
    std::map<ModuleKey, Module> &modules = moduleTables[emulated];
    std::vector<std::pair<CUcontext, CUmodule>> unload;
    {
      std::lock_guard<std::mutex> lock(moduleMutex);
      for (auto it = modules.begin(); it != modules.end();) {
        if (it->first.first == kernel) {
          unload.emplace_back(it->first.second, it->second.module);
          it = modules.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto &[context, module] : unload) {
      ScopedContext scope(d);
      if (!scope.enter(context))
        d.moduleUnload(module);
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

int kred_gpu_available(void) {
  kred::detail::clearError();
  try {
    const Driver &d = driver();
    if (!d.ok) {
      fail(KRED_ERR_NO_DEVICE, "%s", d.error.c_str());
      return 0;
    }
    return d.deviceCount;
  } catch (...) {
    fail(KRED_ERR_INTERNAL, "kred_gpu_available: unexpected error");
    return 0;
  }
}

int kred_gpu_launch_sized(const kred_gpu_kernel *kernel,
                          const void *const *device_args,
                          const int64_t *arg_elements, int64_t M, int64_t N,
                          void *out, int64_t out_elements, int64_t *out_idx,
                          int64_t out_idx_elements,
                          const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_launch_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    return launch(kernel, device_args, M, N, out, out_idx, &sizes, options);
  });
}

int kred_gpu_launch_batched_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, int64_t batch,
    const int64_t *arg_offsets, void *out, int64_t out_elements,
    int64_t *out_idx, int64_t out_idx_elements,
    const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_launch_batched_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    return launch(kernel, device_args, M, N, out, out_idx, &sizes, options,
                  Batch{batch, arg_offsets});
  });
}

int kred_gpu_launch(const kred_gpu_kernel *kernel,
                    const void *const *device_args, int64_t M, int64_t N,
                    void *out, int64_t *out_idx,
                    const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_launch", kernel, [&] {
    return launch(kernel, device_args, M, N, out, out_idx, nullptr, options);
  });
}

int kred_gpu_launch_ranges_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *out,
    int64_t out_elements, int64_t *out_idx, int64_t out_idx_elements,
    int64_t num_blocks, const int64_t *blocks, int64_t blocks_elements,
    const int64_t *slices, int64_t slices_elements, int64_t num_red,
    const int64_t *red_ranges, int64_t red_ranges_elements,
    const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_launch_ranges_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    const int64_t rangeSizes[3] = {blocks_elements, slices_elements,
                                   red_ranges_elements};
    return launchRanges(kernel, device_args, M, N, out, out_idx, &sizes,
                        num_blocks, blocks, slices, num_red, red_ranges,
                        rangeSizes, options);
  });
}

int kred_gpu_launch_states_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *state_values,
    int64_t state_values_count, int64_t *state_indices,
    int64_t state_indices_count, const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_launch_states_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, 0, 0};
    kred::detail::StateArrays states{state_values, state_values_count,
                                     state_indices, state_indices_count};
    return launchStates(kernel, device_args, M, N, &sizes, states, options);
  });
}

int kred_gpu_merge_states_sized(const kred_gpu_kernel *kernel,
                                void *state_values, int64_t state_values_count,
                                int64_t *state_indices,
                                int64_t state_indices_count, int64_t rows,
                                int64_t parts, void *out, int64_t out_count,
                                int64_t *out_idx, int64_t out_idx_count,
                                const kred_gpu_launch_options *options) {
  return guardedLaunch("kred_gpu_merge_states_sized", kernel, [&] {
    BufferSizes sizes{nullptr, out_count, out_idx_count};
    kred::detail::StateArrays states{state_values, state_values_count,
                                     state_indices, state_indices_count};
    return mergeStates(kernel, states, rows, parts, out, out_idx, sizes,
                       options);
  });
}

size_t kred_gpu_batch_scratch_bytes(const kred_gpu_kernel *kernel,
                                    int64_t M, int64_t N, int64_t batch,
                                    int32_t device) {
  kred::detail::clearError();
  try {
    return scratchBytes(kernel, M, N, batch, device);
  } catch (...) {
    fail(KRED_ERR_INTERNAL, "kred_gpu_scratch_bytes: unexpected error");
    return 0;
  }
}

size_t kred_gpu_scratch_bytes(const kred_gpu_kernel *kernel, int64_t M,
                              int64_t N, int32_t device) {
  return kred_gpu_batch_scratch_bytes(kernel, M, N, 1, device);
}

void kred_gpu_release_kernel(const kred_gpu_kernel *kernel) {
  try {
    releaseKernel(kernel);
  } catch (...) {
  }
}

int kred_gpu_set_emulator(int on) {
  kred::detail::clearError();
  int previous = useEmulator() ? 1 : 0;
  if (on >= 0)
    emulatorSelected.store(on ? 1 : 0);
  return previous;
}

} // extern "C"
