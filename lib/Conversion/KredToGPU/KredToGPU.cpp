//===- KredToGPU.cpp - the convert-kred-to-gpu pass -----------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToGPU/KredToGPU.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"
#include "lib/Conversion/Passes.h"

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
    // The gpu.modules need a container module (set when there is one).
    bool any = false;
    GPUTargetOptions options;
    options.blockThreads = blockThreads;
    options.rowsPerThread = rowsPerThread;
    options.tileJ = tileJ;
    if (failed(lowerKredReductions(
            getOperation(),
            [&](ReduceOp op) {
              any = true;
              return verifyKredReduceGPULowerable(op, options);
            },
            [&](RewritePatternSet &patterns) {
              populateKredReduceToGPUPatterns(patterns, options);
            })))
      return signalPassFailure();
    if (any)
      getOperation()->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                              UnitAttr::get(&getContext()));
  }
};
} // namespace
