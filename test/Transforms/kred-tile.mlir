// RUN: kred-opt %s --split-input-file --kred-tile | FileCheck %s --check-prefix=AVX512
// RUN: kred-opt %s --split-input-file --kred-tile="vector-bits=256 row-vectors=1 tile-j=64" | FileCheck %s --check-prefix=AVX2
// RUN: kred-opt %s --split-input-file --kred-tile | kred-opt --split-input-file | FileCheck %s --check-prefix=AVX512

// A Gaussian kernel in f32: 16 lanes, two vectors of rows per block.

// AVX512-LABEL: kernelred.reduce @gauss
// AVX512-SAME:    attributes {tile_i = 32 : i64, tile_j = 256 : i64}
// AVX2-LABEL:   kernelred.reduce @gauss
// AVX2-SAME:      attributes {tile_i = 8 : i64, tile_j = 64 : i64}
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %b: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// f64 halves the lanes; f16 computes in f32 and keeps 16.

// AVX512-LABEL: kernelred.reduce @f64
// AVX512-SAME:    tile_i = 16 : i64
// AVX2-LABEL:   kernelred.reduce @f64
// AVX2-SAME:      tile_i = 4 : i64
kernelred.reduce @f64 min over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>) {
  %f = kernelred.sub %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

// -----

// AVX512-LABEL: kernelred.reduce @f16
// AVX512-SAME:    tile_i = 32 : i64
kernelred.reduce @f16 sum over j
    vars(%x: i[0] vector<1xf16>, %y: j[1] vector<1xf16>) {
  %f = kernelred.mul %x, %y : vector<1xf16>
  kernelred.yield %f : vector<1xf16>
}

// -----

// A large accumulator (9 slots) gets one vector of rows per block.

// AVX512-LABEL: kernelred.reduce @big_state
// AVX512-SAME:    tile_i = 16 : i64
kernelred.reduce @big_state sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>) {
  %f = kernelred.mul %x, %y : vector<3xf32>
  kernelred.yield %f : vector<3xf32>
}

// -----

// Very large dimensions are chunked.

// AVX512-LABEL: kernelred.reduce @wide
// AVX512-SAME:    attributes {chunk = 32 : i64, tile_i = 16 : i64, tile_j = 256 : i64}
kernelred.reduce @wide sum over j
    vars(%x: i[0] vector<200xf32>, %y: j[1] vector<200xf32>) {
  %f = kernelred.scalprod %x, %y : vector<200xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// Tiles already chosen are kept.

// AVX512-LABEL: kernelred.reduce @preset
// AVX512-SAME:    attributes {tile_i = 64 : i64, tile_j = 256 : i64}
// AVX2-LABEL:   kernelred.reduce @preset
// AVX2-SAME:      attributes {tile_i = 64 : i64, tile_j = 64 : i64}
kernelred.reduce @preset sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>)
    attributes {tile_i = 64 : i64} {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
