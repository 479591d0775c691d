// RUN: kred-opt %s --split-input-file --kred-approximate-math | FileCheck %s

// f32 exp and log: MLIR's polynomial approximations (FMA chains, exponent
// bits), no math call left.

// CHECK-LABEL: func.func @exp_log_f32(
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.log
// CHECK:         math.fma {{.*}} : vector<16xf32>
// CHECK:         arith.bitcast {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.log
// CHECK:         return
func.func @exp_log_f32(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %e = math.exp %x : vector<16xf32>
  %l = math.log %x : vector<16xf32>
  return %e, %l : vector<16xf32>, vector<16xf32>
}

// -----

// f64: kernelred's expansions (Cody-Waite reduction, Horner with FMAs,
// 2^k through the exponent bits) for vectors and scalars.

// CHECK-LABEL: func.func @f64(
// CHECK-NOT:     math.exp
// CHECK:         math.floor {{.*}} : vector<8xf64>
// CHECK:         math.fma {{.*}} : vector<8xf64>
// CHECK:         arith.shli {{.*}} : vector<8xi64>
// CHECK:         arith.bitcast {{.*}} : vector<8xi64> to vector<8xf64>
// CHECK-NOT:     math.{{(exp|log|sin|cos|atan|atan2|asin|acos) }}
// CHECK:         return
func.func @f64(%x: vector<8xf64>, %y: vector<8xf64>, %s: f64)
    -> (vector<8xf64>, vector<8xf64>, vector<8xf64>, vector<8xf64>,
        vector<8xf64>, vector<8xf64>, vector<8xf64>, vector<8xf64>, f64) {
  %e = math.exp %x : vector<8xf64>
  %l = math.log %x : vector<8xf64>
  %sn = math.sin %x : vector<8xf64>
  %c = math.cos %x : vector<8xf64>
  %a = math.atan %x : vector<8xf64>
  %a2 = math.atan2 %x, %y : vector<8xf64>
  %as = math.asin %x : vector<8xf64>
  %ac = math.acos %x : vector<8xf64>
  %es = math.exp %s : f64
  return %e, %l, %sn, %c, %a, %a2, %as, %ac, %es
      : vector<8xf64>, vector<8xf64>, vector<8xf64>, vector<8xf64>,
        vector<8xf64>, vector<8xf64>, vector<8xf64>, vector<8xf64>, f64
}

// -----

// The trigonometric functions of f32 are computed in f64 (MLIR's f32
// versions lose relative accuracy near their zeros).

// CHECK-LABEL: func.func @sin_f32(
// CHECK:         arith.extf %{{.*}} : vector<16xf32> to vector<16xf64>
// CHECK-NOT:     math.sin
// CHECK:         arith.truncf %{{.*}} : vector<16xf64> to vector<16xf32>
func.func @sin_f32(%x: vector<16xf32>) -> vector<16xf32> {
  %s = math.sin %x : vector<16xf32>
  return %s : vector<16xf32>
}

// -----

// Other math ops become LLVM intrinsics that lower to instructions and are
// left alone.

// CHECK-LABEL: func.func @kept(
// CHECK:         math.sqrt
// CHECK:         math.floor
// CHECK:         math.fma
func.func @kept(%x: vector<16xf32>) -> vector<16xf32> {
  %s = math.sqrt %x : vector<16xf32>
  %f = math.floor %s : vector<16xf32>
  %r = math.fma %f, %x, %s : vector<16xf32>
  return %r : vector<16xf32>
}
