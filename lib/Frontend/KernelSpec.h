//===- KernelSpec.h - what a user asks to compile ---------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// A kernel as KeOps users describe it (Genred's arguments): a formula string,
// its aliases, the reduction, the axis, the dtype and the options. The
// frontend turns it into kernelred IR; the compiler, the AOT driver and
// Python all start from it.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_KERNELSPEC_H
#define KRED_LIB_FRONTEND_KERNELSPEC_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kernelred {

struct KernelSpec {
  /// Symbol name of the kernel (a C identifier).
  std::string name = "kernel";
  /// The formula F, in KeOps syntax, e.g. "Square(p-a)*Exp(x+y)".
  std::string formula;
  /// Aliases, e.g. {"x = Vi(1)", "y = Vj(0,3)", "p = Pm(1)"}.
  std::vector<std::string> aliases;
  /// KeOps reduction_op: Sum, LogSumExp, LogSumExpWeight, SumSoftMaxWeight,
  /// Max_SumShiftExp, Max_SumShiftExpWeight, Min, Max, ArgMin, ArgMax,
  /// Min_ArgMin, Max_ArgMax, KMin, ArgKMin, KMin_ArgKMin.
  std::string reduction = "Sum";
  /// 1: reduce over j (one output row per i); 0: reduce over i.
  int axis = 1;
  /// float16, bfloat16, float32 or float64.
  std::string dtype = "float32";
  /// K of the KMin family (KeOps opt_arg).
  std::optional<int64_t> optArg;
  /// Weight formula G (KeOps formula2) for LogSumExp with weight,
  /// SumSoftMaxWeight and Max_SumShiftExpWeight; empty when none.
  std::string formula2;
  /// Accumulation dtype: auto, float16, float32, float64 (KeOps dtype_acc).
  std::string dtypeAcc = "auto";
  /// auto, block_sum, kahan_scheme, direct_sum (KeOps sum_scheme).
  std::string sumScheme = "auto";
};

} // namespace mlir::kernelred

#endif // KRED_LIB_FRONTEND_KERNELSPEC_H
