// RUN: kred-opt %s --kred-to-nvvm="sm=90 tile-j=21 emit-ptx=true" | FileCheck %s

// Two shared tiles, the first of 21 * 4 = 84 bytes. LLVM reads the second
// (rows of 16 bytes) with ld.shared.v4, which needs 16-byte alignment, and
// ptxas places the tiles one after the other by their declared alignment:
// both must be declared .align 16, or the second lands at offset 84 and the
// vector loads fault with a misaligned address on the GPU.

// CHECK:       .shared .align 16 .b8 __wg_pair_gpu_0[84];
// CHECK:       .shared .align 16 .b8 __wg_pair_gpu_1[336];
// CHECK:       ld.shared.v4
kernelred.reduce @pair sum over j
    vars(%b: j[0] vector<1xf32>, %x: i[1] vector<4xf32>, %y: j[2] vector<4xf32>) {
  %d = kernelred.sqdist %x, %y : vector<4xf32>
  %f = kernelred.mul %d, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
