//===- TargetOptions.h - the options of each target, with defaults -*- C++ -*-===//
//
// Part of the kernelred project.
//
// One options structure per target, holding every default once. The ODS
// options of the passes (lib/Transforms/Passes.td, lib/Conversion/Passes.td)
// take their defaults from here, as do the pipeline options
// (lib/Pipelines/Pipelines.h), the compiler API (lib/Compiler/Compiler.h),
// kred-compile and the Python module. Plain structs with no MLIR dependency,
// so that any of them can include this header.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_PIPELINES_TARGETOPTIONS_H
#define KRED_LIB_PIPELINES_TARGETOPTIONS_H

#include <cstdint>

namespace mlir::kernelred {

/// The CPU target: kred-tile, convert-kred-to-scf, kred-to-llvm-cpu,
/// compileKernel.
struct CPUTargetOptions {
  /// Width in bits of the SIMD registers (the compiler passes the host's,
  /// getHostVectorBits: 512 with AVX-512F, 256 with AVX, else 128).
  int64_t vectorBits = 512;
  /// SIMD vectors of output rows per block (register tiling).
  int64_t rowVectors = 2;
  /// Reduced indices per j-tile (the block_sum flush period).
  int64_t tileJ = 256;
  /// Dimensions above which dot-product-like ops are chunked.
  int64_t chunkThreshold = 128;
  /// Components per chunk of a chunked dot-product loop.
  int64_t chunkSize = 32;
};

/// The GPU target: convert-kred-to-gpu, kred-gpu-to-nvvm, kred-gpu-to-host,
/// kred-to-nvvm, kred-to-gpu-host, compileGPUKernel.
struct GPUTargetOptions {
  /// Threads per block (blockDim.x).
  int64_t blockThreads = 128;
  /// Output rows per thread (register tiling).
  int64_t rowsPerThread = 1;
  /// Reduced indices per shared-memory tile (0: block-threads, shrunk so
  /// that a tile fits kKredGPUMaxTileBytes; see getKredGPUTileJ).
  int64_t tileJ = 0;
  /// f32 exp, log, division, sqrt, rsqrt, sin and cos through the hardware
  /// approximations (pykeops' use_fast_math, on by default as there;
  /// docs/gpu.md lists their accuracy); false: the accurate polynomials and
  /// IEEE division and square root.
  bool fastMath = true;
  /// Compute capability of kred-to-nvvm (80: sm_80).
  int sm = 80;
  /// Emulator: call the race detector before each workgroup-memory access.
  bool raceCheck = true;
};

/// Copies the CPU target options from `src` to `dst`: any two of
/// CPUTargetOptions, the ODS options of kred-tile (KredTilePassOptions, or
/// the pass itself) and KredToLLVMCPUOptions, which name them alike.
template <typename Dst, typename Src>
void copyCPUTargetOptions(Dst &dst, const Src &src) {
  dst.vectorBits = src.vectorBits;
  dst.rowVectors = src.rowVectors;
  dst.tileJ = src.tileJ;
  dst.chunkThreshold = src.chunkThreshold;
  dst.chunkSize = src.chunkSize;
}

/// Copies the launch geometry of the GPU kernels (blockThreads,
/// rowsPerThread, tileJ) from `src` to `dst`: GPUTargetOptions, the ODS
/// options of convert-kred-to-gpu or the GPU pipeline options.
template <typename Dst, typename Src>
void copyGPUKernelOptions(Dst &dst, const Src &src) {
  dst.blockThreads = src.blockThreads;
  dst.rowsPerThread = src.rowsPerThread;
  dst.tileJ = src.tileJ;
}

} // namespace mlir::kernelred

#endif // KRED_LIB_PIPELINES_TARGETOPTIONS_H
