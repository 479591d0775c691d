// RUN: kred-opt %s --kred-to-nvvm | FileCheck %s
// RUN: kred-opt %s --kred-to-nvvm="sm=90 fast-math=false emit-ptx=true" | FileCheck %s --check-prefix=PTX
// RUN: kred-opt %s --kred-to-nvvm="emit-ptx=true" | FileCheck %s --check-prefix=FAST

// A Gaussian LogSumExp: the NVVM module targets the chosen sm, the tiles are
// addrspace(3) globals, barriers are nvvm.barrier0, and no libdevice call
// (__nv_*) is left. The PTX has the two .entry functions of docs/gpu.md with
// u64 parameters only, exact square-root-free fma code, and with fast-math
// (the default) the hardware exp2 approximation instead of the polynomial
// (fast-math=false). The tiles are
// declared 16-byte aligned: LLVM vectorizes their reads (ld.shared.v2/v4)
// assuming so, and ptxas places a tile after the previous one.

// CHECK:       gpu.module @lse_gpu_module [#nvvm.target<O = 3, chip = "sm_80", flags = {fast}>]
// CHECK-SAME:    kred.block_threads = 128
// CHECK-NOT:   __nv_
// CHECK:       llvm.mlir.global internal @__wg_lse_gpu_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<128 x f32>
// CHECK-NOT:   __nv_
// CHECK:       llvm.func @lse_gpu(
// CHECK-SAME:    nvvm.kernel
// CHECK-SAME:    nvvm.maxntid = array<i32: 128, 1, 1>
// CHECK:         nvvm.read.ptx.sreg.ctaid.y
// CHECK:         nvvm.barrier0
// CHECK:         nvvm.barrier0
// CHECK:       llvm.func @lse_gpu_merge(
// CHECK-NOT:   __nv_

// PTX:       gpu.binary @lse_gpu_module
// PTX-SAME:  .target sm_90
// PTX-SAME:  .visible .entry lse_gpu(
// PTX-SAME:  .param .u64 {{(.ptr .align 1 )?}}lse_gpu_param_0,
// PTX-SAME:  .param .u64 lse_gpu_param_2,
// PTX-SAME:  .param .u64 lse_gpu_param_3,
// PTX-SAME:  .param .u64 lse_gpu_param_4,
// PTX-SAME:  .param .u64 {{(.ptr .align 1 )?}}lse_gpu_param_8
// PTX-SAME:  .shared .align 16 .b8 __wg_lse_gpu_0[512];
// PTX-SAME:  bar.sync
// PTX-NOT:   call
// PTX-SAME:  .visible .entry lse_gpu_merge(
// PTX-NOT:   ex2.approx

// FAST: ex2.approx.ftz.f32
kernelred.reduce @lse logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %s = kernelred.square %d : vector<1xf32>
  %n = kernelred.neg %s : vector<1xf32>
  kernelred.yield %n : vector<1xf32>
}
