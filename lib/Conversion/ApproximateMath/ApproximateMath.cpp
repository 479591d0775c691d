//===- ApproximateMath.cpp - KredApproximateMathPass ----------------------===//
//
// Part of the kernelred project.
//
// No libm call may be left in a kernel: LLVM would scalarize the vector
// math intrinsics into per-lane calls. f32 (and 16-bit types through f32)
// use MLIR's polynomial approximations; f64 uses ours
// (F64Approximations.cpp).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/ApproximateMath/ApproximateMath.h"
#include "lib/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDAPPROXIMATEMATHPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

/// The functions the kernels use.
static bool isApproximated(StringRef name) {
  return llvm::is_contained(
      {math::ExpOp::getOperationName(), math::LogOp::getOperationName(),
       math::SinOp::getOperationName(), math::CosOp::getOperationName(),
       math::AtanOp::getOperationName(), math::Atan2Op::getOperationName(),
       math::AsinOp::getOperationName(), math::AcosOp::getOperationName()},
      name);
}

void mlir::kernelred::populateKredF32MathApproximationPatterns(
    RewritePatternSet &patterns) {
  populateMathF32ExpansionPatterns(patterns, isApproximated);
  populateMathPolynomialApproximationPatterns(patterns, isApproximated);
}

namespace {
struct KredApproximateMathPass
    : mlir::kernelred::impl::KredApproximateMathPassBase<
          KredApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKredF32MathApproximationPatterns(patterns);
    populateKredF64MathApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
