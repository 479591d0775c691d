//===- KredToGPU.h - kernelred to GPU kernels, internal API -----*- C++ -*-===//
//
// Part of the kernelred project.
//
// convert-kred-to-gpu builds the three kernels of the GPU kernel ABI
// (docs/gpu.md) for every kernelred.reduce; kred-gpu-to-nvvm lowers the
// resulting gpu.module to NVVM without libdevice.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_KREDTOGPU_KREDTOGPU_H
#define KRED_LIB_CONVERSION_KREDTOGPU_KREDTOGPU_H

#include "dialect/KredOps.h"
#include "lib/Pipelines/TargetOptions.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::kernelred {

/// Bytes of shared memory at most one j tile takes (static shared memory
/// is limited to 48 KiB per block; keep room for occupancy).
constexpr int64_t kKredGPUMaxTileBytes = 32 * 1024;

/// The j tile of `op`: options.tileJ, or blockThreads shrunk (not below 1)
/// so that the tile's reduced-index variables fit kKredGPUMaxTileBytes.
int64_t getKredGPUTileJ(ReduceOp op, const GPUTargetOptions &options);

/// Bytes of shared memory of one j tile of `op` (the static shared memory
/// of @NAME_gpu).
int64_t getKredGPUTileBytes(ReduceOp op, const GPUTargetOptions &options);

/// Checks that `op` can be lowered with the launch geometry of `options`
/// (blockThreads, rowsPerThread, tileJ); diagnostics on failure.
LogicalResult verifyKredReduceGPULowerable(ReduceOp op,
                                           const GPUTargetOptions &options);

/// Replaces every kernelred.reduce @NAME by gpu.module @NAME_gpu_module
/// holding gpu.func @NAME_gpu, @NAME_gpu_merge and @NAME_gpu_ranges.
void populateKredReduceToGPUPatterns(RewritePatternSet &patterns,
                                     const GPUTargetOptions &options);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_KREDTOGPU_KREDTOGPU_H
