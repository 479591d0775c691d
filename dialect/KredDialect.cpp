//===- KredDialect.cpp - kernelred dialect --------------------------------===//
//
// Part of the kernelred project.
//
// The dialect itself: registration of its attributes and ops, constant
// materialization, and the generated enum, attribute and interface code.
// The ops are defined by concern in the other files of this folder:
// KredOps.cpp (op classes, custom syntax, verifiers), KredTypeInference.cpp,
// KredFolds.cpp, KredCanonicalize.cpp (+ KredCanonicalize.td) and
// KredReduceOp.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kernelred;

#include "dialect/KredDialect.cpp.inc"
#include "dialect/KredEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "dialect/KredAttrs.cpp.inc"
#include "dialect/KredInterfaces.cpp.inc"

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

Operation *KredDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<DenseFPElementsAttr>(value);
  if (!elements || elements.getType() != type || !isa<VectorType>(type))
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
