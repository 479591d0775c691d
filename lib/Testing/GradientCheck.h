//===- GradientCheck.h - finite-difference checks of kred-autodiff -*- C++ -*-//
//
// Part of the kernelred project.
//
// Checks the derivative formulas built by kred-autodiff against central
// finite differences of the reference evaluator, in float64, at random
// points: for every kernelred.reduce, every yielded formula F and every
// variable v, Grad(F, v, e), Diff(F, v, u), GradMatrix(F, v), Divergence
// (when dim F = dim v) and Laplacian (when F is scalar); to second order,
// Grad(Grad(F, v, e), w, e2), Diff(Grad(F, v, e), w, u) and
// Grad(Diff(F, v, u), w, e) for every pair (v, w).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TESTING_GRADIENTCHECK_H
#define KRED_LIB_TESTING_GRADIENTCHECK_H

#include "lib/Testing/FormulaEvaluator.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

namespace mlir::kernelred::testing {

/// How variables get their values: fixed values, or uniform random values
/// in a range (per variable or global). Variables are named by position
/// ("2") or by category and position as printed in the IR ("i0", "j1",
/// "p2").
struct VariableValues {
  llvm::StringMap<Vector> fixed;
  llvm::StringMap<std::pair<double, double>> ranges;
  std::pair<double, double> defaultRange{-1.0, 1.0};

  /// Values of every variable of `reduce`, drawn from `rng` where not fixed.
  llvm::Expected<std::vector<Vector>> draw(ReduceOp reduce,
                                           std::mt19937_64 &rng) const;
};

/// The name of variable #i of `reduce` as printed in the IR ("i0", "p3").
std::string getVariableName(ReduceOp reduce, unsigned i);

/// A uniform double in [lo, hi) (portable, unlike std::uniform_real).
double drawUniform(std::mt19937_64 &rng, double lo, double hi);

struct GradientCheckOptions {
  VariableValues values;
  uint64_t seed = 0;
  /// 1: first-order checks; 2: also the second-order ones.
  int order = 1;
  /// Random points per check.
  int points = 2;
  /// Largest accepted error |AD - FD| / max(1, |FD|) (max norm).
  double tolerance = 1e-6;
  /// Only the reduce with this symbol name (all when empty).
  std::string kernel;
  /// Print every check, not only failures and the summary.
  bool verbose = false;
  /// Print each derived kernel before kred-autodiff (to debug the pass).
  bool printDerived = false;
};

struct GradientCheckResult {
  /// Number of comparisons made and the largest error seen.
  int64_t checks = 0;
  double maxError = 0.0;
  /// Checks above the tolerance, and failures (a pass that failed, no
  /// smooth point found).
  int64_t failures = 0;
};

/// Runs the checks on every kernelred.reduce of `module` (not modified).
/// Writes one line per failure (and per check when verbose) and a summary
/// to `os`.
GradientCheckResult checkGradients(ModuleOp module,
                                   const GradientCheckOptions &options,
                                   llvm::raw_ostream &os);

/// A copy of `reduce` in a new module, with every formula value retyped to
/// vector<D x f64> and the reduction turned into a plain sum (the formulas
/// are unchanged up to rounding of the constants).
OwningOpRef<ModuleOp> cloneAsFloat64(ReduceOp reduce);

} // namespace mlir::kernelred::testing

#endif // KRED_LIB_TESTING_GRADIENTCHECK_H
