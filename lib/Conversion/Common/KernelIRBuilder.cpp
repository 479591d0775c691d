//===- KernelIRBuilder.cpp - helpers the CPU and GPU lowerings share ------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/Common/KernelIRBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::kernelred;

//===----------------------------------------------------------------------===//
// Type rules
//===----------------------------------------------------------------------===//

FloatType mlir::kernelred::getKredComputeType(FloatType elementType) {
  if (elementType.getWidth() < 32)
    return Float32Type::get(elementType.getContext());
  return elementType;
}

FloatType mlir::kernelred::getKredComputeType(ReduceOp op) {
  return getKredComputeType(op.getElementType());
}

int64_t mlir::kernelred::getKredLanes(ReduceOp op, int64_t vectorBits) {
  return std::max<int64_t>(1, vectorBits / getKredComputeType(op).getWidth());
}

Value mlir::kernelred::convertFloat(OpBuilder &b, Location loc, Value v,
                                    FloatType to) {
  Type type = to;
  if (auto vt = dyn_cast<VectorType>(v.getType()))
    type = VectorType::get(vt.getShape(), to);
  if (type == v.getType())
    return v;
  auto from = cast<FloatType>(getElementTypeOrSelf(v.getType()));
  if (from.getWidth() < to.getWidth())
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

//===----------------------------------------------------------------------===//
// KernelIRBuilder
//===----------------------------------------------------------------------===//

KernelIRBuilder::KernelIRBuilder(ReduceOp op, OpBuilder &builder)
    : op(op), desc(op), b(builder), loc(op.getLoc()) {
  MLIRContext *ctx = op.getContext();
  ptrType = LLVM::LLVMPointerType::get(ctx);
  indexType = IntegerType::get(ctx, 64);
  eltType = op.getElementType();
  computeType = getKredComputeType(eltType);
  accType = op.getAccumulationType();
  numValues = desc.getNumValueSlots();
  numIndices = desc.getNumIndexSlots();
  outValues = desc.getOutputValueDim();
  outIndices = desc.getOutputIndexDim();
}

Value KernelIRBuilder::i64(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
Value KernelIRBuilder::addI(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value KernelIRBuilder::subI(Value x, Value y) {
  return arith::SubIOp::create(b, loc, x, y);
}
Value KernelIRBuilder::mulI(Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}
Value KernelIRBuilder::minI(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}
Value KernelIRBuilder::maxI(Value x, Value y) {
  return arith::MaxSIOp::create(b, loc, x, y);
}
Value KernelIRBuilder::ltI(Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
}

Value KernelIRBuilder::gep(Value base, Type elem, Value index) {
  return LLVM::GEPOp::create(b, loc, ptrType, elem, base, ValueRange{index});
}

Value KernelIRBuilder::load(Type type, Value ptr, unsigned align) {
  return LLVM::LoadOp::create(b, loc, type, ptr,
                              align ? align : alignOf(type));
}

void KernelIRBuilder::store(Value v, Value ptr, unsigned align) {
  LLVM::StoreOp::create(b, loc, v, ptr, align ? align : alignOf(v.getType()));
}

unsigned KernelIRBuilder::alignOf(Type type) {
  return std::max<unsigned>(1, type.getIntOrFloatBitWidth() / 8);
}

scf::ForOp KernelIRBuilder::buildFor(
    Value lb, Value ub, Value step, ValueRange init,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  return scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &, Location, Value iv, ValueRange args) {
        SmallVector<Value> next = body(iv, args);
        scf::YieldOp::create(b, loc, next);
      });
}

void KernelIRBuilder::buildIf(Value cond, function_ref<void()> body) {
  auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

AccumulatorState KernelIRBuilder::loadState(Value values, Value indices,
                                               Value row) {
  AccumulatorState s;
  Value valueBase = mulI(row, i64(numValues));
  Value indexBase = mulI(row, i64(numIndices));
  for (int64_t i = 0; i < numValues; ++i)
    s.values.push_back(
        load(accType, gep(values, accType, addI(valueBase, i64(i)))));
  for (int64_t i = 0; i < numIndices; ++i)
    s.indices.push_back(
        load(indexType, gep(indices, indexType, addI(indexBase, i64(i)))));
  return s;
}

void KernelIRBuilder::storeState(const AccumulatorState &s, Value values,
                                    Value indices, Value row) {
  Value valueBase = mulI(row, i64(numValues));
  Value indexBase = mulI(row, i64(numIndices));
  for (int64_t i = 0; i < numValues; ++i)
    store(s.values[i], gep(values, accType, addI(valueBase, i64(i))));
  for (int64_t i = 0; i < numIndices; ++i)
    store(s.indices[i], gep(indices, indexType, addI(indexBase, i64(i))));
}

void KernelIRBuilder::finalizeAndStore(const AccumulatorState &s, Value row,
                                          Value out, Value outIdx) {
  SmallVector<Value> values, indices;
  desc.buildFinalize(b, loc, s, values, indices);
  Value valueBase = mulI(row, i64(outValues));
  Value indexBase = mulI(row, i64(outIndices));
  for (auto [i, v] : llvm::enumerate(values))
    store(convert(v, eltType), gep(out, eltType, addI(valueBase, i64(i))));
  for (auto [i, v] : llvm::enumerate(indices))
    store(v, gep(outIdx, indexType, addI(indexBase, i64(i))));
}

//===----------------------------------------------------------------------===//
// The passes
//===----------------------------------------------------------------------===//

namespace {
struct ReduceLowering : OpRewritePattern<ReduceOp> {
  ReduceLowering(MLIRContext *ctx, ReduceLoweringFn build)
      : OpRewritePattern(ctx), build(std::move(build)) {}

  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.setInsertionPoint(op);
    build(op, rewriter);
    rewriter.eraseOp(op);
    return success();
  }

  ReduceLoweringFn build;
};
} // namespace

void mlir::kernelred::addReduceLoweringPattern(RewritePatternSet &patterns,
                                               ReduceLoweringFn build) {
  patterns.add<ReduceLowering>(patterns.getContext(), std::move(build));
}

LogicalResult mlir::kernelred::lowerKredReductions(
    Operation *module, function_ref<LogicalResult(ReduceOp)> verify,
    function_ref<void(RewritePatternSet &)> populate) {
  bool ok = true;
  module->walk([&](ReduceOp op) { ok &= succeeded(verify(op)); });
  if (!ok)
    return failure();
  RewritePatternSet patterns(module->getContext());
  populate(patterns);
  walkAndApplyPatterns(module, std::move(patterns));
  return success();
}
