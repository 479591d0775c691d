// Every formula op of the dialect, lowered componentwise and compared
// with libm in float64 (Sum over j of F, f32 and f64, including the
// polynomial expansions of exp, log and the trigonometric functions).
//
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %cc -O2 -march=native -w %t.ll %S/Inputs/formulas.c -I%runtime_include -I%S/Inputs -lm -o %t.exe
// RUN: %t.exe | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: ALL PASSED

kernelred.reduce @arith_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<1xf32>) {
  %s = kernelred.add %a0, %a1 : vector<3xf32>
  %m = kernelred.mul %s, %a2 : vector<3xf32>, vector<1xf32>
  %q = kernelred.div %a0, %a1 : vector<3xf32>
  %f = kernelred.sub %m, %q : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @arith_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>, %a2: p[2] vector<1xf64>) {
  %s = kernelred.add %a0, %a1 : vector<3xf64>
  %m = kernelred.mul %s, %a2 : vector<3xf64>, vector<1xf64>
  %q = kernelred.div %a0, %a1 : vector<3xf64>
  %f = kernelred.sub %m, %q : vector<3xf64>
  kernelred.yield %f : vector<3xf64>
}

kernelred.reduce @neg_inv_square_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %n = kernelred.neg %a0 : vector<3xf32>
  %i = kernelred.inv %a1 : vector<3xf32>
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %s = kernelred.square %d : vector<3xf32>
  %c1 = kernelred.concat %n, %i : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %s : vector<6xf32>, vector<3xf32>
  kernelred.yield %f : vector<9xf32>
}

kernelred.reduce @neg_inv_square_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %n = kernelred.neg %a0 : vector<3xf64>
  %i = kernelred.inv %a1 : vector<3xf64>
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %s = kernelred.square %d : vector<3xf64>
  %c1 = kernelred.concat %n, %i : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %s : vector<6xf64>, vector<3xf64>
  kernelred.yield %f : vector<9xf64>
}

kernelred.reduce @sqrt_rsqrt_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %a = kernelred.abs %m : vector<3xf32>
  %s = kernelred.sqrt %a : vector<3xf32>
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %b = kernelred.abs %d : vector<3xf32>
  %r = kernelred.rsqrt %b : vector<3xf32>
  %f = kernelred.concat %s, %r : vector<3xf32>, vector<3xf32>
  kernelred.yield %f : vector<6xf32>
}

kernelred.reduce @sqrt_rsqrt_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %a = kernelred.abs %m : vector<3xf64>
  %s = kernelred.sqrt %a : vector<3xf64>
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %b = kernelred.abs %d : vector<3xf64>
  %r = kernelred.rsqrt %b : vector<3xf64>
  %f = kernelred.concat %s, %r : vector<3xf64>, vector<3xf64>
  kernelred.yield %f : vector<6xf64>
}

kernelred.reduce @exp_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %t = kernelred.intcst 10 : vector<1xf32>
  %s = kernelred.mul %m, %t : vector<3xf32>, vector<1xf32>
  %f = kernelred.exp %s : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @exp_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %t = kernelred.intcst 10 : vector<1xf64>
  %s = kernelred.mul %m, %t : vector<3xf64>, vector<1xf64>
  %f = kernelred.exp %s : vector<3xf64>
  kernelred.yield %f : vector<3xf64>
}

kernelred.reduce @log_xlogx_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %a = kernelred.abs %m : vector<3xf32>
  %l = kernelred.log %a : vector<3xf32>
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %b = kernelred.abs %d : vector<3xf32>
  %x = kernelred.xlogx %b : vector<3xf32>
  %f = kernelred.concat %l, %x : vector<3xf32>, vector<3xf32>
  kernelred.yield %f : vector<6xf32>
}

kernelred.reduce @log_xlogx_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %a = kernelred.abs %m : vector<3xf64>
  %l = kernelred.log %a : vector<3xf64>
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %b = kernelred.abs %d : vector<3xf64>
  %x = kernelred.xlogx %b : vector<3xf64>
  %f = kernelred.concat %l, %x : vector<3xf64>, vector<3xf64>
  kernelred.yield %f : vector<6xf64>
}

kernelred.reduce @sin_cos_sinc_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %t = kernelred.intcst 10 : vector<1xf32>
  %s = kernelred.mul %m, %t : vector<3xf32>, vector<1xf32>
  %sn = kernelred.sin %s : vector<3xf32>
  %a = kernelred.add %a0, %a1 : vector<3xf32>
  %u = kernelred.mul %a, %t : vector<3xf32>, vector<1xf32>
  %cs = kernelred.cos %u : vector<3xf32>
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %q = kernelred.intcst 4 : vector<1xf32>
  %w = kernelred.mul %d, %q : vector<3xf32>, vector<1xf32>
  %sc = kernelred.sinxdivx %w : vector<3xf32>
  %c1 = kernelred.concat %sn, %cs : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %sc : vector<6xf32>, vector<3xf32>
  kernelred.yield %f : vector<9xf32>
}

kernelred.reduce @sin_cos_sinc_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %t = kernelred.intcst 10 : vector<1xf64>
  %s = kernelred.mul %m, %t : vector<3xf64>, vector<1xf64>
  %sn = kernelred.sin %s : vector<3xf64>
  %a = kernelred.add %a0, %a1 : vector<3xf64>
  %u = kernelred.mul %a, %t : vector<3xf64>, vector<1xf64>
  %cs = kernelred.cos %u : vector<3xf64>
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %q = kernelred.intcst 4 : vector<1xf64>
  %w = kernelred.mul %d, %q : vector<3xf64>, vector<1xf64>
  %sc = kernelred.sinxdivx %w : vector<3xf64>
  %c1 = kernelred.concat %sn, %cs : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %sc : vector<6xf64>, vector<3xf64>
  kernelred.yield %f : vector<9xf64>
}

kernelred.reduce @inverse_trig_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %as = kernelred.asin %m : vector<3xf32>
  %ac = kernelred.acos %m : vector<3xf32>
  %q = kernelred.div %a0, %a1 : vector<3xf32>
  %at = kernelred.atan %q : vector<3xf32>
  %a2 = kernelred.atan2 %a0, %a1 : vector<3xf32>
  %c1 = kernelred.concat %as, %ac : vector<3xf32>, vector<3xf32>
  %c2 = kernelred.concat %at, %a2 : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %c2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @inverse_trig_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %as = kernelred.asin %m : vector<3xf64>
  %ac = kernelred.acos %m : vector<3xf64>
  %q = kernelred.div %a0, %a1 : vector<3xf64>
  %at = kernelred.atan %q : vector<3xf64>
  %a2 = kernelred.atan2 %a0, %a1 : vector<3xf64>
  %c1 = kernelred.concat %as, %ac : vector<3xf64>, vector<3xf64>
  %c2 = kernelred.concat %at, %a2 : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %c2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @abs_sign_step_relu_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %a = kernelred.abs %d : vector<3xf32>
  %s = kernelred.sign %d : vector<3xf32>
  %t = kernelred.step %d : vector<3xf32>
  %r = kernelred.relu %d : vector<3xf32>
  %c1 = kernelred.concat %a, %s : vector<3xf32>, vector<3xf32>
  %c2 = kernelred.concat %t, %r : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %c2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @abs_sign_step_relu_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %a = kernelred.abs %d : vector<3xf64>
  %s = kernelred.sign %d : vector<3xf64>
  %t = kernelred.step %d : vector<3xf64>
  %r = kernelred.relu %d : vector<3xf64>
  %c1 = kernelred.concat %a, %s : vector<3xf64>, vector<3xf64>
  %c2 = kernelred.concat %t, %r : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %c2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @floor_round_mod_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %five = kernelred.intcst 5 : vector<1xf32>
  %x5 = kernelred.mul %a0, %five : vector<3xf32>, vector<1xf32>
  %fl = kernelred.floor %x5 : vector<3xf32>
  %r0 = kernelred.round %x5, 0 : vector<3xf32>
  %r2 = kernelred.round %a1, 2 : vector<3xf32>
  %n = kernelred.ratcst 13, 10 : vector<1xf32>
  %o = kernelred.ratcst 1, 5 : vector<1xf32>
  %md = kernelred.mod %x5, %n, %o : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %c1 = kernelred.concat %fl, %r0 : vector<3xf32>, vector<3xf32>
  %c2 = kernelred.concat %r2, %md : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %c2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @floor_round_mod_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %five = kernelred.intcst 5 : vector<1xf64>
  %x5 = kernelred.mul %a0, %five : vector<3xf64>, vector<1xf64>
  %fl = kernelred.floor %x5 : vector<3xf64>
  %r0 = kernelred.round %x5, 0 : vector<3xf64>
  %r2 = kernelred.round %a1, 2 : vector<3xf64>
  %n = kernelred.ratcst 13, 10 : vector<1xf64>
  %o = kernelred.ratcst 1, 5 : vector<1xf64>
  %md = kernelred.mod %x5, %n, %o : vector<3xf64>, vector<1xf64>, vector<1xf64>
  %c1 = kernelred.concat %fl, %r0 : vector<3xf64>, vector<3xf64>
  %c2 = kernelred.concat %r2, %md : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %c2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @pow_powf_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %p3 = kernelred.pow %d, 3 : vector<3xf32>
  %pm2 = kernelred.pow %a1, -2 : vector<3xf32>
  %a = kernelred.abs %a0 : vector<3xf32>
  %h = kernelred.ratcst 1, 2 : vector<1xf32>
  %b = kernelred.add %a, %h : vector<3xf32>, vector<1xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %e = kernelred.mul %a1, %two : vector<3xf32>, vector<1xf32>
  %pf = kernelred.powf %b, %e : vector<3xf32>
  %c1 = kernelred.concat %p3, %pm2 : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %pf : vector<6xf32>, vector<3xf32>
  kernelred.yield %f : vector<9xf32>
}

kernelred.reduce @pow_powf_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %p3 = kernelred.pow %d, 3 : vector<3xf64>
  %pm2 = kernelred.pow %a1, -2 : vector<3xf64>
  %a = kernelred.abs %a0 : vector<3xf64>
  %h = kernelred.ratcst 1, 2 : vector<1xf64>
  %b = kernelred.add %a, %h : vector<3xf64>, vector<1xf64>
  %two = kernelred.intcst 2 : vector<1xf64>
  %e = kernelred.mul %a1, %two : vector<3xf64>, vector<1xf64>
  %pf = kernelred.powf %b, %e : vector<3xf64>
  %c1 = kernelred.concat %p3, %pm2 : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %pf : vector<6xf64>, vector<3xf64>
  kernelred.yield %f : vector<9xf64>
}

kernelred.reduce @clamps_ifelse_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %five = kernelred.intcst 5 : vector<1xf32>
  %x5 = kernelred.mul %a0, %five : vector<3xf32>, vector<1xf32>
  %ci = kernelred.clampint %x5, 0, 3 : vector<3xf32>
  %dc = kernelred.diffclampint %x5, 0, 3 : vector<3xf32>
  %w = kernelred.ratcst 3, 10 : vector<1xf32>
  %lo = kernelred.sub %a1, %w : vector<3xf32>, vector<1xf32>
  %hi = kernelred.add %a1, %w : vector<3xf32>, vector<1xf32>
  %cl = kernelred.clamp %a0, %lo, %hi : vector<3xf32>
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %sq = kernelred.mul %a0, %a0 : vector<3xf32>
  %ie = kernelred.ifelse %d, %sq, %a1 : vector<3xf32>
  %c1 = kernelred.concat %ci, %dc : vector<3xf32>, vector<3xf32>
  %c2 = kernelred.concat %cl, %ie : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %c2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @clamps_ifelse_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %five = kernelred.intcst 5 : vector<1xf64>
  %x5 = kernelred.mul %a0, %five : vector<3xf64>, vector<1xf64>
  %ci = kernelred.clampint %x5, 0, 3 : vector<3xf64>
  %dc = kernelred.diffclampint %x5, 0, 3 : vector<3xf64>
  %w = kernelred.ratcst 3, 10 : vector<1xf64>
  %lo = kernelred.sub %a1, %w : vector<3xf64>, vector<1xf64>
  %hi = kernelred.add %a1, %w : vector<3xf64>, vector<1xf64>
  %cl = kernelred.clamp %a0, %lo, %hi : vector<3xf64>
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %sq = kernelred.mul %a0, %a0 : vector<3xf64>
  %ie = kernelred.ifelse %d, %sq, %a1 : vector<3xf64>
  %c1 = kernelred.concat %ci, %dc : vector<3xf64>, vector<3xf64>
  %c2 = kernelred.concat %cl, %ie : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %c2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @comparisons_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %two = kernelred.intcst 2 : vector<1xf32>
  %x2 = kernelred.mul %a0, %two : vector<3xf32>, vector<1xf32>
  %y2 = kernelred.mul %a1, %two : vector<3xf32>, vector<1xf32>
  %rx = kernelred.round %x2, 0 : vector<3xf32>
  %ry = kernelred.round %y2, 0 : vector<3xf32>
  %eq = kernelred.equal %rx, %ry : vector<3xf32>
  %ne = kernelred.notequal %rx, %ry : vector<3xf32>
  %lt = kernelred.lessthan %a0, %a1 : vector<3xf32>
  %le = kernelred.lessorequal %rx, %ry : vector<3xf32>
  %c1 = kernelred.concat %eq, %ne : vector<3xf32>, vector<3xf32>
  %c2 = kernelred.concat %lt, %le : vector<3xf32>, vector<3xf32>
  %f = kernelred.concat %c1, %c2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @comparisons_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %two = kernelred.intcst 2 : vector<1xf64>
  %x2 = kernelred.mul %a0, %two : vector<3xf64>, vector<1xf64>
  %y2 = kernelred.mul %a1, %two : vector<3xf64>, vector<1xf64>
  %rx = kernelred.round %x2, 0 : vector<3xf64>
  %ry = kernelred.round %y2, 0 : vector<3xf64>
  %eq = kernelred.equal %rx, %ry : vector<3xf64>
  %ne = kernelred.notequal %rx, %ry : vector<3xf64>
  %lt = kernelred.lessthan %a0, %a1 : vector<3xf64>
  %le = kernelred.lessorequal %rx, %ry : vector<3xf64>
  %c1 = kernelred.concat %eq, %ne : vector<3xf64>, vector<3xf64>
  %c2 = kernelred.concat %lt, %le : vector<3xf64>, vector<3xf64>
  %f = kernelred.concat %c1, %c2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @reductions_of_components_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %m = kernelred.mul %a0, %a1 : vector<3xf32>
  %s = kernelred.sum %m : vector<3xf32>
  %mx = kernelred.max %d : vector<3xf32>
  %mn = kernelred.min %d : vector<3xf32>
  %amx = kernelred.argmax %d : vector<3xf32>
  %amn = kernelred.argmin %d : vector<3xf32>
  %sn = kernelred.sqnorm2 %d : vector<3xf32>
  %n2 = kernelred.norm2 %d : vector<3xf32>
  %nz = kernelred.normalize %d : vector<3xf32>
  %c1 = kernelred.concat %s, %mx : vector<1xf32>, vector<1xf32>
  %c2 = kernelred.concat %c1, %mn : vector<2xf32>, vector<1xf32>
  %c3 = kernelred.concat %c2, %amx : vector<3xf32>, vector<1xf32>
  %c4 = kernelred.concat %c3, %amn : vector<4xf32>, vector<1xf32>
  %c5 = kernelred.concat %c4, %sn : vector<5xf32>, vector<1xf32>
  %c6 = kernelred.concat %c5, %n2 : vector<6xf32>, vector<1xf32>
  %f = kernelred.concat %c6, %nz : vector<7xf32>, vector<3xf32>
  kernelred.yield %f : vector<10xf32>
}

kernelred.reduce @reductions_of_components_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %m = kernelred.mul %a0, %a1 : vector<3xf64>
  %s = kernelred.sum %m : vector<3xf64>
  %mx = kernelred.max %d : vector<3xf64>
  %mn = kernelred.min %d : vector<3xf64>
  %amx = kernelred.argmax %d : vector<3xf64>
  %amn = kernelred.argmin %d : vector<3xf64>
  %sn = kernelred.sqnorm2 %d : vector<3xf64>
  %n2 = kernelred.norm2 %d : vector<3xf64>
  %nz = kernelred.normalize %d : vector<3xf64>
  %c1 = kernelred.concat %s, %mx : vector<1xf64>, vector<1xf64>
  %c2 = kernelred.concat %c1, %mn : vector<2xf64>, vector<1xf64>
  %c3 = kernelred.concat %c2, %amx : vector<3xf64>, vector<1xf64>
  %c4 = kernelred.concat %c3, %amn : vector<4xf64>, vector<1xf64>
  %c5 = kernelred.concat %c4, %sn : vector<5xf64>, vector<1xf64>
  %c6 = kernelred.concat %c5, %n2 : vector<6xf64>, vector<1xf64>
  %f = kernelred.concat %c6, %nz : vector<7xf64>, vector<3xf64>
  kernelred.yield %f : vector<10xf64>
}

kernelred.reduce @component_moves_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %e = kernelred.elem %a0[1] : vector<3xf32>
  %et = kernelred.elemt %e dim 4 at 2 : vector<1xf32>
  %ex = kernelred.extract %a1[1 : 2] : vector<3xf32>
  %ext = kernelred.extractt %ex dim 5 at 3 : vector<2xf32>
  %s = kernelred.sum %a0 : vector<3xf32>
  %st = kernelred.sumt %s dim 2 : vector<1xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %y = kernelred.elem %a1[0] : vector<3xf32>
  %t = kernelred.mul %y, %two : vector<1xf32>
  %u = kernelred.add %t, %two : vector<1xf32>
  %oh = kernelred.onehot %u dim 5 : vector<1xf32>
  %c1 = kernelred.concat %et, %ext : vector<4xf32>, vector<5xf32>
  %c2 = kernelred.concat %c1, %st : vector<9xf32>, vector<2xf32>
  %f = kernelred.concat %c2, %oh : vector<11xf32>, vector<5xf32>
  kernelred.yield %f : vector<16xf32>
}

kernelred.reduce @component_moves_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %e = kernelred.elem %a0[1] : vector<3xf64>
  %et = kernelred.elemt %e dim 4 at 2 : vector<1xf64>
  %ex = kernelred.extract %a1[1 : 2] : vector<3xf64>
  %ext = kernelred.extractt %ex dim 5 at 3 : vector<2xf64>
  %s = kernelred.sum %a0 : vector<3xf64>
  %st = kernelred.sumt %s dim 2 : vector<1xf64>
  %two = kernelred.intcst 2 : vector<1xf64>
  %y = kernelred.elem %a1[0] : vector<3xf64>
  %t = kernelred.mul %y, %two : vector<1xf64>
  %u = kernelred.add %t, %two : vector<1xf64>
  %oh = kernelred.onehot %u dim 5 : vector<1xf64>
  %c1 = kernelred.concat %et, %ext : vector<4xf64>, vector<5xf64>
  %c2 = kernelred.concat %c1, %st : vector<9xf64>, vector<2xf64>
  %f = kernelred.concat %c2, %oh : vector<11xf64>, vector<5xf64>
  kernelred.yield %f : vector<16xf64>
}

kernelred.reduce @strided_interleave_f32 sum over j
    vars(%a0: i[0] vector<6xf32>, %a1: j[1] vector<3xf32>) {
  %odd = kernelred.extract_strided %a0[1 : 3 : 2] : vector<6xf32>
  %i1 = kernelred.interleave %odd, %a1 : vector<3xf32>, vector<3xf32>
  %last = kernelred.extract_strided %a0[5 : 1 : 1] : vector<6xf32>
  %i2 = kernelred.interleave %a1, %last : vector<3xf32>, vector<1xf32>
  %f = kernelred.concat %i1, %i2 : vector<6xf32>, vector<6xf32>
  kernelred.yield %f : vector<12xf32>
}

kernelred.reduce @complex_f32 sum over j
    vars(%a0: i[0] vector<4xf32>, %a1: j[1] vector<2xf32>) {
  %m = kernelred.complexmult %a0, %a1 : vector<4xf32>, vector<2xf32>
  %d = kernelred.complexdivide %a1, %a0 : vector<2xf32>, vector<4xf32>
  %e = kernelred.complexexp %a0 : vector<4xf32>
  %c = kernelred.conj %a0 : vector<4xf32>
  %a = kernelred.complexabs %a0 : vector<4xf32>
  %c1 = kernelred.concat %m, %d : vector<4xf32>, vector<4xf32>
  %c2 = kernelred.concat %c1, %e : vector<8xf32>, vector<4xf32>
  %c3 = kernelred.concat %c2, %c : vector<12xf32>, vector<4xf32>
  %f = kernelred.concat %c3, %a : vector<16xf32>, vector<2xf32>
  kernelred.yield %f : vector<18xf32>
}

kernelred.reduce @strided_interleave_f64 sum over j
    vars(%a0: i[0] vector<6xf64>, %a1: j[1] vector<3xf64>) {
  %odd = kernelred.extract_strided %a0[1 : 3 : 2] : vector<6xf64>
  %i1 = kernelred.interleave %odd, %a1 : vector<3xf64>, vector<3xf64>
  %last = kernelred.extract_strided %a0[5 : 1 : 1] : vector<6xf64>
  %i2 = kernelred.interleave %a1, %last : vector<3xf64>, vector<1xf64>
  %f = kernelred.concat %i1, %i2 : vector<6xf64>, vector<6xf64>
  kernelred.yield %f : vector<12xf64>
}

kernelred.reduce @complex_f64 sum over j
    vars(%a0: i[0] vector<4xf64>, %a1: j[1] vector<2xf64>) {
  %m = kernelred.complexmult %a0, %a1 : vector<4xf64>, vector<2xf64>
  %d = kernelred.complexdivide %a1, %a0 : vector<2xf64>, vector<4xf64>
  %e = kernelred.complexexp %a0 : vector<4xf64>
  %c = kernelred.conj %a0 : vector<4xf64>
  %a = kernelred.complexabs %a0 : vector<4xf64>
  %c1 = kernelred.concat %m, %d : vector<4xf64>, vector<4xf64>
  %c2 = kernelred.concat %c1, %e : vector<8xf64>, vector<4xf64>
  %c3 = kernelred.concat %c2, %c : vector<12xf64>, vector<4xf64>
  %f = kernelred.concat %c3, %a : vector<16xf64>, vector<2xf64>
  kernelred.yield %f : vector<18xf64>
}

kernelred.reduce @products_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: j[2] vector<6xf32>, %a3: i[3] vector<2xf32>) {
  %sp = kernelred.scalprod %a0, %a1 : vector<3xf32>
  %sd = kernelred.sqdist %a0, %a1 : vector<3xf32>
  %mv = kernelred.matvecmult %a2, %a0 : vector<6xf32>, vector<3xf32>
  %vm = kernelred.vecmatmult %a3, %a2 : vector<2xf32>, vector<6xf32>
  %tp = kernelred.tensorprod %a0, %a3 : vector<3xf32>, vector<2xf32>
  %c1 = kernelred.concat %sp, %sd : vector<1xf32>, vector<1xf32>
  %c2 = kernelred.concat %c1, %mv : vector<2xf32>, vector<2xf32>
  %c3 = kernelred.concat %c2, %vm : vector<4xf32>, vector<3xf32>
  %f = kernelred.concat %c3, %tp : vector<7xf32>, vector<6xf32>
  kernelred.yield %f : vector<13xf32>
}

kernelred.reduce @products_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>, %a2: j[2] vector<6xf64>, %a3: i[3] vector<2xf64>) {
  %sp = kernelred.scalprod %a0, %a1 : vector<3xf64>
  %sd = kernelred.sqdist %a0, %a1 : vector<3xf64>
  %mv = kernelred.matvecmult %a2, %a0 : vector<6xf64>, vector<3xf64>
  %vm = kernelred.vecmatmult %a3, %a2 : vector<2xf64>, vector<6xf64>
  %tp = kernelred.tensorprod %a0, %a3 : vector<3xf64>, vector<2xf64>
  %c1 = kernelred.concat %sp, %sd : vector<1xf64>, vector<1xf64>
  %c2 = kernelred.concat %c1, %mv : vector<2xf64>, vector<2xf64>
  %c3 = kernelred.concat %c2, %vm : vector<4xf64>, vector<3xf64>
  %f = kernelred.concat %c3, %tp : vector<7xf64>, vector<6xf64>
  kernelred.yield %f : vector<13xf64>
}

kernelred.reduce @weighted_norms_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<1xf32>, %a3: p[3] vector<3xf32>, %a4: p[4] vector<9xf32>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf32>
  %w1 = kernelred.weightedsqnorm %a2, %d : vector<1xf32>, vector<3xf32>
  %w3 = kernelred.weightedsqnorm %a3, %d : vector<3xf32>, vector<3xf32>
  %w9 = kernelred.weightedsqnorm %a4, %d : vector<9xf32>, vector<3xf32>
  %wd = kernelred.weightedsqdist %a4, %a0, %a1 : vector<9xf32>, vector<3xf32>, vector<3xf32>
  %c1 = kernelred.concat %w1, %w3 : vector<1xf32>, vector<1xf32>
  %c2 = kernelred.concat %c1, %w9 : vector<2xf32>, vector<1xf32>
  %f = kernelred.concat %c2, %wd : vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<4xf32>
}

kernelred.reduce @weighted_norms_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>, %a2: p[2] vector<1xf64>, %a3: p[3] vector<3xf64>, %a4: p[4] vector<9xf64>) {
  %d = kernelred.sub %a0, %a1 : vector<3xf64>
  %w1 = kernelred.weightedsqnorm %a2, %d : vector<1xf64>, vector<3xf64>
  %w3 = kernelred.weightedsqnorm %a3, %d : vector<3xf64>, vector<3xf64>
  %w9 = kernelred.weightedsqnorm %a4, %d : vector<9xf64>, vector<3xf64>
  %wd = kernelred.weightedsqdist %a4, %a0, %a1 : vector<9xf64>, vector<3xf64>, vector<3xf64>
  %c1 = kernelred.concat %w1, %w3 : vector<1xf64>, vector<1xf64>
  %c2 = kernelred.concat %c1, %w9 : vector<2xf64>, vector<1xf64>
  %f = kernelred.concat %c2, %wd : vector<3xf64>, vector<1xf64>
  kernelred.yield %f : vector<4xf64>
}

kernelred.reduce @tensordot_kron_f32 sum over j
    vars(%a0: i[0] vector<9xf32>, %a1: j[1] vector<3xf32>, %a2: i[2] vector<6xf32>, %a3: j[3] vector<6xf32>, %a4: i[4] vector<4xf32>) {
  %t1 = kernelred.tensordot %a0, %a1 dims [3, 3] x [3] contract [1] x [0] : vector<9xf32>, vector<3xf32>
  %t2 = kernelred.tensordot %a2, %a3 dims [2, 3] x [3, 2] contract [1] x [0] permute [1, 0] : vector<6xf32>, vector<6xf32>
  %k1 = kernelred.kron %a4, %a3 dims [2, 2] x [2, 3] : vector<4xf32>, vector<6xf32>
  %c1 = kernelred.concat %t1, %t2 : vector<3xf32>, vector<4xf32>
  %f = kernelred.concat %c1, %k1 : vector<7xf32>, vector<24xf32>
  kernelred.yield %f : vector<31xf32>
}

kernelred.reduce @tensordot_kron_f64 sum over j
    vars(%a0: i[0] vector<9xf64>, %a1: j[1] vector<3xf64>, %a2: i[2] vector<6xf64>, %a3: j[3] vector<6xf64>, %a4: i[4] vector<4xf64>) {
  %t1 = kernelred.tensordot %a0, %a1 dims [3, 3] x [3] contract [1] x [0] : vector<9xf64>, vector<3xf64>
  %t2 = kernelred.tensordot %a2, %a3 dims [2, 3] x [3, 2] contract [1] x [0] permute [1, 0] : vector<6xf64>, vector<6xf64>
  %k1 = kernelred.kron %a4, %a3 dims [2, 2] x [2, 3] : vector<4xf64>, vector<6xf64>
  %c1 = kernelred.concat %t1, %t2 : vector<3xf64>, vector<4xf64>
  %f = kernelred.concat %c1, %k1 : vector<7xf64>, vector<24xf64>
  kernelred.yield %f : vector<31xf64>
}

kernelred.reduce @bspline_f32 sum over j
    vars(%a0: p[0] vector<6xf32>, %a1: i[1] vector<1xf32>, %a2: j[2] vector<1xf32>) {
  %x = kernelred.mul %a1, %a2 : vector<1xf32>
  %b = kernelred.bspline %a0, %x order 2 : vector<6xf32>, vector<1xf32>
  %f = kernelred.extract %b[0 : 3] : vector<5xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @bspline_f64 sum over j
    vars(%a0: p[0] vector<6xf64>, %a1: i[1] vector<1xf64>, %a2: j[2] vector<1xf64>) {
  %x = kernelred.mul %a1, %a2 : vector<1xf64>
  %b = kernelred.bspline %a0, %x order 2 : vector<6xf64>, vector<1xf64>
  %f = kernelred.extract %b[0 : 3] : vector<5xf64>
  kernelred.yield %f : vector<3xf64>
}

kernelred.reduce @softdtw_f32 sum over j
    vars(%a0: i[0] vector<4xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<1xf32>) {
  %f = kernelred.softdtw_sqdist %a0, %a1, %a2 : vector<4xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

kernelred.reduce @softdtw_f64 sum over j
    vars(%a0: i[0] vector<4xf64>, %a1: j[1] vector<3xf64>, %a2: p[2] vector<1xf64>) {
  %f = kernelred.softdtw_sqdist %a0, %a1, %a2 : vector<4xf64>, vector<3xf64>, vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

kernelred.reduce @constants_f32 sum over j
    vars(%a0: i[0] vector<3xf32>, %a1: j[1] vector<3xf32>) {
  %c = kernelred.constant dense<[1.0, 2.5, -3.0]> : vector<3xf32>
  %r = kernelred.ratcst 1, 3 : vector<1xf32>
  %i = kernelred.intcst 2 : vector<1xf32>
  %z = kernelred.zero : vector<3xf32>
  %m = kernelred.mul %a0, %c : vector<3xf32>
  %s = kernelred.mul %a1, %r : vector<3xf32>, vector<1xf32>
  %t = kernelred.add %m, %s : vector<3xf32>
  %u = kernelred.add %t, %i : vector<3xf32>, vector<1xf32>
  %f = kernelred.add %u, %z : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @constants_f64 sum over j
    vars(%a0: i[0] vector<3xf64>, %a1: j[1] vector<3xf64>) {
  %c = kernelred.constant dense<[1.0, 2.5, -3.0]> : vector<3xf64>
  %r = kernelred.ratcst 1, 3 : vector<1xf64>
  %i = kernelred.intcst 2 : vector<1xf64>
  %z = kernelred.zero : vector<3xf64>
  %m = kernelred.mul %a0, %c : vector<3xf64>
  %s = kernelred.mul %a1, %r : vector<3xf64>, vector<1xf64>
  %t = kernelred.add %m, %s : vector<3xf64>
  %u = kernelred.add %t, %i : vector<3xf64>, vector<1xf64>
  %f = kernelred.add %u, %z : vector<3xf64>
  kernelred.yield %f : vector<3xf64>
}

kernelred.reduce @broadcast_hoisting_f32 sum over j
    vars(%a0: i[0] vector<1xf32>, %a1: j[1] vector<3xf32>, %a2: p[2] vector<3xf32>, %a3: j[3] vector<1xf32>) {
  %pj = kernelred.mul %a1, %a2 : vector<3xf32>
  %e = kernelred.exp %pj : vector<3xf32>
  %w = kernelred.mul %e, %a3 : vector<3xf32>, vector<1xf32>
  %x = kernelred.exp %a0 : vector<1xf32>
  %f = kernelred.mul %w, %x : vector<3xf32>, vector<1xf32>
  kernelred.yield %f : vector<3xf32>
}

kernelred.reduce @broadcast_hoisting_f64 sum over j
    vars(%a0: i[0] vector<1xf64>, %a1: j[1] vector<3xf64>, %a2: p[2] vector<3xf64>, %a3: j[3] vector<1xf64>) {
  %pj = kernelred.mul %a1, %a2 : vector<3xf64>
  %e = kernelred.exp %pj : vector<3xf64>
  %w = kernelred.mul %e, %a3 : vector<3xf64>, vector<1xf64>
  %x = kernelred.exp %a0 : vector<1xf64>
  %f = kernelred.mul %w, %x : vector<3xf64>, vector<1xf64>
  kernelred.yield %f : vector<3xf64>
}
