// RUN: kred-eval --check-gradients --order 2 %s | FileCheck %s
// RUN: kred-eval --check-gradients --order 2 --seed 5 %s | FileCheck %s

// Finite-difference checks (see kred-autodiff-fd.mlir) of the composite
// ops (BSpline, SoftDTW_SqDist, complex ops through their real expansion),
// of the Laplacian of scalar formulas, and of derivatives of formulas that
// hold derivatives.

// CHECK-NOT: FAIL
// CHECK: gradient check: 6 kernel(s), {{[0-9]+}} comparisons, max error {{.*}}: passed

// BSpline w.r.t. the knots and x (KeOps cannot); the knots are the
// cumulative sums of exp(k) - 2, so that they increase.
kernelred.reduce @bspline sum over j
    vars(%k: i[0] vector<6xf32>, %x: j[1] vector<1xf32>) {
  %l = kernelred.constant dense<[1.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                                 1.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                                 1.0, 1.0, 1.0, 0.0, 0.0, 0.0,
                                 1.0, 1.0, 1.0, 1.0, 0.0, 0.0,
                                 1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
                                 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : vector<36xf32>
  %e = kernelred.exp %k : vector<6xf32>
  %c = kernelred.matvecmult %l, %e : vector<36xf32>, vector<6xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %t = kernelred.sub %c, %two : vector<6xf32>, vector<1xf32>
  %b3 = kernelred.bspline %t, %x order 3 : vector<6xf32>, vector<1xf32>
  %b1 = kernelred.bspline %t, %x order 1 : vector<6xf32>, vector<1xf32>
  %f = kernelred.concat %b3, %b1 : vector<5xf32>
  kernelred.yield %f : vector<10xf32>
}

// SoftDTW_SqDist w.r.t. x, y and gamma (KeOps: x and y, first order only).
kernelred.reduce @softdtw sum over j
    vars(%x: i[0] vector<4xf32>, %y: j[1] vector<3xf32>, %g: p[2] vector<1xf32>) {
  %sq = kernelred.square %g : vector<1xf32>
  %h = kernelred.ratcst 1, 2 : vector<1xf32>
  %gamma = kernelred.add %sq, %h : vector<1xf32>
  %d = kernelred.softdtw_sqdist %x, %y, %gamma : vector<4xf32>, vector<3xf32>, vector<1xf32>
  %d1 = kernelred.softdtw_sqdist %y, %g, %gamma : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %f = kernelred.concat %d, %d1 : vector<1xf32>
  kernelred.yield %f : vector<2xf32>
}
// Complex ops (interleaved re/im pairs), differentiated through their real
// expansion.
kernelred.reduce @complex sum over j
    vars(%z: i[0] vector<4xf32>, %w: j[1] vector<4xf32>, %s: p[2] vector<1xf32>, %c: p[3] vector<2xf32>) {
  %m = kernelred.complexmult %z, %w : vector<4xf32>
  %one = kernelred.intcst 2 : vector<1xf32>
  %ws = kernelred.complexrealscal %one, %w : vector<1xf32>, vector<4xf32>
  %sh = kernelred.complexadd %ws, %c : vector<4xf32>, vector<2xf32>
  %q = kernelred.complexdivide %m, %sh : vector<4xf32>
  %e = kernelred.complexexp %q : vector<4xf32>
  %cj = kernelred.conj %e : vector<4xf32>
  %sc = kernelred.complexrealscal %s, %cj : vector<1xf32>, vector<4xf32>
  %d = kernelred.complexsubtract %sc, %z : vector<4xf32>
  %ab = kernelred.complexabs %d : vector<4xf32>
  %sa = kernelred.complexsquareabs %q : vector<4xf32>
  %an = kernelred.complexangle %e : vector<4xf32>
  %re = kernelred.complexreal %d : vector<4xf32>
  %im = kernelred.compleximag %q : vector<4xf32>
  %r2 = kernelred.real2complex %ab : vector<2xf32>
  %i2 = kernelred.imag2complex %sa : vector<2xf32>
  %e1 = kernelred.complexexp1j %an : vector<2xf32>
  %t1 = kernelred.complexadd %r2, %i2 : vector<4xf32>
  %t2 = kernelred.complexmult %t1, %e1 : vector<4xf32>
  %cs = kernelred.complexsum %t2 : vector<4xf32>
  %ct = kernelred.complexsumt %cs dim 4 : vector<2xf32>
  %u = kernelred.add %re, %im : vector<2xf32>
  %f = kernelred.concat %ct, %u : vector<4xf32>, vector<2xf32>
  kernelred.yield %f : vector<6xf32>
}

// Scalar formulas: the Laplacian is checked too (against differences of the
// checked gradient), and a formula holding derivatives (third order).
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %s: p[2] vector<1xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %m = kernelred.mul %s, %d : vector<1xf32>
  %n = kernelred.neg %m : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @derivatives sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sqdist %x, %y : vector<2xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %l = kernelred.laplacian %f wrt %x : vector<1xf32>, vector<2xf32>
  %v = kernelred.mul %f, %y : vector<1xf32>, vector<2xf32>
  %dv = kernelred.divergence %v wrt %x : vector<2xf32>, vector<2xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %g = kernelred.grad %f wrt %y dir %one : vector<1xf32>, vector<2xf32>, vector<1xf32>
  %gm = kernelred.gradmatrix %g wrt %x : vector<2xf32>, vector<2xf32>
  %sg = kernelred.sum %gm : vector<4xf32>
  %a = kernelred.add %l, %dv : vector<1xf32>
  %r = kernelred.add %a, %sg : vector<1xf32>
  kernelred.yield %r : vector<1xf32>
}

// The helpers of the complex expansion: ExtractStrided with any stride and
// Interleave with a broadcast operand.
kernelred.reduce @strided sum over j
    vars(%x: i[0] vector<8xf32>, %s: p[1] vector<1xf32>) {
  %a = kernelred.extract_strided %x[1 : 3 : 3] : vector<8xf32>
  %b = kernelred.extract_strided %x[0 : 4 : 2] : vector<8xf32>
  %c = kernelred.interleave %a, %s : vector<3xf32>, vector<1xf32>
  %d = kernelred.sin %c : vector<6xf32>
  %e = kernelred.sqnorm2 %b : vector<4xf32>
  %f = kernelred.mul %d, %e : vector<6xf32>, vector<1xf32>
  kernelred.yield %f : vector<6xf32>
}
