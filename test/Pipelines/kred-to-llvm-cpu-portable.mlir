// Kernels must not call a compiler-rt builtin that the host may lack. f32 ->
// bf16 has no x86 instruction below AVX512-BF16: kred-expand-bf16 turns it
// into integer code at every vector width, so no level calls __truncsfbf2.
// f16 conversions are vcvtph2ps/vcvtps2ph with F16C (x86-64-v3 and up);
// x86-64-v2 has no F16C and calls __extendhfsf2/__truncsfhf2, which the JIT
// resolves to kred's own copies (lib/Compiler/Backend.cpp, getJITBuiltins).
//
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=128" | %mlir-translate --mlir-to-llvmir | %llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v2 | FileCheck %s --check-prefixes=CHECK,V2
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=256" | %mlir-translate --mlir-to-llvmir | %llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v3 | FileCheck %s --check-prefixes=CHECK,V3
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=512" | %mlir-translate --mlir-to-llvmir | %llc -O3 -mtriple=x86_64-unknown-linux-gnu -mcpu=x86-64-v4 | FileCheck %s --check-prefixes=CHECK,V4
// RUN: kred-opt %s --kred-to-llvm-cpu="vector-bits=256" | FileCheck %s --check-prefix=IR

// IR-LABEL: llvm.func @gauss_bf16_run(
// IR-NOT:     llvm.fptrunc {{.*}} to {{.*}}bf16
// IR-LABEL: llvm.func @gauss_bf16_finalize(
// IR-NOT:     llvm.fptrunc {{.*}} to {{.*}}bf16
// IR:         llvm.bitcast {{.*}}i16{{>?}} to {{.*}}bf16

// CHECK-NOT: __truncsfbf2
// CHECK-NOT: __truncdfbf2
// CHECK-LABEL: gauss_bf16_run:
// V2-NOT:        {{ymm|zmm}}
// V3:            vfmadd{{.*}}ymm
// V4:            vfmadd{{.*}}zmm
// CHECK-LABEL: gauss_bf16_finalize:
// CHECK-LABEL: knn_f16_run:
// V2:            callq __extendhfsf2
// V3-NOT:        call{{.*}}hf
// V3:            vcvtph2ps
// V4-NOT:        call{{.*}}hf
// V4:            vcvtph2ps
// CHECK-LABEL: knn_f16_finalize:
// V2:            callq __truncsfhf2
// V3-NOT:        call{{.*}}hf
// V3:            vcvtps2ph
// V4-NOT:        call{{.*}}hf
// V4:            vcvtps2ph
// CHECK-NOT: __truncsfbf2

module {
  kernelred.reduce @gauss_bf16 sum over j vars(%i0: i[0] vector<3xbf16>, %j1: j[1] vector<3xbf16>, %j2: j[2] vector<1xbf16>) {
    %0 = kernelred.sqdist %i0, %j1 : vector<3xbf16>
    %1 = kernelred.neg %0 : vector<1xbf16>
    %2 = kernelred.exp %1 : vector<1xbf16>
    %3 = kernelred.mul %2, %j2 : vector<1xbf16>
    kernelred.yield %3 : vector<1xbf16>
  }
  kernelred.reduce @knn_f16 kmin<3> over j vars(%i0: i[0] vector<3xf16>, %j1: j[1] vector<3xf16>) {
    %0 = kernelred.sqdist %i0, %j1 : vector<3xf16>
    kernelred.yield %0 : vector<1xf16>
  }
}
