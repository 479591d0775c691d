// RUN: kred-opt %s --split-input-file --convert-kred-to-gpu --canonicalize --cse | FileCheck %s
// RUN: kred-opt %s --split-input-file --convert-kred-to-gpu="rows-per-thread=2 block-threads=64 tile-j=32" --canonicalize --cse | FileCheck %s --check-prefix=RPT2

// A Gaussian kernel: bare pointer and i64 parameters, one shared tile per
// reduced-index variable, the reduced range of chunk blockIdx.y, the
// cooperative copy (all threads, step blockDim.x) between two barriers,
// per-pair values from shared memory, finalize or state output.

// CHECK-LABEL: gpu.module @gauss_gpu_module
// CHECK-SAME:    kred.block_threads = 128 : i64
// CHECK-SAME:    kred.rows_per_thread = 1 : i64
// CHECK-SAME:    kred.shared_bytes = 0 : i64
// CHECK-SAME:    kred.static_shared_bytes = 2048 : i64
// CHECK-SAME:    kred.tile_j = 128 : i64
// CHECK:       gpu.func @gauss_gpu(%[[X:[^:]*]]: !llvm.ptr, %[[Y:[^:]*]]: !llvm.ptr, %[[B:[^:]*]]: !llvm.ptr, %[[M:[^:]*]]: i64, %[[N:[^:]*]]: i64, %[[CHUNK:[^:]*]]: i64, %[[OUT:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %[[SV:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %[[BOFF:[^:]*]]: !llvm.ptr)
// One shared tile: row jj = y(3), b(1) of index jj (16 bytes).
// CHECK-SAME:    workgroup(%[[T:.*]] : memref<512xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:    kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// Batch element blockIdx.z: its states, outputs and (offsets table not
// NULL) arguments.
// CHECK:         %[[FIN:.*]] = llvm.icmp "eq" %[[SV]], %{{.*}} : !llvm.ptr
// CHECK:         arith.index_cast %block_id_z
// CHECK:         %[[SVZ:.*]] = llvm.getelementptr %[[SV]]
// CHECK:         %[[BATCHED:.*]] = llvm.icmp "ne" %[[BOFF]], %{{.*}} : !llvm.ptr
// CHECK:         %[[OFF:.*]]:3 = scf.if %[[BATCHED]] -> (i64, i64, i64) {
// CHECK-COUNT-3:   llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK:         } else {
// CHECK:         llvm.getelementptr %[[X]][%[[OFF]]#0]
// CHECK:         %[[TID:.*]] = arith.index_cast %thread_id_x
// CHECK:         %[[BY:.*]] = arith.index_cast %block_id_y
// CHECK:         %[[K0:.*]] = arith.muli %[[BY]], %[[CHUNK]] : i64
// CHECK:         %[[LEFT:.*]] = arith.subi %[[N]], %[[K0]] : i64
// CHECK:         %[[K1:.*]] = arith.addi %[[K0]], %{{.*}} : i64
// CHECK:         %[[S:.*]]:2 = scf.for %[[TILE:.*]] = %[[K0]] to %[[K1]] step %{{.*}} iter_args({{.*}}) -> (f32, f32) : i64 {
// CHECK:           scf.for %[[E:.*]] = %[[TID]] to %{{.*}} step %{{.*}} : i64 {
// CHECK:             %[[V:.*]] = llvm.load
// CHECK:             memref.store %[[V]], %[[T]][%{{.*}}]
// CHECK:           scf.for %{{.*}} = %[[TID]] to %{{.*}} step %{{.*}} : i64 {
// CHECK:             memref.store %{{.*}}, %[[T]][%{{.*}}]
// CHECK:           gpu.barrier
// Full tiles: a loop of constant trip count; the last tile: count pairs.
// CHECK:           scf.if %{{.*}} -> (f32) {
// CHECK:             scf.for %{{.*}} = %{{.*}} to %c128_i32 step %{{.*}} iter_args({{.*}}) -> (f32) : i32 {
// CHECK-COUNT-4:       memref.load %[[T]]
// CHECK:               math.exp
// CHECK-NOT:           math.exp
// CHECK:               scf.yield
// CHECK:           } else {
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (f32) : i32 {
// CHECK:           gpu.barrier
// CHECK:           scf.yield
// CHECK:         %[[VALID:.*]] = arith.cmpi slt, %{{.*}}, %[[M]] : i64
// CHECK:         scf.if %[[VALID]] {
// CHECK:           scf.if %[[FIN]] {
// CHECK:             llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr
// CHECK:           } else {
// CHECK:             llvm.getelementptr %[[SVZ]]
// CHECK:         gpu.return
// CHECK:       gpu.func @gauss_gpu_merge(%[[MSV:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %[[ROWS:[^:]*]]: i64, %[[NCH:[^:]*]]: i64, %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: !llvm.ptr) kernel
// CHECK:         arith.index_cast %block_id_z
// CHECK:         %[[MSVZ:.*]] = llvm.getelementptr %[[MSV]]
// CHECK:         scf.if
// CHECK:           %[[FIRST:.*]]:3 = scf.if
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[NCH]] step %{{.*}} iter_args({{.*}} = %[[FIRST]]#0, {{.*}}) -> (f32, f32, f32) : i64 {
// CHECK:             llvm.getelementptr %[[MSVZ]]
// The block-sparse kernel (ranges=): rows and intervals from the runtime's
// lookup table (first, last, r0, r1) at 4 * blockIdx.x, the intervals in
// order, each tile by tile through the same shared tiles and barriers,
// rows of the block only.
// CHECK:       gpu.func @gauss_gpu_ranges(%{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: i64, %{{[^:]*}}: i64, %[[LUT:[^:]*]]: !llvm.ptr, %[[RED:[^:]*]]: !llvm.ptr, %[[ROUT:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr)
// CHECK-SAME:    workgroup(%[[RYT:.*]] : memref<512xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME:    kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:         %[[RTID:.*]] = arith.index_cast %thread_id_x
// CHECK:         %[[RBX:.*]] = arith.index_cast %block_id_x
// CHECK:         %[[E:.*]] = arith.muli %[[RBX]], %c4_i64 : i64
// CHECK:         %[[P0:.*]] = llvm.getelementptr %[[LUT]][%[[E]]]
// CHECK:         %[[L0:.*]] = llvm.load %[[P0]]
// CHECK:         %[[L1:.*]] = llvm.load
// CHECK:         %[[R0:.*]] = llvm.load
// CHECK:         %[[R1:.*]] = llvm.load
// CHECK:         %[[ROW:.*]] = arith.addi %[[R0]], %[[RTID]] : i64
// CHECK:         %[[RS:.*]]:3 = scf.for %[[L:.*]] = %[[L0]] to %[[L1]] step %c1_i64 iter_args({{.*}}) -> (f32, f32, f32) : i64 {
// CHECK:           llvm.getelementptr %[[RED]]
// CHECK:           %[[K0:.*]] = llvm.load
// CHECK:           llvm.getelementptr %[[RED]]
// CHECK:           %[[K1:.*]] = llvm.load
// CHECK:           scf.for %{{.*}} = %[[K0]] to %[[K1]] step %c128_i64 iter_args({{.*}}) -> (f32, f32, f32) : i64 {
// CHECK:             memref.store %{{.*}}, %[[RYT]]
// CHECK:             gpu.barrier
// CHECK:             math.exp
// CHECK:             gpu.barrier
// CHECK:         %[[RVALID:.*]] = arith.cmpi slt, %[[ROW]], %[[R1]] : i64
// CHECK:         scf.if %[[RVALID]] {
// CHECK:           llvm.getelementptr %[[ROUT]][%[[ROW]]]
// CHECK:         gpu.return

// RPT2-LABEL: gpu.module @gauss_gpu_module
// RPT2-SAME:    kred.block_threads = 64 : i64
// RPT2-SAME:    kred.rows_per_thread = 2 : i64
// RPT2-SAME:    kred.tile_j = 32 : i64
// RPT2:       gpu.func @gauss_gpu(
// RPT2-SAME:    workgroup(%{{.*}} : memref<128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// RPT2-SAME:    known_block_size = array<i32: 64, 1, 1>
// RPT2:         scf.for {{.*}} -> (f32, f32, f32, f32) : i64 {
// RPT2:           scf.for {{.*}} -> (f32, f32) : i32 {
// RPT2-COUNT-2:     math.exp
// RPT2-NOT:         math.exp
// RPT2:             scf.yield
// RPT2:       gpu.func @gauss_gpu_merge(
// RPT2:       gpu.func @gauss_gpu_ranges(
// RPT2-SAME:    workgroup(%{{.*}} : memref<128xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// RPT2:         scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32) : i64 {
// RPT2:           scf.for {{.*}} step %c32_i64 {{.*}} -> (f32, f32, f32, f32, f32, f32) : i64 {
// RPT2-COUNT-2:     math.exp
// RPT2-NOT:         math.exp
// RPT2:             scf.yield
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>,
         %b: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// K nearest neighbours over i (axis 0), f16 inputs: the reduced variable
// is x (shared tile of f16), the K sorted (value, index) pairs stay in
// registers, computed in f32.

// CHECK-LABEL: gpu.module @knn_gpu_module
// CHECK:       gpu.func @knn_gpu(%{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %[[M:[^:]*]]: i64, %[[N:[^:]*]]: i64,
// CHECK-SAME:    workgroup(%[[XT:.*]] : memref<256xf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK:         arith.subi %[[M]], %{{.*}} : i64
// CHECK:         scf.for {{.*}} -> (f32, f32, f32, i64, i64, i64) : i64 {
// CHECK:           gpu.barrier
// CHECK:           scf.if {{.*}} -> (f32, f32, f32, i64, i64, i64) {
// CHECK:             scf.for {{.*}} -> (f32, f32, f32, i64, i64, i64) : i32 {
// CHECK:             %[[H:.*]] = memref.load %[[XT]]
// CHECK:             arith.extf %[[H]] : f16 to f32
// CHECK:         arith.cmpi slt, %{{.*}}, %[[N]] : i64
// CHECK:       gpu.func @knn_gpu_merge
kernelred.reduce @knn argkmin<3> over i
    vars(%x: i[0] vector<2xf16>, %y: j[1] vector<2xf16>) {
  %d = kernelred.sqdist %x, %y : vector<2xf16>
  kernelred.yield %d : vector<1xf16>
}
