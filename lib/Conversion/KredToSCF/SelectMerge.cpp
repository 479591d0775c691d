//===- SelectMerge.cpp - K-selection merges in memory ---------------------===//
//
// Part of the kernelred project.
//
// The merge of two K-selection states (KMin, ArgKMin, KMin_ArgKMin with
// K > 1) as loops over the K slots, on states in memory. Unrolled, the
// insertion network of ReductionBuilder::buildMerge is K^2
// compare-and-swap steps per component: for K = 64 tens of thousands of
// ops, most of a kernel's compile time (seconds of LLVM and ptxas), for a
// step that only runs when the reduced index is split. The CPU's NAME_merge
// and the GPU's NAME_gpu_merge both build it here.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

#include "lib/Conversion/Common/ReductionBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::kernelred;

void mlir::kernelred::buildSelectMergeInMemory(
    OpBuilder &b, Location loc, const ReductionDescription &desc, Type accType,
    Value aValues, Value aIndices, Value bValues, Value bIndices) {
  assert(desc.getFamily() == MonoidFamily::Select && "not a K-selection");
  int64_t k = desc.getK();
  int64_t d = desc.getFormulaDim();
  // One component's comparisons (the same as buildMerge's).
  ReductionBuilder component(desc.getKind(), 1, 0, k, desc.getSumScheme(),
                             std::nullopt);
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Type i64 = b.getI64Type();
  unsigned valueAlign = accType.getIntOrFloatBitWidth() / 8;
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  auto at = [&](Value base, Type element, Value index) -> Value {
    return LLVM::GEPOp::create(b, loc, ptrType, element, base,
                               ValueRange{index});
  };
  auto forLoop = [&](int64_t upper, ValueRange init,
                     function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(
        b, loc, cst(0), cst(upper), cst(1), init,
        [&](OpBuilder &nested, Location, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(nested.getInsertionBlock());
          scf::YieldOp::create(b, loc, body(iv, args));
        });
    return loop;
  };
  // b's entries, in order, are inserted into a's sorted list; each pass
  // over a's slots carries the entry pushed down.
  forLoop(d, {}, [&](Value c, ValueRange) {
    forLoop(k, {}, [&](Value s, ValueRange) {
      Value slot = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, s, cst(d)), c);
      Value v = LLVM::LoadOp::create(b, loc, accType,
                                     at(bValues, accType, slot), valueAlign);
      Value id = LLVM::LoadOp::create(b, loc, i64, at(bIndices, i64, slot), 8);
      forLoop(k, {v, id}, [&](Value t, ValueRange entry) {
        Value aSlot = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, t, cst(d)), c);
        Value vPtr = at(aValues, accType, aSlot);
        Value iPtr = at(aIndices, i64, aSlot);
        Value oldV = LLVM::LoadOp::create(b, loc, accType, vPtr, valueAlign);
        Value oldI = LLVM::LoadOp::create(b, loc, i64, iPtr, 8);
        Value better = component.buildSelectsBefore(b, loc, entry[0], entry[1],
                                                    oldV, oldI);
        auto select = [&](Value x, Value y) -> Value {
          return arith::SelectOp::create(b, loc, better, x, y);
        };
        LLVM::StoreOp::create(b, loc, select(entry[0], oldV), vPtr,
                              valueAlign);
        LLVM::StoreOp::create(b, loc, select(entry[1], oldI), iPtr, 8);
        return SmallVector<Value>{select(oldV, entry[0]),
                                  select(oldI, entry[1])};
      });
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
}
