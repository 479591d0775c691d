//===- TestExpandComplex.cpp - test pass for the complex expansion --------===//
//
// Part of the kernelred project.
//
// --test-kred-expand-complex: runs expandComplexOps (dialect/ExpandComplex.h)
// on the module, without canonicalization, so that lit tests see exactly
// what the patterns produce.
//
//===----------------------------------------------------------------------===//

#include "dialect/ExpandComplex.h"
#include "dialect/KredOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

struct TestKredExpandComplexPass
    : PassWrapper<TestKredExpandComplexPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestKredExpandComplexPass)

  StringRef getArgument() const final { return "test-kred-expand-complex"; }
  StringRef getDescription() const final {
    return "Expand the kernelred complex ops into real kernelred ops "
           "(populateExpandComplexPatterns), without canonicalization";
  }
  void getDependentDialects(DialectRegistry &registry) const final {
    registry.insert<kernelred::KredDialect>();
  }
  void runOnOperation() final {
    if (failed(kernelred::expandComplexOps(getOperation())))
      signalPassFailure();
  }
};

} // namespace

namespace mlir::kernelred::test {
void registerTestKredExpandComplexPass() {
  PassRegistration<TestKredExpandComplexPass>();
}
} // namespace mlir::kernelred::test
