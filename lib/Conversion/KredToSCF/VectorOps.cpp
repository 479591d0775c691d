//===- VectorOps.cpp - ops on the components of one formula value ---------===//
//
// Part of the kernelred project.
//
// Reductions over the components of a value (Sum, Max, ArgMin, norms),
// component selection and placement (Elem, Extract, ExtractStrided, Concat,
// Interleave, SumT, OneHot...).
// Components are SSA values, so most of these only move them around.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

using namespace mlir;
using namespace mlir::kernelred;

using P = arith::CmpFPredicate;

/// sum_k c_k^2 with fused multiply-adds.
static Value buildSquaredNorm(LaneBuilder &b, const Components &c) {
  Value acc = b.mul(c[0], c[0]);
  for (size_t k = 1; k < c.size(); ++k)
    acc = b.fma(c[k], c[k], acc);
  return acc;
}

/// The extreme component of `c` (strict comparison: the first one wins on
/// ties) and, when `index` is set, its index as a float.
static Value buildExtreme(LaneBuilder &b, const Components &c, bool largest,
                          bool index) {
  P pred = largest ? P::OGT : P::OLT;
  Value best = c[0];
  Value where = b.cstLike(c[0], 0.0);
  for (size_t k = 1; k < c.size(); ++k) {
    Value better = b.cmp(pred, c[k], best);
    if (index)
      where = b.select(better, b.cstLike(c[k], (double)k), where);
    best = b.select(better, c[k], best);
  }
  return index ? where : best;
}

void mlir::kernelred::populateKredVectorLowerings(FormulaLowerings &l) {
  l.add<SumOp>(
      [](SumOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        Value acc = a[0][0];
        for (size_t k = 1; k < a[0].size(); ++k)
          acc = b.add(acc, a[0][k]);
        r.push_back(acc);
        return success();
      });
  l.add<MaxOp>(
      [](MaxOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(buildExtreme(b, a[0], /*largest=*/true, /*index=*/false));
        return success();
      });
  l.add<MinOp>(
      [](MinOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(buildExtreme(b, a[0], /*largest=*/false, /*index=*/false));
        return success();
      });
  l.add<ArgMaxOp>(
      [](ArgMaxOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(buildExtreme(b, a[0], /*largest=*/true, /*index=*/true));
        return success();
      });
  l.add<ArgMinOp>(
      [](ArgMinOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(buildExtreme(b, a[0], /*largest=*/false, /*index=*/true));
        return success();
      });
  l.add<SqNorm2Op>(
      [](SqNorm2Op, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(buildSquaredNorm(b, a[0]));
        return success();
      });
  l.add<Norm2Op>(
      [](Norm2Op, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        r.push_back(b.sqrt(buildSquaredNorm(b, a[0])));
        return success();
      });
  l.add<NormalizeOp>(
      [](NormalizeOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        // Rsqrt(SqNorm2(x)) * x with Rsqrt(0) = 0.
        Value n2 = buildSquaredNorm(b, a[0]);
        Value zero = b.cstLike(n2, 0.0);
        Value inv = b.div(b.cstLike(n2, 1.0), b.sqrt(n2));
        inv = b.select(b.cmp(P::OEQ, n2, zero), zero, inv);
        for (Value c : a[0])
          r.push_back(b.mul(c, inv));
        return success();
      });
  l.add<SumTOp>(
      [](SumTOp op, ArrayRef<Components> a, LaneBuilder &, Components &r) {
        r.assign(op.getDim(), a[0][0]);
        return success();
      });
  l.add<ElemOp>(
      [](ElemOp op, ArrayRef<Components> a, LaneBuilder &, Components &r) {
        r.push_back(a[0][op.getIndex()]);
        return success();
      });
  l.add<ElemTOp>(
      [](ElemTOp op, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        for (int64_t k = 0, e = op.getDim(); k < e; ++k)
          r.push_back(k == (int64_t)op.getIndex() ? a[0][0] : b.cst(0.0));
        return success();
      });
  l.add<ExtractOp>(
      [](ExtractOp op, ArrayRef<Components> a, LaneBuilder &, Components &r) {
        int64_t start = op.getStart();
        r.append(a[0].begin() + start, a[0].begin() + start + op.getLength());
        return success();
      });
  l.add<ExtractTOp>([](ExtractTOp op, ArrayRef<Components> a, LaneBuilder &b,
                       Components &r) {
    int64_t start = op.getStart();
    int64_t len = a[0].size();
    for (int64_t k = 0, e = op.getDim(); k < e; ++k)
      r.push_back(k >= start && k < start + len ? a[0][k - start] : b.cst(0.0));
    return success();
  });
  l.add<ConcatOp>(
      [](ConcatOp, ArrayRef<Components> a, LaneBuilder &, Components &r) {
        r.append(a[0].begin(), a[0].end());
        r.append(a[1].begin(), a[1].end());
        return success();
      });
  l.add<ExtractStridedOp>([](ExtractStridedOp op, ArrayRef<Components> a,
                             LaneBuilder &, Components &r) {
    int64_t start = op.getStart(), stride = op.getStride();
    for (int64_t k = 0, e = op.getLength(); k < e; ++k)
      r.push_back(a[0][start + k * stride]);
    return success();
  });
  l.add<InterleaveOp>(
      [](InterleaveOp, ArrayRef<Components> a, LaneBuilder &, Components &r) {
        // A dimension-1 operand broadcasts.
        int64_t n = std::max(a[0].size(), a[1].size());
        for (int64_t k = 0; k < n; ++k) {
          r.push_back(getComponent(a[0], k));
          r.push_back(getComponent(a[1], k));
        }
        return success();
      });
  l.add<OneHotOp>([](OneHotOp op, ArrayRef<Components> a, LaneBuilder &b,
                     Components &r) {
    Value rounded = b.round(a[0][0]);
    for (int64_t k = 0, e = op.getDim(); k < e; ++k)
      r.push_back(
          b.boolToFloat(b.cmp(P::OEQ, rounded, b.cstLike(rounded, (double)k))));
    return success();
  });
}
