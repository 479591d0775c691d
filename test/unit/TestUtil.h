//===- TestUtil.h - checks and test kernels of the unit tests ----*- C++ -*-===//
//
// Part of the kernelred project.
//
// What the unit test programs (RuntimeTest, CompilerTest, GpuRuntimeTest,
// GpuEmuTest) share: the EXPECT check, which counts failed checks in
// `failures` and keeps going; checks of a status and its message; the
// summary line that lit checks; and the kred_kernel_info / kred_gpu_kernel
// of hand-written kernels. One header per test program (a single
// translation unit each).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TEST_UNIT_TESTUTIL_H
#define KRED_TEST_UNIT_TESTUTIL_H

#include "kred_runtime.h"

#include <cstddef>
#include <cstdio>
#include <string>

namespace {

int failures = 0;

} // namespace

#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__,   \
                   #cond);                                                     \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

namespace {

/// Counts a failure when `message` does not contain `fragment`.
inline void expectIn(const std::string &message, const char *fragment) {
  if (message.find(fragment) == std::string::npos) {
    std::fprintf(stderr, "  message '%s' lacks '%s'\n", message.c_str(),
                 fragment);
    ++failures;
  }
}

/// Checks a kred_status and that kred_last_error() contains `fragment`.
inline void expectError(int status, int wanted, const char *fragment) {
  EXPECT(status == wanted);
  std::string message = kred_last_error();
  expectIn(message, fragment);
  if (status != wanted)
    std::fprintf(stderr, "  status %d, wanted %d (%s)\n", status, wanted,
                 message.c_str());
}

/// Prints the line lit checks, "WHAT: OK" or "WHAT: FAILED (N)", and
/// returns main's exit status.
inline int report(const std::string &what) {
  if (failures) {
    std::printf("%s: FAILED (%d)\n", what.c_str(), failures);
    return 1;
  }
  std::printf("%s: OK\n", what.c_str());
  return 0;
}

/// ReductionKind values (dialect/KredAttrs.td) of the test kernels.
constexpr int32_t kSumReduction = 0, kMinArgMinReduction = 9;

/// The kred_kernel_info of a hand-written kernel `name` of `NumArgs`
/// arguments: float64 in and out, reduced over j (axis 1), one output value
/// and one state value per row, `indices` output and state indices per row,
/// rows one at a time. Callers change what differs.
template <size_t NumArgs>
kred_kernel_info makeKernelInfo(const char *name, const char *formula,
                                int32_t reduction,
                                const int32_t (&categories)[NumArgs],
                                const int64_t (&dims)[NumArgs],
                                int64_t indices = 0) {
  // The fields in the order of kred_kernel_info.
  return {KRED_ABI_VERSION, name, formula, /*axis=*/1,
          /*dtype=*/KRED_F64, /*acc_dtype=*/KRED_F64, reduction,
          static_cast<int32_t>(NumArgs), categories, dims,
          /*out_value_dim=*/1, /*out_index_dim=*/indices,
          /*state_values=*/1, /*state_indices=*/indices, /*row_block=*/1};
}

/// A GPU kernel of `info` whose entries are NAME_gpu and NAME_gpu_merge
/// (`runEntry`, `mergeEntry`: literals, the struct keeps the pointers).
inline kred_gpu_kernel makeGpuKernel(const kred_kernel_info &info,
                                     const char *runEntry,
                                     const char *mergeEntry,
                                     int32_t blockThreads,
                                     int32_t rowsPerThread,
                                     int32_t sharedBytes,
                                     const kred_gpu_image *images,
                                     int32_t numImages) {
  return {info,          runEntry,    mergeEntry, blockThreads,
          rowsPerThread, sharedBytes, numImages,  images};
}

} // namespace

#endif // KRED_TEST_UNIT_TESTUTIL_H
