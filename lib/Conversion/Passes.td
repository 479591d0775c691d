//===- Passes.td - kernelred conversion passes -------------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_CONVERSION_PASSES_TD
#define KRED_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKredToSCFPass : Pass<"convert-kred-to-scf", "ModuleOp"> {
  let summary = "Lower kernelred.reduce to CPU loops (scf + vector)";
  let description = [{
    Replaces every `kernelred.reduce @NAME` by the functions of the kernel
    ABI (docs/abi.md): `@NAME_run`, `@NAME_merge` and `@NAME_finalize`, with
    tiled scf loops, SIMD lanes across output rows and the reduction monoid
    of dialect/ReductionKinds.h.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // KRED_CONVERSION_PASSES_TD
