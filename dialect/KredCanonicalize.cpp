//===- KredCanonicalize.cpp - canonicalization of the kernelred ops -------===//
//
// Part of the kernelred project.
//
// The canonicalization patterns of the kernelred ops: the fixed-shape
// algebraic rewrites are DRR (KredCanonicalize.td), the ones that compute
// are the pattern functions below. Each op's hook, at the end, lists its
// patterns in the order they are tried (all have benefit 1).
//
//===----------------------------------------------------------------------===//

#include "dialect/KredConstants.h"
#include "dialect/KredOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;

namespace {
#include "dialect/KredCanonicalize.inc"
} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// `value` with the type `type`: itself, or replicated with SumT when it is a
/// scalar (KeOps' broadcasting); null when neither applies.
static Value broadcastTo(PatternRewriter &rewriter, Location loc, Value value,
                         Type type) {
  if (value.getType() == type)
    return value;
  if (getFormulaDim(value) != 1)
    return {};
  return SumTOp::create(rewriter, loc, value, getFormulaDim(type));
}

/// The operand of a binary op whose other operand is a constant equal to
/// `splat` in every component: the right one is tried first, the left one
/// too when `commutes`. Null when there is none.
template <typename OpTy>
static Value getOperandBesideSplat(OpTy op, double splat, bool commutes) {
  if (isConstSplat(op.getRhs(), splat))
    return op.getLhs();
  if (commutes && isConstSplat(op.getLhs(), splat))
    return op.getRhs();
  return {};
}

/// Replaces `op` by `value` broadcast to its type; fails if it cannot be.
static LogicalResult replaceByBroadcast(PatternRewriter &rewriter,
                                        Operation *op, Value value) {
  Value result =
      broadcastTo(rewriter, op->getLoc(), value, op->getResult(0).getType());
  if (!result)
    return failure();
  rewriter.replaceOp(op, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Constants and scalars
//===----------------------------------------------------------------------===//

/// RatCst(p, q) in lowest terms with q > 0; RatCst(n, 1) -> IntCst(n).
static LogicalResult normalizeRatCst(RatCstOp op, PatternRewriter &rewriter) {
  int64_t p = op.getNum(), q = op.getDen();
  // INT64_MIN has no positive counterpart: leave such constants alone.
  if (q == 0 || p == std::numeric_limits<int64_t>::min() ||
      q == std::numeric_limits<int64_t>::min())
    return failure();
  int64_t g = std::gcd(p, q);
  if (g == 0)
    g = 1;
  if (q < 0)
    g = -g;
  p /= g;
  q /= g;
  if (q == 1) {
    rewriter.replaceOpWithNewOp<IntCstOp>(op, op.getType(), p);
    return success();
  }
  if (p == op.getNum() && q == op.getDen())
    return failure();
  rewriter.replaceOpWithNewOp<RatCstOp>(op, op.getType(), p, q);
  return success();
}

/// x op identity -> x, broadcast to the result type with SumT when x is a
/// scalar (the folders handle the case without broadcasting). `Commutes`
/// also matches the identity on the left.
template <typename OpTy, bool Commutes, int Identity>
static LogicalResult binaryIdentity(OpTy op, PatternRewriter &rewriter) {
  Value x = getOperandBesideSplat(op, Identity, Commutes);
  if (!x || x.getType() == op.getType())
    return failure();
  return replaceByBroadcast(rewriter, op, x);
}

/// IfElse with a branch known for every component (constant condition, or
/// both branches equal) whose value is a scalar -> SumT of that branch (the
/// folder handles the branches of the result type).
static LogicalResult ifElseBroadcastBranch(IfElseOp op,
                                           PatternRewriter &rewriter) {
  Value chosen;
  if (op.getA() == op.getB()) {
    chosen = op.getA();
  } else {
    Attribute cond;
    if (matchPattern(op.getCond(), m_Constant(&cond)))
      chosen = selectConstantBranch(cond, op.getA(), op.getB());
  }
  if (!chosen || chosen.getType() == op.getType())
    return failure();
  return replaceByBroadcast(rewriter, op, chosen);
}

//===----------------------------------------------------------------------===//
// Products and powers
//===----------------------------------------------------------------------===//

/// x * -1 -> -x (KeOps' Mult simplification).
static LogicalResult mulByMinusOne(MulOp op, PatternRewriter &rewriter) {
  Value x = getOperandBesideSplat(op, -1.0, /*commutes=*/true);
  if (!x)
    return failure();
  Value b = broadcastTo(rewriter, op.getLoc(), x, op.getType());
  if (!b)
    return failure();
  rewriter.replaceOpWithNewOp<NegOp>(op, b);
  return success();
}

/// A negation in a product moves to the cheaper place: out of the product
/// when both factors have the same dimension, (-a) * b -> -(a * b) (KeOps'
/// Mult simplification, so that negations meet and cancel), and onto the
/// scalar factor otherwise, (-a) * s -> a * (-s); -s * a stays.
static LogicalResult mulOfNeg(MulOp op, PatternRewriter &rewriter) {
  auto lhs = op.getLhs().getDefiningOp<NegOp>();
  auto rhs = op.getRhs().getDefiningOp<NegOp>();
  if ((lhs && rhs) || (!lhs && !rhs))
    return failure(); // MulOfNegs, or nothing to move.
  Value negated = lhs ? lhs.getInput() : rhs.getInput();
  Value other = lhs ? op.getRhs() : op.getLhs();
  int64_t dimNegated = getFormulaDim(negated), dimOther = getFormulaDim(other);
  if (dimNegated < dimOther)
    return failure(); // Already on the scalar factor.
  Location loc = op.getLoc();
  if (dimOther < dimNegated) {
    Value negOther = NegOp::create(rewriter, loc, other);
    if (lhs)
      rewriter.replaceOpWithNewOp<MulOp>(op, negated, negOther);
    else
      rewriter.replaceOpWithNewOp<MulOp>(op, negOther, negated);
    return success();
  }
  Value product = lhs ? MulOp::create(rewriter, loc, negated, other)
                      : MulOp::create(rewriter, loc, other, negated);
  rewriter.replaceOpWithNewOp<NegOp>(op, product);
  return success();
}

/// c1 * (c2 * x) -> (c1 * c2) * x for constants c1, c2.
static LogicalResult mulOfConstants(MulOp op, PatternRewriter &rewriter) {
  for (auto [c1, other] : {std::make_pair(op.getLhs(), op.getRhs()),
                           std::make_pair(op.getRhs(), op.getLhs())}) {
    auto inner = other.getDefiningOp<MulOp>();
    if (!inner || !matchPattern(c1, m_Constant()))
      continue;
    for (auto [c2, x] : {std::make_pair(inner.getLhs(), inner.getRhs()),
                         std::make_pair(inner.getRhs(), inner.getLhs())}) {
      if (!matchPattern(c2, m_Constant()) || matchPattern(x, m_Constant()))
        continue;
      Value c = MulOp::create(rewriter, op.getLoc(), c1, c2);
      rewriter.replaceOpWithNewOp<MulOp>(op, c, x);
      return success();
    }
  }
  return failure();
}

/// Powf(f, n) with a constant integer n -> Pow(f, n); Powf(f, 1/2) -> Sqrt.
static LogicalResult powfOfConstant(PowfOp op, PatternRewriter &rewriter) {
  auto vals = getConstValues(op.getRhs());
  if (!vals || !llvm::all_equal(*vals) || op.getLhs().getType() != op.getType())
    return failure();
  double e = vals->front();
  if (e == 0.5) {
    rewriter.replaceOpWithNewOp<SqrtOp>(op, op.getLhs());
    return success();
  }
  if (e != std::floor(e) || std::fabs(e) >= 64)
    return failure();
  if (e == 2)
    rewriter.replaceOpWithNewOp<SquareOp>(op, op.getLhs());
  else
    rewriter.replaceOpWithNewOp<PowOp>(op, op.getLhs(), (int64_t)e);
  return success();
}

/// Pow(Pow(x, a), b) and Pow(Square(x), b) -> Pow(x, a * b).
static LogicalResult powOfPower(PowOp op, PatternRewriter &rewriter) {
  Value base;
  int64_t inner = 0;
  if (auto pow = op.getInput().getDefiningOp<PowOp>()) {
    base = pow.getInput();
    inner = pow.getExponent();
  } else if (auto square = op.getInput().getDefiningOp<SquareOp>()) {
    base = square.getInput();
    inner = 2;
  }
  int64_t product;
  if (!base || llvm::MulOverflow(inner, op.getExponent(), product))
    return failure();
  rewriter.replaceOpWithNewOp<PowOp>(op, base, product);
  return success();
}

//===----------------------------------------------------------------------===//
// Vector ops
//===----------------------------------------------------------------------===//

/// Sum identities: Sum(SumT(x, d)) -> d * x; Sum(ElemT(x, n, m)) -> x;
/// Sum(ExtractT(x, n, s)) -> Sum(x); Sum(-x) -> -Sum(x); and KeOps' Sum of a
/// product: Sum(s * v) -> s * Sum(v) for a scalar s, Sum(u * v) ->
/// Scalprod(u, v).
static LogicalResult simplifySum(SumOp op, PatternRewriter &rewriter) {
  Value input = op.getInput();
  Location loc = op.getLoc();
  if (getFormulaDim(input) == 1)
    return failure(); // Folded.
  if (auto sumt = input.getDefiningOp<SumTOp>()) {
    Value d = IntCstOp::create(rewriter, loc, op.getType(), sumt.getDim());
    rewriter.replaceOpWithNewOp<MulOp>(op, d, sumt.getInput());
    return success();
  }
  if (auto elemt = input.getDefiningOp<ElemTOp>()) {
    rewriter.replaceOp(op, elemt.getInput());
    return success();
  }
  if (auto extractt = input.getDefiningOp<ExtractTOp>()) {
    rewriter.replaceOpWithNewOp<SumOp>(op, extractt.getInput());
    return success();
  }
  if (auto neg = input.getDefiningOp<NegOp>()) {
    Value sum = SumOp::create(rewriter, loc, neg.getInput());
    rewriter.replaceOpWithNewOp<NegOp>(op, sum);
    return success();
  }
  if (auto mul = input.getDefiningOp<MulOp>()) {
    Value a = mul.getLhs(), b = mul.getRhs();
    if (getFormulaDim(b) == 1)
      std::swap(a, b);
    if (getFormulaDim(a) == 1) {
      Value sum = SumOp::create(rewriter, loc, b);
      rewriter.replaceOpWithNewOp<MulOp>(op, a, sum);
    } else {
      rewriter.replaceOpWithNewOp<ScalProdOp>(op, a, b);
    }
    return success();
  }
  return failure();
}

/// Elem(x, k) of a value built by SumT, ElemT, Extract, ExtractT, Concat,
/// extract_strided or interleave -> the component it reads.
static LogicalResult simplifyElem(ElemOp op, PatternRewriter &rewriter) {
  Value input = op.getInput();
  int64_t k = op.getIndex();
  auto replaceBy = [&](Value v) {
    rewriter.replaceOp(op, v);
    return success();
  };
  auto elemOf = [&](Value x, int64_t i) {
    rewriter.replaceOpWithNewOp<ElemOp>(op, x, i);
    return success();
  };
  auto zero = [&] {
    return replaceBy(ZeroOp::create(rewriter, op.getLoc(), op.getType()));
  };
  if (getFormulaDim(input) == 1)
    return failure(); // Folded.
  if (auto sumt = input.getDefiningOp<SumTOp>())
    return replaceBy(sumt.getInput());
  if (auto elemt = input.getDefiningOp<ElemTOp>())
    return elemt.getIndex() == k ? replaceBy(elemt.getInput()) : zero();
  if (auto extract = input.getDefiningOp<ExtractOp>())
    return elemOf(extract.getInput(), extract.getStart() + k);
  if (auto extractt = input.getDefiningOp<ExtractTOp>()) {
    int64_t i = k - extractt.getStart();
    if (i < 0 || i >= getFormulaDim(extractt.getInput()))
      return zero();
    return elemOf(extractt.getInput(), i);
  }
  if (auto concat = input.getDefiningOp<ConcatOp>()) {
    int64_t da = getFormulaDim(concat.getLhs());
    return k < da ? elemOf(concat.getLhs(), k)
                  : elemOf(concat.getRhs(), k - da);
  }
  if (auto strided = input.getDefiningOp<ExtractStridedOp>())
    return elemOf(strided.getInput(),
                  strided.getStart() + k * strided.getStride());
  if (auto inter = input.getDefiningOp<InterleaveOp>()) {
    Value half = k % 2 == 0 ? inter.getLhs() : inter.getRhs();
    return elemOf(half, getFormulaDim(half) == 1 ? 0 : k / 2);
  }
  return failure();
}

/// Extract identities: Extract(x, s, 1) -> Elem(x, s); nested extracts
/// compose; Extract of a Concat that stays in one operand, of a SumT, or
/// of the ExtractT that placed exactly that range.
static LogicalResult simplifyExtract(ExtractOp op, PatternRewriter &rewriter) {
  Value input = op.getInput();
  int64_t s = op.getStart(), l = op.getLength();
  auto extractOf = [&](Value x, int64_t start) {
    rewriter.replaceOpWithNewOp<ExtractOp>(op, x, start, l);
    return success();
  };
  if (input.getType() == op.getType())
    return failure(); // Folded.
  if (l == 1) {
    rewriter.replaceOpWithNewOp<ElemOp>(op, input, s);
    return success();
  }
  if (auto inner = input.getDefiningOp<ExtractOp>())
    return extractOf(inner.getInput(), inner.getStart() + s);
  if (auto concat = input.getDefiningOp<ConcatOp>()) {
    int64_t da = getFormulaDim(concat.getLhs());
    if (s + l <= da)
      return extractOf(concat.getLhs(), s);
    if (s >= da)
      return extractOf(concat.getRhs(), s - da);
    return failure();
  }
  if (auto sumt = input.getDefiningOp<SumTOp>()) {
    rewriter.replaceOpWithNewOp<SumTOp>(op, sumt.getInput(), l);
    return success();
  }
  if (auto extractt = input.getDefiningOp<ExtractTOp>();
      extractt && extractt.getStart() == s &&
      extractt.getInput().getType() == op.getType()) {
    rewriter.replaceOp(op, extractt.getInput());
    return success();
  }
  return failure();
}

/// extract_strided identities: stride 1 -> Extract; length 1 -> Elem;
/// nested strided extracts compose; an even stride over an interleave reads
/// one of its operands.
static LogicalResult simplifyExtractStrided(ExtractStridedOp op,
                                            PatternRewriter &rewriter) {
  Value input = op.getInput();
  int64_t s = op.getStart(), l = op.getLength(), st = op.getStride();
  if (l == 1) {
    rewriter.replaceOpWithNewOp<ElemOp>(op, input, s);
    return success();
  }
  if (st == 1) {
    if (input.getType() == op.getType())
      return failure(); // Folded.
    rewriter.replaceOpWithNewOp<ExtractOp>(op, input, s, l);
    return success();
  }
  if (auto inner = input.getDefiningOp<ExtractStridedOp>()) {
    rewriter.replaceOpWithNewOp<ExtractStridedOp>(
        op, inner.getInput(), inner.getStart() + s * inner.getStride(), l,
        st * inner.getStride());
    return success();
  }
  if (auto inter = input.getDefiningOp<InterleaveOp>(); inter && st % 2 == 0) {
    Value half = s % 2 == 0 ? inter.getLhs() : inter.getRhs();
    if (getFormulaDim(half) == 1)
      rewriter.replaceOpWithNewOp<SumTOp>(op, half, l);
    else
      rewriter.replaceOpWithNewOp<ExtractStridedOp>(op, half, s / 2, l, st / 2);
    return success();
  }
  return failure();
}

namespace {
/// The slice [start, start + length) of `value` read by an Elem or Extract
/// op.
struct Slice {
  Value source;
  int64_t start;
  int64_t length;
};
} // namespace

static std::optional<Slice> getSlice(Value value) {
  if (auto elem = value.getDefiningOp<ElemOp>())
    return Slice{elem.getInput(), elem.getIndex(), 1};
  if (auto extract = value.getDefiningOp<ExtractOp>())
    return Slice{extract.getInput(), extract.getStart(), extract.getLength()};
  return std::nullopt;
}

/// Concat(x[s : l1], x[s + l1 : l2]) -> x[s : l1 + l2] (Elem counts as a
/// slice of length 1).
static LogicalResult concatOfSlices(ConcatOp op, PatternRewriter &rewriter) {
  std::optional<Slice> a = getSlice(op.getLhs());
  std::optional<Slice> b = getSlice(op.getRhs());
  if (!a || !b || a->source != b->source || a->start + a->length != b->start)
    return failure();
  rewriter.replaceOpWithNewOp<ExtractOp>(op, a->source, a->start,
                                         a->length + b->length);
  return success();
}

/// Scalprod with a scalar side: s * s, or KeOps' s * Sum(v).
static LogicalResult scalProdOfScalar(ScalProdOp op,
                                      PatternRewriter &rewriter) {
  Value a = op.getLhs(), b = op.getRhs();
  if (getFormulaDim(a) != 1)
    std::swap(a, b);
  if (getFormulaDim(a) != 1)
    return failure();
  if (getFormulaDim(b) != 1)
    b = SumOp::create(rewriter, op.getLoc(), b);
  rewriter.replaceOpWithNewOp<MulOp>(op, a, b);
  return success();
}

//===----------------------------------------------------------------------===//
// The patterns of each op, in the order they are tried
//===----------------------------------------------------------------------===//

/// Defines OP::getCanonicalizationPatterns with the body that follows, which
/// adds the patterns to `results`.
#define KRED_CANONICALIZER(OP)                                                 \
  void OP::getCanonicalizationPatterns(RewritePatternSet &results,             \
                                       MLIRContext *context)

KRED_CANONICALIZER(RatCstOp) { results.add(normalizeRatCst); }
KRED_CANONICALIZER(MulOp) {
  results.add<MulOfExps, MulSelfToSquare, MulOfNegs>(context);
  results.add(mulOfNeg).add(mulByMinusOne).add(mulOfConstants);
  results.add<MulOfInv, InvTimes>(context);
  results.add(binaryIdentity<MulOp, /*Commutes=*/true, 1>);
}
KRED_CANONICALIZER(AddOp) {
  results.add<AddOfNeg, NegPlus>(context);
  results.add(binaryIdentity<AddOp, /*Commutes=*/true, 0>);
}
KRED_CANONICALIZER(SubOp) {
  results.add<SubOfNeg, ZeroMinus>(context);
  results.add(binaryIdentity<SubOp, /*Commutes=*/false, 0>);
}
KRED_CANONICALIZER(DivOp) {
  results.add<OneOver, DivOfExps>(context);
  results.add(binaryIdentity<DivOp, /*Commutes=*/false, 1>);
}
KRED_CANONICALIZER(PowfOp) {
  results.add(powfOfConstant);
  results.add(binaryIdentity<PowfOp, /*Commutes=*/false, 1>);
}
KRED_CANONICALIZER(PowOp) {
  results.add<PowTwo, PowMinusOne>(context);
  results.add(powOfPower);
}
KRED_CANONICALIZER(SquareOp) { results.add<SquareOfNeg, SquareOfAbs>(context); }
KRED_CANONICALIZER(NegOp) { results.add<NegOfSub>(context); }
KRED_CANONICALIZER(SqrtOp) { results.add<SqrtOfSquare>(context); }
KRED_CANONICALIZER(LogOp) { results.add<LogOfExp>(context); }
KRED_CANONICALIZER(AbsOp) { results.add<AbsOfNeg>(context); }
KRED_CANONICALIZER(SqNorm2Op) { results.add<SqNorm2OfScalar>(context); }
KRED_CANONICALIZER(Norm2Op) { results.add<Norm2OfScalar>(context); }
KRED_CANONICALIZER(ScalProdOp) {
  results.add<ScalProdOfSelf>(context);
  results.add(scalProdOfScalar);
}
KRED_CANONICALIZER(SumOp) { results.add(simplifySum); }
KRED_CANONICALIZER(ElemOp) { results.add(simplifyElem); }
KRED_CANONICALIZER(ExtractOp) { results.add(simplifyExtract); }
KRED_CANONICALIZER(ExtractStridedOp) { results.add(simplifyExtractStrided); }
KRED_CANONICALIZER(ConcatOp) { results.add(concatOfSlices); }
KRED_CANONICALIZER(IfElseOp) { results.add(ifElseBroadcastBranch); }
