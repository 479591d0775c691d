//===- Pipelines.h - named kernelred pipelines ------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// kred-to-llvm-cpu: kernelred IR -> LLVM dialect for the CPU, ready for
// mlir::translateModuleToLLVMIR. Every `kernelred.reduce @NAME` becomes the
// three external functions of the kernel ABI (lib/Runtime/kred_runtime.h):
//
//   void NAME_run(const void *const *args, int64_t M, int64_t N, int64_t r0,
//                 int64_t r1, int64_t k0, int64_t k1, void *out,
//                 int64_t *out_idx, void *state_values,
//                 int64_t *state_indices);
//   void NAME_merge(void *a_values, int64_t *a_indices, const void *b_values,
//                   const int64_t *b_indices, int64_t rows);
//   void NAME_finalize(const void *values, const int64_t *indices,
//                      int64_t rows, int64_t r0, void *out, int64_t *out_idx);
//
// The functions use only libc-free code: no libm calls (elementary functions
// are expanded into polynomials), no runtime library; they need an FMA-capable
// target (x86-64-v3 or later) to avoid fma() calls.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_PIPELINES_PIPELINES_H
#define KRED_LIB_PIPELINES_PIPELINES_H

#include "dialect/KredOps.h"
#include "lib/Pipelines/TargetOptions.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::kernelred {

/// Options of kred-to-llvm-cpu: the CPU target (defaults in
/// CPUTargetOptions).
struct KredToLLVMCPUOptions : public PassPipelineOptions<KredToLLVMCPUOptions> {
  PassOptions::Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Width in bits of the target's SIMD registers: 512 for "
                     "AVX-512, 256 for AVX2 (see getHostVectorBits)"),
      llvm::cl::init(CPUTargetOptions().vectorBits)};
  PassOptions::Option<int64_t> rowVectors{
      *this, "row-vectors",
      llvm::cl::desc("SIMD vectors of output rows per block (register "
                     "tiling)"),
      llvm::cl::init(CPUTargetOptions().rowVectors)};
  PassOptions::Option<int64_t> tileJ{
      *this, "tile-j",
      llvm::cl::desc("Reduced indices per j-tile (block_sum flush period)"),
      llvm::cl::init(CPUTargetOptions().tileJ)};
  PassOptions::Option<int64_t> chunkThreshold{
      *this, "chunk-threshold",
      llvm::cl::desc("Dimensions above which dot-product-like ops are "
                     "chunked"),
      llvm::cl::init(CPUTargetOptions().chunkThreshold)};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk", llvm::cl::desc("Components per chunk"),
      llvm::cl::init(CPUTargetOptions().chunkSize)};

  /// The options as a CPUTargetOptions.
  CPUTargetOptions getTarget() const {
    CPUTargetOptions target;
    copyCPUTargetOptions(target, *this);
    return target;
  }
};

/// kernelred IR -> LLVM dialect for the CPU: kred-expand-complex,
/// kred-autodiff, canonicalize,
/// cse, kred-online-logsumexp, kred-tile, convert-kred-to-scf,
/// kred-approximate-math, then scf/vector/math/arith/cf/func to LLVM.
void buildKredToLLVMCPUPipeline(OpPassManager &pm,
                                const KredToLLVMCPUOptions &options);

/// The options of the GPU kernels themselves (convert-kred-to-gpu), shared
/// by the NVVM and the emulator pipelines so that both build the same
/// gpu.module (defaults in GPUTargetOptions).
template <typename Derived>
struct KredGPUKernelOptions : public PassPipelineOptions<Derived> {
  ::mlir::detail::PassOptions::Option<int64_t> blockThreads{
      *this, "block-threads", llvm::cl::desc("Threads per block"),
      llvm::cl::init(GPUTargetOptions().blockThreads)};
  ::mlir::detail::PassOptions::Option<int64_t> rowsPerThread{
      *this, "rows-per-thread", llvm::cl::desc("Output rows per thread"),
      llvm::cl::init(GPUTargetOptions().rowsPerThread)};
  ::mlir::detail::PassOptions::Option<int64_t> tileJ{
      *this, "tile-j",
      llvm::cl::desc("Reduced indices per shared-memory tile (0: chosen)"),
      llvm::cl::init(GPUTargetOptions().tileJ)};
};

/// Options of kred-to-nvvm (kernelred IR -> NVVM gpu.modules, optionally
/// PTX in gpu.binary ops).
struct KredToNVVMOptions : public KredGPUKernelOptions<KredToNVVMOptions> {
  PassOptions::Option<int64_t> sm{
      *this, "sm",
      llvm::cl::desc("Compute capability of the target (80: sm_80, 90: "
                     "sm_90)"),
      llvm::cl::init(GPUTargetOptions().sm)};
  PassOptions::Option<bool> fastMath{
      *this, "fast-math",
      llvm::cl::desc("f32 exp, log, division, sqrt, rsqrt, sin and cos "
                     "through the hardware approximations (ex2.approx, "
                     "lg2.approx, div.full, sqrt.approx, rsqrt.approx, "
                     "sin.approx, cos.approx); false: the accurate path"),
      llvm::cl::init(GPUTargetOptions().fastMath)};
  PassOptions::Option<bool> emitPTX{
      *this, "emit-ptx",
      llvm::cl::desc("Translate the gpu.modules to PTX (gpu.binary ops "
                     "holding the assembly) with the LLVM NVPTX backend"),
      llvm::cl::init(false)};

  /// Sets the kernel options, sm and fastMath from `target` (emitPTX
  /// stays).
  void setTarget(const GPUTargetOptions &target);
};

/// kernelred IR -> gpu.module @NAME_gpu_module (NVVM dialect, nvvm target
/// attached) with the kernels @NAME_gpu and @NAME_gpu_merge of docs/gpu.md;
/// with emit-ptx, gpu.binary @NAME_gpu_module holding their PTX.
void buildKredToNVVMPipeline(OpPassManager &pm,
                             const KredToNVVMOptions &options);

/// The emulation target of the GPU lowering: the gpu.modules of
/// kred-to-nvvm (same passes, same options), lowered for the host GPU
/// emulator by kred-gpu-to-host, then to the LLVM dialect.
struct KredToGPUHostOptions
    : public KredGPUKernelOptions<KredToGPUHostOptions> {
  PassOptions::Option<bool> raceCheck{
      *this, "race-check",
      llvm::cl::desc("Call the emulator's race detector before each "
                     "workgroup-memory access"),
      llvm::cl::init(GPUTargetOptions().raceCheck)};

  /// Sets the kernel options and raceCheck from `target`.
  void setTarget(const GPUTargetOptions &target);
};

void buildKredToGPUHostPipeline(OpPassManager &pm,
                                const KredToGPUHostOptions &options);

/// Registers the named pipelines with the pass registry.

void registerKredPipelines();

/// What the runtime must know of a kernel compiled by kred-to-llvm-cpu
/// (the fields of kred_kernel_info that depend on lowering decisions).
struct CPUKernelLayout {
  /// Accumulator values per row (of the accumulation type) and indices.
  int64_t stateValues = 0;
  int64_t stateIndices = 0;
  /// Values (element type) and int64 indices written per output row.
  int64_t outValueDim = 0;
  int64_t outIndexDim = 0;
  /// Output rows one block of @NAME_run handles together (tile_i); the
  /// runtime should give each thread multiples of it.
  int64_t rowBlock = 0;
  /// SIMD lanes (rows per vector).
  int64_t lanes = 0;
  /// Element type of inputs and outputs, and of the accumulators.
  FloatType elementType;
  FloatType accumulationType;
};

/// The layout `op` gets from kred-to-llvm-cpu with `options`. Call it on the
/// kernelred IR before running the pipeline (which erases the op); the
/// answer does not depend on kred-autodiff or canonicalization.
CPUKernelLayout getCPUKernelLayout(ReduceOp op,
                                   const KredToLLVMCPUOptions &options);

/// SIMD width of the host: 512 with AVX-512F, 256 with AVX2, else 128.
int64_t getHostVectorBits();

} // namespace mlir::kernelred

#endif // KRED_LIB_PIPELINES_PIPELINES_H
