//===- Passes.td - kernelred -> kernelred passes -----------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_TRANSFORMS_PASSES_TD
#define KRED_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KredAutodiffPass : Pass<"kred-autodiff", "ModuleOp"> {
  let summary = "Eliminate symbolic derivatives (Grad, Diff, Divergence, "
                "Laplacian, GradMatrix)";
  let description = [{
    Replaces every `kernelred.grad`, `kernelred.diff`, `kernelred.divergence`,
    `kernelred.laplacian` and `kernelred.gradmatrix` by explicit formulas,
    built from one rule per op (the `AdjointOpInterface` external models
    attached by `registerAdjointRuleExternalModels`), with KeOps'
    conventions:

    - `grad %f wrt %v dir %e` (KeOps `Grad(F, V, E)`): reverse mode, the
      direction `E` is backpropagated from `F` to `V` along the def chain and
      the adjoints are accumulated;
    - `diff %f wrt %v dir %u` (`Diff(F, V, U)`): forward mode;
    - `divergence` and `laplacian`: the trace of a Jacobian, as the sum of
      the forward derivatives along the standard basis vectors
      (`Laplacian(F, V) = Divergence(Grad(F, V, 1), V)`);
    - `gradmatrix`: the concatenation of `Grad(F, V, e_k)` over the standard
      basis of F's space.

    Derivatives are eliminated in block order, so nested ones
    (`Grad(Grad(F, x, e), y, e2)`) work to any order. The derivative
    formulas are then simplified: kernelred folders and canonicalization
    patterns, autodiff-specific patterns (propagation of `Elem`/`ElemT` and
    of one-hot constants, constant reassociation), and CSE; no `Zero(...)`
    term is left in arithmetic. An op on the differentiated path without a
    rule is reported as an error.

    Before:

    ```mlir
    kernelred.reduce @k sum over j
        vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>,
             %e: i[2] vector<1xf32>) {
      %d = kernelred.sqdist %x, %y : vector<3xf32>
      %n = kernelred.neg %d : vector<1xf32>
      %f = kernelred.exp %n : vector<1xf32>
      %g = kernelred.grad %f wrt %x dir %e
          : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kernelred.yield %g : vector<3xf32>
    }
    ```

    After (the constant factor sits on the scalar, the forward values are
    reused):

    ```mlir
    kernelred.reduce @k sum over j
        vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>,
             %e: i[2] vector<1xf32>) {
      %c = kernelred.constant dense<-2.000000e+00> : vector<1xf32>
      %d = kernelred.sqdist %x, %y : vector<3xf32>
      %n = kernelred.neg %d : vector<1xf32>
      %f = kernelred.exp %n : vector<1xf32>
      %a = kernelred.mul %e, %f : vector<1xf32>
      %v = kernelred.sub %x, %y : vector<3xf32>
      %s = kernelred.mul %a, %c : vector<1xf32>
      %g = kernelred.mul %s, %v : vector<1xf32>, vector<3xf32>
      kernelred.yield %g : vector<3xf32>
    }
    ```
  }];
  let options = [
    Option<"simplifyResult", "simplify", "bool", /*default=*/"true",
           "Simplify the derivative formulas (folders, canonicalization "
           "patterns, CSE); off shows the raw output of the rules">,
  ];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

def KredExpandComplexPass : Pass<"kred-expand-complex", "ModuleOp"> {
  let summary = "Expand the complex ops into real kernelred ops";
  let description = [{
    Rewrites every complex op (`kernelred.complexmult`, `kernelred.conj`,
    `kernelred.complexexp`, ... KEOPS_REFERENCE §1h) into real kernelred
    ops, so that no later pass or lowering needs to know about them. A
    complex vector of dimension n is a formula value of dimension 2n holding
    interleaved (re, im) pairs: the expansion splits the pairs with
    `kernelred.extract_strided` (stride 2), computes with the real ops
    (whose dim-1 broadcasting gives KeOps' complex-scalar broadcasting) and
    builds the result with `kernelred.interleave`. The patterns are
    `populateExpandComplexPatterns` (lib/Transforms/ExpandComplex.h); the pass does
    not simplify, run `canonicalize` afterwards (it folds e.g.
    `ComplexReal(Real2Complex(x))` back to `x`).

    Before:

    ```mlir
    kernelred.reduce @k sum over j
        vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
      %z = kernelred.complexmult %x, %y : vector<2xf32>
      kernelred.yield %z : vector<2xf32>
    }
    ```

    After:

    ```mlir
    kernelred.reduce @k sum over j
        vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
      %a = kernelred.extract_strided %x[0 : 1 : 2] : vector<2xf32>
      %b = kernelred.extract_strided %x[1 : 1 : 2] : vector<2xf32>
      %c = kernelred.extract_strided %y[0 : 1 : 2] : vector<2xf32>
      %d = kernelred.extract_strided %y[1 : 1 : 2] : vector<2xf32>
      %ac = kernelred.mul %a, %c : vector<1xf32>
      %bd = kernelred.mul %b, %d : vector<1xf32>
      %re = kernelred.sub %ac, %bd : vector<1xf32>
      %ad = kernelred.mul %a, %d : vector<1xf32>
      %bc = kernelred.mul %b, %c : vector<1xf32>
      %im = kernelred.add %ad, %bc : vector<1xf32>
      %z = kernelred.interleave %re, %im : vector<1xf32>
      kernelred.yield %z : vector<2xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

def KredOnlineLogSumExpPass : Pass<"kred-online-logsumexp", "ModuleOp"> {
  let summary = "Turn log-sum-exp reductions into running-max accumulators";
  let description = [{
    Rewrites `logsumexp` (with or without weight) and `sumsoftmaxweight`
    reductions into `max_sumshiftexp_weight` reductions with an explicit
    `finalize` step, so that every backend sees one monoid: the running
    maximum `m` and the shifted sums `s_k = sum_j exp(F_j - m) * W_jk`,
    updated with one exponential per pair (lib/Conversion/Common/ReductionBuilder.h).

    The implicit weight is materialized in the region: `IntCst(1)` for an
    unweighted `logsumexp`, `Concat(IntCst(1), G)` for `sumsoftmaxweight`
    (its first sum is the normalizer).

    Before:

    ```mlir
    kernelred.reduce @k logsumexp over j
        vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
      %f = kernelred.mul %x, %y : vector<1xf32>
      kernelred.yield %f : vector<1xf32>
    }
    ```

    After:

    ```mlir
    kernelred.reduce @k max_sumshiftexp_weight over j
        vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
        attributes {finalize = #kernelred.finalize<logsumexp>} {
      %f = kernelred.mul %x, %y : vector<1xf32>
      %one = kernelred.intcst 1 : vector<1xf32>
      kernelred.yield %f, %one : vector<1xf32>, vector<1xf32>
    }
    ```

    The output per row is unchanged: `m + log(s_k)` for `logsumexp`,
    `s_k / s_0` (k >= 1) for `sumsoftmaxweight`.
  }];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

def KredTilePass : Pass<"kred-tile", "ModuleOp"> {
  let summary = "Choose the i/j tiles of every reduction for the target";
  let description = [{
    Sets `tile_i` (output rows per block: SIMD lanes times `row-vectors`
    vectors, fewer when the accumulator is large), `tile_j` (reduced
    indices per tile; `block_sum` flushes its partial sums at the end of
    each tile) and, when a variable or formula value has more than
    `chunk-threshold` components, `chunk` (components handled per step of
    the chunked dot-product loops) on every `kernelred.reduce` that does not
    have them yet. Attributes already present are kept.

    The lane count is `vector-bits` divided by the width of the compute
    type: f32 for f16, bf16 and f32 kernels, f64 for f64 kernels.

    Before:

    ```mlir
    kernelred.reduce @g sum over j vars(%x: i[0] vector<3xf32>, ...) {...}
    ```

    After (`vector-bits=512 row-vectors=2 tile-j=256`):

    ```mlir
    kernelred.reduce @g sum over j vars(%x: i[0] vector<3xf32>, ...)
        attributes {tile_i = 32 : i64, tile_j = 256 : i64} {...}
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().vectorBits",
           "Width in bits of the target's SIMD registers (128, 256 or 512)">,
    Option<"rowVectors", "row-vectors", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().rowVectors",
           "SIMD vectors of output rows per block (register tiling); "
           "reduced to 1 for large accumulators">,
    Option<"tileJ", "tile-j", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().tileJ",
           "Reduced indices per j-tile (block_sum flush period)">,
    Option<"chunkThreshold", "chunk-threshold", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().chunkThreshold",
           "Dimensions above which dot-product-like ops are chunked">,
    Option<"chunkSize", "chunk", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().chunkSize",
           "Components per chunk of a chunked dot-product loop">,
  ];
  let dependentDialects = ["::mlir::kernelred::KredDialect"];
}

#endif // KRED_TRANSFORMS_PASSES_TD
