//===- kred-dialect-test-opt.cpp - opt driver with dialect test passes ----===//
//
// Part of the kernelred project.
//
// The kernelred dialect and its test-only passes (--test-kred-*), plus
// canonicalize and cse; it depends on the dialect library only.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::kernelred::test {
void registerTestKredExpandComplexPass();
} // namespace mlir::kernelred::test

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::kernelred::KredDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect>();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::kernelred::test::registerTestKredExpandComplexPass();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "kernelred dialect test driver\n", registry));
}
