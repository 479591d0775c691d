//===- KredToSCF.cpp - kernelred to CPU loops (placeholder) ---------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_CONVERTKREDTOSCFPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct ConvertKredToSCFPass
    : mlir::kernelred::impl::ConvertKredToSCFPassBase<ConvertKredToSCFPass> {
  void runOnOperation() override {}
};
} // namespace
