//===- GpuRuntimeTest.cpp - tests of the kernelred GPU runtime ------------===//
//
// Part of the kernelred project.
//
// Drives kred_gpu_launch without a GPU, in one of three modes (argv[1]):
//
//   no-driver  $KRED_LIBCUDA_PATH names a missing library: no device, clear
//              messages, argument checks still done.
//   no-device  the test driver (FakeCuda.cpp) reporting 0 devices.
//   fake       the test driver with 4 devices of different compute
//              capabilities: hand-written "GPU kernels" run on the host from
//              the launch hook, so image choice, the module cache, contexts,
//              the split decision, grid shapes, parameter marshalling, the
//              run-then-merge order, scratch handling and the results are
//              all checked.
//
// The test driver's path is compiled in (KRED_FAKE_CUDA). Run from lit
// (test/unit/gpu-runtime.test).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "CudaDriverTypes.h"
#include "FakeCuda.h"
#include "kred_runtime.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// The test driver's control functions
//===----------------------------------------------------------------------===//

struct Fake {
  decltype(&fakecuda_configure) configure;
  decltype(&fakecuda_reset_log) resetLog;
  decltype(&fakecuda_set_hook) setHook;
  decltype(&fakecuda_num_launches) numLaunches;
  decltype(&fakecuda_launch) launch;
  decltype(&fakecuda_module_loads) moduleLoads;
  decltype(&fakecuda_module_unloads) moduleUnloads;
  decltype(&fakecuda_allocs) allocs;
  decltype(&fakecuda_frees) frees;
  decltype(&fakecuda_syncs) syncs;
  decltype(&fakecuda_disable_async_alloc) disableAsyncAlloc;
  decltype(&fakecuda_current_context) currentContext;
  decltype(&fakecuda_other_context) otherContext;
  decltype(&fakecuda_primary_context) primaryContext;
  // The driver entry point, to change the current context as a caller would
  // (with its own type: a call through another one is undefined).
  kred::cuda::cuCtxSetCurrent_t ctxSetCurrent;
} fake;

bool loadFake(const char *path) {
  // The same path as the runtime's dlopen: the same library instance.
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    std::fprintf(stderr, "cannot load the test driver %s: %s\n", path,
                 dlerror());
    return false;
  }
  bool ok = true;
  auto bind = [&](auto &fn, const char *name) {
    fn =
        reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
    if (!fn) {
      std::fprintf(stderr, "test driver lacks %s\n", name);
      ok = false;
    }
  };
  bind(fake.configure, "fakecuda_configure");
  bind(fake.resetLog, "fakecuda_reset_log");
  bind(fake.setHook, "fakecuda_set_hook");
  bind(fake.numLaunches, "fakecuda_num_launches");
  bind(fake.launch, "fakecuda_launch");
  bind(fake.moduleLoads, "fakecuda_module_loads");
  bind(fake.moduleUnloads, "fakecuda_module_unloads");
  bind(fake.allocs, "fakecuda_allocs");
  bind(fake.frees, "fakecuda_frees");
  bind(fake.syncs, "fakecuda_syncs");
  bind(fake.disableAsyncAlloc, "fakecuda_disable_async_alloc");
  bind(fake.currentContext, "fakecuda_current_context");
  bind(fake.otherContext, "fakecuda_other_context");
  bind(fake.primaryContext, "fakecuda_primary_context");
  bind(fake.ctxSetCurrent, "cuCtxSetCurrent");
  return ok;
}

//===----------------------------------------------------------------------===//
// Hand-written GPU kernels, played on the host by the launch hook
//===----------------------------------------------------------------------===//

// "dot": out_r = sum_k ((x_r . y_k) + p) * w_k with x [rows, 3], y [K, 3],
// w [K, 1], p [1]; position 4 is unused. State: one double per row.
// "amin": Min_ArgMin of (x_r - y_k)^2 with scalar x and y; state: one double
// and one index per row; ties keep the lowest k.

constexpr int64_t kDim = 3;
const int32_t dotCats1[] = {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J, KRED_CAT_P,
                            KRED_CAT_UNUSED};
const int32_t dotCats0[] = {KRED_CAT_J, KRED_CAT_I, KRED_CAT_I, KRED_CAT_P,
                            KRED_CAT_UNUSED};
const int64_t dotDims[] = {kDim, kDim, 1, 1, 0};
const int32_t aminCats1[] = {KRED_CAT_I, KRED_CAT_J};
const int64_t aminDims[] = {1, 1};

// Module texts: which entries exist and how many parameters they take.
const char *const kPtx70 = "FAKE sm_70 PTX params dot_gpu=12 dot_gpu_merge=6 "
                           "amin_gpu=9 amin_gpu_merge=6";
const char *const kPtx80 = "FAKE sm_80 PTX params dot_gpu=12 dot_gpu_merge=6 "
                           "amin_gpu=9 amin_gpu_merge=6";
// Only this image has the ranges= entry (an sm_90 device loads it first).
const char *const kCubin90 = "FAKE sm_90 cubin params dot_gpu=12 "
                             "dot_gpu_merge=6 dot_gpu_ranges=11 amin_gpu=9 "
                             "amin_gpu_merge=6";
const char *const kPtx90 = "FAKE sm_90 PTX params dot_gpu=12 dot_gpu_merge=6 "
                           "amin_gpu=9 amin_gpu_merge=6";
const char *const kInvalid = "FAKE INVALID PTX";
const char *const kNoMerge = "FAKE sm_70 PTX params dot_gpu=12";

kred_gpu_image images[] = {
    {80, 0, kPtx80, std::strlen(kPtx80) + 1},
    {90, 1, kCubin90, std::strlen(kCubin90) + 1},
    {70, 0, kPtx70, std::strlen(kPtx70) + 1},
    {90, 0, kPtx90, std::strlen(kPtx90) + 1},
};

kred_gpu_kernel makeDot(int axis, int dtype) {
  kred_kernel_info info =
      makeKernelInfo("dot", "((x|y)+p)*w", kSumReduction,
                     axis == 1 ? dotCats1 : dotCats0, dotDims);
  info.axis = axis;
  info.dtype = dtype;
  return makeGpuKernel(info, "dot_gpu", "dot_gpu_merge", 256, 2, 3072, images,
                       4);
}

kred_gpu_kernel makeAmin() {
  return makeGpuKernel(makeKernelInfo("amin", "Square(x-y)",
                                      kMinArgMinReduction, aminCats1, aminDims,
                                      /*indices=*/1),
                       "amin_gpu", "amin_gpu_merge", 128, 1, 0, images, 4);
}

/// The kernel the hook plays (set before each launch).
thread_local const kred_gpu_kernel *played = nullptr;

double load(const void *p, int dtype, int64_t at) {
  return dtype == KRED_F32 ? static_cast<const float *>(p)[at]
                           : static_cast<const double *>(p)[at];
}

void store(void *p, int dtype, int64_t at, double v) {
  if (dtype == KRED_F32)
    static_cast<float *>(p)[at] = static_cast<float>(v);
  else
    static_cast<double *>(p)[at] = v;
}

void *ptr(uint64_t v) { return reinterpret_cast<void *>(v); }

/// The dot kernel's term for row r and reduced index j of a launch:
/// ((x_r . y_j) + p) * w_j, its arrays in the first parameters.
double dotTerm(const FakeLaunch *l, int dtype, int64_t r, int64_t j) {
  double dot = 0;
  for (int64_t c = 0; c < kDim; ++c)
    dot += load(ptr(l->params[0]), dtype, r * kDim + c) *
           load(ptr(l->params[1]), dtype, j * kDim + c);
  return (dot + load(ptr(l->params[3]), dtype, 0)) *
         load(ptr(l->params[2]), dtype, j);
}

/// The lookup table of the last ranges launch, as the kernel saw it.
std::vector<int64_t> lastLookup;

/// Plays a launch of dot_gpu_ranges (docs/gpu.md): each CUDA block's
/// (first, last, r0, r1) entry, intervals in order.
void playRanges(const FakeLaunch *l) {
  const kred_gpu_kernel &k = *played;
  const kred_kernel_info &info = k.info;
  int P = info.num_args;
  auto *lookup = static_cast<const int64_t *>(ptr(l->params[P + 2]));
  auto *red = static_cast<const int64_t *>(ptr(l->params[P + 3]));
  void *out = ptr(l->params[P + 4]);
  lastLookup.assign(lookup, lookup + 4 * l->grid[0]);
  EXPECT(l->grid[1] == 1 && l->grid[2] == 1);
  for (unsigned bx = 0; bx < l->grid[0]; ++bx) {
    const int64_t *e = lookup + 4 * bx;
    EXPECT(e[3] - e[2] <= int64_t(l->block[0]) * k.rows_per_thread);
    for (int64_t r = e[2]; r < e[3]; ++r) {
      double acc = 0;
      for (int64_t iv = e[0]; iv < e[1]; ++iv)
        for (int64_t j = red[2 * iv]; j < red[2 * iv + 1]; ++j)
          acc += dotTerm(l, info.dtype, r, j);
      store(out, info.dtype, r, acc);
    }
  }
}

/// Plays a launch of the played kernel following docs/gpu.md.
void hook(const FakeLaunch *l) {
  const kred_gpu_kernel &k = *played;
  const kred_kernel_info &info = k.info;
  if (std::strstr(l->entry, "_ranges")) {
    playRanges(l);
    return;
  }
  bool merge = std::strstr(l->entry, "_merge") != nullptr;
  bool amin = std::strncmp(l->entry, "amin", 4) == 0;
  if (!merge) {
    int P = info.num_args;
    int64_t M = l->params[P], N = l->params[P + 1], chunk = l->params[P + 2];
    void *out = ptr(l->params[P + 3]);
    auto *outIdx = static_cast<int64_t *>(ptr(l->params[P + 4]));
    auto *sv = static_cast<double *>(ptr(l->params[P + 5]));
    auto *si = static_cast<int64_t *>(ptr(l->params[P + 6]));
    int64_t rows = info.axis == 1 ? M : N, K = info.axis == 1 ? N : M;
    int64_t perBlock = int64_t(l->block[0]) * k.rows_per_thread;
    for (unsigned by = 0; by < l->grid[1]; ++by)
      for (unsigned bx = 0; bx < l->grid[0]; ++bx) {
        int64_t r0 = bx * perBlock, r1 = std::min(rows, r0 + perBlock);
        int64_t k0 = std::min(K, int64_t(by) * chunk);
        int64_t k1 = std::min(K, k0 + chunk);
        for (int64_t r = r0; r < r1; ++r) {
          double acc = amin ? std::numeric_limits<double>::infinity() : 0;
          int64_t best = -1;
          for (int64_t j = k0; j < k1; ++j) {
            if (amin) {
              double d = load(ptr(l->params[0]), info.dtype, r) -
                         load(ptr(l->params[1]), info.dtype, j);
              if (d * d < acc)
                acc = d * d, best = j;
              continue;
            }
            acc += dotTerm(l, info.dtype, r, j);
          }
          if (sv) {
            sv[by * rows + r] = acc;
            if (amin)
              si[by * rows + r] = best;
          } else {
            store(out, info.dtype, r, acc);
            if (amin)
              outIdx[r] = best;
          }
        }
      }
    return;
  }
  auto *sv = static_cast<double *>(ptr(l->params[0]));
  auto *si = static_cast<int64_t *>(ptr(l->params[1]));
  int64_t rows = l->params[2], chunks = l->params[3];
  void *out = ptr(l->params[4]);
  auto *outIdx = static_cast<int64_t *>(ptr(l->params[5]));
  EXPECT(int64_t(l->grid[0]) * l->block[0] >= rows);
  for (int64_t r = 0; r < rows; ++r) {
    // No chunk: the identity.
    double acc = chunks > 0 ? sv[r]
                 : amin     ? std::numeric_limits<double>::infinity()
                            : 0;
    int64_t best = amin && chunks > 0 ? si[r] : -1;
    for (int64_t c = 1; c < chunks; ++c) {
      double v = sv[c * rows + r];
      if (!amin)
        acc += v;
      else if (v < acc)
        acc = v, best = si[c * rows + r];
    }
    store(out, info.dtype, r, acc);
    if (amin)
      outIdx[r] = best;
  }
}

//===----------------------------------------------------------------------===//
// Data and references
//===----------------------------------------------------------------------===//

struct DotData {
  std::vector<double> x, y, w, p;
  std::vector<float> xf, yf, wf, pf;
  const void *args[5];
  int64_t rows, reduced;

  DotData(int64_t rows, int64_t reduced, int dtype, unsigned seed = 1)
      : rows(rows), reduced(reduced) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    auto fill = [&](std::vector<double> &v, size_t n) {
      v.resize(n);
      for (double &e : v)
        e = u(gen);
    };
    fill(x, rows * kDim);
    fill(y, reduced * kDim);
    fill(w, reduced);
    fill(p, 1);
    if (dtype == KRED_F32) {
      xf.assign(x.begin(), x.end());
      yf.assign(y.begin(), y.end());
      wf.assign(w.begin(), w.end());
      pf.assign(p.begin(), p.end());
      for (auto *v : {&x, &y, &w, &p})
        for (double &e : *v)
          e = static_cast<float>(e);
      args[0] = xf.data(), args[1] = yf.data(), args[2] = wf.data();
      args[3] = pf.data();
    } else {
      args[0] = x.data(), args[1] = y.data(), args[2] = w.data();
      args[3] = p.data();
    }
    // The unused position: garbage that must not reach the kernel.
    args[4] = reinterpret_cast<const void *>(uintptr_t(0xdead0));
  }

  double expected(int64_t r) const {
    double s = 0;
    for (int64_t j = 0; j < reduced; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < kDim; ++c)
        dot += x[r * kDim + c] * y[j * kDim + c];
      s += (dot + p[0]) * w[j];
    }
    return s;
  }
};

kred_gpu_launch_options options(int device, int split, void *scratch = nullptr,
                                size_t scratchBytes = 0) {
  kred_gpu_launch_options o{};
  o.device = device;
  o.stream = reinterpret_cast<void *>(uintptr_t(0x5700));
  o.split = split;
  o.scratch = scratch;
  o.scratch_bytes = scratchBytes;
  return o;
}

/// Launches "dot" (rows output rows, reduced indices), checks the results
/// and returns the launch count.
int runDot(int axis, int dtype, int64_t rows, int64_t reduced, int split,
           int device = 0, void *scratch = nullptr, size_t scratchBytes = 0) {
  kred_gpu_kernel k = makeDot(axis, dtype);
  played = &k;
  DotData data(rows, reduced, dtype);
  std::vector<double> out(rows, std::nan(""));
  std::vector<float> outf(rows, std::nanf(""));
  void *o = dtype == KRED_F32 ? static_cast<void *>(outf.data()) : out.data();
  int64_t M = axis == 1 ? rows : reduced, N = axis == 1 ? reduced : rows;
  fake.resetLog();
  kred_gpu_launch_options opts = options(device, split, scratch, scratchBytes);
  int status = kred_gpu_launch(&k, data.args, M, N, o, nullptr, &opts);
  EXPECT(status == KRED_OK);
  if (status != KRED_OK)
    std::fprintf(stderr, "  %s\n", kred_last_error());
  double tol = dtype == KRED_F32 ? 1e-4 : 1e-10;
  for (int64_t r = 0; r < rows; ++r) {
    double got = dtype == KRED_F32 ? outf[r] : out[r];
    double want = data.expected(r);
    if (!(std::fabs(got - want) <= tol * (1 + std::fabs(want)))) {
      std::fprintf(stderr, "  dot row %lld: got %g, want %g\n",
                   static_cast<long long>(r), got, want);
      ++failures;
      break;
    }
  }
  // Parameters of the run kernel.
  if (fake.numLaunches() >= 1) {
    const FakeLaunch *l = fake.launch(0);
    EXPECT(std::strcmp(l->entry, "dot_gpu") == 0);
    EXPECT(l->numParams == 12);
    for (int p = 0; p < 4; ++p)
      EXPECT(l->params[p] == reinterpret_cast<uintptr_t>(data.args[p]));
    EXPECT(l->params[4] == 0); // unused position
    EXPECT(l->params[5] == uint64_t(M));
    EXPECT(l->params[6] == uint64_t(N));
    EXPECT(l->params[8] == reinterpret_cast<uintptr_t>(o));
    EXPECT(l->params[9] == 0);
    EXPECT(l->block[0] == 256 && l->block[1] == 1 && l->block[2] == 1);
    EXPECT(l->grid[0] == unsigned((rows + 511) / 512) && l->grid[2] == 1);
    EXPECT(l->sharedBytes == 3072);
    EXPECT(l->stream == opts.stream);
    EXPECT(l->context == fake.primaryContext(device));
  }
  return fake.numLaunches();
}

//===----------------------------------------------------------------------===//
// Fake-driver tests
//===----------------------------------------------------------------------===//

/// The float64 dot kernel (axis 1), played by the hook, and 5 x 7 inputs.
struct SmallDot {
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  DotData data{5, 7, KRED_F64};
  std::vector<double> out = std::vector<double>(5);

  SmallDot() { played = &k; }
  SmallDot(const SmallDot &) = delete;

  int launch(const kred_gpu_launch_options *opts) {
    return kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, opts);
  }
};

void testAvailable() {
  EXPECT(kred_gpu_available() == 4);
  EXPECT(kred_last_error()[0] == 0);
}

void testImageSelection() {
  SmallDot dot;
  // Device sm -> the image it must get.
  const struct {
    int device;
    const char *image;
  } cases[] = {{0, kCubin90}, {1, kPtx80}, {2, kPtx70}};
  for (const auto &c : cases) {
    fake.resetLog();
    kred_gpu_launch_options opts = options(c.device, 0);
    EXPECT(dot.launch(&opts) == KRED_OK);
    EXPECT(fake.numLaunches() == 1);
    if (fake.numLaunches() == 1)
      EXPECT(fake.launch(0)->image == c.image);
  }
  // Without the cubin, sm_90 takes the sm_90 PTX.
  kred_gpu_image noCubin[] = {images[0], images[2], images[3]};
  dot.k.images = noCubin;
  dot.k.num_images = 3;
  fake.resetLog();
  kred_gpu_launch_options opts = options(0, 0);
  EXPECT(dot.launch(&opts) == KRED_OK);
  if (fake.numLaunches() == 1)
    EXPECT(fake.launch(0)->image == kPtx90);
  kred_gpu_release_kernel(&dot.k);
  // sm_61: nothing fits.
  dot.k.images = images;
  dot.k.num_images = 4;
  opts = options(3, 0);
  expectError(dot.launch(&opts), KRED_ERR_UNSUPPORTED,
              "no image for this GPU (sm_61)");
  EXPECT(std::strstr(kred_last_error(), "sm_70 PTX"));
  kred_gpu_release_kernel(&dot.k);
}

void testModuleCache() {
  SmallDot dot;
  kred_gpu_launch_options opts0 = options(0, 0), opts1 = options(1, 0);
  fake.resetLog();
  for (int i = 0; i < 3; ++i)
    EXPECT(dot.launch(&opts0) == KRED_OK);
  EXPECT(fake.moduleLoads() == 1);
  EXPECT(dot.launch(&opts1) == KRED_OK);
  EXPECT(fake.moduleLoads() == 2); // one per context
  kred_gpu_release_kernel(&dot.k);
  EXPECT(fake.moduleUnloads() == 2);
  EXPECT(dot.launch(&opts0) == KRED_OK);
  EXPECT(fake.moduleLoads() == 3);
  // A different kernel at the same address (not released): reloaded.
  kred_gpu_image other[] = {{90, 1, kPtx90, std::strlen(kPtx90) + 1}};
  dot.k.images = other;
  dot.k.num_images = 1;
  fake.resetLog();
  EXPECT(dot.launch(&opts0) == KRED_OK);
  EXPECT(fake.moduleLoads() == 1 && fake.moduleUnloads() == 1);
  if (fake.numLaunches() == 1)
    EXPECT(fake.launch(0)->image == kPtx90);
  kred_gpu_release_kernel(&dot.k);
  EXPECT(fake.moduleUnloads() == 2);
  // Concurrent first launches load once.
  dot.k.images = images;
  dot.k.num_images = 4;
  fake.resetLog();
  std::vector<std::thread> threads;
  int statuses[4];
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      played = &dot.k;
      std::vector<double> o(5);
      statuses[t] = kred_gpu_launch(&dot.k, dot.data.args, 5, 7, o.data(),
                                    nullptr, &opts0);
    });
  for (auto &t : threads)
    t.join();
  for (int s : statuses)
    EXPECT(s == KRED_OK);
  EXPECT(fake.moduleLoads() - fake.moduleUnloads() == 1);
  EXPECT(fake.numLaunches() == 4);
  kred_gpu_release_kernel(&dot.k);
}

void testContexts() {
  SmallDot dot;
  // The caller's context is put back.
  fake.ctxSetCurrent(static_cast<kred::cuda::CUcontext>(fake.otherContext()));
  kred_gpu_launch_options opts = options(1, 0);
  EXPECT(dot.launch(&opts) == KRED_OK);
  EXPECT(fake.currentContext() == fake.otherContext());
  fake.ctxSetCurrent(
      static_cast<kred::cuda::CUcontext>(fake.primaryContext(0)));
  opts = options(0, 0);
  EXPECT(dot.launch(&opts) == KRED_OK);
  EXPECT(fake.currentContext() == fake.primaryContext(0));
  fake.ctxSetCurrent(nullptr);
  kred_gpu_release_kernel(&dot.k);
  EXPECT(fake.currentContext() == nullptr);
}

void testSplit() {
  // Device 0: 132 SMs x (2048 / 256) resident blocks = 1056 target blocks;
  // 512 rows per block (256 threads x 2 rows).
  // Few rows, long reduction: chunks = min(1056, 5000 / 1024) = 4.
  EXPECT(runDot(1, KRED_F64, 10, 5000, -1) == 2);
  if (fake.numLaunches() == 2) {
    const FakeLaunch *run = fake.launch(0), *merge = fake.launch(1);
    EXPECT(run->grid[0] == 1 && run->grid[1] == 4);
    EXPECT(run->params[7] == 1250); // chunk
    EXPECT(run->params[10] != 0);   // state_values
    EXPECT(run->params[10] % 256 == 0);
    EXPECT(run->params[11] == 0); // no state indices
    EXPECT(std::strcmp(merge->entry, "dot_gpu_merge") == 0);
    EXPECT(merge->numParams == 6);
    EXPECT(merge->params[0] == run->params[10]);
    EXPECT(merge->params[1] == 0);
    EXPECT(merge->params[2] == 10 && merge->params[3] == 4);
    EXPECT(merge->params[4] == run->params[8]);
    EXPECT(merge->grid[0] == 1 && merge->grid[1] == 1);
    EXPECT(merge->block[0] == 256 && merge->sharedBytes == 0);
    EXPECT(merge->stream == run->stream);
  }
  EXPECT(fake.allocs() == 1 && fake.frees() == 1 && fake.syncs() == 0);
  // Never split: one launch over everything.
  EXPECT(runDot(1, KRED_F64, 10, 5000, 0) == 1);
  if (fake.numLaunches() == 1) {
    EXPECT(fake.launch(0)->grid[1] == 1);
    EXPECT(fake.launch(0)->params[7] == 5000);
    EXPECT(fake.launch(0)->params[10] == 0);
  }
  EXPECT(fake.allocs() == 0);
  // Short reduction: not worth it.
  EXPECT(runDot(1, KRED_F64, 10, 2047, -1) == 1);
  // Enough rows to fill the device: 1056 blocks of 512 rows.
  EXPECT(runDot(1, KRED_F32, 1056 * 512, 4096, -1) == 1);
  // One block fewer: split in 2 (4096 / 1024 = 4 allowed, 1056 / 1055 -> 2).
  EXPECT(runDot(1, KRED_F32, 1055 * 512, 4096, -1) == 2);
  if (fake.numLaunches() == 2)
    EXPECT(fake.launch(0)->grid[1] == 2 && fake.launch(0)->params[7] == 2048);
  // Always split (tests): at least 3 chunks, at most one per index.
  EXPECT(runDot(1, KRED_F64, 10, 7, 1) == 2);
  if (fake.numLaunches() == 2)
    EXPECT(fake.launch(0)->grid[1] == 7 && fake.launch(0)->params[7] == 1);
  EXPECT(runDot(1, KRED_F64, 3, 1, 1) == 1); // one index: nothing to split
  // axis 0 (rows are j), float32, split.
  EXPECT(runDot(0, KRED_F32, 33, 3000, -1) == 2);
  EXPECT(runDot(0, KRED_F32, 1000, 3000, 1) == 2);
  // Uneven chunks: 10000 = 9 chunks of 1112 (the last 1104).
  EXPECT(runDot(1, KRED_F64, 600, 10000, -1) == 2);
  if (fake.numLaunches() == 2)
    EXPECT(fake.launch(0)->grid[0] == 2 && fake.launch(0)->grid[1] == 9 &&
           fake.launch(0)->params[7] == 1112);
  // Empty reduced range: one launch that writes the identity (0).
  EXPECT(runDot(1, KRED_F64, 10, 0, -1) == 1);
  if (fake.numLaunches() == 1)
    EXPECT(fake.launch(0)->params[7] == 0);
  // Empty output: nothing.
  EXPECT(runDot(1, KRED_F64, 0, 100, -1) == 0);
  // Another device's SM count: device 1 has 4 SMs (32 blocks).
  EXPECT(runDot(1, KRED_F64, 32 * 512, 1 << 14, -1, 1) == 1);
  EXPECT(runDot(1, KRED_F64, 31 * 512, 1 << 14, -1, 1) == 2);
}

void testScratch() {
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  // 4 chunks x 10 rows x 1 double = 320 bytes, aligned to 256.
  EXPECT(kred_gpu_scratch_bytes(&k, 10, 5000, 0) == 512);
  EXPECT(kred_gpu_scratch_bytes(&k, 10, 100, 0) == 0);
  EXPECT(kred_gpu_scratch_bytes(&k, 0, 5000, 0) == 0);
  EXPECT(kred_gpu_scratch_bytes(&k, -1, 5000, 0) == 0);
  EXPECT(std::strstr(kred_last_error(), "negative size"));
  EXPECT(kred_gpu_scratch_bytes(&k, 10, 5000, 9) == 0);
  EXPECT(std::strstr(kred_last_error(), "device 9 does not exist"));
  kred_gpu_kernel amin = makeAmin();
  // 4 chunks x 10 rows: 320 bytes of values (-> 512), 320 of indices.
  EXPECT(kred_gpu_scratch_bytes(&amin, 10, 5000, 0) == 832);
  // The caller's buffer is used when it is large enough (after aligning).
  std::vector<char> buffer(2048);
  char *base = buffer.data();
  EXPECT(runDot(1, KRED_F64, 10, 5000, -1, 0, base + 1, 1023) == 2);
  EXPECT(fake.allocs() == 0);
  if (fake.numLaunches() == 2) {
    uintptr_t sv = fake.launch(0)->params[10];
    EXPECT(sv >= uintptr_t(base + 1) && sv % 256 == 0);
    EXPECT(sv + 512 <= uintptr_t(base + 1024));
  }
  // Too small: allocated on the stream instead.
  EXPECT(runDot(1, KRED_F64, 10, 5000, -1, 0, base, 100) == 2);
  EXPECT(fake.allocs() == 1 && fake.frees() == 1 && fake.syncs() == 0);
  // Without stream-ordered allocation: plain alloc, sync, free.
  fake.disableAsyncAlloc(1);
  EXPECT(runDot(1, KRED_F64, 10, 5000, -1) == 2);
  EXPECT(fake.allocs() == 1 && fake.frees() == 1 && fake.syncs() == 1);
  fake.disableAsyncAlloc(0);
}

/// kred_gpu_launch_ranges_sized: the checks, the lookup table (range blocks
/// and the gaps between them cut into CUDA blocks of block_threads *
/// rows_per_thread = 512 rows), one launch of dot_gpu_ranges, the results.
void testRanges() {
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  played = &k;
  const int64_t rows = 600, reduced = 50;
  DotData data(rows, reduced, KRED_F64);
  // Block 0: rows [5, 600) over [20, 50) then [0, 10); block 1: row 0 over
  // [10, 20); an empty block; rows [1, 5) in no block.
  std::vector<int64_t> blocks = {5, 600, 0, 1, 3, 3};
  std::vector<int64_t> slices = {2, 3, 3};
  std::vector<int64_t> red = {20, 50, 0, 10, 10, 20};
  std::vector<double> out(rows, std::nan(""));
  kred_gpu_launch_options opts = options(0, -1);
  const int64_t argElements[5] = {rows * kDim, reduced * kDim, reduced, 1, 0};
  auto launch = [&](const std::vector<int64_t> &b, int64_t nb,
                    const std::vector<int64_t> &s, const std::vector<int64_t> &r,
                    int64_t nr, int64_t redElements) {
    fake.resetLog();
    return kred_gpu_launch_ranges_sized(
        &k, data.args, argElements, rows, reduced, out.data(), rows, nullptr, 0,
        nb, b.data(), int64_t(b.size()), s.data(), int64_t(s.size()), nr,
        r.data(), redElements, &opts);
  };
  int status = launch(blocks, 3, slices, red, 3, 6);
  EXPECT(status == KRED_OK);
  if (status != KRED_OK)
    std::printf("ranges launch: %s\n", kred_last_error());
  EXPECT(fake.numLaunches() == 1);
  EXPECT(fake.syncs() == 1); // the ranges' copy to the host
  if (fake.numLaunches() == 1) {
    const FakeLaunch *l = fake.launch(0);
    EXPECT(std::strcmp(l->entry, "dot_gpu_ranges") == 0);
    EXPECT(l->numParams == 11);
    EXPECT(l->params[5] == uint64_t(rows) && l->params[6] == uint64_t(reduced));
    EXPECT(l->params[7] != 0);
    EXPECT(l->params[8] == reinterpret_cast<uintptr_t>(red.data()));
    EXPECT(l->params[9] == reinterpret_cast<uintptr_t>(out.data()));
    EXPECT(l->params[10] == 0);
    EXPECT(l->grid[0] == 4 && l->block[0] == 256);
    EXPECT(l->stream == opts.stream);
  }
  const std::vector<int64_t> wantLookup = {2, 3, 0, 1,   0, 0, 1, 5,
                                           0, 2, 5, 517, 0, 2, 517, 600};
  EXPECT(lastLookup == wantLookup);
  for (int64_t r = 0; r < rows; ++r) {
    double want = 0;
    auto add = [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < kDim; ++c)
          dot += data.x[r * kDim + c] * data.y[j * kDim + c];
        want += (dot + data.p[0]) * data.w[j];
      }
    };
    if (r == 0)
      add(10, 20);
    else if (r >= 5)
      add(20, 50), add(0, 10);
    EXPECT(std::fabs(out[r] - want) <= 1e-12 * (1 + std::fabs(want)));
  }
  // The CPU ranges launch's checks, before anything runs.
  std::vector<int64_t> overlap = {0, 10, 5, 20};
  expectError(launch(overlap, 2, {1, 1}, red, 3, 6), KRED_ERR_INVALID_ARGUMENT,
              "overlap");
  EXPECT(fake.numLaunches() == 0);
  expectError(launch(blocks, 3, slices, red, 3, 5), KRED_ERR_INVALID_ARGUMENT,
              "too short");
  expectError(launch(blocks, 3, {1, 1, 1}, {0, 51}, 1, 2),
              KRED_ERR_INVALID_ARGUMENT, "not a range within");
  expectError(launch(blocks, 3, {3, 2, 3}, red, 3, 6),
              KRED_ERR_INVALID_ARGUMENT, "non-decreasing");
  EXPECT(fake.numLaunches() == 0);
  // A device whose image has no ranges entry (sm_80 PTX, device 1 is sm_86).
  opts = options(1, -1);
  expectError(launch(blocks, 3, slices, red, 3, 6), KRED_ERR_UNSUPPORTED,
              "dot_gpu_ranges");
  played = nullptr;
}

void testArgminTies() {
  kred_gpu_kernel k = makeAmin();
  played = &k;
  const int64_t M = 4, N = 9;
  // Every y_j at the same distance: the lowest j wins across chunks.
  std::vector<double> x = {0, 1, 2, 5}, y(N, 3.0);
  y[6] = 5; // row 3's exact match
  const void *args[] = {x.data(), y.data()};
  std::vector<double> out(M, std::nan(""));
  std::vector<int64_t> idx(M, -7);
  for (int split : {0, 1}) {
    fake.resetLog();
    kred_gpu_launch_options opts = options(0, split);
    EXPECT(kred_gpu_launch(&k, args, M, N, out.data(), idx.data(), &opts) ==
           KRED_OK);
    EXPECT(fake.numLaunches() == (split ? 2 : 1));
    EXPECT(idx[0] == 0 && idx[1] == 0 && idx[2] == 0 && idx[3] == 6);
    EXPECT(out[0] == 9 && out[1] == 4 && out[2] == 1 && out[3] == 0);
    if (split && fake.numLaunches() == 2) {
      const FakeLaunch *run = fake.launch(0), *merge = fake.launch(1);
      EXPECT(run->numParams == 9 && run->grid[1] == 9);
      EXPECT(run->block[0] == 128 && run->sharedBytes == 0);
      // Indices after the values (9 x 4 doubles, aligned to 256).
      EXPECT(run->params[8] == run->params[7] + 512);
      EXPECT(run->params[6] == reinterpret_cast<uintptr_t>(idx.data()));
      EXPECT(merge->params[1] == run->params[8]);
      EXPECT(merge->params[5] == reinterpret_cast<uintptr_t>(idx.data()));
    }
    std::fill(idx.begin(), idx.end(), -7);
  }
  kred_gpu_release_kernel(&k);
}

/// kred_gpu_launch_states_sized and kred_gpu_merge_states_sized: one run
/// launch per part (gridDim.y = 1, chunk = K, the caller's state arrays),
/// one merge launch over the [parts][rows] stack; ties keep the lowest
/// index across parts.
void testStates() {
  kred_gpu_kernel k = makeAmin();
  played = &k;
  const int64_t M = 300, N = 9;
  std::vector<double> x(M), y(N, 3.0);
  for (int64_t i = 0; i < M; ++i)
    x[i] = double(i % 7);
  y[6] = 5; // the exact match of x = 5
  const int64_t bounds[] = {0, 1, 1, N};
  const int64_t parts = 3;
  std::vector<double> values(parts * M, std::nan(""));
  std::vector<int64_t> indices(parts * M, -7);
  kred_gpu_launch_options opts = options(0, 1);
  for (int64_t p = 0; p < parts; ++p) {
    int64_t k0 = bounds[p], n = bounds[p + 1] - k0;
    const void *args[] = {x.data(), y.data() + k0};
    const int64_t sizes[] = {M, n};
    fake.resetLog();
    EXPECT(kred_gpu_launch_states_sized(
               &k, args, sizes, M, n, values.data() + p * M, M,
               indices.data() + p * M, M, &opts) == KRED_OK);
    EXPECT(fake.numLaunches() == 1);
    if (fake.numLaunches() == 1) {
      const FakeLaunch *l = fake.launch(0);
      EXPECT(std::strcmp(l->entry, "amin_gpu") == 0);
      EXPECT(l->grid[0] == 3 && l->grid[1] == 1 && l->grid[2] == 1);
      EXPECT(l->params[1] == reinterpret_cast<uintptr_t>(y.data() + k0));
      EXPECT(l->params[3] == uint64_t(n)); // N
      EXPECT(l->params[4] == uint64_t(n)); // chunk = K
      EXPECT(l->params[5] == 0 && l->params[6] == 0);
      EXPECT(l->params[7] ==
             reinterpret_cast<uintptr_t>(values.data() + p * M));
      EXPECT(l->params[8] ==
             reinterpret_cast<uintptr_t>(indices.data() + p * M));
      EXPECT(l->params[9] == 0); // no batch
      EXPECT(l->stream == opts.stream);
    }
    for (int64_t r = 0; r < M; ++r)
      if (indices[p * M + r] >= 0)
        indices[p * M + r] += k0;
  }
  // Part 1 is empty: the identity state.
  EXPECT(std::isinf(values[M]) && indices[M] == -1);
  std::vector<double> out(M, std::nan(""));
  std::vector<int64_t> idx(M, -7);
  fake.resetLog();
  EXPECT(kred_gpu_merge_states_sized(
             &k, values.data(), parts * M, indices.data(), parts * M, M, parts,
             out.data(), M, idx.data(), M, &opts) == KRED_OK);
  EXPECT(fake.numLaunches() == 1);
  if (fake.numLaunches() == 1) {
    const FakeLaunch *l = fake.launch(0);
    EXPECT(std::strcmp(l->entry, "amin_gpu_merge") == 0);
    EXPECT(l->params[0] == reinterpret_cast<uintptr_t>(values.data()));
    EXPECT(l->params[1] == reinterpret_cast<uintptr_t>(indices.data()));
    EXPECT(l->params[2] == uint64_t(M) && l->params[3] == uint64_t(parts));
    EXPECT(l->params[4] == reinterpret_cast<uintptr_t>(out.data()));
    EXPECT(l->params[5] == reinterpret_cast<uintptr_t>(idx.data()));
    EXPECT(l->grid[0] == 3 && l->block[0] == 128 && l->sharedBytes == 0);
  }
  bool right = true;
  for (int64_t i = 0; i < M; ++i) {
    double want = std::numeric_limits<double>::infinity();
    int64_t wantIdx = -1;
    for (int64_t j = 0; j < N; ++j)
      if ((x[i] - y[j]) * (x[i] - y[j]) < want)
        want = (x[i] - y[j]) * (x[i] - y[j]), wantIdx = j;
    right = right && out[i] == want && idx[i] == wantIdx;
  }
  EXPECT(right);
  // parts = 0 and K = 0: the identity; no rows: no launch.
  fake.resetLog();
  EXPECT(kred_gpu_merge_states_sized(&k, nullptr, 0, nullptr, 0, M, 0,
                                     out.data(), M, idx.data(), M,
                                     &opts) == KRED_OK);
  EXPECT(fake.numLaunches() == 1 && std::isinf(out[0]) && idx[0] == -1);
  const void *args[] = {x.data(), y.data()};
  const int64_t sizes[] = {M, N};
  EXPECT(kred_gpu_launch_states_sized(&k, args, sizes, M, 0, values.data(), M,
                                      indices.data(), M, &opts) == KRED_OK);
  EXPECT(fake.numLaunches() == 2 && fake.launch(1)->params[4] == 0);
  EXPECT(std::isinf(values[0]) && indices[0] == -1);
  EXPECT(kred_gpu_merge_states_sized(&k, nullptr, 0, nullptr, 0, 0, 2, nullptr,
                                     0, nullptr, 0, &opts) == KRED_OK);
  EXPECT(fake.numLaunches() == 2);
  // Checks, before any launch.
  expectError(kred_gpu_launch_states_sized(&k, args, sizes, M, N, values.data(),
                                           M - 1, indices.data(), M, &opts),
              KRED_ERR_INVALID_ARGUMENT,
              "kernel 'amin': the state values array is too short: 300 "
              "elements expected (M = 300 rows of 1), 299 given");
  expectError(kred_gpu_launch_states_sized(&k, args, sizes, M, N, values.data(),
                                           M, nullptr, M, &opts),
              KRED_ERR_INVALID_ARGUMENT, "the state indices array is NULL");
  expectError(kred_gpu_merge_states_sized(&k, values.data(), 2 * M - 1,
                                          indices.data(), 2 * M, M, 2,
                                          out.data(), M, idx.data(), M, &opts),
              KRED_ERR_INVALID_ARGUMENT,
              "the state values array is too short: 600 elements expected "
              "(2 parts x 300 rows of 1), 599 given");
  expectError(kred_gpu_merge_states_sized(
                  &k, values.data(), 2 * M, indices.data(), 2 * M, M, 2,
                  out.data(), M, idx.data(), M - 1, &opts),
              KRED_ERR_INVALID_ARGUMENT, "the index output array is too short");
  kred_gpu_launch_options badDevice = options(-1, -1);
  expectError(kred_gpu_merge_states_sized(
                  &k, values.data(), 2 * M, indices.data(), 2 * M, M, 2,
                  out.data(), M, idx.data(), M, &badDevice),
              KRED_ERR_INVALID_ARGUMENT, "invalid CUDA device ordinal -1");
  kred_gpu_launch_options noDevice = options(7, -1);
  expectError(kred_gpu_merge_states_sized(
                  &k, values.data(), 2 * M, indices.data(), 2 * M, M, 2,
                  out.data(), M, idx.data(), M, &noDevice),
              KRED_ERR_NO_DEVICE, "CUDA device 7 does not exist");
  EXPECT(fake.numLaunches() == 2);
  kred_gpu_release_kernel(&k);
}

void testDriverErrors() {
  DotData data(5, 7, KRED_F64);
  std::vector<double> out(5);
  kred_gpu_launch_options opts = options(0, 0);
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  played = &k;
  kred_gpu_image bad[] = {{90, 0, kInvalid, std::strlen(kInvalid) + 1}};
  k.images = bad;
  k.num_images = 1;
  expectError(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts),
              KRED_ERR_UNSUPPORTED, "fake syntax error");
  EXPECT(std::strstr(kred_last_error(), "loading its sm_90 PTX image"));
  // A cubin the driver refuses (e.g. built by a newer toolkit than the
  // driver): the PTX is JIT-compiled instead, and that module is cached.
  const char *badCubin = "FAKE INVALID sm_90 cubin";
  kred_gpu_image cubinFails[] = {{90, 1, badCubin, std::strlen(badCubin) + 1},
                                 {90, 0, kPtx90, std::strlen(kPtx90) + 1}};
  k.images = cubinFails;
  k.num_images = 2;
  fake.resetLog();
  int loads = fake.moduleLoads();
  for (int i = 0; i < 2; ++i)
    EXPECT(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts) ==
           KRED_OK);
  EXPECT(fake.numLaunches() == 2);
  if (fake.numLaunches() == 2)
    EXPECT(fake.launch(0)->image == kPtx90 && fake.launch(1)->image == kPtx90);
  EXPECT(fake.moduleLoads() == loads + 1);
  kred_gpu_release_kernel(&k);
  // Both refused: the PTX's error, then the cubin's.
  kred_gpu_image bothFail[] = {{90, 1, badCubin, std::strlen(badCubin) + 1},
                               {80, 0, kInvalid, std::strlen(kInvalid) + 1}};
  k.images = bothFail;
  expectError(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts),
              KRED_ERR_UNSUPPORTED, "loading its sm_80 PTX image failed");
  EXPECT(std::strstr(kred_last_error(),
                     "after its cubin failed: kernel 'dot': loading its sm_90 "
                     "cubin image failed"));
  k.num_images = 1;
  kred_gpu_image noMerge[] = {{70, 0, kNoMerge, std::strlen(kNoMerge) + 1}};
  k.images = noMerge;
  expectError(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts),
              KRED_ERR_INVALID_ARGUMENT, "has no entry 'dot_gpu_merge'");
  k.images = images;
  k.num_images = 4;
  opts.device = 4;
  expectError(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts),
              KRED_ERR_NO_DEVICE, "CUDA device 4 does not exist (4 devices)");
  // Successful launches clear the message.
  opts.device = 0;
  EXPECT(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts) ==
         KRED_OK);
  EXPECT(kred_last_error()[0] == 0);
  kred_gpu_release_kernel(&k);
}

//===----------------------------------------------------------------------===//
// Checks done before the driver (every mode)
//===----------------------------------------------------------------------===//

void testArgumentChecks() {
  if (fake.resetLog)
    fake.resetLog();
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  DotData data(5, 7, KRED_F64);
  std::vector<double> out(5);
  kred_gpu_launch_options opts = options(0, -1);
  auto launch = [&](const kred_gpu_kernel *kk, const void *const *args,
                    int64_t M, int64_t N, void *o,
                    const kred_gpu_launch_options *op) {
    return kred_gpu_launch(kk, args, M, N, o, nullptr, op);
  };
  expectError(launch(nullptr, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "kernel is NULL");
  kred_gpu_kernel bad = k;
  bad.info.abi_version = 99;
  expectError(launch(&bad, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_UNSUPPORTED, "ABI version 99");
  bad = k;
  bad.run_entry = nullptr;
  expectError(launch(&bad, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "missing run or merge entry");
  bad = k;
  bad.block_threads = 0;
  expectError(launch(&bad, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "invalid launch shape");
  bad = k;
  bad.num_images = 0;
  expectError(launch(&bad, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "has no GPU image");
  bad = k;
  bad.info.axis = 2;
  expectError(launch(&bad, data.args, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "invalid axis 2");
  expectError(launch(&k, data.args, -1, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "negative size (M = -1, N = 7)");
  expectError(launch(&k, data.args, 5, -2, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "negative size");
  const void *withNull[] = {data.args[0], nullptr, data.args[2], data.args[3],
                            nullptr};
  expectError(launch(&k, withNull, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "argument 1 (Vj, dim 3) is NULL");
  expectError(launch(&k, nullptr, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "args is NULL");
  expectError(launch(&k, data.args, 5, 7, nullptr, &opts),
              KRED_ERR_INVALID_ARGUMENT, "the output array is NULL");
  expectError(launch(&k, data.args, 5, 7,
                     reinterpret_cast<char *>(out.data()) + 4, &opts),
              KRED_ERR_INVALID_ARGUMENT, "output array is not aligned");
  const void *misaligned[] = {data.args[0],
                              reinterpret_cast<const char *>(data.args[1]) + 2,
                              data.args[2], data.args[3], nullptr};
  expectError(launch(&k, misaligned, 5, 7, out.data(), &opts),
              KRED_ERR_INVALID_ARGUMENT, "argument 1 (Vj) is not aligned");
  kred_gpu_launch_options badSplit = opts;
  badSplit.split = 2;
  expectError(launch(&k, data.args, 5, 7, out.data(), &badSplit),
              KRED_ERR_INVALID_ARGUMENT, "split must be -1, 0 or 1 (got 2)");
  kred_gpu_launch_options badDevice = opts;
  badDevice.device = -1;
  expectError(launch(&k, data.args, 5, 7, out.data(), &badDevice),
              KRED_ERR_INVALID_ARGUMENT, "invalid CUDA device ordinal -1");
  kred_gpu_kernel amin = makeAmin();
  std::vector<double> x(3), y(4);
  const void *aminArgs[] = {x.data(), y.data()};
  expectError(
      kred_gpu_launch(&amin, aminArgs, 3, 4, out.data(), nullptr, &opts),
      KRED_ERR_INVALID_ARGUMENT, "index output array is NULL");
  if (fake.numLaunches)
    EXPECT(fake.numLaunches() == 0);
}

//===----------------------------------------------------------------------===//
// No driver, no device
//===----------------------------------------------------------------------===//

void testNoDevice(const char *fragment) {
  EXPECT(kred_gpu_available() == 0);
  EXPECT(std::strstr(kred_last_error(), fragment));
  kred_gpu_kernel k = makeDot(1, KRED_F64);
  DotData data(5, 7, KRED_F64);
  std::vector<double> out(5, 42);
  kred_gpu_launch_options opts = options(0, -1);
  expectError(kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, &opts),
              KRED_ERR_NO_DEVICE, fragment);
  EXPECT(std::strstr(kred_last_error(), "kred_gpu_launch: "));
  expectError(
      kred_gpu_launch(&k, data.args, 5, 7, out.data(), nullptr, nullptr),
      KRED_ERR_NO_DEVICE, fragment);
  // Empty outputs still need a device.
  expectError(kred_gpu_launch(&k, data.args, 0, 7, out.data(), nullptr, &opts),
              KRED_ERR_NO_DEVICE, fragment);
  EXPECT(out[0] == 42);
  EXPECT(kred_gpu_scratch_bytes(&k, 10, 5000, 0) == 0);
  EXPECT(std::strstr(kred_last_error(), fragment));
  kred_gpu_release_kernel(&k); // nothing to do, no crash
  kred_gpu_release_kernel(nullptr);
  // The CPU runtime is unaffected.
  EXPECT(kred_get_num_threads() >= 1);
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "no-driver") {
    setenv("KRED_LIBCUDA_PATH", "/nonexistent/kred-test/libcuda.so.1", 1);
    testArgumentChecks();
    testNoDevice("no CUDA driver: cannot load /nonexistent/kred-test/"
                 "libcuda.so.1");
  } else if (mode == "no-device") {
    setenv("KRED_LIBCUDA_PATH", KRED_FAKE_CUDA, 1);
    setenv("KRED_FAKE_CUDA_DEVICES", "0", 1);
    testArgumentChecks();
    testNoDevice("no CUDA device: cuInit failed with CUDA_ERROR_NO_DEVICE");
  } else if (mode == "fake") {
    setenv("KRED_LIBCUDA_PATH", KRED_FAKE_CUDA, 1);
    if (!loadFake(KRED_FAKE_CUDA))
      return 1;
    const int sm[] = {90, 86, 75, 61}, sms[] = {132, 4, 10, 2};
    fake.configure(4, sm, sms, 2048);
    fake.setHook(hook);
    testArgumentChecks();
    testAvailable();
    testImageSelection();
    testModuleCache();
    testContexts();
    testSplit();
    testScratch();
    testArgminTies();
    testStates();
    testRanges();
    testDriverErrors();
  } else {
    std::fprintf(stderr, "usage: %s no-driver|no-device|fake\n", argv[0]);
    return 2;
  }
  return report("gpu runtime tests (" + mode + ")");
}
