//===- ExpandComplex.h - complex ops to real kernelred ops ------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The complex ops of the dialect (KEOPS_REFERENCE §1h) work on interleaved
// (re, im) pairs. They are expanded into real kernelred ops, with
// `kernelred.extract_strided` to split the pairs and `kernelred.interleave`
// to build them, before autodiff and every lowering, so that no later pass
// needs to know about them (kred-expand-complex, and kred-autodiff for the
// formulas it differentiates).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_EXPANDCOMPLEX_H
#define KRED_TRANSFORMS_EXPANDCOMPLEX_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::kernelred {

/// Adds one pattern per complex op that rewrites it into real kernelred ops.
/// The patterns create no complex op, so a single walk
/// (`walkAndApplyPatterns`) expands a whole formula; they also work under the
/// greedy driver or in a dialect conversion. They do not simplify: run
/// canonicalize afterwards to clean up (e.g. ComplexReal(Real2Complex(x))).
void populateExpandComplexPatterns(RewritePatternSet &patterns);

/// Expands every complex op (isComplexOp) nested under `root` (one walk, no
/// folding). Fails, with a diagnostic on the op, if a complex op is left.
LogicalResult expandComplexOps(Operation *root);

} // namespace mlir::kernelred

#endif // KRED_TRANSFORMS_EXPANDCOMPLEX_H
