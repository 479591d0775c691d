// RUN: kred-opt %s --canonicalize | FileCheck %s

// Folders and canonicalization patterns of the kernelred ops. Constant
// folding follows KeOps' conventions: Rsqrt(0) = 0, Step(0) = 1,
// IfElse(c, a, b) = a where c >= 0, XLogX(0) = 0, SinXDivX(0) = 1, and Zero
// propagates symbolically (0 * f = 0, 0 / g = 0, f - f = 0).

//===----------------------------------------------------------------------===//
// Constant folding
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @fold_constants(
// CHECK-SAME: ) -> (vector<1xf32>, vector<1xf64>, vector<1xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.intcst -2 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.ratcst 1, 4 : vector<1xf64>
// CHECK-NEXT: %[[V2:.*]] = kernelred.ratcst -3, 2 : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<3.000000e+00> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]] : vector<1xf32>, vector<1xf64>, vector<1xf32>, vector<3xf32>
func.func @fold_constants() -> (vector<1xf32>, vector<1xf64>, vector<1xf32>, vector<3xf32>) {
  %0 = kernelred.intcst -2 : vector<1xf32>
  %1 = kernelred.ratcst 1, 4 : vector<1xf64>
  %2 = kernelred.ratcst -6, 4 : vector<1xf32>
  %3 = kernelred.zero : vector<3xf32>
  %4 = kernelred.intcst 3 : vector<1xf32>
  %5 = kernelred.add %3, %4 : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %5 : vector<1xf32>, vector<1xf64>, vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_arithmetic_unary(
// CHECK-SAME: ) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[-4.000000e+00, 5.000000e-01, -2.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[2.500000e-01, -2.000000e+00, 5.000000e-01]> : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[1.600000e+01, 2.500000e-01, 4.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[6.400000e+01, -1.250000e-01, 8.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[6.250000e-02, 4.000000e+00, 2.500000e-01]> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @fold_arithmetic_unary() -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %c = kernelred.constant dense<[4.0, -0.5, 2.0]> : vector<3xf32>
  %0 = kernelred.neg %c : vector<3xf32>
  %1 = kernelred.inv %c : vector<3xf32>
  %2 = kernelred.square %c : vector<3xf32>
  %3 = kernelred.pow %c, 3 : vector<3xf32>
  %4 = kernelred.pow %c, -2 : vector<3xf32>
  return %0, %1, %2, %3, %4 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_roots(
// CHECK-SAME: ) -> (vector<3xf64>, vector<3xf64>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[2.000000e+00, 0.000000e+00, 5.000000e-01]> : vector<3xf64>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[5.000000e-01, 0.000000e+00, 2.000000e+00]> : vector<3xf64>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<3xf64>, vector<3xf64>
func.func @fold_roots() -> (vector<3xf64>, vector<3xf64>) {
  %c = kernelred.constant dense<[4.0, 0.0, 0.25]> : vector<3xf64>
  %0 = kernelred.sqrt %c : vector<3xf64>
  // KeOps: Rsqrt(0) = 0.
  %1 = kernelred.rsqrt %c : vector<3xf64>
  return %0, %1 : vector<3xf64>, vector<3xf64>
}

// CHECK-LABEL: func.func @fold_exp_log(
// CHECK-SAME: ) -> (vector<3xf64>, vector<3xf64>, vector<3xf64>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[2.7182818284590451, 1.000000e+00, 7.3890560989306504]> : vector<3xf64>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[0.000000e+00, 0xFFF0000000000000, 0.69314718055994529]> : vector<3xf64>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[0.000000e+00, 0.000000e+00, 1.3862943611198906]> : vector<3xf64>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]] : vector<3xf64>, vector<3xf64>, vector<3xf64>
func.func @fold_exp_log() -> (vector<3xf64>, vector<3xf64>, vector<3xf64>) {
  %c = kernelred.constant dense<[1.0, 0.0, 2.0]> : vector<3xf64>
  %0 = kernelred.exp %c : vector<3xf64>
  %1 = kernelred.log %c : vector<3xf64>
  // KeOps: XLogX(0) = 0.
  %2 = kernelred.xlogx %c : vector<3xf64>
  return %0, %1, %2 : vector<3xf64>, vector<3xf64>, vector<3xf64>
}

// CHECK-LABEL: func.func @fold_trig(
// CHECK-SAME: ) -> (vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[0.000000e+00, 0.47942553860420301, 0.8414709848078965]> : vector<3xf64>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[1.000000e+00, 0.87758256189037276, 0.54030230586813977]> : vector<3xf64>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[1.000000e+00, 0.95885107720840601, 0.8414709848078965]> : vector<3xf64>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[0.000000e+00, 0.52359877559829893, 1.5707963267948966]> : vector<3xf64>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[1.5707963267948966, 1.0471975511965979, 0.000000e+00]> : vector<3xf64>
// CHECK-NEXT: %[[V5:.*]] = kernelred.constant dense<[0.000000e+00, 0.46364760900080609, 0.78539816339744828]> : vector<3xf64>
// CHECK-NEXT: %[[V6:.*]] = kernelred.constant dense<[0.000000e+00, 0.78539816339744828, 0.78539816339744828]> : vector<3xf64>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]] : vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>
func.func @fold_trig() -> (vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>) {
  %c = kernelred.constant dense<[0.0, 0.5, 1.0]> : vector<3xf64>
  %0 = kernelred.sin %c : vector<3xf64>
  %1 = kernelred.cos %c : vector<3xf64>
  // KeOps: SinXDivX(0) = 1.
  %2 = kernelred.sinxdivx %c : vector<3xf64>
  %3 = kernelred.asin %c : vector<3xf64>
  %4 = kernelred.acos %c : vector<3xf64>
  %5 = kernelred.atan %c : vector<3xf64>
  %6 = kernelred.atan2 %c, %c : vector<3xf64>
  return %0, %1, %2, %3, %4, %5, %6 : vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>, vector<3xf64>
}

// CHECK-LABEL: func.func @fold_piecewise(
// CHECK-SAME: ) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[1.500000e+00, 0.000000e+00, 2.500000e-01, 2.750000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[-1.000000e+00, 0.000000e+00, 1.000000e+00, 1.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[0.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[0.000000e+00, 0.000000e+00, 2.500000e-01, 2.750000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[-2.000000e+00, 0.000000e+00, 0.000000e+00, 2.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.constant dense<[-2.000000e+00, 0.000000e+00, 0.000000e+00, 3.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.constant dense<[0.000000e+00, 0.000000e+00, 2.500000e-01, 1.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.constant dense<[0.000000e+00, 1.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<4xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]], %[[V7]] : vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>
func.func @fold_piecewise() -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>) {
  %c = kernelred.constant dense<[-1.5, 0.0, 0.25, 2.75]> : vector<4xf32>
  %0 = kernelred.abs %c : vector<4xf32>
  %1 = kernelred.sign %c : vector<4xf32>
  // KeOps: Step(0) = 1.
  %2 = kernelred.step %c : vector<4xf32>
  %3 = kernelred.relu %c : vector<4xf32>
  %4 = kernelred.floor %c : vector<4xf32>
  %5 = kernelred.round %c, 0 : vector<4xf32>
  %6 = kernelred.clampint %c, 0, 1 : vector<4xf32>
  %7 = kernelred.diffclampint %c, 0, 1 : vector<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>
}

// CHECK-LABEL: func.func @fold_round_decimals(
// CHECK-SAME: ) -> vector<2xf64> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[1.230000e+00, -7.8899999999999996]> : vector<2xf64>
// CHECK-NEXT: return %[[V0]] : vector<2xf64>
func.func @fold_round_decimals() -> vector<2xf64> {
  %c = kernelred.constant dense<[1.23456, -7.891]> : vector<2xf64>
  %0 = kernelred.round %c, 2 : vector<2xf64>
  return %0 : vector<2xf64>
}

// CHECK-LABEL: func.func @fold_binary_broadcast(
// CHECK-SAME: ) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[3.000000e+00, 4.000000e+00, 6.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[1.000000e+00, 0.000000e+00, -2.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[1.000000e+00, 4.000000e+00, 1.600000e+01]> : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[5.000000e-01, 1.000000e+00, 2.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[2.000000e+00, 4.000000e+00, 1.600000e+01]> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @fold_binary_broadcast() -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %a = kernelred.constant dense<[1.0, 2.0, 4.0]> : vector<3xf32>
  %s = kernelred.constant dense<2.0> : vector<1xf32>
  %0 = kernelred.add %a, %s : vector<3xf32>, vector<1xf32>
  %1 = kernelred.sub %s, %a : vector<1xf32>, vector<3xf32>
  %2 = kernelred.mul %a, %a : vector<3xf32>
  %3 = kernelred.div %a, %s : vector<3xf32>, vector<1xf32>
  %4 = kernelred.powf %s, %a : vector<1xf32>, vector<3xf32>
  return %0, %1, %2, %3, %4 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_comparisons(
// CHECK-SAME: ) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[0.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[1.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[1.000000e+00, 0.000000e+00, 0.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[1.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @fold_comparisons() -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %a = kernelred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf32>
  %s = kernelred.constant dense<2.0> : vector<1xf32>
  %0 = kernelred.equal %a, %s : vector<3xf32>, vector<1xf32>
  %1 = kernelred.notequal %a, %s : vector<3xf32>, vector<1xf32>
  %2 = kernelred.lessthan %a, %s : vector<3xf32>, vector<1xf32>
  %3 = kernelred.lessorequal %a, %s : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_ternary(
// CHECK-SAME: ) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[7.000000e+00, 2.000000e+01, 3.000000e+01]> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[-5.000000e-01, 0.000000e+00, 5.000000e-01]> : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[1.500000e+00, 2.000000e+00, 1.000000e+00]> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]] : vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @fold_ternary() -> (vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  // KeOps: IfElse(c, a, b) is a where c >= 0, so at c = 0 too.
  %c = kernelred.constant dense<[-1.0, 0.0, 1.0]> : vector<3xf32>
  %a = kernelred.constant dense<[10.0, 20.0, 30.0]> : vector<3xf32>
  %b = kernelred.constant dense<7.0> : vector<1xf32>
  %0 = kernelred.ifelse %c, %a, %b : vector<3xf32>, vector<3xf32>, vector<1xf32>
  %lo = kernelred.constant dense<-0.5> : vector<1xf32>
  %hi = kernelred.constant dense<0.5> : vector<1xf32>
  %1 = kernelred.clamp %c, %lo, %hi : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %x = kernelred.constant dense<[7.5, -1.0, 4.0]> : vector<3xf32>
  %n = kernelred.constant dense<3.0> : vector<1xf32>
  %z = kernelred.zero : vector<1xf32>
  %2 = kernelred.mod %x, %n, %z : vector<3xf32>, vector<1xf32>, vector<1xf32>
  return %0, %1, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_reductions(
// CHECK-SAME: ) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<-5.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<3.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<-4.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.constant dense<4.100000e+01> : vector<1xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.constant dense<6.40312433> : vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]] : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @fold_reductions() -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %c = kernelred.constant dense<[3.0, -4.0, 0.0, -4.0]> : vector<4xf32>
  %0 = kernelred.sum %c : vector<4xf32>
  %1 = kernelred.max %c : vector<4xf32>
  %2 = kernelred.min %c : vector<4xf32>
  %3 = kernelred.argmax %c : vector<4xf32>
  // The first of equal components.
  %4 = kernelred.argmin %c : vector<4xf32>
  %5 = kernelred.sqnorm2 %c : vector<4xf32>
  %6 = kernelred.norm2 %c : vector<4xf32>
  return %0, %1, %2, %3, %4, %5, %6 : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @fold_shapes(
// CHECK-SAME: ) -> (vector<3xf32>, vector<1xf32>, vector<4xf32>, vector<2xf32>, vector<5xf32>, vector<4xf32>, vector<5xf32>, vector<2xf32>, vector<6xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<5.000000e+00> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[0.000000e+00, 0.000000e+00, 5.000000e+00, 0.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[2.000000e+00, 3.000000e+00]> : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[0.000000e+00, 2.000000e+00, 3.000000e+00, 0.000000e+00, 0.000000e+00]> : vector<5xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.constant dense<[0.000000e+00, 0.000000e+00, 1.000000e+00, 0.000000e+00]> : vector<4xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.constant dense<[2.000000e+00, 3.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : vector<5xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.constant dense<2.000000e+00> : vector<2xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.constant dense<[1.000000e+00, 5.000000e+00, 2.000000e+00, 5.000000e+00, 3.000000e+00, 5.000000e+00]> : vector<6xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]], %[[V7]], %[[V8]] : vector<3xf32>, vector<1xf32>, vector<4xf32>, vector<2xf32>, vector<5xf32>, vector<4xf32>, vector<5xf32>, vector<2xf32>, vector<6xf32>
func.func @fold_shapes() -> (vector<3xf32>, vector<1xf32>, vector<4xf32>, vector<2xf32>, vector<5xf32>, vector<4xf32>, vector<5xf32>, vector<2xf32>, vector<6xf32>) {
  %c = kernelred.constant dense<[1.0, 2.0, 3.0]> : vector<3xf32>
  %s = kernelred.constant dense<5.0> : vector<1xf32>
  %0 = kernelred.sumt %s dim 3 : vector<1xf32>
  %1 = kernelred.elem %c[1] : vector<3xf32>
  %2 = kernelred.elemt %s dim 4 at 2 : vector<1xf32>
  %3 = kernelred.extract %c[1 : 2] : vector<3xf32>
  %4 = kernelred.extractt %3 dim 5 at 1 : vector<2xf32>
  %i = kernelred.constant dense<1.6> : vector<1xf32>
  %5 = kernelred.onehot %i dim 4 : vector<1xf32>
  %6 = kernelred.concat %3, %c : vector<2xf32>, vector<3xf32>
  %7 = kernelred.extract_strided %6[0 : 2 : 3] : vector<5xf32>
  %8 = kernelred.interleave %c, %s : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : vector<3xf32>, vector<1xf32>, vector<4xf32>, vector<2xf32>, vector<5xf32>, vector<4xf32>, vector<5xf32>, vector<2xf32>, vector<6xf32>
}

// CHECK-LABEL: func.func @fold_products(
// CHECK-SAME: ) -> (vector<1xf32>, vector<1xf32>, vector<2xf32>, vector<3xf32>, vector<6xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<2.900000e+01> : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<-2.000000e+00> : vector<2xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[6.000000e+00, 9.000000e+00, 1.200000e+01]> : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.constant dense<[2.000000e+00, 0.000000e+00, -2.000000e+00, 1.000000e+00, 0.000000e+00, -1.000000e+00]> : vector<6xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>, vector<2xf32>, vector<3xf32>, vector<6xf32>
func.func @fold_products() -> (vector<1xf32>, vector<1xf32>, vector<2xf32>, vector<3xf32>, vector<6xf32>) {
  %a = kernelred.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : vector<6xf32>
  %x = kernelred.constant dense<[1.0, 0.0, -1.0]> : vector<3xf32>
  %y = kernelred.constant dense<[2.0, 1.0]> : vector<2xf32>
  %s = kernelred.constant dense<3.0> : vector<1xf32>
  %0 = kernelred.scalprod %x, %x : vector<3xf32>
  %1 = kernelred.sqdist %x, %s : vector<3xf32>, vector<1xf32>
  // Row-major 2x3 matrix.
  %2 = kernelred.matvecmult %a, %x : vector<6xf32>, vector<3xf32>
  %3 = kernelred.vecmatmult %y, %a : vector<2xf32>, vector<6xf32>
  %4 = kernelred.tensorprod %y, %x : vector<2xf32>, vector<3xf32>
  return %0, %1, %2, %3, %4 : vector<1xf32>, vector<1xf32>, vector<2xf32>, vector<3xf32>, vector<6xf32>
}

// CHECK-LABEL: func.func @fold_weighted_norms(
// CHECK-SAME: ) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<1.500000e+01> : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<4.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<1.100000e+01> : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<5.000000e-01> : vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]] : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @fold_weighted_norms() -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %x = kernelred.constant dense<[1.0, 2.0]> : vector<2xf32>
  %y = kernelred.constant dense<1.0> : vector<1xf32>
  %iso = kernelred.constant dense<3.0> : vector<1xf32>
  %diag = kernelred.constant dense<[2.0, 0.5]> : vector<2xf32>
  %full = kernelred.constant dense<[1.0, 1.0, 0.0, 2.0]> : vector<4xf32>
  %0 = kernelred.weightedsqnorm %iso, %x : vector<1xf32>, vector<2xf32>
  %1 = kernelred.weightedsqnorm %diag, %x : vector<2xf32>
  // sum_kl s_kl x_k x_l = 1 + 2 + 0 + 8.
  %2 = kernelred.weightedsqnorm %full, %x : vector<4xf32>, vector<2xf32>
  %3 = kernelred.weightedsqdist %diag, %x, %y : vector<2xf32>, vector<2xf32>, vector<1xf32>
  return %0, %1, %2, %3 : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @fold_tensors(
// CHECK-SAME: ) -> (vector<2xf32>, vector<12xf32>, vector<12xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<-2.000000e+00> : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 1.000000e+01, 2.000000e+01, 3.000000e+01, 4.000000e+01, 5.000000e+01, 6.000000e+01]> : vector<12xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.constant dense<[4.100000e+01, 5.200000e+01, 6.300000e+01]> : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V1]], %[[V2]] : vector<2xf32>, vector<12xf32>, vector<12xf32>, vector<3xf32>
func.func @fold_tensors() -> (vector<2xf32>, vector<12xf32>, vector<12xf32>, vector<3xf32>) {
  %a = kernelred.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : vector<6xf32>
  %x = kernelred.constant dense<[1.0, 0.0, -1.0]> : vector<3xf32>
  %y = kernelred.constant dense<[1.0, 10.0]> : vector<2xf32>
  // A (2x3) . x = MatVecMult.
  %0 = kernelred.tensordot %a, %x dims [2, 3] x [3] contract [1] x [0] : vector<6xf32>, vector<3xf32>
  // Outer product of A (2x3) and y (2); kept axis q goes to axis permute[q]:
  // (a0, a1, b0) -> (1, 2, 0), so the result is y (x) A, as the Kron below.
  %1 = kernelred.tensordot %a, %y dims [2, 3] x [2] contract [] x [] permute [1, 2, 0] : vector<6xf32>, vector<2xf32>
  %2 = kernelred.kron %y, %a dims [2, 1] x [2, 3] : vector<2xf32>, vector<6xf32>
  %3 = kernelred.tensordot %y, %a dims [2] x [2, 3] contract [0] x [0] : vector<2xf32>, vector<6xf32>
  // y^T A = VecMatMult.
  return %0, %1, %2, %3 : vector<2xf32>, vector<12xf32>, vector<12xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @fold_normalize(
// CHECK-SAME: ) -> (vector<2xf32>, vector<2xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[6.000000e-01, 8.000000e-01]> : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<0.000000e+00> : vector<2xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<2xf32>, vector<2xf32>
func.func @fold_normalize() -> (vector<2xf32>, vector<2xf32>) {
  %x = kernelred.constant dense<[3.0, 4.0]> : vector<2xf32>
  %0 = kernelred.normalize %x : vector<2xf32>
  // Rsqrt(0) = 0: the zero vector stays zero.
  %z = kernelred.zero : vector<2xf32>
  %1 = kernelred.normalize %z : vector<2xf32>
  return %0, %1 : vector<2xf32>, vector<2xf32>
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @ratcst_lowest_terms(
// CHECK-SAME: ) -> (vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.ratcst -3, 2 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.intcst 2 : vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<1xf32>, vector<1xf32>
func.func @ratcst_lowest_terms() -> (vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.ratcst 6, -4 : vector<1xf32>
  %1 = kernelred.ratcst 6, 3 : vector<1xf32>
  return %0, %1 : vector<1xf32>, vector<1xf32>
}

//===----------------------------------------------------------------------===//
// Identities and absorbing elements
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @add_zero(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sumt %[[ARG1]] dim 3 : vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[ARG0]], %[[V0]] : vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @add_zero(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %z = kernelred.zero : vector<3xf32>
  %0 = kernelred.add %x, %z : vector<3xf32>
  %1 = kernelred.add %z, %x : vector<3xf32>
  // The scalar is broadcast to the result.
  %2 = kernelred.add %s, %z : vector<1xf32>, vector<3xf32>
  return %0, %1, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @sub_zero(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.neg %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.sumt %[[ARG1]] dim 3 : vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V1]], %[[V2]], %[[V0]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @sub_zero(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %z = kernelred.zero : vector<3xf32>
  %0 = kernelred.sub %x, %z : vector<3xf32>
  %1 = kernelred.sub %z, %x : vector<3xf32>
  %2 = kernelred.sub %s, %z : vector<1xf32>, vector<3xf32>
  // KeOps: f - f = 0.
  %3 = kernelred.sub %x, %x : vector<3xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @mul_one_zero_minus_one(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sumt %[[ARG1]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.neg %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.sub %[[ARG0]], %[[ARG1]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V1]], %[[V0]], %[[V2]], %[[V3]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @mul_one_zero_minus_one(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %one = kernelred.intcst 1 : vector<1xf32>
  %ones = kernelred.constant dense<1.0> : vector<3xf32>
  %0 = kernelred.mul %one, %x : vector<1xf32>, vector<3xf32>
  %1 = kernelred.mul %s, %ones : vector<1xf32>, vector<3xf32>
  // KeOps propagates Zero: 0 * f = 0.
  %z = kernelred.zero : vector<1xf32>
  %2 = kernelred.mul %x, %z : vector<3xf32>, vector<1xf32>
  %m = kernelred.intcst -1 : vector<1xf32>
  %3 = kernelred.mul %x, %m : vector<3xf32>, vector<1xf32>
  %4 = kernelred.mul %m, %s : vector<1xf32>
  %5 = kernelred.add %4, %x : vector<1xf32>, vector<3xf32>
  return %0, %1, %2, %3, %5 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @div_identities(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sumt %[[ARG1]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.inv %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V1]], %[[V2]], %[[V0]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @div_identities(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %one = kernelred.intcst 1 : vector<1xf32>
  %ones = kernelred.constant dense<1.0> : vector<3xf32>
  %0 = kernelred.div %x, %one : vector<3xf32>, vector<1xf32>
  %1 = kernelred.div %s, %ones : vector<1xf32>, vector<3xf32>
  // 1 / f = Inv(f).
  %2 = kernelred.div %one, %x : vector<1xf32>, vector<3xf32>
  // KeOps: 0 / g = 0.
  %z = kernelred.zero : vector<3xf32>
  %3 = kernelred.div %z, %x : vector<3xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

//===----------------------------------------------------------------------===//
// Products (KeOps' Mult simplifications)
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @mul_of_exps(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.add %[[ARG0]], %[[ARG1]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.exp %[[V0]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @mul_of_exps(%a: vector<1xf32>, %b: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.exp %a : vector<1xf32>
  %1 = kernelred.exp %b : vector<3xf32>
  %2 = kernelred.mul %0, %1 : vector<1xf32>, vector<3xf32>
  return %2 : vector<3xf32>
}

// CHECK-LABEL: func.func @div_of_exps(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sub %[[ARG0]], %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.exp %[[V0]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @div_of_exps(%a: vector<3xf32>, %b: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.exp %a : vector<3xf32>
  %1 = kernelred.exp %b : vector<3xf32>
  %2 = kernelred.div %0, %1 : vector<3xf32>
  return %2 : vector<3xf32>
}

// CHECK-LABEL: func.func @mul_self(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.square %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @mul_self(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.mul %x, %x : vector<3xf32>
  return %0 : vector<3xf32>
}

// CHECK-LABEL: func.func @mul_of_negs(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.mul %[[ARG0]], %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @mul_of_negs(%a: vector<3xf32>, %b: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.neg %a : vector<3xf32>
  %1 = kernelred.neg %b : vector<3xf32>
  %2 = kernelred.mul %0, %1 : vector<3xf32>
  return %2 : vector<3xf32>
}

// Factors of equal dimensions: the negation moves out (KeOps).
// CHECK-LABEL: func.func @mul_of_neg(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.mul %[[ARG0]], %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.neg %[[V0]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.mul %[[ARG1]], %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.neg %[[V2]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]], %[[V3]] : vector<3xf32>, vector<3xf32>
func.func @mul_of_neg(%a: vector<3xf32>, %b: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.neg %a : vector<3xf32>
  %1 = kernelred.mul %0, %b : vector<3xf32>
  %2 = kernelred.mul %b, %0 : vector<3xf32>
  return %1, %2 : vector<3xf32>, vector<3xf32>
}

// With a scalar factor, the negation moves onto the scalar (it costs one
// component instead of D), and stays there.
// CHECK-LABEL: func.func @mul_of_neg_scalar(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.neg %[[ARG1]] : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.mul %[[V0]], %[[ARG0]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.neg %[[ARG1]] : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.mul %[[V2]], %[[ARG0]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: return %[[V1]], %[[V3]] : vector<3xf32>, vector<3xf32>
func.func @mul_of_neg_scalar(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.mul %s, %0 : vector<1xf32>, vector<3xf32>
  %2 = kernelred.neg %s : vector<1xf32>
  %3 = kernelred.mul %2, %x : vector<1xf32>, vector<3xf32>
  return %1, %3 : vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @mul_of_constants(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<3.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.mul %[[ARG0]], %[[V0]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @mul_of_constants(%x: vector<3xf32>) -> vector<3xf32> {
  %two = kernelred.intcst 2 : vector<1xf32>
  %third = kernelred.ratcst 3, 2 : vector<1xf32>
  %0 = kernelred.mul %x, %two : vector<3xf32>, vector<1xf32>
  %1 = kernelred.mul %third, %0 : vector<1xf32>, vector<3xf32>
  return %1 : vector<3xf32>
}

// CHECK-LABEL: func.func @mul_of_inv(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.div %[[ARG0]], %[[ARG1]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @mul_of_inv(%x: vector<3xf32>, %y: vector<1xf32>) -> vector<3xf32> {
  %0 = kernelred.inv %y : vector<1xf32>
  %1 = kernelred.mul %0, %x : vector<1xf32>, vector<3xf32>
  return %1 : vector<3xf32>
}

//===----------------------------------------------------------------------===//
// Negation
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @double_negation(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: return %[[ARG0]] : vector<3xf32>
func.func @double_negation(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.neg %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// CHECK-LABEL: func.func @add_of_neg(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sub %[[ARG0]], %[[ARG1]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sub %[[ARG0]], %[[ARG1]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>
func.func @add_of_neg(%a: vector<3xf32>, %b: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.neg %b : vector<1xf32>
  %1 = kernelred.add %a, %0 : vector<3xf32>, vector<1xf32>
  %2 = kernelred.add %0, %a : vector<1xf32>, vector<3xf32>
  return %1, %2 : vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @sub_of_neg(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.add %[[ARG0]], %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @sub_of_neg(%a: vector<3xf32>, %b: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.neg %b : vector<3xf32>
  %1 = kernelred.sub %a, %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// CHECK-LABEL: func.func @neg_of_sub(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sub %[[ARG1]], %[[ARG0]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @neg_of_sub(%a: vector<3xf32>, %b: vector<1xf32>) -> vector<3xf32> {
  %0 = kernelred.sub %a, %b : vector<3xf32>, vector<1xf32>
  %1 = kernelred.neg %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

//===----------------------------------------------------------------------===//
// Powers and roots
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @double_inv(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: return %[[ARG0]] : vector<3xf32>
func.func @double_inv(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.inv %x : vector<3xf32>
  %1 = kernelred.inv %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// CHECK-LABEL: func.func @pow_identities(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<1.000000e+00> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.square %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.inv %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V0]], %[[V1]], %[[V2]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @pow_identities(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.pow %x, 1 : vector<3xf32>
  %1 = kernelred.pow %x, 0 : vector<3xf32>
  %2 = kernelred.pow %x, 2 : vector<3xf32>
  %3 = kernelred.pow %x, -1 : vector<3xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @pow_of_pow(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.pow %[[ARG0]], -6 : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.pow %[[ARG0]], 6 : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>
func.func @pow_of_pow(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.pow %x, 3 : vector<3xf32>
  %1 = kernelred.pow %0, -2 : vector<3xf32>
  %2 = kernelred.square %x : vector<3xf32>
  %3 = kernelred.pow %2, 3 : vector<3xf32>
  return %1, %3 : vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @powf_of_constant(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.ratcst 1, 3 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sumt %[[ARG1]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.square %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.pow %[[ARG0]], 3 : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.sqrt %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.inv %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.powf %[[ARG0]], %[[V0]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @powf_of_constant(%x: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %one = kernelred.intcst 1 : vector<1xf32>
  %two = kernelred.intcst 2 : vector<1xf32>
  %three = kernelred.intcst 3 : vector<1xf32>
  %half = kernelred.ratcst 1, 2 : vector<1xf32>
  %minus_one = kernelred.intcst -1 : vector<1xf32>
  %other = kernelred.ratcst 1, 3 : vector<1xf32>
  %ones = kernelred.constant dense<1.0> : vector<3xf32>
  %0 = kernelred.powf %x, %one : vector<3xf32>, vector<1xf32>
  %1 = kernelred.powf %s, %ones : vector<1xf32>, vector<3xf32>
  %2 = kernelred.powf %x, %two : vector<3xf32>, vector<1xf32>
  %3 = kernelred.powf %x, %three : vector<3xf32>, vector<1xf32>
  %4 = kernelred.powf %x, %half : vector<3xf32>, vector<1xf32>
  %5 = kernelred.powf %x, %minus_one : vector<3xf32>, vector<1xf32>
  // A non-integer exponent other than 1/2 stays a Powf.
  %6 = kernelred.powf %x, %other : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3, %4, %5, %6 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @square_of_neg_and_abs(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.square %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.square %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>
func.func @square_of_neg_and_abs(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.square %0 : vector<3xf32>
  %2 = kernelred.abs %x : vector<3xf32>
  %3 = kernelred.square %2 : vector<3xf32>
  return %1, %3 : vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @sqrt_of_square(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.abs %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @sqrt_of_square(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.square %x : vector<3xf32>
  %1 = kernelred.sqrt %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// CHECK-LABEL: func.func @log_of_exp(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: return %[[ARG0]] : vector<3xf32>
func.func @log_of_exp(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.exp %x : vector<3xf32>
  %1 = kernelred.log %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// Exp(Log(x)) is x only for x > 0: it stays.
// CHECK-LABEL: func.func @exp_of_log_stays(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.log %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.exp %[[V0]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @exp_of_log_stays(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.log %x : vector<3xf32>
  %1 = kernelred.exp %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

// 1/Sqrt(x) differs from Rsqrt(x) at 0 (KeOps: Rsqrt(0) = 0): it stays.
// CHECK-LABEL: func.func @inv_of_sqrt_stays(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sqrt %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.inv %[[V0]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @inv_of_sqrt_stays(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.sqrt %x : vector<3xf32>
  %1 = kernelred.inv %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

//===----------------------------------------------------------------------===//
// Idempotent and sign-insensitive ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @idempotent(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.abs %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.relu %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.floor %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.sign %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @idempotent(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.abs %x : vector<3xf32>
  %1 = kernelred.abs %0 : vector<3xf32>
  %2 = kernelred.relu %x : vector<3xf32>
  %3 = kernelred.relu %2 : vector<3xf32>
  %4 = kernelred.floor %x : vector<3xf32>
  %5 = kernelred.floor %4 : vector<3xf32>
  %6 = kernelred.sign %x : vector<3xf32>
  %7 = kernelred.sign %6 : vector<3xf32>
  return %1, %3, %5, %7 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @abs_of_neg(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.abs %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @abs_of_neg(%x: vector<3xf32>) -> vector<3xf32> {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.abs %0 : vector<3xf32>
  return %1 : vector<3xf32>
}

//===----------------------------------------------------------------------===//
// Sum, SumT, Max, Min, ArgMax, ArgMin, norms
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @scalar_reductions(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.square %[[ARG0]] : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.abs %[[ARG0]] : vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[ARG0]], %[[ARG0]], %[[V0]], %[[V0]], %[[V1]], %[[V2]] : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @scalar_reductions(%s: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.sum %s : vector<1xf32>
  %1 = kernelred.max %s : vector<1xf32>
  %2 = kernelred.min %s : vector<1xf32>
  %3 = kernelred.argmax %s : vector<1xf32>
  %4 = kernelred.argmin %s : vector<1xf32>
  %5 = kernelred.sqnorm2 %s : vector<1xf32>
  %6 = kernelred.norm2 %s : vector<1xf32>
  return %0, %1, %2, %3, %4, %5, %6 : vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @sum_of_sumt(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>) -> vector<1xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.intcst 4 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.mul %[[ARG0]], %[[V0]] : vector<1xf32>
// CHECK-NEXT: return %[[V1]] : vector<1xf32>
func.func @sum_of_sumt(%s: vector<1xf32>) -> vector<1xf32> {
  %0 = kernelred.sumt %s dim 4 : vector<1xf32>
  %1 = kernelred.sum %0 : vector<4xf32>
  return %1 : vector<1xf32>
}

// CHECK-LABEL: func.func @sum_of_elemt_extractt(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<2xf32>) -> (vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sum %[[ARG1]] : vector<2xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V0]] : vector<1xf32>, vector<1xf32>
func.func @sum_of_elemt_extractt(%s: vector<1xf32>, %x: vector<2xf32>) -> (vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.elemt %s dim 4 at 2 : vector<1xf32>
  %1 = kernelred.sum %0 : vector<4xf32>
  %2 = kernelred.extractt %x dim 5 at 1 : vector<2xf32>
  %3 = kernelred.sum %2 : vector<5xf32>
  return %1, %3 : vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @sum_of_neg(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<1xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sum %[[ARG0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.neg %[[V0]] : vector<1xf32>
// CHECK-NEXT: return %[[V1]] : vector<1xf32>
func.func @sum_of_neg(%x: vector<3xf32>) -> vector<1xf32> {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.sum %0 : vector<3xf32>
  return %1 : vector<1xf32>
}

// CHECK-LABEL: func.func @sum_of_products(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<3xf32>, %[[ARG2:.*]]: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sum %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.mul %[[ARG0]], %[[V0]] : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.scalprod %[[ARG1]], %[[ARG2]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]], %[[V2]] : vector<1xf32>, vector<1xf32>
func.func @sum_of_products(%s: vector<1xf32>, %u: vector<3xf32>, %v: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.mul %u, %s : vector<3xf32>, vector<1xf32>
  %1 = kernelred.sum %0 : vector<3xf32>
  %2 = kernelred.mul %u, %v : vector<3xf32>
  %3 = kernelred.sum %2 : vector<3xf32>
  return %1, %3 : vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @sumt_of_scalar(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>) -> vector<1xf32> {
// CHECK-NEXT: return %[[ARG0]] : vector<1xf32>
func.func @sumt_of_scalar(%s: vector<1xf32>) -> vector<1xf32> {
  %0 = kernelred.sumt %s dim 1 : vector<1xf32>
  return %0 : vector<1xf32>
}

// CHECK-LABEL: func.func @scalprod(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<1xf32>, %[[ARG2:.*]]: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sqnorm2 %[[ARG2]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sum %[[ARG2]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.mul %[[ARG0]], %[[V1]] : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.mul %[[ARG0]], %[[ARG1]] : vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V2]], %[[V3]] : vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @scalprod(%s: vector<1xf32>, %t: vector<1xf32>, %x: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.scalprod %x, %x : vector<3xf32>
  %1 = kernelred.scalprod %x, %s : vector<3xf32>, vector<1xf32>
  %2 = kernelred.scalprod %s, %t : vector<1xf32>
  return %0, %1, %2 : vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @sqdist_self(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<1xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK-NEXT: return %[[V0]] : vector<1xf32>
func.func @sqdist_self(%x: vector<3xf32>) -> vector<1xf32> {
  %0 = kernelred.sqdist %x, %x : vector<3xf32>
  return %0 : vector<1xf32>
}

//===----------------------------------------------------------------------===//
// Elem, ElemT, Extract, ExtractT, Concat
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @elem_of_scalar(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: return %[[ARG0]], %[[ARG0]] : vector<1xf32>, vector<1xf32>
func.func @elem_of_scalar(%s: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.elem %s[0] : vector<1xf32>
  %1 = kernelred.elemt %s dim 1 at 0 : vector<1xf32>
  return %0, %1 : vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @elem_of_sumt_elemt(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.zero : vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[ARG0]], %[[V0]] : vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @elem_of_sumt_elemt(%s: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.sumt %s dim 4 : vector<1xf32>
  %1 = kernelred.elem %0[2] : vector<4xf32>
  %2 = kernelred.elemt %s dim 4 at 1 : vector<1xf32>
  %3 = kernelred.elem %2[1] : vector<4xf32>
  %4 = kernelred.elem %2[3] : vector<4xf32>
  return %1, %3, %4 : vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @elem_of_extract_extractt(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>, %[[ARG1:.*]]: vector<2xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.zero : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.elem %[[ARG0]][3] : vector<6xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.elem %[[ARG1]][1] : vector<2xf32>
// CHECK-NEXT: return %[[V1]], %[[V2]], %[[V0]] : vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @elem_of_extract_extractt(%x: vector<6xf32>, %y: vector<2xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.extract %x[2 : 3] : vector<6xf32>
  %1 = kernelred.elem %0[1] : vector<3xf32>
  %2 = kernelred.extractt %y dim 5 at 2 : vector<2xf32>
  %3 = kernelred.elem %2[3] : vector<5xf32>
  %4 = kernelred.elem %2[0] : vector<5xf32>
  return %1, %3, %4 : vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @elem_of_concat(
// CHECK-SAME: %[[ARG0:.*]]: vector<2xf32>, %[[ARG1:.*]]: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.elem %[[ARG0]][1] : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.elem %[[ARG1]][2] : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<1xf32>, vector<1xf32>
func.func @elem_of_concat(%x: vector<2xf32>, %y: vector<3xf32>) -> (vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.concat %x, %y : vector<2xf32>, vector<3xf32>
  %1 = kernelred.elem %0[1] : vector<5xf32>
  %2 = kernelred.elem %0[4] : vector<5xf32>
  return %1, %2 : vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @elem_of_strided_interleave(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>, %[[ARG1:.*]]: vector<3xf32>, %[[ARG2:.*]]: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.elem %[[ARG0]][5] : vector<6xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.elem %[[ARG1]][2] : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]], %[[ARG2]] : vector<1xf32>, vector<1xf32>, vector<1xf32>
func.func @elem_of_strided_interleave(%x: vector<6xf32>, %a: vector<3xf32>, %s: vector<1xf32>) -> (vector<1xf32>, vector<1xf32>, vector<1xf32>) {
  %0 = kernelred.extract_strided %x[1 : 3 : 2] : vector<6xf32>
  %1 = kernelred.elem %0[2] : vector<3xf32>
  %2 = kernelred.interleave %a, %s : vector<3xf32>, vector<1xf32>
  %3 = kernelred.elem %2[4] : vector<6xf32>
  %4 = kernelred.elem %2[5] : vector<6xf32>
  return %1, %3, %4 : vector<1xf32>, vector<1xf32>, vector<1xf32>
}

// CHECK-LABEL: func.func @extract_identities(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> (vector<6xf32>, vector<1xf32>, vector<2xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.elem %[[ARG0]][4] : vector<6xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract %[[ARG0]][3 : 2] : vector<6xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V0]], %[[V1]] : vector<6xf32>, vector<1xf32>, vector<2xf32>
func.func @extract_identities(%x: vector<6xf32>) -> (vector<6xf32>, vector<1xf32>, vector<2xf32>) {
  %0 = kernelred.extract %x[0 : 6] : vector<6xf32>
  %1 = kernelred.extract %x[4 : 1] : vector<6xf32>
  %2 = kernelred.extract %x[1 : 4] : vector<6xf32>
  %3 = kernelred.extract %2[2 : 2] : vector<4xf32>
  return %0, %1, %3 : vector<6xf32>, vector<1xf32>, vector<2xf32>
}

// CHECK-LABEL: func.func @extract_of_concat(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<4xf32>) -> (vector<2xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.concat %[[ARG0]], %[[ARG1]] : vector<3xf32>, vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract %[[ARG0]][1 : 2] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract %[[ARG1]][1 : 3] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract %[[V0]][2 : 3] : vector<7xf32>
// CHECK-NEXT: return %[[V1]], %[[V2]], %[[V3]] : vector<2xf32>, vector<3xf32>, vector<3xf32>
func.func @extract_of_concat(%x: vector<3xf32>, %y: vector<4xf32>) -> (vector<2xf32>, vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.concat %x, %y : vector<3xf32>, vector<4xf32>
  %1 = kernelred.extract %0[1 : 2] : vector<7xf32>
  %2 = kernelred.extract %0[4 : 3] : vector<7xf32>
  // Across the two operands: stays.
  %3 = kernelred.extract %0[2 : 3] : vector<7xf32>
  return %1, %2, %3 : vector<2xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @extract_of_sumt_extractt(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<2xf32>) -> (vector<2xf32>, vector<2xf32>, vector<5xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sumt %[[ARG0]] dim 2 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extractt %[[ARG1]] dim 5 at 3 : vector<2xf32>
// CHECK-NEXT: return %[[V0]], %[[ARG1]], %[[V1]] : vector<2xf32>, vector<2xf32>, vector<5xf32>
func.func @extract_of_sumt_extractt(%s: vector<1xf32>, %y: vector<2xf32>) -> (vector<2xf32>, vector<2xf32>, vector<5xf32>) {
  %0 = kernelred.sumt %s dim 4 : vector<1xf32>
  %1 = kernelred.extract %0[1 : 2] : vector<4xf32>
  %2 = kernelred.extractt %y dim 5 at 3 : vector<2xf32>
  %3 = kernelred.extract %2[3 : 2] : vector<5xf32>
  %4 = kernelred.extractt %2 dim 5 at 0 : vector<5xf32>
  return %1, %3, %4 : vector<2xf32>, vector<2xf32>, vector<5xf32>
}

// CHECK-LABEL: func.func @concat_of_slices(
// CHECK-SAME: %[[ARG0:.*]]: vector<5xf32>) -> (vector<3xf32>, vector<5xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract %[[ARG0]][1 : 3] : vector<5xf32>
// CHECK-NEXT: return %[[V0]], %[[ARG0]] : vector<3xf32>, vector<5xf32>
func.func @concat_of_slices(%x: vector<5xf32>) -> (vector<3xf32>, vector<5xf32>) {
  %0 = kernelred.elem %x[1] : vector<5xf32>
  %1 = kernelred.extract %x[2 : 2] : vector<5xf32>
  %2 = kernelred.concat %0, %1 : vector<1xf32>, vector<2xf32>
  %3 = kernelred.extract %x[0 : 3] : vector<5xf32>
  %4 = kernelred.extract %x[3 : 2] : vector<5xf32>
  %5 = kernelred.concat %3, %4 : vector<3xf32>, vector<2xf32>
  return %2, %5 : vector<3xf32>, vector<5xf32>
}

//===----------------------------------------------------------------------===//
// extract_strided and interleave
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @extract_strided_identities(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> (vector<6xf32>, vector<1xf32>, vector<3xf32>, vector<2xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.elem %[[ARG0]][3] : vector<6xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract %[[ARG0]][2 : 3] : vector<6xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 4] : vector<6xf32>
// CHECK-NEXT: return %[[ARG0]], %[[V0]], %[[V1]], %[[V2]] : vector<6xf32>, vector<1xf32>, vector<3xf32>, vector<2xf32>
func.func @extract_strided_identities(%x: vector<6xf32>) -> (vector<6xf32>, vector<1xf32>, vector<3xf32>, vector<2xf32>) {
  %0 = kernelred.extract_strided %x[0 : 6 : 1] : vector<6xf32>
  %1 = kernelred.extract_strided %x[3 : 1 : 2] : vector<6xf32>
  %2 = kernelred.extract_strided %x[2 : 3 : 1] : vector<6xf32>
  %3 = kernelred.extract_strided %x[1 : 3 : 2] : vector<6xf32>
  %4 = kernelred.extract_strided %3[0 : 2 : 2] : vector<3xf32>
  return %0, %1, %2, %4 : vector<6xf32>, vector<1xf32>, vector<3xf32>, vector<2xf32>
}

// CHECK-LABEL: func.func @extract_strided_of_interleave(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>, %[[ARG2:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<2xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG1]][0 : 2 : 2] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sumt %[[ARG2]] dim 3 : vector<1xf32>
// CHECK-NEXT: return %[[ARG0]], %[[ARG1]], %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>, vector<2xf32>, vector<3xf32>
func.func @extract_strided_of_interleave(%a: vector<3xf32>, %b: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<2xf32>, vector<3xf32>) {
  %0 = kernelred.interleave %a, %b : vector<3xf32>
  %1 = kernelred.extract_strided %0[0 : 3 : 2] : vector<6xf32>
  %2 = kernelred.extract_strided %0[1 : 3 : 2] : vector<6xf32>
  %3 = kernelred.extract_strided %0[1 : 2 : 4] : vector<6xf32>
  %4 = kernelred.interleave %a, %s : vector<3xf32>, vector<1xf32>
  %5 = kernelred.extract_strided %4[1 : 3 : 2] : vector<6xf32>
  return %1, %2, %3, %5 : vector<3xf32>, vector<3xf32>, vector<2xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @interleave_of_strided(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> vector<6xf32> {
// CHECK-NEXT: return %[[ARG0]] : vector<6xf32>
func.func @interleave_of_strided(%z: vector<6xf32>) -> vector<6xf32> {
  %0 = kernelred.extract_strided %z[0 : 3 : 2] : vector<6xf32>
  %1 = kernelred.extract_strided %z[1 : 3 : 2] : vector<6xf32>
  %2 = kernelred.interleave %0, %1 : vector<3xf32>
  return %2 : vector<6xf32>
}

//===----------------------------------------------------------------------===//
// IfElse
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @ifelse_known_branch(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>, %[[ARG2:.*]]: vector<3xf32>, %[[ARG3:.*]]: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sumt %[[ARG3]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sumt %[[ARG3]] dim 3 : vector<1xf32>
// CHECK-NEXT: return %[[ARG1]], %[[ARG1]], %[[ARG2]], %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
func.func @ifelse_known_branch(%c: vector<3xf32>, %a: vector<3xf32>, %b: vector<3xf32>, %s: vector<1xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.ifelse %c, %a, %a : vector<3xf32>
  %pos = kernelred.zero : vector<1xf32>
  %neg = kernelred.constant dense<[-1.0, -2.0, -0.5]> : vector<3xf32>
  %1 = kernelred.ifelse %pos, %a, %b : vector<1xf32>, vector<3xf32>, vector<3xf32>
  %2 = kernelred.ifelse %neg, %a, %b : vector<3xf32>
  // The chosen scalar is broadcast to the result.
  %3 = kernelred.ifelse %pos, %s, %b : vector<1xf32>, vector<1xf32>, vector<3xf32>
  %4 = kernelred.ifelse %c, %s, %s : vector<3xf32>, vector<1xf32>, vector<1xf32>
  return %0, %1, %2, %3, %4 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// CHECK-LABEL: func.func @ifelse_mixed_condition_stays(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>, %[[ARG1:.*]]: vector<3xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[-1.000000e+00, 0.000000e+00, 1.000000e+00]> : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.ifelse %[[V0]], %[[ARG0]], %[[ARG1]] : vector<3xf32>
// CHECK-NEXT: return %[[V1]] : vector<3xf32>
func.func @ifelse_mixed_condition_stays(%a: vector<3xf32>, %b: vector<3xf32>) -> vector<3xf32> {
  %c = kernelred.constant dense<[-1.0, 0.0, 1.0]> : vector<3xf32>
  %0 = kernelred.ifelse %c, %a, %b : vector<3xf32>
  return %0 : vector<3xf32>
}

//===----------------------------------------------------------------------===//
// The DRR patterns (dialect/KredCanonicalize.td): both operand orders, and
// the constraints that stop them
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @mul_by_inv_either_side(
// CHECK-SAME: %[[X:.*]]: vector<3xf32>, %[[Y:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.div %[[X]], %[[Y]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.div %[[X]], %[[Y]] : vector<3xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<3xf32>, vector<3xf32>
func.func @mul_by_inv_either_side(%x: vector<3xf32>, %y: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>) {
  %0 = kernelred.inv %y : vector<3xf32>
  %1 = kernelred.mul %x, %0 : vector<3xf32>
  %2 = kernelred.mul %0, %x : vector<3xf32>
  return %1, %2 : vector<3xf32>, vector<3xf32>
}

// 0 - b -> -b and 1 / f -> Inv(f) only where the result keeps its type:
// against a scalar b or f, the ops stay. Pow rewrites only exponents 2 and
// -1, SqNorm2 and Norm2 only scalars.
// CHECK-LABEL: func.func @drr_constraints_stay(
// CHECK-SAME: %[[S:.*]]: vector<1xf32>, %[[X:.*]]: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>) {
// CHECK-DAG: %[[ZERO:.*]] = kernelred.zero : vector<3xf32>
// CHECK-DAG: %[[ONE:.*]] = kernelred.constant dense<1.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[V0:.*]] = kernelred.sub %[[ZERO]], %[[S]] : vector<3xf32>, vector<1xf32>
// CHECK-DAG: %[[V1:.*]] = kernelred.div %[[ONE]], %[[S]] : vector<3xf32>, vector<1xf32>
// CHECK-DAG: %[[V2:.*]] = kernelred.pow %[[X]], 3 : vector<3xf32>
// CHECK-DAG: %[[V3:.*]] = kernelred.sqnorm2 %[[X]] : vector<3xf32>
// CHECK-DAG: %[[V4:.*]] = kernelred.norm2 %[[X]] : vector<3xf32>
// CHECK: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]] : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>
func.func @drr_constraints_stay(%s: vector<1xf32>, %x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>) {
  %z = kernelred.zero : vector<3xf32>
  %ones = kernelred.constant dense<1.0> : vector<3xf32>
  %0 = kernelred.sub %z, %s : vector<3xf32>, vector<1xf32>
  %1 = kernelred.div %ones, %s : vector<3xf32>, vector<1xf32>
  %2 = kernelred.pow %x, 3 : vector<3xf32>
  %3 = kernelred.sqnorm2 %x : vector<3xf32>
  %4 = kernelred.norm2 %x : vector<3xf32>
  return %0, %1, %2, %3, %4 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>
}

//===----------------------------------------------------------------------===//
// Inside a kernel
//===----------------------------------------------------------------------===//

// KeOps simplifies Exp(-x) * Exp(-y) * (x * 1) as Exp(-x - y) * x.
// CHECK-LABEL: kernelred.reduce @kernel
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.neg %[[I0]] : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sub %[[V0]], %[[J1]] : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.exp %[[V1]] : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.mul %[[V2]], %[[I0]] : vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[V3]] : vector<1xf32>
kernelred.reduce @kernel sum over j vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %one = kernelred.intcst 1 : vector<1xf32>
  %0 = kernelred.neg %x : vector<1xf32>
  %1 = kernelred.neg %y : vector<1xf32>
  %2 = kernelred.exp %0 : vector<1xf32>
  %3 = kernelred.exp %1 : vector<1xf32>
  %4 = kernelred.mul %2, %3 : vector<1xf32>
  %5 = kernelred.mul %x, %one : vector<1xf32>
  %6 = kernelred.mul %4, %5 : vector<1xf32>
  kernelred.yield %6 : vector<1xf32>
}
