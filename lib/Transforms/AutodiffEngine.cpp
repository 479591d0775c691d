//===- AutodiffEngine.cpp - symbolic differentiation of formulas ----------===//
//
// Part of the kernelred project.
//
// Reverse and forward mode over the def chain of a formula. A formula is a
// straight-line program in the single block of a kernelred.reduce, so the
// ops between the variable and the formula, in block order, are a
// topological order of the computation: the reverse engine walks them
// backwards accumulating adjoints, the forward engine walks them forwards
// propagating tangents. Each step is the op's AdjointOpInterface rule.
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/AutodiffEngine.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::autodiff;

//===----------------------------------------------------------------------===//
// FormulaBuilder
//===----------------------------------------------------------------------===//

static Type getScalarTypeLike(Value like) {
  return getFormulaType(cast<VectorType>(like.getType()).getElementType(), 1);
}

Value FormulaBuilder::intCst(Value like, int64_t n) {
  if (n < 0)
    return neg(intCst(like, -n));
  return create<IntCstOp>(getScalarTypeLike(like), static_cast<int64_t>(n));
}

Value FormulaBuilder::ratCst(Value like, int64_t num, int64_t den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  if (num < 0)
    return neg(ratCst(like, -num, den));
  if (den == 1)
    return intCst(like, num);
  return create<RatCstOp>(getScalarTypeLike(like), static_cast<int64_t>(num),
                          static_cast<int64_t>(den));
}

Value FormulaBuilder::zero(Type type) { return create<ZeroOp>(type); }

Value FormulaBuilder::add(Value a, Value b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return create<AddOp>(a, b);
}

Value FormulaBuilder::sub(Value a, Value b) {
  if (!b)
    return a;
  if (!a)
    return neg(b);
  return create<SubOp>(a, b);
}

Value FormulaBuilder::neg(Value a) { return a ? create<NegOp>(a) : Value(); }

/// OpTy(a, b), or no value (a zero) when a or b is one.
template <typename OpTy>
static Value productOrZero(FormulaBuilder &fb, Value a, Value b) {
  return a && b ? fb.create<OpTy>(a, b) : Value();
}

Value FormulaBuilder::mul(Value a, Value b) {
  return productOrZero<MulOp>(*this, a, b);
}

Value FormulaBuilder::div(Value a, Value b) {
  if (!a)
    return Value();
  return create<DivOp>(a, b);
}

Value FormulaBuilder::scale(int64_t n, Value a) {
  if (!a || n == 0)
    return Value();
  if (n == 1)
    return a;
  if (n == -1)
    return neg(a);
  return mul(intCst(a, n), a);
}

Value FormulaBuilder::sum(Value a) {
  if (!a || getFormulaDim(a) == 1)
    return a;
  return create<SumOp>(a);
}

Value FormulaBuilder::scalprod(Value a, Value b) {
  return productOrZero<ScalProdOp>(*this, a, b);
}

Value FormulaBuilder::toDim(Value a, int64_t dim) {
  if (!a)
    return a;
  int64_t d = getFormulaDim(a);
  if (d == dim)
    return a;
  if (d == 1)
    return create<SumTOp>(a, static_cast<int64_t>(dim));
  if (dim == 1)
    return create<SumOp>(a);
  // Not a broadcast: left for the caller's type check to report.
  return a;
}

//===----------------------------------------------------------------------===//
// Slices
//===----------------------------------------------------------------------===//

namespace {

/// The ops on a path from some inputs to an output, in block order.
struct ActiveSlice {
  /// Ops that depend on an input and feed the output, in block order.
  SmallVector<Operation *> ops;
  /// The inputs and the results of `ops`.
  llvm::DenseSet<Value> active;
};

/// True when `op` is piecewise constant (its derivative is zero).
bool hasZeroDerivative(Operation *op) {
  if (auto iface = dyn_cast<AdjointOpInterface>(op))
    return iface.hasZeroDerivative();
  return false;
}

ActiveSlice computeSlice(Value output, ArrayRef<Value> inputs) {
  ActiveSlice slice;
  llvm::DenseSet<Value> inputSet(inputs.begin(), inputs.end());

  // Ops the output depends on, stopping at the inputs (independent leaves)
  // and at piecewise-constant ops.
  llvm::SetVector<Operation *> visited;
  SmallVector<Value> worklist{output};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (inputSet.contains(v))
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || hasZeroDerivative(def) || !visited.insert(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  SmallVector<Operation *> ops = visited.takeVector();
  llvm::sort(ops, [](Operation *a, Operation *b) {
    if (a->getBlock() != b->getBlock())
      return a->getBlock() < b->getBlock();
    return a->isBeforeInBlock(b);
  });

  // Of those, the ops that depend on an input.
  slice.active.insert(inputs.begin(), inputs.end());
  for (Operation *op : ops) {
    if (llvm::none_of(op->getOperands(),
                      [&](Value v) { return slice.active.contains(v); }))
      continue;
    slice.ops.push_back(op);
    slice.active.insert(op->result_begin(), op->result_end());
  }
  return slice;
}

/// Reports an op on the path that has no rule.
LogicalResult reportNoRule(Operation *op, Operation *requester) {
  InFlightDiagnostic diag = op->emitError("cannot differentiate '")
                            << op->getName() << "': it has no adjoint rule";
  if (requester)
    diag.attachNote(requester->getLoc())
        << "needed to differentiate this '" << requester->getName() << "'";
  return failure();
}

/// Checks that `v` (null or not) has `expected`'s type, after adapting a
/// broadcast; reports an internal error otherwise.
FailureOr<Value> adaptTo(FormulaBuilder &fb, Value v, Value expected,
                         Operation *op, StringRef what) {
  if (!v)
    return v;
  v = fb.toTypeOf(v, expected);
  if (v.getType() == expected.getType())
    return v;
  return op->emitError("internal error: the ")
         << what << " built by the rule of '" << op->getName() << "' has type "
         << v.getType() << ", expected " << expected.getType();
}

} // namespace

//===----------------------------------------------------------------------===//
// Engines
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> mlir::kernelred::autodiff::buildReverse(
    OpBuilder &builder, Location loc, Value output, Value outputAdjoint,
    ArrayRef<Value> inputs, Operation *requester) {
  FormulaBuilder fb(builder, loc);
  ActiveSlice slice = computeSlice(output, inputs);
  llvm::DenseMap<Value, Value> adjoints;
  if (slice.active.contains(output) && outputAdjoint)
    adjoints[output] = fb.toTypeOf(outputAdjoint, output);

  for (Operation *op : llvm::reverse(slice.ops)) {
    if (op->getNumResults() != 1)
      return reportNoRule(op, requester);
    Value resultAdjoint = adjoints.lookup(op->getResult(0));
    if (!resultAdjoint)
      continue;
    auto rule = dyn_cast<AdjointOpInterface>(op);
    if (!rule)
      return reportNoRule(op, requester);
    SmallVector<bool> activeOperands;
    for (Value operand : op->getOperands())
      activeOperands.push_back(slice.active.contains(operand));
    SmallVector<Value> contributions;
    if (failed(rule.buildAdjoints(builder, resultAdjoint, activeOperands,
                                  contributions)))
      return failure();
    if (contributions.size() != op->getNumOperands())
      return op->emitError("internal error: the adjoint rule of '")
             << op->getName() << "' returned " << contributions.size()
             << " adjoints for " << op->getNumOperands() << " operands";
    for (auto [operand, contribution, active] :
         llvm::zip_equal(op->getOperands(), contributions, activeOperands)) {
      if (!active || !contribution)
        continue;
      FailureOr<Value> adapted =
          adaptTo(fb, contribution, operand, op, "adjoint");
      if (failed(adapted))
        return failure();
      Value &acc = adjoints[operand];
      acc = fb.add(acc, *adapted);
    }
  }

  SmallVector<Value> result;
  for (Value input : inputs)
    result.push_back(adjoints.lookup(input));
  return result;
}

FailureOr<Value> mlir::kernelred::autodiff::buildForward(
    OpBuilder &builder, Location loc, Value output, ArrayRef<Value> inputs,
    ArrayRef<Value> inputTangents, Operation *requester) {
  FormulaBuilder fb(builder, loc);
  ActiveSlice slice = computeSlice(output, inputs);
  llvm::DenseMap<Value, Value> tangents;
  for (auto [input, tangent] : llvm::zip_equal(inputs, inputTangents))
    if (tangent)
      tangents[input] =
          fb.add(tangents.lookup(input), fb.toTypeOf(tangent, input));

  for (Operation *op : slice.ops) {
    SmallVector<Value> operandTangents;
    for (Value operand : op->getOperands())
      operandTangents.push_back(tangents.lookup(operand));
    if (llvm::all_of(operandTangents, [](Value t) { return !t; }))
      continue;
    auto rule = dyn_cast<AdjointOpInterface>(op);
    if (!rule || op->getNumResults() != 1)
      return reportNoRule(op, requester);
    FailureOr<Value> tangent = rule.buildTangent(builder, operandTangents);
    if (failed(tangent))
      return failure();
    FailureOr<Value> adapted =
        adaptTo(fb, *tangent, op->getResult(0), op, "tangent");
    if (failed(adapted))
      return failure();
    if (*adapted)
      tangents[op->getResult(0)] = *adapted;
  }
  return tangents.lookup(output);
}

//===----------------------------------------------------------------------===//
// Differential operators
//===----------------------------------------------------------------------===//

/// The k-th vector of the standard basis of dimension `dim`, with the
/// element type of `like`.
static Value buildBasisVector(FormulaBuilder &fb, Value like, int64_t dim,
                              int64_t k) {
  Value one = fb.intCst(like, 1);
  if (dim == 1)
    return one;
  return fb.create<ElemTOp>(one, static_cast<int64_t>(dim),
                            static_cast<int64_t>(k));
}

FailureOr<Value> mlir::kernelred::autodiff::buildGrad(OpBuilder &builder,
                                                      Location loc,
                                                      Value formula, Value var,
                                                      Value dir,
                                                      Operation *requester) {
  FailureOr<SmallVector<Value>> adjoints =
      buildReverse(builder, loc, formula, dir, {var}, requester);
  if (failed(adjoints))
    return failure();
  Value grad = adjoints->front();
  if (!grad)
    grad = FormulaBuilder(builder, loc).zero(var.getType());
  return grad;
}

FailureOr<Value> mlir::kernelred::autodiff::buildDiff(OpBuilder &builder,
                                                      Location loc,
                                                      Value formula, Value var,
                                                      Value dir,
                                                      Operation *requester) {
  FailureOr<Value> tangent =
      buildForward(builder, loc, formula, {var}, {dir}, requester);
  if (failed(tangent))
    return failure();
  if (!*tangent)
    return FormulaBuilder(builder, loc).zero(formula.getType());
  return *tangent;
}

FailureOr<Value>
mlir::kernelred::autodiff::buildDivergence(OpBuilder &builder, Location loc,
                                           Value formula, Value var,
                                           Operation *requester) {
  FormulaBuilder fb(builder, loc);
  int64_t dim = getFormulaDim(var);
  Value trace;
  for (int64_t k = 0; k < dim; ++k) {
    Value basis = buildBasisVector(fb, var, dim, k);
    FailureOr<Value> tangent =
        buildForward(builder, loc, formula, {var}, {basis}, requester);
    if (failed(tangent))
      return failure();
    if (!*tangent)
      continue;
    Value component = *tangent;
    if (dim > 1)
      component = fb.create<ElemOp>(component, static_cast<int64_t>(k));
    trace = fb.add(trace, component);
  }
  if (!trace)
    trace = fb.zero(getScalarTypeLike(formula));
  return trace;
}

FailureOr<Value>
mlir::kernelred::autodiff::buildLaplacian(OpBuilder &builder, Location loc,
                                          Value formula, Value var,
                                          Operation *requester) {
  FormulaBuilder fb(builder, loc);
  FailureOr<SmallVector<Value>> grad = buildReverse(
      builder, loc, formula, fb.intCst(formula, 1), {var}, requester);
  if (failed(grad))
    return failure();
  if (!grad->front())
    return fb.zero(getScalarTypeLike(formula));
  return buildDivergence(builder, loc, grad->front(), var, requester);
}

FailureOr<Value>
mlir::kernelred::autodiff::buildGradMatrix(OpBuilder &builder, Location loc,
                                           Value formula, Value var,
                                           Operation *requester) {
  FormulaBuilder fb(builder, loc);
  int64_t dim = getFormulaDim(formula);
  Value matrix;
  bool anyNonZero = false;
  for (int64_t k = 0; k < dim; ++k) {
    Value basis = buildBasisVector(fb, formula, dim, k);
    FailureOr<SmallVector<Value>> row =
        buildReverse(builder, loc, formula, basis, {var}, requester);
    if (failed(row))
      return failure();
    Value rowValue = row->front();
    anyNonZero |= static_cast<bool>(rowValue);
    if (!rowValue)
      rowValue = fb.zero(var.getType());
    matrix = matrix ? fb.create<ConcatOp>(matrix, rowValue) : rowValue;
  }
  if (!anyNonZero)
    return fb.zero(
        getFormulaType(cast<VectorType>(var.getType()).getElementType(),
                       dim * getFormulaDim(var)));
  return matrix;
}

//===----------------------------------------------------------------------===//
// Expansions
//===----------------------------------------------------------------------===//

Value mlir::kernelred::autodiff::expandBSpline(FormulaBuilder &fb, Value knots,
                                               Value x, int64_t order) {
  int64_t n = getFormulaDim(knots) - 1;
  auto slice = [&](Value v, int64_t start, int64_t length) -> Value {
    if (start == 0 && length == getFormulaDim(v))
      return v;
    return fb.create<ExtractOp>(v, static_cast<int64_t>(start),
                                static_cast<int64_t>(length));
  };
  // Order 0: indicator of t_j <= x < t_{j+1}.
  Value out = fb.mul(fb.create<LessOrEqualOp>(slice(knots, 0, n), x),
                     fb.create<LessThanOp>(x, slice(knots, 1, n)));
  Value one = fb.intCst(x, 1);
  Value zero = fb.zero(getScalarTypeLike(x));
  for (int64_t k = 1; k <= order; ++k) {
    // omega_i = (x - t_i) / (t_{i+k} - t_i) where t_i < t_{i+k}, else 0,
    // for i = 0 .. n-k; the denominator is made safe so that the unused
    // branch stays finite (its adjoint is multiplied by zero).
    int64_t m = n - k + 1;
    Value lo = slice(knots, 0, m), hi = slice(knots, k, m);
    Value cond = fb.sub(lo, hi);
    Value den = fb.create<IfElseOp>(cond, one, fb.sub(hi, lo));
    Value omega = fb.create<IfElseOp>(cond, zero, fb.div(fb.sub(x, lo), den));
    // out_i <- omega_i out_i + (1 - omega_{i+1}) out_{i+1}, i < n-k.
    int64_t len = n - k;
    Value updated =
        fb.add(fb.mul(slice(omega, 0, len), slice(out, 0, len)),
               fb.mul(fb.sub(one, slice(omega, 1, len)), slice(out, 1, len)));
    out = fb.create<ConcatOp>(updated, slice(out, len, k));
  }
  return out;
}

Value mlir::kernelred::autodiff::expandSoftDTW(FormulaBuilder &fb, Value x,
                                               Value y, Value gamma) {
  int64_t n = getFormulaDim(x), m = getFormulaDim(y);
  auto elem = [&](Value v, int64_t i) -> Value {
    if (getFormulaDim(v) == 1)
      return v;
    return fb.create<ElemOp>(v, static_cast<int64_t>(i));
  };
  SmallVector<Value> xs, ys;
  for (int64_t i = 0; i < n; ++i)
    xs.push_back(elem(x, i));
  for (int64_t j = 0; j < m; ++j)
    ys.push_back(elem(y, j));
  auto cost = [&](int64_t i, int64_t j) {
    return fb.create<SquareOp>(fb.sub(xs[i], ys[j]));
  };
  // softmin_gamma(a, b, c) = mn - gamma log(sum exp((mn - v) / gamma)),
  // mn = min(a, b, c): KeOps' stabilized form.
  auto softmin = [&](Value a, Value b, Value c) {
    Value mn =
        fb.create<MinOp>(fb.create<ConcatOp>(fb.create<ConcatOp>(a, b), c));
    auto term = [&](Value v) {
      return fb.create<ExpOp>(fb.div(fb.sub(mn, v), gamma));
    };
    Value s = fb.add(fb.add(term(a), term(b)), term(c));
    return fb.sub(mn, fb.mul(gamma, fb.create<LogOp>(s)));
  };
  // r[i][j] over i = 0..n-1 for the previous and the current j.
  SmallVector<Value> prev(n), cur(n);
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t i = 0; i < n; ++i) {
      Value d = cost(i, j);
      if (i == 0 && j == 0)
        cur[i] = d;
      else if (j == 0)
        cur[i] = fb.add(d, cur[i - 1]);
      else if (i == 0)
        cur[i] = fb.add(d, prev[i]);
      else
        cur[i] = fb.add(d, softmin(prev[i - 1], prev[i], cur[i - 1]));
    }
    std::swap(prev, cur);
  }
  return prev[n - 1];
}
