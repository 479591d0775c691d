//===- KredAttrs.td - kernelred enums and attributes -------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_ATTRS_TD
#define KRED_ATTRS_TD

include "mlir/IR/EnumAttr.td"
include "dialect/KredDialect.td"

//===----------------------------------------------------------------------===//
// Reduction kinds (KeOps' reduction_op names).
//===----------------------------------------------------------------------===//

def Kred_RK_Sum : I32EnumAttrCase<"Sum", 0, "sum">;
def Kred_RK_LogSumExp : I32EnumAttrCase<"LogSumExp", 1, "logsumexp">;
def Kred_RK_MaxSumShiftExp
    : I32EnumAttrCase<"MaxSumShiftExp", 2, "max_sumshiftexp">;
def Kred_RK_MaxSumShiftExpWeight
    : I32EnumAttrCase<"MaxSumShiftExpWeight", 3, "max_sumshiftexp_weight">;
def Kred_RK_SumSoftMaxWeight
    : I32EnumAttrCase<"SumSoftMaxWeight", 4, "sumsoftmaxweight">;
def Kred_RK_Min : I32EnumAttrCase<"Min", 5, "min">;
def Kred_RK_Max : I32EnumAttrCase<"Max", 6, "max">;
def Kred_RK_ArgMin : I32EnumAttrCase<"ArgMin", 7, "argmin">;
def Kred_RK_ArgMax : I32EnumAttrCase<"ArgMax", 8, "argmax">;
def Kred_RK_MinArgMin : I32EnumAttrCase<"MinArgMin", 9, "min_argmin">;
def Kred_RK_MaxArgMax : I32EnumAttrCase<"MaxArgMax", 10, "max_argmax">;
def Kred_RK_KMin : I32EnumAttrCase<"KMin", 11, "kmin">;
def Kred_RK_ArgKMin : I32EnumAttrCase<"ArgKMin", 12, "argkmin">;
def Kred_RK_KMinArgKMin : I32EnumAttrCase<"KMinArgKMin", 13, "kmin_argkmin">;

def Kred_ReductionKind : I32EnumAttr<"ReductionKind",
    "kind of reduction over the reduced index", [
      Kred_RK_Sum, Kred_RK_LogSumExp, Kred_RK_MaxSumShiftExp,
      Kred_RK_MaxSumShiftExpWeight, Kred_RK_SumSoftMaxWeight, Kred_RK_Min,
      Kred_RK_Max, Kred_RK_ArgMin, Kred_RK_ArgMax, Kred_RK_MinArgMin,
      Kred_RK_MaxArgMax, Kred_RK_KMin, Kred_RK_ArgKMin, Kred_RK_KMinArgKMin
    ]> {
  let cppNamespace = "::mlir::kernelred";
}

//===----------------------------------------------------------------------===//
// Finalize step of the online (running-max) log-sum-exp monoid, set by
// kred-online-logsumexp on max_sumshiftexp_weight reductions.
//===----------------------------------------------------------------------===//

def Kred_FIN_None : I32EnumAttrCase<"None", 0, "none">;
def Kred_FIN_Log : I32EnumAttrCase<"LogSumExp", 1, "logsumexp">;
def Kred_FIN_SoftMax : I32EnumAttrCase<"SoftMax", 2, "softmax">;

def Kred_Finalize : I32EnumAttr<"Finalize",
    "finalize step of a running-max accumulator",
    [Kred_FIN_None, Kred_FIN_Log, Kred_FIN_SoftMax]> {
  let cppNamespace = "::mlir::kernelred";
  let genSpecializedAttr = 0;
}
def Kred_FinalizeAttr : EnumAttr<Kred_Dialect, Kred_Finalize, "finalize"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Summation schemes (KeOps' sum_scheme).
//===----------------------------------------------------------------------===//

def Kred_SS_BlockSum : I32EnumAttrCase<"BlockSum", 0, "block_sum">;
def Kred_SS_Kahan : I32EnumAttrCase<"Kahan", 1, "kahan_scheme">;
def Kred_SS_Direct : I32EnumAttrCase<"Direct", 2, "direct_sum">;

def Kred_SumScheme : I32EnumAttr<"SumScheme", "summation scheme",
    [Kred_SS_BlockSum, Kred_SS_Kahan, Kred_SS_Direct]> {
  let cppNamespace = "::mlir::kernelred";
  let genSpecializedAttr = 0;
}
def Kred_SumSchemeAttr : EnumAttr<Kred_Dialect, Kred_SumScheme, "sum_scheme"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Variable categories (KeOps' Var(ind, dim, cat)).
//===----------------------------------------------------------------------===//

def Kred_VC_I : I32EnumAttrCase<"I", 0, "i">;
def Kred_VC_J : I32EnumAttrCase<"J", 1, "j">;
def Kred_VC_Param : I32EnumAttrCase<"Param", 2, "p">;

def Kred_VarCategory : I32EnumAttr<"VarCategory",
    "category of a kernel variable", [Kred_VC_I, Kred_VC_J, Kred_VC_Param]> {
  let cppNamespace = "::mlir::kernelred";
}

#endif // KRED_ATTRS_TD
