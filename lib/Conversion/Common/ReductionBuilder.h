//===- ReductionBuilder.h - IR builders of the reduction monoids -*- C++
//-*-===//
//
// Part of the kernelred project.
//
// The IR of every reduction monoid (dialect/ReductionKinds.h), written once:
// the CPU loop (SIMD lanes over rows), the GPU kernel (one thread per row),
// the split-N merge and later the multi-device merge all build their
// accumulators through ReductionBuilder.
//
// The builders work on "lanes": every value is either a scalar of the
// accumulation type T or a vector<L x T> (one lane per output row on the
// CPU), and every index is an i64 or a vector<L x i64> of the same shape.
// They emit arith, math and scf ops only.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_COMMON_REDUCTIONBUILDER_H
#define KRED_LIB_CONVERSION_COMMON_REDUCTIONBUILDER_H

#include "dialect/ReductionKinds.h"

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

/// A reduction's description with the IR builders of its monoid.
class ReductionBuilder : public ReductionDescription {
public:
  using ReductionDescription::ReductionDescription;
  explicit ReductionBuilder(const ReductionDescription &desc)
      : ReductionDescription(desc) {}

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
  void buildEndBlock(OpBuilder &b, Location loc, AccumulatorState &state) const;

  /// Block partials of the compensated running-max family (LogSumExp,
  /// SumSoftMaxWeight, Max_SumShiftExp*: getFamily() == RunningMaxExp with
  /// a compensated scheme). buildAccumulate takes a Kahan step per pair and
  /// sum; a lowering that walks the reduced index in blocks may instead keep
  /// getNumExpPartials() values for the block (buildInitExpPartials): one
  /// plain partial per exp sum and the pending scale of the compensated
  /// sums. buildAccumulateExpBlock adds a pair to the partials (a new
  /// maximum scales the partials and the pending scale; on scalar lanes
  /// under an scf.if, as it is rare); buildEndExpBlock applies the pending
  /// scale and folds the partials into the compensated sums at the end of
  /// the block, as block_sum does for Sum.
  bool usesExpBlocks() const {
    return getFamily() == MonoidFamily::RunningMaxExp && isCompensated();
  }
  /// Two-pass tiles of the running-max family (the CPU lowering): a first
  /// pass over a tile of the reduced index computes the formula and its
  /// maximum (tileMax, per lane); buildRescaleExpTile moves the running
  /// maximum there, scales the sums once (one exp per tile instead of one
  /// per pair) and returns the shift of the tile's terms; the second pass
  /// adds exp(f - shift) * w to getNumExpSums() plain partials
  /// (buildAddExpTerm, one exp per pair and no per-pair rescaling or Kahan
  /// step); buildEndExpTile folds the partials into the (compensated) sums.
  Value buildRescaleExpTile(OpBuilder &b, Location loc,
                            AccumulatorState &state, Value tileMax) const;
  void buildAddExpTerm(OpBuilder &b, Location loc,
                       SmallVectorImpl<Value> &partials, Value f, ValueRange g,
                       Value shift) const;
  void buildEndExpTile(OpBuilder &b, Location loc, AccumulatorState &state,
                       ArrayRef<Value> partials) const;
  int64_t getNumExpPartials() const {
    return usesExpBlocks() ? getNumExpSums() + 1 : 0;
  }
  SmallVector<Value> buildInitExpPartials(OpBuilder &b, Location loc,
                                          Type laneType) const;
  void buildAccumulateExpBlock(OpBuilder &b, Location loc,
                               AccumulatorState &state,
                               SmallVectorImpl<Value> &partials, ValueRange f,
                               ValueRange g) const;
  void buildEndExpBlock(OpBuilder &b, Location loc, AccumulatorState &state,
                        SmallVectorImpl<Value> &partials) const;

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
  /// The running-max family's pair step at value v against the maximum m:
  /// (e = exp(-|v - m|), 1 when v == m and 0 when v = -inf; v > m).
  std::pair<Value, Value> buildExpStep(OpBuilder &b, Location loc, Value v,
                                       Value m) const;
  /// The weight of exp sum `s` (1 for the implicit unit weight, or no G).
  Value getExpWeight(ValueRange g, int64_t s, Value one) const;
};

/// A constant of `laneType` (scalar float or vector of floats) equal to
/// `value` in every lane.
Value buildLaneConstant(OpBuilder &b, Location loc, Type laneType,
                        double value);

/// An index constant of `indexLaneType` (i64 or vector<L x i64>).
Value buildIndexLaneConstant(OpBuilder &b, Location loc, Type indexLaneType,
                             int64_t value);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_COMMON_REDUCTIONBUILDER_H
