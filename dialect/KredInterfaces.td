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
    (`registerAdjointRuleExternalModels`), one per op, so the dialect itself
    does not depend on the transformation.
  }];
  let methods = [
    InterfaceMethod<[{
        Reverse mode: given `resultAdjoint` (same type as the op's result),
        append to `operandAdjoints` one value per operand: the adjoint
        contribution for that operand (same type as the operand), or a null
        Value when the operand gets none (non-differentiable or zero).
        Fails (with a diagnostic) when the op cannot be differentiated.
      }], "::llvm::LogicalResult", "buildAdjoints",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$resultAdjoint,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)>,
    InterfaceMethod<[{
        Forward mode: given one tangent per operand (null = zero tangent),
        return the tangent of the result (null when it is zero).
      }], "::mlir::FailureOr<::mlir::Value>", "buildTangent",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$operandTangents)>,
  ];
}

#endif // KRED_INTERFACES_TD
