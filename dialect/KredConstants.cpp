//===- KredConstants.cpp - constant formula values ------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredConstants.h"

#include "dialect/KredOps.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::kernelred;

std::optional<SmallVector<double>>
mlir::kernelred::getConstValues(Attribute attr) {
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

std::optional<SmallVector<double>>
mlir::kernelred::getConstValues(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return getConstValues(attr);
}

static bool isSplatOf(const std::optional<SmallVector<double>> &values,
                      double splat) {
  return values && llvm::all_of(*values, [&](double v) { return v == splat; });
}

bool mlir::kernelred::isConstSplat(Attribute attr, double splat) {
  return isSplatOf(getConstValues(attr), splat);
}

bool mlir::kernelred::isConstSplat(Value value, double splat) {
  return isSplatOf(getConstValues(value), splat);
}

DenseFPElementsAttr mlir::kernelred::getConstAttr(Type type,
                                                  ArrayRef<double> values) {
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

Value mlir::kernelred::createConst(OpBuilder &builder, Location loc, Type type,
                                   ArrayRef<double> values) {
  return ConstantOp::create(builder, loc, type, getConstAttr(type, values));
}

Value mlir::kernelred::selectConstantBranch(Attribute cond, Value a, Value b) {
  auto vals = getConstValues(cond);
  if (!vals)
    return {};
  if (llvm::all_of(*vals, [](double c) { return c >= 0; }))
    return a;
  if (llvm::none_of(*vals, [](double c) { return c >= 0; }))
    return b;
  return {};
}
