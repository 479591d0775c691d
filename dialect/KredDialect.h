//===- KredDialect.h - kernelred dialect ------------------------*- C++ -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KREDDIALECT_H
#define KRED_DIALECT_KREDDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/KredDialect.h.inc"

#endif // KRED_DIALECT_KREDDIALECT_H
