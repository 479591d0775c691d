//===- LinearAlgebraOps.cpp - products, distances, tensor algebra ---------===//
//
// Part of the kernelred project.
//
// Dot-product-like ops accumulate with fused multiply-adds. Matrices are
// flat row-major vectors (KeOps' C-contiguous layout); tensordot and kron
// index their operands at compile time.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

using namespace mlir;
using namespace mlir::kernelred;

/// sum_k x_k * y_k over `n` components (dimension-1 operands broadcast).
static Value buildDot(LaneBuilder &b, const Components &x, const Components &y,
                      int64_t n) {
  Value acc = b.mul(getComponent(x, 0), getComponent(y, 0));
  for (int64_t k = 1; k < n; ++k)
    acc = b.fma(getComponent(x, k), getComponent(y, k), acc);
  return acc;
}

/// Componentwise x - y over `n` components.
static Components buildDifference(LaneBuilder &b, const Components &x,
                                  const Components &y, int64_t n) {
  Components d;
  for (int64_t k = 0; k < n; ++k)
    d.push_back(b.sub(getComponent(x, k), getComponent(y, k)));
  return d;
}

/// WeightedSqNorm(s, f): s |f|^2, sum_k s_k f_k^2 or sum_kl s_kl f_k f_l
/// depending on dim(s).
static Value buildWeightedSquaredNorm(LaneBuilder &b, const Components &s,
                                      const Components &f) {
  int64_t d = f.size();
  int64_t ds = s.size();
  if (ds == 1)
    return b.mul(s[0], buildDot(b, f, f, d));
  if (ds == d) {
    Value acc = b.mul(s[0], b.mul(f[0], f[0]));
    for (int64_t k = 1; k < d; ++k)
      acc = b.fma(s[k], b.mul(f[k], f[k]), acc);
    return acc;
  }
  Value acc;
  for (int64_t k = 0; k < d; ++k) {
    Components row(s.begin() + k * d, s.begin() + (k + 1) * d);
    Value term = b.mul(f[k], buildDot(b, row, f, d));
    acc = acc ? b.add(acc, term) : term;
  }
  return acc;
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Advances the multi-index `idx` in `shape` (row-major); false at the end.
static bool advance(MutableArrayRef<int64_t> idx, ArrayRef<int64_t> shape) {
  for (int64_t i = (int64_t)shape.size() - 1; i >= 0; --i) {
    if (++idx[i] < shape[i])
      return true;
    idx[i] = 0;
  }
  return false;
}

static LogicalResult lowerTensorDot(TensorDotOp op, ArrayRef<Components> a,
                                    LaneBuilder &b, Components &r) {
  ArrayRef<int64_t> dimsA = op.getDimsA(), dimsB = op.getDimsB();
  ArrayRef<int64_t> contA = op.getContractA(), contB = op.getContractB();
  SmallVector<int64_t> keptA, keptB, keptShape, contShape;
  for (int64_t i = 0, e = dimsA.size(); i < e; ++i)
    if (!llvm::is_contained(contA, i)) {
      keptA.push_back(i);
      keptShape.push_back(dimsA[i]);
    }
  for (int64_t i = 0, e = dimsB.size(); i < e; ++i)
    if (!llvm::is_contained(contB, i)) {
      keptB.push_back(i);
      keptShape.push_back(dimsB[i]);
    }
  for (int64_t c : contA)
    contShape.push_back(dimsA[c]);

  // KeOps' permute: kept axis k becomes output axis permute[k].
  SmallVector<int64_t> perm;
  if (auto p = op.getPermute())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t k = 0, e = keptShape.size(); k < e; ++k)
      perm.push_back(k);
  SmallVector<int64_t> outShape(keptShape.size());
  for (auto [k, p] : llvm::enumerate(perm))
    outShape[p] = keptShape[k];
  SmallVector<int64_t> outStrides = getStrides(outShape);
  SmallVector<int64_t> stridesA = getStrides(dimsA);
  SmallVector<int64_t> stridesB = getStrides(dimsB);

  int64_t outDim = getFormulaDim(op.getResult());
  r.assign(outDim, Value());
  SmallVector<int64_t> kept(keptShape.size(), 0);
  do {
    int64_t base = 0, baseA = 0, baseB = 0;
    for (auto [k, v] : llvm::enumerate(kept)) {
      base += v * outStrides[perm[k]];
      if (k < keptA.size())
        baseA += v * stridesA[keptA[k]];
      else
        baseB += v * stridesB[keptB[k - keptA.size()]];
    }
    Value acc;
    SmallVector<int64_t> cont(contShape.size(), 0);
    do {
      int64_t ia = baseA, ib = baseB;
      for (auto [i, v] : llvm::enumerate(cont)) {
        ia += v * stridesA[contA[i]];
        ib += v * stridesB[contB[i]];
      }
      acc = acc ? b.fma(a[0][ia], a[1][ib], acc) : b.mul(a[0][ia], a[1][ib]);
    } while (advance(cont, contShape));
    r[base] = acc;
  } while (advance(kept, keptShape));
  return success();
}

static LogicalResult lowerKron(KronOp op, ArrayRef<Components> a,
                               LaneBuilder &b, Components &r) {
  ArrayRef<int64_t> dimsA = op.getDimsA(), dimsB = op.getDimsB();
  SmallVector<int64_t> outShape;
  for (auto [da, db] : llvm::zip(dimsA, dimsB))
    outShape.push_back(da * db);
  SmallVector<int64_t> outStrides = getStrides(outShape);
  SmallVector<int64_t> stridesA = getStrides(dimsA);
  SmallVector<int64_t> stridesB = getStrides(dimsB);
  r.assign(getFormulaDim(op.getResult()), Value());
  SmallVector<int64_t> ia(dimsA.size(), 0);
  do {
    SmallVector<int64_t> ib(dimsB.size(), 0);
    do {
      int64_t out = 0, fa = 0, fb = 0;
      for (size_t i = 0; i < dimsA.size(); ++i) {
        out += (ia[i] * dimsB[i] + ib[i]) * outStrides[i];
        fa += ia[i] * stridesA[i];
        fb += ib[i] * stridesB[i];
      }
      r[out] = b.mul(a[0][fa], a[1][fb]);
    } while (advance(ib, dimsB));
  } while (advance(ia, dimsA));
  return success();
}

void mlir::kernelred::populateKredLinearAlgebraLowerings(FormulaLowerings &l) {
  l.add<ScalProdOp>(
      [](ScalProdOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        int64_t n = std::max(a[0].size(), a[1].size());
        r.push_back(buildDot(b, a[0], a[1], n));
        return success();
      });
  l.add<SqDistOp>(
      [](SqDistOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        int64_t n = std::max(a[0].size(), a[1].size());
        Components d = buildDifference(b, a[0], a[1], n);
        r.push_back(buildDot(b, d, d, n));
        return success();
      });
  l.add<WeightedSqNormOp>([](WeightedSqNormOp, ArrayRef<Components> a,
                             LaneBuilder &b, Components &r) {
    r.push_back(buildWeightedSquaredNorm(b, a[0], a[1]));
    return success();
  });
  l.add<WeightedSqDistOp>([](WeightedSqDistOp, ArrayRef<Components> a,
                             LaneBuilder &b, Components &r) {
    int64_t n = std::max(a[1].size(), a[2].size());
    Components d = buildDifference(b, a[1], a[2], n);
    r.push_back(buildWeightedSquaredNorm(b, a[0], d));
    return success();
  });
  l.add<MatVecMultOp>([](MatVecMultOp op, ArrayRef<Components> a,
                         LaneBuilder &b, Components &r) {
    int64_t p = a[1].size();
    int64_t n = getFormulaDim(op.getResult());
    for (int64_t i = 0; i < n; ++i) {
      Components row(a[0].begin() + i * p, a[0].begin() + (i + 1) * p);
      r.push_back(buildDot(b, row, a[1], p));
    }
    return success();
  });
  l.add<VecMatMultOp>([](VecMatMultOp op, ArrayRef<Components> a,
                         LaneBuilder &b, Components &r) {
    int64_t n = a[0].size();
    int64_t p = getFormulaDim(op.getResult());
    for (int64_t j = 0; j < p; ++j) {
      Value acc = b.mul(a[0][0], a[1][j]);
      for (int64_t i = 1; i < n; ++i)
        acc = b.fma(a[0][i], a[1][i * p + j], acc);
      r.push_back(acc);
    }
    return success();
  });
  l.add<TensorProdOp>(
      [](TensorProdOp, ArrayRef<Components> a, LaneBuilder &b, Components &r) {
        for (Value x : a[0])
          for (Value y : a[1])
            r.push_back(b.mul(x, y));
        return success();
      });
  l.add<DifferenceMatrixOp>([](DifferenceMatrixOp, ArrayRef<Components> a,
                               LaneBuilder &b, Components &r) {
    for (Value y : a[1])
      for (Value x : a[0])
        r.push_back(b.sub(x, y));
    return success();
  });
  l.add<TensorDotOp>(lowerTensorDot);
  l.add<KronOp>(lowerKron);
}
