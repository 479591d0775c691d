//===- GPUCompiler.cpp - PTX, cubins and GPU kernel descriptions ----------===//
//
// Part of the kernelred project.
//
// kernelred IR -> kred-to-nvvm (emit-ptx) -> PTX per sm -> ptxas -> cubin,
// and the kred_gpu_kernel description of docs/gpu.md; or, for the GPU
// emulator, kred-to-gpu-host -> host object (JIT) -> a kred_emu_module.
// The PTX and cubins of compileGPUKernel go through the on-disk cache of
// DiskCache.h (emulated kernels do not).
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Backend.h"
#include "lib/Compiler/Compiler.h"
#include "lib/Compiler/DiskCache.h"
#include "lib/Frontend/FormulaParser.h"
#include "lib/Pipelines/Pipelines.h"

#include "dialect/KredOps.h"
#include "lib/Runtime/kred_gpu_emu.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

using namespace mlir;
using namespace mlir::kernelred;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static constexpr int kSupportedSMs[] = {70, 75, 80, 90};

llvm::ArrayRef<int> mlir::kernelred::getSupportedGPUArchitectures() {
  return kSupportedSMs;
}

bool mlir::kernelred::isSupportedGPUArchitecture(int sm) {
  return llvm::is_contained(kSupportedSMs, sm);
}

std::string mlir::kernelred::getSupportedGPUArchitecturesText() {
  std::string text;
  for (int sm : kSupportedSMs)
    text += (text.empty() ? "sm_" : ", sm_") + std::to_string(sm);
  return text;
}

static bool isSupportedSM(int sm) { return isSupportedGPUArchitecture(sm); }

static llvm::Error makeUnsupportedSMError(int sm) {
  return makeError("unsupported GPU architecture sm_" + llvm::Twine(sm) +
                   " (supported: " + getSupportedGPUArchitecturesText() + ")");
}

/// The single kernelred.reduce of `module`.
static llvm::Expected<ReduceOp> getSingleReduce(ModuleOp module) {
  ReduceOp found;
  int count = 0;
  module.walk([&](ReduceOp op) {
    found = op;
    ++count;
  });
  if (count != 1)
    return makeError("expected one kernelred.reduce in the module, found " +
                     llvm::Twine(count));
  return found;
}

static void configureGPUPipeline(KredToNVVMOptions &pipeline, int sm,
                                 const GPUCompileOptions &options,
                                 bool emitPTX) {
  pipeline.setTarget(options);
  pipeline.sm = sm;
  pipeline.emitPTX = emitPTX;
}

/// A clone of `module` through the pipeline `build` adds; the error
/// (`what` failed) carries the diagnostics.
static llvm::Expected<OwningOpRef<ModuleOp>>
lowerClone(ModuleOp module, llvm::function_ref<void(PassManager &)> build,
           llvm::StringRef what) {
  OwningOpRef<ModuleOp> clone = module.clone();
  MLIRContext *context = module.getContext();
  std::string diagnostics;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    if (!diagnostics.empty())
      os << "\n";
    os << diag.str();
    return success();
  });
  PassManager pm(context);
  build(pm);
  if (failed(pm.run(*clone)))
    return makeError(what + " failed" +
                     (diagnostics.empty() ? std::string()
                                          : ": " + diagnostics));
  return clone;
}

llvm::Expected<std::string>
mlir::kernelred::emitPTX(ModuleOp module, int sm,
                         const GPUCompileOptions &options) {
  if (!isSupportedSM(sm))
    return makeUnsupportedSMError(sm);
  if (auto reduce = getSingleReduce(module); !reduce)
    return reduce.takeError();
  KredToNVVMOptions pipeline;
  configureGPUPipeline(pipeline, sm, options, /*emitPTX=*/true);
  auto clone = lowerClone(
      module, [&](PassManager &pm) { buildKredToNVVMPipeline(pm, pipeline); },
      "GPU lowering");
  if (!clone)
    return clone.takeError();
  std::string ptx;
  int binaries = 0;
  (*clone)->walk([&](gpu::BinaryOp binary) {
    ++binaries;
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        ptx = object.getObject().str();
  });
  if (binaries != 1 || ptx.empty())
    return makeError("GPU lowering produced no PTX");
  return ptx;
}

llvm::Expected<std::string>
mlir::kernelred::findPtxas(const GPUCompileOptions &options) {
  if (!options.ptxas.empty()) {
    if (llvm::sys::fs::can_execute(options.ptxas))
      return options.ptxas;
    return makeError("ptxas '" + options.ptxas + "' is not executable");
  }
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char *home = std::getenv(var)) {
      llvm::SmallString<256> path(home);
      llvm::sys::path::append(path, "bin", "ptxas");
      if (llvm::sys::fs::can_execute(path))
        return std::string(path);
    }
  }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return std::string("/usr/local/cuda/bin/ptxas");
  if (auto path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  return makeError("ptxas not found (set CUDA_HOME, or put ptxas on PATH); "
                   "PTX needs no ptxas");
}

/// Runs `ptxas arg` and returns what it printed (stdout and stderr).
static llvm::Expected<std::string> runPtxasQuery(const std::string &ptxas,
                                                 llvm::StringRef arg) {
  llvm::SmallString<128> log;
  if (auto ec = llvm::sys::fs::createTemporaryFile("kred", "log", log))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(log);
  llvm::SmallVector<llvm::StringRef> args = {ptxas, arg};
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), log.str(),
                                                log.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects,
                                     /*SecondsToWait=*/60, /*MemoryLimit=*/0,
                                     &message);
  auto buffer = llvm::MemoryBuffer::getFile(log);
  if (rc != 0 || !buffer)
    return makeError("'" + ptxas + " " + arg + "' failed" +
                     (message.empty() ? "" : ": " + message));
  return (*buffer)->getBuffer().str();
}

/// The line of `ptxas --version` naming the release ("Cuda compilation
/// tools, release 13.0, V13.0.88").
static std::string getPtxasRelease(llvm::StringRef version) {
  llvm::SmallVector<llvm::StringRef> lines;
  version.split(lines, '\n');
  for (llvm::StringRef line : lines)
    if (line.contains("release"))
      return line.trim().str();
  return version.trim().str();
}

/// `ptxas --version` of `ptxas`, run once per path in this process ("" when
/// it failed: then nothing is cached).
static const std::string &getPtxasVersion(const std::string &ptxas) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(ptxas);
  if (it != known.end())
    return it->second;
  std::string version;
  if (auto text = runPtxasQuery(ptxas, "--version"))
    version = llvm::StringRef(*text).trim().str();
  else
    llvm::consumeError(text.takeError());
  return known.emplace(ptxas, std::move(version)).first->second;
}

/// The sm_NN values that `ptxas --help` lists for -arch, queried once per
/// path in this process (empty: unknown, every sm is assumed supported).
static const std::vector<int> &getPtxasTargets(const std::string &ptxas) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<int>> known;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known.find(ptxas);
  if (it != known.end())
    return it->second;
  std::vector<int> sms;
  if (auto help = runPtxasQuery(ptxas, "--help")) {
    llvm::StringRef text(*help);
    for (size_t pos = text.find("'sm_"); pos != llvm::StringRef::npos;
         pos = text.find("'sm_", pos + 1)) {
      llvm::StringRef digits = text.substr(pos + 4);
      digits = digits.take_while([](char c) { return llvm::isDigit(c); });
      int sm = 0;
      // 'sm_90' only, not 'sm_90a' / 'sm_100f'.
      if (!digits.getAsInteger(10, sm) &&
          text.substr(pos + 4 + digits.size()).starts_with("'") &&
          !llvm::is_contained(sms, sm))
        sms.push_back(sm);
    }
  } else {
    llvm::consumeError(help.takeError());
  }
  return known.emplace(ptxas, std::move(sms)).first->second;
}

/// Whether `ptxas` can assemble for sm_`sm` (as far as its --help tells).
static bool ptxasSupports(const std::string &ptxas, int sm) {
  const std::vector<int> &sms = getPtxasTargets(ptxas);
  return sms.empty() || llvm::is_contained(sms, sm);
}

llvm::Expected<std::string>
mlir::kernelred::emitCubin(llvm::StringRef ptx, int sm,
                           const GPUCompileOptions &options) {
  if (!isSupportedSM(sm))
    return makeUnsupportedSMError(sm);
  auto ptxas = findPtxas(options);
  if (!ptxas)
    return ptxas.takeError();
  if (!ptxasSupports(*ptxas, sm))
    return makeError(
        "ptxas cannot target sm_" + llvm::Twine(sm) + " (" + *ptxas + ": " +
        getPtxasRelease(getPtxasVersion(*ptxas)) +
        "; CUDA 13 dropped sm_70): use the PTX (the driver JIT-compiles "
        "it), or the ptxas of an older CUDA toolkit (CUDA_HOME)");
  llvm::SmallString<128> input, output, log;
  if (auto ec = llvm::sys::fs::createTemporaryFile("kred", "ptx", input))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeInput(input);
  if (auto ec = llvm::sys::fs::createTemporaryFile("kred", "cubin", output))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeOutput(output);
  if (auto ec = llvm::sys::fs::createTemporaryFile("kred", "log", log))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(log);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(input, ec);
    if (ec)
      return makeError("cannot write " + input + ": " + ec.message());
    os << ptx;
  }
  std::string arch = "-arch=sm_" + std::to_string(sm);
  llvm::SmallVector<llvm::StringRef> args = {*ptxas, arch, "-O3", "-o",
                                             output, input};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*ptxas, args, std::nullopt, redirects,
                                     /*SecondsToWait=*/0, /*MemoryLimit=*/0,
                                     &message);
  if (rc != 0) {
    std::string text;
    if (auto buffer = llvm::MemoryBuffer::getFile(log))
      text = (*buffer)->getBuffer().str();
    return makeError("ptxas failed for sm_" + llvm::Twine(sm) + ": " +
                     (text.empty() ? message : text));
  }
  auto buffer = llvm::MemoryBuffer::getFile(output, /*IsText=*/false);
  if (!buffer)
    return makeError("cannot read the cubin: " + buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

//===----------------------------------------------------------------------===//
// The on-disk cache of PTX and cubins
//===----------------------------------------------------------------------===//

/// Whether KRED_VERBOSE asks for notes (as DiskCache.cpp).
static void cacheNote(const llvm::Twine &message) {
  const char *env = std::getenv("KRED_VERBOSE");
  if (env && *env && std::strcmp(env, "0") != 0)
    std::fprintf(stderr, "[kred] disk cache: %s\n", message.str().c_str());
}

/// The payload of a GPU cache entry (inside DiskCache's framing, which
/// carries the key and a checksum): magic, image count, then per image its
/// sm, kind, size and bytes (little-endian u64s).
static constexpr char kGPUImagesMagic[8] = {'K', 'R', 'E', 'D',
                                            'G', 'P', 'U', '1'};

/// A cubin is an ELF file.
static constexpr char kELFMagic[] = "\x7f"
                                    "ELF";

static std::string encodeGPUImages(llvm::ArrayRef<GPUImage> images) {
  std::string out(kGPUImagesMagic, sizeof(kGPUImagesMagic));
  appendU64(out, images.size());
  for (const GPUImage &image : images) {
    appendU64(out, static_cast<uint32_t>(image.sm));
    appendU64(out, static_cast<uint32_t>(image.kind));
    appendU64(out, image.data.size());
    out += image.data;
  }
  return out;
}

/// The images of `payload`, or std::nullopt when it is not what
/// compileGPUKernel would have produced for these options (a miss).
static std::optional<std::vector<GPUImage>>
decodeGPUImages(llvm::StringRef payload, const GPUCompileOptions &gpu) {
  if (!payload.consume_front(
          llvm::StringRef(kGPUImagesMagic, sizeof(kGPUImagesMagic))))
    return std::nullopt;
  uint64_t count;
  if (!readU64(payload, count) || count > 2 * gpu.sms.size())
    return std::nullopt;
  std::vector<GPUImage> images;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t sm, kind, size;
    if (!readU64(payload, sm) || !readU64(payload, kind) ||
        !readU64(payload, size) || size > payload.size() || size == 0)
      return std::nullopt;
    GPUImage image;
    image.sm = static_cast<int32_t>(sm);
    image.kind = static_cast<int32_t>(kind);
    image.data = payload.take_front(size).str();
    payload = payload.drop_front(size);
    images.push_back(std::move(image));
  }
  if (!payload.empty())
    return std::nullopt;
  // Per sm, in order: its cubin (with gpu.cubin; maybe skipped), its PTX.
  size_t next = 0;
  for (int sm : gpu.sms) {
    if (next < images.size() && images[next].kind == 1) {
      if (!gpu.cubin || images[next].sm != sm ||
          !llvm::StringRef(images[next].data).starts_with(kELFMagic))
        return std::nullopt;
      ++next;
    } else if (gpu.cubin && !gpu.skipUnsupportedCubins) {
      return std::nullopt;
    }
    if (next >= images.size() || images[next].kind != 0 ||
        images[next].sm != sm ||
        images[next].data.find(".target sm_" + std::to_string(sm)) ==
            std::string::npos)
      return std::nullopt;
    ++next;
  }
  if (next != images.size())
    return std::nullopt;
  return images;
}

/// Everything the PTX and cubins of `module` compiled with `gpu` depend
/// on, or an error when something cannot be known (then nothing is cached).
static llvm::Expected<std::string>
getGPUCacheMaterial(ModuleOp module, const GPUCompileOptions &gpu) {
  std::string material;
  llvm::raw_string_ostream os(material);
  os << "gpu-images\n" << getCompilerVersion() << "\nsms";
  for (int sm : gpu.sms)
    os << ' ' << sm;
  os << "\ncubin " << gpu.cubin << " skip-unsupported "
     << (gpu.cubin && gpu.skipUnsupportedCubins) << " fast-math "
     << gpu.fastMath << " block-threads " << gpu.blockThreads
     << " rows-per-thread " << gpu.rowsPerThread << " tile-j " << gpu.tileJ
     << '\n';
  if (gpu.cubin) {
    auto ptxas = findPtxas(gpu);
    if (!ptxas)
      return ptxas.takeError();
    const std::string &version = getPtxasVersion(*ptxas);
    if (version.empty())
      return makeError("'" + *ptxas + " --version' failed");
    os << "ptxas " << version << '\n';
  }
  module.print(os, OpPrintingFlags().enableDebugInfo(false));
  return material;
}

//===----------------------------------------------------------------------===//
// The emulator's host image
//===----------------------------------------------------------------------===//

struct mlir::kernelred::GPUEmulatorImage {
  /// The JIT-loaded host code (unloaded with this image).
  std::unique_ptr<LoadedObject> object;
  std::vector<std::string> names;
  std::vector<kred_emu_entry> entries;
  kred_emu_module module{};
};

/// The (single) kernel of `module` lowered by kred-to-gpu-host and loaded
/// in this process: the kred_emu_module of its gpu.funcs.
static llvm::Expected<std::shared_ptr<GPUEmulatorImage>>
compileEmulatorImage(ModuleOp module, const GPUCompileOptions &options) {
  KredToGPUHostOptions pipeline;
  pipeline.setTarget(options);
  auto lowered = lowerClone(
      module,
      [&](PassManager &pm) { buildKredToGPUHostPipeline(pm, pipeline); },
      "GPU emulator lowering");
  if (!lowered)
    return lowered.takeError();
  OwningOpRef<ModuleOp> clone = std::move(*lowered);
  auto image = std::make_shared<GPUEmulatorImage>();
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (auto func : clone->getOps<LLVM::LLVMFuncOp>()) {
    auto params = func->getAttrOfType<IntegerAttr>("kred.num_params");
    auto shared = func->getAttrOfType<IntegerAttr>("kred.static_shared_bytes");
    if (!params || !shared)
      continue;
    image->names.push_back(func.getName().str());
    sizes.push_back({shared.getInt(), params.getInt()});
  }
  if (image->names.empty())
    return makeError("GPU emulator lowering produced no kernel");

  CompileOptions host; // this CPU, O3
  auto target = resolveTarget(host);
  if (!target)
    return target.takeError();
  auto object = compileLLVMDialectToObject(*clone, host, *target);
  if (!object)
    return object.takeError();
  auto loaded = loadObject(*object, image->names.front());
  if (!loaded)
    return loaded.takeError();
  image->object = std::move(*loaded);
  for (auto [name, size] : llvm::zip(image->names, sizes)) {
    auto address = image->object->lookup(name);
    if (!address)
      return address.takeError();
    kred_emu_entry entry{};
    entry.name = name.c_str();
    entry.fn = reinterpret_cast<kred_emu_kernel_fn>(*address);
    entry.static_shared_bytes = size.first;
    entry.num_params = size.second;
    image->entries.push_back(entry);
  }
  image->module.magic = KRED_EMU_MAGIC;
  image->module.num_entries = static_cast<int64_t>(image->entries.size());
  image->module.entries = image->entries.data();
  return image;
}

const kred_gpu_kernel &GPUKernel::getKernel() {
  imageViews.clear();
  ptxStorage.clear();
  ptxStorage.reserve(images.size());
  for (const GPUImage &image : images) {
    kred_gpu_image view{};
    view.sm = image.sm;
    view.kind = image.kind;
    if (image.kind == KRED_GPU_IMAGE_HOST) {
      view.data = emulator ? &emulator->module : nullptr;
      view.size = emulator ? sizeof(kred_emu_module) : 0;
    } else if (image.kind == 0) {
      // NUL-terminated for cuModuleLoadData.
      ptxStorage.push_back(image.data);
      view.data = ptxStorage.back().c_str();
      view.size = ptxStorage.back().size() + 1;
    } else {
      view.data = image.data.data();
      view.size = image.data.size();
    }
    imageViews.push_back(view);
  }
  kernel = kred_gpu_kernel{};
  kernel.info = description.getInfo();
  kernel.run_entry = runEntry.c_str();
  kernel.merge_entry = mergeEntry.c_str();
  kernel.block_threads = blockThreads;
  kernel.rows_per_thread = rowsPerThread;
  kernel.shared_bytes = sharedBytes;
  kernel.num_images = static_cast<int32_t>(imageViews.size());
  kernel.images = imageViews.empty() ? nullptr : imageViews.data();
  return kernel;
}

llvm::Expected<std::unique_ptr<GPUKernel>>
mlir::kernelred::compileGPUKernel(ModuleOp module,
                                  const GPUCompileOptions &gpu) {
  auto reduce = getSingleReduce(module);
  if (!reduce)
    return reduce.takeError();
  // The emulator's single host image does not depend on the sms.
  if (!gpu.emulate) {
    if (gpu.sms.empty())
      return makeError("no GPU architecture given");
    for (int sm : gpu.sms)
      if (!isSupportedSM(sm))
        return makeUnsupportedSMError(sm);
    if (gpu.cubin)
      if (auto ptxas = findPtxas(gpu); !ptxas)
        return ptxas.takeError();
  }

  auto result = std::make_unique<GPUKernel>();
  {
    llvm::raw_string_ostream os(result->ir);
    module.print(os);
  }
  // Sizes of the info: state slots and outputs as on the CPU (the same
  // ReductionDescription); rows per block from the GPU geometry.
  CompileOptions cpu;
  auto description = describeKernel(*reduce, cpu);
  if (!description)
    return description.takeError();
  result->description = std::move(*description);
  result->description.rowBlock = gpu.blockThreads * gpu.rowsPerThread;
  std::string name = result->description.name;
  result->runEntry = name + "_gpu";
  result->mergeEntry = name + "_gpu_merge";
  result->blockThreads = static_cast<int32_t>(gpu.blockThreads);
  result->rowsPerThread = static_cast<int32_t>(gpu.rowsPerThread);
  // The j tile is static shared memory (docs/gpu.md: 0 dynamic bytes).
  result->sharedBytes = 0;

  if (gpu.emulate) {
    auto image = compileEmulatorImage(module, gpu);
    if (!image)
      return image.takeError();
    result->emulator = std::move(*image);
    result->images.push_back({0, KRED_GPU_IMAGE_HOST, {}});
    return result;
  }

  // The on-disk cache: a damaged or unexpected entry is a miss (and is
  // rewritten); when the key cannot be known, nothing is cached.
  DiskCache cache(gpu.cacheDir);
  std::string key;
  if (cache.isEnabled()) {
    if (auto material = getGPUCacheMaterial(module, gpu)) {
      key = DiskCache::computeKey(*material);
    } else {
      cacheNote("not caching the GPU kernel '" + name +
                "': " + llvm::toString(material.takeError()));
    }
  }
  if (!key.empty()) {
    if (std::optional<std::string> entry = cache.load(key)) {
      if (auto images = decodeGPUImages(*entry, gpu)) {
        result->images = std::move(*images);
        countCompileStatistic(&CompileStatistics::gpuDiskHits);
        return result;
      }
      cacheNote("ignoring " + cache.getPath(key) +
                ": not the GPU images expected (recompiling)");
    }
  }

  std::string ptxas;
  if (gpu.cubin && gpu.skipUnsupportedCubins) {
    auto found = findPtxas(gpu);
    if (!found)
      return found.takeError();
    ptxas = std::move(*found);
  }
  for (int sm : gpu.sms) {
    auto ptx = emitPTX(module, sm, gpu);
    if (!ptx)
      return ptx.takeError();
    bool cubin = gpu.cubin && (ptxas.empty() || ptxasSupports(ptxas, sm));
    if (cubin) {
      auto image = emitCubin(*ptx, sm, gpu);
      if (!image)
        return image.takeError();
      result->images.push_back({sm, 1, std::move(*image)});
    }
    result->images.push_back({sm, 0, std::move(*ptx)});
  }
  countCompileStatistic(&CompileStatistics::gpuCompiled);
  if (!key.empty() && cache.store(key, encodeGPUImages(result->images)))
    countCompileStatistic(&CompileStatistics::gpuDiskWrites);
  return result;
}

llvm::Expected<std::unique_ptr<GPUKernel>>
mlir::kernelred::compileGPUKernel(const KernelSpec &spec,
                                  const GPUCompileOptions &gpu) {
  std::unique_ptr<MLIRContext> context = createCompilerContext();
  auto module = buildKernelModule(context.get(), spec);
  if (!module)
    return module.takeError();
  return compileGPUKernel(**module, gpu);
}
