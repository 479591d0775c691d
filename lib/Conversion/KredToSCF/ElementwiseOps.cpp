//===- ElementwiseOps.cpp - constants, arithmetic, comparisons ------------===//
//
// Part of the kernelred project.
//
// Componentwise lowerings of the constants and of the arithmetic,
// comparison and selection ops, with KeOps' conventions (Sign(0) = 0,
// Step(0) = 1, IfElse takes `a` where cond >= 0).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

using namespace mlir;
using namespace mlir::kernelred;

using P = arith::CmpFPredicate;

static void populateConstants(FormulaLowerings &l) {
  l.add<IntCstOp>([](IntCstOp op, ArrayRef<Components>, LaneBuilder &lanes,
                     Components &result) {
    result.push_back(lanes.cst((double)(int64_t)op.getValue()));
    return success();
  });
  l.add<RatCstOp>([](RatCstOp op, ArrayRef<Components>, LaneBuilder &lanes,
                     Components &result) {
    result.push_back(
        lanes.cst((double)(int64_t)op.getNum() / (double)(int64_t)op.getDen()));
    return success();
  });
  l.add<ZeroOp>([](ZeroOp op, ArrayRef<Components>, LaneBuilder &lanes,
                   Components &result) {
    for (int64_t k = 0, e = getFormulaDim(op.getResult()); k < e; ++k)
      result.push_back(lanes.cst(0.0));
    return success();
  });
  l.add<ConstantOp>([](ConstantOp op, ArrayRef<Components>, LaneBuilder &lanes,
                       Components &result) -> LogicalResult {
    auto elements = dyn_cast<DenseFPElementsAttr>(op.getValue());
    if (!elements)
      return op.emitOpError("expects a dense float constant");
    for (APFloat v : elements.getValues<APFloat>()) {
      bool lost;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      result.push_back(lanes.cst(v.convertToDouble()));
    }
    return success();
  });
}

static void populateArithmetic(FormulaLowerings &l) {
  addComponentwise<AddOp>(l, [](AddOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.add(a[0], a[1]);
  });
  addComponentwise<SubOp>(l, [](SubOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.sub(a[0], a[1]);
  });
  addComponentwise<MulOp>(l, [](MulOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.mul(a[0], a[1]);
  });
  addComponentwise<DivOp>(l, [](DivOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.div(a[0], a[1]);
  });
  addComponentwise<NegOp>(
      l, [](NegOp, LaneBuilder &b, ArrayRef<Value> a) { return b.neg(a[0]); });
  addComponentwise<InvOp>(l, [](InvOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.div(b.cstLike(a[0], 1.0), a[0]);
  });
  addComponentwise<SquareOp>(l,
                             [](SquareOp, LaneBuilder &b, ArrayRef<Value> a) {
                               return b.mul(a[0], a[0]);
                             });
  addComponentwise<AbsOp>(
      l, [](AbsOp, LaneBuilder &b, ArrayRef<Value> a) { return b.abs(a[0]); });
}

static void populateSelections(FormulaLowerings &l) {
  addComponentwise<SignOp>(l, [](SignOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value x = a[0];
    Value zero = b.cstLike(x, 0.0);
    Value pos = b.select(b.cmp(P::OGT, x, zero), b.cstLike(x, 1.0), zero);
    return b.select(b.cmp(P::OLT, x, zero), b.cstLike(x, -1.0), pos);
  });
  addComponentwise<StepOp>(l, [](StepOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value x = a[0];
    return b.select(b.cmp(P::OLT, x, b.cstLike(x, 0.0)), b.cstLike(x, 0.0),
                    b.cstLike(x, 1.0));
  });
  addComponentwise<ReLUOp>(l, [](ReLUOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value x = a[0];
    Value zero = b.cstLike(x, 0.0);
    return b.select(b.cmp(P::OLT, x, zero), zero, x);
  });
  addComponentwise<ClampIntOp>(
      l, [](ClampIntOp op, LaneBuilder &b, ArrayRef<Value> a) {
        Value x = a[0];
        Value lo = b.cstLike(x, (double)(int64_t)op.getLo());
        Value hi = b.cstLike(x, (double)(int64_t)op.getHi());
        Value upper = b.select(b.cmp(P::OGT, x, hi), hi, x);
        return b.select(b.cmp(P::OLT, x, lo), lo, upper);
      });
  addComponentwise<DiffClampIntOp>(
      l, [](DiffClampIntOp op, LaneBuilder &b, ArrayRef<Value> a) {
        Value x = a[0];
        Value outside =
            b.orI(b.cmp(P::OLT, x, b.cstLike(x, (double)(int64_t)op.getLo())),
                  b.cmp(P::OGT, x, b.cstLike(x, (double)(int64_t)op.getHi())));
        return b.select(outside, b.cstLike(x, 0.0), b.cstLike(x, 1.0));
      });
  addComponentwise<ClampOp>(l, [](ClampOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value upper = b.select(b.cmp(P::OGT, a[0], a[2]), a[2], a[0]);
    return b.select(b.cmp(P::OLT, a[0], a[1]), a[1], upper);
  });
  addComponentwise<IfElseOp>(
      l, [](IfElseOp, LaneBuilder &b, ArrayRef<Value> a) {
        Value c = b.cmp(P::OGE, a[0], b.cstLike(a[0], 0.0));
        return b.select(c, a[1], a[2]);
      });
}

static void populateComparisons(FormulaLowerings &l) {
  addComponentwise<EqualOp>(l, [](EqualOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.boolToFloat(b.cmp(P::OEQ, a[0], a[1]));
  });
  addComponentwise<NotEqualOp>(
      l, [](NotEqualOp, LaneBuilder &b, ArrayRef<Value> a) {
        return b.boolToFloat(b.cmp(P::UNE, a[0], a[1]));
      });
  addComponentwise<LessThanOp>(
      l, [](LessThanOp, LaneBuilder &b, ArrayRef<Value> a) {
        return b.boolToFloat(b.cmp(P::OLT, a[0], a[1]));
      });
  addComponentwise<LessOrEqualOp>(
      l, [](LessOrEqualOp, LaneBuilder &b, ArrayRef<Value> a) {
        return b.boolToFloat(b.cmp(P::OLE, a[0], a[1]));
      });
}

void mlir::kernelred::populateKredElementwiseLowerings(
    FormulaLowerings &lowerings) {
  populateConstants(lowerings);
  populateArithmetic(lowerings);
  populateSelections(lowerings);
  populateComparisons(lowerings);
}
