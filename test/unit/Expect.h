//===- Expect.h - the EXPECT check of the unit tests -------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The unit test programs (RuntimeTest, CompilerTest, GpuRuntimeTest) count
// failed checks in `failures` and keep going; main() reports the count and
// exits non-zero when it is not 0. One header per test program (a single
// translation unit each).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TEST_UNIT_EXPECT_H
#define KRED_TEST_UNIT_EXPECT_H

#include <cstdio>

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

#endif // KRED_TEST_UNIT_EXPECT_H
