//===- ExpandComplex.cpp - KredExpandComplexPass --------------------------===//
//
// Part of the kernelred project.
//
// Runs the complex-op expansion of the dialect (dialect/ExpandComplex.h) on
// every reduction, so that pipelines lower complex formulas with the real
// ops only.
//
//===----------------------------------------------------------------------===//

#include "dialect/ExpandComplex.h"
#include "lib/Transforms/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDEXPANDCOMPLEXPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct KredExpandComplexPass
    : mlir::kernelred::impl::KredExpandComplexPassBase<KredExpandComplexPass> {
  void runOnOperation() override {
    if (failed(expandComplexOps(getOperation())))
      signalPassFailure();
  }
};
} // namespace
