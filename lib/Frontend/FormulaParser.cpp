//===- FormulaParser.cpp - KeOps formula strings to kernelred IR ----------===//
//
// Part of the kernelred project. (placeholder: the parser lands with the
// formula-language issue)
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/FormulaParser.h"

using namespace mlir;
using namespace mlir::kernelred;

char FormulaError::ID = 0;

std::string FormulaDiagnostic::render() const {
  std::string out = source;
  if (column > 0)
    out += ":" + std::to_string(column);
  out += ": error: " + message;
  if (!text.empty()) {
    out += "\n  " + text;
    if (column > 0)
      out += "\n  " + std::string(column - 1, ' ') + "^";
  }
  return out;
}

void FormulaError::log(llvm::raw_ostream &os) const { os << diag.render(); }

std::error_code FormulaError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

llvm::Expected<ReduceOp> mlir::kernelred::buildKernel(ModuleOp,
                                                      const KernelSpec &) {
  return llvm::make_error<FormulaError>(
      FormulaDiagnostic{"the formula parser is not built yet", "formula", "",
                        0});
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::kernelred::buildKernelModule(MLIRContext *context,
                                   const KernelSpec &spec) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(context));
  auto op = buildKernel(*module, spec);
  if (!op)
    return op.takeError();
  return module;
}
