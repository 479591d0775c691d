// RUN: kred-eval --check-gradients --order 2 --range=0.5,2 %s | FileCheck %s
// RUN: kred-eval --check-gradients --order 2 --range=0.5,2 --seed 11 %s | FileCheck %s

// Finite-difference checks (see kred-autodiff-fd.mlir) of the rules of the
// ops defined on positive numbers, at random points of [0.5, 2).

// CHECK-NOT: FAIL
// CHECK: gradient check: 1 kernel(s), {{[0-9]+}} comparisons, max error {{.*}}: passed

kernelred.reduce @positive sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %p: p[2] vector<1xf32>) {
  %i = kernelred.inv %x : vector<3xf32>
  %s = kernelred.sqrt %y : vector<3xf32>
  %r = kernelred.rsqrt %x : vector<3xf32>
  %l = kernelred.log %y : vector<3xf32>
  %xl = kernelred.xlogx %x : vector<3xf32>
  %pw = kernelred.powf %x, %y : vector<3xf32>
  %pp = kernelred.powf %p, %x : vector<1xf32>, vector<3xf32>
  %c = kernelred.ratcst 5, 4 : vector<1xf32>
  %sh = kernelred.sub %x, %c : vector<3xf32>, vector<1xf32>
  %as = kernelred.asin %sh : vector<3xf32>
  %ac = kernelred.acos %sh : vector<3xf32>
  %at = kernelred.atan2 %sh, %y : vector<3xf32>
  %a1 = kernelred.atan2 %p, %sh : vector<1xf32>, vector<3xf32>
  %t1 = kernelred.mul %i, %s : vector<3xf32>
  %t2 = kernelred.add %r, %l : vector<3xf32>
  %t3 = kernelred.mul %xl, %pw : vector<3xf32>
  %t4 = kernelred.mul %as, %ac : vector<3xf32>
  %t5 = kernelred.add %at, %pp : vector<3xf32>
  %t6 = kernelred.mul %a1, %t5 : vector<3xf32>
  %u1 = kernelred.mul %t1, %t2 : vector<3xf32>
  %u2 = kernelred.add %t3, %t4 : vector<3xf32>
  %u3 = kernelred.add %u1, %u2 : vector<3xf32>
  %f = kernelred.add %u3, %t6 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}
