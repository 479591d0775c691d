// RUN: kred-opt %s --split-input-file --verify-diagnostics

// One case per verifier, type-inference and parser error of the kernelred
// dialect.

//===----------------------------------------------------------------------===//
// kernelred.reduce: parser
//===----------------------------------------------------------------------===//

// expected-error @below {{unknown reduction kind 'average'}}
kernelred.reduce @k average over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{expected 'i' or 'j' after 'over'}}
kernelred.reduce @k sum over k vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{expected variable category 'i', 'j' or 'p'}}
kernelred.reduce @k sum over j vars(%x: q[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

//===----------------------------------------------------------------------===//
// kernelred.reduce: attributes
//===----------------------------------------------------------------------===//

// expected-error @below {{'kernelred.reduce' op axis must be 0 (reduce over i) or 1 (reduce over j), got 2}}
"kernelred.reduce"() <{axis = 2 : i64, kind = 0 : i32, sym_name = "k", var_categories = array<i32: 0>, var_positions = array<i64: 0>}> ({
^bb0(%x: vector<1xf32>):
  "kernelred.yield"(%x) : (vector<1xf32>) -> ()
}) : () -> ()

// -----

// expected-error @below {{'kernelred.reduce' op 'kmin' reduction needs K}}
kernelred.reduce @k kmin over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op K is only valid for kmin, argkmin and kmin_argkmin, not 'min'}}
kernelred.reduce @k min<2> over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op K must be >= 1, got 0}}
kernelred.reduce @k argkmin<0> over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// Negative attributes are read as signed numbers.
// expected-error @below {{'kernelred.reduce' op K must be >= 1, got -3}}
kernelred.reduce @k kmin_argkmin<-3> over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op sum_scheme is only valid for sum and log-sum-exp reductions, not 'argmin'}}
kernelred.reduce @k argmin over j vars(%x: i[0] vector<1xf32>) attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op finalize is only valid on max_sumshiftexp_weight reductions, not 'logsumexp'}}
kernelred.reduce @k logsumexp over j vars(%x: i[0] vector<1xf32>) attributes {finalize = #kernelred.finalize<logsumexp>} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op tile_i must be >= 1, got -4}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) attributes {tile_i = -4 : i64} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op tile_j must be >= 1, got 0}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) attributes {tile_j = 0 : i64} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op chunk must be >= 1, got 0}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) attributes {chunk = 0 : i64} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op accumulation type must be f16, bf16, f32 or f64, got 'i32'}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) attributes {acc_type = i32} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op accumulation type 'f16' is narrower than the element type 'f32'}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) attributes {acc_type = f16} {
  kernelred.yield %x : vector<1xf32>
}

// -----

// bf16 is not at least as wide as f16: neither holds the other.
// expected-error @below {{'kernelred.reduce' op accumulation type 'bf16' is narrower than the element type 'f16'}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf16>) attributes {acc_type = bf16} {
  kernelred.yield %x : vector<1xf16>
}

// -----

//===----------------------------------------------------------------------===//
// kernelred.reduce: variables and region
//===----------------------------------------------------------------------===//

// expected-error @below {{'kernelred.reduce' op has 1 variables but 2 categories and 1 positions}}
"kernelred.reduce"() <{axis = 1 : i64, kind = 0 : i32, sym_name = "k", var_categories = array<i32: 0, 1>, var_positions = array<i64: 0>}> ({
^bb0(%x: vector<1xf32>):
  "kernelred.yield"(%x) : (vector<1xf32>) -> ()
}) : () -> ()

// -----

// expected-error @below {{'kernelred.reduce' op variable #0 has invalid category 7}}
"kernelred.reduce"() <{axis = 1 : i64, kind = 0 : i32, sym_name = "k", var_categories = array<i32: 7>, var_positions = array<i64: 0>}> ({
^bb0(%x: vector<1xf32>):
  "kernelred.yield"(%x) : (vector<1xf32>) -> ()
}) : () -> ()

// -----

// expected-error @below {{'kernelred.reduce' op variable #1 has negative position -1}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>, %y: j[-1] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op variable position 0 is used twice}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>, %y: j[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op variable #1 must be a vector<D x T> with T in f16, bf16, f32, f64, got 'vector<2xi32>'}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>, %y: j[1] vector<2xi32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op variable #1 has element type 'f64' but the formula has 'f32'}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf64>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op body must end with kernelred.yield}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) {
  llvm.unreachable
}

// -----

// expected-error @below {{'kernelred.reduce' op 'sum' reduction yields 1 formula(s), got 2}}
kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x, %x : vector<1xf32>, vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op 'logsumexp' reduction yields 1 or 2 formula(s), got 0}}
kernelred.reduce @k logsumexp over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield
}

// -----

// expected-error @below {{'kernelred.reduce' op 'sumsoftmaxweight' reduction yields 2 formula(s), got 1}}
kernelred.reduce @k sumsoftmaxweight over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op formula and weight have different element types}}
kernelred.reduce @k logsumexp over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<2xf64>) {
  kernelred.yield %x, %g : vector<1xf32>, vector<2xf64>
}

// -----

// expected-error @below {{'kernelred.reduce' op 'logsumexp' reduction needs a scalar formula (dimension 1), got dimension 3}}
kernelred.reduce @k logsumexp over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op softmax finalize needs a weight Concat(1, G) of dimension >= 2}}
kernelred.reduce @k max_sumshiftexp_weight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<1xf32>) attributes {finalize = #kernelred.finalize<softmax>} {
  kernelred.yield %x, %g : vector<1xf32>, vector<1xf32>
}

// -----

func.func @f(%x: vector<1xf32>) {
  // expected-error @below {{'kernelred.yield' op expects parent op 'kernelred.reduce'}}
  "kernelred.yield"(%x) : (vector<1xf32>) -> ()
}

// -----

//===----------------------------------------------------------------------===//
// Operand types and the type list
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{expected 1 or 2 operand types, got 3}}
  %0 = kernelred.add %x, %x : vector<3xf32>, vector<3xf32>, vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

// expected-error @below {{result #0 must be fixed-length vector of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values of ranks 1}}
%0 = kernelred.intcst 1 : vector<1xi32>

// -----

// expected-error @below {{'kernelred.constant' op failed to verify that all of {value, result} have same type}}
%0 = "kernelred.constant"() <{value = dense<1.0> : vector<2xf32>}> : () -> vector<1xf32>

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.neg' op inferred type(s) 'vector<3xf32>' are incompatible with return type(s) of operation 'vector<2xf32>'}}
  // expected-error @below {{'kernelred.neg' op failed to infer returned types}}
  %0 = "kernelred.neg"(%x) : (vector<3xf32>) -> vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf64>) {
  // expected-error @below {{'kernelred.add' operands have different element types ('f32' and 'f64')}}
  %0 = kernelred.add %x, %y : vector<3xf32>, vector<3xf64>
  kernelred.yield %x : vector<3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

// expected-error @below {{'kernelred.intcst' op result must have dimension 1, got 3}}
%0 = kernelred.intcst 2 : vector<3xf32>

// -----

// expected-error @below {{'kernelred.ratcst' op denominator must not be zero}}
%0 = kernelred.ratcst 1, 0 : vector<1xf32>

// -----

// expected-error @below {{'kernelred.ratcst' op result must have dimension 1, got 2}}
%0 = kernelred.ratcst 1, 2 : vector<2xf32>

// -----

//===----------------------------------------------------------------------===//
// Broadcasting (KeOps: equal dimensions, or dimension 1)
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.mul' operands of dimensions 3, 2 do not broadcast (dimensions must be equal or 1)}}
  %0 = kernelred.mul %x, %y : vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>, %s: p[2] vector<1xf32>) {
  // expected-error @below {{'kernelred.ifelse' operands of dimensions 1, 3, 2 do not broadcast (dimensions must be equal or 1)}}
  %0 = kernelred.ifelse %s, %x, %y : vector<1xf32>, vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.scalprod' operands of dimensions 3, 2 do not broadcast (dimensions must be equal or 1)}}
  %0 = kernelred.scalprod %x, %y : vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Integer parameters
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.clampint' lower bound 2 exceeds upper bound -1}}
  %0 = kernelred.clampint %x, 2, -1 : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.diffclampint' lower bound 1 exceeds upper bound 0}}
  %0 = kernelred.diffclampint %x, 1, 0 : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.sumt' expects a scalar operand (dimension 1), got dimension 3}}
  %0 = kernelred.sumt %x dim 3 : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) {
  // expected-error @below {{'kernelred.sumt' would produce a value of dimension 0}}
  %0 = kernelred.sumt %x dim 0 : vector<1xf32>
  kernelred.yield %x : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.elem' index 3 is out of range for a value of dimension 3}}
  %0 = kernelred.elem %x[3] : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.elem' index -1 is out of range for a value of dimension 3}}
  %0 = kernelred.elem %x[-1] : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<2xf32>) {
  // expected-error @below {{'kernelred.elemt' expects a scalar operand (dimension 1), got dimension 2}}
  %0 = kernelred.elemt %x dim 4 at 1 : vector<2xf32>
  kernelred.yield %x : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<1xf32>) {
  // expected-error @below {{'kernelred.elemt' index 4 is out of range for dimension 4}}
  %0 = kernelred.elemt %x dim 4 at 4 : vector<1xf32>
  kernelred.yield %x : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<4xf32>) {
  // expected-error @below {{'kernelred.extract' length must be >= 1, got 0}}
  %0 = kernelred.extract %x[1 : 0] : vector<4xf32>
  kernelred.yield %x : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<4xf32>) {
  // expected-error @below {{'kernelred.extract' range [3, 5) is out of range for a value of dimension 4}}
  %0 = kernelred.extract %x[3 : 2] : vector<4xf32>
  kernelred.yield %x : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<2xf32>) {
  // expected-error @below {{'kernelred.extractt' cannot place a value of dimension 2 at 3 in dimension 4}}
  %0 = kernelred.extractt %x dim 4 at 3 : vector<2xf32>
  kernelred.yield %x : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<2xf32>) {
  // expected-error @below {{'kernelred.onehot' expects a scalar operand (dimension 1), got dimension 2}}
  %0 = kernelred.onehot %x dim 4 : vector<2xf32>
  kernelred.yield %x : vector<2xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Vector and tensor ops
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%a: i[0] vector<7xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.matvecmult' matrix dimension 7 is not a multiple of the vector dimension 3}}
  %0 = kernelred.matvecmult %a, %b : vector<7xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<7xf32>, %b: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.vecmatmult' matrix dimension 7 is not a multiple of the vector dimension 2}}
  %0 = kernelred.vecmatmult %b, %a : vector<2xf32>, vector<7xf32>
  kernelred.yield %b : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%s: p[0] vector<2xf32>, %x: i[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.weightedsqnorm' weight of dimension 2 must have dimension 1, 3 or 9 for vectors of dimension 3}}
  %0 = kernelred.weightedsqnorm %s, %x : vector<2xf32>, vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%s: p[0] vector<4xf32>, %x: i[1] vector<3xf32>, %y: j[2] vector<1xf32>) {
  // expected-error @below {{'kernelred.weightedsqdist' weight of dimension 4 must have dimension 1, 3 or 9 for vectors of dimension 3}}
  %0 = kernelred.weightedsqdist %s, %x, %y : vector<4xf32>, vector<3xf32>, vector<1xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' tensor dimensions must be >= 1}}
  %0 = kernelred.tensordot %a, %b dims [-2, -3] x [3] contract [] x [] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' shape of the first operand has 4 elements but the operand has 6}}
  %0 = kernelred.tensordot %a, %b dims [2, 2] x [3] contract [] x [] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' shape of the second operand has 2 elements but the operand has 3}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [2] contract [] x [] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' contracts 1 axes of the first operand but 0 of the second}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3] contract [1] x [] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' contraction axis 2 of the first operand is invalid or repeated}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3] contract [2] x [0] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' contraction axis 1 of the second operand is invalid or repeated}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3] contract [1] x [1] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' contracted axes have different sizes (2 and 3)}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3] contract [0] x [0] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.tensordot' permutation must reorder the 3 kept axes}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3] contract [] x [] permute [0, 1, 1] : vector<6xf32>, vector<3xf32>
  kernelred.yield %b : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<6xf32>) {
  // An empty permutation does not reorder two kept axes either.
  // expected-error @below {{'kernelred.tensordot' permutation must reorder the 2 kept axes}}
  %0 = kernelred.tensordot %a, %b dims [2, 3] x [3, 2] contract [1] x [0] permute [] : vector<6xf32>
  kernelred.yield %b : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<6xf32>) {
  // expected-error @below {{'kernelred.kron' tensor dimensions must be >= 1}}
  %0 = kernelred.kron %a, %b dims [-2, -3] x [2, 3] : vector<6xf32>, vector<6xf32>
  kernelred.yield %b : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<6xf32>) {
  // expected-error @below {{'kernelred.kron' operands must have the same number of axes (2 and 1)}}
  %0 = kernelred.kron %a, %b dims [2, 3] x [6] : vector<6xf32>, vector<6xf32>
  kernelred.yield %b : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<6xf32>, %b: j[1] vector<6xf32>) {
  // expected-error @below {{'kernelred.kron' shapes do not match the operand dimensions 6 and 6}}
  %0 = kernelred.kron %a, %b dims [2, 3] x [2, 2] : vector<6xf32>, vector<6xf32>
  kernelred.yield %b : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%t: p[0] vector<6xf32>, %x: i[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.bspline' is sampled at a scalar, got a value of dimension 2}}
  %0 = kernelred.bspline %t, %x order 1 : vector<6xf32>, vector<2xf32>
  kernelred.yield %x : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%t: p[0] vector<6xf32>, %x: i[1] vector<1xf32>) {
  // expected-error @below {{'kernelred.bspline' order must be >= 0, got -1}}
  %0 = kernelred.bspline %t, %x order -1 : vector<6xf32>, vector<1xf32>
  kernelred.yield %x : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%t: p[0] vector<4xf32>, %x: i[1] vector<1xf32>) {
  // expected-error @below {{'kernelred.bspline' of order 3 needs at least 5 knots, got 4}}
  %0 = kernelred.bspline %t, %x order 3 : vector<4xf32>, vector<1xf32>
  kernelred.yield %x : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<4xf32>, %g: p[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.softdtw_sqdist' gamma must be a scalar, got dimension 2}}
  %0 = kernelred.softdtw_sqdist %x, %x, %g : vector<4xf32>, vector<4xf32>, vector<2xf32>
  kernelred.yield %x : vector<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Symbolic differential operators
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %e: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.grad' direction has dimension 2 but the formula has dimension 3}}
  %0 = kernelred.grad %x wrt %x dir %e : vector<3xf32>, vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %u: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.diff' direction has dimension 2 but the variable has dimension 3}}
  %0 = kernelred.diff %x wrt %x dir %u : vector<3xf32>, vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.divergence' needs a formula with the variable's dimension, got 3 and 2}}
  %0 = kernelred.divergence %x wrt %y : vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.laplacian' needs a scalar formula, got dimension 3}}
  %0 = kernelred.laplacian %x wrt %x : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>) {
  %0 = kernelred.exp %x : vector<3xf32>
  // expected-error @below {{'kernelred.gradmatrix' op differentiates with respect to a value that is not a variable of the enclosing kernelred.reduce}}
  %1 = kernelred.gradmatrix %0 wrt %0 : vector<3xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Helpers of the complex expansion
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%x: i[0] vector<6xf32>) {
  // expected-error @below {{'kernelred.extract_strided' length must be >= 1, got 0}}
  %0 = kernelred.extract_strided %x[0 : 0 : 2] : vector<6xf32>
  kernelred.yield %x : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<6xf32>) {
  // expected-error @below {{'kernelred.extract_strided' stride must be >= 1, got 0}}
  %0 = kernelred.extract_strided %x[0 : 3 : 0] : vector<6xf32>
  kernelred.yield %x : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<6xf32>) {
  // expected-error @below {{'kernelred.extract_strided' of 3 components from 1 with stride 3 is out of range for a value of dimension 6}}
  %0 = kernelred.extract_strided %x[1 : 3 : 3] : vector<6xf32>
  kernelred.yield %x : vector<6xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.interleave' operands of dimensions 3, 2 do not broadcast (dimensions must be equal or 1)}}
  %0 = kernelred.interleave %x, %y : vector<3xf32>, vector<2xf32>
  kernelred.yield %x : vector<3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Complex ops
//===----------------------------------------------------------------------===//

kernelred.reduce @k sum over j vars(%z: i[0] vector<3xf32>) {
  // expected-error @below {{'kernelred.complexreal' operand must be a complex vector of interleaved (re, im) pairs (even dimension), got dimension 3}}
  %0 = kernelred.complexreal %z : vector<3xf32>
  kernelred.yield %z : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%z: i[0] vector<5xf32>) {
  // expected-error @below {{'kernelred.conj' operand must be a complex vector of interleaved (re, im) pairs (even dimension), got dimension 5}}
  %0 = kernelred.conj %z : vector<5xf32>
  kernelred.yield %z : vector<5xf32>
}

// -----

kernelred.reduce @k sum over j vars(%z: i[0] vector<4xf32>) {
  // expected-error @below {{'kernelred.complexsumt' expects one complex number (dimension 2), got dimension 4}}
  %0 = kernelred.complexsumt %z dim 8 : vector<4xf32>
  kernelred.yield %z : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%z: i[0] vector<2xf32>) {
  // expected-error @below {{'kernelred.complexsumt' result dimension must be even and >= 2, got 5}}
  %0 = kernelred.complexsumt %z dim 5 : vector<2xf32>
  kernelred.yield %z : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<3xf32>, %b: j[1] vector<4xf32>) {
  // expected-error @below {{'kernelred.complexadd' first operand must be a complex vector of interleaved (re, im) pairs (even dimension), got dimension 3}}
  %0 = kernelred.complexadd %a, %b : vector<3xf32>, vector<4xf32>
  kernelred.yield %b : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<4xf32>, %b: j[1] vector<1xf32>) {
  // expected-error @below {{'kernelred.complexmult' second operand must be a complex vector of interleaved (re, im) pairs (even dimension), got dimension 1}}
  %0 = kernelred.complexmult %a, %b : vector<4xf32>, vector<1xf32>
  kernelred.yield %a : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<4xf32>, %b: j[1] vector<6xf32>) {
  // expected-error @below {{'kernelred.complexdivide' operands of dimensions 4 and 6 do not broadcast (dimensions must be equal or 2, one complex number)}}
  %0 = kernelred.complexdivide %a, %b : vector<4xf32>, vector<6xf32>
  kernelred.yield %a : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%a: i[0] vector<4xf32>, %b: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.complexrealscal' needs a real scalar operand (dimension 1), got dimensions 4 and 2}}
  %0 = kernelred.complexrealscal %a, %b : vector<4xf32>, vector<2xf32>
  kernelred.yield %a : vector<4xf32>
}

// -----

kernelred.reduce @k sum over j vars(%s: i[0] vector<1xf32>, %z: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.complexrealscal' complex operand must be a complex vector of interleaved (re, im) pairs (even dimension), got dimension 3}}
  %0 = kernelred.complexrealscal %s, %z : vector<1xf32>, vector<3xf32>
  kernelred.yield %s : vector<1xf32>
}

// -----

// Type inference runs while an op is parsed, before the operand types are
// verified: an operand that is not a formula value is an error, never a
// crash (found by kred-ir-fuzzer).
kernelred.reduce @k sum over j vars(%s: i[0] vector<1xf32>, %z: j[1] f32) {
  // expected-error @below {{'kernelred.complexrealscal' operand #1 must be a formula value (vector<D x f16, bf16, f32 or f64>), got 'f32'}}
  %0 = kernelred.complexrealscal %s, %z : vector<1xf32>, f32
  kernelred.yield %s : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<2x3xf32>) {
  // expected-error @below {{'kernelred.sum' operand #0 must be a formula value (vector<D x f16, bf16, f32 or f64>), got 'vector<2x3xf32>'}}
  %0 = kernelred.sum %x : vector<2x3xf32>
  kernelred.yield %0 : vector<1xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<f32>, %y: j[1] vector<3xf32>) {
  // expected-error @below {{'kernelred.add' operand #0 must be a formula value (vector<D x f16, bf16, f32 or f64>), got 'vector<f32>'}}
  %0 = kernelred.add %x, %y : vector<f32>, vector<3xf32>
  kernelred.yield %0 : vector<3xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<[4]xf32>) {
  // expected-error @below {{'kernelred.complexsum' operand #0 must be a formula value (vector<D x f16, bf16, f32 or f64>), got 'vector<[4]xf32>'}}
  %0 = kernelred.complexsum %x : vector<[4]xf32>
  kernelred.yield %0 : vector<2xf32>
}

// -----

kernelred.reduce @k sum over j vars(%x: i[0] vector<3xi32>) {
  // expected-error @below {{'kernelred.neg' operand #0 must be a formula value (vector<D x f16, bf16, f32 or f64>), got 'vector<3xi32>'}}
  %0 = kernelred.neg %x : vector<3xi32>
  kernelred.yield %0 : vector<3xi32>
}
