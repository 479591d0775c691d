//===- ReduceToFunctions.cpp - kernelred.reduce -> kernel ABI functions ---===//
//
// Part of the kernelred project.
//
// kernelred.reduce @NAME becomes the three functions of the kernel ABI
// (lib/Runtime/kred_runtime.h), with raw pointers and i64 sizes:
//
//   @NAME_run(args, M, N, r0, r1, k0, k1, out, out_idx, state_values,
//             state_indices)
//     for each block of tile_i output rows in [r0, r1):
//       gather the output-row variables of the block (tail rows clamped)
//       evaluate the per-row part of the formula, init the accumulators
//       for each j-tile of [k0, k1):            (block_sum only)
//         for each reduced index j of the tile:
//           load the reduced-index variables (scalars), evaluate the
//           per-j part, then per SIMD group the per-pair part, accumulate
//         end the block (block_sum)
//       finalize and store the valid rows, or store the accumulators
//   @NAME_merge(a_values, a_indices, b_values, b_indices, rows)
//   @NAME_finalize(values, indices, rows, r0, out, out_idx)
//
// Each SIMD lane owns one output row; a block holds `groups` vectors of
// `lanes` rows (register tiling). Init, accumulate, end-of-block, merge and
// finalize all come from ReductionBuilder. K-selections with K > 1 keep
// their sorted lists in a stack buffer: per pair, only the current worst
// entry is compared, and the insertion runs when any lane improves.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToSCF/KredToSCF.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"

#include "lib/Conversion/Common/ReductionBuilder.h"

#include <limits>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kernelred;

namespace {

/// Builds the ABI functions of one reduction.
class KernelBuilder : KernelIRBuilder {
public:
  KernelBuilder(ReduceOp op, const CPUTargetOptions &options,
                const FormulaLowerings &lowerings, OpBuilder &builder);

  LogicalResult buildRun();
  void buildMerge();
  void buildFinalize();

private:
  /// A stack buffer of `count` elements, allocated in the entry block.
  Value allocaBuffer(Type elem, int64_t count);

  //===--------------------------------------------------------------------===//
  // Pieces of @NAME_run
  //===--------------------------------------------------------------------===//

  /// True when the K sorted entries live in memory (K-selections, K > 1).
  bool selectInMemory() const {
    return desc.getFamily() == MonoidFamily::Select && desc.getK() > 1;
  }
  /// Copies rows [rowBase, rowBase + count) of a row-major [*, dim] array at
  /// `rows` to / from a lane-major buffer [dim][rowBlock]; `stride` is the
  /// row length in the array.
  void copyRowsToLanes(Value src, Type elem, int64_t dim, Value rowBase,
                       Value lastRow, Value dst);
  void copyLanesToRows(Value src, Type elem, int64_t dim, Value count,
                       Value dst, Value dstRowBase);

  /// Loads the reduced-index variables at `j` and evaluates the per-j and
  /// per-pair parts of the formula; then accumulates every group.
  SmallVector<Value> buildPairStep(Value j, ValueRange flatState);
  /// Evaluates the formula (and weight) at reduced index `j` for every
  /// group of rows and hands them to `consume(group, f, g, jLanes)`.
  void evaluatePair(
      Value j,
      function_ref<void(int64_t, Components &, Components &, Value)> consume);
  /// The running-max family in two-pass tiles of expTileJ reduced indices
  /// (ReductionBuilder::buildRescaleExpTile): one exp per pair.
  bool usesExpTiles() const {
    return desc.getFamily() == MonoidFamily::RunningMaxExp;
  }
  SmallVector<Value> buildExpTile(Value tileBase, Value tileEnd,
                                  ValueRange flatState);
  /// The K-selection insertion of one group with the state in memory.
  void buildSelectInMemory(int64_t group, const Components &f, Value jLanes);
  /// The j loop over [lb, ub) carrying `flatState`.
  SmallVector<Value> buildReducedLoop(Value lb, Value ub, ValueRange flatState);

  /// Offsets of group `u`, slot `s` in the lane-major buffers.
  Value slotOffset(int64_t slot, int64_t group) {
    return i64(slot * rowBlock + group * lanes);
  }

  /// The description of one component of a K-selection (formula dim 1).
  ReductionBuilder componentDesc;
  FormulaEvaluator evaluator;

  int64_t lanes, groups, rowBlock, tileJ;
  VectorType computeLanes, accLanes, indexLanes;
  int64_t formulaDim;

  // State of the @NAME_run being built.
  func::FuncOp func;
  /// Base pointers of the variables, by block argument number.
  SmallVector<Value> varPtrs;
  /// Lane-major buffers of the output-row variables, by argument number.
  DenseMap<unsigned, Value> rowBuffers;
  Value stateBuf, stateIdxBuf, formulaBuf, expTileBuf;
  /// Reduced indices per two-pass tile (usesExpTiles), and the formula and
  /// weight lane values kept per pair of a tile.
  int64_t expTileJ = 64, expTileValues = 0;
  DenseMap<Value, Components> uniformValues, reducedValues;
  SmallVector<DenseMap<Value, Components>> rowValues, pairValues;
  /// The reduced index of the pair step being built.
  Value currentJ;

  /// Loads one component (index known at run time) of a variable for SIMD
  /// group `group`: the chunked loops of large dimensions use it.
  std::function<Value(BlockArgument, Value)> makeComponentLoader(int64_t group);
  /// The values computed so far for SIMD group `group`.
  FormulaEvaluator::Env makeEnv(int64_t group) {
    FormulaEvaluator::Env env;
    env.uniform = &uniformValues;
    env.reduced = &reducedValues;
    env.rows = &rowValues[group];
    env.pair = &pairValues[group];
    env.loadComponent = makeComponentLoader(group);
    return env;
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Setup and helpers
//===----------------------------------------------------------------------===//

KernelBuilder::KernelBuilder(ReduceOp op, const CPUTargetOptions &options,
                             const FormulaLowerings &lowerings,
                             OpBuilder &builder)
    : KernelIRBuilder(op, builder),
      componentDesc(op.getKind(), 1, 0, op.getK().value_or(1),
                    op.getSumScheme().value_or(SumScheme::BlockSum),
                    op.getFinalize()),
      evaluator(op, lowerings) {
  lanes = getKredLanes(op, options.vectorBits);
  int64_t tileI = op.getTileI().value_or(lanes);
  groups = std::max<int64_t>(1, tileI / lanes);
  rowBlock = lanes * groups;
  tileJ = op.getTileJ().value_or(options.tileJ);
  computeLanes = VectorType::get({lanes}, computeType);
  accLanes = VectorType::get({lanes}, accType);
  indexLanes = VectorType::get({lanes}, indexType);
  formulaDim = desc.getFormulaDim();
  if (auto chunk = op.getChunk())
    evaluator.planChunks(*chunk);
}

std::function<Value(BlockArgument, Value)>
KernelBuilder::makeComponentLoader(int64_t group) {
  return [this, group](BlockArgument arg, Value index) -> Value {
    Value base = varPtrs[arg.getArgNumber()];
    switch (evaluator.getStage(arg)) {
    case FormulaStage::Rows: {
      Value buffer = rowBuffers.lookup(arg.getArgNumber());
      Value offset = addI(mulI(index, i64(rowBlock)), i64(group * lanes));
      VectorType eltLanes = VectorType::get({lanes}, eltType);
      return convert(
          load(eltLanes, gep(buffer, eltType, offset), alignOf(eltType)),
          computeType);
    }
    case FormulaStage::Reduced: {
      Value offset = addI(mulI(currentJ, i64(getFormulaDim(arg))), index);
      return convert(
          load(eltType, gep(base, eltType, offset), alignOf(eltType)),
          computeType);
    }
    default:
      return convert(load(eltType, gep(base, eltType, index), alignOf(eltType)),
                     computeType);
    }
  };
}

Value KernelBuilder::allocaBuffer(Type elem, int64_t count) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  Value n = i64(std::max<int64_t>(count, 1));
  return LLVM::AllocaOp::create(b, loc, ptrType, elem, n, /*alignment=*/64);
}

void KernelBuilder::copyRowsToLanes(Value src, Type elem, int64_t dim,
                                    Value rowBase, Value lastRow, Value dst) {
  Value one = i64(1);
  buildFor(i64(0), i64(rowBlock), one, {}, [&](Value l, ValueRange) {
    // Tail lanes repeat the last valid row (their results are dropped).
    Value row = minI(addI(rowBase, l), lastRow);
    Value srcRow = mulI(row, i64(dim));
    buildFor(i64(0), i64(dim), one, {}, [&](Value d, ValueRange) {
      Value v = load(elem, gep(src, elem, addI(srcRow, d)), alignOf(elem));
      store(v, gep(dst, elem, addI(mulI(d, i64(rowBlock)), l)), alignOf(elem));
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
}

void KernelBuilder::copyLanesToRows(Value src, Type elem, int64_t dim,
                                    Value count, Value dst, Value dstRowBase) {
  Value one = i64(1);
  buildFor(i64(0), count, one, {}, [&](Value l, ValueRange) {
    Value dstRow = mulI(addI(dstRowBase, l), i64(dim));
    buildFor(i64(0), i64(dim), one, {}, [&](Value d, ValueRange) {
      Value v = load(elem, gep(src, elem, addI(mulI(d, i64(rowBlock)), l)),
                     alignOf(elem));
      store(v, gep(dst, elem, addI(dstRow, d)), alignOf(elem));
      return SmallVector<Value>{};
    });
    return SmallVector<Value>{};
  });
}

//===----------------------------------------------------------------------===//
// @NAME_run
//===----------------------------------------------------------------------===//

void KernelBuilder::buildSelectInMemory(int64_t group, const Components &f,
                                        Value jLanes) {
  int64_t k = desc.getK();
  auto pred = desc.selectsLargest() ? arith::CmpFPredicate::OGT
                                    : arith::CmpFPredicate::OLT;
  unsigned valueAlign = alignOf(accType);
  // Early out: does any lane beat its current worst entry (slot K - 1)?
  Value any;
  for (int64_t c = 0; c < formulaDim; ++c) {
    Value worst = load(
        accLanes,
        gep(stateBuf, accType, slotOffset((k - 1) * formulaDim + c, group)),
        valueAlign);
    Value better = arith::CmpFOp::create(b, loc, pred, f[c], worst);
    any = any ? arith::OrIOp::create(b, loc, any, better).getResult() : better;
  }
  Value anyLane =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::OR, any);
  auto ifOp = scf::IfOp::create(b, loc, anyLane, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // Insert component by component (each has its own sorted list).
  for (int64_t c = 0; c < formulaDim; ++c)
    store(f[c], gep(formulaBuf, accType, i64(c * lanes)), valueAlign);
  buildFor(i64(0), i64(formulaDim), i64(1), {}, [&](Value c, ValueRange) {
    AccumulatorState state;
    SmallVector<Value> valuePtrs, indexPtrs;
    for (int64_t s = 0; s < k; ++s) {
      // Slot s * D + c of group `group`.
      Value slot = addI(i64(s * formulaDim), c);
      Value off = addI(mulI(slot, i64(rowBlock)), i64(group * lanes));
      valuePtrs.push_back(gep(stateBuf, accType, off));
      indexPtrs.push_back(gep(stateIdxBuf, indexType, off));
      state.values.push_back(load(accLanes, valuePtrs.back(), valueAlign));
      state.indices.push_back(load(indexLanes, indexPtrs.back(), 8));
    }
    Value fc = load(accLanes, gep(formulaBuf, accType, mulI(c, i64(lanes))),
                    valueAlign);
    componentDesc.buildAccumulate(b, loc, state, {fc}, {}, jLanes);
    for (int64_t s = 0; s < k; ++s) {
      store(state.values[s], valuePtrs[s], valueAlign);
      store(state.indices[s], indexPtrs[s], 8);
    }
    return SmallVector<Value>{};
  });
}

void KernelBuilder::evaluatePair(
    Value j,
    function_ref<void(int64_t, Components &, Components &, Value)> consume) {
  // Reduced-index variables: scalars, loaded once per j.
  currentJ = j;
  reducedValues.clear();
  LaneBuilder lanesBuilder(b, loc, computeLanes);
  for (BlockArgument arg : op.getBodyBlock().getArguments()) {
    if (evaluator.getStage(arg) != FormulaStage::Reduced)
      continue;
    int64_t dim = getFormulaDim(arg);
    Value base = mulI(j, i64(dim));
    Components comps;
    for (int64_t d = 0; d < dim; ++d) {
      Value v =
          load(eltType,
               gep(varPtrs[arg.getArgNumber()], eltType, addI(base, i64(d))),
               alignOf(eltType));
      comps.push_back(convert(v, computeType));
    }
    reducedValues[arg] = std::move(comps);
  }
  FormulaEvaluator::Env env = makeEnv(0);
  (void)evaluator.evaluate(FormulaStage::Reduced, lanesBuilder, env);

  Value jLanes = vector::BroadcastOp::create(b, loc, indexLanes, j);
  for (int64_t u = 0; u < groups; ++u) {
    pairValues[u].clear();
    env = makeEnv(u);
    (void)evaluator.evaluate(FormulaStage::Pair, lanesBuilder, env);
    auto toAcc = [&](Value v) {
      return convert(lanesBuilder.splat(v), accType);
    };
    Components f, g;
    for (Value c : evaluator.lookup(op.getFormula(), env))
      f.push_back(toAcc(c));
    if (Value w = op.getWeight())
      for (Value c : evaluator.lookup(w, env))
        g.push_back(toAcc(c));
    consume(u, f, g, jLanes);
  }
}

SmallVector<Value> KernelBuilder::buildPairStep(Value j, ValueRange flatState) {
  int64_t perGroup = numValues + numIndices;
  SmallVector<Value> next;
  evaluatePair(j, [&](int64_t u, Components &f, Components &g, Value jLanes) {
    if (selectInMemory()) {
      buildSelectInMemory(u, f, jLanes);
      return;
    }
    AccumulatorState state = AccumulatorState::unflatten(
        flatState.slice(u * perGroup, perGroup), numValues);
    desc.buildAccumulate(b, loc, state, f, g, jLanes);
    llvm::append_range(next, state.flatten());
  });
  return next;
}

SmallVector<Value> KernelBuilder::buildExpTile(Value tileBase, Value tileEnd,
                                               ValueRange flatState) {
  unsigned align = alignOf(accType);
  // Slot `c` (0: the formula, 1...: the weight) of group u at pair t.
  auto slot = [&](Value t, int64_t u, int64_t c) {
    return gep(expTileBuf, accType,
               addI(mulI(t, i64(groups * expTileValues * lanes)),
                    i64((u * expTileValues + c) * lanes)));
  };
  // Pass 1: the formula and weight of every pair, and the tile's maximum.
  Value minusInf = buildLaneConstant(b, loc, accLanes,
                                     -std::numeric_limits<double>::infinity());
  SmallVector<Value> initMax(groups, minusInf);
  scf::ForOp pass1 = buildFor(
      tileBase, tileEnd, i64(1), initMax, [&](Value j, ValueRange maxes) {
        SmallVector<Value> next(maxes.begin(), maxes.end());
        Value t = subI(j, tileBase);
        evaluatePair(j, [&](int64_t u, Components &f, Components &g, Value) {
          store(f[0], slot(t, u, 0), align);
          for (auto [c, v] : llvm::enumerate(g))
            store(v, slot(t, u, 1 + c), align);
          // select(f > max, f, max): one vmaxps; NaN never becomes the max
          // (its term makes the sum NaN in pass 2).
          Value greater = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OGT, f[0], next[u]);
          next[u] = arith::SelectOp::create(b, loc, greater, f[0], next[u]);
        });
        return next;
      });
  // The running maxima move to the tiles' ones.
  int64_t perGroup = numValues + numIndices;
  int64_t sums = desc.getNumExpSums();
  SmallVector<AccumulatorState> states;
  SmallVector<Value> shifts;
  for (int64_t u = 0; u < groups; ++u) {
    states.push_back(AccumulatorState::unflatten(
        flatState.slice(u * perGroup, perGroup), numValues));
    shifts.push_back(
        desc.buildRescaleExpTile(b, loc, states.back(), pass1.getResult(u)));
  }
  // Pass 2: exp(f - shift) * w into plain partials.
  Value zero = buildLaneConstant(b, loc, accLanes, 0.0);
  SmallVector<Value> initPartials(groups * sums, zero);
  scf::ForOp pass2 = buildFor(
      tileBase, tileEnd, i64(1), initPartials, [&](Value j, ValueRange parts) {
        Value t = subI(j, tileBase);
        SmallVector<Value> next(parts.begin(), parts.end());
        for (int64_t u = 0; u < groups; ++u) {
          Value f = load(accLanes, slot(t, u, 0), align);
          SmallVector<Value> g;
          for (int64_t c = 1; c < expTileValues; ++c)
            g.push_back(load(accLanes, slot(t, u, c), align));
          SmallVector<Value> partials(next.begin() + u * sums,
                                      next.begin() + (u + 1) * sums);
          desc.buildAddExpTerm(b, loc, partials, f, g, shifts[u]);
          llvm::copy(partials, next.begin() + u * sums);
        }
        return next;
      });
  SmallVector<Value> partials(pass2.getResults());
  SmallVector<Value> ended;
  for (int64_t u = 0; u < groups; ++u) {
    desc.buildEndExpTile(b, loc, states[u],
                         ArrayRef<Value>(partials).slice(u * sums, sums));
    llvm::append_range(ended, states[u].flatten());
  }
  return ended;
}

SmallVector<Value> KernelBuilder::buildReducedLoop(Value lb, Value ub,
                                                   ValueRange flatState) {
  scf::ForOp loop =
      buildFor(lb, ub, i64(1), flatState, [&](Value j, ValueRange state) {
        return buildPairStep(j, state);
      });
  return SmallVector<Value>(loop.getResults());
}

LogicalResult KernelBuilder::buildRun() {
  MLIRContext *ctx = op.getContext();
  Type i64Type = indexType;
  auto fnType =
      FunctionType::get(ctx,
                        {ptrType, i64Type, i64Type, i64Type, i64Type, i64Type,
                         i64Type, ptrType, ptrType, ptrType, ptrType},
                        {});
  func = func::FuncOp::create(b, loc, (op.getSymName() + "_run").str(), fnType);
  Block *entry = func.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Value args = entry->getArgument(0);
  Value r0 = entry->getArgument(3), r1 = entry->getArgument(4);
  Value k0 = entry->getArgument(5), k1 = entry->getArgument(6);
  Value out = entry->getArgument(7), outIdx = entry->getArgument(8);
  Value stateValues = entry->getArgument(9);
  Value stateIndices = entry->getArgument(10);

  // Variable pointers and parameters.
  Block &body = op.getBodyBlock();
  varPtrs.assign(body.getNumArguments(), Value());
  for (BlockArgument arg : body.getArguments()) {
    unsigned n = arg.getArgNumber();
    varPtrs[n] =
        load(ptrType, gep(args, ptrType, i64(op.getVarPosition(n))), 8);
  }
  LaneBuilder lanesBuilder(b, loc, computeLanes);
  for (BlockArgument arg : body.getArguments()) {
    if (op.getVarCategory(arg.getArgNumber()) != VarCategory::Param)
      continue;
    Components comps;
    for (int64_t d = 0, e = getFormulaDim(arg); d < e; ++d)
      comps.push_back(convert(
          load(eltType, gep(varPtrs[arg.getArgNumber()], eltType, i64(d)),
               alignOf(eltType)),
          computeType));
    uniformValues[arg] = std::move(comps);
  }
  rowValues.clear();
  rowValues.resize(groups);
  pairValues.clear();
  pairValues.resize(groups);
  FormulaEvaluator::Env env = makeEnv(0);

  // Buffers.
  for (BlockArgument arg : body.getArguments())
    if (evaluator.getStage(arg) == FormulaStage::Rows)
      rowBuffers[arg.getArgNumber()] =
          allocaBuffer(eltType, getFormulaDim(arg) * rowBlock);
  if (failed(evaluator.evaluate(FormulaStage::Uniform, lanesBuilder, env)))
    return failure();
  stateBuf = allocaBuffer(accType, numValues * rowBlock);
  stateIdxBuf = allocaBuffer(indexType, numIndices * rowBlock);
  Value outBuf = allocaBuffer(eltType, outValues * rowBlock);
  Value outIdxBuf = allocaBuffer(indexType, outIndices * rowBlock);
  if (selectInMemory())
    formulaBuf = allocaBuffer(accType, formulaDim * lanes);
  if (usesExpTiles()) {
    expTileValues = 1 + desc.getWeightDim();
    expTileBuf =
        allocaBuffer(accType, expTileJ * groups * expTileValues * lanes);
  }

  buildFor(r0, r1, i64(rowBlock), {}, [&](Value rowBase, ValueRange) {
    Value lastRow = subI(r1, i64(1));
    Value count = minI(i64(rowBlock), subI(r1, rowBase));

    // Output-row variables, per group of lanes.
    for (int64_t u = 0; u < groups; ++u)
      rowValues[u].clear();
    for (BlockArgument arg : body.getArguments()) {
      auto it = rowBuffers.find(arg.getArgNumber());
      if (it == rowBuffers.end())
        continue;
      int64_t dim = getFormulaDim(arg);
      copyRowsToLanes(varPtrs[arg.getArgNumber()], eltType, dim, rowBase,
                      lastRow, it->second);
      VectorType eltLanes = VectorType::get({lanes}, eltType);
      for (int64_t u = 0; u < groups; ++u) {
        Components comps;
        for (int64_t d = 0; d < dim; ++d)
          comps.push_back(
              convert(load(eltLanes, gep(it->second, eltType, slotOffset(d, u)),
                           alignOf(eltType)),
                      computeType));
        rowValues[u][arg] = std::move(comps);
      }
    }
    for (int64_t u = 0; u < groups; ++u) {
      FormulaEvaluator::Env rowEnv = makeEnv(u);
      (void)evaluator.evaluate(FormulaStage::Rows, lanesBuilder, rowEnv);
    }

    // Accumulators.
    SmallVector<Value> flat;
    for (int64_t u = 0; u < groups; ++u) {
      AccumulatorState init = desc.buildInit(b, loc, accLanes, indexLanes);
      if (!selectInMemory()) {
        llvm::append_range(flat, init.flatten());
        continue;
      }
      for (int64_t s = 0; s < numValues; ++s)
        store(init.values[s], gep(stateBuf, accType, slotOffset(s, u)),
              alignOf(accType));
      for (int64_t s = 0; s < numIndices; ++s)
        store(init.indices[s], gep(stateIdxBuf, indexType, slotOffset(s, u)),
              8);
    }

    // The reduced index, in tiles when the scheme flushes per block.
    if (desc.usesBlocks()) {
      scf::ForOp tiles = buildFor(
          k0, k1, i64(tileJ), flat, [&](Value tileBase, ValueRange state) {
            Value tileEnd = minI(addI(tileBase, i64(tileJ)), k1);
            SmallVector<Value> next =
                buildReducedLoop(tileBase, tileEnd, state);
            int64_t perGroup = numValues + numIndices;
            SmallVector<Value> ended;
            for (int64_t u = 0; u < groups; ++u) {
              AccumulatorState s = AccumulatorState::unflatten(
                  ArrayRef<Value>(next).slice(u * perGroup, perGroup),
                  numValues);
              desc.buildEndBlock(b, loc, s);
              llvm::append_range(ended, s.flatten());
            }
            return ended;
          });
      flat.assign(tiles.getResults().begin(), tiles.getResults().end());
    } else if (usesExpTiles()) {
      scf::ForOp tiles = buildFor(
          k0, k1, i64(expTileJ), flat, [&](Value tileBase, ValueRange state) {
            Value tileEnd = minI(addI(tileBase, i64(expTileJ)), k1);
            return buildExpTile(tileBase, tileEnd, state);
          });
      flat.assign(tiles.getResults().begin(), tiles.getResults().end());
    } else {
      flat = buildReducedLoop(k0, k1, flat);
    }

    // Register accumulators go to the state buffer (lane-major).
    int64_t perGroup = numValues + numIndices;
    if (!selectInMemory()) {
      for (int64_t u = 0; u < groups; ++u) {
        AccumulatorState s = AccumulatorState::unflatten(
            ArrayRef<Value>(flat).slice(u * perGroup, perGroup), numValues);
        for (int64_t i = 0; i < numValues; ++i)
          store(s.values[i], gep(stateBuf, accType, slotOffset(i, u)),
                alignOf(accType));
        for (int64_t i = 0; i < numIndices; ++i)
          store(s.indices[i], gep(stateIdxBuf, indexType, slotOffset(i, u)), 8);
      }
    }

    // Finalize into `out`, or hand the accumulators to the caller.
    Value null = LLVM::ZeroOp::create(b, loc, ptrType);
    Value finalize = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                          stateValues, null);
    auto ifOp = scf::IfOp::create(b, loc, finalize, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      for (int64_t u = 0; u < groups; ++u) {
        AccumulatorState s;
        for (int64_t i = 0; i < numValues; ++i)
          s.values.push_back(load(accLanes,
                                  gep(stateBuf, accType, slotOffset(i, u)),
                                  alignOf(accType)));
        for (int64_t i = 0; i < numIndices; ++i)
          s.indices.push_back(load(
              indexLanes, gep(stateIdxBuf, indexType, slotOffset(i, u)), 8));
        SmallVector<Value> values, indices;
        desc.buildFinalize(b, loc, s, values, indices);
        for (auto [i, v] : llvm::enumerate(values))
          store(convert(v, eltType), gep(outBuf, eltType, slotOffset(i, u)),
                alignOf(eltType));
        for (auto [i, v] : llvm::enumerate(indices))
          store(v, gep(outIdxBuf, indexType, slotOffset(i, u)), 8);
      }
      if (outValues > 0)
        copyLanesToRows(outBuf, eltType, outValues, count, out, rowBase);
      if (outIndices > 0)
        copyLanesToRows(outIdxBuf, indexType, outIndices, count, outIdx,
                        rowBase);
    }
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifOp.elseBlock());
      Value stateRow = subI(rowBase, r0);
      copyLanesToRows(stateBuf, accType, numValues, count, stateValues,
                      stateRow);
      if (numIndices > 0)
        copyLanesToRows(stateIdxBuf, indexType, numIndices, count, stateIndices,
                        stateRow);
    }
    return SmallVector<Value>{};
  });
  func::ReturnOp::create(b, loc);
  return success();
}

//===----------------------------------------------------------------------===//
// @NAME_merge and @NAME_finalize
//===----------------------------------------------------------------------===//

void KernelBuilder::buildMerge() {
  MLIRContext *ctx = op.getContext();
  auto fnType = FunctionType::get(
      ctx, {ptrType, ptrType, ptrType, ptrType, indexType}, {});
  auto merge =
      func::FuncOp::create(b, loc, (op.getSymName() + "_merge").str(), fnType);
  Block *entry = merge.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Value aValues = entry->getArgument(0), aIndices = entry->getArgument(1);
  Value bValues = entry->getArgument(2), bIndices = entry->getArgument(3);
  Value rows = entry->getArgument(4);

  buildFor(i64(0), rows, i64(1), {}, [&](Value r, ValueRange) {
    Value valueRow = mulI(r, i64(numValues));
    Value indexRow = mulI(r, i64(numIndices));
    if (selectInMemory()) {
      // Loops over the K slots (the unrolled network is K^2 steps).
      buildSelectMergeInMemory(b, loc, desc, accType,
                               gep(aValues, accType, valueRow),
                               gep(aIndices, indexType, indexRow),
                               gep(bValues, accType, valueRow),
                               gep(bIndices, indexType, indexRow));
    } else {
      AccumulatorState a = loadState(aValues, aIndices, r);
      desc.buildMerge(b, loc, a, loadState(bValues, bIndices, r));
      storeState(a, aValues, aIndices, r);
    }
    return SmallVector<Value>{};
  });
  func::ReturnOp::create(b, loc);
}

void KernelBuilder::buildFinalize() {
  MLIRContext *ctx = op.getContext();
  auto fnType = FunctionType::get(
      ctx, {ptrType, ptrType, indexType, indexType, ptrType, ptrType}, {});
  auto fin = func::FuncOp::create(b, loc, (op.getSymName() + "_finalize").str(),
                                  fnType);
  Block *entry = fin.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Value values = entry->getArgument(0), indices = entry->getArgument(1);
  Value rows = entry->getArgument(2), r0 = entry->getArgument(3);
  Value out = entry->getArgument(4), outIdx = entry->getArgument(5);
  unsigned valueAlign = alignOf(accType);

  buildFor(i64(0), rows, i64(1), {}, [&](Value r, ValueRange) {
    Value valueRow = mulI(r, i64(numValues));
    Value indexRow = mulI(r, i64(numIndices));
    Value outRow = addI(r0, r);
    Value outValueRow = mulI(outRow, i64(outValues));
    Value outIndexRow = mulI(outRow, i64(outIndices));
    auto finalizeSlots = [&](const ReductionBuilder &d,
                             function_ref<Value(int64_t)> slotOf, int64_t n) {
      AccumulatorState s;
      for (int64_t i = 0; i < n; ++i) {
        Value slot = slotOf(i);
        s.values.push_back(load(
            accType, gep(values, accType, addI(valueRow, slot)), valueAlign));
        if (d.getNumIndexSlots() > 0)
          s.indices.push_back(load(
              indexType, gep(indices, indexType, addI(indexRow, slot)), 8));
      }
      SmallVector<Value> outV, outI;
      d.buildFinalize(b, loc, s, outV, outI);
      // Outputs follow the slots' layout.
      for (auto [i, v] : llvm::enumerate(outV))
        store(convert(v, eltType),
              gep(out, eltType, addI(outValueRow, slotOf(i))),
              alignOf(eltType));
      for (auto [i, v] : llvm::enumerate(outI))
        store(v, gep(outIdx, indexType, addI(outIndexRow, slotOf(i))), 8);
    };
    if (selectInMemory()) {
      buildFor(i64(0), i64(formulaDim), i64(1), {}, [&](Value c, ValueRange) {
        finalizeSlots(
            componentDesc,
            [&](int64_t s) { return addI(i64(s * formulaDim), c); },
            desc.getK());
        return SmallVector<Value>{};
      });
    } else {
      finalizeAndStore(loadState(values, indices, r), outRow, out,
                          outIdx);
    }
    return SmallVector<Value>{};
  });
  func::ReturnOp::create(b, loc);
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

LogicalResult
mlir::kernelred::verifyKredFormulaLowerable(ReduceOp op) {
  FormulaLowerings lowerings;
  populateAllKredFormulaLowerings(lowerings);
  return FormulaEvaluator(op, lowerings).verifyLowerable();
}

LogicalResult
mlir::kernelred::verifyKredReduceLowerable(ReduceOp op,
                                           const CPUTargetOptions &options) {
  if (options.vectorBits < 64 ||
      (options.vectorBits & (options.vectorBits - 1)))
    return op.emitError("convert-kred-to-scf: vector-bits must be a power "
                        "of two >= 64, got ")
           << options.vectorBits;
  if (failed(verifyKredFormulaLowerable(op)))
    return failure();
  int64_t lanes = getKredLanes(op, options.vectorBits);
  if (auto tileI = op.getTileI(); tileI && *tileI % lanes != 0)
    return op.emitOpError("tile_i = ")
           << *tileI << " is not a multiple of the " << lanes
           << " SIMD lanes of a " << options.vectorBits << "-bit vector";
  return success();
}

void mlir::kernelred::populateKredReduceToSCFPatterns(
    RewritePatternSet &patterns, const CPUTargetOptions &options) {
  auto lowerings = std::make_shared<FormulaLowerings>();
  populateAllKredFormulaLowerings(*lowerings);
  addReduceLoweringPattern(patterns, [options, lowerings](ReduceOp op,
                                                          OpBuilder &b) {
    KernelBuilder builder(op, options, *lowerings, b);
    // verifyKredReduceLowerable ran first: the formula lowers.
    LogicalResult built = builder.buildRun();
    assert(succeeded(built) && "formula failed to lower after verification");
    (void)built;
    builder.buildMerge();
    builder.buildFinalize();
  });
}
