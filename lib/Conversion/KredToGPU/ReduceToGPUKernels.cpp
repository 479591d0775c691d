//===- ReduceToGPUKernels.cpp - kernelred.reduce -> GPU kernels -----------===//
//
// Part of the kernelred project.
//
// kernelred.reduce @NAME becomes gpu.module @NAME_gpu_module with the two
// kernels of docs/gpu.md:
//
//   @NAME_gpu(arg_0..arg_{P-1}, M, N, chunk, out, out_idx, state_values,
//             state_indices)
//     rows of this thread: r_u = bx * BT * RPT + u * BT + tid, u < RPT
//     (consecutive threads own consecutive rows: coalesced loads/stores)
//     reduced range: [by * chunk, min(K, (by + 1) * chunk))
//     load the output-row variables (rows past the end clamped), evaluate
//     the per-row part of the formula, init the accumulators (registers)
//     for each tile of tile_j reduced indices:
//       all threads copy the tile's reduced-index variables to shared
//       memory (contiguous: coalesced), barrier
//       for each index of the tile: load it from shared memory, evaluate
//       the per-index part, then per row the per-pair part, accumulate
//       end the block (block_sum), barrier
//     finalize and store, or store the accumulators of chunk `by`
//   @NAME_gpu_merge(state_values, state_indices, rows, nchunks, out,
//                   out_idx)
//     one thread per row folds the chunks in order and finalizes.
//   @NAME_gpu_ranges(arg_0..arg_{P-1}, M, N, lookup, red_ranges, out,
//                    out_idx)
//     block-sparse ranges= (KeOps' ranges): the body of @NAME_gpu, with
//     the block's rows and intervals from lookup[4 * bx ..] = (first,
//     last, r0, r1) (built by the runtime): rows r0 + u * BT + tid < r1,
//     reduced over red_ranges[first..last) in order, tile by tile, into
//     the same accumulators; always finalizes.
//
// Every component is a scalar (one thread, one row): the formula lowerings
// of convert-kred-to-scf (LaneBuilder, FormulaEvaluator) and the reduction
// monoids (ReductionDescription) are used unchanged; K-selections keep
// their K sorted entries in registers.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToGPU/KredToGPU.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"

#include "dialect/ReductionKinds.h"
#include "lib/Conversion/KredToSCF/KredToSCF.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

using namespace mlir;
using namespace mlir::kernelred;

//===----------------------------------------------------------------------===//
// Geometry
//===----------------------------------------------------------------------===//

/// Bytes per reduced index of the reduced-index variables of `op`.
static int64_t getTileBytesPerIndex(ReduceOp op) {
  int64_t bytes = 0;
  int64_t eltBytes = op.getElementType().getWidth() / 8;
  for (BlockArgument arg : op.getBodyBlock().getArguments())
    if (op.getVarCategory(arg.getArgNumber()) == op.getReducedCategory())
      bytes += getFormulaDim(arg) * eltBytes;
  return bytes;
}

int64_t mlir::kernelred::getKredGPUTileJ(ReduceOp op,
                                         const GPUTargetOptions &options) {
  if (options.tileJ > 0)
    return options.tileJ;
  int64_t perIndex = getTileBytesPerIndex(op);
  int64_t tile = options.blockThreads;
  if (perIndex > 0)
    tile = std::min(tile, kKredGPUMaxTileBytes / perIndex);
  return std::max<int64_t>(tile, 1);
}

int64_t mlir::kernelred::getKredGPUTileBytes(ReduceOp op,
                                             const GPUTargetOptions &options) {
  return getKredGPUTileJ(op, options) * getTileBytesPerIndex(op);
}

//===----------------------------------------------------------------------===//
// Kernel builder
//===----------------------------------------------------------------------===//

namespace {

/// Alignment in bytes of the shared-memory tiles (the widest vector load).
constexpr int64_t kTileAlign = 16;

class GPUKernelBuilder : KernelIRBuilder {
public:
  GPUKernelBuilder(ReduceOp op, const GPUTargetOptions &options,
                   const FormulaLowerings &lowerings, OpBuilder &builder);

  void buildModule();

private:
  /// @NAME_gpu, or (ranges) @NAME_gpu_ranges: the same body, with rows and
  /// reduced intervals from the runtime's lookup table.
  void buildRun(bool ranges);
  void buildMerge();

  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  Value toI64(Value v) {
    return arith::IndexCastOp::create(b, loc, indexType, v);
  }
  /// The 1-D thread id, block ids as i64.
  Value threadId() { return toI64(gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x)); }
  Value blockId(gpu::Dimension d) {
    return toI64(gpu::BlockIdOp::create(b, loc, d));
  }

  // finalizeAndStore (KernelIRBuilder): an empty reduction gives the
  // identities of kred_runtime.h by itself (SumSoftMaxWeight's 0/0 is NaN,
  // as on the CPU and in pykeops).

  GPUTargetOptions options;
  FormulaEvaluator evaluator;
  VectorType laneType;
  int64_t blockThreads, rowsPerThread, tileJ;
  std::string name;
};

} // namespace

GPUKernelBuilder::GPUKernelBuilder(ReduceOp op, const GPUTargetOptions &options,
                                   const FormulaLowerings &lowerings,
                                   OpBuilder &builder)
    : KernelIRBuilder(op, builder), options(options),
      evaluator(op, lowerings) {
  // LaneBuilder wants a lane type; every component here is a scalar, so no
  // vector is ever built from it.
  laneType = VectorType::get({1}, computeType);
  blockThreads = options.blockThreads;
  rowsPerThread = options.rowsPerThread;
  tileJ = getKredGPUTileJ(op, options);
  name = op.getSymName().str();
}

void GPUKernelBuilder::buildModule() {
  MLIRContext *ctx = op.getContext();
  auto module = gpu::GPUModuleOp::create(b, loc, name + "_gpu_module");
  module->setAttr("kred.block_threads", b.getI64IntegerAttr(blockThreads));
  module->setAttr("kred.rows_per_thread", b.getI64IntegerAttr(rowsPerThread));
  module->setAttr("kred.tile_j", b.getI64IntegerAttr(tileJ));
  // The tile is static shared memory: no dynamic shared memory at launch.
  module->setAttr("kred.shared_bytes", b.getI64IntegerAttr(0));
  module->setAttr("kred.static_shared_bytes",
                  b.getI64IntegerAttr(getKredGPUTileBytes(op, options)));
  (void)ctx;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  buildRun(/*ranges=*/false);
  buildMerge();
  buildRun(/*ranges=*/true);
}

//===----------------------------------------------------------------------===//
// @NAME_gpu
//===----------------------------------------------------------------------===//

void GPUKernelBuilder::buildRun(bool ranges) {
  MLIRContext *ctx = op.getContext();
  Block &body = op.getBodyBlock();
  int64_t numArgs = op.getNumArgs();
  SmallVector<Type> argTypes(numArgs, ptrType);
  if (ranges)
    // (M, N, lookup, red_ranges, out, out_idx)
    argTypes.append({indexType, indexType, ptrType, ptrType, ptrType, ptrType});
  else
    argTypes.append({indexType, indexType, indexType, ptrType, ptrType,
                     ptrType, ptrType});
  auto fnType = FunctionType::get(ctx, argTypes, {});

  // One shared tile per reduced-index variable, [tileJ][dim] (row-major, as
  // in global memory: the copy is contiguous).
  SmallVector<Type> tileTypes;
  SmallVector<unsigned> tileVars;
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  for (BlockArgument arg : body.getArguments())
    if (evaluator.getStage(arg) == FormulaStage::Reduced) {
      tileTypes.push_back(MemRefType::get({tileJ * getFormulaDim(arg)},
                                          eltType, MemRefLayoutAttrInterface(),
                                          workgroup));
      tileVars.push_back(arg.getArgNumber());
    }

  auto func = gpu::GPUFuncOp::create(
      b, loc, name + (ranges ? "_gpu_ranges" : "_gpu"), fnType, tileTypes);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {static_cast<int32_t>(blockThreads), 1, 1}));
  // An explicit alignment for each tile: without one, LLVM assumes the
  // preferred alignment of a large global (16 bytes) and vectorizes the
  // tile reads into ld.shared.v2/v4, while the NVPTX printer declares the
  // variable with its element's alignment (.align 4): ptxas may then place
  // a tile after another at an offset that is only 4-aligned, and the
  // vector loads fault (misaligned address).
  for (unsigned i = 0, e = tileTypes.size(); i < e; ++i)
    func.setWorkgroupAttributionAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                                     b.getI64IntegerAttr(kTileAlign));
  Block *entry = &func.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);

  Value M = entry->getArgument(numArgs), N = entry->getArgument(numArgs + 1);
  Value chunk, lookup, redRanges, stateValues, stateIndices;
  if (ranges) {
    lookup = entry->getArgument(numArgs + 2);
    redRanges = entry->getArgument(numArgs + 3);
  } else {
    chunk = entry->getArgument(numArgs + 2);
    stateValues = entry->getArgument(numArgs + 5);
    stateIndices = entry->getArgument(numArgs + 6);
  }
  Value out = entry->getArgument(numArgs + (ranges ? 4 : 3));
  Value outIdx = entry->getArgument(numArgs + (ranges ? 5 : 4));
  DenseMap<unsigned, Value> tiles;
  for (auto [i, var] : llvm::enumerate(tileVars))
    tiles[var] = func.getWorkgroupAttributions()[i];
  auto varPtr = [&](BlockArgument arg) {
    return entry->getArgument(op.getVarPosition(arg.getArgNumber()));
  };

  bool axisJ = op.getAxis() == 1;
  Value rows = axisJ ? M : N;
  Value K = axisJ ? N : M;
  Value tid = threadId();
  Value bx = blockId(gpu::Dimension::x), by = blockId(gpu::Dimension::y);
  // The rows of this block are [rowBase, rowEnd).
  Value rowBase, rowEnd, kStart, kEnd, firstRange, lastRange;
  if (ranges) {
    // lookup[4 * bx ..]: (first, last, r0, r1): rows [r0, r1) reduced over
    // the intervals [first, last) of red_ranges, in order.
    Value entryBase = mulI(bx, i64(4));
    firstRange = load(indexType, gep(lookup, indexType, entryBase));
    lastRange =
        load(indexType, gep(lookup, indexType, addI(entryBase, i64(1))));
    rowBase = load(indexType, gep(lookup, indexType, addI(entryBase, i64(2))));
    rowEnd = load(indexType, gep(lookup, indexType, addI(entryBase, i64(3))));
    (void)by;
    (void)K;
  } else {
    rowBase = mulI(bx, i64(blockThreads * rowsPerThread));
    rowEnd = rows;
    kStart = mulI(by, chunk);
    kEnd = addI(kStart, minI(chunk, maxI(subI(K, kStart), i64(0))));
  }
  Value lastRow = maxI(subI(rowEnd, i64(1)), i64(0));

  LaneBuilder lanes(b, loc, laneType);
  DenseMap<Value, Components> uniformValues, reducedValues;
  SmallVector<DenseMap<Value, Components>> rowValues(rowsPerThread),
      pairValues(rowsPerThread);
  FormulaEvaluator::Env env;
  env.uniform = &uniformValues;
  env.reduced = &reducedValues;
  env.rows = &rowValues[0];
  env.pair = &pairValues[0];

  // Parameters, then the uniform part of the formula.
  for (BlockArgument arg : body.getArguments()) {
    if (op.getVarCategory(arg.getArgNumber()) != VarCategory::Param)
      continue;
    Components comps;
    for (int64_t d = 0, e = getFormulaDim(arg); d < e; ++d)
      comps.push_back(
          convert(load(eltType, gep(varPtr(arg), eltType, i64(d))),
                  computeType));
    uniformValues[arg] = std::move(comps);
  }
  (void)evaluator.evaluate(FormulaStage::Uniform, lanes, env);

  // The rows of this thread; rows past the end read the last row.
  SmallVector<Value> rowIds;
  for (int64_t u = 0; u < rowsPerThread; ++u) {
    Value r = addI(rowBase, addI(i64(u * blockThreads), tid));
    rowIds.push_back(r);
    Value clamped = minI(r, lastRow);
    for (BlockArgument arg : body.getArguments()) {
      if (evaluator.getStage(arg) != FormulaStage::Rows)
        continue;
      int64_t dim = getFormulaDim(arg);
      Value base = mulI(clamped, i64(dim));
      Components comps;
      for (int64_t d = 0; d < dim; ++d)
        comps.push_back(convert(
            load(eltType, gep(varPtr(arg), eltType, addI(base, i64(d)))),
            computeType));
      rowValues[u][arg] = std::move(comps);
    }
    FormulaEvaluator::Env rowEnv = env;
    rowEnv.rows = &rowValues[u];
    rowEnv.pair = &pairValues[u];
    (void)evaluator.evaluate(FormulaStage::Rows, lanes, rowEnv);
  }

  SmallVector<Value> flat;
  for (int64_t u = 0; u < rowsPerThread; ++u)
    llvm::append_range(flat,
                       desc.buildInit(b, loc, accType, indexType).flatten());
  int64_t perRow = numValues + numIndices;

  auto buildTileLoop = [&](Value lo, Value hi, ValueRange init) {
    return buildFor(
      lo, hi, i64(tileJ), init, [&](Value tileBase, ValueRange state) {
        Value count = minI(i64(tileJ), subI(hi, tileBase));
        // Cooperative copy of the tile: element e of [count * dim] by
        // thread e % blockThreads. Every thread takes part (also those
        // past the last row).
        for (unsigned var : tileVars) {
          BlockArgument arg = body.getArgument(var);
          int64_t dim = getFormulaDim(arg);
          Value src = gep(varPtr(arg), eltType, mulI(tileBase, i64(dim)));
          Value tile = tiles.lookup(var);
          buildFor(tid, mulI(count, i64(dim)), i64(blockThreads), {},
                   [&](Value e, ValueRange) {
                     Value v = load(eltType, gep(src, eltType, e));
                     memref::StoreOp::create(b, loc, v, tile,
                                             ValueRange{toIndex(e)});
                     return SmallVector<Value>{};
                   });
        }
        gpu::BarrierOp::create(b, loc);

        scf::ForOp inner = buildFor(
            i64(0), count, i64(1), state, [&](Value jj, ValueRange st) {
              Value j = addI(tileBase, jj);
              reducedValues.clear();
              for (unsigned var : tileVars) {
                BlockArgument arg = body.getArgument(var);
                int64_t dim = getFormulaDim(arg);
                Value base = mulI(jj, i64(dim));
                Components comps;
                for (int64_t d = 0; d < dim; ++d) {
                  Value v = memref::LoadOp::create(
                      b, loc, tiles.lookup(var),
                      ValueRange{toIndex(addI(base, i64(d)))});
                  comps.push_back(convert(v, computeType));
                }
                reducedValues[arg] = std::move(comps);
              }
              (void)evaluator.evaluate(FormulaStage::Reduced, lanes, env);
              SmallVector<Value> next;
              for (int64_t u = 0; u < rowsPerThread; ++u) {
                FormulaEvaluator::Env pairEnv = env;
                pairEnv.rows = &rowValues[u];
                pairEnv.pair = &pairValues[u];
                pairValues[u].clear();
                (void)evaluator.evaluate(FormulaStage::Pair, lanes, pairEnv);
                Components f, g;
                for (Value c : evaluator.lookup(op.getFormula(), pairEnv))
                  f.push_back(convert(c, accType));
                if (Value w = op.getWeight())
                  for (Value c : evaluator.lookup(w, pairEnv))
                    g.push_back(convert(c, accType));
                AccumulatorState s = AccumulatorState::unflatten(
                    st.slice(u * perRow, perRow), numValues);
                desc.buildAccumulate(b, loc, s, f, g, j);
                llvm::append_range(next, s.flatten());
              }
              return next;
            });

        SmallVector<Value> ended;
        for (int64_t u = 0; u < rowsPerThread; ++u) {
          AccumulatorState s = AccumulatorState::unflatten(
              inner.getResults().slice(u * perRow, perRow), numValues);
          desc.buildEndBlock(b, loc, s);
          llvm::append_range(ended, s.flatten());
        }
        // The next tile overwrites shared memory: wait for every reader.
        gpu::BarrierOp::create(b, loc);
        return ended;
      });
  };
  ValueRange results;
  if (ranges) {
    // The block's intervals in order, each tile by tile (the bounds are
    // uniform over the block: every thread takes part in every barrier).
    scf::ForOp rangeLoop = buildFor(
        firstRange, lastRange, i64(1), flat, [&](Value l, ValueRange state) {
          Value at = mulI(l, i64(2));
          Value k0 = load(indexType, gep(redRanges, indexType, at));
          Value k1 =
              load(indexType, gep(redRanges, indexType, addI(at, i64(1))));
          scf::ForOp loop = buildTileLoop(k0, k1, state);
          return SmallVector<Value>(loop.getResults());
        });
    results = rangeLoop.getResults();
  } else {
    results = buildTileLoop(kStart, kEnd, flat).getResults();
  }

  if (ranges) {
    // Finalized rows of the block.
    for (int64_t u = 0; u < rowsPerThread; ++u) {
      AccumulatorState s = AccumulatorState::unflatten(
          results.slice(u * perRow, perRow), numValues);
      Value r = rowIds[u];
      buildIf(ltI(r, rowEnd), [&] { finalizeAndStore(s, r, out, outIdx); });
    }
    gpu::ReturnOp::create(b, loc);
    return;
  }
  // Write: finalized rows, or the accumulators of chunk `by`.
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value finalize = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                        stateValues, null);
  for (int64_t u = 0; u < rowsPerThread; ++u) {
    AccumulatorState s = AccumulatorState::unflatten(
        results.slice(u * perRow, perRow), numValues);
    Value r = rowIds[u];
    buildIf(ltI(r, rows), [&] {
      auto ifOp = scf::IfOp::create(b, loc, finalize, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        finalizeAndStore(s, r, out, outIdx);
      }
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifOp.elseBlock());
      storeState(s, stateValues, stateIndices, addI(mulI(by, rows), r));
    });
  }
  gpu::ReturnOp::create(b, loc);
}

//===----------------------------------------------------------------------===//
// @NAME_gpu_merge
//===----------------------------------------------------------------------===//

void GPUKernelBuilder::buildMerge() {
  MLIRContext *ctx = op.getContext();
  auto fnType = FunctionType::get(
      ctx, {ptrType, ptrType, indexType, indexType, ptrType, ptrType}, {});
  auto func = gpu::GPUFuncOp::create(b, loc, name + "_gpu_merge", fnType);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(
      {static_cast<int32_t>(blockThreads), 1, 1}));
  Block *entry = &func.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Value values = entry->getArgument(0), indices = entry->getArgument(1);
  Value rows = entry->getArgument(2), nchunks = entry->getArgument(3);
  Value out = entry->getArgument(4), outIdx = entry->getArgument(5);

  Value r = addI(mulI(blockId(gpu::Dimension::x), i64(blockThreads)),
                 threadId());
  buildIf(ltI(r, rows), [&] {
    Value any = ltI(i64(0), nchunks);
    if (desc.getFamily() == MonoidFamily::Select && desc.getK() > 1) {
      // K-selections: the other chunks merged in order into chunk 0's
      // state, in place in the scratch (the thread owns its row), with
      // loops over the K slots (unrolled, the merge is K^2 steps: for
      // K = 64, seconds of compile time).
      auto row = [&](Value base, Type type, Value stateRow, int64_t slots) {
        return gep(base, type, mulI(stateRow, i64(slots)));
      };
      buildFor(i64(1), nchunks, i64(1), {}, [&](Value c, ValueRange) {
        Value other = addI(mulI(c, rows), r);
        buildSelectMergeInMemory(b, loc, desc, accType,
                                 row(values, accType, r, numValues),
                                 row(indices, indexType, r, numIndices),
                                 row(values, accType, other, numValues),
                                 row(indices, indexType, other, numIndices));
        return SmallVector<Value>{};
      });
    }
    // Chunk 0 (the identity when there is none), then the others in order.
    AccumulatorState init = desc.buildInit(b, loc, accType, indexType);
    SmallVector<Type> types;
    for (Value v : init.flatten())
      types.push_back(v.getType());
    auto first = scf::IfOp::create(b, loc, types, any, /*withElse=*/true);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(first.thenBlock());
      scf::YieldOp::create(b, loc, loadState(values, indices, r).flatten());
      b.setInsertionPointToStart(first.elseBlock());
      scf::YieldOp::create(b, loc, init.flatten());
    }
    bool merged = desc.getFamily() == MonoidFamily::Select && desc.getK() > 1;
    scf::ForOp loop = buildFor(
        i64(1), merged ? i64(1) : nchunks, i64(1), first.getResults(),
        [&](Value c, ValueRange flat) {
          AccumulatorState a = AccumulatorState::unflatten(flat, numValues);
          AccumulatorState next =
              loadState(values, indices, addI(mulI(c, rows), r));
          desc.buildMerge(b, loc, a, next);
          return a.flatten();
        });
    AccumulatorState s =
        AccumulatorState::unflatten(loop.getResults(), numValues);
    finalizeAndStore(s, r, out, outIdx);
  });
  gpu::ReturnOp::create(b, loc);
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

LogicalResult
mlir::kernelred::verifyKredReduceGPULowerable(ReduceOp op,
                                              const GPUTargetOptions &options) {
  if (options.blockThreads < 32 || options.blockThreads > 1024 ||
      options.blockThreads % 32 != 0)
    return op.emitError("convert-kred-to-gpu: block-threads must be a "
                        "multiple of 32 in [32, 1024], got ")
           << options.blockThreads;
  if (options.rowsPerThread < 1 || options.rowsPerThread > 16)
    return op.emitError("convert-kred-to-gpu: rows-per-thread must be in "
                        "[1, 16], got ")
           << options.rowsPerThread;
  if (options.tileJ < 0)
    return op.emitError("convert-kred-to-gpu: tile-j must be >= 0, got ")
           << options.tileJ;
  if (getKredGPUTileBytes(op, options) > 48 * 1024)
    return op.emitOpError("needs ")
           << getKredGPUTileBytes(op, options)
           << " bytes of shared memory per j tile, more than the 48 KiB of "
              "static shared memory of a block";
  return verifyKredFormulaLowerable(op);
}

void mlir::kernelred::populateKredReduceToGPUPatterns(
    RewritePatternSet &patterns, const GPUTargetOptions &options) {
  auto lowerings = std::make_shared<FormulaLowerings>();
  populateAllKredFormulaLowerings(*lowerings);
  addReduceLoweringPattern(
      patterns, [options, lowerings](ReduceOp op, OpBuilder &b) {
        GPUKernelBuilder(op, options, *lowerings, b).buildModule();
      });
}
