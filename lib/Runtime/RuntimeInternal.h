//===- RuntimeInternal.h - shared helpers of the CPU and GPU runtimes -----===//
//
// Part of the kernelred project.
//
// What kred_runtime.cpp (CPU launches) and kred_cuda.cpp (GPU launches)
// share: the calling thread's last error and the checks of a kernel's
// description and of the arrays of a launch. Not installed.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_RUNTIME_INTERNAL_H
#define KRED_RUNTIME_INTERNAL_H

#include "kred_runtime.h"

#include <cstdint>

namespace kred::detail {

/// Records a printf-style message as the calling thread's last error and
/// returns `status`.
[[gnu::format(printf, 2, 3)]] int fail(int status, const char *fmt, ...);

/// Clears the calling thread's last error.
void clearError();

/// a * b, or -1 on overflow (a, b >= 0).
int64_t checkedMul(int64_t a, int64_t b);

/// The kernel's name for messages.
const char *kernelName(const kred_kernel_info &info);

/// Checks the fields of a kernel description (ABI version, dtypes, axis,
/// reduction kind, argument table, sizes).
int checkInfo(const kred_kernel_info &info);

/// Checks the arrays of a launch: a used argument or an output with elements
/// must be non-NULL and aligned to its element size.
int checkArrays(const kred_kernel_info &info, const void *const *args,
                int64_t M, int64_t N, void *out, int64_t *outIdx, int64_t rows);

} // namespace kred::detail

#endif // KRED_RUNTIME_INTERNAL_H
