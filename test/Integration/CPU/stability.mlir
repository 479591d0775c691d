// Log-sum-exp and softmax on values of +-1e30, -inf entries, all-equal rows
// and empty reductions; ties in min/argmin and K-selections (the lowest
// index wins, as in KeOps); sums with infinite and NaN terms under every
// summation scheme (+-inf and NaN propagate as in plain summation).
//
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %cc -O2 -march=native -w %t.ll %S/Inputs/stability.c -I%runtime_include -I%S/Inputs -lm -o %t.exe
// RUN: %t.exe | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: ALL PASSED

kernelred.reduce @lse_f32 logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @lse_f64 logsumexp over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>) {
  %f = kernelred.add %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @lse_weight_f32 logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>, %w: j[2] vector<2xf32>) {
  %f = kernelred.add %x, %y : vector<1xf32>
  %g = kernelred.exp %w : vector<2xf32>
  kernelred.yield %f, %g : vector<1xf32>, vector<2xf32>
}

kernelred.reduce @softmax_f32 sumsoftmaxweight over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>, %w: j[2] vector<2xf32>) {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f, %w : vector<1xf32>, vector<2xf32>
}

kernelred.reduce @lse_axis0_f32 logsumexp over i
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @min_argmin_ties_f32 min_argmin over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sub %x, %y : vector<2xf32>
  %f = kernelred.abs %d : vector<2xf32>
  kernelred.yield %f : vector<2xf32>
}

kernelred.reduce @max_argmax_ties_f32 max_argmax over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sub %x, %y : vector<2xf32>
  %f = kernelred.abs %d : vector<2xf32>
  kernelred.yield %f : vector<2xf32>
}

kernelred.reduce @argkmin5_ties_f32 argkmin<5> over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sub %x, %y : vector<2xf32>
  %f = kernelred.abs %d : vector<2xf32>
  kernelred.yield %f : vector<2xf32>
}

kernelred.reduce @kmin_argkmin10_ties_f32 kmin_argkmin<10> over i
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %d = kernelred.sub %x, %y : vector<1xf32>
  %f = kernelred.abs %d : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @kmin_argkmin64_ties_f64 kmin_argkmin<64> over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>) {
  %d = kernelred.sub %x, %y : vector<1xf64>
  %f = kernelred.abs %d : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_div_block_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
  %f = kernelred.div %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_add_block_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_div_block_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
  %f = kernelred.div %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_add_block_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
  %f = kernelred.add %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_div_kahan_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.div %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_add_kahan_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_div_kahan_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.div %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_add_kahan_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.add %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_div_direct_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %f = kernelred.div %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_add_direct_f32 sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @sum_div_direct_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %f = kernelred.div %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @sum_add_direct_f64 sum over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %f = kernelred.add %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @lse_rawweight_f32 logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>, %w: j[2] vector<2xf32>) {
  %f = kernelred.add %x, %y : vector<1xf32>
  kernelred.yield %f, %w : vector<1xf32>, vector<2xf32>
}

kernelred.reduce @lse_rawweight_f64 logsumexp over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>, %w: j[2] vector<2xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.add %x, %y : vector<1xf64>
  kernelred.yield %f, %w : vector<1xf64>, vector<2xf64>
}
