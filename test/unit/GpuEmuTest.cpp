//===- GpuEmuTest.cpp - tests of the GPU emulator -------------------------===//
//
// Part of the kernelred project.
//
// Runs hand-written host kernels (the kred_gpu_emu.h ABI: one function per
// gpu.func, run once per thread) through kred_gpu_launch, the runtime's real
// launch path, on the GPU emulator (kred_gpu_emu.cpp): results of a tiled
// reduction over several blocks, split or not, static and dynamic shared
// memory; the race detector (missing barriers: read-after-write,
// write-after-read, write-after-write; out-of-bounds accesses); divergent
// barriers; thread orders that change with the seed; poisoned memory;
// module, function and shared-memory errors; the driver switch
// (kred_gpu_set_emulator) against no driver and the fake driver; and
// concurrent launches. argv[1]:
//
//   emu   the emulator only ($KRED_LIBCUDA_PATH names a missing library,
//         so that switching to the CUDA driver finds none)
//   mix   switches between the fake driver (FakeCuda.cpp, KRED_FAKE_CUDA)
//         and the emulator with the same kernel
//
// Run from lit (test/unit/gpu-emu.test). Links the static runtime, so that
// it can also call the emulator's entry points (GpuEmulator.h) directly.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "GpuEmulator.h"
#include "kred_gpu_emu.h"
#include "kred_runtime.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Kernel helpers (what kred-gpu-to-host generates, by hand)
//===----------------------------------------------------------------------===//

template <class T> T sload(kred_emu_thread *t, const T *p) {
  if (t->shared_access)
    t->shared_access(t, p, sizeof(T), 0);
  return *p;
}

template <class T> void sstore(kred_emu_thread *t, T *p, T v) {
  if (t->shared_access)
    t->shared_access(t, p, sizeof(T), 1);
  *p = v;
}

int64_t param(void **params, int i) {
  int64_t v;
  std::memcpy(&v, params[i], 8);
  return v;
}

template <class T> T *pointer(void **params, int i) {
  return reinterpret_cast<T *>(static_cast<uintptr_t>(param(params, i)));
}

constexpr int kBlock = 32;

/// The largest gridDim.y a run kernel saw (split launches have > 1).
std::atomic<int64_t> maxGridY{0};

//===----------------------------------------------------------------------===//
// "tsum": out_r = sum_j x_r * y_j (x: i-variable, y: j-variable, f64),
// tiled like kred's GPU kernels: y staged in workgroup memory, kBlock
// indices at a time. Variants drop a barrier or misuse the tile.
//===----------------------------------------------------------------------===//

enum Variant {
  Correct,
  NoFirstBarrier,  ///< reads the tile right after the stores
  NoSecondBarrier, ///< overwrites the tile while others read it
  DynamicTile,     ///< the tile in dynamic shared memory, after 12 static B
  OutOfBounds,     ///< thread t stores tile[t + 1]
  Underflow,       ///< thread t stores tile[t - 1]
  SameSlot,        ///< every thread stores tile[0]
};

template <Variant V> void tsumRun(void **params, kred_emu_thread *t) {
  const auto *x = pointer<const double>(params, 0);
  const auto *y = pointer<const double>(params, 1);
  int64_t M = param(params, 2), N = param(params, 3),
          chunk = param(params, 4);
  auto *out = pointer<double>(params, 5);
  auto *sv = pointer<double>(params, 7);
  int64_t tid = t->thread_id[0], bt = t->block_dim[0];
  int64_t rows = M, K = N, by = t->block_id[1];
  if (tid == 0) {
    int64_t seen = maxGridY.load();
    while (seen < t->grid_dim[1] &&
           !maxGridY.compare_exchange_weak(seen, t->grid_dim[1])) {
    }
  }
  int64_t r = t->block_id[0] * bt + tid;
  int64_t k0 = std::min(K, by * chunk), k1 = std::min(K, k0 + chunk);
  auto *tile = reinterpret_cast<double *>(static_cast<char *>(t->shared) +
                                          (V == DynamicTile ? 16 : 0));
  double xr = r < rows ? x[r] : 0, acc = 0;
  for (int64_t base = k0; base < k1; base += bt) {
    int64_t j = base + tid;
    double v = j < k1 ? y[j] : 0.0;
    int64_t slot = V == OutOfBounds ? tid + 1
                   : V == Underflow ? tid - 1
                   : V == SameSlot  ? 0
                                    : tid;
    sstore(t, &tile[slot], v);
    if (V != NoFirstBarrier)
      t->barrier(t);
    int64_t n = std::min(bt, k1 - base);
    for (int64_t q = 0; q < n; ++q)
      acc += xr * sload(t, &tile[q]);
    if (V != NoSecondBarrier)
      t->barrier(t);
  }
  if (r < rows) {
    if (sv)
      sv[by * rows + r] = acc;
    else
      out[r] = acc;
  }
}

void tsumMerge(void **params, kred_emu_thread *t) {
  const auto *sv = pointer<const double>(params, 0);
  int64_t rows = param(params, 2), chunks = param(params, 3);
  auto *out = pointer<double>(params, 4);
  int64_t r = t->block_id[0] * t->block_dim[0] + t->thread_id[0];
  if (r >= rows)
    return;
  double acc = 0;
  for (int64_t c = 0; c < chunks; ++c)
    acc += sv[c * rows + r];
  out[r] = acc;
}

/// Threads 0-15 return at once, the others wait at a barrier.
void divergentRun(void **, kred_emu_thread *t) {
  if (t->thread_id[0] < 16)
    return;
  t->barrier(t);
}

/// out[r] = the arrival rank of thread r before the first barrier;
/// secondOrder = the arrival order after it.
int64_t arrivals = 0, secondArrivals = 0;
std::vector<int64_t> secondOrder(kBlock);

void orderRun(void **params, kred_emu_thread *t) {
  auto *out = pointer<double>(params, 5);
  out[t->thread_id[0]] = static_cast<double>(arrivals++);
  t->barrier(t);
  secondOrder[secondArrivals++] = t->thread_id[0];
  t->barrier(t);
}

/// out[r] = the bits of tile[tid] read before anything was stored; then
/// stores 0 there (so that the next block sees poison only if the emulator
/// poisons each block).
void poisonRun(void **params, kred_emu_thread *t) {
  auto *out = pointer<double>(params, 5);
  int64_t rows = param(params, 2);
  int64_t tid = t->thread_id[0];
  int64_t r = t->block_id[0] * t->block_dim[0] + tid;
  auto *tile = static_cast<double *>(t->shared);
  double v = sload(t, &tile[tid]);
  t->barrier(t);
  sstore(t, &tile[tid], 0.0);
  t->barrier(t);
  if (r < rows)
    out[r] = v;
}

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

constexpr int64_t kTileBytes = kBlock * 8;

template <Variant V, int64_t Static = kTileBytes>
const kred_emu_entry tsumEntries[] = {
    {"tsum_gpu", tsumRun<V>, Static, 9},
    {"tsum_gpu_merge", tsumMerge, 0, 6},
};

template <Variant V, int64_t Static = kTileBytes>
const kred_emu_module tsumModule = {KRED_EMU_MAGIC, 2,
                                    tsumEntries<V, Static>};

const kred_emu_entry divergentEntries[] = {
    {"tsum_gpu", divergentRun, 0, 9}, {"tsum_gpu_merge", tsumMerge, 0, 6}};
const kred_emu_module divergentModule = {KRED_EMU_MAGIC, 2, divergentEntries};
const kred_emu_entry orderEntries[] = {{"tsum_gpu", orderRun, 0, 9},
                                       {"tsum_gpu_merge", tsumMerge, 0, 6}};
const kred_emu_module orderModule = {KRED_EMU_MAGIC, 2, orderEntries};
const kred_emu_entry poisonEntries[] = {{"tsum_gpu", poisonRun, kTileBytes, 9},
                                        {"tsum_gpu_merge", tsumMerge, 0, 6}};
const kred_emu_module poisonModule = {KRED_EMU_MAGIC, 2, poisonEntries};
const kred_emu_entry noMergeEntries[] = {
    {"tsum_gpu", tsumRun<Correct>, kTileBytes, 9}};
const kred_emu_module noMergeModule = {KRED_EMU_MAGIC, 1, noMergeEntries};
const kred_emu_entry bigStaticEntries[] = {
    {"tsum_gpu", tsumRun<Correct>, 64 * 1024, 9},
    {"tsum_gpu_merge", tsumMerge, 0, 6}};
const kred_emu_module bigStaticModule = {KRED_EMU_MAGIC, 2, bigStaticEntries};

const int32_t tsumCats[] = {KRED_CAT_I, KRED_CAT_J};
const int64_t tsumDims[] = {1, 1};

/// A kernel of one image.
struct Kernel {
  kred_gpu_image image;
  kred_gpu_kernel k{};

  Kernel(const void *data, size_t size, int kind = KRED_GPU_IMAGE_HOST,
         int32_t sharedBytes = 0) {
    image = {90, kind, data, size};
    k = makeGpuKernel(
        makeKernelInfo("tsum", "x*y", kSumReduction, tsumCats, tsumDims),
        "tsum_gpu", "tsum_gpu_merge", kBlock, 1, sharedBytes, &image, 1);
  }
  explicit Kernel(const kred_emu_module &m, int32_t sharedBytes = 0)
      : Kernel(&m, sizeof(m), KRED_GPU_IMAGE_HOST, sharedBytes) {}
  Kernel(const Kernel &) = delete;
  ~Kernel() { kred_gpu_release_kernel(&k); }
};

struct Data {
  std::vector<double> x, y, out;
  const void *args[2];
  Data(int64_t M, int64_t N, unsigned seed = 1) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    for (int64_t i = 0; i < M; ++i)
      x.push_back(u(gen));
    for (int64_t j = 0; j < N; ++j)
      y.push_back(u(gen));
    out.assign(M, std::nan(""));
    args[0] = x.data(), args[1] = y.data();
  }
  /// Checks out against the float64 reference; false on a mismatch.
  bool check(const char *what) const {
    double sy = 0;
    for (double v : y)
      sy += v;
    for (size_t r = 0; r < x.size(); ++r) {
      double want = x[r] * sy;
      if (!(std::fabs(out[r] - want) <= 1e-10 * (1 + std::fabs(want)))) {
        std::fprintf(stderr, "  %s: row %zu: got %g, want %g\n", what, r,
                     out[r], want);
        return false;
      }
    }
    return true;
  }
};

kred_gpu_launch_options options(int split) {
  kred_gpu_launch_options o{};
  o.device = 0;
  o.stream = nullptr;
  o.split = split;
  return o;
}

int launch(const Kernel &kernel, Data &data, int split = -1) {
  kred_gpu_launch_options o = options(split);
  int64_t M = static_cast<int64_t>(data.x.size()),
          N = static_cast<int64_t>(data.y.size());
  return kred_gpu_launch(&kernel.k, data.args, M, N, data.out.data(), nullptr,
                         &o);
}

void setSeed(uint64_t seed) {
  setenv("KRED_GPU_EMU_SEED", std::to_string(seed).c_str(), 1);
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

void testResults() {
  Kernel k(tsumModule<Correct>);
  Kernel dyn(tsumModule<DynamicTile, 12>, kTileBytes);
  Kernel bigDyn(tsumModule<DynamicTile, 12>, 64 * 1024);
  struct Case {
    int64_t M, N;
    int split;
    bool splits; // gridDim.y > 1 expected
  } cases[] = {
      {1, 1, -1, false},    {37, 100, 0, false},  {37, 100, 1, true},
      {40, 5000, -1, true}, {100, 0, -1, false},  {70, 3001, -1, true},
      {97, 33, 1, true},    {257, 64, -1, false}, {5, 2, 1, true},
  };
  for (const Case &c : cases)
    for (const Kernel *kernel : {&k, &dyn, &bigDyn}) {
      Data data(c.M, c.N);
      maxGridY = 0;
      int status = launch(*kernel, data, c.split);
      EXPECT(status == KRED_OK);
      if (status != KRED_OK) {
        std::fprintf(stderr, "  M=%lld N=%lld: %s\n",
                     static_cast<long long>(c.M), static_cast<long long>(c.N),
                     kred_last_error());
        continue;
      }
      if (!data.check("tsum"))
        ++failures;
      if (c.N > 0)
        EXPECT((maxGridY.load() > 1) == c.splits);
    }
  // Auto split: 40 rows (2 blocks) over 5000 indices fill the device with
  // min(ceil(132 * 64 / 2), 5000 / 1024) = 4 chunks.
  Data data(40, 5000);
  maxGridY = 0;
  EXPECT(launch(k, data) == KRED_OK);
  EXPECT(maxGridY.load() == 4);
  EXPECT(kred_gpu_scratch_bytes(&k.k, 40, 5000, 0) == 40 * 4 * 8);
  // The emulated device's shared memory limit, through the runtime.
  Kernel tooBig(tsumModule<DynamicTile, 12>, 300 * 1024);
  expectError(launch(tooBig, data), KRED_ERR_UNSUPPORTED,
              "cannot use 307200 bytes of dynamic shared memory");
}

/// Launches `k` with seeds 1..seeds and returns the messages.
std::vector<std::string> raceMessages(const Kernel &k, int seeds) {
  std::vector<std::string> messages;
  for (int seed = 1; seed <= seeds; ++seed) {
    setSeed(seed);
    Data data(37, 100);
    int status = launch(k, data, 0);
    EXPECT(status == KRED_ERR_DEVICE);
    messages.push_back(kred_last_error());
  }
  setSeed(1);
  return messages;
}

void testRaces() {
  // A missing barrier between the cooperative stores and the reads.
  Kernel noFirst(tsumModule<NoFirstBarrier>);
  Data data(37, 100);
  expectError(launch(noFirst, data, 0), KRED_ERR_DEVICE,
              "cuLaunchKernel of the run kernel failed: "
              "CUDA_ERROR_LAUNCH_FAILED (kred GPU emulator: read-after-write "
              "race on workgroup memory in block (");
  std::string m = kred_last_error();
  std::fprintf(stderr, "  no first barrier: %s\n", m.c_str());
  expectIn(m, "of 'tsum_gpu': thread ");
  expectIn(m, " reads 8 bytes at offset ");
  expectIn(m, "in the same barrier interval (0: no barrier between them; "
              "seed 1)");
  for (const std::string &s : raceMessages(noFirst, 12))
    expectIn(s, "read-after-write race");

  // A missing barrier before the tile is overwritten: the threads advance
  // in lockstep (one workgroup access each per round), so every thread has
  // read the tile when the first overwrites its slot.
  Kernel noSecond(tsumModule<NoSecondBarrier>);
  int war = 0, raw = 0;
  for (const std::string &s : raceMessages(noSecond, 24)) {
    expectIn(s, "race on workgroup memory");
    expectIn(s, "barrier interval (1: no barrier");
    war += s.find("write-after-read race") != std::string::npos;
    raw += s.find("read-after-write race") != std::string::npos;
  }
  EXPECT(war == 24 && raw == 0);
  std::fprintf(stderr, "  no second barrier: %d read-after-write, %d "
                       "write-after-read (24 seeds): %s\n",
               raw, war, kred_last_error());
  // Every thread stores the same slot.
  Kernel same(tsumModule<SameSlot>);
  expectError(launch(same, data, 0), KRED_ERR_DEVICE,
              "write-after-write race on workgroup memory");
  expectIn(kred_last_error(), "writes 8 bytes at offset 0 that thread ");

  // Out of bounds, above and below.
  Kernel over(tsumModule<OutOfBounds>);
  expectError(launch(over, data, 0), KRED_ERR_DEVICE,
              "CUDA_ERROR_ILLEGAL_ADDRESS (kred GPU emulator: out-of-bounds "
              "workgroup memory access in block (");
  expectIn(kred_last_error(), "thread 31 writes 8 bytes at offset 256, "
                              "outside the block's 256 bytes");
  std::fprintf(stderr, "  out of bounds: %s\n", kred_last_error());
  Kernel under(tsumModule<Underflow>);
  expectError(launch(under, data, 0), KRED_ERR_DEVICE,
              "thread 0 writes 8 bytes at offset -8, outside the block's 256 "
              "bytes");

  // Divergent barrier.
  Kernel divergent(divergentModule);
  expectError(launch(divergent, data, 0), KRED_ERR_DEVICE,
              "divergent barrier in block (");
  expectIn(kred_last_error(), "threads 0-15 returned while 16 of 32 threads "
                              "wait at barrier 1 (threads 16-31)");
  std::fprintf(stderr, "  divergent: %s\n", kred_last_error());

  // Race check off: the racy kernels run (and give wrong or right results,
  // unchecked); the correct one still passes.
  setenv("KRED_GPU_EMU_RACECHECK", "0", 1);
  EXPECT(launch(noFirst, data, 0) == KRED_OK);
  Kernel k(tsumModule<Correct>);
  Data good(37, 100);
  EXPECT(launch(k, good, 1) == KRED_OK && good.check("no race check"));
  setenv("KRED_GPU_EMU_RACECHECK", "1", 1);
}

void testOrders() {
  Kernel k(orderModule);
  auto run = [&](uint64_t seed, std::vector<int64_t> *first,
                 std::vector<int64_t> *second) {
    setSeed(seed);
    Data data(kBlock, 4);
    arrivals = secondArrivals = 0;
    EXPECT(launch(k, data, 0) == KRED_OK);
    // out[t] = the rank of thread t: the order is its inverse.
    first->assign(kBlock, -1);
    for (int t = 0; t < kBlock; ++t) {
      int64_t rank = static_cast<int64_t>(data.out[t]);
      EXPECT(rank >= 0 && rank < kBlock);
      if (rank >= 0 && rank < kBlock)
        (*first)[rank] = t;
    }
    *second = secondOrder;
    std::vector<int64_t> sorted = *second;
    std::sort(sorted.begin(), sorted.end());
    for (int t = 0; t < kBlock; ++t)
      EXPECT(sorted[t] == t);
  };
  std::vector<int64_t> a1, a2, b1, b2, c1, c2;
  run(1, &a1, &a2);
  run(2, &b1, &b2);
  run(1, &c1, &c2);
  EXPECT(a1 == c1 && a2 == c2); // same seed, same orders
  EXPECT(a1 != b1 || a2 != b2); // another seed, other orders
  // Many seeds: orders other than ascending, and per-interval changes.
  int notAscending = 0, changed = 0;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    run(seed, &a1, &a2);
    notAscending += !std::is_sorted(a1.begin(), a1.end());
    changed += a1 != a2;
  }
  EXPECT(notAscending >= 8);
  EXPECT(changed >= 8);
  setSeed(1);
}

void testPoison() {
  Kernel k(poisonModule);
  for (const char *check : {"0", "1"}) {
    setenv("KRED_GPU_EMU_RACECHECK", check, 1);
    Data data(3 * kBlock - 5, 4); // 3 blocks
    EXPECT(launch(k, data, 0) == KRED_OK);
    for (double v : data.out) {
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      EXPECT(bits == ~uint64_t(0));
    }
  }
  setenv("KRED_GPU_EMU_RACECHECK", "1", 1);
  // Device memory.
  namespace emu = kred::emu;
  kred::cuda::CUcontext primary = nullptr, previous = nullptr;
  EXPECT(emu::cuDevicePrimaryCtxRetain(&primary, 0) == 0);
  EXPECT(emu::cuCtxGetCurrent(&previous) == 0);
  EXPECT(emu::cuCtxSetCurrent(primary) == 0);
  kred::cuda::CUdeviceptr p = 0;
  EXPECT(emu::cuMemAlloc_v2(&p, 1000) == 0);
  auto *bytes = reinterpret_cast<unsigned char *>(p);
  bool poisoned = true;
  for (int i = 0; i < 1000; ++i)
    poisoned &= bytes[i] == 0xff;
  EXPECT(poisoned);
  EXPECT(p % 256 == 0);
  EXPECT(emu::cuMemFree_v2(p) == 0);
  EXPECT(emu::cuMemFree_v2(p) == kred::cuda::CUDA_ERROR_INVALID_VALUE);
  EXPECT(emu::cuMemAllocAsync(&p, 64, nullptr) == 0);
  EXPECT(emu::cuMemFreeAsync(p, nullptr) == 0);
  EXPECT(emu::cuCtxSetCurrent(previous) == 0);
}

void testModules() {
  Data data(37, 100);
  // No merge entry: found when the module is loaded.
  Kernel noMerge(noMergeModule);
  expectError(launch(noMerge, data), KRED_ERR_INVALID_ARGUMENT,
              "its sm_90 image has no entry 'tsum_gpu_merge': "
              "CUDA_ERROR_NOT_FOUND");
  // Not a kred_emu_module.
  static const kred_emu_module badMagic = {0x0102030405060708ULL, 0, nullptr};
  Kernel bad(badMagic);
  expectError(launch(bad, data), KRED_ERR_DEVICE,
              "CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid): the "
              "kred GPU emulator: not a kred_emu_module");
  // Too much static shared memory.
  Kernel bigStatic(bigStaticModule);
  expectError(launch(bigStatic, data), KRED_ERR_DEVICE,
              "uses more than 48 KiB of static shared memory");
  // PTX and cubins are refused.
  static const char ptx[] = "//\n.version 8.0\n.target sm_90\n";
  Kernel ptxOnly(ptx, sizeof(ptx), 0);
  expectError(launch(ptxOnly, data), KRED_ERR_UNSUPPORTED,
              "loading its sm_90 PTX image failed: CUDA_ERROR_NO_BINARY_FOR_GPU");
  expectIn(kred_last_error(), "the kred GPU emulator cannot run PTX");
  static const char cubin[] = "\x7f"
                              "ELF\x02\x01\x01";
  Kernel cubinOnly(cubin, sizeof(cubin), 1);
  expectError(launch(cubinOnly, data), KRED_ERR_UNSUPPORTED,
              "the kred GPU emulator cannot run a cubin");
  // A kernel with PTX and a host image: the emulator takes the host image.
  kred_gpu_image both[] = {{90, 0, ptx, sizeof(ptx)},
                           {90, KRED_GPU_IMAGE_HOST, &tsumModule<Correct>,
                            sizeof(kred_emu_module)}};
  Kernel k(tsumModule<Correct>);
  k.k.num_images = 2;
  k.k.images = both;
  Data good(37, 100);
  EXPECT(launch(k, good) == KRED_OK && good.check("ptx + host"));
  // Only a real device's images: the no-image message lists them.
  kred_gpu_image sm80[] = {{80, 1, cubin, sizeof(cubin)}};
  k.k.num_images = 1;
  k.k.images = sm80;
  kred_gpu_release_kernel(&k.k);
  expectError(launch(k, good), KRED_ERR_UNSUPPORTED,
              "has no image for this GPU (sm_90): it has sm_80 cubin");

  // Directly: functions by name, handles, attributes.
  namespace emu = kred::emu;
  using namespace kred::cuda;
  CUcontext primary = nullptr;
  EXPECT(emu::cuDevicePrimaryCtxRetain(&primary, 0) == 0);
  CUmodule module = nullptr;
  EXPECT(emu::cuModuleLoadDataEx(&module, &tsumModule<Correct>, 0, nullptr,
                                 nullptr) == CUDA_ERROR_INVALID_CONTEXT);
  EXPECT(emu::cuCtxSetCurrent(primary) == 0);
  EXPECT(emu::cuModuleLoadDataEx(&module, &tsumModule<Correct>, 0, nullptr,
                                 nullptr) == 0);
  CUfunction f = nullptr, g = nullptr;
  EXPECT(emu::cuModuleGetFunction(&f, module, "tsum_gpu") == 0 && f);
  EXPECT(emu::cuModuleGetFunction(&g, module, "tsum_gpu") == 0 && g == f);
  EXPECT(emu::cuModuleGetFunction(&g, module, "nope") == CUDA_ERROR_NOT_FOUND);
  EXPECT(emu::cuFuncSetAttribute(
             f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
             227 * 1024 - int(kTileBytes)) == 0);
  EXPECT(emu::cuFuncSetAttribute(
             f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
             227 * 1024) == CUDA_ERROR_INVALID_VALUE);
  const char *text = nullptr;
  EXPECT(emu::cuGetErrorString(CUDA_ERROR_INVALID_VALUE, &text) == 0 &&
         std::strstr(text, "cannot use 232448 bytes of dynamic shared"));
  // Bad launch shapes.
  EXPECT(emu::cuLaunchKernel(f, 1, 1, 1, 2048, 1, 1, 0, nullptr, nullptr,
                             nullptr) == CUDA_ERROR_INVALID_VALUE);
  EXPECT(emu::cuLaunchKernel(f, 0, 1, 1, 32, 1, 1, 0, nullptr, nullptr,
                             nullptr) == CUDA_ERROR_INVALID_VALUE);
  EXPECT(emu::cuLaunchKernel(f, 1, 65536, 1, 32, 1, 1, 0, nullptr, nullptr,
                             nullptr) == CUDA_ERROR_INVALID_VALUE);
  EXPECT(emu::cuModuleUnload(module) == 0);
  EXPECT(emu::cuModuleUnload(module) == CUDA_ERROR_INVALID_HANDLE);
  EXPECT(emu::cuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr,
                             nullptr) == CUDA_ERROR_INVALID_HANDLE);
  int value = 0;
  EXPECT(emu::cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                   0) == 0 &&
         value == 132);
  EXPECT(emu::cuDeviceGetAttribute(
             &value, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
             0) == 0 &&
         value == 227 * 1024);
  EXPECT(emu::cuDeviceGet(nullptr, 0) == CUDA_ERROR_INVALID_VALUE);
  CUdevice dev = 0;
  EXPECT(emu::cuDeviceGet(&dev, 1) == CUDA_ERROR_INVALID_DEVICE);
  EXPECT(emu::cuCtxSetCurrent(nullptr) == 0);
}

void testConcurrent() {
  Kernel k(tsumModule<Correct>);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Data data(50 + t * 13 + i, 300 + i * 7, t * 10 + i);
        if (launch(k, data, i % 3 - 1) != KRED_OK || !data.check("thread"))
          ++bad;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT(bad == 0);
}

void testTiming() {
  Kernel k(tsumModule<Correct>);
  Data data(1000, 1000);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT(launch(k, data, 0) == KRED_OK && data.check("timing"));
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
  std::fprintf(stderr, "  1000 x 1000 (32 blocks of 32 threads, 32 tiles): "
                       "%.1f ms\n",
               ms);
}

void testSwitch(bool fakeDriver) {
  // The emulator is selected ($KRED_GPU_EMULATOR=1 from lit).
  EXPECT(kred_gpu_set_emulator(-1) == 1);
  EXPECT(kred_gpu_available() == 1);
  EXPECT(kred_gpu_set_emulator(0) == 1);
  EXPECT(kred_gpu_set_emulator(-1) == 0);
  if (!fakeDriver) {
    EXPECT(kred_gpu_available() == 0);
    expectError(KRED_ERR_NO_DEVICE, KRED_ERR_NO_DEVICE, "no CUDA driver");
    Kernel k(tsumModule<Correct>);
    Data data(10, 10);
    expectError(launch(k, data), KRED_ERR_NO_DEVICE, "no CUDA driver");
    EXPECT(kred_gpu_set_emulator(1) == 0);
    EXPECT(launch(k, data) == KRED_OK && data.check("after switch"));
    return;
  }
  // The fake driver (one sm_90 device unless configured): it takes the PTX
  // of a kernel that also has a host image, records the launch and runs
  // nothing; the emulator runs the host image. Modules never mix.
  EXPECT(kred_gpu_available() >= 1);
  static const char fakePtx[] =
      "FAKE sm_90 PTX params tsum_gpu=9 tsum_gpu_merge=6";
  kred_gpu_image both[] = {{90, KRED_GPU_IMAGE_HOST, &tsumModule<Correct>,
                            sizeof(kred_emu_module)},
                           {90, 0, fakePtx, sizeof(fakePtx)}};
  Kernel k(tsumModule<Correct>);
  k.k.num_images = 2;
  k.k.images = both;
  for (int round = 0; round < 2; ++round) {
    kred_gpu_set_emulator(0);
    Data onFake(37, 100);
    EXPECT(launch(k, onFake) == KRED_OK);
    EXPECT(std::isnan(onFake.out[0])); // the fake runs nothing
    kred_gpu_set_emulator(1);
    Data onEmu(37, 100);
    EXPECT(launch(k, onEmu) == KRED_OK && onEmu.check("emulator"));
  }
  // A host image alone on the real (fake) driver: the fake one loads any
  // text (a real one refuses the image: "loading its sm_90 host image
  // failed: ... (a host image runs on the GPU emulator only: ...)"), then
  // finds no function in it.
  kred_gpu_set_emulator(0);
  Kernel hostOnly(tsumModule<Correct>);
  Data data(10, 10);
  expectError(launch(hostOnly, data), KRED_ERR_INVALID_ARGUMENT,
              "its sm_90 image has no entry 'tsum_gpu'");
  kred_gpu_release_kernel(&k.k);
  kred_gpu_set_emulator(1);
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "emu";
  setSeed(1);
  // The emulator from the first GPU call on; the CUDA driver, when the
  // tests switch to it, is missing (emu) or the fake one (mix).
  setenv("KRED_GPU_EMULATOR", "1", 1);
  setenv("KRED_LIBCUDA_PATH",
         mode == "mix" ? KRED_FAKE_CUDA : "/nonexistent/kred-test/libcuda.so.1",
         1);
  if (mode == "emu") {
    testSwitch(false);
    testResults();
    testRaces();
    testOrders();
    testPoison();
    testModules();
    testConcurrent();
    testTiming();
  } else if (mode == "mix") {
    testSwitch(true);
  } else {
    std::fprintf(stderr, "usage: %s emu|mix\n", argv[0]);
    return 2;
  }
  return report("gpu emulator tests (" + mode + ")");
}
