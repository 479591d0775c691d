//===- Parser.h - aliases and formula strings to checked trees --*- C++ -*-===//
//
// Part of the kernelred project.
//
// A recursive-descent parser for KeOps formula strings (Python expression
// syntax over KeOps operation names) and alias strings. Every error is a
// FormulaError naming the problem and its column.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_PARSER_H
#define KRED_LIB_FRONTEND_PARSER_H

#include "lib/Frontend/FormulaAST.h"
#include "lib/Frontend/FormulaParser.h"

#include "llvm/Support/Error.h"

namespace mlir::kernelred::frontend {

/// An llvm::Error carrying a diagnostic for `source`/`text` at `column`.
llvm::Error makeFormulaError(llvm::StringRef source, llvm::StringRef text,
                             int64_t column, const llvm::Twine &message);

/// Parses alias number `index` (KeOps: "x = Vi(3)", "x = Vi(0,3)",
/// "x = Var(0,3,0)", legacy "x = Vx(3)", or the same without "name =") into
/// `vars`. The position defaults to `index`.
llvm::Error parseAlias(llvm::StringRef text, unsigned index,
                       VariableTable &vars);

/// Parses `text` (diagnostics name it `source`: "formula", "formula2") into a
/// checked tree; the dimensions are those the ops of `ctx`'s kernelred
/// dialect infer. Var(...) calls with new positions and the implicit gradient
/// input of Grad(F, V) are added to `vars`.
llvm::Expected<FormulaNode *> parseFormula(mlir::MLIRContext *ctx,
                                           llvm::StringRef text,
                                           llvm::StringRef source,
                                           VariableTable &vars,
                                           FormulaArena &arena);

} // namespace mlir::kernelred::frontend

#endif // KRED_LIB_FRONTEND_PARSER_H
