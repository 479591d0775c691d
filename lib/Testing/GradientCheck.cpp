//===- GradientCheck.cpp - finite-difference checks of kred-autodiff ------===//
//
// Part of the kernelred project.
//
// Each check builds a derived kernel (a float64 copy of the reduction whose
// formula is a derivative op), runs kred-autodiff on it, evaluates it with
// the reference evaluator and compares with central finite differences of
// the reference evaluation of the original formula (or of an
// already-checked first derivative, for second-order checks and the
// Laplacian). Central differences use h = 1e-4 and h/2 with Richardson
// extrapolation; when the two disagree the stencil straddles a kink or a
// jump (Abs, Step, IfElse, Floor, Max, ...), and the point is redrawn.
//
//===----------------------------------------------------------------------===//

#include "lib/Testing/GradientCheck.h"

#include "lib/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::testing;

//===----------------------------------------------------------------------===//
// Variables
//===----------------------------------------------------------------------===//

std::string mlir::kernelred::testing::getVariableName(ReduceOp reduce,
                                                      unsigned i) {
  VarCategory category = reduce.getVarCategory(i);
  char letter = category == VarCategory::I   ? 'i'
                : category == VarCategory::J ? 'j'
                                             : 'p';
  return letter + std::to_string(reduce.getVarPosition(i));
}

double mlir::kernelred::testing::drawUniform(std::mt19937_64 &rng, double lo,
                                             double hi) {
  double unit = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

llvm::Expected<std::vector<Vector>>
VariableValues::draw(ReduceOp reduce, std::mt19937_64 &rng) const {
  std::vector<Vector> values;
  for (unsigned i = 0, e = reduce.getNumVars(); i < e; ++i) {
    std::string name = getVariableName(reduce, i);
    std::string position = std::to_string(reduce.getVarPosition(i));
    size_t dim = reduce.getVarDim(i);
    auto fixedIt = fixed.find(name);
    if (fixedIt == fixed.end())
      fixedIt = fixed.find(position);
    if (fixedIt != fixed.end()) {
      if (fixedIt->second.size() != dim)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("@{0}: variable {1} has dimension {2}, {3} values "
                          "given",
                          reduce.getSymName(), name, dim,
                          fixedIt->second.size()));
      values.push_back(fixedIt->second);
      continue;
    }
    std::pair<double, double> range = defaultRange;
    auto rangeIt = ranges.find(name);
    if (rangeIt == ranges.end())
      rangeIt = ranges.find(position);
    if (rangeIt != ranges.end())
      range = rangeIt->second;
    Vector v(dim);
    for (double &x : v)
      x = drawUniform(rng, range.first, range.second);
    values.push_back(std::move(v));
  }
  return values;
}

//===----------------------------------------------------------------------===//
// Float64 copies
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp>
mlir::kernelred::testing::cloneAsFloat64(ReduceOp reduce) {
  MLIRContext *ctx = reduce.getContext();
  OpBuilder builder(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(reduce.getLoc());
  builder.setInsertionPointToEnd(module->getBody());
  auto copy = cast<ReduceOp>(builder.clone(*reduce));
  Type f64 = builder.getF64Type();
  auto retype = [&](Value v) {
    v.setType(getFormulaType(f64, getFormulaDim(v)));
  };
  for (BlockArgument arg : copy.getBodyBlock().getArguments())
    retype(arg);
  copy.getBody().walk([&](Operation *op) {
    for (Value result : op->getResults())
      if (isa<VectorType>(result.getType()))
        retype(result);
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      SmallVector<double> values;
      for (APFloat v : cast<DenseFPElementsAttr>(constant.getValue())
                           .getValues<APFloat>()) {
        bool lost;
        v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        values.push_back(v.convertToDouble());
      }
      constant.setValueAttr(DenseElementsAttr::get(
          cast<ShapedType>(constant.getType()), ArrayRef<double>(values)));
    }
  });
  copy.setKindAttr(ReductionKindAttr::get(ctx, ReductionKind::Sum));
  copy.removeKAttr();
  copy.removeAccTypeAttr();
  copy.removeFinalizeAttr();
  // With a weight G the copy yields two formulas and does not verify as a
  // sum; the derived kernels (Checker::derive) yield one.
  return module;
}

//===----------------------------------------------------------------------===//
// The checker
//===----------------------------------------------------------------------===//

namespace {

constexpr double kStep = 1e-4;
constexpr int kMaxAttempts = 25;

/// max |a - b| / max(1, max |b|); infinite on NaN or a size mismatch.
double compare(const Vector &ad, const Vector &fd) {
  if (ad.size() != fd.size())
    return INFINITY;
  double scale = 1.0, err = 0.0;
  for (double v : fd)
    scale = std::max(scale, std::fabs(v));
  for (auto [a, b] : llvm::zip_equal(ad, fd)) {
    double d = std::fabs(a - b);
    if (std::isnan(d))
      return INFINITY;
    err = std::max(err, d);
  }
  return err / scale;
}

double dot(const Vector &a, const Vector &b) {
  double s = 0;
  for (auto [x, y] : llvm::zip_equal(a, b))
    s += x * y;
  return s;
}

Vector basis(size_t dim, size_t k) {
  Vector e(dim, 0.0);
  e[k] = 1.0;
  return e;
}

/// A function of the variables (the value of a formula).
using Function = std::function<llvm::Expected<Vector>(ArrayRef<Vector>)>;

/// A derived kernel: a float64 copy whose single formula is a derivative,
/// after kred-autodiff.
struct Derived {
  OwningOpRef<ModuleOp> module;
  ReduceOp reduce;

  Function function() const {
    ReduceOp op = reduce;
    return [op](ArrayRef<Vector> vars) -> llvm::Expected<Vector> {
      auto values = ReferenceEvaluator(op).evaluate(vars);
      if (!values)
        return values.takeError();
      return values->front();
    };
  }
};

/// True for a constant whose components are all zero.
bool isZeroConstant(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  auto elements = dyn_cast<DenseFPElementsAttr>(attr);
  return elements && llvm::all_of(elements.getValues<APFloat>(),
                                  [](APFloat x) { return x.isZero(); });
}

/// What kred-autodiff promises about its output: no zero operand in the
/// (multi)linear ops that chain rules build (zeros only as whole results,
/// the untaken branch of an IfElse, a comparison operand, the zero half of
/// an Interleave, or an operand of a nonlinear op of the user's formula),
/// and no repeated subexpression. Returns the first violation.
std::string findUnsimplified(ReduceOp reduce) {
  llvm::StringSet<> seen;
  std::string problem;
  llvm::raw_string_ostream os(problem);
  for (Operation &op : reduce.getBodyBlock()) {
    bool linear =
        isa<AddOp, SubOp, MulOp, DivOp, NegOp, ScalProdOp, MatVecMultOp,
            VecMatMultOp, TensorProdOp, TensorDotOp, KronOp, SumOp, SumTOp,
            ElemOp, ElemTOp, ExtractOp, ExtractTOp, ConcatOp, WeightedSqNormOp>(
            op);
    if (linear && llvm::any_of(op.getOperands(), isZeroConstant)) {
      os << "a zero operand in " << op;
      return problem;
    }
    if (op.getNumOperands() == 0 || isa<YieldOp>(op))
      continue;
    std::string key;
    llvm::raw_string_ostream keyStream(key);
    keyStream << op.getName() << op.getAttrDictionary();
    for (Value operand : op.getOperands())
      keyStream << " " << operand.getAsOpaquePointer();
    if (!seen.insert(key).second) {
      os << "a repeated subexpression " << op;
      return problem;
    }
  }
  return problem;
}

using DerivativeBuilder = llvm::function_ref<Value(OpBuilder &, Location,
                                                   Value formula, Block &body)>;
/// A DerivativeBuilder that can be stored and composed.
using Builder =
    std::function<Value(OpBuilder &, Location, Value formula, Block &body)>;

/// `outer` applied to what `inner` builds (a second-order derivative).
Builder then(Builder inner, Builder outer) {
  return [inner = std::move(inner), outer = std::move(outer)](
             OpBuilder &b, Location loc, Value f, Block &body) {
    return outer(b, loc, inner(b, loc, f, body), body);
  };
}

/// OpTy(f, var): GradMatrix, Divergence or Laplacian.
template <typename OpTy> Builder buildOp(unsigned var) {
  return [var](OpBuilder &b, Location loc, Value f, Block &body) -> Value {
    return OpTy::create(b, loc, f, body.getArgument(var));
  };
}

/// The finite-difference side of a check: a function of the variables,
/// nullopt where the formula is not smooth enough there.
using Reference =
    std::function<llvm::Expected<std::optional<Vector>>(ArrayRef<Vector>)>;

/// Combines the columns of a finite-difference Jacobian (d f / d var[l] for
/// each component l of the variable) into the vector a check compares.
using Combine = std::function<Vector(ArrayRef<Vector> columns)>;

/// The trace of a square Jacobian given by its columns.
Vector trace(ArrayRef<Vector> columns) {
  double sum = 0;
  for (size_t l = 0; l < columns.size(); ++l)
    sum += columns[l][l];
  return Vector{sum};
}

class Checker {
public:
  Checker(ReduceOp reduce, const GradientCheckOptions &options,
          llvm::raw_ostream &os, GradientCheckResult &result)
      : options(options), os(os), result(result), rng(options.seed) {
    base = cloneAsFloat64(reduce);
    baseReduce = *base->getOps<ReduceOp>().begin();
    name = reduce.getSymName().str();
  }

  /// Makes the formulas of the float64 copy explicit when they hold
  /// derivatives themselves (their derivatives are checked then).
  LogicalResult prepare();

  void run();

private:
  /// Derived kernel: the yielded formula #yieldIndex replaced by
  /// `build(...)`, then kred-autodiff.
  FailureOr<Derived> derive(unsigned yieldIndex, DerivativeBuilder build,
                            StringRef label);

  /// Derives the kernel `build` describes and checks its value against
  /// `reference`. Returns the derived kernel (for the checks of higher
  /// order) when kred-autodiff succeeded.
  std::optional<Derived> checkDerived(unsigned yieldIndex,
                                      DerivativeBuilder build, StringRef label,
                                      const Reference &reference);

  /// Central difference of `f` at `vars` along `dir` for variable `var`
  /// (Richardson-extrapolated); nullopt when the function is not smooth
  /// there.
  llvm::Expected<std::optional<Vector>> difference(const Function &f,
                                                   ArrayRef<Vector> vars,
                                                   unsigned var,
                                                   const Vector &dir);

  /// The finite-difference Jacobian of `f` with respect to variable `var`,
  /// its columns combined by `combine`.
  Reference fromColumns(Function f, unsigned var, Combine combine);

  /// d<f, weights>/dvar as a vector over var's components.
  Reference gradientOf(Function f, unsigned var, Vector weights) {
    return fromColumns(std::move(f), var,
                       [weights](ArrayRef<Vector> columns) {
                         Vector grad(columns.size());
                         for (size_t l = 0; l < columns.size(); ++l)
                           grad[l] = dot(columns[l], weights);
                         return grad;
                       });
  }

  /// OpTy(f, var, dir) with a constant direction: Grad or Diff.
  template <typename OpTy> Builder buildAlong(unsigned var, Vector dir) {
    return [this, var, dir = std::move(dir)](OpBuilder &b, Location loc,
                                             Value f, Block &body) -> Value {
      return OpTy::create(b, loc, f, body.getArgument(var),
                          constant(b, loc, dir));
    };
  }

  /// Runs a check at options.points points: the derived kernel `ad` against
  /// `reference`, redrawing the points where the reference is not smooth.
  void check(StringRef label, const Function &ad, const Reference &reference);

  Vector randomVector(size_t dim) {
    Vector v(dim);
    for (double &x : v)
      x = drawUniform(rng, -1.0, 1.0);
    return v;
  }
  Value constant(OpBuilder &b, Location loc, const Vector &values) {
    auto type = getFormulaType(b.getF64Type(), values.size());
    return ConstantOp::create(b, loc, type,
                              cast<ElementsAttr>(DenseElementsAttr::get(
                                  type, ArrayRef<double>(values))));
  }
  void fail(StringRef label, const Twine &message) {
    ++result.failures;
    os << "FAIL @" << name << " " << label << ": " << message << "\n";
  }

  void checkFormula(unsigned yieldIndex);
  void checkPair(unsigned yieldIndex, unsigned v, unsigned w,
                 const Derived &grad, const Vector &e, const Derived &diff,
                 const Vector &u);

  const GradientCheckOptions &options;
  llvm::raw_ostream &os;
  GradientCheckResult &result;
  std::mt19937_64 rng;
  OwningOpRef<ModuleOp> base;
  ReduceOp baseReduce;
  std::string name;
};

FailureOr<Derived> Checker::derive(unsigned yieldIndex, DerivativeBuilder build,
                                   StringRef label) {
  Derived derived;
  derived.module = base->clone();
  derived.reduce = *derived.module->getOps<ReduceOp>().begin();
  YieldOp yield = derived.reduce.getYield();
  OpBuilder builder(yield);
  Value formula = yield.getValues()[yieldIndex];
  Value value =
      build(builder, yield.getLoc(), formula, derived.reduce.getBodyBlock());
  yield->setOperands(ValueRange{value});
  if (options.printDerived)
    os << "// derived kernel for " << label << "\n" << *derived.module << "\n";

  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  ScopedDiagnosticHandler handler(base->getContext(), [&](Diagnostic &diag) {
    diagStream << diag.getLocation() << ": " << diag << "\n";
    for (Diagnostic &note : diag.getNotes())
      diagStream << note.getLocation() << ": note: " << note << "\n";
    return success();
  });
  PassManager pm(base->getContext());
  pm.addPass(createKredAutodiffPass());
  if (failed(pm.run(*derived.module))) {
    fail(label, "kred-autodiff failed:\n" + diagnostics);
    return failure();
  }
  bool leftover = false;
  derived.reduce.walk([&](Operation *op) {
    leftover |=
        isa<GradOp, DiffOp, DivergenceOp, LaplacianOp, GradMatrixOp>(op);
  });
  if (leftover) {
    fail(label, "kred-autodiff left a derivative op");
    return failure();
  }
  if (std::string problem = findUnsimplified(derived.reduce); !problem.empty())
    fail(label, "the derivative formula is not simplified: " + problem);
  return derived;
}

std::optional<Derived> Checker::checkDerived(unsigned yieldIndex,
                                             DerivativeBuilder build,
                                             StringRef label,
                                             const Reference &reference) {
  auto derived = derive(yieldIndex, build, label);
  if (failed(derived))
    return std::nullopt;
  check(label, derived->function(), reference);
  return std::move(*derived);
}

llvm::Expected<std::optional<Vector>> Checker::difference(const Function &f,
                                                          ArrayRef<Vector> vars,
                                                          unsigned var,
                                                          const Vector &dir) {
  auto at = [&](double t) -> llvm::Expected<Vector> {
    std::vector<Vector> moved(vars.begin(), vars.end());
    for (auto [x, d] : llvm::zip_equal(moved[var], dir))
      x += t * d;
    return f(moved);
  };
  SmallVector<Vector, 2> estimates;
  for (double h : {kStep, kStep / 2}) {
    auto plus = at(h);
    if (!plus)
      return plus.takeError();
    auto minus = at(-h);
    if (!minus)
      return minus.takeError();
    Vector d(plus->size());
    for (size_t k = 0; k < d.size(); ++k)
      d[k] = ((*plus)[k] - (*minus)[k]) / (2 * h);
    estimates.push_back(std::move(d));
  }
  const Vector &coarse = estimates[0], &fine = estimates[1];
  // Smooth functions: coarse - fine = O(h^2) ~ 1e-9 |f'''|. A kink or jump
  // inside the stencil gives O(1).
  if (compare(coarse, fine) > 1e-5)
    return std::optional<Vector>();
  Vector richardson(fine.size());
  for (size_t k = 0; k < fine.size(); ++k)
    richardson[k] = (4 * fine[k] - coarse[k]) / 3;
  return std::optional<Vector>(std::move(richardson));
}

Reference Checker::fromColumns(Function f, unsigned var, Combine combine) {
  return [this, f = std::move(f), var, combine = std::move(combine)](
             ArrayRef<Vector> vars) -> llvm::Expected<std::optional<Vector>> {
    size_t dim = vars[var].size();
    std::vector<Vector> columns;
    for (size_t l = 0; l < dim; ++l) {
      auto column = difference(f, vars, var, basis(dim, l));
      if (!column)
        return column.takeError();
      if (!*column)
        return std::optional<Vector>();
      columns.push_back(std::move(**column));
    }
    return std::optional<Vector>(combine(columns));
  };
}

void Checker::check(StringRef label, const Function &ad,
                    const Reference &reference) {
  double worst = 0.0;
  for (int p = 0; p < options.points; ++p) {
    bool done = false;
    for (int attempt = 0; attempt < kMaxAttempts && !done; ++attempt) {
      auto vars = options.values.draw(baseReduce, rng);
      if (!vars) {
        fail(label, llvm::toString(vars.takeError()));
        return;
      }
      auto value = ad(*vars);
      if (!value) {
        fail(label, llvm::toString(value.takeError()));
        return;
      }
      auto fd = reference(*vars);
      if (!fd) {
        fail(label, llvm::toString(fd.takeError()));
        return;
      }
      if (!*fd)
        continue;
      double err = compare(*value, **fd);
      ++result.checks;
      worst = std::max(worst, err);
      done = true;
    }
    if (!done) {
      fail(label, "no point found where the formula is smooth");
      return;
    }
  }
  result.maxError = std::max(result.maxError, worst);
  if (!(worst <= options.tolerance))
    fail(label, llvm::formatv("error {0:e} above the tolerance {1:e}", worst,
                              options.tolerance)
                    .str());
  else if (options.verbose)
    os << "ok @" << name << " " << label
       << llvm::formatv(": error {0:e}\n", worst);
}

LogicalResult Checker::prepare() {
  bool symbolic = false;
  baseReduce.walk([&](Operation *op) {
    symbolic |=
        isa<GradOp, DiffOp, DivergenceOp, LaplacianOp, GradMatrixOp>(op);
  });
  if (!symbolic)
    return success();
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  ScopedDiagnosticHandler handler(base->getContext(), [&](Diagnostic &diag) {
    diagStream << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  PassManager pm(base->getContext());
  pm.addPass(createKredAutodiffPass());
  if (succeeded(pm.run(*base)))
    return success();
  fail("F", "kred-autodiff failed on the formula:\n" + diagnostics);
  return failure();
}

void Checker::run() {
  if (failed(prepare()))
    return;
  for (unsigned yi = 0, e = baseReduce.getYield().getValues().size(); yi < e;
       ++yi)
    checkFormula(yi);
}

void Checker::checkFormula(unsigned yi) {
  ReferenceEvaluator evaluator(baseReduce);
  Function formula = [evaluator,
                      yi](ArrayRef<Vector> vars) -> llvm::Expected<Vector> {
    auto values = evaluator.evaluate(vars);
    if (!values)
      return values.takeError();
    return (*values)[yi];
  };
  std::string fname = yi == 0 ? "F" : "G";
  size_t dimF = getFormulaDim(baseReduce.getYield().getValues()[yi]);
  unsigned numVars = baseReduce.getNumVars();

  // First-order derivatives of every variable, kept for the second order.
  SmallVector<std::optional<Derived>> grads(numVars), diffs(numVars);
  SmallVector<Vector> es(numVars), us(numVars);
  for (unsigned v = 0; v < numVars; ++v) {
    std::string var = getVariableName(baseReduce, v);
    std::string prefix = fname + " wrt " + var + " ";
    size_t dimV = baseReduce.getVarDim(v);
    Vector e = randomVector(dimF), u = randomVector(dimV);
    es[v] = e;
    us[v] = u;

    // Reverse mode: Grad(F, v, e).
    grads[v] = checkDerived(yi, buildAlong<GradOp>(v, e), prefix + "grad",
                            gradientOf(formula, v, e));

    // Forward mode: Diff(F, v, u).
    diffs[v] = checkDerived(
        yi, buildAlong<DiffOp>(v, u), prefix + "diff",
        [&](ArrayRef<Vector> vars) { return difference(formula, vars, v, u); });

    // The Jacobian: GradMatrix, and its trace when square.
    checkDerived(
        yi, buildOp<GradMatrixOp>(v), prefix + "gradmatrix",
        fromColumns(formula, v, [dimF, dimV](ArrayRef<Vector> columns) {
          Vector jac(dimF * dimV);
          for (size_t l = 0; l < dimV; ++l)
            for (size_t k = 0; k < dimF; ++k)
              jac[k * dimV + l] = columns[l][k];
          return jac;
        }));
    if (dimF == dimV)
      checkDerived(yi, buildOp<DivergenceOp>(v), prefix + "divergence",
                   fromColumns(formula, v, trace));

    // The Laplacian, against differences of the (checked) gradient.
    if (dimF == 1) {
      auto gradient = derive(
          yi,
          [&](OpBuilder &b, Location loc, Value f, Block &body) -> Value {
            Value one =
                IntCstOp::create(b, loc, getFormulaType(b.getF64Type(), 1), 1);
            return GradOp::create(b, loc, f, body.getArgument(v), one);
          },
          prefix + "grad(1)");
      auto laplacian =
          derive(yi, buildOp<LaplacianOp>(v), prefix + "laplacian");
      if (succeeded(gradient) && succeeded(laplacian))
        check(prefix + "laplacian", laplacian->function(),
              fromColumns(gradient->function(), v, trace));
    }
  }

  if (options.order < 2)
    return;
  for (unsigned v = 0; v < numVars; ++v)
    for (unsigned w = 0; w < numVars; ++w)
      if (grads[v] && diffs[v])
        checkPair(yi, v, w, *grads[v], es[v], *diffs[v], us[v]);
}

void Checker::checkPair(unsigned yi, unsigned v, unsigned w,
                        const Derived &grad, const Vector &e,
                        const Derived &diff, const Vector &u) {
  std::string fname = yi == 0 ? "F" : "G";
  std::string prefix = fname + " wrt " + getVariableName(baseReduce, v) + ", " +
                       getVariableName(baseReduce, w) + " ";
  size_t dimF = getFormulaDim(baseReduce.getYield().getValues()[yi]);
  size_t dimV = baseReduce.getVarDim(v), dimW = baseReduce.getVarDim(w);
  Function g1 = grad.function(), d1 = diff.function();
  Vector e2 = randomVector(dimV), u2 = randomVector(dimW),
         e3 = randomVector(dimF);

  // Grad(Grad(F, v, e), w, e2) against differences of Grad(F, v, e).
  checkDerived(yi, then(buildAlong<GradOp>(v, e), buildAlong<GradOp>(w, e2)),
               prefix + "grad(grad)", gradientOf(g1, w, e2));

  // Diff(Grad(F, v, e), w, u2): forward over reverse.
  checkDerived(
      yi, then(buildAlong<GradOp>(v, e), buildAlong<DiffOp>(w, u2)),
      prefix + "diff(grad)",
      [&](ArrayRef<Vector> vars) { return difference(g1, vars, w, u2); });

  // Grad(Diff(F, v, u), w, e3): reverse over forward.
  checkDerived(yi, then(buildAlong<DiffOp>(v, u), buildAlong<GradOp>(w, e3)),
               prefix + "grad(diff)", gradientOf(d1, w, e3));
}

} // namespace

GradientCheckResult
mlir::kernelred::testing::checkGradients(ModuleOp module,
                                         const GradientCheckOptions &options,
                                         llvm::raw_ostream &os) {
  GradientCheckResult result;
  int64_t kernels = 0;
  for (ReduceOp reduce : module.getOps<ReduceOp>()) {
    if (!options.kernel.empty() && reduce.getSymName() != options.kernel)
      continue;
    ++kernels;
    Checker(reduce, options, os, result).run();
  }
  if (kernels == 0) {
    ++result.failures;
    os << "FAIL: no kernelred.reduce to check\n";
  }
  os << llvm::formatv("gradient check: {0} kernel(s), {1} comparisons, max "
                      "error {2:e}, tolerance {3:e}: {4}\n",
                      kernels, result.checks, result.maxError,
                      options.tolerance, result.failures ? "FAILED" : "passed");
  return result;
}
