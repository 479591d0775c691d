//===- Compiler.cpp - the kernelred C++ compiler API ----------------------===//
//
// Part of the kernelred project.
//
// KernelSpec -> kernelred IR (frontend) -> kred-to-llvm-cpu -> LLVM IR -> O3
// for the target CPU -> relocatable object -> ORC JIT, with an in-process
// memo and an on-disk cache of objects. The stages live in Backend.cpp, the
// cache in DiskCache.cpp, shared libraries and AOT kernel libraries in
// KernelLibrary.cpp.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Compiler.h"

#include "lib/Compiler/Backend.h"
#include "lib/Compiler/DiskCache.h"
#include "lib/Frontend/FormulaParser.h"
#include "lib/Pipelines/Pipelines.h"

#include "dialect/KredOps.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::kernelred;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Kernel descriptions
//===----------------------------------------------------------------------===//

kred_kernel_info KernelDescription::getInfo() const {
  kred_kernel_info info{};
  info.abi_version = KRED_ABI_VERSION;
  info.name = name.c_str();
  info.formula = formula.c_str();
  info.axis = axis;
  info.dtype = dtype;
  info.acc_dtype = accDtype;
  info.reduction = reduction;
  info.num_args = static_cast<int32_t>(argCategory.size());
  info.arg_category = argCategory.empty() ? nullptr : argCategory.data();
  info.arg_dim = argDim.empty() ? nullptr : argDim.data();
  info.out_value_dim = outValueDim;
  info.out_index_dim = outIndexDim;
  info.state_values = stateValues;
  info.state_indices = stateIndices;
  info.row_block = rowBlock;
  return info;
}

static std::optional<int32_t> getDtype(Type type) {
  if (type.isF32())
    return KRED_F32;
  if (type.isF64())
    return KRED_F64;
  if (type.isF16())
    return KRED_F16;
  if (type.isBF16())
    return KRED_BF16;
  return std::nullopt;
}

const char *mlir::kernelred::getDtypeName(int32_t dtype) {
  switch (dtype) {
  case KRED_F32:
    return "float32";
  case KRED_F64:
    return "float64";
  case KRED_F16:
    return "float16";
  case KRED_BF16:
    return "bfloat16";
  default:
    return "?";
  }
}

static llvm::Expected<KernelDescription>
describeKernelForTarget(ReduceOp op, const CompileOptions &options,
                        const TargetInfo &target) {
  KernelDescription desc;
  desc.name = op.getSymName().str();
  desc.axis = static_cast<int32_t>(op.getAxis());
  // The sizes that depend on lowering decisions come from the pipeline.
  KredToLLVMCPUOptions pipeline;
  configurePipeline(pipeline, options, target);
  CPUKernelLayout layout = getCPUKernelLayout(op, pipeline);
  auto dtype = getDtype(layout.elementType);
  auto accDtype = getDtype(layout.accumulationType);
  if (!dtype || !accDtype)
    return makeError("kernel '" + desc.name + "': unsupported element type");
  desc.dtype = *dtype;
  desc.accDtype = *accDtype;
  desc.reduction = static_cast<int32_t>(op.getKind());
  int64_t numArgs = op.getNumArgs();
  desc.argCategory.assign(numArgs, KRED_CAT_UNUSED);
  desc.argDim.assign(numArgs, 0);
  for (unsigned i = 0, e = op.getNumVars(); i < e; ++i) {
    int64_t pos = op.getVarPosition(i);
    if (pos < 0 || pos >= numArgs)
      return makeError("kernel '" + desc.name + "': variable position " +
                       llvm::Twine(pos) + " out of range");
    switch (op.getVarCategory(i)) {
    case VarCategory::I:
      desc.argCategory[pos] = KRED_CAT_I;
      break;
    case VarCategory::J:
      desc.argCategory[pos] = KRED_CAT_J;
      break;
    case VarCategory::Param:
      desc.argCategory[pos] = KRED_CAT_P;
      break;
    }
    desc.argDim[pos] = op.getVarDim(i);
  }
  desc.outValueDim = layout.outValueDim;
  desc.outIndexDim = layout.outIndexDim;
  desc.stateValues = layout.stateValues;
  desc.stateIndices = layout.stateIndices;
  desc.rowBlock = std::max<int64_t>(1, layout.rowBlock);
  return desc;
}

llvm::Expected<KernelDescription>
mlir::kernelred::describeKernel(ReduceOp op, const CompileOptions &options) {
  auto target = resolveTarget(options);
  if (!target)
    return target.takeError();
  return describeKernelForTarget(op, options, *target);
}

//===----------------------------------------------------------------------===//
// In-process kernels
//===----------------------------------------------------------------------===//

JitKernel::~JitKernel() = default;

namespace {

class JitKernelImpl : public JitKernel {
public:
  JitKernelImpl(KernelDescription description, std::string ir,
                std::unique_ptr<LoadedObject> object, Source source)
      : description(std::move(description)), ir(std::move(ir)),
        object(std::move(object)), source(source) {
    kernel.info = this->description.getInfo();
  }

  llvm::Error resolve() {
    auto lookup = [&](llvm::StringRef suffix) -> llvm::Expected<void *> {
      return object->lookup(description.name + suffix.str());
    };
    auto run = lookup("_run");
    if (!run)
      return run.takeError();
    auto merge = lookup("_merge");
    if (!merge)
      return merge.takeError();
    auto finalize = lookup("_finalize");
    if (!finalize)
      return finalize.takeError();
    kernel.run = reinterpret_cast<kred_run_fn>(*run);
    kernel.merge = reinterpret_cast<kred_merge_fn>(*merge);
    kernel.finalize = reinterpret_cast<kred_finalize_fn>(*finalize);
    return llvm::Error::success();
  }

  const kred_kernel &getKernel() const override { return kernel; }
  llvm::StringRef getIR() const override { return ir; }
  const KernelDescription &getDescription() const override {
    return description;
  }
  Source getSource() const override { return source; }
  double getCreationMilliseconds() const override { return milliseconds; }
  void setCreationMilliseconds(double ms) { milliseconds = ms; }

private:
  KernelDescription description;
  std::string ir;
  std::unique_ptr<LoadedObject> object;
  Source source;
  double milliseconds = 0;
  kred_kernel kernel{};
};

std::mutex statisticsMutex;
CompileStatistics statistics;

void count(int64_t CompileStatistics::*counter) {
  std::lock_guard<std::mutex> lock(statisticsMutex);
  ++(statistics.*counter);
}

std::mutex memoMutex;
std::map<std::string, std::shared_ptr<JitKernel>> memo;

/// Everything compileKernel's result depends on, as one string.
std::string getMemoKey(const KernelSpec &spec, const CompileOptions &options) {
  std::string key;
  llvm::raw_string_ostream os(key);
  auto field = [&](llvm::StringRef s) { os << s.size() << ':' << s << ';'; };
  field(spec.name);
  field(spec.formula);
  os << spec.aliases.size() << '[';
  for (const std::string &alias : spec.aliases)
    field(alias);
  os << ']';
  field(spec.reduction);
  os << spec.axis << ';';
  field(spec.dtype);
  os << (spec.optArg ? std::to_string(*spec.optArg) : "-") << ';';
  field(spec.formula2);
  field(spec.dtypeAcc);
  field(spec.sumScheme);
  field(options.target);
  field(getRequestedCPU(options));
  os << options.optLevel << ';' << options.tileRows << ';' << options.tileCols
     << ';';
  field(options.cacheDir);
  return key;
}

/// The canonical text of `module` (the cache key's main part).
std::string printIR(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, OpPrintingFlags().enableDebugInfo(false));
  return text;
}

/// Wall times of the stages of one compilation, printed to stderr when
/// $KRED_COMPILE_TIMING is set.
class StageTimer {
public:
  StageTimer() : enabled(std::getenv("KRED_COMPILE_TIMING") != nullptr) {}
  ~StageTimer() {
    if (!enabled || stages.empty())
      return;
    std::string line = "kred: compile";
    double total = 0;
    for (auto &[name, ms] : stages) {
      line += " " + name + " " + llvm::formatv("{0:f1}", ms).str();
      total += ms;
    }
    llvm::errs() << line << " total " << llvm::formatv("{0:f1}", total)
                 << " ms\n";
  }
  /// Records the time since the previous mark as `name`.
  void mark(llvm::StringRef name) {
    auto now = std::chrono::steady_clock::now();
    stages.emplace_back(
        name.str(),
        std::chrono::duration<double, std::milli>(now - last).count());
    last = now;
  }

private:
  bool enabled;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, double>> stages;
};

llvm::Expected<std::shared_ptr<JitKernel>>
compileUncached(const KernelSpec &spec, const CompileOptions &options) {
  auto start = std::chrono::steady_clock::now();
  StageTimer timer;
  auto target = resolveTarget(options);
  if (!target)
    return target.takeError();
  timer.mark("target");

  std::unique_ptr<MLIRContext> context = createCompilerContext();
  timer.mark("context");
  auto module = buildKernelModule(context.get(), spec);
  if (!module)
    return module.takeError();
  timer.mark("frontend");
  ReduceOp op;
  for (auto reduce : (*module)->getOps<ReduceOp>()) {
    op = reduce;
    break;
  }
  if (!op)
    return makeError("the frontend produced no kernel for '" + spec.name + "'");
  std::string ir = printIR(**module);
  auto description = describeKernelForTarget(op, options, *target);
  if (!description)
    return description.takeError();
  description->formula = spec.formula;

  // Everything the object depends on.
  std::string material;
  llvm::raw_string_ostream os(material);
  os << getCompilerVersion() << '\n'
     << target->getKey() << '\n'
     << "O" << options.optLevel << " tiles " << options.tileRows << 'x'
     << options.tileCols << '\n'
     << ir;
  std::string key = DiskCache::computeKey(material);
  DiskCache cache(options.cacheDir);
  timer.mark("describe");

  JitKernel::Source source = JitKernel::Source::DiskCache;
  std::optional<std::string> object = cache.load(key);
  timer.mark("cache-lookup");
  if (object) {
    count(&CompileStatistics::diskHits);
  } else {
    source = JitKernel::Source::Compiled;
    if (llvm::Error err = lowerToLLVMDialect(**module, options, *target))
      return makeError("kernel '" + spec.name +
                       "': " + llvm::toString(std::move(err)));
    timer.mark("pipeline");
    llvm::LLVMContext llvmContext;
    auto llvmModule =
        translateAndOptimize(**module, llvmContext, options, *target);
    if (!llvmModule)
      return llvmModule.takeError();
    timer.mark("llvm-O" + std::to_string(options.optLevel));
    auto compiled = emitObjectFile(**llvmModule, options, *target);
    if (!compiled)
      return compiled.takeError();
    timer.mark("codegen");
    object = std::move(*compiled);
    count(&CompileStatistics::compiled);
    if (cache.store(key, *object))
      count(&CompileStatistics::diskWrites);
    timer.mark("cache-store");
  }

  auto loaded = loadObject(*object, spec.name);
  if (!loaded)
    return loaded.takeError();
  auto kernel = std::make_shared<JitKernelImpl>(
      std::move(*description), std::move(ir), std::move(*loaded), source);
  if (llvm::Error err = kernel->resolve())
    return makeError("kernel '" + spec.name + "': cannot load its code: " +
                     llvm::toString(std::move(err)));
  timer.mark("jit-link");
  kernel->setCreationMilliseconds(std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
  return std::shared_ptr<JitKernel>(std::move(kernel));
}

} // namespace

llvm::Expected<std::shared_ptr<JitKernel>>
mlir::kernelred::compileKernel(const KernelSpec &spec,
                               const CompileOptions &options) {
  std::string memoKey = getMemoKey(spec, options);
  {
    std::lock_guard<std::mutex> lock(memoMutex);
    auto it = memo.find(memoKey);
    if (it != memo.end()) {
      count(&CompileStatistics::memoryHits);
      return it->second;
    }
  }
  auto kernel = compileUncached(spec, options);
  if (!kernel)
    return kernel.takeError();
  std::lock_guard<std::mutex> lock(memoMutex);
  // Another thread may have compiled the same kernel meanwhile: keep one.
  auto inserted = memo.emplace(memoKey, *kernel);
  return inserted.first->second;
}

CompileStatistics mlir::kernelred::getCompileStatistics() {
  std::lock_guard<std::mutex> lock(statisticsMutex);
  return statistics;
}

void mlir::kernelred::countCompileStatistic(
    int64_t CompileStatistics::*counter) {
  count(counter);
}

void mlir::kernelred::clearKernelMemo() {
  std::lock_guard<std::mutex> lock(memoMutex);
  memo.clear();
}

std::string mlir::kernelred::getCacheDirectory(const CompileOptions &options) {
  return DiskCache(options.cacheDir).getDirectory();
}

//===----------------------------------------------------------------------===//
// LLVM IR and objects (kred-compile --emit=llvm|obj)
//===----------------------------------------------------------------------===//

/// The target of `options`, once `module` is lowered to the LLVM dialect for
/// it.
static llvm::Expected<TargetInfo>
lowerForTarget(ModuleOp module, const CompileOptions &options) {
  llvm::Expected<TargetInfo> target = resolveTarget(options);
  if (target)
    if (llvm::Error err = lowerToLLVMDialect(module, options, *target))
      return std::move(err);
  return target;
}

llvm::Expected<std::string>
mlir::kernelred::emitLLVMIR(ModuleOp module, const CompileOptions &options) {
  auto target = lowerForTarget(module, options);
  if (!target)
    return target.takeError();
  llvm::LLVMContext llvmContext;
  auto llvmModule = translateAndOptimize(module, llvmContext, options, *target);
  if (!llvmModule)
    return llvmModule.takeError();
  std::string text;
  llvm::raw_string_ostream os(text);
  (*llvmModule)->print(os, nullptr);
  return text;
}

llvm::Expected<std::string>
mlir::kernelred::emitObject(ModuleOp module, const CompileOptions &options) {
  auto target = lowerForTarget(module, options);
  if (!target)
    return target.takeError();
  return compileLLVMDialectToObject(module, options, *target);
}
