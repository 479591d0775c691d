// RUN: kred-opt %s --split-input-file --kred-online-logsumexp | FileCheck %s
// RUN: kred-opt %s --split-input-file --kred-online-logsumexp | kred-opt --split-input-file | FileCheck %s

// An unweighted logsumexp gets the weight IntCst(1).

// CHECK-LABEL: kernelred.reduce @lse max_sumshiftexp_weight over j
// CHECK-SAME:    attributes {finalize = #kernelred.finalize<logsumexp>}
// CHECK:         %[[F:.*]] = kernelred.mul
// CHECK:         %[[ONE:.*]] = kernelred.intcst 1 : vector<1xf32>
// CHECK:         kernelred.yield %[[F]], %[[ONE]] : vector<1xf32>, vector<1xf32>
kernelred.reduce @lse logsumexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// A weighted logsumexp keeps its weight.

// CHECK-LABEL: kernelred.reduce @lse_weight max_sumshiftexp_weight over i
// CHECK-SAME:    attributes {finalize = #kernelred.finalize<logsumexp>, sum_scheme = #kernelred.sum_scheme<kahan_scheme>}
// CHECK-NOT:     kernelred.intcst
// CHECK:         kernelred.yield %{{.*}}, %j2 : vector<1xf64>, vector<2xf64>
kernelred.reduce @lse_weight logsumexp over i
    vars(%x: i[0] vector<1xf64>, %y: j[1] vector<1xf64>, %g: j[2] vector<2xf64>)
    attributes {sum_scheme = #kernelred.sum_scheme<kahan_scheme>} {
  %f = kernelred.sub %x, %y : vector<1xf64>
  kernelred.yield %f, %g : vector<1xf64>, vector<2xf64>
}

// -----

// sumsoftmaxweight prepends the normalizer's weight: Concat(1, G).

// CHECK-LABEL: kernelred.reduce @softmax max_sumshiftexp_weight over j
// CHECK-SAME:    attributes {finalize = #kernelred.finalize<softmax>}
// CHECK:         %[[ONE:.*]] = kernelred.intcst 1 : vector<1xf16>
// CHECK:         %[[W:.*]] = kernelred.concat %[[ONE]], %j2 : vector<1xf16>, vector<3xf16>
// CHECK:         kernelred.yield %{{.*}}, %[[W]] : vector<1xf16>, vector<4xf16>
kernelred.reduce @softmax sumsoftmaxweight over j
    vars(%x: i[0] vector<2xf16>, %y: j[1] vector<2xf16>, %g: j[2] vector<3xf16>) {
  %f = kernelred.sqdist %x, %y : vector<2xf16>
  kernelred.yield %f, %g : vector<1xf16>, vector<3xf16>
}

// -----

// Other reductions are left alone.

// CHECK-LABEL: kernelred.reduce @sum sum over j
// CHECK-NOT:     finalize
kernelred.reduce @sum sum over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}

// -----

// CHECK-LABEL: kernelred.reduce @raw max_sumshiftexp over j
// CHECK-NOT:     finalize
kernelred.reduce @raw max_sumshiftexp over j
    vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>) {
  %f = kernelred.mul %x, %y : vector<1xf32>
  kernelred.yield %f : vector<1xf32>
}
