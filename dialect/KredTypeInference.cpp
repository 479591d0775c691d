//===- KredTypeInference.cpp - KeOps' dimension rules ---------------------===//
//
// Part of the kernelred project.
//
// Result types of the formula ops (InferTypeOpAdaptor): KeOps' dimension
// rules, each written once as the dimension rule of its op. Every rule runs
// after the operands are checked to be formula values and before the result
// type is built from their common element type, so a rule only reads
// dimensions and attributes and emits the diagnostics of its op.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"

#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringExtras.h"

#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// The dimension rule of one op: its location, name and operands, and the
/// checks KeOps' rules are made of. Diagnostics read "'<op name>' <text>".
class DimRule {
public:
  DimRule(std::optional<Location> loc, StringRef opName, ValueRange operands)
      : loc(loc), opName(opName), operands(operands) {}

  /// Emits "'<op name>' <args>" (when there is a location) and fails.
  template <typename... Args> LogicalResult fail(Args &&...args) const {
    return emitOptionalError(loc, "'", opName, "' ",
                             std::forward<Args>(args)...);
  }

  /// KeOps' broadcasting rule: equal dimensions, or dimension 1 against any.
  FailureOr<int64_t> broadcast(ValueRange values) const {
    int64_t result = 1;
    for (Value v : values) {
      int64_t d = getFormulaDim(v);
      if (d == 1 || d == result)
        continue;
      if (result == 1) {
        result = d;
        continue;
      }
      SmallVector<std::string> dims;
      for (Value w : values)
        dims.push_back(std::to_string(getFormulaDim(w)));
      return fail("operands of dimensions ", llvm::join(dims, ", "),
                  " do not broadcast (dimensions must be equal or 1)");
    }
    return result;
  }
  FailureOr<int64_t> broadcast() const { return broadcast(operands); }

  /// Fails with "'<op name>' <text><dimension of value>" unless `value` is a
  /// scalar (dimension 1).
  LogicalResult expectScalar(Value value, StringRef text) const {
    if (getFormulaDim(value) == 1)
      return success();
    return fail(text, getFormulaDim(value));
  }

  /// Fails unless `value` is a complex vector (even dimension).
  LogicalResult expectComplex(StringRef what, Value value) const {
    int64_t d = getFormulaDim(value);
    if (d % 2 == 0)
      return success();
    return fail(what,
                " must be a complex vector of interleaved (re, im) pairs "
                "(even dimension), got dimension ",
                d);
  }

  /// Runs `rule` on checked operands and pushes vector<dim x elt>, with elt
  /// the element type the operands share.
  LogicalResult infer(SmallVectorImpl<Type> &types,
                      function_ref<FailureOr<int64_t>()> rule) const {
    if (failed(checkFormulaOperands()))
      return failure();
    FailureOr<int64_t> dim = rule();
    if (failed(dim))
      return failure();
    Type common;
    for (Value v : operands) {
      Type elt = cast<VectorType>(v.getType()).getElementType();
      if (common && elt != common)
        return fail("operands have different element types (", common, " and ",
                    elt, ")");
      common = elt;
    }
    if (*dim < 1)
      return fail("would produce a value of dimension ", *dim);
    types.push_back(getFormulaType(common, *dim));
    return success();
  }

private:
  /// Type inference runs while an op is parsed, before the verifier checks
  /// the operand types: every rule first checks that its operands are
  /// formula values (1-D fixed vectors of f16, bf16, f32 or f64), so that no
  /// rule ever sees a scalar, a 0-D, n-D or scalable vector.
  LogicalResult checkFormulaOperands() const {
    for (auto [i, value] : llvm::enumerate(operands)) {
      auto type = dyn_cast<VectorType>(value.getType());
      if (type && type.getRank() == 1 && !type.isScalable() &&
          type.getDimSize(0) >= 1 &&
          isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
              type.getElementType()))
        continue;
      return fail("operand #", i,
                  " must be a formula value (vector<D x f16, bf16, f32 or "
                  "f64>), got ",
                  value.getType());
    }
    return success();
  }

  std::optional<Location> loc;
  StringRef opName;
  ValueRange operands;
};

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

bool hasNonPositive(ArrayRef<int64_t> dims) {
  return llvm::any_of(dims, [](int64_t d) { return d < 1; });
}

//===----------------------------------------------------------------------===//
// Rules shared by families of ops
//===----------------------------------------------------------------------===//

/// The operand's dimension (componentwise unary ops).
template <typename AdaptorT>
FailureOr<int64_t> sameDim(const DimRule &, AdaptorT adaptor) {
  return getFormulaDim(adaptor.getInput());
}

/// Componentwise with integer bounds lo <= hi.
template <typename AdaptorT>
FailureOr<int64_t> boundedDim(const DimRule &rule, AdaptorT adaptor) {
  if (adaptor.getLo() > adaptor.getHi())
    return rule.fail("lower bound ", adaptor.getLo(), " exceeds upper bound ",
                     adaptor.getHi());
  return getFormulaDim(adaptor.getInput());
}

/// A scalar result (reductions of a vector).
template <typename AdaptorT>
FailureOr<int64_t> scalarDim(const DimRule &, AdaptorT) {
  return 1;
}

/// Elementwise with dim-1 broadcasting.
template <typename AdaptorT>
FailureOr<int64_t> broadcastDim(const DimRule &rule, AdaptorT) {
  return rule.broadcast();
}

/// A scalar from operands that broadcast (dot products, distances).
template <typename AdaptorT>
FailureOr<int64_t> broadcastToScalarDim(const DimRule &rule, AdaptorT) {
  if (failed(rule.broadcast()))
    return failure();
  return 1;
}

/// A scalar operand placed in a vector of the `dim` attribute.
template <typename AdaptorT>
FailureOr<int64_t> scalarToDimAttr(const DimRule &rule, AdaptorT adaptor) {
  if (failed(rule.expectScalar(adaptor.getInput(),
                               "expects a scalar operand (dimension 1), got "
                               "dimension ")))
    return failure();
  return adaptor.getDim();
}

/// A matrix (row-major, flattened) times a vector: the matrix dimension is a
/// multiple of the vector's, the result has the quotient.
FailureOr<int64_t> matrixTimesVectorDim(const DimRule &rule, Value matrix,
                                        Value vector) {
  int64_t da = getFormulaDim(matrix), db = getFormulaDim(vector);
  if (da % db != 0)
    return rule.fail("matrix dimension ", da,
                     " is not a multiple of the vector dimension ", db);
  return da / db;
}

/// Weights of dimension 1 (isotropic), d (diagonal) or d^2 (full).
LogicalResult checkWeightDim(const DimRule &rule, int64_t ds, int64_t d) {
  if (ds == 1 || ds == d || ds == d * d)
    return success();
  return rule.fail("weight of dimension ", ds, " must have dimension 1, ", d,
                   " or ", d * d, " for vectors of dimension ", d);
}

/// Complex to real: one real number per complex number.
template <typename AdaptorT>
FailureOr<int64_t> complexToRealDim(const DimRule &rule, AdaptorT adaptor) {
  if (failed(rule.expectComplex("operand", adaptor.getInput())))
    return failure();
  return getFormulaDim(adaptor.getInput()) / 2;
}

/// Real to complex: one complex number per real number.
template <typename AdaptorT>
FailureOr<int64_t> realToComplexDim(const DimRule &, AdaptorT adaptor) {
  return 2 * getFormulaDim(adaptor.getInput());
}

/// Componentwise on complex numbers.
template <typename AdaptorT>
FailureOr<int64_t> complexSameDim(const DimRule &rule, AdaptorT adaptor) {
  if (failed(rule.expectComplex("operand", adaptor.getInput())))
    return failure();
  return getFormulaDim(adaptor.getInput());
}

/// KeOps' complex broadcasting rule: both operands complex, with equal
/// dimensions or one of them a single complex number (dimension 2).
template <typename AdaptorT>
FailureOr<int64_t> complexBroadcastDim(const DimRule &rule, AdaptorT adaptor) {
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  if (failed(rule.expectComplex("first operand", lhs)) ||
      failed(rule.expectComplex("second operand", rhs)))
    return failure();
  int64_t a = getFormulaDim(lhs), b = getFormulaDim(rhs);
  if (a != b && a != 2 && b != 2)
    return rule.fail("operands of dimensions ", a, " and ", b,
                     " do not broadcast (dimensions must be equal or 2, one "
                     "complex number)");
  return std::max(a, b);
}

} // namespace

/// Defines OP::inferReturnTypes from the dimension rule that follows the
/// macro: a function body that reads `rule` (the DimRule) and `adaptor`
/// and returns the result dimension, or fails with a diagnostic.
#define KRED_DIM_RULE(OP)                                                      \
  static FailureOr<int64_t> get##OP##Dim(const DimRule &, OP::Adaptor);        \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &types) {                                          \
    DimRule rule(loc, getOperationName(), adaptor.getOperands());              \
    return rule.infer(types, [&] { return get##OP##Dim(rule, adaptor); });     \
  }                                                                            \
  static FailureOr<int64_t> get##OP##Dim(const DimRule &rule,                  \
                                         OP::Adaptor adaptor)

/// Defines OP::inferReturnTypes from one of the shared rules above.
#define KRED_SHARED_DIM_RULE(OP, RULE)                                         \
  KRED_DIM_RULE(OP) { return RULE(rule, adaptor); }

//===----------------------------------------------------------------------===//
// Componentwise ops
//===----------------------------------------------------------------------===//

KRED_SHARED_DIM_RULE(NegOp, sameDim)
KRED_SHARED_DIM_RULE(InvOp, sameDim)
KRED_SHARED_DIM_RULE(SquareOp, sameDim)
KRED_SHARED_DIM_RULE(SqrtOp, sameDim)
KRED_SHARED_DIM_RULE(RsqrtOp, sameDim)
KRED_SHARED_DIM_RULE(ExpOp, sameDim)
KRED_SHARED_DIM_RULE(LogOp, sameDim)
KRED_SHARED_DIM_RULE(XLogXOp, sameDim)
KRED_SHARED_DIM_RULE(SinOp, sameDim)
KRED_SHARED_DIM_RULE(CosOp, sameDim)
KRED_SHARED_DIM_RULE(SinXDivXOp, sameDim)
KRED_SHARED_DIM_RULE(AsinOp, sameDim)
KRED_SHARED_DIM_RULE(AcosOp, sameDim)
KRED_SHARED_DIM_RULE(AtanOp, sameDim)
KRED_SHARED_DIM_RULE(AbsOp, sameDim)
KRED_SHARED_DIM_RULE(SignOp, sameDim)
KRED_SHARED_DIM_RULE(StepOp, sameDim)
KRED_SHARED_DIM_RULE(ReLUOp, sameDim)
KRED_SHARED_DIM_RULE(FloorOp, sameDim)
KRED_SHARED_DIM_RULE(NormalizeOp, sameDim)
KRED_SHARED_DIM_RULE(PowOp, sameDim)
KRED_SHARED_DIM_RULE(RoundOp, sameDim)
KRED_SHARED_DIM_RULE(ClampIntOp, boundedDim)
KRED_SHARED_DIM_RULE(DiffClampIntOp, boundedDim)

KRED_SHARED_DIM_RULE(AddOp, broadcastDim)
KRED_SHARED_DIM_RULE(SubOp, broadcastDim)
KRED_SHARED_DIM_RULE(MulOp, broadcastDim)
KRED_SHARED_DIM_RULE(DivOp, broadcastDim)
KRED_SHARED_DIM_RULE(PowfOp, broadcastDim)
KRED_SHARED_DIM_RULE(Atan2Op, broadcastDim)
KRED_SHARED_DIM_RULE(EqualOp, broadcastDim)
KRED_SHARED_DIM_RULE(NotEqualOp, broadcastDim)
KRED_SHARED_DIM_RULE(LessThanOp, broadcastDim)
KRED_SHARED_DIM_RULE(LessOrEqualOp, broadcastDim)
KRED_SHARED_DIM_RULE(IfElseOp, broadcastDim)
KRED_SHARED_DIM_RULE(ClampOp, broadcastDim)
KRED_SHARED_DIM_RULE(ModOp, broadcastDim)

//===----------------------------------------------------------------------===//
// Vector ops
//===----------------------------------------------------------------------===//

KRED_SHARED_DIM_RULE(SumOp, scalarDim)
KRED_SHARED_DIM_RULE(MaxOp, scalarDim)
KRED_SHARED_DIM_RULE(MinOp, scalarDim)
KRED_SHARED_DIM_RULE(ArgMaxOp, scalarDim)
KRED_SHARED_DIM_RULE(ArgMinOp, scalarDim)
KRED_SHARED_DIM_RULE(SqNorm2Op, scalarDim)
KRED_SHARED_DIM_RULE(Norm2Op, scalarDim)
KRED_SHARED_DIM_RULE(ScalProdOp, broadcastToScalarDim)
KRED_SHARED_DIM_RULE(SqDistOp, broadcastToScalarDim)
KRED_SHARED_DIM_RULE(SumTOp, scalarToDimAttr)
KRED_SHARED_DIM_RULE(OneHotOp, scalarToDimAttr)

KRED_DIM_RULE(ElemOp) {
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t m = adaptor.getIndex();
  if (m < 0 || m >= d)
    return rule.fail("index ", m, " is out of range for a value of dimension ",
                     d);
  return 1;
}

KRED_DIM_RULE(ElemTOp) {
  FailureOr<int64_t> n = scalarToDimAttr(rule, adaptor);
  int64_t m = adaptor.getIndex();
  if (succeeded(n) && (m < 0 || m >= *n))
    return rule.fail("index ", m, " is out of range for dimension ", *n);
  return n;
}

KRED_DIM_RULE(ExtractOp) {
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), len = adaptor.getLength();
  if (len < 1)
    return rule.fail("length must be >= 1, got ", len);
  if (start < 0 || start + len > d)
    return rule.fail("range [", start, ", ", start + len,
                     ") is out of range for a value of dimension ", d);
  return len;
}

KRED_DIM_RULE(ExtractTOp) {
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), n = adaptor.getDim();
  if (start < 0 || start + d > n)
    return rule.fail("cannot place a value of dimension ", d, " at ", start,
                     " in dimension ", n);
  return n;
}

KRED_DIM_RULE(ConcatOp) {
  return getFormulaDim(adaptor.getLhs()) + getFormulaDim(adaptor.getRhs());
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

KRED_DIM_RULE(MatVecMultOp) {
  return matrixTimesVectorDim(rule, adaptor.getLhs(), adaptor.getRhs());
}

KRED_DIM_RULE(VecMatMultOp) {
  return matrixTimesVectorDim(rule, adaptor.getRhs(), adaptor.getLhs());
}

KRED_DIM_RULE(TensorProdOp) {
  return getFormulaDim(adaptor.getLhs()) * getFormulaDim(adaptor.getRhs());
}

KRED_DIM_RULE(DifferenceMatrixOp) {
  return getFormulaDim(adaptor.getLhs()) * getFormulaDim(adaptor.getRhs());
}

KRED_DIM_RULE(WeightedSqNormOp) {
  if (failed(checkWeightDim(rule, getFormulaDim(adaptor.getLhs()),
                            getFormulaDim(adaptor.getRhs()))))
    return failure();
  return 1;
}

KRED_DIM_RULE(WeightedSqDistOp) {
  FailureOr<int64_t> d =
      rule.broadcast(ValueRange{adaptor.getLhs(), adaptor.getRhs()});
  if (failed(d) ||
      failed(checkWeightDim(rule, getFormulaDim(adaptor.getWeight()), *d)))
    return failure();
  return 1;
}

/// Shape of the tensordot result before the permutation, or failure.
static FailureOr<SmallVector<int64_t>>
getTensorDotShape(const DimRule &rule, int64_t dimA, int64_t dimB,
                  ArrayRef<int64_t> dimsA, ArrayRef<int64_t> dimsB,
                  ArrayRef<int64_t> contA, ArrayRef<int64_t> contB,
                  std::optional<ArrayRef<int64_t>> permute) {
  if (hasNonPositive(dimsA) || hasNonPositive(dimsB))
    return rule.fail("tensor dimensions must be >= 1");
  if (product(dimsA) != dimA)
    return rule.fail("shape of the first operand has ", product(dimsA),
                     " elements but the operand has ", dimA);
  if (product(dimsB) != dimB)
    return rule.fail("shape of the second operand has ", product(dimsB),
                     " elements but the operand has ", dimB);
  if (contA.size() != contB.size())
    return rule.fail("contracts ", contA.size(),
                     " axes of the first operand but ", contB.size(),
                     " of the second");
  llvm::SmallSet<int64_t, 4> seenA, seenB;
  for (auto [a, b] : llvm::zip(contA, contB)) {
    if (a < 0 || a >= (int64_t)dimsA.size() || !seenA.insert(a).second)
      return rule.fail("contraction axis ", a,
                       " of the first operand is invalid or repeated");
    if (b < 0 || b >= (int64_t)dimsB.size() || !seenB.insert(b).second)
      return rule.fail("contraction axis ", b,
                       " of the second operand is invalid or repeated");
    if (dimsA[a] != dimsB[b])
      return rule.fail("contracted axes have different sizes (", dimsA[a],
                       " and ", dimsB[b], ")");
  }
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(dimsA))
    if (!seenA.contains(i))
      shape.push_back(d);
  for (auto [i, d] : llvm::enumerate(dimsB))
    if (!seenB.contains(i))
      shape.push_back(d);
  if (permute) {
    SmallVector<int64_t> sorted(permute->begin(), permute->end());
    llvm::sort(sorted);
    bool isPermutation = sorted.size() == shape.size();
    for (auto [i, p] : llvm::enumerate(sorted))
      isPermutation &= p == (int64_t)i;
    if (!isPermutation)
      return rule.fail("permutation must reorder the ", shape.size(),
                       " kept axes");
  }
  return shape;
}

KRED_DIM_RULE(TensorDotOp) {
  std::optional<ArrayRef<int64_t>> permute;
  if (adaptor.getPermute())
    permute = *adaptor.getPermute();
  FailureOr<SmallVector<int64_t>> shape = getTensorDotShape(
      rule, getFormulaDim(adaptor.getLhs()), getFormulaDim(adaptor.getRhs()),
      adaptor.getDimsA(), adaptor.getDimsB(), adaptor.getContractA(),
      adaptor.getContractB(), permute);
  if (failed(shape))
    return failure();
  return product(*shape);
}

KRED_DIM_RULE(KronOp) {
  ArrayRef<int64_t> dimsA = adaptor.getDimsA(), dimsB = adaptor.getDimsB();
  if (hasNonPositive(dimsA) || hasNonPositive(dimsB))
    return rule.fail("tensor dimensions must be >= 1");
  if (dimsA.size() != dimsB.size())
    return rule.fail("operands must have the same number of axes (",
                     dimsA.size(), " and ", dimsB.size(), ")");
  int64_t da = getFormulaDim(adaptor.getLhs());
  int64_t db = getFormulaDim(adaptor.getRhs());
  if (product(dimsA) != da || product(dimsB) != db)
    return rule.fail("shapes do not match the operand dimensions ", da, " and ",
                     db);
  return da * db;
}

//===----------------------------------------------------------------------===//
// Special functions
//===----------------------------------------------------------------------===//

KRED_DIM_RULE(BSplineOp) {
  int64_t order = adaptor.getOrder();
  int64_t nk = getFormulaDim(adaptor.getKnots());
  if (failed(rule.expectScalar(adaptor.getX(),
                               "is sampled at a scalar, got a value of "
                               "dimension ")))
    return failure();
  if (order < 0)
    return rule.fail("order must be >= 0, got ", order);
  if (nk < order + 2)
    return rule.fail("of order ", order, " needs at least ", order + 2,
                     " knots, got ", nk);
  return nk - 1;
}

KRED_DIM_RULE(SoftDTWSqDistOp) {
  if (failed(rule.expectScalar(adaptor.getGamma(),
                               "gamma must be a scalar, got dimension ")))
    return failure();
  return 1;
}

//===----------------------------------------------------------------------===//
// Derivatives
//===----------------------------------------------------------------------===//

/// The direction of a Grad (Diff) has the dimension of its formula
/// (variable), `what`.
static LogicalResult expectDirectionDim(const DimRule &rule, Value dir,
                                        Value of, StringRef what) {
  if (getFormulaDim(dir) == getFormulaDim(of))
    return success();
  return rule.fail("direction has dimension ", getFormulaDim(dir), " but the ",
                   what, " has dimension ", getFormulaDim(of));
}

KRED_DIM_RULE(GradOp) {
  if (failed(expectDirectionDim(rule, adaptor.getDir(), adaptor.getFormula(),
                                "formula")))
    return failure();
  return getFormulaDim(adaptor.getVar());
}

KRED_DIM_RULE(DiffOp) {
  if (failed(expectDirectionDim(rule, adaptor.getDir(), adaptor.getVar(),
                                "variable")))
    return failure();
  return getFormulaDim(adaptor.getFormula());
}

KRED_DIM_RULE(DivergenceOp) {
  if (getFormulaDim(adaptor.getFormula()) != getFormulaDim(adaptor.getVar()))
    return rule.fail("needs a formula with the variable's dimension, got ",
                     getFormulaDim(adaptor.getFormula()), " and ",
                     getFormulaDim(adaptor.getVar()));
  return 1;
}

KRED_DIM_RULE(LaplacianOp) {
  if (failed(rule.expectScalar(adaptor.getFormula(),
                               "needs a scalar formula, got dimension ")))
    return failure();
  return 1;
}

KRED_DIM_RULE(GradMatrixOp) {
  return getFormulaDim(adaptor.getFormula()) * getFormulaDim(adaptor.getVar());
}

//===----------------------------------------------------------------------===//
// Real helpers of the complex expansion
//===----------------------------------------------------------------------===//

KRED_DIM_RULE(ExtractStridedOp) {
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), len = adaptor.getLength();
  int64_t stride = adaptor.getStride();
  if (len < 1)
    return rule.fail("length must be >= 1, got ", len);
  if (stride < 1)
    return rule.fail("stride must be >= 1, got ", stride);
  // Computed so that huge attributes cannot overflow.
  if (start < 0 || start >= d || (d - 1 - start) / stride < len - 1)
    return rule.fail("of ", len, " components from ", start, " with stride ",
                     stride, " is out of range for a value of dimension ", d);
  return len;
}

KRED_DIM_RULE(InterleaveOp) {
  FailureOr<int64_t> dim = rule.broadcast();
  if (failed(dim))
    return failure();
  return 2 * *dim;
}

//===----------------------------------------------------------------------===//
// Complex ops (interleaved re/im pairs, even dimensions)
//===----------------------------------------------------------------------===//

KRED_SHARED_DIM_RULE(ComplexRealOp, complexToRealDim)
KRED_SHARED_DIM_RULE(ComplexImagOp, complexToRealDim)
KRED_SHARED_DIM_RULE(ComplexAbsOp, complexToRealDim)
KRED_SHARED_DIM_RULE(ComplexSquareAbsOp, complexToRealDim)
KRED_SHARED_DIM_RULE(ComplexAngleOp, complexToRealDim)
KRED_SHARED_DIM_RULE(Real2ComplexOp, realToComplexDim)
KRED_SHARED_DIM_RULE(Imag2ComplexOp, realToComplexDim)
KRED_SHARED_DIM_RULE(ComplexExp1jOp, realToComplexDim)
KRED_SHARED_DIM_RULE(ConjOp, complexSameDim)
KRED_SHARED_DIM_RULE(ComplexExpOp, complexSameDim)
KRED_SHARED_DIM_RULE(ComplexAddOp, complexBroadcastDim)
KRED_SHARED_DIM_RULE(ComplexSubtractOp, complexBroadcastDim)
KRED_SHARED_DIM_RULE(ComplexMultOp, complexBroadcastDim)
KRED_SHARED_DIM_RULE(ComplexDivideOp, complexBroadcastDim)

KRED_DIM_RULE(ComplexSumOp) {
  if (failed(rule.expectComplex("operand", adaptor.getInput())))
    return failure();
  return 2;
}

KRED_DIM_RULE(ComplexSumTOp) {
  if (getFormulaDim(adaptor.getInput()) != 2)
    return rule.fail("expects one complex number (dimension 2), got "
                     "dimension ",
                     getFormulaDim(adaptor.getInput()));
  int64_t dim = adaptor.getDim();
  if (dim < 2 || dim % 2 != 0)
    return rule.fail("result dimension must be even and >= 2, got ", dim);
  return dim;
}

KRED_DIM_RULE(ComplexRealScalOp) {
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  // KeOps accepts the real scalar on either side.
  Value z = getFormulaDim(lhs) == 1 ? rhs : lhs;
  Value s = z == rhs ? lhs : rhs;
  if (getFormulaDim(s) != 1)
    return rule.fail("needs a real scalar operand (dimension 1), got "
                     "dimensions ",
                     getFormulaDim(lhs), " and ", getFormulaDim(rhs));
  if (failed(rule.expectComplex("complex operand", z)))
    return failure();
  return getFormulaDim(z);
}
