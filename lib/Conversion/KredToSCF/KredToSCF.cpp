//===- KredToSCF.cpp - ConvertKredToSCFPass -------------------------------===//
//
// Part of the kernelred project.
//
// The pass only checks that every reduction can be lowered and applies the
// patterns; the work is in ReduceToFunctions.cpp and the formula lowerings.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"
#include "lib/Conversion/Passes.h"

#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_CONVERTKREDTOSCFPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct ConvertKredToSCFPass
    : mlir::kernelred::impl::ConvertKredToSCFPassBase<ConvertKredToSCFPass> {
  using ConvertKredToSCFPassBase::ConvertKredToSCFPassBase;

  void runOnOperation() override {
    KredToSCFOptions options;
    options.vectorBits = vectorBits;
    options.defaultTileJ = defaultTileJ;
    if (options.defaultTileJ < 1) {
      getOperation().emitError("convert-kred-to-scf: default-tile-j must be "
                               ">= 1, got ")
          << options.defaultTileJ;
      return signalPassFailure();
    }
    bool ok = true;
    getOperation().walk([&](ReduceOp op) {
      ok &= succeeded(verifyKredReduceLowerable(op, options));
    });
    if (!ok)
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    populateKredReduceToSCFPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
