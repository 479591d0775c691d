//===- KernelIRBuilder.h - helpers the CPU and GPU lowerings share -*- C++ -*-===//
//
// Part of the kernelred project.
//
// What convert-kred-to-scf (lib/Conversion/KredToSCF/ReduceToFunctions.cpp)
// and convert-kred-to-gpu (lib/Conversion/KredToGPU/ReduceToGPUKernels.cpp)
// both need to build the functions of a kernelred.reduce, written once:
//   - the type rules: formulas of 16-bit kernels are computed in f32
//     (getKredComputeType);
//   - KernelIRBuilder: i64 index arithmetic, raw pointer loads and stores,
//     float conversions, scf loops, and the rows of the accumulator state
//     and of the outputs (load, store, finalize);
//   - the pass skeleton: check every reduction, then rewrite each one.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_COMMON_KERNELIRBUILDER_H
#define KRED_LIB_CONVERSION_COMMON_KERNELIRBUILDER_H

#include "dialect/KredOps.h"
#include "lib/Conversion/Common/ReductionBuilder.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace mlir::kernelred {

//===----------------------------------------------------------------------===//
// Type rules
//===----------------------------------------------------------------------===//

/// The type formulas of `elementType` are computed in: f32 for the 16-bit
/// types (f16, bf16), the element type otherwise. ReduceOp's default
/// accumulation type follows the same rule (16-bit inputs accumulate in
/// f32).
FloatType getKredComputeType(FloatType elementType);
/// The compute type of the formula of `op`.
FloatType getKredComputeType(ReduceOp op);
/// SIMD lanes of a `vectorBits`-wide register of the compute type of `op`
/// (the CPU lowering gives each lane one output row).
int64_t getKredLanes(ReduceOp op, int64_t vectorBits);

/// `v` (a float scalar or vector) converted to element type `to` (extf or
/// truncf), keeping its shape; `v` itself when it already has that type.
Value convertFloat(OpBuilder &b, Location loc, Value v, FloatType to);

//===----------------------------------------------------------------------===//
// KernelIRBuilder
//===----------------------------------------------------------------------===//

/// The common part of the builders of the CPU functions and of the GPU
/// kernels of one kernelred.reduce: memory is `!llvm.ptr` with i64 indices.
class KernelIRBuilder {
public:
  KernelIRBuilder(ReduceOp op, OpBuilder &builder);

protected:
  Value i64(int64_t v);
  Value addI(Value x, Value y);
  Value subI(Value x, Value y);
  Value mulI(Value x, Value y);
  Value minI(Value x, Value y);
  Value maxI(Value x, Value y);
  /// x < y (signed).
  Value ltI(Value x, Value y);
  /// &base[index] for elements of `elem`.
  Value gep(Value base, Type elem, Value index);
  /// Loads a `type` at `ptr` aligned to `align` bytes (0: one scalar of
  /// `type`, which must then be a scalar).
  Value load(Type type, Value ptr, unsigned align = 0);
  void store(Value v, Value ptr, unsigned align = 0);
  /// Alignment (bytes) of one scalar of `type`.
  static unsigned alignOf(Type type);
  /// `v` converted to float type `to`, keeping its shape.
  Value convert(Value v, FloatType to) { return convertFloat(b, loc, v, to); }

  /// scf.for over [lb, ub) with step; `body(iv, iterArgs)` returns the
  /// yielded values.
  scf::ForOp buildFor(Value lb, Value ub, Value step, ValueRange init,
                      function_ref<SmallVector<Value>(Value, ValueRange)> body);
  /// scf.if `cond` { body } with no results.
  void buildIf(Value cond, function_ref<void()> body);

  /// The accumulator state of row `row` of the row-major state arrays
  /// (`numValues` values of the accumulation type, `numIndices` i64 per
  /// row), in ReductionDescription's slot order.
  AccumulatorState loadState(Value values, Value indices, Value row);
  void storeState(const AccumulatorState &s, Value values, Value indices,
                     Value row);
  /// Finalizes `s` and writes output row `row` (`outValues` values of the
  /// element type, `outIndices` i64).
  void finalizeAndStore(const AccumulatorState &s, Value row, Value out,
                           Value outIdx);

  ReduceOp op;
  ReductionBuilder desc;
  OpBuilder &b;
  Location loc;
  Type ptrType;
  IntegerType indexType;
  /// Inputs and outputs, formulas, accumulators.
  FloatType eltType, computeType, accType;
  /// Slots of the state and of the output per row.
  int64_t numValues, numIndices, outValues, outIndices;
};

//===----------------------------------------------------------------------===//
// The passes
//===----------------------------------------------------------------------===//

/// Builds the replacement of `op` at the builder's insertion point (before
/// `op`), which is then erased.
using ReduceLoweringFn = std::function<void(ReduceOp op, OpBuilder &b)>;

/// The pattern replacing every kernelred.reduce by what `build` creates.
void addReduceLoweringPattern(RewritePatternSet &patterns,
                              ReduceLoweringFn build);

/// The body of convert-kred-to-scf and convert-kred-to-gpu: checks every
/// kernelred.reduce of `module` with `verify` (all of them, so that every
/// problem is reported), then applies the patterns of `populate`. Fails when
/// a check does.
LogicalResult
lowerKredReductions(Operation *module,
                    function_ref<LogicalResult(ReduceOp)> verify,
                    function_ref<void(RewritePatternSet &)> populate);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_COMMON_KERNELIRBUILDER_H
