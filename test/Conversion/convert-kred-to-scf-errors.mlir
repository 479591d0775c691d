// RUN: kred-opt %s --split-input-file --verify-diagnostics --convert-kred-to-scf
// RUN: kred-opt %s --convert-kred-to-scf="vector-bits=96" > %t.bits 2>&1 || true
// RUN: FileCheck %s --check-prefix=BITS < %t.bits
// RUN: kred-opt %s --convert-kred-to-scf="default-tile-j=0" > %t.tilej 2>&1 || true
// RUN: FileCheck %s --check-prefix=TILEJ < %t.tilej

// BITS: convert-kred-to-scf: vector-bits must be a power of two >= 64, got 96
// TILEJ: convert-kred-to-scf: default-tile-j must be >= 1, got 0

kernelred.reduce @grad sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  // expected-error @below {{'kernelred.grad' op is a symbolic derivative; run kred-autodiff before convert-kred-to-scf}}
  %g = kernelred.grad %f wrt %x dir %one : vector<1xf32>, vector<1xf32>, vector<1xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

kernelred.reduce @complex sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  // expected-error @below {{'kernelred.complexmult' op is a complex op; run kred-expand-complex before convert-kred-to-scf}}
  %z = kernelred.complexmult %x, %y : vector<2xf32>
  kernelred.yield %z : vector<2xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op tile_i = 24 is not a multiple of the 16 SIMD lanes of a 512-bit vector}}
kernelred.reduce @tile sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {tile_i = 24 : i64} {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
