// RUN: kred-opt %s --split-input-file --verify-diagnostics --convert-kred-to-scf

kernelred.reduce @grad sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  // expected-error @below {{'kernelred.grad' op is a symbolic derivative; run kred-autodiff before convert-kred-to-scf}}
  %g = kernelred.grad %f wrt %x dir %one : vector<1xf32>, vector<1xf32>, vector<1xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// expected-error @below {{'kernelred.reduce' op tile_i = 24 is not a multiple of the 16 SIMD lanes of a 512-bit vector}}
kernelred.reduce @tile sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {tile_i = 24 : i64} {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
