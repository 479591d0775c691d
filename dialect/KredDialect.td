//===- KredDialect.td - kernelred dialect definition -------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_DIALECT_TD
#define KRED_DIALECT_TD

include "mlir/IR/OpBase.td"

def Kred_Dialect : Dialect {
  let name = "kernelred";
  let cppNamespace = "::mlir::kernelred";
  let summary = "Symbolic kernel reductions (the KeOps programming model)";
  let description = [{
    The `kernelred` dialect describes reductions `out_i = Red_j F(x_i, y_j, p)`
    whose M x N matrix is never stored. A `kernelred.reduce` op is a kernel:
    its region holds the formula `F` over i-indexed variables, j-indexed
    variables and parameters (the region's block arguments), written with the
    pointwise ops of this dialect on small vectors `vector<D x T>`.

    KeOps' broadcasting rule holds for elementwise ops: an operand of
    dimension 1 broadcasts against dimension D; every other mismatch is an
    error. Element types are bound at compile time (f16, bf16, f32, f64).
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = [];
}

/// Base class of every kernelred op.
class Kred_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kred_Dialect, mnemonic, traits>;

#endif // KRED_DIALECT_TD
