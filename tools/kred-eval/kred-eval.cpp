//===- kred-eval.cpp - reference evaluation and gradient checks -----------===//
//
// Part of the kernelred project.
//
// Evaluates the formulas of the kernelred.reduce ops of a .mlir file in
// double precision with the reference evaluator (lib/Testing), for given or
// random variable values; with --check-gradients, checks every derivative
// that kred-autodiff builds against finite differences.
//
//   kred-eval k.mlir --var i0=1,2,3 --var p2=0.5
//   kred-eval k.mlir --seed 3 --range=-2,2 --var-range p1=0.5,2
//   kred-eval k.mlir --check-gradients --order 2 --tolerance 1e-7
//
//===----------------------------------------------------------------------===//

#include "lib/Registration/Registration.h"
#include "lib/Testing/GradientCheck.h"
#include "lib/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::testing;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"));
static cl::list<std::string>
    varValues("var", cl::desc("NAME=v1,v2,...: the value of a variable, named "
                              "by position (2) or as in the IR (i0, j1, p2)"));
static cl::list<std::string>
    varRanges("var-range",
              cl::desc("NAME=lo,hi: random values of a variable in [lo, hi)"));
static cl::opt<std::string>
    range("range", cl::desc("lo,hi: random values of the other variables"),
          cl::init("-1,1"));
static cl::opt<uint64_t> seed("seed", cl::desc("random seed"), cl::init(0));
static cl::opt<std::string>
    kernel("kernel", cl::desc("only the kernelred.reduce with this name"));
static cl::opt<bool>
    runAutodiff("autodiff",
                cl::desc("run kred-autodiff before evaluating (formulas with "
                         "Grad, Diff, ...)"));
static cl::opt<bool> checkGrads(
    "check-gradients",
    cl::desc("check every derivative built by kred-autodiff against finite "
             "differences (float64); exit code 1 above the tolerance"));
static cl::opt<int> order("order",
                          cl::desc("1: first-order checks, 2: also second "
                                   "order"),
                          cl::init(1));
static cl::opt<int> points("points", cl::desc("random points per check"),
                           cl::init(2));
static cl::opt<double>
    tolerance("tolerance",
              cl::desc("largest accepted |AD - FD| / max(1, |FD|)"),
              cl::init(1e-6));
static cl::opt<bool> verbose("verbose", cl::desc("print every check"));
static cl::opt<bool>
    printDerived("print-derived",
                 cl::desc("with --check-gradients, print each derived kernel "
                          "before kred-autodiff"));

/// Parses "a,b,c" into doubles.
static llvm::Expected<Vector> parseNumbers(StringRef text) {
  Vector out;
  SmallVector<StringRef> parts;
  text.split(parts, ',');
  for (StringRef part : parts) {
    double value;
    if (part.trim().getAsDouble(value))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "'" + part + "' is not a number");
    out.push_back(value);
  }
  return out;
}

/// Parses NAME=numbers options.
static llvm::Error parseAssignments(ArrayRef<std::string> options,
                                    llvm::StringMap<Vector> &out) {
  for (StringRef option : options) {
    auto [name, values] = option.split('=');
    if (name.empty() || values.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "expected NAME=v1,v2,..., got '" + option +
                                         "'");
    auto parsed = parseNumbers(values);
    if (!parsed)
      return parsed.takeError();
    out[name.trim()] = std::move(*parsed);
  }
  return llvm::Error::success();
}

static llvm::Expected<std::pair<double, double>> parseRange(StringRef text) {
  auto values = parseNumbers(text);
  if (!values)
    return values.takeError();
  if (values->size() != 2 || !((*values)[0] < (*values)[1]))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "expected a range lo,hi with lo < hi, "
                                   "got '" +
                                       text + "'");
  return std::make_pair((*values)[0], (*values)[1]);
}

static llvm::Error parseValues(VariableValues &values) {
  if (llvm::Error err = parseAssignments(varValues, values.fixed))
    return err;
  llvm::StringMap<Vector> ranges;
  if (llvm::Error err = parseAssignments(varRanges, ranges))
    return err;
  for (auto &entry : ranges) {
    if (entry.second.size() != 2 || !(entry.second[0] < entry.second[1]))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "expected --var-range NAME=lo,hi with "
                                     "lo < hi for " +
                                         entry.getKey());
    values.ranges[entry.getKey()] = {entry.second[0], entry.second[1]};
  }
  auto defaultRange = parseRange(range);
  if (!defaultRange)
    return defaultRange.takeError();
  values.defaultRange = *defaultRange;
  return llvm::Error::success();
}

static void printVector(llvm::raw_ostream &os, const Vector &v) {
  os << "[";
  llvm::interleaveComma(v, os,
                        [&](double x) { os << llvm::format("%.17g", x); });
  os << "]";
}

/// Prints the variables and the formulas of every kernel.
static int evaluate(ModuleOp module, const VariableValues &values) {
  std::mt19937_64 rng(seed);
  int kernels = 0;
  for (ReduceOp reduce : module.getOps<ReduceOp>()) {
    if (!kernel.empty() && reduce.getSymName() != kernel)
      continue;
    ++kernels;
    auto vars = values.draw(reduce, rng);
    if (!vars) {
      llvm::errs() << "kred-eval: " << llvm::toString(vars.takeError()) << "\n";
      return 1;
    }
    for (unsigned i = 0; i < reduce.getNumVars(); ++i) {
      llvm::outs() << "@" << reduce.getSymName() << " "
                   << getVariableName(reduce, i) << " = ";
      printVector(llvm::outs(), (*vars)[i]);
      llvm::outs() << "\n";
    }
    auto results = ReferenceEvaluator(reduce).evaluate(*vars);
    if (!results) {
      llvm::errs() << "kred-eval: @" << reduce.getSymName() << ": "
                   << llvm::toString(results.takeError()) << "\n";
      return 1;
    }
    for (auto [k, value] : llvm::enumerate(*results)) {
      llvm::outs() << "@" << reduce.getSymName() << " " << (k ? "G" : "F")
                   << " = ";
      printVector(llvm::outs(), value);
      llvm::outs() << "\n";
    }
  }
  if (kernels == 0) {
    llvm::errs() << "kred-eval: no kernelred.reduce to evaluate\n";
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "kernelred reference evaluator and gradient "
                              "checker\n");
  DialectRegistry registry;
  registerAllKredDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file) {
    llvm::errs() << "kred-eval: " << errorMessage << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  VariableValues values;
  if (llvm::Error err = parseValues(values)) {
    llvm::errs() << "kred-eval: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }

  if (checkGrads) {
    GradientCheckOptions options;
    options.values = values;
    options.seed = seed;
    options.order = order;
    options.points = points;
    options.tolerance = tolerance;
    options.kernel = kernel;
    options.verbose = verbose;
    options.printDerived = printDerived;
    GradientCheckResult result = checkGradients(*module, options, llvm::outs());
    return result.failures ? 1 : 0;
  }

  if (runAutodiff) {
    PassManager pm(&context);
    pm.addPass(createKredAutodiffPass());
    if (failed(pm.run(*module)))
      return 1;
  }
  return evaluate(*module, values);
}
