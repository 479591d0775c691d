// RUN: kred-opt %s --split-input-file --verify-diagnostics --kred-tile="vector-bits=100"
// RUN: kred-opt %s --kred-tile="row-vectors=0" > %t.rows 2>&1 || true
// RUN: FileCheck %s --check-prefix=ROWS < %t.rows
// RUN: kred-opt %s --kred-tile="tile-j=0" > %t.tilej 2>&1 || true
// RUN: FileCheck %s --check-prefix=TILEJ < %t.tilej

// ROWS: row-vectors must be >= 1, got 0
// TILEJ: tile-j must be >= 1, got 0

// expected-error @below {{kred-tile: vector-bits must be a power of two >= 64, got 100}}
kernelred.reduce @k sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
