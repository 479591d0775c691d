//===- RuntimeTest.cpp - tests of the kernelred CPU runtime ---------------===//
//
// Part of the kernelred project.
//
// Drives kred_cpu_launch(_sized) and kred_cpu_launch_ranges(_sized) with
// hand-written kernels that follow the ABI of kred_runtime.h (so it needs no
// compiler): thread counts, split vs. no split, the in-order merge, empty
// reductions (the same identities from every entry point), nested and
// concurrent launches, every error path, every short buffer of a sized
// launch, kernels that throw, the unfinalized states of a cut reduced
// range with their merge (kred_cpu_launch_states_sized,
// kred_cpu_merge_states_sized), and batched launches
// (kred_cpu_launch_batched_sized: broadcast offsets, every element against
// its reference, the tasks of the batch together, the offset checks). Run
// from lit (test/unit/runtime.test).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "kred_runtime.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Hand-written kernels
//===----------------------------------------------------------------------===//

// Kernel 1, "dot": out_r = sum_k x_r . y_k * w_k (x: output rows [R, D],
// y: reduced [K, D], w: reduced [K, 1], p: param [1] added to each term).
// Output D = 1; state: one sum value (double) per row. Rows handled four at
// a time (row_block 4). Works for either axis: the row variable is the i
// (axis 1) or j (axis 0) category.

constexpr int64_t kDim = 3;

template <typename T>
void dotRun(const void *const *args, int64_t M, int64_t N, int64_t r0,
            int64_t r1, int64_t k0, int64_t k1, void *out, int64_t *,
            void *stateValues, int64_t *, int axis) {
  // Positions: 0 = row variable, 1 = reduced variable, 2 = weight,
  // 3 = parameter.
  (void)M;
  (void)N;
  const T *x = static_cast<const T *>(args[0]);
  const T *y = static_cast<const T *>(args[1]);
  const T *w = static_cast<const T *>(args[2]);
  const T *p = static_cast<const T *>(args[3]);
  (void)axis;
  for (int64_t r = r0; r < r1; ++r) {
    double s = 0;
    for (int64_t k = k0; k < k1; ++k) {
      double d = 0;
      for (int64_t c = 0; c < kDim; ++c)
        d += double(x[r * kDim + c]) * double(y[k * kDim + c]);
      s += (d + double(p[0])) * double(w[k]);
    }
    if (stateValues)
      static_cast<double *>(stateValues)[r - r0] = s;
    else
      static_cast<T *>(out)[r] = T(s);
  }
}

void dotMerge(void *a, int64_t *, const void *b, const int64_t *,
              int64_t rows) {
  for (int64_t r = 0; r < rows; ++r)
    static_cast<double *>(a)[r] += static_cast<const double *>(b)[r];
}

template <typename T>
void dotFinalize(const void *values, const int64_t *, int64_t rows, int64_t r0,
                 void *out, int64_t *) {
  for (int64_t r = 0; r < rows; ++r)
    static_cast<T *>(out)[r0 + r] = T(static_cast<const double *>(values)[r]);
}

template <typename T>
void dotRun1(const void *const *a, int64_t M, int64_t N, int64_t r0, int64_t r1,
             int64_t k0, int64_t k1, void *o, int64_t *oi, void *sv,
             int64_t *si) {
  dotRun<T>(a, M, N, r0, r1, k0, k1, o, oi, sv, si, 1);
}

const int32_t dotCategoriesAxis1[] = {KRED_CAT_I, KRED_CAT_J, KRED_CAT_J,
                                      KRED_CAT_P};
const int32_t dotCategoriesAxis0[] = {KRED_CAT_J, KRED_CAT_I, KRED_CAT_I,
                                      KRED_CAT_P};
const int64_t dotDims[] = {kDim, kDim, 1, 1};

template <typename T> kred_kernel makeDotKernel(int axis) {
  kred_kernel k{};
  k.info = makeKernelInfo("dot", "((x|y)+p)*w", kSumReduction,
                          axis == 1 ? dotCategoriesAxis1 : dotCategoriesAxis0,
                          dotDims);
  k.info.axis = axis;
  k.info.dtype = sizeof(T) == 4 ? KRED_F32 : KRED_F64;
  k.info.row_block = 4;
  k.run = dotRun1<T>;
  k.merge = dotMerge;
  k.finalize = dotFinalize<T>;
  return k;
}

// Kernel 2, "argmin": Min_ArgMin of F = |x_r - y_k| (D = 1, float) with
// ties to the lowest index. State: (value float, index). The data below
// is quantized so that ties are frequent.

void argminRun(const void *const *args, int64_t, int64_t, int64_t r0,
               int64_t r1, int64_t k0, int64_t k1, void *out, int64_t *outIdx,
               void *stateValues, int64_t *stateIndices) {
  const float *x = static_cast<const float *>(args[0]);
  const float *y = static_cast<const float *>(args[1]);
  for (int64_t r = r0; r < r1; ++r) {
    float best = std::numeric_limits<float>::infinity();
    int64_t at = -1;
    for (int64_t k = k0; k < k1; ++k) {
      float v = std::fabs(x[r] - y[k]);
      if (v < best) {
        best = v;
        at = k;
      }
    }
    if (stateValues) {
      static_cast<float *>(stateValues)[r - r0] = best;
      stateIndices[r - r0] = at;
    } else {
      static_cast<float *>(out)[r] = best;
      outIdx[r] = at;
    }
  }
}

void argminMerge(void *a, int64_t *ai, const void *b, const int64_t *bi,
                 int64_t rows) {
  for (int64_t r = 0; r < rows; ++r) {
    float bv = static_cast<const float *>(b)[r];
    if (bv < static_cast<float *>(a)[r]) {
      static_cast<float *>(a)[r] = bv;
      ai[r] = bi[r];
    }
  }
}

void argminFinalize(const void *values, const int64_t *indices, int64_t rows,
                    int64_t r0, void *out, int64_t *outIdx) {
  for (int64_t r = 0; r < rows; ++r) {
    static_cast<float *>(out)[r0 + r] = static_cast<const float *>(values)[r];
    outIdx[r0 + r] = indices[r];
  }
}

const int32_t argminCategories[] = {KRED_CAT_I, KRED_CAT_J};
const int64_t argminDims[] = {1, 1};

kred_kernel makeArgminKernel() {
  kred_kernel k{};
  k.info = makeKernelInfo("argmin", "Abs(x-y)", kMinArgMinReduction,
                          argminCategories, argminDims, /*indices=*/1);
  k.info.dtype = KRED_F32;
  k.info.acc_dtype = KRED_F32;
  k.info.row_block = 8;
  k.run = argminRun;
  k.merge = argminMerge;
  k.finalize = argminFinalize;
  return k;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

template <typename T> std::vector<T> randomVector(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(0.1, 1.0);
  std::vector<T> v(n);
  for (T &x : v)
    x = T(dist(gen));
  return v;
}

/// Reference of the dot kernel in double precision.
std::vector<double> dotReference(const std::vector<double> &x,
                                 const std::vector<double> &y,
                                 const std::vector<double> &w, double p,
                                 int64_t rows, int64_t reduced) {
  std::vector<double> out(rows);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t k = 0; k < reduced; ++k) {
      double d = 0;
      for (int64_t c = 0; c < kDim; ++c)
        d += x[r * kDim + c] * y[k * kDim + c];
      s += (d + p) * w[k];
    }
    out[r] = s;
  }
  return out;
}

/// Reference of the argmin kernel: each x_r's least |x_r - y_k| and the
/// lowest k that reaches it.
std::pair<std::vector<float>, std::vector<int64_t>>
argminReference(const std::vector<float> &x, const std::vector<float> &y) {
  std::vector<float> values(x.size());
  std::vector<int64_t> indices(x.size());
  for (size_t r = 0; r < x.size(); ++r) {
    float best = std::numeric_limits<float>::infinity();
    int64_t at = -1;
    for (size_t k = 0; k < y.size(); ++k)
      if (std::fabs(x[r] - y[k]) < best) {
        best = std::fabs(x[r] - y[k]);
        at = int64_t(k);
      }
    values[r] = best;
    indices[r] = at;
  }
  return {values, indices};
}

/// Random inputs of the dot kernel (x: `rows` rows, y and w: `reduced`
/// rows, the parameter p), their argument array and the float64 reference.
struct DotInputs {
  std::vector<double> x, y, w;
  double p;
  const void *args[4];
  std::vector<double> want;

  DotInputs(int64_t rows, int64_t reduced, double p = 0.5)
      : x(randomVector<double>(rows * kDim, 1)),
        y(randomVector<double>(reduced * kDim, 2)),
        w(randomVector<double>(reduced, 3)), p(p),
        args{x.data(), y.data(), w.data(), &this->p},
        want(dotReference(x, y, w, p, rows, reduced)) {}
  DotInputs(const DotInputs &) = delete;
};

template <typename T>
bool close(const std::vector<T> &got, const std::vector<double> &want,
           double rtol) {
  if (got.size() != want.size())
    return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(double(got[i]) - want[i]) <=
          rtol * std::max(1.0, std::fabs(want[i]))))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

template <typename T> void testDotAllPlans(int axis) {
  kred_kernel kernel = makeDotKernel<T>(axis);
  const int64_t sizes[][2] = {{1, 1},    {1, 5000}, {3, 4099},  {7, 1},
                              {17, 997}, {64, 64},  {1031, 13}, {5, 20011}};
  for (auto [rows, reduced] : sizes) {
    DotInputs in(rows, reduced, 0.25);
    const std::vector<double> &want = in.want;
    std::vector<T> xt(in.x.begin(), in.x.end()), yt(in.y.begin(), in.y.end()),
        wt(in.w.begin(), in.w.end()), pt{T(in.p)};
    const void *args[] = {xt.data(), yt.data(), wt.data(), pt.data()};
    int64_t M = axis == 1 ? rows : reduced;
    int64_t N = axis == 1 ? reduced : rows;
    for (int threads : {1, 2, 3, 8}) {
      for (int split : {-1, 0, 1}) {
        std::vector<T> out(rows, T(std::nan("")));
        kred_launch_options opts{threads, split};
        int status =
            kred_cpu_launch(&kernel, args, M, N, out.data(), nullptr, &opts);
        EXPECT(status == KRED_OK);
        double rtol = sizeof(T) == 4 ? 1e-6 : 1e-12;
        if (!close(out, want, rtol)) {
          std::fprintf(stderr,
                       "dot axis=%d rows=%lld reduced=%lld threads=%d "
                       "split=%d: wrong result\n",
                       axis, (long long)rows, (long long)reduced, threads,
                       split);
          ++failures;
        }
      }
    }
  }
}

void testArgminTiesAcrossChunks() {
  kred_kernel kernel = makeArgminKernel();
  // Quantized data: many equal distances, so the lowest index must win
  // across chunk boundaries too.
  for (auto [M, N] : {std::pair<int64_t, int64_t>{1, 9973},
                      {2, 4096},
                      {37, 1000},
                      {300, 300}}) {
    std::vector<float> x(M), y(N);
    std::mt19937 gen(7);
    for (auto &v : x)
      v = float(gen() % 8);
    for (auto &v : y)
      v = float(gen() % 16);
    auto [wantV, wantI] = argminReference(x, y);
    const void *args[] = {x.data(), y.data()};
    for (int threads : {1, 2, 5}) {
      for (int split : {-1, 0, 1}) {
        std::vector<float> out(M, -7.f);
        std::vector<int64_t> idx(M, -7);
        kred_launch_options opts{threads, split};
        EXPECT(kred_cpu_launch(&kernel, args, M, N, out.data(), idx.data(),
                               &opts) == KRED_OK);
        EXPECT(out == wantV);
        EXPECT(idx == wantI);
      }
    }
  }
}

void testEmptyReductions() {
  // N = 0 (axis 1): the identity, without calling the kernel.
  kred_kernel dot = makeDotKernel<float>(1);
  std::vector<float> x(5 * kDim, 1.f), p(1, 1.f);
  const void *args[] = {x.data(), nullptr, nullptr, p.data()};
  std::vector<float> out(5, 42.f);
  EXPECT(kred_cpu_launch(&dot, args, 5, 0, out.data(), nullptr, nullptr) ==
         KRED_OK);
  for (float v : out)
    EXPECT(v == 0.f);

  kred_kernel argmin = makeArgminKernel();
  std::vector<float> xv(3, 1.f), mins(3, 0.f);
  std::vector<int64_t> idx(3, 5);
  const void *args2[] = {xv.data(), nullptr};
  EXPECT(kred_cpu_launch(&argmin, args2, 3, 0, mins.data(), idx.data(),
                         nullptr) == KRED_OK);
  for (int i = 0; i < 3; ++i) {
    EXPECT(std::isinf(mins[i]) && mins[i] > 0);
    EXPECT(idx[i] == -1);
  }

  // Every kind's identity, through the argmin kernel's info with its
  // reduction number changed (the kernel itself is never called).
  struct Case {
    int32_t kind;
    int64_t values, indices;
    double first, second;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Case cases[] = {
      {0, 2, 0, 0, 0},       {1, 1, 0, -inf, -inf},  {2, 2, 0, -inf, 0},
      {3, 3, 0, -inf, 0},    {4, 2, 0, nan, nan},    {5, 2, 0, inf, inf},
      {6, 2, 0, -inf, -inf}, {7, 0, 2, 0, 0},        {8, 0, 2, 0, 0},
      {9, 1, 1, inf, inf},   {10, 1, 1, -inf, -inf}, {11, 3, 0, inf, inf},
      {12, 0, 3, 0, 0},      {13, 3, 3, inf, inf},
  };
  for (const Case &c : cases) {
    for (int32_t dtype : {KRED_F32, KRED_F64, KRED_F16, KRED_BF16}) {
      kred_kernel k = makeArgminKernel();
      k.info.reduction = c.kind;
      k.info.dtype = dtype;
      k.info.out_value_dim = c.values;
      k.info.out_index_dim = c.indices;
      int64_t rows = 2;
      std::vector<unsigned char> values(rows * c.values * 8 + 8, 0x55);
      std::vector<int64_t> indices(rows * c.indices + 1, 9);
      std::vector<double> xd(rows, 0.5);
      const void *a[] = {xd.data(), nullptr};
      EXPECT(kred_cpu_launch(&k, a, rows, 0, values.data(), indices.data(),
                             nullptr) == KRED_OK);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t col = 0; col < c.values; ++col) {
          int64_t at = r * c.values + col;
          double want = col == 0 ? c.first : c.second;
          double got;
          if (dtype == KRED_F32)
            got = reinterpret_cast<float *>(values.data())[at];
          else if (dtype == KRED_F64)
            got = reinterpret_cast<double *>(values.data())[at];
          else {
            uint16_t bits = reinterpret_cast<uint16_t *>(values.data())[at];
            uint16_t posInf = dtype == KRED_F16 ? 0x7c00 : 0x7f80;
            uint16_t negInf = dtype == KRED_F16 ? 0xfc00 : 0xff80;
            uint16_t quietNaN = dtype == KRED_F16 ? 0x7e00 : 0x7fc0;
            got = bits == posInf     ? inf
                  : bits == negInf   ? -inf
                  : bits == 0        ? 0.0
                  : bits == quietNaN ? nan
                                     : 12345.0;
          }
          if (!(got == want || (std::isnan(got) && std::isnan(want)))) {
            std::fprintf(stderr, "identity kind=%d dtype=%d col=%lld: %g\n",
                         c.kind, dtype, (long long)col, got);
            ++failures;
          }
        }
        for (int64_t col = 0; col < c.indices; ++col)
          EXPECT(indices[r * c.indices + col] == -1);
      }
      // Nothing written past the output.
      EXPECT(indices[rows * c.indices] == 9);
    }
  }

  // M = 0 (axis 1): no rows, nothing written, NULL outputs accepted.
  std::vector<float> y(10 * kDim, 1.f), w(10, 1.f);
  const void *argsN[] = {nullptr, y.data(), w.data(), p.data()};
  EXPECT(kred_cpu_launch(&dot, argsN, 0, 10, nullptr, nullptr, nullptr) ==
         KRED_OK);
  // Both empty.
  EXPECT(kred_cpu_launch(&dot, args, 0, 0, nullptr, nullptr, nullptr) ==
         KRED_OK);
}

void testErrors() {
  kred_kernel dot = makeDotKernel<float>(1);
  std::vector<float> x(4 * kDim, 1.f), y(6 * kDim, 1.f), w(6, 1.f), p(1, 1.f);
  std::vector<float> out(4, 3.f);
  const void *args[] = {x.data(), y.data(), w.data(), p.data()};
  auto untouched = [&] {
    return std::all_of(out.begin(), out.end(),
                       [](float v) { return v == 3.f; });
  };

  expectError(
      kred_cpu_launch(nullptr, args, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "kernel is NULL");
  expectError(kred_cpu_launch(&dot, args, -1, 6, out.data(), nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "negative size");
  expectError(kred_cpu_launch(&dot, args, 4, -6, out.data(), nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "negative size");
  expectError(
      kred_cpu_launch(&dot, nullptr, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "args is NULL");
  const void *nullY[] = {x.data(), nullptr, w.data(), p.data()};
  expectError(kred_cpu_launch(&dot, nullY, 4, 6, out.data(), nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "argument 1 (Vj, dim 3) is NULL");
  const void *nullP[] = {x.data(), y.data(), w.data(), nullptr};
  expectError(kred_cpu_launch(&dot, nullP, 4, 6, out.data(), nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "argument 3 (Pm, dim 1) is NULL");
  expectError(kred_cpu_launch(&dot, args, 4, 6, nullptr, nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "output array is NULL");
  const void *misaligned[] = {reinterpret_cast<const char *>(x.data()) + 1,
                              y.data(), w.data(), p.data()};
  expectError(
      kred_cpu_launch(&dot, misaligned, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "argument 0 (Vi) is not aligned");
  expectError(kred_cpu_launch(&dot, args, 4, 6,
                              reinterpret_cast<char *>(out.data()) + 2, nullptr,
                              nullptr),
              KRED_ERR_INVALID_ARGUMENT, "output array is not aligned");
  kred_launch_options badThreads{-2, -1};
  expectError(
      kred_cpu_launch(&dot, args, 4, 6, out.data(), nullptr, &badThreads),
      KRED_ERR_INVALID_ARGUMENT, "negative thread count");
  kred_launch_options badSplit{0, 7};
  expectError(kred_cpu_launch(&dot, args, 4, 6, out.data(), nullptr, &badSplit),
              KRED_ERR_INVALID_ARGUMENT, "split must be");

  kred_kernel old = dot;
  old.info.abi_version = 0;
  expectError(kred_cpu_launch(&old, args, 4, 6, out.data(), nullptr, nullptr),
              KRED_ERR_UNSUPPORTED, "ABI version 0");
  kred_kernel noRun = dot;
  noRun.run = nullptr;
  expectError(kred_cpu_launch(&noRun, args, 4, 6, out.data(), nullptr, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "missing run/merge/finalize");
  kred_kernel badDtype = dot;
  badDtype.info.dtype = 17;
  expectError(
      kred_cpu_launch(&badDtype, args, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "invalid dtype");
  kred_kernel badBlock = dot;
  badBlock.info.row_block = 0;
  expectError(
      kred_cpu_launch(&badBlock, args, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "invalid sizes");

  kred_kernel argmin = makeArgminKernel();
  std::vector<int64_t> idx(4, 0);
  const void *args2[] = {x.data(), y.data()};
  expectError(
      kred_cpu_launch(&argmin, args2, 4, 6, out.data(), nullptr, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "index output array is NULL");
  expectError(kred_cpu_launch(&argmin, args2, 4, 6, out.data(),
                              reinterpret_cast<int64_t *>(
                                  reinterpret_cast<char *>(idx.data()) + 4),
                              nullptr),
              KRED_ERR_INVALID_ARGUMENT, "not aligned to 8 bytes");
  EXPECT(untouched());

  // The message is per thread, and a success clears it.
  EXPECT(std::string(kred_last_error()) != "");
  std::thread([] { EXPECT(std::string(kred_last_error()).empty()); }).join();
  EXPECT(kred_cpu_launch(&dot, args, 4, 6, out.data(), nullptr, nullptr) ==
         KRED_OK);
  EXPECT(std::string(kred_last_error()).empty());
}

// Kernel whose run records the threads it runs on.
std::mutex seenMutex;
std::set<std::thread::id> seen;

void recordingRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                  int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
                  void *sv, int64_t *si) {
  {
    std::lock_guard<std::mutex> lock(seenMutex);
    seen.insert(std::this_thread::get_id());
  }
  // Enough work for the other threads to pick up tasks.
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  dotRun1<double>(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void testThreadCounts() {
  kred_set_num_threads(3);
  EXPECT(kred_get_num_threads() == 3);
  kred_set_num_threads(0);
  EXPECT(kred_get_num_threads() >= 1);

  kred_kernel k = makeDotKernel<double>(1);
  k.run = recordingRun;
  int64_t M = 4096, N = 64;
  DotInputs in(M, N);
  for (int threads : {1, 2, 4}) {
    kred_set_num_threads(threads);
    for (int split : {-1, 1}) {
      seen.clear();
      std::vector<double> out(M, std::nan(""));
      kred_launch_options opts{0, split};
      EXPECT(kred_cpu_launch(&k, in.args, M, N, out.data(), nullptr, &opts) ==
             KRED_OK);
      EXPECT(close(out, in.want, 1e-12));
      if (seen.size() > size_t(threads)) {
        std::fprintf(stderr, "threads=%d split=%d: ran on %zu threads\n",
                     threads, split, seen.size());
        ++failures;
      }
      if (threads > 1 && seen.size() < 2)
        std::fprintf(stderr, "note: threads=%d used one thread only\n",
                     threads);
    }
  }
  kred_set_num_threads(0);
}

// Nested launches: each row of the outer kernel launches an inner kernel.
kred_kernel innerKernel;
std::vector<double> innerX, innerY, innerW;

void nestingRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
                void *sv, int64_t *si) {
  double p = 0;
  const void *args[] = {innerX.data(), innerY.data(), innerW.data(), &p};
  std::vector<double> out(64);
  kred_launch_options opts{4, 1};
  if (kred_cpu_launch(&innerKernel, args, 64, 2000, out.data(), nullptr,
                      &opts) != KRED_OK)
    ++failures;
  dotRun1<double>(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void testNestedAndConcurrent() {
  innerKernel = makeDotKernel<double>(1);
  innerX = randomVector<double>(64 * kDim, 4);
  innerY = randomVector<double>(2000 * kDim, 5);
  innerW = randomVector<double>(2000, 6);

  kred_kernel outer = makeDotKernel<double>(1);
  outer.run = nestingRun;
  int64_t M = 100, N = 3000;
  DotInputs in(M, N);

  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep) {
        std::vector<double> out(M, std::nan(""));
        kred_launch_options opts{3, rep % 2 ? 1 : -1};
        int status = kred_cpu_launch(&outer, in.args, M, N, out.data(),
                                     nullptr, &opts);
        if (status != KRED_OK || !close(out, in.want, 1e-12))
          ++bad;
        (void)t;
      }
    });
  for (auto &c : callers)
    c.join();
  EXPECT(bad == 0);
}

void testDtypeSize() {
  EXPECT(kred_dtype_size(KRED_F32) == 4);
  EXPECT(kred_dtype_size(KRED_F64) == 8);
  EXPECT(kred_dtype_size(KRED_F16) == 2);
  EXPECT(kred_dtype_size(KRED_BF16) == 2);
  EXPECT(kred_dtype_size(42) == 0);
  EXPECT(kred_dtype_size(-1) == 0);
}

//===----------------------------------------------------------------------===//
// Block-sparse launches (kred_cpu_launch_ranges)
//===----------------------------------------------------------------------===//

/// A random block-sparse pattern: blocks of output rows (in shuffled order,
/// with gaps and empty blocks), each with up to 4 reduced intervals (some
/// empty, some overlapping others).
struct RangesPattern {
  std::vector<int64_t> blocks, slices, red;
};

RangesPattern randomPattern(int64_t rows, int64_t reduced, unsigned seed) {
  std::mt19937 gen(seed);
  RangesPattern p;
  std::vector<std::pair<int64_t, int64_t>> bl;
  for (int64_t r = 0; r < rows;) {
    int64_t len = 1 + int64_t(gen() % 23);
    int64_t e = std::min(rows, r + len);
    if (gen() % 5 != 0) // leave some rows in no block
      bl.push_back({r, e});
    r = e;
  }
  std::shuffle(bl.begin(), bl.end(), gen);
  for (auto [s, e] : bl) {
    p.blocks.push_back(s);
    p.blocks.push_back(e);
    int64_t n = int64_t(gen() % 5);
    for (int64_t l = 0; l < n && reduced > 0; ++l) {
      int64_t a = int64_t(gen() % reduced);
      int64_t b = std::min(reduced, a + int64_t(gen() % 300));
      if (gen() % 7 == 0)
        b = a; // empty interval
      p.red.push_back(a);
      p.red.push_back(b);
    }
    p.slices.push_back(int64_t(p.red.size() / 2));
  }
  return p;
}

void testRanges() {
  // Sum (dot kernel): against a dense loop over the selected indices.
  for (int axis : {1, 0}) {
    kred_kernel kernel = makeDotKernel<double>(axis);
    for (auto [rows, reduced] : {std::pair<int64_t, int64_t>{1, 1},
                                 {37, 1000},
                                 {301, 517},
                                 {1000, 50}}) {
      DotInputs in(rows, reduced);
      const auto &x = in.x, &y = in.y, &w = in.w;
      const double p = in.p;
      const void *const *args = in.args;
      int64_t M = axis == 1 ? rows : reduced, N = axis == 1 ? reduced : rows;
      RangesPattern pat = randomPattern(rows, reduced, unsigned(rows));
      std::vector<double> want(rows, 0.0);
      int64_t nb = int64_t(pat.slices.size());
      for (int64_t b = 0; b < nb; ++b) {
        int64_t l0 = b ? pat.slices[b - 1] : 0;
        for (int64_t r = pat.blocks[2 * b]; r < pat.blocks[2 * b + 1]; ++r)
          for (int64_t l = l0; l < pat.slices[b]; ++l)
            for (int64_t k = pat.red[2 * l]; k < pat.red[2 * l + 1]; ++k) {
              double d = 0;
              for (int64_t c = 0; c < kDim; ++c)
                d += x[r * kDim + c] * y[k * kDim + c];
              want[r] += (d + p) * w[k];
            }
      }
      for (int threads : {1, 2, 7}) {
        std::vector<double> out(rows, std::nan(""));
        kred_launch_options opts{threads, -1};
        EXPECT(kred_cpu_launch_ranges(&kernel, args, M, N, out.data(), nullptr,
                                      nb, pat.blocks.data(), pat.slices.data(),
                                      int64_t(pat.red.size() / 2),
                                      pat.red.data(), &opts) == KRED_OK);
        if (!close(out, want, 1e-12)) {
          std::fprintf(stderr, "ranges dot axis=%d rows=%lld threads=%d: "
                               "wrong result\n",
                       axis, (long long)rows, threads);
          ++failures;
        }
      }
    }
  }

  // Min_ArgMin: ties keep the earlier interval's index, even when a later
  // interval lies before it.
  {
    kred_kernel kernel = makeArgminKernel();
    std::vector<float> x = {0.f, 1.f, 2.f, 3.f, 4.f};
    std::vector<float> y = {5.f, 0.f, 9.f, 0.f, 2.f, 0.f};
    const void *args[] = {x.data(), y.data()};
    // block [0,2): intervals [3,6) then [0,2); block [3,5): [4,5);
    // row 2 is in no block.
    std::vector<int64_t> blocks = {3, 5, 0, 2}, slices = {1, 3},
                         red = {4, 5, 3, 6, 0, 2};
    std::vector<float> out(5, -7.f);
    std::vector<int64_t> idx(5, -7);
    EXPECT(kred_cpu_launch_ranges(&kernel, args, 5, 6, out.data(), idx.data(),
                                  2, blocks.data(), slices.data(), 3,
                                  red.data(), nullptr) == KRED_OK);
    EXPECT(out[0] == 0.f && idx[0] == 3); // y[3] = y[5] = y[1] = 0: first seen
    EXPECT(out[1] == 1.f && idx[1] == 3);
    EXPECT(std::isinf(out[2]) && idx[2] == -1); // no block: empty reduction
    EXPECT(out[3] == 1.f && idx[3] == 4);
    EXPECT(out[4] == 2.f && idx[4] == 4);
  }

  // Errors: nothing written, a message naming the faulty range.
  {
    kred_kernel dot = makeDotKernel<float>(1);
    std::vector<float> x(4 * kDim, 1.f), y(6 * kDim, 1.f), w(6, 1.f),
        p(1, 1.f);
    std::vector<float> out(4, 3.f);
    const void *args[] = {x.data(), y.data(), w.data(), p.data()};
    auto launch = [&](std::vector<int64_t> blocks, std::vector<int64_t> slices,
                      std::vector<int64_t> red) {
      return kred_cpu_launch_ranges(&dot, args, 4, 6, out.data(), nullptr,
                                    int64_t(slices.size()), blocks.data(),
                                    slices.data(), int64_t(red.size() / 2),
                                    red.data(), nullptr);
    };
    expectError(launch({0, 5}, {1}, {0, 6}), KRED_ERR_INVALID_ARGUMENT,
                "block 0 of output rows (ranges_i) is [0, 5)");
    expectError(launch({2, 1}, {1}, {0, 6}), KRED_ERR_INVALID_ARGUMENT,
                "block 0 of output rows");
    expectError(launch({0, 2, 1, 3}, {1, 1}, {0, 6}),
                KRED_ERR_INVALID_ARGUMENT, "overlap");
    expectError(launch({0, 2, 2, 4}, {1, 0}, {0, 6}),
                KRED_ERR_INVALID_ARGUMENT, "slices_i[1] = 0");
    expectError(launch({0, 2}, {2}, {0, 6}), KRED_ERR_INVALID_ARGUMENT,
                "slices_i[0] = 2");
    expectError(launch({0, 2}, {1}, {0, 7}), KRED_ERR_INVALID_ARGUMENT,
                "reduction range 0 (redranges_j) is [0, 7)");
    EXPECT(std::all_of(out.begin(), out.end(),
                       [](float v) { return v == 3.f; }));
    EXPECT(kred_cpu_launch_ranges(nullptr, args, 4, 6, out.data(), nullptr, 0,
                                  nullptr, nullptr, 0, nullptr,
                                  nullptr) == KRED_ERR_INVALID_ARGUMENT);
    // No blocks at all: every row is an empty reduction (0 for Sum).
    EXPECT(kred_cpu_launch_ranges(&dot, args, 4, 6, out.data(), nullptr, 0,
                                  nullptr, nullptr, 0, nullptr,
                                  nullptr) == KRED_OK);
    EXPECT(std::all_of(out.begin(), out.end(),
                       [](float v) { return v == 0.f; }));
    EXPECT(std::string(kred_last_error()).empty());
  }
}


//===----------------------------------------------------------------------===//
// Sized launches: every short buffer is rejected before anything runs
//===----------------------------------------------------------------------===//

std::atomic<int> countedRuns{0};

void countingDotRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                    int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
                    void *sv, int64_t *si) {
  ++countedRuns;
  dotRun1<float>(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void countingArgminRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                       int64_t r1, int64_t k0, int64_t k1, void *o,
                       int64_t *oi, void *sv, int64_t *si) {
  ++countedRuns;
  argminRun(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void testSizedLaunches() {
  for (int axis : {1, 0}) {
    kred_kernel dot = makeDotKernel<float>(axis);
    dot.run = countingDotRun;
    const int64_t rows = 4, reduced = 6;
    int64_t M = axis == 1 ? rows : reduced, N = axis == 1 ? reduced : rows;
    auto x = randomVector<float>(rows * kDim, 1);
    auto y = randomVector<float>(reduced * kDim, 2);
    auto w = randomVector<float>(reduced, 3);
    std::vector<float> p(1, 0.5f);
    const void *args[] = {x.data(), y.data(), w.data(), p.data()};
    const int64_t exact[] = {rows * kDim, reduced * kDim, reduced, 1};
    std::vector<double> xd(x.begin(), x.end()), yd(y.begin(), y.end()),
        wd(w.begin(), w.end());
    auto want = dotReference(xd, yd, wd, 0.5, rows, reduced);
    const char *rowVar = axis == 1 ? "M" : "N";
    const char *redVar = axis == 1 ? "N" : "M";
    const char *rowCat = axis == 1 ? "Vi" : "Vj";
    const char *redCat = axis == 1 ? "Vj" : "Vi";

    // Exact and larger sizes run.
    for (int64_t extra : {0, 5}) {
      int64_t sizes[4];
      for (int i = 0; i < 4; ++i)
        sizes[i] = exact[i] + extra;
      std::vector<float> out(rows + extra, -1.f);
      EXPECT(kred_cpu_launch_sized(&dot, args, sizes, M, N, out.data(),
                                   rows + extra, nullptr, 0,
                                   nullptr) == KRED_OK);
      out.resize(rows);
      EXPECT(close(out, want, 1e-6));
    }

    // Each argument one element short: an error naming it and its counts,
    // the kernel never called and the output untouched.
    auto tooShort = [](int arg, const char *cat, int64_t dim,
                       const char *var, int64_t n) {
      char text[160];
      std::snprintf(text, sizeof(text),
                    "argument %d (%s, dim %lld) is too short: %lld elements "
                    "expected (%s = %lld rows of %lld), %lld given",
                    arg, cat, (long long)dim, (long long)(n * dim), var,
                    (long long)n, (long long)dim, (long long)(n * dim - 1));
      return std::string(text);
    };
    const std::string message[4] = {
        tooShort(0, rowCat, kDim, rowVar, rows),
        tooShort(1, redCat, kDim, redVar, reduced),
        tooShort(2, redCat, 1, redVar, reduced),
        "argument 3 (Pm, dim 1) is too short: 1 element expected, 0 given"};
    for (int bad = 0; bad < 4; ++bad) {
      int64_t sizes[4] = {exact[0], exact[1], exact[2], exact[3]};
      sizes[bad] -= 1;
      std::vector<float> out(rows, 3.f);
      countedRuns = 0;
      kred_launch_options opts{2, 1};
      expectError(kred_cpu_launch_sized(&dot, args, sizes, M, N, out.data(),
                                        rows, nullptr, 0, &opts),
                  KRED_ERR_INVALID_ARGUMENT, message[bad].c_str());
      EXPECT(std::string(kred_last_error()).rfind("kernel 'dot': ", 0) == 0);
      EXPECT(countedRuns == 0);
      EXPECT(std::all_of(out.begin(), out.end(),
                         [](float v) { return v == 3.f; }));
      // A negative count is rejected too.
      sizes[bad] = -1;
      expectError(kred_cpu_launch_sized(&dot, args, sizes, M, N, out.data(),
                                        rows, nullptr, 0, &opts),
                  KRED_ERR_INVALID_ARGUMENT, "negative element count -1");
      EXPECT(countedRuns == 0);
    }
    // The output one element short.
    {
      std::vector<float> out(rows, 3.f);
      countedRuns = 0;
      char msg[160];
      std::snprintf(msg, sizeof(msg),
                    "the output array is too short: %lld elements expected "
                    "(%s = %lld rows of 1), %lld given",
                    (long long)rows, rowVar, (long long)rows,
                    (long long)rows - 1);
      expectError(kred_cpu_launch_sized(&dot, args, exact, M, N, out.data(),
                                        rows - 1, nullptr, 0, nullptr),
                  KRED_ERR_INVALID_ARGUMENT, msg);
      EXPECT(countedRuns == 0);
      EXPECT(std::all_of(out.begin(), out.end(),
                         [](float v) { return v == 3.f; }));
      // Also when the reduction is empty (the identity path writes too).
      const void *argsEmpty[] = {x.data(), nullptr, nullptr, p.data()};
      const int64_t emptySizes[] = {rows * kDim, 0, 0, 1};
      expectError(kred_cpu_launch_sized(&dot, argsEmpty, emptySizes,
                                        axis == 1 ? rows : 0,
                                        axis == 1 ? 0 : rows, out.data(),
                                        rows - 1, nullptr, 0, nullptr),
                  KRED_ERR_INVALID_ARGUMENT, "the output array is too short");
      EXPECT(std::all_of(out.begin(), out.end(),
                         [](float v) { return v == 3.f; }));
      expectError(kred_cpu_launch_sized(&dot, args, nullptr, M, N, out.data(),
                                        rows, nullptr, 0, nullptr),
                  KRED_ERR_INVALID_ARGUMENT, "arg_elements is NULL");
    }
  }

  // Index output (Min_ArgMin): values and indices short, each alone.
  {
    kred_kernel argmin = makeArgminKernel();
    argmin.run = countingArgminRun;
    std::vector<float> x = {0.f, 1.f, 2.f}, y = {2.f, 0.f};
    const void *args[] = {x.data(), y.data()};
    const int64_t sizes[] = {3, 2};
    std::vector<float> out(3, 3.f);
    std::vector<int64_t> idx(3, 7);
    countedRuns = 0;
    expectError(kred_cpu_launch_sized(&argmin, args, sizes, 3, 2, out.data(),
                                      3, idx.data(), 2, nullptr),
                KRED_ERR_INVALID_ARGUMENT,
                "kernel 'argmin': the index output array is too short: 3 "
                "elements expected (M = 3 rows of 1), 2 given");
    expectError(kred_cpu_launch_sized(&argmin, args, sizes, 3, 2, out.data(),
                                      2, idx.data(), 3, nullptr),
                KRED_ERR_INVALID_ARGUMENT,
                "kernel 'argmin': the output array is too short: 3 elements "
                "expected (M = 3 rows of 1), 2 given");
    // N = 0: the identity path checks the sizes as well.
    expectError(kred_cpu_launch_sized(&argmin, args, sizes, 3, 0, out.data(),
                                      3, idx.data(), 1, nullptr),
                KRED_ERR_INVALID_ARGUMENT,
                "the index output array is too short");
    EXPECT(countedRuns == 0);
    EXPECT(std::all_of(out.begin(), out.end(),
                       [](float v) { return v == 3.f; }));
    EXPECT(std::all_of(idx.begin(), idx.end(),
                       [](int64_t v) { return v == 7; }));
    EXPECT(kred_cpu_launch_sized(&argmin, args, sizes, 3, 2, out.data(), 3,
                                 idx.data(), 3, nullptr) == KRED_OK);
    EXPECT(idx[0] == 1 && idx[1] == 0 && idx[2] == 0); // a tie: lowest j
    // No rows: nothing is needed, NULL outputs with 0 elements are fine.
    EXPECT(kred_cpu_launch_sized(&argmin, args, sizes, 0, 2, nullptr, 0,
                                 nullptr, 0, nullptr) == KRED_OK);
  }

  // Unused positions: their pointer and count are ignored.
  {
    static const int32_t cats[] = {KRED_CAT_I, KRED_CAT_UNUSED, KRED_CAT_J};
    static const int64_t dims[] = {1, 0, 1};
    kred_kernel k = makeArgminKernel();
    k.info.num_args = 3;
    k.info.arg_category = cats;
    k.info.arg_dim = dims;
    k.run = [](const void *const *a, int64_t M, int64_t N, int64_t r0,
               int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
               void *sv, int64_t *si) {
      const void *shifted[] = {a[0], a[2]};
      argminRun(shifted, M, N, r0, r1, k0, k1, o, oi, sv, si);
    };
    std::vector<float> x = {0.f, 1.f}, y = {1.f};
    const void *args[] = {x.data(), nullptr, y.data()};
    const int64_t sizes[] = {2, -7, 1};
    std::vector<float> out(2);
    std::vector<int64_t> idx(2, 5);
    EXPECT(kred_cpu_launch_sized(&k, args, sizes, 2, 1, out.data(), 2,
                                 idx.data(), 2, nullptr) == KRED_OK);
    EXPECT(idx[0] == 0 && idx[1] == 0);
  }

  // Ranges: each short range array, and the buffers, checked the same way.
  {
    kred_kernel dot = makeDotKernel<float>(1);
    dot.run = countingDotRun;
    std::vector<float> x(4 * kDim, 1.f), y(6 * kDim, 1.f), w(6, 1.f),
        p(1, 1.f);
    const void *args[] = {x.data(), y.data(), w.data(), p.data()};
    const int64_t sizes[] = {4 * kDim, 6 * kDim, 6, 1};
    std::vector<int64_t> blocks = {0, 2, 2, 4}, slices = {1, 2},
                         red = {0, 3, 3, 6};
    auto launch = [&](const int64_t *argSizes, int64_t outSize, int64_t nb,
                      int64_t ns, int64_t nr, std::vector<float> &out) {
      countedRuns = 0;
      return kred_cpu_launch_ranges_sized(
          &dot, args, argSizes, 4, 6, out.data(), outSize, nullptr, 0, 2,
          blocks.data(), nb, slices.data(), ns, 2, red.data(), nr, nullptr);
    };
    std::vector<float> out(4, 3.f);
    auto untouched = [&] {
      return std::all_of(out.begin(), out.end(),
                         [](float v) { return v == 3.f; });
    };
    expectError(launch(sizes, 4, 3, 2, 4, out), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': the block ranges (ranges_i) are too short: 4 "
                "int64 elements expected (2 blocks of 2), 3 given");
    EXPECT(countedRuns == 0 && untouched());
    expectError(launch(sizes, 4, 4, 1, 4, out), KRED_ERR_INVALID_ARGUMENT,
                "the slices (slices_i) are too short: 2 int64 elements "
                "expected (2 blocks of 1), 1 given");
    EXPECT(countedRuns == 0 && untouched());
    expectError(launch(sizes, 4, 4, 2, 3, out), KRED_ERR_INVALID_ARGUMENT,
                "the reduction ranges (redranges_j) are too short: 4 int64 "
                "elements expected (2 ranges of 2), 3 given");
    EXPECT(countedRuns == 0 && untouched());
    expectError(launch(sizes, 4, 4, 2, -1, out), KRED_ERR_INVALID_ARGUMENT,
                "negative element count -1");
    expectError(launch(sizes, 3, 4, 2, 4, out), KRED_ERR_INVALID_ARGUMENT,
                "the output array is too short: 4 elements expected");
    const int64_t shortY[] = {4 * kDim, 6 * kDim - 1, 6, 1};
    expectError(launch(shortY, 4, 4, 2, 4, out), KRED_ERR_INVALID_ARGUMENT,
                "argument 1 (Vj, dim 3) is too short: 18 elements expected "
                "(N = 6 rows of 3), 17 given");
    EXPECT(countedRuns == 0 && untouched());
    EXPECT(launch(sizes, 4, 4, 2, 4, out) == KRED_OK);
    EXPECT(countedRuns > 0);
    for (float v : out)
      EXPECT(v == 3.f * (3 + 1)); // 3 terms of (x.y + p) * w = 4
  }

  // The unsized forms still run (binary compatibility) and the version is
  // the header's.
  EXPECT(kred_runtime_api_version() == KRED_RUNTIME_API_VERSION);
  EXPECT(KRED_RUNTIME_API_VERSION >= 2);
}

//===----------------------------------------------------------------------===//
// Batched launches (kred_cpu_launch_batched_sized, API version 6)
//===----------------------------------------------------------------------===//

/// The element counts and [batch][4] offsets of a batch (B0, B1) of the dot
/// kernel: the row variable varies over the first batch dimension, the
/// reduced variable over the second, the weight over both and the parameter
/// over the first (repeated offsets broadcast).
struct DotBatch {
  static constexpr int64_t B0 = 2, B1 = 3, B = B0 * B1;
  int64_t rows, reduced;
  std::vector<double> x, y, w, p;
  int64_t counts[4];
  std::vector<int64_t> offsets;
  /// The float64 reference of each batch element.
  std::vector<std::vector<double>> want;

  DotBatch(int64_t rows, int64_t reduced)
      : rows(rows), reduced(reduced),
        x(randomVector<double>(B0 * rows * kDim, 11)),
        y(randomVector<double>(B1 * reduced * kDim, 12)),
        w(randomVector<double>(B * reduced, 13)),
        p(randomVector<double>(B0, 14)), counts{B0 * rows * kDim,
                                                B1 * reduced * kDim,
                                                B * reduced, B0} {
    for (int64_t i0 = 0; i0 < B0; ++i0)
      for (int64_t i1 = 0; i1 < B1; ++i1) {
        int64_t z = i0 * B1 + i1;
        int64_t o[4] = {i0 * rows * kDim, i1 * reduced * kDim, z * reduced, i0};
        offsets.insert(offsets.end(), o, o + 4);
        auto slice = [](const std::vector<double> &v, int64_t at, int64_t n) {
          return std::vector<double>(v.begin() + at, v.begin() + at + n);
        };
        want.push_back(dotReference(
            slice(x, o[0], rows * kDim), slice(y, o[1], reduced * kDim),
            slice(w, o[2], reduced), p[i0], rows, reduced));
      }
  }
};

template <typename T> void testBatchedDot(int axis) {
  kred_kernel kernel = makeDotKernel<T>(axis);
  const int64_t sizes[][2] = {{1, 1},    {7, 13},    {13, 997},
                              {3, 4099}, {131, 257}, {64, 1}};
  for (auto [rows, reduced] : sizes) {
    DotBatch in(rows, reduced);
    std::vector<T> xt(in.x.begin(), in.x.end()), yt(in.y.begin(), in.y.end()),
        wt(in.w.begin(), in.w.end()), pt(in.p.begin(), in.p.end());
    const void *args[] = {xt.data(), yt.data(), wt.data(), pt.data()};
    int64_t M = axis == 1 ? rows : reduced;
    int64_t N = axis == 1 ? reduced : rows;
    for (int threads : {1, 2, 3, 8}) {
      for (int split : {-1, 0, 1}) {
        // One element more than the batch's outputs: it stays unwritten.
        std::vector<T> out(DotBatch::B * rows + 1, T(std::nan("")));
        kred_launch_options opts{threads, split};
        EXPECT(kred_cpu_launch_batched_sized(&kernel, args, in.counts, M, N,
                                             DotBatch::B, in.offsets.data(),
                                             out.data(), int64_t(out.size()),
                                             nullptr, 0, &opts) == KRED_OK);
        EXPECT(std::isnan(double(out.back())));
        double rtol = sizeof(T) == 4 ? 1e-6 : 1e-12;
        for (int64_t z = 0; z < DotBatch::B; ++z) {
          std::vector<T> got(out.begin() + z * rows,
                             out.begin() + (z + 1) * rows);
          if (!close(got, in.want[z], rtol)) {
            std::fprintf(stderr,
                         "batched dot axis=%d rows=%lld reduced=%lld "
                         "threads=%d split=%d: wrong batch element %lld\n",
                         axis, (long long)rows, (long long)reduced, threads,
                         split, (long long)z);
            ++failures;
          }
        }
      }
    }
  }
}

// A kernel that records the calls of its run: rows, reduced range, and the
// row variable (which batch element the call reads).
struct RunCall {
  const void *rows;
  int64_t r0, r1, k0, k1;
};
std::mutex runCallsMutex;
std::vector<RunCall> runCalls;

void callRecordingRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                      int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
                      void *sv, int64_t *si) {
  {
    std::lock_guard<std::mutex> lock(runCallsMutex);
    runCalls.push_back({a[0], r0, r1, k0, k1});
  }
  dotRun1<double>(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void testBatchedLaunches() {
  testBatchedDot<float>(1);
  testBatchedDot<double>(1);
  testBatchedDot<float>(0);
  testBatchedDot<double>(0);

  // Min_ArgMin with ties, the reduced variable shared by the batch: the
  // lowest index wins across chunks in every element.
  {
    kred_kernel kernel = makeArgminKernel();
    const int64_t B = 3, M = 37, N = 1000;
    std::vector<float> x(B * M), y(N);
    std::mt19937 gen(9);
    for (auto &v : x)
      v = float(gen() % 8);
    for (auto &v : y)
      v = float(gen() % 16);
    std::vector<int64_t> offsets;
    for (int64_t z = 0; z < B; ++z)
      offsets.insert(offsets.end(), {z * M, 0});
    const void *args[] = {x.data(), y.data()};
    const int64_t counts[] = {B * M, N};
    for (int threads : {1, 2, 5}) {
      for (int split : {-1, 0, 1}) {
        std::vector<float> out(B * M, -7.f);
        std::vector<int64_t> idx(B * M, -7);
        kred_launch_options opts{threads, split};
        EXPECT(kred_cpu_launch_batched_sized(
                   &kernel, args, counts, M, N, B, offsets.data(), out.data(),
                   B * M, idx.data(), B * M, &opts) == KRED_OK);
        EXPECT(std::make_pair(out, idx) == argminReference(x, y));
      }
    }
  }

  // The tasks of all batch elements share the pool: a batch of reductions
  // too small to split alone is cut finer than one task per element (rows,
  // or chunks of the reduced index when the rows are few), every pair of
  // every element reduced once.
  {
    kred_kernel kernel = makeDotKernel<double>(1);
    kernel.run = callRecordingRun;
    struct Case {
      int64_t B, M, N;
      bool splits;
    };
    for (Case c : {Case{8, 8, 1000, false}, Case{3, 4, 3000, true}}) {
      std::vector<double> x(c.B * c.M * kDim, 0.5), y(c.N * kDim, 0.25),
          w(c.N, 1.0), p(1, 0.0);
      std::vector<int64_t> offsets;
      for (int64_t z = 0; z < c.B; ++z)
        offsets.insert(offsets.end(), {z * c.M * kDim, 0, 0, 0});
      const void *args[] = {x.data(), y.data(), w.data(), p.data()};
      const int64_t counts[] = {c.B * c.M * kDim, c.N * kDim, c.N, 1};
      std::vector<double> out(c.B * c.M, std::nan(""));
      runCalls.clear();
      kred_launch_options opts{4, -1};
      EXPECT(kred_cpu_launch_batched_sized(
                 &kernel, args, counts, c.M, c.N, c.B, offsets.data(),
                 out.data(), c.B * c.M, nullptr, 0, &opts) == KRED_OK);
      for (double v : out)
        EXPECT(std::fabs(v - c.N * 0.375) < 1e-9);
      EXPECT(int64_t(runCalls.size()) > c.B);
      int64_t pairs = 0;
      bool split = false;
      for (const RunCall &call : runCalls) {
        pairs += (call.r1 - call.r0) * (call.k1 - call.k0);
        split = split || call.k0 > 0;
      }
      EXPECT(pairs == c.B * c.M * c.N);
      EXPECT(split == c.splits);
    }
  }

  // A batch of one with offsets reads there; batch 1 without offsets is
  // kred_cpu_launch_sized. Empty reductions write the identity of every
  // element's rows; no rows write nothing.
  {
    kred_kernel dot = makeDotKernel<float>(1);
    dot.run = countingDotRun;
    std::vector<float> x(2 * 4 * kDim), y(5 * kDim, 1.f), w(5, 1.f), p(1, 0.f);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = i < 4 * kDim ? 1.f : 2.f;
    const void *args[] = {x.data(), y.data(), w.data(), p.data()};
    const int64_t counts[] = {2 * 4 * kDim, 5 * kDim, 5, 1};
    const int64_t second[] = {4 * kDim, 0, 0, 0};
    std::vector<float> out(4, -1.f);
    EXPECT(kred_cpu_launch_batched_sized(&dot, args, counts, 4, 5, 1, second,
                                         out.data(), 4, nullptr, 0,
                                         nullptr) == KRED_OK);
    for (float v : out)
      EXPECT(v == 30.f); // 5 terms of (2 + 2 + 2) * 1
    EXPECT(kred_cpu_launch_batched_sized(&dot, args, counts, 4, 5, 1, nullptr,
                                         out.data(), 4, nullptr, 0,
                                         nullptr) == KRED_OK);
    for (float v : out)
      EXPECT(v == 15.f);
    const int64_t three[] = {0, 0, 0, 0, 4 * kDim, 0, 0, 0, 0, 0, 0, 0};
    std::vector<float> many(3 * 4, 42.f);
    countedRuns = 0;
    EXPECT(kred_cpu_launch_batched_sized(&dot, args, counts, 4, 0, 3, three,
                                         many.data(), 12, nullptr, 0,
                                         nullptr) == KRED_OK);
    EXPECT(countedRuns == 0);
    for (float v : many)
      EXPECT(v == 0.f);
    EXPECT(kred_cpu_launch_batched_sized(&dot, args, counts, 0, 5, 3, three,
                                         nullptr, 0, nullptr, 0,
                                         nullptr) == KRED_OK);
    EXPECT(countedRuns == 0);
  }

  // Checks: nothing runs and nothing is written.
  {
    kred_kernel dot = makeDotKernel<float>(1);
    dot.run = countingDotRun;
    const int64_t B = 2, M = 4, N = 6;
    std::vector<float> x(B * M * kDim, 1.f), y(B * N * kDim, 1.f),
        w(B * N, 1.f), p(B, 1.f);
    const void *args[] = {x.data(), y.data(), w.data(), p.data()};
    const int64_t counts[] = {B * M * kDim, B * N * kDim, B * N, B};
    const std::vector<int64_t> good = {0, 0, 0, 0, M * kDim, N * kDim, N, 1};
    std::vector<float> out(B * M, 3.f);
    auto launch = [&](int64_t batch, const int64_t *offsets,
                      int64_t outCount = B * M) {
      countedRuns = 0;
      kred_launch_options opts{2, -1};
      return kred_cpu_launch_batched_sized(&dot, args, counts, M, N, batch,
                                           offsets, out.data(), outCount,
                                           nullptr, 0, &opts);
    };
    auto untouched = [&] {
      return countedRuns == 0 && std::all_of(out.begin(), out.end(),
                                             [](float v) { return v == 3.f; });
    };
    expectError(launch(0, good.data()), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': batch count must be at least 1 (got 0)");
    EXPECT(untouched());
    expectError(launch(2, nullptr), KRED_ERR_INVALID_ARGUMENT,
                "batch of 2 elements with no offsets or sizes");
    EXPECT(untouched());
    std::vector<int64_t> bad = good;
    bad[4] = -3;
    expectError(launch(B, bad.data()), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': batch element 1: argument 0 has a negative "
                "offset (-3)");
    EXPECT(untouched());
    bad = good;
    bad[5] = N * kDim + 1; // y of element 1 runs one element past y
    expectError(launch(B, bad.data()), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': batch element 1: argument 1 (Vj, dim 3) at "
                "offset 19 needs 18 elements (N = 6 rows of 3), past the 36 "
                "given");
    EXPECT(untouched());
    bad = good;
    bad[3] = B; // the parameter of element 0 starts at the end of p
    expectError(launch(B, bad.data()), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': batch element 0: argument 3 (Pm, dim 1) at "
                "offset 2 needs 1 element, past the 2 given");
    EXPECT(untouched());
    expectError(launch(B, good.data(), B * M - 1), KRED_ERR_INVALID_ARGUMENT,
                "kernel 'dot': out holds 7 elements; a batch of 2 x 4 rows x 1 "
                "needs 8");
    EXPECT(untouched());
    expectError(kred_cpu_launch_batched_sized(nullptr, args, counts, M, N, B,
                                              good.data(), out.data(), B * M,
                                              nullptr, 0, nullptr),
                KRED_ERR_INVALID_ARGUMENT,
                "kred_cpu_launch_batched_sized: kernel is NULL");
    EXPECT(untouched());
    EXPECT(launch(B, good.data()) == KRED_OK);
    EXPECT(countedRuns > 0);
    for (float v : out)
      EXPECT(v == 6.f * (3 + 1)); // 6 terms of (x.y + p) * w = 4
  }
  EXPECT(KRED_RUNTIME_API_VERSION >= 6);
}

/// The sized GPU launch checks the sizes before it looks for a device.
void testSizedGpuLaunch() {
  static const char ptx[] = "not a real image";
  kred_gpu_image image{80, 0, ptx, sizeof(ptx)};
  kred_gpu_kernel k = makeGpuKernel(makeDotKernel<float>(1).info, "dot_gpu",
                                    "dot_gpu_merge", 128, 1, 0, &image, 1);
  // Device pointers are only compared and checked for alignment here.
  const void *args[] = {reinterpret_cast<const void *>(0x10000),
                        reinterpret_cast<const void *>(0x20000),
                        reinterpret_cast<const void *>(0x30000),
                        reinterpret_cast<const void *>(0x40000)};
  void *out = reinterpret_cast<void *>(0x50000);
  const int64_t sizes[] = {4 * kDim, 6 * kDim - 2, 6, 1};
  expectError(kred_gpu_launch_sized(&k, args, sizes, 4, 6, out, 4, nullptr, 0,
                                    nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "kernel 'dot': argument 1 (Vj, dim 3) is too short: 18 elements "
              "expected (N = 6 rows of 3), 16 given");
  expectError(kred_gpu_launch_sized(&k, args, sizes, 4, 6, out, 3, nullptr, 0,
                                    nullptr),
              KRED_ERR_INVALID_ARGUMENT, "argument 1 (Vj, dim 3) is too short");
  const int64_t good[] = {4 * kDim, 6 * kDim, 6, 1};
  expectError(kred_gpu_launch_sized(&k, args, good, 4, 6, out, 3, nullptr, 0,
                                    nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "the output array is too short: 4 elements expected (M = 4 "
              "rows of 1), 3 given");
  // Correct sizes pass the checks (then: no driver here, or a real device
  // that refuses the fake image; never an argument error).
  int status =
      kred_gpu_launch_sized(&k, args, good, 4, 6, out, 4, nullptr, 0, nullptr);
  EXPECT(status != KRED_OK && status != KRED_ERR_INVALID_ARGUMENT);
}

//===----------------------------------------------------------------------===//
// Empty reductions: the same identities from kred_cpu_launch (N = 0) and
// kred_cpu_launch_ranges (no block, or blocks with only empty intervals)
//===----------------------------------------------------------------------===//

void failingRun(const void *const *, int64_t, int64_t, int64_t, int64_t,
                int64_t k0, int64_t k1, void *, int64_t *, void *, int64_t *) {
  // The runtime writes identities itself: an empty range never reaches the
  // kernel.
  if (k0 == k1)
    ++failures;
}

void testEmptyIdentitiesAgree() {
  for (int32_t kind = 0; kind <= 13; ++kind) {
    for (int32_t dtype : {KRED_F32, KRED_F64, KRED_F16, KRED_BF16}) {
      for (int axis : {1, 0}) {
        kred_kernel k = makeArgminKernel();
        static const int32_t cats1[] = {KRED_CAT_I, KRED_CAT_J};
        static const int32_t cats0[] = {KRED_CAT_J, KRED_CAT_I};
        k.info.arg_category = axis == 1 ? cats1 : cats0;
        k.info.axis = axis;
        k.info.reduction = kind;
        k.info.dtype = dtype;
        bool indices = kind >= 7 && kind != 11;
        bool values = !(kind == 7 || kind == 8 || kind == 12);
        k.info.out_value_dim = values ? 3 : 0;
        k.info.out_index_dim = indices ? 3 : 0;
        k.run = failingRun;
        const int64_t rows = 37;
        size_t esz = kred_dtype_size(dtype);
        std::vector<double> xr(rows, 0.5), yr(11, 0.25);
        const void *argsEmpty[] = {xr.data(), nullptr};
        const void *argsFull[] = {xr.data(), yr.data()};
        int64_t vbytes = rows * k.info.out_value_dim * int64_t(esz);
        int64_t icount = rows * k.info.out_index_dim;
        // N = 0 (axis 1) / M = 0 (axis 0), sized.
        std::vector<unsigned char> v0(vbytes, 0x55);
        std::vector<int64_t> i0(icount, 9);
        const int64_t sizes0[] = {rows, 0};
        EXPECT(kred_cpu_launch_sized(
                   &k, argsEmpty, sizes0, axis == 1 ? rows : 0,
                   axis == 1 ? 0 : rows, v0.data(), vbytes / int64_t(esz),
                   i0.data(), icount, nullptr) == KRED_OK);
        // The unsized form writes the same.
        std::vector<unsigned char> vu(vbytes, 0x11);
        std::vector<int64_t> iu(icount, 8);
        EXPECT(kred_cpu_launch(&k, argsEmpty, axis == 1 ? rows : 0,
                               axis == 1 ? 0 : rows, vu.data(), iu.data(),
                               nullptr) == KRED_OK);
        EXPECT(vu == v0 && iu == i0);
        // Ranges, reduced size 11: rows [0, 10) in no block, [10, 20) a
        // block without intervals, [20, 37) a block with two empty
        // intervals.
        std::vector<int64_t> blocks = {20, 37, 10, 20}, slices = {2, 2},
                             red = {4, 4, 11, 11};
        const int64_t sizes1[] = {rows, 11};
        for (int threads : {1, 3}) {
          std::vector<unsigned char> v1(vbytes, 0x33);
          std::vector<int64_t> i1(icount, 7);
          kred_launch_options opts{threads, -1};
          EXPECT(kred_cpu_launch_ranges_sized(
                     &k, argsFull, sizes1, axis == 1 ? rows : 11,
                     axis == 1 ? 11 : rows, v1.data(), vbytes / int64_t(esz),
                     i1.data(), icount, 2, blocks.data(), 4, slices.data(), 2,
                     2, red.data(), 4, &opts) == KRED_OK);
          if (v1 != v0 || i1 != i0) {
            std::fprintf(stderr,
                         "empty identities differ: kind=%d dtype=%d axis=%d "
                         "threads=%d\n",
                         kind, dtype, axis, threads);
            ++failures;
          }
        }
        // SumSoftMaxWeight: NaN (0/0), not 0.
        if (kind == 4 && dtype == KRED_F32)
          EXPECT(std::isnan(reinterpret_cast<float *>(v0.data())[0]));
        if (kind == 0 && dtype == KRED_F64)
          EXPECT(reinterpret_cast<double *>(v0.data())[rows * 3 - 1] == 0.0);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Exceptions thrown by kernel functions
//===----------------------------------------------------------------------===//

std::atomic<int> throwingCalls{0};

/// The dot kernel, throwing on row 777 (and, for `kind` 1, std::bad_alloc,
/// for kind 2 a non-std exception).
template <int kind>
void throwingRun(const void *const *a, int64_t M, int64_t N, int64_t r0,
                 int64_t r1, int64_t k0, int64_t k1, void *o, int64_t *oi,
                 void *sv, int64_t *si) {
  ++throwingCalls;
  if (r0 <= 777 && 777 < r1) {
    if (kind == 1)
      throw std::bad_alloc();
    if (kind == 2)
      throw 42;
    throw std::runtime_error("row 777 is cursed");
  }
  dotRun1<double>(a, M, N, r0, r1, k0, k1, o, oi, sv, si);
}

void throwingMerge(void *, int64_t *, const void *, const int64_t *, int64_t) {
  throw std::logic_error("merge refuses");
}

void testExceptions() {
  int64_t M = 2000, N = 3000;
  DotInputs in(M, N);
  const int64_t sizes[] = {M * kDim, N * kDim, N, 1};

  kred_kernel k = makeDotKernel<double>(1);
  for (int threads : {1, 2, 4, 8}) {
    for (int split : {-1, 0, 1}) {
      std::vector<double> out(M);
      kred_launch_options opts{threads, split};
      k.run = throwingRun<0>;
      expectError(kred_cpu_launch_sized(&k, in.args, sizes, M, N, out.data(), M,
                                        nullptr, 0, &opts),
                  KRED_ERR_INTERNAL,
                  "kred_cpu_launch_sized: kernel 'dot': the launch failed "
                  "with an exception: row 777 is cursed");
      k.run = throwingRun<1>;
      expectError(
          kred_cpu_launch(&k, in.args, M, N, out.data(), nullptr, &opts),
          KRED_ERR_OUT_OF_MEMORY, "kernel 'dot': out of memory");
      k.run = throwingRun<2>;
      expectError(
          kred_cpu_launch(&k, in.args, M, N, out.data(), nullptr, &opts),
          KRED_ERR_INTERNAL, "an exception of unknown type");
      // Ranges: the throwing row inside a multi-interval block.
      k.run = throwingRun<0>;
      std::vector<int64_t> blocks = {0, M}, slices = {2},
                           red = {0, N / 2, N / 2, N};
      expectError(kred_cpu_launch_ranges_sized(
                      &k, in.args, sizes, M, N, out.data(), M, nullptr, 0, 1,
                      blocks.data(), 2, slices.data(), 1, 2, red.data(), 4,
                      &opts),
                  KRED_ERR_INTERNAL, "row 777 is cursed");
    }
  }
  // A throwing merge (split launches and multi-interval ranges).
  {
    kred_kernel km = makeDotKernel<double>(1);
    km.merge = throwingMerge;
    std::vector<double> out(M);
    kred_launch_options opts{3, 1};
    expectError(kred_cpu_launch(&km, in.args, M, N, out.data(), nullptr, &opts),
                KRED_ERR_INTERNAL, "merge refuses");
  }

  // Many throwing launches at once from several threads, next to good ones:
  // every launch returns, with the right status, and the results of the
  // good ones are right.
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 6; ++t)
    callers.emplace_back([&, t] {
      kred_kernel mine = makeDotKernel<double>(1);
      mine.run = t % 2 ? throwingRun<0> : dotRun1<double>;
      for (int rep = 0; rep < 10; ++rep) {
        std::vector<double> out(M, std::nan(""));
        kred_launch_options opts{4, rep % 3 - 1};
        int status = kred_cpu_launch_sized(&mine, in.args, sizes, M, N,
                                           out.data(), M, nullptr, 0, &opts);
        if (t % 2 ? status != KRED_ERR_INTERNAL
                  : status != KRED_OK || !close(out, in.want, 1e-12))
          ++bad;
      }
    });
  for (auto &c : callers)
    c.join();
  EXPECT(bad == 0);

  // The pool still works afterwards: plain, nested and concurrent launches.
  std::vector<double> out(M, std::nan(""));
  kred_launch_options opts{4, -1};
  kred_kernel good = makeDotKernel<double>(1);
  EXPECT(kred_cpu_launch_sized(&good, in.args, sizes, M, N, out.data(), M,
                               nullptr, 0, &opts) == KRED_OK);
  EXPECT(close(out, in.want, 1e-12));
  EXPECT(std::string(kred_last_error()).empty());
}

//===----------------------------------------------------------------------===//
// Unfinalized accumulators (API version 5): kred_cpu_launch_states_sized on
// the parts of a cut reduced range, kred_cpu_merge_states_sized of them
//===----------------------------------------------------------------------===//

/// The states of `parts` cuts [bounds[p], bounds[p + 1]) of the argmin
/// kernel's reduced range (its y sliced, indices shifted by the offset),
/// merged and finalized; compared with one launch over everything.
void checkArgminParts(const std::vector<float> &x, const std::vector<float> &y,
                      const std::vector<int64_t> &bounds, int threads,
                      int split) {
  kred_kernel k = makeArgminKernel();
  int64_t M = static_cast<int64_t>(x.size()), N = bounds.back();
  int64_t parts = static_cast<int64_t>(bounds.size()) - 1;
  std::vector<float> want(M, -7.f);
  std::vector<int64_t> wantIdx(M, -7);
  const void *args[] = {x.data(), y.data()};
  EXPECT(kred_cpu_launch(&k, args, M, N, want.data(), wantIdx.data(),
                         nullptr) == KRED_OK);
  std::vector<float> values(parts * M, std::nanf(""));
  std::vector<int64_t> indices(parts * M, -7);
  kred_launch_options opts{threads, split};
  for (int64_t p = 0; p < parts; ++p) {
    int64_t k0 = bounds[p], n = bounds[p + 1] - k0;
    const void *sliced[] = {x.data(), y.data() + k0};
    const int64_t sizes[] = {M, n};
    EXPECT(kred_cpu_launch_states_sized(
               &k, sliced, sizes, M, n, values.data() + p * M, M,
               indices.data() + p * M, M, &opts) == KRED_OK);
    for (int64_t r = 0; r < M; ++r) {
      int64_t &i = indices[p * M + r];
      EXPECT(i >= -1 && i < n);
      if (i >= 0)
        i += k0;
    }
  }
  std::vector<float> out(M, -7.f);
  std::vector<int64_t> idx(M, -7);
  EXPECT(kred_cpu_merge_states_sized(
             &k, values.data(), parts * M, indices.data(), parts * M, M, parts,
             out.data(), M, idx.data(), M, &opts) == KRED_OK);
  EXPECT(out == want);
  EXPECT(idx == wantIdx);
}

void testStates() {
  // Quantized data: many ties, across the parts' and the chunks' bounds.
  // The hand-written merge keeps a's entries on ties: the order of the
  // parts decides.
  const int64_t M = 37, N = 2000;
  std::vector<float> x(M), y(N);
  std::mt19937 gen(11);
  for (auto &v : x)
    v = float(gen() % 8);
  for (auto &v : y)
    v = float(gen() % 16);
  for (int threads : {1, 3}) {
    for (int split : {-1, 0, 1}) {
      checkArgminParts(x, y, {0, 1, 1, N}, threads, split);
      checkArgminParts(x, y, {0, N - 1, N, N}, threads, split);
      checkArgminParts(x, y, {0, 0, 700, 701, 1500, N}, threads, split);
      checkArgminParts(x, y, {0, N}, threads, split);
    }
  }

  // The dot kernel (double states), both axes, split or not inside.
  for (int axis : {1, 0}) {
    kred_kernel k = makeDotKernel<double>(axis);
    const int64_t rows = 9, reduced = 5001;
    DotInputs in(rows, reduced);
    int64_t M = axis == 1 ? rows : reduced, N = axis == 1 ? reduced : rows;
    const int64_t sizes[] = {rows * kDim, reduced * kDim, reduced, 1};
    for (int split : {-1, 0, 1}) {
      std::vector<double> values(rows, std::nan(""));
      kred_launch_options opts{4, split};
      EXPECT(kred_cpu_launch_states_sized(&k, in.args, sizes, M, N,
                                          values.data(), rows, nullptr, 0,
                                          &opts) == KRED_OK);
      std::vector<double> out(rows, std::nan(""));
      EXPECT(kred_cpu_merge_states_sized(&k, values.data(), rows, nullptr, 0,
                                         rows, 1, out.data(), rows, nullptr, 0,
                                         &opts) == KRED_OK);
      EXPECT(close(out, in.want, 1e-12));
    }
  }

  kred_kernel argmin = makeArgminKernel();
  std::vector<float> x3 = {1, 2, 3};
  const void *args[] = {x3.data(), nullptr};
  const int64_t sizes[] = {3, 0};
  std::vector<float> values(6, 42.f);
  std::vector<int64_t> indices(6, 42);
  // K = 0: the identity state (NAME_run over an empty range).
  EXPECT(kred_cpu_launch_states_sized(&argmin, args, sizes, 3, 0, values.data(),
                                      3, indices.data(), 3,
                                      nullptr) == KRED_OK);
  for (int r = 0; r < 3; ++r)
    EXPECT(std::isinf(values[r]) && values[r] > 0 && indices[r] == -1 &&
           values[3 + r] == 42.f && indices[3 + r] == 42);
  // parts = 0: the identity output, state arrays not read.
  std::vector<float> out(3, -7.f);
  std::vector<int64_t> idx(3, -7);
  EXPECT(kred_cpu_merge_states_sized(&argmin, nullptr, 0, nullptr, 0, 3, 0,
                                     out.data(), 3, idx.data(), 3,
                                     nullptr) == KRED_OK);
  for (int r = 0; r < 3; ++r)
    EXPECT(std::isinf(out[r]) && out[r] > 0 && idx[r] == -1);
  // No rows: nothing written, NULL everywhere is fine.
  EXPECT(kred_cpu_merge_states_sized(&argmin, nullptr, 0, nullptr, 0, 0, 4,
                                     nullptr, 0, nullptr, 0,
                                     nullptr) == KRED_OK);
  const void *noRows[] = {nullptr, x3.data()};
  const int64_t noRowSizes[] = {0, 3};
  EXPECT(kred_cpu_launch_states_sized(&argmin, noRows, noRowSizes, 0, 3,
                                      nullptr, 0, nullptr, 0,
                                      nullptr) == KRED_OK);

  // Errors, nothing written.
  const void *full[] = {x3.data(), x3.data()};
  const int64_t fullSizes[] = {3, 3};
  std::fill(values.begin(), values.end(), 42.f);
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                           values.data(), 2, indices.data(), 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "kernel 'argmin': the state values array is too short: 3 "
              "elements expected (M = 3 rows of 1), 2 given");
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                           values.data(), 3, indices.data(), 2,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "the state indices array is too short: 3 elements expected");
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                           values.data(), -1, indices.data(), 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "the state values array: negative element count -1");
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                           nullptr, 3, indices.data(), 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT, "the state values array is NULL");
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                           values.data(), 3, nullptr, 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT, "the state indices array is NULL");
  expectError(
      kred_cpu_launch_states_sized(&argmin, full, fullSizes, 3, 3,
                                   reinterpret_cast<char *>(values.data()) + 1,
                                   3, indices.data(), 3, nullptr),
      KRED_ERR_INVALID_ARGUMENT,
      "the state values array is not aligned to its element size (4 "
      "bytes)");
  const int64_t shortY[] = {3, 2};
  expectError(kred_cpu_launch_states_sized(&argmin, full, shortY, 3, 3,
                                           values.data(), 3, indices.data(), 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "argument 1 (Vj, dim 1) is too short: 3 elements expected (N "
              "= 3 rows of 1), 2 given");
  expectError(kred_cpu_launch_states_sized(&argmin, full, fullSizes, -1, 3,
                                           values.data(), 3, indices.data(), 3,
                                           nullptr),
              KRED_ERR_INVALID_ARGUMENT, "negative size (M = -1, N = 3)");
  for (float v : values)
    EXPECT(v == 42.f);
  expectError(kred_cpu_merge_states_sized(&argmin, values.data(), 5,
                                          indices.data(), 6, 3, 2, out.data(),
                                          3, idx.data(), 3, nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "kernel 'argmin': the state values array is too short: 6 "
              "elements expected (2 parts x 3 rows of 1), 5 given");
  expectError(kred_cpu_merge_states_sized(&argmin, values.data(), 6,
                                          indices.data(), 6, 3, 2, out.data(),
                                          2, idx.data(), 3, nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "the output array is too short: 3 elements expected (M = 3 "
              "rows of 1), 2 given");
  expectError(kred_cpu_merge_states_sized(&argmin, values.data(), 6,
                                          indices.data(), 6, 3, 2, out.data(),
                                          3, idx.data(), 2, nullptr),
              KRED_ERR_INVALID_ARGUMENT, "the index output array is too short");
  expectError(kred_cpu_merge_states_sized(&argmin, values.data(), 6,
                                          indices.data(), 6, 3, -1, out.data(),
                                          3, idx.data(), 3, nullptr),
              KRED_ERR_INVALID_ARGUMENT,
              "kernel 'argmin': negative size (rows = 3, parts = -1)");
  expectError(
      kred_cpu_merge_states_sized(nullptr, values.data(), 6, indices.data(), 6,
                                  3, 2, out.data(), 3, idx.data(), 3, nullptr),
      KRED_ERR_INVALID_ARGUMENT, "kred_cpu_merge_states_sized: kernel is NULL");
  kred_launch_options badThreads{-2, -1};
  expectError(kred_cpu_merge_states_sized(&argmin, values.data(), 6,
                                          indices.data(), 6, 3, 2, out.data(),
                                          3, idx.data(), 3, &badThreads),
              KRED_ERR_INVALID_ARGUMENT, "negative thread count -2");
  for (int r = 0; r < 3; ++r)
    EXPECT(out[r] > 0 && idx[r] == -1); // still the identity from above
  kred_kernel noState = makeArgminKernel();
  noState.info.state_values = 0;
  expectError(kred_cpu_launch_states_sized(&noState, full, fullSizes, 3, 3,
                                           values.data(), 3, indices.data(), 3,
                                           nullptr),
              KRED_ERR_UNSUPPORTED, "has no accumulator values");
  // A throwing merge.
  kred_kernel throwing = makeDotKernel<double>(1);
  throwing.merge = throwingMerge;
  std::vector<double> dv(6, 0.0), dout(3);
  expectError(kred_cpu_merge_states_sized(&throwing, dv.data(), 6, nullptr, 0,
                                          3, 2, dout.data(), 3, nullptr, 0,
                                          nullptr),
              KRED_ERR_INTERNAL,
              "kred_cpu_merge_states_sized: kernel 'dot': the launch failed "
              "with an exception: merge refuses");
}

} // namespace

int main() {
  testDtypeSize();
  testDotAllPlans<float>(1);
  testDotAllPlans<double>(1);
  testDotAllPlans<float>(0);
  testDotAllPlans<double>(0);
  testArgminTiesAcrossChunks();
  testEmptyReductions();
  testErrors();
  testThreadCounts();
  testNestedAndConcurrent();
  testRanges();
  testSizedLaunches();
  testBatchedLaunches();
  testSizedGpuLaunch();
  testEmptyIdentitiesAgree();
  testStates();
  testExceptions();
  // After the exceptions: nested and concurrent launches still work.
  testNestedAndConcurrent();
  return report("runtime tests");
}
