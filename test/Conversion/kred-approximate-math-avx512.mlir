// RUN: kred-opt %s --kred-approximate-math="avx512=true" | FileCheck %s
// RUN: kred-opt %s --kred-approximate-math | FileCheck %s --check-prefix=PORTABLE

// With avx512=true, exp of 512-bit vectors scales p(r) by 2^k with AVX-512's
// vscalef (no exponent-bit arithmetic); other shapes keep the portable
// expansions. The input is clamped with NaN-preserving selects.

// CHECK-LABEL: func.func @exp_zmm(
// CHECK-NOT:     math.exp
// CHECK:         arith.cmpf olt, %{{.*}} : vector<16xf32>
// CHECK:         math.roundeven {{.*}} : vector<16xf32>
// CHECK:         math.fma {{.*}} : vector<16xf32>
// CHECK-NOT:     arith.shli
// CHECK:         llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>, i16, i32) -> vector<16xf32>
// CHECK:         math.roundeven {{.*}} : vector<8xf64>
// CHECK:         llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.pd.512"({{.*}}) : (vector<8xf64>, vector<8xf64>, vector<8xf64>, i8, i32) -> vector<8xf64>
// CHECK-NOT:     math.exp
// CHECK:         return

// PORTABLE-LABEL: func.func @exp_zmm(
// PORTABLE-NOT:     scalef
// PORTABLE:         return
func.func @exp_zmm(%x: vector<16xf32>, %y: vector<8xf64>) -> (vector<16xf32>, vector<8xf64>) {
  %e = math.exp %x : vector<16xf32>
  %f = math.exp %y : vector<8xf64>
  return %e, %f : vector<16xf32>, vector<8xf64>
}

// CHECK-LABEL: func.func @exp_other_shapes(
// CHECK-NOT:     scalef
// CHECK:         arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT:     scalef
// CHECK:         return
func.func @exp_other_shapes(%x: vector<8xf32>, %s: f32) -> (vector<8xf32>, f32) {
  %e = math.exp %x : vector<8xf32>
  %f = math.exp %s : f32
  return %e, %f : vector<8xf32>, f32
}
