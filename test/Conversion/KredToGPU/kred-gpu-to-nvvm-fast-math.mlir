// RUN: kred-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(kred-gpu-to-nvvm))' | FileCheck %s
// RUN: kred-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(kred-gpu-to-nvvm{fast-math=true}))' | FileCheck %s
// RUN: kred-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(kred-gpu-to-nvvm{fast-math=false}))' | FileCheck %s --check-prefix=ACCURATE

// fast-math (the default): each f32 op that has a hardware approximation
// becomes one NVVM intrinsic; f64 stays exact. fast-math=false: IEEE
// division and square root, polynomial exp/log, f32 trig through f64.

// CHECK-LABEL: llvm.func @div
// CHECK:         llvm.call_intrinsic "llvm.nvvm.div.full.ftz"(%{{.*}}, %{{.*}}) : (f32, f32) -> f32
// CHECK:         llvm.fdiv %{{.*}}, %{{.*}} : f64
// ACCURATE-LABEL: llvm.func @div
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.fdiv %{{.*}}, %{{.*}} : f32
// ACCURATE:       llvm.fdiv %{{.*}}, %{{.*}} : f64
gpu.module @m {
  gpu.func @div(%x: f32, %y: f32, %a: f64, %b: f64, %p: !llvm.ptr) kernel {
    %r = arith.divf %x, %y : f32
    llvm.store %r, %p : f32, !llvm.ptr
    %s = arith.divf %a, %b : f64
    llvm.store %s, %p : f64, !llvm.ptr
    gpu.return
  }
}

// -----

// CHECK-LABEL: llvm.func @sqrt
// CHECK:         llvm.call_intrinsic "llvm.nvvm.sqrt.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// CHECK:         llvm.intr.sqrt(%{{.*}}) : (f64) -> f64
// ACCURATE-LABEL: llvm.func @sqrt
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.intr.sqrt(%{{.*}}) : (f32) -> f32
gpu.module @m {
  gpu.func @sqrt(%x: f32, %a: f64, %p: !llvm.ptr) kernel {
    %r = math.sqrt %x : f32
    llvm.store %r, %p : f32, !llvm.ptr
    %s = math.sqrt %a : f64
    llvm.store %s, %p : f64, !llvm.ptr
    gpu.return
  }
}

// -----

// 1 / sqrt(x) (kernelred's Rsqrt) and math.rsqrt: one rsqrt.approx, no
// division and no sqrt.approx.
// CHECK-LABEL: llvm.func @rsqrt
// CHECK-NOT:     llvm.nvvm.sqrt.approx
// CHECK-NOT:     llvm.nvvm.div
// CHECK:         llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// CHECK-NOT:     llvm.nvvm.sqrt.approx
// CHECK-NOT:     llvm.nvvm.div
// CHECK:         llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// ACCURATE-LABEL: llvm.func @rsqrt
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.intr.sqrt(%{{.*}}) : (f32) -> f32
// ACCURATE:       llvm.fdiv
gpu.module @m {
  gpu.func @rsqrt(%x: f32, %p: !llvm.ptr) kernel {
    %one = arith.constant 1.0 : f32
    %s = math.sqrt %x : f32
    %r = arith.divf %one, %s : f32
    llvm.store %r, %p : f32, !llvm.ptr
    %q = math.rsqrt %x : f32
    llvm.store %q, %p : f32, !llvm.ptr
    gpu.return
  }
}

// -----

// CHECK-LABEL: llvm.func @sin
// CHECK-NOT:     llvm.fpext
// CHECK:         llvm.call_intrinsic "llvm.nvvm.sin.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// CHECK-NOT:     llvm.fpext
// ACCURATE-LABEL: llvm.func @sin
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.fpext %{{.*}} : f32 to f64
gpu.module @m {
  gpu.func @sin(%x: f32, %p: !llvm.ptr) kernel {
    %r = math.sin %x : f32
    llvm.store %r, %p : f32, !llvm.ptr
    gpu.return
  }
}

// -----

// CHECK-LABEL: llvm.func @cos
// CHECK-NOT:     llvm.fpext
// CHECK:         llvm.call_intrinsic "llvm.nvvm.cos.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// CHECK-NOT:     llvm.fpext
// ACCURATE-LABEL: llvm.func @cos
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.fpext %{{.*}} : f32 to f64
gpu.module @m {
  gpu.func @cos(%x: f32, %p: !llvm.ptr) kernel {
    %r = math.cos %x : f32
    llvm.store %r, %p : f32, !llvm.ptr
    gpu.return
  }
}

// -----

// exp(x) = ex2.approx(x * log2(e)), log(x) = lg2.approx(x) * ln(2).
// CHECK-LABEL: llvm.func @exp_log
// CHECK:         %[[L2E:.*]] = llvm.mlir.constant(1.44269502 : f32) : f32
// CHECK:         %[[T:.*]] = llvm.fmul %{{.*}}, %[[L2E]] : f32
// CHECK:         llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"(%[[T]]) : (f32) -> f32
// CHECK:         llvm.call_intrinsic "llvm.nvvm.lg2.approx.ftz.f"(%{{.*}}) : (f32) -> f32
// ACCURATE-LABEL: llvm.func @exp_log
// ACCURATE-NOT:   llvm.nvvm
// ACCURATE:       llvm.intr.fma
gpu.module @m {
  gpu.func @exp_log(%x: f32, %p: !llvm.ptr) kernel {
    %e = math.exp %x : f32
    llvm.store %e, %p : f32, !llvm.ptr
    %l = math.log %x : f32
    llvm.store %l, %p : f32, !llvm.ptr
    gpu.return
  }
}
