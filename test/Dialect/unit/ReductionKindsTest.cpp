//===- ReductionKindsTest.cpp - checks of the reduction monoids -----------===//
//
// Part of the kernelred project.
//
// kred-dialect-tests: builds the IR of every reduction monoid
// (dialect/ReductionKinds.h, built by lib/Conversion/Common/ReductionBuilder.h)
// for every reduction kind, on scalar f32 lanes
// and on vector<8xf32> lanes, and checks that
//   - the functions it produces (init, accumulate, end-block, merge,
//     finalize) verify, with the slot counts and output sizes it announces;
//   - those sizes agree with kernelred.reduce's own output sizes;
//   - the numbers are right (scalar f32 and f64 lanes): a sequence of
//     constant formula values, with ties, is accumulated (in one state, and
//     in two states merged afterwards), the canonicalizer folds everything
//     to constants, and the results are compared with a float64 reference
//     (ties keep the lowest index);
//   - infinite and NaN terms give what plain summation gives, for every
//     summation scheme (Kahan compensations must not turn inf into NaN).
// Prints one line per case and a summary; exits with 1 on any failure.
//
//===----------------------------------------------------------------------===//

#include "dialect/KredOps.h"
#include "lib/Conversion/Common/ReductionBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::kernelred;

namespace {

int numChecks = 0;
int numFailures = 0;

/// Records one check; prints the failure with `what`.
bool check(bool ok, const std::string &what) {
  ++numChecks;
  if (!ok) {
    ++numFailures;
    llvm::outs() << "FAIL: " << what << "\n";
  }
  return ok;
}

/// One reduction to test.
struct Case {
  ReductionKind kind;
  int64_t formulaDim;
  int64_t weightDim; // 0 without a weight formula
  int64_t k;
  SumScheme scheme;
  std::optional<Finalize> finalize;

  std::string name() const {
    std::string s = stringifyReductionKind(kind).str();
    if (needsK(kind))
      s += "<" + std::to_string(k) + ">";
    s += " D=" + std::to_string(formulaDim);
    if (weightDim)
      s += " G=" + std::to_string(weightDim);
    if (kind == ReductionKind::Sum || isLogSumExpFamily(kind))
      s += " " + stringifySumScheme(scheme).str();
    if (finalize)
      s += " finalize=" + stringifyFinalize(*finalize).str();
    return s;
  }
};

/// Every kind, with the variants of its options that change the monoid.
std::vector<Case> getCases() {
  std::vector<Case> cases;
  auto add = [&](ReductionKind kind, int64_t d, int64_t g, int64_t k,
                 SumScheme scheme = SumScheme::BlockSum,
                 std::optional<Finalize> fin = std::nullopt) {
    cases.push_back({kind, d, g, k, scheme, fin});
  };
  for (SumScheme s : {SumScheme::BlockSum, SumScheme::Kahan, SumScheme::Direct})
    add(ReductionKind::Sum, 3, 0, 1, s);
  for (SumScheme s : {SumScheme::BlockSum, SumScheme::Direct}) {
    add(ReductionKind::LogSumExp, 1, 0, 1, s);
    add(ReductionKind::LogSumExp, 1, 2, 1, s);
    add(ReductionKind::MaxSumShiftExp, 1, 0, 1, s);
    add(ReductionKind::MaxSumShiftExpWeight, 1, 2, 1, s);
    add(ReductionKind::SumSoftMaxWeight, 1, 2, 1, s);
  }
  add(ReductionKind::MaxSumShiftExpWeight, 1, 2, 1, SumScheme::BlockSum,
      Finalize::LogSumExp);
  add(ReductionKind::MaxSumShiftExpWeight, 1, 3, 1, SumScheme::BlockSum,
      Finalize::SoftMax);
  add(ReductionKind::MaxSumShiftExpWeight, 1, 2, 1, SumScheme::BlockSum,
      Finalize::None);
  for (ReductionKind kind :
       {ReductionKind::Min, ReductionKind::Max, ReductionKind::ArgMin,
        ReductionKind::ArgMax, ReductionKind::MinArgMin,
        ReductionKind::MaxArgMax})
    add(kind, 3, 0, 1);
  for (ReductionKind kind : {ReductionKind::KMin, ReductionKind::ArgKMin,
                             ReductionKind::KMinArgKMin}) {
    add(kind, 3, 0, 1);
    add(kind, 2, 0, 3);
  }
  return cases;
}

ReductionBuilder describe(const Case &c) {
  return ReductionBuilder(c.kind, c.formulaDim, c.weightDim, c.k,
                              c.scheme, c.finalize);
}

/// A lane type (scalar or vector of floats) and its index lane type.
struct Lanes {
  Type value;
  Type index;
  std::string name;
};

/// The lanes the IR is built and verified for: scalar f32 (GPU threads,
/// scalar code) and vector<8 x f32> (CPU SIMD).
std::vector<Lanes> getStructureLanes(MLIRContext *ctx) {
  Type f32 = Float32Type::get(ctx), i64 = IntegerType::get(ctx, 64);
  return {{f32, i64, "f32"},
          {VectorType::get({8}, f32), VectorType::get({8}, i64),
           "vector<8xf32>"}};
}

/// The lanes the numbers are checked on: scalars only, because upstream
/// arith does not fold comparisons of constant vectors.
std::vector<Lanes> getNumberLanes(MLIRContext *ctx) {
  Type i64 = IntegerType::get(ctx, 64);
  return {{Float32Type::get(ctx), i64, "f32"},
          {Float64Type::get(ctx), i64, "f64"}};
}

SmallVector<Type> getStateTypes(const ReductionDescription &desc,
                                const Lanes &lanes) {
  SmallVector<Type> types(desc.getNumValueSlots(), lanes.value);
  types.append(desc.getNumIndexSlots(), lanes.index);
  return types;
}

/// Builds a func.func @name(inputs) -> results whose body `body` fills.
func::FuncOp buildFunc(OpBuilder &b, ModuleOp module, StringRef name,
                       TypeRange inputs,
                       function_ref<SmallVector<Value>(OpBuilder &,
                                                       ValueRange)>
                           body) {
  b.setInsertionPointToEnd(module.getBody());
  Location loc = b.getUnknownLoc();
  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(inputs, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  SmallVector<Value> results = body(b, entry->getArguments());
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(
      b.getFunctionType(inputs, ValueRange(results).getTypes()));
  return func;
}

/// Structural checks: the five monoid functions verify and have the
/// announced sizes.
void checkStructure(MLIRContext *ctx, const Case &c, const Lanes &lanes) {
  ReductionBuilder desc = describe(c);
  std::string name = c.name() + " lanes=" + lanes.name;
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(b.getUnknownLoc());
  Location loc = b.getUnknownLoc();
  SmallVector<Type> stateTypes = getStateTypes(desc, lanes);
  int64_t numValues = desc.getNumValueSlots();
  int64_t numOutValues = -1, numOutIndices = -1;

  buildFunc(b, *module, "init", {}, [&](OpBuilder &b, ValueRange) {
    AccumulatorState s = desc.buildInit(b, loc, lanes.value, lanes.index);
    check((int64_t)s.values.size() == desc.getNumValueSlots() &&
              (int64_t)s.indices.size() == desc.getNumIndexSlots(),
          name + ": init slot counts");
    return s.flatten();
  });

  SmallVector<Type> accInputs(stateTypes);
  accInputs.append(desc.getFormulaDim() + desc.getWeightDim(), lanes.value);
  accInputs.push_back(lanes.index);
  buildFunc(b, *module, "accumulate", accInputs,
            [&](OpBuilder &b, ValueRange args) {
              AccumulatorState s = AccumulatorState::unflatten(
                  args.take_front(stateTypes.size()), numValues);
              ValueRange rest = args.drop_front(stateTypes.size());
              desc.buildAccumulate(b, loc, s,
                                   rest.take_front(desc.getFormulaDim()),
                                   rest.slice(desc.getFormulaDim(),
                                              desc.getWeightDim()),
                                   rest.back());
              return s.flatten();
            });

  buildFunc(b, *module, "end_block", stateTypes,
            [&](OpBuilder &b, ValueRange args) {
              AccumulatorState s = AccumulatorState::unflatten(args, numValues);
              desc.buildEndBlock(b, loc, s);
              return s.flatten();
            });

  SmallVector<Type> mergeInputs(stateTypes);
  mergeInputs.append(stateTypes);
  buildFunc(b, *module, "merge", mergeInputs,
            [&](OpBuilder &b, ValueRange args) {
              AccumulatorState a = AccumulatorState::unflatten(
                  args.take_front(stateTypes.size()), numValues);
              AccumulatorState other = AccumulatorState::unflatten(
                  args.drop_front(stateTypes.size()), numValues);
              desc.buildMerge(b, loc, a, other);
              return a.flatten();
            });

  buildFunc(b, *module, "finalize", stateTypes,
            [&](OpBuilder &b, ValueRange args) {
              AccumulatorState s = AccumulatorState::unflatten(args, numValues);
              SmallVector<Value> values, indices;
              desc.buildFinalize(b, loc, s, values, indices);
              numOutValues = values.size();
              numOutIndices = indices.size();
              for (Value v : values)
                check(v.getType() == lanes.value,
                      name + ": finalize value type");
              for (Value v : indices)
                check(v.getType() == lanes.index,
                      name + ": finalize index type");
              values.append(indices);
              return values;
            });

  check(succeeded(verify(*module)), name + ": the monoid functions verify");
  check(numOutValues == desc.getOutputValueDim(),
        name + ": finalize writes getOutputValueDim() values");
  check(numOutIndices == desc.getOutputIndexDim(),
        name + ": finalize writes getOutputIndexDim() indices");
}

/// kernelred.reduce and ReductionDescription agree on the output sizes.
void checkAgainstReduceOp(MLIRContext *ctx, const Case &c) {
  std::string name = c.name();
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  Type f32 = b.getF32Type();
  Type fType = getFormulaType(f32, c.formulaDim);
  SmallVector<Type> varTypes = {fType};
  if (c.weightDim)
    varTypes.push_back(getFormulaType(f32, c.weightDim));
  SmallVector<VarCategory> cats(varTypes.size(), VarCategory::J);
  SmallVector<int64_t> positions =
      llvm::to_vector(llvm::seq<int64_t>(0, varTypes.size()));
  auto reduce = ReduceOp::create(b, loc, "kernel", c.kind, /*axis=*/1, cats,
                                 positions, varTypes);
  if (needsK(c.kind))
    reduce.setK(c.k);
  if (c.kind == ReductionKind::Sum || isLogSumExpFamily(c.kind))
    reduce.setSumScheme(c.scheme);
  if (c.finalize)
    reduce.setFinalize(c.finalize);
  b.setInsertionPointToStart(&reduce.getBodyBlock());
  YieldOp::create(b, loc, reduce.getBodyBlock().getArguments());
  if (!check(succeeded(verify(*module)), name + ": the reduce op verifies"))
    return;
  ReductionDescription fromOp(reduce);
  ReductionDescription direct = describe(c);
  check(fromOp.getOutputValueDim() == reduce.getOutputValueDim() &&
            fromOp.getOutputIndexDim() == reduce.getOutputIndexDim(),
        name + ": ReduceOp and ReductionDescription output sizes agree");
  check(fromOp.getNumValueSlots() == direct.getNumValueSlots() &&
            fromOp.getNumIndexSlots() == direct.getNumIndexSlots(),
        name + ": ReductionDescription(ReduceOp) has the same slots");
}

//===----------------------------------------------------------------------===//
// Numbers
//===----------------------------------------------------------------------===//

/// The formula values F_j (formulaDim components) and weights G_j.
struct Data {
  std::vector<std::vector<double>> f, g;
};

Data getData(const Case &c) {
  // Values with ties (to check that the lowest index wins) and a spread
  // that makes the running maximum move.
  const double base[] = {0.5, -1.25, 2.0, 0.5, 3.5, -2.0, 2.0};
  Data data;
  for (int j = 0; j < 7; ++j) {
    std::vector<double> f, g;
    for (int64_t c0 = 0; c0 < c.formulaDim; ++c0)
      f.push_back(base[(j + 2 * c0) % 7] + 0.25 * c0);
    for (int64_t w = 0; w < c.weightDim; ++w)
      g.push_back(1.0 + 0.5 * w + 0.125 * j);
    data.f.push_back(f);
    data.g.push_back(g);
  }
  return data;
}

/// Formula values and weights with infinities and NaNs, for the kinds that
/// sum (Sum, RunningMaxExp); `variant` picks one of two patterns. Plain
/// summation of them gives +inf, -inf or NaN, and so must the compensated
/// schemes.
Data getNonFiniteData(const Case &c, int variant) {
  Data data = getData(c);
  const double inf = INFINITY, nan = NAN;
  int64_t n = data.f.size();
  if (c.kind == ReductionKind::Sum) {
    // Per component: variant 0: +inf; -inf; +inf and -inf (NaN).
    // Variant 1: NaN; +inf twice; -inf among finite terms.
    if (variant == 0) {
      data.f[2][0] = inf;
      data.f[4][1] = -inf;
      data.f[1][2] = inf;
      data.f[5][2] = -inf;
    } else {
      data.f[3][0] = nan;
      data.f[0][1] = inf;
      data.f[6][1] = inf;
      data.f[n - 2][2] = -inf;
    }
    return data;
  }
  // RunningMaxExp: infinite and NaN weights; variant 1 also has +inf
  // formula values (the running maximum becomes +inf).
  if (variant == 0) {
    if (c.weightDim >= 1)
      data.g[2][0] = inf;
    if (c.weightDim >= 2) {
      data.g[1][1] = nan;
      data.g[5][1] = -inf;
    }
  } else {
    data.f[3][0] = inf;
    data.f[5][0] = inf;
    if (c.weightDim >= 1)
      data.g[5][0] = inf;
  }
  return data;
}

/// The expected output (values, then indices) in float64.
std::pair<std::vector<double>, std::vector<int64_t>>
getReference(const Case &c, const Data &data) {
  ReductionBuilder desc = describe(c);
  std::vector<double> values;
  std::vector<int64_t> indices;
  int64_t n = data.f.size(), d = c.formulaDim;
  switch (desc.getFamily()) {
  case MonoidFamily::Sum:
    for (int64_t c0 = 0; c0 < d; ++c0) {
      double s = 0;
      for (int64_t j = 0; j < n; ++j)
        s += data.f[j][c0];
      values.push_back(s);
    }
    break;
  case MonoidFamily::Select: {
    int64_t k = desc.getK();
    std::vector<double> vals(k * d);
    std::vector<int64_t> idx(k * d);
    for (int64_t c0 = 0; c0 < d; ++c0) {
      std::vector<int64_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      // By value, then by index on ties.
      std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
        double vx = data.f[x][c0], vy = data.f[y][c0];
        if (vx != vy)
          return desc.selectsLargest() ? vx > vy : vx < vy;
        return x < y;
      });
      for (int64_t s = 0; s < k; ++s) {
        vals[s * d + c0] = data.f[order[s]][c0];
        idx[s * d + c0] = order[s];
      }
    }
    if (desc.getOutputValueDim())
      values = vals;
    if (desc.getOutputIndexDim())
      indices = idx;
    break;
  }
  case MonoidFamily::RunningMaxExp: {
    double m = -INFINITY;
    for (int64_t j = 0; j < n; ++j)
      m = std::max(m, data.f[j][0]);
    // The weights of the shifted sums.
    auto weight = [&](int64_t j, int64_t s) {
      if (c.kind == ReductionKind::SumSoftMaxWeight)
        return s == 0 ? 1.0 : data.g[j][s - 1];
      return c.weightDim ? data.g[j][s] : 1.0;
    };
    int64_t sums = c.kind == ReductionKind::MaxSumShiftExp ? 1
                   : c.kind == ReductionKind::SumSoftMaxWeight
                       ? c.weightDim + 1
                       : std::max<int64_t>(c.weightDim, 1);
    std::vector<double> s(sums, 0.0);
    for (int64_t j = 0; j < n; ++j) {
      // exp(F - m) is 1 for the maximum, also when it is +inf.
      double e = data.f[j][0] == m ? 1.0 : std::exp(data.f[j][0] - m);
      for (int64_t t = 0; t < sums; ++t)
        s[t] += e * weight(j, t);
    }
    switch (desc.getExpFinalize()) {
    case ExpFinalize::Raw:
      values.push_back(m);
      values.insert(values.end(), s.begin(), s.end());
      break;
    case ExpFinalize::Log:
      for (double x : s)
        values.push_back(m + std::log(x));
      break;
    case ExpFinalize::SoftMax:
      for (int64_t t = 1; t < sums; ++t)
        values.push_back(s[t] / s[0]);
      break;
    }
    break;
  }
  }
  return {values, indices};
}

/// Builds a function that accumulates `data` (all of it in one state, or
/// in two states merged at `split`), folds it with the canonicalizer, and
/// returns the constant results.
std::optional<std::pair<std::vector<double>, std::vector<int64_t>>>
evaluate(MLIRContext *ctx, const Case &c, const Lanes &lanes,
         const Data &data, std::optional<int64_t> split) {
  ReductionBuilder desc = describe(c);
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  auto constant = [&](OpBuilder &b, double x) {
    return buildLaneConstant(b, loc, lanes.value, x);
  };
  func::FuncOp func =
      buildFunc(b, *module, "run", {}, [&](OpBuilder &b, ValueRange) {
        auto accumulate = [&](AccumulatorState &s, int64_t from, int64_t to) {
          for (int64_t j = from; j < to; ++j) {
            SmallVector<Value> f, g;
            for (double x : data.f[j])
              f.push_back(constant(b, x));
            for (double x : data.g[j])
              g.push_back(constant(b, x));
            Value idx = buildIndexLaneConstant(b, loc, lanes.index, j);
            desc.buildAccumulate(b, loc, s, f, g, idx);
            // Blocks of two, to exercise the block sums.
            if (desc.usesBlocks() && j % 2 == 1)
              desc.buildEndBlock(b, loc, s);
          }
        };
        int64_t n = data.f.size();
        AccumulatorState s = desc.buildInit(b, loc, lanes.value, lanes.index);
        if (split) {
          AccumulatorState t =
              desc.buildInit(b, loc, lanes.value, lanes.index);
          accumulate(s, 0, *split);
          accumulate(t, *split, n);
          desc.buildMerge(b, loc, s, t);
        } else {
          accumulate(s, 0, n);
        }
        SmallVector<Value> values, indices;
        desc.buildFinalize(b, loc, s, values, indices);
        values.append(indices);
        return values;
      });
  (void)func;
  PassManager pm(ctx);
  pm.addPass(createCanonicalizerPass());
  if (failed(verify(*module)) || failed(pm.run(*module)))
    return std::nullopt;
  auto ret = cast<func::ReturnOp>(
      module->lookupSymbol<func::FuncOp>("run").front().getTerminator());
  std::vector<double> values;
  std::vector<int64_t> indices;
  for (Value v : ret.getOperands()) {
    Attribute attr;
    auto cst = v.getDefiningOp<arith::ConstantOp>();
    if (!cst)
      return std::nullopt;
    attr = cst.getValue();
    if (auto dense = dyn_cast<SplatElementsAttr>(attr))
      attr = dense.getSplatValue<Attribute>();
    if (auto f = dyn_cast<FloatAttr>(attr))
      values.push_back(f.getValueAsDouble());
    else if (auto i = dyn_cast<IntegerAttr>(attr))
      indices.push_back(i.getInt());
    else
      return std::nullopt;
  }
  return std::make_pair(values, indices);
}

/// `got` matches the float64 reference `want`: the same NaN or infinity,
/// or close.
bool sameValue(double got, double want) {
  if (std::isnan(want))
    return std::isnan(got);
  if (std::isinf(want))
    return got == want;
  return std::fabs(got - want) <= 1e-5 * std::max(1.0, std::fabs(want));
}

/// Accumulates `data` sequentially and split at every point, and compares
/// with the reference; `label` names the data in the messages.
void checkNumbers(MLIRContext *ctx, const Case &c, const Lanes &lanes,
                  const Data &data, const std::string &label = "") {
  auto [refValues, refIndices] = getReference(c, data);
  // Sequentially, then split at every point and merged.
  SmallVector<std::optional<int64_t>> splits = {std::nullopt};
  for (int64_t i = 0, e = data.f.size(); i <= e; ++i)
    splits.push_back(i);
  for (std::optional<int64_t> split : splits) {
    std::string name = c.name() + label + " lanes=" + lanes.name +
                       (split ? " merged at " + std::to_string(*split)
                              : std::string(" sequential"));
    auto result = evaluate(ctx, c, lanes, data, split);
    if (!check(result.has_value(), name + ": folds to constants"))
      continue;
    auto &[values, indices] = *result;
    bool ok = values.size() == refValues.size() &&
              indices == std::vector<int64_t>(refIndices);
    for (size_t i = 0; ok && i < values.size(); ++i)
      ok = sameValue(values[i], refValues[i]);
    if (!check(ok, name + ": matches the float64 reference")) {
      llvm::outs() << "  got     ";
      for (double v : values)
        llvm::outs() << " " << v;
      for (int64_t i : indices)
        llvm::outs() << " #" << i;
      llvm::outs() << "\n  expected";
      for (double v : refValues)
        llvm::outs() << " " << v;
      for (int64_t i : refIndices)
        llvm::outs() << " #" << i;
      llvm::outs() << "\n";
    }
  }
}

} // namespace

int main() {
  MLIRContext ctx;
  ctx.loadDialect<KredDialect, arith::ArithDialect, func::FuncDialect,
                  math::MathDialect>();
  // Each kind must be covered.
  std::vector<Case> cases = getCases();
  for (uint32_t i = 0; i <= getMaxEnumValForReductionKind(); ++i) {
    auto kind = symbolizeReductionKind(i);
    if (!kind)
      continue;
    check(llvm::any_of(cases, [&](const Case &c) { return c.kind == *kind; }),
          "kind " + stringifyReductionKind(*kind).str() + " is tested");
  }
  for (const Case &c : cases) {
    int before = numFailures;
    checkAgainstReduceOp(&ctx, c);
    for (const Lanes &lanes : getStructureLanes(&ctx))
      checkStructure(&ctx, c, lanes);
    for (const Lanes &lanes : getNumberLanes(&ctx))
      checkNumbers(&ctx, c, lanes, getData(c));
    llvm::outs() << (numFailures == before ? "ok: " : "failed: ") << c.name()
                 << "\n";
  }
  // Infinite and NaN terms give what plain summation gives, whatever the
  // summation scheme (the compensations must not turn inf into NaN).
  for (const Case &c : cases) {
    if (describe(c).getFamily() == MonoidFamily::Select)
      continue;
    int before = numFailures;
    for (int variant : {0, 1})
      for (const Lanes &lanes : getNumberLanes(&ctx))
        checkNumbers(&ctx, c, lanes, getNonFiniteData(c, variant),
                     " non-finite#" + std::to_string(variant));
    llvm::outs() << (numFailures == before ? "ok: " : "failed: ")
                 << "non-finite " << c.name() << "\n";
  }
  llvm::outs() << numChecks << " checks, " << numFailures << " failures\n";
  return numFailures ? 1 : 0;
}
