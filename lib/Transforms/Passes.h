//===- Passes.h - kernelred -> kernelred passes -----------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_TRANSFORMS_PASSES_H
#define KRED_LIB_TRANSFORMS_PASSES_H

#include "dialect/KredOps.h"
#include "lib/Pipelines/TargetOptions.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::kernelred {

#define GEN_PASS_DECL
#include "lib/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lib/Transforms/Passes.h.inc"

/// Attaches the adjoint rules (AdjointOpInterface) to the kernelred ops.
void registerAdjointRuleExternalModels(DialectRegistry &registry);

} // namespace mlir::kernelred

#endif // KRED_LIB_TRANSFORMS_PASSES_H
