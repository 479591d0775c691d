//===- KredConstants.h - constant formula values ----------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// Reading and building the float constants of formulas (`vector<D x T>`
// attributes): shared by the folders, the canonicalization patterns and the
// simplification patterns of kred-autodiff.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_KREDCONSTANTS_H
#define KRED_DIALECT_KREDCONSTANTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <optional>

namespace mlir::kernelred {

/// The components of a float constant attribute, as doubles.
std::optional<SmallVector<double>> getConstValues(Attribute attr);
/// The components of `value` when it is a constant (m_Constant), as doubles.
std::optional<SmallVector<double>> getConstValues(Value value);

/// True when `attr` / `value` is a float constant whose components all
/// equal `splat`.
bool isConstSplat(Attribute attr, double splat);
bool isConstSplat(Value value, double splat);

/// A float constant of `type` (vector<D x T>) holding `values`, or one value
/// broadcast to D.
DenseFPElementsAttr getConstAttr(Type type, ArrayRef<double> values);
/// A kernelred.constant of `type` holding `values` (or one value broadcast).
Value createConst(OpBuilder &builder, Location loc, Type type,
                  ArrayRef<double> values);

/// The operand an IfElse(cond, a, b) yields for every component when `cond`
/// is a constant that is >= 0 everywhere (`a`) or nowhere (`b`); null
/// otherwise.
Value selectConstantBranch(Attribute cond, Value a, Value b);

} // namespace mlir::kernelred

#endif // KRED_DIALECT_KREDCONSTANTS_H
