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

#include <vector>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace kred::detail {

/// Row x reduced pairs below which a CPU launch runs on the calling thread.
constexpr int64_t kSerialPairs = 1 << 14;
/// CPU tasks per thread (load balance vs. scheduling overhead).
constexpr int64_t kTasksPerThread = 4;

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// 64-byte aligned scratch memory (NULL for 0 bytes or when out of memory).
struct AlignedFree {
  void operator()(void *p) const { std::free(p); }
};
using Scratch = std::unique_ptr<void, AlignedFree>;

inline Scratch allocateScratch(size_t bytes) {
  if (bytes == 0)
    return Scratch(nullptr);
  return Scratch(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
}

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

/// The element counts of a sized launch's buffers (kred_*_launch_sized).
struct BufferSizes {
  const int64_t *args; ///< [num_args], NULL when the kernel takes none
  int64_t out;         ///< elements at out (dtype)
  int64_t outIdx;      ///< int64 elements at out_idx
};

/// Checks the arrays of a launch: a used argument or an output with elements
/// must be non-NULL, aligned to its element size and, when `sizes` is not
/// NULL (a sized launch), hold at least the elements the launch needs.
int checkArrays(const kred_kernel_info &info, const void *const *args,
                int64_t M, int64_t N, void *out, int64_t *outIdx, int64_t rows,
                const BufferSizes *sizes);

/// The arguments' half of checkArrays (sizes->args only).
int checkArgs(const kred_kernel_info &info, const void *const *args, int64_t M,
              int64_t N, const BufferSizes *sizes);

/// The outputs' half of checkArrays (sizes->out and sizes->outIdx only), for
/// `rows` output rows.
int checkOutputs(const kred_kernel_info &info, void *out, int64_t *outIdx,
                 int64_t rows, const BufferSizes *sizes);

/// The batch of a launch (kred_*_launch_batched_sized): `count` reductions of
/// the same sizes, argument p of batch element z at offsets[z * num_args + p]
/// elements from its pointer (offsets NULL: the unbatched launch, count 1),
/// the outputs of element z after those of z - 1.
struct Batch {
  int64_t count = 1;
  const int64_t *offsets = nullptr;
};

/// Checks a batch against the element counts of a sized launch: a count of
/// at least 1; for every batch element, the offsets of the used arguments
/// not negative and each argument inside its array (the messages name the
/// argument and the batch element); outputs of count x rows rows. Then
/// points `sizes` at the sizes that checkArrays must see for batch element
/// 0 so that every element fits (`adjusted`, with its argument counts in
/// `argsLeft`). Nothing to check (KRED_OK, `sizes` unchanged) for an
/// unbatched launch; a batch with no offsets or no sizes is an error.
int checkBatch(const kred_kernel_info &info, int64_t M, int64_t N,
               const Batch &batch, const BufferSizes *&sizes,
               BufferSizes &adjusted, std::vector<int64_t> &argsLeft);

/// The caller's accumulators of kred_*_launch_states_sized and
/// kred_*_merge_states_sized: [parts][rows][state_values] of the
/// accumulation dtype and [parts][rows][state_indices] int64, and the
/// elements the caller owns at each.
struct StateArrays {
  void *values;
  int64_t valuesCount;
  int64_t *indices;
  int64_t indicesCount;
};

/// Checks the state arrays for `parts` x `rows` accumulators: the kernel
/// has state values, counts not negative and not short, non-NULL and
/// aligned pointers where elements are needed. `merge` words the messages
/// for kred_*_merge_states_sized (parts x rows) rather than a states launch
/// (rows).
int checkStates(const kred_kernel_info &info, int64_t rows, int64_t parts,
                bool merge, const StateArrays &states);

/// Writes the output of a reduction over an empty set (the identity table
/// of kred_runtime.h) to output rows [r0, r1).
void writeIdentity(const kred_kernel_info &info, int64_t r0, int64_t r1,
                   void *out, int64_t *outIdx);

/// Inside a catch block: records the exception being handled as the last
/// error of launch function `who` (naming the kernel when `info` is not
/// NULL) and returns KRED_ERR_OUT_OF_MEMORY for std::bad_alloc, else
/// KRED_ERR_INTERNAL.
int failFromCurrentException(const char *who, const kred_kernel_info *info);

/// The body of C API function `who`: clears the last error, runs `launch`
/// (which returns a kred_status) and turns an exception it throws into a
/// status (failFromCurrentException, naming `kernel`'s kernel if any).
template <typename Kernel, typename Launch>
int guardedLaunch(const char *who, const Kernel *kernel, Launch &&launch) {
  clearError();
  try {
    return launch();
  } catch (...) {
    return failFromCurrentException(who, kernel ? &kernel->info : nullptr);
  }
}

/// The bytes of `copies` x `rows` rows of a kernel's partial accumulators
/// (state values, state indices), in `valueBytes` and `indexBytes`; a
/// status with the message set when they overflow.
int stateBytes(const kred_kernel_info &info, int64_t rows, int64_t copies,
               size_t *valueBytes, size_t *indexBytes);

/// Checks what every CPU launch checks first: the kernel (non-NULL, a valid
/// description, its three functions; `who` names the entry point when it is
/// NULL), M and N, and the thread count of `options` (may be NULL), which
/// gives `threads` (the runtime's default when 0).
int checkCpuLaunch(const char *who, const kred_kernel *kernel, int64_t M,
                   int64_t N, const kred_launch_options *options,
                   int *threads);

/// A ranges= launch's rows [r0, r1) reduced over the intervals [first,
/// last) of red_ranges (first == last: nothing to reduce, the identity).
struct RangePiece {
  int64_t r0, r1, first, last;
};

/// Checks the counts of a ranges= launch, the element counts of its three
/// arrays (rangeSizes: blocks, slices, red_ranges; NULL unchecked) and
/// their NULL pointers, not reading them.
int checkRangeCounts(const kred_kernel_info &info, int64_t numBlocks,
                     const int64_t *blocks, const int64_t *slices,
                     int64_t numRed, const int64_t *redRanges,
                     const int64_t *rangeSizes);

/// Checks a ranges= launch's three arrays (host copies; `rangeSizes`: the
/// element counts of blocks, slices and red_ranges, or NULL unchecked) for
/// `rows` output rows and `reduced` reduced indices, and cuts [0, rows)
/// into blocks and the gaps between them (by first row; the blocks must
/// not overlap), in `pieces`; `pairs` gets the number of (row, index)
/// pairs to reduce (INT64_MAX on overflow). Returns KRED_OK or a status
/// with the message set. Shared by the CPU and GPU ranges launches.
int planRanges(const kred_kernel_info &info, int64_t rows, int64_t reduced,
               int64_t numBlocks, const int64_t *blocks, const int64_t *slices,
               int64_t numRed, const int64_t *redRanges,
               const int64_t *rangeSizes, std::vector<RangePiece> &pieces,
               int64_t *pairs);

} // namespace kred::detail

#endif // KRED_RUNTIME_INTERNAL_H
