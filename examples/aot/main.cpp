//===- main.cpp - using an ahead-of-time kernelred kernel library ---------===//
//
// Part of the kernelred project.
//
// Calls the kernels of kernels.yaml through the generated C header and
// checks them against naive double-precision loops. Every pointer is passed
// with the number of elements it holds (here the std::vector's size()): the
// runtime rejects a buffer that is too short instead of overrunning it. Links
// libmykernels.so and the kernelred runtime only: no MLIR, no compiler.
//
//===----------------------------------------------------------------------===//

#include "mykernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

namespace {

/// Deterministic values in [lo, hi) (a 64-bit LCG).
template <typename T>
std::vector<T> values(size_t n, double lo, double hi, uint64_t seed) {
  std::vector<T> v(n);
  for (T &x : v) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    x = T(lo + (hi - lo) * double(seed >> 11) / double(1ULL << 53));
  }
  return v;
}

int failures = 0;

void check(const char *what, double error, double tolerance) {
  bool ok = error <= tolerance;
  std::printf("%-10s max relative error %.3g (tolerance %.1g): %s\n", what,
              error, tolerance, ok ? "ok" : "WRONG");
  if (!ok)
    ++failures;
}

bool ran(const char *what, int status) {
  if (status == KRED_OK)
    return true;
  std::printf("%s failed: %s\n", what, kred_last_error());
  ++failures;
  return false;
}

void gaussConv() {
  const int64_t M = 1000, N = 777;
  auto x = values<float>(M * 3, -1, 1, 1);
  auto y = values<float>(N * 3, -1, 1, 2);
  auto b = values<float>(N * 2, 0.5, 1.5, 3);
  std::vector<float> out(M * 2, NAN);
  if (!ran("gauss_conv",
           gauss_conv(M, N, x.data(), x.size(), y.data(), y.size(), b.data(),
                      b.size(), out.data(), out.size())))
    return;
  double err = 0;
  for (int64_t i = 0; i < M; ++i) {
    double s[2] = {0, 0};
    for (int64_t j = 0; j < N; ++j) {
      double d2 = 0;
      for (int c = 0; c < 3; ++c) {
        double d = double(x[i * 3 + c]) - double(y[j * 3 + c]);
        d2 += d * d;
      }
      for (int c = 0; c < 2; ++c)
        s[c] += std::exp(-d2) * double(b[j * 2 + c]);
    }
    for (int c = 0; c < 2; ++c)
      err = std::max(err, std::fabs(out[i * 2 + c] - s[c]) / std::fabs(s[c]));
  }
  check("gauss_conv", err, 1e-5);
}

void seedLogSumExp() {
  const int64_t M = 3000, N = 5000;
  auto x = values<double>(M, 0, 1, 4);
  auto y = values<double>(N, 0, 1, 5);
  auto a = values<double>(N, 0, 1, 6);
  double p = 0.25;
  std::vector<double> out(M, NAN);
  // Two threads, explicitly (the default is every CPU).
  kred_launch_options options = {2, -1};
  if (!ran("seed_lse", seed_lse_ex(M, N, x.data(), x.size(), y.data(),
                                   y.size(), a.data(), a.size(), &p, 1,
                                   out.data(), out.size(), &options)))
    return;
  double err = 0;
  for (int64_t i = 0; i < M; ++i) {
    std::vector<double> f(N);
    for (int64_t j = 0; j < N; ++j)
      f[j] = (p - a[j]) * (p - a[j]) * std::exp(x[i] + y[j]);
    double m = *std::max_element(f.begin(), f.end()), s = 0;
    for (double v : f)
      s += std::exp(v - m);
    double want = m + std::log(s);
    err = std::max(err, std::fabs(out[i] - want) / std::fabs(want));
  }
  check("seed_lse", err, 1e-12);
}

void nearestNeighbours() {
  const int64_t M = 500, N = 301, K = 4;
  auto x = values<float>(M * 3, 0, 1, 7);
  auto y = values<float>(N * 3, 0, 1, 8);
  std::vector<int64_t> idx(N * K, -7);
  if (!ran("knn4", knn4(M, N, x.data(), x.size(), y.data(), y.size(),
                        idx.data(), idx.size())))
    return;
  // Compare the distances of the returned neighbours with the K smallest.
  double err = 0;
  for (int64_t j = 0; j < N; ++j) {
    std::vector<double> d(M);
    for (int64_t i = 0; i < M; ++i) {
      double s = 0;
      for (int c = 0; c < 3; ++c) {
        double t = double(x[i * 3 + c]) - double(y[j * 3 + c]);
        s += t * t;
      }
      d[i] = s;
    }
    std::vector<int64_t> order(M);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return d[a] < d[b]; });
    for (int64_t k = 0; k < K; ++k) {
      int64_t got = idx[j * K + k];
      if (got < 0 || got >= M) {
        err = INFINITY;
        break;
      }
      err = std::max(err, std::fabs(d[got] - d[order[k]]) /
                              std::max(d[order[k]], 1e-12));
    }
  }
  check("knn4", err, 1e-5);
}

} // namespace

int main() {
  std::printf("kernelred runtime: %d threads by default\n",
              kred_get_num_threads());
  gaussConv();
  seedLogSumExp();
  nearestNeighbours();
  // Errors come back as a status and a message, never a crash.
  float dummy = 0;
  int status = gauss_conv(-1, 1, &dummy, 1, &dummy, 1, &dummy, 1, &dummy, 1);
  std::printf("bad size: status %d: %s\n", status, kred_last_error());
  if (status != KRED_ERR_INVALID_ARGUMENT)
    ++failures;
  // A buffer shorter than M, N and the dimensions say: an error naming it,
  // and the output is left alone.
  {
    std::vector<float> x(10 * 3, 0.5f), y(20 * 3, 0.5f), b(19 * 2, 1.0f);
    std::vector<float> out(10 * 2, -1.0f);
    status = gauss_conv(10, 20, x.data(), x.size(), y.data(), y.size(),
                        b.data(), b.size(), out.data(), out.size());
    std::printf("short buffer: status %d: %s\n", status, kred_last_error());
    if (status != KRED_ERR_INVALID_ARGUMENT ||
        std::count(out.begin(), out.end(), -1.0f) != int64_t(out.size()))
      ++failures;
  }
  std::printf(failures ? "aot_example: FAILED\n" : "aot_example: OK\n");
  return failures ? 1 : 0;
}
