//===- kred-opt.cpp - kernelred optimizer driver --------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Registration/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::kernelred::registerAllKredDialects(registry);
  mlir::kernelred::registerAllKredPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "kernelred optimizer driver\n", registry));
}
