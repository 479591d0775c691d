//===- KredOps.h - kernelred operations -------------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KREDOPS_H
#define KRED_DIALECT_KREDOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/KredDialect.h"
#include "dialect/KredEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/KredAttrs.h.inc"
#include "dialect/KredInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/KredOps.h.inc"

namespace mlir::kernelred {

/// The dimension D of a formula value of type vector<D x T>.
inline int64_t getFormulaDim(Type type) {
  return llvm::cast<VectorType>(type).getDimSize(0);
}
inline int64_t getFormulaDim(Value value) {
  return getFormulaDim(value.getType());
}

/// The type vector<dim x elementType>.
inline VectorType getFormulaType(Type elementType, int64_t dim) {
  return VectorType::get({dim}, elementType);
}

/// True for the reductions whose formula must be scalar (the log-sum-exp
/// family and sumsoftmaxweight).
bool isLogSumExpFamily(ReductionKind kind);
/// True for kmin, argkmin and kmin_argkmin.
bool needsK(ReductionKind kind);
/// Number of formulas the region yields: 1, or 2 with a weight (G).
/// Returns {min, max}.
std::pair<unsigned, unsigned> getNumYieldedFormulas(ReductionKind kind);

/// True for the complex ops (interleaved (re, im) pairs): ComplexReal,
/// ComplexImag, Real2Complex, Imag2Complex, Conj, ComplexAbs,
/// ComplexSquareAbs, ComplexAngle, ComplexSum, ComplexSumT, ComplexAdd,
/// ComplexSubtract, ComplexMult, ComplexRealScal, ComplexDivide, ComplexExp
/// and ComplexExp1j. kred-expand-complex rewrites them into real ops
/// (lib/Transforms/ExpandComplex.h) before autodiff and the lowerings.
bool isComplexOp(Operation *op);

} // namespace mlir::kernelred

#endif // KRED_DIALECT_KREDOPS_H
