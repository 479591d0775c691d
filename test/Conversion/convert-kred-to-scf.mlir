// RUN: kred-opt %s --split-input-file --convert-kred-to-scf --canonicalize --cse | FileCheck %s
// RUN: kred-opt %s --split-input-file --convert-kred-to-scf="vector-bits=256" --canonicalize --cse | FileCheck %s --check-prefix=AVX2

// A Gaussian kernel, two SIMD groups of 16 rows per block: the ABI
// signatures, x of the block gathered into lanes once, y and b loaded as
// scalars once per j and broadcast, one exp per group and pair, the j-tiles
// of block_sum ending with the Kahan fold, then finalize or state output.

// CHECK-LABEL: func.func @gauss_run(
// CHECK-SAME:    %[[ARGS:[^:]*]]: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %[[R0:[^:]*]]: i64, %[[R1:[^:]*]]: i64, %[[K0:[^:]*]]: i64, %[[K1:[^:]*]]: i64, %[[OUT:[^:]*]]: !llvm.ptr, %{{.*}}: !llvm.ptr, %[[SV:[^:]*]]: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : i64
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : i64
// CHECK:         %[[X:.*]] = llvm.load %[[ARGS]] {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK:         scf.for %[[ROW:.*]] = %[[R0]] to %[[R1]] step %[[C32]] : i64 {
// CHECK:           llvm.getelementptr %[[X]]
// CHECK:           %[[X0:.*]] = llvm.load {{.*}} -> vector<16xf32>
// CHECK:           scf.for %[[TILE:.*]] = %[[K0]] to %[[K1]] step %[[C256]] iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) : i64 {
// CHECK:             %[[END:.*]] = arith.minsi %{{.*}}, %[[K1]] : i64
// CHECK:             scf.for %[[J:.*]] = %[[TILE]] to %[[END]] step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>) : i64 {
// CHECK:               %[[Y0:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK:               %[[Y0B:.*]] = vector.broadcast %[[Y0]] : f32 to vector<16xf32>
// CHECK:               arith.subf %[[X0]], %[[Y0B]] : vector<16xf32>
// CHECK:               math.fma
// CHECK:               math.exp %{{.*}} : vector<16xf32>
// CHECK:               math.exp %{{.*}} : vector<16xf32>
// CHECK-NOT:           math.exp
// CHECK:               scf.yield
// CHECK:           %[[FIN:.*]] = llvm.icmp "eq" %[[SV]], %{{.*}} : !llvm.ptr
// CHECK:           scf.if %[[FIN]] {
// CHECK:             llvm.getelementptr %[[OUT]]
// CHECK:           } else {
// CHECK:             llvm.getelementptr %[[SV]]
// CHECK-LABEL: func.func @gauss_merge(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64) {
// CHECK-LABEL: func.func @gauss_finalize(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// CHECK-NOT:   kernelred.

// AVX2-LABEL: func.func @gauss_run(
// AVX2:         math.exp %{{.*}} : vector<8xf32>
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %b: j[2] vector<1xf32>)
    attributes {tile_i = 32 : i64, tile_j = 256 : i64} {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// Parameters are loaded once per call; values depending only on the
// reduced index and parameters are computed as scalars once per j.

// CHECK-LABEL: func.func @hoist_run(
// CHECK:         %[[P:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK:         %[[P2:.*]] = arith.mulf %[[P]], %[[P]] : f32
// CHECK:         scf.for
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:             %[[Y:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK:             %[[YP:.*]] = arith.mulf %[[Y]], %[[P2]] : f32
// CHECK:             %[[E:.*]] = math.exp %[[YP]] : f32
// CHECK:             vector.broadcast %[[E]] : f32 to vector<16xf32>
kernelred.reduce @hoist sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>, %p: p[2] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %p2 = kernelred.mul %p, %p : vector<1xf32>
  %yp = kernelred.mul %y, %p2 : vector<1xf32>
  %e = kernelred.exp %yp : vector<1xf32>
  %f = kernelred.mul %x, %e : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// K-selections keep their lists in memory: per pair, each lane's candidate
// is compared with its current K-th entry and the insertion only runs when
// some lane improves.

// CHECK-LABEL: func.func @knn_run(
// CHECK-SAME:    %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %[[K0:[^:]*]]: i64, %[[K1:[^:]*]]: i64
// CHECK:         scf.for %[[J:.*]] = %[[K0]] to %[[K1]] step %{{.*}} : i64 {
// CHECK:           %[[JL:.*]] = vector.broadcast %[[J]] : i64 to vector<16xi64>
// CHECK:           %[[WORST:.*]] = llvm.load %{{.*}} : !llvm.ptr -> vector<16xf32>
// CHECK:           %[[BETTER:.*]] = arith.cmpf olt, %{{.*}}, %[[WORST]] : vector<16xf32>
// CHECK:           %[[ANY:.*]] = vector.reduction <or>, %[[BETTER]] : vector<16xi1> into i1
// CHECK:           scf.if %[[ANY]] {
// CHECK:             arith.select %{{.*}}, %[[JL]], %{{.*}} : vector<16xi1>, vector<16xi64>
// CHECK-LABEL: func.func @knn_merge(
// CHECK-LABEL: func.func @knn_finalize(
kernelred.reduce @knn argkmin<5> over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>)
    attributes {tile_i = 16 : i64} {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  kernelred.yield %d : vector<1xf32>
}

// -----

// axis = 0: output rows are j; the i-variable is loaded per reduced index.

// CHECK-LABEL: func.func @axis0_run(
// CHECK-SAME:    %[[ARGS:[^:]*]]: !llvm.ptr
// CHECK:         %[[XP:.*]] = llvm.load %[[ARGS]] {{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK:         scf.for
// CHECK:           scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK:             %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : i64
// CHECK:             llvm.getelementptr %[[XP]][%[[OFF]]]
kernelred.reduce @axis0 min over i
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>)
    attributes {tile_i = 16 : i64} {
  %d = kernelred.sub %x, %y : vector<2xf32>
  kernelred.yield %d : vector<2xf32>
}

// -----

// f16 inputs are computed in f32 and accumulated in f32 (acc_type); the
// output is stored as f16. f64 uses 8 lanes of a 512-bit vector.

// CHECK-LABEL: func.func @half_run(
// CHECK:         %[[H:.*]] = llvm.load %{{.*}} : !llvm.ptr -> vector<16xf16>
// CHECK:         arith.extf %[[H]] : vector<16xf16> to vector<16xf32>
// CHECK:         arith.truncf %{{.*}} : vector<16xf32> to vector<16xf16>
kernelred.reduce @half sum over j
    vars(%x: i[0] vector<1xf16>, %y: j[1] vector<1xf16>)
    attributes {tile_i = 16 : i64} {
  %f = kernelred.mul %x, %y : vector<1xf16>
  kernelred.yield %f : vector<1xf16>
}

// -----

// The running-max family runs in two-pass tiles of 64 indices: the first
// loop stores each pair's formula and keeps the tile's maximum, one exp
// rescales the sums, the second loop adds exp(f - max) to the partials.

// CHECK-LABEL: func.func @double_run(
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : i64
// CHECK:         scf.for %{{.*}} step %[[C64]]
// CHECK:           scf.for
// CHECK:             llvm.store %{{.*}} : vector<8xf64>, !llvm.ptr
// CHECK:             arith.cmpf ogt, %{{.*}} : vector<8xf64>
// CHECK:             scf.yield
// CHECK:           math.exp %{{.*}} : vector<8xf64>
// CHECK:           scf.for
// CHECK:             llvm.load %{{.*}} -> vector<8xf64>
// CHECK:             math.exp %{{.*}} : vector<8xf64>
// CHECK:             scf.yield
kernelred.reduce @double logsumexp over j
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>)
    attributes {tile_i = 8 : i64} {
  %f = kernelred.mul %x, %y : vector<1xf64>
  kernelred.yield %f : vector<1xf64>
}

// -----

// With `chunk`, a dot product over 200 components is a loop over chunks of
// 32 (components loaded at run-time offsets) plus an unrolled remainder of 8.

// CHECK-LABEL: func.func @chunked_run(
// CHECK-DAG:     %[[C192:.*]] = arith.constant 192 : i64
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : i64
// CHECK:         scf.for %[[J:.*]] = {{.*}} iter_args
// CHECK:           %[[DOT:.*]] = scf.for %[[C:.*]] = %{{.*}} to %[[C192]] step %[[C32]] iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xf32>) : i64 {
// CHECK:             %[[K:.*]] = arith.addi %[[C]], %{{.*}} : i64
// CHECK:             math.fma %{{.*}}, %{{.*}}, %[[ACC]] : vector<16xf32>
// CHECK:             scf.yield
// CHECK-COUNT-8:   math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT:       math.fma
// CHECK:           arith.addf
kernelred.reduce @chunked sum over j
    vars(%x: i[0] vector<200xf32>, %y: j[1] vector<200xf32>)
    attributes {chunk = 32 : i64, tile_i = 16 : i64,
                sum_scheme = #kernelred.sum_scheme<direct_sum>} {
  %f = kernelred.scalprod %x, %y : vector<200xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// The helpers of the complex expansion only move components: extract_strided
// reads components 1 and 3 of x (rows 16..31 and 48..63 of the block's
// transposed copy), interleave pairs them with y, a dimension-1 operand
// that broadcasts.

// CHECK-LABEL: func.func @strided_run(
// CHECK:         scf.for
// CHECK:           %[[P1:.*]] = llvm.getelementptr %{{.*}}[16] : (!llvm.ptr) -> !llvm.ptr, f32
// CHECK:           %[[X1:.*]] = llvm.load %[[P1]] {{.*}} -> vector<16xf32>
// CHECK:           %[[P3:.*]] = llvm.getelementptr %{{.*}}[48] : (!llvm.ptr) -> !llvm.ptr, f32
// CHECK:           %[[X3:.*]] = llvm.load %[[P3]] {{.*}} -> vector<16xf32>
// CHECK:           scf.for {{.*}} iter_args(%[[A0:[^ ]*]] = %{{[^ ,]*}}, %[[A1:[^ ]*]] = %{{[^ ,]*}}, %[[A2:[^ ]*]] = %{{[^ ,]*}}, %[[A3:[^ ]*]] = %{{[^ ,)]*}})
// CHECK:             %[[Y:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK:             %[[YB:.*]] = vector.broadcast %[[Y]] : f32 to vector<16xf32>
// CHECK:             arith.addf %[[A0]], %[[X1]] : vector<16xf32>
// CHECK:             arith.addf %[[A1]], %[[YB]] : vector<16xf32>
// CHECK:             arith.addf %[[A2]], %[[X3]] : vector<16xf32>
// CHECK:             arith.addf %[[A3]], %[[YB]] : vector<16xf32>
kernelred.reduce @strided sum over j
    vars(%x: i[0] vector<4xf32>, %y: j[1] vector<1xf32>)
    attributes {sum_scheme = #kernelred.sum_scheme<direct_sum>,
                tile_i = 16 : i64} {
  %odd = kernelred.extract_strided %x[1 : 2 : 2] : vector<4xf32>
  %f = kernelred.interleave %odd, %y : vector<2xf32>, vector<1xf32>
  kernelred.yield %f : vector<4xf32>
}
