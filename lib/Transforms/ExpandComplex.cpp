//===- ExpandComplex.cpp - complex ops to real kernelred ops --------------===//
//
// Part of the kernelred project.
//
// The patterns of populateExpandComplexPatterns and the pass
// kred-expand-complex (KredExpandComplexPass), which runs them on every
// reduction so that pipelines lower complex formulas with the real ops only.
//
// A complex vector of dimension n is a formula value of dimension 2n holding
// (re_0, im_0, re_1, im_1, ...). Every pattern below splits its operands
// into real and imaginary parts (extract_strided with stride 2), computes
// with the real ops, whose dim-1 broadcasting gives KeOps' complex-scalar
// broadcasting for free, and interleaves the parts of the result.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/ExpandComplex.h"

#include "dialect/KredOps.h"
#include "lib/Transforms/Passes.h"

#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDEXPANDCOMPLEXPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// The real and imaginary parts of a complex vector.
struct Parts {
  Value re;
  Value im;
};

/// Builders of real kernelred ops at one location.
struct Real {
  PatternRewriter &rewriter;
  Location loc;

  /// Real / imaginary parts of the complex vector `z`.
  Value re(Value z) { return part(z, 0); }
  Value im(Value z) { return part(z, 1); }
  Value part(Value z, int64_t start) {
    return ExtractStridedOp::create(rewriter, loc, z, start,
                                    getFormulaDim(z) / 2, 2);
  }
  /// The complex vector with parts `re` and `im`.
  Value complex(Value re, Value im) {
    return InterleaveOp::create(rewriter, loc, re, im);
  }
  /// A scalar zero of `like`'s element type (it broadcasts).
  Value zero(Value like) {
    auto type = cast<VectorType>(like.getType());
    return ZeroOp::create(rewriter, loc,
                          getFormulaType(type.getElementType(), 1));
  }
  Value add(Value a, Value b) { return AddOp::create(rewriter, loc, a, b); }
  Value sub(Value a, Value b) { return SubOp::create(rewriter, loc, a, b); }
  Value mul(Value a, Value b) { return MulOp::create(rewriter, loc, a, b); }
  Value div(Value a, Value b) { return DivOp::create(rewriter, loc, a, b); }
  Value neg(Value a) { return NegOp::create(rewriter, loc, a); }
  Value square(Value a) { return SquareOp::create(rewriter, loc, a); }
  Value sqrt(Value a) { return SqrtOp::create(rewriter, loc, a); }
  Value exp(Value a) { return ExpOp::create(rewriter, loc, a); }
  Value cos(Value a) { return CosOp::create(rewriter, loc, a); }
  Value sin(Value a) { return SinOp::create(rewriter, loc, a); }
  Value sum(Value a) { return SumOp::create(rewriter, loc, a); }
  Value sumt(Value a, int64_t dim) {
    return SumTOp::create(rewriter, loc, a, dim);
  }
  Value atan2(Value y, Value x) { return Atan2Op::create(rewriter, loc, y, x); }
  /// |z|^2 per complex component.
  Value squareAbs(Value z) {
    Value re2 = square(re(z));
    Value im2 = square(im(z));
    return add(re2, im2);
  }
  /// Both parts of `z`, real part first.
  Parts parts(Value z) {
    Value r = re(z);
    Value i = im(z);
    return {r, i};
  }
  /// The complex vector with parts fn(re(z)) and fn(im(z)).
  Value mapParts(Value z, function_ref<Value(Value)> fn) {
    Parts p = parts(z);
    Value resultRe = fn(p.re);
    Value resultIm = fn(p.im);
    return complex(resultRe, resultIm);
  }
  /// The complex vector with parts fn(re(a), re(b)) and fn(im(a), im(b)).
  Value zipParts(Value a, Value b, Value (Real::*fn)(Value, Value)) {
    Parts x = parts(a), y = parts(b);
    Value resultRe = (this->*fn)(x.re, y.re);
    Value resultIm = (this->*fn)(x.im, y.im);
    return complex(resultRe, resultIm);
  }
};

/// Rewrites one complex op with `expand(real, op)`, which returns the value
/// replacing its result.
template <typename OpTy> struct ExpandComplexOp : OpRewritePattern<OpTy> {
  using Expander = Value (*)(Real &, OpTy);
  ExpandComplexOp(MLIRContext *context, Expander expand)
      : OpRewritePattern<OpTy>(context), expand(expand) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Real r{rewriter, op.getLoc()};
    Value result = expand(r, op);
    assert(result.getType() == op.getType() &&
           "complex expansion changed the result type");
    rewriter.replaceOp(op, result);
    return success();
  }

  Expander expand;
};

template <typename OpTy>
void add(RewritePatternSet &patterns,
         typename ExpandComplexOp<OpTy>::Expander expand) {
  patterns.add<ExpandComplexOp<OpTy>>(patterns.getContext(), expand);
}

} // namespace

void mlir::kernelred::populateExpandComplexPatterns(
    RewritePatternSet &patterns) {
  // Every op is created by its own statement, so that the order of the
  // created ops does not depend on the evaluation order of call arguments.
  add<ComplexRealOp>(
      patterns, [](Real &r, ComplexRealOp op) { return r.re(op.getInput()); });
  add<ComplexImagOp>(
      patterns, [](Real &r, ComplexImagOp op) { return r.im(op.getInput()); });
  add<ComplexSquareAbsOp>(patterns, [](Real &r, ComplexSquareAbsOp op) {
    return r.squareAbs(op.getInput());
  });
  add<ComplexAbsOp>(patterns, [](Real &r, ComplexAbsOp op) {
    Value squareAbs = r.squareAbs(op.getInput());
    return r.sqrt(squareAbs);
  });
  add<ComplexAngleOp>(patterns, [](Real &r, ComplexAngleOp op) {
    Parts z = r.parts(op.getInput());
    return r.atan2(z.im, z.re);
  });
  add<Real2ComplexOp>(patterns, [](Real &r, Real2ComplexOp op) {
    Value zero = r.zero(op.getInput());
    return r.complex(op.getInput(), zero);
  });
  add<Imag2ComplexOp>(patterns, [](Real &r, Imag2ComplexOp op) {
    Value zero = r.zero(op.getInput());
    return r.complex(zero, op.getInput());
  });
  add<ComplexExp1jOp>(patterns, [](Real &r, ComplexExp1jOp op) {
    Value cos = r.cos(op.getInput());
    Value sin = r.sin(op.getInput());
    return r.complex(cos, sin);
  });
  add<ConjOp>(patterns, [](Real &r, ConjOp op) {
    Parts z = r.parts(op.getInput());
    Value negIm = r.neg(z.im);
    return r.complex(z.re, negIm);
  });
  add<ComplexExpOp>(patterns, [](Real &r, ComplexExpOp op) {
    // exp(a + ib) = exp(a) cos(b) + i exp(a) sin(b).
    Parts z = r.parts(op.getInput());
    Value modulus = r.exp(z.re);
    Value cos = r.cos(z.im);
    Value sin = r.sin(z.im);
    Value resultRe = r.mul(modulus, cos);
    Value resultIm = r.mul(modulus, sin);
    return r.complex(resultRe, resultIm);
  });
  add<ComplexSumOp>(patterns, [](Real &r, ComplexSumOp op) {
    return r.mapParts(op.getInput(), [&](Value part) { return r.sum(part); });
  });
  add<ComplexSumTOp>(patterns, [](Real &r, ComplexSumTOp op) {
    int64_t n = op.getDim() / 2;
    return r.mapParts(op.getInput(),
                      [&](Value part) { return r.sumt(part, n); });
  });
  add<ComplexAddOp>(patterns, [](Real &r, ComplexAddOp op) {
    return r.zipParts(op.getLhs(), op.getRhs(), &Real::add);
  });
  add<ComplexSubtractOp>(patterns, [](Real &r, ComplexSubtractOp op) {
    return r.zipParts(op.getLhs(), op.getRhs(), &Real::sub);
  });
  add<ComplexMultOp>(patterns, [](Real &r, ComplexMultOp op) {
    // (a + ib)(c + id) = (ac - bd) + i(ad + bc).
    Parts a = r.parts(op.getLhs()), b = r.parts(op.getRhs());
    Value ac = r.mul(a.re, b.re);
    Value bd = r.mul(a.im, b.im);
    Value re = r.sub(ac, bd);
    Value ad = r.mul(a.re, b.im);
    Value bc = r.mul(a.im, b.re);
    Value im = r.add(ad, bc);
    return r.complex(re, im);
  });
  add<ComplexDivideOp>(patterns, [](Real &r, ComplexDivideOp op) {
    // (a + ib) / (c + id) = ((ac + bd) + i(bc - ad)) / (c^2 + d^2).
    Parts a = r.parts(op.getLhs()), b = r.parts(op.getRhs());
    Value c2 = r.square(b.re);
    Value d2 = r.square(b.im);
    Value den = r.add(c2, d2);
    Value ac = r.mul(a.re, b.re);
    Value bd = r.mul(a.im, b.im);
    Value sumRe = r.add(ac, bd);
    Value re = r.div(sumRe, den);
    Value bc = r.mul(a.im, b.re);
    Value ad = r.mul(a.re, b.im);
    Value diffIm = r.sub(bc, ad);
    Value im = r.div(diffIm, den);
    return r.complex(re, im);
  });
  add<ComplexRealScalOp>(patterns, [](Real &r, ComplexRealScalOp op) {
    // The real scalar scales both parts: plain dim-1 broadcasting.
    return r.mul(op.getLhs(), op.getRhs());
  });
}

LogicalResult mlir::kernelred::expandComplexOps(Operation *root) {
  RewritePatternSet patterns(root->getContext());
  populateExpandComplexPatterns(patterns);
  walkAndApplyPatterns(root, std::move(patterns));
  WalkResult result = root->walk([](Operation *op) {
    if (!isComplexOp(op))
      return WalkResult::advance();
    op->emitOpError("could not be expanded into real kernelred ops");
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

namespace {
struct KredExpandComplexPass
    : mlir::kernelred::impl::KredExpandComplexPassBase<KredExpandComplexPass> {
  void runOnOperation() override {
    if (failed(expandComplexOps(getOperation())))
      signalPassFailure();
  }
};
} // namespace
