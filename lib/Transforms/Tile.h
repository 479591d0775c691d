//===- Tile.h - tile sizes of kernelred reductions --------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The tiling decisions of kred-tile, shared with the pipelines, which report
// the resulting kernel layout (rows per block) to the runtime without
// lowering anything.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TRANSFORMS_TILE_H
#define KRED_LIB_TRANSFORMS_TILE_H

#include "dialect/KredOps.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"
#include "lib/Pipelines/TargetOptions.h"

#include <optional>

namespace mlir::kernelred {

/// The tiles of one reduction.
struct KredTileSizes {
  int64_t tileI = 0;
  int64_t tileJ = 0;
  std::optional<int64_t> chunk;
};

/// Checks the tiling options of `config` (vector bits, row vectors, tile
/// j, chunks); reports the first problem through `emitError`.
LogicalResult
verifyKredTileConfig(const CPUTargetOptions &config,
                     function_ref<InFlightDiagnostic()> emitError);

/// The tiles kred-tile chooses for `op` on the target `config` (ignoring
/// attributes already set).
KredTileSizes chooseKredTileSizes(ReduceOp op, const CPUTargetOptions &config);

} // namespace mlir::kernelred

#endif // KRED_LIB_TRANSFORMS_TILE_H
