//===- MathOps.cpp - elementary functions, powers, rounding ---------------===//
//
// Part of the kernelred project.
//
// Componentwise lowerings to the math dialect (whose functions the pipeline
// expands into polynomial vector code) with KeOps' conventions at the
// singular points: Rsqrt(0) = 0, XLogX(0) = 0, SinXDivX(0) = 1. Powf follows
// C's pow and is computed in f64 for f32 kernels (exp(y log|x|) loses
// |y log x| ulps in the compute type otherwise).
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kernelred;

using P = arith::CmpFPredicate;

/// x^n for an integer n by repeated squaring.
static Value buildIntegerPower(LaneBuilder &b, Value x, int64_t n) {
  uint64_t e = n < 0 ? -(uint64_t)n : (uint64_t)n;
  Value result;
  Value square = x;
  while (e) {
    if (e & 1)
      result = result ? b.mul(result, square) : square;
    e >>= 1;
    if (e)
      square = b.mul(square, square);
  }
  if (!result)
    return b.cstLike(x, 1.0);
  if (n < 0)
    return b.div(b.cstLike(x, 1.0), result);
  return result;
}

/// C's pow(x, y).
static Value buildPowf(LaneBuilder &lanes, Value x, Value y) {
  OpBuilder &b = lanes.getBuilder();
  Location loc = lanes.getLoc();
  Value xy[2] = {x, y};
  lanes.unify(xy);
  FloatType compute = lanes.getScalarType();
  FloatType f64 = b.getF64Type();
  LaneBuilder wide(b, loc,
                   VectorType::get(lanes.getLaneType().getShape(), f64));
  Value wx = convertFloat(b, loc, xy[0], f64);
  Value wy = convertFloat(b, loc, xy[1], f64);

  Value magnitude = wide.exp(wide.mul(wy, wide.log(wide.abs(wx))));
  Value isInt = wide.cmp(P::OEQ, wide.trunc(wy), wy);
  Value half = wide.mul(wy, wide.cstLike(wy, 0.5));
  Value isOdd = wide.andI(isInt, wide.cmp(P::UNE, wide.trunc(half), half));
  Value negative = wide.cmp(P::OLT, wx, wide.cstLike(wx, 0.0));
  Value nan = wide.cstLike(wx, std::nan(""));
  Value signedResult = wide.select(isOdd, wide.neg(magnitude), magnitude);
  Value result =
      wide.select(negative, wide.select(isInt, signedResult, nan), magnitude);
  Value one = wide.cstLike(wx, 1.0);
  Value trivial = wide.orI(wide.cmp(P::OEQ, wy, wide.cstLike(wy, 0.0)),
                           wide.cmp(P::OEQ, wx, one));
  result = wide.select(trivial, one, result);
  return convertFloat(b, loc, result, compute);
}

void mlir::kernelred::populateKredMathLowerings(FormulaLowerings &l) {
  addComponentwise<ExpOp>(
      l, [](ExpOp, LaneBuilder &b, ArrayRef<Value> a) { return b.exp(a[0]); });
  addComponentwise<LogOp>(
      l, [](LogOp, LaneBuilder &b, ArrayRef<Value> a) { return b.log(a[0]); });
  addComponentwise<XLogXOp>(l, [](XLogXOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value x = a[0];
    Value zero = b.cstLike(x, 0.0);
    return b.select(b.cmp(P::OEQ, x, zero), zero, b.mul(x, b.log(x)));
  });
  addComponentwise<SinOp>(
      l, [](SinOp, LaneBuilder &b, ArrayRef<Value> a) { return b.sin(a[0]); });
  addComponentwise<CosOp>(
      l, [](CosOp, LaneBuilder &b, ArrayRef<Value> a) { return b.cos(a[0]); });
  addComponentwise<SinXDivXOp>(
      l, [](SinXDivXOp, LaneBuilder &b, ArrayRef<Value> a) {
        Value x = a[0];
        return b.select(b.cmp(P::OEQ, x, b.cstLike(x, 0.0)), b.cstLike(x, 1.0),
                        b.div(b.sin(x), x));
      });
  addComponentwise<AsinOp>(l, [](AsinOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.asin(a[0]);
  });
  addComponentwise<AcosOp>(l, [](AcosOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.acos(a[0]);
  });
  addComponentwise<AtanOp>(l, [](AtanOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.atan(a[0]);
  });
  addComponentwise<Atan2Op>(l, [](Atan2Op, LaneBuilder &b, ArrayRef<Value> a) {
    return b.atan2(a[0], a[1]);
  });
  addComponentwise<SqrtOp>(l, [](SqrtOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.sqrt(a[0]);
  });
  addComponentwise<RsqrtOp>(l, [](RsqrtOp, LaneBuilder &b, ArrayRef<Value> a) {
    Value x = a[0];
    Value zero = b.cstLike(x, 0.0);
    Value r = b.div(b.cstLike(x, 1.0), b.sqrt(x));
    return b.select(b.cmp(P::OEQ, x, zero), zero, r);
  });
  addComponentwise<PowOp>(l, [](PowOp op, LaneBuilder &b, ArrayRef<Value> a) {
    return buildIntegerPower(b, a[0], (int64_t)op.getExponent());
  });
  addComponentwise<PowfOp>(l, [](PowfOp, LaneBuilder &b, ArrayRef<Value> a) {
    return buildPowf(b, a[0], a[1]);
  });
  addComponentwise<FloorOp>(l, [](FloorOp, LaneBuilder &b, ArrayRef<Value> a) {
    return b.floor(a[0]);
  });
  addComponentwise<RoundOp>(
      l, [](RoundOp op, LaneBuilder &b, ArrayRef<Value> a) {
        int64_t d = (int64_t)op.getDecimals();
        if (d == 0)
          return b.round(a[0]);
        Value scale = b.cstLike(a[0], std::pow(10.0, (double)d));
        return b.div(b.round(b.mul(a[0], scale)), scale);
      });
  addComponentwise<ModOp>(l, [](ModOp, LaneBuilder &b, ArrayRef<Value> a) {
    // x - n * floor((x - offset) / n)
    Value q = b.floor(b.div(b.sub(a[0], a[2]), a[1]));
    return b.sub(a[0], b.mul(a[1], q));
  });
}
