//===- AutodiffSimplify.cpp - patterns that clean derivative formulas -----===//
//
// Part of the kernelred project.
//
// Rewrite patterns applied by kred-autodiff on top of the dialect's folders
// and canonicalization patterns. Derivative formulas are full of structure
// the forward formulas rarely have: products with standard basis vectors
// (one-hot constants, ElemT) from Divergence, Laplacian and GradMatrix,
// components of broadcasts, chains of scalar constants from the chain rule,
// zeros in linear ops. These patterns are all exact (they never change a
// value, only how it is computed), and they only shrink or keep the size
// of the formula.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/AutodiffEngine.h"

#include "dialect/KredConstants.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::kernelred;

namespace {

//===----------------------------------------------------------------------===//
// Constant helpers
//===----------------------------------------------------------------------===//

bool isZeroConst(Value v) { return isConstSplat(v, 0.0); }

/// The value of a dimension-1 constant.
std::optional<double> getScalarConst(Value v) {
  if (getFormulaDim(v) != 1)
    return std::nullopt;
  auto vals = getConstValues(v);
  if (!vals)
    return std::nullopt;
  return vals->front();
}

/// A constant of dimension > 1 with exactly one non-zero component.
struct OneHotConst {
  int64_t index;
  double value;
};
std::optional<OneHotConst> getOneHotConst(Value v) {
  if (getFormulaDim(v) < 2)
    return std::nullopt;
  auto vals = getConstValues(v);
  if (!vals)
    return std::nullopt;
  std::optional<OneHotConst> found;
  for (auto [i, x] : llvm::enumerate(*vals)) {
    if (x == 0.0)
      continue;
    if (found || !std::isfinite(x))
      return std::nullopt;
    found = OneHotConst{static_cast<int64_t>(i), x};
  }
  return found;
}

Type getElementType(Value v) {
  return cast<VectorType>(v.getType()).getElementType();
}

/// A splat constant of `type`.
Value makeConst(PatternRewriter &rewriter, Location loc, Type type,
                double value) {
  return createConst(rewriter, loc, type, {value});
}

/// A dimension-1 constant with the element type of `like`.
Value makeScalar(PatternRewriter &rewriter, Location loc, Value like,
                 double value) {
  return makeConst(rewriter, loc, getFormulaType(getElementType(like), 1),
                   value);
}

/// Component k of `v` (v itself when of dimension 1, i.e. a broadcast).
Value buildElem(PatternRewriter &rewriter, Location loc, Value v, int64_t k) {
  if (getFormulaDim(v) == 1)
    return v;
  return ElemOp::create(rewriter, loc, v, static_cast<int64_t>(k));
}

/// `v` multiplied by the scalar `c`, without the multiplication when c = 1.
Value scaleBy(PatternRewriter &rewriter, Location loc, Value v, double c) {
  if (c == 1.0)
    return v;
  if (c == -1.0)
    return NegOp::create(rewriter, loc, v);
  return MulOp::create(rewriter, loc, v, makeScalar(rewriter, loc, v, c));
}

//===----------------------------------------------------------------------===//
// Zeros
//===----------------------------------------------------------------------===//

/// Ops that are linear in each operand: any zero operand gives zero.
bool isMultilinear(Operation *op) {
  return isa<ScalProdOp, MatVecMultOp, VecMatMultOp, TensorProdOp, TensorDotOp,
             KronOp, WeightedSqNormOp, NegOp, SumOp, SumTOp, ElemOp, ElemTOp,
             ExtractOp, ExtractTOp>(op);
}

/// Multilinear op with a zero operand, 0 / x -> 0.
struct FoldZeroOperand : RewritePattern {
  FoldZeroOperand(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || !isa<VectorType>(op->getResultTypes()[0]))
      return failure();
    bool zero = false;
    if (isMultilinear(op))
      zero = llvm::any_of(op->getOperands(), isZeroConst);
    else if (auto div = dyn_cast<DivOp>(op))
      zero = isZeroConst(div.getLhs());
    if (!zero || matchPattern(op->getResult(0), m_Constant()))
      return failure();
    rewriter.replaceOp(
        op, makeConst(rewriter, op->getLoc(), op->getResultTypes()[0], 0.0));
    return success();
  }
};

/// x + 0, 0 + x, x - 0 and 0 - x where the zero broadcasts x.
template <typename OpTy>
LogicalResult foldBroadcastZero(OpTy op, PatternRewriter &rewriter) {
  Value lhs = op.getLhs(), rhs = op.getRhs();
  bool negate = false;
  Value kept;
  if (isZeroConst(rhs))
    kept = lhs;
  else if (isZeroConst(lhs)) {
    kept = rhs;
    negate = std::is_same_v<OpTy, SubOp>;
  } else {
    return failure();
  }
  Location loc = op.getLoc();
  int64_t dim = getFormulaDim(op.getResult());
  if (negate)
    kept = NegOp::create(rewriter, loc, kept);
  if (getFormulaDim(kept) != dim)
    kept = SumTOp::create(rewriter, loc, kept, static_cast<int64_t>(dim));
  rewriter.replaceOp(op, kept);
  return success();
}

/// Concat with a zero side -> ExtractT of the other side.
LogicalResult concatOfZero(ConcatOp op, PatternRewriter &rewriter) {
  int64_t da = getFormulaDim(op.getLhs());
  int64_t dim = getFormulaDim(op.getResult());
  if (isZeroConst(op.getLhs()) && isZeroConst(op.getRhs())) {
    rewriter.replaceOp(op, makeConst(rewriter, op.getLoc(), op.getType(), 0.0));
    return success();
  }
  if (isZeroConst(op.getRhs())) {
    rewriter.replaceOpWithNewOp<ExtractTOp>(op, op.getLhs(), dim, int64_t(0));
    return success();
  }
  if (isZeroConst(op.getLhs())) {
    rewriter.replaceOpWithNewOp<ExtractTOp>(op, op.getRhs(), dim, da);
    return success();
  }
  return failure();
}

//===----------------------------------------------------------------------===//
// Components
//===----------------------------------------------------------------------===//

/// Elem(a op b, k) -> Elem(a, k) op Elem(b, k) for the arithmetic ops and
/// Elem(-a, k) -> -Elem(a, k), when the vector is used only there.
LogicalResult elemOfArith(ElemOp op, PatternRewriter &rewriter) {
  Operation *def = op.getInput().getDefiningOp();
  if (!def || !isa<AddOp, SubOp, MulOp, DivOp, NegOp, SquareOp>(def))
    return failure();
  // A vector used elsewhere too stays, unless its components are cheap:
  // read from variables, constants or scalars (CSE shares them).
  auto cheap = [](Value v) {
    return isa<BlockArgument>(v) || getFormulaDim(v) == 1 ||
           matchPattern(v, m_Constant()) || v.getDefiningOp<ElemTOp>() ||
           v.getDefiningOp<SumTOp>();
  };
  if (!def->hasOneUse() && !llvm::all_of(def->getOperands(), cheap))
    return failure();
  int64_t k = op.getIndex();
  Location loc = op.getLoc();
  SmallVector<Value> components;
  for (Value operand : def->getOperands())
    components.push_back(buildElem(rewriter, loc, operand, k));
  OperationState state(loc, def->getName(), components, TypeRange{op.getType()},
                       def->getAttrs());
  rewriter.replaceOp(op, rewriter.create(state)->getResults());
  return success();
}

/// The one-hot factor of a product: ElemT(s, n, k) or a one-hot constant.
struct OneHotFactor {
  int64_t dim, index;
  /// The non-zero component: a scalar Value, or null with `value`.
  Value scalar;
  double value = 1.0;
};
std::optional<OneHotFactor> getOneHotFactor(Value v) {
  if (auto elemT = v.getDefiningOp<ElemTOp>())
    return OneHotFactor{static_cast<int64_t>(elemT.getDim()),
                        static_cast<int64_t>(elemT.getIndex()),
                        elemT.getInput()};
  if (auto c = getOneHotConst(v))
    return OneHotFactor{getFormulaDim(v), c->index, Value(), c->value};
  return std::nullopt;
}

/// s * Elem(y, k) for a one-hot factor (s, k) and y.
Value timesComponent(PatternRewriter &rewriter, Location loc,
                     const OneHotFactor &f, Value y) {
  Value yk = buildElem(rewriter, loc, y, f.index);
  if (f.scalar)
    return MulOp::create(rewriter, loc, f.scalar, yk);
  return scaleBy(rewriter, loc, yk, f.value);
}

/// e_k s * y -> ElemT(s Elem(y, k)), and (e_k s | y) -> s Elem(y, k): the
/// products with standard basis vectors of Divergence and GradMatrix.
LogicalResult mulOfOneHot(MulOp op, PatternRewriter &rewriter) {
  for (auto [self, other] : {std::make_pair(op.getLhs(), op.getRhs()),
                             std::make_pair(op.getRhs(), op.getLhs())}) {
    auto f = getOneHotFactor(self);
    if (!f || f->dim != getFormulaDim(op.getResult()))
      continue;
    Value component = timesComponent(rewriter, op.getLoc(), *f, other);
    rewriter.replaceOpWithNewOp<ElemTOp>(op, component,
                                         static_cast<int64_t>(f->dim),
                                         static_cast<int64_t>(f->index));
    return success();
  }
  return failure();
}

LogicalResult scalProdOfOneHot(ScalProdOp op, PatternRewriter &rewriter) {
  for (auto [self, other] : {std::make_pair(op.getLhs(), op.getRhs()),
                             std::make_pair(op.getRhs(), op.getLhs())}) {
    auto f = getOneHotFactor(self);
    if (!f || getFormulaDim(other) != f->dim)
      continue;
    rewriter.replaceOp(op, timesComponent(rewriter, op.getLoc(), *f, other));
    return success();
  }
  return failure();
}

/// Matrix-vector products with a one-hot factor (from GradMatrix and
/// Divergence): a row, a column or a single entry of the matrix.
///   MatVecMult(A, e_j s)        -> s * column j of A
///   MatVecMult(e_(i p + j) s, b) -> ElemT(s b_j, n, i)
///   VecMatMult(e_i s, A)        -> s * row i of A
///   VecMatMult(b, e_(i p + j) s) -> ElemT(s b_i, p, j)
template <typename OpTy>
LogicalResult matVecOfOneHot(OpTy op, PatternRewriter &rewriter) {
  constexpr bool vecMat = std::is_same_v<OpTy, VecMatMultOp>;
  Value matrix = vecMat ? op.getRhs() : op.getLhs();
  Value vector = vecMat ? op.getLhs() : op.getRhs();
  Location loc = op.getLoc();
  int64_t outDim = getFormulaDim(op.getResult());
  int64_t vecDim = getFormulaDim(vector);
  auto scaled = [&](Value v, const OneHotFactor &f) -> Value {
    if (f.scalar)
      return MulOp::create(rewriter, loc, v, f.scalar);
    return scaleBy(rewriter, loc, v, f.value);
  };
  auto place = [&](Value component, int64_t index) -> Value {
    if (outDim == 1)
      return component;
    return ElemTOp::create(rewriter, loc, component, outDim, index);
  };
  if (auto f = getOneHotFactor(vector); f && vecDim > 1) {
    // A row (VecMatMult) or a column (MatVecMult) of the matrix.
    Value line = vecMat ? (outDim == getFormulaDim(matrix)
                               ? matrix
                               : ExtractOp::create(rewriter, loc, matrix,
                                                   f->index * outDim, outDim))
                        : ExtractStridedOp::create(rewriter, loc, matrix,
                                                   f->index, outDim, vecDim);
    rewriter.replaceOp(op, scaled(line, *f));
    return success();
  }
  if (auto f = getOneHotFactor(matrix)) {
    int64_t row = f->index / (vecMat ? outDim : vecDim);
    int64_t col = f->index % (vecMat ? outDim : vecDim);
    Value component = buildElem(rewriter, loc, vector, vecMat ? row : col);
    rewriter.replaceOp(op, place(scaled(component, *f), vecMat ? col : row));
    return success();
  }
  return failure();
}

/// ElemT(s, n, k) op ElemT(t, n, k) -> ElemT(s op t, n, k) for + and -;
/// -ElemT(s) -> ElemT(-s); ElemT(s, n, k) / y -> ElemT(s / Elem(y, k)).
template <typename OpTy>
LogicalResult binaryOfElemTs(OpTy op, PatternRewriter &rewriter) {
  auto a = op.getLhs().template getDefiningOp<ElemTOp>();
  auto b = op.getRhs().template getDefiningOp<ElemTOp>();
  if (!a || !b || a.getDim() != b.getDim() || a.getIndex() != b.getIndex())
    return failure();
  Value inner = OpTy::create(rewriter, op.getLoc(), a.getInput(), b.getInput());
  rewriter.replaceOpWithNewOp<ElemTOp>(op, inner, a.getDim(), a.getIndex());
  return success();
}
LogicalResult negOfElemT(NegOp op, PatternRewriter &rewriter) {
  auto elemT = op.getInput().getDefiningOp<ElemTOp>();
  if (!elemT)
    return failure();
  Value inner = NegOp::create(rewriter, op.getLoc(), elemT.getInput());
  rewriter.replaceOpWithNewOp<ElemTOp>(op, inner, elemT.getDim(),
                                       elemT.getIndex());
  return success();
}
LogicalResult divOfElemT(DivOp op, PatternRewriter &rewriter) {
  auto elemT = op.getLhs().getDefiningOp<ElemTOp>();
  if (!elemT || getFormulaDim(op.getResult()) != elemT.getDim())
    return failure();
  Value yk = buildElem(rewriter, op.getLoc(), op.getRhs(),
                       static_cast<int64_t>(elemT.getIndex()));
  Value inner = DivOp::create(rewriter, op.getLoc(), elemT.getInput(), yk);
  rewriter.replaceOpWithNewOp<ElemTOp>(op, inner, elemT.getDim(),
                                       elemT.getIndex());
  return success();
}

//===----------------------------------------------------------------------===//
// Broadcasts and scalar constants
//===----------------------------------------------------------------------===//

/// SumT(s, D) op y -> s op y when y has dimension D (the broadcast is
/// implicit), for the componentwise arithmetic ops.
template <typename OpTy>
LogicalResult implicitBroadcast(OpTy op, PatternRewriter &rewriter) {
  Value lhs = op.getLhs(), rhs = op.getRhs();
  int64_t dim = getFormulaDim(op.getResult());
  auto unwrap = [&](Value v, Value other) -> Value {
    auto sumT = v.getDefiningOp<SumTOp>();
    if (!sumT || getFormulaDim(other) != dim)
      return Value();
    return sumT.getInput();
  };
  if (Value s = unwrap(lhs, rhs))
    lhs = s;
  else if (Value s = unwrap(rhs, lhs))
    rhs = s;
  else
    return failure();
  rewriter.replaceOpWithNewOp<OpTy>(op, lhs, rhs);
  return success();
}

/// Scalar constants and negations of products move to the factor of
/// lowest dimension (a scalar rather than a vector), and merge:
///   x * (-1) -> -x;  (x * c1) * c2 -> x * (c1 c2);
///   (p * q) * c -> (p * c) * q  when dim p < dim (p * q);
///   (x * c) * y -> (x * y) * c  when dim y <= dim x (gathering);
///   (-a) * c -> a * (-c);  (-a) * b -> a * (-b) when dim b < dim a;
///   (-a) * b -> -(a * b) when dim a = dim b.
using Pair = std::pair<Value, Value>;
LogicalResult mulScalarConstants(MulOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value lhs = op.getLhs(), rhs = op.getRhs();
  int64_t dim = getFormulaDim(op.getResult());
  Pair orders[2] = {{lhs, rhs}, {rhs, lhs}};
  // x * (-1) -> -x.
  for (auto [x, c] : orders) {
    auto value = getScalarConst(c);
    if (value && *value == -1.0 && x.getType() == op.getType()) {
      rewriter.replaceOpWithNewOp<NegOp>(op, x);
      return success();
    }
  }
  // Negations.
  for (auto [a, b] : orders) {
    auto neg = a.getDefiningOp<NegOp>();
    if (!neg || !neg->hasOneUse())
      continue;
    Value x = neg.getInput();
    if (auto c = getScalarConst(b)) {
      rewriter.replaceOpWithNewOp<MulOp>(op, x,
                                         makeScalar(rewriter, loc, b, -*c));
      return success();
    }
    if (getFormulaDim(b) < getFormulaDim(x)) {
      rewriter.replaceOpWithNewOp<MulOp>(op, x,
                                         NegOp::create(rewriter, loc, b));
      return success();
    }
    if (getFormulaDim(b) == getFormulaDim(x)) {
      Value inner = MulOp::create(rewriter, loc, x, b);
      rewriter.replaceOpWithNewOp<NegOp>(op, inner);
      return success();
    }
  }
  // A scalar constant times a product: push it to the smaller factor, or
  // merge it with a constant factor.
  for (auto [a, c] : orders) {
    auto value = getScalarConst(c);
    auto inner = a.getDefiningOp<MulOp>();
    if (!value || !inner || !inner->hasOneUse())
      continue;
    for (auto [p, q] : {Pair{inner.getLhs(), inner.getRhs()},
                        Pair{inner.getRhs(), inner.getLhs()}}) {
      if (auto c1 = getScalarConst(q)) {
        rewriter.replaceOpWithNewOp<MulOp>(
            op, p, makeScalar(rewriter, loc, c, *c1 * *value));
        return success();
      }
      // Constants gather into one factor (the dialect's MulOfConstants):
      // never separate them.
      if (getFormulaDim(p) < dim && !matchPattern(p, m_Constant()) &&
          !matchPattern(q, m_Constant())) {
        Value scaled = MulOp::create(rewriter, loc, p, c);
        rewriter.replaceOpWithNewOp<MulOp>(op, scaled, q);
        return success();
      }
    }
  }
  // (x * c) * y -> (x * y) * c when y is not larger than x.
  for (auto [a, y] : orders) {
    auto inner = a.getDefiningOp<MulOp>();
    if (!inner || !inner->hasOneUse() || matchPattern(y, m_Constant()))
      continue;
    for (auto [x, c] : {Pair{inner.getLhs(), inner.getRhs()},
                        Pair{inner.getRhs(), inner.getLhs()}}) {
      if (!getScalarConst(c) || getFormulaDim(y) > getFormulaDim(x) ||
          matchPattern(x, m_Constant()))
        continue;
      Value product = MulOp::create(rewriter, loc, x, y);
      rewriter.replaceOpWithNewOp<MulOp>(op, product, c);
      return success();
    }
  }
  return failure();
}

/// -(x * c) -> x * (-c) for a constant c (the negation folds into it).
LogicalResult negOfScaled(NegOp op, PatternRewriter &rewriter) {
  auto mul = op.getInput().getDefiningOp<MulOp>();
  if (!mul)
    return failure();
  for (auto [x, c] : {std::make_pair(mul.getLhs(), mul.getRhs()),
                      std::make_pair(mul.getRhs(), mul.getLhs())}) {
    auto values = getConstValues(c);
    if (!values || matchPattern(x, m_Constant()))
      continue;
    SmallVector<double> negated;
    for (double v : *values)
      negated.push_back(-v);
    Value constant = createConst(rewriter, op.getLoc(), c.getType(), negated);
    rewriter.replaceOpWithNewOp<MulOp>(op, x, constant);
    return success();
  }
  return failure();
}

/// x + x -> 2 x (from the two operands of x * x, say).
LogicalResult addOfSelf(AddOp op, PatternRewriter &rewriter) {
  if (op.getLhs() != op.getRhs())
    return failure();
  rewriter.replaceOpWithNewOp<MulOp>(
      op, op.getLhs(), makeScalar(rewriter, op.getLoc(), op.getLhs(), 2.0));
  return success();
}

} // namespace

void mlir::kernelred::autodiff::populateAutodiffSimplifyPatterns(
    RewritePatternSet &patterns) {
  // Tried in this order on an op, after the dialect's patterns.
  patterns.add<FoldZeroOperand>(patterns.getContext());
  patterns.add(foldBroadcastZero<AddOp>)
      .add(foldBroadcastZero<SubOp>)
      .add(concatOfZero)
      .add(elemOfArith)
      .add(mulOfOneHot)
      .add(scalProdOfOneHot)
      .add(matVecOfOneHot<MatVecMultOp>)
      .add(matVecOfOneHot<VecMatMultOp>)
      .add(binaryOfElemTs<AddOp>)
      .add(binaryOfElemTs<SubOp>)
      .add(negOfElemT)
      .add(divOfElemT)
      .add(implicitBroadcast<AddOp>)
      .add(implicitBroadcast<SubOp>)
      .add(implicitBroadcast<MulOp>)
      .add(implicitBroadcast<DivOp>)
      .add(mulScalarConstants)
      .add(negOfScaled)
      .add(addOfSelf);
}
