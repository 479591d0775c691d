// RUN: kred-opt %s --split-input-file --kred-to-nvvm="emit-ptx=true" | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-to-nvvm="fast-math=false emit-ptx=true" | FileCheck %s --check-prefix=ACCURATE

// The GPU pipeline uses fast math by default (pykeops' use_fast_math): the
// PTX of each f32 formula op is the hardware approximation; with
// fast-math=false it is IEEE division and square root and polynomials.

// CHECK-LABEL: gpu.binary @div_gpu_module
// CHECK:       div.full.ftz.f32
// ACCURATE-LABEL: gpu.binary @div_gpu_module
// ACCURATE-NOT:   div.full
// ACCURATE:       div.rn.f32
kernelred.reduce @div sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %q = kernelred.div %x, %y : vector<1xf32>
  kernelred.yield %q : vector<1xf32>
}

// -----

// CHECK-LABEL: gpu.binary @sqrt_gpu_module
// CHECK:       sqrt.approx.ftz.f32
// ACCURATE-LABEL: gpu.binary @sqrt_gpu_module
// ACCURATE-NOT:   sqrt.approx
// ACCURATE:       sqrt.rn.f32
kernelred.reduce @sqrt sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %a = kernelred.abs %d : vector<1xf32>
  %s = kernelred.sqrt %a : vector<1xf32>
  kernelred.yield %s : vector<1xf32>
}

// -----

// CHECK-LABEL: gpu.binary @rsqrt_gpu_module
// CHECK:       rsqrt.approx.ftz.f32
// ACCURATE-LABEL: gpu.binary @rsqrt_gpu_module
// ACCURATE-NOT:   rsqrt.approx
// ACCURATE:       sqrt.rn.f32
kernelred.reduce @rsqrt sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %a = kernelred.abs %d : vector<1xf32>
  %s = kernelred.rsqrt %a : vector<1xf32>
  kernelred.yield %s : vector<1xf32>
}

// -----

// CHECK-LABEL: gpu.binary @sin_gpu_module
// CHECK:       sin.approx.ftz.f32
// CHECK-NOT:   .f64
// ACCURATE-LABEL: gpu.binary @sin_gpu_module
// ACCURATE-NOT:   sin.approx
// ACCURATE:       cvt.f64.f32
kernelred.reduce @sin sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %s = kernelred.sin %d : vector<1xf32>
  kernelred.yield %s : vector<1xf32>
}

// -----

// CHECK-LABEL: gpu.binary @cos_gpu_module
// CHECK:       cos.approx.ftz.f32
// CHECK-NOT:   .f64
// ACCURATE-LABEL: gpu.binary @cos_gpu_module
// ACCURATE-NOT:   cos.approx
// ACCURATE:       cvt.f64.f32
kernelred.reduce @cos sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %s = kernelred.cos %d : vector<1xf32>
  kernelred.yield %s : vector<1xf32>
}

// -----

// CHECK-LABEL: gpu.binary @explog_gpu_module
// CHECK:       ex2.approx
// CHECK:       lg2.approx.ftz.f32
// ACCURATE-LABEL: gpu.binary @explog_gpu_module
// ACCURATE-NOT:   ex2.approx
// ACCURATE-NOT:   lg2.approx
kernelred.reduce @explog sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %e = kernelred.exp %d : vector<1xf32>
  %a = kernelred.abs %d : vector<1xf32>
  %l = kernelred.log %a : vector<1xf32>
  %s = kernelred.add %e, %l : vector<1xf32>
  kernelred.yield %s : vector<1xf32>
}
