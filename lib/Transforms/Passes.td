//===- Passes.td - kernelred -> kernelred passes -----------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_PASSES_TD
#define KRED_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KredAutodiffPass : Pass<"kred-autodiff", "ModuleOp"> {
  let summary = "Eliminate symbolic derivatives (Grad, Diff, Divergence, Laplacian)";
  let description = [{
    Replaces every `kernelred.grad`, `kernelred.diff`, `kernelred.divergence`,
    `kernelred.laplacian` and `kernelred.gradmatrix` by explicit formulas,
    built from one adjoint rule per op (the `AdjointOpInterface` external
    models).
  }];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

def KredOnlineLogSumExpPass : Pass<"kred-online-logsumexp", "ModuleOp"> {
  let summary = "Turn log-sum-exp reductions into running-max accumulators";
  let description = [{
    Rewrites `logsumexp` (with or without weight) and `sumsoftmaxweight`
    reductions into `max_sumshiftexp_weight` reductions with an explicit
    `finalize` step.
  }];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

def KredTilePass : Pass<"kred-tile", "ModuleOp"> {
  let summary = "Choose the i/j tiles of every reduction for the target";
  let description = [{
    Sets `tile_i`, `tile_j` (and `chunk` for very large dimensions) on every
    `kernelred.reduce` that does not have them yet.
  }];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

#endif // KRED_TRANSFORMS_PASSES_TD
