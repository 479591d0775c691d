//===- Tile.cpp - KredTilePass: tiles of kernelred reductions -------------===//
//
// Part of the kernelred project.
//
// Chooses, per reduction, the output rows handled together (`tile_i`: SIMD
// lanes times a few vectors for register tiling), the reduced indices per
// tile (`tile_j`, the block_sum flush period) and the chunk size of
// dot-product-like ops on very large dimensions (`chunk`).
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/Tile.h"

#include "dialect/ReductionKinds.h"
#include "lib/Transforms/Passes.h"

#include "llvm/Support/MathExtras.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDTILEPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

/// Vector registers a block may spend on accumulators before register
/// tiling stops paying (AVX-512 has 32, AVX2 16; leave room for the
/// formula's temporaries).
static constexpr int64_t kAccumulatorRegisterBudget = 12;

LogicalResult mlir::kernelred::verifyKredTileConfig(
    const CPUTargetOptions &config,
    function_ref<InFlightDiagnostic()> emitError) {
  if (config.vectorBits < 64 || !llvm::isPowerOf2_64(config.vectorBits))
    return emitError() << "vector-bits must be a power of two >= 64, got "
                       << config.vectorBits;
  if (config.rowVectors < 1)
    return emitError() << "row-vectors must be >= 1, got " << config.rowVectors;
  if (config.tileJ < 1)
    return emitError() << "tile-j must be >= 1, got " << config.tileJ;
  if (config.chunkSize < 1)
    return emitError() << "chunk must be >= 1, got " << config.chunkSize;
  if (config.chunkThreshold < 1)
    return emitError() << "chunk-threshold must be >= 1, got "
                       << config.chunkThreshold;
  return success();
}

/// The largest dimension of a variable or of the yielded formulas of `op`.
/// Intermediate values are left out on purpose: the decision must not change
/// with kred-autodiff or canonicalization (the pipelines predict it).
static int64_t getLargestDim(ReduceOp op) {
  int64_t largest = 1;
  for (BlockArgument arg : op.getBodyBlock().getArguments())
    largest = std::max(largest, getFormulaDim(arg));
  for (Value v : op.getYield().getValues())
    largest = std::max(largest, getFormulaDim(v));
  return largest;
}

KredTileSizes
mlir::kernelred::chooseKredTileSizes(ReduceOp op,
                                     const CPUTargetOptions &config) {
  KredTileSizes sizes;
  int64_t lanes = getKredLanes(op, config.vectorBits);
  ReductionDescription desc(op);

  // Vector registers one SIMD group of rows keeps live across the j loop.
  // K-selections with K > 1 keep their lists in memory (only the current
  // worst candidate is compared per pair).
  int64_t accWidth = op.getAccumulationType().getWidth();
  int64_t computeWidth = getKredComputeType(op).getWidth();
  int64_t perValue = std::max<int64_t>(1, accWidth / computeWidth);
  int64_t perIndex = std::max<int64_t>(1, 64 / computeWidth);
  int64_t registers;
  if (desc.getFamily() == MonoidFamily::Select && desc.getK() > 1)
    registers = 2 * desc.getFormulaDim();
  else
    registers =
        desc.getNumValueSlots() * perValue + desc.getNumIndexSlots() * perIndex;
  int64_t rowVectors = config.rowVectors;
  while (rowVectors > 1 && rowVectors * registers > kAccumulatorRegisterBudget)
    --rowVectors;
  // Wide i-variables cost registers too.
  if (getLargestDim(op) > 16)
    rowVectors = 1;
  sizes.tileI = lanes * rowVectors;
  sizes.tileJ = config.tileJ;
  if (getLargestDim(op) > config.chunkThreshold)
    sizes.chunk = config.chunkSize;
  return sizes;
}

namespace {
struct KredTilePass : mlir::kernelred::impl::KredTilePassBase<KredTilePass> {
  using KredTilePassBase::KredTilePassBase;

  void runOnOperation() override {
    CPUTargetOptions config;
    config.vectorBits = vectorBits;
    config.rowVectors = rowVectors;
    config.tileJ = tileJ;
    config.chunkThreshold = chunkThreshold;
    config.chunkSize = chunkSize;

    WalkResult result = getOperation().walk([&](ReduceOp op) {
      if (failed(verifyKredTileConfig(
              config, [&] { return op.emitError("kred-tile: "); })))
        return WalkResult::interrupt();
      KredTileSizes sizes = chooseKredTileSizes(op, config);
      Builder b(op.getContext());
      if (!op.getTileI())
        op.setTileIAttr(b.getI64IntegerAttr(sizes.tileI));
      if (!op.getTileJ())
        op.setTileJAttr(b.getI64IntegerAttr(sizes.tileJ));
      if (!op.getChunk() && sizes.chunk)
        op.setChunkAttr(b.getI64IntegerAttr(*sizes.chunk));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
