// RUN: kred-opt %s --split-input-file --kred-autodiff | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-autodiff | FileCheck %s --check-prefix=CLEAN
// RUN: kred-opt %s --split-input-file --kred-autodiff="simplify=false" | FileCheck %s --check-prefix=CLEAN

// One case per differentiation rule (AdjointOpInterface, lib/Transforms/
// AdjointRules.cpp) and per differential operator, after the pass' own
// simplification. Values are named as printed: %i0 is the i-variable at
// position 0, %j1 the j-variable at position 1, %p2 a parameter. The
// numbers are checked by kred-autodiff-fd*.mlir.

// No symbolic derivative is left.
// CLEAN-NOT: kernelred.{{(grad|diff|divergence|laplacian|gradmatrix) }}

// Minus: -e.
// CHECK-LABEL: kernelred.reduce @neg 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.neg %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @neg sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.neg %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Inv: -e Inv(x)^2, reusing the forward value.
// CHECK-LABEL: kernelred.reduce @inv 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[I:.*]] = kernelred.inv %i0
// CHECK: %[[S:.*]] = kernelred.square %[[I]]
// CHECK: %[[M:.*]] = kernelred.mul %j1, %[[S]]
// CHECK: %[[R:.*]] = kernelred.neg %[[M]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @inv sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.inv %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Square: 2 x e.
// CHECK-LABEL: kernelred.reduce @square 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[TWO:.*]] = kernelred.intcst 2
// CHECK: %[[M:.*]] = kernelred.mul %j1, %i0
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[TWO]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @square sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.square %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Sqrt: 1/2 Rsqrt(x) e, which is 0 at 0 (KeOps' convention).
// CHECK-LABEL: kernelred.reduce @sqrt 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[HALF:.*]] = kernelred.ratcst 1, 2
// CHECK: %[[RS:.*]] = kernelred.rsqrt %i0
// CHECK: %[[M:.*]] = kernelred.mul %[[RS]], %j1
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[HALF]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sqrt sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.sqrt %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Rsqrt: -1/2 Rsqrt(x)^3 e, 0 at 0.
// CHECK-LABEL: kernelred.reduce @rsqrt 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[C:.*]] = kernelred.constant dense<-5.000000e-01>
// CHECK: %[[RS:.*]] = kernelred.rsqrt %i0
// CHECK: %[[P:.*]] = kernelred.pow %[[RS]], 3
// CHECK: %[[M:.*]] = kernelred.mul %[[P]], %j1
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[C]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @rsqrt sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.rsqrt %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Exp: e Exp(x), reusing the forward value.
// CHECK-LABEL: kernelred.reduce @exp 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[E:.*]] = kernelred.exp %i0
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[E]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @exp sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.exp %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Log: e / x.
// CHECK-LABEL: kernelred.reduce @log 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.div %j1, %i0
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @log sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.log %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// XLogX: e (Log(x) + 1).
// CHECK-LABEL: kernelred.reduce @xlogx 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[ONE:.*]] = kernelred.intcst 1
// CHECK: %[[L:.*]] = kernelred.log %i0
// CHECK: %[[A:.*]] = kernelred.add %[[L]], %[[ONE]]
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[A]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @xlogx sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.xlogx %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Sin: e Cos(x).
// CHECK-LABEL: kernelred.reduce @sin 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[C:.*]] = kernelred.cos %i0
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[C]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sin sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.sin %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Cos: -e Sin(x).
// CHECK-LABEL: kernelred.reduce @cos 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[S:.*]] = kernelred.sin %i0
// CHECK: %[[M:.*]] = kernelred.mul %j1, %[[S]]
// CHECK: %[[R:.*]] = kernelred.neg %[[M]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @cos sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.cos %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// SinXDivX: e (Cos(x) - SinXDivX(x)) / x, with x + (x == 0) as the
// denominator: 0 at 0 where KeOps' Cos(x)/x - Sin(x)/x^2 is NaN.
// CHECK-LABEL: kernelred.reduce @sinxdivx 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<1xf32>
// CHECK: %[[F:.*]] = kernelred.sinxdivx %i0
// CHECK: %[[EQ:.*]] = kernelred.equal %i0, %[[Z]]
// CHECK: %[[DEN:.*]] = kernelred.add %i0, %[[EQ]]
// CHECK: %[[C:.*]] = kernelred.cos %i0
// CHECK: %[[NUM:.*]] = kernelred.sub %[[C]], %[[F]]
// CHECK: %[[D:.*]] = kernelred.div %[[NUM]], %[[DEN]]
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[D]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sinxdivx sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.sinxdivx %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Asin: e Rsqrt(1 - x^2).
// CHECK-LABEL: kernelred.reduce @asin 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[ONE:.*]] = kernelred.intcst 1
// CHECK: %[[S:.*]] = kernelred.square %i0
// CHECK: %[[D:.*]] = kernelred.sub %[[ONE]], %[[S]]
// CHECK: %[[RS:.*]] = kernelred.rsqrt %[[D]]
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[RS]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @asin sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.asin %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Acos: -e Rsqrt(1 - x^2).
// CHECK-LABEL: kernelred.reduce @acos 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[ONE:.*]] = kernelred.intcst 1
// CHECK: %[[S:.*]] = kernelred.square %i0
// CHECK: %[[D:.*]] = kernelred.sub %[[ONE]], %[[S]]
// CHECK: %[[RS:.*]] = kernelred.rsqrt %[[D]]
// CHECK: %[[M:.*]] = kernelred.mul %j1, %[[RS]]
// CHECK: %[[R:.*]] = kernelred.neg %[[M]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @acos sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.acos %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Atan: e / (1 + x^2).
// CHECK-LABEL: kernelred.reduce @atan 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[ONE:.*]] = kernelred.intcst 1
// CHECK: %[[S:.*]] = kernelred.square %i0
// CHECK: %[[D:.*]] = kernelred.add %[[S]], %[[ONE]]
// CHECK: %[[R:.*]] = kernelred.div %j1, %[[D]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @atan sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.atan %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Abs: e Sign(x) (KeOps).
// CHECK-LABEL: kernelred.reduce @abs 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[S:.*]] = kernelred.sign %i0
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[S]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @abs sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.abs %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// ReLU: e Step(x) (KeOps).
// CHECK-LABEL: kernelred.reduce @relu 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[S:.*]] = kernelred.step %i0
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[S]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @relu sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.relu %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Pow(x, 3): 3 Pow(x, 2) e, with Pow(x, 2) = Square(x).
// CHECK-LABEL: kernelred.reduce @pow 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[THREE:.*]] = kernelred.intcst 3
// CHECK: %[[P:.*]] = kernelred.square %i0
// CHECK: %[[M:.*]] = kernelred.mul %j1, %[[P]]
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[THREE]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @pow sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.pow %x, 3 : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// ClampInt: e DiffClampInt(x) (KeOps).
// CHECK-LABEL: kernelred.reduce @clampint 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[D:.*]] = kernelred.diffclampint %i0, -1, 2
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[D]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @clampint sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.clampint %x, -1, 2 : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Normalize: Rsqrt(|x|^2) (e - (u|e) u) with u = Normalize(x), 0 at 0.
// CHECK-LABEL: kernelred.reduce @normalize 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[U:.*]] = kernelred.normalize %i0
// CHECK: %[[N:.*]] = kernelred.sqnorm2 %i0
// CHECK: %[[RS:.*]] = kernelred.rsqrt %[[N]]
// CHECK: %[[P:.*]] = kernelred.scalprod %[[U]], %j1
// CHECK: %[[PU:.*]] = kernelred.mul %[[P]], %[[U]]
// CHECK: %[[D:.*]] = kernelred.sub %j1, %[[PU]]
// CHECK: %[[R:.*]] = kernelred.mul %[[RS]], %[[D]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @normalize sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.normalize %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Sign: zero (piecewise constant).
// CHECK-LABEL: kernelred.reduce @sign 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[Z]]
kernelred.reduce @sign sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.sign %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Step: zero (piecewise constant).
// CHECK-LABEL: kernelred.reduce @step 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[Z]]
kernelred.reduce @step sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.step %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Floor: zero (piecewise constant).
// CHECK-LABEL: kernelred.reduce @floor 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[Z]]
kernelred.reduce @floor sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.floor %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Round: zero, so only the second factor of Round(x) * x is differentiated.
// CHECK-LABEL: kernelred.reduce @round 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.round %i0, 2
// CHECK: %[[G:.*]] = kernelred.mul %j1, %[[R]]
// CHECK: kernelred.yield %[[G]]
kernelred.reduce @round sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %r = kernelred.round %x, 2 : vector<3xf32>
  %f = kernelred.mul %r, %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Comparisons: zero.
// CHECK-LABEL: kernelred.reduce @compare 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[Z]]
kernelred.reduce @compare sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %a = kernelred.lessthan %x, %y : vector<3xf32>
  %b = kernelred.lessorequal %x, %y : vector<3xf32>
  %c = kernelred.equal %x, %y : vector<3xf32>
  %d = kernelred.notequal %x, %y : vector<3xf32>
  %s1 = kernelred.add %a, %b : vector<3xf32>
  %s2 = kernelred.add %c, %d : vector<3xf32>
  %f = kernelred.add %s1, %s2 : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Add: a dimension-1 operand gets the Sum of the broadcast adjoint.
// CHECK-LABEL: kernelred.reduce @add_broadcast 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[S:.*]] = kernelred.sum %j2
// CHECK: %[[R:.*]] = kernelred.concat %[[S]], %j2
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @add_broadcast sum over j
    vars(%x: i[0] vector<3xf32>, %p: p[1] vector<1xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.add %x, %p : vector<3xf32>, vector<1xf32>
  %gp = kernelred.grad %f wrt %p dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %g = kernelred.concat %gp, %gx : vector<1xf32>, vector<3xf32>
  kernelred.yield %g : vector<4xf32>
}

// -----

// Subtract: -e for the right operand.
// CHECK-LABEL: kernelred.reduce @sub 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.neg %j2
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sub sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.sub %x, %y : vector<3xf32>
  %g = kernelred.grad %f wrt %y dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Mult: e y.
// CHECK-LABEL: kernelred.reduce @mul 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.mul %j2, %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @mul sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.mul %x, %y : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// x * x: both operands' adjoints add up to 2 e x.
// CHECK-LABEL: kernelred.reduce @mul_self 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[TWO:.*]] = kernelred.constant dense<2.000000e+00>
// CHECK: %[[M:.*]] = kernelred.mul %j1, %i0
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[TWO]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @mul_self sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.mul %x, %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Divide: -e (x / y) / y for the denominator, reusing the quotient.
// CHECK-LABEL: kernelred.reduce @div 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[Q:.*]] = kernelred.div %i0, %j1
// CHECK: %[[GX:.*]] = kernelred.div %j2, %j1
// CHECK: %[[M:.*]] = kernelred.mul %j2, %[[Q]]
// CHECK: %[[D:.*]] = kernelred.div %[[M]], %j1
// CHECK: %[[GY:.*]] = kernelred.neg %[[D]]
// CHECK: %[[R:.*]] = kernelred.concat %[[GX]], %[[GY]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @div sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.div %x, %y : vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %gy = kernelred.grad %f wrt %y dir %e : vector<3xf32>
  %g = kernelred.concat %gx, %gy : vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// Powf: w.r.t. both operands, b Powf(a, b - 1) and Log(a) Powf(a, b) (KeOps).
// CHECK-LABEL: kernelred.reduce @powf 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[ONE:.*]] = kernelred.intcst 1
// CHECK: %[[F:.*]] = kernelred.powf %i0, %j1
// CHECK: %[[B1:.*]] = kernelred.sub %j1, %[[ONE]]
// CHECK: %[[P:.*]] = kernelred.powf %i0, %[[B1]]
// CHECK: %[[DA:.*]] = kernelred.mul %j1, %[[P]]
// CHECK: %[[GX:.*]] = kernelred.mul %j2, %[[DA]]
// CHECK: %[[L:.*]] = kernelred.log %i0
// CHECK: %[[DB:.*]] = kernelred.mul %[[L]], %[[F]]
// CHECK: %[[GY:.*]] = kernelred.mul %j2, %[[DB]]
// CHECK: %[[R:.*]] = kernelred.concat %[[GX]], %[[GY]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @powf sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.powf %x, %y : vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %gy = kernelred.grad %f wrt %y dir %e : vector<3xf32>
  %g = kernelred.concat %gx, %gy : vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// Atan2(f, g): g / (f^2 + g^2) and -f / (f^2 + g^2) (KeOps).
// CHECK-LABEL: kernelred.reduce @atan2 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[X2:.*]] = kernelred.square %i0
// CHECK: %[[Y2:.*]] = kernelred.square %j1
// CHECK: %[[R2:.*]] = kernelred.add %[[X2]], %[[Y2]]
// CHECK: %[[EY:.*]] = kernelred.mul %j2, %j1
// CHECK: %[[GX:.*]] = kernelred.div %[[EY]], %[[R2]]
// CHECK: %[[EX:.*]] = kernelred.mul %j2, %i0
// CHECK: %[[D:.*]] = kernelred.div %[[EX]], %[[R2]]
// CHECK: %[[GY:.*]] = kernelred.neg %[[D]]
// CHECK: %[[R:.*]] = kernelred.concat %[[GX]], %[[GY]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @atan2 sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.atan2 %x, %y : vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %gy = kernelred.grad %f wrt %y dir %e : vector<3xf32>
  %g = kernelred.concat %gx, %gy : vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// IfElse: the adjoint goes to a where c >= 0 and to b elsewhere (summed for
// the broadcast b), none to the condition (KeOps).
// CHECK-LABEL: kernelred.reduce @ifelse 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<1xf32>
// CHECK: %[[GA:.*]] = kernelred.ifelse %i0, %j3, %[[Z]]
// CHECK: %[[B:.*]] = kernelred.ifelse %i0, %[[Z]], %j3
// CHECK: %[[GB:.*]] = kernelred.sum %[[B]]
// CHECK: %[[C:.*]] = kernelred.concat %[[GA]], %[[GB]]
// CHECK: %[[R:.*]] = kernelred.extractt %[[C]] dim 7 at 0
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @ifelse sum over j
    vars(%c: i[0] vector<3xf32>, %a: j[1] vector<3xf32>, %b: j[2] vector<1xf32>, %e: j[3] vector<3xf32>) {
  %f = kernelred.ifelse %c, %a, %b : vector<3xf32>, vector<3xf32>, vector<1xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<3xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %gc = kernelred.grad %f wrt %c dir %e : vector<3xf32>
  %g1 = kernelred.concat %ga, %gb : vector<3xf32>, vector<1xf32>
  %g = kernelred.concat %g1, %gc : vector<4xf32>, vector<3xf32>
  kernelred.yield %g : vector<7xf32>
}

// -----

// Clamp: [lo <= x][x <= hi], [x < lo] and [lo <= x][hi < x] (summed for
// the broadcast bounds: scalar products).
// CHECK-LABEL: kernelred.reduce @clamp 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GE:.*]] = kernelred.lessorequal %p1, %i0
// CHECK: %[[LE:.*]] = kernelred.lessorequal %i0, %p2
// CHECK: %[[DX:.*]] = kernelred.mul %[[GE]], %[[LE]]
// CHECK: %[[GX:.*]] = kernelred.mul %j3, %[[DX]]
// CHECK: %[[BELOW:.*]] = kernelred.lessthan %i0, %p1
// CHECK: %[[GL:.*]] = kernelred.scalprod %j3, %[[BELOW]]
// CHECK: %[[ABOVE:.*]] = kernelred.lessthan %p2, %i0
// CHECK: %[[DH:.*]] = kernelred.mul %[[GE]], %[[ABOVE]]
// CHECK: %[[GH:.*]] = kernelred.scalprod %j3, %[[DH]]
// CHECK: %[[C1:.*]] = kernelred.concat %[[GX]], %[[GL]]
// CHECK: %[[C2:.*]] = kernelred.concat %[[C1]], %[[GH]]
// CHECK: kernelred.yield %[[C2]]
kernelred.reduce @clamp sum over j
    vars(%x: i[0] vector<3xf32>, %lo: p[1] vector<1xf32>, %hi: p[2] vector<1xf32>, %e: j[3] vector<3xf32>) {
  %f = kernelred.clamp %x, %lo, %hi : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %gl = kernelred.grad %f wrt %lo dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %gh = kernelred.grad %f wrt %hi dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %g1 = kernelred.concat %gx, %gl : vector<3xf32>, vector<1xf32>
  %g = kernelred.concat %g1, %gh : vector<4xf32>, vector<1xf32>
  kernelred.yield %g : vector<5xf32>
}

// -----

// Mod(x, n, off) = x - n Floor((x - off) / n): 1, -Floor(...), 0 (KeOps).
// CHECK-LABEL: kernelred.reduce @mod 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[D:.*]] = kernelred.sub %i0, %p2
// CHECK: %[[Q:.*]] = kernelred.div %[[D]], %p1
// CHECK: %[[F:.*]] = kernelred.floor %[[Q]]
// CHECK: %[[S:.*]] = kernelred.scalprod %j3, %[[F]]
// CHECK: %[[GN:.*]] = kernelred.neg %[[S]]
// CHECK: %[[C:.*]] = kernelred.concat %j3, %[[GN]]
// CHECK: %[[R:.*]] = kernelred.extractt %[[C]] dim 5 at 0
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @mod sum over j
    vars(%x: i[0] vector<3xf32>, %n: p[1] vector<1xf32>, %o: p[2] vector<1xf32>, %e: j[3] vector<3xf32>) {
  %f = kernelred.mod %x, %n, %o : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  %gn = kernelred.grad %f wrt %n dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %go = kernelred.grad %f wrt %o dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  %g1 = kernelred.concat %gx, %gn : vector<3xf32>, vector<1xf32>
  %g = kernelred.concat %g1, %go : vector<4xf32>, vector<1xf32>
  kernelred.yield %g : vector<5xf32>
}

// -----

// Sum: SumT(e).
// CHECK-LABEL: kernelred.reduce @sum 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.sumt %j1 dim 3
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sum sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.sum %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Max: OneHot(ArgMax(x)) e (KeOps).
// CHECK-LABEL: kernelred.reduce @max 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.argmax %i0
// CHECK: %[[O:.*]] = kernelred.onehot %[[A]] dim 3
// CHECK: %[[R:.*]] = kernelred.mul %[[O]], %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @max sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.max %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Min: OneHot(ArgMin(x)) e.
// CHECK-LABEL: kernelred.reduce @min 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.argmin %i0
// CHECK: %[[O:.*]] = kernelred.onehot %[[A]] dim 3
// CHECK: %[[R:.*]] = kernelred.mul %[[O]], %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @min sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.min %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// SqNorm2: 2 e x, the constant on the scalar factor.
// CHECK-LABEL: kernelred.reduce @sqnorm2 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[TWO:.*]] = kernelred.intcst 2
// CHECK: %[[S:.*]] = kernelred.mul %j1, %[[TWO]] : vector<1xf32>
// CHECK: %[[R:.*]] = kernelred.mul %[[S]], %i0 : vector<1xf32>, vector<3xf32>
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sqnorm2 sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.sqnorm2 %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Norm2: e Normalize(x) (KeOps' Rsqrt convention at 0).
// CHECK-LABEL: kernelred.reduce @norm2 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[U:.*]] = kernelred.normalize %i0
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[U]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @norm2 sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.norm2 %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Elem: ElemT(e).
// CHECK-LABEL: kernelred.reduce @elem 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.elemt %j1 dim 3 at 1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @elem sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<1xf32>) {
  %f = kernelred.elem %x[1] : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// ElemT: Elem(e).
// CHECK-LABEL: kernelred.reduce @elemt 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.elem %j1[2]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @elemt sum over j
    vars(%s: i[0] vector<1xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.elemt %s dim 3 at 2 : vector<1xf32>
  %g = kernelred.grad %f wrt %s dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// SumT: Sum(e).
// CHECK-LABEL: kernelred.reduce @sumt 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.sum %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sumt sum over j
    vars(%s: p[0] vector<1xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.sumt %s dim 3 : vector<1xf32>
  %g = kernelred.grad %f wrt %s dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// Extract: ExtractT(e).
// CHECK-LABEL: kernelred.reduce @extract 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.extractt %j1 dim 4 at 1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @extract sum over j
    vars(%x: i[0] vector<4xf32>, %e: j[1] vector<2xf32>) {
  %f = kernelred.extract %x[1 : 2] : vector<4xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<2xf32>, vector<4xf32>, vector<2xf32>
  kernelred.yield %g : vector<4xf32>
}

// -----

// ExtractT: Extract(e).
// CHECK-LABEL: kernelred.reduce @extractt 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.extract %j1[1 : 2]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @extractt sum over j
    vars(%x: i[0] vector<2xf32>, %e: j[1] vector<4xf32>) {
  %f = kernelred.extractt %x dim 4 at 1 : vector<2xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<4xf32>, vector<2xf32>, vector<4xf32>
  kernelred.yield %g : vector<2xf32>
}

// -----

// Concat: the two slices of e.
// CHECK-LABEL: kernelred.reduce @concat 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.extract %j2[0 : 2]
// CHECK: %[[B:.*]] = kernelred.extract %j2[2 : 3]
// CHECK: %[[R:.*]] = kernelred.concat %[[B]], %[[A]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @concat sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<5xf32>) {
  %f = kernelred.concat %x, %y : vector<2xf32>, vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<5xf32>, vector<2xf32>, vector<5xf32>
  %gy = kernelred.grad %f wrt %y dir %e : vector<5xf32>, vector<3xf32>, vector<5xf32>
  %g = kernelred.concat %gy, %gx : vector<3xf32>, vector<2xf32>
  kernelred.yield %g : vector<5xf32>
}

// -----

// OneHot(ArgMax(x)) is piecewise constant: only the other factor counts.
// CHECK-LABEL: kernelred.reduce @onehot 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.argmax %i0
// CHECK: %[[O:.*]] = kernelred.onehot %[[A]] dim 3
// CHECK: %[[R:.*]] = kernelred.mul %j1, %[[O]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @onehot sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  %a = kernelred.argmax %x : vector<3xf32>
  %o = kernelred.onehot %a dim 3 : vector<1xf32>
  %f = kernelred.mul %o, %x : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Scalprod: e y.
// CHECK-LABEL: kernelred.reduce @scalprod 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[R:.*]] = kernelred.mul %j2, %j1 : vector<1xf32>, vector<3xf32>
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @scalprod sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.scalprod %x, %y : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// Scalprod with a scalar side: e Sum(y) for the scalar.
// CHECK-LABEL: kernelred.reduce @scalprod_scalar 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[S:.*]] = kernelred.sum %j1
// CHECK: %[[R:.*]] = kernelred.mul %j2, %[[S]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @scalprod_scalar sum over j
    vars(%s: p[0] vector<1xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.scalprod %s, %y : vector<1xf32>, vector<3xf32>
  %g = kernelred.grad %f wrt %s dir %e : vector<1xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// SqDist: -2 e (x - y) for y.
// CHECK-LABEL: kernelred.reduce @sqdist 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[C:.*]] = kernelred.constant dense<-2.000000e+00>
// CHECK: %[[D:.*]] = kernelred.sub %i0, %j1
// CHECK: %[[S:.*]] = kernelred.mul %j2, %[[C]] : vector<1xf32>
// CHECK: %[[R:.*]] = kernelred.mul %[[S]], %[[D]] : vector<1xf32>, vector<3xf32>
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @sqdist sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.sqdist %x, %y : vector<3xf32>
  %g = kernelred.grad %f wrt %y dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// MatVecMult(A, b): TensorProd(e, b) and VecMatMult(e, A).
// CHECK-LABEL: kernelred.reduce @matvecmult 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GA:.*]] = kernelred.tensorprod %j2, %j1
// CHECK: %[[GB:.*]] = kernelred.vecmatmult %j2, %i0
// CHECK: %[[R:.*]] = kernelred.concat %[[GA]], %[[GB]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @matvecmult sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>, %e: j[2] vector<2xf32>) {
  %f = kernelred.matvecmult %a, %b : vector<6xf32>, vector<3xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<2xf32>, vector<6xf32>, vector<2xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<2xf32>, vector<3xf32>, vector<2xf32>
  %g = kernelred.concat %ga, %gb : vector<6xf32>, vector<3xf32>
  kernelred.yield %g : vector<9xf32>
}

// -----

// VecMatMult(b, A): MatVecMult(A, e) and TensorProd(b, e).
// CHECK-LABEL: kernelred.reduce @vecmatmult 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GB:.*]] = kernelred.matvecmult %j1, %j2
// CHECK: %[[GA:.*]] = kernelred.tensorprod %i0, %j2
// CHECK: %[[R:.*]] = kernelred.concat %[[GB]], %[[GA]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @vecmatmult sum over j
    vars(%b: i[0] vector<2xf32>, %a: j[1] vector<6xf32>, %e: j[2] vector<3xf32>) {
  %f = kernelred.vecmatmult %b, %a : vector<2xf32>, vector<6xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<3xf32>, vector<2xf32>, vector<3xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<3xf32>, vector<6xf32>, vector<3xf32>
  %g = kernelred.concat %gb, %ga : vector<2xf32>, vector<6xf32>
  kernelred.yield %g : vector<8xf32>
}

// -----

// TensorProd(x, y): MatVecMult(e, y) and VecMatMult(x, e).
// CHECK-LABEL: kernelred.reduce @tensorprod 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GX:.*]] = kernelred.matvecmult %j2, %j1
// CHECK: %[[GY:.*]] = kernelred.vecmatmult %i0, %j2
// CHECK: %[[R:.*]] = kernelred.concat %[[GX]], %[[GY]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @tensorprod sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<6xf32>) {
  %f = kernelred.tensorprod %x, %y : vector<2xf32>, vector<3xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<6xf32>, vector<2xf32>, vector<6xf32>
  %gy = kernelred.grad %f wrt %y dir %e : vector<6xf32>, vector<3xf32>, vector<6xf32>
  %g = kernelred.concat %gx, %gy : vector<2xf32>, vector<3xf32>
  kernelred.yield %g : vector<5xf32>
}

// -----

// WeightedSqNorm, isotropic (dim s = 1): Sum(e x^2) for s, 2 e s x for x.
// CHECK-LABEL: kernelred.reduce @weightedsqnorm_iso 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[TWO:.*]] = kernelred.intcst 2
// CHECK: %[[SQ:.*]] = kernelred.square %i1
// CHECK: %[[SUM:.*]] = kernelred.sum %[[SQ]]
// CHECK: %[[GS:.*]] = kernelred.mul %j2, %[[SUM]]
// CHECK: %[[SX:.*]] = kernelred.mul %p0, %i1
// CHECK: %[[E2:.*]] = kernelred.mul %j2, %[[TWO]]
// CHECK: %[[GX:.*]] = kernelred.mul %[[E2]], %[[SX]]
// CHECK: %[[R:.*]] = kernelred.concat %[[GS]], %[[GX]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @weightedsqnorm_iso sum over j
    vars(%s: p[0] vector<1xf32>, %x: i[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.weightedsqnorm %s, %x : vector<1xf32>, vector<3xf32>
  %gs = kernelred.grad %f wrt %s dir %e : vector<1xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  %g = kernelred.concat %gs, %gx : vector<1xf32>, vector<3xf32>
  kernelred.yield %g : vector<4xf32>
}

// -----

// WeightedSqNorm, diagonal (dim s = D): e x^2 for s.
// CHECK-LABEL: kernelred.reduce @weightedsqnorm_diag 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[SQ:.*]] = kernelred.square %i1
// CHECK: %[[R:.*]] = kernelred.mul %j2, %[[SQ]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @weightedsqnorm_diag sum over j
    vars(%s: p[0] vector<3xf32>, %x: i[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.weightedsqnorm %s, %x : vector<3xf32>
  %g = kernelred.grad %f wrt %s dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// WeightedSqNorm, full (dim s = D^2): e TensorProd(x, x) for S,
// e (S x + x^T S) for x.
// CHECK-LABEL: kernelred.reduce @weightedsqnorm_full 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[XX:.*]] = kernelred.tensorprod %i1, %i1
// CHECK: %[[GS:.*]] = kernelred.mul %j2, %[[XX]]
// CHECK: %[[SX:.*]] = kernelred.matvecmult %p0, %i1
// CHECK: %[[XS:.*]] = kernelred.vecmatmult %i1, %p0
// CHECK: %[[A:.*]] = kernelred.add %[[SX]], %[[XS]]
// CHECK: %[[GX:.*]] = kernelred.mul %j2, %[[A]]
// CHECK: %[[R:.*]] = kernelred.concat %[[GS]], %[[GX]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @weightedsqnorm_full sum over j
    vars(%s: p[0] vector<9xf32>, %x: i[1] vector<3xf32>, %e: j[2] vector<1xf32>) {
  %f = kernelred.weightedsqnorm %s, %x : vector<9xf32>, vector<3xf32>
  %gs = kernelred.grad %f wrt %s dir %e : vector<1xf32>, vector<9xf32>, vector<1xf32>
  %gx = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  %g = kernelred.concat %gs, %gx : vector<9xf32>, vector<3xf32>
  kernelred.yield %g : vector<12xf32>
}

// -----

// WeightedSqDist(S, x, y) = WeightedSqNorm(S, x - y): minus the x adjoint for y.
// CHECK-LABEL: kernelred.reduce @weightedsqdist 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[D:.*]] = kernelred.sub %i1, %j2
// CHECK: %[[SD:.*]] = kernelred.matvecmult %p0, %[[D]]
// CHECK: %[[DS:.*]] = kernelred.vecmatmult %[[D]], %p0
// CHECK: %[[A:.*]] = kernelred.add %[[SD]], %[[DS]]
// CHECK: %[[M:.*]] = kernelred.mul %j3, %[[A]]
// CHECK: %[[R:.*]] = kernelred.neg %[[M]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @weightedsqdist sum over j
    vars(%m: p[0] vector<4xf32>, %x: i[1] vector<2xf32>, %y: j[2] vector<2xf32>, %e: j[3] vector<1xf32>) {
  %f = kernelred.weightedsqdist %m, %x, %y : vector<4xf32>, vector<2xf32>, vector<2xf32>
  %g = kernelred.grad %f wrt %y dir %e : vector<1xf32>, vector<2xf32>, vector<1xf32>
  kernelred.yield %g : vector<2xf32>
}

// -----

// TensorDot: TensorDots of e with the other operand, contracting the output
// axes that came from it; the permutation is undone (here [1, 0] on a 4 x 2
// output).
// CHECK-LABEL: kernelred.reduce @tensordot 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GA:.*]] = kernelred.tensordot %j2, %j1 dims [4, 2] x [4, 3] contract [0] x [0] :
// CHECK: %[[GB:.*]] = kernelred.tensordot %j2, %i0 dims [4, 2] x [2, 3] contract [1] x [0] :
// CHECK: %[[R:.*]] = kernelred.concat %[[GA]], %[[GB]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @tensordot sum over j
    vars(%a: i[0] vector<6xf32>, %b: j[1] vector<12xf32>, %e: j[2] vector<8xf32>) {
  %f = kernelred.tensordot %a, %b dims [2, 3] x [4, 3] contract [1] x [1] permute [1, 0] : vector<6xf32>, vector<12xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<8xf32>, vector<6xf32>, vector<8xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<8xf32>, vector<12xf32>, vector<8xf32>
  %g = kernelred.concat %ga, %gb : vector<6xf32>, vector<12xf32>
  kernelred.yield %g : vector<18xf32>
}

// -----

// Kron: TensorDots of e, seen with the interleaved shape [a0, b0, a1, b1].
// CHECK-LABEL: kernelred.reduce @kron 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[GA:.*]] = kernelred.tensordot %j2, %j1 dims [2, 2, 2, 3] x [2, 3] contract [1, 3] x [0, 1] :
// CHECK: %[[GB:.*]] = kernelred.tensordot %j2, %i0 dims [2, 2, 2, 3] x [2, 2] contract [0, 2] x [0, 1] :
// CHECK: %[[R:.*]] = kernelred.concat %[[GA]], %[[GB]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @kron sum over j
    vars(%a: i[0] vector<4xf32>, %b: j[1] vector<6xf32>, %e: j[2] vector<24xf32>) {
  %f = kernelred.kron %a, %b dims [2, 2] x [2, 3] : vector<4xf32>, vector<6xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<24xf32>, vector<4xf32>, vector<24xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<24xf32>, vector<6xf32>, vector<24xf32>
  %g = kernelred.concat %ga, %gb : vector<4xf32>, vector<6xf32>
  kernelred.yield %g : vector<10xf32>
}

// -----

// ExtractStrided (the re/im split of the complex expansion): Interleave with
// zeros.
// CHECK-LABEL: kernelred.reduce @extract_strided 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<1xf32>
// CHECK: %[[R:.*]] = kernelred.interleave %[[Z]], %j1
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @extract_strided sum over j
    vars(%z: i[0] vector<6xf32>, %e: j[1] vector<3xf32>) {
  %f = kernelred.extract_strided %z[1 : 3 : 2] : vector<6xf32>
  %g = kernelred.grad %f wrt %z dir %e : vector<3xf32>, vector<6xf32>, vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// Interleave: the even and the odd components.
// CHECK-LABEL: kernelred.reduce @interleave 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.extract_strided %j2[0 : 3 : 2]
// CHECK: %[[B:.*]] = kernelred.extract_strided %j2[1 : 3 : 2]
// CHECK: %[[R:.*]] = kernelred.concat %[[A]], %[[B]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @interleave sum over j
    vars(%a: i[0] vector<3xf32>, %b: j[1] vector<3xf32>, %e: j[2] vector<6xf32>) {
  %f = kernelred.interleave %a, %b : vector<3xf32>
  %ga = kernelred.grad %f wrt %a dir %e : vector<6xf32>, vector<3xf32>, vector<6xf32>
  %gb = kernelred.grad %f wrt %b dir %e : vector<6xf32>, vector<3xf32>, vector<6xf32>
  %g = kernelred.concat %ga, %gb : vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// Complex ops are expanded into real ops first (here ComplexMult).
// CHECK-LABEL: kernelred.reduce @complex 
// CHECK-NOT: kernelred.complex
// CHECK: kernelred.extract_strided
// CHECK-NOT: kernelred.complex
// CHECK: kernelred.interleave
// CHECK-NOT: kernelred.complex
// CHECK: kernelred.yield
kernelred.reduce @complex sum over j
    vars(%z: i[0] vector<4xf32>, %w: j[1] vector<4xf32>, %e: j[2] vector<4xf32>) {
  %f = kernelred.complexmult %z, %w : vector<4xf32>
  %g = kernelred.grad %f wrt %z dir %e : vector<4xf32>
  kernelred.yield %g : vector<4xf32>
}

// -----

// BSpline: differentiated through De Boor's recursion, with safe
// denominators where two knots coincide (KeOps has no gradient).
// CHECK-LABEL: kernelred.reduce @bspline 
// CHECK: %[[LO:.*]] = kernelred.extract %p0[0 : 3]
// CHECK: %[[HI:.*]] = kernelred.extract %p0[1 : 3]
// CHECK: %[[C:.*]] = kernelred.sub %[[LO]], %[[HI]]
// CHECK: %[[W:.*]] = kernelred.sub %[[HI]], %[[LO]]
// CHECK: %[[DEN:.*]] = kernelred.ifelse %[[C]], %{{.*}}, %[[W]]
// CHECK: kernelred.div %{{.*}}, %[[DEN]]
// CHECK: %[[R:.*]] = kernelred.sum
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @bspline sum over j
    vars(%t: p[0] vector<4xf32>, %x: j[1] vector<1xf32>, %e: i[2] vector<3xf32>) {
  %b = kernelred.bspline %t, %x order 1 : vector<4xf32>, vector<1xf32>
  %g = kernelred.grad %b wrt %x dir %e : vector<3xf32>, vector<1xf32>, vector<3xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// SoftDTW_SqDist: differentiated through its dynamic program, here w.r.t.
// gamma (KeOps cannot); 2 x 2 cells, one soft minimum.
// CHECK-LABEL: kernelred.reduce @softdtw 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[MIN:.*]] = kernelred.min
// CHECK-COUNT-3: kernelred.exp
// CHECK: %[[S:.*]] = kernelred.log
// CHECK-NOT: kernelred.softdtw_sqdist
// CHECK: kernelred.yield
kernelred.reduce @softdtw sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>, %g: p[2] vector<1xf32>) {
  %d = kernelred.softdtw_sqdist %x, %y, %g : vector<2xf32>, vector<2xf32>, vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %r = kernelred.grad %d wrt %g dir %one : vector<1xf32>
  kernelred.yield %r : vector<1xf32>
}

// -----

// Diff: forward mode, the directional derivative -2 (x - y | u) f.
// CHECK-LABEL: kernelred.reduce @diff 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[C:.*]] = kernelred.constant dense<-2.000000e+00>
// CHECK: %[[F:.*]] = kernelred.exp
// CHECK: %[[D:.*]] = kernelred.sub %i0, %j1
// CHECK: %[[P:.*]] = kernelred.scalprod %[[D]], %i2
// CHECK: %[[M:.*]] = kernelred.mul %[[P]], %[[F]]
// CHECK: %[[R:.*]] = kernelred.mul %[[M]], %[[C]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @diff sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %u: i[2] vector<3xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %g = kernelred.diff %f wrt %x dir %u : vector<1xf32>, vector<3xf32>, vector<3xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// Diff through a broadcast, a Concat with one moving side and a Max.
// CHECK-LABEL: kernelred.reduce @diff_shapes 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[A:.*]] = kernelred.mul %i0, %p1
// CHECK: %[[T:.*]] = kernelred.mul %i0, %j2
// CHECK: %[[AM:.*]] = kernelred.argmax %[[A]]
// CHECK: %[[O:.*]] = kernelred.onehot %[[AM]] dim 3
// CHECK: %[[P:.*]] = kernelred.scalprod %[[O]], %[[T]]
// CHECK: %[[R:.*]] = kernelred.extractt %[[P]] dim 4 at 3
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @diff_shapes sum over j
    vars(%x: i[0] vector<3xf32>, %s: p[1] vector<1xf32>, %u: j[2] vector<1xf32>) {
  %a = kernelred.mul %x, %s : vector<3xf32>, vector<1xf32>
  %m = kernelred.max %a : vector<3xf32>
  %c = kernelred.concat %x, %m : vector<3xf32>, vector<1xf32>
  %g = kernelred.diff %c wrt %s dir %u : vector<4xf32>, vector<1xf32>, vector<1xf32>
  kernelred.yield %g : vector<4xf32>
}

// -----

// Divergence: sum over k of component k of Diff(F, x, e_k); the basis
// vectors propagate as single components.
// CHECK-LABEL: kernelred.reduce @divergence 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK-NOT: kernelred.scalprod
// CHECK: %[[F:.*]] = kernelred.exp
// CHECK: %[[X0:.*]] = kernelred.elem %i0[0]
// CHECK: %[[Y0:.*]] = kernelred.elem %j1[0]
// CHECK: %[[D0:.*]] = kernelred.sub %[[X0]], %[[Y0]] : vector<1xf32>
// CHECK: %[[X1:.*]] = kernelred.elem %i0[1]
// CHECK: %[[Y1:.*]] = kernelred.elem %j1[1]
// CHECK: %[[D1:.*]] = kernelred.sub %[[X1]], %[[Y1]] : vector<1xf32>
// CHECK-NOT: vector<2xf32>
// CHECK: %[[R:.*]] = kernelred.add %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[R]]
kernelred.reduce @divergence sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sqdist %x, %y : vector<2xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %v = kernelred.mul %f, %x : vector<1xf32>, vector<2xf32>
  %g = kernelred.divergence %v wrt %x : vector<2xf32>, vector<2xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// Laplacian = Divergence(Grad(F, x, 1), x): sum of (4 d_k^2 - 2) f for the
// Gaussian, in scalar ops.
// CHECK-LABEL: kernelred.reduce @laplacian 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[TWO:.*]] = kernelred.intcst 2
// CHECK: %[[F:.*]] = kernelred.exp
// CHECK: %[[D0:.*]] = kernelred.sub %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK: %[[A0:.*]] = kernelred.mul %[[D0]], %[[F]]
// CHECK: %[[B0:.*]] = kernelred.mul %[[A0]], %[[D0]]
// CHECK: %[[C0:.*]] = kernelred.mul %[[B0]], %[[TWO]]
// CHECK: %[[S0:.*]] = kernelred.sub %[[C0]], %[[F]]
// CHECK: %[[T0:.*]] = kernelred.mul %[[S0]], %[[TWO]]
// CHECK: %[[D1:.*]] = kernelred.sub %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK: %[[A1:.*]] = kernelred.mul %[[D1]], %[[F]]
// CHECK: %[[B1:.*]] = kernelred.mul %[[A1]], %[[D1]]
// CHECK: %[[C1:.*]] = kernelred.mul %[[B1]], %[[TWO]]
// CHECK: %[[S1:.*]] = kernelred.sub %[[C1]], %[[F]]
// CHECK: %[[T1:.*]] = kernelred.mul %[[S1]], %[[TWO]]
// CHECK: %[[R:.*]] = kernelred.add %[[T0]], %[[T1]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @laplacian sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %d = kernelred.sqdist %x, %y : vector<2xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %l = kernelred.laplacian %f wrt %x : vector<1xf32>, vector<2xf32>
  kernelred.yield %l : vector<1xf32>
}

// -----

// GradMatrix: Concat over k of Grad(F, x, e_k), here the rows of y^T
// restricted to components 1 and 2 of TensorProd(x, y).
// CHECK-LABEL: kernelred.reduce @gradmatrix 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[Y1:.*]] = kernelred.elem %j1[1]
// CHECK: %[[R0:.*]] = kernelred.elemt %[[Y1]] dim 3 at 0
// CHECK: %[[Y0:.*]] = kernelred.elem %j1[0]
// CHECK: %[[R1:.*]] = kernelred.elemt %[[Y0]] dim 3 at 1
// CHECK: %[[R:.*]] = kernelred.concat %[[R0]], %[[R1]]
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @gradmatrix sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>) {
  %t = kernelred.tensorprod %x, %y : vector<3xf32>, vector<2xf32>
  %e = kernelred.extract %t[1 : 2] : vector<6xf32>
  %g = kernelred.gradmatrix %e wrt %x : vector<2xf32>, vector<3xf32>
  kernelred.yield %g : vector<6xf32>
}

// -----

// Nested: Grad(Grad(F, x, e), y, e2), innermost first.
// CHECK-LABEL: kernelred.reduce @grad_grad 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[F:.*]] = kernelred.exp
// CHECK: %[[D:.*]] = kernelred.sub %i0, %j1
// CHECK: kernelred.scalprod %{{.*}}, %[[D]]
// CHECK: kernelred.mul %{{.*}}, %[[D]] : vector<1xf32>, vector<2xf32>
// CHECK: %[[R:.*]] = kernelred.sub
// CHECK: kernelred.yield %[[R]]
kernelred.reduce @grad_grad sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>, %e: i[2] vector<1xf32>, %e2: i[3] vector<2xf32>) {
  %d = kernelred.sqdist %x, %y : vector<2xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %f = kernelred.exp %n : vector<1xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<2xf32>, vector<1xf32>
  %h = kernelred.grad %g wrt %y dir %e2 : vector<2xf32>
  kernelred.yield %h : vector<2xf32>
}

// -----

// A formula that does not depend on the variable: an explicit zero.
// CHECK-LABEL: kernelred.reduce @independent 
// CHECK: %[[Z:.*]] = kernelred.zero : vector<2xf32>
// CHECK-NEXT: kernelred.yield %[[Z]]
kernelred.reduce @independent sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>, %e: i[2] vector<2xf32>) {
  %f = kernelred.exp %x : vector<2xf32>
  %g = kernelred.grad %f wrt %y dir %e : vector<2xf32>
  %h = kernelred.diff %f wrt %y dir %e : vector<2xf32>
  %s = kernelred.add %g, %h : vector<2xf32>
  kernelred.yield %s : vector<2xf32>
}

// -----

// Grad(x, x, e) = e.
// CHECK-LABEL: kernelred.reduce @identity 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK-NEXT: kernelred.yield %i1
kernelred.reduce @identity sum over j
    vars(%x: i[0] vector<2xf32>, %e: i[1] vector<2xf32>) {
  %g = kernelred.grad %x wrt %x dir %e : vector<2xf32>
  kernelred.yield %g : vector<2xf32>
}

// -----

// Derivatives in the weight formula of a log-sum-exp, and Grad(F, y, 1).
// CHECK-LABEL: kernelred.reduce @weight 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[W:.*]] = kernelred.mul %j2, %i0
// CHECK: %[[S:.*]] = kernelred.sqnorm2 %j2
// CHECK: %[[R:.*]] = kernelred.add %i0, %[[S]]
// CHECK: kernelred.yield %[[R]], %[[W]]
kernelred.reduce @weight logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>, %b: j[2] vector<2xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  %w = kernelred.mul %b, %x : vector<2xf32>, vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %gw = kernelred.grad %w wrt %x dir %b : vector<2xf32>, vector<1xf32>, vector<2xf32>
  %gf = kernelred.grad %f wrt %y dir %one : vector<1xf32>
  %s = kernelred.add %gf, %gw : vector<1xf32>
  kernelred.yield %s, %w : vector<1xf32>, vector<2xf32>
}

// -----

// Other element types: f64 constants and f16 formulas.
// CHECK-LABEL: kernelred.reduce @f16 
// CHECK-NOT: {{kernelred.zero|dense<0.000000e+00>}}
// CHECK: %[[C:.*]] = kernelred.constant dense<-5.000000e-01> : vector<1xf16>
// CHECK: %[[RS:.*]] = kernelred.rsqrt %i0 : vector<2xf16>
// CHECK: kernelred.pow %[[RS]], 3 : vector<2xf16>
// CHECK: kernelred.yield %{{.*}} : vector<2xf16>
kernelred.reduce @f16 sum over j
    vars(%x: i[0] vector<2xf16>, %e: j[1] vector<2xf16>) {
  %f = kernelred.rsqrt %x : vector<2xf16>
  %g = kernelred.grad %f wrt %x dir %e : vector<2xf16>
  kernelred.yield %g : vector<2xf16>
}
