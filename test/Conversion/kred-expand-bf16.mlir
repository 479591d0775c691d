// RUN: kred-opt %s --split-input-file --kred-expand-bf16 | FileCheck %s

// f32 -> bf16: round to nearest even through the i32 bits, NaN to the quiet
// NaN 0x7fc0 (32704); no truncf left.

// CHECK-LABEL: func.func @trunc(
// CHECK-NOT:     arith.truncf
// CHECK-DAG:     %[[NAN:.*]] = arith.cmpf une, %[[X:.*]], %[[X]] : vector<8xf32>
// CHECK-DAG:     %[[BITS:.*]] = arith.bitcast %[[X]] : vector<8xf32> to vector<8xi32>
// CHECK-DAG:     arith.constant dense<32767> : vector<8xi32>
// CHECK-DAG:     arith.constant dense<32704> : vector<8xi16>
// CHECK:         arith.shrui
// CHECK:         arith.trunci {{.*}} : vector<8xi32> to vector<8xi16>
// CHECK:         arith.select %[[NAN]]
// CHECK:         arith.bitcast {{.*}} : vector<8xi16> to vector<8xbf16>
// CHECK-NOT:     arith.truncf
func.func @trunc(%x: vector<8xf32>) -> vector<8xbf16> {
  %h = arith.truncf %x : vector<8xf32> to vector<8xbf16>
  return %h : vector<8xbf16>
}

// -----

// bf16 -> f32: the 16 bits shifted into the high half.

// CHECK-LABEL: func.func @ext(
// CHECK-NOT:     arith.extf
// CHECK:         arith.bitcast %{{.*}} : bf16 to i16
// CHECK:         arith.extui {{.*}} : i16 to i32
// CHECK:         arith.shli
// CHECK:         arith.bitcast {{.*}} : i32 to f32
func.func @ext(%x: bf16) -> f32 {
  %e = arith.extf %x : bf16 to f32
  return %e : f32
}

// -----

// Other conversions stay (f16 has F16C instructions; f64 does not pass
// through bf16 in kernels).

// CHECK-LABEL: func.func @others(
// CHECK:         arith.truncf {{.*}} : vector<4xf32> to vector<4xf16>
// CHECK:         arith.extf {{.*}} : f16 to f32
func.func @others(%x: vector<4xf32>, %y: f16) -> (vector<4xf16>, f32) {
  %h = arith.truncf %x : vector<4xf32> to vector<4xf16>
  %e = arith.extf %y : f16 to f32
  return %h, %e : vector<4xf16>, f32
}
