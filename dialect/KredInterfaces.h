//===- KredInterfaces.h - kernelred op interfaces ---------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KREDINTERFACES_H
#define KRED_DIALECT_KREDINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "dialect/KredInterfaces.h.inc"

#endif // KRED_DIALECT_KREDINTERFACES_H
