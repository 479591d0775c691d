//===- Autodiff.cpp - KredAutodiffPass (placeholder) -----------------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDAUTODIFFPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct KredAutodiffPass : mlir::kernelred::impl::KredAutodiffPassBase<KredAutodiffPass> {
  void runOnOperation() override {}
};
} // namespace

void mlir::kernelred::registerAdjointRuleExternalModels(DialectRegistry &) {}
