//===- Emitter.h - checked formula trees to kernelred IR --------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_EMITTER_H
#define KRED_LIB_FRONTEND_EMITTER_H

#include "lib/Frontend/FormulaAST.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir::kernelred::frontend {

/// Everything the IR of one kernel needs, already validated.
struct KernelPlan {
  std::string name;
  ReductionKind kind = ReductionKind::Sum;
  int64_t axis = 1;
  std::optional<int64_t> k;
  FloatType elementType;
  /// Null when the reduction uses its default accumulation type.
  FloatType accType;
  std::optional<SumScheme> sumScheme;
  const VariableTable *vars = nullptr;
  /// The formula F and its text.
  FormulaNode *formula = nullptr;
  std::string formulaText;
  /// The weight formula G (formula2) and its text; null when none.
  FormulaNode *weight = nullptr;
  std::string weightText;
};

/// Appends the kernelred.reduce of `plan` to `module` and verifies it. The
/// tree is already checked, so failures are internal errors (reported as a
/// FormulaError pointing at the offending operation, never a crash).
llvm::Expected<ReduceOp> emitKernel(ModuleOp module, const KernelPlan &plan);

} // namespace mlir::kernelred::frontend

#endif // KRED_LIB_FRONTEND_EMITTER_H
