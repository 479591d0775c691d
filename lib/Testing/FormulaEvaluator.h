//===- FormulaEvaluator.h - reference evaluation of formulas ----*- C++ -*-===//
//
// Part of the kernelred project.
//
// A reference evaluator of kernelred formulas in double precision, written
// from KeOps' semantics (KEOPS_REFERENCE.md §1, keopscore's `Op` code)
// independently of the compiler's lowerings: the oracle of the finite
// difference checks of kred-autodiff (tools/kred-eval) and a reference for
// the backends' execution tests.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TESTING_FORMULAEVALUATOR_H
#define KRED_LIB_TESTING_FORMULAEVALUATOR_H

#include "dialect/KredOps.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace mlir::kernelred::testing {

/// A formula value: its components, in double precision.
using Vector = std::vector<double>;

/// Evaluates one formula op (the ops of a kernelred.reduce body, symbolic
/// derivatives excepted) on the values of its operands. Errors name the op.
llvm::Expected<Vector> evaluateOp(Operation *op, ArrayRef<Vector> operands);

/// Evaluates the formulas of one kernelred.reduce for given variables.
class ReferenceEvaluator {
public:
  explicit ReferenceEvaluator(ReduceOp reduce) : reduce(reduce) {}

  /// The yielded values (F, and the weight G when there is one) for
  /// `vars[k]` = the value of variable #k (block argument order).
  llvm::Expected<std::vector<Vector>> evaluate(ArrayRef<Vector> vars) const;

  /// The value of `value`, a variable or a result of an op of the body.
  llvm::Expected<Vector> evaluateValue(Value value,
                                       ArrayRef<Vector> vars) const;

private:
  /// Evaluates the body up to `stop` (the whole body when null) into `env`.
  llvm::Error run(ArrayRef<Vector> vars, Operation *stop,
                  llvm::DenseMap<Value, Vector> &env) const;

  mutable ReduceOp reduce;
};

} // namespace mlir::kernelred::testing

#endif // KRED_LIB_TESTING_FORMULAEVALUATOR_H
