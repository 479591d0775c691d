//===- FormulaAST.h - checked formula trees and the op table ----*- C++ -*-===//
//
// Part of the kernelred project.
//
// The parser turns a formula string into a tree of FormulaNodes whose
// dimensions are already inferred and checked (KeOps' rules), so that building
// the IR afterwards cannot fail. The op table lists every operation a formula
// may call, by its KeOps name, with its signature; it is generated from the
// ops' ODS (dialect/KredOps.td), and the dimensions are the ops' own type
// inference (inferFormulaOp).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_FORMULAAST_H
#define KRED_LIB_FRONTEND_FORMULAAST_H

#include "dialect/KredOps.h"

#include "mlir/IR/Operation.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kernelred::frontend {

/// Limits that keep every input cheap to compile (no input may hang or
/// exhaust memory). They are far above what KeOps formulas use.
constexpr int64_t kMaxDim = 1 << 16;        ///< dimension of any value
constexpr int64_t kMaxPosition = 1023;      ///< variable position
constexpr int64_t kMaxNesting = 200;        ///< parentheses / calls / signs
constexpr unsigned kMaxHeight = 1000;       ///< height of the formula tree
constexpr size_t kMaxNodes = 100000;        ///< operations in one formula
constexpr size_t kMaxInputLength = 1 << 20; ///< bytes of one input string
constexpr size_t kMaxSequenceLength = 16;   ///< entries of an index sequence

/// One operation callable by name in a formula: a KeOps spelling of a
/// kernelred op, generated from the op's `keopsForms` in dialect/KredOps.td
/// (KeOpsForm), or a variable keyword (Var, Vi, Vj, Pm, Vx, Vy).
struct OpInfo {
  /// The KeOps name, e.g. "Exp".
  llvm::StringLiteral name;
  /// The kernelred op, e.g. "kernelred.exp"; empty for the variables.
  llvm::StringLiteral opName;
  /// Argument kinds, one letter each: 'f' a formula, 'i' an integer literal,
  /// 's' an index sequence ([3,3], (3,3) or Ind(3,3)), 'v' a variable. The
  /// arguments after a '?' are optional. 'f' and 'v' are the operands of the
  /// op, 'i' and 's' set its attributes `attrs`, in order.
  llvm::StringLiteral signature;
  /// How the call is written, e.g. "Pow(f, m)".
  llvm::StringLiteral usage;
  /// The attributes set by the 'i' and 's' arguments, comma-separated.
  llvm::StringLiteral attrs;
  /// Empty when the call is the op applied to its arguments; else the
  /// parser routine that builds it ("var", "grad", "bspline", ...).
  llvm::StringLiteral hook;
};

/// The operation named `name` (exact, case-sensitive), or null.
const OpInfo *lookupOp(llvm::StringRef name);

/// Every entry of the op table.
llvm::ArrayRef<OpInfo> getOpTable();

/// Why a KeOps name that kernelred does not compile is rejected, or empty
/// when `name` is not such a name.
llvm::StringRef getUnsupportedOpReason(llvm::StringRef name);

/// The candidate closest to `name` by edit distance (case-insensitive), if it
/// is close enough to be a likely typo; empty otherwise.
llvm::StringRef suggestClosest(llvm::StringRef name,
                               llvm::ArrayRef<llvm::StringRef> candidates);

/// The closest operation name (including Var, IntCst, ...) to `name`.
llvm::StringRef suggestOpName(llvm::StringRef name);

/// A node of a checked formula tree. Nodes live in a FormulaArena; children
/// are plain pointers (destroying a deep tree never recurses).
struct FormulaNode {
  /// The kernelred op computing the value, e.g. "kernelred.exp"; empty for
  /// a variable.
  llvm::StringRef opName;
  /// 1-based column the diagnostics and the IR location point at (the op
  /// name or the infix operator).
  int64_t column = 1;
  /// 1-based column where the expression starts.
  int64_t startColumn = 1;
  /// Formula operands, in the order of the kernelred op.
  llvm::SmallVector<FormulaNode *, 3> args;
  /// The attributes of the op (integer parameters, index sequences).
  llvm::SmallVector<mlir::NamedAttribute, 2> attrs;
  /// Var: index of the variable in the VariableTable.
  unsigned var = 0;
  /// An integer literal as written (e.g. `2`, `-3`, `(4)`), not IntCst(n),
  /// and its value.
  bool isIntLiteral = false;
  int64_t literal = 0;
  /// The inferred dimension of the value.
  int64_t dim = 1;
  /// The largest variable position the expression uses, -1 when none.
  int64_t maxPosition = -1;
  /// Height of the tree rooted here.
  unsigned height = 1;
};

/// Owns the nodes of the formulas of one kernel.
class FormulaArena {
public:
  FormulaNode *create() {
    nodes.push_back(std::make_unique<FormulaNode>());
    return nodes.back().get();
  }
  size_t size() const { return nodes.size(); }

private:
  std::vector<std::unique_ptr<FormulaNode>> nodes;
};

/// A kernel variable: an alias, a Var(...) of the formula, or the implicit
/// gradient input of Grad(F, V).
struct Variable {
  int64_t position = 0;
  int64_t dim = 1;
  VarCategory category = VarCategory::I;
  /// Alias name, empty when none.
  std::string name;
  /// Where the variable was declared, for diagnostics ("alias #1 'y'").
  std::string origin;
};

/// The variables of one kernel, with their alias names and positions.
class VariableTable {
public:
  llvm::ArrayRef<Variable> getVariables() const { return vars; }
  std::optional<unsigned> lookupName(llvm::StringRef name) const;
  std::optional<unsigned> lookupPosition(int64_t position) const;
  /// Adds a variable; its position and name must be free.
  unsigned add(Variable var);
  /// Makes `name` another name of variable `index`.
  void addName(llvm::StringRef name, unsigned index) {
    byName.try_emplace(name, index);
  }
  std::vector<llvm::StringRef> getNames() const;

private:
  std::vector<Variable> vars;
  llvm::StringMap<unsigned> byName;
  llvm::DenseMap<int64_t, unsigned> byPosition;
};

/// A detached, unverified `opName` op over `operands` with `attrs` (its
/// properties) and result type `resultType`, built the generic way from the
/// op table. The caller inserts or destroys it.
mlir::Operation *createFormulaOp(mlir::Location loc, llvm::StringRef opName,
                                 mlir::ValueRange operands,
                                 llvm::ArrayRef<mlir::NamedAttribute> attrs,
                                 mlir::Type resultType);

/// The result type of `op` by its own type inference (null for ops without
/// one, the constants); on failure, `message` holds the op's diagnostic.
mlir::FailureOr<mlir::Type> inferFormulaOp(mlir::Operation *op,
                                           std::string &message);

/// "an i-variable (Vi) of dimension 3".
std::string describeVariableType(VarCategory category, int64_t dim);

} // namespace mlir::kernelred::frontend

#endif // KRED_LIB_FRONTEND_FORMULAAST_H
