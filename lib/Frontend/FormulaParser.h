//===- FormulaParser.h - KeOps formula strings to kernelred IR --*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_FORMULAPARSER_H
#define KRED_LIB_FRONTEND_FORMULAPARSER_H

#include "dialect/KredOps.h"
#include "lib/Frontend/KernelSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::kernelred {

/// An error in user input: what is wrong, in which input string, at which
/// column, rendered with the string and a caret under the column.
struct FormulaDiagnostic {
  /// What is wrong, e.g. "unknown operation 'Exq' (did you mean 'Exp'?)".
  std::string message;
  /// Which input: "formula", "formula2", "alias #2", "reduction", ...
  std::string source;
  /// The input string the column refers to (may be empty).
  std::string text;
  /// 1-based column in `text`, 0 when not applicable.
  int64_t column = 0;

  /// "<source>:<column>: error: <message>\n  <text>\n  <caret line>".
  std::string render() const;
};

/// An llvm::Error carrying a FormulaDiagnostic.
class FormulaError : public llvm::ErrorInfo<FormulaError> {
public:
  static char ID;
  explicit FormulaError(FormulaDiagnostic diag) : diag(std::move(diag)) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;
  const FormulaDiagnostic &getDiagnostic() const { return diag; }

private:
  FormulaDiagnostic diag;
};

/// Adds the kernelred.reduce of `spec` (named spec.name) to `module`.
/// On bad input nothing is added and a FormulaError is returned.
llvm::Expected<ReduceOp> buildKernel(ModuleOp module, const KernelSpec &spec);

/// A new module holding the kernelred.reduce of `spec`.
llvm::Expected<OwningOpRef<ModuleOp>> buildKernelModule(MLIRContext *context,
                                                        const KernelSpec &spec);

/// The operation names a formula may call (KeOps spellings), e.g. for
/// documentation, completion or fuzzing dictionaries.
std::vector<std::string> getFormulaOperationNames();

/// The reduction names KernelSpec::reduction accepts; without spellings, only
/// KeOps' reduction_op names (no pykeops spellings such as "SoftMax").
std::vector<std::string> getReductionNames(bool includeSpellings = true);

/// KeOps' reduction_op name of `kind`, e.g. "Max_SumShiftExp".
llvm::StringRef getKeOpsReductionName(ReductionKind kind);
/// The same for a ReductionKind number (KernelDescriptor::reduction); "?"
/// when out of range.
llvm::StringRef getKeOpsReductionName(int32_t kind);

} // namespace mlir::kernelred

#endif // KRED_LIB_FRONTEND_FORMULAPARSER_H
