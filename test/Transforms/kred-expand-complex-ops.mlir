// RUN: kred-opt %s --kred-expand-complex \
// RUN:   | FileCheck %s --implicit-check-not=kernelred.complex \
// RUN:       --implicit-check-not=kernelred.conj \
// RUN:       --implicit-check-not=kernelred.real2complex \
// RUN:       --implicit-check-not=kernelred.imag2complex
// RUN: kred-opt %s --kred-expand-complex --canonicalize \
// RUN:   | FileCheck %s --check-prefix=CANON

// populateExpandComplexPatterns (lib/Transforms/ExpandComplex.h), one op at
// a time (kred-expand-complex.mlir checks the pass): every complex op
// becomes real kernelred ops on interleaved (re, im) pairs, split with
// extract_strided and built with interleave. The CHECK lines check the
// expansion alone; the CANON lines check it after canonicalize, which folds
// the pair plumbing away and, with constant operands, computes the complex
// results.

// CHECK-LABEL: func.func @complexreal(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 3 : 2] : vector<6xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @complexreal(%z: vector<6xf32>) -> vector<3xf32> {
  %0 = kernelred.complexreal %z : vector<6xf32>
  return %0 : vector<3xf32>
}

// CHECK-LABEL: func.func @compleximag(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> vector<3xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][1 : 3 : 2] : vector<6xf32>
// CHECK-NEXT: return %[[V0]] : vector<3xf32>
func.func @compleximag(%z: vector<6xf32>) -> vector<3xf32> {
  %0 = kernelred.compleximag %z : vector<6xf32>
  return %0 : vector<3xf32>
}

// CHECK-LABEL: func.func @real2complex(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf32>) -> vector<6xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.zero : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.interleave %[[ARG0]], %[[V0]] : vector<3xf32>, vector<1xf32>
// CHECK-NEXT: return %[[V1]] : vector<6xf32>
func.func @real2complex(%x: vector<3xf32>) -> vector<6xf32> {
  %0 = kernelred.real2complex %x : vector<3xf32>
  return %0 : vector<6xf32>
}

// CHECK-LABEL: func.func @imag2complex(
// CHECK-SAME: %[[ARG0:.*]]: vector<3xf64>) -> vector<6xf64> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.zero : vector<1xf64>
// CHECK-NEXT: %[[V1:.*]] = kernelred.interleave %[[V0]], %[[ARG0]] : vector<1xf64>, vector<3xf64>
// CHECK-NEXT: return %[[V1]] : vector<6xf64>
func.func @imag2complex(%x: vector<3xf64>) -> vector<6xf64> {
  %0 = kernelred.imag2complex %x : vector<3xf64>
  return %0 : vector<6xf64>
}

// CHECK-LABEL: func.func @conj(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.neg %[[V1]] : vector<2xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.interleave %[[V0]], %[[V2]] : vector<2xf32>
// CHECK-NEXT: return %[[V3]] : vector<4xf32>
func.func @conj(%z: vector<4xf32>) -> vector<4xf32> {
  %0 = kernelred.conj %z : vector<4xf32>
  return %0 : vector<4xf32>
}

// CHECK-LABEL: func.func @complexabs(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>) -> vector<2xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.square %[[V0]] : vector<2xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.square %[[V2]] : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.add %[[V1]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.sqrt %[[V4]] : vector<2xf32>
// CHECK-NEXT: return %[[V5]] : vector<2xf32>
func.func @complexabs(%z: vector<4xf32>) -> vector<2xf32> {
  %0 = kernelred.complexabs %z : vector<4xf32>
  return %0 : vector<2xf32>
}

// CHECK-LABEL: func.func @complexsquareabs(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>) -> vector<2xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.square %[[V0]] : vector<2xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.square %[[V2]] : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.add %[[V1]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: return %[[V4]] : vector<2xf32>
func.func @complexsquareabs(%z: vector<4xf32>) -> vector<2xf32> {
  %0 = kernelred.complexsquareabs %z : vector<4xf32>
  return %0 : vector<2xf32>
}

// CHECK-LABEL: func.func @complexangle(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>) -> vector<2xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.atan2 %[[V1]], %[[V0]] : vector<2xf32>
// CHECK-NEXT: return %[[V2]] : vector<2xf32>
func.func @complexangle(%z: vector<4xf32>) -> vector<2xf32> {
  %0 = kernelred.complexangle %z : vector<4xf32>
  return %0 : vector<2xf32>
}

// CHECK-LABEL: func.func @complexsum(
// CHECK-SAME: %[[ARG0:.*]]: vector<6xf32>) -> vector<2xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 3 : 2] : vector<6xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 3 : 2] : vector<6xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.sum %[[V0]] : vector<3xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.sum %[[V1]] : vector<3xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.interleave %[[V2]], %[[V3]] : vector<1xf32>
// CHECK-NEXT: return %[[V4]] : vector<2xf32>
func.func @complexsum(%z: vector<6xf32>) -> vector<2xf32> {
  %0 = kernelred.complexsum %z : vector<6xf32>
  return %0 : vector<2xf32>
}

// CHECK-LABEL: func.func @complexsumt(
// CHECK-SAME: %[[ARG0:.*]]: vector<2xf32>) -> vector<6xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.sumt %[[V0]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.sumt %[[V1]] dim 3 : vector<1xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.interleave %[[V2]], %[[V3]] : vector<3xf32>
// CHECK-NEXT: return %[[V4]] : vector<6xf32>
func.func @complexsumt(%c: vector<2xf32>) -> vector<6xf32> {
  %0 = kernelred.complexsumt %c dim 6 : vector<2xf32>
  return %0 : vector<6xf32>
}

// CHECK-LABEL: func.func @complexadd(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>, %[[ARG1:.*]]: vector<4xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG1]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[ARG1]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.add %[[V0]], %[[V2]] : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.add %[[V1]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.interleave %[[V4]], %[[V5]] : vector<2xf32>
// CHECK-NEXT: return %[[V6]] : vector<4xf32>
func.func @complexadd(%a: vector<4xf32>, %b: vector<4xf32>) -> vector<4xf32> {
  %0 = kernelred.complexadd %a, %b : vector<4xf32>
  return %0 : vector<4xf32>
}

// A complex scalar (dimension 2) broadcasts: its parts have dimension 1.
// CHECK-LABEL: func.func @complexsubtract(
// CHECK-SAME: %[[ARG0:.*]]: vector<2xf32>, %[[ARG1:.*]]: vector<4xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG1]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[ARG1]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.sub %[[V0]], %[[V2]] : vector<1xf32>, vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.sub %[[V1]], %[[V3]] : vector<1xf32>, vector<2xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.interleave %[[V4]], %[[V5]] : vector<2xf32>
// CHECK-NEXT: return %[[V6]] : vector<4xf32>
func.func @complexsubtract(%c: vector<2xf32>, %b: vector<4xf32>) -> vector<4xf32> {
  %0 = kernelred.complexsubtract %c, %b : vector<2xf32>, vector<4xf32>
  return %0 : vector<4xf32>
}

// CHECK-LABEL: func.func @complexmult(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>, %[[ARG1:.*]]: vector<4xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG1]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[ARG1]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.mul %[[V0]], %[[V2]] : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.mul %[[V1]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.sub %[[V4]], %[[V5]] : vector<2xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.mul %[[V0]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.mul %[[V1]], %[[V2]] : vector<2xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.add %[[V7]], %[[V8]] : vector<2xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.interleave %[[V6]], %[[V9]] : vector<2xf32>
// CHECK-NEXT: return %[[V10]] : vector<4xf32>
func.func @complexmult(%a: vector<4xf32>, %b: vector<4xf32>) -> vector<4xf32> {
  %0 = kernelred.complexmult %a, %b : vector<4xf32>
  return %0 : vector<4xf32>
}

// CHECK-LABEL: func.func @complexrealscal(
// CHECK-SAME: %[[ARG0:.*]]: vector<1xf32>, %[[ARG1:.*]]: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.mul %[[ARG0]], %[[ARG1]] : vector<1xf32>, vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.mul %[[ARG1]], %[[ARG0]] : vector<4xf32>, vector<1xf32>
// CHECK-NEXT: return %[[V0]], %[[V1]] : vector<4xf32>, vector<4xf32>
func.func @complexrealscal(%s: vector<1xf32>, %z: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>) {
  %0 = kernelred.complexrealscal %s, %z : vector<1xf32>, vector<4xf32>
  %1 = kernelred.complexrealscal %z, %s : vector<4xf32>, vector<1xf32>
  return %0, %1 : vector<4xf32>, vector<4xf32>
}

// CHECK-LABEL: func.func @complexdivide(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>, %[[ARG1:.*]]: vector<2xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.extract_strided %[[ARG1]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[ARG1]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.square %[[V2]] : vector<1xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.square %[[V3]] : vector<1xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.add %[[V4]], %[[V5]] : vector<1xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.mul %[[V0]], %[[V2]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.mul %[[V1]], %[[V3]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.add %[[V7]], %[[V8]] : vector<2xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.div %[[V9]], %[[V6]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V11:.*]] = kernelred.mul %[[V1]], %[[V2]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V12:.*]] = kernelred.mul %[[V0]], %[[V3]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V13:.*]] = kernelred.sub %[[V11]], %[[V12]] : vector<2xf32>
// CHECK-NEXT: %[[V14:.*]] = kernelred.div %[[V13]], %[[V6]] : vector<2xf32>, vector<1xf32>
// CHECK-NEXT: %[[V15:.*]] = kernelred.interleave %[[V10]], %[[V14]] : vector<2xf32>
// CHECK-NEXT: return %[[V15]] : vector<4xf32>
func.func @complexdivide(%a: vector<4xf32>, %c: vector<2xf32>) -> vector<4xf32> {
  %0 = kernelred.complexdivide %a, %c : vector<4xf32>, vector<2xf32>
  return %0 : vector<4xf32>
}

// CHECK-LABEL: func.func @complexexp(
// CHECK-SAME: %[[ARG0:.*]]: vector<4xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.extract_strided %[[ARG0]][0 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.extract_strided %[[ARG0]][1 : 2 : 2] : vector<4xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.exp %[[V0]] : vector<2xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.cos %[[V1]] : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.sin %[[V1]] : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.mul %[[V2]], %[[V3]] : vector<2xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.mul %[[V2]], %[[V4]] : vector<2xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.interleave %[[V5]], %[[V6]] : vector<2xf32>
// CHECK-NEXT: return %[[V7]] : vector<4xf32>
func.func @complexexp(%z: vector<4xf32>) -> vector<4xf32> {
  %0 = kernelred.complexexp %z : vector<4xf32>
  return %0 : vector<4xf32>
}

// CHECK-LABEL: func.func @complexexp1j(
// CHECK-SAME: %[[ARG0:.*]]: vector<2xf32>) -> vector<4xf32> {
// CHECK-NEXT: %[[V0:.*]] = kernelred.cos %[[ARG0]] : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sin %[[ARG0]] : vector<2xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.interleave %[[V0]], %[[V1]] : vector<2xf32>
// CHECK-NEXT: return %[[V2]] : vector<4xf32>
func.func @complexexp1j(%x: vector<2xf32>) -> vector<4xf32> {
  %0 = kernelred.complexexp1j %x : vector<2xf32>
  return %0 : vector<4xf32>
}

// Nested complex ops in a kernel: |exp(i x) * conj(y)|^2, a Gaussian-like
// complex kernel.
// CHECK-LABEL: kernelred.reduce @kernel
// CHECK-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<2xf32>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.cos %[[I0]] : vector<1xf32>
// CHECK-NEXT: %[[V1:.*]] = kernelred.sin %[[I0]] : vector<1xf32>
// CHECK-NEXT: %[[V2:.*]] = kernelred.interleave %[[V0]], %[[V1]] : vector<1xf32>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[J1]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V4:.*]] = kernelred.extract_strided %[[J1]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V5:.*]] = kernelred.neg %[[V4]] : vector<1xf32>
// CHECK-NEXT: %[[V6:.*]] = kernelred.interleave %[[V3]], %[[V5]] : vector<1xf32>
// CHECK-NEXT: %[[V7:.*]] = kernelred.extract_strided %[[V2]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V8:.*]] = kernelred.extract_strided %[[V2]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V9:.*]] = kernelred.extract_strided %[[V6]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V10:.*]] = kernelred.extract_strided %[[V6]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V11:.*]] = kernelred.mul %[[V7]], %[[V9]] : vector<1xf32>
// CHECK-NEXT: %[[V12:.*]] = kernelred.mul %[[V8]], %[[V10]] : vector<1xf32>
// CHECK-NEXT: %[[V13:.*]] = kernelred.sub %[[V11]], %[[V12]] : vector<1xf32>
// CHECK-NEXT: %[[V14:.*]] = kernelred.mul %[[V7]], %[[V10]] : vector<1xf32>
// CHECK-NEXT: %[[V15:.*]] = kernelred.mul %[[V8]], %[[V9]] : vector<1xf32>
// CHECK-NEXT: %[[V16:.*]] = kernelred.add %[[V14]], %[[V15]] : vector<1xf32>
// CHECK-NEXT: %[[V17:.*]] = kernelred.interleave %[[V13]], %[[V16]] : vector<1xf32>
// CHECK-NEXT: %[[V18:.*]] = kernelred.extract_strided %[[V17]][0 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V19:.*]] = kernelred.square %[[V18]] : vector<1xf32>
// CHECK-NEXT: %[[V20:.*]] = kernelred.extract_strided %[[V17]][1 : 1 : 2] : vector<2xf32>
// CHECK-NEXT: %[[V21:.*]] = kernelred.square %[[V20]] : vector<1xf32>
// CHECK-NEXT: %[[V22:.*]] = kernelred.add %[[V19]], %[[V21]] : vector<1xf32>
// CHECK-NEXT: kernelred.yield %[[V22]] : vector<1xf32>
// CANON-LABEL: kernelred.reduce @kernel
// CANON-SAME: sum over j vars(%[[I0:.*]]: i[0] vector<1xf32>, %[[J1:.*]]: j[1] vector<2xf32>) {
// CANON-NEXT: %[[V0:.*]] = kernelred.cos %[[I0]] : vector<1xf32>
// CANON-NEXT: %[[V1:.*]] = kernelred.sin %[[I0]] : vector<1xf32>
// CANON-NEXT: %[[V2:.*]] = kernelred.elem %[[J1]][0] : vector<2xf32>
// CANON-NEXT: %[[V3:.*]] = kernelred.elem %[[J1]][1] : vector<2xf32>
// CANON-NEXT: %[[V4:.*]] = kernelred.mul %[[V0]], %[[V2]] : vector<1xf32>
// CANON-NEXT: %[[V5:.*]] = kernelred.mul %[[V1]], %[[V3]] : vector<1xf32>
// CANON-NEXT: %[[V6:.*]] = kernelred.add %[[V4]], %[[V5]] : vector<1xf32>
// CANON-NEXT: %[[V7:.*]] = kernelred.mul %[[V0]], %[[V3]] : vector<1xf32>
// CANON-NEXT: %[[V8:.*]] = kernelred.mul %[[V1]], %[[V2]] : vector<1xf32>
// CANON-NEXT: %[[V9:.*]] = kernelred.sub %[[V8]], %[[V7]] : vector<1xf32>
// CANON-NEXT: %[[V10:.*]] = kernelred.square %[[V6]] : vector<1xf32>
// CANON-NEXT: %[[V11:.*]] = kernelred.square %[[V9]] : vector<1xf32>
// CANON-NEXT: %[[V12:.*]] = kernelred.add %[[V10]], %[[V11]] : vector<1xf32>
// CANON-NEXT: kernelred.yield %[[V12]] : vector<1xf32>
kernelred.reduce @kernel sum over j vars(%x: i[0] vector<1xf32>, %y: j[1] vector<2xf32>) {
  %0 = kernelred.complexexp1j %x : vector<1xf32>
  %1 = kernelred.conj %y : vector<2xf32>
  %2 = kernelred.complexmult %0, %1 : vector<2xf32>
  %3 = kernelred.complexsquareabs %2 : vector<2xf32>
  kernelred.yield %3 : vector<1xf32>
}

// The expansion computes the complex numbers: with constant operands,
// canonicalize folds it to the expected values.
// CHECK-LABEL: func.func @constant_semantics(
// CHECK-SAME: ) -> (vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>) {
// CHECK-NEXT: %[[V0:.*]] = kernelred.constant dense<[1.000000e+00, 2.000000e+00]> : vector<2xf64>
// CHECK-NEXT: %[[V1:.*]] = kernelred.constant dense<[3.000000e+00, 4.000000e+00]> : vector<2xf64>
// CHECK-NEXT: %[[V2:.*]] = kernelred.concat %[[V0]], %[[V1]] : vector<2xf64>
// CHECK-NEXT: %[[V3:.*]] = kernelred.extract_strided %[[V0]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V4:.*]] = kernelred.extract_strided %[[V0]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V5:.*]] = kernelred.extract_strided %[[V1]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V6:.*]] = kernelred.extract_strided %[[V1]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V7:.*]] = kernelred.mul %[[V3]], %[[V5]] : vector<1xf64>
// CHECK-NEXT: %[[V8:.*]] = kernelred.mul %[[V4]], %[[V6]] : vector<1xf64>
// CHECK-NEXT: %[[V9:.*]] = kernelred.sub %[[V7]], %[[V8]] : vector<1xf64>
// CHECK-NEXT: %[[V10:.*]] = kernelred.mul %[[V3]], %[[V6]] : vector<1xf64>
// CHECK-NEXT: %[[V11:.*]] = kernelred.mul %[[V4]], %[[V5]] : vector<1xf64>
// CHECK-NEXT: %[[V12:.*]] = kernelred.add %[[V10]], %[[V11]] : vector<1xf64>
// CHECK-NEXT: %[[V13:.*]] = kernelred.interleave %[[V9]], %[[V12]] : vector<1xf64>
// CHECK-NEXT: %[[V14:.*]] = kernelred.extract_strided %[[V0]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V15:.*]] = kernelred.extract_strided %[[V0]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V16:.*]] = kernelred.extract_strided %[[V1]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V17:.*]] = kernelred.extract_strided %[[V1]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V18:.*]] = kernelred.square %[[V16]] : vector<1xf64>
// CHECK-NEXT: %[[V19:.*]] = kernelred.square %[[V17]] : vector<1xf64>
// CHECK-NEXT: %[[V20:.*]] = kernelred.add %[[V18]], %[[V19]] : vector<1xf64>
// CHECK-NEXT: %[[V21:.*]] = kernelred.mul %[[V14]], %[[V16]] : vector<1xf64>
// CHECK-NEXT: %[[V22:.*]] = kernelred.mul %[[V15]], %[[V17]] : vector<1xf64>
// CHECK-NEXT: %[[V23:.*]] = kernelred.add %[[V21]], %[[V22]] : vector<1xf64>
// CHECK-NEXT: %[[V24:.*]] = kernelred.div %[[V23]], %[[V20]] : vector<1xf64>
// CHECK-NEXT: %[[V25:.*]] = kernelred.mul %[[V15]], %[[V16]] : vector<1xf64>
// CHECK-NEXT: %[[V26:.*]] = kernelred.mul %[[V14]], %[[V17]] : vector<1xf64>
// CHECK-NEXT: %[[V27:.*]] = kernelred.sub %[[V25]], %[[V26]] : vector<1xf64>
// CHECK-NEXT: %[[V28:.*]] = kernelred.div %[[V27]], %[[V20]] : vector<1xf64>
// CHECK-NEXT: %[[V29:.*]] = kernelred.interleave %[[V24]], %[[V28]] : vector<1xf64>
// CHECK-NEXT: %[[V30:.*]] = kernelred.extract_strided %[[V1]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V31:.*]] = kernelred.square %[[V30]] : vector<1xf64>
// CHECK-NEXT: %[[V32:.*]] = kernelred.extract_strided %[[V1]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V33:.*]] = kernelred.square %[[V32]] : vector<1xf64>
// CHECK-NEXT: %[[V34:.*]] = kernelred.add %[[V31]], %[[V33]] : vector<1xf64>
// CHECK-NEXT: %[[V35:.*]] = kernelred.sqrt %[[V34]] : vector<1xf64>
// CHECK-NEXT: %[[V36:.*]] = kernelred.extract_strided %[[V0]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V37:.*]] = kernelred.extract_strided %[[V0]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V38:.*]] = kernelred.atan2 %[[V37]], %[[V36]] : vector<1xf64>
// CHECK-NEXT: %[[V39:.*]] = kernelred.extract_strided %[[V2]][0 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V40:.*]] = kernelred.extract_strided %[[V2]][1 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V41:.*]] = kernelred.extract_strided %[[V1]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V42:.*]] = kernelred.extract_strided %[[V1]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V43:.*]] = kernelred.sub %[[V39]], %[[V41]] : vector<2xf64>, vector<1xf64>
// CHECK-NEXT: %[[V44:.*]] = kernelred.sub %[[V40]], %[[V42]] : vector<2xf64>, vector<1xf64>
// CHECK-NEXT: %[[V45:.*]] = kernelred.interleave %[[V43]], %[[V44]] : vector<2xf64>
// CHECK-NEXT: %[[V46:.*]] = kernelred.constant dense<[0.000000e+00, 3.1415926535897931]> : vector<2xf64>
// CHECK-NEXT: %[[V47:.*]] = kernelred.extract_strided %[[V46]][0 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V48:.*]] = kernelred.extract_strided %[[V46]][1 : 1 : 2] : vector<2xf64>
// CHECK-NEXT: %[[V49:.*]] = kernelred.exp %[[V47]] : vector<1xf64>
// CHECK-NEXT: %[[V50:.*]] = kernelred.cos %[[V48]] : vector<1xf64>
// CHECK-NEXT: %[[V51:.*]] = kernelred.sin %[[V48]] : vector<1xf64>
// CHECK-NEXT: %[[V52:.*]] = kernelred.mul %[[V49]], %[[V50]] : vector<1xf64>
// CHECK-NEXT: %[[V53:.*]] = kernelred.mul %[[V49]], %[[V51]] : vector<1xf64>
// CHECK-NEXT: %[[V54:.*]] = kernelred.interleave %[[V52]], %[[V53]] : vector<1xf64>
// CHECK-NEXT: %[[V55:.*]] = kernelred.extract_strided %[[V2]][0 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V56:.*]] = kernelred.extract_strided %[[V2]][1 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V57:.*]] = kernelred.neg %[[V56]] : vector<2xf64>
// CHECK-NEXT: %[[V58:.*]] = kernelred.interleave %[[V55]], %[[V57]] : vector<2xf64>
// CHECK-NEXT: %[[V59:.*]] = kernelred.extract_strided %[[V2]][0 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V60:.*]] = kernelred.extract_strided %[[V2]][1 : 2 : 2] : vector<4xf64>
// CHECK-NEXT: %[[V61:.*]] = kernelred.sum %[[V59]] : vector<2xf64>
// CHECK-NEXT: %[[V62:.*]] = kernelred.sum %[[V60]] : vector<2xf64>
// CHECK-NEXT: %[[V63:.*]] = kernelred.interleave %[[V61]], %[[V62]] : vector<1xf64>
// CHECK-NEXT: %[[V64:.*]] = kernelred.constant dense<2.000000e+00> : vector<1xf64>
// CHECK-NEXT: %[[V65:.*]] = kernelred.mul %[[V64]], %[[V2]] : vector<1xf64>, vector<4xf64>
// CHECK-NEXT: return %[[V13]], %[[V29]], %[[V35]], %[[V38]], %[[V45]], %[[V54]], %[[V58]], %[[V63]], %[[V65]] : vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>
// CANON-LABEL: func.func @constant_semantics(
// CANON-SAME: ) -> (vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>) {
// CANON-NEXT: %[[V0:.*]] = kernelred.constant dense<[-5.000000e+00, 1.000000e+01]> : vector<2xf64>
// CANON-NEXT: %[[V1:.*]] = kernelred.constant dense<[4.400000e-01, 8.000000e-02]> : vector<2xf64>
// CANON-NEXT: %[[V2:.*]] = kernelred.constant dense<5.000000e+00> : vector<1xf64>
// CANON-NEXT: %[[V3:.*]] = kernelred.constant dense<1.1071487177940904> : vector<1xf64>
// CANON-NEXT: %[[V4:.*]] = kernelred.constant dense<[-2.000000e+00, -2.000000e+00, 0.000000e+00, 0.000000e+00]> : vector<4xf64>
// CANON-NEXT: %[[V5:.*]] = kernelred.constant dense<[-1.000000e+00, 1.2246467991473532E-16]> : vector<2xf64>
// CANON-NEXT: %[[V6:.*]] = kernelred.constant dense<[1.000000e+00, -2.000000e+00, 3.000000e+00, -4.000000e+00]> : vector<4xf64>
// CANON-NEXT: %[[V7:.*]] = kernelred.constant dense<[4.000000e+00, 6.000000e+00]> : vector<2xf64>
// CANON-NEXT: %[[V8:.*]] = kernelred.constant dense<[2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00]> : vector<4xf64>
// CANON-NEXT: return %[[V0]], %[[V1]], %[[V2]], %[[V3]], %[[V4]], %[[V5]], %[[V6]], %[[V7]], %[[V8]] : vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>
func.func @constant_semantics() -> (vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>) {
  %a = kernelred.constant dense<[1.0, 2.0]> : vector<2xf64>
  %b = kernelred.constant dense<[3.0, 4.0]> : vector<2xf64>
  %ab = kernelred.concat %a, %b : vector<2xf64>
  // (1 + 2i)(3 + 4i) = -5 + 10i.
  %0 = kernelred.complexmult %a, %b : vector<2xf64>
  // (1 + 2i) / (3 + 4i) = 0.44 + 0.08i.
  %1 = kernelred.complexdivide %a, %b : vector<2xf64>
  // |3 + 4i| = 5, arg(1 + 2i) = atan(2).
  %2 = kernelred.complexabs %b : vector<2xf64>
  %3 = kernelred.complexangle %a : vector<2xf64>
  // (1 + 2i, 3 + 4i) - (3 + 4i) = (-2 - 2i, 0).
  %4 = kernelred.complexsubtract %ab, %b : vector<4xf64>, vector<2xf64>
  // exp(0 + pi i) = -1 + 0i (up to rounding of pi).
  %pi = kernelred.constant dense<[0.0, 3.141592653589793]> : vector<2xf64>
  %5 = kernelred.complexexp %pi : vector<2xf64>
  // conj(1 + 2i, 3 + 4i) = (1 - 2i, 3 - 4i).
  %6 = kernelred.conj %ab : vector<4xf64>
  %7 = kernelred.complexsum %ab : vector<4xf64>
  %two = kernelred.constant dense<2.0> : vector<1xf64>
  %8 = kernelred.complexrealscal %two, %ab : vector<1xf64>, vector<4xf64>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : vector<2xf64>, vector<2xf64>, vector<1xf64>, vector<1xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>, vector<2xf64>, vector<4xf64>
}
