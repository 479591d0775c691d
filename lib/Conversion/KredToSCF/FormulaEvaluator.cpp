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

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

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
    if (isComplexOp(&inner))
      return inner.emitOpError("is a complex op; run kred-expand-complex "
                               "before convert-kred-to-scf");
    if (!lowerings.lookup(&inner))
      return inner.emitOpError("has no CPU lowering");
  }
  return success();
}

FormulaStage FormulaEvaluator::getStage(Value v) const {
  return stages.lookup(v);
}

/// The map of `env` holding the values of `stage`.
static DenseMap<Value, Components> *
getStageValues(const FormulaEvaluator::Env &env, FormulaStage stage) {
  switch (stage) {
  case FormulaStage::Uniform:
    return env.uniform;
  case FormulaStage::Rows:
    return env.rows;
  case FormulaStage::Reduced:
    return env.reduced;
  case FormulaStage::Pair:
    return env.pair;
  }
  llvm_unreachable("unknown formula stage");
}

const Components &FormulaEvaluator::lookup(Value v, const Env &env) const {
  DenseMap<Value, Components> *map = getStageValues(env, getStage(v));
  assert(map && map->count(v) && "formula value used before evaluation");
  return map->find(v)->second;
}

//===----------------------------------------------------------------------===//
// Chunked evaluation of dot-product-like ops on large dimensions
//===----------------------------------------------------------------------===//

/// Componentwise ops that may be evaluated on a slice of their components.
static bool isSliceable(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, NegOp, InvOp, SquareOp, AbsOp, SqrtOp,
             ExpOp, LogOp, SinOp, CosOp, ReLUOp, StepOp, SignOp, PowOp,
             IfElseOp, ClampOp>(op);
}

/// The dimension a chunkable root reduces over, or 0.
static int64_t getChunkedDim(Operation *op) {
  auto dim = [](Value v) { return getFormulaDim(v); };
  return TypeSwitch<Operation *, int64_t>(op)
      .Case<ScalProdOp, SqDistOp>(
          [&](auto o) { return std::max(dim(o.getLhs()), dim(o.getRhs())); })
      .Case<SqNorm2Op, Norm2Op, SumOp>(
          [&](auto o) { return dim(o.getInput()); })
      .Case<WeightedSqNormOp>([&](WeightedSqNormOp o) -> int64_t {
        int64_t d = dim(o.getRhs()), ds = dim(o.getLhs());
        return (ds == 1 || ds == d) ? d : 0;
      })
      .Case<WeightedSqDistOp>([&](WeightedSqDistOp o) -> int64_t {
        int64_t d = std::max(dim(o.getLhs()), dim(o.getRhs()));
        int64_t ds = dim(o.getWeight());
        return (ds == 1 || ds == d) ? d : 0;
      })
      .Default([](Operation *) { return 0; });
}

/// Collects the componentwise ops of dimension `dim` computing `v` from
/// variables and scalars; false when `v` is not such an expression.
static bool collectSliceable(Value v, int64_t dim,
                             SetVector<Operation *> &ops) {
  int64_t d = getFormulaDim(v);
  if (d == 1 || isa<BlockArgument>(v))
    return d == 1 || d == dim;
  Operation *def = v.getDefiningOp();
  if (d != dim || !isSliceable(def))
    return false;
  if (ops.contains(def))
    return true;
  for (Value operand : def->getOperands())
    if (!collectSliceable(operand, dim, ops))
      return false;
  ops.insert(def);
  return true;
}

void FormulaEvaluator::planChunks(int64_t chunkSize) {
  chunk = chunkSize;
  chunkRoots.clear();
  chunkInternal.clear();
  for (Operation &inner : op.getBodyBlock().without_terminator()) {
    int64_t dim = getChunkedDim(&inner);
    if (dim <= chunk)
      continue;
    SetVector<Operation *> ops;
    if (!llvm::all_of(inner.getOperands(),
                      [&](Value v) { return collectSliceable(v, dim, ops); }))
      continue;
    // The expressions must not be needed elsewhere in full.
    bool private_ = llvm::all_of(ops, [&](Operation *o) {
      return llvm::all_of(o->getUsers(), [&](Operation *user) {
        return user == &inner || ops.contains(user);
      });
    });
    if (!private_)
      continue;
    chunkRoots[&inner] = dim;
    chunkInternal.insert(ops.begin(), ops.end());
  }
}

Components
FormulaEvaluator::evaluateSlice(Value v, LaneBuilder &lanes, const Env &env,
                                function_ref<Components(BlockArgument)> leaf,
                                DenseMap<Value, Components> &memo) {
  if (getFormulaDim(v) == 1)
    return {lookup(v, env)[0]};
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  Components result;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    result = leaf(arg);
  } else {
    Operation *def = v.getDefiningOp();
    SmallVector<Components> operands;
    for (Value operand : def->getOperands())
      operands.push_back(evaluateSlice(operand, lanes, env, leaf, memo));
    (void)(*lowerings.lookup(def))(def, operands, lanes, result);
  }
  memo[v] = result;
  return result;
}

LogicalResult FormulaEvaluator::evaluateChunked(Operation *root,
                                                LaneBuilder &lanes, Env &env) {
  OpBuilder &b = lanes.getBuilder();
  Location loc = root->getLoc();
  int64_t dim = chunkRoots.lookup(root);
  int64_t full = dim / chunk * chunk;
  FormulaStage stage = getStage(root->getResult(0));
  bool perLane = stage == FormulaStage::Rows || stage == FormulaStage::Pair;

  // The operands whose components are combined, and the weight (if any).
  SmallVector<Value> parts;
  Value weight;
  TypeSwitch<Operation *>(root)
      .Case<ScalProdOp, SqDistOp>([&](auto o) {
        parts = {o.getLhs(), o.getRhs()};
      })
      .Case<SqNorm2Op, Norm2Op, SumOp>([&](auto o) { parts = {o.getInput()}; })
      .Case<WeightedSqNormOp>([&](WeightedSqNormOp o) {
        parts = {o.getRhs()};
        weight = o.getLhs();
      })
      .Case<WeightedSqDistOp>([&](WeightedSqDistOp o) {
        parts = {o.getLhs(), o.getRhs()};
        weight = o.getWeight();
      });
  bool diagonalWeight = weight && getFormulaDim(weight) > 1;
  bool difference = isa<SqDistOp, WeightedSqDistOp>(root);
  bool product = isa<ScalProdOp>(root);
  bool plainSum = isa<SumOp>(root);

  // acc += the terms of components in the slice described by `leaf`.
  auto accumulate = [&](Value acc, int64_t width,
                        function_ref<Components(BlockArgument)> leaf) {
    DenseMap<Value, Components> memo;
    SmallVector<Components> slices;
    for (Value part : parts)
      slices.push_back(evaluateSlice(part, lanes, env, leaf, memo));
    Components w;
    if (diagonalWeight)
      w = evaluateSlice(weight, lanes, env, leaf, memo);
    for (int64_t k = 0; k < width; ++k) {
      Value x = getComponent(slices[0], k);
      if (plainSum) {
        acc = lanes.add(acc, x);
        continue;
      }
      if (product) {
        acc = lanes.fma(x, getComponent(slices[1], k), acc);
        continue;
      }
      if (difference)
        x = lanes.sub(x, getComponent(slices[1], k));
      if (diagonalWeight)
        acc = lanes.fma(getComponent(w, k), lanes.mul(x, x), acc);
      else
        acc = lanes.fma(x, x, acc);
    }
    return acc;
  };

  Value zero = lanes.cst(0.0);
  if (perLane)
    zero = lanes.splat(zero);
  Value lb = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value ub = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(full));
  Value step = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(chunk));
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, ValueRange{zero},
      [&](OpBuilder &, Location, Value base, ValueRange args) {
        auto leaf = [&](BlockArgument arg) {
          Components comps;
          for (int64_t k = 0; k < chunk; ++k) {
            Value index = arith::AddIOp::create(
                b, loc, base,
                arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(k)));
            comps.push_back(env.loadComponent(arg, index));
          }
          return comps;
        };
        Value acc = accumulate(args[0], chunk, leaf);
        scf::YieldOp::create(b, loc, acc);
      });
  // The last dim % chunk components, unrolled.
  Value acc = loop.getResult(0);
  if (full < dim) {
    auto leaf = [&](BlockArgument arg) {
      const Components &all = lookup(arg, env);
      return Components(all.begin() + full, all.end());
    };
    acc = accumulate(acc, dim - full, leaf);
  }
  if (isa<Norm2Op>(root))
    acc = lanes.sqrt(acc);
  if (weight && !diagonalWeight)
    acc = lanes.mul(lookup(weight, env)[0], acc);
  DenseMap<Value, Components> *target = getStageValues(env, stage);
  (*target)[root->getResult(0)] = {acc};
  return success();
}

LogicalResult FormulaEvaluator::evaluate(FormulaStage stage, LaneBuilder &lanes,
                                         Env &env) {
  DenseMap<Value, Components> *target = getStageValues(env, stage);
  for (Operation &inner : op.getBodyBlock().without_terminator()) {
    if (inner.getNumResults() != 1 || getStage(inner.getResult(0)) != stage ||
        chunkInternal.contains(&inner))
      continue;
    if (chunkRoots.count(&inner)) {
      if (failed(evaluateChunked(&inner, lanes, env)))
        return failure();
      continue;
    }
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

void mlir::kernelred::populateAllKredFormulaLowerings(FormulaLowerings &l) {
  populateKredElementwiseLowerings(l);
  populateKredMathLowerings(l);
  populateKredVectorLowerings(l);
  populateKredLinearAlgebraLowerings(l);
  populateKredSpecialFunctionLowerings(l);
}
