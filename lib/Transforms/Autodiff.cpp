//===- Autodiff.cpp - KredAutodiffPass ------------------------------------===//
//
// Part of the kernelred project.
//
// Eliminates the symbolic differential operators of every kernelred.reduce:
// Grad (reverse mode), Diff (forward mode), Divergence and Laplacian (traces
// of Jacobians, through forward mode on the standard basis) and GradMatrix
// (Grad on the standard basis). Complex ops are first expanded into real
// ops (lib/Transforms/ExpandComplex.h). The derivative ops are processed in
// block order, so the innermost derivative of a nested one is explicit
// before the outer one is differentiated. The derivative formulas are then
// simplified (kernelred folders and canonicalization patterns,
// autodiff-specific patterns, CSE).
//
//===----------------------------------------------------------------------===//

#include "lib/Transforms/AutodiffEngine.h"
#include "lib/Transforms/ExpandComplex.h"
#include "lib/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::kernelred {
#define GEN_PASS_DEF_KREDAUTODIFFPASS
#include "lib/Transforms/Passes.h.inc"
} // namespace mlir::kernelred

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::autodiff;

//===----------------------------------------------------------------------===//
// Simplification
//===----------------------------------------------------------------------===//

static FrozenRewritePatternSet buildSimplifyPatterns(MLIRContext *ctx) {
  RewritePatternSet patterns(ctx);
  auto *dialect = ctx->getLoadedDialect<KredDialect>();
  dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    if (&name.getDialect() == dialect)
      name.getCanonicalizationPatterns(patterns, ctx);
  populateAutodiffSimplifyPatterns(patterns);
  return FrozenRewritePatternSet(std::move(patterns));
}

/// Simplifies the formula of `reduce`. Not reaching a fixpoint within the
/// greedy driver's iteration limit is not an error: every pattern preserves
/// the value, the formula is only less simplified.
static void simplify(ReduceOp reduce, const FrozenRewritePatternSet &patterns) {
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  IRRewriter rewriter(reduce.getContext());
  auto cse = [&] {
    DominanceInfo dominance(reduce);
    bool changed = false;
    eliminateCommonSubExpressions(rewriter, dominance, reduce, &changed);
    return changed;
  };
  // Patterns and CSE until neither changes anything: CSE exposes patterns
  // (x * x, x - x) and patterns create common subexpressions (the
  // components of a shared vector). The result always ends CSE-clean.
  (void)applyPatternsGreedily(reduce.getBody(), patterns, config);
  for (int round = 0; round < 8; ++round) {
    if (!cse())
      return;
    bool changed = false;
    (void)applyPatternsGreedily(reduce.getBody(), patterns, config, &changed);
    if (!changed)
      return;
  }
  (void)cse();
}

void mlir::kernelred::autodiff::simplifyFormula(ReduceOp reduce) {
  simplify(reduce, buildSimplifyPatterns(reduce.getContext()));
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// True for the ops the pass eliminates.
static bool isDerivativeOp(Operation *op) {
  return isa<GradOp, DiffOp, DivergenceOp, LaplacianOp, GradMatrixOp>(op);
}

/// The explicit formula of one derivative op, built before it.
static FailureOr<Value> lowerDerivative(Operation *op) {
  OpBuilder builder(op);
  Location loc = op->getLoc();
  return llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
      .Case([&](GradOp grad) {
        return buildGrad(builder, loc, grad.getFormula(), grad.getVar(),
                         grad.getDir(), op);
      })
      .Case([&](DiffOp diff) {
        return buildDiff(builder, loc, diff.getFormula(), diff.getVar(),
                         diff.getDir(), op);
      })
      .Case([&](DivergenceOp div) {
        return buildDivergence(builder, loc, div.getFormula(), div.getVar(),
                               op);
      })
      .Case([&](LaplacianOp lap) {
        return buildLaplacian(builder, loc, lap.getFormula(), lap.getVar(), op);
      })
      .Case([&](GradMatrixOp jac) {
        return buildGradMatrix(builder, loc, jac.getFormula(), jac.getVar(),
                               op);
      })
      .Default([](Operation *) { return failure(); });
}

namespace {
struct KredAutodiffPass
    : mlir::kernelred::impl::KredAutodiffPassBase<KredAutodiffPass> {
  using KredAutodiffPassBase::KredAutodiffPassBase;

  LogicalResult initialize(MLIRContext *ctx) override {
    patterns = buildSimplifyPatterns(ctx);
    return success();
  }

  void runOnOperation() override {
    bool failedAny = false;
    getOperation().walk([&](ReduceOp reduce) {
      if (failed(runOnReduce(reduce)))
        failedAny = true;
    });
    if (failedAny)
      signalPassFailure();
  }

  LogicalResult runOnReduce(ReduceOp reduce) {
    SmallVector<Operation *> derivatives;
    reduce.walk([&](Operation *op) {
      if (isDerivativeOp(op))
        derivatives.push_back(op);
    });
    if (derivatives.empty())
      return success();
    // Complex ops are differentiated through their real expansion.
    bool hasComplex = false;
    reduce.walk([&](Operation *op) { hasComplex |= isComplexOp(op); });
    if (hasComplex && failed(expandComplexOps(reduce)))
      return failure();
    // Block order: an inner derivative (an operand of an outer one) comes
    // first and is explicit when the outer one walks its def chain.
    for (Operation *op : derivatives) {
      FailureOr<Value> replacement = lowerDerivative(op);
      if (failed(replacement))
        return failure();
      op->getResult(0).replaceAllUsesWith(*replacement);
      op->erase();
    }
    if (simplifyResult)
      simplify(reduce, patterns);
    return success();
  }

  FrozenRewritePatternSet patterns;
};
} // namespace
