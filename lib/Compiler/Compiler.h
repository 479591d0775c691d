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
#include "lib/Runtime/kred_runtime.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

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
};

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
  virtual ~JitKernel();
  virtual const kred_kernel &getKernel() const = 0;
  /// The kernelred IR of the kernel before lowering.
  virtual llvm::StringRef getIR() const = 0;
};

/// Compiles `spec` in process (with the on-disk cache).
llvm::Expected<std::shared_ptr<JitKernel>>
compileKernel(const KernelSpec &spec, const CompileOptions &options);

} // namespace mlir::kernelred

#endif // KRED_LIB_COMPILER_COMPILER_H
