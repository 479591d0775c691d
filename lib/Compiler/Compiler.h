//===- Compiler.h - the kernelred C++ compiler API --------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// What kred-compile and the Python module share: a KernelSpec or a module of
// kernelred IR in, LLVM IR / an object / a shared library / an in-process
// (JIT) kernel out.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_COMPILER_COMPILER_H
#define KRED_LIB_COMPILER_COMPILER_H

#include "lib/Frontend/KernelSpec.h"
#include "lib/Pipelines/TargetOptions.h"
#include "lib/Runtime/kred_runtime.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::kernelred {

struct CompileOptions {
  /// "cpu" (later "nvptx").
  std::string target = "cpu";
  /// LLVM CPU name, or "native" for the host.
  std::string cpu = "native";
  /// LLVM optimization level.
  int optLevel = 3;
  /// Tile sizes (0: the target's defaults).
  int64_t tileRows = 0;
  int64_t tileCols = 0;
  /// Directory of the on-disk cache of compileKernel: "" for the default
  /// ($KRED_CACHE_DIR, else $XDG_CACHE_HOME/kred or ~/.cache/kred), "off" to
  /// disable it.
  std::string cacheDir;
};

class ReduceOp;

/// What the runtime needs to know of one kernel (kred_kernel_info), owning
/// the strings and arrays the info points into.
struct KernelDescription {
  std::string name;
  std::string formula;
  int32_t axis = 1;
  int32_t dtype = KRED_F32;
  int32_t accDtype = KRED_F32;
  /// ReductionKind (dialect/KredAttrs.td) of the kernel as written.
  int32_t reduction = 0;
  /// By position: kred_category (KRED_CAT_UNUSED for unused positions) and
  /// dimension (0 when unused).
  std::vector<int32_t> argCategory;
  std::vector<int64_t> argDim;
  int64_t outValueDim = 0;
  int64_t outIndexDim = 0;
  int64_t stateValues = 0;
  int64_t stateIndices = 0;
  int64_t rowBlock = 1;

  /// A kred_kernel_info viewing this description (valid while it lives and
  /// is not modified).
  kred_kernel_info getInfo() const;
};

/// Describes the kernel `op` (kernelred IR, before lowering) as compiled
/// with `options`: signature, output and state sizes, rows per block.
llvm::Expected<KernelDescription> describeKernel(ReduceOp op,
                                                 const CompileOptions &options);

/// Lowers `module` (kernelred IR, modified in place) to LLVM IR text.
llvm::Expected<std::string> emitLLVMIR(ModuleOp module,
                                       const CompileOptions &options);

/// Lowers `module` to a relocatable object file (bytes).
llvm::Expected<std::string> emitObject(ModuleOp module,
                                       const CompileOptions &options);

/// Lowers `module` to a shared library at `path` exporting the kernel ABI
/// functions of every kernel.
llvm::Error emitSharedLibrary(ModuleOp module, const CompileOptions &options,
                              llvm::StringRef path);

/// Builds an ahead-of-time kernel library (`libraryPath`, a .so) and its C
/// header (`headerPath`) from a YAML spec (kred-compile --spec).
llvm::Error buildKernelLibrary(llvm::StringRef specPath,
                               llvm::StringRef libraryPath,
                               llvm::StringRef headerPath,
                               const CompileOptions &options);

/// A kernel compiled in process, ready for kred_cpu_launch.
class JitKernel {
public:
  /// Where the kernel's machine code came from when it was created.
  enum class Source { Compiled, DiskCache };

  virtual ~JitKernel();
  virtual const kred_kernel &getKernel() const = 0;
  /// The kernelred IR of the kernel before lowering.
  virtual llvm::StringRef getIR() const = 0;
  virtual const KernelDescription &getDescription() const = 0;
  virtual Source getSource() const = 0;
  /// Wall time spent creating it (parse, lower, optimize, emit, link), ms.
  virtual double getCreationMilliseconds() const = 0;
};

/// Compiles `spec` in process: an in-process memo (same spec and options:
/// same kernel), then the on-disk cache (keyed by the canonical IR, the
/// target, the options and the compiler version), then the compiler. Bad
/// input gives a FormulaError (lib/Frontend/FormulaParser.h).
llvm::Expected<std::shared_ptr<JitKernel>>
compileKernel(const KernelSpec &spec, const CompileOptions &options);

/// Counters of compileKernel (and, gpu*, of compileGPUKernel for PTX and
/// cubins: one per kernel, emulated kernels excluded) in this process.
struct CompileStatistics {
  int64_t memoryHits = 0;
  int64_t diskHits = 0;
  int64_t compiled = 0;
  int64_t diskWrites = 0;
  /// compileGPUKernel: kernels whose images came from the disk cache, were
  /// compiled (a miss: absent, damaged or the cache disabled) and stored.
  int64_t gpuDiskHits = 0;
  int64_t gpuCompiled = 0;
  int64_t gpuDiskWrites = 0;
};
CompileStatistics getCompileStatistics();
/// Adds one to `counter` of getCompileStatistics (the compilers' own use).
void countCompileStatistic(int64_t CompileStatistics::*counter);

/// Forgets the in-process memo (kernels in use stay valid).
void clearKernelMemo();

/// The on-disk cache directory `options.cacheDir` resolves to ("" when the
/// cache is disabled).
std::string getCacheDirectory(const CompileOptions &options);

/// The name of a KRED_F32/F64/F16/BF16 dtype ("float32", ...; "?" for others).
const char *getDtypeName(int32_t dtype);

/// The compiler build identifier that cache keys include: the kred and LLVM
/// versions, the kernel ABI version and a stamp of the binary holding the
/// compiler (a rebuilt compiler never reuses another build's entries).
const std::string &getCompilerVersion();

//===----------------------------------------------------------------------===//
// GPU (docs/gpu.md)
//===----------------------------------------------------------------------===//

/// The GPU architectures kred compiles for, ascending: sm_70 (V100), sm_75
/// (T4), sm_80 (A100; also JIT-compiled for sm_86/sm_89) and sm_90 (H100;
/// also for newer GPUs).
llvm::ArrayRef<int> getSupportedGPUArchitectures();
bool isSupportedGPUArchitecture(int sm);
/// "sm_70, sm_75, sm_80, sm_90" (for error messages).
std::string getSupportedGPUArchitecturesText();

/// Options of the GPU compilation (kred-to-nvvm, ptxas): the GPU target
/// (GPUTargetOptions: fastMath, blockThreads, rowsPerThread, tileJ,
/// raceCheck; its `sm` is only the default of `sms`) and how to compile.
struct GPUCompileOptions : GPUTargetOptions {
  /// Compute capabilities to build for (70: sm_70, ..., 90: sm_90; see
  /// getSupportedGPUArchitectures).
  std::vector<int> sms = {GPUTargetOptions().sm};
  /// Also assemble cubins with ptxas (PTX is always produced).
  bool cubin = false;
  /// With cubin: an sm that this ptxas cannot target (CUDA 13 dropped
  /// sm_70) gets its PTX only (the driver JIT-compiles it) instead of an
  /// error.
  bool skipUnsupportedCubins = false;
  /// ptxas to run; "": $CUDA_HOME/bin/ptxas, /usr/local/cuda/bin/ptxas,
  /// then ptxas on PATH.
  std::string ptxas;
  /// Compile for the GPU emulator instead (docs/gpu.md, "The emulator"):
  /// the same gpu.module lowered by kred-to-gpu-host and JIT-compiled for
  /// this host, one host image (kind KRED_GPU_IMAGE_HOST); sms and cubin are
  /// ignored.
  bool emulate = false;
  /// Directory of the on-disk cache of compileGPUKernel's PTX and cubins
  /// (as CompileOptions::cacheDir: "" for the default, "off" to disable).
  /// Emulated kernels are never cached.
  std::string cacheDir;
};

/// The host code of an emulated GPU kernel (GPUCompiler.cpp).
struct GPUEmulatorImage;

/// One PTX, cubin or host image of a GPU kernel.
struct GPUImage {
  int32_t sm = 0;
  /// 0: PTX text, 1: cubin, 2: host image for the emulator
  /// (kred_gpu_image.kind; data is then empty: see GPUKernel::emulator).
  int32_t kind = 0;
  /// The bytes (PTX without its terminating NUL: getKernel adds one).
  std::string data;
};

/// A compiled GPU kernel: the description of kred_gpu_kernel and its images.
class GPUKernel {
public:
  KernelDescription description;
  std::string runEntry, mergeEntry;
  int32_t blockThreads = 0;
  int32_t rowsPerThread = 0;
  int32_t sharedBytes = 0;
  std::vector<GPUImage> images;
  /// The kernelred IR before lowering.
  std::string ir;
  /// The emulator's host code (compiled with GPUCompileOptions::emulate).
  std::shared_ptr<GPUEmulatorImage> emulator;

  /// A kred_gpu_kernel viewing this object (valid while it lives and is not
  /// modified; PTX images are NUL-terminated, their size counts the NUL).
  const kred_gpu_kernel &getKernel();

private:
  std::vector<kred_gpu_image> imageViews;
  std::vector<std::string> ptxStorage;
  kred_gpu_kernel kernel{};
};

/// The PTX of the (single) kernel of `module` for sm_`sm` (kred-to-nvvm,
/// LLVM NVPTX backend). `module` is not modified.
llvm::Expected<std::string> emitPTX(ModuleOp module, int sm,
                                    const GPUCompileOptions &options);

/// Assembles `ptx` into a cubin for sm_`sm` with ptxas.
llvm::Expected<std::string> emitCubin(llvm::StringRef ptx, int sm,
                                      const GPUCompileOptions &options);

/// The ptxas that emitCubin runs, or an error when there is none.
llvm::Expected<std::string> findPtxas(const GPUCompileOptions &options);

/// GPU options of an AOT kernel library (kred-compile --spec, --sm).
struct LibraryGPUOptions {
  /// Non-empty: the GPU architectures of the spec's library-level `targets`
  /// (its cpu entry kept; kernels with their own `targets` unchanged).
  std::vector<int> sms;
  /// Embed cubins: std::nullopt when ptxas is found (PTX is always there).
  std::optional<bool> cubin;
  /// fastMath, blockThreads, rowsPerThread, tileJ, ptxas (sms and cubin are
  /// taken from the spec and the fields above).
  GPUCompileOptions compile;
};

/// buildKernelLibrary with GPU targets (docs/abi.md): for every kernel with
/// sm targets, its PTX (and cubins) embedded, NAME_gpu_kernel() and
/// NAME_gpu().
llvm::Error buildKernelLibrary(llvm::StringRef specPath,
                               llvm::StringRef libraryPath,
                               llvm::StringRef headerPath,
                               const CompileOptions &options,
                               const LibraryGPUOptions &gpu);

/// Compiles the (single) kernel of `module` for every sm of `gpu`: PTX, and
/// cubins with gpu.cubin.
llvm::Expected<std::unique_ptr<GPUKernel>>
compileGPUKernel(ModuleOp module, const GPUCompileOptions &gpu);

/// The same from a kernel spec (parsed in a fresh context).
llvm::Expected<std::unique_ptr<GPUKernel>>
compileGPUKernel(const KernelSpec &spec, const GPUCompileOptions &gpu);

} // namespace mlir::kernelred

#endif // KRED_LIB_COMPILER_COMPILER_H
