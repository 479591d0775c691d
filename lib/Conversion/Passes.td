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
    ABI (lib/Runtime/kred_runtime.h): `@NAME_run`, `@NAME_merge` and
    `@NAME_finalize`, public `func.func`s taking `!llvm.ptr` and `i64`
    arguments only, so that they keep exactly the C signatures after
    lowering to LLVM.

    `@NAME_run` loops over blocks of `tile_i` output rows; each SIMD lane
    owns one row and its accumulator (a block holds `tile_i / lanes`
    vectors). The formula is computed in stages: constants and parameters
    once per call, values of the output-row variables once per block, values
    of the reduced-index variables once per index (scalars, broadcast where
    they meet per-lane values), the rest per pair. The reduced index runs in
    tiles of `tile_j` when the summation scheme flushes per block
    (block_sum). Init, accumulate, end-of-block, merge and finalize come from
    `ReductionDescription` (dialect/ReductionKinds.h). K-selections (K > 1)
    keep their sorted lists in memory and only insert when some lane beats
    its current K-th entry. Tail rows are clamped on load and not stored.

    Formulas are computed in f32 for f16/bf16 kernels and in the element
    type otherwise; accumulators use the accumulation type; outputs are
    stored in the element type, indices as i64.

    Before:

    ```mlir
    kernelred.reduce @gauss sum over j
        vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>,
             %b: j[2] vector<1xf32>) attributes {tile_i = 16 : i64} {
      %d = kernelred.sqdist %x, %y : vector<3xf32>
      %n = kernelred.neg %d : vector<1xf32>
      %e = kernelred.exp %n : vector<1xf32>
      %f = kernelred.mul %e, %b : vector<1xf32>
      kernelred.yield %f : vector<1xf32>
    }
    ```

    After (abridged):

    ```mlir
    func.func @gauss_run(%args: !llvm.ptr, %M: i64, %N: i64, %r0: i64,
        %r1: i64, %k0: i64, %k1: i64, %out: !llvm.ptr, %out_idx: !llvm.ptr,
        %state_values: !llvm.ptr, %state_indices: !llvm.ptr) {
      scf.for %row = %r0 to %r1 step %c16 : i64 {
        ... // x of 16 rows -> vector<16xf32> per component
        %s = scf.for %tile = %k0 to %k1 step %c256 iter_args(...) -> (...) {
          %t = scf.for %j = %tile to %end step %c1 iter_args(...) {
            %yj = llvm.load ... : !llvm.ptr -> f32
            ... math.exp %arg : vector<16xf32> ...
          }
          ... // end of block: fold the partial sum (Kahan)
        }
        scf.if %finalize { ... } else { ... }
      }
      return
    }
    func.func @gauss_merge(%a: !llvm.ptr, %ai: !llvm.ptr, %b: !llvm.ptr,
        %bi: !llvm.ptr, %rows: i64) { ... }
    func.func @gauss_finalize(%v: !llvm.ptr, %i: !llvm.ptr, %rows: i64,
        %r0: i64, %out: !llvm.ptr, %out_idx: !llvm.ptr) { ... }
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width in bits of the SIMD registers (lanes = vector-bits / width "
           "of the compute type)">,
    Option<"defaultTileJ", "default-tile-j", "int64_t", /*default=*/"256",
           "Reduced indices per j-tile when the reduction has no tile_j">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def KredApproximateMathPass : Pass<"kred-approximate-math"> {
  let summary = "Expand elementary functions into polynomial vector code";
  let description = [{
    Rewrites `math.exp`, `math.log`, `math.sin`, `math.cos`, `math.atan`,
    `math.atan2`, `math.asin` and `math.acos` (scalars and vectors) into
    arith/math.fma/bit-manipulation code that LLVM vectorizes, so that no
    call to libm is left in the kernels: MLIR's polynomial approximations
    for exp and log in f32 (f16/bf16 through f32); kernelred's own range
    reductions and polynomials (Cody-Waite, Taylor series to 1-2 ulp) for
    f64 and for the trigonometric functions of narrower types, computed in
    f64 (MLIR's f32 sin/cos have an absolute error: sin(1e-8) is off by
    6e7 ulp).

    Before:

    ```mlir
    %e = math.exp %x : vector<8xf64>
    ```

    After (abridged):

    ```mlir
    %k = math.floor ... : vector<8xf64>
    %r = math.fma %k, %minus_ln2_hi, %x : vector<8xf64>
    ... // Horner steps, 2^k through the exponent bits
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // KRED_CONVERSION_PASSES_TD
