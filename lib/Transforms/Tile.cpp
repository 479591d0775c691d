//===- Tile.cpp - KredTilePass (placeholder) -----------------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDTILEPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct KredTilePass : mlir::kernelred::impl::KredTilePassBase<KredTilePass> {
  void runOnOperation() override {}
};
} // namespace
