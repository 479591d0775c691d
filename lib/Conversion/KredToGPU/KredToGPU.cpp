//===- KredToGPU.cpp - the convert-kred-to-gpu pass -----------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToGPU/KredToGPU.h"
#include "lib/Conversion/Passes.h"

#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_CONVERTKREDTOGPUPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct ConvertKredToGPUPass
    : mlir::kernelred::impl::ConvertKredToGPUPassBase<ConvertKredToGPUPass> {
  using ConvertKredToGPUPassBase::ConvertKredToGPUPassBase;

  void runOnOperation() override {
    KredToGPUOptions options;
    options.blockThreads = blockThreads;
    options.rowsPerThread = rowsPerThread;
    options.tileJ = tileJ;
    bool ok = true;
    bool any = false;
    getOperation().walk([&](ReduceOp op) {
      any = true;
      ok &= succeeded(verifyKredReduceGPULowerable(op, options));
    });
    if (!ok)
      return signalPassFailure();
    if (any)
      getOperation()->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                              UnitAttr::get(&getContext()));

    RewritePatternSet patterns(&getContext());
    populateKredReduceToGPUPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
