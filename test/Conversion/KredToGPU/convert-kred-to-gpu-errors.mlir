// RUN: kred-opt %s --split-input-file --verify-diagnostics --convert-kred-to-gpu
// RUN: kred-opt %s --convert-kred-to-gpu="block-threads=100" > %t.bt 2>&1 || true
// RUN: FileCheck %s --check-prefix=BT < %t.bt
// RUN: kred-opt %s --convert-kred-to-gpu="rows-per-thread=0" > %t.rpt 2>&1 || true
// RUN: FileCheck %s --check-prefix=RPT < %t.rpt

// BT: convert-kred-to-gpu: block-threads must be a multiple of 32 in [32, 1024], got 100
// RPT: convert-kred-to-gpu: rows-per-thread must be in [1, 16], got 0

kernelred.reduce @grad sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  %one = kernelred.intcst 1 : vector<1xf32>
  // expected-error @below {{'kernelred.grad' op is a symbolic derivative; run kred-autodiff before convert-kred-to-scf}}
  %g = kernelred.grad %f wrt %x dir %one : vector<1xf32>, vector<1xf32>, vector<1xf32>
  kernelred.yield %g : vector<1xf32>
}

// -----

// A j tile of 128 indices of 100 f64 components would take 100 KiB; the tile
// shrinks to fit 32 KiB, but one index of 7000 f64 (56000 bytes) cannot.
// expected-error @below {{'kernelred.reduce' op needs 56000 bytes of shared memory per j tile, more than the 48 KiB of static shared memory of a block}}
kernelred.reduce @wide sum over j
    vars(%x: i[0] vector<7000xf64>, %y: j[1] vector<7000xf64>) {
  %d = kernelred.sqdist %x, %y : vector<7000xf64>
  kernelred.yield %d : vector<1xf64>
}
