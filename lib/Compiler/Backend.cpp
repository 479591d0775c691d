//===- Backend.cpp - kernelred IR to native code, in memory ---------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Backend.h"

#include "lib/Pipelines/Pipelines.h"
#include "lib/Registration/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>

using namespace mlir;
using namespace mlir::kernelred;

#ifndef KRED_VERSION
#define KRED_VERSION "unknown"
#endif

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Targets
//===----------------------------------------------------------------------===//

static void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

std::string TargetInfo::getKey() const {
  return triple + "|" + cpu + "|" + features;
}

/// The host's features as an LLVM feature string, sorted (stable keys).
static std::string getHostFeatureString() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> list;
  for (const auto &f : features)
    list.push_back((f.second ? "+" : "-") + f.first().str());
  llvm::sort(list);
  return llvm::join(list, ",");
}

static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetInfo &target, int optLevel) {
  initializeNativeTarget();
  std::string error;
  llvm::Triple triple(target.triple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return makeError("no LLVM target for '" + target.triple + "': " + error);
  llvm::CodeGenOptLevel level = optLevel <= 0   ? llvm::CodeGenOptLevel::None
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : optLevel == 2
                                    ? llvm::CodeGenOptLevel::Default
                                    : llvm::CodeGenOptLevel::Aggressive;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, targetOptions, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, level));
  if (!machine)
    return makeError("cannot create a target machine for CPU '" + target.cpu +
                     "'");
  return machine;
}

static bool isHostCPUName(llvm::StringRef cpu) {
  return cpu.empty() || cpu == "native" || cpu == "host";
}

std::string mlir::kernelred::getRequestedCPU(const CompileOptions &options) {
  if (isHostCPUName(options.cpu))
    if (const char *env = std::getenv("KRED_CPU"); env && *env)
      return env;
  return options.cpu;
}

/// The features `cpu` implies, as an MCSubtargetInfo of the host triple.
static std::unique_ptr<llvm::MCSubtargetInfo>
createSubtarget(llvm::StringRef cpu, llvm::StringRef features) {
  initializeNativeTarget();
  std::string error;
  llvm::Triple triple(llvm::sys::getProcessTriple());
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!generic || !generic->isCPUStringValid(cpu))
    return nullptr;
  return std::unique_ptr<llvm::MCSubtargetInfo>(
      llvmTarget->createMCSubtargetInfo(triple, cpu, features));
}

bool mlir::kernelred::hostSupportsCPU(llvm::StringRef cpu) {
  if (isHostCPUName(cpu))
    return true;
  std::unique_ptr<llvm::MCSubtargetInfo> wanted = createSubtarget(cpu, "");
  if (!wanted)
    return false;
  // Every feature the CPU implies must be on in the host's feature string.
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  for (const llvm::SubtargetFeatureKV &feature :
       wanted->getEnabledProcessorFeatures()) {
    auto it = host.find(feature.Key);
    // Features that are tuning flags or not reported by the host detection
    // (e.g. "64bit", slow-* and fast-* tunings) are not instructions.
    if (it == host.end())
      continue;
    if (!it->second)
      return false;
  }
  return true;
}

llvm::Expected<TargetInfo>
mlir::kernelred::resolveTarget(const CompileOptions &options) {
  if (options.target != "cpu")
    return makeError("unsupported target '" + options.target +
                     "' (this build supports 'cpu')");
  initializeNativeTarget();
  TargetInfo target;
  target.triple = llvm::sys::getProcessTriple();
  std::string cpu = getRequestedCPU(options);
  if (isHostCPUName(cpu)) {
    target.cpu = llvm::sys::getHostCPUName().str();
    target.features = getHostFeatureString();
  } else {
    target.cpu = cpu;
  }
  // Check the CPU name and find the widest float vector it has.
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(llvm::Triple(target.triple), error);
  if (!llvmTarget)
    return makeError("no LLVM target for '" + target.triple + "': " + error);
  // (Validated on a generic subtarget first: creating one for an unknown
  // CPU prints a warning.)
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      llvmTarget->createMCSubtargetInfo(llvm::Triple(target.triple), "", ""));
  if (!generic || !generic->isCPUStringValid(target.cpu))
    return makeError("unknown CPU '" + target.cpu + "' for " + target.triple +
                     " (try 'native', 'x86-64-v3' or 'x86-64-v4')");
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(llvm::Triple(target.triple), target.cpu,
                                        target.features));
  if (!subtarget)
    return makeError("cannot describe CPU '" + target.cpu + "'");
  if (llvm::Triple(target.triple).isX86()) {
    if (subtarget->checkFeatures("+avx512f"))
      target.vectorBits = 512;
    else if (subtarget->checkFeatures("+avx"))
      target.vectorBits = 256;
  }
  return target;
}

//===----------------------------------------------------------------------===//
// MLIR
//===----------------------------------------------------------------------===//

void mlir::kernelred::registerCompilerDialects(DialectRegistry &registry) {
  registerAllKredDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

std::unique_ptr<MLIRContext> mlir::kernelred::createCompilerContext() {
  DialectRegistry registry;
  registerCompilerDialects(registry);
  auto context =
      std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  context->loadAllAvailableDialects();
  return context;
}

namespace {
/// Collects the diagnostics emitted while it lives, as text.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          if (!text.empty())
            os << "\n";
          switch (diag.getSeverity()) {
          case DiagnosticSeverity::Error:
            os << "error: ";
            break;
          case DiagnosticSeverity::Warning:
            os << "warning: ";
            break;
          case DiagnosticSeverity::Note:
            os << "note: ";
            break;
          case DiagnosticSeverity::Remark:
            os << "remark: ";
            break;
          }
          os << diag;
          return success();
        }) {}

  const std::string &getText() const { return text; }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};
} // namespace

void mlir::kernelred::configurePipeline(KredToLLVMCPUOptions &pipeline,
                                        const CompileOptions &options,
                                        const TargetInfo &target) {
  pipeline.vectorBits = target.vectorBits;
  if (options.tileRows > 0)
    pipeline.rowVectors = std::max<int64_t>(
        1, (options.tileRows * 32 + target.vectorBits - 1) / target.vectorBits);
  if (options.tileCols > 0)
    pipeline.tileJ = options.tileCols;
}

llvm::Error mlir::kernelred::lowerToLLVMDialect(ModuleOp module,
                                                const CompileOptions &options,
                                                const TargetInfo &target) {
  MLIRContext *context = module.getContext();
  DiagnosticCollector diagnostics(context);
  PassManager pm = PassManager::on<ModuleOp>(context);
  KredToLLVMCPUOptions pipelineOptions;
  configurePipeline(pipelineOptions, options, target);
  buildKredToLLVMCPUPipeline(pm, pipelineOptions);
  if (failed(pm.run(module)))
    return makeError("kred-to-llvm-cpu failed" +
                     (diagnostics.getText().empty()
                          ? llvm::Twine()
                          : llvm::Twine(":\n") + diagnostics.getText()));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// LLVM IR, optimization, objects
//===----------------------------------------------------------------------===//

static llvm::Error optimizeModule(llvm::Module &module,
                                  llvm::TargetMachine &machine, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // kred-to-llvm-cpu emits explicitly vectorized, register-tiled code: the
  // LLVM loop and SLP vectorizers and the loop unroller find nothing worth
  // their compile time there (measured: kernels run as fast without them,
  // and compile 30-45% faster).
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = false;
  tuning.SLPVectorization = false;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel <= 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm =
      level == llvm::OptimizationLevel::O0
          ? builder.buildO0DefaultPipeline(level)
          : builder.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<llvm::Module>>
mlir::kernelred::translateAndOptimize(ModuleOp module,
                                      llvm::LLVMContext &llvmContext,
                                      const CompileOptions &options,
                                      const TargetInfo &target) {
  // The module may come from a context set up elsewhere (kred-compile):
  // make sure it can be translated.
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  DiagnosticCollector diagnostics(module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "kred");
  if (!llvmModule)
    return makeError("cannot translate the kernel to LLVM IR" +
                     (diagnostics.getText().empty()
                          ? llvm::Twine()
                          : llvm::Twine(":\n") + diagnostics.getText()));
  auto machine = createTargetMachine(target, options.optLevel);
  if (!machine)
    return machine.takeError();
  llvmModule->setTargetTriple(llvm::Triple(target.triple));
  llvmModule->setDataLayout((*machine)->createDataLayout());
  // Every function is compiled for the target CPU (inlining and the
  // vectorizers look at these attributes).
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", target.cpu);
    if (!target.features.empty())
      f.addFnAttr("target-features", target.features);
  }
  if (llvm::verifyModule(*llvmModule, &llvm::errs()))
    return makeError("the generated LLVM IR is invalid");
  if (llvm::Error err =
          optimizeModule(*llvmModule, **machine, options.optLevel))
    return std::move(err);
  return llvmModule;
}

llvm::Expected<std::string>
mlir::kernelred::emitObjectFile(llvm::Module &module,
                                const CompileOptions &options,
                                const TargetInfo &target) {
  auto machine = createTargetMachine(target, options.optLevel);
  if (!machine)
    return machine.takeError();
  module.setDataLayout((*machine)->createDataLayout());
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                      llvm::CodeGenFileType::ObjectFile))
    return makeError("the target cannot emit object files");
  codegen.run(module);
  return std::string(buffer.begin(), buffer.end());
}

llvm::Expected<std::string> mlir::kernelred::compileLLVMDialectToObject(
    ModuleOp module, const CompileOptions &options, const TargetInfo &target) {
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateAndOptimize(module, llvmContext, options, target);
  if (!llvmModule)
    return llvmModule.takeError();
  return emitObjectFile(**llvmModule, options, target);
}

//===----------------------------------------------------------------------===//
// JIT
//===----------------------------------------------------------------------===//

LoadedObject::~LoadedObject() = default;

// The compiler-rt builtins that LLVM may call from a kernel on a host
// without the matching instructions: f16 conversions without F16C
// (x86-64-v2), f64 -> bf16 (f32 -> bf16 is expanded inline by
// kred-expand-bf16), integer powers. compiler-rt's builtins archive is
// linked into this library (lib/Compiler/CMakeLists.txt), so the JIT
// resolves them to kred's own copies, whatever the process has loaded.
// The declarations only serve to take the addresses.
#define KRED_JIT_BUILTINS(X)                                                   \
  X(__extendhfsf2)                                                             \
  X(__extendhfdf2)                                                             \
  X(__truncsfhf2)                                                              \
  X(__truncdfhf2)                                                              \
  X(__extendbfsf2)                                                             \
  X(__truncsfbf2)                                                              \
  X(__truncdfbf2)                                                              \
  X(__powisf2)                                                                 \
  X(__powidf2)
#define KRED_DECLARE_BUILTIN(name) extern "C" void name();
KRED_JIT_BUILTINS(KRED_DECLARE_BUILTIN)
#undef KRED_DECLARE_BUILTIN

llvm::ArrayRef<std::pair<const char *, void *>>
mlir::kernelred::getJITBuiltins() {
#define KRED_BUILTIN_ENTRY(name)                                               \
  {#name, reinterpret_cast<void *>(&name)},
  static const std::pair<const char *, void *> builtins[] = {
      KRED_JIT_BUILTINS(KRED_BUILTIN_ENTRY)};
#undef KRED_BUILTIN_ENTRY
  return builtins;
}

namespace {

/// The last error the JIT's session reported (materialization failures name
/// the missing symbols there, not in the error lookup() returns).
std::mutex sessionErrorMutex;
std::string lastSessionError;

/// The process-wide LLJIT (created on first use, never destroyed: objects
/// may be in use until the process exits).
llvm::Expected<llvm::orc::LLJIT &> getJIT() {
  static std::mutex mutex;
  static llvm::orc::LLJIT *jit = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (jit)
    return *jit;
  initializeNativeTarget();
  auto created = llvm::orc::LLJITBuilder().create();
  if (!created)
    return created.takeError();
  llvm::orc::LLJIT &newJIT = **created;
  // Errors become part of the message of the failed load (Python shows
  // it) instead of a line on stderr.
  newJIT.getExecutionSession().setErrorReporter([](llvm::Error err) {
    std::lock_guard<std::mutex> lock(sessionErrorMutex);
    lastSessionError = llvm::toString(std::move(err));
  });
  llvm::orc::SymbolMap builtins;
  for (const auto &[name, address] : getJITBuiltins())
    builtins[newJIT.mangleAndIntern(name)] = {
        llvm::orc::ExecutorAddr::fromPtr(address),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  llvm::orc::JITDylibSP process = newJIT.getProcessSymbolsJITDylib();
  if (!process)
    return makeError("the JIT has no process symbols library");
  if (llvm::Error err =
          process->define(llvm::orc::absoluteSymbols(std::move(builtins))))
    return std::move(err);
  jit = created->release();
  return *jit;
}

class JITObject : public LoadedObject {
public:
  JITObject(llvm::orc::LLJIT &jit, llvm::orc::JITDylib &dylib)
      : jit(jit), dylib(dylib) {}
  ~JITObject() override {
    llvm::consumeError(jit.getExecutionSession().removeJITDylib(dylib));
  }

  llvm::Expected<void *> lookup(llvm::StringRef name) override {
    {
      std::lock_guard<std::mutex> lock(sessionErrorMutex);
      lastSessionError.clear();
    }
    auto address = jit.lookup(dylib, name);
    if (!address) {
      std::string message = llvm::toString(address.takeError());
      std::lock_guard<std::mutex> lock(sessionErrorMutex);
      if (!lastSessionError.empty())
        message += " (" + lastSessionError + ")";
      return makeError(message);
    }
    return address->toPtr<void *>();
  }

private:
  llvm::orc::LLJIT &jit;
  llvm::orc::JITDylib &dylib;
};

} // namespace

llvm::Expected<std::unique_ptr<LoadedObject>>
mlir::kernelred::loadObject(llvm::StringRef object, llvm::StringRef label) {
  auto jit = getJIT();
  if (!jit)
    return jit.takeError();
  static std::atomic<uint64_t> counter{0};
  std::string name =
      ("kred." + label + "." + llvm::Twine(counter.fetch_add(1))).str();
  auto dylib = jit->createJITDylib(name);
  if (!dylib)
    return dylib.takeError();
  auto result = std::make_unique<JITObject>(*jit, *dylib);
  if (llvm::Error err = jit->addObjectFile(
          *dylib, llvm::MemoryBuffer::getMemBufferCopy(object, name)))
    return std::move(err);
  return std::unique_ptr<LoadedObject>(std::move(result));
}

//===----------------------------------------------------------------------===//
// Compiler version
//===----------------------------------------------------------------------===//

const std::string &mlir::kernelred::getCompilerVersion() {
  static const std::string version = [] {
    std::string v = "kred " KRED_VERSION " llvm " LLVM_VERSION_STRING " abi " +
                    std::to_string(KRED_ABI_VERSION);
    // The binary holding this code: its size and modification time change
    // with every rebuild of the compiler (or of its pipelines).
    // (dladdr names the main executable as it was started, possibly
    // without a directory: then /proc/self/exe is the file.)
    struct stat st;
    Dl_info info;
    bool found = dladdr(reinterpret_cast<void *>(&getCompilerVersion), &info) &&
                 info.dli_fname && ::stat(info.dli_fname, &st) == 0;
    if (!found)
      found = ::stat("/proc/self/exe", &st) == 0;
    if (found)
      v += " build " + std::to_string(static_cast<long long>(st.st_size)) +
           "-" + std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) +
           "." + std::to_string(static_cast<long long>(st.st_mtim.tv_nsec));
    return v;
  }();
  return version;
}
