// RUN: kred-opt %s --kred-to-llvm-cpu | FileCheck %s --check-prefix=AVX512
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=256" | FileCheck %s --check-prefix=AVX2
// RUN: kred-opt %s --kred-to-llvm-cpu | %mlir-translate --mlir-to-llvmir | %llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=sapphirerapids | FileCheck %s --check-prefix=ASM512
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=256" | %mlir-translate --mlir-to-llvmir | %llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=haswell | FileCheck %s --check-prefix=ASM256

// The Gaussian kernel sum_j exp(-|x_i - y_j|^2) b_j: SIMD lanes over rows
// at the target's width, exp expanded into vector code, no libm call, and
// the three kernel ABI functions with their C signatures. With 512-bit
// vectors (AVX-512F), exp scales by 2^k with vscalefps.

// AVX512-LABEL: llvm.func @gauss_run(
// AVX512-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// AVX512:         llvm.intr.fma({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// AVX512-NOT:     llvm.call {{@|%}}
// AVX512-NOT:     llvm.intr.exp
// AVX512:         llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"
// AVX512-NOT:     llvm.call {{@|%}}
// AVX512-NOT:     llvm.intr.exp
// AVX512-LABEL: llvm.func @gauss_merge(
// AVX512-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64) {
// AVX512-LABEL: llvm.func @gauss_finalize(
// AVX512-SAME:    %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) {
// AVX512-NOT:   llvm.call
// AVX512-NOT:   kernelred.

// AVX2-LABEL: llvm.func @gauss_run(
// AVX2:         llvm.intr.fma({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// AVX2-NOT:     vector<16xf32>
// AVX2-NOT:     llvm.call
// AVX2-NOT:     scalef

// ASM512-LABEL: gauss_run:
// ASM512:         vfmadd{{.*}}zmm
// ASM512-NOT:     call
// ASM512:         vscalefps{{.*}}zmm
// ASM512-NOT:     call
// ASM512-LABEL: gauss_merge:
// ASM512-NOT:     {{call|jmp}}{{.*}}{{exp|log}}
// ASM512-LABEL: gauss_finalize:
// ASM512-NOT:     {{call|jmp}}{{.*}}{{exp|log}}

// ASM256-LABEL: gauss_run:
// ASM256:         vfmadd{{.*}}ymm
// ASM256-NOT:     zmm
// ASM256-NOT:     call
kernelred.reduce @gauss sum over j
    vars(%x: i[0] vector<3xf32>, %y: j[1] vector<3xf32>, %b: j[2] vector<1xf32>) {
  %d = kernelred.sqdist %x, %y : vector<3xf32>
  %n = kernelred.neg %d : vector<1xf32>
  %e = kernelred.exp %n : vector<1xf32>
  %f = kernelred.mul %e, %b : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
