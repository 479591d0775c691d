//===- Pipelines.cpp - named kernelred pipelines (placeholder) ------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Pipelines/Pipelines.h"

void mlir::kernelred::buildKredToLLVMCPUPipeline(
    OpPassManager &, const KredToLLVMCPUOptions &) {}

void mlir::kernelred::registerKredPipelines() {}
