//===- OpTable.cpp - the operations of the formula language ---------------===//
//
// Part of the kernelred project.
//
// Every operation a formula may call, by its KeOps name (keopscore 2.3,
// keopscore/formulas/{maths,variables,autodiff}), with its arguments.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/FormulaAST.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::frontend;

static const OpInfo kOps[] = {
    // Variables and constants (KEOPS_REFERENCE §1a).
    {"Var", NodeOp::Var, "iii", "Var(position, dim, category)"},
    {"Vi", NodeOp::Var, "ii", "Vi(position, dim)"},
    {"Vj", NodeOp::Var, "ii", "Vj(position, dim)"},
    {"Pm", NodeOp::Var, "ii", "Pm(position, dim)"},
    {"Vx", NodeOp::Var, "ii", "Vx(position, dim)"},
    {"Vy", NodeOp::Var, "ii", "Vy(position, dim)"},
    {"IntCst", NodeOp::IntCst, "i", "IntCst(n)"},
    {"RatCst", NodeOp::RatCst, "ii", "RatCst(p, q)"},
    {"IntInv", NodeOp::RatCst, "i", "IntInv(n)"},
    {"Zero", NodeOp::Zero, "i", "Zero(dim)"},
    // Arithmetic (§1b).
    {"Add", NodeOp::Add, "ff", "Add(f, g)"},
    {"Subtract", NodeOp::Sub, "ff", "Subtract(f, g)"},
    {"Minus", NodeOp::Neg, "f", "Minus(f)"},
    {"Mult", NodeOp::Mul, "ff", "Mult(f, g)"},
    {"Divide", NodeOp::Div, "ff", "Divide(f, g)"},
    {"Inv", NodeOp::Inv, "f", "Inv(f)"},
    {"Scalprod", NodeOp::ScalProd, "ff", "Scalprod(f, g)"},
    {"Square", NodeOp::Square, "f", "Square(f)"},
    {"Pow", NodeOp::Pow, "fi", "Pow(f, m)"},
    {"Powf", NodeOp::Powf, "ff", "Powf(f, g)"},
    {"Sqrt", NodeOp::Sqrt, "f", "Sqrt(f)"},
    {"Rsqrt", NodeOp::Rsqrt, "f", "Rsqrt(f)"},
    // Elementwise math (§1c).
    {"Exp", NodeOp::Exp, "f", "Exp(f)"},
    {"Log", NodeOp::Log, "f", "Log(f)"},
    {"XLogX", NodeOp::XLogX, "f", "XLogX(f)"},
    {"Sin", NodeOp::Sin, "f", "Sin(f)"},
    {"Cos", NodeOp::Cos, "f", "Cos(f)"},
    {"SinXDivX", NodeOp::SinXDivX, "f", "SinXDivX(f)"},
    {"Asin", NodeOp::Asin, "f", "Asin(f)"},
    {"Acos", NodeOp::Acos, "f", "Acos(f)"},
    {"Atan", NodeOp::Atan, "f", "Atan(f)"},
    {"Atan2", NodeOp::Atan2, "ff", "Atan2(f, g)"},
    {"Abs", NodeOp::Abs, "f", "Abs(f)"},
    {"Sign", NodeOp::Sign, "f", "Sign(f)"},
    {"Step", NodeOp::Step, "f", "Step(f)"},
    {"ReLU", NodeOp::ReLU, "f", "ReLU(f)"},
    {"Floor", NodeOp::Floor, "f", "Floor(f)"},
    {"Round", NodeOp::Round, "fi", "Round(f, d)"},
    {"Mod", NodeOp::Mod, "fff", "Mod(f, n, offset)"},
    {"Clamp", NodeOp::Clamp, "fff", "Clamp(f, a, b)"},
    {"ClampInt", NodeOp::ClampInt, "fii", "ClampInt(f, a, b)"},
    {"DiffClampInt", NodeOp::DiffClampInt, "fii", "DiffClampInt(f, a, b)"},
    {"IfElse", NodeOp::IfElse, "fff", "IfElse(c, a, b)"},
    // Comparisons (§1d).
    {"Equal", NodeOp::Equal, "ff", "Equal(f, g)"},
    {"NotEqual", NodeOp::NotEqual, "ff", "NotEqual(f, g)"},
    {"LessThan", NodeOp::LessThan, "ff", "LessThan(f, g)"},
    {"LessOrEqual", NodeOp::LessOrEqual, "ff", "LessOrEqual(f, g)"},
    // Vector ops (§1e).
    {"Sum", NodeOp::Sum, "f", "Sum(f)"},
    {"SumT", NodeOp::SumT, "fi", "SumT(f, dim)"},
    {"Max", NodeOp::Max, "f", "Max(f)"},
    {"Min", NodeOp::Min, "f", "Min(f)"},
    {"ArgMax", NodeOp::ArgMax, "f", "ArgMax(f)"},
    {"ArgMin", NodeOp::ArgMin, "f", "ArgMin(f)"},
    {"Elem", NodeOp::Elem, "fi", "Elem(f, m)"},
    {"ElemT", NodeOp::ElemT, "fii", "ElemT(f, n, m)"},
    {"Extract", NodeOp::Extract, "fii", "Extract(f, start, dim)"},
    {"ExtractT", NodeOp::ExtractT, "fii", "ExtractT(f, start, dim)"},
    {"Concat", NodeOp::Concat, "ff", "Concat(f, g)"},
    {"OneHot", NodeOp::OneHot, "fi", "OneHot(f, dim)"},
    {"SqNorm2", NodeOp::SqNorm2, "f", "SqNorm2(f)"},
    {"Norm2", NodeOp::Norm2, "f", "Norm2(f)"},
    {"Normalize", NodeOp::Normalize, "f", "Normalize(f)"},
    {"BSpline", NodeOp::BSpline, "ffi", "BSpline(knots, x, order)"},
    // Distances and norms (§1f).
    {"SqDist", NodeOp::SqDist, "ff", "SqDist(f, g)"},
    {"WeightedSqNorm", NodeOp::WeightedSqNorm, "ff", "WeightedSqNorm(s, f)"},
    {"SqNormIso", NodeOp::SqNormIso, "ff", "SqNormIso(s, f)"},
    {"SqNormDiag", NodeOp::SqNormDiag, "ff", "SqNormDiag(s, f)"},
    {"SymSqNorm", NodeOp::SymSqNorm, "ff", "SymSqNorm(s, f)"},
    {"WeightedSqDist", NodeOp::WeightedSqDist, "fff",
     "WeightedSqDist(s, f, g)"},
    {"SoftDTW_SqDist", NodeOp::SoftDTWSqDist, "fff",
     "SoftDTW_SqDist(x, y, gamma)"},
    // Linear and tensor algebra (§1g).
    {"MatVecMult", NodeOp::MatVecMult, "ff", "MatVecMult(A, b)"},
    {"VecMatMult", NodeOp::VecMatMult, "ff", "VecMatMult(b, A)"},
    {"TensorProd", NodeOp::TensorProd, "ff", "TensorProd(f, g)"},
    {"TensorDot", NodeOp::TensorDot, "ffssss?s",
     "TensorDot(f, g, dims_f, dims_g, contract_f, contract_g[, permute])"},
    {"Kron", NodeOp::Kron, "ffss", "Kron(f, g, dims_f, dims_g)"},
    {"GradMatrix", NodeOp::GradMatrix, "fv", "GradMatrix(f, v)"},
    // Complex numbers (§1h): interleaved (re, im) pairs.
    {"ComplexReal", NodeOp::ComplexReal, "f", "ComplexReal(z)"},
    {"ComplexImag", NodeOp::ComplexImag, "f", "ComplexImag(z)"},
    {"ComplexAbs", NodeOp::ComplexAbs, "f", "ComplexAbs(z)"},
    {"ComplexSquareAbs", NodeOp::ComplexSquareAbs, "f", "ComplexSquareAbs(z)"},
    {"ComplexAngle", NodeOp::ComplexAngle, "f", "ComplexAngle(z)"},
    {"Real2Complex", NodeOp::Real2Complex, "f", "Real2Complex(f)"},
    {"Imag2Complex", NodeOp::Imag2Complex, "f", "Imag2Complex(f)"},
    {"ComplexExp1j", NodeOp::ComplexExp1j, "f", "ComplexExp1j(f)"},
    {"Conj", NodeOp::Conj, "f", "Conj(z)"},
    {"ComplexExp", NodeOp::ComplexExp, "f", "ComplexExp(z)"},
    {"ComplexSum", NodeOp::ComplexSum, "f", "ComplexSum(z)"},
    {"ComplexSumT", NodeOp::ComplexSumT, "fi", "ComplexSumT(z, dim)"},
    {"ComplexAdd", NodeOp::ComplexAdd, "ff", "ComplexAdd(z, w)"},
    {"ComplexSubtract", NodeOp::ComplexSubtract, "ff", "ComplexSubtract(z, w)"},
    {"ComplexMult", NodeOp::ComplexMult, "ff", "ComplexMult(z, w)"},
    {"ComplexDivide", NodeOp::ComplexDivide, "ff", "ComplexDivide(z, w)"},
    {"ComplexRealScal", NodeOp::ComplexRealScal, "ff", "ComplexRealScal(s, z)"},
    // Symbolic differential operators (§1i).
    {"Grad", NodeOp::Grad, "fv?f", "Grad(f, v[, e])"},
    {"Diff", NodeOp::Diff, "fvf", "Diff(f, v, u)"},
    {"Divergence", NodeOp::Divergence, "fv", "Divergence(f, v)"},
    {"Laplacian", NodeOp::Laplacian, "fv", "Laplacian(f, v)"},
    // KeOps' linear operators on formulas linear in v, rewritten by the
    // parser into the differential operators above (Parser.cpp,
    // buildLinearOperator).
    {"TraceOperator", NodeOp::Divergence, "fv?f", "TraceOperator(f, v[, w])"},
    {"AdjointOperator", NodeOp::Grad, "fvf", "AdjointOperator(f, v, u)"},
};

const OpInfo *mlir::kernelred::frontend::lookupOp(llvm::StringRef name) {
  for (const OpInfo &info : kOps)
    if (info.name == name)
      return &info;
  return nullptr;
}

llvm::ArrayRef<OpInfo> mlir::kernelred::frontend::getOpTable() { return kOps; }

llvm::StringRef
mlir::kernelred::frontend::getUnsupportedOpReason(llvm::StringRef name) {
  if (name == "ComplexScal")
    return "the docs list it but keopscore has no such operation; use "
           "ComplexMult(z, w) (a single complex number broadcasts) or "
           "ComplexRealScal(s, z)";
  if (name == "SumLinOperator")
    return "linear operators on formulas are internal to KeOps' autodiff and "
           "not part of kernelred's formula language";
  if (name == "Factorize" || name == "AutoFactorize")
    return "factorization is automatic in kernelred (common subexpressions "
           "are shared by the compiler)";
  if (name == "Grad_WithSavedForward" || name == "Diff_WithSavedForward")
    return "this reduction-level gradient is generated by the autodiff of a "
           "reduction, not written in formulas";
  if (name == "DifferenceMatrix")
    return "DifferenceMatrix exists only in a KeOps sandbox file";
  if (name == "GradFromPos")
    return "GradFromPos was removed in KeOps 2; use Grad(f, v, e)";
  if (name == "Sum_Reduction" || name == "LogSumExp_Reduction" ||
      name == "Min_Reduction" || name == "Max_Reduction" ||
      name == "ArgMin_Reduction" || name == "ArgMax_Reduction" ||
      name == "KMin_Reduction" || name == "ArgKMin_Reduction")
    return "reductions are not written in the formula: give the reduction "
           "and the axis separately (--reduction, --axis)";
  return "";
}

llvm::StringRef mlir::kernelred::frontend::suggestClosest(
    llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates) {
  if (name.empty() || name.size() > 64)
    return "";
  std::string lower = name.lower();
  llvm::StringRef best;
  unsigned bestDistance = ~0u;
  for (llvm::StringRef candidate : candidates) {
    if (candidate == name || candidate.empty())
      continue;
    unsigned d =
        llvm::StringRef(lower).edit_distance(candidate.lower(),
                                             /*AllowReplacements=*/true,
                                             /*MaxEditDistance=*/8);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  // Accept about one typo per three characters (and any case mismatch), but
  // never a candidate that shares nothing with the name (for one-letter
  // names, any other letter is one edit away).
  unsigned limit = std::max<unsigned>(1, (name.size() + 1) / 3);
  if (best.empty() || bestDistance > limit || bestDistance >= name.size())
    return "";
  return best;
}

llvm::StringRef mlir::kernelred::frontend::suggestOpName(llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef> names;
  for (const OpInfo &info : kOps)
    names.push_back(info.name);
  return suggestClosest(name, names);
}

//===----------------------------------------------------------------------===//
// VariableTable
//===----------------------------------------------------------------------===//

std::optional<unsigned> VariableTable::lookupName(llvm::StringRef name) const {
  auto it = byName.find(name);
  if (name.empty() || it == byName.end())
    return std::nullopt;
  return it->second;
}

std::optional<unsigned> VariableTable::lookupPosition(int64_t position) const {
  auto it = byPosition.find(position);
  if (it == byPosition.end())
    return std::nullopt;
  return it->second;
}

unsigned VariableTable::add(Variable var) {
  unsigned index = static_cast<unsigned>(vars.size());
  if (!var.name.empty())
    byName.try_emplace(var.name, index);
  byPosition.try_emplace(var.position, index);
  vars.push_back(std::move(var));
  return index;
}

std::vector<llvm::StringRef> VariableTable::getNames() const {
  std::vector<llvm::StringRef> names;
  for (const auto &entry : byName)
    names.push_back(entry.getKey());
  llvm::sort(names);
  return names;
}

std::string
mlir::kernelred::frontend::describeVariableType(VarCategory category,
                                                int64_t dim) {
  std::string kind;
  switch (category) {
  case VarCategory::I:
    kind = "an i-variable (Vi)";
    break;
  case VarCategory::J:
    kind = "a j-variable (Vj)";
    break;
  case VarCategory::Param:
    kind = "a parameter (Pm)";
    break;
  }
  return kind + " of dimension " + std::to_string(dim);
}
