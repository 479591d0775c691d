//===- Pipelines.h - named kernelred pipelines ------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_PIPELINES_PIPELINES_H
#define KRED_LIB_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::kernelred {

/// Options of kred-to-llvm-cpu.
struct KredToLLVMCPUOptions
    : public PassPipelineOptions<KredToLLVMCPUOptions> {};

/// kernelred IR -> LLVM dialect for the CPU (autodiff, canonicalize,
/// online log-sum-exp, tiling, convert-kred-to-scf, lowering to LLVM).
void buildKredToLLVMCPUPipeline(OpPassManager &pm,
                                const KredToLLVMCPUOptions &options);

/// Registers the named pipelines with the pass registry.
void registerKredPipelines();

} // namespace mlir::kernelred

#endif // KRED_LIB_PIPELINES_PIPELINES_H
