//===- kred_runtime.cpp - the kernelred CPU runtime -----------------------===//
//
// Part of the kernelred project.
//
// Runs compiled kernels (the ABI of kred_runtime.h) on caller-owned arrays:
// checks the arguments, splits the output rows over a persistent thread
// pool, and, when the rows are too few to keep every thread busy, splits the
// reduced index into chunks whose partial accumulators are merged in order.
//
// No MLIR, no LLVM: libc and libstdc++ only.
//
//===----------------------------------------------------------------------===//

#include "kred_runtime.h"

#include "RuntimeInternal.h"
#include "ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

using kred::detail::ThreadPool;

//===----------------------------------------------------------------------===//
// Errors (shared with kred_cuda.cpp through RuntimeInternal.h)
//===----------------------------------------------------------------------===//

namespace {
thread_local std::string lastError;
} // namespace

int kred::detail::fail(int status, const char *fmt, ...) {
  char buffer[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, ap);
  va_end(ap);
  lastError = buffer;
  return status;
}

void kred::detail::clearError() { lastError.clear(); }

using namespace kred::detail;

namespace {

//===----------------------------------------------------------------------===//
// Reduction identities (kinds numbered as ReductionKind in
// dialect/KredAttrs.td)
//===----------------------------------------------------------------------===//

enum ReductionKindNumber : int32_t {
  Sum = 0,
  LogSumExp = 1,
  MaxSumShiftExp = 2,
  MaxSumShiftExpWeight = 3,
  SumSoftMaxWeight = 4,
  Min = 5,
  Max = 6,
  ArgMin = 7,
  ArgMax = 8,
  MinArgMin = 9,
  MaxArgMax = 10,
  KMin = 11,
  ArgKMin = 12,
  KMinArgKMin = 13,
};

/// The value written at column `col` of a row of an empty reduction (see
/// kred_cpu_launch_sized in kred_runtime.h for the table).
double identityValue(int32_t kind, int64_t col) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (kind) {
  case SumSoftMaxWeight:
    // Sum exp(F) G / Sum exp(F) over nothing: 0/0, as KeOps and kred's
    // Python layer give.
    return std::numeric_limits<double>::quiet_NaN();
  case LogSumExp:
    return -inf;
  case MaxSumShiftExp:
  case MaxSumShiftExpWeight:
    return col == 0 ? -inf : 0.0;
  case Min:
  case MinArgMin:
  case KMin:
  case KMinArgKMin:
    return inf;
  case Max:
  case MaxArgMax:
    return -inf;
  default: // Sum
    return 0.0;
  }
}

uint16_t toHalf(double v) {
  if (std::isnan(v))
    return 0x7e00;
  if (std::isinf(v))
    return v > 0 ? 0x7c00 : 0xfc00;
  return 0; // only 0, +-inf and NaN are ever written
}

uint16_t toBFloat16(double v) {
  if (std::isnan(v))
    return 0x7fc0;
  if (std::isinf(v))
    return v > 0 ? 0x7f80 : 0xff80;
  return 0;
}

void storeValue(void *out, int32_t dtype, int64_t at, double v) {
  switch (dtype) {
  case KRED_F32:
    static_cast<float *>(out)[at] = static_cast<float>(v);
    break;
  case KRED_F64:
    static_cast<double *>(out)[at] = v;
    break;
  case KRED_F16:
    static_cast<uint16_t *>(out)[at] = toHalf(v);
    break;
  case KRED_BF16:
    static_cast<uint16_t *>(out)[at] = toBFloat16(v);
    break;
  }
}

} // namespace

void kred::detail::writeIdentity(const kred_kernel_info &info, int64_t r0,
                                 int64_t r1, void *out, int64_t *outIdx) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c = 0; c < info.out_value_dim; ++c)
      storeValue(out, info.dtype, r * info.out_value_dim + c,
                 identityValue(info.reduction, c));
    for (int64_t c = 0; c < info.out_index_dim; ++c)
      outIdx[r * info.out_index_dim + c] = -1;
  }
}

namespace {

//===----------------------------------------------------------------------===//
// Argument checks
//===----------------------------------------------------------------------===//

bool validDtype(int32_t dtype) {
  return dtype >= KRED_F32 && dtype <= KRED_BF16;
}

bool misaligned(const void *p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment != 0;
}

/// KeOps' name of a variable category (Vi, Vj, Pm).
const char *categoryName(int32_t cat) {
  return cat == KRED_CAT_I ? "Vi" : cat == KRED_CAT_J ? "Vj" : "Pm";
}

//===----------------------------------------------------------------------===//
// Work decomposition
//===----------------------------------------------------------------------===//

/// Reduced indices below which a launch is not worth splitting.
constexpr int64_t kMinChunk = 256;
/// How one launch is cut into tasks (makePlan): the row tasks of every batch
/// element, times the chunks of the reduced index.
struct Plan {
  int threads;
  /// Rows per task (a multiple of row_block, or all rows), and row tasks of
  /// each batch element.
  int64_t rowBlock, numRowBlocks;
  /// Chunks of the reduced index (1: no split) and indices per chunk.
  int64_t numChunks, chunk;
};

/// The plan of `batch` reductions of `rows` output rows over `reduced`
/// indices each. The threads, the split and the task sizes count the rows of
/// every batch element (their tasks run together), so a batch of small
/// reductions keeps every thread busy.
Plan makePlan(const kred_kernel_info &info, int64_t rows, int64_t reduced,
              int64_t batch, int threads, int32_t split) {
  int64_t rb = info.row_block;
  int64_t rowGroups = ceilDiv(rows, rb);
  // Row groups and pairs of the whole batch (-1: overflow, i.e. plenty).
  int64_t allGroups = checkedMul(rowGroups, batch);
  int64_t pairs = checkedMul(checkedMul(rows, reduced), batch);
  if (split != 1 && (threads <= 1 || (pairs >= 0 && pairs < kSerialPairs)))
    threads = 1;

  // Split the reduced index when the row groups cannot keep every thread
  // busy (or when asked to).
  int64_t wantTasks = static_cast<int64_t>(threads) * kTasksPerThread;
  int64_t numChunks = 1;
  if (split == 1 && reduced >= 2) {
    numChunks = std::min<int64_t>(reduced, std::max<int64_t>(3, wantTasks));
  } else if (split == -1 && threads > 1 && allGroups >= 0 &&
             allGroups < 2 * threads) {
    int64_t chunks = ceilDiv(wantTasks, allGroups);
    chunks = std::min(chunks, reduced / kMinChunk);
    numChunks = std::max<int64_t>(chunks, 1);
  }
  int64_t chunk = numChunks > 1 ? ceilDiv(reduced, numChunks) : reduced;
  if (numChunks > 1)
    numChunks = ceilDiv(reduced, chunk);

  // Row tasks of each batch element: enough tasks over the whole batch for
  // load balance, in whole row groups.
  int64_t otherTasks = checkedMul(numChunks, batch);
  int64_t rowTasks =
      otherTasks < 0 ? 1 : std::max<int64_t>(1, ceilDiv(wantTasks, otherTasks));
  if (threads == 1)
    rowTasks = 1;
  int64_t groupsPerTask = std::max<int64_t>(1, ceilDiv(rowGroups, rowTasks));
  int64_t rowBlock = groupsPerTask * rb;
  return {threads, rowBlock, std::max<int64_t>(1, ceilDiv(rows, rowBlock)),
          numChunks, chunk};
}

int defaultThreads() {
  static int hardware = [] {
    if (const char *env = std::getenv("KRED_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0)
        return n;
    }
    return ThreadPool::hardwareThreads();
  }();
  return hardware;
}

std::atomic<int> configuredThreads{0};

int currentThreads() {
  int n = configuredThreads.load(std::memory_order_relaxed);
  return n > 0 ? n : defaultThreads();
}

/// The launch of kred_cpu_launch(_sized) and kred_cpu_launch_batched_sized
/// (an unbatched launch is the batch of one with no offsets), or with
/// `states` (no batch) that of kred_cpu_launch_states_sized: the rows'
/// accumulators are left in the caller's state arrays (the split's chunk 0
/// is there), not finalized.
int launch(const char *who, const kred_kernel *kernel, const void *const *args,
           int64_t M, int64_t N, void *out, int64_t *outIdx,
           const BufferSizes *sizes, const kred_launch_options *options,
           Batch batch = {}, const StateArrays *states = nullptr) {
  int threads = 1;
  if (int status = checkCpuLaunch(who, kernel, M, N, options, &threads))
    return status;
  const kred_kernel_info &info = kernel->info;
  int32_t split = options ? options->split : -1;
  if (split < -1 || split > 1)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': split must be -1, 0 or 1 (got %d)",
                kernelName(info), split);
  // A batch: every element checked (the sizes become those of element 0).
  BufferSizes adjusted{};
  std::vector<int64_t> argsLeft;
  if (int status = checkBatch(info, M, N, batch, sizes, adjusted, argsLeft))
    return status;
  int64_t rows = info.axis == 1 ? M : N;
  int64_t reduced = info.axis == 1 ? N : M;
  if (states) {
    if (int status = checkArgs(info, args, M, N, sizes))
      return status;
    if (int status = checkStates(info, rows, 1, false, *states))
      return status;
  } else if (int status =
                 checkArrays(info, args, M, N, out, outIdx, rows, sizes)) {
    return status;
  }
  // The output rows of all batch elements, one element after the other.
  int64_t batchRows = checkedMul(batch.count, rows);
  if (batchRows < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': a batch of %lld x %lld rows is too large",
                kernelName(info), static_cast<long long>(batch.count),
                static_cast<long long>(rows));
  if (rows == 0)
    return KRED_OK;
  // Nothing to reduce: the identity output, or (states) the identity
  // accumulators that NAME_run writes for an empty range.
  if (reduced == 0 && !states) {
    writeIdentity(info, 0, batchRows, out, outIdx);
    return KRED_OK;
  }

  // Batch element z: its arguments (at their offsets) and outputs.
  int32_t P = info.num_args;
  size_t eltSize = kred_dtype_size(info.dtype);
  std::vector<const void *> elementArgs;
  if (batch.offsets) {
    elementArgs.resize(static_cast<size_t>(batch.count) * P);
    for (int64_t z = 0; z < batch.count; ++z)
      for (int32_t p = 0; p < P; ++p)
        elementArgs[z * P + p] =
            info.arg_category[p] == KRED_CAT_UNUSED
                ? args[p]
                : reinterpret_cast<const void *>(
                      reinterpret_cast<uintptr_t>(args[p]) +
                      static_cast<uintptr_t>(batch.offsets[z * P + p]) *
                          eltSize);
  }
  auto argsOf = [&](int64_t z) -> const void *const * {
    return batch.offsets ? elementArgs.data() + z * P : args;
  };
  auto outOf = [&](int64_t z) -> void * {
    if (!out)
      return nullptr;
    return static_cast<char *>(out) + z * rows * info.out_value_dim * eltSize;
  };
  auto outIdxOf = [&](int64_t z) -> int64_t * {
    return outIdx ? outIdx + z * rows * info.out_index_dim : nullptr;
  };

  Plan plan = makePlan(info, rows, reduced, batch.count, threads, split);
  // Row task t of the launch: rows [r0, r1) of batch element z, whose
  // accumulators are rows g = z * rows + r0, ... of the state arrays.
  struct RowTask {
    int64_t z, r0, r1, g;
  };
  auto rowTask = [&](int64_t t) {
    int64_t z = t / plan.numRowBlocks;
    int64_t r0 = t % plan.numRowBlocks * plan.rowBlock;
    return RowTask{z, r0, std::min(rows, r0 + plan.rowBlock), z * rows + r0};
  };
  int64_t rowTasks = batch.count * plan.numRowBlocks;
  kred_run_fn run = kernel->run;
  size_t accSize = kred_dtype_size(info.acc_dtype);
  // The caller's accumulators from row g (states launches).
  auto callerValues = [&](int64_t g) -> char * {
    return static_cast<char *>(states->values) +
           g * info.state_values * accSize;
  };
  auto callerIndices = [&](int64_t g) -> int64_t * {
    if (info.state_indices == 0)
      return nullptr;
    return states->indices + g * info.state_indices;
  };

  if (plan.numChunks == 1) {
    // One pass per row block, finalizing in the kernel (or writing the
    // caller's accumulators).
    auto task = [&](int64_t t) {
      RowTask r = rowTask(t);
      if (states)
        run(argsOf(r.z), M, N, r.r0, r.r1, 0, reduced, nullptr, nullptr,
            callerValues(r.g), callerIndices(r.g));
      else
        run(argsOf(r.z), M, N, r.r0, r.r1, 0, reduced, outOf(r.z),
            outIdxOf(r.z), nullptr, nullptr);
    };
    ThreadPool::get().parallelFor(rowTasks, plan.threads, task);
    return KRED_OK;
  }

  // Split: partial accumulators per chunk, merged in order, then finalized
  // (states: chunk 0 is the caller's arrays, left unfinalized).
  int64_t scratchChunks = states ? plan.numChunks - 1 : plan.numChunks;
  size_t valueBytes = 0, indexBytes = 0;
  if (int status =
          stateBytes(info, batchRows, scratchChunks, &valueBytes, &indexBytes))
    return status;
  // Per chunk (no overflow: the totals fit).
  int64_t valuesPerChunk = batchRows * info.state_values;
  int64_t indicesPerChunk = batchRows * info.state_indices;
  Scratch values = allocateScratch(valueBytes);
  Scratch indices = allocateScratch(indexBytes);
  if ((valueBytes > 0 && !values) || (indexBytes > 0 && !indices))
    return fail(KRED_ERR_OUT_OF_MEMORY,
                "kernel '%s': cannot allocate %lld bytes of partial "
                "accumulators",
                kernelName(info),
                static_cast<long long>(valueBytes + indexBytes));
  char *valueBase = static_cast<char *>(values.get());
  int64_t *indexBase = static_cast<int64_t *>(indices.get());
  int64_t firstScratch = states ? 1 : 0;
  auto stateValues = [&](int64_t chunk, int64_t g) -> char * {
    if (chunk < firstScratch)
      return callerValues(g);
    return valueBase +
           ((chunk - firstScratch) * valuesPerChunk + g * info.state_values) *
               accSize;
  };
  auto stateIndices = [&](int64_t chunk, int64_t g) -> int64_t * {
    if (chunk < firstScratch)
      return callerIndices(g);
    if (!indexBase)
      return nullptr;
    return indexBase + (chunk - firstScratch) * indicesPerChunk +
           g * info.state_indices;
  };

  auto partial = [&](int64_t t) {
    RowTask r = rowTask(t / plan.numChunks);
    int64_t chunk = t % plan.numChunks;
    int64_t k0 = chunk * plan.chunk;
    int64_t k1 = std::min(reduced, k0 + plan.chunk);
    run(argsOf(r.z), M, N, r.r0, r.r1, k0, k1, outOf(r.z), outIdxOf(r.z),
        stateValues(chunk, r.g), stateIndices(chunk, r.g));
  };
  ThreadPool::get().parallelFor(rowTasks * plan.numChunks, plan.threads,
                                partial);

  kred_merge_fn merge = kernel->merge;
  kred_finalize_fn finalize = kernel->finalize;
  auto combine = [&](int64_t t) {
    RowTask r = rowTask(t);
    int64_t n = r.r1 - r.r0;
    for (int64_t chunk = 1; chunk < plan.numChunks; ++chunk)
      merge(stateValues(0, r.g), stateIndices(0, r.g), stateValues(chunk, r.g),
            stateIndices(chunk, r.g), n);
    if (!states)
      finalize(stateValues(0, r.g), stateIndices(0, r.g), n, r.r0, outOf(r.z),
               outIdxOf(r.z));
  };
  ThreadPool::get().parallelFor(rowTasks, plan.threads, combine);
  return KRED_OK;
}

/// kred_cpu_merge_states_sized.
int mergeStates(const kred_kernel *kernel, const StateArrays &states,
                int64_t rows, int64_t parts, void *out, int64_t *outIdx,
                const BufferSizes &sizes, const kred_launch_options *options) {
  int threads = 1;
  if (int status = checkCpuLaunch("kred_cpu_merge_states_sized", kernel, 0, 0,
                                  options, &threads))
    return status;
  const kred_kernel_info &info = kernel->info;
  if (rows < 0 || parts < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': negative size (rows = %lld, parts = %lld)",
                kernelName(info), static_cast<long long>(rows),
                static_cast<long long>(parts));
  if (int status = checkOutputs(info, out, outIdx, rows, &sizes))
    return status;
  if (int status = checkStates(info, rows, parts, true, states))
    return status;
  if (rows == 0)
    return KRED_OK;
  if (parts == 0) {
    writeIdentity(info, 0, rows, out, outIdx);
    return KRED_OK;
  }

  // Tasks of whole row blocks; one thread for small merges.
  int64_t rb = info.row_block;
  int64_t rowGroups = ceilDiv(rows, rb);
  int64_t work = checkedMul(checkedMul(rows, parts), info.state_values);
  if (work >= 0 && work < kSerialPairs)
    threads = 1;
  int64_t tasks = std::min<int64_t>(rowGroups, static_cast<int64_t>(threads) *
                                                   kTasksPerThread);
  int64_t rowBlock = ceilDiv(rowGroups, tasks) * rb;
  size_t accSize = kred_dtype_size(info.acc_dtype);
  auto values = [&](int64_t part, int64_t r0) -> char * {
    return static_cast<char *>(states.values) +
           (part * rows + r0) * info.state_values * accSize;
  };
  auto indices = [&](int64_t part, int64_t r0) -> int64_t * {
    if (info.state_indices == 0)
      return nullptr;
    return states.indices + (part * rows + r0) * info.state_indices;
  };
  kred_merge_fn merge = kernel->merge;
  kred_finalize_fn finalize = kernel->finalize;
  auto combine = [&](int64_t t) {
    int64_t r0 = t * rowBlock;
    int64_t n = std::min(rows, r0 + rowBlock) - r0;
    for (int64_t part = 1; part < parts; ++part)
      merge(values(0, r0), indices(0, r0), values(part, r0), indices(part, r0),
            n);
    finalize(values(0, r0), indices(0, r0), n, r0, out, outIdx);
  };
  ThreadPool::get().parallelFor(ceilDiv(rows, rowBlock), threads, combine);
  return KRED_OK;
}

} // namespace

//===----------------------------------------------------------------------===//
// Checks (shared with kred_cuda.cpp)
//===----------------------------------------------------------------------===//

int kred::detail::stateBytes(const kred_kernel_info &info, int64_t rows,
                             int64_t copies, size_t *valueBytes,
                             size_t *indexBytes) {
  size_t accSize = kred_dtype_size(info.acc_dtype);
  int64_t values = checkedMul(checkedMul(rows, info.state_values), copies);
  int64_t indices = checkedMul(checkedMul(rows, info.state_indices), copies);
  if (values < 0 || indices < 0 ||
      checkedMul(values, static_cast<int64_t>(accSize)) < 0 ||
      checkedMul(indices, static_cast<int64_t>(sizeof(int64_t))) < 0)
    return fail(KRED_ERR_OUT_OF_MEMORY,
                "kernel '%s': partial accumulators too large",
                kernelName(info));
  *valueBytes = static_cast<size_t>(values) * accSize;
  *indexBytes = static_cast<size_t>(indices) * sizeof(int64_t);
  return KRED_OK;
}

int kred::detail::checkCpuLaunch(const char *who, const kred_kernel *kernel,
                                 int64_t M, int64_t N,
                                 const kred_launch_options *options,
                                 int *threads) {
  if (!kernel)
    return fail(KRED_ERR_INVALID_ARGUMENT, "%s: kernel is NULL", who);
  const kred_kernel_info &info = kernel->info;
  if (int status = checkInfo(info))
    return status;
  if (!kernel->run || !kernel->merge || !kernel->finalize)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': missing run/merge/finalize function",
                kernelName(info));
  if (M < 0 || N < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': negative size (M = %lld, N = %lld)",
                kernelName(info), static_cast<long long>(M),
                static_cast<long long>(N));
  *threads = currentThreads();
  if (options) {
    if (options->num_threads < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': negative thread count %d", kernelName(info),
                  options->num_threads);
    if (options->num_threads > 0)
      *threads = options->num_threads;
  }
  return KRED_OK;
}

/// a * b, or -1 on overflow (a, b >= 0).
int64_t kred::detail::checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return -1;
  return r;
}

const char *kred::detail::kernelName(const kred_kernel_info &info) {
  return info.name ? info.name : "<unnamed>";
}

int kred::detail::checkInfo(const kred_kernel_info &info) {
  const char *name = kernelName(info);
  if (info.abi_version != KRED_ABI_VERSION)
    return fail(KRED_ERR_UNSUPPORTED,
                "kernel '%s': ABI version %u, but this runtime implements "
                "version %d (recompile the kernel)",
                name, info.abi_version, KRED_ABI_VERSION);
  if (!validDtype(info.dtype) || !validDtype(info.acc_dtype))
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid dtype %d or accumulation dtype %d", name,
                info.dtype, info.acc_dtype);
  if (info.axis != 0 && info.axis != 1)
    return fail(KRED_ERR_INVALID_ARGUMENT, "kernel '%s': invalid axis %d", name,
                info.axis);
  if (info.reduction < Sum || info.reduction > KMinArgKMin)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': unknown reduction kind %d", name, info.reduction);
  if (info.num_args < 0 ||
      (info.num_args > 0 && (!info.arg_category || !info.arg_dim)))
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid argument table", name);
  if (info.out_value_dim < 0 || info.out_index_dim < 0 ||
      info.state_values < 0 || info.state_indices < 0 || info.row_block < 1)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': invalid sizes in the kernel info", name);
  for (int32_t p = 0; p < info.num_args; ++p) {
    int32_t cat = info.arg_category[p];
    if (cat < KRED_CAT_UNUSED || cat > KRED_CAT_P || info.arg_dim[p] < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': invalid category or dimension of argument %d",
                  name, p);
  }
  return KRED_OK;
}

/// "s" when n != 1 (messages).
static const char *plural(int64_t n) { return n == 1 ? "" : "s"; }

/// " (M = 5 rows of 3)": the rows of a Vi or Vj argument of `count` rows of
/// `dim`, "" for a parameter (messages).
static std::string rowsOf(int32_t cat, int64_t count, int64_t dim) {
  if (cat == KRED_CAT_P)
    return "";
  char text[96];
  std::snprintf(text, sizeof(text), " (%s = %lld rows of %lld)",
                cat == KRED_CAT_I ? "M" : "N", static_cast<long long>(count),
                static_cast<long long>(dim));
  return text;
}

int kred::detail::checkArrays(const kred_kernel_info &info,
                              const void *const *args, int64_t M, int64_t N,
                              void *out, int64_t *outIdx, int64_t rows,
                              const BufferSizes *sizes) {
  if (int status = checkArgs(info, args, M, N, sizes))
    return status;
  return checkOutputs(info, out, outIdx, rows, sizes);
}

int kred::detail::checkArgs(const kred_kernel_info &info,
                            const void *const *args, int64_t M, int64_t N,
                            const BufferSizes *sizes) {
  const char *name = kernelName(info);
  size_t eltSize = kred_dtype_size(info.dtype);
  if (info.num_args > 0 && !args)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': args is NULL but the kernel takes %d arguments",
                name, info.num_args);
  if (sizes && info.num_args > 0 && !sizes->args)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': arg_elements is NULL but the kernel takes %d "
                "arguments",
                name, info.num_args);
  for (int32_t p = 0; p < info.num_args; ++p) {
    int32_t cat = info.arg_category[p];
    if (cat == KRED_CAT_UNUSED)
      continue;
    int64_t count = cat == KRED_CAT_I ? M : cat == KRED_CAT_J ? N : 1;
    int64_t dim = info.arg_dim[p];
    int64_t elements = checkedMul(count, dim);
    if (elements < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': argument %d is too large", name, p);
    if (sizes) {
      int64_t given = sizes->args[p];
      if (given < 0)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': argument %d (%s, dim %lld): negative "
                    "element count %lld",
                    name, p, categoryName(cat), static_cast<long long>(dim),
                    static_cast<long long>(given));
      if (given < elements)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': argument %d (%s, dim %lld) is too short: "
                    "%lld element%s expected%s, %lld given",
                    name, p, categoryName(cat), static_cast<long long>(dim),
                    static_cast<long long>(elements), plural(elements),
                    rowsOf(cat, count, dim).c_str(),
                    static_cast<long long>(given));
    }
    if (elements == 0)
      continue;
    if (!args[p])
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': argument %d (%s, dim %lld) is NULL", name, p,
                  categoryName(cat), static_cast<long long>(dim));
    if (misaligned(args[p], eltSize))
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': argument %d (%s) is not aligned to its "
                  "element size (%zu bytes)",
                  name, p, categoryName(cat), eltSize);
  }
  return KRED_OK;
}

int kred::detail::checkBatch(const kred_kernel_info &info, int64_t M, int64_t N,
                             const Batch &batch, const BufferSizes *&sizes,
                             BufferSizes &adjusted,
                             std::vector<int64_t> &argsLeft) {
  const char *name = kernelName(info);
  if (batch.count < 1)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': batch count must be at least 1 (got %lld)", name,
                static_cast<long long>(batch.count));
  if (batch.count == 1 && !batch.offsets)
    return KRED_OK;
  if (!batch.offsets || !sizes)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': batch of %lld elements with no offsets or "
                "sizes",
                name, static_cast<long long>(batch.count));
  if (info.num_args > 0 && !sizes->args)
    return fail(KRED_ERR_INVALID_ARGUMENT,
                "kernel '%s': arg_elements is NULL but the kernel takes %d "
                "arguments",
                name, info.num_args);
  int64_t P = info.num_args;
  argsLeft.assign(static_cast<size_t>(P), 0);
  for (int64_t p = 0; p < P; ++p) {
    int32_t cat = info.arg_category[p];
    if (cat == KRED_CAT_UNUSED)
      continue;
    int64_t given = sizes->args[p];
    int64_t count = cat == KRED_CAT_I ? M : cat == KRED_CAT_J ? N : 1;
    int64_t dim = info.arg_dim[p];
    int64_t needed = checkedMul(count, dim);
    int64_t most = 0;
    for (int64_t z = 0; z < batch.count; ++z) {
      int64_t o = batch.offsets[z * P + p];
      if (o < 0)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': batch element %lld: argument %lld has a "
                    "negative offset (%lld)",
                    name, static_cast<long long>(z), static_cast<long long>(p),
                    static_cast<long long>(o));
      // A negative count or a size that overflows: checkArgs says so.
      if (given >= 0 && needed >= 0 && o > given - needed)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': batch element %lld: argument %lld (%s, dim "
                    "%lld) at offset %lld needs %lld element%s%s, past the "
                    "%lld given",
                    name, static_cast<long long>(z), static_cast<long long>(p),
                    categoryName(cat), static_cast<long long>(dim),
                    static_cast<long long>(o), static_cast<long long>(needed),
                    plural(needed), rowsOf(cat, count, dim).c_str(),
                    static_cast<long long>(given));
      most = std::max(most, o);
    }
    argsLeft[p] = given >= 0 ? given - most : given;
  }
  int64_t rows = info.axis == 1 ? M : N;
  int64_t before = batch.count - 1;
  auto left = [&](int64_t given, int64_t dim, const char *what,
                  int64_t *result) -> int {
    *result = given; // outputs the kernel does not have are ignored
    if (dim == 0)
      return KRED_OK;
    int64_t skipped = checkedMul(checkedMul(before, rows), dim);
    int64_t needed = checkedMul(checkedMul(batch.count, rows), dim);
    if (skipped < 0 || needed < 0 || given < needed)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': %s holds %lld elements; a batch of %lld x "
                  "%lld rows x %lld needs %lld",
                  name, what, static_cast<long long>(given),
                  static_cast<long long>(batch.count),
                  static_cast<long long>(rows), static_cast<long long>(dim),
                  static_cast<long long>(needed));
    *result = given - skipped;
    return KRED_OK;
  };
  adjusted.args = argsLeft.empty() ? nullptr : argsLeft.data();
  if (int status = left(sizes->out, info.out_value_dim, "out", &adjusted.out))
    return status;
  if (int status =
          left(sizes->outIdx, info.out_index_dim, "out_idx", &adjusted.outIdx))
    return status;
  sizes = &adjusted;
  return KRED_OK;
}

int kred::detail::checkOutputs(const kred_kernel_info &info, void *out,
                               int64_t *outIdx, int64_t rows,
                               const BufferSizes *sizes) {
  const char *name = kernelName(info);
  size_t eltSize = kred_dtype_size(info.dtype);
  int64_t outElements = checkedMul(rows, info.out_value_dim);
  int64_t outIdxElements = checkedMul(rows, info.out_index_dim);
  if (outElements < 0 || outIdxElements < 0)
    return fail(KRED_ERR_INVALID_ARGUMENT, "kernel '%s': output too large",
                name);
  const char *rowName = info.axis == 1 ? "M" : "N";
  // The output (values, then indices): its size, then its pointer.
  auto checkOutput = [&](bool isIndex, const void *pointer, int64_t needed,
                         int64_t perRow, int64_t given) -> int {
    const char *what = isIndex ? "index output" : "output";
    size_t alignment = isIndex ? sizeof(int64_t) : eltSize;
    if (perRow == 0)
      return KRED_OK;
    if (sizes && given < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array: negative element count %lld",
                  name, what, static_cast<long long>(given));
    if (sizes && given < needed)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is too short: %lld element%s "
                  "expected (%s = %lld rows of %lld), %lld given",
                  name, what, static_cast<long long>(needed), plural(needed),
                  rowName, static_cast<long long>(rows),
                  static_cast<long long>(perRow),
                  static_cast<long long>(given));
    if (needed == 0)
      return KRED_OK;
    if (!pointer)
      return fail(KRED_ERR_INVALID_ARGUMENT, "kernel '%s': the %s array is NULL",
                  name, what);
    if (misaligned(pointer, alignment))
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is not aligned to %s%zu bytes%s",
                  name, what, isIndex ? "" : "its element size (", alignment,
                  isIndex ? "" : ")");
    return KRED_OK;
  };
  if (int status = checkOutput(false, out, outElements, info.out_value_dim,
                               sizes ? sizes->out : 0))
    return status;
  if (int status = checkOutput(true, outIdx, outIdxElements,
                               info.out_index_dim, sizes ? sizes->outIdx : 0))
    return status;
  return KRED_OK;
}

int kred::detail::checkStates(const kred_kernel_info &info, int64_t rows,
                              int64_t parts, bool merge,
                              const StateArrays &states) {
  const char *name = kernelName(info);
  if (info.state_values < 1)
    return fail(KRED_ERR_UNSUPPORTED,
                "kernel '%s': has no accumulator values (state_values = 0)",
                name);
  auto checkArray = [&](bool isIndex, const void *pointer, int64_t perRow,
                        int64_t given) -> int {
    const char *what = isIndex ? "state indices" : "state values";
    size_t alignment =
        isIndex ? sizeof(int64_t) : kred_dtype_size(info.acc_dtype);
    if (perRow == 0)
      return KRED_OK;
    int64_t needed = checkedMul(checkedMul(parts, rows), perRow);
    if (needed < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is too large", name, what);
    if (given < 0)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array: negative element count %lld",
                  name, what, static_cast<long long>(given));
    if (given < needed) {
      if (merge)
        return fail(KRED_ERR_INVALID_ARGUMENT,
                    "kernel '%s': the %s array is too short: %lld element%s "
                    "expected (%lld parts x %lld rows of %lld), %lld given",
                    name, what, static_cast<long long>(needed), plural(needed),
                    static_cast<long long>(parts), static_cast<long long>(rows),
                    static_cast<long long>(perRow),
                    static_cast<long long>(given));
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is too short: %lld element%s "
                  "expected (%s = %lld rows of %lld), %lld given",
                  name, what, static_cast<long long>(needed), plural(needed),
                  info.axis == 1 ? "M" : "N", static_cast<long long>(rows),
                  static_cast<long long>(perRow),
                  static_cast<long long>(given));
    }
    if (needed == 0)
      return KRED_OK;
    if (!pointer)
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is NULL", name, what);
    if (misaligned(pointer, alignment))
      return fail(KRED_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the %s array is not aligned to its element "
                  "size (%zu bytes)",
                  name, what, alignment);
    return KRED_OK;
  };
  if (int status = checkArray(false, states.values, info.state_values,
                              states.valuesCount))
    return status;
  return checkArray(true, states.indices, info.state_indices,
                    states.indicesCount);
}

int kred::detail::failFromCurrentException(const char *who,
                                           const kred_kernel_info *info) {
  char prefix[256];
  if (info)
    std::snprintf(prefix, sizeof(prefix), "%s: kernel '%s'", who,
                  kernelName(*info));
  else
    std::snprintf(prefix, sizeof(prefix), "%s", who);
  try {
    throw;
  } catch (const std::bad_alloc &) {
    return fail(KRED_ERR_OUT_OF_MEMORY, "%s: out of memory", prefix);
  } catch (const std::exception &e) {
    return fail(KRED_ERR_INTERNAL, "%s: the launch failed with an exception: %s",
                prefix, e.what());
  } catch (...) {
    return fail(KRED_ERR_INTERNAL,
                "%s: the launch failed with an exception of unknown type",
                prefix);
  }
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

int kred_cpu_launch_sized(const kred_kernel *kernel, const void *const *args,
                          const int64_t *arg_elements, int64_t M, int64_t N,
                          void *out, int64_t out_elements, int64_t *out_idx,
                          int64_t out_idx_elements,
                          const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    return launch("kred_cpu_launch", kernel, args, M, N, out, out_idx, &sizes,
                  options);
  });
}

int kred_cpu_launch_batched_sized(const kred_kernel *kernel,
                                  const void *const *args,
                                  const int64_t *arg_elements, int64_t M,
                                  int64_t N, int64_t batch,
                                  const int64_t *arg_offsets, void *out,
                                  int64_t out_elements, int64_t *out_idx,
                                  int64_t out_idx_elements,
                                  const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch_batched_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, out_elements, out_idx_elements};
    return launch("kred_cpu_launch_batched_sized", kernel, args, M, N, out,
                  out_idx, &sizes, options, Batch{batch, arg_offsets});
  });
}

int kred_cpu_launch_states_sized(
    const kred_kernel *kernel, const void *const *args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *state_values,
    int64_t state_values_count, int64_t *state_indices,
    int64_t state_indices_count, const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch_states_sized", kernel, [&] {
    BufferSizes sizes{arg_elements, 0, 0};
    StateArrays states{state_values, state_values_count, state_indices,
                       state_indices_count};
    return launch("kred_cpu_launch_states_sized", kernel, args, M, N, nullptr,
                  nullptr, &sizes, options, Batch{}, &states);
  });
}

int kred_cpu_merge_states_sized(const kred_kernel *kernel, void *state_values,
                                int64_t state_values_count,
                                int64_t *state_indices,
                                int64_t state_indices_count, int64_t rows,
                                int64_t parts, void *out, int64_t out_count,
                                int64_t *out_idx, int64_t out_idx_count,
                                const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_merge_states_sized", kernel, [&] {
    BufferSizes sizes{nullptr, out_count, out_idx_count};
    StateArrays states{state_values, state_values_count, state_indices,
                       state_indices_count};
    return mergeStates(kernel, states, rows, parts, out, out_idx, sizes,
                       options);
  });
}

int kred_cpu_launch(const kred_kernel *kernel, const void *const *args,
                    int64_t M, int64_t N, void *out, int64_t *out_idx,
                    const kred_launch_options *options) {
  return guardedLaunch("kred_cpu_launch", kernel, [&] {
    return launch("kred_cpu_launch", kernel, args, M, N, out, out_idx, nullptr,
                  options);
  });
}

int kred_runtime_api_version(void) { return KRED_RUNTIME_API_VERSION; }

const char *kred_last_error(void) { return lastError.c_str(); }

void kred_set_num_threads(int n) {
  configuredThreads.store(n > 0 ? n : 0, std::memory_order_relaxed);
}

int kred_get_num_threads(void) { return currentThreads(); }

size_t kred_dtype_size(int dtype) {
  static_assert(KRED_F32 == 0 && KRED_F64 == 1 && KRED_F16 == 2 &&
                KRED_BF16 == 3);
  static const size_t sizes[] = {4, 8, 2, 2};
  return validDtype(dtype) ? sizes[dtype] : 0;
}

} // extern "C"
