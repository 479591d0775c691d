//===- kred_ranges.cpp - block-sparse launches (KeOps' ranges=) -----------===//
//
// Part of the kernelred project.
//
// kred_cpu_launch_ranges: a reduction restricted to blocks of output rows,
// each reduced over its own list of intervals of the reduced index (see
// kred_runtime.h). Built on the kernel ABI's partial accumulators: a block
// with several intervals runs NAME_run once per interval into a state
// buffer, folds them with NAME_merge in interval order and writes the output
// with NAME_finalize; a block with one interval finalizes in NAME_run; rows
// with nothing to reduce get the identity table of kred_runtime.h, written
// by the runtime as kred_cpu_launch does for N = 0 (not NAME_run on an empty
// range, whose finalized initial accumulator is 0/0 for SumSoftMaxWeight).
// Blocks are cut into pieces of whole row blocks (info.row_block) that the
// thread pool runs in parallel.
//
//===----------------------------------------------------------------------===//

#include "kred_runtime.h"

#include "RuntimeInternal.h"
#include "ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

using namespace kred::detail;

namespace {

using Piece = RangePiece;

} // namespace

/// Checks the counts, element counts and NULL pointers of the three range
/// arrays (not their contents). Returns KRED_OK or a status with the
/// message set.
int kred::detail::checkRangeCounts(const kred_kernel_info &info,
                                   int64_t numBlocks, const int64_t *blocks,
                                   const int64_t *slices, int64_t numRed,
                                   const int64_t *redRanges,
                                   const int64_t *rangeSizes) {
  const char *name = kernelName(info);
  const char *rowVar = info.axis == 1 ? "i" : "j";
  const char *redVar = info.axis == 1 ? "j" : "i";
  if (numBlocks < 0 || numRed < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': negative number of ranges (%lld blocks, %lld "
                "reduction ranges)",
                name, static_cast<long long>(numBlocks),
                static_cast<long long>(numRed));
  if (numBlocks > INT64_MAX / 2 || numRed > INT64_MAX / 2)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': too many ranges (%lld blocks, %lld reduction "
                "ranges)",
                name, static_cast<long long>(numBlocks),
                static_cast<long long>(numRed));
  if (rangeSizes) {
    // Sized launch: each array must hold what the counts say it holds.
    struct {
      const char *what, *var, *index;
      int64_t needed, given, count, per;
      const char *unit;
    } arrays[] = {
        {"the block ranges", "ranges", rowVar, 2 * numBlocks, rangeSizes[0],
         numBlocks, 2, "block"},
        {"the slices", "slices", rowVar, numBlocks, rangeSizes[1], numBlocks, 1,
         "block"},
        {"the reduction ranges", "redranges", redVar, 2 * numRed,
         rangeSizes[2], numRed, 2, "range"},
    };
    for (auto &a : arrays) {
      const char *v = a.index;
      if (a.given < 0)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': %s (%s_%s): negative element count %lld",
                    name, a.what, a.var, v, static_cast<long long>(a.given));
      if (a.given < a.needed)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': %s (%s_%s) are too short: %lld int64 "
                    "element%s expected (%lld %s%s of %lld), %lld given",
                    name, a.what, a.var, v, static_cast<long long>(a.needed),
                    a.needed == 1 ? "" : "s", static_cast<long long>(a.count),
                    a.unit, a.count == 1 ? "" : "s",
                    static_cast<long long>(a.per),
                    static_cast<long long>(a.given));
    }
  }
  if (numBlocks > 0 && (!blocks || !slices))
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': the block ranges or slices are NULL", name);
  if (numRed > 0 && !redRanges)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': the reduction ranges are NULL", name);
  return KRED_OK;
}

namespace {

/// Checks the three range arrays; `rows`/`reduced` are the output and
/// reduced sizes. Returns KRED_OK or a status with the message set.
int checkRanges(const kred_kernel_info &info, int64_t rows, int64_t reduced,
                int64_t numBlocks, const int64_t *blocks, const int64_t *slices,
                int64_t numRed, const int64_t *redRanges,
                const int64_t *rangeSizes) {
  if (int status = kred::detail::checkRangeCounts(
          info, numBlocks, blocks, slices, numRed, redRanges, rangeSizes))
    return status;
  const char *name = kernelName(info);
  const char *rowVar = info.axis == 1 ? "i" : "j";
  const char *redVar = info.axis == 1 ? "j" : "i";
  // Interval #index [s, e) of `ranges` (what: "block 2 of output rows")
  // within [0, limit].
  auto checkInterval = [&](const char *what, int64_t index,
                           const char *where, const char *ranges,
                           const char *var, const int64_t *bounds,
                           int64_t limit) -> int {
    int64_t s = bounds[2 * index], e = bounds[2 * index + 1];
    if (s >= 0 && e >= s && e <= limit)
      return KRED_OK;
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': %s %lld%s (%s_%s) is [%lld, %lld), not a range "
                "within [0, %lld]",
                name, what, static_cast<long long>(index), where, ranges, var,
                static_cast<long long>(s), static_cast<long long>(e),
                static_cast<long long>(limit));
  };
  for (int64_t b = 0; b < numBlocks; ++b) {
    if (int status = checkInterval("block", b, " of output rows", "ranges",
                                   rowVar, blocks, rows))
      return status;
    int64_t prev = b == 0 ? 0 : slices[b - 1];
    if (slices[b] < prev || slices[b] > numRed)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': slices_%s[%lld] = %lld, but slices must be "
                  "non-decreasing, from %lld to at most %lld (the number of "
                  "reduction ranges)",
                  name, rowVar, static_cast<long long>(b),
                  static_cast<long long>(slices[b]),
                  static_cast<long long>(prev), static_cast<long long>(numRed));
  }
  for (int64_t l = 0; l < numRed; ++l)
    if (int status = checkInterval("reduction range", l, "", "redranges",
                                   redVar, redRanges, reduced))
      return status;
  return KRED_OK;
}

/// `sizes` and `rangeSizes` (blocks, slices, red_ranges elements) are NULL
/// for the unchecked kred_cpu_launch_ranges.
int launchRanges(const kred_kernel *kernel, const void *const *args, int64_t M,
                 int64_t N, void *out, int64_t *outIdx, const BufferSizes *sizes,
                 int64_t numBlocks, const int64_t *blocks,
                 const int64_t *slices, int64_t numRed,
                 const int64_t *redRanges, const int64_t *rangeSizes,
                 const kred_launch_options *options) {
  int threads = 1;
  if (int status = checkCpuLaunch("kred_cpu_launch_ranges", kernel, M, N,
                                  options, &threads))
    return status;
  const kred_kernel_info &info = kernel->info;
  int64_t rows = info.axis == 1 ? M : N;
  int64_t reduced = info.axis == 1 ? N : M;
  if (int status = checkArrays(info, args, M, N, out, outIdx, rows, sizes))
    return status;
  int64_t pairs = 0;
  std::vector<Piece> whole; // blocks and gaps, before cutting
  if (int status = kred::detail::planRanges(
          info, rows, reduced, numBlocks, blocks, slices, numRed, redRanges,
          rangeSizes, whole, &pairs))
    return status;
  if (rows == 0)
    return KRED_OK;
  int64_t rb = info.row_block;

  if (threads > 1 && pairs < kSerialPairs)
    threads = 1;
  // Pieces of at most `maxRows` rows (whole row blocks), so that a few large
  // blocks still keep every thread busy.
  int64_t maxRows = rows;
  if (threads > 1) {
    int64_t want = static_cast<int64_t>(threads) * kTasksPerThread;
    maxRows = std::max<int64_t>(rb, ceilDiv(ceilDiv(rows, want), rb) * rb);
  }
  std::vector<Piece> pieces;
  int64_t stateRows = 0; // rows of the largest piece that needs state
  for (const Piece &w : whole) {
    for (int64_t r0 = w.r0; r0 < w.r1; r0 += maxRows) {
      Piece p{r0, std::min(w.r1, r0 + maxRows), w.first, w.last};
      if (p.last - p.first > 1)
        stateRows = std::max(stateRows, p.r1 - p.r0);
      pieces.push_back(p);
    }
  }

  size_t valueBytes = 0, indexBytes = 0;
  if (int status = stateBytes(info, stateRows, 1, &valueBytes, &indexBytes))
    return status;

  kred_run_fn run = kernel->run;
  kred_merge_fn merge = kernel->merge;
  kred_finalize_fn finalize = kernel->finalize;
  // Per-task scratch: an accumulator and one for the next interval.
  std::atomic<bool> outOfMemory{false};
  auto task = [&](int64_t t) {
    const Piece &p = pieces[t];
    // Skip the intervals with nothing in them.
    int64_t first = p.first, last = p.last;
    while (first < last && redRanges[2 * first] == redRanges[2 * first + 1])
      ++first;
    while (last > first &&
           redRanges[2 * (last - 1)] == redRanges[2 * (last - 1) + 1])
      --last;
    if (first == last) {
      // Nothing to reduce: the identity, as kred_cpu_launch gives for N = 0.
      writeIdentity(info, p.r0, p.r1, out, outIdx);
      return;
    }
    if (last - first == 1) {
      run(args, M, N, p.r0, p.r1, redRanges[2 * first],
          redRanges[2 * first + 1], out, outIdx, nullptr, nullptr);
      return;
    }
    Scratch accValues = allocateScratch(valueBytes),
            nextValues = allocateScratch(valueBytes);
    Scratch accIndices = allocateScratch(indexBytes),
            nextIndices = allocateScratch(indexBytes);
    if ((valueBytes && (!accValues || !nextValues)) ||
        (indexBytes && (!accIndices || !nextIndices))) {
      outOfMemory = true;
      return;
    }
    auto *av = accValues.get(), *nv = nextValues.get();
    auto *ai = static_cast<int64_t *>(accIndices.get());
    auto *ni = static_cast<int64_t *>(nextIndices.get());
    // NAME_run stores its accumulators when state_values is not NULL: give
    // it a valid address even for a kernel without state values.
    alignas(64) char dummy[64];
    if (!av)
      av = nv = dummy;
    run(args, M, N, p.r0, p.r1, redRanges[2 * first], redRanges[2 * first + 1],
        out, outIdx, av, ai);
    for (int64_t l = first + 1; l < last; ++l) {
      int64_t k0 = redRanges[2 * l], k1 = redRanges[2 * l + 1];
      if (k0 == k1)
        continue;
      run(args, M, N, p.r0, p.r1, k0, k1, out, outIdx, nv, ni);
      merge(av, ai, nv, ni, p.r1 - p.r0);
    }
    finalize(av, ai, p.r1 - p.r0, p.r0, out, outIdx);
  };
  ThreadPool::get().parallelFor(static_cast<int64_t>(pieces.size()), threads,
                                task);
  if (outOfMemory)
    return fail(KRED_ERR_OUT_OF_MEMORY,
                "kernel '%s': cannot allocate partial accumulators",
                kernelName(info));
  return KRED_OK;
}

} // namespace


namespace kred::detail {

int planRanges(const kred_kernel_info &info, int64_t rows, int64_t reduced,
               int64_t numBlocks, const int64_t *blocks, const int64_t *slices,
               int64_t numRed, const int64_t *redRanges,
               const int64_t *rangeSizes, std::vector<RangePiece> &whole,
               int64_t *pairsOut) {
  if (int status = checkRanges(info, rows, reduced, numBlocks, blocks, slices,
                               numRed, redRanges, rangeSizes))
    return status;
  // Blocks by first row: they must not overlap (each output row is written
  // by one task); the rows between them have nothing to reduce.
  std::vector<int64_t> order(static_cast<size_t>(numBlocks));
  for (int64_t b = 0; b < numBlocks; ++b)
    order[b] = b;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return blocks[2 * a] < blocks[2 * b];
  });
  int64_t pairs = 0;
  whole.clear();
  int64_t next = 0; // first row not yet covered
  int64_t prevBlock = -1;
  for (int64_t b : order) {
    int64_t s = blocks[2 * b], e = blocks[2 * b + 1];
    if (s == e)
      continue;
    if (s < next)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': blocks %lld [%lld, %lld) and %lld [%lld, "
                  "%lld) of output rows (ranges_%s) overlap",
                  kernelName(info), static_cast<long long>(prevBlock),
                  static_cast<long long>(blocks[2 * prevBlock]),
                  static_cast<long long>(blocks[2 * prevBlock + 1]),
                  static_cast<long long>(b), static_cast<long long>(s),
                  static_cast<long long>(e), info.axis == 1 ? "i" : "j");
    if (s > next)
      whole.push_back({next, s, 0, 0});
    int64_t first = b == 0 ? 0 : slices[b - 1], last = slices[b];
    int64_t count = 0;
    for (int64_t l = first; l < last; ++l)
      count += redRanges[2 * l + 1] - redRanges[2 * l];
    int64_t p = checkedMul(e - s, count);
    pairs = (p < 0 || pairs > INT64_MAX - p) ? INT64_MAX : pairs + p;
    whole.push_back({s, e, count > 0 ? first : 0, count > 0 ? last : 0});
    next = e;
    prevBlock = b;
  }
  if (next < rows)
    whole.push_back({next, rows, 0, 0});
  *pairsOut = pairs;
  return KRED_OK;
}

} // namespace kred::detail

extern "C" {

int kred_cpu_launch_ranges_sized(
    const kred_kernel *kernel, const void *const *args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *out,
    int64_t out_elements, int64_t *out_idx, int64_t out_idx_elements,
    int64_t num_blocks, const int64_t *blocks, int64_t blocks_elements,
    const int64_t *slices, int64_t slices_elements, int64_t num_red,
    const int64_t *red_ranges, int64_t red_ranges_elements,
    const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch_ranges_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    const int64_t rangeSizes[3] = {blocks_elements, slices_elements,
                                   red_ranges_elements};
    return launchRanges(kernel, args, M, N, out, out_idx, &sizes, num_blocks,
                        blocks, slices, num_red, red_ranges, rangeSizes,
                        options);
  });
}

int kred_cpu_launch_ranges(const kred_kernel *kernel, const void *const *args,
                           int64_t M, int64_t N, void *out, int64_t *out_idx,
                           int64_t num_blocks, const int64_t *blocks,
                           const int64_t *slices, int64_t num_red,
                           const int64_t *red_ranges,
                           const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch_ranges", kernel, [&] {
    return launchRanges(kernel, args, M, N, out, out_idx, nullptr, num_blocks,
                        blocks, slices, num_red, red_ranges, nullptr, options);
  });
}

} // extern "C"
