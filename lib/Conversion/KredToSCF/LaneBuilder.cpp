//===- LaneBuilder.cpp - arith/math on scalar or per-lane components ------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kernelred;

Value LaneBuilder::splat(Value v) {
  if (isLane(v))
    return v;
  Type elt = v.getType();
  auto type = VectorType::get(laneType.getShape(), elt);
  return vector::BroadcastOp::create(b, loc, type, v);
}

void LaneBuilder::unify(MutableArrayRef<Value> values) {
  if (!llvm::any_of(values, [](Value v) { return isLane(v); }))
    return;
  for (Value &v : values)
    v = splat(v);
}

Value LaneBuilder::cst(double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(scalarType, value));
}

Value LaneBuilder::cstLike(Value like, double value) {
  if (!isLane(like))
    return cst(value);
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(laneType, b.getFloatAttr(scalarType, value)));
}

Value LaneBuilder::add(Value x, Value y) { return binary<arith::AddFOp>(x, y); }

Value LaneBuilder::sub(Value x, Value y) { return binary<arith::SubFOp>(x, y); }

Value LaneBuilder::mul(Value x, Value y) { return binary<arith::MulFOp>(x, y); }

Value LaneBuilder::div(Value x, Value y) { return binary<arith::DivFOp>(x, y); }

Value LaneBuilder::neg(Value x) { return arith::NegFOp::create(b, loc, x); }

Value LaneBuilder::fma(Value x, Value y, Value z) {
  Value ops[3] = {x, y, z};
  unify(ops);
  return math::FmaOp::create(b, loc, ops[0], ops[1], ops[2]);
}

Value LaneBuilder::abs(Value x) { return math::AbsFOp::create(b, loc, x); }
Value LaneBuilder::floor(Value x) { return math::FloorOp::create(b, loc, x); }
Value LaneBuilder::trunc(Value x) { return math::TruncOp::create(b, loc, x); }
Value LaneBuilder::sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }

Value LaneBuilder::copySign(Value magnitude, Value sign) {
  return binary<math::CopySignOp>(magnitude, sign);
}

Value LaneBuilder::minNum(Value x, Value y) {
  return binary<arith::MinNumFOp>(x, y);
}

Value LaneBuilder::cmp(arith::CmpFPredicate predicate, Value x, Value y) {
  return binary<arith::CmpFOp>(x, y, predicate);
}

Value LaneBuilder::select(Value condition, Value x, Value y) {
  Value ops[3] = {condition, x, y};
  unify(ops);
  return arith::SelectOp::create(b, loc, ops[0], ops[1], ops[2]);
}

Value LaneBuilder::boolToFloat(Value condition) {
  Value one = isLane(condition)
                  ? arith::ConstantOp::create(
                        b, loc,
                        DenseElementsAttr::get(laneType,
                                               b.getFloatAttr(scalarType, 1.0)))
                        .getResult()
                  : cst(1.0);
  return select(condition, one, cstLike(one, 0.0));
}

Value LaneBuilder::andI(Value x, Value y) {
  return binary<arith::AndIOp>(x, y);
}

Value LaneBuilder::orI(Value x, Value y) { return binary<arith::OrIOp>(x, y); }

Value LaneBuilder::exp(Value x) { return math::ExpOp::create(b, loc, x); }
Value LaneBuilder::log(Value x) {
  if (!getElementTypeOrSelf(x.getType()).isF32())
    return math::LogOp::create(b, loc, x);
  // MLIR's f32 approximation treats subnormal inputs as the smallest
  // normal: scale them by 2^24 first.
  Value tiny =
      cmp(arith::CmpFPredicate::OLT, x, cstLike(x, 1.1754943508222875e-38));
  Value scaled = select(tiny, mul(x, cstLike(x, 16777216.0)), x);
  Value l = math::LogOp::create(b, loc, scaled);
  return select(tiny, sub(l, cstLike(x, 16.635532333438686)), l);
}
Value LaneBuilder::sin(Value x) { return math::SinOp::create(b, loc, x); }
Value LaneBuilder::cos(Value x) { return math::CosOp::create(b, loc, x); }
Value LaneBuilder::asin(Value x) { return math::AsinOp::create(b, loc, x); }
Value LaneBuilder::acos(Value x) { return math::AcosOp::create(b, loc, x); }
Value LaneBuilder::atan(Value x) { return math::AtanOp::create(b, loc, x); }

Value LaneBuilder::atan2(Value y, Value x) {
  return binary<math::Atan2Op>(y, x);
}

Value LaneBuilder::round(Value x) {
  // trunc(x), moved one away from zero when the dropped part is >= 1/2.
  Value t = trunc(x);
  Value frac = abs(sub(x, t));
  Value up = cmp(arith::CmpFPredicate::OGE, frac, cstLike(x, 0.5));
  Value away = add(t, copySign(cstLike(x, 1.0), x));
  return select(up, away, t);
}
