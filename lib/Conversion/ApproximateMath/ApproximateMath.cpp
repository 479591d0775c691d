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
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDAPPROXIMATEMATHPASS
#include "lib/Conversion/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

/// The functions MLIR approximates well in f32 (about 1 ulp).
static bool isApproximatedInF32(StringRef name) {
  return name == math::ExpOp::getOperationName() ||
         name == math::LogOp::getOperationName();
}

namespace {
/// Computes a math op of a narrower float type in f64: MLIR's f32 sin and
/// cos have an absolute, not relative, error (sin(1e-8) is off by 6e7 ulp,
/// sin near k*pi by 1e5 ulp) and its atan about 35 ulp; the f64 expansions
/// are within 2 ulp of f64, hence correctly rounded or nearly so in f32.
template <typename OpTy> struct WidenToF64 : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    auto elt = dyn_cast<FloatType>(getElementTypeOrSelf(type));
    if (!elt || elt.getWidth() >= 64)
      return failure();
    Type wide = rewriter.getF64Type();
    if (auto vt = dyn_cast<VectorType>(type))
      wide = VectorType::get(vt.getShape(), wide);
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(arith::ExtFOp::create(rewriter, op.getLoc(), wide, v));
    Value r = OpTy::create(rewriter, op.getLoc(), operands);
    rewriter.replaceOpWithNewOp<arith::TruncFOp>(op, type, r);
    return success();
  }
};
} // namespace

void mlir::kernelred::populateKredF32MathApproximationPatterns(
    RewritePatternSet &patterns) {
  populateMathF32ExpansionPatterns(patterns, isApproximatedInF32);
  populateMathPolynomialApproximationPatterns(patterns, isApproximatedInF32);
  patterns.add<WidenToF64<math::SinOp>, WidenToF64<math::CosOp>,
               WidenToF64<math::AtanOp>, WidenToF64<math::Atan2Op>,
               WidenToF64<math::AsinOp>, WidenToF64<math::AcosOp>>(
      patterns.getContext());
}

namespace {
struct KredApproximateMathPass
    : mlir::kernelred::impl::KredApproximateMathPassBase<
          KredApproximateMathPass> {
  using KredApproximateMathPassBase::KredApproximateMathPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKredF32MathApproximationPatterns(patterns);
    populateKredF64MathApproximationPatterns(patterns);
    if (avx512)
      populateKredAVX512MathPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
