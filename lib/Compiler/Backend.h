//===- Backend.h - kernelred IR to native code, in memory -------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The stages behind lib/Compiler/Compiler.h, exposed for the compiler's own
// files and its unit tests:
//   kernelred IR --kred-to-llvm-cpu--> LLVM dialect --translate--> LLVM IR
//   --O3 for the target CPU--> relocatable object (bytes)
//   --ORC (LLJIT, JITLink)--> functions in this process.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_COMPILER_BACKEND_H
#define KRED_LIB_COMPILER_BACKEND_H

#include "lib/Compiler/Compiler.h"
#include "lib/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace mlir::kernelred {

/// The machine code is generated for.
struct TargetInfo {
  std::string triple;
  /// LLVM CPU name ("native" resolved to the host's).
  std::string cpu;
  /// LLVM feature string ("+avx2,+fma,..."; the host's for "native").
  std::string features;
  /// Widest SIMD register usable for floats, in bits (128, 256 or 512).
  int64_t vectorBits = 128;

  /// A string identifying the target, for cache keys.
  std::string getKey() const;
};

/// The CPU name options.cpu asks for: "native" (or "" / "host") stands for
/// $KRED_CPU when that is set (e.g. KRED_CPU=x86-64-v3 for code that runs on
/// every AVX2 host), else for the host.
std::string getRequestedCPU(const CompileOptions &options);

/// Resolves options.target / getRequestedCPU(options) (errors on unknown
/// ones).
llvm::Expected<TargetInfo> resolveTarget(const CompileOptions &options);

/// Whether this host can run code compiled for CPU `cpu` (an LLVM CPU name:
/// every feature that CPU implies is one the host has).
bool hostSupportsCPU(llvm::StringRef cpu);

/// Registers what a kernelred compilation needs in `registry`: the kernelred
/// dialects and the translations of the LLVM and builtin dialects to LLVM IR.
void registerCompilerDialects(DialectRegistry &registry);

/// A new MLIRContext with registerCompilerDialects(), without threads.
std::unique_ptr<MLIRContext> createCompilerContext();

/// Sets the options of kred-to-llvm-cpu for `target` (SIMD width) and
/// `options` (tileRows: rows per block, rounded to whole f32 vectors;
/// tileCols: reduced indices per tile).
void configurePipeline(KredToLLVMCPUOptions &pipeline,
                       const CompileOptions &options, const TargetInfo &target);

/// Runs the kred-to-llvm-cpu pipeline on `module` (in place). Diagnostics
/// become the error's message.
llvm::Error lowerToLLVMDialect(ModuleOp module, const CompileOptions &options,
                               const TargetInfo &target);

/// Translates an LLVM-dialect module to LLVM IR and optimizes it for
/// `target` at options.optLevel.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &llvmContext,
                     const CompileOptions &options, const TargetInfo &target);

/// Emits `module` (already optimized) as a relocatable ELF object.
llvm::Expected<std::string> emitObjectFile(llvm::Module &module,
                                           const CompileOptions &options,
                                           const TargetInfo &target);

/// LLVM-dialect module -> object bytes (translate, optimize, emit).
llvm::Expected<std::string>
compileLLVMDialectToObject(ModuleOp module, const CompileOptions &options,
                           const TargetInfo &target);

/// A relocatable object loaded in this process by the JIT. Unloaded when
/// destroyed.
class LoadedObject {
public:
  virtual ~LoadedObject();
  /// The address of the (unmangled) symbol `name`.
  virtual llvm::Expected<void *> lookup(llvm::StringRef name) = 0;
};

/// The compiler-rt builtins (name, address in this library) that kernels
/// may call on hosts without the matching instructions (f16/bf16
/// conversions, integer powers). The JIT resolves them to these addresses;
/// kernel libraries link compiler-rt's builtins archive statically.
llvm::ArrayRef<std::pair<const char *, void *>> getJITBuiltins();

/// Links `object` into this process (ORC LLJIT with JITLink; kred's
/// builtins and the symbols of the process, e.g. libm, resolve). `label`
/// names it in messages.
llvm::Expected<std::unique_ptr<LoadedObject>> loadObject(llvm::StringRef object,
                                                         llvm::StringRef label);

} // namespace mlir::kernelred

#endif // KRED_LIB_COMPILER_BACKEND_H
