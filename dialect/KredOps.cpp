//===- KredOps.cpp - kernelred operations ---------------------------------===//
//
// Part of the kernelred project.
//
// The generated op classes, the custom assembly directive they share and the
// verifiers of the formula ops, and the op families (isComplexOp). The other
// concerns have files of their own: type inference (KeOps' dimension rules) in
// KredTypeInference.cpp, folders in KredFolds.cpp, canonicalization patterns in
// KredCanonicalize.cpp and KredCanonicalize.td, and kernelred.reduce in
// KredReduceOp.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kernelred;

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
static void printKredTypes(OpAsmPrinter &printer, Operation *, Type a, Type b) {
  printKredTypeList(printer, {a, b});
}
static void printKredTypes(OpAsmPrinter &printer, Operation *, Type a, Type b,
                           Type c) {
  printKredTypeList(printer, {a, b, c});
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

/// Integer and rational constants are scalars.
static LogicalResult verifyScalarConstant(Operation *op, Type type) {
  if (getFormulaDim(type) != 1)
    return op->emitOpError("result must have dimension 1, got ")
           << getFormulaDim(type);
  return success();
}

LogicalResult IntCstOp::verify() {
  return verifyScalarConstant(*this, getType());
}

LogicalResult RatCstOp::verify() {
  if (getDen() == 0)
    return emitOpError("denominator must not be zero");
  return verifyScalarConstant(*this, getType());
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
// Op families
//===----------------------------------------------------------------------===//

bool mlir::kernelred::isComplexOp(Operation *op) {
  return isa<ComplexRealOp, ComplexImagOp, Real2ComplexOp, Imag2ComplexOp,
             ConjOp, ComplexAbsOp, ComplexSquareAbsOp, ComplexAngleOp,
             ComplexSumOp, ComplexSumTOp, ComplexAddOp, ComplexSubtractOp,
             ComplexMultOp, ComplexRealScalOp, ComplexDivideOp, ComplexExpOp,
             ComplexExp1jOp>(op);
}

#define GET_OP_CLASSES
#include "dialect/KredOps.cpp.inc"
