// RUN: kred-eval %s --kernel conventions | FileCheck %s --check-prefix=CONV
// RUN: kred-eval %s --kernel linalg --var i0=1,2,3,4,5,6 --var j1=1,0,-1 | FileCheck %s --check-prefix=LINALG
// RUN: kred-eval %s --kernel tensordot --var i0=1,2,3,4,5,6 --var j1=1,-1 | FileCheck %s --check-prefix=TDOT
// RUN: kred-eval %s --kernel bspline --var p0=0,1,2,3,4 --var j1=1.5 | FileCheck %s --check-prefix=BSPLINE
// RUN: kred-eval %s --kernel softdtw --var i0=0,1 --var j1=0,2 --var p2=1 | FileCheck %s --check-prefix=SOFTDTW
// RUN: kred-eval %s --kernel gauss --seed 3 --range=0,1 | FileCheck %s --check-prefix=RANDOM
// RUN: kred-eval %s --kernel gauss --var 0=0,0,0 --var 1=1,2,2 | FileCheck %s --check-prefix=GAUSS
// RUN: kred-eval %s --kernel grad --autodiff --var 0=0,0,0 --var 1=1,2,2 | FileCheck %s --check-prefix=GRAD
// RUN: not kred-eval %s --kernel grad 2>&1 | FileCheck %s --check-prefix=SYMBOLIC
// RUN: not kred-eval %s --kernel gauss --var i0=1,2 2>&1 | FileCheck %s --check-prefix=BADDIM

// The reference evaluator of lib/Testing (double precision, KeOps'
// conventions), through kred-eval.

// KeOps' conventions at special points: Rsqrt(0) = 0, XLogX(0) = 0,
// SinXDivX(0) = 1, Sign(0) = 0, Step(0) = 1, IfElse takes a at 0, ArgMax
// returns the first maximum, OneHot(1.4) = e_1, Round(1.25, 1) = 1.3,
// Mod(-1, 3, 0) = 2, Clamp(5, 0, 2) = 2.
// CONV: @conventions F = [0, 0, 1, 0, 1, 7, 1, 0, 1, 0, 1.3, 2, 2]
kernelred.reduce @conventions sum over j vars(%x: i[0] vector<1xf64>) {
  %z = kernelred.zero : vector<1xf64>
  %r = kernelred.rsqrt %z : vector<1xf64>
  %xl = kernelred.xlogx %z : vector<1xf64>
  %s = kernelred.sinxdivx %z : vector<1xf64>
  %sg = kernelred.sign %z : vector<1xf64>
  %st = kernelred.step %z : vector<1xf64>
  %seven = kernelred.intcst 7 : vector<1xf64>
  %one = kernelred.intcst 1 : vector<1xf64>
  %ie = kernelred.ifelse %z, %seven, %one : vector<1xf64>
  %v = kernelred.constant dense<[3.0, 5.0, 5.0]> : vector<3xf64>
  %am = kernelred.argmax %v : vector<3xf64>
  %f14 = kernelred.ratcst 7, 5 : vector<1xf64>
  %oh = kernelred.onehot %f14 dim 3 : vector<1xf64>
  %ohs = kernelred.scalprod %oh, %v : vector<3xf64>
  %five4 = kernelred.ratcst 5, 4 : vector<1xf64>
  %ro = kernelred.round %five4, 1 : vector<1xf64>
  %m1 = kernelred.intcst -1 : vector<1xf64>
  %three = kernelred.intcst 3 : vector<1xf64>
  %md = kernelred.mod %m1, %three, %z : vector<1xf64>
  %five = kernelred.intcst 5 : vector<1xf64>
  %two = kernelred.intcst 2 : vector<1xf64>
  %cl = kernelred.clamp %five, %z, %two : vector<1xf64>
  %c1 = kernelred.concat %r, %xl : vector<1xf64>
  %c2 = kernelred.concat %c1, %s : vector<2xf64>, vector<1xf64>
  %c3 = kernelred.concat %c2, %sg : vector<3xf64>, vector<1xf64>
  %c4 = kernelred.concat %c3, %st : vector<4xf64>, vector<1xf64>
  %c5 = kernelred.concat %c4, %ie : vector<5xf64>, vector<1xf64>
  %c6 = kernelred.concat %c5, %am : vector<6xf64>, vector<1xf64>
  %ohz = kernelred.elem %oh[0] : vector<3xf64>
  %c7 = kernelred.concat %c6, %ohz : vector<7xf64>, vector<1xf64>
  %oh1 = kernelred.elem %oh[1] : vector<3xf64>
  %c8 = kernelred.concat %c7, %oh1 : vector<8xf64>, vector<1xf64>
  %oh2 = kernelred.elem %oh[2] : vector<3xf64>
  %c9 = kernelred.concat %c8, %oh2 : vector<9xf64>, vector<1xf64>
  %c10 = kernelred.concat %c9, %ro : vector<10xf64>, vector<1xf64>
  %c11 = kernelred.concat %c10, %md : vector<11xf64>, vector<1xf64>
  %c12 = kernelred.concat %c11, %cl : vector<12xf64>, vector<1xf64>
  kernelred.yield %c12 : vector<13xf64>
}

// Row-major MatVecMult, VecMatMult and TensorProd.
// LINALG: @linalg F = [-2, -2, 1, 2, 3, 1, 0, -3, -1, -2, -3]
kernelred.reduce @linalg sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  %mv = kernelred.matvecmult %a, %b : vector<6xf32>, vector<3xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %zero = kernelred.zero : vector<1xf32>
  %e0 = kernelred.concat %one, %zero : vector<1xf32>
  %vm = kernelred.vecmatmult %e0, %a : vector<2xf32>, vector<6xf32>
  %ex = kernelred.extract %a[0 : 3] : vector<6xf32>
  %e1 = kernelred.extract %ex[0 : 1] : vector<3xf32>
  %tp = kernelred.tensorprod %e1, %b : vector<1xf32>, vector<3xf32>
  %tq = kernelred.mul %tp, %ex : vector<3xf32>
  %c1 = kernelred.concat %mv, %vm : vector<2xf32>, vector<3xf32>
  %c2 = kernelred.concat %c1, %tq : vector<5xf32>, vector<3xf32>
  %n = kernelred.neg %ex : vector<3xf32>
  %c3 = kernelred.concat %c2, %n : vector<8xf32>, vector<3xf32>
  kernelred.yield %c3 : vector<11xf32>
}

// TensorDot with KeOps' permutation (the u-th kept axis lands at
// permute[u]): A (2 x 3) contracted with b (2) over A's first axis is
// [1 - 4, 2 - 5, 3 - 6]; Kron([1, 2], [1, -1]) = [1, -1, 2, -2].
// TDOT: @tensordot F = [-3, -3, -3, 1, 4, 2, 5, 3, 6, 1, -1, 2, -2]
kernelred.reduce @tensordot sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<2xf32>) {
  %t = kernelred.tensordot %a, %b dims [2, 3] x [2] contract [0] x [0] : vector<6xf32>, vector<2xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %t2 = kernelred.tensordot %a, %one dims [2, 3] x [1] contract [] x [] permute [1, 0, 2] : vector<6xf32>, vector<1xf32>
  %ab = kernelred.extract %a[0 : 2] : vector<6xf32>
  %k = kernelred.kron %ab, %b dims [2] x [2] : vector<2xf32>
  %c = kernelred.concat %t, %t2 : vector<3xf32>, vector<6xf32>
  %d = kernelred.concat %c, %k : vector<9xf32>, vector<4xf32>
  kernelred.yield %d : vector<13xf32>
}

// BSpline of order 2 on the knots 0..4 at 1.5: the quadratic basis
// functions B_0 = 3/4 and B_1 = (x - 1)^2 / 2, then (KeOps' layout) the
// leftovers of the recursion, B_{2,1} and B_{3,0}.
// BSPLINE: @bspline F = [0.75, 0.125, 0, 0]
kernelred.reduce @bspline sum over j
    vars(%t: p[0] vector<5xf32>, %x: j[1] vector<1xf32>) {
  %b = kernelred.bspline %t, %x order 2 : vector<5xf32>, vector<1xf32>
  kernelred.yield %b : vector<4xf32>
}

// Soft-DTW of [0, 1] and [0, 2] with gamma = 1: r00 = 0, r10 = 1, r01 = 4,
// r11 = 1 + softmin(0, 1, 4).
// SOFTDTW: @softdtw F = [0.6734373587325
kernelred.reduce @softdtw sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>, %g: p[2] vector<1xf32>) {
  %d = kernelred.softdtw_sqdist %x, %y, %g : vector<2xf32>, vector<2xf32>, vector<1xf32>
  kernelred.yield %d : vector<1xf32>
}

// RANDOM: @gauss i0 = [{{.*}}]
// RANDOM: @gauss F = [
// GAUSS: @gauss F = [0.00012340980408667956]
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// GRAD: @grad F = [0.00024681960817335912, 0.00049363921634671824, 0.00049363921634671824]
// SYMBOLIC: 'kernelred.grad': symbolic derivative: run kred-autodiff first
// BADDIM: variable i0 has dimension 3, 2 values given
kernelred.reduce @grad sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %g = kernelred.grad %f wrt %x dir %one : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}
