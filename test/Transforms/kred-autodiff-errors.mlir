// RUN: kred-opt %s --split-input-file --allow-unregistered-dialect --kred-autodiff --verify-diagnostics

// Diagnostics of kred-autodiff.

// An op on the differentiated path without an adjoint rule (reverse mode).
kernelred.reduce @no_rule sum over j
    vars(%x: i[0] vector<3xf32>, %e: j[1] vector<3xf32>) {
  // expected-error @below {{cannot differentiate 'test.opaque': it has no adjoint rule}}
  %f = "test.opaque"(%x) : (vector<3xf32>) -> vector<3xf32>
  // expected-note @below {{needed to differentiate this 'kernelred.grad'}}
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// The same in forward mode, through Divergence.
kernelred.reduce @no_rule_forward sum over j
    vars(%x: i[0] vector<3xf32>) {
  %s = kernelred.sin %x : vector<3xf32>
  // expected-error @below {{cannot differentiate 'test.opaque': it has no adjoint rule}}
  %f = "test.opaque"(%s) : (vector<3xf32>) -> vector<3xf32>
  // expected-note @below {{needed to differentiate this 'kernelred.divergence'}}
  %g = kernelred.divergence %f wrt %x : vector<3xf32>, vector<3xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// An op without a rule off the differentiated path is fine.
kernelred.reduce @no_rule_off_path sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %e: j[2] vector<3xf32>) {
  %o = "test.opaque"(%y) : (vector<3xf32>) -> vector<3xf32>
  %f = kernelred.mul %x, %o : vector<3xf32>
  %g = kernelred.grad %f wrt %x dir %e : vector<3xf32>
  kernelred.yield %g : vector<3xf32>
}

// -----

// SoftDTW_SqDist is differentiated through its dynamic program, up to 1024
// cells.
kernelred.reduce @softdtw_too_large sum over j
    vars(%x: i[0] vector<40xf32>, %y: j[1] vector<40xf32>, %g: p[2] vector<1xf32>) {
  // expected-error @below {{cannot differentiate a SoftDTW_SqDist of 40 x 40 cells: the derivative is built by expanding the dynamic program, limited to 1024 cells}}
  %d = kernelred.softdtw_sqdist %x, %y, %g : vector<40xf32>, vector<40xf32>, vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  %r = kernelred.grad %d wrt %x dir %one : vector<1xf32>, vector<40xf32>, vector<1xf32>
  kernelred.yield %r : vector<40xf32>
}
