//===- ExpandBF16.cpp - KredExpandBF16Pass --------------------------------===//
//
// Part of the kernelred project.
//
// f32 <-> bf16 conversions as integer code, so that no bf16 kernel needs a
// compiler-rt builtin (__truncsfbf2) on hosts without AVX512-BF16.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDEXPANDBF16PASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;

namespace {
struct KredExpandBF16Pass
    : mlir::kernelred::impl::KredExpandBF16PassBase<KredExpandBF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
