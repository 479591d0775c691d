//===- Compiler.cpp - the kernelred C++ compiler API (placeholder) --------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Compiler/Compiler.h"

using namespace mlir;
using namespace mlir::kernelred;

static llvm::Error notBuiltYet(llvm::StringRef what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 what + " is not built yet");
}

JitKernel::~JitKernel() = default;

llvm::Expected<std::string>
mlir::kernelred::emitLLVMIR(ModuleOp, const CompileOptions &) {
  return notBuiltYet("--emit=llvm");
}

llvm::Expected<std::string>
mlir::kernelred::emitObject(ModuleOp, const CompileOptions &) {
  return notBuiltYet("--emit=obj");
}

llvm::Error mlir::kernelred::emitSharedLibrary(ModuleOp,
                                               const CompileOptions &,
                                               llvm::StringRef) {
  return notBuiltYet("--emit=so");
}

llvm::Error mlir::kernelred::buildKernelLibrary(llvm::StringRef,
                                                llvm::StringRef,
                                                llvm::StringRef,
                                                const CompileOptions &) {
  return notBuiltYet("--spec");
}

llvm::Expected<std::shared_ptr<JitKernel>>
mlir::kernelred::compileKernel(const KernelSpec &, const CompileOptions &) {
  return notBuiltYet("the JIT");
}
