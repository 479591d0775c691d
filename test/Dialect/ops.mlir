// RUN: kred-opt %s | kred-opt | FileCheck %s
// RUN: kred-opt %s --mlir-print-op-generic | kred-opt | FileCheck %s
// RUN: kred-opt %s --verify-roundtrip | FileCheck %s
// RUN: kred-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=TYPES

// Round trip of every kernelred op and every reduction kind. CHECK lines
// check the custom syntax; TYPES lines check the inferred result types
// (the generic form prints them).

// CHECK-LABEL: kernelred.reduce @constants
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.intcst -2 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.ratcst 1, 3 : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.zero : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.constant dense<[1.000000e+00, 2.500000e+00, -3.000000e+00]> : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V3]] : vector<3xf32>
// TYPES-LABEL: sym_name = "constants"
// TYPES: "kernelred.intcst"{{.*}} : () -> vector<1xf32>
// TYPES-NEXT: "kernelred.ratcst"{{.*}} : () -> vector<1xf32>
// TYPES-NEXT: "kernelred.zero"{{.*}} : () -> vector<3xf32>
// TYPES-NEXT: "kernelred.constant"{{.*}} : () -> vector<3xf32>
kernelred.reduce @constants sum over j vars(%x: i[0] vector<3xf32>) {
  %0 = kernelred.intcst -2 : vector<1xf32>
  %1 = kernelred.ratcst 1, 3 : vector<1xf32>
  %2 = kernelred.zero : vector<3xf32>
  %3 = kernelred.constant dense<[1.0, 2.5, -3.0]> : vector<3xf32>
  kernelred.yield %3 : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @unary
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.neg %[[I0]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.inv %[[V0]] : vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.square %[[V1]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.sqrt %[[V2]] : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.rsqrt %[[V3]] : vector<3xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.exp %[[V4]] : vector<3xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.log %[[V5]] : vector<3xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.xlogx %[[V6]] : vector<3xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.sin %[[V7]] : vector<3xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.cos %[[V8]] : vector<3xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.sinxdivx %[[V9]] : vector<3xf32>
// CHECK-NEXT: %[[V11:.*]] = kernelred.asin %[[V10]] : vector<3xf32>
// CHECK-NEXT: %[[V12:.*]] = kernelred.acos %[[V11]] : vector<3xf32>
// CHECK-NEXT: %[[V13:.*]] = kernelred.atan %[[V12]] : vector<3xf32>
// CHECK-NEXT: %[[V14:.*]] = kernelred.abs %[[V13]] : vector<3xf32>
// CHECK-NEXT: %[[V15:.*]] = kernelred.sign %[[V14]] : vector<3xf32>
// CHECK-NEXT: %[[V16:.*]] = kernelred.step %[[V15]] : vector<3xf32>
// CHECK-NEXT: %[[V17:.*]] = kernelred.relu %[[V16]] : vector<3xf32>
// CHECK-NEXT: %[[V18:.*]] = kernelred.floor %[[V17]] : vector<3xf32>
// CHECK-NEXT: %[[V19:.*]] = kernelred.normalize %[[V18]] : vector<3xf32>
// CHECK-NEXT: %[[V20:.*]] = kernelred.pow %[[V19]], -3 : vector<3xf32>
// CHECK-NEXT: %[[V21:.*]] = kernelred.round %[[V20]], 2 : vector<3xf32>
// CHECK-NEXT: %[[V22:.*]] = kernelred.clampint %[[V21]], -1, 1 : vector<3xf32>
// CHECK-NEXT: %[[V23:.*]] = kernelred.diffclampint %[[V22]], -2, 3 : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V23]] : vector<3xf32>
// TYPES-LABEL: sym_name = "unary"
// TYPES: "kernelred.neg"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.inv"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.square"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.sqrt"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.rsqrt"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.exp"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.log"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.xlogx"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.sin"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.cos"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.sinxdivx"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.asin"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.acos"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.atan"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.abs"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.sign"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.step"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.relu"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.floor"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.normalize"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.pow"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.round"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.clampint"{{.*}} : (vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.diffclampint"{{.*}} : (vector<3xf32>) -> vector<3xf32>
kernelred.reduce @unary sum over j vars(%x: i[0] vector<3xf32>) {
  %0 = kernelred.neg %x : vector<3xf32>
  %1 = kernelred.inv %0 : vector<3xf32>
  %2 = kernelred.square %1 : vector<3xf32>
  %3 = kernelred.sqrt %2 : vector<3xf32>
  %4 = kernelred.rsqrt %3 : vector<3xf32>
  %5 = kernelred.exp %4 : vector<3xf32>
  %6 = kernelred.log %5 : vector<3xf32>
  %7 = kernelred.xlogx %6 : vector<3xf32>
  %8 = kernelred.sin %7 : vector<3xf32>
  %9 = kernelred.cos %8 : vector<3xf32>
  %10 = kernelred.sinxdivx %9 : vector<3xf32>
  %11 = kernelred.asin %10 : vector<3xf32>
  %12 = kernelred.acos %11 : vector<3xf32>
  %13 = kernelred.atan %12 : vector<3xf32>
  %14 = kernelred.abs %13 : vector<3xf32>
  %15 = kernelred.sign %14 : vector<3xf32>
  %16 = kernelred.step %15 : vector<3xf32>
  %17 = kernelred.relu %16 : vector<3xf32>
  %18 = kernelred.floor %17 : vector<3xf32>
  %19 = kernelred.normalize %18 : vector<3xf32>
  %20 = kernelred.pow %19, -3 : vector<3xf32>
  %21 = kernelred.round %20, 2 : vector<3xf32>
  %22 = kernelred.clampint %21, -1, 1 : vector<3xf32>
  %23 = kernelred.diffclampint %22, -2, 3 : vector<3xf32>
  kernelred.yield %23 : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @to_scalar
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<4xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sum %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.max %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.min %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.argmax %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.argmin %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.sqnorm2 %[[I0]] : vector<4xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.norm2 %[[I0]] : vector<4xf32>
// CHECK-NEXT: kernelred.yield %[[V6]] : vector<1xf32>
// TYPES-LABEL: sym_name = "to_scalar"
// TYPES: "kernelred.sum"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.max"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.min"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.argmax"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.argmin"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.sqnorm2"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.norm2"{{.*}} : (vector<4xf32>) -> vector<1xf32>
kernelred.reduce @to_scalar sum over j vars(%x: i[0] vector<4xf32>) {
  %0 = kernelred.sum %x : vector<4xf32>
  %1 = kernelred.max %x : vector<4xf32>
  %2 = kernelred.min %x : vector<4xf32>
  %3 = kernelred.argmax %x : vector<4xf32>
  %4 = kernelred.argmin %x : vector<4xf32>
  %5 = kernelred.sqnorm2 %x : vector<4xf32>
  %6 = kernelred.norm2 %x : vector<4xf32>
  kernelred.yield %6 : vector<1xf32>
}

// CHECK-LABEL: kernelred.reduce @shape
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<4xf32>, %[[J1:.*]]: j[1] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sumt %[[J1]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.elem %[[I0]][2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.elemt %[[J1]] dim 5 at 1 : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract %[[I0]][1 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.extractt %[[V3]] dim 6 at 3 : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.onehot %[[J1]] dim 4 : vector<1xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.concat %[[I0]], %[[J1]] : vector<4xf32>, vector<1xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.extract_strided %[[I0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.interleave %[[V7]], %[[J1]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.interleave %[[I0]], %[[I0]] : vector<4xf32>
// CHECK-NEXT: kernelred.yield %[[V9]] : vector<8xf32>
// TYPES-LABEL: sym_name = "shape"
// TYPES: "kernelred.sumt"{{.*}} : (vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.elem"{{.*}} : (vector<4xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.elemt"{{.*}} : (vector<1xf32>) -> vector<5xf32>
// TYPES-NEXT: "kernelred.extract"{{.*}} : (vector<4xf32>) -> vector<2xf32>
// TYPES-NEXT: "kernelred.extractt"{{.*}} : (vector<2xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.onehot"{{.*}} : (vector<1xf32>) -> vector<4xf32>
// TYPES-NEXT: "kernelred.concat"{{.*}} : (vector<4xf32>, vector<1xf32>) -> vector<5xf32>
// TYPES-NEXT: "kernelred.extract_strided"{{.*}} : (vector<4xf32>) -> vector<2xf32>
// TYPES-NEXT: "kernelred.interleave"{{.*}} : (vector<2xf32>, vector<1xf32>) -> vector<4xf32>
// TYPES-NEXT: "kernelred.interleave"{{.*}} : (vector<4xf32>, vector<4xf32>) -> vector<8xf32>
kernelred.reduce @shape sum over j vars(%x: i[0] vector<4xf32>, %s: j[1] vector<1xf32>) {
  %0 = kernelred.sumt %s dim 3 : vector<1xf32>
  %1 = kernelred.elem %x[2] : vector<4xf32>
  %2 = kernelred.elemt %s dim 5 at 1 : vector<1xf32>
  %3 = kernelred.extract %x[1 : 2] : vector<4xf32>
  %4 = kernelred.extractt %3 dim 6 at 3 : vector<2xf32>
  %5 = kernelred.onehot %s dim 4 : vector<1xf32>
  %6 = kernelred.concat %x, %s : vector<4xf32>, vector<1xf32>
  %7 = kernelred.extract_strided %x[1 : 2 : 2] : vector<4xf32>
  %8 = kernelred.interleave %7, %s : vector<2xf32>, vector<1xf32>
  %9 = kernelred.interleave %x, %x : vector<4xf32>
  kernelred.yield %9 : vector<8xf32>
}

// CHECK-LABEL: kernelred.reduce @binary
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>, %[[J1:.*]]: j[1] vector<3xf32>, %[[P2:.*]]: p[2] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.add %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sub %[[P2]], %[[J1]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.mul %[[I0]], %[[P2]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.div %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.powf %[[I0]], %[[P2]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.atan2 %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.equal %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.notequal %[[I0]], %[[P2]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.lessthan %[[P2]], %[[P2]] : vector<1xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.lessorequal %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V9]] : vector<3xf32>
// TYPES-LABEL: sym_name = "binary"
// TYPES: "kernelred.add"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.sub"{{.*}} : (vector<1xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.mul"{{.*}} : (vector<3xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.div"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.powf"{{.*}} : (vector<3xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.atan2"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.equal"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.notequal"{{.*}} : (vector<3xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.lessthan"{{.*}} : (vector<1xf32>, vector<1xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.lessorequal"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<3xf32>
kernelred.reduce @binary sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %s: p[2] vector<1xf32>) {
  %0 = kernelred.add %x, %y : vector<3xf32>
  %1 = kernelred.sub %s, %y : vector<1xf32>, vector<3xf32>
  %2 = kernelred.mul %x, %s : vector<3xf32>, vector<1xf32>
  %3 = kernelred.div %x, %y : vector<3xf32>
  %4 = kernelred.powf %x, %s : vector<3xf32>, vector<1xf32>
  %5 = kernelred.atan2 %x, %y : vector<3xf32>
  %6 = kernelred.equal %x, %y : vector<3xf32>
  %7 = kernelred.notequal %x, %s : vector<3xf32>, vector<1xf32>
  %8 = kernelred.lessthan %s, %s : vector<1xf32>
  %9 = kernelred.lessorequal %x, %y : vector<3xf32>
  kernelred.yield %9 : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @ternary
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>, %[[J1:.*]]: j[1] vector<3xf32>, %[[P2:.*]]: p[2] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.ifelse %[[I0]], %[[J1]], %[[P2]] : vector<3xf32>, vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.clamp %[[I0]], %[[P2]], %[[P2]] : vector<3xf32>, vector<1xf32>, vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.mod %[[I0]], %[[J1]], %[[I0]] : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V2]] : vector<3xf32>
// TYPES-LABEL: sym_name = "ternary"
// TYPES: "kernelred.ifelse"{{.*}} : (vector<3xf32>, vector<3xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.clamp"{{.*}} : (vector<3xf32>, vector<1xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.mod"{{.*}} : (vector<3xf32>, vector<3xf32>, vector<3xf32>) -> vector<3xf32>
kernelred.reduce @ternary sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %s: p[2] vector<1xf32>) {
  %0 = kernelred.ifelse %x, %y, %s : vector<3xf32>, vector<3xf32>, vector<1xf32>
  %1 = kernelred.clamp %x, %s, %s : vector<3xf32>, vector<1xf32>, vector<1xf32>
  %2 = kernelred.mod %x, %y, %x : vector<3xf32>
  kernelred.yield %2 : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @vector_ops
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>, %[[J1:.*]]: j[1] vector<3xf32>, %[[P2:.*]]: p[2] vector<9xf32>, %[[P3:.*]]: p[3] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.scalprod %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.scalprod %[[P3]], %[[J1]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.sqdist %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.matvecmult %[[P2]], %[[I0]] : vector<9xf32>, vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.vecmatmult %[[I0]], %[[P2]] : vector<3xf32>, vector<9xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.tensorprod %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.weightedsqnorm %[[P3]], %[[I0]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.weightedsqnorm %[[J1]], %[[I0]] : vector<3xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.weightedsqnorm %[[P2]], %[[I0]] : vector<9xf32>, vector<3xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.weightedsqdist %[[P2]], %[[I0]], %[[J1]] : vector<9xf32>, vector<3xf32>, vector<3xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.tensordot %[[P2]], %[[I0]] dims [3, 3] x [3] contract [1] x [0] : vector<9xf32>, vector<3xf32>
// CHECK-NEXT: %[[V11:.*]] = kernelred.tensordot %[[P2]], %[[J1]] dims [3, 3] x [3] contract [] x [] permute [2, 0, 1] : vector<9xf32>, vector<3xf32>
// CHECK-NEXT: %[[V12:.*]] = kernelred.kron %[[P2]], %[[I0]] dims [3, 3] x [3, 1] : vector<9xf32>, vector<3xf32>
// CHECK-NEXT: %[[V13:.*]] = kernelred.bspline %[[P2]], %[[P3]] order 3 : vector<9xf32>, vector<1xf32>
// CHECK-NEXT: %[[V14:.*]] = kernelred.softdtw_sqdist %[[I0]], %[[P2]], %[[P3]] : vector<3xf32>, vector<9xf32>, vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[V14]] : vector<1xf32>
// TYPES-LABEL: sym_name = "vector_ops"
// TYPES: "kernelred.scalprod"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.scalprod"{{.*}} : (vector<1xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.sqdist"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.matvecmult"{{.*}} : (vector<9xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.vecmatmult"{{.*}} : (vector<3xf32>, vector<9xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.tensorprod"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<9xf32>
// TYPES-NEXT: "kernelred.weightedsqnorm"{{.*}} : (vector<1xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.weightedsqnorm"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.weightedsqnorm"{{.*}} : (vector<9xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.weightedsqdist"{{.*}} : (vector<9xf32>, vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.tensordot"{{.*}} : (vector<9xf32>, vector<3xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.tensordot"{{.*}} : (vector<9xf32>, vector<3xf32>) -> vector<27xf32>
// TYPES-NEXT: "kernelred.kron"{{.*}} : (vector<9xf32>, vector<3xf32>) -> vector<27xf32>
// TYPES-NEXT: "kernelred.bspline"{{.*}} : (vector<9xf32>, vector<1xf32>) -> vector<8xf32>
// TYPES-NEXT: "kernelred.softdtw_sqdist"{{.*}} : (vector<3xf32>, vector<9xf32>, vector<1xf32>) -> vector<1xf32>
kernelred.reduce @vector_ops sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %a: p[2] vector<9xf32>, %s: p[3] vector<1xf32>) {
  %0 = kernelred.scalprod %x, %y : vector<3xf32>
  %1 = kernelred.scalprod %s, %y : vector<1xf32>, vector<3xf32>
  %2 = kernelred.sqdist %x, %y : vector<3xf32>
  %3 = kernelred.matvecmult %a, %x : vector<9xf32>, vector<3xf32>
  %4 = kernelred.vecmatmult %x, %a : vector<3xf32>, vector<9xf32>
  %5 = kernelred.tensorprod %x, %y : vector<3xf32>
  %6 = kernelred.weightedsqnorm %s, %x : vector<1xf32>, vector<3xf32>
  %7 = kernelred.weightedsqnorm %y, %x : vector<3xf32>
  %8 = kernelred.weightedsqnorm %a, %x : vector<9xf32>, vector<3xf32>
  %9 = kernelred.weightedsqdist %a, %x, %y : vector<9xf32>, vector<3xf32>, vector<3xf32>
  %10 = kernelred.tensordot %a, %x dims [3, 3] x [3] contract [1] x [0] : vector<9xf32>, vector<3xf32>
  %11 = kernelred.tensordot %a, %y dims [3, 3] x [3] contract [] x [] permute [2, 0, 1] : vector<9xf32>, vector<3xf32>
  %12 = kernelred.kron %a, %x dims [3, 3] x [3, 1] : vector<9xf32>, vector<3xf32>
  %13 = kernelred.bspline %a, %s order 3 : vector<9xf32>, vector<1xf32>
  %14 = kernelred.softdtw_sqdist %x, %a, %s : vector<3xf32>, vector<9xf32>, vector<1xf32>
  kernelred.yield %14 : vector<1xf32>
}

// CHECK-LABEL: kernelred.reduce @differential
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>, %[[J1:.*]]: j[1] vector<3xf32>, %[[I2:.*]]: i[2] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sqdist %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.grad %[[V0]] wrt %[[I0]] dir %[[I2]] : vector<1xf32>, vector<3xf32>, vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.diff %[[V0]] wrt %[[J1]] dir %[[I0]] : vector<1xf32>, vector<3xf32>, vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.divergence %[[V1]] wrt %[[I0]] : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.laplacian %[[V0]] wrt %[[J1]] : vector<1xf32>, vector<3xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.gradmatrix %[[V1]] wrt %[[J1]] : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V5]] : vector<9xf32>
// TYPES-LABEL: sym_name = "differential"
// TYPES: "kernelred.sqdist"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.grad"{{.*}} : (vector<1xf32>, vector<3xf32>, vector<1xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.diff"{{.*}} : (vector<1xf32>, vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.divergence"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.laplacian"{{.*}} : (vector<1xf32>, vector<3xf32>) -> vector<1xf32>
// TYPES-NEXT: "kernelred.gradmatrix"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<9xf32>
kernelred.reduce @differential sum over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: i[2] vector<1xf32>) {
  %0 = kernelred.sqdist %x, %y : vector<3xf32>
  %1 = kernelred.grad %0 wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
  %2 = kernelred.diff %0 wrt %y dir %x : vector<1xf32>, vector<3xf32>, vector<3xf32>
  %3 = kernelred.divergence %1 wrt %x : vector<3xf32>
  %4 = kernelred.laplacian %0 wrt %y : vector<1xf32>, vector<3xf32>
  %5 = kernelred.gradmatrix %1 wrt %y : vector<3xf32>
  kernelred.yield %5 : vector<9xf32>
}

// CHECK-LABEL: kernelred.reduce @complex
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<6xf32>, %[[J1:.*]]: j[1] vector<2xf32>, %[[P2:.*]]: p[2] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.complexreal %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.compleximag %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.real2complex %[[V0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.imag2complex %[[V1]] : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.conj %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.complexabs %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.complexsquareabs %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.complexangle %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.complexsum %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.complexsumt %[[J1]] dim 6 : vector<2xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.complexadd %[[I0]], %[[J1]] : vector<6xf32>, vector<2xf32>
// CHECK-NEXT: %[[V11:.*]] = kernelred.complexsubtract %[[J1]], %[[I0]] : vector<2xf32>, vector<6xf32>
// CHECK-NEXT: %[[V12:.*]] = kernelred.complexmult %[[I0]], %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V13:.*]] = kernelred.complexrealscal %[[P2]], %[[I0]] : vector<1xf32>, vector<6xf32>
// CHECK-NEXT: %[[V14:.*]] = kernelred.complexrealscal %[[I0]], %[[P2]] : vector<6xf32>, vector<1xf32>
// CHECK-NEXT: %[[V15:.*]] = kernelred.complexdivide %[[I0]], %[[J1]] : vector<6xf32>, vector<2xf32>
// CHECK-NEXT: %[[V16:.*]] = kernelred.complexexp %[[I0]] : vector<6xf32>
// CHECK-NEXT: %[[V17:.*]] = kernelred.complexexp1j %[[P2]] : vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[V16]] : vector<6xf32>
// TYPES-LABEL: sym_name = "complex"
// TYPES: "kernelred.complexreal"{{.*}} : (vector<6xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.compleximag"{{.*}} : (vector<6xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.real2complex"{{.*}} : (vector<3xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.imag2complex"{{.*}} : (vector<3xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.conj"{{.*}} : (vector<6xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexabs"{{.*}} : (vector<6xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.complexsquareabs"{{.*}} : (vector<6xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.complexangle"{{.*}} : (vector<6xf32>) -> vector<3xf32>
// TYPES-NEXT: "kernelred.complexsum"{{.*}} : (vector<6xf32>) -> vector<2xf32>
// TYPES-NEXT: "kernelred.complexsumt"{{.*}} : (vector<2xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexadd"{{.*}} : (vector<6xf32>, vector<2xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexsubtract"{{.*}} : (vector<2xf32>, vector<6xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexmult"{{.*}} : (vector<6xf32>, vector<6xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexrealscal"{{.*}} : (vector<1xf32>, vector<6xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexrealscal"{{.*}} : (vector<6xf32>, vector<1xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexdivide"{{.*}} : (vector<6xf32>, vector<2xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexexp"{{.*}} : (vector<6xf32>) -> vector<6xf32>
// TYPES-NEXT: "kernelred.complexexp1j"{{.*}} : (vector<1xf32>) -> vector<2xf32>
kernelred.reduce @complex sum over j vars(%z: i[0] vector<6xf32>, %w: j[1] vector<2xf32>, %s: p[2] vector<1xf32>) {
  %0 = kernelred.complexreal %z : vector<6xf32>
  %1 = kernelred.compleximag %z : vector<6xf32>
  %2 = kernelred.real2complex %0 : vector<3xf32>
  %3 = kernelred.imag2complex %1 : vector<3xf32>
  %4 = kernelred.conj %z : vector<6xf32>
  %5 = kernelred.complexabs %z : vector<6xf32>
  %6 = kernelred.complexsquareabs %z : vector<6xf32>
  %7 = kernelred.complexangle %z : vector<6xf32>
  %8 = kernelred.complexsum %z : vector<6xf32>
  %9 = kernelred.complexsumt %w dim 6 : vector<2xf32>
  %10 = kernelred.complexadd %z, %w : vector<6xf32>, vector<2xf32>
  %11 = kernelred.complexsubtract %w, %z : vector<2xf32>, vector<6xf32>
  %12 = kernelred.complexmult %z, %z : vector<6xf32>
  %13 = kernelred.complexrealscal %s, %z : vector<1xf32>, vector<6xf32>
  %14 = kernelred.complexrealscal %z, %s : vector<6xf32>, vector<1xf32>
  %15 = kernelred.complexdivide %z, %w : vector<6xf32>, vector<2xf32>
  %16 = kernelred.complexexp %z : vector<6xf32>
  %17 = kernelred.complexexp1j %s : vector<1xf32>
  kernelred.yield %16 : vector<6xf32>
}

// CHECK-LABEL: kernelred.reduce @sum
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "sum"
kernelred.reduce @sum sum over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @sum_over_i_f64
// CHECK-SAME: sum over i vars(%[[J0:.*]]: j[0] vector<3xf64>, %[[P1:.*]]: p[1] vector<2xf64>) attributes {acc_type = f64, chunk = 16 : i64, sum_scheme = #kernelred.sum_scheme<kahan_scheme>, tile_i = 4 : i64, tile_j = 8 : i64} {
// CHECK-NEXT: kernelred.yield %[[J0]] : vector<3xf64>
// TYPES-LABEL: sym_name = "sum_over_i_f64"
kernelred.reduce @sum_over_i_f64 sum over i vars(%x: j[0] vector<3xf64>, %p: p[1] vector<2xf64>) attributes {acc_type = f64, sum_scheme = #kernelred.sum_scheme<kahan_scheme>, tile_i = 4, tile_j = 8, chunk = 16} {
  kernelred.yield %x : vector<3xf64>
}

// CHECK-LABEL: kernelred.reduce @sum_f16
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<2xf16>) attributes {acc_type = f32, sum_scheme = #kernelred.sum_scheme<direct_sum>} {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<2xf16>
// TYPES-LABEL: sym_name = "sum_f16"
kernelred.reduce @sum_f16 sum over j vars(%x: i[0] vector<2xf16>) attributes {acc_type = f32, sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  kernelred.yield %x : vector<2xf16>
}

// CHECK-LABEL: kernelred.reduce @sum_bf16
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<2xbf16>) attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<2xbf16>
// TYPES-LABEL: sym_name = "sum_bf16"
kernelred.reduce @sum_bf16 sum over j vars(%x: i[0] vector<2xbf16>) attributes {sum_scheme = #kernelred.sum_scheme<block_sum>} {
  kernelred.yield %x : vector<2xbf16>
}

// CHECK-LABEL: kernelred.reduce @logsumexp
// CHECK-SAME: logsumexp over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<1xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.mul %[[I0]], %[[J1]] : vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[V0]] : vector<1xf32>
// TYPES-LABEL: sym_name = "logsumexp"
// TYPES: "kernelred.mul"{{.*}} : (vector<1xf32>, vector<1xf32>) -> vector<1xf32>
kernelred.reduce @logsumexp logsumexp over j vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %0 = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %0 : vector<1xf32>
}

// CHECK-LABEL: kernelred.reduce @logsumexp_weight
// CHECK-SAME: logsumexp over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "logsumexp_weight"
kernelred.reduce @logsumexp_weight logsumexp over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max_sumshiftexp
// CHECK-SAME: max_sumshiftexp over j vars(%[[I0:.*]]: i[0] vector<1xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<1xf32>
// TYPES-LABEL: sym_name = "max_sumshiftexp"
kernelred.reduce @max_sumshiftexp max_sumshiftexp over j vars(%x: i[0] vector<1xf32>) {
  kernelred.yield %x : vector<1xf32>
}

// CHECK-LABEL: kernelred.reduce @max_sumshiftexp_weight
// CHECK-SAME: max_sumshiftexp_weight over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "max_sumshiftexp_weight"
kernelred.reduce @max_sumshiftexp_weight max_sumshiftexp_weight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max_sumshiftexp_weight_softmax
// CHECK-SAME: max_sumshiftexp_weight over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<softmax>} {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "max_sumshiftexp_weight_softmax"
kernelred.reduce @max_sumshiftexp_weight_softmax max_sumshiftexp_weight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<softmax>} {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max_sumshiftexp_weight_log
// CHECK-SAME: max_sumshiftexp_weight over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<logsumexp>} {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "max_sumshiftexp_weight_log"
kernelred.reduce @max_sumshiftexp_weight_log max_sumshiftexp_weight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<logsumexp>} {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max_sumshiftexp_weight_none
// CHECK-SAME: max_sumshiftexp_weight over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<none>} {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "max_sumshiftexp_weight_none"
kernelred.reduce @max_sumshiftexp_weight_none max_sumshiftexp_weight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) attributes {finalize = #kernelred.finalize<none>} {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @sumsoftmaxweight
// CHECK-SAME: sumsoftmaxweight over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]], %[[J1]] : vector<1xf32>, vector<3xf32>
// TYPES-LABEL: sym_name = "sumsoftmaxweight"
kernelred.reduce @sumsoftmaxweight sumsoftmaxweight over j vars(%x: i[0] vector<1xf32>, %g: j[1] vector<3xf32>) {
  kernelred.yield %x, %g : vector<1xf32>, vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @min
// CHECK-SAME: min over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "min"
kernelred.reduce @min min over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max
// CHECK-SAME: max over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "max"
kernelred.reduce @max max over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @argmin
// CHECK-SAME: argmin over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "argmin"
kernelred.reduce @argmin argmin over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @argmax
// CHECK-SAME: argmax over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "argmax"
kernelred.reduce @argmax argmax over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @min_argmin
// CHECK-SAME: min_argmin over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "min_argmin"
kernelred.reduce @min_argmin min_argmin over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @max_argmax
// CHECK-SAME: max_argmax over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "max_argmax"
kernelred.reduce @max_argmax max_argmax over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @kmin
// CHECK-SAME: kmin<5> over j vars(%[[I0:.*]]: i[0] vector<3xf32>, %[[J1:.*]]: j[1] vector<3xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.sqdist %[[I0]], %[[J1]] : vector<3xf32>
// CHECK-NEXT: kernelred.yield %[[V0]] : vector<1xf32>
// TYPES-LABEL: sym_name = "kmin"
// TYPES: "kernelred.sqdist"{{.*}} : (vector<3xf32>, vector<3xf32>) -> vector<1xf32>
kernelred.reduce @kmin kmin<5> over j vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
  %0 = kernelred.sqdist %x, %y : vector<3xf32>
  kernelred.yield %0 : vector<1xf32>
}

// CHECK-LABEL: kernelred.reduce @argkmin
// CHECK-SAME: argkmin<1> over i vars(%[[J0:.*]]: j[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[J0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "argkmin"
kernelred.reduce @argkmin argkmin<1> over i vars(%x: j[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @kmin_argkmin
// CHECK-SAME: kmin_argkmin<3> over j vars(%[[I0:.*]]: i[0] vector<3xf32>) {
// CHECK-NEXT: kernelred.yield %[[I0]] : vector<3xf32>
// TYPES-LABEL: sym_name = "kmin_argkmin"
kernelred.reduce @kmin_argkmin kmin_argkmin<3> over j vars(%x: i[0] vector<3xf32>) {
  kernelred.yield %x : vector<3xf32>
}

// CHECK-LABEL: kernelred.reduce @positions
// CHECK-SAME: sum over j vars(%[[P2:.*]]: p[2] vector<1xf32>, %[[I0:.*]]: i[0] vector<2xf32>, %[[J1:.*]]: j[1] vector<2xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.mul %[[P2]], %[[I0]] : vector<1xf32>, vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.add %[[V0]], %[[J1]] : vector<2xf32>
// CHECK-NEXT: kernelred.yield %[[V1]] : vector<2xf32>
// TYPES-LABEL: sym_name = "positions"
// TYPES: "kernelred.mul"{{.*}} : (vector<1xf32>, vector<2xf32>) -> vector<2xf32>
// TYPES-NEXT: "kernelred.add"{{.*}} : (vector<2xf32>, vector<2xf32>) -> vector<2xf32>
kernelred.reduce @positions sum over j vars(%p: p[2] vector<1xf32>, %x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %0 = kernelred.mul %p, %x : vector<1xf32>, vector<2xf32>
  %1 = kernelred.add %0, %y : vector<2xf32>
  kernelred.yield %1 : vector<2xf32>
}
