//===- KredToSCF.cpp - ConvertKredToSCFPass -------------------------------===//
//
// Part of the kernelred project.
//
// The pass only checks that every reduction can be lowered and applies the
// patterns; the work is in ReduceToFunctions.cpp and the formula lowerings.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"
#include "lib/Conversion/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_CONVERTKREDTOSCFPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

/// The checks of the options that do not depend on a reduction (the others
/// are verifyKredReduceLowerable's).
static LogicalResult verifyOptions(Operation *module,
                                   const CPUTargetOptions &options) {
  if (options.tileJ >= 1)
    return success();
  return module->emitError("convert-kred-to-scf: default-tile-j must be "
                           ">= 1, got ")
         << options.tileJ;
}

namespace {
struct ConvertKredToSCFPass
    : mlir::kernelred::impl::ConvertKredToSCFPassBase<ConvertKredToSCFPass> {
  using ConvertKredToSCFPassBase::ConvertKredToSCFPassBase;

  void runOnOperation() override {
    CPUTargetOptions options;
    options.vectorBits = vectorBits;
    options.tileJ = defaultTileJ;
    if (failed(verifyOptions(getOperation(), options)) ||
        failed(lowerKredReductions(
            getOperation(),
            [&](ReduceOp op) { return verifyKredReduceLowerable(op, options); },
            [&](RewritePatternSet &patterns) {
              populateKredReduceToSCFPatterns(patterns, options);
            })))
      signalPassFailure();
  }
};
} // namespace
