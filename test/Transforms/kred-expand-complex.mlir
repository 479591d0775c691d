// RUN: kred-opt %s --split-input-file --kred-expand-complex | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-expand-complex | kred-opt --split-input-file | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-expand-complex --canonicalize | FileCheck %s --check-prefix=CANON

// The expansion of every complex op is checked in
// kred-expand-complex-ops.mlir; this file checks the pass: it expands
// every reduction of the module, leaves real ops and derivatives alone, and
// leaves no complex op behind.

// A complex product: (a + ib)(c + id) = (ac - bd) + i(ad + bc).

// CHECK-LABEL: kernelred.reduce @mult sum over j
// CHECK-DAG:     %[[A:.*]] = kernelred.extract_strided %i0[0 : 1 : 2] : vector<2xf32>
// CHECK-DAG:     %[[B:.*]] = kernelred.extract_strided %i0[1 : 1 : 2] : vector<2xf32>
// CHECK-DAG:     %[[C:.*]] = kernelred.extract_strided %j1[0 : 1 : 2] : vector<2xf32>
// CHECK-DAG:     %[[D:.*]] = kernelred.extract_strided %j1[1 : 1 : 2] : vector<2xf32>
// CHECK-DAG:     %[[AC:.*]] = kernelred.mul %[[A]], %[[C]] : vector<1xf32>
// CHECK-DAG:     %[[BD:.*]] = kernelred.mul %[[B]], %[[D]] : vector<1xf32>
// CHECK-DAG:     %[[RE:.*]] = kernelred.sub %[[AC]], %[[BD]] : vector<1xf32>
// CHECK-DAG:     %[[AD:.*]] = kernelred.mul %[[A]], %[[D]] : vector<1xf32>
// CHECK-DAG:     %[[BC:.*]] = kernelred.mul %[[B]], %[[C]] : vector<1xf32>
// CHECK-DAG:     %[[IM:.*]] = kernelred.add %[[AD]], %[[BC]] : vector<1xf32>
// CHECK:         %[[Z:.*]] = kernelred.interleave %[[RE]], %[[IM]] : vector<1xf32>
// CHECK:         kernelred.yield %[[Z]] : vector<2xf32>
// CHECK-NOT:     kernelred.complex

// The second reduction of the module is expanded too.

// CHECK-LABEL: kernelred.reduce @exp1j sum over i
// CHECK-DAG:     %[[COS:.*]] = kernelred.cos %j1 : vector<3xf64>
// CHECK-DAG:     %[[SIN:.*]] = kernelred.sin %j1 : vector<3xf64>
// CHECK:         %[[Z:.*]] = kernelred.interleave %[[COS]], %[[SIN]] : vector<3xf64>
// CHECK:         kernelred.yield %[[Z]] : vector<6xf64>
kernelred.reduce @mult sum over j
    vars(%x: i[0] vector<2xf32>, %y: j[1] vector<2xf32>) {
  %z = kernelred.complexmult %x, %y : vector<2xf32>
  kernelred.yield %z : vector<2xf32>
}
kernelred.reduce @exp1j sum over i
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<3xf64>) {
  %z = kernelred.complexexp1j %y : vector<3xf64>
  kernelred.yield %z : vector<6xf64>
}

// -----

// A complex scalar broadcasts over a complex vector through the real ops'
// dim-1 broadcasting; canonicalize then removes the round trip through
// Real2Complex.

// CHECK-LABEL: kernelred.reduce @broadcast sum over j
// CHECK-DAG:     %[[XRE:.*]] = kernelred.extract_strided %i0[0 : 2 : 2] : vector<4xf64>
// CHECK-DAG:     %[[XIM:.*]] = kernelred.extract_strided %i0[1 : 2 : 2] : vector<4xf64>
// CHECK-DAG:     %[[NIM:.*]] = kernelred.neg %[[XIM]] : vector<2xf64>
// CHECK-DAG:     %[[ZERO:.*]] = kernelred.zero : vector<1xf64>
// CHECK-DAG:     kernelred.interleave %j1, %[[ZERO]] : vector<1xf64>
// CHECK:         kernelred.add %{{.*}}, %{{.*}} : vector<2xf64>, vector<1xf64>
// CHECK:         kernelred.add %{{.*}}, %{{.*}} : vector<2xf64>, vector<1xf64>
// CHECK:         %[[Z:.*]] = kernelred.interleave %{{.*}}, %{{.*}} : vector<2xf64>
// CHECK:         kernelred.yield %[[Z]] : vector<4xf64>
// CHECK-NOT:     kernelred.conj
// CHECK-NOT:     kernelred.complex

// CANON-LABEL: kernelred.reduce @broadcast sum over j
// CANON-DAG:     %[[XRE:.*]] = kernelred.extract_strided %i0[0 : 2 : 2] : vector<4xf64>
// CANON-DAG:     %[[XIM:.*]] = kernelred.extract_strided %i0[1 : 2 : 2] : vector<4xf64>
// CANON-DAG:     %[[RE:.*]] = kernelred.add %[[XRE]], %j1 : vector<2xf64>, vector<1xf64>
// CANON-DAG:     %[[IM:.*]] = kernelred.neg %[[XIM]] : vector<2xf64>
// CANON:         %[[Z:.*]] = kernelred.interleave %[[RE]], %[[IM]] : vector<2xf64>
// CANON:         kernelred.yield %[[Z]] : vector<4xf64>
kernelred.reduce @broadcast sum over j
    vars(%x: i[0] vector<4xf64>, %y: j[1] vector<1xf64>) {
  %c = kernelred.conj %x : vector<4xf64>
  %r = kernelred.real2complex %y : vector<1xf64>
  %z = kernelred.complexadd %c, %r : vector<4xf64>, vector<2xf64>
  kernelred.yield %z : vector<4xf64>
}

// -----

// Derivatives are kred-autodiff's: the pass only expands the complex ops
// they differentiate.

// CHECK-LABEL: kernelred.reduce @grad sum over j
// CHECK:         %[[RE:.*]] = kernelred.extract_strided %i0[0 : 1 : 2] : vector<2xf32>
// CHECK:         %[[IM:.*]] = kernelred.extract_strided %i0[1 : 1 : 2] : vector<2xf32>
// CHECK:         %[[ANGLE:.*]] = kernelred.atan2 %[[IM]], %[[RE]] : vector<1xf32>
// CHECK:         %[[G:.*]] = kernelred.grad %[[ANGLE]] wrt %i0 dir %j1
// CHECK:         kernelred.yield %[[G]] : vector<2xf32>
kernelred.reduce @grad sum over j
    vars(%x: i[0] vector<2xf32>, %e: j[1] vector<1xf32>) {
  %a = kernelred.complexangle %x : vector<2xf32>
  %g = kernelred.grad %a wrt %x dir %e : vector<1xf32>, vector<2xf32>, vector<1xf32>
  kernelred.yield %g : vector<2xf32>
}

// -----

// A reduction without complex ops is unchanged.

// CHECK-LABEL: kernelred.reduce @real sum over j
// CHECK-NEXT:    %[[F:.*]] = kernelred.mul %i0, %j1 : vector<1xf32>
// CHECK-NEXT:    kernelred.yield %[[F]] : vector<1xf32>
kernelred.reduce @real sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
