//===- ReductionKinds.cpp - the reduction monoids, written once -----------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "dialect/ReductionKinds.h"

using namespace mlir;
using namespace mlir::kernelred;

//===----------------------------------------------------------------------===//
// ReductionDescription
//===----------------------------------------------------------------------===//

ReductionDescription::ReductionDescription(ReduceOp op)
    : ReductionDescription(
          op.getKind(), kernelred::getFormulaDim(op.getFormula()),
          op.getWeight() ? kernelred::getFormulaDim(op.getWeight()) : 0,
          op.getK().value_or(1),
          op.getSumScheme().value_or(SumScheme::BlockSum), op.getFinalize()) {}

ReductionDescription::ReductionDescription(ReductionKind kind,
                                           int64_t formulaDim,
                                           int64_t weightDim, int64_t k,
                                           SumScheme scheme,
                                           std::optional<Finalize> finalize)
    : kind(kind), formulaDim(formulaDim), weightDim(weightDim), k(k),
      scheme(scheme) {
  switch (kind) {
  case ReductionKind::Sum:
    family = MonoidFamily::Sum;
    break;
  case ReductionKind::Max:
  case ReductionKind::ArgMax:
  case ReductionKind::MaxArgMax:
    largest = true;
    [[fallthrough]];
  case ReductionKind::Min:
  case ReductionKind::ArgMin:
  case ReductionKind::MinArgMin:
    family = MonoidFamily::Select;
    this->k = 1;
    break;
  case ReductionKind::KMin:
  case ReductionKind::ArgKMin:
  case ReductionKind::KMinArgKMin:
    family = MonoidFamily::Select;
    break;
  case ReductionKind::LogSumExp:
    family = MonoidFamily::RunningMaxExp;
    expFinalize = ExpFinalize::Log;
    break;
  case ReductionKind::MaxSumShiftExp:
    family = MonoidFamily::RunningMaxExp;
    expFinalize = ExpFinalize::Raw;
    this->weightDim = 0;
    break;
  case ReductionKind::MaxSumShiftExpWeight:
    family = MonoidFamily::RunningMaxExp;
    expFinalize = ExpFinalize::Raw;
    if (finalize == Finalize::LogSumExp)
      expFinalize = ExpFinalize::Log;
    else if (finalize == Finalize::SoftMax)
      expFinalize = ExpFinalize::SoftMax;
    break;
  case ReductionKind::SumSoftMaxWeight:
    family = MonoidFamily::RunningMaxExp;
    expFinalize = ExpFinalize::SoftMax;
    implicitUnitWeight = true;
    break;
  }
}

int64_t ReductionDescription::getNumExpSums() const {
  int64_t sums = weightDim > 0 ? weightDim : 1;
  return sums + (implicitUnitWeight ? 1 : 0);
}

int64_t ReductionDescription::getNumValueSlots() const {
  switch (family) {
  case MonoidFamily::Sum:
    // s[D], then c[D] (Kahan, block_sum), then the block's partial b[D].
    switch (scheme) {
    case SumScheme::Direct:
      return formulaDim;
    case SumScheme::Kahan:
      return 2 * formulaDim;
    case SumScheme::BlockSum:
      return 3 * formulaDim;
    }
    return formulaDim;
  case MonoidFamily::Select:
    return k * formulaDim;
  case MonoidFamily::RunningMaxExp:
    // m, s[S], then c[S] when compensated.
    return 1 + getNumExpSums() * (isCompensated() ? 2 : 1);
  }
  return 0;
}

int64_t ReductionDescription::getNumIndexSlots() const {
  return family == MonoidFamily::Select ? k * formulaDim : 0;
}

int64_t ReductionDescription::getOutputValueDim() const {
  switch (kind) {
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::ArgKMin:
    return 0;
  default:
    break;
  }
  switch (family) {
  case MonoidFamily::Sum:
    return formulaDim;
  case MonoidFamily::Select:
    return k * formulaDim;
  case MonoidFamily::RunningMaxExp:
    switch (expFinalize) {
    case ExpFinalize::Raw:
      return 1 + getNumExpSums();
    case ExpFinalize::Log:
      return getNumExpSums();
    case ExpFinalize::SoftMax:
      return getNumExpSums() - 1;
    }
  }
  return 0;
}

int64_t ReductionDescription::getOutputIndexDim() const {
  switch (kind) {
  case ReductionKind::ArgMin:
  case ReductionKind::ArgMax:
  case ReductionKind::MinArgMin:
  case ReductionKind::MaxArgMax:
  case ReductionKind::ArgKMin:
  case ReductionKind::KMinArgKMin:
    return k * formulaDim;
  default:
    return 0;
  }
}
