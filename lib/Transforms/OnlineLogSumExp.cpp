//===- OnlineLogSumExp.cpp - KredOnlineLogSumExpPass (placeholder) -----------------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDONLINELOGSUMEXPPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {
struct KredOnlineLogSumExpPass : mlir::kernelred::impl::KredOnlineLogSumExpPassBase<KredOnlineLogSumExpPass> {
  void runOnOperation() override {}
};
} // namespace
