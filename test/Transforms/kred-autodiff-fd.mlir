// RUN: kred-eval --check-gradients --order 2 %s | FileCheck %s
// RUN: kred-eval --check-gradients --order 2 --seed 7 --points 3 %s | FileCheck %s

// Finite-difference checks of every differentiation rule, in float64 at
// random points of [-1, 1) (tools/kred-eval, lib/Testing/GradientCheck.h):
// for every formula F and variable v, Grad(F, v, e), Diff(F, v, u),
// GradMatrix(F, v) and Divergence(F, v) when square; to second order,
// Grad(Grad), Diff(Grad) and Grad(Diff) for every pair of variables.
// Points where a stencil straddles a kink or a jump are redrawn.

// CHECK-NOT: FAIL
// CHECK: gradient check: 8 kernel(s), {{[0-9]+}} comparisons, max error {{.*}}, tolerance 1.000000e-06: passed

// Arithmetic with KeOps broadcasting (a dimension-1 operand on either side).
kernelred.reduce @arith sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %p: p[2] vector<1xf32>) {
  %one = kernelred.intcst 1 : vector<1xf32>
  %a = kernelred.add %x, %p : vector<3xf32>, vector<1xf32>
  %b = kernelred.sub %p, %y : vector<1xf32>, vector<3xf32>
  %c = kernelred.mul %a, %b : vector<3xf32>
  %s = kernelred.square %y : vector<3xf32>
  %d = kernelred.add %one, %s : vector<1xf32>, vector<3xf32>
  %q = kernelred.div %x, %d : vector<3xf32>
  %r = kernelred.div %p, %d : vector<1xf32>, vector<3xf32>
  %n = kernelred.neg %r : vector<3xf32>
  %m = kernelred.mul %p, %q : vector<1xf32>, vector<3xf32>
  %t = kernelred.sub %c, %m : vector<3xf32>
  %f = kernelred.add %t, %n : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

// Smooth componentwise functions.
kernelred.reduce @smooth sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %e = kernelred.exp %x : vector<2xf32>
  %s = kernelred.sin %y : vector<2xf32>
  %c = kernelred.cos %x : vector<2xf32>
  %a = kernelred.atan %y : vector<2xf32>
  %k = kernelred.sinxdivx %x : vector<2xf32>
  %p3 = kernelred.pow %y, 3 : vector<2xf32>
  %p2 = kernelred.pow %x, 2 : vector<2xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %sh = kernelred.add %y, %two : vector<2xf32>, vector<1xf32>
  %pm = kernelred.pow %sh, -2 : vector<2xf32>
  %u = kernelred.mul %e, %s : vector<2xf32>
  %v = kernelred.mul %c, %a : vector<2xf32>
  %w = kernelred.mul %k, %p3 : vector<2xf32>
  %z = kernelred.mul %p2, %pm : vector<2xf32>
  %f1 = kernelred.add %u, %v : vector<2xf32>
  %f2 = kernelred.add %w, %z : vector<2xf32>
  %f = kernelred.concat %f1, %f2 : vector<2xf32>
  kernelred.yield %f : vector<4xf32>
}

// Piecewise ops: kinks (Abs, ReLU, Clamp, Mod, Max), zero derivatives
// (Sign, Step, Floor, Round, comparisons, DiffClampInt), IfElse.
kernelred.reduce @piecewise sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %p: p[2] vector<1xf32>) {
  %a = kernelred.abs %x : vector<3xf32>
  %r = kernelred.relu %y : vector<3xf32>
  %sg = kernelred.sign %y : vector<3xf32>
  %st = kernelred.step %x : vector<3xf32>
  %fl = kernelred.floor %y : vector<3xf32>
  %ro = kernelred.round %x, 1 : vector<3xf32>
  %ci = kernelred.clampint %y, 0, 1 : vector<3xf32>
  %dc = kernelred.diffclampint %x, 0, 1 : vector<3xf32>
  %lt = kernelred.lessthan %x, %y : vector<3xf32>
  %le = kernelred.lessorequal %y, %p : vector<3xf32>, vector<1xf32>
  %eq = kernelred.equal %x, %y : vector<3xf32>
  %ne = kernelred.notequal %x, %p : vector<3xf32>, vector<1xf32>
  %ie = kernelred.ifelse %p, %x, %y : vector<1xf32>, vector<3xf32>, vector<3xf32>
  %ie2 = kernelred.ifelse %y, %p, %a : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %cl = kernelred.clamp %x, %p, %y : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %sq = kernelred.square %p : vector<1xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %n = kernelred.add %sq, %two : vector<1xf32>
  %md = kernelred.mod %y, %n, %x : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %t1 = kernelred.mul %a, %sg : vector<3xf32>
  %t2 = kernelred.mul %r, %st : vector<3xf32>
  %t3 = kernelred.mul %fl, %x : vector<3xf32>
  %t4 = kernelred.mul %ro, %ci : vector<3xf32>
  %t5 = kernelred.mul %dc, %y : vector<3xf32>
  %t6 = kernelred.add %lt, %le : vector<3xf32>
  %t7 = kernelred.add %eq, %ne : vector<3xf32>
  %t8 = kernelred.mul %t6, %t7 : vector<3xf32>
  %t9 = kernelred.mul %t8, %ie : vector<3xf32>
  %s1 = kernelred.add %t1, %t2 : vector<3xf32>
  %s2 = kernelred.add %t3, %t4 : vector<3xf32>
  %s3 = kernelred.add %t5, %t9 : vector<3xf32>
  %s4 = kernelred.add %cl, %md : vector<3xf32>
  %s5 = kernelred.mul %ie2, %s4 : vector<3xf32>
  %u1 = kernelred.add %s1, %s2 : vector<3xf32>
  %u2 = kernelred.add %s3, %s5 : vector<3xf32>
  %f = kernelred.add %u1, %u2 : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

// Reductions of the components and norms.
kernelred.reduce @vector sum over j
    vars(%x: i[0] vector<4xf32>, %y: j[1] vector<4xf32>) {
  %d = kernelred.sub %x, %y : vector<4xf32>
  %s = kernelred.sum %d : vector<4xf32>
  %mx = kernelred.max %d : vector<4xf32>
  %mn = kernelred.min %x : vector<4xf32>
  %am = kernelred.argmax %y : vector<4xf32>
  %an = kernelred.argmin %x : vector<4xf32>
  %oh = kernelred.onehot %am dim 4 : vector<1xf32>
  %n2 = kernelred.sqnorm2 %d : vector<4xf32>
  %n1 = kernelred.norm2 %x : vector<4xf32>
  %nz = kernelred.normalize %d : vector<4xf32>
  %m1 = kernelred.max %n1 : vector<1xf32>
  %a = kernelred.mul %s, %mx : vector<1xf32>
  %b = kernelred.add %mn, %n2 : vector<1xf32>
  %c = kernelred.mul %n1, %an : vector<1xf32>
  %g = kernelred.mul %oh, %y : vector<4xf32>
  %h = kernelred.mul %nz, %b : vector<4xf32>, vector<1xf32>
  %k = kernelred.add %a, %c : vector<1xf32>
  %l = kernelred.mul %m1, %k : vector<1xf32>
  %u = kernelred.add %g, %h : vector<4xf32>
  %f = kernelred.add %u, %l : vector<4xf32>, vector<1xf32>
  kernelred.yield %f : vector<4xf32>
}

// Shape ops.
kernelred.reduce @shapes sum over j
    vars(%x: i[0] vector<4xf32>, %y: j[1] vector<2xf32>, %s: p[2] vector<1xf32>) {
  %e = kernelred.elem %x[2] : vector<4xf32>
  %t = kernelred.sumt %s dim 3 : vector<1xf32>
  %et = kernelred.elemt %e dim 3 at 1 : vector<1xf32>
  %ex = kernelred.extract %x[1 : 2] : vector<4xf32>
  %ey = kernelred.mul %ex, %y : vector<2xf32>
  %xt = kernelred.extractt %ey dim 3 at 1 : vector<2xf32>
  %a = kernelred.mul %t, %et : vector<3xf32>
  %b = kernelred.add %a, %xt : vector<3xf32>
  %c = kernelred.concat %b, %y : vector<3xf32>, vector<2xf32>
  %sq = kernelred.square %c : vector<5xf32>
  %f = kernelred.concat %sq, %e : vector<5xf32>, vector<1xf32>
  kernelred.yield %f : vector<6xf32>
}

// Products and distances.
kernelred.reduce @products sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>, %c: j[2] vector<2xf32>, %s: p[3] vector<1xf32>) {
  %mv = kernelred.matvecmult %a, %b : vector<6xf32>, vector<3xf32>
  %vm = kernelred.vecmatmult %c, %a : vector<2xf32>, vector<6xf32>
  %tp = kernelred.tensorprod %mv, %c : vector<2xf32>, vector<2xf32>
  %sp = kernelred.scalprod %vm, %b : vector<3xf32>
  %ss = kernelred.scalprod %s, %b : vector<1xf32>, vector<3xf32>
  %sd = kernelred.sqdist %vm, %b : vector<3xf32>
  %sb = kernelred.sqdist %s, %vm : vector<1xf32>, vector<3xf32>
  %x1 = kernelred.mul %sp, %ss : vector<1xf32>
  %x2 = kernelred.add %sd, %sb : vector<1xf32>
  %x3 = kernelred.mul %tp, %x1 : vector<4xf32>, vector<1xf32>
  %f = kernelred.add %x3, %x2 : vector<4xf32>, vector<1xf32>
  kernelred.yield %f : vector<4xf32>
}

// Weighted norms and distances: isotropic, diagonal, full weights.
kernelred.reduce @weighted sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %s: p[2] vector<1xf32>, %d: p[3] vector<3xf32>, %m: p[4] vector<9xf32>) {
  %n1 = kernelred.weightedsqnorm %s, %x : vector<1xf32>, vector<3xf32>
  %n2 = kernelred.weightedsqnorm %d, %y : vector<3xf32>
  %n3 = kernelred.weightedsqnorm %m, %x : vector<9xf32>, vector<3xf32>
  %d1 = kernelred.weightedsqdist %s, %x, %y : vector<1xf32>, vector<3xf32>, vector<3xf32>
  %d2 = kernelred.weightedsqdist %d, %x, %s : vector<3xf32>, vector<3xf32>, vector<1xf32>
  %d3 = kernelred.weightedsqdist %m, %y, %x : vector<9xf32>, vector<3xf32>, vector<3xf32>
  %a = kernelred.concat %n1, %n2 : vector<1xf32>
  %b = kernelred.concat %a, %n3 : vector<2xf32>, vector<1xf32>
  %c = kernelred.concat %d1, %d2 : vector<1xf32>
  %e = kernelred.concat %c, %d3 : vector<2xf32>, vector<1xf32>
  %f = kernelred.mul %b, %e : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

// TensorDot (contractions, permutations, full contraction) and Kron.
kernelred.reduce @tensordot sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<12xf32>, %c: j[2] vector<4xf32>) {
  %t1 = kernelred.tensordot %a, %b dims [2, 3] x [3, 4] contract [1] x [0] : vector<6xf32>, vector<12xf32>
  %t2 = kernelred.tensordot %a, %b dims [2, 3] x [4, 3] contract [1] x [1] permute [1, 0] : vector<6xf32>, vector<12xf32>
  %t3 = kernelred.tensordot %b, %a dims [2, 3, 2] x [3, 2] contract [1, 2] x [0, 1] : vector<12xf32>, vector<6xf32>
  %t4 = kernelred.tensordot %c, %a dims [2, 2] x [2, 3] contract [] x [] permute [3, 0, 2, 1] : vector<4xf32>, vector<6xf32>
  %t5 = kernelred.tensordot %c, %c dims [4] x [4] contract [0] x [0] : vector<4xf32>
  %k1 = kernelred.kron %c, %a dims [2, 2] x [2, 3] : vector<4xf32>, vector<6xf32>
  %s1 = kernelred.add %t1, %t2 : vector<8xf32>
  %s2 = kernelred.sqnorm2 %t4 : vector<24xf32>
  %s3 = kernelred.scalprod %k1, %t4 : vector<24xf32>
  %s4 = kernelred.mul %s2, %s3 : vector<1xf32>
  %s5 = kernelred.mul %s4, %t5 : vector<1xf32>
  %s6 = kernelred.mul %t3, %s5 : vector<2xf32>, vector<1xf32>
  %f = kernelred.concat %s1, %s6 : vector<8xf32>, vector<2xf32>
  kernelred.yield %f : vector<10xf32>
}
