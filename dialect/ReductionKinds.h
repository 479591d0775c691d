//===- ReductionKinds.h - the reduction monoids, written once ---*- C++ -*-===//
//
// Part of the kernelred project.
//
// Every kernelred reduction is a monoid: an accumulator state with `init`,
// `accumulate(state, F, G, j)`, `merge(state, state)` and `finalize(state)`.
// This file describes all of them once: family, state slots and output
// sizes, which kernelred.reduce, kred-tile and the kernel layout read. The
// IR builders of the monoids, which the CPU loop, the GPU kernel and the
// split-N merge share, are lowering code: ReductionBuilder
// (lib/Conversion/Common/ReductionBuilder.h) extends this description.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_REDUCTIONKINDS_H
#define KRED_DIALECT_REDUCTIONKINDS_H

#include "dialect/KredOps.h"

namespace mlir::kernelred {

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

/// The description of one reduction: kind, family and sizes of its monoid.
/// Cheap to copy. ReductionBuilder (lib/Conversion/Common) adds the IR
/// builders.
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

  /// Number of shifted sums S of a RunningMaxExp state.
  int64_t getNumExpSums() const;
  /// Whether sums carry a compensation slot (Kahan-style schemes).
  bool isCompensated() const { return scheme != SumScheme::Direct; }

protected:
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

} // namespace mlir::kernelred

#endif // KRED_DIALECT_REDUCTIONKINDS_H
