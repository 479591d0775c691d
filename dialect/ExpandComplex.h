//===- ExpandComplex.h - complex ops to real kernelred ops ------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The complex ops of the dialect (KEOPS_REFERENCE §1h) work on interleaved
// (re, im) pairs. They are expanded into real kernelred ops, with
// `kernelred.extract_strided` to split the pairs and `kernelred.interleave`
// to build them, before autodiff and every lowering, so that no later pass
// needs to know about them.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_EXPANDCOMPLEX_H
#define KRED_DIALECT_EXPANDCOMPLEX_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::kernelred {

/// Adds one pattern per complex op that rewrites it into real kernelred ops.
/// The patterns create no complex op, so a single walk
/// (`walkAndApplyPatterns`) expands a whole formula; they also work under the
/// greedy driver or in a dialect conversion. They do not simplify: run
/// canonicalize afterwards to clean up (e.g. ComplexReal(Real2Complex(x))).
void populateExpandComplexPatterns(RewritePatternSet &patterns);

/// Expands every complex op nested under `root` (one walk, no folding).
/// Fails, with a diagnostic on the op, if a complex op is left.
LogicalResult expandComplexOps(Operation *root);

/// True for the complex ops: ComplexReal, ComplexImag, Real2Complex,
/// Imag2Complex, Conj, ComplexAbs, ComplexSquareAbs, ComplexAngle,
/// ComplexSum, ComplexSumT, ComplexAdd, ComplexSubtract, ComplexMult,
/// ComplexRealScal, ComplexDivide, ComplexExp and ComplexExp1j.
bool isComplexOp(Operation *op);

} // namespace mlir::kernelred

#endif // KRED_DIALECT_EXPANDCOMPLEX_H
