//===- FormulaEvaluator.cpp - reference evaluation of formulas ------------===//
//
// Part of the kernelred project.
//
// Plain C++ loops over doubles, one function per op, following keopscore's
// generated code (maths/*.py `Op`) and conventions: Rsqrt(0) = 0,
// XLogX(0) = 0, SinXDivX(0) = 1, Sign(0) = 0, Step(0) = 1, IfElse takes `a`
// where the condition is >= 0, ArgMin/ArgMax return the first extremum,
// OneHot(x) sets component (int)(x + 0.5), TensorDot's `permute[u]` is the
// output position of the u-th kept axis, BSpline and SoftDTW_SqDist run
// KeOps' recursions.
//
//===----------------------------------------------------------------------===//

#include "lib/Testing/FormulaEvaluator.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::testing;

namespace {

llvm::Error opError(Operation *op, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + op->getName().getStringRef() +
                                     "': " + message);
}

/// Component i of a value that broadcasts (dimension 1 or D).
double at(const Vector &v, size_t i) { return v.size() == 1 ? v[0] : v[i]; }

size_t broadcastDim(ArrayRef<Vector> values) {
  size_t dim = 1;
  for (const Vector &v : values)
    dim = std::max(dim, v.size());
  return dim;
}

/// Applies `fn` componentwise with dim-1 broadcasting.
template <typename Fn> Vector componentwise(ArrayRef<Vector> operands, Fn fn) {
  size_t dim = broadcastDim(operands);
  Vector out(dim);
  SmallVector<double, 3> args(operands.size());
  for (size_t i = 0; i < dim; ++i) {
    for (auto [k, v] : llvm::enumerate(operands))
      args[k] = at(v, i);
    out[i] = fn(ArrayRef<double>(args));
  }
  return out;
}

template <typename Fn> Vector unary(const Vector &x, Fn fn) {
  Vector out(x.size());
  std::transform(x.begin(), x.end(), out.begin(), fn);
  return out;
}

double keopsRsqrt(double x) { return x == 0 ? 0.0 : 1.0 / std::sqrt(x); }
double keopsSign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

double sqNorm(const Vector &x) {
  double s = 0;
  for (double v : x)
    s += v * v;
  return s;
}

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

/// Row-major strides of a shape.
SmallVector<int64_t> strides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t k = static_cast<int64_t>(shape.size()) - 2; k >= 0; --k)
    s[k] = s[k + 1] * shape[k + 1];
  return s;
}

/// Calls `fn(index)` for every multi-index of `shape`, row-major.
template <typename Fn> void forEachIndex(ArrayRef<int64_t> shape, Fn fn) {
  SmallVector<int64_t> index(shape.size(), 0);
  int64_t total = product(shape);
  for (int64_t n = 0; n < total; ++n) {
    fn(ArrayRef<int64_t>(index));
    for (int64_t k = static_cast<int64_t>(shape.size()) - 1; k >= 0; --k) {
      if (++index[k] < shape[k])
        break;
      index[k] = 0;
    }
  }
}

/// numpy-style tensordot on row-major flat tensors, KeOps' permutation.
Vector tensorDot(const Vector &a, const Vector &b, ArrayRef<int64_t> dimsA,
                 ArrayRef<int64_t> dimsB, ArrayRef<int64_t> contA,
                 ArrayRef<int64_t> contB,
                 std::optional<ArrayRef<int64_t>> permute) {
  SmallVector<int64_t> keptA, keptB;
  for (int64_t k = 0, e = dimsA.size(); k < e; ++k)
    if (!llvm::is_contained(contA, k))
      keptA.push_back(k);
  for (int64_t k = 0, e = dimsB.size(); k < e; ++k)
    if (!llvm::is_contained(contB, k))
      keptB.push_back(k);
  // Loop over kept axes of a, kept axes of b, contracted axes.
  SmallVector<int64_t> loopShape;
  for (int64_t k : keptA)
    loopShape.push_back(dimsA[k]);
  for (int64_t k : keptB)
    loopShape.push_back(dimsB[k]);
  size_t rank = loopShape.size();
  for (int64_t k : contA)
    loopShape.push_back(dimsA[k]);
  SmallVector<int64_t> outShape(rank);
  SmallVector<int64_t> position(rank);
  for (size_t u = 0; u < rank; ++u) {
    position[u] = permute ? (*permute)[u] : static_cast<int64_t>(u);
    outShape[position[u]] = loopShape[u];
  }
  SmallVector<int64_t> sa = strides(dimsA), sb = strides(dimsB),
                       so = strides(outShape);
  Vector out(product(outShape), 0.0);
  forEachIndex(loopShape, [&](ArrayRef<int64_t> idx) {
    int64_t ia = 0, ib = 0, io = 0;
    for (auto [p, axis] : llvm::enumerate(keptA))
      ia += idx[p] * sa[axis];
    for (auto [q, axis] : llvm::enumerate(keptB))
      ib += idx[keptA.size() + q] * sb[axis];
    for (auto [c, axis] : llvm::enumerate(contA)) {
      ia += idx[rank + c] * sa[axis];
      ib += idx[rank + c] * sb[contB[c]];
    }
    for (size_t u = 0; u < rank; ++u)
      io += idx[u] * so[position[u]];
    out[io] += a[ia] * b[ib];
  });
  return out;
}

/// numpy.kron on row-major tensors with the same number of axes.
Vector kron(const Vector &a, const Vector &b, ArrayRef<int64_t> dimsA,
            ArrayRef<int64_t> dimsB) {
  SmallVector<int64_t> outShape;
  for (auto [da, db] : llvm::zip_equal(dimsA, dimsB))
    outShape.push_back(da * db);
  SmallVector<int64_t> sa = strides(dimsA), sb = strides(dimsB),
                       so = strides(outShape);
  Vector out(a.size() * b.size());
  forEachIndex(dimsA, [&](ArrayRef<int64_t> ia) {
    forEachIndex(dimsB, [&](ArrayRef<int64_t> ib) {
      int64_t fa = 0, fb = 0, fo = 0;
      for (size_t k = 0; k < dimsA.size(); ++k) {
        fa += ia[k] * sa[k];
        fb += ib[k] * sb[k];
        fo += (ia[k] * dimsB[k] + ib[k]) * so[k];
      }
      out[fo] = a[fa] * b[fb];
    });
  });
  return out;
}

/// KeOps' BSpline_Impl: De Boor's recursion in place over dim(knots) - 1
/// values.
Vector bspline(const Vector &t, double x, int64_t order) {
  int64_t n = static_cast<int64_t>(t.size()) - 1;
  Vector out(n);
  for (int64_t j = 0; j < n; ++j)
    out[j] = (t[j] <= x && x < t[j + 1]) ? 1.0 : 0.0;
  for (int64_t k = 1; k <= order; ++k) {
    double r1 = t[0] < t[k] ? (x - t[0]) / (t[k] - t[0]) : 0.0;
    for (int64_t i = 0; i < n - k; ++i) {
      double r2 = t[i + 1] < t[i + 1 + k]
                      ? (x - t[i + 1]) / (t[i + 1 + k] - t[i + 1])
                      : 0.0;
      out[i] = r1 * out[i] + (1.0 - r2) * out[i + 1];
      r1 = r2;
    }
  }
  return out;
}

/// KeOps' SoftDTW_SqDist: soft-DTW with squared differences.
double softDTW(const Vector &x, const Vector &y, double gamma) {
  size_t n = x.size(), m = y.size();
  std::vector<Vector> r(n, Vector(m));
  for (size_t j = 0; j < m; ++j) {
    for (size_t i = 0; i < n; ++i) {
      double d = (x[i] - y[j]) * (x[i] - y[j]);
      if (i == 0 && j == 0) {
        r[i][j] = d;
      } else if (j == 0) {
        r[i][j] = d + r[i - 1][j];
      } else if (i == 0) {
        r[i][j] = d + r[i][j - 1];
      } else {
        double a = r[i - 1][j - 1], b = r[i - 1][j], c = r[i][j - 1];
        double mn = std::fmin(std::fmin(a, b), c);
        r[i][j] = d + mn -
                  gamma * std::log(std::exp((mn - a) / gamma) +
                                   std::exp((mn - b) / gamma) +
                                   std::exp((mn - c) / gamma));
      }
    }
  }
  return r[n - 1][m - 1];
}

/// WeightedSqNorm(s, f) for the three shapes of s.
double weightedSqNorm(const Vector &s, const Vector &f) {
  size_t d = f.size();
  double out = 0;
  if (s.size() == d * d && d > 1) {
    for (size_t k = 0; k < d; ++k)
      for (size_t l = 0; l < d; ++l)
        out += s[k * d + l] * f[k] * f[l];
    return out;
  }
  for (size_t k = 0; k < d; ++k)
    out += at(s, k) * f[k] * f[k];
  return out;
}

/// Complex helpers: interleaved (re, im) pairs; a single pair broadcasts.
using Complex = std::pair<double, double>;
Complex complexAt(const Vector &z, size_t k) {
  if (z.size() == 2)
    return {z[0], z[1]};
  return {z[2 * k], z[2 * k + 1]};
}
template <typename Fn> Vector complexMap(const Vector &z, Fn fn) {
  Vector out;
  for (size_t k = 0; k < z.size() / 2; ++k) {
    Complex c = fn(complexAt(z, k));
    out.push_back(c.first);
    out.push_back(c.second);
  }
  return out;
}
template <typename Fn> Vector complexToReal(const Vector &z, Fn fn) {
  Vector out;
  for (size_t k = 0; k < z.size() / 2; ++k)
    out.push_back(fn(complexAt(z, k)));
  return out;
}
template <typename Fn> Vector realToComplex(const Vector &x, Fn fn) {
  Vector out;
  for (double v : x) {
    Complex c = fn(v);
    out.push_back(c.first);
    out.push_back(c.second);
  }
  return out;
}
template <typename Fn>
Vector complexBinary(const Vector &a, const Vector &b, Fn fn) {
  size_t n = std::max(a.size(), b.size()) / 2;
  Vector out;
  for (size_t k = 0; k < n; ++k) {
    Complex c = fn(complexAt(a, k), complexAt(b, k));
    out.push_back(c.first);
    out.push_back(c.second);
  }
  return out;
}
Complex complexMul(Complex a, Complex b) {
  return {a.first * b.first - a.second * b.second,
          a.first * b.second + a.second * b.first};
}
Complex complexDiv(Complex a, Complex b) {
  double n = b.first * b.first + b.second * b.second;
  return {(a.first * b.first + a.second * b.second) / n,
          (a.second * b.first - a.first * b.second) / n};
}

Vector fromConstant(Attribute attr) {
  Vector out;
  for (APFloat v : cast<DenseFPElementsAttr>(attr).getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v.convertToDouble());
  }
  return out;
}

} // namespace

llvm::Expected<Vector>
mlir::kernelred::testing::evaluateOp(Operation *op, ArrayRef<Vector> in) {
  using llvm::TypeSwitch;
  auto i64 = [](auto v) { return static_cast<int64_t>(v); };
  auto math = [&](auto fn) { return unary(in[0], fn); };
  std::optional<Vector> result =
      TypeSwitch<Operation *, std::optional<Vector>>(op)
          // Constants.
          .Case([&](IntCstOp c) { return Vector{double(i64(c.getValue()))}; })
          .Case([&](RatCstOp c) {
            return Vector{double(i64(c.getNum())) / double(i64(c.getDen()))};
          })
          .Case([&](ZeroOp c) {
            return Vector(getFormulaDim(c.getResult()), 0.0);
          })
          .Case([&](ConstantOp c) { return fromConstant(c.getValue()); })
          // Componentwise unary ops.
          .Case([&](NegOp) { return math([](double x) { return -x; }); })
          .Case([&](InvOp) { return math([](double x) { return 1 / x; }); })
          .Case([&](SquareOp) { return math([](double x) { return x * x; }); })
          .Case([&](SqrtOp) {
            return math([](double x) { return std::sqrt(x); });
          })
          .Case([&](RsqrtOp) { return math(keopsRsqrt); })
          .Case(
              [&](ExpOp) { return math([](double x) { return std::exp(x); }); })
          .Case(
              [&](LogOp) { return math([](double x) { return std::log(x); }); })
          .Case([&](XLogXOp) {
            return math(
                [](double x) { return x == 0 ? 0.0 : x * std::log(x); });
          })
          .Case(
              [&](SinOp) { return math([](double x) { return std::sin(x); }); })
          .Case(
              [&](CosOp) { return math([](double x) { return std::cos(x); }); })
          .Case([&](SinXDivXOp) {
            return math(
                [](double x) { return x == 0 ? 1.0 : std::sin(x) / x; });
          })
          .Case([&](AsinOp) {
            return math([](double x) { return std::asin(x); });
          })
          .Case([&](AcosOp) {
            return math([](double x) { return std::acos(x); });
          })
          .Case([&](AtanOp) {
            return math([](double x) { return std::atan(x); });
          })
          .Case([&](AbsOp) {
            return math([](double x) { return std::fabs(x); });
          })
          .Case([&](SignOp) { return math(keopsSign); })
          .Case([&](StepOp) {
            return math([](double x) { return x < 0 ? 0.0 : 1.0; });
          })
          .Case([&](ReLUOp) {
            return math([](double x) { return x < 0 ? 0.0 : x; });
          })
          .Case([&](FloorOp) {
            return math([](double x) { return std::floor(x); });
          })
          .Case([&](PowOp p) {
            double m = double(i64(p.getExponent()));
            return math([&](double x) { return std::pow(x, m); });
          })
          .Case([&](RoundOp r) {
            double scale = std::pow(10.0, double(i64(r.getDecimals())));
            return math(
                [&](double x) { return std::round(x * scale) / scale; });
          })
          .Case([&](ClampIntOp c) {
            double lo = double(i64(c.getLo())), hi = double(i64(c.getHi()));
            return math(
                [&](double x) { return x < lo ? lo : (x > hi ? hi : x); });
          })
          .Case([&](DiffClampIntOp c) {
            double lo = double(i64(c.getLo())), hi = double(i64(c.getHi()));
            return math(
                [&](double x) { return (x < lo || x > hi) ? 0.0 : 1.0; });
          })
          .Case([&](NormalizeOp) {
            double scale = keopsRsqrt(sqNorm(in[0]));
            return math([&](double x) { return x * scale; });
          })
          // Reductions of the components.
          .Case([&](SumOp) {
            return Vector{std::accumulate(in[0].begin(), in[0].end(), 0.0)};
          })
          .Case([&](MaxOp) {
            return Vector{*std::max_element(in[0].begin(), in[0].end())};
          })
          .Case([&](MinOp) {
            return Vector{*std::min_element(in[0].begin(), in[0].end())};
          })
          .Case([&](ArgMaxOp) {
            return Vector{double(std::max_element(in[0].begin(), in[0].end()) -
                                 in[0].begin())};
          })
          .Case([&](ArgMinOp) {
            return Vector{double(std::min_element(in[0].begin(), in[0].end()) -
                                 in[0].begin())};
          })
          .Case([&](SqNorm2Op) { return Vector{sqNorm(in[0])}; })
          .Case([&](Norm2Op) { return Vector{std::sqrt(sqNorm(in[0]))}; })
          // Shape ops.
          .Case([&](SumTOp s) { return Vector(i64(s.getDim()), in[0][0]); })
          .Case([&](ElemOp e) { return Vector{in[0][i64(e.getIndex())]}; })
          .Case([&](ElemTOp e) {
            Vector out(i64(e.getDim()), 0.0);
            out[i64(e.getIndex())] = in[0][0];
            return out;
          })
          .Case([&](ExtractOp e) {
            auto begin = in[0].begin() + i64(e.getStart());
            return Vector(begin, begin + i64(e.getLength()));
          })
          .Case([&](ExtractTOp e) {
            Vector out(i64(e.getDim()), 0.0);
            std::copy(in[0].begin(), in[0].end(),
                      out.begin() + i64(e.getStart()));
            return out;
          })
          .Case([&](OneHotOp o) {
            Vector out(i64(o.getDim()), 0.0);
            double k = std::floor(in[0][0] + 0.5);
            if (k >= 0 && k < double(out.size()))
              out[size_t(k)] = 1.0;
            return out;
          })
          .Case([&](ConcatOp) {
            Vector out = in[0];
            out.insert(out.end(), in[1].begin(), in[1].end());
            return out;
          })
          // Componentwise binary and ternary ops.
          .Case([&](AddOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] + a[1]; });
          })
          .Case([&](SubOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] - a[1]; });
          })
          .Case([&](MulOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] * a[1]; });
          })
          .Case([&](DivOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] / a[1]; });
          })
          .Case([&](PowfOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return std::pow(a[0], a[1]); });
          })
          .Case([&](Atan2Op) {
            return componentwise(
                in, [](ArrayRef<double> a) { return std::atan2(a[0], a[1]); });
          })
          .Case([&](EqualOp) {
            return componentwise(in, [](ArrayRef<double> a) {
              return a[0] == a[1] ? 1.0 : 0.0;
            });
          })
          .Case([&](NotEqualOp) {
            return componentwise(in, [](ArrayRef<double> a) {
              return a[0] != a[1] ? 1.0 : 0.0;
            });
          })
          .Case([&](LessThanOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] < a[1] ? 1.0 : 0.0; });
          })
          .Case([&](LessOrEqualOp) {
            return componentwise(in, [](ArrayRef<double> a) {
              return a[0] <= a[1] ? 1.0 : 0.0;
            });
          })
          .Case([&](IfElseOp) {
            return componentwise(
                in, [](ArrayRef<double> a) { return a[0] >= 0 ? a[1] : a[2]; });
          })
          .Case([&](ClampOp) {
            return componentwise(in, [](ArrayRef<double> a) {
              return a[0] < a[1] ? a[1] : (a[0] > a[2] ? a[2] : a[0]);
            });
          })
          .Case([&](ModOp) {
            return componentwise(in, [](ArrayRef<double> a) {
              return a[0] - a[1] * std::floor((a[0] - a[2]) / a[1]);
            });
          })
          // Products and distances.
          .Case([&](ScalProdOp) {
            Vector p = componentwise(
                in, [](ArrayRef<double> a) { return a[0] * a[1]; });
            return Vector{std::accumulate(p.begin(), p.end(), 0.0)};
          })
          .Case([&](SqDistOp) {
            Vector d = componentwise(
                in, [](ArrayRef<double> a) { return a[0] - a[1]; });
            return Vector{sqNorm(d)};
          })
          .Case([&](MatVecMultOp) {
            size_t p = in[1].size(), n = in[0].size() / p;
            Vector out(n, 0.0);
            for (size_t i = 0; i < n; ++i)
              for (size_t j = 0; j < p; ++j)
                out[i] += in[0][i * p + j] * in[1][j];
            return out;
          })
          .Case([&](VecMatMultOp) {
            size_t n = in[0].size(), p = in[1].size() / n;
            Vector out(p, 0.0);
            for (size_t i = 0; i < n; ++i)
              for (size_t j = 0; j < p; ++j)
                out[j] += in[0][i] * in[1][i * p + j];
            return out;
          })
          .Case([&](TensorProdOp) {
            Vector out;
            for (double a : in[0])
              for (double b : in[1])
                out.push_back(a * b);
            return out;
          })
          .Case([&](DifferenceMatrixOp) {
            Vector out;
            for (double b : in[1])
              for (double a : in[0])
                out.push_back(a - b);
            return out;
          })
          .Case([&](WeightedSqNormOp) {
            return Vector{weightedSqNorm(in[0], in[1])};
          })
          .Case([&](WeightedSqDistOp) {
            Vector d =
                componentwise(ArrayRef<Vector>(in).drop_front(),
                              [](ArrayRef<double> a) { return a[0] - a[1]; });
            return Vector{weightedSqNorm(in[0], d)};
          })
          .Case([&](TensorDotOp t) {
            std::optional<ArrayRef<int64_t>> permute;
            if (auto p = t.getPermute())
              permute = *p;
            return tensorDot(in[0], in[1], t.getDimsA(), t.getDimsB(),
                             t.getContractA(), t.getContractB(), permute);
          })
          .Case([&](KronOp k) {
            return kron(in[0], in[1], k.getDimsA(), k.getDimsB());
          })
          .Case([&](BSplineOp b) {
            return bspline(in[0], in[1][0], i64(b.getOrder()));
          })
          .Case([&](SoftDTWSqDistOp) {
            return Vector{softDTW(in[0], in[1], in[2][0])};
          })
          // Real helpers of the complex expansion.
          .Case([&](ExtractStridedOp e) {
            Vector out;
            for (int64_t k = 0; k < i64(e.getLength()); ++k)
              out.push_back(in[0][i64(e.getStart()) + k * i64(e.getStride())]);
            return out;
          })
          .Case([&](InterleaveOp) {
            size_t n = broadcastDim(in);
            Vector out;
            for (size_t k = 0; k < n; ++k) {
              out.push_back(at(in[0], k));
              out.push_back(at(in[1], k));
            }
            return out;
          })
          // Complex ops (interleaved re/im pairs).
          .Case([&](ComplexRealOp) {
            return complexToReal(in[0], [](Complex z) { return z.first; });
          })
          .Case([&](ComplexImagOp) {
            return complexToReal(in[0], [](Complex z) { return z.second; });
          })
          .Case([&](ComplexAbsOp) {
            return complexToReal(in[0], [](Complex z) {
              return std::sqrt(z.first * z.first + z.second * z.second);
            });
          })
          .Case([&](ComplexSquareAbsOp) {
            return complexToReal(in[0], [](Complex z) {
              return z.first * z.first + z.second * z.second;
            });
          })
          .Case([&](ComplexAngleOp) {
            return complexToReal(
                in[0], [](Complex z) { return std::atan2(z.second, z.first); });
          })
          .Case([&](Real2ComplexOp) {
            return realToComplex(in[0], [](double x) { return Complex{x, 0}; });
          })
          .Case([&](Imag2ComplexOp) {
            return realToComplex(in[0], [](double x) { return Complex{0, x}; });
          })
          .Case([&](ComplexExp1jOp) {
            return realToComplex(in[0], [](double x) {
              return Complex{std::cos(x), std::sin(x)};
            });
          })
          .Case([&](ConjOp) {
            return complexMap(in[0], [](Complex z) {
              return Complex{z.first, -z.second};
            });
          })
          .Case([&](ComplexExpOp) {
            return complexMap(in[0], [](Complex z) {
              double m = std::exp(z.first);
              return Complex{m * std::cos(z.second), m * std::sin(z.second)};
            });
          })
          .Case([&](ComplexSumOp) {
            Complex s{0, 0};
            for (size_t k = 0; k < in[0].size() / 2; ++k) {
              s.first += in[0][2 * k];
              s.second += in[0][2 * k + 1];
            }
            return Vector{s.first, s.second};
          })
          .Case([&](ComplexSumTOp t) {
            Vector out;
            for (int64_t k = 0; k < i64(t.getDim()) / 2; ++k) {
              out.push_back(in[0][0]);
              out.push_back(in[0][1]);
            }
            return out;
          })
          .Case([&](ComplexAddOp) {
            return complexBinary(in[0], in[1], [](Complex a, Complex b) {
              return Complex{a.first + b.first, a.second + b.second};
            });
          })
          .Case([&](ComplexSubtractOp) {
            return complexBinary(in[0], in[1], [](Complex a, Complex b) {
              return Complex{a.first - b.first, a.second - b.second};
            });
          })
          .Case([&](ComplexMultOp) {
            return complexBinary(in[0], in[1], complexMul);
          })
          .Case([&](ComplexDivideOp) {
            return complexBinary(in[0], in[1], complexDiv);
          })
          .Case([&](ComplexRealScalOp) {
            bool scalarFirst = in[0].size() == 1;
            const Vector &s = scalarFirst ? in[0] : in[1];
            const Vector &z = scalarFirst ? in[1] : in[0];
            return unary(z, [&](double x) { return s[0] * x; });
          })
          .Default([](Operation *) { return std::nullopt; });
  if (!result) {
    if (isa<GradOp, DiffOp, DivergenceOp, LaplacianOp, GradMatrixOp>(op))
      return opError(op, "symbolic derivative: run kred-autodiff first");
    return opError(op, "no reference semantics");
  }
  if (op->getNumResults() == 1) {
    size_t expected = getFormulaDim(op->getResult(0));
    if (result->size() != expected)
      return opError(op, llvm::formatv("computed {0} components, the result "
                                       "type has {1}",
                                       result->size(), expected));
  }
  return std::move(*result);
}

//===----------------------------------------------------------------------===//
// ReferenceEvaluator
//===----------------------------------------------------------------------===//

llvm::Error ReferenceEvaluator::run(ArrayRef<Vector> vars, Operation *stop,
                                    llvm::DenseMap<Value, Vector> &env) const {
  Block &block = reduce.getBodyBlock();
  if (vars.size() != block.getNumArguments())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("@{0} has {1} variables, {2} values given",
                      reduce.getSymName(), block.getNumArguments(),
                      vars.size()));
  for (auto [arg, value] : llvm::zip_equal(block.getArguments(), vars)) {
    if (value.size() != static_cast<size_t>(getFormulaDim(arg)))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          llvm::formatv("@{0}: variable #{1} has dimension {2}, {3} values "
                        "given",
                        reduce.getSymName(), arg.getArgNumber(),
                        getFormulaDim(arg), value.size()));
    env[arg] = value;
  }
  for (Operation &op : block.without_terminator()) {
    SmallVector<Vector> operands;
    for (Value operand : op.getOperands())
      operands.push_back(env.lookup(operand));
    llvm::Expected<Vector> result = evaluateOp(&op, operands);
    if (!result)
      return result.takeError();
    env[op.getResult(0)] = std::move(*result);
    if (&op == stop)
      break;
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<Vector>>
ReferenceEvaluator::evaluate(ArrayRef<Vector> vars) const {
  llvm::DenseMap<Value, Vector> env;
  if (llvm::Error err = run(vars, nullptr, env))
    return std::move(err);
  std::vector<Vector> out;
  for (Value v : reduce.getYield().getValues())
    out.push_back(env.lookup(v));
  return out;
}

llvm::Expected<Vector>
ReferenceEvaluator::evaluateValue(Value value, ArrayRef<Vector> vars) const {
  llvm::DenseMap<Value, Vector> env;
  if (llvm::Error err = run(vars, value.getDefiningOp(), env))
    return std::move(err);
  return env.lookup(value);
}
