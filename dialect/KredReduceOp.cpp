//===- KredReduceOp.cpp - kernelred.reduce --------------------------------===//
//
// Part of the kernelred project.
//
// kernelred.reduce, the kernel: builder, accessors, custom syntax and
// verifiers, and the facts about reduction kinds they rely on.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"
#include "dialect/ReductionKinds.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::kernelred;

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

// The output sizes are the reduction's monoid facts (ReductionKinds.h).
int64_t ReduceOp::getOutputValueDim() {
  return ReductionDescription(*this).getOutputValueDim();
}

int64_t ReduceOp::getOutputIndexDim() {
  return ReductionDescription(*this).getOutputIndexDim();
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
  result.addAttribute(
      getAxisAttrName(result.name),
      IntegerAttr::get(IntegerType::get(ctx, 64), over == "j" ? 1 : 0));

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
  llvm::interleaveComma(
      getBodyBlock().getArguments(), p, [&](BlockArgument arg) {
        unsigned i = arg.getArgNumber();
        p.printOperand(arg);
        p << ": ";
        if (i < cats.size() && cats[i] >= 0 && cats[i] <= 2)
          p << getCategoryLetter(static_cast<VarCategory>(cats[i]));
        else
          p << '?';
        p << '[' << (i < pos.size() ? pos[i] : -1) << "] ";
        p.printType(arg.getType());
      });
  p << ')';
  p.printOptionalAttrDictWithKeyword((*this)->getAttrs(),
                                     {getSymNameAttrName(), getKindAttrName(),
                                      getKAttrName(), getAxisAttrName(),
                                      getVarCategoriesAttrName(),
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
  for (auto [name, value] : {std::make_pair("tile_i", getTileI()),
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
