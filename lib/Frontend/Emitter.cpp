//===- Emitter.cpp - checked formula trees to kernelred IR ----------------===//
//
// Part of the kernelred project.
//
// Builds one kernelred.reduce from a KernelPlan. Ops are created with the
// result types the parser inferred (never through the inferring builders,
// which abort when inference fails); each op is then re-inferred by the
// dialect and the whole kernel verified, so a disagreement between the
// parser's rules and the dialect's becomes a diagnostic, not a crash.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/Emitter.h"
#include "lib/Frontend/Parser.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::frontend;

namespace {

class Emitter {
public:
  Emitter(MLIRContext *ctx, const KernelPlan &plan)
      : ctx(ctx), plan(plan), builder(ctx) {}

  llvm::Expected<ReduceOp> run(ModuleOp module);

private:
  /// Emits `n` (operands first); null after an error.
  Value emit(FormulaNode *n);
  Operation *create(FormulaNode *n, ArrayRef<Value> operands, Location loc);
  /// Re-infers the result type of `op` with the dialect's rules.
  bool checkInferred(Operation *op, FormulaNode *n);

  Value fail(FormulaNode *n, const Twine &message) {
    if (!diag) {
      FormulaDiagnostic d;
      d.message = message.str();
      d.source = source;
      d.text = *text;
      d.column = n ? n->column : 0;
      diag = std::move(d);
    }
    return Value();
  }

  MLIRContext *ctx;
  const KernelPlan &plan;
  OpBuilder builder;
  /// Block argument of each variable of the table.
  SmallVector<Value> varValues;
  /// The formula being emitted ("formula" or "formula2") and its text.
  std::string source;
  const std::string *text = nullptr;
  std::optional<FormulaDiagnostic> diag;
};

} // namespace

bool Emitter::checkInferred(Operation *op, FormulaNode *n) {
  auto iface = dyn_cast<InferTypeOpInterface>(op);
  if (!iface)
    return true;
  SmallVector<Type> types;
  std::string message;
  LogicalResult inferred = failure();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (message.empty())
        message = d.str();
      return success();
    });
    inferred = iface.inferReturnTypes(
        ctx, op->getLoc(), op->getOperands(), op->getRawDictionaryAttrs(),
        op->getPropertiesStorage(), op->getRegions(), types);
  }
  if (succeeded(inferred) && TypeRange(types) == op->getResultTypes())
    return true;
  if (message.empty())
    message = "it infers a different result type";
  fail(n, "internal error: the kernelred dialect rejects '" +
              op->getName().getStringRef() + "' here: " + message);
  return false;
}

Operation *Emitter::create(FormulaNode *n, ArrayRef<Value> v, Location loc) {
  OpBuilder &b = builder;
  Type t = getFormulaType(plan.elementType, n->dim);
  auto i64 = [&](int64_t x) { return b.getI64IntegerAttr(x); };
  auto arr = [&](ArrayRef<int64_t> x) { return b.getDenseI64ArrayAttr(x); };
  switch (n->op) {
  case NodeOp::Var:
    return nullptr;
  case NodeOp::IntCst:
    return IntCstOp::create(b, loc, t, i64(n->ints[0]));
  case NodeOp::RatCst:
    return RatCstOp::create(b, loc, t, i64(n->ints[0]), i64(n->ints[1]));
  case NodeOp::Zero:
    return ZeroOp::create(b, loc, t);
#define KRED_UNARY(NAME)                                                       \
  case NodeOp::NAME:                                                           \
    return NAME##Op::create(b, loc, t, v[0]);
    KRED_UNARY(Neg)
    KRED_UNARY(Inv)
    KRED_UNARY(Square)
    KRED_UNARY(Sqrt)
    KRED_UNARY(Rsqrt)
    KRED_UNARY(Exp)
    KRED_UNARY(Log)
    KRED_UNARY(XLogX)
    KRED_UNARY(Sin)
    KRED_UNARY(Cos)
    KRED_UNARY(SinXDivX)
    KRED_UNARY(Asin)
    KRED_UNARY(Acos)
    KRED_UNARY(Atan)
    KRED_UNARY(Abs)
    KRED_UNARY(Sign)
    KRED_UNARY(Step)
    KRED_UNARY(ReLU)
    KRED_UNARY(Floor)
    KRED_UNARY(Normalize)
    KRED_UNARY(Sum)
    KRED_UNARY(Max)
    KRED_UNARY(Min)
    KRED_UNARY(ArgMax)
    KRED_UNARY(ArgMin)
    KRED_UNARY(SqNorm2)
    KRED_UNARY(Norm2)
#undef KRED_UNARY
  case NodeOp::Pow:
    return PowOp::create(b, loc, t, v[0], i64(n->ints[0]));
  case NodeOp::Round:
    return RoundOp::create(b, loc, t, v[0], i64(n->ints[0]));
  case NodeOp::ClampInt:
    return ClampIntOp::create(b, loc, t, v[0], i64(n->ints[0]),
                              i64(n->ints[1]));
  case NodeOp::DiffClampInt:
    return DiffClampIntOp::create(b, loc, t, v[0], i64(n->ints[0]),
                                  i64(n->ints[1]));
  case NodeOp::SumT:
    return SumTOp::create(b, loc, t, v[0], i64(n->ints[0]));
  case NodeOp::Elem:
    return ElemOp::create(b, loc, t, v[0], i64(n->ints[0]));
  case NodeOp::ElemT: // ElemT(f, n, m): dimension n, index m.
    return ElemTOp::create(b, loc, t, v[0], i64(n->ints[0]), i64(n->ints[1]));
  case NodeOp::Extract: // Extract(f, start, dim).
    return ExtractOp::create(b, loc, t, v[0], i64(n->ints[0]), i64(n->ints[1]));
  case NodeOp::ExtractT: // ExtractT(f, start, dim): the op takes (dim, start).
    return ExtractTOp::create(b, loc, t, v[0], i64(n->ints[1]),
                              i64(n->ints[0]));
  case NodeOp::OneHot:
    return OneHotOp::create(b, loc, t, v[0], i64(n->ints[0]));
#define KRED_BINARY(NAME)                                                      \
  case NodeOp::NAME:                                                           \
    return NAME##Op::create(b, loc, t, v[0], v[1]);
    KRED_BINARY(Add)
    KRED_BINARY(Sub)
    KRED_BINARY(Mul)
    KRED_BINARY(Div)
    KRED_BINARY(Powf)
    KRED_BINARY(Atan2)
    KRED_BINARY(Equal)
    KRED_BINARY(NotEqual)
    KRED_BINARY(LessThan)
    KRED_BINARY(LessOrEqual)
    KRED_BINARY(ScalProd)
    KRED_BINARY(SqDist)
    KRED_BINARY(Concat)
    KRED_BINARY(MatVecMult)
    KRED_BINARY(VecMatMult)
    KRED_BINARY(TensorProd)
    KRED_BINARY(WeightedSqNorm)
#undef KRED_BINARY
  case NodeOp::SqNormIso:
  case NodeOp::SqNormDiag:
  case NodeOp::SymSqNorm:
    // Special cases of WeightedSqNorm, told apart by the weight's dimension.
    return WeightedSqNormOp::create(b, loc, t, v[0], v[1]);
  case NodeOp::IfElse:
    return IfElseOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::Clamp:
    return ClampOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::Mod:
    return ModOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::WeightedSqDist:
    return WeightedSqDistOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::SoftDTWSqDist:
    return SoftDTWSqDistOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::TensorDot: {
    DenseI64ArrayAttr permute;
    if (n->sequences.size() > 4)
      permute = arr(n->sequences[4]);
    return TensorDotOp::create(b, loc, t, v[0], v[1], arr(n->sequences[0]),
                               arr(n->sequences[1]), arr(n->sequences[2]),
                               arr(n->sequences[3]), permute);
  }
  case NodeOp::Kron:
    return KronOp::create(b, loc, t, v[0], v[1], arr(n->sequences[0]),
                          arr(n->sequences[1]));
  case NodeOp::BSpline: {
    // KeOps' BSpline keeps the first dim(knots) - order - 1 values of the
    // De Boor table (keopscore BSpline = Extract(BSpline_Impl, 0, ...)).
    int64_t knots = getFormulaDim(v[0]);
    Type full = getFormulaType(plan.elementType, knots - 1);
    auto table = BSplineOp::create(b, loc, full, v[0], v[1], i64(n->ints[0]));
    if (!checkInferred(table, n))
      return nullptr;
    return ExtractOp::create(b, loc, t, table, i64(0), i64(n->dim));
  }
#define KRED_COMPLEX_UNARY(NAME)                                               \
  case NodeOp::NAME:                                                           \
    return NAME##Op::create(b, loc, t, v[0]);
    KRED_COMPLEX_UNARY(ComplexReal)
    KRED_COMPLEX_UNARY(ComplexImag)
    KRED_COMPLEX_UNARY(ComplexAbs)
    KRED_COMPLEX_UNARY(ComplexSquareAbs)
    KRED_COMPLEX_UNARY(ComplexAngle)
    KRED_COMPLEX_UNARY(Real2Complex)
    KRED_COMPLEX_UNARY(Imag2Complex)
    KRED_COMPLEX_UNARY(ComplexExp1j)
    KRED_COMPLEX_UNARY(Conj)
    KRED_COMPLEX_UNARY(ComplexExp)
    KRED_COMPLEX_UNARY(ComplexSum)
#undef KRED_COMPLEX_UNARY
  case NodeOp::ComplexSumT:
    return ComplexSumTOp::create(b, loc, t, v[0], i64(n->ints[0]));
#define KRED_COMPLEX_BINARY(NAME)                                              \
  case NodeOp::NAME:                                                           \
    return NAME##Op::create(b, loc, t, v[0], v[1]);
    KRED_COMPLEX_BINARY(ComplexAdd)
    KRED_COMPLEX_BINARY(ComplexSubtract)
    KRED_COMPLEX_BINARY(ComplexMult)
    KRED_COMPLEX_BINARY(ComplexDivide)
    KRED_COMPLEX_BINARY(ComplexRealScal)
#undef KRED_COMPLEX_BINARY
  case NodeOp::Grad:
    return GradOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::Diff:
    return DiffOp::create(b, loc, t, v[0], v[1], v[2]);
  case NodeOp::Divergence:
    return DivergenceOp::create(b, loc, t, v[0], v[1]);
  case NodeOp::Laplacian:
    return LaplacianOp::create(b, loc, t, v[0], v[1]);
  case NodeOp::GradMatrix:
    return GradMatrixOp::create(b, loc, t, v[0], v[1]);
  }
  return nullptr;
}

Value Emitter::emit(FormulaNode *n) {
  if (n->op == NodeOp::Var)
    return varValues[n->var];
  SmallVector<Value, 3> operands;
  for (FormulaNode *arg : n->args) {
    Value v = emit(arg);
    if (!v)
      return Value();
    operands.push_back(v);
  }
  Location loc = FileLineColLoc::get(ctx, source, 1, n->column);
  Operation *op = create(n, operands, loc);
  if (!op)
    return diag ? Value() : fail(n, "internal error: no operation to emit");
  if (!checkInferred(op, n))
    return Value();
  return op->getResult(0);
}

llvm::Expected<ReduceOp> Emitter::run(ModuleOp module) {
  ctx->getOrLoadDialect<KredDialect>();
  if (SymbolTable::lookupSymbolIn(module, plan.name))
    return makeFormulaError("name", plan.name, 1,
                            "the module already holds a symbol named '" +
                                plan.name + "'");

  // Kernel variables, ordered by position.
  llvm::ArrayRef<Variable> vars = plan.vars->getVariables();
  SmallVector<unsigned> order(vars.size());
  for (unsigned i = 0; i < vars.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](unsigned a, unsigned b) {
    return vars[a].position < vars[b].position;
  });
  SmallVector<VarCategory> categories;
  SmallVector<int64_t> positions;
  SmallVector<Type> types;
  for (unsigned i : order) {
    categories.push_back(vars[i].category);
    positions.push_back(vars[i].position);
    types.push_back(getFormulaType(plan.elementType, vars[i].dim));
  }

  builder.setInsertionPointToEnd(module.getBody());
  Location loc = FileLineColLoc::get(ctx, "formula", 1, 1);
  auto reduce = ReduceOp::create(builder, loc, plan.name, plan.kind, plan.axis,
                                 categories, positions, types);
  if (plan.k)
    reduce.setKAttr(builder.getI64IntegerAttr(*plan.k));
  if (plan.accType)
    reduce.setAccTypeAttr(TypeAttr::get(plan.accType));
  if (plan.sumScheme)
    reduce.setSumSchemeAttr(SumSchemeAttr::get(ctx, *plan.sumScheme));

  Block &block = reduce.getBodyBlock();
  varValues.assign(vars.size(), Value());
  for (auto [argIndex, varIndex] : llvm::enumerate(order))
    varValues[varIndex] = block.getArgument(argIndex);
  builder.setInsertionPointToStart(&block);

  SmallVector<Value, 2> yielded;
  source = "formula";
  text = &plan.formulaText;
  Value f = emit(plan.formula);
  if (f) {
    yielded.push_back(f);
    if (plan.weight) {
      source = "formula2";
      text = &plan.weightText;
      Value g = emit(plan.weight);
      if (g)
        yielded.push_back(g);
    }
  }
  if (diag) {
    reduce.erase();
    return llvm::make_error<FormulaError>(std::move(*diag));
  }
  YieldOp::create(builder, loc, yielded);

  std::string message;
  LogicalResult verified = failure();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (message.empty())
        message = d.str();
      return success();
    });
    verified = verify(reduce);
  }
  if (failed(verified)) {
    reduce.erase();
    return makeFormulaError("formula", plan.formulaText, 0,
                            "internal error: the generated kernelred IR does "
                            "not verify: " +
                                message);
  }
  return reduce;
}

llvm::Expected<ReduceOp>
mlir::kernelred::frontend::emitKernel(ModuleOp module, const KernelPlan &plan) {
  Emitter emitter(module.getContext(), plan);
  return emitter.run(module);
}
