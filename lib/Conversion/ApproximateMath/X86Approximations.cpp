//===- X86Approximations.cpp - exp on 512-bit vectors with vscalef --------===//
//
// Part of the kernelred project.
//
// exp(x) on vector<16xf32> and vector<8xf64> for AVX-512 targets: the same
// Cody-Waite reduction as the portable expansions, x = k ln2 + r with
// |r| <= ln2 / 2, but 2^k is applied by vscalefps/vscalefpd, which
// overflows to inf (and, in f64, rounds into the subnormal range) by itself,
// and whose lane mask flushes f32 underflows to 0. No integer exponent
// arithmetic, no special-case selects: 15 vector uops for f32 against about
// 19 for MLIR's expansion, about 20 for f64 against 35.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/ApproximateMath/ApproximateMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

/// A value of the vector type `type` with every lane `v`.
Value splat(PatternRewriter &b, Location loc, VectorType type, double v) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), v)));
}

/// True for the 512-bit vectors the scalef intrinsics take.
bool isZmm(Type type) {
  auto vt = dyn_cast<VectorType>(type);
  if (!vt || vt.getRank() != 1 || vt.isScalable())
    return false;
  Type elt = vt.getElementType();
  return (elt.isF32() && vt.getDimSize(0) == 16) ||
         (elt.isF64() && vt.getDimSize(0) == 8);
}

struct ExpAVX512Pattern : OpRewritePattern<math::ExpOp> {
  ExpAVX512Pattern(MLIRContext *ctx)
      : OpRewritePattern<math::ExpOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &b) const override {
    if (!isZmm(op.getType()))
      return failure();
    auto type = cast<VectorType>(op.getType());
    bool f32 = type.getElementType().isF32();
    Location loc = op.getLoc();
    auto cst = [&](double v) { return splat(b, loc, type, v); };
    auto fma = [&](Value x, Value y, Value z) {
      return math::FmaOp::create(b, loc, x, y, z).getResult();
    };
    using P = arith::CmpFPredicate;
    // Clamp so that k stays small (above exp's overflow to inf, which
    // vscalef then produces). select(x < lo, lo, x) keeps NaN, and LLVM
    // emits it as one vmaxps/vminps. f32 results below the smallest normal
    // float are flushed to 0 (through vscalef's mask, no extra uop), as the
    // portable expansion does from about -87.5: a subnormal result costs a
    // microcode assist in every later operation that reads it (a Gaussian
    // kernel with many far pairs ran 7x slower). f64 keeps its subnormals
    // (exp(x) < 2.2e-308 only for x < -708, rare), down to 0 by vscalef.
    double lo = f32 ? -87.3365 : -746.0, hi = f32 ? 89.0 : 710.0;
    Value x = op.getOperand();
    Type maskType = f32 ? b.getI16Type() : b.getI8Type();
    Value mask;
    if (f32) {
      // Lanes with x >= lo or NaN (unordered: NaN stays NaN) are computed,
      // the others take the pass-through 0.
      Value keep = arith::CmpFOp::create(b, loc, P::UGE, x, cst(lo));
      mask = LLVM::BitcastOp::create(b, loc, maskType, keep);
    } else {
      mask = LLVM::ConstantOp::create(b, loc, maskType,
                                      b.getIntegerAttr(maskType, -1));
    }
    x = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::OLT, x, cst(lo)), cst(lo), x);
    x = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::OGT, x, cst(hi)), cst(hi), x);
    Value k = math::RoundEvenOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, cst(1.4426950408889634)));
    // ln2 = hi + lo with hi exact in a few bits: k * hi is exact.
    double ln2Hi = f32 ? 0.693145751953125 : 0.6931471804855391;
    double ln2Lo = f32 ? 1.428606765330187045e-06 : 7.440617110012397e-11;
    Value r = fma(k, cst(-ln2Hi), x);
    r = fma(k, cst(-ln2Lo), r);
    // exp(r), |r| <= 0.347: degree 7 (f32, SLEEF's minimax coefficients,
    // about 1 ulp) or 13 (f64, Taylor, as the portable expansion).
    SmallVector<double> c;
    if (f32) {
      c = {1.0,
           1.0,
           0.5,
           0.166666671633720397949219,
           0.0416664853692054748535156,
           0.00833336077630519866943359,
           0.00139304355252534151077271,
           0.000198527617612853646278381};
    } else {
      double f = 1;
      for (int n = 0; n <= 13; ++n) {
        if (n > 0)
          f /= n;
        c.push_back(f);
      }
    }
    Value p = cst(c.back());
    for (int i = (int)c.size() - 2; i >= 0; --i)
      p = fma(p, r, cst(c[i]));
    // p * 2^k: vscalef on the lanes of `mask` (0 elsewhere), current
    // rounding.
    Value curDirection = LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                                  b.getI32IntegerAttr(4));
    Value passthru = cst(0.0);
    StringRef name = f32 ? "llvm.x86.avx512.mask.scalef.ps.512"
                         : "llvm.x86.avx512.mask.scalef.pd.512";
    auto call = LLVM::CallIntrinsicOp::create(
        b, loc, type, b.getStringAttr(name),
        ValueRange{p, k, passthru, mask, curDirection});
    b.replaceOp(op, call.getResults());
    return success();
  }
};

} // namespace

void mlir::kernelred::populateKredAVX512MathPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ExpAVX512Pattern>(patterns.getContext());
}
