//===- FormulaEvaluator.cpp - staged evaluation of a formula region -------===//
//
// Part of the kernelred project.
//
// Every value of the formula is computed at the outermost loop where its
// inputs are known: constants and parameters once per call, values of the
// output-row variables once per block of rows, values of the reduced-index
// variables once per reduced index (as scalars, broadcast where they meet
// per-lane values), and the rest once per pair.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"

using namespace mlir;
using namespace mlir::kernelred;

static FormulaStage join(FormulaStage a, FormulaStage b) {
  return static_cast<FormulaStage>(static_cast<unsigned>(a) |
                                   static_cast<unsigned>(b));
}

FormulaEvaluator::FormulaEvaluator(ReduceOp op,
                                   const FormulaLowerings &lowerings)
    : op(op), lowerings(lowerings) {
  Block &body = op.getBodyBlock();
  VarCategory rowCat = op.getOutputCategory();
  VarCategory redCat = op.getReducedCategory();
  for (BlockArgument arg : body.getArguments()) {
    VarCategory cat = op.getVarCategory(arg.getArgNumber());
    FormulaStage stage = FormulaStage::Uniform;
    if (cat == rowCat)
      stage = FormulaStage::Rows;
    else if (cat == redCat)
      stage = FormulaStage::Reduced;
    stages[arg] = stage;
  }
  for (Operation &inner : body.without_terminator()) {
    FormulaStage stage = FormulaStage::Uniform;
    for (Value operand : inner.getOperands())
      stage = join(stage, stages.lookup(operand));
    for (Value result : inner.getResults())
      stages[result] = stage;
  }
}

LogicalResult FormulaEvaluator::verifyLowerable() {
  for (Operation &inner : op.getBodyBlock().without_terminator()) {
    if (isa<GradOp, DiffOp, DivergenceOp, LaplacianOp, GradMatrixOp>(inner))
      return inner.emitOpError(
          "is a symbolic derivative; run kred-autodiff before "
          "convert-kred-to-scf");
    if (!lowerings.lookup(&inner))
      return inner.emitOpError("has no CPU lowering");
  }
  return success();
}

FormulaStage FormulaEvaluator::getStage(Value v) const {
  return stages.lookup(v);
}

const Components &FormulaEvaluator::lookup(Value v, const Env &env) const {
  DenseMap<Value, Components> *map = nullptr;
  switch (getStage(v)) {
  case FormulaStage::Uniform:
    map = env.uniform;
    break;
  case FormulaStage::Rows:
    map = env.rows;
    break;
  case FormulaStage::Reduced:
    map = env.reduced;
    break;
  case FormulaStage::Pair:
    map = env.pair;
    break;
  }
  assert(map && map->count(v) && "formula value used before evaluation");
  return map->find(v)->second;
}

LogicalResult FormulaEvaluator::evaluate(FormulaStage stage,
                                         LaneBuilder &lanes, Env &env) {
  DenseMap<Value, Components> *target = nullptr;
  switch (stage) {
  case FormulaStage::Uniform:
    target = env.uniform;
    break;
  case FormulaStage::Rows:
    target = env.rows;
    break;
  case FormulaStage::Reduced:
    target = env.reduced;
    break;
  case FormulaStage::Pair:
    target = env.pair;
    break;
  }
  for (Operation &inner : op.getBodyBlock().without_terminator()) {
    if (inner.getNumResults() != 1 || getStage(inner.getResult(0)) != stage)
      continue;
    const FormulaLoweringFn *fn = lowerings.lookup(&inner);
    if (!fn)
      return inner.emitOpError("has no CPU lowering");
    SmallVector<Components> operands;
    for (Value operand : inner.getOperands())
      operands.push_back(lookup(operand, env));
    Components result;
    if (failed((*fn)(&inner, operands, lanes, result)))
      return failure();
    assert((int64_t)result.size() == getFormulaDim(inner.getResult(0)) &&
           "lowering produced the wrong number of components");
    (*target)[inner.getResult(0)] = std::move(result);
  }
  return success();
}
