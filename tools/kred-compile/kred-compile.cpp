//===- kred-compile.cpp - kernelred ahead-of-time driver ------------------===//
//
// Part of the kernelred project.
//
// One kernel from a KeOps-style description:
//
//   kred-compile --formula "Square(p-a)*Exp(x+y)" --var "x=Vi(1)" \
//       --var "y=Vj(1)" --var "a=Vj(1)" --var "p=Pm(1)" \
//       --reduction LogSumExp --axis 1 --emit=mlir
//
// or a kernel library from a YAML spec:
//
//   kred-compile --spec kernels.yaml -o libkernels.so --header kernels.h
//
// Bad input exits with status 1 and a diagnostic (with a caret under the
// offending column) on stderr.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Backend.h"
#include "lib/Compiler/Compiler.h"
#include "lib/Frontend/FormulaParser.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::kernelred;

namespace {

enum class EmitKind { MLIR, LLVM, Object, SharedLibrary, PTX, Cubin };

llvm::cl::OptionCategory category("kred-compile options");

llvm::cl::opt<std::string> formula("formula",
                                   llvm::cl::desc("The formula F (KeOps "
                                                  "syntax)"),
                                   llvm::cl::value_desc("F"),
                                   llvm::cl::cat(category));
llvm::cl::list<std::string>
    vars("var",
         llvm::cl::desc("An alias, e.g. \"x = Vi(3)\", \"y = Vj(1,3)\", "
                        "\"p = Pm(1)\" (repeatable, in argument order)"),
         llvm::cl::value_desc("alias"), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    reduction("reduction",
              llvm::cl::desc("The reduction: Sum, LogSumExp, "
                             "LogSumExpWeight, SumSoftMaxWeight, "
                             "Max_SumShiftExp, Max_SumShiftExpWeight, Min, "
                             "Max, ArgMin, ArgMax, Min_ArgMin, Max_ArgMax, "
                             "KMin, ArgKMin, KMin_ArgKMin"),
              llvm::cl::init("Sum"), llvm::cl::cat(category));
llvm::cl::opt<int> axis("axis",
                        llvm::cl::desc("1: reduce over j (one output row per "
                                       "i); 0: reduce over i"),
                        llvm::cl::init(1), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    dtype("dtype",
          llvm::cl::desc("Element type: float16, bfloat16, float32, float64"),
          llvm::cl::init("float32"), llvm::cl::cat(category));
llvm::cl::opt<int64_t> optArg("opt-arg",
                              llvm::cl::desc("K of KMin, ArgKMin and "
                                             "KMin_ArgKMin"),
                              llvm::cl::value_desc("K"),
                              llvm::cl::cat(category));
llvm::cl::opt<std::string>
    formula2("formula2",
             llvm::cl::desc("The weight formula G of LogSumExp, "
                            "LogSumExpWeight, SumSoftMaxWeight and "
                            "Max_SumShiftExpWeight"),
             llvm::cl::value_desc("G"), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    dtypeAcc("dtype-acc",
             llvm::cl::desc("Accumulation type: auto, float16, bfloat16, "
                            "float32, float64"),
             llvm::cl::init("auto"), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    sumScheme("sum-scheme",
              llvm::cl::desc("auto, block_sum, kahan_scheme, direct_sum"),
              llvm::cl::init("auto"), llvm::cl::cat(category));
llvm::cl::opt<std::string> name("name",
                                llvm::cl::desc("Kernel name (a C identifier)"),
                                llvm::cl::init("kernel"),
                                llvm::cl::cat(category));
llvm::cl::opt<EmitKind>
    emit("emit", llvm::cl::desc("What to produce"),
         llvm::cl::init(EmitKind::MLIR),
         llvm::cl::values(
             clEnumValN(EmitKind::MLIR, "mlir", "kernelred IR before lowering"),
             clEnumValN(EmitKind::LLVM, "llvm", "LLVM IR"),
             clEnumValN(EmitKind::Object, "obj", "a relocatable object file"),
             clEnumValN(EmitKind::SharedLibrary, "so", "a shared library"),
             clEnumValN(EmitKind::PTX, "ptx",
                        "PTX of the GPU kernels (docs/gpu.md), per --sm"),
             clEnumValN(EmitKind::Cubin, "cubin",
                        "cubins of the GPU kernels (runs ptxas), per --sm")),
         llvm::cl::cat(category));
llvm::cl::opt<std::string> output("o", llvm::cl::desc("Output file"),
                                  llvm::cl::value_desc("file"),
                                  llvm::cl::init("-"), llvm::cl::cat(category));
llvm::cl::opt<std::string>
    spec("spec",
         llvm::cl::desc("Build a kernel library from a YAML spec (with -o "
                        "LIB.so and --header H.h)"),
         llvm::cl::value_desc("kernels.yaml"), llvm::cl::cat(category));
llvm::cl::opt<std::string> header("header",
                                  llvm::cl::desc("C header of the kernel "
                                                 "library (--spec)"),
                                  llvm::cl::value_desc("file.h"),
                                  llvm::cl::cat(category));
llvm::cl::opt<std::string> cpu("cpu",
                               llvm::cl::desc("Target CPU: native or an LLVM "
                                              "CPU name (e.g. x86-64-v3)"),
                               llvm::cl::init("native"),
                               llvm::cl::cat(category));

llvm::cl::list<int> sms("sm",
                        llvm::cl::desc("GPU architectures of --emit=ptx|cubin "
                                       "(70, 75, 80, 90; comma-separated). "
                                       "With "
                                       "several, image N goes to OUT.sm_N. "
                                       "With --spec: the library's GPU "
                                       "targets (replace the spec's sm_*)"),
                        llvm::cl::CommaSeparated, llvm::cl::cat(category));
llvm::cl::opt<bool> fastMath(
    "fast-math",
    llvm::cl::desc("GPU: f32 exp, log, division, sqrt, rsqrt, sin and cos "
                   "through the hardware approximations (on by default, as "
                   "pykeops' use_fast_math; --fast-math=false: the accurate "
                   "path)"),
    llvm::cl::init(GPUTargetOptions().fastMath), llvm::cl::cat(category));

int error(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "kred-compile") << message << "\n";
  return 1;
}

/// Prints `err` (a rendered FormulaDiagnostic, or another error's message).
int report(llvm::Error err) {
  int status = 0;
  llvm::handleAllErrors(
      std::move(err),
      [&](const FormulaError &e) {
        llvm::errs() << e.getDiagnostic().render() << "\n";
        status = 1;
      },
      [&](const llvm::ErrorInfoBase &e) { status = error(e.message()); });
  return status;
}

/// Writes `bytes` to -o (stdout when "-").
int writeOutput(llvm::StringRef bytes) {
  std::string message;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(output, &message);
  if (!file)
    return error(message);
  file->os() << bytes;
  file->keep();
  return 0;
}

/// --emit=ptx|cubin: one image per --sm.
int emitGPU(ModuleOp module) {
  GPUCompileOptions gpu;
  if (!sms.empty())
    gpu.sms.assign(sms.begin(), sms.end());
  gpu.fastMath = fastMath;
  bool cubin = emit == EmitKind::Cubin;
  if (gpu.sms.size() > 1 && output == "-")
    return error("several --sm: give -o OUT (images go to OUT.sm_N)");
  if (cubin && output == "-")
    return error("--emit=cubin writes binary data: give an output file with "
                 "-o");
  for (int sm : gpu.sms) {
    llvm::Expected<std::string> ptx = emitPTX(module, sm, gpu);
    if (!ptx)
      return report(ptx.takeError());
    std::string bytes = std::move(*ptx);
    if (cubin) {
      llvm::Expected<std::string> bin = emitCubin(bytes, sm, gpu);
      if (!bin)
        return report(bin.takeError());
      bytes = std::move(*bin);
    }
    std::string path = output;
    if (gpu.sms.size() > 1)
      path += ".sm_" + std::to_string(sm);
    std::string message;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(path, &message);
    if (!file)
      return error(message);
    file->os() << bytes;
    file->keep();
  }
  return 0;
}

int compileLibrary(const CompileOptions &options) {
  if (!formula.empty() || !vars.empty() || !formula2.empty())
    return error("--spec builds kernels from the YAML file; do not also give "
                 "--formula, --var or --formula2");
  if (output == "-" || header.empty())
    return error("--spec needs the library path (-o LIB.so) and the header "
                 "path (--header H.h)");
  LibraryGPUOptions gpu;
  gpu.sms.assign(sms.begin(), sms.end());
  gpu.compile.fastMath = fastMath;
  // kred-compile never uses the user's on-disk cache (as for CPU code).
  gpu.compile.cacheDir = "off";
  if (llvm::Error err =
          buildKernelLibrary(spec, output, header, options, gpu))
    return report(std::move(err));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "kernelred ahead-of-time compiler: KeOps formulas to kernelred IR, "
      "LLVM IR, objects and shared libraries\n");

  CompileOptions options;
  options.cpu = cpu;
  if (!spec.empty())
    return compileLibrary(options);
  if (!header.empty())
    return error("--header is only used with --spec");
  if (formula.getNumOccurrences() == 0)
    return error("no formula: give --formula F (or --spec FILE)");

  KernelSpec kernel;
  kernel.name = name;
  kernel.formula = formula;
  kernel.aliases.assign(vars.begin(), vars.end());
  kernel.reduction = reduction;
  kernel.axis = axis;
  kernel.dtype = dtype;
  if (optArg.getNumOccurrences())
    kernel.optArg = optArg;
  kernel.formula2 = formula2;
  kernel.dtypeAcc = dtypeAcc;
  kernel.sumScheme = sumScheme;

  // The kernelred dialects and the translations to LLVM IR that the
  // compiler API needs for --emit=llvm|obj|so.
  DialectRegistry registry;
  registerCompilerDialects(registry);
  MLIRContext context(registry);

  llvm::Expected<OwningOpRef<ModuleOp>> module =
      buildKernelModule(&context, kernel);
  if (!module)
    return report(module.takeError());

  switch (emit) {
  case EmitKind::MLIR: {
    std::string text;
    llvm::raw_string_ostream os(text);
    (*module)->print(os);
    os << "\n";
    return writeOutput(text);
  }
  case EmitKind::LLVM: {
    llvm::Expected<std::string> ir = emitLLVMIR(**module, options);
    if (!ir)
      return report(ir.takeError());
    return writeOutput(*ir);
  }
  case EmitKind::Object: {
    if (output == "-")
      return error("--emit=obj writes binary data: give an output file with "
                   "-o");
    llvm::Expected<std::string> object = emitObject(**module, options);
    if (!object)
      return report(object.takeError());
    return writeOutput(*object);
  }
  case EmitKind::PTX:
  case EmitKind::Cubin:
    return emitGPU(**module);
  case EmitKind::SharedLibrary:
    if (output == "-")
      return error("--emit=so needs an output file: -o LIB.so");
    if (llvm::Error err = emitSharedLibrary(**module, options, output))
      return report(std::move(err));
    return 0;
  }
  return 0;
}
