// Very large dimensions: kred-tile sets `chunk` and the dot-product-like
// ops become loops over chunks of components (here D = 200 and 301, chunks
// of 32 with an unrolled remainder), compared with float64.
//
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %cc -O2 -march=native -w %t.ll %S/Inputs/chunks.c -I%runtime_include -I%S/Inputs -lm -o %t.exe
// RUN: %t.exe | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: ALL PASSED

kernelred.reduce @scalprod_200 sum over j
    vars(%x: i[0] vector<200xf32>, %y: j[1] vector<200xf32>) {
  %f = kernelred.scalprod %x, %y : vector<200xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @gauss_lse_301 logsumexp over j
    vars(%x: i[0] vector<301xf64>, %y: j[1] vector<301xf64>) {
  %d = kernelred.sqdist %x, %y : vector<301xf64>
  %n = kernelred.neg %d : vector<1xf64>
  kernelred.yield %n : vector<1xf64>
}

kernelred.reduce @weighted_knn_200 argkmin<5> over j
    vars(%x: i[0] vector<200xf32>, %y: j[1] vector<200xf32>, %w: p[2] vector<200xf32>) {
  %f = kernelred.weightedsqdist %w, %x, %y : vector<200xf32>, vector<200xf32>, vector<200xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @norms_200 sum over j
    vars(%x: i[0] vector<200xf32>, %y: j[1] vector<200xf32>, %s: p[2] vector<1xf32>) {
  %m = kernelred.mul %x, %y : vector<200xf32>
  %a = kernelred.abs %m : vector<200xf32>
  %t = kernelred.sum %a : vector<200xf32>
  %ny = kernelred.norm2 %y : vector<200xf32>
  %nx = kernelred.sqnorm2 %x : vector<200xf32>
  %sx = kernelred.mul %x, %s : vector<200xf32>, vector<1xf32>
  %w = kernelred.weightedsqnorm %s, %sx : vector<1xf32>, vector<200xf32>
  %c1 = kernelred.concat %t, %ny : vector<1xf32>, vector<1xf32>
  %c2 = kernelred.concat %c1, %nx : vector<2xf32>, vector<1xf32>
  %f = kernelred.concat %c2, %w : vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<4xf32>
}
