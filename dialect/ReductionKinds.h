//===- ReductionKinds.h - the reduction monoids, written once ---*- C++ -*-===//
//
// Part of the kernelred project.
//
// Every kernelred reduction is a monoid: an accumulator state with `init`,
// `accumulate(state, F, G, j)`, `merge(state, state)` and `finalize(state)`.
// This file describes all of them once; the CPU loop (SIMD lanes over rows),
// the GPU kernel (one thread per row), the split-N merge and later the
// multi-device merge all build their IR through it.
//
// The builders work on "lanes": every value is either a scalar of the
// accumulation type T or a vector<L x T> (one lane per output row on the
// CPU), and every index is an i64 or a vector<L x i64> of the same shape.
// They emit arith, math and scf ops only.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_REDUCTIONKINDS_H
#define KRED_DIALECT_REDUCTIONKINDS_H

#include "dialect/KredOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::kernelred {

/// The accumulator of one output row (or of one SIMD group of rows).
struct AccumulatorState {
  /// Value slots, of the lane type.
  SmallVector<Value> values;
  /// Index slots, of the index lane type.
  SmallVector<Value> indices;

  /// All value slots then all index slots (for loop-carried values).
  SmallVector<Value> flatten() const;
  /// Inverse of flatten() given the number of value slots.
  static AccumulatorState unflatten(ValueRange flat, int64_t numValues);
};

/// The monoid families the reduction kinds map onto.
enum class MonoidFamily {
  /// Sum of F (direct, Kahan-compensated, or block sums).
  Sum,
  /// The K smallest / largest components (K = 1 for min, max, argmin, ...).
  Select,
  /// Running maximum m and shifted sums s_k = sum exp(F - m) * W_k.
  RunningMaxExp,
};

/// How a RunningMaxExp state becomes the output.
enum class ExpFinalize {
  /// (m, s_0, ..., s_{S-1}): KeOps' raw Max_SumShiftExp(Weight).
  Raw,
  /// m + log(s_k): LogSumExp (weighted or not).
  Log,
  /// s_k / s_0 for k >= 1: SumSoftMaxWeight.
  SoftMax,
};

/// The description of one reduction: kind, sizes and the IR builders of its
/// monoid. Cheap to copy.
class ReductionDescription {
public:
  /// Describes the reduction of `op` (its kind, K, formula and weight
  /// dimensions, summation scheme and finalize step).
  explicit ReductionDescription(ReduceOp op);
  ReductionDescription(ReductionKind kind, int64_t formulaDim,
                       int64_t weightDim, int64_t k, SumScheme scheme,
                       std::optional<Finalize> finalize);

  ReductionKind getKind() const { return kind; }
  MonoidFamily getFamily() const { return family; }
  int64_t getFormulaDim() const { return formulaDim; }
  /// Dimension of the weight formula G, 0 without one.
  int64_t getWeightDim() const { return weightDim; }
  int64_t getK() const { return k; }
  SumScheme getSumScheme() const { return scheme; }
  ExpFinalize getExpFinalize() const { return expFinalize; }
  /// True for max, max_argmax, argmax (select the largest).
  bool selectsLargest() const { return largest; }

  /// Number of value / index slots of the state.
  int64_t getNumValueSlots() const;
  int64_t getNumIndexSlots() const;
  /// Number of values / indices written per output row.
  int64_t getOutputValueDim() const;
  int64_t getOutputIndexDim() const;
  /// Whether the lowering should call buildEndBlock at the end of each block
  /// of the reduced index.
  bool usesBlocks() const {
    return family == MonoidFamily::Sum && scheme == SumScheme::BlockSum;
  }

  /// The identity state. `laneType` is T or vector<L x T>; `indexLaneType`
  /// is i64 or vector<L x i64>.
  AccumulatorState buildInit(OpBuilder &b, Location loc, Type laneType,
                             Type indexLaneType) const;

  /// state <- state (+) (F, G) at reduced index `j`. `f` holds formulaDim
  /// lane values, `g` weightDim lane values (empty without a weight), `j`
  /// is an index lane value. Values are of the state's lane type. On one
  /// state, j must increase from call to call (use buildMerge to combine
  /// states over other ranges): the K-selections rely on it to keep the
  /// lowest index among equal values, as KeOps does.
  void buildAccumulate(OpBuilder &b, Location loc, AccumulatorState &state,
                       ValueRange f, ValueRange g, Value j) const;

  /// Ends a block of the reduced index (block_sum: fold the block's partial
  /// sum into the compensated total). A no-op for the other schemes.
  void buildEndBlock(OpBuilder &b, Location loc,
                     AccumulatorState &state) const;

  /// a <- a (+) b, where b covers reduced indices after a's: on ties a wins,
  /// so the lowest index is kept as in KeOps.
  void buildMerge(OpBuilder &b, Location loc, AccumulatorState &a,
                  const AccumulatorState &bState) const;

  /// Select family: true where (v, vi) comes before (w, wi) in the sorted
  /// lists (the comparison buildMerge inserts with).
  Value buildSelectsBefore(OpBuilder &b, Location loc, Value v, Value vi,
                           Value w, Value wi) const;

  /// The output of one row: getOutputValueDim() values (lane type) and
  /// getOutputIndexDim() indices (index lane type).
  void buildFinalize(OpBuilder &b, Location loc, const AccumulatorState &state,
                     SmallVectorImpl<Value> &values,
                     SmallVectorImpl<Value> &indices) const;

private:
  /// Number of shifted sums S of a RunningMaxExp state.
  int64_t getNumExpSums() const;
  /// Number of compensation slots per sum (1 with Kahan-style schemes).
  bool compensated() const;

  ReductionKind kind;
  MonoidFamily family;
  int64_t formulaDim;
  int64_t weightDim;
  int64_t k;
  SumScheme scheme;
  ExpFinalize expFinalize = ExpFinalize::Raw;
  bool largest = false;
  /// SumSoftMaxWeight prepends an implicit weight 1 (the normalizer s_0).
  bool implicitUnitWeight = false;
};

/// A constant of `laneType` (scalar float or vector of floats) equal to
/// `value` in every lane.
Value buildLaneConstant(OpBuilder &b, Location loc, Type laneType,
                        double value);

/// An index constant of `indexLaneType` (i64 or vector<L x i64>).
Value buildIndexLaneConstant(OpBuilder &b, Location loc, Type indexLaneType,
                             int64_t value);

} // namespace mlir::kernelred

#endif // KRED_DIALECT_REDUCTIONKINDS_H
