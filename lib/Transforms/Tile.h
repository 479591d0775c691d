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

#include <optional>

namespace mlir::kernelred {

/// Target parameters of the tiling (the options of kred-tile).
struct KredTileConfig {
  /// Width in bits of the target's SIMD registers.
  int64_t vectorBits = 512;
  /// SIMD vectors of output rows per block (register tiling).
  int64_t rowVectors = 2;
  /// Reduced indices per j-tile.
  int64_t tileJ = 256;
  /// Dimensions above which dot-product-like ops are chunked.
  int64_t chunkThreshold = 128;
  /// Components per chunk.
  int64_t chunkSize = 32;
};

/// The tiles of one reduction.
struct KredTileSizes {
  int64_t tileI = 0;
  int64_t tileJ = 0;
  std::optional<int64_t> chunk;
};

/// The type the formula of `op` is computed in: f32 for 16-bit element
/// types, the element type otherwise.
FloatType getKredComputeType(ReduceOp op);

/// SIMD lanes of a `vectorBits`-wide register of the compute type of `op`.
int64_t getKredLanes(ReduceOp op, int64_t vectorBits);

/// Checks `config`; reports the first problem through `emitError`.
LogicalResult
verifyKredTileConfig(const KredTileConfig &config,
                     function_ref<InFlightDiagnostic()> emitError);

/// The tiles kred-tile chooses for `op` (ignoring attributes already set).
KredTileSizes chooseKredTileSizes(ReduceOp op, const KredTileConfig &config);

} // namespace mlir::kernelred

#endif // KRED_LIB_TRANSFORMS_TILE_H
