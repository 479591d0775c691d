// RUN: kred-opt %s --kred-to-nvvm="sm=90 tile-j=21 emit-ptx=true" | FileCheck %s

// One shared tile: row jj holds b (1 float) and y (4 floats) of index jj,
// padded to 32 bytes, so 21 * 32 = 672 bytes. LLVM reads y with
// ld.shared.v4, which needs 16-byte alignment: the tile must be declared
// .align 16 (the NVPTX printer would otherwise use the element's 4, and the
// vector loads could fault with a misaligned address on the GPU).

// CHECK:       .shared .align 16 .b8 __wg_pair_gpu_0[672];
// CHECK:       ld.shared.v4
kernelred.reduce @pair sum over j
    vars(%b: j[0] vector<1xf32>, %x: i[1] vector<4xf32>, %y: j[2] vector<4xf32>) {
  %d = kernelred.sqdist %x, %y : vector<4xf32>
  %f = kernelred.mul %d, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
