//===- KredFolds.cpp - folders of the kernelred ops -----------------------===//
//
// Part of the kernelred project.
//
// Constant folding in double precision, rounded to the element type once,
// with KeOps' conventions (Rsqrt(0) = 0, Step(0) = 1, IfElse(c, a, b) = a
// where c >= 0, XLogX(0) = 0, SinXDivX(0) = 1), and the identities that
// return an existing value (x + 0, f(f(x)) for idempotent f, ...). Rewrites
// that create ops are canonicalization patterns (KredCanonicalize.cpp).
//
//===----------------------------------------------------------------------===//

#include "dialect/KredConstants.h"
#include "dialect/KredOps.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;

//===----------------------------------------------------------------------===//
// Folding helpers
//===----------------------------------------------------------------------===//

namespace {

using Values = SmallVector<double>;
using ValuesRef = ArrayRef<Values>;

/// Folds an op whose operands are all float constants: `fn` maps their
/// values to the result's (one value broadcasts to the result).
Attribute foldValues(Type resultType, ArrayRef<Attribute> operands,
                     function_ref<Values(ValuesRef)> fn) {
  SmallVector<Values> ins;
  for (Attribute a : operands) {
    auto v = getConstValues(a);
    if (!v)
      return {};
    ins.push_back(std::move(*v));
  }
  return getConstAttr(resultType, fn(ins));
}

/// Component i of `v` under KeOps' dim-1 broadcasting.
double component(ArrayRef<double> v, size_t i) {
  return v.size() == 1 ? v[0] : v[i];
}

/// fn(a_i, b_i) for every component, with dim-1 broadcasting.
Values zipComponents(ArrayRef<double> a, ArrayRef<double> b,
                     function_ref<double(double, double)> fn) {
  Values out(std::max(a.size(), b.size()));
  for (auto [i, x] : llvm::enumerate(out))
    x = fn(component(a, i), component(b, i));
  return out;
}

double sum(ArrayRef<double> v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

double sumOfSquares(ArrayRef<double> v) {
  return std::accumulate(v.begin(), v.end(), 0.0,
                         [](double s, double x) { return s + x * x; });
}

/// Folds a componentwise op with dim-1 broadcasting.
Attribute foldComponentwise(Type resultType, ArrayRef<Attribute> operands,
                            function_ref<double(ArrayRef<double>)> fn) {
  int64_t dim = getFormulaDim(resultType);
  return foldValues(resultType, operands, [&](ValuesRef ins) {
    Values out(dim), args(ins.size());
    for (int64_t d = 0; d < dim; ++d) {
      for (auto [k, in] : llvm::enumerate(ins))
        args[k] = component(in, d);
      out[d] = fn(args);
    }
    return out;
  });
}

/// The fold of an op with one operand `input` that is the identity when the
/// result has the operand's type, and `fn` of the operand's values when it
/// is a constant.
template <typename OpTy>
OpFoldResult foldUnlessIdentity(OpTy op, Attribute input,
                                function_ref<Values(ArrayRef<double>)> fn) {
  if (op.getInput().getType() == op.getType())
    return op.getInput();
  return foldValues(op.getType(), {input},
                    [&](ValuesRef v) { return fn(v[0]); });
}

/// Row-major strides of a tensor of shape `dims`.
SmallVector<int64_t> getStrides(ArrayRef<int64_t> dims) {
  SmallVector<int64_t> strides(dims.size(), 1);
  for (int64_t i = (int64_t)dims.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

/// Row-major multi-index of the flat index `flat` in a tensor of shape
/// `dims`.
SmallVector<int64_t> delinearize(int64_t flat, ArrayRef<int64_t> dims) {
  SmallVector<int64_t> index(dims.size());
  for (int64_t i = (int64_t)dims.size() - 1; i >= 0; --i) {
    index[i] = flat % dims[i];
    flat /= dims[i];
  }
  return index;
}

/// Folds a product of the tensors lhs and rhs (TensorDot, Kron): the sum of
/// a[i] * b[j] over the pairs of entries that `place` maps to the output
/// position place(ia, ib) (-1 skips a pair), with ia and ib the
/// multi-indices of the entries in the op's shapes dimsA and dimsB.
template <typename OpTy>
Attribute foldTensorProduct(
    OpTy op, Attribute lhs, Attribute rhs,
    function_ref<int64_t(ArrayRef<int64_t>, ArrayRef<int64_t>)> place) {
  int64_t outDim = getFormulaDim(op.getType());
  return foldValues(op.getType(), {lhs, rhs}, [&](ValuesRef v) {
    Values out(outDim, 0.0);
    for (auto [i, a] : llvm::enumerate(v[0])) {
      SmallVector<int64_t> ia = delinearize(i, op.getDimsA());
      for (auto [j, b] : llvm::enumerate(v[1])) {
        int64_t o = place(ia, delinearize(j, op.getDimsB()));
        if (o >= 0)
          out[o] += a * b;
      }
    }
    return out;
  });
}

/// WeightedSqNorm(s, f) by the dimension of s: 1 (isotropic), dim(f)
/// (diagonal) or dim(f)^2 (full, row-major).
double weightedSqNorm(ArrayRef<double> s, ArrayRef<double> f) {
  size_t d = f.size();
  if (s.size() == 1)
    return s[0] * sumOfSquares(f);
  double r = 0;
  if (s.size() == d) {
    for (size_t k = 0; k < d; ++k)
      r += s[k] * f[k] * f[k];
    return r;
  }
  for (size_t k = 0; k < d; ++k)
    for (size_t l = 0; l < d; ++l)
      r += s[k * d + l] * f[k] * f[l];
  return r;
}

double keopsRsqrt(double x) { return x == 0 ? 0 : 1 / std::sqrt(x); }
double keopsSign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }
double keopsRound(double x, int64_t d) {
  double s = std::pow(10.0, (double)d);
  return std::round(x * s) / s;
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

OpFoldResult IntCstOp::fold(FoldAdaptor) {
  return getConstAttr(getType(), {(double)getValue()});
}
OpFoldResult RatCstOp::fold(FoldAdaptor) {
  if (getDen() == 0)
    return {};
  return getConstAttr(getType(), {(double)getNum() / (double)getDen()});
}
OpFoldResult ZeroOp::fold(FoldAdaptor) {
  return getConstAttr(getType(), {0.0});
}
OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Componentwise unary ops
//===----------------------------------------------------------------------===//

/// OP::fold evaluates EXPR of the component `x`; with IDEMPOTENT, f(f(x))
/// folds to f(x).
#define KRED_FOLD_UNARY_IMPL(OP, IDEMPOTENT, EXPR)                             \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    if (IDEMPOTENT && getInput().getDefiningOp<OP>())                          \
      return getInput();                                                       \
    return foldComponentwise(getType(), {adaptor.getInput()},                  \
                             [&](ArrayRef<double> a) -> double {               \
                               double x = a[0];                                \
                               return EXPR;                                    \
                             });                                               \
  }
#define KRED_FOLD_UNARY(OP, EXPR) KRED_FOLD_UNARY_IMPL(OP, false, EXPR)
#define KRED_FOLD_IDEMPOTENT(OP, EXPR) KRED_FOLD_UNARY_IMPL(OP, true, EXPR)
KRED_FOLD_UNARY(SqrtOp, std::sqrt(x))
KRED_FOLD_UNARY(RsqrtOp, keopsRsqrt(x))
KRED_FOLD_UNARY(ExpOp, std::exp(x))
KRED_FOLD_UNARY(LogOp, std::log(x))
KRED_FOLD_UNARY(XLogXOp, x == 0 ? 0.0 : x * std::log(x))
KRED_FOLD_UNARY(SinOp, std::sin(x))
KRED_FOLD_UNARY(CosOp, std::cos(x))
KRED_FOLD_UNARY(SinXDivXOp, x == 0 ? 1.0 : std::sin(x) / x)
KRED_FOLD_UNARY(AsinOp, std::asin(x))
KRED_FOLD_UNARY(AcosOp, std::acos(x))
KRED_FOLD_UNARY(AtanOp, std::atan(x))
KRED_FOLD_UNARY(StepOp, x < 0 ? 0.0 : 1.0)
KRED_FOLD_UNARY(SquareOp, x *x)
KRED_FOLD_UNARY(RoundOp, keopsRound(x, getDecimals()))
KRED_FOLD_UNARY(ClampIntOp, x < getLo() ? (double)getLo()
                                        : (x > getHi() ? (double)getHi() : x))
KRED_FOLD_UNARY(DiffClampIntOp, (x < getLo() || x > getHi()) ? 0.0 : 1.0)
KRED_FOLD_IDEMPOTENT(AbsOp, std::fabs(x))
KRED_FOLD_IDEMPOTENT(SignOp, keopsSign(x))
KRED_FOLD_IDEMPOTENT(ReLUOp, x < 0 ? 0.0 : x)
KRED_FOLD_IDEMPOTENT(FloorOp, std::floor(x))
#undef KRED_FOLD_IDEMPOTENT
#undef KRED_FOLD_UNARY
#undef KRED_FOLD_UNARY_IMPL

/// Involutions: f(f(x)) = x.
template <typename OpTy>
static OpFoldResult foldInvolution(OpTy op, Attribute input,
                                   double (*fn)(double)) {
  if (auto inner = op.getInput().template getDefiningOp<OpTy>())
    return inner.getInput();
  return foldComponentwise(op.getType(), {input},
                           [&](ArrayRef<double> a) { return fn(a[0]); });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldInvolution(*this, adaptor.getInput(), [](double x) { return -x; });
}

OpFoldResult InvOp::fold(FoldAdaptor adaptor) {
  return foldInvolution(*this, adaptor.getInput(),
                        [](double x) { return 1 / x; });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (getExponent() == 1)
    return getInput();
  if (getExponent() == 0)
    return getConstAttr(getType(), {1.0});
  return foldComponentwise(getType(), {adaptor.getInput()},
                           [&](ArrayRef<double> a) {
                             return std::pow(a[0], (double)getExponent());
                           });
}

//===----------------------------------------------------------------------===//
// Vector ops
//===----------------------------------------------------------------------===//

OpFoldResult SumOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(),
                            [](ArrayRef<double> v) { return Values{sum(v)}; });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [](ArrayRef<double> v) {
    return Values{*llvm::max_element(v)};
  });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [](ArrayRef<double> v) {
    return Values{*llvm::min_element(v)};
  });
}

/// The index of the element `select` picks (max_element, min_element); 0
/// for a scalar, whatever its value.
template <typename OpTy, typename Select>
static OpFoldResult foldArgSelect(OpTy op, Attribute input, Select select) {
  if (getFormulaDim(op.getInput()) == 1)
    return getConstAttr(op.getType(), {0.0});
  return foldValues(op.getType(), {input}, [&](ValuesRef v) {
    return Values{(double)(select(v[0]) - v[0].begin())};
  });
}

OpFoldResult ArgMaxOp::fold(FoldAdaptor adaptor) {
  return foldArgSelect(*this, adaptor.getInput(),
                       [](const Values &v) { return llvm::max_element(v); });
}

OpFoldResult ArgMinOp::fold(FoldAdaptor adaptor) {
  return foldArgSelect(*this, adaptor.getInput(),
                       [](const Values &v) { return llvm::min_element(v); });
}

OpFoldResult SqNorm2Op::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getInput()},
                    [](ValuesRef v) { return Values{sumOfSquares(v[0])}; });
}

OpFoldResult Norm2Op::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getInput()}, [](ValuesRef v) {
    return Values{std::sqrt(sumOfSquares(v[0]))};
  });
}

OpFoldResult NormalizeOp::fold(FoldAdaptor adaptor) {
  // Rsqrt(SqNorm2(x)) * x, with KeOps' Rsqrt(0) = 0.
  return foldValues(getType(), {adaptor.getInput()}, [](ValuesRef v) {
    double r = keopsRsqrt(sumOfSquares(v[0]));
    return zipComponents(v[0], {r}, std::multiplies<double>());
  });
}

OpFoldResult SumTOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(),
                            [](ArrayRef<double> v) { return Values{v[0]}; });
}

OpFoldResult ElemOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [&](ArrayRef<double> v) {
    return Values{v[getIndex()]};
  });
}

OpFoldResult ExtractOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [&](ArrayRef<double> v) {
    return Values(v.slice(getStart(), getLength()));
  });
}

/// The vector of dimension `dim` holding `v` from `start` on, zeros
/// elsewhere (ElemT, ExtractT).
static Values placeInZeros(ArrayRef<double> v, int64_t dim, int64_t start) {
  Values out(dim, 0.0);
  llvm::copy(v, out.begin() + start);
  return out;
}

OpFoldResult ElemTOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [&](ArrayRef<double> v) {
    return placeInZeros(v, getDim(), getIndex());
  });
}

OpFoldResult ExtractTOp::fold(FoldAdaptor adaptor) {
  return foldUnlessIdentity(*this, adaptor.getInput(), [&](ArrayRef<double> v) {
    return placeInZeros(v, getDim(), getStart());
  });
}

OpFoldResult OneHotOp::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getInput()}, [&](ValuesRef v) {
    Values out(getDim(), 0.0);
    double r = std::round(v[0][0]);
    if (r >= 0 && r < (double)getDim())
      out[(int64_t)r] = 1.0;
    return out;
  });
}

OpFoldResult ScalProdOp::fold(FoldAdaptor adaptor) {
  return foldValues(
      getType(), {adaptor.getLhs(), adaptor.getRhs()}, [](ValuesRef v) {
        return Values{
            sum(zipComponents(v[0], v[1], std::multiplies<double>()))};
      });
}

OpFoldResult SqDistOp::fold(FoldAdaptor adaptor) {
  // KeOps: SqDist(f, f) = SqNorm2(f - f) = SqNorm2(Zero) = 0.
  if (getLhs() == getRhs())
    return getConstAttr(getType(), {0.0});
  return foldValues(
      getType(), {adaptor.getLhs(), adaptor.getRhs()}, [](ValuesRef v) {
        return Values{
            sumOfSquares(zipComponents(v[0], v[1], std::minus<double>()))};
      });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                    [](ValuesRef v) {
                      Values out(v[0]);
                      out.append(v[1].begin(), v[1].end());
                      return out;
                    });
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

/// The product of the n x p matrix `a` (row-major) with the vector `b` of
/// dimension p, or of `b` with a when `vecMat` (a is then p x n).
static Values matrixTimesVector(ArrayRef<double> a, ArrayRef<double> b,
                                bool vecMat) {
  int64_t p = b.size(), n = a.size() / p;
  Values out(n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < p; ++k)
      out[i] += a[vecMat ? k * n + i : i * p + k] * b[k];
  return out;
}

OpFoldResult MatVecMultOp::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                    [](ValuesRef v) {
                      return matrixTimesVector(v[0], v[1], /*vecMat=*/false);
                    });
}

OpFoldResult VecMatMultOp::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                    [](ValuesRef v) {
                      return matrixTimesVector(v[1], v[0], /*vecMat=*/true);
                    });
}

OpFoldResult TensorProdOp::fold(FoldAdaptor adaptor) {
  return foldValues(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                    [](ValuesRef v) {
                      Values out;
                      for (double x : v[0])
                        for (double y : v[1])
                          out.push_back(x * y);
                      return out;
                    });
}

OpFoldResult WeightedSqNormOp::fold(FoldAdaptor adaptor) {
  return foldValues(
      getType(), {adaptor.getLhs(), adaptor.getRhs()},
      [](ValuesRef v) { return Values{weightedSqNorm(v[0], v[1])}; });
}

OpFoldResult WeightedSqDistOp::fold(FoldAdaptor adaptor) {
  return foldValues(
      getType(), {adaptor.getWeight(), adaptor.getLhs(), adaptor.getRhs()},
      [](ValuesRef v) {
        return Values{weightedSqNorm(
            v[0], zipComponents(v[1], v[2], std::minus<double>()))};
      });
}

OpFoldResult TensorDotOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> dimsA = getDimsA(), dimsB = getDimsB();
  ArrayRef<int64_t> contA = getContractA(), contB = getContractB();
  // Kept axes of a then b, as (operand, axis).
  SmallVector<std::pair<int, int64_t>> kept;
  for (int64_t i = 0, e = dimsA.size(); i < e; ++i)
    if (!llvm::is_contained(contA, i))
      kept.push_back({0, i});
  for (int64_t i = 0, e = dimsB.size(); i < e; ++i)
    if (!llvm::is_contained(contB, i))
      kept.push_back({1, i});
  // Kept axis q becomes axis permute[q] of the result (KeOps' convention).
  SmallVector<int64_t> perm =
      llvm::to_vector(llvm::seq<int64_t>(0, kept.size()));
  if (auto permute = getPermute())
    perm.assign(permute->begin(), permute->end());
  SmallVector<int64_t> outDims(kept.size());
  for (auto [q, axis] : llvm::enumerate(kept))
    outDims[perm[q]] = (axis.first == 0 ? dimsA : dimsB)[axis.second];
  SmallVector<int64_t> outStrides = getStrides(outDims);
  auto place = [&](ArrayRef<int64_t> ia, ArrayRef<int64_t> ib) -> int64_t {
    for (auto [a, b] : llvm::zip(contA, contB))
      if (ia[a] != ib[b])
        return -1;
    int64_t o = 0;
    for (auto [q, axis] : llvm::enumerate(kept))
      o += (axis.first == 0 ? ia : ib)[axis.second] * outStrides[perm[q]];
    return o;
  };
  return foldTensorProduct(*this, adaptor.getLhs(), adaptor.getRhs(), place);
}

OpFoldResult KronOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> dimsA = getDimsA(), dimsB = getDimsB();
  SmallVector<int64_t> outDims;
  for (auto [da, db] : llvm::zip(dimsA, dimsB))
    outDims.push_back(da * db);
  SmallVector<int64_t> outStrides = getStrides(outDims);
  auto place = [&](ArrayRef<int64_t> ia, ArrayRef<int64_t> ib) {
    int64_t o = 0;
    for (size_t k = 0; k < dimsA.size(); ++k)
      o += (ia[k] * dimsB[k] + ib[k]) * outStrides[k];
    return o;
  };
  return foldTensorProduct(*this, adaptor.getLhs(), adaptor.getRhs(), place);
}

//===----------------------------------------------------------------------===//
// Real helpers of the complex expansion
//===----------------------------------------------------------------------===//

OpFoldResult ExtractStridedOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getStride() == 1)
    return getInput();
  // extract_strided(interleave(a, b), 0|1, n, 2) is a|b.
  if (auto inter = getInput().getDefiningOp<InterleaveOp>();
      inter && getStride() == 2 && getStart() < 2) {
    Value half = getStart() == 0 ? inter.getLhs() : inter.getRhs();
    if (half.getType() == getType())
      return half;
  }
  return foldValues(getType(), {adaptor.getInput()}, [&](ValuesRef v) {
    Values out;
    for (int64_t k = 0; k < getLength(); ++k)
      out.push_back(v[0][getStart() + k * getStride()]);
    return out;
  });
}

OpFoldResult InterleaveOp::fold(FoldAdaptor adaptor) {
  // interleave(extract_strided(x, 0, n, 2), extract_strided(x, 1, n, 2)) = x.
  auto even = getLhs().getDefiningOp<ExtractStridedOp>();
  auto odd = getRhs().getDefiningOp<ExtractStridedOp>();
  if (even && odd && even.getInput() == odd.getInput() &&
      even.getInput().getType() == getType() && even.getStride() == 2 &&
      odd.getStride() == 2 && even.getStart() == 0 && odd.getStart() == 1)
    return even.getInput();
  int64_t n = getFormulaDim(getType()) / 2;
  return foldValues(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                    [&](ValuesRef v) {
                      Values out;
                      for (int64_t k = 0; k < n; ++k) {
                        out.push_back(component(v[0], k));
                        out.push_back(component(v[1], k));
                      }
                      return out;
                    });
}

//===----------------------------------------------------------------------===//
// Binary and ternary componentwise ops
//===----------------------------------------------------------------------===//

/// The operand of a binary op that its other operand, a constant splat of
/// `identity`, leaves unchanged (x + 0, x * 1, ...), when it has the
/// result's type; `commutes` also accepts the identity on the left.
template <typename OpTy>
static Value getIdentityOperand(OpTy op, Attribute lhs, Attribute rhs,
                                double identity, bool commutes) {
  if (isConstSplat(rhs, identity) && op.getLhs().getType() == op.getType())
    return op.getLhs();
  if (commutes && isConstSplat(lhs, identity) &&
      op.getRhs().getType() == op.getType())
    return op.getRhs();
  return {};
}

/// Folds x op identity, then constants with `fn`.
template <typename OpTy>
static OpFoldResult foldBinary(OpTy op, typename OpTy::FoldAdaptor adaptor,
                               double identity, bool commutes,
                               double (*fn)(double, double)) {
  Attribute lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  if (Value x = getIdentityOperand(op, lhs, rhs, identity, commutes))
    return x;
  return foldComponentwise(op.getType(), {lhs, rhs},
                           [&](ArrayRef<double> a) { return fn(a[0], a[1]); });
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, 0.0, /*commutes=*/true,
                    [](double a, double b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  // KeOps simplifies f - f to Zero symbolically.
  if (getLhs() == getRhs() &&
      !getIdentityOperand(*this, adaptor.getLhs(), adaptor.getRhs(), 0.0,
                          /*commutes=*/false))
    return getConstAttr(getType(), {0.0});
  return foldBinary(*this, adaptor, 0.0, /*commutes=*/false,
                    [](double a, double b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  // KeOps propagates Zero symbolically: 0 * f = 0.
  if (!getIdentityOperand(*this, adaptor.getLhs(), adaptor.getRhs(), 1.0,
                          /*commutes=*/true) &&
      (isConstSplat(adaptor.getRhs(), 0.0) ||
       isConstSplat(adaptor.getLhs(), 0.0)))
    return getConstAttr(getType(), {0.0});
  return foldBinary(*this, adaptor, 1.0, /*commutes=*/true,
                    [](double a, double b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  // KeOps propagates Zero symbolically: 0 / g = 0.
  if (!getIdentityOperand(*this, adaptor.getLhs(), adaptor.getRhs(), 1.0,
                          /*commutes=*/false) &&
      isConstSplat(adaptor.getLhs(), 0.0))
    return getConstAttr(getType(), {0.0});
  return foldBinary(*this, adaptor, 1.0, /*commutes=*/false,
                    [](double a, double b) { return a / b; });
}

OpFoldResult PowfOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor, 1.0, /*commutes=*/false,
                    [](double a, double b) { return std::pow(a, b); });
}

OpFoldResult Atan2Op::fold(FoldAdaptor adaptor) {
  return foldComponentwise(
      getType(), {adaptor.getLhs(), adaptor.getRhs()},
      [](ArrayRef<double> a) { return std::atan2(a[0], a[1]); });
}

#define KRED_FOLD_COMPARE(OP, CMP)                                             \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldComponentwise(                                                  \
        getType(), {adaptor.getLhs(), adaptor.getRhs()},                       \
        [](ArrayRef<double> a) { return (a[0] CMP a[1]) ? 1.0 : 0.0; });       \
  }
KRED_FOLD_COMPARE(EqualOp, ==)
KRED_FOLD_COMPARE(NotEqualOp, !=)
KRED_FOLD_COMPARE(LessThanOp, <)
KRED_FOLD_COMPARE(LessOrEqualOp, <=)
#undef KRED_FOLD_COMPARE

OpFoldResult IfElseOp::fold(FoldAdaptor adaptor) {
  if (getA() == getB() && getA().getType() == getType())
    return getA();
  if (Value chosen = selectConstantBranch(adaptor.getCond(), getA(), getB());
      chosen && chosen.getType() == getType())
    return chosen;
  return foldComponentwise(
      getType(), {adaptor.getCond(), adaptor.getA(), adaptor.getB()},
      [](ArrayRef<double> a) { return a[0] >= 0 ? a[1] : a[2]; });
}

OpFoldResult ClampOp::fold(FoldAdaptor adaptor) {
  return foldComponentwise(
      getType(), {adaptor.getInput(), adaptor.getLo(), adaptor.getHi()},
      [](ArrayRef<double> a) {
        return a[0] < a[1] ? a[1] : (a[0] > a[2] ? a[2] : a[0]);
      });
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  return foldComponentwise(
      getType(),
      {adaptor.getInput(), adaptor.getModulus(), adaptor.getOffset()},
      [](ArrayRef<double> a) {
        return a[0] - a[1] * std::floor((a[0] - a[2]) / a[1]);
      });
}
