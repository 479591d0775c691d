//===- KredInterfaces.td - kernelred op interfaces ---------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_INTERFACES_TD
#define KRED_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kred_AdjointOpInterface : OpInterface<"AdjointOpInterface"> {
  let cppNamespace = "::mlir::kernelred";
  let description = [{
    The differentiation rules of a formula op, used by `kred-autodiff` to
    eliminate `kernelred.grad`, `kernelred.diff`, `kernelred.divergence`,
    `kernelred.laplacian` and `kernelred.gradmatrix`. The rules are attached
    as external models by the autodiff library
    (`registerAdjointRuleExternalModels` in lib/Transforms/Passes.h), one per
    op, so the dialect itself does not depend on the transformation.

    A rule builds new formula ops with `builder` (its insertion point is
    after every value the rule may use: the op, its operands and the given
    adjoint or tangents). A null Value stands for zero everywhere, so rules
    never materialize `Zero(...)` terms. Rules follow KeOps' conventions
    (KEOPS_REFERENCE.md §1): e.g. `Sqrt'(0) = 0` through `Rsqrt(0) = 0`,
    no derivative through the condition of `IfElse`, `Abs' = Sign`,
    `ReLU' = Step`.
  }];
  let methods = [
    InterfaceMethod<[{
        Reverse mode: given `resultAdjoint` (same type as the op's result),
        append to `operandAdjoints` one value per operand: the adjoint
        contribution for that operand (same type as the operand), or a null
        Value when the operand gets none (non-differentiable or zero).
        `activeOperands` has one flag per operand: the engine only needs the
        adjoints of the flagged operands (those that depend on the variable
        being differentiated) and the rule may return null for the others.
        Fails (with a diagnostic) when the op cannot be differentiated.
      }], "::llvm::LogicalResult", "buildAdjoints",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$resultAdjoint,
           "::llvm::ArrayRef<bool>":$activeOperands,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)>,
    InterfaceMethod<[{
        Forward mode: given one tangent per operand (null = zero tangent,
        otherwise the operand's type), return the tangent of the result
        (the result's type, or null when it is zero). Fails (with a
        diagnostic) when the op cannot be differentiated.
      }], "::mlir::FailureOr<::mlir::Value>", "buildTangent",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$operandTangents)>,
    InterfaceMethod<[{
        True when the result is piecewise constant in every operand (Sign,
        Step, Floor, Round, comparisons, ArgMin/ArgMax, OneHot,
        DiffClampInt): its derivative is zero wherever it exists, and
        kred-autodiff treats the result as a constant.
      }], "bool", "hasZeroDerivative", (ins), "",
      /*defaultImplementation=*/"return false;">,
  ];
}

#endif // KRED_INTERFACES_TD
