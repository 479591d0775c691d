// RUN: kred-opt %s --split-input-file --kred-gpu-to-host --verify-diagnostics | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-gpu-to-host="race-check=false" --verify-diagnostics | FileCheck %s --check-prefix=NORACE

// A kernel with two workgroup tiles, a barrier and every id op becomes a
// host function (params, thread): parameters through params[i], ids from the
// kred_emu_thread fields (thread_id at 0, block_id at 24, block_dim at 48,
// grid_dim at 72), the tiles at shared (offset 96) + 0 and + 48 (the first
// tile's 12 floats, rounded up to 16 bytes), the race hook (offset 112)
// called before each tile access when set, the barrier (offset 104) called
// with the thread.

// CHECK-NOT:   gpu.module
// CHECK-LABEL: func.func @k(
// CHECK-SAME:    %[[PARAMS:[^:]*]]: !llvm.ptr, %[[T:[^:]*]]: !llvm.ptr)
// CHECK-SAME:    kred.block_threads = 32 : i64
// CHECK-SAME:    kred.num_params = 2 : i64
// CHECK-SAME:    kred.static_shared_bytes = 64 : i64
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[PARAMS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[X:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[PARAMS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.load %[[P1]] : !llvm.ptr -> i64
// CHECK:         %[[SHA:.*]] = llvm.getelementptr %[[T]][96] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         %[[SH:.*]] = llvm.load %[[SHA]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[TILE1:.*]] = llvm.getelementptr %[[SH]][48] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         llvm.load %[[T]] : !llvm.ptr -> i64
// CHECK:         llvm.getelementptr %[[T]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         llvm.getelementptr %[[T]][48] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         llvm.getelementptr %[[T]][72] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         %[[A0:.*]] = llvm.getelementptr %[[SH]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:         %[[HOOKA:.*]] = llvm.getelementptr %[[T]][112] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         %[[HOOK:.*]] = llvm.load %[[HOOKA]] : !llvm.ptr -> !llvm.ptr
// CHECK:         scf.if
// CHECK:           llvm.call %[[HOOK]](%[[T]], %[[A0]], %{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, i64, i64) -> ()
// CHECK:         llvm.store %{{.*}}, %[[A0]] {alignment = 4 : i64} : f32, !llvm.ptr
// CHECK:         %[[BA:.*]] = llvm.getelementptr %[[T]][104] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK:         %[[B:.*]] = llvm.load %[[BA]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call %[[B]](%[[T]]) : !llvm.ptr, (!llvm.ptr) -> ()
// CHECK:         %[[A1:.*]] = llvm.getelementptr %[[TILE1]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:         scf.if
// CHECK:         llvm.load %[[A1]] {alignment = 4 : i64} : !llvm.ptr -> f32
// CHECK:         return
// CHECK-NOT:   gpu.

// NORACE-LABEL: func.func @k(
// NORACE-NOT:     llvm.getelementptr %{{.*}}[112]
// NORACE-NOT:     scf.if
// NORACE:         return

module attributes {gpu.container_module} {
  gpu.module @k_module attributes {kred.block_threads = 32 : i64} {
    gpu.func @k(%x: !llvm.ptr, %n: i64)
        workgroup(%a: memref<12xf32, #gpu.address_space<workgroup>>,
                  %b: memref<4xf32, #gpu.address_space<workgroup>>)
        kernel {
      %tx = gpu.thread_id x
      %by = gpu.block_id y
      %bd = gpu.block_dim x
      %gd = gpu.grid_dim x
      %s = arith.addi %tx, %by : index
      %s2 = arith.addi %s, %bd : index
      %i = arith.addi %s2, %gd : index
      %v = llvm.load %x : !llvm.ptr -> f32
      memref.store %v, %a[%i] : memref<12xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %w = memref.load %b[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
      llvm.store %w, %x : f32, !llvm.ptr
      gpu.return
    }
  }
}

// -----

// Ops the emulator does not model are errors, not silently dropped.

module attributes {gpu.container_module} {
  gpu.module @s_module {
    gpu.func @s(%x: !llvm.ptr) kernel {
      %v = llvm.load %x : !llvm.ptr -> f32
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      // expected-error @below {{kred-gpu-to-host: not supported by the GPU emulator}}
      %r, %ok = gpu.shuffle xor %v, %c1, %c32 : f32
      llvm.store %r, %x : f32, !llvm.ptr
      gpu.return
    }
  }
}
