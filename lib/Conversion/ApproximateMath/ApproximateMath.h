//===- ApproximateMath.h - polynomial expansions of math ops ----*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_APPROXIMATEMATH_APPROXIMATEMATH_H
#define KRED_LIB_CONVERSION_APPROXIMATEMATH_APPROXIMATEMATH_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::kernelred {

/// Expansions of math.exp, log, sin, cos, atan, atan2, asin and acos on f64
/// (scalars and vectors) into arith/math.fma code: Cody-Waite range
/// reductions and Taylor polynomials accurate to about 1 ulp (sin and cos
/// for |x| < 1e6).
void populateKredF64MathApproximationPatterns(RewritePatternSet &patterns);

/// The same functions on f32 through MLIR's polynomial approximations, and
/// on f16/bf16 through f32.
void populateKredF32MathApproximationPatterns(RewritePatternSet &patterns);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_APPROXIMATEMATH_APPROXIMATEMATH_H
