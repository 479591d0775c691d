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
/// reductions and Taylor polynomials accurate to 1-2 ulp (sin and cos for
/// |x| < 2^30, NaN beyond).
void populateKredF64MathApproximationPatterns(RewritePatternSet &patterns);

/// The same functions on f32, f16 and bf16: exp and log through MLIR's
/// polynomial approximations (in f32), the trigonometric functions through
/// the f64 expansions (MLIR's f32 ones lack relative accuracy near zeros).
void populateKredF32MathApproximationPatterns(RewritePatternSet &patterns);

/// exp on 512-bit vectors (16 x f32, 8 x f64) through AVX-512's vscalef:
/// for targets with AVX-512F only (kred-approximate-math{avx512=true}).
/// Takes precedence over the portable expansions above.
void populateKredAVX512MathPatterns(RewritePatternSet &patterns);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_APPROXIMATEMATH_APPROXIMATEMATH_H
