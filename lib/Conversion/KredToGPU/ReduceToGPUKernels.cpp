//===- ReduceToGPUKernels.cpp - kernelred.reduce -> GPU kernels -----------===//
//
// Part of the kernelred project.
//
// kernelred.reduce @NAME becomes gpu.module @NAME_gpu_module with the two
// kernels of docs/gpu.md:
//
//   @NAME_gpu(arg_0..arg_{P-1}, M, N, chunk, out, out_idx, state_values,
//             state_indices, batch_offsets)
//     batch element z = blockIdx.z: argument p starts at arg_p +
//     batch_offsets[z * P + p] elements (batch_offsets NULL: one element,
//     z = 0); out, out_idx and the states of element z follow those of
//     z - 1 (rows x out dims, gridDim.y x rows x state dims)
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
//     one thread per row folds the chunks in order and finalizes (batch
//     element blockIdx.z, laid out as in @NAME_gpu).
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
// monoids (ReductionBuilder) are used unchanged; K-selections keep
// their K sorted entries in registers.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/KredToGPU/KredToGPU.h"
#include "lib/Conversion/Common/KernelIRBuilder.h"

#include "lib/Conversion/Common/ReductionBuilder.h"
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

/// Elements per reduced index in the shared tile: the reduced-index
/// variables of `op` side by side (interleaved), the row padded to 8 bytes
/// or a multiple of 16 so that a thread reads an index's values with
/// 64- or 128-bit shared loads (y(3) and b(1) in f32: one ld.shared.v4).
static int64_t getTileRowElements(ReduceOp op) {
  int64_t elements = 0;
  int64_t eltBytes = op.getElementType().getWidth() / 8;
  for (BlockArgument arg : op.getBodyBlock().getArguments())
    if (op.getVarCategory(arg.getArgNumber()) == op.getReducedCategory())
      elements += getFormulaDim(arg);
  int64_t bytes = elements * eltBytes;
  if (bytes > 4)
    bytes = bytes <= 8 ? 8 : (bytes + 15) / 16 * 16;
  return bytes / eltBytes;
}

/// Bytes per reduced index of the shared tile.
static int64_t getTileBytesPerIndex(ReduceOp op) {
  return getTileRowElements(op) * (op.getElementType().getWidth() / 8);
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
  Value gridDim(gpu::Dimension d) {
    return toI64(gpu::GridDimOp::create(b, loc, d));
  }
  /// Moves `out` and `outIdx` to the rows of batch element `z`.
  void batchOutputs(Value z, Value rows, Value &out, Value &outIdx) {
    Value first = mulI(z, rows);
    out = gep(out, eltType, mulI(first, i64(outValues)));
    outIdx = gep(outIdx, indexType, mulI(first, i64(outIndices)));
  }
  /// The argument pointers of batch element `z`, by position: each used
  /// argument moved by its entry of the offsets table (unmoved when the
  /// table is NULL).
  DenseMap<int64_t, Value> batchArguments(Block *entry, Value offsets,
                                          Value z);
  /// Folds the pair's formula values `f` (and weights `g`) at reduced
  /// index `j` into `s`. K-selections (K > 1) first compare each component
  /// with the current K-th entry and skip the insertion when none beats it
  /// (exact: an entry equal to the K-th loses its tie, its index being
  /// higher), so that most pairs cost one compare per component.
  void accumulate(AccumulatorState &s, ValueRange f, ValueRange g, Value j);

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

DenseMap<int64_t, Value>
GPUKernelBuilder::batchArguments(Block *entry, Value offsets, Value z) {
  SmallVector<int64_t> used;
  for (unsigned v = 0, e = op.getNumVars(); v < e; ++v)
    used.push_back(op.getVarPosition(v));
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value batched =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, offsets, null);
  auto ifOp = scf::IfOp::create(
      b, loc, SmallVector<Type>(used.size(), indexType), batched,
      /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value row = mulI(z, i64(op.getNumArgs()));
    SmallVector<Value> loaded;
    for (int64_t p : used)
      loaded.push_back(
          load(indexType, gep(offsets, indexType, addI(row, i64(p)))));
    scf::YieldOp::create(b, loc, loaded);
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, SmallVector<Value>(used.size(), i64(0)));
  }
  DenseMap<int64_t, Value> ptrs;
  for (auto [p, offset] : llvm::zip(used, ifOp.getResults()))
    ptrs[p] = gep(entry->getArgument(p), eltType, offset);
  return ptrs;
}

void GPUKernelBuilder::accumulate(AccumulatorState &s, ValueRange f,
                                  ValueRange g, Value j) {
  int64_t k = desc.getK();
  if (desc.getFamily() != MonoidFamily::Select || k <= 1) {
    desc.buildAccumulate(b, loc, s, f, g, j);
    return;
  }
  auto pred = desc.selectsLargest() ? arith::CmpFPredicate::OGT
                                    : arith::CmpFPredicate::OLT;
  int64_t dim = static_cast<int64_t>(f.size());
  Value any;
  for (int64_t c = 0; c < dim; ++c) {
    Value better = arith::CmpFOp::create(b, loc, pred, f[c],
                                         s.values[(k - 1) * dim + c]);
    any = any ? arith::OrIOp::create(b, loc, any, better).getResult() : better;
  }
  SmallVector<Value> old = s.flatten();
  SmallVector<Type> types;
  for (Value v : old)
    types.push_back(v.getType());
  auto ifOp = scf::IfOp::create(b, loc, types, any, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    desc.buildAccumulate(b, loc, s, f, g, j);
    scf::YieldOp::create(b, loc, s.flatten());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, old);
  }
  s = AccumulatorState::unflatten(ifOp.getResults(), numValues);
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
    // (M, N, chunk, out, out_idx, state_values, state_indices,
    //  batch_offsets)
    argTypes.append({indexType, indexType, indexType, ptrType, ptrType,
                     ptrType, ptrType, ptrType});
  auto fnType = FunctionType::get(ctx, argTypes, {});

  // One shared tile [tileJ][rowElements]: index jj's row holds each
  // reduced-index variable's values at that variable's column offset.
  SmallVector<Type> tileTypes;
  SmallVector<unsigned> tileVars;
  DenseMap<unsigned, int64_t> tileColumn;
  int64_t rowElements = getTileRowElements(op);
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  int64_t column = 0;
  for (BlockArgument arg : body.getArguments())
    if (evaluator.getStage(arg) == FormulaStage::Reduced) {
      tileVars.push_back(arg.getArgNumber());
      tileColumn[arg.getArgNumber()] = column;
      column += getFormulaDim(arg);
    }
  if (!tileVars.empty())
    tileTypes.push_back(MemRefType::get({tileJ * rowElements}, eltType,
                                        MemRefLayoutAttrInterface(),
                                        workgroup));

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
  Value tile;
  if (!tileTypes.empty())
    tile = func.getWorkgroupAttributions()[0];

  bool axisJ = op.getAxis() == 1;
  Value rows = axisJ ? M : N;
  Value K = axisJ ? N : M;
  // The arrays of batch element z (the run kernel; the ranges kernel has no
  // batch). Whether to finalize is read before the states move.
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  Value finalize;
  DenseMap<int64_t, Value> argPtrs;
  if (!ranges) {
    finalize = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                    stateValues, null);
    Value z = blockId(gpu::Dimension::z);
    Value states = mulI(mulI(z, gridDim(gpu::Dimension::y)), rows);
    stateValues = gep(stateValues, accType, mulI(states, i64(numValues)));
    stateIndices =
        gep(stateIndices, indexType, mulI(states, i64(numIndices)));
    batchOutputs(z, rows, out, outIdx);
    argPtrs = batchArguments(entry, entry->getArgument(numArgs + 7), z);
  }
  auto varPtr = [&](BlockArgument arg) {
    int64_t pos = op.getVarPosition(arg.getArgNumber());
    Value p = argPtrs.lookup(pos);
    return p ? p : entry->getArgument(pos);
  };
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
  int64_t numPartials = desc.getNumExpPartials();

  auto buildTileLoop = [&](Value lo, Value hi, ValueRange init) {
    return buildFor(
      lo, hi, i64(tileJ), init, [&](Value tileBase, ValueRange state) {
        Value count = minI(i64(tileJ), subI(hi, tileBase));
        // Cooperative copy of the tile: element e of a variable's
        // [count * dim] (contiguous in global memory: coalesced) by thread
        // e % blockThreads, to row e / dim of the tile. Every thread takes
        // part (also those past the last row).
        for (unsigned var : tileVars) {
          BlockArgument arg = body.getArgument(var);
          int64_t dim = getFormulaDim(arg);
          Value src = gep(varPtr(arg), eltType, mulI(tileBase, i64(dim)));
          buildFor(tid, mulI(count, i64(dim)), i64(blockThreads), {},
                   [&](Value e, ValueRange) {
                     Value v = load(eltType, gep(src, eltType, e));
                     Value at = e;
                     if (dim != 1 || rowElements != 1) {
                       Value row = arith::DivUIOp::create(b, loc, e, i64(dim));
                       Value col = subI(e, mulI(row, i64(dim)));
                       at = addI(mulI(row, i64(rowElements)),
                                 addI(col, i64(tileColumn.lookup(var))));
                     }
                     memref::StoreOp::create(b, loc, v, tile,
                                             ValueRange{toIndex(at)});
                     return SmallVector<Value>{};
                   });
        }
        gpu::BarrierOp::create(b, loc);

        // The pairs of the tile: a full tile (all but the last) runs a loop
        // of constant trip count, which LLVM unrolls; both count in i32.
        auto pairStep = [&](Value jj32, ValueRange st) {
              Value jj = arith::ExtSIOp::create(b, loc, indexType, jj32);
              Value j = addI(tileBase, jj);
              reducedValues.clear();
              Value base = mulI(jj, i64(rowElements));
              for (unsigned var : tileVars) {
                BlockArgument arg = body.getArgument(var);
                int64_t dim = getFormulaDim(arg);
                Components comps;
                for (int64_t d = 0; d < dim; ++d) {
                  Value v = memref::LoadOp::create(
                      b, loc, tile,
                      ValueRange{toIndex(
                          addI(base, i64(tileColumn.lookup(var) + d)))});
                  comps.push_back(convert(v, computeType));
                }
                reducedValues[arg] = std::move(comps);
              }
              (void)evaluator.evaluate(FormulaStage::Reduced, lanes, env);
              SmallVector<Value> next, nextPartials;
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
                if (numPartials > 0) {
                  SmallVector<Value> p(st.slice(
                      rowsPerThread * perRow + u * numPartials, numPartials));
                  desc.buildAccumulateExpBlock(b, loc, s, p, f, g);
                  llvm::append_range(nextPartials, p);
                } else {
                  accumulate(s, f, g, j);
                }
                llvm::append_range(next, s.flatten());
              }
              llvm::append_range(next, nextPartials);
              return next;
        };
        Type i32 = b.getI32Type();
        auto i32c = [&](int64_t v) {
          return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
        };
        // The loop carries the rows' states, then (running-max family)
        // their block partials, folded into the states after the tile.
        SmallVector<Value> init(state.begin(), state.end());
        for (int64_t u = 0; u < rowsPerThread; ++u)
          llvm::append_range(init,
                             desc.buildInitExpPartials(b, loc, accType));
        auto pairLoop = [&](Value ub32) {
          return buildFor(i32c(0), ub32, i32c(1), init, pairStep);
        };
        SmallVector<Type> stateTypes;
        for (Value v : init)
          stateTypes.push_back(v.getType());
        Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           count, i64(tileJ));
        auto inner =
            scf::IfOp::create(b, loc, stateTypes, full, /*withElse=*/true);
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(inner.thenBlock());
          scf::YieldOp::create(b, loc, pairLoop(i32c(tileJ)).getResults());
          b.setInsertionPointToStart(inner.elseBlock());
          Value count32 = arith::TruncIOp::create(b, loc, i32, count);
          scf::YieldOp::create(b, loc, pairLoop(count32).getResults());
        }

        SmallVector<Value> ended;
        for (int64_t u = 0; u < rowsPerThread; ++u) {
          AccumulatorState s = AccumulatorState::unflatten(
              inner.getResults().slice(u * perRow, perRow), numValues);
          if (numPartials > 0) {
            SmallVector<Value> p(inner.getResults().slice(
                rowsPerThread * perRow + u * numPartials, numPartials));
            desc.buildEndExpBlock(b, loc, s, p);
          }
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
  // Batch element z: its states and outputs.
  Value z = blockId(gpu::Dimension::z);
  Value states = mulI(mulI(z, nchunks), rows);
  values = gep(values, accType, mulI(states, i64(numValues)));
  indices = gep(indices, indexType, mulI(states, i64(numIndices)));
  batchOutputs(z, rows, out, outIdx);

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
