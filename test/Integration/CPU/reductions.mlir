// Every reduction kind through the kernel ABI (full range, rows split at an
// odd row, reduced range split with merge + finalize), compared with a
// float64 reference: f32, f64 and f16; axis 0 and 1; dims 1, 3, 17, 64;
// K in {1, 5, 10, 64}; sizes 1, primes and non-multiples of the tiles.
//
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %cc -O2 -march=native -w %t.ll %S/Inputs/reductions.c -I%runtime_include -I%S/Inputs -lm -o %t.exe
// RUN: %t.exe | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: ALL PASSED

kernelred.reduce @sum_xy_1_f32 sum over j
    vars(%a0: i[0] vector<1xf32>, %a1: j[1] vector<1xf32>) {
  %f = kernelred.mul %a0, %a1 : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_xy_3_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.mul %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @sum_xy_17_f32 sum over j
    vars(%a0: i[0] vector<17xf32>, %a1: j[1] vector<17xf32>) {
  %f = kernelred.mul %a0, %a1 : vector<17xf32>
  kernelred.yield %f : vector<17xf32>
}

kernelred.reduce @sum_xy_64_f32 sum over j
    vars(%a0: i[0] vector<64xf32>, %a1: j[1] vector<64xf32>) {
  %f = kernelred.mul %a0, %a1 : vector<64xf32>
  kernelred.yield %f : vector<64xf32>
}

kernelred.reduce @sum_xy_3_f32_axis0 sum over i
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.mul %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @sum_kahan_xyp_3_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<1xf32>) attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %f = kernelred.add %m, %a2 : vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @sum_direct_xyp_3_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<1xf32>) attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %f = kernelred.add %m, %a2 : vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @sum_gauss_3_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %a2 : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_gauss_3_f32_axis0 sum over i
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %a2 : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_gauss_3_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>, %a2: j[2] vector<1xf64>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf64>
  %n = kernelred.neg %d : vector<1xf64>
  %e = kernelred.exp %n : vector<1xf64>
  %f = kernelred.mul %e, %a2 : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_gauss_3_f16 sum over j
    vars(%a0: i[0] vector<3xf16>, %a1: j[1] vector<3xf16>, %a2: j[2] vector<1xf16>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf16>
  %n = kernelred.neg %d : vector<1xf16>
  %e = kernelred.exp %n : vector<1xf16>
  %f = kernelred.mul %e, %a2 : vector<1xf16>
  kernelred.yield %f : vector<1xf16>
}

kernelred.reduce @sum_xy_17_f64 sum over j
    vars(%a0: i[0] vector<17xf64>, %a1: j[1] vector<17xf64>) {
  %f = kernelred.mul %a0, %a1 : vector<17xf64>
  kernelred.yield %f : vector<17xf64>
}

kernelred.reduce @sum_gauss_3_f32_acc_f64 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<1xf32>) attributes {acc_type = f64} {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %a2 : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @logsumexp_negsqd_3_f32 logsumexp over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %f = kernelred.neg %d : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @logsumexp_negsqd_17_f64 logsumexp over j
    vars(%a0: i[0] vector<17xf64>, %a1: j[1] vector<17xf64>) {
  %d = kernelred.sqdist %a0, %a1 : vector<17xf64>
  %f = kernelred.neg %d : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @logsumexp_negsqd_3_f32_axis0 logsumexp over i
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %f = kernelred.neg %d : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @logsumexp_lsew_3_f32 logsumexp over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<3xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %f = kernelred.neg %d : vector<1xf32>
  %g = kernelred.exp %a2 : vector<3xf32>
  kernelred.yield %f, %g : vector<1xf32>, vector<3xf32>
}

kernelred.reduce @logsumexp_negsqd_1_f16 logsumexp over j
    vars(%a0: i[0] vector<1xf16>, %a1: j[1] vector<1xf16>) {
  %d = kernelred.sqdist %a0, %a1 : vector<1xf16>
  %f = kernelred.neg %d : vector<1xf16>
  kernelred.yield %f : vector<1xf16>
}

kernelred.reduce @sumsoftmaxweight_softmax_3_f32 sumsoftmaxweight over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<4xf32>) {
  %f = kernelred.scalprod %a0, %a1 : vector<3xf32>
  kernelred.yield %f, %a2 : vector<1xf32>, vector<4xf32>
}

kernelred.reduce @sumsoftmaxweight_softmax_17_f64_axis0 sumsoftmaxweight over i
    vars(%a0: i[0] vector<17xf64>, %a1: j[1] vector<17xf64>, %a2: j[2] vector<2xf64>) {
  %f = kernelred.scalprod %a0, %a1 : vector<17xf64>
  kernelred.yield %f, %a2 : vector<1xf64>, vector<2xf64>
}

kernelred.reduce @max_sumshiftexp_negsqd_1_f32 max_sumshiftexp over j
    vars(%a0: i[0] vector<1xf32>, %a1: j[1] vector<1xf32>) {
  %d = kernelred.sqdist %a0, %a1 : vector<1xf32>
  %f = kernelred.neg %d : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @min_diff_3_f32 min over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @max_diff_3_f32 max over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @argmin_diff_3_f32 argmin over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @argmax_diff_3_f32 argmax over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @min_argmin_diff_3_f32 min_argmin over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @max_argmax_diff_3_f32 max_argmax over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @min_argmin_sqd_17_f64_axis0 min_argmin over i
    vars(%a0: i[0] vector<17xf64>, %a1: j[1] vector<17xf64>) {
  %f = kernelred.sqdist %a0, %a1 : vector<17xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @max_argmax_diff_1_f16 max_argmax over j
    vars(%a0: i[0] vector<1xf16>, %a1: j[1] vector<1xf16>) {
  %f = kernelred.sub %a0, %a1 : vector<1xf16>
  kernelred.yield %f : vector<1xf16>
}

kernelred.reduce @argmin_sqd_64_f32 argmin over j
    vars(%a0: i[0] vector<64xf32>, %a1: j[1] vector<64xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<64xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin1_sqd_3_f32 kmin<1> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @argkmin1_sqd_3_f32 argkmin<1> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin1_sqd_3_f32 kmin_argkmin<1> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin5_sqd_3_f32 kmin<5> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @argkmin5_sqd_3_f32 argkmin<5> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin5_sqd_3_f32 kmin_argkmin<5> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin10_sqd_3_f32 kmin<10> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @argkmin10_sqd_3_f32 argkmin<10> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin10_sqd_3_f32 kmin_argkmin<10> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @argkmin64_sqd_3_f32 argkmin<64> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin64_sqd_3_f64 kmin_argkmin<64> over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @kmin_argkmin5_diff_3_f32 kmin_argkmin<5> over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %f = kernelred.sub %a0, %a1 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @argkmin10_sqd_3_f64_axis0 argkmin<10> over i
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @kmin_argkmin10_sqd_64_f32 kmin_argkmin<10> over j
    vars(%a0: i[0] vector<64xf32>, %a1: j[1] vector<64xf32>) {
  %f = kernelred.sqdist %a0, %a1 : vector<64xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin5_sqd_3_f16 kmin_argkmin<5> over j
    vars(%a0: i[0] vector<3xf16>, %a1: j[1] vector<3xf16>) {
  %f = kernelred.sqdist %a0, %a1 : vector<3xf16>
  kernelred.yield %f : vector<1xf16>
}
