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
    `ReductionDescription` (lib/Conversion/Common/ReductionBuilder.h). K-selections (K > 1)
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
    Option<"vectorBits", "vector-bits", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().vectorBits",
           "Width in bits of the SIMD registers (lanes = vector-bits / width "
           "of the compute type)">,
    Option<"defaultTileJ", "default-tile-j", "int64_t",
           /*default=*/"::mlir::kernelred::CPUTargetOptions().tileJ",
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
  let options = [
    Option<"avx512", "avx512", "bool", /*default=*/"false",
           "The target has AVX-512F: exp of 512-bit vectors (16 x f32, "
           "8 x f64) scales by 2^k with vscalefps/vscalefpd (about 15 "
           "instead of 19 uops in f32, 20 instead of 35 in f64)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def KredExpandBF16Pass : Pass<"kred-expand-bf16"> {
  let summary = "Expand f32 <-> bf16 conversions into integer code";
  let description = [{
    Rewrites `arith.extf` from bf16 to f32 and `arith.truncf` from f32 to
    bf16 (scalars and vectors) into shifts, adds and selects on i16/i32
    (MLIR's `populateExpandBFloat16Patterns`: round to nearest even, NaN
    stays a quiet NaN). x86 has no f32 -> bf16 instruction below AVX512-BF16,
    so LLVM would otherwise call the compiler-rt builtin `__truncsfbf2`,
    which neither libgcc (before GCC 13) nor the in-process JIT provides. The
    expansion makes bf16 kernels load and run on every x86-64 host, with the
    same rounding on all of them. The CPU pipeline runs it after
    `kred-approximate-math`.

    Before:

    ```mlir
    %h = arith.truncf %x : vector<8xf32> to vector<8xbf16>
    ```

    After (abridged):

    ```mlir
    %i = arith.bitcast %x : vector<8xf32> to vector<8xi32>
    ... // + 0x7fff + lsb, >> 16, NaN -> 0x7fc0
    %h = arith.bitcast %t : vector<8xi16> to vector<8xbf16>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def ConvertKredToGPUPass : Pass<"convert-kred-to-gpu", "ModuleOp"> {
  let summary = "Lower kernelred.reduce to GPU kernels (gpu.module)";
  let description = [{
    Replaces every `kernelred.reduce @NAME` by a `gpu.module @NAME_gpu_module`
    holding the three kernels of the GPU kernel ABI (docs/gpu.md):

    * `@NAME_gpu(arg_0, ..., arg_{P-1}, M, N, chunk, out, out_idx,
      state_values, state_indices)`: one thread per output row
      (`rows-per-thread` rows per thread, `block-threads` threads per block);
      the reduced range of the block (`blockIdx.y` selects a chunk of
      `chunk` indices) runs in tiles of `tile-j` indices whose reduced-index
      variables the block stages in shared memory cooperatively, between
      two `gpu.barrier`s; accumulators (K-selections included) live in
      registers (loop-carried values). Threads past the last row load and
      wait like the others and write nothing. With `state_values == 0`
      the thread finalizes and writes its rows, otherwise it writes the
      unfinalized accumulators of chunk `blockIdx.y`.
    * `@NAME_gpu_merge(state_values, state_indices, rows, nchunks, out,
      out_idx)`: one thread per row folds the chunks in order and
      finalizes.
    * `@NAME_gpu_ranges(arg_0, ..., arg_{P-1}, M, N, lookup, red_ranges,
      out, out_idx)`: block-sparse reductions (KeOps' `ranges=`): the body
      of `@NAME_gpu` for the rows `[r0, r1)` of the runtime's lookup entry
      `(first, last, r0, r1)` of the block, reduced over the intervals
      `red_ranges[first .. last)` in order, each tile by tile; always
      finalizes.

    Kernel parameters are `!llvm.ptr` and `i64` only, so that after
    lowering they are plain `.param .u64` pointers and integers (no memref
    descriptors). Init, accumulate, end-of-block, merge and finalize come
    from `ReductionDescription` (lib/Conversion/Common/ReductionBuilder.h), and the formula
    from the CPU lowering's `FormulaEvaluator` with scalar components.
    Formulas are computed in f32 for f16/bf16 kernels; accumulators use the
    accumulation type. The module gets `kred.block_threads`,
    `kred.rows_per_thread`, `kred.tile_j` and `kred.shared_bytes`
    attributes (the launch geometry of docs/gpu.md).

    Before:

    ```mlir
    kernelred.reduce @gauss sum over j
        vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
      %d = kernelred.sqdist %x, %y : vector<3xf32>
      kernelred.yield %d : vector<1xf32>
    }
    ```

    After (abridged):

    ```mlir
    gpu.module @gauss_gpu_module attributes {kred.block_threads = 128 ...} {
      gpu.func @gauss_gpu(%a0: !llvm.ptr, %a1: !llvm.ptr, %M: i64, %N: i64,
          %chunk: i64, %out: !llvm.ptr, %out_idx: !llvm.ptr,
          %sv: !llvm.ptr, %si: !llvm.ptr)
          workgroup(%tile: memref<384xf32, #gpu.address_space<workgroup>>)
          kernel {
        ... scf.for %t = %k0 to %k1 step %c128 iter_args(...) {
          ... memref.store ..., %tile[...]     // cooperative load
          gpu.barrier
          ... scf.for %jj ... { memref.load %tile[...] ... }
          gpu.barrier
        }
      }
      gpu.func @gauss_gpu_merge(...) kernel { ... }
      gpu.func @gauss_gpu_ranges(...) kernel { ... }
    }
    ```
  }];
  let options = [
    Option<"blockThreads", "block-threads", "int64_t",
           /*default=*/"::mlir::kernelred::GPUTargetOptions().blockThreads",
           "Threads per block (blockDim.x)">,
    Option<"rowsPerThread", "rows-per-thread", "int64_t",
           /*default=*/"::mlir::kernelred::GPUTargetOptions().rowsPerThread",
           "Output rows per thread (register tiling)">,
    Option<"tileJ", "tile-j", "int64_t",
           /*default=*/"::mlir::kernelred::GPUTargetOptions().tileJ",
           "Reduced indices per shared-memory tile (0: block-threads, "
           "shrunk so that a tile fits in 32 KiB)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def KredGPUToHostPass : Pass<"kred-gpu-to-host", "ModuleOp"> {
  let summary = "Lower kernelred gpu.modules for the host GPU emulator";
  let description = [{
    The emulation target of the GPU lowering: replaces every gpu.module that
    `convert-kred-to-gpu` produced by host functions that the GPU emulator
    (lib/Runtime/kred_gpu_emu.h, docs/gpu.md) runs, one call per GPU thread,
    so that the kernels tested on the host are the very kernels that become
    PTX (same gpu.module, same launch geometry, same shared-memory layout,
    same merge kernel). Each `gpu.func @NAME ... kernel` becomes

    ```mlir
    func.func @NAME(%params: !llvm.ptr, %thread: !llvm.ptr)
    ```

    where `%params` is cuLaunchKernel's kernelParams (params[i] points at
    parameter i) and `%thread` a `kred_emu_thread`: `gpu.thread_id`,
    `block_id`, `block_dim` and `grid_dim` read its fields; `gpu.barrier`
    calls its `barrier` function (which returns when the whole block has
    arrived); workgroup attributions are consecutive in its `shared` buffer
    (each at a multiple of 16 bytes, or of its `llvm.align`), and their
    `memref.load`/`memref.store` become LLVM loads and stores there,
    preceded (option `race-check`) by a call of its `shared_access` hook
    when that is set. The function carries `kred.static_shared_bytes`,
    `kred.num_params` and the gpu.module's `kred.*` attributes. Any other
    GPU op is an error: the emulator must not silently run something it
    does not model.

    Before (abridged):

    ```mlir
    gpu.module @g_gpu_module {
      gpu.func @g_gpu(%x: !llvm.ptr, %M: i64, ...)
          workgroup(%tile: memref<384xf32, #gpu.address_space<workgroup>>)
          kernel {
        %t = gpu.thread_id x
        memref.store %v, %tile[%i] : memref<384xf32, #gpu.address_space<workgroup>>
        gpu.barrier
        gpu.return
      }
    }
    ```

    After (abridged):

    ```mlir
    func.func @g_gpu(%params: !llvm.ptr, %thread: !llvm.ptr)
        attributes {kred.static_shared_bytes = 1536 : i64, ...} {
      %t = ... llvm.load (thread + 0) : i64
      llvm.store %v, (shared + 4 * i)
      llvm.call %barrier(%thread)
      return
    }
    ```
  }];
  let options = [
    Option<"raceCheck", "race-check", "bool",
           /*default=*/"::mlir::kernelred::GPUTargetOptions().raceCheck",
           "Call the thread's shared_access hook (when set) before each "
           "workgroup-memory access">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::scf::SCFDialect"
  ];
}

def KredGPUToNVVMPass : Pass<"kred-gpu-to-nvvm", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lower a kernelred gpu.module to NVVM without libdevice";
  let description = [{
    Like upstream `convert-gpu-to-nvvm`, but without libdevice: elementary
    functions are first expanded into polynomials (the patterns of
    kred-approximate-math), the remaining math ops (sqrt, fma, fabs, floor,
    ...) become LLVM intrinsics that the NVPTX backend selects natively
    (`sqrt.rn`, `fma.rn`), so the PTX has no `__nv_*` calls and needs no
    CUDA toolkit to build. With `fast-math` (the default, as pykeops'
    `use_fast_math`), f32 ops use the hardware approximations instead:
    `exp` -> `ex2.approx.f32`, `log` -> `lg2.approx.f32`, `arith.divf` ->
    `div.full.f32`, `sqrt` -> `sqrt.approx.f32`, `rsqrt` and `1 / sqrt(x)`
    -> `rsqrt.approx.f32`, `sin` / `cos` -> `sin.approx.f32` /
    `cos.approx.f32` (in f32, where the accurate path computes f32 trig in
    f64); docs/gpu.md gives their accuracy. `fast-math=false` keeps the
    accurate path. Expects scf already lowered to cf.

    Before:

    ```mlir
    gpu.module @m { gpu.func @k(...) kernel { %t = gpu.thread_id x ... } }
    ```

    After:

    ```mlir
    gpu.module @m { llvm.func @k(...) attributes {nvvm.kernel} {
      %t = nvvm.read.ptx.sreg.tid.x : i32 ... } }
    ```
  }];
  let options = [
    Option<"fastMath", "fast-math", "bool",
           /*default=*/"::mlir::kernelred::GPUTargetOptions().fastMath",
           "f32 exp, log, division, sqrt, rsqrt, sin and cos through the "
           "hardware approximations (false: polynomials, IEEE division and "
           "square root)">,
  ];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect"
  ];
}

#endif // KRED_CONVERSION_PASSES_TD
