//===- ReductionBuilder.cpp - IR builders of the reduction monoids --------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Conversion/Common/ReductionBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::kernelred;

//===----------------------------------------------------------------------===//
// Lane helpers
//===----------------------------------------------------------------------===//

Value mlir::kernelred::buildLaneConstant(OpBuilder &b, Location loc,
                                         Type laneType, double value) {
  if (auto vt = dyn_cast<VectorType>(laneType)) {
    auto elt = cast<FloatType>(vt.getElementType());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vt, b.getFloatAttr(elt, value)));
  }
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(laneType, value));
}

Value mlir::kernelred::buildIndexLaneConstant(OpBuilder &b, Location loc,
                                              Type indexLaneType,
                                              int64_t value) {
  if (auto vt = dyn_cast<VectorType>(indexLaneType))
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vt,
                               b.getIntegerAttr(vt.getElementType(), value)));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(indexLaneType, value));
}

namespace {

/// Small arithmetic builder over lane values.
struct Lanes {
  OpBuilder &b;
  Location loc;

  Value cst(Type t, double v) { return buildLaneConstant(b, loc, t, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value abs(Value x) { return math::AbsFOp::create(b, loc, x); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value log(Value x) { return math::LogOp::create(b, loc, x); }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value maxnum(Value x, Value y) {
    return arith::MaxNumFOp::create(b, loc, x, y);
  }
  /// True where (v, vi) comes before (w, wi) in a K-selection: a better
  /// value (smaller, or larger with `largest`), or an equal value with a
  /// lower index, so that ties keep the lowest index wherever entries meet.
  Value selectsBefore(bool largest, Value v, Value vi, Value w, Value wi) {
    Value better = cmp(
        largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, v, w);
    Value tie = arith::AndIOp::create(
        b, loc, cmp(arith::CmpFPredicate::OEQ, v, w),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, vi, wi));
    return arith::OrIOp::create(b, loc, better, tie);
  }
  /// True where `x` is neither infinite nor NaN.
  Value isFinite(Value x) {
    return cmp(arith::CmpFPredicate::OLT, abs(x), cst(x.getType(), kInf));
  }
  /// Kahan-compensated s += x with compensation c. Once the total is not
  /// finite, the compensation (t - s) - y would be inf - inf = NaN and turn
  /// an infinite sum into NaN: it is reset to 0 instead, so that the total
  /// s - c is what plain summation gives (+-inf, or NaN for inf - inf and
  /// NaN terms).
  void kahanAdd(Value &s, Value &c, Value x) {
    Value y = sub(x, c);
    Value t = add(s, y);
    Value compensation = sub(sub(t, s), y);
    c = select(isFinite(t), compensation, cst(t.getType(), 0.0));
    s = t;
  }

  static constexpr double kInf = std::numeric_limits<double>::infinity();
};

constexpr double kInf = Lanes::kInf;

/// The total of the compensated sum in slot `i` of `state`: s - c, with the
/// compensation c `offset` slots after s; s itself when not `compensated`.
Value compensatedTotal(Lanes &l, const AccumulatorState &state, int64_t i,
                       int64_t offset, bool compensated) {
  Value s = state.values[i];
  return compensated ? l.sub(s, state.values[i + offset]) : s;
}

} // namespace

//===----------------------------------------------------------------------===//
// AccumulatorState
//===----------------------------------------------------------------------===//

SmallVector<Value> AccumulatorState::flatten() const {
  SmallVector<Value> flat(values.begin(), values.end());
  flat.append(indices.begin(), indices.end());
  return flat;
}

AccumulatorState AccumulatorState::unflatten(ValueRange flat,
                                             int64_t numValues) {
  AccumulatorState state;
  state.values.assign(flat.begin(), flat.begin() + numValues);
  state.indices.assign(flat.begin() + numValues, flat.end());
  return state;
}

AccumulatorState ReductionBuilder::buildInit(OpBuilder &b, Location loc,
                                             Type laneType,
                                             Type indexLaneType) const {
  AccumulatorState state;
  Lanes l{b, loc};
  switch (family) {
  case MonoidFamily::Sum: {
    Value zero = l.cst(laneType, 0.0);
    state.values.assign(getNumValueSlots(), zero);
    break;
  }
  case MonoidFamily::Select: {
    Value init = l.cst(laneType, largest ? -kInf : kInf);
    state.values.assign(getNumValueSlots(), init);
    // -1 marks "no index selected" (N = 0, or only NaN values).
    Value none = buildIndexLaneConstant(b, loc, indexLaneType, -1);
    state.indices.assign(getNumIndexSlots(), none);
    break;
  }
  case MonoidFamily::RunningMaxExp: {
    state.values.push_back(l.cst(laneType, -kInf));
    Value zero = l.cst(laneType, 0.0);
    for (int64_t i = 1; i < getNumValueSlots(); ++i)
      state.values.push_back(zero);
    break;
  }
  }
  return state;
}

void ReductionBuilder::buildAccumulate(OpBuilder &b, Location loc,
                                       AccumulatorState &state, ValueRange f,
                                       ValueRange g, Value j) const {
  Lanes l{b, loc};
  int64_t d = formulaDim;
  switch (family) {
  case MonoidFamily::Sum: {
    for (int64_t i = 0; i < d; ++i) {
      switch (scheme) {
      case SumScheme::Direct:
        state.values[i] = l.add(state.values[i], f[i]);
        break;
      case SumScheme::Kahan:
        l.kahanAdd(state.values[i], state.values[d + i], f[i]);
        break;
      case SumScheme::BlockSum:
        state.values[2 * d + i] = l.add(state.values[2 * d + i], f[i]);
        break;
      }
    }
    return;
  }
  case MonoidFamily::Select: {
    auto pred = largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT;
    for (int64_t c = 0; c < d; ++c) {
      // Insert (f[c], j) into the list of component c, sorted by value then
      // index. The new entry has the highest index so far (j increases), so
      // a strict comparison places it; an entry it pushes down may have a
      // lower index than an equal value below it, hence the tie-break.
      Value v = f[c];
      Value idx = j;
      for (int64_t s = 0; s < k; ++s) {
        int64_t slot = s * d + c;
        Value better =
            s == 0 ? l.cmp(pred, v, state.values[slot])
                   : l.selectsBefore(largest, v, idx, state.values[slot],
                                     state.indices[slot]);
        Value oldV = state.values[slot];
        Value oldI = state.indices[slot];
        state.values[slot] = l.select(better, v, oldV);
        state.indices[slot] = l.select(better, idx, oldI);
        if (s + 1 < k) {
          v = l.select(better, oldV, v);
          idx = l.select(better, oldI, idx);
        }
      }
    }
    return;
  }
  case MonoidFamily::RunningMaxExp: {
    // One exp per pair: e = exp(-|v - m|) serves both branches.
    //   v >  m: s <- s * e + w, m <- v
    //   v <= m: s <- s + e * w
    // v == m (including both infinite) gives e = 1; v = -inf adds nothing.
    Value v = f[0];
    Value m = state.values[0];
    auto [e, greater] = buildExpStep(b, loc, v, m);
    Value one = l.cst(v.getType(), 1.0);
    Value scale = l.select(greater, e, one);
    int64_t sums = getNumExpSums();
    for (int64_t s = 0; s < sums; ++s) {
      Value w = getExpWeight(g, s, one);
      Value term = l.select(greater, w, l.mul(e, w));
      Value &sum = state.values[1 + s];
      if (isCompensated()) {
        Value &comp = state.values[1 + sums + s];
        sum = l.mul(sum, scale);
        comp = l.mul(comp, scale);
        l.kahanAdd(sum, comp, term);
      } else {
        sum = l.add(l.mul(sum, scale), term);
      }
    }
    state.values[0] = l.select(greater, v, m);
    return;
  }
  }
}

std::pair<Value, Value> ReductionBuilder::buildExpStep(OpBuilder &b,
                                                      Location loc, Value v,
                                                      Value m) const {
  Lanes l{b, loc};
  Type laneType = v.getType();
  Value zero = l.cst(laneType, 0.0);
  Value equal = l.cmp(arith::CmpFPredicate::OEQ, v, m);
  Value diff = l.select(equal, zero, l.sub(v, m));
  Value e = l.exp(l.neg(l.abs(diff)));
  Value isNegInf = l.cmp(arith::CmpFPredicate::OEQ, v, l.cst(laneType, -kInf));
  e = l.select(isNegInf, zero, e);
  return {e, l.cmp(arith::CmpFPredicate::OGT, v, m)};
}

Value ReductionBuilder::getExpWeight(ValueRange g, int64_t s,
                                     Value one) const {
  if (implicitUnitWeight)
    return s == 0 ? one : g[s - 1];
  return weightDim > 0 ? g[s] : one;
}

SmallVector<Value> ReductionBuilder::buildInitExpPartials(OpBuilder &b,
                                                          Location loc,
                                                          Type laneType) const {
  if (!usesExpBlocks())
    return {};
  // One partial per exp sum, then the pending scale of the sums.
  SmallVector<Value> init(getNumExpSums(),
                          buildLaneConstant(b, loc, laneType, 0.0));
  init.push_back(buildLaneConstant(b, loc, laneType, 1.0));
  return init;
}

void ReductionBuilder::buildAccumulateExpBlock(
    OpBuilder &b, Location loc, AccumulatorState &state,
    SmallVectorImpl<Value> &partials, ValueRange f, ValueRange g) const {
  Lanes l{b, loc};
  int64_t sums = getNumExpSums();
  Value v = f[0];
  Value m = state.values[0];
  auto [e, greater] = buildExpStep(b, loc, v, m);
  Type laneType = v.getType();
  Value one = l.cst(laneType, 1.0);
  // A new maximum (rare after the first pairs) scales the block's partials
  // and the pending scale of the compensated sums by e = exp(m - v).
  SmallVector<Value> moved(partials.begin(), partials.end());
  if (isa<FloatType>(laneType)) {
    SmallVector<Type> types(moved.size(), laneType);
    auto ifOp = scf::IfOp::create(b, loc, types, greater, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    SmallVector<Value> scaled;
    for (Value x : moved)
      scaled.push_back(l.mul(x, e));
    scf::YieldOp::create(b, loc, scaled);
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, moved);
    moved.assign(ifOp.getResults().begin(), ifOp.getResults().end());
  } else {
    Value scale = l.select(greater, e, one);
    for (Value &x : moved)
      x = l.mul(x, scale);
  }
  // The pair's term, relative to the (new) maximum: w, or e * w.
  Value factor = l.select(greater, one, e);
  for (int64_t s = 0; s < sums; ++s)
    moved[s] = l.add(moved[s], l.mul(factor, getExpWeight(g, s, one)));
  partials.assign(moved.begin(), moved.end());
  state.values[0] = l.select(greater, v, m);
}

void ReductionBuilder::buildEndExpBlock(OpBuilder &b, Location loc,
                                        AccumulatorState &state,
                                        SmallVectorImpl<Value> &partials) const {
  Lanes l{b, loc};
  int64_t sums = getNumExpSums();
  Value &pending = partials[sums];
  for (int64_t s = 0; s < sums; ++s) {
    Value &sum = state.values[1 + s];
    Value &comp = state.values[1 + sums + s];
    sum = l.mul(sum, pending);
    comp = l.mul(comp, pending);
    l.kahanAdd(sum, comp, partials[s]);
    partials[s] = l.cst(partials[s].getType(), 0.0);
  }
  pending = l.cst(pending.getType(), 1.0);
}

Value ReductionBuilder::buildRescaleExpTile(OpBuilder &b, Location loc,
                                            AccumulatorState &state,
                                            Value tileMax) const {
  Lanes l{b, loc};
  Type laneType = tileMax.getType();
  Value m = state.values[0];
  Value greater = l.cmp(arith::CmpFPredicate::OGT, tileMax, m);
  Value mNew = l.select(greater, tileMax, m);
  // exp(m - mNew) where the maximum moves (0 from -inf or to +inf), 1 where
  // it stays (infinite maxima included: no inf - inf).
  Value scale =
      l.select(greater, l.exp(l.sub(m, mNew)), l.cst(laneType, 1.0));
  int64_t sums = getNumExpSums();
  for (int64_t s = 0; s < sums; ++s) {
    state.values[1 + s] = l.mul(state.values[1 + s], scale);
    if (isCompensated())
      state.values[1 + sums + s] = l.mul(state.values[1 + sums + s], scale);
  }
  state.values[0] = mNew;
  // The terms' shift: the maximum, or 0 where it is infinite (exp(f - 0) is
  // then 0 for f = -inf and inf for f = +inf, as the finalization expects).
  Value infinite = l.cmp(arith::CmpFPredicate::OEQ, l.abs(mNew),
                         l.cst(laneType, kInf));
  return l.select(infinite, l.cst(laneType, 0.0), mNew);
}

void ReductionBuilder::buildAddExpTerm(OpBuilder &b, Location loc,
                                       SmallVectorImpl<Value> &partials,
                                       Value f, ValueRange g,
                                       Value shift) const {
  Lanes l{b, loc};
  Value e = l.exp(l.sub(f, shift));
  Value one = l.cst(f.getType(), 1.0);
  for (int64_t s = 0, e2 = getNumExpSums(); s < e2; ++s) {
    Value w = getExpWeight(g, s, one);
    partials[s] = l.add(partials[s], w == one ? e : l.mul(e, w));
  }
}

void ReductionBuilder::buildEndExpTile(OpBuilder &b, Location loc,
                                       AccumulatorState &state,
                                       ArrayRef<Value> partials) const {
  Lanes l{b, loc};
  int64_t sums = getNumExpSums();
  for (int64_t s = 0; s < sums; ++s) {
    Value &sum = state.values[1 + s];
    if (isCompensated())
      l.kahanAdd(sum, state.values[1 + sums + s], partials[s]);
    else
      sum = l.add(sum, partials[s]);
  }
}

void ReductionBuilder::buildEndBlock(OpBuilder &b, Location loc,
                                     AccumulatorState &state) const {
  if (!usesBlocks())
    return;
  Lanes l{b, loc};
  int64_t d = formulaDim;
  for (int64_t i = 0; i < d; ++i) {
    Value &partial = state.values[2 * d + i];
    l.kahanAdd(state.values[i], state.values[d + i], partial);
    partial = l.cst(partial.getType(), 0.0);
  }
}

void ReductionBuilder::buildMerge(OpBuilder &b, Location loc,
                                  AccumulatorState &a,
                                  const AccumulatorState &bState) const {
  Lanes l{b, loc};
  int64_t d = formulaDim;
  switch (family) {
  case MonoidFamily::Sum: {
    AccumulatorState other = bState;
    buildEndBlock(b, loc, a);
    buildEndBlock(b, loc, other);
    for (int64_t i = 0; i < d; ++i) {
      // Fold b's total (s_b - c_b when compensated) into a's.
      Value total = compensatedTotal(l, other, i, d, isCompensated());
      if (isCompensated())
        l.kahanAdd(a.values[i], a.values[d + i], total);
      else
        a.values[i] = l.add(a.values[i], total);
    }
    return;
  }
  case MonoidFamily::Select: {
    // Insert b's sorted entries one by one, ordering by value then index:
    // b's entries come after a's, and entries pushed down keep their order.
    for (int64_t s = 0; s < k; ++s) {
      SmallVector<Value> f, idx;
      for (int64_t c = 0; c < d; ++c) {
        f.push_back(bState.values[s * d + c]);
        idx.push_back(bState.indices[s * d + c]);
      }
      for (int64_t c = 0; c < d; ++c) {
        Value v = f[c], id = idx[c];
        for (int64_t t = 0; t < k; ++t) {
          int64_t slot = t * d + c;
          Value better =
              l.selectsBefore(largest, v, id, a.values[slot], a.indices[slot]);
          Value oldV = a.values[slot], oldI = a.indices[slot];
          a.values[slot] = l.select(better, v, oldV);
          a.indices[slot] = l.select(better, id, oldI);
          v = l.select(better, oldV, v);
          id = l.select(better, oldI, id);
        }
      }
    }
    return;
  }
  case MonoidFamily::RunningMaxExp: {
    Value ma = a.values[0], mb = bState.values[0];
    Type laneType = ma.getType();
    Value one = l.cst(laneType, 1.0);
    Value m = l.maxnum(ma, mb);
    // Factors exp(m_x - m), exactly 1 when m_x == m (also for infinities).
    Value fa = l.select(l.cmp(arith::CmpFPredicate::OEQ, ma, m), one,
                        l.exp(l.sub(ma, m)));
    Value fb = l.select(l.cmp(arith::CmpFPredicate::OEQ, mb, m), one,
                        l.exp(l.sub(mb, m)));
    int64_t sums = getNumExpSums();
    for (int64_t s = 0; s < sums; ++s) {
      Value sa = l.mul(a.values[1 + s], fa);
      Value sb = l.mul(bState.values[1 + s], fb);
      if (isCompensated()) {
        Value ca = l.mul(a.values[1 + sums + s], fa);
        Value cb = l.mul(bState.values[1 + sums + s], fb);
        l.kahanAdd(sa, ca, l.sub(sb, cb));
        a.values[1 + sums + s] = ca;
      } else {
        sa = l.add(sa, sb);
      }
      a.values[1 + s] = sa;
    }
    a.values[0] = m;
    return;
  }
  }
}

Value ReductionBuilder::buildSelectsBefore(OpBuilder &b, Location loc, Value v,
                                           Value vi, Value w, Value wi) const {
  Lanes l{b, loc};
  return l.selectsBefore(largest, v, vi, w, wi);
}

void ReductionBuilder::buildFinalize(OpBuilder &b, Location loc,
                                     const AccumulatorState &state,
                                     SmallVectorImpl<Value> &values,
                                     SmallVectorImpl<Value> &indices) const {
  Lanes l{b, loc};
  int64_t d = formulaDim;
  switch (family) {
  case MonoidFamily::Sum: {
    AccumulatorState s = state;
    buildEndBlock(b, loc, s);
    for (int64_t i = 0; i < d; ++i)
      values.push_back(compensatedTotal(l, s, i, d, isCompensated()));
    return;
  }
  case MonoidFamily::Select: {
    if (getOutputValueDim() > 0)
      values.append(state.values.begin(), state.values.end());
    if (getOutputIndexDim() > 0)
      indices.append(state.indices.begin(), state.indices.end());
    return;
  }
  case MonoidFamily::RunningMaxExp: {
    int64_t sums = getNumExpSums();
    auto sum = [&](int64_t s) {
      return compensatedTotal(l, state, 1 + s, sums, isCompensated());
    };
    Value m = state.values[0];
    switch (expFinalize) {
    case ExpFinalize::Raw:
      values.push_back(m);
      for (int64_t s = 0; s < sums; ++s)
        values.push_back(sum(s));
      return;
    case ExpFinalize::Log:
      // m + log(s); with no terms (m = -inf, s = 0) this is -inf.
      for (int64_t s = 0; s < sums; ++s)
        values.push_back(l.add(m, l.log(sum(s))));
      return;
    case ExpFinalize::SoftMax: {
      Value norm = sum(0);
      for (int64_t s = 1; s < sums; ++s)
        values.push_back(l.div(sum(s), norm));
      return;
    }
    }
  }
  }
}
