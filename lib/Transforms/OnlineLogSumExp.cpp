//===- OnlineLogSumExp.cpp - KredOnlineLogSumExpPass ----------------------===//
//
// Part of the kernelred project.
//
// LogSumExp (weighted or not) and SumSoftMaxWeight become one monoid: a
// running maximum with shifted sums (max_sumshiftexp_weight) plus a finalize
// step. The weight is made explicit in the region, so the backends handle a
// single kind; the monoid itself (one exp per pair, exact for infinities and
// equal values) is ReductionDescription's.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/Passes.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDONLINELOGSUMEXPPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

/// Rewrites one reduction in place; returns false when `op` is not of the
/// log-sum-exp family handled here.
static bool rewriteToRunningMax(ReduceOp op) {
  ReductionKind kind = op.getKind();
  if (kind != ReductionKind::LogSumExp &&
      kind != ReductionKind::SumSoftMaxWeight)
    return false;

  YieldOp yield = op.getYield();
  Value formula = op.getFormula();
  Value weight = op.getWeight();
  OpBuilder b(yield);
  Location loc = yield.getLoc();
  Type scalarType = getFormulaType(op.getElementType(), 1);

  Finalize finalize;
  if (kind == ReductionKind::LogSumExp) {
    finalize = Finalize::LogSumExp;
    if (!weight)
      weight = IntCstOp::create(b, loc, scalarType, 1);
  } else {
    finalize = Finalize::SoftMax;
    Value one = IntCstOp::create(b, loc, scalarType, 1);
    weight = ConcatOp::create(b, loc, one, weight);
  }
  yield->setOperands({formula, weight});
  op.setKindAttr(ReductionKindAttr::get(op.getContext(),
                                        ReductionKind::MaxSumShiftExpWeight));
  op.setFinalizeAttr(FinalizeAttr::get(op.getContext(), finalize));
  return true;
}

namespace {
struct KredOnlineLogSumExpPass
    : mlir::kernelred::impl::KredOnlineLogSumExpPassBase<
          KredOnlineLogSumExpPass> {
  void runOnOperation() override {
    getOperation().walk([](ReduceOp op) { (void)rewriteToRunningMax(op); });
  }
};
} // namespace
