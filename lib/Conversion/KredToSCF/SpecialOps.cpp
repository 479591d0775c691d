//===- SpecialOps.cpp - BSpline and SoftDTW_SqDist ------------------------===//
//
// Part of the kernelred project.
//
// Both are small fixed-size recursions, unrolled at compile time.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

using namespace mlir;
using namespace mlir::kernelred;

using P = arith::CmpFPredicate;

/// De Boor's recursion (KeOps' BSpline_Impl layout: dim(knots) - 1 values,
/// the first dim(knots) - order - 1 of which are the basis functions).
static LogicalResult lowerBSpline(BSplineOp op, ArrayRef<Components> a,
                                  LaneBuilder &b, Components &r) {
  const Components &t = a[0];
  Value x = a[1][0];
  int64_t dim = t.size() - 1;
  // Order 1: indicator of t_j <= x < t_{j+1}.
  for (int64_t j = 0; j < dim; ++j)
    r.push_back(b.boolToFloat(
        b.andI(b.cmp(P::OLE, t[j], x), b.cmp(P::OLT, x, t[j + 1]))));
  // omega_{i,k}(x) = (x - t_i) / (t_{i+k} - t_i), 0 on empty intervals.
  auto omega = [&](int64_t i, int64_t k) {
    Value ratio = b.div(b.sub(x, t[i]), b.sub(t[i + k], t[i]));
    return b.select(b.cmp(P::OLT, t[i], t[i + k]), ratio,
                    b.cstLike(ratio, 0.0));
  };
  for (int64_t k = 1, e = op.getOrder(); k <= e; ++k) {
    Value w1 = omega(0, k);
    for (int64_t i = 0; i < dim - k; ++i) {
      Value w2 = omega(i + 1, k);
      Value oneMinus = b.sub(b.cstLike(w2, 1.0), w2);
      r[i] = b.add(b.mul(w1, r[i]), b.mul(oneMinus, r[i + 1]));
      w1 = w2;
    }
  }
  return success();
}

/// Soft-DTW with squared-difference cost (KeOps' SoftDTW_SqDist): the
/// last entry of R(i, j) = (x_i - y_j)^2 + softmin_gamma(R(i-1, j-1),
/// R(i, j-1), R(i-1, j)), with cumulative sums on the first row and column.
static LogicalResult lowerSoftDTW(SoftDTWSqDistOp, ArrayRef<Components> a,
                                  LaneBuilder &b, Components &r) {
  const Components &x = a[0], &y = a[1];
  Value gamma = a[2][0];
  int64_t n = x.size(), m = y.size();
  Value invGamma = b.div(b.cstLike(gamma, 1.0), gamma);
  auto cost = [&](int64_t i, int64_t j) {
    Value d = b.sub(x[i], y[j]);
    return b.mul(d, d);
  };
  SmallVector<SmallVector<Value>> rr(n, SmallVector<Value>(m));
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t i = 0; i < n; ++i) {
      Value c = cost(i, j);
      if (i == 0 && j == 0) {
        rr[i][j] = c;
      } else if (j == 0) {
        rr[i][j] = b.add(c, rr[i - 1][j]);
      } else if (i == 0) {
        rr[i][j] = b.add(c, rr[i][j - 1]);
      } else {
        Value diag = rr[i - 1][j - 1], left = rr[i][j - 1], up = rr[i - 1][j];
        Value lo = b.minNum(b.minNum(diag, left), up);
        auto term = [&](Value v) {
          return b.exp(b.mul(b.sub(lo, v), invGamma));
        };
        Value sum = b.add(b.add(term(diag), term(left)), term(up));
        Value softmin = b.sub(lo, b.mul(gamma, b.log(sum)));
        rr[i][j] = b.add(c, softmin);
      }
    }
  }
  r.push_back(rr[n - 1][m - 1]);
  return success();
}

void mlir::kernelred::populateKredSpecialFunctionLowerings(
    FormulaLowerings &l) {
  l.add<BSplineOp>(lowerBSpline);
  l.add<SoftDTWSqDistOp>(lowerSoftDTW);
}
