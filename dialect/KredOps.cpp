//===- KredOps.cpp - kernelred operations ---------------------------------===//
//
// Part of the kernelred project.
//
// Type inference (KeOps' dimension rules), verifiers, folders and
// canonicalization patterns of the kernelred ops, and the custom syntax of
// kernelred.reduce.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;

#include "dialect/KredDialect.cpp.inc"
#include "dialect/KredEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/KredAttrs.cpp.inc"
#include "dialect/KredInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

void KredDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/KredAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialect/KredOps.cpp.inc"
      >();
}

Operation *KredDialect::materializeConstant(OpBuilder &builder,
                                                 Attribute value, Type type,
                                                 Location loc) {
  auto elements = dyn_cast<DenseFPElementsAttr>(value);
  if (!elements || elements.getType() != type || !isa<VectorType>(type))
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

//===----------------------------------------------------------------------===//
// Reduction-kind facts
//===----------------------------------------------------------------------===//

bool mlir::kernelred::isLogSumExpFamily(ReductionKind kind) {
  switch (kind) {
  case ReductionKind::LogSumExp:
  case ReductionKind::MaxSumShiftExp:
  case ReductionKind::MaxSumShiftExpWeight:
  case ReductionKind::SumSoftMaxWeight:
    return true;
  default:
    return false;
  }
}

bool mlir::kernelred::needsK(ReductionKind kind) {
  return kind == ReductionKind::KMin || kind == ReductionKind::ArgKMin ||
         kind == ReductionKind::KMinArgKMin;
}

std::pair<unsigned, unsigned>
mlir::kernelred::getNumYieldedFormulas(ReductionKind kind) {
  switch (kind) {
  case ReductionKind::LogSumExp:
    return {1, 2};
  case ReductionKind::MaxSumShiftExpWeight:
  case ReductionKind::SumSoftMaxWeight:
    return {2, 2};
  default:
    return {1, 1};
  }
}

//===----------------------------------------------------------------------===//
// Custom directive: a list of operand types printed once when all equal.
//===----------------------------------------------------------------------===//

static ParseResult parseKredTypeList(OpAsmParser &parser,
                                     ArrayRef<Type *> types) {
  SmallVector<Type> parsed;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseTypeList(parsed))
    return failure();
  if (parsed.size() == 1) {
    for (Type *t : types)
      *t = parsed.front();
    return success();
  }
  if (parsed.size() != types.size())
    return parser.emitError(loc, "expected 1 or ")
           << types.size() << " operand types, got " << parsed.size();
  for (auto [t, p] : llvm::zip(types, parsed))
    *t = p;
  return success();
}

static void printKredTypeList(OpAsmPrinter &printer, ArrayRef<Type> types) {
  if (llvm::all_equal(types)) {
    printer << types.front();
    return;
  }
  llvm::interleaveComma(types, printer);
}

static ParseResult parseKredTypes(OpAsmParser &parser, Type &a, Type &b) {
  return parseKredTypeList(parser, {&a, &b});
}
static ParseResult parseKredTypes(OpAsmParser &parser, Type &a, Type &b,
                                  Type &c) {
  return parseKredTypeList(parser, {&a, &b, &c});
}
static void printKredTypes(OpAsmPrinter &printer, Operation *, Type a,
                           Type b) {
  printKredTypeList(printer, {a, b});
}
static void printKredTypes(OpAsmPrinter &printer, Operation *, Type a, Type b,
                           Type c) {
  printKredTypeList(printer, {a, b, c});
}

//===----------------------------------------------------------------------===//
// Type inference helpers (KeOps' dimension rules)
//===----------------------------------------------------------------------===//

namespace {

/// Element type shared by `values`; fails with a diagnostic when they differ.
FailureOr<Type> getCommonElementType(std::optional<Location> loc,
                                     StringRef opName, ValueRange values) {
  Type common;
  for (Value v : values) {
    Type elt = cast<VectorType>(v.getType()).getElementType();
    if (!common) {
      common = elt;
      continue;
    }
    if (elt != common) {
      (void)emitOptionalError(loc, "'", opName,
                              "' operands have different element types (",
                              common, " and ", elt, ")");
      return failure();
    }
  }
  return common;
}

/// Type inference runs while an op is parsed, before the verifier checks
/// the operand types: every inference first checks that its operands are
/// formula values (1-D fixed vectors of f16, bf16, f32 or f64), so that no
/// rule ever sees a scalar, a 0-D, n-D or scalable vector.
LogicalResult checkFormulaOperands(std::optional<Location> loc,
                                   StringRef opName, ValueRange operands) {
  for (auto [i, value] : llvm::enumerate(operands)) {
    auto type = dyn_cast<VectorType>(value.getType());
    if (type && type.getRank() == 1 && !type.isScalable() &&
        type.getDimSize(0) >= 1 &&
        isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
            type.getElementType()))
      continue;
    return emitOptionalError(loc, "'", opName, "' operand #", i,
                             " must be a formula value (vector<D x f16, "
                             "bf16, f32 or f64>), got ",
                             value.getType());
  }
  return success();
}

/// Starts every inferReturnTypes (see checkFormulaOperands).
#define KRED_CHECK_FORMULA_OPERANDS()                                          \
  do {                                                                         \
    if (failed(checkFormulaOperands(loc, getOperationName(),                   \
                                    adaptor.getOperands())))                   \
      return failure();                                                        \
  } while (false)

/// KeOps' broadcasting rule: equal dimensions, or dimension 1 against any.
FailureOr<int64_t> broadcastDims(std::optional<Location> loc, StringRef opName,
                                 ValueRange values) {
  int64_t result = 1;
  for (Value v : values) {
    int64_t d = getFormulaDim(v);
    if (d == 1 || d == result) {
      continue;
    }
    if (result == 1) {
      result = d;
      continue;
    }
    SmallVector<std::string> dims;
    for (Value w : values)
      dims.push_back(std::to_string(getFormulaDim(w)));
    (void)emitOptionalError(loc, "'", opName, "' operands of dimensions ",
                            llvm::join(dims, ", "),
                            " do not broadcast (dimensions must be equal or 1)");
    return failure();
  }
  return result;
}

/// Pushes vector<dim x elt> with elt the common element type of `operands`.
LogicalResult inferWithDim(std::optional<Location> loc, StringRef opName,
                           ValueRange operands, int64_t dim,
                           SmallVectorImpl<Type> &types) {
  FailureOr<Type> elt = getCommonElementType(loc, opName, operands);
  if (failed(elt))
    return failure();
  if (dim < 1)
    return emitOptionalError(loc, "'", opName,
                             "' would produce a value of dimension ", dim);
  types.push_back(getFormulaType(*elt, dim));
  return success();
}

LogicalResult inferBroadcast(std::optional<Location> loc, StringRef opName,
                             ValueRange operands,
                             SmallVectorImpl<Type> &types) {
  FailureOr<int64_t> dim = broadcastDims(loc, opName, operands);
  if (failed(dim))
    return failure();
  return inferWithDim(loc, opName, operands, *dim, types);
}

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

} // namespace

// Ops whose result has the operand's type.
#define KRED_INFER_SAME(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    types.push_back(adaptor.getInput().getType());                             \
    return success();                                                          \
  }
KRED_INFER_SAME(NegOp)
KRED_INFER_SAME(InvOp)
KRED_INFER_SAME(SquareOp)
KRED_INFER_SAME(SqrtOp)
KRED_INFER_SAME(RsqrtOp)
KRED_INFER_SAME(ExpOp)
KRED_INFER_SAME(LogOp)
KRED_INFER_SAME(XLogXOp)
KRED_INFER_SAME(SinOp)
KRED_INFER_SAME(CosOp)
KRED_INFER_SAME(SinXDivXOp)
KRED_INFER_SAME(AsinOp)
KRED_INFER_SAME(AcosOp)
KRED_INFER_SAME(AtanOp)
KRED_INFER_SAME(AbsOp)
KRED_INFER_SAME(SignOp)
KRED_INFER_SAME(StepOp)
KRED_INFER_SAME(ReLUOp)
KRED_INFER_SAME(FloorOp)
KRED_INFER_SAME(NormalizeOp)
KRED_INFER_SAME(PowOp)
KRED_INFER_SAME(RoundOp)
#undef KRED_INFER_SAME

LogicalResult ClampIntOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (adaptor.getLo() > adaptor.getHi())
    return emitOptionalError(loc, "'kernelred.clampint' lower bound ",
                             adaptor.getLo(), " exceeds upper bound ",
                             adaptor.getHi());
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult DiffClampIntOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (adaptor.getLo() > adaptor.getHi())
    return emitOptionalError(loc, "'kernelred.diffclampint' lower bound ",
                             adaptor.getLo(), " exceeds upper bound ",
                             adaptor.getHi());
  types.push_back(adaptor.getInput().getType());
  return success();
}

// Ops producing dimension 1.
#define KRED_INFER_SCALAR(OP)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,     \
                        types);                                                \
  }
KRED_INFER_SCALAR(SumOp)
KRED_INFER_SCALAR(MaxOp)
KRED_INFER_SCALAR(MinOp)
KRED_INFER_SCALAR(ArgMaxOp)
KRED_INFER_SCALAR(ArgMinOp)
KRED_INFER_SCALAR(SqNorm2Op)
KRED_INFER_SCALAR(Norm2Op)
#undef KRED_INFER_SCALAR

// Elementwise ops with dim-1 broadcasting.
#define KRED_INFER_BROADCAST(OP)                                               \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    return inferBroadcast(loc, getOperationName(), adaptor.getOperands(),      \
                          types);                                              \
  }
KRED_INFER_BROADCAST(AddOp)
KRED_INFER_BROADCAST(SubOp)
KRED_INFER_BROADCAST(MulOp)
KRED_INFER_BROADCAST(DivOp)
KRED_INFER_BROADCAST(PowfOp)
KRED_INFER_BROADCAST(Atan2Op)
KRED_INFER_BROADCAST(EqualOp)
KRED_INFER_BROADCAST(NotEqualOp)
KRED_INFER_BROADCAST(LessThanOp)
KRED_INFER_BROADCAST(LessOrEqualOp)
KRED_INFER_BROADCAST(IfElseOp)
KRED_INFER_BROADCAST(ClampOp)
KRED_INFER_BROADCAST(ModOp)
#undef KRED_INFER_BROADCAST

LogicalResult SumTOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getInput()) != 1)
    return emitOptionalError(loc, "'kernelred.sumt' expects a scalar operand "
                                  "(dimension 1), got dimension ",
                             getFormulaDim(adaptor.getInput()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      adaptor.getDim(), types);
}

LogicalResult ElemOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t m = adaptor.getIndex();
  if (m < 0 || m >= d)
    return emitOptionalError(loc, "'kernelred.elem' index ", m,
                             " is out of range for a value of dimension ", d);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult ElemTOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getInput()) != 1)
    return emitOptionalError(loc, "'kernelred.elemt' expects a scalar operand "
                                  "(dimension 1), got dimension ",
                             getFormulaDim(adaptor.getInput()));
  int64_t n = adaptor.getDim(), m = adaptor.getIndex();
  if (m < 0 || m >= n)
    return emitOptionalError(loc, "'kernelred.elemt' index ", m,
                             " is out of range for dimension ", n);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), n,
                      types);
}

LogicalResult ExtractOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), len = adaptor.getLength();
  if (len < 1)
    return emitOptionalError(loc, "'kernelred.extract' length must be >= 1, "
                                  "got ",
                             len);
  if (start < 0 || start + len > d)
    return emitOptionalError(loc, "'kernelred.extract' range [", start, ", ",
                             start + len,
                             ") is out of range for a value of dimension ", d);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), len,
                      types);
}

LogicalResult ExtractTOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), n = adaptor.getDim();
  if (start < 0 || start + d > n)
    return emitOptionalError(loc, "'kernelred.extractt' cannot place a value "
                                  "of dimension ",
                             d, " at ", start, " in dimension ", n);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), n,
                      types);
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getInput()) != 1)
    return emitOptionalError(loc, "'kernelred.onehot' expects a scalar "
                                  "operand (dimension 1), got dimension ",
                             getFormulaDim(adaptor.getInput()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      adaptor.getDim(), types);
}

LogicalResult ScalProdOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (failed(broadcastDims(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult SqDistOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (failed(broadcastDims(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(adaptor.getLhs()) +
                          getFormulaDim(adaptor.getRhs()),
                      types);
}

LogicalResult MatVecMultOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t da = getFormulaDim(adaptor.getLhs());
  int64_t db = getFormulaDim(adaptor.getRhs());
  if (da % db != 0)
    return emitOptionalError(loc, "'kernelred.matvecmult' matrix dimension ",
                             da, " is not a multiple of the vector dimension ",
                             db);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), da / db,
                      types);
}

LogicalResult VecMatMultOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t db = getFormulaDim(adaptor.getLhs());
  int64_t da = getFormulaDim(adaptor.getRhs());
  if (da % db != 0)
    return emitOptionalError(loc, "'kernelred.vecmatmult' matrix dimension ",
                             da, " is not a multiple of the vector dimension ",
                             db);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), da / db,
                      types);
}

LogicalResult TensorProdOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(adaptor.getLhs()) *
                          getFormulaDim(adaptor.getRhs()),
                      types);
}

static LogicalResult checkWeightDim(std::optional<Location> loc,
                                    StringRef opName, int64_t ds, int64_t d) {
  if (ds == 1 || ds == d || ds == d * d)
    return success();
  return emitOptionalError(loc, "'", opName, "' weight of dimension ", ds,
                           " must have dimension 1, ", d, " or ", d * d,
                           " for vectors of dimension ", d);
}

LogicalResult WeightedSqNormOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (failed(checkWeightDim(loc, getOperationName(),
                            getFormulaDim(adaptor.getLhs()),
                            getFormulaDim(adaptor.getRhs()))))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult WeightedSqDistOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  FailureOr<int64_t> d =
      broadcastDims(loc, getOperationName(),
                    ValueRange{adaptor.getLhs(), adaptor.getRhs()});
  if (failed(d) ||
      failed(checkWeightDim(loc, getOperationName(),
                            getFormulaDim(adaptor.getWeight()), *d)))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

/// Shape of the tensordot result before the permutation, or failure.
static FailureOr<SmallVector<int64_t>>
getTensorDotShape(std::optional<Location> loc, int64_t dimA, int64_t dimB,
                  ArrayRef<int64_t> dimsA, ArrayRef<int64_t> dimsB,
                  ArrayRef<int64_t> contA, ArrayRef<int64_t> contB,
                  std::optional<ArrayRef<int64_t>> permute) {
  auto fail = [&](const Twine &msg) -> FailureOr<SmallVector<int64_t>> {
    (void)emitOptionalError(loc, "'kernelred.tensordot' ", msg);
    return failure();
  };
  if (llvm::any_of(dimsA, [](int64_t d) { return d < 1; }) ||
      llvm::any_of(dimsB, [](int64_t d) { return d < 1; }))
    return fail("tensor dimensions must be >= 1");
  if (product(dimsA) != dimA)
    return fail("shape of the first operand has " +
                Twine(product(dimsA)) + " elements but the operand has " +
                Twine(dimA));
  if (product(dimsB) != dimB)
    return fail("shape of the second operand has " +
                Twine(product(dimsB)) + " elements but the operand has " +
                Twine(dimB));
  if (contA.size() != contB.size())
    return fail("contracts " + Twine(contA.size()) + " axes of the first "
                "operand but " + Twine(contB.size()) + " of the second");
  llvm::SmallSet<int64_t, 4> seenA, seenB;
  for (auto [a, b] : llvm::zip(contA, contB)) {
    if (a < 0 || a >= (int64_t)dimsA.size() || !seenA.insert(a).second)
      return fail("contraction axis " + Twine(a) +
                  " of the first operand is invalid or repeated");
    if (b < 0 || b >= (int64_t)dimsB.size() || !seenB.insert(b).second)
      return fail("contraction axis " + Twine(b) +
                  " of the second operand is invalid or repeated");
    if (dimsA[a] != dimsB[b])
      return fail("contracted axes have different sizes (" +
                  Twine(dimsA[a]) + " and " + Twine(dimsB[b]) + ")");
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
      return fail("permutation must reorder the " + Twine(shape.size()) +
                  " kept axes");
  }
  return shape;
}

LogicalResult TensorDotOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  std::optional<ArrayRef<int64_t>> permute;
  if (adaptor.getPermute())
    permute = *adaptor.getPermute();
  FailureOr<SmallVector<int64_t>> shape = getTensorDotShape(
      loc, getFormulaDim(adaptor.getLhs()), getFormulaDim(adaptor.getRhs()),
      adaptor.getDimsA(), adaptor.getDimsB(), adaptor.getContractA(),
      adaptor.getContractB(), permute);
  if (failed(shape))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      product(*shape), types);
}

LogicalResult KronOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  ArrayRef<int64_t> dimsA = adaptor.getDimsA(), dimsB = adaptor.getDimsB();
  if (llvm::any_of(dimsA, [](int64_t d) { return d < 1; }) ||
      llvm::any_of(dimsB, [](int64_t d) { return d < 1; }))
    return emitOptionalError(loc, "'kernelred.kron' tensor dimensions must "
                                  "be >= 1");
  if (dimsA.size() != dimsB.size())
    return emitOptionalError(loc, "'kernelred.kron' operands must have the "
                                  "same number of axes (",
                             dimsA.size(), " and ", dimsB.size(), ")");
  int64_t da = getFormulaDim(adaptor.getLhs());
  int64_t db = getFormulaDim(adaptor.getRhs());
  if (product(dimsA) != da || product(dimsB) != db)
    return emitOptionalError(loc, "'kernelred.kron' shapes do not match the "
                                  "operand dimensions ",
                             da, " and ", db);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), da * db,
                      types);
}

LogicalResult BSplineOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t order = adaptor.getOrder();
  int64_t nk = getFormulaDim(adaptor.getKnots());
  if (getFormulaDim(adaptor.getX()) != 1)
    return emitOptionalError(loc, "'kernelred.bspline' is sampled at a "
                                  "scalar, got a value of dimension ",
                             getFormulaDim(adaptor.getX()));
  if (order < 0)
    return emitOptionalError(loc, "'kernelred.bspline' order must be >= 0, "
                                  "got ",
                             order);
  if (nk < order + 2)
    return emitOptionalError(loc, "'kernelred.bspline' of order ", order,
                             " needs at least ", order + 2, " knots, got ",
                             nk);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), nk - 1,
                      types);
}

LogicalResult SoftDTWSqDistOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getGamma()) != 1)
    return emitOptionalError(loc, "'kernelred.softdtw_sqdist' gamma must be "
                                  "a scalar, got dimension ",
                             getFormulaDim(adaptor.getGamma()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult GradOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getDir()) != getFormulaDim(adaptor.getFormula()))
    return emitOptionalError(
        loc, "'kernelred.grad' direction has dimension ",
        getFormulaDim(adaptor.getDir()), " but the formula has dimension ",
        getFormulaDim(adaptor.getFormula()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(adaptor.getVar()), types);
}

LogicalResult DiffOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getDir()) != getFormulaDim(adaptor.getVar()))
    return emitOptionalError(
        loc, "'kernelred.diff' direction has dimension ",
        getFormulaDim(adaptor.getDir()), " but the variable has dimension ",
        getFormulaDim(adaptor.getVar()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(adaptor.getFormula()), types);
}

LogicalResult DivergenceOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getFormula()) != getFormulaDim(adaptor.getVar()))
    return emitOptionalError(
        loc, "'kernelred.divergence' needs a formula with the variable's "
             "dimension, got ",
        getFormulaDim(adaptor.getFormula()), " and ",
        getFormulaDim(adaptor.getVar()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult LaplacianOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getFormula()) != 1)
    return emitOptionalError(loc, "'kernelred.laplacian' needs a scalar "
                                  "formula, got dimension ",
                             getFormulaDim(adaptor.getFormula()));
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 1,
                      types);
}

LogicalResult GradMatrixOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(adaptor.getFormula()) *
                          getFormulaDim(adaptor.getVar()),
                      types);
}

//===----------------------------------------------------------------------===//
// Type inference: real helpers of the complex expansion
//===----------------------------------------------------------------------===//

LogicalResult ExtractStridedOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  int64_t d = getFormulaDim(adaptor.getInput());
  int64_t start = adaptor.getStart(), len = adaptor.getLength();
  int64_t stride = adaptor.getStride();
  if (len < 1)
    return emitOptionalError(loc, "'kernelred.extract_strided' length must "
                                  "be >= 1, got ",
                             len);
  if (stride < 1)
    return emitOptionalError(loc, "'kernelred.extract_strided' stride must "
                                  "be >= 1, got ",
                             stride);
  // Computed so that huge attributes cannot overflow.
  if (start < 0 || start >= d || (d - 1 - start) / stride < len - 1)
    return emitOptionalError(loc, "'kernelred.extract_strided' of ", len,
                             " components from ", start, " with stride ",
                             stride,
                             " is out of range for a value of dimension ", d);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), len,
                      types);
}

LogicalResult InterleaveOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  FailureOr<int64_t> dim =
      broadcastDims(loc, getOperationName(), adaptor.getOperands());
  if (failed(dim))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      2 * *dim, types);
}

//===----------------------------------------------------------------------===//
// Type inference: complex ops (interleaved re/im pairs, even dimensions)
//===----------------------------------------------------------------------===//

/// Fails unless `value` is a complex vector (even dimension).
static LogicalResult checkComplex(std::optional<Location> loc,
                                  StringRef opName, StringRef what,
                                  Value value) {
  int64_t d = getFormulaDim(value);
  if (d % 2 == 0)
    return success();
  return emitOptionalError(loc, "'", opName, "' ", what,
                           " must be a complex vector of interleaved (re, im) "
                           "pairs (even dimension), got dimension ",
                           d);
}

#define KRED_INFER_COMPLEX_TO_REAL(OP)                                         \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    if (failed(checkComplex(loc, getOperationName(), "operand",                \
                            adaptor.getInput())))                              \
      return failure();                                                        \
    return inferWithDim(loc, getOperationName(), adaptor.getOperands(),        \
                        getFormulaDim(adaptor.getInput()) / 2, types);         \
  }
KRED_INFER_COMPLEX_TO_REAL(ComplexRealOp)
KRED_INFER_COMPLEX_TO_REAL(ComplexImagOp)
KRED_INFER_COMPLEX_TO_REAL(ComplexAbsOp)
KRED_INFER_COMPLEX_TO_REAL(ComplexSquareAbsOp)
KRED_INFER_COMPLEX_TO_REAL(ComplexAngleOp)
#undef KRED_INFER_COMPLEX_TO_REAL

#define KRED_INFER_REAL_TO_COMPLEX(OP)                                         \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    return inferWithDim(loc, getOperationName(), adaptor.getOperands(),        \
                        2 * getFormulaDim(adaptor.getInput()), types);         \
  }
KRED_INFER_REAL_TO_COMPLEX(Real2ComplexOp)
KRED_INFER_REAL_TO_COMPLEX(Imag2ComplexOp)
KRED_INFER_REAL_TO_COMPLEX(ComplexExp1jOp)
#undef KRED_INFER_REAL_TO_COMPLEX

#define KRED_INFER_COMPLEX_UNARY(OP)                                           \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    if (failed(checkComplex(loc, getOperationName(), "operand",                \
                            adaptor.getInput())))                              \
      return failure();                                                        \
    types.push_back(adaptor.getInput().getType());                             \
    return success();                                                          \
  }
KRED_INFER_COMPLEX_UNARY(ConjOp)
KRED_INFER_COMPLEX_UNARY(ComplexExpOp)
#undef KRED_INFER_COMPLEX_UNARY

LogicalResult ComplexSumOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (failed(checkComplex(loc, getOperationName(), "operand",
                          adaptor.getInput())))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), 2,
                      types);
}

LogicalResult ComplexSumTOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  if (getFormulaDim(adaptor.getInput()) != 2)
    return emitOptionalError(loc, "'kernelred.complexsumt' expects one "
                                  "complex number (dimension 2), got "
                                  "dimension ",
                             getFormulaDim(adaptor.getInput()));
  int64_t dim = adaptor.getDim();
  if (dim < 2 || dim % 2 != 0)
    return emitOptionalError(loc, "'kernelred.complexsumt' result dimension "
                                  "must be even and >= 2, got ",
                             dim);
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(), dim,
                      types);
}

/// KeOps' complex broadcasting rule: both operands complex, with equal
/// dimensions or one of them a single complex number (dimension 2).
static LogicalResult inferComplexBroadcast(std::optional<Location> loc,
                                           StringRef opName, Value lhs,
                                           Value rhs,
                                           SmallVectorImpl<Type> &types) {
  if (failed(checkComplex(loc, opName, "first operand", lhs)) ||
      failed(checkComplex(loc, opName, "second operand", rhs)))
    return failure();
  int64_t a = getFormulaDim(lhs), b = getFormulaDim(rhs);
  if (a != b && a != 2 && b != 2)
    return emitOptionalError(loc, "'", opName, "' operands of dimensions ", a,
                             " and ", b,
                             " do not broadcast (dimensions must be equal or "
                             "2, one complex number)");
  return inferWithDim(loc, opName, ValueRange{lhs, rhs}, std::max(a, b),
                      types);
}

#define KRED_INFER_COMPLEX_BINARY(OP)                                          \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    KRED_CHECK_FORMULA_OPERANDS();                                             \
    return inferComplexBroadcast(loc, getOperationName(), adaptor.getLhs(),    \
                                 adaptor.getRhs(), types);                     \
  }
KRED_INFER_COMPLEX_BINARY(ComplexAddOp)
KRED_INFER_COMPLEX_BINARY(ComplexSubtractOp)
KRED_INFER_COMPLEX_BINARY(ComplexMultOp)
KRED_INFER_COMPLEX_BINARY(ComplexDivideOp)
#undef KRED_INFER_COMPLEX_BINARY

LogicalResult ComplexRealScalOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  KRED_CHECK_FORMULA_OPERANDS();
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  // KeOps accepts the real scalar on either side.
  Value z = getFormulaDim(lhs) == 1 ? rhs : lhs;
  Value s = z == rhs ? lhs : rhs;
  if (getFormulaDim(s) != 1)
    return emitOptionalError(loc, "'kernelred.complexrealscal' needs a real "
                                  "scalar operand (dimension 1), got "
                                  "dimensions ",
                             getFormulaDim(lhs), " and ", getFormulaDim(rhs));
  if (failed(checkComplex(loc, getOperationName(), "complex operand", z)))
    return failure();
  return inferWithDim(loc, getOperationName(), adaptor.getOperands(),
                      getFormulaDim(z), types);
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult IntCstOp::verify() {
  if (getFormulaDim(getType()) != 1)
    return emitOpError("result must have dimension 1, got ")
           << getFormulaDim(getType());
  return success();
}

LogicalResult RatCstOp::verify() {
  if (getDen() == 0)
    return emitOpError("denominator must not be zero");
  if (getFormulaDim(getType()) != 1)
    return emitOpError("result must have dimension 1, got ")
           << getFormulaDim(getType());
  return success();
}

/// `var` must be a variable (block argument) of the enclosing reduce op.
static LogicalResult verifyIsVariable(Operation *op, Value var) {
  auto arg = dyn_cast<BlockArgument>(var);
  if (!arg || !isa_and_nonnull<ReduceOp>(arg.getOwner()->getParentOp()))
    return op->emitOpError("differentiates with respect to a value that is "
                           "not a variable of the enclosing kernelred.reduce");
  return success();
}

LogicalResult GradOp::verify() { return verifyIsVariable(*this, getVar()); }
LogicalResult DiffOp::verify() { return verifyIsVariable(*this, getVar()); }
LogicalResult DivergenceOp::verify() {
  return verifyIsVariable(*this, getVar());
}
LogicalResult LaplacianOp::verify() {
  return verifyIsVariable(*this, getVar());
}
LogicalResult GradMatrixOp::verify() {
  return verifyIsVariable(*this, getVar());
}

//===----------------------------------------------------------------------===//
// Constant folding helpers
//===----------------------------------------------------------------------===//

namespace {

/// The values of a float constant attribute as doubles.
std::optional<SmallVector<double>> getConstValues(Attribute attr) {
  auto elements = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  SmallVector<double> out;
  for (APFloat v : elements.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v.convertToDouble());
  }
  return out;
}

/// True when `attr` is a float constant whose components all equal `value`.
bool isConstSplat(Attribute attr, double value) {
  auto vals = getConstValues(attr);
  return vals && llvm::all_of(*vals, [&](double v) { return v == value; });
}

/// A float constant of `type` (vector<D x T>) holding `values` (or one value
/// broadcast to D).
DenseFPElementsAttr makeConst(Type type, ArrayRef<double> values) {
  auto vt = cast<VectorType>(type);
  auto elt = cast<FloatType>(vt.getElementType());
  SmallVector<APFloat> out;
  for (int64_t d = 0, e = vt.getDimSize(0); d < e; ++d) {
    APFloat v(values.size() == 1 ? values[0] : values[d]);
    bool lost;
    v.convert(elt.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(v);
  }
  return cast<DenseFPElementsAttr>(DenseElementsAttr::get(vt, out));
}

/// Folds a componentwise op with dim-1 broadcasting.
Attribute foldComponentwise(Type resultType, ArrayRef<Attribute> operands,
                            function_ref<double(ArrayRef<double>)> fn) {
  SmallVector<SmallVector<double>> ins;
  for (Attribute a : operands) {
    auto v = getConstValues(a);
    if (!v)
      return {};
    ins.push_back(std::move(*v));
  }
  int64_t dim = getFormulaDim(resultType);
  SmallVector<double> out(dim), args(ins.size());
  for (int64_t d = 0; d < dim; ++d) {
    for (auto [k, in] : llvm::enumerate(ins))
      args[k] = in.size() == 1 ? in[0] : in[d];
    out[d] = fn(args);
  }
  return makeConst(resultType, out);
}

/// Folds an op of the values of one constant into a new constant.
Attribute foldVector(Type resultType, Attribute operand,
                     function_ref<SmallVector<double>(ArrayRef<double>)> fn) {
  auto v = getConstValues(operand);
  if (!v)
    return {};
  return makeConst(resultType, fn(*v));
}

/// The branch an IfElse takes for every component when its condition is a
/// constant that is >= 0 everywhere (`a`) or nowhere (`b`); null otherwise.
Value chooseIfElseBranch(IfElseOp op, Attribute cond) {
  auto vals = getConstValues(cond);
  if (!vals)
    return {};
  if (llvm::all_of(*vals, [](double c) { return c >= 0; }))
    return op.getA();
  if (llvm::none_of(*vals, [](double c) { return c >= 0; }))
    return op.getB();
  return {};
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

double keopsRsqrt(double x) { return x == 0 ? 0 : 1 / std::sqrt(x); }
double keopsSign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }
double keopsRound(double x, int64_t d) {
  double s = std::pow(10.0, (double)d);
  return std::round(x * s) / s;
}

} // namespace

//===----------------------------------------------------------------------===//
// Folders: constants
//===----------------------------------------------------------------------===//

OpFoldResult IntCstOp::fold(FoldAdaptor) {
  return makeConst(getType(), {(double)getValue()});
}
OpFoldResult RatCstOp::fold(FoldAdaptor) {
  if (getDen() == 0)
    return {};
  return makeConst(getType(), {(double)getNum() / (double)getDen()});
}
OpFoldResult ZeroOp::fold(FoldAdaptor) { return makeConst(getType(), {0.0}); }
OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Folders: componentwise unary ops
//===----------------------------------------------------------------------===//

#define KRED_FOLD_UNARY(OP, EXPR)                                              \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldComponentwise(getType(), {adaptor.getInput()},                  \
                             [&](ArrayRef<double> a) -> double {               \
                               double x = a[0];                                \
                               (void)x;                                        \
                               return EXPR;                                    \
                             });                                               \
  }
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
KRED_FOLD_UNARY(ClampIntOp,
                x < getLo() ? (double)getLo()
                            : (x > getHi() ? (double)getHi() : x))
KRED_FOLD_UNARY(DiffClampIntOp, (x < getLo() || x > getHi()) ? 0.0 : 1.0)
#undef KRED_FOLD_UNARY

// Idempotent componentwise ops: f(f(x)) = f(x).
#define KRED_FOLD_IDEMPOTENT(OP, EXPR)                                         \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    if (getInput().getDefiningOp<OP>())                                        \
      return getInput();                                                       \
    return foldComponentwise(getType(), {adaptor.getInput()},                  \
                             [&](ArrayRef<double> a) -> double {               \
                               double x = a[0];                                \
                               return EXPR;                                    \
                             });                                               \
  }
KRED_FOLD_IDEMPOTENT(AbsOp, std::fabs(x))
KRED_FOLD_IDEMPOTENT(SignOp, keopsSign(x))
KRED_FOLD_IDEMPOTENT(ReLUOp, x < 0 ? 0.0 : x)
KRED_FOLD_IDEMPOTENT(FloorOp, std::floor(x))
#undef KRED_FOLD_IDEMPOTENT

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  return foldComponentwise(getType(), {adaptor.getInput()},
                           [](ArrayRef<double> a) { return -a[0]; });
}

OpFoldResult InvOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<InvOp>())
    return inner.getInput();
  return foldComponentwise(getType(), {adaptor.getInput()},
                           [](ArrayRef<double> a) { return 1 / a[0]; });
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (getExponent() == 1)
    return getInput();
  if (getExponent() == 0)
    return makeConst(getType(), {1.0});
  return foldComponentwise(getType(), {adaptor.getInput()},
                           [&](ArrayRef<double> a) {
                             return std::pow(a[0], (double)getExponent());
                           });
}

//===----------------------------------------------------------------------===//
// Folders: vector ops
//===----------------------------------------------------------------------===//

OpFoldResult SumOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{std::accumulate(v.begin(), v.end(), 0.0)};
  });
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{*llvm::max_element(v)};
  });
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{*llvm::min_element(v)};
  });
}

OpFoldResult ArgMaxOp::fold(FoldAdaptor adaptor) {
  if (getFormulaDim(getInput()) == 1)
    return makeConst(getType(), {0.0});
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{(double)(llvm::max_element(v) - v.begin())};
  });
}

OpFoldResult ArgMinOp::fold(FoldAdaptor adaptor) {
  if (getFormulaDim(getInput()) == 1)
    return makeConst(getType(), {0.0});
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{(double)(llvm::min_element(v) - v.begin())};
  });
}

OpFoldResult SqNorm2Op::fold(FoldAdaptor adaptor) {
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    double s = 0;
    for (double x : v)
      s += x * x;
    return SmallVector<double>{s};
  });
}

OpFoldResult Norm2Op::fold(FoldAdaptor adaptor) {
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    double s = 0;
    for (double x : v)
      s += x * x;
    return SmallVector<double>{std::sqrt(s)};
  });
}

OpFoldResult SumTOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    return SmallVector<double>{v[0]};
  });
}

OpFoldResult ElemOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    return SmallVector<double>{v[getIndex()]};
  });
}

OpFoldResult ElemTOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    SmallVector<double> out(getDim(), 0.0);
    out[getIndex()] = v[0];
    return out;
  });
}

OpFoldResult ExtractOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    return SmallVector<double>(v.slice(getStart(), getLength()));
  });
}

OpFoldResult ExtractTOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    SmallVector<double> out(getDim(), 0.0);
    for (auto [i, x] : llvm::enumerate(v))
      out[getStart() + i] = x;
    return out;
  });
}

OpFoldResult OneHotOp::fold(FoldAdaptor adaptor) {
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    SmallVector<double> out(getDim(), 0.0);
    double r = std::round(v[0]);
    if (r >= 0 && r < (double)getDim())
      out[(int64_t)r] = 1.0;
    return out;
  });
}

OpFoldResult ScalProdOp::fold(FoldAdaptor adaptor) {
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  size_t n = std::max(a->size(), b->size());
  double s = 0;
  for (size_t i = 0; i < n; ++i)
    s += (*a)[a->size() == 1 ? 0 : i] * (*b)[b->size() == 1 ? 0 : i];
  return makeConst(getType(), {s});
}

OpFoldResult NormalizeOp::fold(FoldAdaptor adaptor) {
  return foldVector(getType(), adaptor.getInput(), [](ArrayRef<double> v) {
    double s = 0;
    for (double x : v)
      s += x * x;
    // Rsqrt(SqNorm2(x)) * x, with KeOps' Rsqrt(0) = 0.
    double r = keopsRsqrt(s);
    SmallVector<double> out;
    for (double x : v)
      out.push_back(r * x);
    return out;
  });
}

OpFoldResult SqDistOp::fold(FoldAdaptor adaptor) {
  // KeOps: SqDist(f, f) = SqNorm2(f - f) = SqNorm2(Zero) = 0.
  if (getLhs() == getRhs())
    return makeConst(getType(), {0.0});
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  size_t n = std::max(a->size(), b->size());
  double s = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = (*a)[a->size() == 1 ? 0 : i] - (*b)[b->size() == 1 ? 0 : i];
    s += d * d;
  }
  return makeConst(getType(), {s});
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  SmallVector<double> out(*a);
  out.append(b->begin(), b->end());
  return makeConst(getType(), out);
}

OpFoldResult MatVecMultOp::fold(FoldAdaptor adaptor) {
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  int64_t p = b->size(), n = a->size() / p;
  SmallVector<double> out(n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < p; ++k)
      out[i] += (*a)[i * p + k] * (*b)[k];
  return makeConst(getType(), out);
}

OpFoldResult VecMatMultOp::fold(FoldAdaptor adaptor) {
  auto b = getConstValues(adaptor.getLhs());
  auto a = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  int64_t n = b->size(), p = a->size() / n;
  SmallVector<double> out(p, 0.0);
  for (int64_t i = 0; i < p; ++i)
    for (int64_t k = 0; k < n; ++k)
      out[i] += (*b)[k] * (*a)[k * p + i];
  return makeConst(getType(), out);
}

OpFoldResult TensorProdOp::fold(FoldAdaptor adaptor) {
  auto f = getConstValues(adaptor.getLhs());
  auto g = getConstValues(adaptor.getRhs());
  if (!f || !g)
    return {};
  SmallVector<double> out;
  for (double x : *f)
    for (double y : *g)
      out.push_back(x * y);
  return makeConst(getType(), out);
}

/// WeightedSqNorm(s, f) by the dimension of s: 1 (isotropic), dim(f)
/// (diagonal) or dim(f)^2 (full, row-major).
static double weightedSqNorm(ArrayRef<double> s, ArrayRef<double> f) {
  size_t d = f.size();
  double r = 0;
  if (s.size() == 1) {
    for (double x : f)
      r += x * x;
    return s[0] * r;
  }
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

OpFoldResult WeightedSqNormOp::fold(FoldAdaptor adaptor) {
  auto s = getConstValues(adaptor.getLhs());
  auto f = getConstValues(adaptor.getRhs());
  if (!s || !f)
    return {};
  return makeConst(getType(), {weightedSqNorm(*s, *f)});
}

OpFoldResult WeightedSqDistOp::fold(FoldAdaptor adaptor) {
  auto s = getConstValues(adaptor.getWeight());
  auto f = getConstValues(adaptor.getLhs());
  auto g = getConstValues(adaptor.getRhs());
  if (!s || !f || !g)
    return {};
  size_t n = std::max(f->size(), g->size());
  SmallVector<double> diff(n);
  for (size_t i = 0; i < n; ++i)
    diff[i] = (*f)[f->size() == 1 ? 0 : i] - (*g)[g->size() == 1 ? 0 : i];
  return makeConst(getType(), {weightedSqNorm(*s, diff)});
}

OpFoldResult TensorDotOp::fold(FoldAdaptor adaptor) {
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
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
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, kept.size()));
  if (auto permute = getPermute())
    perm.assign(permute->begin(), permute->end());
  SmallVector<int64_t> outDims(kept.size());
  for (auto [q, axis] : llvm::enumerate(kept))
    outDims[perm[q]] = (axis.first == 0 ? dimsA : dimsB)[axis.second];
  SmallVector<int64_t> outStrides = getStrides(outDims);
  SmallVector<double> out(getFormulaDim(getType()), 0.0);
  for (int64_t i = 0, ea = a->size(); i < ea; ++i) {
    SmallVector<int64_t> ia = delinearize(i, dimsA);
    for (int64_t j = 0, eb = b->size(); j < eb; ++j) {
      SmallVector<int64_t> ib = delinearize(j, dimsB);
      if (llvm::any_of(llvm::zip(contA, contB), [&](auto pair) {
            return ia[std::get<0>(pair)] != ib[std::get<1>(pair)];
          }))
        continue;
      int64_t o = 0;
      for (auto [q, axis] : llvm::enumerate(kept))
        o += (axis.first == 0 ? ia : ib)[axis.second] * outStrides[perm[q]];
      out[o] += (*a)[i] * (*b)[j];
    }
  }
  return makeConst(getType(), out);
}

OpFoldResult KronOp::fold(FoldAdaptor adaptor) {
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  ArrayRef<int64_t> dimsA = getDimsA(), dimsB = getDimsB();
  SmallVector<int64_t> outDims;
  for (auto [da, db] : llvm::zip(dimsA, dimsB))
    outDims.push_back(da * db);
  SmallVector<int64_t> outStrides = getStrides(outDims);
  SmallVector<double> out(getFormulaDim(getType()), 0.0);
  for (int64_t i = 0, ea = a->size(); i < ea; ++i) {
    SmallVector<int64_t> ia = delinearize(i, dimsA);
    for (int64_t j = 0, eb = b->size(); j < eb; ++j) {
      SmallVector<int64_t> ib = delinearize(j, dimsB);
      int64_t o = 0;
      for (size_t k = 0; k < dimsA.size(); ++k)
        o += (ia[k] * dimsB[k] + ib[k]) * outStrides[k];
      out[o] = (*a)[i] * (*b)[j];
    }
  }
  return makeConst(getType(), out);
}

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
  return foldVector(getType(), adaptor.getInput(), [&](ArrayRef<double> v) {
    SmallVector<double> out;
    for (int64_t k = 0; k < getLength(); ++k)
      out.push_back(v[getStart() + k * getStride()]);
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
  auto a = getConstValues(adaptor.getLhs());
  auto b = getConstValues(adaptor.getRhs());
  if (!a || !b)
    return {};
  int64_t n = getFormulaDim(getType()) / 2;
  SmallVector<double> out;
  for (int64_t k = 0; k < n; ++k) {
    out.push_back((*a)[a->size() == 1 ? 0 : k]);
    out.push_back((*b)[b->size() == 1 ? 0 : k]);
  }
  return makeConst(getType(), out);
}

//===----------------------------------------------------------------------===//
// Folders: binary and ternary componentwise ops
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isConstSplat(adaptor.getRhs(), 0.0) && getLhs().getType() == getType())
    return getLhs();
  if (isConstSplat(adaptor.getLhs(), 0.0) && getRhs().getType() == getType())
    return getRhs();
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) { return a[0] + a[1]; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isConstSplat(adaptor.getRhs(), 0.0) && getLhs().getType() == getType())
    return getLhs();
  // KeOps simplifies f - f to Zero symbolically.
  if (getLhs() == getRhs())
    return makeConst(getType(), {0.0});
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) { return a[0] - a[1]; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isConstSplat(adaptor.getRhs(), 1.0) && getLhs().getType() == getType())
    return getLhs();
  if (isConstSplat(adaptor.getLhs(), 1.0) && getRhs().getType() == getType())
    return getRhs();
  // KeOps propagates Zero symbolically: 0 * f = 0.
  if (isConstSplat(adaptor.getRhs(), 0.0) || isConstSplat(adaptor.getLhs(), 0.0))
    return makeConst(getType(), {0.0});
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) { return a[0] * a[1]; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isConstSplat(adaptor.getRhs(), 1.0) && getLhs().getType() == getType())
    return getLhs();
  // KeOps propagates Zero symbolically: 0 / g = 0.
  if (isConstSplat(adaptor.getLhs(), 0.0))
    return makeConst(getType(), {0.0});
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) { return a[0] / a[1]; });
}

OpFoldResult PowfOp::fold(FoldAdaptor adaptor) {
  if (isConstSplat(adaptor.getRhs(), 1.0) && getLhs().getType() == getType())
    return getLhs();
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) {
                             return std::pow(a[0], a[1]);
                           });
}

OpFoldResult Atan2Op::fold(FoldAdaptor adaptor) {
  return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},
                           [](ArrayRef<double> a) {
                             return std::atan2(a[0], a[1]);
                           });
}

#define KRED_FOLD_COMPARE(OP, CMP)                                             \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldComponentwise(getType(), {adaptor.getLhs(), adaptor.getRhs()},  \
                             [](ArrayRef<double> a) {                          \
                               return (a[0] CMP a[1]) ? 1.0 : 0.0;             \
                             });                                               \
  }
KRED_FOLD_COMPARE(EqualOp, ==)
KRED_FOLD_COMPARE(NotEqualOp, !=)
KRED_FOLD_COMPARE(LessThanOp, <)
KRED_FOLD_COMPARE(LessOrEqualOp, <=)
#undef KRED_FOLD_COMPARE

OpFoldResult IfElseOp::fold(FoldAdaptor adaptor) {
  if (getA() == getB() && getA().getType() == getType())
    return getA();
  if (Value chosen = chooseIfElseBranch(*this, adaptor.getCond());
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
      getType(), {adaptor.getInput(), adaptor.getModulus(), adaptor.getOffset()},
      [](ArrayRef<double> a) {
        return a[0] - a[1] * std::floor((a[0] - a[2]) / a[1]);
      });
}

//===----------------------------------------------------------------------===//
// Canonicalization patterns
//===----------------------------------------------------------------------===//

namespace {

/// RatCst(p, q) in lowest terms with q > 0; RatCst(n, 1) -> IntCst(n).
struct NormalizeRatCst : OpRewritePattern<RatCstOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RatCstOp op,
                                PatternRewriter &rewriter) const override {
    int64_t p = op.getNum(), q = op.getDen();
    // INT64_MIN has no positive counterpart: leave such constants alone.
    if (q == 0 || p == std::numeric_limits<int64_t>::min() ||
        q == std::numeric_limits<int64_t>::min())
      return failure();
    int64_t g = std::gcd(p, q);
    if (g == 0)
      g = 1;
    if (q < 0)
      g = -g;
    p /= g;
    q /= g;
    if (q == 1) {
      rewriter.replaceOpWithNewOp<IntCstOp>(op, op.getType(), p);
      return success();
    }
    if (p == op.getNum() && q == op.getDen())
      return failure();
    rewriter.replaceOpWithNewOp<RatCstOp>(op, op.getType(), p, q);
    return success();
  }
};

/// Exp(a) * Exp(b) -> Exp(a + b) (KeOps' Mult simplification).
struct MulOfExps : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    auto a = op.getLhs().getDefiningOp<ExpOp>();
    auto b = op.getRhs().getDefiningOp<ExpOp>();
    if (!a || !b)
      return failure();
    Value sum =
        AddOp::create(rewriter, op.getLoc(), a.getInput(), b.getInput());
    rewriter.replaceOpWithNewOp<ExpOp>(op, sum);
    return success();
  }
};

/// f * f -> Square(f).
struct MulSelfToSquare : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getLhs() != op.getRhs())
      return failure();
    rewriter.replaceOpWithNewOp<SquareOp>(op, op.getLhs());
    return success();
  }
};

/// (-a) * (-b) -> a * b.
struct MulOfNegs : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    auto a = op.getLhs().getDefiningOp<NegOp>();
    auto b = op.getRhs().getDefiningOp<NegOp>();
    if (!a || !b)
      return failure();
    rewriter.replaceOpWithNewOp<MulOp>(op, a.getInput(), b.getInput());
    return success();
  }
};

/// a + (-b) -> a - b.
struct AddOfNeg : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    if (auto neg = op.getRhs().getDefiningOp<NegOp>()) {
      rewriter.replaceOpWithNewOp<SubOp>(op, op.getLhs(), neg.getInput());
      return success();
    }
    if (auto neg = op.getLhs().getDefiningOp<NegOp>()) {
      rewriter.replaceOpWithNewOp<SubOp>(op, op.getRhs(), neg.getInput());
      return success();
    }
    return failure();
  }
};

/// a - (-b) -> a + b; 0 - b -> -b.
struct SubOfNeg : OpRewritePattern<SubOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SubOp op,
                                PatternRewriter &rewriter) const override {
    if (auto neg = op.getRhs().getDefiningOp<NegOp>()) {
      rewriter.replaceOpWithNewOp<AddOp>(op, op.getLhs(), neg.getInput());
      return success();
    }
    Attribute lhs;
    if (matchPattern(op.getLhs(), m_Constant(&lhs)) && isConstSplat(lhs, 0.0) &&
        op.getRhs().getType() == op.getType()) {
      rewriter.replaceOpWithNewOp<NegOp>(op, op.getRhs());
      return success();
    }
    return failure();
  }
};

/// 1 / f -> Inv(f).
struct DivOfOne : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    Attribute lhs;
    if (!matchPattern(op.getLhs(), m_Constant(&lhs)) ||
        !isConstSplat(lhs, 1.0) || op.getRhs().getType() != op.getType())
      return failure();
    rewriter.replaceOpWithNewOp<InvOp>(op, op.getRhs());
    return success();
  }
};

/// Powf(f, n) with a constant integer n -> Pow(f, n); Powf(f, 1/2) -> Sqrt.
struct PowfOfConstant : OpRewritePattern<PowfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowfOp op,
                                PatternRewriter &rewriter) const override {
    Attribute rhs;
    if (!matchPattern(op.getRhs(), m_Constant(&rhs)) ||
        op.getLhs().getType() != op.getType())
      return failure();
    auto vals = getConstValues(rhs);
    if (!vals || !llvm::all_equal(*vals))
      return failure();
    double e = vals->front();
    if (e == 0.5) {
      rewriter.replaceOpWithNewOp<SqrtOp>(op, op.getLhs());
      return success();
    }
    if (e == std::floor(e) && std::fabs(e) < 64) {
      if (e == 2)
        rewriter.replaceOpWithNewOp<SquareOp>(op, op.getLhs());
      else
        rewriter.replaceOpWithNewOp<PowOp>(op, op.getLhs(), (int64_t)e);
      return success();
    }
    return failure();
  }
};

/// Square(-f) -> Square(f).
struct SquareOfNeg : OpRewritePattern<SquareOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SquareOp op,
                                PatternRewriter &rewriter) const override {
    auto neg = op.getInput().getDefiningOp<NegOp>();
    if (!neg)
      return failure();
    rewriter.replaceOpWithNewOp<SquareOp>(op, neg.getInput());
    return success();
  }
};


/// `value` with the type `type`: itself, or replicated with SumT when it is a
/// scalar (KeOps' broadcasting); null when neither applies.
static Value broadcastTo(PatternRewriter &rewriter, Location loc, Value value,
                         Type type) {
  if (value.getType() == type)
    return value;
  if (getFormulaDim(value) != 1)
    return {};
  return SumTOp::create(rewriter, loc, value, getFormulaDim(type));
}

/// True when `value` is a constant whose components all equal `splat`.
static bool isConstantSplat(Value value, double splat) {
  Attribute attr;
  return matchPattern(value, m_Constant(&attr)) && isConstSplat(attr, splat);
}

/// x op identity -> x, broadcast to the result type with SumT when x is a
/// scalar (the folders handle the case without broadcasting). `Commutes`
/// also matches the identity on the left.
template <typename OpTy, bool Commutes>
struct BinaryIdentity : OpRewritePattern<OpTy> {
  BinaryIdentity(MLIRContext *context, double identity)
      : OpRewritePattern<OpTy>(context), identity(identity) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value x;
    if (isConstantSplat(op.getRhs(), identity))
      x = op.getLhs();
    else if (Commutes && isConstantSplat(op.getLhs(), identity))
      x = op.getRhs();
    if (!x || x.getType() == op.getType())
      return failure();
    Value result = broadcastTo(rewriter, op.getLoc(), x, op.getType());
    if (!result)
      return failure();
    rewriter.replaceOp(op, result);
    return success();
  }
  double identity;
};

/// x * -1 -> -x (KeOps' Mult simplification).
struct MulByMinusOne : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    Value x;
    if (isConstantSplat(op.getRhs(), -1.0))
      x = op.getLhs();
    else if (isConstantSplat(op.getLhs(), -1.0))
      x = op.getRhs();
    if (!x)
      return failure();
    Value b = broadcastTo(rewriter, op.getLoc(), x, op.getType());
    if (!b)
      return failure();
    rewriter.replaceOpWithNewOp<NegOp>(op, b);
    return success();
  }
};

/// A negation in a product moves to the cheaper place: out of the product
/// when both factors have the same dimension, (-a) * b -> -(a * b) (KeOps'
/// Mult simplification, so that negations meet and cancel), and onto the
/// scalar factor otherwise, (-a) * s -> a * (-s); -s * a stays.
struct MulOfNeg : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhs = op.getLhs().getDefiningOp<NegOp>();
    auto rhs = op.getRhs().getDefiningOp<NegOp>();
    if ((lhs && rhs) || (!lhs && !rhs))
      return failure(); // MulOfNegs, or nothing to move.
    Value negated = lhs ? lhs.getInput() : rhs.getInput();
    Value other = lhs ? op.getRhs() : op.getLhs();
    int64_t dimNegated = getFormulaDim(negated), dimOther = getFormulaDim(other);
    if (dimNegated < dimOther)
      return failure(); // Already on the scalar factor.
    Location loc = op.getLoc();
    if (dimOther < dimNegated) {
      Value negOther = NegOp::create(rewriter, loc, other);
      if (lhs)
        rewriter.replaceOpWithNewOp<MulOp>(op, negated, negOther);
      else
        rewriter.replaceOpWithNewOp<MulOp>(op, negOther, negated);
      return success();
    }
    Value product = lhs ? MulOp::create(rewriter, loc, negated, other)
                        : MulOp::create(rewriter, loc, other, negated);
    rewriter.replaceOpWithNewOp<NegOp>(op, product);
    return success();
  }
};

/// c1 * (c2 * x) -> (c1 * c2) * x for constants c1, c2.
struct MulOfConstants : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [c1, other] : {std::make_pair(op.getLhs(), op.getRhs()),
                             std::make_pair(op.getRhs(), op.getLhs())}) {
      auto inner = other.getDefiningOp<MulOp>();
      if (!inner || !matchPattern(c1, m_Constant()))
        continue;
      for (auto [c2, x] : {std::make_pair(inner.getLhs(), inner.getRhs()),
                           std::make_pair(inner.getRhs(), inner.getLhs())}) {
        if (!matchPattern(c2, m_Constant()) || matchPattern(x, m_Constant()))
          continue;
        Value c = MulOp::create(rewriter, op.getLoc(), c1, c2);
        rewriter.replaceOpWithNewOp<MulOp>(op, c, x);
        return success();
      }
    }
    return failure();
  }
};

/// x * Inv(y) -> x / y (one rounding instead of two).
struct MulOfInv : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    if (auto inv = op.getRhs().getDefiningOp<InvOp>()) {
      rewriter.replaceOpWithNewOp<DivOp>(op, op.getLhs(), inv.getInput());
      return success();
    }
    if (auto inv = op.getLhs().getDefiningOp<InvOp>()) {
      rewriter.replaceOpWithNewOp<DivOp>(op, op.getRhs(), inv.getInput());
      return success();
    }
    return failure();
  }
};

/// Exp(a) / Exp(b) -> Exp(a - b).
struct DivOfExps : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    auto a = op.getLhs().getDefiningOp<ExpOp>();
    auto b = op.getRhs().getDefiningOp<ExpOp>();
    if (!a || !b)
      return failure();
    Value diff =
        SubOp::create(rewriter, op.getLoc(), a.getInput(), b.getInput());
    rewriter.replaceOpWithNewOp<ExpOp>(op, diff);
    return success();
  }
};

/// -(a - b) -> b - a.
struct NegOfSub : OpRewritePattern<NegOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NegOp op,
                                PatternRewriter &rewriter) const override {
    auto sub = op.getInput().getDefiningOp<SubOp>();
    if (!sub)
      return failure();
    rewriter.replaceOpWithNewOp<SubOp>(op, sub.getRhs(), sub.getLhs());
    return success();
  }
};

/// Pow(x, 2) -> Square(x); Pow(x, -1) -> Inv(x); Pow(Pow(x, a), b) and
/// Pow(Square(x), b) -> Pow(x, a * b).
struct SimplifyPow : OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowOp op,
                                PatternRewriter &rewriter) const override {
    int64_t n = op.getExponent();
    if (n == 2) {
      rewriter.replaceOpWithNewOp<SquareOp>(op, op.getInput());
      return success();
    }
    if (n == -1) {
      rewriter.replaceOpWithNewOp<InvOp>(op, op.getInput());
      return success();
    }
    Value base;
    int64_t inner = 0;
    if (auto pow = op.getInput().getDefiningOp<PowOp>()) {
      base = pow.getInput();
      inner = pow.getExponent();
    } else if (auto square = op.getInput().getDefiningOp<SquareOp>()) {
      base = square.getInput();
      inner = 2;
    }
    int64_t product;
    if (!base || llvm::MulOverflow(inner, n, product))
      return failure();
    rewriter.replaceOpWithNewOp<PowOp>(op, base, product);
    return success();
  }
};

/// Square(|x|) -> Square(x).
struct SquareOfAbs : OpRewritePattern<SquareOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SquareOp op,
                                PatternRewriter &rewriter) const override {
    auto abs = op.getInput().getDefiningOp<AbsOp>();
    if (!abs)
      return failure();
    rewriter.replaceOpWithNewOp<SquareOp>(op, abs.getInput());
    return success();
  }
};

/// Sqrt(Square(x)) -> |x|.
struct SqrtOfSquare : OpRewritePattern<SqrtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SqrtOp op,
                                PatternRewriter &rewriter) const override {
    auto square = op.getInput().getDefiningOp<SquareOp>();
    if (!square)
      return failure();
    rewriter.replaceOpWithNewOp<AbsOp>(op, square.getInput());
    return success();
  }
};

/// Log(Exp(x)) -> x.
struct LogOfExp : OpRewritePattern<LogOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LogOp op,
                                PatternRewriter &rewriter) const override {
    auto exp = op.getInput().getDefiningOp<ExpOp>();
    if (!exp)
      return failure();
    rewriter.replaceOp(op, exp.getInput());
    return success();
  }
};

/// |-x| -> |x|.
struct AbsOfNeg : OpRewritePattern<AbsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AbsOp op,
                                PatternRewriter &rewriter) const override {
    auto neg = op.getInput().getDefiningOp<NegOp>();
    if (!neg)
      return failure();
    rewriter.replaceOpWithNewOp<AbsOp>(op, neg.getInput());
    return success();
  }
};

/// Sum identities: Sum(SumT(x, d)) -> d * x; Sum(ElemT(x, n, m)) -> x;
/// Sum(ExtractT(x, n, s)) -> Sum(x); Sum(-x) -> -Sum(x); and KeOps' Sum of a
/// product: Sum(s * v) -> s * Sum(v) for a scalar s, Sum(u * v) ->
/// Scalprod(u, v).
struct SimplifySum : OpRewritePattern<SumOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SumOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    Location loc = op.getLoc();
    if (getFormulaDim(input) == 1)
      return failure(); // Folded.
    if (auto sumt = input.getDefiningOp<SumTOp>()) {
      Value d = IntCstOp::create(rewriter, loc, op.getType(), sumt.getDim());
      rewriter.replaceOpWithNewOp<MulOp>(op, d, sumt.getInput());
      return success();
    }
    if (auto elemt = input.getDefiningOp<ElemTOp>()) {
      rewriter.replaceOp(op, elemt.getInput());
      return success();
    }
    if (auto extractt = input.getDefiningOp<ExtractTOp>()) {
      rewriter.replaceOpWithNewOp<SumOp>(op, extractt.getInput());
      return success();
    }
    if (auto neg = input.getDefiningOp<NegOp>()) {
      Value sum = SumOp::create(rewriter, loc, neg.getInput());
      rewriter.replaceOpWithNewOp<NegOp>(op, sum);
      return success();
    }
    if (auto mul = input.getDefiningOp<MulOp>()) {
      Value a = mul.getLhs(), b = mul.getRhs();
      if (getFormulaDim(b) == 1)
        std::swap(a, b);
      if (getFormulaDim(a) == 1) {
        Value sum = SumOp::create(rewriter, loc, b);
        rewriter.replaceOpWithNewOp<MulOp>(op, a, sum);
      } else {
        rewriter.replaceOpWithNewOp<ScalProdOp>(op, a, b);
      }
      return success();
    }
    return failure();
  }
};

/// The slice [start, start + length) of `value` read by an Elem or Extract
/// op.
struct Slice {
  Value source;
  int64_t start;
  int64_t length;
};
static std::optional<Slice> getSlice(Value value) {
  if (auto elem = value.getDefiningOp<ElemOp>())
    return Slice{elem.getInput(), elem.getIndex(), 1};
  if (auto extract = value.getDefiningOp<ExtractOp>())
    return Slice{extract.getInput(), extract.getStart(), extract.getLength()};
  return std::nullopt;
}

/// A zero of type `type`.
static Value createZero(PatternRewriter &rewriter, Location loc, Type type) {
  return ZeroOp::create(rewriter, loc, type);
}

/// Elem(x, k) of a value built by SumT, ElemT, Extract, ExtractT, Concat,
/// extract_strided or interleave -> the component it reads.
struct SimplifyElem : OpRewritePattern<ElemOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ElemOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    int64_t k = op.getIndex();
    Location loc = op.getLoc();
    Type type = op.getType();
    auto elemOf = [&](Value x, int64_t i) {
      rewriter.replaceOpWithNewOp<ElemOp>(op, x, i);
      return success();
    };
    if (getFormulaDim(input) == 1)
      return failure(); // Folded.
    if (auto sumt = input.getDefiningOp<SumTOp>()) {
      rewriter.replaceOp(op, sumt.getInput());
      return success();
    }
    if (auto elemt = input.getDefiningOp<ElemTOp>()) {
      rewriter.replaceOp(op, elemt.getIndex() == k
                                 ? elemt.getInput()
                                 : createZero(rewriter, loc, type));
      return success();
    }
    if (auto extract = input.getDefiningOp<ExtractOp>())
      return elemOf(extract.getInput(), extract.getStart() + k);
    if (auto extractt = input.getDefiningOp<ExtractTOp>()) {
      int64_t i = k - extractt.getStart();
      if (i < 0 || i >= getFormulaDim(extractt.getInput())) {
        rewriter.replaceOp(op, createZero(rewriter, loc, type));
        return success();
      }
      return elemOf(extractt.getInput(), i);
    }
    if (auto concat = input.getDefiningOp<ConcatOp>()) {
      int64_t da = getFormulaDim(concat.getLhs());
      return k < da ? elemOf(concat.getLhs(), k)
                    : elemOf(concat.getRhs(), k - da);
    }
    if (auto strided = input.getDefiningOp<ExtractStridedOp>())
      return elemOf(strided.getInput(),
                    strided.getStart() + k * strided.getStride());
    if (auto inter = input.getDefiningOp<InterleaveOp>()) {
      Value half = k % 2 == 0 ? inter.getLhs() : inter.getRhs();
      return elemOf(half, getFormulaDim(half) == 1 ? 0 : k / 2);
    }
    return failure();
  }
};

/// Extract identities: Extract(x, s, 1) -> Elem(x, s); nested extracts
/// compose; Extract of a Concat that stays in one operand, of a SumT, or
/// of the ExtractT that placed exactly that range.
struct SimplifyExtract : OpRewritePattern<ExtractOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExtractOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    int64_t s = op.getStart(), l = op.getLength();
    if (input.getType() == op.getType())
      return failure(); // Folded.
    if (l == 1) {
      rewriter.replaceOpWithNewOp<ElemOp>(op, input, s);
      return success();
    }
    if (auto inner = input.getDefiningOp<ExtractOp>()) {
      rewriter.replaceOpWithNewOp<ExtractOp>(op, inner.getInput(),
                                             inner.getStart() + s, l);
      return success();
    }
    if (auto concat = input.getDefiningOp<ConcatOp>()) {
      int64_t da = getFormulaDim(concat.getLhs());
      if (s + l <= da) {
        rewriter.replaceOpWithNewOp<ExtractOp>(op, concat.getLhs(), s, l);
        return success();
      }
      if (s >= da) {
        rewriter.replaceOpWithNewOp<ExtractOp>(op, concat.getRhs(), s - da, l);
        return success();
      }
      return failure();
    }
    if (auto sumt = input.getDefiningOp<SumTOp>()) {
      rewriter.replaceOpWithNewOp<SumTOp>(op, sumt.getInput(), l);
      return success();
    }
    if (auto extractt = input.getDefiningOp<ExtractTOp>();
        extractt && extractt.getStart() == s &&
        extractt.getInput().getType() == op.getType()) {
      rewriter.replaceOp(op, extractt.getInput());
      return success();
    }
    return failure();
  }
};

/// extract_strided identities: stride 1 -> Extract; length 1 -> Elem;
/// nested strided extracts compose; an even stride over an interleave reads
/// one of its operands.
struct SimplifyExtractStrided : OpRewritePattern<ExtractStridedOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ExtractStridedOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    int64_t s = op.getStart(), l = op.getLength(), st = op.getStride();
    if (l == 1) {
      rewriter.replaceOpWithNewOp<ElemOp>(op, input, s);
      return success();
    }
    if (st == 1) {
      if (input.getType() == op.getType())
        return failure(); // Folded.
      rewriter.replaceOpWithNewOp<ExtractOp>(op, input, s, l);
      return success();
    }
    if (auto inner = input.getDefiningOp<ExtractStridedOp>()) {
      rewriter.replaceOpWithNewOp<ExtractStridedOp>(
          op, inner.getInput(), inner.getStart() + s * inner.getStride(), l,
          st * inner.getStride());
      return success();
    }
    if (auto inter = input.getDefiningOp<InterleaveOp>(); inter && st % 2 == 0) {
      Value half = s % 2 == 0 ? inter.getLhs() : inter.getRhs();
      if (getFormulaDim(half) == 1) {
        rewriter.replaceOpWithNewOp<SumTOp>(op, half, l);
        return success();
      }
      rewriter.replaceOpWithNewOp<ExtractStridedOp>(op, half, s / 2, l, st / 2);
      return success();
    }
    return failure();
  }
};

/// Concat(x[s : l1], x[s + l1 : l2]) -> x[s : l1 + l2] (Elem counts as a
/// slice of length 1).
struct ConcatOfSlices : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Slice> a = getSlice(op.getLhs());
    std::optional<Slice> b = getSlice(op.getRhs());
    if (!a || !b || a->source != b->source || a->start + a->length != b->start)
      return failure();
    rewriter.replaceOpWithNewOp<ExtractOp>(op, a->source, a->start,
                                           a->length + b->length);
    return success();
  }
};

/// Scalprod(x, x) -> SqNorm2(x); with a scalar side, KeOps' s * Sum(v).
struct SimplifyScalProd : OpRewritePattern<ScalProdOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScalProdOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op.getLhs(), b = op.getRhs();
    if (a == b) {
      rewriter.replaceOpWithNewOp<SqNorm2Op>(op, a);
      return success();
    }
    if (getFormulaDim(a) == 1 && getFormulaDim(b) == 1) {
      rewriter.replaceOpWithNewOp<MulOp>(op, a, b);
      return success();
    }
    if (getFormulaDim(a) == 1 || getFormulaDim(b) == 1) {
      if (getFormulaDim(b) == 1)
        std::swap(a, b);
      Value sum = SumOp::create(rewriter, op.getLoc(), b);
      rewriter.replaceOpWithNewOp<MulOp>(op, a, sum);
      return success();
    }
    return failure();
  }
};

/// SqNorm2 of a scalar -> Square.
struct SqNorm2OfScalar : OpRewritePattern<SqNorm2Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SqNorm2Op op,
                                PatternRewriter &rewriter) const override {
    if (getFormulaDim(op.getInput()) != 1)
      return failure();
    rewriter.replaceOpWithNewOp<SquareOp>(op, op.getInput());
    return success();
  }
};

/// Norm2 of a scalar -> Abs.
struct Norm2OfScalar : OpRewritePattern<Norm2Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Norm2Op op,
                                PatternRewriter &rewriter) const override {
    if (getFormulaDim(op.getInput()) != 1)
      return failure();
    rewriter.replaceOpWithNewOp<AbsOp>(op, op.getInput());
    return success();
  }
};

/// IfElse with a branch known for every component (constant condition, or
/// both branches equal) whose value is a scalar -> SumT of that branch (the
/// folder handles the branches of the result type).
struct IfElseBroadcastBranch : OpRewritePattern<IfElseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(IfElseOp op,
                                PatternRewriter &rewriter) const override {
    Value chosen;
    if (op.getA() == op.getB()) {
      chosen = op.getA();
    } else {
      Attribute cond;
      if (matchPattern(op.getCond(), m_Constant(&cond)))
        chosen = chooseIfElseBranch(op, cond);
    }
    if (!chosen || chosen.getType() == op.getType())
      return failure();
    Value b = broadcastTo(rewriter, op.getLoc(), chosen, op.getType());
    if (!b)
      return failure();
    rewriter.replaceOp(op, b);
    return success();
  }
};

} // namespace

void RatCstOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<NormalizeRatCst>(context);
}
void MulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<MulOfExps, MulSelfToSquare, MulOfNegs, MulOfNeg, MulByMinusOne,
              MulOfConstants, MulOfInv>(context);
  results.add<BinaryIdentity<MulOp, true>>(context, 1.0);
}
void AddOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<AddOfNeg>(context);
  results.add<BinaryIdentity<AddOp, true>>(context, 0.0);
}
void SubOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SubOfNeg>(context);
  results.add<BinaryIdentity<SubOp, false>>(context, 0.0);
}
void DivOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<DivOfOne, DivOfExps>(context);
  results.add<BinaryIdentity<DivOp, false>>(context, 1.0);
}
void PowfOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<PowfOfConstant>(context);
  results.add<BinaryIdentity<PowfOp, false>>(context, 1.0);
}
void SquareOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<SquareOfNeg, SquareOfAbs>(context);
}
void NegOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<NegOfSub>(context);
}
void PowOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SimplifyPow>(context);
}
void SqrtOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<SqrtOfSquare>(context);
}
void LogOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<LogOfExp>(context);
}
void AbsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<AbsOfNeg>(context);
}
void SumOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SimplifySum>(context);
}
void ElemOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<SimplifyElem>(context);
}
void ExtractOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<SimplifyExtract>(context);
}
void ExtractStridedOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                   MLIRContext *context) {
  results.add<SimplifyExtractStrided>(context);
}
void ConcatOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<ConcatOfSlices>(context);
}
void ScalProdOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                             MLIRContext *context) {
  results.add<SimplifyScalProd>(context);
}
void SqNorm2Op::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<SqNorm2OfScalar>(context);
}
void Norm2Op::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<Norm2OfScalar>(context);
}
void IfElseOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<IfElseBroadcastBranch>(context);
}

//===----------------------------------------------------------------------===//
// ReduceOp
//===----------------------------------------------------------------------===//

void ReduceOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                     ReductionKind kind, int64_t axis,
                     ArrayRef<VarCategory> categories,
                     ArrayRef<int64_t> positions, ArrayRef<Type> varTypes) {
  state.addAttribute(getSymNameAttrName(state.name),
                     builder.getStringAttr(name));
  state.addAttribute(getKindAttrName(state.name),
                     ReductionKindAttr::get(builder.getContext(), kind));
  state.addAttribute(getAxisAttrName(state.name),
                     builder.getI64IntegerAttr(axis));
  SmallVector<int32_t> cats;
  for (VarCategory c : categories)
    cats.push_back(static_cast<int32_t>(c));
  state.addAttribute(getVarCategoriesAttrName(state.name),
                     builder.getDenseI32ArrayAttr(cats));
  state.addAttribute(getVarPositionsAttrName(state.name),
                     builder.getDenseI64ArrayAttr(positions));
  Region *body = state.addRegion();
  Block *block = new Block();
  body->push_back(block);
  for (Type t : varTypes)
    block->addArgument(t, state.location);
}

YieldOp ReduceOp::getYield() {
  return cast<YieldOp>(getBodyBlock().getTerminator());
}

Value ReduceOp::getFormula() {
  auto yield = getYield();
  return yield.getValues().empty() ? Value() : yield.getValues()[0];
}

Value ReduceOp::getWeight() {
  auto yield = getYield();
  return yield.getValues().size() > 1 ? yield.getValues()[1] : Value();
}

VarCategory ReduceOp::getVarCategory(unsigned i) {
  return static_cast<VarCategory>(getVarCategories()[i]);
}

int64_t ReduceOp::getVarPosition(unsigned i) { return getVarPositions()[i]; }

int64_t ReduceOp::getVarDim(unsigned i) {
  return getFormulaDim(getBodyBlock().getArgument(i).getType());
}

int64_t ReduceOp::getNumArgs() {
  int64_t n = 0;
  for (int64_t p : getVarPositions())
    n = std::max(n, p + 1);
  return n;
}

FloatType ReduceOp::getElementType() {
  return cast<FloatType>(
      cast<VectorType>(getFormula().getType()).getElementType());
}

FloatType ReduceOp::getAccumulationType() {
  if (auto acc = getAccType())
    return cast<FloatType>(*acc);
  FloatType elt = getElementType();
  if (elt.getWidth() < 32)
    return Float32Type::get(getContext());
  return elt;
}

int64_t ReduceOp::getOutputValueDim() {
  int64_t d = getFormulaDim(getFormula());
  int64_t k = getK().value_or(1);
  Value weight = getWeight();
  int64_t g = weight ? getFormulaDim(weight) : 1;
  switch (getKind()) {
  case ReductionKind::Sum:
  case ReductionKind::Min:
  case ReductionKind::Max:
  case ReductionKind::MinArgMin:
  case ReductionKind::MaxArgMax:
    return d;
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::ArgKMin:
    return 0;
  case ReductionKind::KMin:
  case ReductionKind::KMinArgKMin:
    return k * d;
  case ReductionKind::LogSumExp:
    return g;
  case ReductionKind::MaxSumShiftExp:
    return 2;
  case ReductionKind::MaxSumShiftExpWeight:
    switch (getFinalize().value_or(Finalize::None)) {
    case Finalize::None:
      return 1 + g;
    case Finalize::LogSumExp:
      return g;
    case Finalize::SoftMax:
      return g - 1;
    }
    return 1 + g;
  case ReductionKind::SumSoftMaxWeight:
    return g;
  }
  return d;
}

int64_t ReduceOp::getOutputIndexDim() {
  int64_t d = getFormulaDim(getFormula());
  int64_t k = getK().value_or(1);
  switch (getKind()) {
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::MinArgMin:
  case ReductionKind::MaxArgMax:
    return d;
  case ReductionKind::ArgKMin:
  case ReductionKind::KMinArgKMin:
    return k * d;
  default:
    return 0;
  }
}

static char getCategoryLetter(VarCategory c) {
  switch (c) {
  case VarCategory::I:
    return 'i';
  case VarCategory::J:
    return 'j';
  case VarCategory::Param:
    return 'p';
  }
  return '?';
}

void ReduceOp::getAsmBlockArgumentNames(Region &region,
                                        OpAsmSetValueNameFn setNameFn) {
  if (region.empty())
    return;
  auto cats = getVarCategories();
  auto pos = getVarPositions();
  for (BlockArgument arg : region.front().getArguments()) {
    unsigned i = arg.getArgNumber();
    if (i >= cats.size() || i >= pos.size() || cats[i] < 0 || cats[i] > 2)
      continue;
    std::string name;
    name += getCategoryLetter(static_cast<VarCategory>(cats[i]));
    name += std::to_string(pos[i]);
    setNameFn(arg, name);
  }
}

ParseResult ReduceOp::parse(OpAsmParser &parser, OperationState &result) {
  MLIRContext *ctx = parser.getContext();
  StringAttr symName;
  if (parser.parseSymbolName(symName, getSymNameAttrName(result.name),
                             result.attributes))
    return failure();

  StringRef kindStr;
  SMLoc kindLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&kindStr))
    return failure();
  std::optional<ReductionKind> kind = symbolizeReductionKind(kindStr);
  if (!kind)
    return parser.emitError(kindLoc, "unknown reduction kind '")
           << kindStr << "'";
  result.addAttribute(getKindAttrName(result.name),
                      ReductionKindAttr::get(ctx, *kind));

  if (succeeded(parser.parseOptionalLess())) {
    int64_t k;
    if (parser.parseInteger(k) || parser.parseGreater())
      return failure();
    result.addAttribute(getKAttrName(result.name),
                        IntegerAttr::get(IntegerType::get(ctx, 64), k));
  }

  StringRef over;
  SMLoc overLoc;
  if (parser.parseKeyword("over") ||
      (overLoc = parser.getCurrentLocation(), parser.parseKeyword(&over)))
    return failure();
  if (over != "i" && over != "j")
    return parser.emitError(overLoc, "expected 'i' or 'j' after 'over'");
  result.addAttribute(getAxisAttrName(result.name),
                      IntegerAttr::get(IntegerType::get(ctx, 64),
                                       over == "j" ? 1 : 0));

  SmallVector<OpAsmParser::Argument> args;
  SmallVector<int32_t> cats;
  SmallVector<int64_t> positions;
  if (parser.parseKeyword("vars"))
    return failure();
  auto parseVar = [&]() -> ParseResult {
    OpAsmParser::Argument arg;
    StringRef cat;
    int64_t pos;
    if (parser.parseArgument(arg) || parser.parseColon())
      return failure();
    SMLoc catLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&cat) || parser.parseLSquare() ||
        parser.parseInteger(pos) || parser.parseRSquare() ||
        parser.parseType(arg.type))
      return failure();
    std::optional<VarCategory> c = symbolizeVarCategory(cat);
    if (!c)
      return parser.emitError(catLoc, "expected variable category 'i', 'j' "
                                      "or 'p'");
    cats.push_back(static_cast<int32_t>(*c));
    positions.push_back(pos);
    args.push_back(arg);
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Paren, parseVar))
    return failure();
  result.addAttribute(getVarCategoriesAttrName(result.name),
                      DenseI32ArrayAttr::get(ctx, cats));
  result.addAttribute(getVarPositionsAttrName(result.name),
                      DenseI64ArrayAttr::get(ctx, positions));

  if (parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  Region *body = result.addRegion();
  return parser.parseRegion(*body, args);
}

void ReduceOp::print(OpAsmPrinter &p) {
  p << ' ';
  p.printSymbolName(getSymName());
  p << ' ' << stringifyReductionKind(getKind());
  if (auto k = getK())
    p << '<' << *k << '>';
  p << " over " << (getAxis() == 1 ? "j" : "i") << " vars(";
  auto cats = getVarCategories();
  auto pos = getVarPositions();
  llvm::interleaveComma(getBodyBlock().getArguments(), p,
                        [&](BlockArgument arg) {
                          unsigned i = arg.getArgNumber();
                          p.printOperand(arg);
                          p << ": ";
                          if (i < cats.size() && cats[i] >= 0 && cats[i] <= 2)
                            p << getCategoryLetter(
                                static_cast<VarCategory>(cats[i]));
                          else
                            p << '?';
                          p << '[' << (i < pos.size() ? pos[i] : -1) << "] ";
                          p.printType(arg.getType());
                        });
  p << ')';
  p.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(),
      {getSymNameAttrName(), getKindAttrName(), getKAttrName(),
       getAxisAttrName(), getVarCategoriesAttrName(),
       getVarPositionsAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/true);
}

LogicalResult ReduceOp::verify() {
  if (getAxis() != 0 && getAxis() != 1)
    return emitOpError("axis must be 0 (reduce over i) or 1 (reduce over "
                       "j), got ")
           << getAxis();
  ReductionKind kind = getKind();
  StringRef kindName = stringifyReductionKind(kind);
  if (needsK(kind) && !getK())
    return emitOpError("'") << kindName << "' reduction needs K";
  if (!needsK(kind) && getK())
    return emitOpError("K is only valid for kmin, argkmin and kmin_argkmin, "
                       "not '")
           << kindName << "'";
  if (auto k = getK(); k && *k < 1)
    return emitOpError("K must be >= 1, got ") << *k;
  if (getSumScheme() && kind != ReductionKind::Sum && !isLogSumExpFamily(kind))
    return emitOpError("sum_scheme is only valid for sum and log-sum-exp "
                       "reductions, not '")
           << kindName << "'";
  if (getFinalize() && kind != ReductionKind::MaxSumShiftExpWeight)
    return emitOpError("finalize is only valid on max_sumshiftexp_weight "
                       "reductions, not '")
           << kindName << "'";
  for (auto [name, value] :
       {std::make_pair("tile_i", getTileI()),
        std::make_pair("tile_j", getTileJ()),
        std::make_pair("chunk", getChunk())})
    if (value && *value < 1)
      return emitOpError(name) << " must be >= 1, got " << *value;
  return success();
}

LogicalResult ReduceOp::verifyRegions() {
  Block &block = getBodyBlock();
  unsigned n = block.getNumArguments();
  auto cats = getVarCategories();
  auto pos = getVarPositions();
  if (cats.size() != n || pos.size() != n)
    return emitOpError("has ")
           << n << " variables but " << cats.size() << " categories and "
           << pos.size() << " positions";

  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return emitOpError("body must end with kernelred.yield");
  auto [minYield, maxYield] = getNumYieldedFormulas(getKind());
  unsigned numYield = yield.getValues().size();
  StringRef kindName = stringifyReductionKind(getKind());
  if (numYield < minYield || numYield > maxYield) {
    auto diag = emitOpError("'") << kindName << "' reduction yields ";
    if (minYield == maxYield)
      diag << minYield;
    else
      diag << minYield << " or " << maxYield;
    return diag << " formula(s), got " << numYield;
  }
  Type elt = cast<VectorType>(yield.getValues()[0].getType()).getElementType();
  for (Value v : yield.getValues())
    if (cast<VectorType>(v.getType()).getElementType() != elt)
      return emitOpError("formula and weight have different element types");

  llvm::SmallSet<int64_t, 8> seen;
  for (unsigned i = 0; i < n; ++i) {
    if (cats[i] < 0 || cats[i] > 2)
      return emitOpError("variable #")
             << i << " has invalid category " << cats[i];
    if (pos[i] < 0)
      return emitOpError("variable #")
             << i << " has negative position " << pos[i];
    if (!seen.insert(pos[i]).second)
      return emitOpError("variable position ") << pos[i] << " is used twice";
    auto vt = dyn_cast<VectorType>(block.getArgument(i).getType());
    if (!vt || vt.getRank() != 1 || vt.isScalable() ||
        !isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
            vt.getElementType()))
      return emitOpError("variable #")
             << i << " must be a vector<D x T> with T in f16, bf16, f32, "
             << "f64, got " << block.getArgument(i).getType();
    if (vt.getElementType() != elt)
      return emitOpError("variable #")
             << i << " has element type " << vt.getElementType()
             << " but the formula has " << elt;
  }

  if (isLogSumExpFamily(getKind()) && getFormulaDim(getFormula()) != 1)
    return emitOpError("'")
           << kindName
           << "' reduction needs a scalar formula (dimension 1), got "
              "dimension "
           << getFormulaDim(getFormula());
  if (getFinalize() == Finalize::SoftMax && getFormulaDim(getWeight()) < 2)
    return emitOpError("softmax finalize needs a weight Concat(1, G) of "
                       "dimension >= 2");

  if (auto acc = getAccType()) {
    auto accType = dyn_cast<FloatType>(*acc);
    auto eltType = cast<FloatType>(elt);
    if (!accType || !(accType.isF16() || accType.isBF16() || accType.isF32() ||
                      accType.isF64()))
      return emitOpError("accumulation type must be f16, bf16, f32 or f64, "
                         "got ")
             << *acc;
    if (accType.getWidth() < eltType.getWidth() ||
        (accType.getWidth() == eltType.getWidth() && accType != eltType))
      return emitOpError("accumulation type ")
             << accType << " is narrower than the element type " << eltType;
  }
  return success();
}

#define GET_OP_CLASSES
#include "dialect/KredOps.cpp.inc"
