// The kernel of the CPU speed measurement (Inputs/bench_gauss.c): the
// Gaussian kernel sum exp(-|x_i - y_j|^2) b_j, D = 3. This test only checks
// that the driver builds and agrees with float64 on a small size; the
// measurement itself (M = N = 10^4, 1 and 2 threads) is run by hand:
//   %t.exe 10000 10000 15 <vector ops per 16 pairs>
//
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %cc -O3 -march=native -w %t.ll %S/Inputs/bench_gauss.c %microbench -lpthread -lm -o %t.exe
// RUN: %t.exe 300 200 3 | FileCheck %s
// CHECK: max relative error vs float64: {{[0-9.]+e-0[6-9]}}
// CHECK: threads=1 M=300 N=200
// CHECK: threads=2 M=300 N=200

kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %b: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
