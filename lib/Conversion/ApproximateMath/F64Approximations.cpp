//===- F64Approximations.cpp - f64 exp, log, trig as vector code ----------===//
//
// Part of the kernelred project.
//
// Each function reduces its argument to a small interval with exactly
// representable splits of the constants (Cody-Waite), evaluates a Taylor
// polynomial whose truncation error is below 2^-53 on that interval
// (Horner with fused multiply-adds), and rebuilds the result. Special
// values (NaN, infinities, zeros, subnormals) are handled with selects, so
// the code is branch-free and vectorizes lane by lane.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/ApproximateMath/ApproximateMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kernelred;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.141592653589793;
constexpr double kPiOver2 = 1.5707963267948966;
constexpr double kPiOver4 = 0.7853981633974483;
constexpr double kPiOver8 = 0.39269908169872414;

/// arith/math on f64 values of one shape (scalar or vector), with the i64
/// values of the same shape for bit manipulation.
class F64Builder {
public:
  F64Builder(PatternRewriter &b, Location loc, Type type)
      : b(b), loc(loc), type(type) {
    intType = b.getI64Type();
    if (auto vt = dyn_cast<VectorType>(type))
      intType = VectorType::get(vt.getShape(), intType);
  }

  Value cst(double v) {
    if (auto vt = dyn_cast<VectorType>(type))
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vt, b.getF64FloatAttr(v)));
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
  }
  Value icst(int64_t v) {
    if (auto vt = dyn_cast<VectorType>(intType))
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vt, b.getI64IntegerAttr(v)));
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  Value copySign(Value x, Value s) {
    return math::CopySignOp::create(b, loc, x, s);
  }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value icmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value addI(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value subI(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shrS(Value x, Value y) { return arith::ShRSIOp::create(b, loc, x, y); }
  Value shrU(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value toBits(Value x) { return arith::BitcastOp::create(b, loc, intType, x); }
  Value fromBits(Value x) { return arith::BitcastOp::create(b, loc, type, x); }
  Value toInt(Value x) { return arith::FPToSIOp::create(b, loc, intType, x); }
  Value toFloat(Value x) { return arith::SIToFPOp::create(b, loc, type, x); }
  Value isNaN(Value x) { return cmp(arith::CmpFPredicate::UNO, x, x); }

  /// c[0] + x * (c[1] + x * (c[2] + ...)).
  Value horner(Value x, ArrayRef<double> c) {
    Value acc = cst(c.back());
    for (int64_t i = (int64_t)c.size() - 2; i >= 0; --i)
      acc = fma(acc, x, cst(c[i]));
    return acc;
  }

  /// 2^k for an integer-valued float k in [-1100, 1100], as the product of
  /// two normal powers of two (so that subnormal results are reachable).
  std::pair<Value, Value> powersOfTwo(Value k) {
    Value ki = toInt(k);
    Value k1 = shrS(ki, icst(1));
    Value k2 = subI(ki, k1);
    auto pow2 = [&](Value e) {
      return fromBits(shl(addI(e, icst(1023)), icst(52)));
    };
    return {pow2(k1), pow2(k2)};
  }

  PatternRewriter &b;
  Location loc;
  Type type, intType;
};

/// Taylor coefficients of exp: 1/n!, n = 0..degree.
SmallVector<double> expCoefficients(int degree) {
  SmallVector<double> c;
  double f = 1;
  for (int n = 0; n <= degree; ++n) {
    if (n > 0)
      f /= n;
    c.push_back(f);
  }
  return c;
}

bool isF64(Type type) { return getElementTypeOrSelf(type).isF64(); }

/// exp(x): x = k ln2 + r, |r| <= ln2 / 2, exp(r) to degree 13.
Value buildExp(F64Builder &f, Value x) {
  constexpr double kLn2Hi = 0.6931471804855391;
  constexpr double kLn2Lo = 7.440617110012397e-11;
  constexpr double kLog2E = 1.4426950408889634;
  Value nan = f.isNaN(x);
  Value overflow = f.cmp(arith::CmpFPredicate::OGT, x, f.cst(709.782712893384));
  Value underflow =
      f.cmp(arith::CmpFPredicate::OLT, x, f.cst(-745.1332191019412));
  // Keep k finite and small whatever x is; the selects below fix the result.
  Value safe = f.select(f.orI(nan, f.orI(overflow, underflow)), f.cst(0), x);
  Value k = f.floor(f.fma(safe, f.cst(kLog2E), f.cst(0.5)));
  Value r = f.fma(k, f.cst(-kLn2Hi), safe);
  r = f.fma(k, f.cst(-kLn2Lo), r);
  Value p = f.horner(r, expCoefficients(13));
  auto [s1, s2] = f.powersOfTwo(k);
  Value result = f.mul(f.mul(p, s1), s2);
  result = f.select(overflow, f.cst(kInf), result);
  result = f.select(underflow, f.cst(0), result);
  return f.select(nan, x, result);
}

/// log(x): x = 2^e m, m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s) with
/// s = (m - 1) / (m + 1), |s| < 0.1716, series to s^21.
Value buildLog(F64Builder &f, Value x) {
  constexpr double kLn2Hi = 0.6931471804855391;
  constexpr double kLn2Lo = 7.440617110012397e-11;
  using P = arith::CmpFPredicate;
  Value subnormal = f.cmp(P::OLT, x, f.cst(2.2250738585072014e-308));
  Value scaled = f.select(subnormal, f.mul(x, f.cst(18014398509481984.0)), x);
  Value bits = f.toBits(scaled);
  Value e =
      f.subI(f.andI(f.shrU(bits, f.icst(52)), f.icst(0x7ff)), f.icst(1023));
  e = f.select(subnormal, f.subI(e, f.icst(54)), e);
  Value m = f.fromBits(f.orI(f.andI(bits, f.icst(0x000fffffffffffffLL)),
                             f.icst(0x3ff0000000000000LL)));
  Value big = f.cmp(P::OGT, m, f.cst(1.4142135623730951));
  m = f.select(big, f.mul(m, f.cst(0.5)), m);
  Value ef = f.toFloat(f.select(big, f.addI(e, f.icst(1)), e));
  Value fm = f.sub(m, f.cst(1));
  Value s = f.div(fm, f.add(fm, f.cst(2)));
  Value z = f.mul(s, s);
  // 1/3 + z/5 + z^2/7 + ... + z^9/21.
  SmallVector<double> c;
  for (int k = 1; k <= 10; ++k)
    c.push_back(1.0 / (2 * k + 1));
  Value twoS = f.add(s, s);
  Value tail = f.mul(f.mul(twoS, z), f.horner(z, c));
  Value logM = f.add(twoS, f.fma(ef, f.cst(kLn2Lo), tail));
  Value result = f.fma(ef, f.cst(kLn2Hi), logM);
  // Special values.
  result = f.select(f.cmp(P::OEQ, x, f.cst(0)), f.cst(-kInf), result);
  result = f.select(f.cmp(P::OLT, x, f.cst(0)), f.cst(std::nan("")), result);
  result = f.select(f.cmp(P::OEQ, x, f.cst(kInf)), x, result);
  return f.select(f.isNaN(x), x, result);
}

/// sin(x) or cos(x): x = k pi/2 + r with a three-part pi/2, |r| <= pi/4;
/// accurate for |x| < 2^30, NaN beyond.
Value buildSinCos(F64Builder &f, Value x, bool isSin) {
  constexpr double kPio2Part1 = 1.5707963267341256;
  constexpr double kPio2Part2 = 6.077100506303966e-11;
  constexpr double kPio2Part3 = 2.0222662487959506e-21;
  constexpr double kTwoOverPi = 0.6366197723675814;
  using P = arith::CmpFPredicate;
  // Beyond 2^30 the three-part pi/2 no longer gives r to 1 ulp (that needs
  // Payne-Hanek); such arguments, infinities and NaN give NaN.
  Value finite = f.cmp(P::OLT, f.abs(x), f.cst(1073741824.0));
  Value safe = f.select(finite, x, f.cst(0));
  Value k = f.floor(f.fma(safe, f.cst(kTwoOverPi), f.cst(0.5)));
  Value r = f.fma(k, f.cst(-kPio2Part1), safe);
  r = f.fma(k, f.cst(-kPio2Part2), r);
  r = f.fma(k, f.cst(-kPio2Part3), r);
  Value z = f.mul(r, r);
  // sin r = r + r^3 (-1/3! + z/5! - ... + z^6/15!)
  SmallVector<double> sc, cc;
  double fact = 1;
  for (int n = 1; n <= 17; ++n) {
    fact *= n;
    if (n >= 3 && n % 2 == 1 && n <= 15)
      sc.push_back(((n / 2) % 2 ? -1.0 : 1.0) / fact);
    if (n >= 4 && n % 2 == 0 && n <= 16)
      cc.push_back(((n / 2) % 2 ? -1.0 : 1.0) / fact);
  }
  Value sinR = f.fma(f.mul(r, z), f.horner(z, sc), r);
  // cos r = 1 - z/2 + z^2 (1/4! - z/6! + ... + z^6/16!)
  Value cosR =
      f.fma(f.mul(z, z), f.horner(z, cc), f.fma(z, f.cst(-0.5), f.cst(1)));
  Value q = f.andI(f.toInt(k), f.icst(3));
  if (!isSin)
    q = f.andI(f.addI(q, f.icst(1)), f.icst(3));
  // q = 0: sin r, 1: cos r, 2: -sin r, 3: -cos r.
  Value odd = f.icmp(arith::CmpIPredicate::ne, f.andI(q, f.icst(1)), f.icst(0));
  Value negate =
      f.icmp(arith::CmpIPredicate::ne, f.andI(q, f.icst(2)), f.icst(0));
  Value v = f.select(odd, cosR, sinR);
  v = f.select(negate, f.neg(v), v);
  return f.select(finite, v, f.cst(std::nan("")));
}

/// atan(t) for t in [0, 1] (or NaN): t = tan(c) + u-offset with c in
/// {0, pi/8, pi/4}, |u| <= tan(pi/16), series to u^23.
Value buildAtanUnit(F64Builder &f, Value t) {
  using P = arith::CmpFPredicate;
  Value c1 = f.cmp(P::OGT, t, f.cst(0.198912367379658));
  Value c2 = f.cmp(P::OGT, t, f.cst(0.6681786379192989));
  Value center = f.select(c2, f.cst(1),
                          f.select(c1, f.cst(0.41421356237309503), f.cst(0)));
  Value base =
      f.select(c2, f.cst(kPiOver4), f.select(c1, f.cst(kPiOver8), f.cst(0)));
  Value u = f.div(f.sub(t, center), f.fma(t, center, f.cst(1)));
  Value z = f.mul(u, u);
  // atan u = u + u z (-1/3 + z/5 - z^2/7 + ...).
  SmallVector<double> c;
  for (int k = 1; k <= 11; ++k)
    c.push_back((k % 2 ? -1.0 : 1.0) / (2 * k + 1));
  Value atanU = f.fma(f.mul(u, z), f.horner(z, c), u);
  return f.add(base, atanU);
}

Value buildAtan(F64Builder &f, Value x) {
  Value a = f.abs(x);
  Value invert = f.cmp(arith::CmpFPredicate::OGT, a, f.cst(1));
  Value t = f.select(invert, f.div(f.cst(1), a), a);
  Value r = buildAtanUnit(f, t);
  r = f.select(invert, f.sub(f.cst(kPiOver2), r), r);
  return f.copySign(r, x);
}

Value buildAtan2(F64Builder &f, Value y, Value x) {
  using P = arith::CmpFPredicate;
  Value ax = f.abs(x), ay = f.abs(y);
  Value swap = f.cmp(P::OGT, ay, ax);
  Value num = f.select(swap, ax, ay);
  Value den = f.select(swap, ay, ax);
  Value t = f.div(num, den);
  // 0/0 -> 0; inf/inf -> 1 (atan2 of equal infinities is a multiple of pi/4).
  Value zero = f.cst(0);
  t = f.select(f.andI(f.cmp(P::OEQ, num, zero), f.cmp(P::OEQ, den, zero)), zero,
               t);
  Value inf = f.cst(kInf);
  t = f.select(f.andI(f.cmp(P::OEQ, ax, inf), f.cmp(P::OEQ, ay, inf)), f.cst(1),
               t);
  Value a = buildAtanUnit(f, t);
  a = f.select(swap, f.sub(f.cst(kPiOver2), a), a);
  Value xNegative = f.icmp(arith::CmpIPredicate::slt, f.toBits(x), f.icst(0));
  a = f.select(xNegative, f.sub(f.cst(kPi), a), a);
  return f.copySign(a, y);
}

Value buildAsin(F64Builder &f, Value x) {
  // asin x = atan(x / sqrt((1 - x)(1 + x))).
  Value one = f.cst(1);
  Value d = f.sqrt(f.mul(f.sub(one, x), f.add(one, x)));
  return buildAtan(f, f.div(x, d));
}

Value buildAcos(F64Builder &f, Value x) {
  // acos x = 2 atan(sqrt((1 - x) / (1 + x))).
  Value one = f.cst(1);
  Value t = f.sqrt(f.div(f.sub(one, x), f.add(one, x)));
  return f.mul(f.cst(2), buildAtan(f, t));
}

/// Rewrites a unary f64 math op with `build`.
template <typename OpTy> struct UnaryF64Pattern : OpRewritePattern<OpTy> {
  UnaryF64Pattern(MLIRContext *ctx, Value (*build)(F64Builder &, Value))
      : OpRewritePattern<OpTy>(ctx), build(build) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!isF64(op.getType()))
      return failure();
    F64Builder f(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOp(op, build(f, op.getOperand()));
    return success();
  }
  Value (*build)(F64Builder &, Value);
};

struct Atan2F64Pattern : OpRewritePattern<math::Atan2Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::Atan2Op op,
                                PatternRewriter &rewriter) const override {
    if (!isF64(op.getType()))
      return failure();
    F64Builder f(rewriter, op.getLoc(), op.getType());
    rewriter.replaceOp(op, buildAtan2(f, op.getLhs(), op.getRhs()));
    return success();
  }
};

Value buildSin(F64Builder &f, Value x) { return buildSinCos(f, x, true); }
Value buildCos(F64Builder &f, Value x) { return buildSinCos(f, x, false); }

} // namespace

void mlir::kernelred::populateKredF64MathApproximationPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryF64Pattern<math::ExpOp>>(ctx, buildExp);
  patterns.add<UnaryF64Pattern<math::LogOp>>(ctx, buildLog);
  patterns.add<UnaryF64Pattern<math::SinOp>>(ctx, buildSin);
  patterns.add<UnaryF64Pattern<math::CosOp>>(ctx, buildCos);
  patterns.add<UnaryF64Pattern<math::AtanOp>>(ctx, buildAtan);
  patterns.add<UnaryF64Pattern<math::AsinOp>>(ctx, buildAsin);
  patterns.add<UnaryF64Pattern<math::AcosOp>>(ctx, buildAcos);
  patterns.add<Atan2F64Pattern>(ctx);
}
