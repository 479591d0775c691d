/*===- kred_runtime.h - the kernelred runtime C API ----------------*- C -*-===*
 *
 * Part of the kernelred project.
 *
 * The runtime runs compiled kernels on caller-owned arrays. It depends on
 * nothing but libc, libstdc++ and (for GPUs) dlopen("libcuda.so.1"): no MLIR,
 * no LLVM, no compiler. Ahead-of-time kernel libraries link only this.
 *
 * Generated-code ABI (version 1). For a kernel named NAME the compiler emits
 * three C functions (see docs/abi.md):
 *
 *   void NAME_run(const void *const *args, int64_t M, int64_t N,
 *                 int64_t r0, int64_t r1, int64_t k0, int64_t k1,
 *                 void *out, int64_t *out_idx,
 *                 void *state_values, int64_t *state_indices);
 *     Reduces output rows [r0, r1) over reduced indices [k0, k1).
 *     args[p] points at the variable of position p: row-major [M, dim] for
 *     i-variables, [N, dim] for j-variables, [dim] for parameters (element
 *     type = the kernel's dtype). "Output rows" are i (M of them) when
 *     axis = 1 and j (N of them) when axis = 0.
 *     When state_values == NULL it finalizes and writes row r of the output
 *     at out + r * out_value_dim (dtype) and out_idx + r * out_index_dim
 *     (int64); otherwise it writes the accumulator of row r at
 *     state_values + (r - r0) * state_values_per_row (acc dtype) and
 *     state_indices + (r - r0) * state_indices_per_row, unfinalized.
 *
 *   void NAME_merge(void *a_values, int64_t *a_indices,
 *                   const void *b_values, const int64_t *b_indices,
 *                   int64_t rows);
 *     a <- a (+) b for `rows` accumulators; b covers reduced indices after
 *     a's (ties keep a's entries: lowest index first, as KeOps).
 *
 *   void NAME_finalize(const void *values, const int64_t *indices,
 *                      int64_t rows, int64_t r0, void *out, int64_t *out_idx);
 *     Writes the output of rows [r0, r0 + rows) from their accumulators
 *     (stored from row 0 of the state arrays).
 *
 *===----------------------------------------------------------------------===*/

#ifndef KRED_RUNTIME_H
#define KRED_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KRED_ABI_VERSION 1

/* Version of this C API (the launch functions and their checks), separate
 * from KRED_ABI_VERSION (the generated code and the kernel descriptors,
 * unchanged by it):
 *   1: kred_cpu_launch, kred_cpu_launch_ranges, kred_gpu_launch (unsized);
 *   2: the sized launches kred_cpu_launch_sized, kred_cpu_launch_ranges_sized
 *      and kred_gpu_launch_sized, which take the element count of every
 *      buffer and reject a short one; AOT kernel libraries' entry points
 *      (NAME, NAME_ex, NAME_gpu) take an element count after every pointer;
 *   3: kred_gpu_launch_ranges_sized (ranges= on the GPU, through the GPU
 *      module's NAME_gpu_ranges kernel of docs/gpu.md);
 *   4: kred_gpu_launch_batched_sized and kred_gpu_batch_scratch_bytes (batch
 *      dimensions in the launch grid; NAME_gpu takes batch_offsets);
 *   5: kred_cpu_launch_states_sized, kred_cpu_merge_states_sized,
 *      kred_gpu_launch_states_sized and kred_gpu_merge_states_sized (a
 *      reduction's unfinalized accumulators in the caller's arrays, and
 *      their in-order merge and finalization: a reduction cut across
 *      processes or devices);
 *   6: kred_cpu_launch_batched_sized (batch dimensions in one CPU launch:
 *      the tasks of every batch element share the thread pool).
 * kred_runtime_api_version() returns the version of the library loaded. */
#define KRED_RUNTIME_API_VERSION 6

/* Exported functions of libkred_runtime. */
#if defined(__GNUC__)
#define KRED_API __attribute__((visibility("default")))
#else
#define KRED_API
#endif

/* Element types. */
typedef enum kred_dtype {
  KRED_F32 = 0,
  KRED_F64 = 1,
  KRED_F16 = 2,
  KRED_BF16 = 3,
} kred_dtype;

/* Variable categories (KeOps' Var(ind, dim, cat)); -1 marks a position
 * that the formula does not use. */
typedef enum kred_category {
  KRED_CAT_UNUSED = -1,
  KRED_CAT_I = 0,
  KRED_CAT_J = 1,
  KRED_CAT_P = 2,
} kred_category;

/* Status codes; the message of the last error of the calling thread is in
 * kred_last_error(). */
typedef enum kred_status {
  KRED_OK = 0,
  KRED_ERR_INVALID_ARGUMENT = 1,
  KRED_ERR_UNSUPPORTED = 2,
  KRED_ERR_NO_DEVICE = 3,
  KRED_ERR_DEVICE = 4,
  KRED_ERR_OUT_OF_MEMORY = 5,
  KRED_ERR_INTERNAL = 6,
} kred_status;

typedef void (*kred_run_fn)(const void *const *args, int64_t M, int64_t N,
                            int64_t r0, int64_t r1, int64_t k0, int64_t k1,
                            void *out, int64_t *out_idx, void *state_values,
                            int64_t *state_indices);
typedef void (*kred_merge_fn)(void *a_values, int64_t *a_indices,
                              const void *b_values, const int64_t *b_indices,
                              int64_t rows);
typedef void (*kred_finalize_fn)(const void *values, const int64_t *indices,
                                 int64_t rows, int64_t r0, void *out,
                                 int64_t *out_idx);

/* What the runtime needs to know of a kernel. */
typedef struct kred_kernel_info {
  uint32_t abi_version;        /* KRED_ABI_VERSION */
  const char *name;
  const char *formula;         /* for messages */
  int32_t axis;                /* 1: reduce over j, one output row per i */
  int32_t dtype;               /* kred_dtype of inputs and outputs */
  int32_t acc_dtype;           /* kred_dtype of the state values */
  int32_t reduction;           /* ReductionKind (dialect/KredAttrs.td) */
  int32_t num_args;            /* arrays in args[], by position */
  const int32_t *arg_category; /* [num_args] kred_category */
  const int64_t *arg_dim;      /* [num_args] dimension (0 when unused) */
  int64_t out_value_dim;       /* values per output row (0: none) */
  int64_t out_index_dim;       /* int64 indices per output row (0: none) */
  int64_t state_values;        /* accumulator values per row (acc_dtype) */
  int64_t state_indices;       /* accumulator indices per row */
  int64_t row_block;           /* rows the kernel handles together */
} kred_kernel_info;

/* A kernel ready to run on the CPU. */
typedef struct kred_kernel {
  kred_kernel_info info;
  kred_run_fn run;
  kred_merge_fn merge;
  kred_finalize_fn finalize;
} kred_kernel;

typedef struct kred_launch_options {
  int32_t num_threads; /* 0: the runtime default (kred_set_num_threads) */
  int32_t split;       /* -1: auto; 0: never split the reduced index;
                          1: always split it (tests) */
} kred_launch_options;

/* Runs `kernel` on caller-owned arrays (args by position, see above),
 * writing out ([rows, out_value_dim], dtype) and out_idx ([rows,
 * out_index_dim], int64). options may be NULL. Returns a kred_status.
 *
 * Sizes: arg_elements[p] is the number of elements (of the kernel's dtype)
 * that the caller owns at args[p]; out_elements and out_idx_elements those
 * at out (dtype) and out_idx (int64). A used argument needs at least
 * M * dim (Vi), N * dim (Vj) or dim (Pm) elements, out at least
 * rows * out_value_dim and out_idx rows * out_index_dim; more is allowed
 * (e.g. a view into a larger array). A short buffer or a negative count is
 * KRED_ERR_INVALID_ARGUMENT, with a message naming the argument, the
 * expected and the given element counts, and nothing is read or written.
 * The counts of unused positions (KRED_CAT_UNUSED) and of outputs the
 * kernel does not have (out_value_dim or out_index_dim 0) are ignored;
 * arg_elements may be NULL only when the kernel takes no argument.
 *
 * Threads: the calling thread and at most num_threads - 1 workers of a
 * persistent pool run blocks of output rows (multiples of
 * info.row_block). When the rows are too few to keep the threads busy and
 * the reduced range is large (or split == 1), the reduced index is cut into
 * chunks: NAME_run writes one partial accumulator per chunk, NAME_merge
 * folds them in chunk order and NAME_finalize writes the output. Launches
 * may be nested or run concurrently from several threads. An exception
 * thrown by a kernel function (hand-written C++ kernels) stops the launch's
 * remaining tasks and is returned as KRED_ERR_INTERNAL (or
 * KRED_ERR_OUT_OF_MEMORY for std::bad_alloc) with its message; the output
 * is then unspecified and the pool keeps working.
 *
 * Checks: a NULL kernel or function, an ABI version other than
 * KRED_ABI_VERSION, M or N < 0, a NULL pointer for a used argument or an
 * output that has elements, a pointer not aligned to its element size, or
 * a short buffer return KRED_ERR_INVALID_ARGUMENT (KRED_ERR_UNSUPPORTED for
 * the ABI version) with a message in kred_last_error(); nothing is written.
 *
 * Empty reductions (rows > 0 but nothing to reduce: N = 0 with axis = 1,
 * M = 0 with axis = 0, and with kred_cpu_launch_ranges every row in no
 * block or whose intervals are all empty) write the reduction's identity
 * without calling the kernel; every entry point (CPU, ranges, GPU, Python)
 * gives:
 *   Sum                                    0
 *   SumSoftMaxWeight                       NaN (0/0, as KeOps)
 *   LogSumExp (with or without weight)     -inf
 *   Max_SumShiftExp(Weight)                (-inf, 0, ..., 0)
 *   Min, KMin                              +inf
 *   Max                                    -inf
 *   ArgMin, ArgMax, ArgKMin (indices)      -1
 *   Min_ArgMin, KMin_ArgKMin               +inf and -1
 *   Max_ArgMax                             -inf and -1
 * An empty output (no rows) writes nothing. */
KRED_API int kred_cpu_launch_sized(const kred_kernel *kernel,
                                   const void *const *args,
                                   const int64_t *arg_elements, int64_t M,
                                   int64_t N, void *out, int64_t out_elements,
                                   int64_t *out_idx, int64_t out_idx_elements,
                                   const kred_launch_options *options);

/* Batched launch (API version 6): `batch` reductions of the same sizes in one
 * launch, as kred_cpu_launch_sized does for one. Argument p of batch element
 * z starts arg_offsets[z * num_args + p] elements after args[p] (arg_offsets:
 * int64, [batch][num_args], entries of unused arguments ignored; equal
 * offsets broadcast an array over the batch). The outputs of element z
 * follow those of z - 1: out holds batch x rows x out_value_dim elements,
 * out_idx batch x rows x out_index_dim. Every element is checked against
 * arg_elements (a negative offset, or an argument that would run past its
 * array, is KRED_ERR_INVALID_ARGUMENT naming the argument and the batch
 * element), out_elements and out_idx_elements, before anything is written.
 * The tasks of all batch elements (row blocks x chunks of the reduced index)
 * go to the thread pool together: the threads and the split are chosen for
 * the batch x rows output rows, so a batch of small reductions keeps every
 * thread busy. batch = 1 with arg_offsets NULL is kred_cpu_launch_sized;
 * batch < 1, or batch > 1 with arg_offsets NULL, is an error. */
KRED_API int kred_cpu_launch_batched_sized(
    const kred_kernel *kernel, const void *const *args,
    const int64_t *arg_elements, int64_t M, int64_t N, int64_t batch,
    const int64_t *arg_offsets, void *out, int64_t out_elements,
    int64_t *out_idx, int64_t out_idx_elements,
    const kred_launch_options *options);

/* Block-sparse launch (KeOps' `ranges=`, on the output side of the kernel's
 * axis). Like kred_cpu_launch_sized, except that output row block b, rows
 * [blocks[2b], blocks[2b+1]), is reduced only over the union, in order, of
 * the reduced-index intervals [red_ranges[2l], red_ranges[2l+1]) for l in
 * [slices[b-1], slices[b]) (slices[-1] is 0). For axis = 1 these are KeOps'
 * (ranges_i, slices_i, redranges_j), for axis = 0 (ranges_j, slices_j,
 * redranges_i); all int64, blocks [num_blocks][2], slices [num_blocks],
 * red_ranges [num_red][2]; blocks_elements, slices_elements and
 * red_ranges_elements are the int64 elements the caller owns there (at
 * least 2 * num_blocks, num_blocks and 2 * num_red).
 *
 * Output rows in no block, and blocks with nothing to reduce, get the
 * identity of the table above.
 *
 * Blocks run in parallel (cut into pieces of whole info.row_block rows);
 * within a block the intervals run in order, their partial accumulators
 * folded with NAME_merge (ties keep the earlier interval's entries).
 *
 * Checks (KRED_ERR_INVALID_ARGUMENT, nothing written): those of
 * kred_cpu_launch_sized, plus: a short blocks, slices or red_ranges array,
 * every block within [0, rows] with start <= end, blocks that do not
 * overlap, slices non-decreasing and at most num_red, every interval within
 * [0, reduced] with start <= end, NULL arrays with elements. split in the
 * options is ignored. */
KRED_API int kred_cpu_launch_ranges_sized(
    const kred_kernel *kernel, const void *const *args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *out,
    int64_t out_elements, int64_t *out_idx, int64_t out_idx_elements,
    int64_t num_blocks, const int64_t *blocks, int64_t blocks_elements,
    const int64_t *slices, int64_t slices_elements, int64_t num_red,
    const int64_t *red_ranges, int64_t red_ranges_elements,
    const kred_launch_options *options);

/* Unfinalized accumulators (API version 5): reduces every output row over
 * the whole reduced range [0, K) (K = N for axis 1, M for axis 0) and writes
 * the row's UNFINALIZED accumulator instead of its output: row r at
 * state_values + r * info.state_values (elements of info.acc_dtype) and
 * state_indices + r * info.state_indices (int64), the layout NAME_run
 * writes. The accumulator's contents are private to the kernel (they go
 * back to kred_cpu_merge_states_sized of the same kernel), except that its
 * indices are absolute reduced indices in [0, K), or -1 for "none" (a
 * selection that has met no value yet: K = 0, fewer than K values for the
 * KMin family, only NaN values); a caller that cut the reduced range into
 * slices adds each slice's offset to its indices >= 0 before merging.
 * K = 0 writes the reduction's identity state (NAME_run over an empty
 * range). state_values_count and state_indices_count are the elements the
 * caller owns there (at least rows * info.state_values and rows *
 * info.state_indices): a short buffer is KRED_ERR_INVALID_ARGUMENT naming
 * it, as in kred_cpu_launch_sized, whose checks, argument sizes and
 * threads this follows; state_indices may be NULL when info.state_indices
 * is 0. Like kred_cpu_launch_sized, the runtime may split the reduced range
 * over threads (options->split: -1 auto, 0 never, 1 always); the chunks'
 * accumulators are then merged in order into the caller's arrays, so the
 * result is that of one pass, tie rule included. */
KRED_API int kred_cpu_launch_states_sized(
    const kred_kernel *kernel, const void *const *args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *state_values,
    int64_t state_values_count, int64_t *state_indices,
    int64_t state_indices_count, const kred_launch_options *options);

/* Merges and finalizes accumulators (API version 5). state_values and
 * state_indices hold `parts` consecutive blocks of `rows` accumulators
 * ([parts][rows][info.state_values] of info.acc_dtype and
 * [parts][rows][info.state_indices] int64, as kred_cpu_launch_states_sized
 * writes them, part p's block at p * rows accumulators): for each row the
 * parts are folded in order 0, 1, ..., parts - 1 with NAME_merge (part p
 * must cover reduced indices after those of parts < p: on ties the lower
 * part's entries win, so the lowest index is kept) and finalized into out
 * ([rows][out_value_dim], dtype) and out_idx ([rows][out_index_dim], int64),
 * the output of a launch. The state arrays are clobbered (part 0 receives
 * the merge). parts = 0 writes the reduction's identity output (the table
 * of kred_cpu_launch_sized). Element counts: at least parts * rows *
 * state_values / state_indices, rows * out_value_dim / out_index_dim; a
 * short buffer is KRED_ERR_INVALID_ARGUMENT naming it. rows or parts < 0 is
 * an error; options->num_threads as for a launch (split is ignored). */
KRED_API int kred_cpu_merge_states_sized(
    const kred_kernel *kernel, void *state_values, int64_t state_values_count,
    int64_t *state_indices, int64_t state_indices_count, int64_t rows,
    int64_t parts, void *out, int64_t out_count, int64_t *out_idx,
    int64_t out_idx_count, const kred_launch_options *options);

/* Unchecked forms (API version 1, kept for binary compatibility with
 * libraries and programs built before the sized launches): the same as the
 * sized functions with every buffer assumed to hold exactly the elements
 * the launch needs, so a short buffer is read or written past its end.
 * Prefer the sized functions. */
KRED_API int kred_cpu_launch(const kred_kernel *kernel,
                             const void *const *args, int64_t M, int64_t N,
                             void *out, int64_t *out_idx,
                             const kred_launch_options *options);
KRED_API int kred_cpu_launch_ranges(const kred_kernel *kernel,
                                    const void *const *args, int64_t M,
                                    int64_t N, void *out, int64_t *out_idx,
                                    int64_t num_blocks, const int64_t *blocks,
                                    const int64_t *slices, int64_t num_red,
                                    const int64_t *red_ranges,
                                    const kred_launch_options *options);

/* KRED_RUNTIME_API_VERSION of the runtime library loaded (a program built
 * against a newer header can check it before calling a newer function). */
KRED_API int kred_runtime_api_version(void);

/* Message of the last error on the calling thread ("" if none; every
 * launch function, kred_gpu_available and kred_gpu_scratch_bytes clears it
 * first). */
KRED_API const char *kred_last_error(void);

/* Threads used by launches (n <= 0: the default, $KRED_NUM_THREADS or the
 * number of CPUs the process may run on). */
KRED_API void kred_set_num_threads(int n);
KRED_API int kred_get_num_threads(void);

/* Size in bytes of one element of a kred_dtype (0 for an invalid one). */
KRED_API size_t kred_dtype_size(int dtype);

/*===----------------------------------------------------------------------===*
 * GPU (CUDA) kernels: the generated-code ABI and the launch policy are in
 * docs/gpu.md. The runtime reaches the CUDA driver only through
 * dlopen("libcuda.so.1") (or $KRED_LIBCUDA_PATH); it links no CUDA library.
 *===----------------------------------------------------------------------===*/

/* One compiled form of a GPU kernel. kind 2 (KRED_GPU_IMAGE_HOST): a host
 * image, a kred_emu_module (kred_gpu_emu.h) that only the GPU emulator runs
 * (see kred_gpu_set_emulator); a device loads the cubin of its exact sm,
 * else the PTX of the highest sm not above its own, else a host image (the
 * emulator: the host image first). */
typedef struct kred_gpu_image {
  int32_t sm;          /* compute capability * 10 + minor, e.g. 80, 90 */
  int32_t kind;        /* 0: PTX text (NUL-terminated), 1: cubin, 2: host */
  const void *data;
  size_t size;
} kred_gpu_image;

/* A kernel ready to run on a CUDA device. */
typedef struct kred_gpu_kernel {
  kred_kernel_info info;     /* same fields as on the CPU */
  const char *run_entry;     /* "NAME_gpu" */
  const char *merge_entry;   /* "NAME_gpu_merge" */
  int32_t block_threads;
  int32_t rows_per_thread;
  int32_t shared_bytes;      /* dynamic shared memory of NAME_gpu */
  int32_t num_images;
  const kred_gpu_image *images;
} kred_gpu_kernel;

typedef struct kred_gpu_launch_options {
  int32_t device;            /* CUDA device ordinal */
  void *stream;              /* CUstream; NULL: the legacy default stream */
  int32_t split;             /* -1 auto, 0 never, 1 always (tests) */
  void *scratch;             /* caller-owned device scratch, or NULL */
  size_t scratch_bytes;
} kred_gpu_launch_options;

/* Number of CUDA devices, 0 when there is no driver or no device (the
 * reason is then in kred_last_error()). */
KRED_API int kred_gpu_available(void);

/* Runs `kernel` on device arrays (same layouts, sizes and checks as
 * kred_cpu_launch_sized; every pointer is a device address, every count an
 * element count of the device buffer) on options->stream, in the primary
 * context of options->device, without synchronizing: the outputs are ready
 * when the stream reaches this point. options may be NULL (device 0, legacy
 * default stream, auto split, no scratch). Returns a kred_status;
 * KRED_ERR_NO_DEVICE when there is no driver or no such device. An empty
 * reduced range writes the identities of the table above (the kernel does,
 * see docs/gpu.md). */
KRED_API int kred_gpu_launch_sized(const kred_gpu_kernel *kernel,
                                   const void *const *device_args,
                                   const int64_t *arg_elements, int64_t M,
                                   int64_t N, void *out, int64_t out_elements,
                                   int64_t *out_idx, int64_t out_idx_elements,
                                   const kred_gpu_launch_options *options);

/* Block-sparse reduction on the GPU (API version 3): kred_cpu_launch_ranges_
 * sized's ranges (same meaning, same checks: blocks within the output rows
 * and not overlapping, slices non-decreasing, intervals within the reduced
 * range, every array's element count) with kred_gpu_launch_sized's device
 * arrays and options. blocks, slices and red_ranges are DEVICE arrays of
 * int64: the runtime copies them to the host (synchronizing the stream, as
 * KeOps does) to check them and build its lookup table of CUDA blocks,
 * copied to device memory (options->scratch when it is large enough, else
 * allocated on the stream); then one launch of NAME_gpu_ranges, not
 * synchronized. Rows in no block get the identity of the table above.
 * options->split is ignored. KRED_ERR_UNSUPPORTED for a kernel whose image
 * has no NAME_gpu_ranges (compiled by an older kernelred). */
KRED_API int kred_gpu_launch_ranges_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *out,
    int64_t out_elements, int64_t *out_idx, int64_t out_idx_elements,
    int64_t num_blocks, const int64_t *blocks, int64_t blocks_elements,
    const int64_t *slices, int64_t slices_elements, int64_t num_red,
    const int64_t *red_ranges, int64_t red_ranges_elements,
    const kred_gpu_launch_options *options);

/* Batched launch (API version 4): `batch` reductions of the same sizes in
 * one launch (the batch is grid z), as kred_gpu_launch_sized does for one.
 * Argument p of batch element z starts arg_offsets[z * num_args + p]
 * elements after device_args[p] (arg_offsets: a HOST array of int64,
 * [batch][num_args], entries of unused arguments ignored; equal offsets
 * broadcast an array over the batch). The outputs of element z follow those
 * of z - 1: out holds batch x rows x out_value_dim elements, out_idx batch x
 * rows x out_index_dim. Every element is checked against arg_elements,
 * out_elements and out_idx_elements. The offsets are copied to device
 * memory allocated on the stream. Kernels compiled by kernelred before API
 * version 4 read batch element 0 only: recompile them. */
KRED_API int kred_gpu_launch_batched_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, int64_t batch,
    const int64_t *arg_offsets, void *out, int64_t out_elements,
    int64_t *out_idx, int64_t out_idx_elements,
    const kred_gpu_launch_options *options);

/* kred_cpu_launch_states_sized on the GPU (API version 5): one launch of
 * NAME_gpu with gridDim.y = 1, chunk = K and the caller's DEVICE state
 * arrays (row r at state_values + r * state_values_per_row, docs/gpu.md),
 * on options->stream of options->device, not synchronized. Same checks,
 * layouts, identity for K = 0 (the kernel writes it) and indices (absolute
 * reduced indices, or -1) as on the CPU; the accumulators are the GPU
 * kernel's (merge them with kred_gpu_merge_states_sized of the same kernel,
 * not with the CPU's). options->split, scratch and scratch_bytes are
 * ignored. */
KRED_API int kred_gpu_launch_states_sized(
    const kred_gpu_kernel *kernel, const void *const *device_args,
    const int64_t *arg_elements, int64_t M, int64_t N, void *state_values,
    int64_t state_values_count, int64_t *state_indices,
    int64_t state_indices_count, const kred_gpu_launch_options *options);

/* kred_cpu_merge_states_sized on the GPU (API version 5): one launch of
 * NAME_gpu_merge with nchunks = parts over the caller's [parts][rows][S]
 * DEVICE state arrays (clobbered), writing out / out_idx; parts = 0 writes
 * the identity (the kernel does). On options->stream of options->device,
 * not synchronized; split, scratch and scratch_bytes are ignored. */
KRED_API int
kred_gpu_merge_states_sized(const kred_gpu_kernel *kernel, void *state_values,
                            int64_t state_values_count, int64_t *state_indices,
                            int64_t state_indices_count, int64_t rows,
                            int64_t parts, void *out, int64_t out_count,
                            int64_t *out_idx, int64_t out_idx_count,
                            const kred_gpu_launch_options *options);

/* Unchecked form (API version 1): kred_gpu_launch_sized with every buffer
 * assumed to hold exactly the elements the launch needs. */
KRED_API int kred_gpu_launch(const kred_gpu_kernel *kernel,
                             const void *const *device_args, int64_t M,
                             int64_t N, void *out, int64_t *out_idx,
                             const kred_gpu_launch_options *options);

/* Device scratch in bytes that a launch with split = -1 needs (0 when it
 * does not split the reduced index, or on error). */
KRED_API size_t kred_gpu_scratch_bytes(const kred_gpu_kernel *kernel,
                                       int64_t M, int64_t N, int32_t device);
/* The same for a batched launch of `batch` elements (API version 4). */
KRED_API size_t kred_gpu_batch_scratch_bytes(const kred_gpu_kernel *kernel,
                                             int64_t M, int64_t N,
                                             int64_t batch, int32_t device);

/* Unloads the modules loaded for `kernel` (in every context) and forgets
 * them. Call it before freeing a kred_gpu_kernel that may have been
 * launched, so that another kernel at the same address is not mistaken for
 * it. */
KRED_API void kred_gpu_release_kernel(const kred_gpu_kernel *kernel);

/* Testing aid: runs every later GPU call on the GPU emulator (on = 1) or the
 * CUDA driver (on = 0); a negative `on` changes nothing. The emulator is one
 * emulated sm_90 device (an H100's multiprocessors and limits) that runs
 * host images (kind 2) with this runtime's launch logic, each launch
 * synchronously on the host, hostile where a GPU is (poisoned shared
 * memory, varying thread orders, a shared-memory race detector): see
 * docs/gpu.md, "The emulator". Without a call, the first GPU call selects
 * the emulator when $KRED_GPU_EMULATOR is set and not "0". Devices, contexts
 * and loaded modules are kept per driver; a launch in progress finishes on
 * the driver it started with. Returns the selection before the call (1: the
 * emulator, 0: the CUDA driver). */
KRED_API int kred_gpu_set_emulator(int on);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KRED_RUNTIME_H */
