//===- AdjointRules.cpp - differentiation rules of the formula ops --------===//
//
// Part of the kernelred project.
//
// One AdjointOpInterface external model per differentiable op: reverse mode
// (the adjoint of each operand given the adjoint of the result) and forward
// mode (the tangent of the result given the tangents of the operands),
// with KeOps' conventions (KEOPS_REFERENCE.md §1, the DiffT of keopscore's
// formulas). Null values are zeros. The engine adapts broadcasts: a rule may
// return an adjoint of the result's dimension for a dimension-1 operand
// (the engine sums it) and a dimension-1 tangent for a result of dimension
// D (the engine replicates it).
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/AutodiffEngine.h"
#include "lib/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::autodiff;

namespace {

//===----------------------------------------------------------------------===//
// Model plumbing
//===----------------------------------------------------------------------===//

/// The external model of `OpTy` backed by the static functions of `Rule`:
///   LogicalResult adjoints(OpTy, FormulaBuilder &, Value g,
///                          ArrayRef<bool> active, SmallVectorImpl<Value> &);
///   FailureOr<Value> tangent(OpTy, FormulaBuilder &, ArrayRef<Value>);
///   static constexpr bool zeroDerivative;
template <typename OpTy, typename Rule>
struct RuleModel
    : AdjointOpInterface::ExternalModel<RuleModel<OpTy, Rule>, OpTy> {
  LogicalResult buildAdjoints(Operation *op, OpBuilder &builder,
                              Value resultAdjoint,
                              ArrayRef<bool> activeOperands,
                              SmallVectorImpl<Value> &operandAdjoints) const {
    FormulaBuilder fb(builder, op->getLoc());
    operandAdjoints.clear();
    if (failed(Rule::adjoints(cast<OpTy>(op), fb, resultAdjoint, activeOperands,
                              operandAdjoints)))
      return failure();
    operandAdjoints.resize(op->getNumOperands());
    return success();
  }
  FailureOr<Value> buildTangent(Operation *op, OpBuilder &builder,
                                ArrayRef<Value> operandTangents) const {
    FormulaBuilder fb(builder, op->getLoc());
    return Rule::tangent(cast<OpTy>(op), fb, operandTangents);
  }
  bool hasZeroDerivative(Operation *) const { return Rule::zeroDerivative; }
};

/// Ops whose derivative is zero (piecewise constant) and constants.
struct ZeroRule {
  static constexpr bool zeroDerivative = true;
  template <typename OpTy>
  static LogicalResult adjoints(OpTy, FormulaBuilder &, Value, ArrayRef<bool>,
                                SmallVectorImpl<Value> &) {
    return success();
  }
  template <typename OpTy>
  static FailureOr<Value> tangent(OpTy, FormulaBuilder &, ArrayRef<Value>) {
    return Value();
  }
};

/// Componentwise unary ops: the Jacobian is diagonal, so the adjoint and the
/// tangent are both `apply(v) = v * f'(x)` for v = the result adjoint or the
/// operand tangent. `Deriv::apply(op, fb, v)` builds it (v non-null).
template <typename Deriv> struct DiagonalRule {
  static constexpr bool zeroDerivative = false;
  template <typename OpTy>
  static LogicalResult adjoints(OpTy op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(Deriv::apply(op, fb, g));
    return success();
  }
  template <typename OpTy>
  static FailureOr<Value> tangent(OpTy op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return Deriv::apply(op, fb, t[0]);
  }
};

/// A rule with a non-zero derivative (the base of the hand-written ones).
struct DifferentiableRule {
  static constexpr bool zeroDerivative = false;

  /// The product rule of a bilinear op: rebuild(t0, rhs) + rebuild(lhs, t1),
  /// a missing tangent dropping its term.
  template <typename OpTy, typename Rebuild>
  static FailureOr<Value> bilinearTangent(OpTy op, FormulaBuilder &fb,
                                          ArrayRef<Value> t, Rebuild rebuild) {
    Value ta = t[0] ? rebuild(t[0], op.getRhs()) : Value();
    Value tb = t[1] ? rebuild(op.getLhs(), t[1]) : Value();
    return fb.add(ta, tb);
  }
  /// The same for an op built from its two operands alone.
  template <typename OpTy>
  static FailureOr<Value> bilinearTangent(OpTy op, FormulaBuilder &fb,
                                          ArrayRef<Value> t) {
    return bilinearTangent(op, fb, t, [&](Value a, Value b) -> Value {
      return fb.create<OpTy>(a, b);
    });
  }
};

//===----------------------------------------------------------------------===//
// Componentwise unary ops (§1b, §1c)
//===----------------------------------------------------------------------===//

struct NegDeriv {
  static Value apply(NegOp, FormulaBuilder &fb, Value v) { return fb.neg(v); }
};
/// (1/x)' = -1/x^2 = -r^2.
struct InvDeriv {
  static Value apply(InvOp op, FormulaBuilder &fb, Value v) {
    return fb.neg(fb.mul(v, fb.create<SquareOp>(op.getResult())));
  }
};
/// (x^2)' = 2x.
struct SquareDeriv {
  static Value apply(SquareOp op, FormulaBuilder &fb, Value v) {
    return fb.scale(2, fb.mul(v, op.getInput()));
  }
};
/// sqrt' = 1/2 Rsqrt(x): 0 at 0 (KeOps).
struct SqrtDeriv {
  static Value apply(SqrtOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(fb.mul(fb.ratCst(v, 1, 2), fb.create<RsqrtOp>(op.getInput())),
                  v);
  }
};
/// rsqrt' = -1/2 Rsqrt(x)^3: 0 at 0 (KeOps).
struct RsqrtDeriv {
  static Value apply(RsqrtOp op, FormulaBuilder &fb, Value v) {
    Value cube = fb.create<PowOp>(op.getResult(), static_cast<int64_t>(3));
    return fb.neg(fb.mul(fb.mul(fb.ratCst(v, 1, 2), cube), v));
  }
};
struct ExpDeriv {
  static Value apply(ExpOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(v, op.getResult());
  }
};
struct LogDeriv {
  static Value apply(LogOp op, FormulaBuilder &fb, Value v) {
    return fb.div(v, op.getInput());
  }
};
/// (x log x)' = log x + 1.
struct XLogXDeriv {
  static Value apply(XLogXOp op, FormulaBuilder &fb, Value v) {
    Value x = op.getInput();
    return fb.mul(v, fb.add(fb.create<LogOp>(x), fb.intCst(x, 1)));
  }
};
struct SinDeriv {
  static Value apply(SinOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(v, fb.create<CosOp>(op.getInput()));
  }
};
struct CosDeriv {
  static Value apply(CosOp op, FormulaBuilder &fb, Value v) {
    return fb.neg(fb.mul(v, fb.create<SinOp>(op.getInput())));
  }
};
/// (sin x / x)' = (cos x - sin x / x) / x, 0 at 0. KeOps divides by x and
/// returns NaN at 0; the denominator here is x + (x == 0), which is x
/// everywhere but 0 and keeps the formula (and its derivatives) finite.
struct SinXDivXDeriv {
  static Value apply(SinXDivXOp op, FormulaBuilder &fb, Value v) {
    Value x = op.getInput();
    Value isZero = fb.create<EqualOp>(
        x, fb.zero(getFormulaType(
               cast<VectorType>(x.getType()).getElementType(), 1)));
    Value den = fb.add(x, isZero);
    Value num = fb.sub(fb.create<CosOp>(x), op.getResult());
    return fb.mul(v, fb.div(num, den));
  }
};
/// asin' = Rsqrt(1 - x^2), acos' = -Rsqrt(1 - x^2) (KeOps).
struct AsinDeriv {
  static Value apply(AsinOp op, FormulaBuilder &fb, Value v) {
    Value x = op.getInput();
    return fb.mul(
        v, fb.create<RsqrtOp>(fb.sub(fb.intCst(x, 1), fb.create<SquareOp>(x))));
  }
};
struct AcosDeriv {
  static Value apply(AcosOp op, FormulaBuilder &fb, Value v) {
    Value x = op.getInput();
    return fb.neg(fb.mul(v, fb.create<RsqrtOp>(fb.sub(
                                fb.intCst(x, 1), fb.create<SquareOp>(x)))));
  }
};
/// atan' = 1 / (1 + x^2).
struct AtanDeriv {
  static Value apply(AtanOp op, FormulaBuilder &fb, Value v) {
    Value x = op.getInput();
    return fb.div(v, fb.add(fb.intCst(x, 1), fb.create<SquareOp>(x)));
  }
};
/// |x|' = Sign(x), ReLU' = Step(x) (KeOps).
struct AbsDeriv {
  static Value apply(AbsOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(v, fb.create<SignOp>(op.getInput()));
  }
};
struct ReLUDeriv {
  static Value apply(ReLUOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(v, fb.create<StepOp>(op.getInput()));
  }
};
/// (x^m)' = m x^(m-1).
struct PowDeriv {
  static Value apply(PowOp op, FormulaBuilder &fb, Value v) {
    int64_t m = static_cast<int64_t>(op.getExponent());
    if (m == 0)
      return Value();
    Value x = op.getInput();
    Value power;
    if (m == 2)
      power = x;
    else if (m != 1)
      power = fb.create<PowOp>(x, static_cast<int64_t>(m - 1));
    return fb.scale(m, power ? fb.mul(v, power) : v);
  }
};
/// ClampInt' = DiffClampInt (KeOps).
struct ClampIntDeriv {
  static Value apply(ClampIntOp op, FormulaBuilder &fb, Value v) {
    return fb.mul(
        v, fb.create<DiffClampIntOp>(op.getInput(), op.getLo(), op.getHi()));
  }
};

//===----------------------------------------------------------------------===//
// Broadcasting binary ops (§1b, §1c)
//===----------------------------------------------------------------------===//

struct AddRule : DifferentiableRule {
  static LogicalResult adjoints(AddOp, FormulaBuilder &, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.append({g, g});
    return success();
  }
  static FailureOr<Value> tangent(AddOp, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.add(t[0], t[1]);
  }
};

struct SubRule : DifferentiableRule {
  static LogicalResult adjoints(SubOp, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.append({g, active[1] ? fb.neg(g) : Value()});
    return success();
  }
  static FailureOr<Value> tangent(SubOp, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.sub(t[0], t[1]);
  }
};

struct MulRule : DifferentiableRule {
  static LogicalResult adjoints(MulOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.mul(g, op.getRhs()) : Value());
    out.push_back(active[1] ? fb.mul(g, op.getLhs()) : Value());
    return success();
  }
  static FailureOr<Value> tangent(MulOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.add(fb.mul(t[0], op.getRhs()), fb.mul(op.getLhs(), t[1]));
  }
};

/// (a / b)' = da / b - r db / b with r = a / b.
struct DivRule : DifferentiableRule {
  static LogicalResult adjoints(DivOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value b = op.getRhs();
    out.push_back(active[0] ? fb.div(g, b) : Value());
    out.push_back(active[1] ? fb.neg(fb.div(fb.mul(g, op.getResult()), b))
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(DivOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.div(fb.sub(t[0], fb.mul(op.getResult(), t[1])), op.getRhs());
  }
};

/// Powf(a, b) = a^b: d/da = b Powf(a, b - 1), d/db = log(a) a^b (KeOps).
struct PowfRule : DifferentiableRule {
  static Value partialA(PowfOp op, FormulaBuilder &fb) {
    Value b = op.getRhs();
    return fb.mul(b,
                  fb.create<PowfOp>(op.getLhs(), fb.sub(b, fb.intCst(b, 1))));
  }
  static Value partialB(PowfOp op, FormulaBuilder &fb) {
    return fb.mul(fb.create<LogOp>(op.getLhs()), op.getResult());
  }
  static LogicalResult adjoints(PowfOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.mul(g, partialA(op, fb)) : Value());
    out.push_back(active[1] ? fb.mul(g, partialB(op, fb)) : Value());
    return success();
  }
  static FailureOr<Value> tangent(PowfOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value ta = t[0] ? fb.mul(t[0], partialA(op, fb)) : Value();
    Value tb = t[1] ? fb.mul(t[1], partialB(op, fb)) : Value();
    return fb.add(ta, tb);
  }
};

/// Atan2(f, g): d/df = g / (f^2 + g^2), d/dg = -f / (f^2 + g^2) (KeOps).
struct Atan2Rule : DifferentiableRule {
  static Value radius2(Atan2Op op, FormulaBuilder &fb) {
    return fb.add(fb.create<SquareOp>(op.getLhs()),
                  fb.create<SquareOp>(op.getRhs()));
  }
  static LogicalResult adjoints(Atan2Op op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value r2 = radius2(op, fb);
    out.push_back(active[0] ? fb.div(fb.mul(g, op.getRhs()), r2) : Value());
    out.push_back(active[1] ? fb.neg(fb.div(fb.mul(g, op.getLhs()), r2))
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(Atan2Op op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value num = fb.sub(fb.mul(t[0], op.getRhs()), fb.mul(t[1], op.getLhs()));
    return fb.div(num, radius2(op, fb));
  }
};

//===----------------------------------------------------------------------===//
// Ternary ops (§1c)
//===----------------------------------------------------------------------===//

/// IfElse(c, a, b): the adjoint goes to a where c >= 0, to b elsewhere; none
/// through c (KeOps).
struct IfElseRule : DifferentiableRule {
  static Value scalarZero(FormulaBuilder &fb, Value like) {
    return fb.zero(
        getFormulaType(cast<VectorType>(like.getType()).getElementType(), 1));
  }
  static LogicalResult adjoints(IfElseOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value c = op.getCond();
    out.push_back(Value());
    out.push_back(active[1] ? fb.create<IfElseOp>(c, g, scalarZero(fb, g))
                            : Value());
    out.push_back(active[2] ? fb.create<IfElseOp>(c, scalarZero(fb, g), g)
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(IfElseOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    if (!t[1] && !t[2])
      return Value();
    Value zero = scalarZero(fb, op.getResult());
    return fb.create<IfElseOp>(op.getCond(), t[1] ? t[1] : zero,
                               t[2] ? t[2] : zero);
  }
};

/// Clamp(x, lo, hi) = x < lo ? lo : (x > hi ? hi : x) (KeOps):
/// d/dx = [lo <= x][x <= hi], d/dlo = [x < lo], d/dhi = [lo <= x][hi < x].
/// For lo < hi these are the values of KeOps' derivative of
/// ClampInt((x - lo) / (hi - lo), 0, 1) * (hi - lo) + lo, boundaries
/// included; unlike that rewrite they stay exact when lo > hi.
struct ClampRule : DifferentiableRule {
  static SmallVector<Value, 3> partials(ClampOp op, FormulaBuilder &fb,
                                        ArrayRef<bool> needed) {
    Value x = op.getInput(), lo = op.getLo(), hi = op.getHi();
    SmallVector<Value, 3> d(3);
    Value aboveLo;
    if (needed[0] || needed[2])
      aboveLo = fb.create<LessOrEqualOp>(lo, x);
    if (needed[0])
      d[0] = fb.mul(aboveLo, fb.create<LessOrEqualOp>(x, hi));
    if (needed[1])
      d[1] = fb.create<LessThanOp>(x, lo);
    if (needed[2])
      d[2] = fb.mul(aboveLo, fb.create<LessThanOp>(hi, x));
    return d;
  }
  static LogicalResult adjoints(ClampOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    for (Value d : partials(op, fb, active))
      out.push_back(fb.mul(g, d));
    return success();
  }
  static FailureOr<Value> tangent(ClampOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    bool needed[3] = {!!t[0], !!t[1], !!t[2]};
    Value result;
    for (auto [tk, d] : llvm::zip_equal(t, partials(op, fb, needed)))
      result = fb.add(result, fb.mul(tk, d));
    return result;
  }
};

/// Mod(x, n, off) = x - n Floor((x - off) / n) (KeOps): d/dx = 1,
/// d/dn = -Floor((x - off) / n), d/doff = 0.
struct ModRule : DifferentiableRule {
  static Value quotient(ModOp op, FormulaBuilder &fb) {
    return fb.create<FloorOp>(
        fb.div(fb.sub(op.getInput(), op.getOffset()), op.getModulus()));
  }
  static LogicalResult adjoints(ModOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(g);
    out.push_back(active[1] ? fb.neg(fb.mul(g, quotient(op, fb))) : Value());
    out.push_back(Value());
    return success();
  }
  static FailureOr<Value> tangent(ModOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value tn = t[1] ? fb.mul(t[1], quotient(op, fb)) : Value();
    return fb.sub(t[0], tn);
  }
};

//===----------------------------------------------------------------------===//
// Reductions of the components (§1e)
//===----------------------------------------------------------------------===//

struct SumRule : DifferentiableRule {
  static LogicalResult adjoints(SumOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.toTypeOf(g, op.getInput()));
    return success();
  }
  static FailureOr<Value> tangent(SumOp, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.sum(t[0]);
  }
};

/// Max(x), Min(x): the derivative is OneHot(ArgMax(x)) (KeOps).
template <typename OpTy, typename ArgOpTy>
struct SelectRule : DifferentiableRule {
  static Value selector(OpTy op, FormulaBuilder &fb) {
    Value x = op.getInput();
    return fb.create<OneHotOp>(fb.create<ArgOpTy>(x),
                               static_cast<int64_t>(getFormulaDim(x)));
  }
  static LogicalResult adjoints(OpTy op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    if (getFormulaDim(op.getInput()) == 1)
      out.push_back(g);
    else
      out.push_back(fb.mul(selector(op, fb), g));
    return success();
  }
  static FailureOr<Value> tangent(OpTy op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    if (getFormulaDim(op.getInput()) == 1)
      return t[0];
    return fb.scalprod(selector(op, fb), t[0]);
  }
};

/// SqNorm2(x) = (x|x): 2 x.
struct SqNorm2Rule : DifferentiableRule {
  static LogicalResult adjoints(SqNorm2Op op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.scale(2, fb.mul(g, op.getInput())));
    return success();
  }
  static FailureOr<Value> tangent(SqNorm2Op op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.scale(2, fb.scalprod(op.getInput(), t[0]));
  }
};

/// Norm2(x) = Sqrt((x|x)): Rsqrt((x|x)) x = Normalize(x), 0 at 0 (KeOps).
struct Norm2Rule : DifferentiableRule {
  static LogicalResult adjoints(Norm2Op op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.mul(g, fb.create<NormalizeOp>(op.getInput())));
    return success();
  }
  static FailureOr<Value> tangent(Norm2Op op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.scalprod(fb.create<NormalizeOp>(op.getInput()), t[0]);
  }
};

/// Normalize(x) = Rsqrt(|x|^2) x = u: the Jacobian is the symmetric
/// Rsqrt(|x|^2) (I - u u^T), 0 at 0.
struct NormalizeRule : DifferentiableRule {
  static Value apply(NormalizeOp op, FormulaBuilder &fb, Value v) {
    Value u = op.getResult();
    Value scale = fb.create<RsqrtOp>(fb.create<SqNorm2Op>(op.getInput()));
    return fb.mul(scale, fb.sub(v, fb.mul(fb.scalprod(u, v), u)));
  }
  static LogicalResult adjoints(NormalizeOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(apply(op, fb, g));
    return success();
  }
  static FailureOr<Value> tangent(NormalizeOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return apply(op, fb, t[0]);
  }
};

//===----------------------------------------------------------------------===//
// Shape ops (§1e): each is linear, its adjoint is its transpose
//===----------------------------------------------------------------------===//

struct SumTRule : DifferentiableRule {
  static LogicalResult adjoints(SumTOp, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.sum(g));
    return success();
  }
  static FailureOr<Value> tangent(SumTOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.toTypeOf(t[0], op.getResult());
  }
};

struct ElemRule : DifferentiableRule {
  static LogicalResult adjoints(ElemOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    int64_t dim = getFormulaDim(op.getInput());
    out.push_back(dim == 1 ? g
                           : fb.create<ElemTOp>(g, static_cast<int64_t>(dim),
                                                op.getIndex()));
    return success();
  }
  static FailureOr<Value> tangent(ElemOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.create<ElemOp>(t[0], op.getIndex());
  }
};

struct ElemTRule : DifferentiableRule {
  static LogicalResult adjoints(ElemTOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.create<ElemOp>(g, op.getIndex()));
    return success();
  }
  static FailureOr<Value> tangent(ElemTOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.create<ElemTOp>(t[0], op.getDim(), op.getIndex());
  }
};

struct ExtractRule : DifferentiableRule {
  static LogicalResult adjoints(ExtractOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.create<ExtractTOp>(
        g, static_cast<int64_t>(getFormulaDim(op.getInput())), op.getStart()));
    return success();
  }
  static FailureOr<Value> tangent(ExtractOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.create<ExtractOp>(t[0], op.getStart(), op.getLength());
  }
};

struct ExtractTRule : DifferentiableRule {
  static LogicalResult adjoints(ExtractTOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool>, SmallVectorImpl<Value> &out) {
    out.push_back(fb.create<ExtractOp>(
        g, op.getStart(), static_cast<int64_t>(getFormulaDim(op.getInput()))));
    return success();
  }
  static FailureOr<Value> tangent(ExtractTOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.create<ExtractTOp>(t[0], op.getDim(), op.getStart());
  }
};

struct ConcatRule : DifferentiableRule {
  static LogicalResult adjoints(ConcatOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    int64_t da = getFormulaDim(op.getLhs()), db = getFormulaDim(op.getRhs());
    out.push_back(active[0] ? fb.create<ExtractOp>(g, int64_t(0), da)
                            : Value());
    out.push_back(active[1] ? fb.create<ExtractOp>(g, da, db) : Value());
    return success();
  }
  static FailureOr<Value> tangent(ConcatOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    int64_t da = getFormulaDim(op.getLhs()), db = getFormulaDim(op.getRhs());
    if (t[0] && t[1])
      return fb.create<ConcatOp>(t[0], t[1]);
    if (t[0])
      return fb.create<ExtractTOp>(t[0], da + db, int64_t(0));
    return fb.create<ExtractTOp>(t[1], da + db, da);
  }
};

/// ExtractStrided(x, start, length, stride): the adjoint scatters back to
/// the read components (Interleave with zeros for the re/im split of the
/// complex expansion, a sum of ElemT otherwise).
struct ExtractStridedRule : DifferentiableRule {
  static LogicalResult adjoints(ExtractStridedOp op, FormulaBuilder &fb,
                                Value g, ArrayRef<bool>,
                                SmallVectorImpl<Value> &out) {
    int64_t dim = getFormulaDim(op.getInput());
    int64_t start = op.getStart(), length = op.getLength(),
            stride = op.getStride();
    if (stride == 1) {
      out.push_back(fb.create<ExtractTOp>(g, dim, start));
      return success();
    }
    if (stride == 2 && dim == 2 * length && (start == 0 || start == 1)) {
      Value zero = fb.zero(
          getFormulaType(cast<VectorType>(g.getType()).getElementType(), 1));
      out.push_back(start == 0 ? fb.create<InterleaveOp>(g, zero)
                               : fb.create<InterleaveOp>(zero, g));
      return success();
    }
    Value scattered;
    for (int64_t k = 0; k < length; ++k) {
      Value component = length == 1 ? g : fb.create<ElemOp>(g, k);
      scattered = fb.add(
          scattered, fb.create<ElemTOp>(component, dim, start + k * stride));
    }
    out.push_back(scattered);
    return success();
  }
  static FailureOr<Value> tangent(ExtractStridedOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.create<ExtractStridedOp>(t[0], op.getStart(), op.getLength(),
                                       op.getStride());
  }
};

/// Interleave(a, b) = (a0, b0, a1, b1, ...): the adjoints are the even and
/// the odd components (the engine sums them for a broadcast operand).
struct InterleaveRule : DifferentiableRule {
  static LogicalResult adjoints(InterleaveOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    int64_t n = getFormulaDim(op.getResult()) / 2;
    out.push_back(active[0] ? fb.create<ExtractStridedOp>(g, 0, n, 2)
                            : Value());
    out.push_back(active[1] ? fb.create<ExtractStridedOp>(g, 1, n, 2)
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(InterleaveOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    // A moving dimension-1 operand is broadcast explicitly, so that the
    // tangent keeps the result's dimension when the other one is zero.
    int64_t n = getFormulaDim(op.getResult()) / 2;
    Value zero = fb.zero(
        getFormulaType(cast<VectorType>(op.getType()).getElementType(), 1));
    return fb.create<InterleaveOp>(t[0] ? fb.toDim(t[0], n) : zero,
                                   t[1] ? fb.toDim(t[1], n) : zero);
  }
};

//===----------------------------------------------------------------------===//
// Products and distances (§1b, §1f, §1g): bilinear forms
//===----------------------------------------------------------------------===//

/// (a|b): adjoints g b and g a (the engine handles a scalar side).
struct ScalProdRule : DifferentiableRule {
  static LogicalResult adjoints(ScalProdOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.mul(g, op.getRhs()) : Value());
    out.push_back(active[1] ? fb.mul(g, op.getLhs()) : Value());
    return success();
  }
  static FailureOr<Value> tangent(ScalProdOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return fb.add(fb.scalprod(t[0], op.getRhs()),
                  fb.scalprod(op.getLhs(), t[1]));
  }
};

/// |a - b|^2: 2 (a - b) and -2 (a - b).
struct SqDistRule : DifferentiableRule {
  static LogicalResult adjoints(SqDistOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value d = fb.scale(2, fb.mul(g, fb.sub(op.getLhs(), op.getRhs())));
    out.push_back(active[0] ? d : Value());
    out.push_back(active[1] ? fb.neg(d) : Value());
    return success();
  }
  static FailureOr<Value> tangent(SqDistOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value diff = fb.sub(op.getLhs(), op.getRhs());
    return fb.scale(2, fb.scalprod(diff, fb.sub(t[0], t[1])));
  }
};

/// A (n x p, row-major) times b (p): dA = g b^T, db = g^T A.
struct MatVecMultRule : DifferentiableRule {
  static LogicalResult adjoints(MatVecMultOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.create<TensorProdOp>(g, op.getRhs())
                            : Value());
    out.push_back(active[1] ? fb.create<VecMatMultOp>(g, op.getLhs())
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(MatVecMultOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return bilinearTangent(op, fb, t);
  }
};

/// b^T A (b: n, A: n x p): db = A g, dA = b g^T.
struct VecMatMultRule : DifferentiableRule {
  static LogicalResult adjoints(VecMatMultOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.create<MatVecMultOp>(op.getRhs(), g)
                            : Value());
    out.push_back(active[1] ? fb.create<TensorProdOp>(op.getLhs(), g)
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(VecMatMultOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return bilinearTangent(op, fb, t);
  }
};

/// f g^T (f: m, g: n): df = G g, dg = G^T f with G the m x n adjoint.
struct TensorProdRule : DifferentiableRule {
  static LogicalResult adjoints(TensorProdOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? fb.create<MatVecMultOp>(g, op.getRhs())
                            : Value());
    out.push_back(active[1] ? fb.create<VecMatMultOp>(op.getLhs(), g)
                            : Value());
    return success();
  }
  static FailureOr<Value> tangent(TensorProdOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return bilinearTangent(op, fb, t);
  }
};

/// DifferenceMatrix(x, y) (x: n, y: m): the m x n row-major matrix
/// D_lk = x_k - y_l, so dx = G^T 1 and dy = -G 1.
struct DifferenceMatrixRule : DifferentiableRule {
  static LogicalResult adjoints(DifferenceMatrixOp op, FormulaBuilder &fb,
                                Value g, ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value one = fb.intCst(g, 1);
    int64_t n = getFormulaDim(op.getLhs()), m = getFormulaDim(op.getRhs());
    out.push_back(active[0] ? fb.create<VecMatMultOp>(fb.toDim(one, m), g)
                            : Value());
    out.push_back(active[1]
                      ? fb.neg(fb.create<MatVecMultOp>(g, fb.toDim(one, n)))
                      : Value());
    return success();
  }
  static FailureOr<Value> tangent(DifferenceMatrixOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value tx = t[0] ? t[0] : fb.zero(op.getLhs().getType());
    Value ty = t[1] ? t[1] : fb.zero(op.getRhs().getType());
    return fb.create<DifferenceMatrixOp>(tx, ty);
  }
};

/// WeightedSqNorm(s, f): s |f|^2 (dim s = 1), sum s_k f_k^2 (dim s = D) or
/// sum s_kl f_k f_l (dim s = D^2, D > 1). Shared by WeightedSqDist.
struct WeightedSqNormMath {
  static bool isMatrix(Value s, Value f) {
    int64_t d = getFormulaDim(f);
    return d > 1 && getFormulaDim(s) == d * d;
  }
  /// (adjoint of s, adjoint of f) for the result adjoint g.
  static std::pair<Value, Value> adjoints(FormulaBuilder &fb, Value s, Value f,
                                          Value g, bool needS, bool needF) {
    Value ds, df;
    if (isMatrix(s, f)) {
      if (needS)
        ds = fb.mul(g, fb.create<TensorProdOp>(f, f));
      if (needF)
        df = fb.mul(g, fb.add(fb.create<MatVecMultOp>(s, f),
                              fb.create<VecMatMultOp>(f, s)));
    } else {
      if (needS)
        ds = fb.mul(g, fb.create<SquareOp>(f));
      if (needF)
        df = fb.scale(2, fb.mul(g, fb.mul(s, f)));
    }
    return {ds, df};
  }
  static Value tangent(FormulaBuilder &fb, Value s, Value f, Value ts,
                       Value tf) {
    Value result;
    if (ts)
      result = fb.create<WeightedSqNormOp>(fb.toTypeOf(ts, s), f);
    if (tf) {
      Value w;
      if (isMatrix(s, f))
        w = fb.add(fb.create<MatVecMultOp>(s, f),
                   fb.create<VecMatMultOp>(f, s));
      else
        w = fb.scale(2, fb.mul(s, f));
      result = fb.add(result, fb.scalprod(w, tf));
    }
    return result;
  }
};

struct WeightedSqNormRule : DifferentiableRule {
  static LogicalResult adjoints(WeightedSqNormOp op, FormulaBuilder &fb,
                                Value g, ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    auto [ds, df] = WeightedSqNormMath::adjoints(fb, op.getLhs(), op.getRhs(),
                                                 g, active[0], active[1]);
    out.append({ds, df});
    return success();
  }
  static FailureOr<Value> tangent(WeightedSqNormOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return WeightedSqNormMath::tangent(fb, op.getLhs(), op.getRhs(), t[0],
                                       t[1]);
  }
};

/// WeightedSqDist(s, f, g) = WeightedSqNorm(s, f - g).
struct WeightedSqDistRule : DifferentiableRule {
  static LogicalResult adjoints(WeightedSqDistOp op, FormulaBuilder &fb,
                                Value g, ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    Value d = fb.sub(op.getLhs(), op.getRhs());
    auto [ds, dd] = WeightedSqNormMath::adjoints(
        fb, op.getWeight(), d, g, active[0], active[1] || active[2]);
    out.append(
        {ds, active[1] ? dd : Value(), active[2] ? fb.neg(dd) : Value()});
    return success();
  }
  static FailureOr<Value> tangent(WeightedSqDistOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    Value d = fb.sub(op.getLhs(), op.getRhs());
    Value td = fb.toTypeOf(fb.sub(t[1], t[2]), d);
    return WeightedSqNormMath::tangent(fb, op.getWeight(), d, t[0], td);
  }
};

//===----------------------------------------------------------------------===//
// TensorDot and Kron (§1g)
//===----------------------------------------------------------------------===//

/// Axes of a tensor of rank `rank` that are not in `contracted`, ascending.
SmallVector<int64_t> keptAxes(int64_t rank, ArrayRef<int64_t> contracted) {
  SmallVector<int64_t> kept;
  for (int64_t axis = 0; axis < rank; ++axis)
    if (!llvm::is_contained(contracted, axis))
      kept.push_back(axis);
  return kept;
}

/// Builds TensorDot(a, b, ...) and drops an identity permutation.
Value buildTensorDot(FormulaBuilder &fb, Value a, Value b,
                     ArrayRef<int64_t> dimsA, ArrayRef<int64_t> dimsB,
                     ArrayRef<int64_t> contA, ArrayRef<int64_t> contB,
                     ArrayRef<int64_t> permute) {
  DenseI64ArrayAttr permuteAttr;
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(permute))
    identity &= (p == static_cast<int64_t>(i));
  if (!identity)
    permuteAttr = fb.getBuilder().getDenseI64ArrayAttr(permute);
  return fb.create<TensorDotOp>(a, b, dimsA, dimsB, contA, contB, permuteAttr);
}

/// TensorDot(a, b, dimsA, dimsB, contA, contB, permute), KeOps' semantics:
/// the kept axes of a then of b, and the unpermuted axis u lands at output
/// position permute[u]. Each adjoint is another TensorDot of the result
/// adjoint (shaped like the output) with the other operand, contracting
/// the output axes that came from the other operand.
struct TensorDotRule : DifferentiableRule {
  struct Shapes {
    SmallVector<int64_t> dimsA, dimsB, contA, contB, keptA, keptB, permute,
        outShape;
  };
  static Shapes getShapes(TensorDotOp op) {
    Shapes s;
    s.dimsA.assign(op.getDimsA().begin(), op.getDimsA().end());
    s.dimsB.assign(op.getDimsB().begin(), op.getDimsB().end());
    s.contA.assign(op.getContractA().begin(), op.getContractA().end());
    s.contB.assign(op.getContractB().begin(), op.getContractB().end());
    s.keptA = keptAxes(s.dimsA.size(), s.contA);
    s.keptB = keptAxes(s.dimsB.size(), s.contB);
    int64_t rank = s.keptA.size() + s.keptB.size();
    if (auto permute = op.getPermute())
      s.permute.assign(permute->begin(), permute->end());
    else
      for (int64_t u = 0; u < rank; ++u)
        s.permute.push_back(u);
    s.outShape.assign(rank, 1);
    for (auto [p, axis] : llvm::enumerate(s.keptA))
      s.outShape[s.permute[p]] = s.dimsA[axis];
    for (auto [q, axis] : llvm::enumerate(s.keptB))
      s.outShape[s.permute[s.keptA.size() + q]] = s.dimsB[axis];
    return s;
  }

  /// The adjoint of the operand `self` (0: a, 1: b).
  static Value adjoint(TensorDotOp op, FormulaBuilder &fb, Value g,
                       unsigned self) {
    Shapes s = getShapes(op);
    bool forA = self == 0;
    ArrayRef<int64_t> keptSelf = forA ? s.keptA : s.keptB;
    ArrayRef<int64_t> keptOther = forA ? s.keptB : s.keptA;
    ArrayRef<int64_t> contSelf = forA ? s.contA : s.contB;
    ArrayRef<int64_t> contOther = forA ? s.contB : s.contA;
    ArrayRef<int64_t> dimsOther = forA ? s.dimsB : s.dimsA;
    int64_t offsetSelf = forA ? 0 : s.keptA.size();
    int64_t offsetOther = forA ? s.keptA.size() : 0;
    Value other = forA ? op.getRhs() : op.getLhs();

    // Contract the output axes that come from `other` with other's kept
    // axes.
    SmallVector<int64_t> contG, contO;
    for (auto [q, axis] : llvm::enumerate(keptOther)) {
      contG.push_back(s.permute[offsetOther + q]);
      contO.push_back(axis);
    }
    // The axes of the new result, in order: the remaining output axes
    // (ascending), then other's contracted axes (ascending); each is an
    // axis of `self`, which is its output position.
    SmallVector<int64_t> permute;
    for (int64_t axis = 0, e = s.outShape.size(); axis < e; ++axis) {
      if (llvm::is_contained(contG, axis))
        continue;
      int64_t u = llvm::find(s.permute, axis) - s.permute.begin();
      permute.push_back(keptSelf[u - offsetSelf]);
    }
    SmallVector<int64_t> sortedContOther(contOther.begin(), contOther.end());
    llvm::sort(sortedContOther);
    for (int64_t axis : sortedContOther) {
      int64_t k = llvm::find(contOther, axis) - contOther.begin();
      permute.push_back(contSelf[k]);
    }
    return buildTensorDot(fb, g, other, s.outShape, dimsOther, contG, contO,
                          permute);
  }

  static LogicalResult adjoints(TensorDotOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? adjoint(op, fb, g, 0) : Value());
    out.push_back(active[1] ? adjoint(op, fb, g, 1) : Value());
    return success();
  }
  static FailureOr<Value> tangent(TensorDotOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    auto rebuild = [&](Value a, Value b) {
      return fb.create<TensorDotOp>(a, b, op.getDimsAAttr(), op.getDimsBAttr(),
                                    op.getContractAAttr(),
                                    op.getContractBAttr(), op.getPermuteAttr());
    };
    return bilinearTangent(op, fb, t, rebuild);
  }
};

/// Kron(A, B): the result, seen with the interleaved shape
/// [a0, b0, a1, b1, ...], is the outer product of A and B; each adjoint
/// contracts the other operand's axes.
struct KronRule : DifferentiableRule {
  static Value adjoint(KronOp op, FormulaBuilder &fb, Value g, bool forA) {
    ArrayRef<int64_t> dimsA = op.getDimsA(), dimsB = op.getDimsB();
    SmallVector<int64_t> shape, contG, contO;
    for (auto [k, da, db] : llvm::enumerate(dimsA, dimsB)) {
      shape.append({da, db});
      contG.push_back(2 * k + (forA ? 1 : 0));
      contO.push_back(k);
    }
    return buildTensorDot(fb, g, forA ? op.getRhs() : op.getLhs(), shape,
                          forA ? dimsB : dimsA, contG, contO, {});
  }
  static LogicalResult adjoints(KronOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    out.push_back(active[0] ? adjoint(op, fb, g, true) : Value());
    out.push_back(active[1] ? adjoint(op, fb, g, false) : Value());
    return success();
  }
  static FailureOr<Value> tangent(KronOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    auto rebuild = [&](Value a, Value b) {
      return fb.create<KronOp>(a, b, op.getDimsAAttr(), op.getDimsBAttr());
    };
    return bilinearTangent(op, fb, t, rebuild);
  }
};

//===----------------------------------------------------------------------===//
// Composite ops differentiated through an expansion (§1e, §1f)
//===----------------------------------------------------------------------===//

/// Differentiates `op` through `expansion` (built on demand): reverse mode
/// to the active operands, forward mode from the given tangents.
struct ExpansionRule : DifferentiableRule {
  static LogicalResult adjointsThrough(Operation *op, FormulaBuilder &fb,
                                       Value expansion, Value g,
                                       ArrayRef<bool> active,
                                       SmallVectorImpl<Value> &out) {
    SmallVector<Value> inputs;
    for (auto [operand, isActive] : llvm::zip_equal(op->getOperands(), active))
      if (isActive)
        inputs.push_back(operand);
    FailureOr<SmallVector<Value>> adjoints =
        buildReverse(fb.getBuilder(), fb.getLoc(), expansion, g, inputs, op);
    if (failed(adjoints))
      return failure();
    unsigned next = 0;
    for (bool isActive : active)
      out.push_back(isActive ? (*adjoints)[next++] : Value());
    return success();
  }
  static FailureOr<Value> tangentThrough(Operation *op, FormulaBuilder &fb,
                                         Value expansion, ArrayRef<Value> t) {
    SmallVector<Value> operands(op->getOperands());
    return buildForward(fb.getBuilder(), fb.getLoc(), expansion, operands, t,
                        op);
  }
};

/// BSpline(knots, x, order): w.r.t. x and the knots, through De Boor's
/// recursion (KeOps has no gradient here).
struct BSplineRule : ExpansionRule {
  static Value expand(BSplineOp op, FormulaBuilder &fb) {
    return expandBSpline(fb, op.getKnots(), op.getX(),
                         static_cast<int64_t>(op.getOrder()));
  }
  static LogicalResult adjoints(BSplineOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    return adjointsThrough(op, fb, expand(op, fb), g, active, out);
  }
  static FailureOr<Value> tangent(BSplineOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    return tangentThrough(op, fb, expand(op, fb), t);
  }
};

/// SoftDTW_SqDist(x, y, gamma): w.r.t. x, y and gamma, to any order,
/// through the dynamic program (KeOps: x and y, first order only).
struct SoftDTWRule : ExpansionRule {
  static LogicalResult checkSize(SoftDTWSqDistOp op) {
    int64_t cells = getFormulaDim(op.getX()) * getFormulaDim(op.getY());
    if (cells <= kMaxSoftDTWCells)
      return success();
    return op.emitError("cannot differentiate a SoftDTW_SqDist of ")
           << getFormulaDim(op.getX()) << " x " << getFormulaDim(op.getY())
           << " cells: the derivative is built by expanding the dynamic "
              "program, limited to "
           << kMaxSoftDTWCells << " cells";
  }
  static Value expand(SoftDTWSqDistOp op, FormulaBuilder &fb) {
    return expandSoftDTW(fb, op.getX(), op.getY(), op.getGamma());
  }
  static LogicalResult adjoints(SoftDTWSqDistOp op, FormulaBuilder &fb, Value g,
                                ArrayRef<bool> active,
                                SmallVectorImpl<Value> &out) {
    if (failed(checkSize(op)))
      return failure();
    return adjointsThrough(op, fb, expand(op, fb), g, active, out);
  }
  static FailureOr<Value> tangent(SoftDTWSqDistOp op, FormulaBuilder &fb,
                                  ArrayRef<Value> t) {
    if (failed(checkSize(op)))
      return failure();
    return tangentThrough(op, fb, expand(op, fb), t);
  }
};

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

template <typename OpTy, typename Rule> void attach(MLIRContext *ctx) {
  OpTy::template attachInterface<RuleModel<OpTy, Rule>>(*ctx);
}

template <typename Rule, typename... OpTys> void attachAll(MLIRContext *ctx) {
  (attach<OpTys, Rule>(ctx), ...);
}

} // namespace

void mlir::kernelred::registerAdjointRuleExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KredDialect *) {
    // Constants and piecewise-constant ops.
    attachAll<ZeroRule, IntCstOp, RatCstOp, ZeroOp, ConstantOp, SignOp, StepOp,
              FloorOp, RoundOp, DiffClampIntOp, ArgMaxOp, ArgMinOp, OneHotOp,
              EqualOp, NotEqualOp, LessThanOp, LessOrEqualOp>(ctx);
    // Componentwise unary ops.
    attach<NegOp, DiagonalRule<NegDeriv>>(ctx);
    attach<InvOp, DiagonalRule<InvDeriv>>(ctx);
    attach<SquareOp, DiagonalRule<SquareDeriv>>(ctx);
    attach<SqrtOp, DiagonalRule<SqrtDeriv>>(ctx);
    attach<RsqrtOp, DiagonalRule<RsqrtDeriv>>(ctx);
    attach<ExpOp, DiagonalRule<ExpDeriv>>(ctx);
    attach<LogOp, DiagonalRule<LogDeriv>>(ctx);
    attach<XLogXOp, DiagonalRule<XLogXDeriv>>(ctx);
    attach<SinOp, DiagonalRule<SinDeriv>>(ctx);
    attach<CosOp, DiagonalRule<CosDeriv>>(ctx);
    attach<SinXDivXOp, DiagonalRule<SinXDivXDeriv>>(ctx);
    attach<AsinOp, DiagonalRule<AsinDeriv>>(ctx);
    attach<AcosOp, DiagonalRule<AcosDeriv>>(ctx);
    attach<AtanOp, DiagonalRule<AtanDeriv>>(ctx);
    attach<AbsOp, DiagonalRule<AbsDeriv>>(ctx);
    attach<ReLUOp, DiagonalRule<ReLUDeriv>>(ctx);
    attach<PowOp, DiagonalRule<PowDeriv>>(ctx);
    attach<ClampIntOp, DiagonalRule<ClampIntDeriv>>(ctx);
    attach<NormalizeOp, NormalizeRule>(ctx);
    // Binary and ternary componentwise ops.
    attach<AddOp, AddRule>(ctx);
    attach<SubOp, SubRule>(ctx);
    attach<MulOp, MulRule>(ctx);
    attach<DivOp, DivRule>(ctx);
    attach<PowfOp, PowfRule>(ctx);
    attach<Atan2Op, Atan2Rule>(ctx);
    attach<IfElseOp, IfElseRule>(ctx);
    attach<ClampOp, ClampRule>(ctx);
    attach<ModOp, ModRule>(ctx);
    // Vector ops.
    attach<SumOp, SumRule>(ctx);
    attach<MaxOp, SelectRule<MaxOp, ArgMaxOp>>(ctx);
    attach<MinOp, SelectRule<MinOp, ArgMinOp>>(ctx);
    attach<SqNorm2Op, SqNorm2Rule>(ctx);
    attach<Norm2Op, Norm2Rule>(ctx);
    attach<SumTOp, SumTRule>(ctx);
    attach<ElemOp, ElemRule>(ctx);
    attach<ElemTOp, ElemTRule>(ctx);
    attach<ExtractOp, ExtractRule>(ctx);
    attach<ExtractTOp, ExtractTRule>(ctx);
    attach<ConcatOp, ConcatRule>(ctx);
    attach<ExtractStridedOp, ExtractStridedRule>(ctx);
    attach<InterleaveOp, InterleaveRule>(ctx);
    attach<ScalProdOp, ScalProdRule>(ctx);
    attach<SqDistOp, SqDistRule>(ctx);
    attach<MatVecMultOp, MatVecMultRule>(ctx);
    attach<VecMatMultOp, VecMatMultRule>(ctx);
    attach<TensorProdOp, TensorProdRule>(ctx);
    attach<DifferenceMatrixOp, DifferenceMatrixRule>(ctx);
    attach<WeightedSqNormOp, WeightedSqNormRule>(ctx);
    attach<WeightedSqDistOp, WeightedSqDistRule>(ctx);
    attach<TensorDotOp, TensorDotRule>(ctx);
    attach<KronOp, KronRule>(ctx);
    attach<BSplineOp, BSplineRule>(ctx);
    attach<SoftDTWSqDistOp, SoftDTWRule>(ctx);
  });
}
