//===- KredToSCF.h - kernelred to CPU loops, internal API -------*- C++ -*-===//
//
// Part of the kernelred project.
//
// The pieces of convert-kred-to-scf:
//   - LaneBuilder: arith/math on "components", each a scalar of the compute
//     type (the same in every SIMD lane: parameters, reduced-index values) or
//     a vector<L x C> (one output row per lane);
//   - FormulaLowerings: one lowering per formula op, registered by op family
//     (populateKred*Lowerings), turning the operands' components into the
//     result's components;
//   - FormulaEvaluator: stages the formula (uniform / per output row / per
//     reduced index / per pair) so that each value is computed at the
//     outermost loop where its inputs are known;
//   - populateKredReduceToSCFPatterns: kernelred.reduce @NAME -> the kernel
//     ABI functions @NAME_run, @NAME_merge, @NAME_finalize.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_CONVERSION_KREDTOSCF_KREDTOSCF_H
#define KRED_LIB_CONVERSION_KREDTOSCF_KREDTOSCF_H

#include "dialect/KredOps.h"
#include "lib/Pipelines/TargetOptions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>

namespace mlir::kernelred {

//===----------------------------------------------------------------------===//
// LaneBuilder
//===----------------------------------------------------------------------===//

/// The components of one formula value, one Value per component.
using Components = SmallVector<Value, 4>;

/// Builds arith/math ops on components. A component is a scalar of the
/// compute type or a vector<L x C>; binary ops broadcast a scalar operand
/// when the other one is a vector.
class LaneBuilder {
public:
  LaneBuilder(OpBuilder &builder, Location loc, VectorType laneType)
      : b(builder), loc(loc), laneType(laneType),
        scalarType(cast<FloatType>(laneType.getElementType())) {}

  OpBuilder &getBuilder() { return b; }
  Location getLoc() const { return loc; }
  VectorType getLaneType() const { return laneType; }
  FloatType getScalarType() const { return scalarType; }

  /// True for a per-lane (vector) component.
  static bool isLane(Value v) { return isa<VectorType>(v.getType()); }
  /// `v` as a per-lane vector (broadcast when scalar).
  Value splat(Value v);
  /// Broadcasts the scalar ones of `values` when any of them is a vector.
  void unify(MutableArrayRef<Value> values);

  /// A scalar constant of the compute type.
  Value cst(double value);
  /// A constant shaped like `like` (scalar or lane vector).
  Value cstLike(Value like, double value);

  // Arithmetic (operands unified first).
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y);
  Value neg(Value x);
  /// x * y + z, fused.
  Value fma(Value x, Value y, Value z);
  Value abs(Value x);
  Value floor(Value x);
  Value trunc(Value x);
  Value sqrt(Value x);
  Value copySign(Value magnitude, Value sign);
  /// C's fmin: the other operand when one is NaN.
  Value minNum(Value x, Value y);

  // Comparisons and selection.
  Value cmp(arith::CmpFPredicate predicate, Value x, Value y);
  Value select(Value condition, Value x, Value y);
  /// 1.0 where `condition` holds, 0.0 elsewhere (shaped like condition).
  Value boolToFloat(Value condition);
  Value andI(Value x, Value y);
  Value orI(Value x, Value y);

  // Elementary functions (math dialect; expanded later into polynomials).
  Value exp(Value x);
  Value log(Value x);
  Value sin(Value x);
  Value cos(Value x);
  Value asin(Value x);
  Value acos(Value x);
  Value atan(Value x);
  Value atan2(Value y, Value x);

  /// Round half away from zero (C `round`).
  Value round(Value x);

private:
  /// OpTy(extra..., x, y) on the unified operands.
  template <typename OpTy, typename... Extra>
  Value binary(Value x, Value y, Extra... extra) {
    Value ops[2] = {x, y};
    unify(ops);
    return OpTy::create(b, loc, extra..., ops[0], ops[1]);
  }

  OpBuilder &b;
  Location loc;
  VectorType laneType;
  FloatType scalarType;
};

//===----------------------------------------------------------------------===//
// Formula lowerings
//===----------------------------------------------------------------------===//

/// Lowers one formula op: `operands[k]` holds the components of operand k;
/// `result` receives the components of the result. Fails with a diagnostic.
using FormulaLoweringFn =
    std::function<LogicalResult(Operation *op, ArrayRef<Components> operands,
                                LaneBuilder &lanes, Components &result)>;

/// The lowerings of the formula ops, keyed by op.
class FormulaLowerings {
public:
  template <typename OpTy>
  void add(std::function<LogicalResult(OpTy, ArrayRef<Components>,
                                       LaneBuilder &, Components &)>
               fn) {
    fns[TypeID::get<OpTy>()] = [fn](Operation *op,
                                    ArrayRef<Components> operands,
                                    LaneBuilder &lanes, Components &result) {
      return fn(cast<OpTy>(op), operands, lanes, result);
    };
  }

  /// The lowering of `op`, or null.
  const FormulaLoweringFn *lookup(Operation *op) const {
    auto it = fns.find(op->getName().getTypeID());
    return it == fns.end() ? nullptr : &it->second;
  }

private:
  llvm::DenseMap<TypeID, FormulaLoweringFn> fns;
};

/// Component `k` of `c`, broadcasting a single component (KeOps' rule).
inline Value getComponent(const Components &c, int64_t k) {
  return c.size() == 1 ? c[0] : c[k];
}

/// Registers a lowering of `OpTy` applying `fn` to every component of its
/// operands (dimension-1 operands broadcast). The number of components is
/// that of the widest operand, so the lowering also applies to a slice of
/// the components (chunked evaluation).
template <typename OpTy>
void addComponentwise(
    FormulaLowerings &lowerings,
    std::function<Value(OpTy, LaneBuilder &, ArrayRef<Value>)> fn) {
  lowerings.add<OpTy>([fn](OpTy op, ArrayRef<Components> operands,
                           LaneBuilder &lanes, Components &result) {
    int64_t dim = 1;
    for (const Components &operand : operands)
      dim = std::max<int64_t>(dim, operand.size());
    SmallVector<Value, 3> args(operands.size());
    for (int64_t k = 0; k < dim; ++k) {
      for (auto [i, operand] : llvm::enumerate(operands))
        args[i] = getComponent(operand, k);
      result.push_back(fn(op, lanes, args));
    }
    return success();
  });
}

/// Constants and componentwise arithmetic, comparisons and selections.
void populateKredElementwiseLowerings(FormulaLowerings &lowerings);
/// Componentwise elementary functions (exp, log, trig, powers, rounding).
void populateKredMathLowerings(FormulaLowerings &lowerings);
/// Ops on the components of one value (sum, max, elem, extract, concat...).
void populateKredVectorLowerings(FormulaLowerings &lowerings);
/// Products and norms (scalprod, sqdist, matvecmult, tensordot, kron...).
void populateKredLinearAlgebraLowerings(FormulaLowerings &lowerings);
/// BSpline and SoftDTW_SqDist.
void populateKredSpecialFunctionLowerings(FormulaLowerings &lowerings);
/// All of the above.
void populateAllKredFormulaLowerings(FormulaLowerings &lowerings);

//===----------------------------------------------------------------------===//
// Formula evaluation
//===----------------------------------------------------------------------===//

/// Where a formula value can be computed. The bits say what it depends on.
enum class FormulaStage : unsigned {
  /// Constants and parameters: once per call.
  Uniform = 0,
  /// Output-row variables: once per block of rows (per lane).
  Rows = 1,
  /// Reduced-index variables: once per reduced index (the same in all lanes).
  Reduced = 2,
  /// Both: once per pair (per lane).
  Pair = 3,
};

/// Stages and evaluates the formula region of a kernelred.reduce.
class FormulaEvaluator {
public:
  /// Values computed so far, by stage; `rows` and `pair` are per SIMD group.
  struct Env {
    DenseMap<Value, Components> *uniform = nullptr;
    DenseMap<Value, Components> *rows = nullptr;
    DenseMap<Value, Components> *reduced = nullptr;
    DenseMap<Value, Components> *pair = nullptr;
    /// Loads component `index` (an i64 computed at run time) of a variable
    /// for the current group and reduced index: used by chunked loops.
    std::function<Value(BlockArgument var, Value index)> loadComponent;
  };

  FormulaEvaluator(ReduceOp op, const FormulaLowerings &lowerings);

  /// Checks that every op of the formula can be lowered (diagnostics on the
  /// offending op).
  LogicalResult verifyLowerable();

  /// Plans chunked loops of `chunk` components for the dot-product-like ops
  /// (scalprod, sqdist, sqnorm2, norm2, sum, weighted squared norms and
  /// distances with a scalar or diagonal weight) whose operands have more
  /// than `chunk` components and are componentwise expressions of variables
  /// and scalars: those expressions are then evaluated chunk by chunk inside
  /// an scf.for instead of being unrolled over every component.
  void planChunks(int64_t chunk);
  /// Ops evaluated in chunked loops (the dot-product-like roots).
  int64_t getNumChunkedOps() const { return chunkRoots.size(); }

  FormulaStage getStage(Value v) const;

  /// Computes the values of `stage` into the matching map of `env`.
  LogicalResult evaluate(FormulaStage stage, LaneBuilder &lanes, Env &env);

  /// The components of `v`, looked up in the map of its stage.
  const Components &lookup(Value v, const Env &env) const;

private:
  /// Evaluates a chunked root (see planChunks).
  LogicalResult evaluateChunked(Operation *root, LaneBuilder &lanes, Env &env);
  /// The components [begin, begin + width) of `v` inside a chunked
  /// expression; `leaf` gives those of a variable.
  Components evaluateSlice(Value v, LaneBuilder &lanes, const Env &env,
                           function_ref<Components(BlockArgument)> leaf,
                           DenseMap<Value, Components> &memo);

  ReduceOp op;
  const FormulaLowerings &lowerings;
  DenseMap<Value, FormulaStage> stages;
  int64_t chunk = 0;
  /// Chunked roots with their chunked dimension.
  DenseMap<Operation *, int64_t> chunkRoots;
  /// Componentwise ops only evaluated inside chunked loops.
  DenseSet<Operation *> chunkInternal;
};

//===----------------------------------------------------------------------===//
// The reduction
//===----------------------------------------------------------------------===//

/// Checks that every op of the formula of `op` has a lowering (diagnostics
/// on the offending op): the CPU and the GPU lowerings both need it.
LogicalResult verifyKredFormulaLowerable(ReduceOp op);

/// Checks that `op` can be lowered for the CPU target `options`
/// (vectorBits: lanes = vectorBits / width of the compute type; tileJ: the
/// j tile when kred-tile did not set one); diagnostics on failure.
LogicalResult verifyKredReduceLowerable(ReduceOp op,
                                        const CPUTargetOptions &options);

class ReductionDescription;

/// a <- a (+) b for the K-selection states of one row in memory (`aValues`,
/// `bValues`: the row's K * formulaDim accumulators of `accType`;
/// `aIndices`, `bIndices`: its i64 indices), with scf loops over the K
/// slots instead of buildMerge's unrolled K^2 insertion network (same
/// comparisons, same order: ties keep a's entries). Used by the CPU's
/// NAME_merge and the GPU's NAME_gpu_merge.
void buildSelectMergeInMemory(OpBuilder &b, Location loc,
                              const ReductionDescription &desc, Type accType,
                              Value aValues, Value aIndices, Value bValues,
                              Value bIndices);

/// Replaces every kernelred.reduce @NAME by @NAME_run, @NAME_merge and
/// @NAME_finalize (func.func with the C signatures of kred_runtime.h).
void populateKredReduceToSCFPatterns(RewritePatternSet &patterns,
                                     const CPUTargetOptions &options);

} // namespace mlir::kernelred

#endif // KRED_LIB_CONVERSION_KREDTOSCF_KREDTOSCF_H
