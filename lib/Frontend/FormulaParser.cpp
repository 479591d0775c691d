//===- FormulaParser.cpp - KeOps kernel specs to kernelred IR -------------===//
//
// Part of the kernelred project.
//
// buildKernel: checks a KernelSpec (name, dtype, reduction, axis, K, options),
// parses its aliases and formulas (Parser.cpp) and emits one kernelred.reduce
// (Emitter.cpp). Every user error is a FormulaError with the input it comes
// from and a column.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/FormulaParser.h"
#include "lib/Frontend/Emitter.h"
#include "lib/Frontend/FormulaAST.h"
#include "lib/Frontend/Parser.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::frontend;

char FormulaError::ID = 0;

std::string FormulaDiagnostic::render() const {
  std::string out = source;
  if (column > 0)
    out += ":" + std::to_string(column);
  out += ": error: " + message;
  if (text.empty() && column <= 0)
    return out;
  // Show the input on one line: newlines and other control bytes become
  // spaces or '?' so that the caret stays under the right byte.
  std::string shown, caret;
  size_t limit = std::min<size_t>(text.size(), 4096);
  for (size_t i = 0; i < limit; ++i) {
    char c = text[i];
    if (c == '\t') {
      shown += '\t';
    } else if (c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      shown += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      shown += '?';
    } else {
      shown += c;
    }
    if (static_cast<int64_t>(i) + 1 < column)
      caret += c == '\t' ? '\t' : ' ';
  }
  if (text.size() > limit)
    shown += "...";
  out += "\n  " + shown;
  if (column > 0) {
    for (int64_t i = static_cast<int64_t>(limit) + 1; i < column; ++i)
      caret += ' ';
    out += "\n  " + caret + "^";
  }
  return out;
}

void FormulaError::log(llvm::raw_ostream &os) const { os << diag.render(); }

std::error_code FormulaError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

namespace {

/// How a reduction uses formula2 (the weight G).
enum class WeightUse { None, Optional, Required };

struct ReductionInfo {
  llvm::StringLiteral name;
  ReductionKind kind;
  WeightUse weight;
  /// A spelling pykeops also accepts, not a KeOps reduction_op name.
  bool pykeopsOnly = false;
};

/// KeOps' reduction_op names (and the spellings pykeops also accepts). The
/// first entry of each kind is its KeOps name (getKeOpsReductionName).
const ReductionInfo kReductions[] = {
    {"Sum", ReductionKind::Sum, WeightUse::None},
    {"LogSumExp", ReductionKind::LogSumExp, WeightUse::Optional},
    {"LogSumExpWeight", ReductionKind::LogSumExp, WeightUse::Required},
    {"SumSoftMaxWeight", ReductionKind::SumSoftMaxWeight, WeightUse::Required},
    {"SoftMax", ReductionKind::SumSoftMaxWeight, WeightUse::Required, true},
    {"Max_SumShiftExp", ReductionKind::MaxSumShiftExp, WeightUse::None},
    {"MaxSumShiftExp", ReductionKind::MaxSumShiftExp, WeightUse::None, true},
    {"Max_SumShiftExpWeight", ReductionKind::MaxSumShiftExpWeight,
     WeightUse::Required},
    {"MaxSumShiftExpWeight", ReductionKind::MaxSumShiftExpWeight,
     WeightUse::Required, true},
    {"Min", ReductionKind::Min, WeightUse::None},
    {"Max", ReductionKind::Max, WeightUse::None},
    {"ArgMin", ReductionKind::ArgMin, WeightUse::None},
    {"ArgMax", ReductionKind::ArgMax, WeightUse::None},
    {"Min_ArgMin", ReductionKind::MinArgMin, WeightUse::None},
    {"MinArgMin", ReductionKind::MinArgMin, WeightUse::None, true},
    {"Max_ArgMax", ReductionKind::MaxArgMax, WeightUse::None},
    {"MaxArgMax", ReductionKind::MaxArgMax, WeightUse::None, true},
    {"KMin", ReductionKind::KMin, WeightUse::None},
    {"ArgKMin", ReductionKind::ArgKMin, WeightUse::None},
    {"KMin_ArgKMin", ReductionKind::KMinArgKMin, WeightUse::None},
    {"KMinArgKMin", ReductionKind::KMinArgKMin, WeightUse::None, true},
};

const ReductionInfo *lookupReduction(llvm::StringRef name) {
  for (const ReductionInfo &info : kReductions)
    if (info.name == name)
      return &info;
  return nullptr;
}

/// "unknown X 'v' (expected a, b or c); did you mean 'b'?"
std::string unknownValue(llvm::StringRef what, llvm::StringRef value,
                         llvm::ArrayRef<llvm::StringRef> valid) {
  std::string message =
      "unknown " + what.str() + " '" + value.str() + "' (expected ";
  for (auto [i, v] : llvm::enumerate(valid)) {
    if (i > 0)
      message += (i + 1 == valid.size()) ? " or " : ", ";
    message += v.str();
  }
  message += ")";
  llvm::StringRef suggestion = suggestClosest(value, valid);
  if (!suggestion.empty())
    message += "; did you mean '" + suggestion.str() + "'?";
  return message;
}

FloatType getFloatType(MLIRContext *ctx, llvm::StringRef dtype) {
  Builder b(ctx);
  if (dtype == "float16")
    return b.getF16Type();
  if (dtype == "bfloat16")
    return b.getBF16Type();
  if (dtype == "float32")
    return b.getF32Type();
  if (dtype == "float64")
    return b.getF64Type();
  return nullptr;
}

bool isSumLike(ReductionKind kind) {
  return kind == ReductionKind::Sum || isLogSumExpFamily(kind);
}

bool isCIdentifier(llvm::StringRef name) {
  if (name.empty() || name.size() > 256)
    return false;
  if (!llvm::isAlpha(name.front()) && name.front() != '_')
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

} // namespace

llvm::Expected<ReduceOp> mlir::kernelred::buildKernel(ModuleOp module,
                                                      const KernelSpec &spec) {
  MLIRContext *ctx = module.getContext();
  KernelPlan plan;

  // Kernel name: a C identifier (it prefixes the ABI symbols).
  if (!isCIdentifier(spec.name))
    return makeFormulaError("name", spec.name, spec.name.empty() ? 0 : 1,
                            "invalid kernel name '" + spec.name +
                                "': it must be a C identifier (letters, "
                                "digits and '_', not starting with a digit)");
  plan.name = spec.name;

  // Element type.
  plan.elementType = getFloatType(ctx, spec.dtype);
  if (!plan.elementType) {
    // C and numpy spellings get a direct hint; anything else the closest
    // valid name.
    llvm::StringRef hint =
        llvm::StringSwitch<llvm::StringRef>(spec.dtype)
            .Cases({"float", "single", "f32", "float_"}, "float32")
            .Cases({"double", "f64"}, "float64")
            .Cases({"half", "f16"}, "float16")
            .Cases({"bf16", "bfloat"}, "bfloat16")
            .Default("");
    std::string message =
        hint.empty()
            ? unknownValue("dtype", spec.dtype,
                           {"float16", "bfloat16", "float32", "float64"})
            : "unknown dtype '" + spec.dtype +
                  "' (expected float16, bfloat16, float32 or float64); did "
                  "you mean '" +
                  hint.str() + "'?";
    return makeFormulaError("dtype", spec.dtype, 0, message);
  }

  // Reduction.
  const ReductionInfo *reduction = lookupReduction(spec.reduction);
  if (!reduction) {
    llvm::SmallVector<llvm::StringRef> names;
    for (const ReductionInfo &info : kReductions)
      names.push_back(info.name);
    std::string message = "unknown reduction '" + spec.reduction + "'";
    llvm::StringRef suggestion = suggestClosest(spec.reduction, names);
    if (!suggestion.empty())
      message += " (did you mean '" + suggestion.str() + "'?)";
    else
      message += " (expected Sum, LogSumExp, LogSumExpWeight, "
                 "SumSoftMaxWeight, Max_SumShiftExp, Max_SumShiftExpWeight, "
                 "Min, Max, ArgMin, ArgMax, Min_ArgMin, Max_ArgMax, KMin, "
                 "ArgKMin or KMin_ArgKMin)";
    return makeFormulaError("reduction", spec.reduction, 0, message);
  }
  plan.kind = reduction->kind;
  std::string red = "'" + reduction->name.str() + "'";

  if (spec.axis != 0 && spec.axis != 1)
    return makeFormulaError("axis", std::to_string(spec.axis), 0,
                            "axis must be 0 (reduce over i) or 1 (reduce "
                            "over j), got " +
                                std::to_string(spec.axis));
  plan.axis = spec.axis;

  // K (opt_arg) of the KMin family.
  if (needsK(plan.kind)) {
    if (!spec.optArg)
      return makeFormulaError("opt_arg", "", 0,
                              "the " + red +
                                  " reduction needs K (opt_arg, "
                                  "--opt-arg)");
    if (*spec.optArg < 1 || *spec.optArg > kMaxDim)
      return makeFormulaError("opt_arg", std::to_string(*spec.optArg), 0,
                              "K must be between 1 and " +
                                  std::to_string(kMaxDim) + ", got " +
                                  std::to_string(*spec.optArg));
    plan.k = *spec.optArg;
  } else if (spec.optArg) {
    return makeFormulaError("opt_arg", std::to_string(*spec.optArg), 0,
                            "opt_arg (K) is only used by KMin, ArgKMin and "
                            "KMin_ArgKMin, not by the " +
                                red + " reduction");
  }

  // Accumulation type (KeOps dtype_acc).
  if (spec.dtypeAcc != "auto") {
    FloatType acc = getFloatType(ctx, spec.dtypeAcc);
    if (!acc)
      return makeFormulaError(
          "dtype_acc", spec.dtypeAcc, 0,
          unknownValue("dtype_acc", spec.dtypeAcc,
                       {"auto", "float16", "bfloat16", "float32", "float64"}));
    if (!isSumLike(plan.kind))
      return makeFormulaError("dtype_acc", spec.dtypeAcc, 0,
                              "dtype_acc must be 'auto' for the " + red +
                                  " reduction (it only applies to Sum and "
                                  "the LogSumExp family)");
    unsigned accWidth = acc.getWidth(), width = plan.elementType.getWidth();
    if (accWidth < width || (accWidth == width && acc != plan.elementType))
      return makeFormulaError("dtype_acc", spec.dtypeAcc, 0,
                              "dtype_acc " + spec.dtypeAcc +
                                  " is narrower than the dtype " + spec.dtype +
                                  " (the accumulator must be at least as "
                                  "precise as the inputs)");
    plan.accType = acc;
  }

  // Summation scheme (KeOps sum_scheme).
  if (spec.sumScheme != "auto") {
    std::optional<SumScheme> scheme;
    if (spec.sumScheme == "block_sum")
      scheme = SumScheme::BlockSum;
    else if (spec.sumScheme == "kahan_scheme")
      scheme = SumScheme::Kahan;
    else if (spec.sumScheme == "direct_sum")
      scheme = SumScheme::Direct;
    else
      return makeFormulaError(
          "sum_scheme", spec.sumScheme, 0,
          unknownValue("sum_scheme", spec.sumScheme,
                       {"auto", "block_sum", "kahan_scheme", "direct_sum"}));
    if (isSumLike(plan.kind))
      plan.sumScheme = scheme;
    else if (*scheme != SumScheme::Direct)
      return makeFormulaError("sum_scheme", spec.sumScheme, 0,
                              "sum_scheme '" + spec.sumScheme +
                                  "' is only valid for Sum and the LogSumExp "
                                  "family, not for the " +
                                  red + " reduction");
  }

  // Weight formula (formula2).
  bool hasWeight = !llvm::StringRef(spec.formula2).trim().empty();
  if (reduction->weight == WeightUse::Required && !hasWeight)
    return makeFormulaError("formula2", spec.formula2, 0,
                            "the " + red +
                                " reduction needs a weight formula "
                                "(formula2, --formula2)");
  if (reduction->weight == WeightUse::None && !spec.formula2.empty())
    return makeFormulaError("formula2", spec.formula2, 1,
                            "the " + red +
                                " reduction takes no weight formula "
                                "(formula2); only LogSumExp, "
                                "LogSumExpWeight, SumSoftMaxWeight and "
                                "Max_SumShiftExpWeight do");

  // Aliases, then the formulas.
  VariableTable vars;
  for (auto [i, alias] : llvm::enumerate(spec.aliases))
    if (llvm::Error err = parseAlias(alias, i, vars))
      return std::move(err);
  FormulaArena arena;
  llvm::Expected<FormulaNode *> f =
      parseFormula(ctx, spec.formula, "formula", vars, arena);
  if (!f)
    return f.takeError();
  FormulaNode *g = nullptr;
  if (hasWeight) {
    llvm::Expected<FormulaNode *> weight =
        parseFormula(ctx, spec.formula2, "formula2", vars, arena);
    if (!weight)
      return weight.takeError();
    g = *weight;
  }
  if (isLogSumExpFamily(plan.kind) && (*f)->dim != 1)
    return makeFormulaError(
        "formula", spec.formula, (*f)->startColumn,
        "the " + red +
            " reduction needs a scalar formula "
            "(dimension 1), but the formula has "
            "dimension " +
            std::to_string((*f)->dim) +
            (hasWeight || reduction->weight == WeightUse::None
                 ? std::string()
                 : std::string("; put vector values in "
                               "the weight (formula2)")));

  plan.vars = &vars;
  plan.formula = *f;
  plan.formulaText = spec.formula;
  plan.weight = g;
  plan.weightText = spec.formula2;
  return emitKernel(module, plan);
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::kernelred::buildKernelModule(MLIRContext *context,
                                   const KernelSpec &spec) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(context));
  auto op = buildKernel(*module, spec);
  if (!op)
    return op.takeError();
  return module;
}

std::vector<std::string> mlir::kernelred::getFormulaOperationNames() {
  std::vector<std::string> names;
  for (const OpInfo &info : getOpTable())
    names.push_back(info.name.str());
  return names;
}

std::vector<std::string>
mlir::kernelred::getReductionNames(bool includeSpellings) {
  std::vector<std::string> names;
  for (const ReductionInfo &info : kReductions)
    if (includeSpellings || !info.pykeopsOnly)
      names.push_back(info.name.str());
  return names;
}

llvm::StringRef mlir::kernelred::getKeOpsReductionName(ReductionKind kind) {
  for (const ReductionInfo &info : kReductions)
    if (info.kind == kind)
      return info.name;
  return "?";
}

llvm::StringRef mlir::kernelred::getKeOpsReductionName(int32_t kind) {
  if (std::optional<ReductionKind> k =
          symbolizeReductionKind(static_cast<uint32_t>(kind)))
    return getKeOpsReductionName(*k);
  return "?";
}
