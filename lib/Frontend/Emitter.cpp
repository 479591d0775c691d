//===- Emitter.cpp - checked formula trees to kernelred IR ----------------===//
//
// Part of the kernelred project.
//
// Builds one kernelred.reduce from a KernelPlan. Each node is its op, built
// the generic way (createFormulaOp: name, operands, attributes) with the
// result type the parser inferred; the op's type inference is asked again
// for the element type and the whole kernel verified, so that an internal
// disagreement becomes a diagnostic, not a crash.
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
  std::string message;
  FailureOr<Type> type = inferFormulaOp(op, message);
  if (succeeded(type) && (!*type || *type == op->getResult(0).getType()))
    return true;
  if (message.empty())
    message = "it infers a different result type";
  fail(n, "internal error: the kernelred dialect rejects '" +
              op->getName().getStringRef() + "' here: " + message);
  return false;
}

Value Emitter::emit(FormulaNode *n) {
  if (n->opName.empty())
    return varValues[n->var];
  SmallVector<Value, 3> operands;
  for (FormulaNode *arg : n->args) {
    Value v = emit(arg);
    if (!v)
      return Value();
    operands.push_back(v);
  }
  Location loc = FileLineColLoc::get(ctx, source, 1, n->column);
  Operation *op =
      builder.insert(createFormulaOp(loc, n->opName, operands, n->attrs,
                                     getFormulaType(plan.elementType, n->dim)));
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
