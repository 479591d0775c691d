//===- AutodiffEngine.h - symbolic differentiation of formulas --*- C++ -*-===//
//
// Part of the kernelred project.
//
// The machinery behind kred-autodiff, shared by the pass and the adjoint
// rules: a formula builder in which a null Value stands for zero, the
// reverse-mode (adjoint) and forward-mode (tangent) engines that chain the
// per-op rules of AdjointOpInterface over a def chain, and the builders of
// KeOps' differential operators (Grad, Diff, Divergence, Laplacian,
// GradMatrix).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TRANSFORMS_AUTODIFFENGINE_H
#define KRED_LIB_TRANSFORMS_AUTODIFFENGINE_H

#include "dialect/KredOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kernelred::autodiff {

//===----------------------------------------------------------------------===//
// FormulaBuilder
//===----------------------------------------------------------------------===//

/// Builds formula ops at the insertion point of an OpBuilder. Every helper
/// treats a null Value as zero and never materializes zeros: `mul(a, null)`
/// is null, `add(a, null)` is `a`. Broadcasting follows KeOps: elementwise
/// helpers accept a dimension-1 operand against dimension D.
class FormulaBuilder {
public:
  FormulaBuilder(OpBuilder &builder, Location loc)
      : builder(builder), loc(loc) {}

  OpBuilder &getBuilder() { return builder; }
  Location getLoc() const { return loc; }

  /// Creates an op with an inferred result type and returns its result.
  template <typename OpTy, typename... Args> Value create(Args &&...args) {
    return OpTy::create(builder, loc, std::forward<Args>(args)...).getResult();
  }

  /// Dimension-1 constants with the element type of `like`. Negative
  /// values are built as the negation of a positive constant.
  Value intCst(Value like, int64_t n);
  Value ratCst(Value like, int64_t num, int64_t den);
  /// An explicit zero of `type` (only where an op needs a zero operand).
  Value zero(Type type);

  /// Arithmetic with null = 0.
  Value add(Value a, Value b);
  Value sub(Value a, Value b);
  Value neg(Value a);
  Value mul(Value a, Value b);
  /// a / b; null when `a` is null (`b` must not be null).
  Value div(Value a, Value b);
  /// n * a (null when `a` is null).
  Value scale(int64_t n, Value a);

  /// Sum of the components (identity for dimension 1).
  Value sum(Value a);
  /// Scalar product (dimension 1); null when either side is null.
  Value scalprod(Value a, Value b);
  /// Adapts `a` to dimension `dim`: identity, SumT (broadcast of a scalar)
  /// or Sum (the adjoint of a broadcast, `dim` == 1). Null stays null.
  Value toDim(Value a, int64_t dim);
  /// Adapts `a` to the type of `like` (see toDim).
  Value toTypeOf(Value a, Value like) { return toDim(a, getFormulaDim(like)); }

private:
  OpBuilder &builder;
  Location loc;
};

//===----------------------------------------------------------------------===//
// Engines
//===----------------------------------------------------------------------===//

/// Reverse mode: the adjoints of `inputs` when `output` receives the
/// adjoint `outputAdjoint`, through the ops of the block between them (the
/// inputs are treated as independent leaves: the chain stops at them).
/// Entries are null when an input gets no (i.e. a zero) adjoint; each one
/// has its input's type. New ops go to the builder's insertion point, which
/// must be dominated by `output` and `outputAdjoint`. On failure a
/// diagnostic has been emitted (with a note at `requester` when given).
FailureOr<SmallVector<Value>> buildReverse(OpBuilder &builder, Location loc,
                                           Value output, Value outputAdjoint,
                                           ArrayRef<Value> inputs,
                                           Operation *requester = nullptr);

/// Forward mode: the tangent of `output` when each `inputs[k]` moves along
/// `inputTangents[k]` (null = does not move). Null when the tangent is zero.
FailureOr<Value> buildForward(OpBuilder &builder, Location loc, Value output,
                              ArrayRef<Value> inputs,
                              ArrayRef<Value> inputTangents,
                              Operation *requester = nullptr);

//===----------------------------------------------------------------------===//
// KeOps' differential operators (never null: zero results are explicit)
//===----------------------------------------------------------------------===//

/// Grad(F, V, E): the adjoint of dF/dV applied to E (V's type).
FailureOr<Value> buildGrad(OpBuilder &builder, Location loc, Value formula,
                           Value var, Value dir, Operation *requester);
/// Diff(F, V, U): dF/dV applied to U (F's type).
FailureOr<Value> buildDiff(OpBuilder &builder, Location loc, Value formula,
                           Value var, Value dir, Operation *requester);
/// Divergence(F, V) = sum_k Elem(Diff(F, V, e_k), k), dimension 1.
FailureOr<Value> buildDivergence(OpBuilder &builder, Location loc,
                                 Value formula, Value var,
                                 Operation *requester);
/// Laplacian(F, V) = Divergence(Grad(F, V, 1), V), dimension 1.
FailureOr<Value> buildLaplacian(OpBuilder &builder, Location loc, Value formula,
                                Value var, Operation *requester);
/// GradMatrix(F, V) = Concat_k Grad(F, V, e_k), dimension dim(F)*dim(V).
FailureOr<Value> buildGradMatrix(OpBuilder &builder, Location loc,
                                 Value formula, Value var,
                                 Operation *requester);

//===----------------------------------------------------------------------===//
// Expansions used by rules of composite ops
//===----------------------------------------------------------------------===//

/// Builds BSpline(knots, x, order) from elementwise ops (De Boor's recursion,
/// KeOps' in-place layout), so that it can be differentiated w.r.t. both
/// the knots and x.
Value expandBSpline(FormulaBuilder &fb, Value knots, Value x, int64_t order);

/// Largest number of cells (dim(x) * dim(y)) of a SoftDTW_SqDist that the
/// rules differentiate (by expanding the dynamic program).
constexpr int64_t kMaxSoftDTWCells = 1024;

/// Builds SoftDTW_SqDist(x, y, gamma) from scalar ops (the dynamic program
/// of KeOps with a stabilized soft minimum).
Value expandSoftDTW(FormulaBuilder &fb, Value x, Value y, Value gamma);

//===----------------------------------------------------------------------===//
// Simplification
//===----------------------------------------------------------------------===//

/// Adds the rewrite patterns that clean derivative formulas, on top of the
/// dialect's canonicalization patterns: Elem/ElemT/one-hot propagation,
/// 0 / x, scalar constant reassociation, implicit broadcasts.
void populateAutodiffSimplifyPatterns(RewritePatternSet &patterns);

/// Simplifies the formula of `reduce` as kred-autodiff does: kernelred
/// canonicalization patterns and folders, the patterns above, and CSE.
void simplifyFormula(ReduceOp reduce);

} // namespace mlir::kernelred::autodiff

#endif // KRED_LIB_TRANSFORMS_AUTODIFFENGINE_H
