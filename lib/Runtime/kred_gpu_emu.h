/*===- kred_gpu_emu.h - the GPU emulator's ABI with generated code -*- C -*-===*
 *
 * Part of the kernelred project.
 *
 * The GPU emulator runs kred's GPU kernels on the host: the very gpu.module
 * that convert-kred-to-gpu produces is lowered for the host by
 * kred-gpu-to-host (lib/Conversion/KredToGPU) instead of NVVM, and the
 * runtime's real launch logic (kred_gpu_launch in kred_cuda.cpp: checks,
 * image choice, split decision, scratch, run-then-merge) drives it through
 * an emulated CUDA driver (kred_gpu_emu.cpp) in place of libcuda.so.1.
 *
 * This header is the contract between the code kred-gpu-to-host generates
 * and the emulator; docs/gpu.md ("The emulator") describes the whole.
 *
 * A host image (kred_gpu_image.kind == KRED_GPU_IMAGE_HOST) points at a
 * kred_emu_module: one entry per gpu.func kernel of the gpu.module, each a
 * host function
 *
 *     void NAME(void **params, kred_emu_thread *thread);
 *
 * that runs ONE thread of the kernel: params is cuLaunchKernel's
 * kernelParams (params[i] points at the value of the kernel's parameter i,
 * pointers and i64 alike), and thread describes that thread. The emulator
 * runs the threads of a block as fibers; gpu.barrier becomes a call of
 * thread->barrier(thread), which returns once every thread of the block has
 * reached it. Workgroup memory (the kernel's workgroup attributions, in
 * order, each at the next multiple of 16 bytes, then the dynamic shared
 * memory) lives at thread->shared, one buffer per block, poisoned before the
 * block starts. When thread->shared_access is not NULL, the generated code
 * calls it before every load and store of workgroup memory (the race
 * detector).
 *
 *===----------------------------------------------------------------------===*/

#ifndef KRED_GPU_EMU_H
#define KRED_GPU_EMU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kred_gpu_image.kind of a host image (0: PTX, 1: cubin). */
#define KRED_GPU_IMAGE_HOST 2

/* kred_emu_module.magic ("KRDEMU01"). */
#define KRED_EMU_MAGIC 0x313055454d44524bULL

typedef struct kred_emu_thread kred_emu_thread;

/* The fields generated code reads, at fixed offsets (all 8 bytes wide). */
struct kred_emu_thread {
  int64_t thread_id[3]; /* offset   0: threadIdx.x, .y, .z */
  int64_t block_id[3];  /* offset  24: blockIdx */
  int64_t block_dim[3]; /* offset  48: blockDim */
  int64_t grid_dim[3];  /* offset  72: gridDim */
  void *shared;         /* offset  96: the block's workgroup memory */
  /* offset 104: returns when every thread of the block has called it. */
  void (*barrier)(kred_emu_thread *thread);
  /* offset 112: NULL, or called before each workgroup-memory access of
   * `bytes` bytes at `address` (is_write: 1 for a store). */
  void (*shared_access)(kred_emu_thread *thread, const void *address,
                        int64_t bytes, int64_t is_write);
  void *emulator; /* offset 120: the emulator's own state (opaque) */
};

typedef void (*kred_emu_kernel_fn)(void **params, kred_emu_thread *thread);

typedef struct kred_emu_entry {
  const char *name;             /* the gpu.func's name, e.g. "NAME_gpu" */
  kred_emu_kernel_fn fn;
  int64_t static_shared_bytes;  /* its workgroup attributions, laid out as
                                   above (the dynamic part comes after) */
  int64_t num_params;           /* entries of params */
} kred_emu_entry;

typedef struct kred_emu_module {
  uint64_t magic;               /* KRED_EMU_MAGIC */
  int64_t num_entries;
  const kred_emu_entry *entries;
} kred_emu_module;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KRED_GPU_EMU_H */
