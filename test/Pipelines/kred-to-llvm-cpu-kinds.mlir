// RUN: kred-opt %s --kred-to-llvm-cpu | FileCheck %s
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir | %llc -O2 -mtriple=x86_64-unknown-linux-gnu -mcpu=sapphirerapids | FileCheck %s --check-prefix=ASM

// The monoid families through the pipeline: log-sum-exp in f64 (our
// exp/log expansions), a K-selection, trigonometric functions and powf.
// Nothing calls libm.

// CHECK-LABEL: llvm.func @lse_f64_run(
// CHECK:         vector<8xf64>
// CHECK-LABEL: llvm.func @knn_run(
// CHECK-LABEL: llvm.func @trig_run(
// CHECK-NOT:   llvm.call
// ASM-NOT:     {{call|jmp}}{{.*}}{{exp|log|sin|cos|atan|asin|acos|pow|fma}}
kernelred.reduce @lse_f64 logsumexp over j
    vars(%x: i[0] vector<3xf64>, %y: j[1] vector<3xf64>) {
  %d = kernelred.sqdist %x, %y : vector<3xf64>
  %n = kernelred.neg %d : vector<1xf64>
  kernelred.yield %n : vector<1xf64>
}

kernelred.reduce @knn argkmin<10> over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  kernelred.yield %d : vector<1xf32>
}

kernelred.reduce @trig sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %m = kernelred.mul %x, %y : vector<2xf32>
  %s = kernelred.sin %m : vector<2xf32>
  %c = kernelred.cos %m : vector<2xf32>
  %a = kernelred.atan2 %s, %c : vector<2xf32>
  %b = kernelred.asin %s : vector<2xf32>
  %e = kernelred.acos %c : vector<2xf32>
  %p = kernelred.powf %y, %x : vector<2xf32>
  %t1 = kernelred.add %a, %b : vector<2xf32>
  %t2 = kernelred.add %e, %p : vector<2xf32>
  %f = kernelred.add %t1, %t2 : vector<2xf32>
  kernelred.yield %f : vector<2xf32>
}
