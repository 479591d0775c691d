//===- Parser.cpp - aliases and formula strings to checked trees ----------===//
//
// Part of the kernelred project.
//
// The grammar (Python's precedence, as KeOps evaluates formula strings):
//
//   formula    := comparison EOF
//   comparison := bitor [('==' | '!=' | '<' | '>' | '<=' | '>=') bitor]
//   bitor      := additive ('|' additive)*             Scalprod
//   additive   := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary ['**' unary]                 integer exponent only
//   primary    := INTEGER | IDENT | IDENT '(' [arg (',' arg)* [',']] ')'
//               | '(' comparison ')'
//   arg        := comparison | sequence
//   sequence   := '[' ints ']' | '(' ints ')' | 'Ind' '(' ints ')'
//
// Every node is checked when it is built (arity, argument kinds, dimensions
// by KeOps' rules), so that emitting the IR afterwards cannot fail.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/Parser.h"
#include "lib/Frontend/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace mlir::kernelred;
using namespace mlir::kernelred::frontend;

llvm::Error mlir::kernelred::frontend::makeFormulaError(
    llvm::StringRef source, llvm::StringRef text, int64_t column,
    const llvm::Twine &message) {
  FormulaDiagnostic diag;
  diag.message = message.str();
  diag.source = source.str();
  diag.text = text.str();
  diag.column = column;
  return llvm::make_error<FormulaError>(std::move(diag));
}

/// "1 argument", "3 arguments".
static std::string pluralArguments(size_t n) {
  return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

/// "3", "3 and 2", "3, 2 and 1".
static std::string joinDims(llvm::ArrayRef<int64_t> dims) {
  std::string out;
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (i > 0)
      out += (i + 1 == dims.size()) ? " and " : ", ";
    out += std::to_string(d);
  }
  return out;
}

/// The category of a KeOps variable keyword (Vi, Vj, Pm and the legacy Vx,
/// Vy), if `name` is one.
static std::optional<VarCategory> getKeywordCategory(llvm::StringRef name) {
  if (name == "Vi" || name == "Vx")
    return VarCategory::I;
  if (name == "Vj" || name == "Vy")
    return VarCategory::J;
  if (name == "Pm")
    return VarCategory::Param;
  return std::nullopt;
}

/// Checks `category` of Var(position, dim, category).
static std::optional<std::string> checkCategory(int64_t category) {
  if (category >= 0 && category <= 2)
    return std::nullopt;
  if (category == 3)
    return std::string("category 3 is reserved for KeOps' internal gradient "
                       "variables; use 0 (i), 1 (j) or 2 (parameter)");
  return "invalid category " + std::to_string(category) +
         "; use 0 (i), 1 (j) or 2 (parameter)";
}

/// Checks a variable's position and dimension.
static std::optional<std::string> checkPositionAndDim(int64_t position,
                                                      int64_t dim) {
  if (position < 0)
    return "invalid position " + std::to_string(position) +
           ": positions are >= 0";
  if (position > kMaxPosition)
    return "position " + std::to_string(position) + " exceeds the limit of " +
           std::to_string(kMaxPosition);
  if (dim < 1)
    return "invalid dimension " + std::to_string(dim) + ": dimensions are >= 1";
  if (dim > kMaxDim)
    return "dimension " + std::to_string(dim) + " exceeds the limit of " +
           std::to_string(kMaxDim);
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Aliases
//===----------------------------------------------------------------------===//

llvm::Error mlir::kernelred::frontend::parseAlias(llvm::StringRef text,
                                                  unsigned index,
                                                  VariableTable &vars) {
  std::string source = "alias #" + std::to_string(index);
  auto fail = [&](int64_t column, const llvm::Twine &message) {
    return makeFormulaError(source, text, column, message);
  };
  if (text.size() > kMaxInputLength)
    return fail(0, "the alias is too long");
  std::vector<Token> tokens = tokenize(text);
  const char *expected = "expected 'name = Vi(dim)', 'name = Vj(position, "
                         "dim)', 'name = Pm(dim)' or 'name = Var(position, "
                         "dim, category)'";
  if (tokens.front().is(TokenKind::Eof))
    return fail(1, llvm::Twine("empty alias: ") + expected);

  size_t i = 0;
  llvm::StringRef name;
  int64_t nameColumn = 1;
  if (!tokens[0].is(TokenKind::Identifier))
    return fail(tokens[0].column,
                "unexpected " + describeToken(tokens[0]) + ": " + expected);
  if (tokens[1].is(TokenKind::Assign)) {
    name = tokens[0].text;
    nameColumn = tokens[0].column;
    i = 2;
  } else if (!tokens[1].is(TokenKind::LParen)) {
    if (tokens[1].is(TokenKind::Eof))
      return fail(tokens[1].column,
                  "alias '" + tokens[0].text + "' has no type: " + expected);
    return fail(tokens[1].column, "expected '=' after the alias name '" +
                                      tokens[0].text + "', got " +
                                      describeToken(tokens[1]));
  }

  const Token &type = tokens[i];
  if (!type.is(TokenKind::Identifier)) {
    if (type.is(TokenKind::Eof))
      return fail(type.column, "missing variable type after '=': expected "
                               "Vi(...), Vj(...), Pm(...) or Var(...)");
    return fail(type.column, "expected a variable type (Vi, Vj, Pm or Var), "
                             "got " +
                                 describeToken(type));
  }
  std::optional<VarCategory> category = getKeywordCategory(type.text);
  bool isVar = type.text == "Var";
  if (!category && !isVar) {
    std::string message = "unknown variable type '" + type.text.str() +
                          "' (expected Vi, Vj, Pm or Var)";
    llvm::StringRef suggestion =
        suggestClosest(type.text, {"Vi", "Vj", "Pm", "Var", "Vx", "Vy"});
    if (!suggestion.empty())
      message += "; did you mean '" + suggestion.str() + "'?";
    return fail(type.column, message);
  }
  ++i;
  if (!tokens[i].is(TokenKind::LParen))
    return fail(tokens[i].column, "expected '(' after '" + type.text + "'");
  int64_t open = tokens[i].column;
  ++i;
  llvm::SmallVector<int64_t, 3> ints;
  llvm::SmallVector<int64_t, 3> columns;
  while (!tokens[i].is(TokenKind::RParen)) {
    const Token &t = tokens[i];
    if (t.is(TokenKind::Eof))
      return fail(open, "unbalanced parentheses: '(' is never closed");
    if (t.is(TokenKind::Minus) && tokens[i + 1].is(TokenKind::Integer))
      return fail(t.column, "positions and dimensions must be non-negative "
                            "integers");
    if (!t.is(TokenKind::Integer))
      return fail(t.column, "expected an integer, got " + describeToken(t));
    int64_t value;
    if (t.text.getAsInteger(10, value))
      return fail(t.column, "integer " + describeToken(t) + " is too large");
    if (ints.size() == 3)
      return fail(t.column, "too many arguments for '" + type.text + "'");
    ints.push_back(value);
    columns.push_back(t.column);
    ++i;
    if (tokens[i].is(TokenKind::Comma)) {
      ++i;
      continue;
    }
    if (!tokens[i].is(TokenKind::RParen) && !tokens[i].is(TokenKind::Eof))
      return fail(tokens[i].column,
                  "expected ',' or ')', got " + describeToken(tokens[i]));
  }
  int64_t close = tokens[i].column;
  ++i;
  if (!tokens[i].is(TokenKind::Eof))
    return fail(tokens[i].column, "unexpected " + describeToken(tokens[i]) +
                                      " after the end of the alias");

  int64_t position = index, dim = 0;
  int64_t dimColumn = close, positionColumn = type.column;
  if (isVar) {
    if (ints.size() != 3)
      return fail(type.column, "'Var' takes 3 arguments (Var(position, dim, "
                               "category)), got " +
                                   std::to_string(ints.size()));
    if (std::optional<std::string> err = checkCategory(ints[2]))
      return fail(columns[2], *err);
    position = ints[0];
    dim = ints[1];
    category = static_cast<VarCategory>(ints[2]);
    positionColumn = columns[0];
    dimColumn = columns[1];
  } else if (ints.size() == 1) {
    dim = ints[0];
    dimColumn = columns[0];
  } else if (ints.size() == 2) {
    position = ints[0];
    dim = ints[1];
    positionColumn = columns[0];
    dimColumn = columns[1];
  } else {
    return fail(type.column, "'" + type.text + "' takes 1 or 2 arguments (" +
                                 type.text + "(dim) or " + type.text +
                                 "(position, dim)), got " +
                                 std::to_string(ints.size()));
  }
  if (position > kMaxPosition)
    return fail(positionColumn, *checkPositionAndDim(position, 1));
  if (std::optional<std::string> err = checkPositionAndDim(position, dim))
    return fail(dimColumn, *err);

  if (!name.empty()) {
    if (std::optional<unsigned> other = vars.lookupName(name))
      return fail(nameColumn, "duplicate alias name '" + name +
                                  "' (already declared by " +
                                  vars.getVariables()[*other].origin + ")");
  }
  std::string origin = source;
  if (!name.empty())
    origin += " '" + name.str() + "'";
  if (std::optional<unsigned> other = vars.lookupPosition(position)) {
    const Variable &v = vars.getVariables()[*other];
    if (v.dim != dim || v.category != *category)
      return fail(positionColumn, "position " + std::to_string(position) +
                                      " is already used by " + v.origin + ", " +
                                      describeVariableType(v.category, v.dim) +
                                      "; this alias declares " +
                                      describeVariableType(*category, dim));
    if (!name.empty())
      vars.addName(name, *other);
    return llvm::Error::success();
  }
  Variable var;
  var.position = position;
  var.dim = dim;
  var.category = *category;
  var.name = name.str();
  var.origin = origin;
  vars.add(std::move(var));
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Formulas
//===----------------------------------------------------------------------===//

namespace {

/// One argument of a call: a formula or an index sequence.
struct CallArg {
  FormulaNode *node = nullptr;
  bool isSequence = false;
  llvm::SmallVector<int64_t, 4> sequence;
  int64_t column = 1;
};

/// The rational value of a decimal float literal, when small enough to be
/// suggested as RatCst(p, q).
std::optional<std::pair<int64_t, int64_t>>
floatToRational(llvm::StringRef text) {
  llvm::StringRef mantissa = text, exponentText;
  size_t e = text.find_first_of("eE");
  if (e != llvm::StringRef::npos) {
    mantissa = text.take_front(e);
    exponentText = text.drop_front(e + 1);
  }
  int64_t exponent = 0;
  if (!exponentText.empty()) {
    (void)exponentText.consume_front("+");
    if (exponentText.getAsInteger(10, exponent) || exponent < -15 ||
        exponent > 15)
      return std::nullopt;
  }
  std::string digits;
  for (char c : mantissa) {
    if (c == '.')
      continue;
    digits += c;
  }
  size_t dot = mantissa.find('.');
  int64_t fraction =
      dot == llvm::StringRef::npos ? 0 : mantissa.size() - dot - 1;
  exponent -= fraction;
  // Keep num * 10^exponent and 10^-exponent below 10^15 (no overflow).
  llvm::StringRef trimmed = llvm::StringRef(digits).ltrim('0');
  if (exponent < -15 ||
      static_cast<int64_t>(trimmed.size()) + std::max<int64_t>(exponent, 0) >
          15)
    return std::nullopt;
  int64_t num = 0;
  if (!trimmed.empty() && trimmed.getAsInteger(10, num))
    return std::nullopt;
  int64_t den = 1;
  for (; exponent > 0; --exponent)
    num *= 10;
  for (; exponent < 0; ++exponent)
    den *= 10;
  int64_t g = std::gcd(num, den);
  if (g == 0)
    return std::make_pair(int64_t(0), int64_t(1));
  return std::make_pair(num / g, den / g);
}

class Parser {
public:
  Parser(llvm::StringRef text, llvm::StringRef source, VariableTable &vars,
         FormulaArena &arena)
      : text(text), source(source), vars(vars), arena(arena),
        tokens(tokenize(text)) {}

  llvm::Expected<FormulaNode *> parse() {
    FormulaNode *node = parseTop();
    if (!node) {
      assert(diag && "a failed parse must leave a diagnostic");
      return llvm::make_error<FormulaError>(std::move(*diag));
    }
    return node;
  }

private:
  //===--------------------------------------------------------------------===//
  // Tokens and errors
  //===--------------------------------------------------------------------===//

  const Token &cur() const { return tokens[index]; }
  const Token &peek(size_t n = 1) const {
    return tokens[std::min(index + n, tokens.size() - 1)];
  }
  void consume() {
    if (!cur().is(TokenKind::Eof))
      ++index;
  }

  /// Records the first error; returns null so callers can `return fail(...)`.
  FormulaNode *fail(int64_t column, const llvm::Twine &message) {
    if (!diag) {
      FormulaDiagnostic d;
      d.message = message.str();
      d.source = source.str();
      d.text = text.str();
      d.column = column;
      diag = std::move(d);
    }
    return nullptr;
  }

  /// Records the first error; returns false.
  bool error(int64_t column, const llvm::Twine &message) {
    fail(column, message);
    return false;
  }

  /// Guards the recursion depth (nested parentheses, calls and signs).
  struct DepthGuard {
    DepthGuard(Parser &p) : p(p) { ++p.depth; }
    ~DepthGuard() { --p.depth; }
    Parser &p;
  };
  bool tooDeep(int64_t column) {
    if (depth <= kMaxNesting)
      return false;
    fail(column, "the formula is nested too deeply (more than " +
                     llvm::Twine(kMaxNesting) +
                     " levels of parentheses, calls or signs)");
    return true;
  }

  /// The diagnostic for a token that cannot follow a complete operand.
  FormulaNode *unexpectedAfterOperand(const Token &t,
                                      const llvm::Twine &context) {
    switch (t.kind) {
    case TokenKind::Unsupported:
      return fail(t.column, unsupportedOperator(t));
    case TokenKind::Invalid:
      return fail(t.column, invalidCharacter(t));
    case TokenKind::Assign:
      return fail(t.column, "unexpected '='; use '==' for an elementwise "
                            "comparison");
    default:
      return fail(t.column, "unexpected " + describeToken(t) + " " + context);
    }
  }

  static std::string invalidCharacter(const Token &t) {
    if (llvm::isPrint(t.text.front()))
      return "unexpected character " + describeToken(t);
    return "unexpected " + describeToken(t) +
           " (formulas are written in ASCII)";
  }

  static std::string unsupportedOperator(const Token &t) {
    llvm::StringRef s = t.text;
    if (s == "%")
      return "the '%' operator is not supported in formulas; use "
             "Mod(f, n, offset)";
    if (s == "//")
      return "floor division '//' is not supported in formulas; use "
             "Floor(f / g)";
    if (s == "@")
      return "the '@' operator is not supported in formulas; use "
             "MatVecMult(A, b), VecMatMult(b, A) or TensorDot(...)";
    if (s == "&" || s == "^" || s == "~" || s == "<<" || s == ">>")
      return "bitwise operator '" + s.str() + "' is not supported in formulas";
    if (s == ".")
      return "'.' is not supported in formulas (no attribute access, method "
             "call or float without digits)";
    if (s == "!")
      return "unexpected '!'; use '!=' for an elementwise comparison";
    if (s == "'" || s == "\"")
      return "string literals are not supported in formulas";
    return "unexpected " + describeToken(t) + " in the formula";
  }

  //===--------------------------------------------------------------------===//
  // Nodes
  //===--------------------------------------------------------------------===//

  FormulaNode *newNode(NodeOp op, int64_t column, int64_t startColumn,
                       llvm::ArrayRef<FormulaNode *> args = {}) {
    if (arena.size() >= kMaxNodes)
      return fail(column, "the formula is too large (more than " +
                              llvm::Twine(kMaxNodes) + " operations)");
    FormulaNode *n = arena.create();
    n->op = op;
    n->column = column;
    n->startColumn = startColumn;
    n->args.assign(args.begin(), args.end());
    for (FormulaNode *a : args) {
      n->height = std::max(n->height, a->height + 1);
      n->maxPosition = std::max(n->maxPosition, a->maxPosition);
    }
    if (n->height > kMaxHeight)
      return fail(column, "the formula is nested too deeply (more than " +
                              llvm::Twine(kMaxHeight) +
                              " levels of operations)");
    return n;
  }

  FormulaNode *newIntLiteral(int64_t value, int64_t column,
                             int64_t startColumn) {
    FormulaNode *n = newNode(NodeOp::IntCst, column, startColumn);
    if (!n)
      return nullptr;
    n->ints.push_back(value);
    n->isIntLiteral = true;
    return n;
  }

  /// A reference to the variable at `position` (adding it when new).
  FormulaNode *newVarRef(int64_t position, int64_t dim, VarCategory category,
                         int64_t column, int64_t startColumn,
                         llvm::StringRef spelled) {
    if (std::optional<std::string> err = checkPositionAndDim(position, dim))
      return fail(column, spelled + ": " + *err);
    unsigned var;
    if (std::optional<unsigned> other = vars.lookupPosition(position)) {
      const Variable &v = vars.getVariables()[*other];
      if (v.dim != dim || v.category != category)
        return fail(column, spelled + " conflicts with " + v.origin +
                                ": position " + llvm::Twine(position) + " is " +
                                describeVariableType(v.category, v.dim) +
                                ", here it is used as " +
                                describeVariableType(category, dim));
      var = *other;
    } else {
      Variable v;
      v.position = position;
      v.dim = dim;
      v.category = category;
      v.origin = spelled.str() + " at " + source.str() + " column " +
                 std::to_string(column);
      var = vars.add(std::move(v));
    }
    return newVarNode(var, column, startColumn);
  }

  FormulaNode *newVarNode(unsigned var, int64_t column, int64_t startColumn) {
    FormulaNode *n = newNode(NodeOp::Var, column, startColumn);
    if (!n)
      return nullptr;
    const Variable &v = vars.getVariables()[var];
    n->var = var;
    n->dim = v.dim;
    n->maxPosition = v.position;
    return n;
  }

  //===--------------------------------------------------------------------===//
  // Dimension rules (KeOps'; the same as the dialect's type inference)
  //===--------------------------------------------------------------------===//

  /// KeOps broadcasting: equal dimensions, or dimension 1 against any.
  bool broadcast(FormulaNode *n, llvm::StringRef what,
                 llvm::ArrayRef<int64_t> dims, int64_t &result) {
    result = 1;
    for (int64_t d : dims) {
      if (d == 1 || d == result)
        continue;
      if (result == 1) {
        result = d;
        continue;
      }
      fail(n->column, "dimension mismatch: the operands of " + what +
                          " have dimensions " + joinDims(dims) +
                          " (KeOps broadcasting needs equal dimensions, or "
                          "dimension 1)");
      return false;
    }
    return true;
  }

  bool expectScalar(FormulaNode *n, llvm::StringRef what,
                    llvm::StringRef argName, int64_t dim) {
    if (dim == 1)
      return true;
    fail(n->column, what + " needs a scalar " + argName +
                        " (dimension 1), got dimension " + llvm::Twine(dim));
    return false;
  }

  /// A complex vector holds interleaved (re, im) pairs: an even dimension.
  bool expectComplex(FormulaNode *n, llvm::StringRef what,
                     llvm::StringRef argName, int64_t dim) {
    if (dim % 2 == 0)
      return true;
    return error(n->column, what + " needs a complex " + argName +
                                " (interleaved real and imaginary parts, an "
                                "even dimension), got dimension " +
                                llvm::Twine(dim));
  }

  /// The product of `dims` when every entry is in [1, kMaxDim] and the product
  /// stays below kMaxDim * kMaxDim; null otherwise.
  static std::optional<int64_t> boundedProduct(llvm::ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (d < 1 || d > kMaxDim)
        return std::nullopt;
      p *= d;
      if (p > kMaxDim * kMaxDim)
        return std::nullopt;
    }
    return p;
  }

  bool checkTensorDot(FormulaNode *n, llvm::StringRef what) {
    auto &seq = n->sequences;
    llvm::ArrayRef<int64_t> dimsA = seq[0], dimsB = seq[1], contA = seq[2],
                            contB = seq[3];
    int64_t da = n->args[0]->dim, db = n->args[1]->dim;
    auto bad = [&](const llvm::Twine &msg) {
      fail(n->column, what + ": " + msg);
      return false;
    };
    std::optional<int64_t> pa = boundedProduct(dimsA);
    std::optional<int64_t> pb = boundedProduct(dimsB);
    if (!pa || !pb)
      return bad("tensor dimensions must be between 1 and " +
                 llvm::Twine(kMaxDim));
    if (*pa != da)
      return bad("the shape of the first operand has " + llvm::Twine(*pa) +
                 " elements but the operand has dimension " + llvm::Twine(da));
    if (*pb != db)
      return bad("the shape of the second operand has " + llvm::Twine(*pb) +
                 " elements but the operand has dimension " + llvm::Twine(db));
    if (contA.size() != contB.size())
      return bad("it contracts " + llvm::Twine(contA.size()) +
                 " axes of the first operand but " + llvm::Twine(contB.size()) +
                 " of the second");
    llvm::SmallVector<bool> usedA(dimsA.size()), usedB(dimsB.size());
    for (auto [a, b] : llvm::zip(contA, contB)) {
      if (a < 0 || a >= (int64_t)dimsA.size() || usedA[a])
        return bad("contraction axis " + llvm::Twine(a) +
                   " of the first operand is out of range or repeated");
      if (b < 0 || b >= (int64_t)dimsB.size() || usedB[b])
        return bad("contraction axis " + llvm::Twine(b) +
                   " of the second operand is out of range or repeated");
      if (dimsA[a] != dimsB[b])
        return bad("contracted axes have different sizes (" +
                   llvm::Twine(dimsA[a]) + " and " + llvm::Twine(dimsB[b]) +
                   ")");
      usedA[a] = usedB[b] = true;
    }
    llvm::SmallVector<int64_t> kept;
    for (auto [i, d] : llvm::enumerate(dimsA))
      if (!usedA[i])
        kept.push_back(d);
    for (auto [i, d] : llvm::enumerate(dimsB))
      if (!usedB[i])
        kept.push_back(d);
    if (seq.size() > 4) {
      llvm::SmallVector<int64_t> sorted(seq[4].begin(), seq[4].end());
      llvm::sort(sorted);
      bool isPermutation = sorted.size() == kept.size();
      for (auto [i, p] : llvm::enumerate(sorted))
        isPermutation &= p == (int64_t)i;
      if (!isPermutation)
        return bad("the permutation must reorder the " +
                   llvm::Twine(kept.size()) +
                   " kept axes (a permutation of "
                   "0.." +
                   llvm::Twine((int64_t)kept.size() - 1) + ")");
    }
    std::optional<int64_t> p = boundedProduct(kept);
    n->dim = p ? *p : kMaxDim + 1;
    return true;
  }

  /// Infers and checks the dimension of `n` (its operands are checked).
  bool infer(FormulaNode *n, llvm::StringRef what) {
    auto d = [&](unsigned i) { return n->args[i]->dim; };
    switch (n->op) {
    case NodeOp::Var:
      return true;
    case NodeOp::IntCst:
    case NodeOp::RatCst:
      n->dim = 1;
      break;
    case NodeOp::Zero:
      n->dim = n->ints[0];
      if (n->dim < 1)
        return error(n->column, what + " needs a dimension >= 1, got " +
                                    llvm::Twine(n->dim));
      break;
    case NodeOp::Neg:
    case NodeOp::Inv:
    case NodeOp::Square:
    case NodeOp::Sqrt:
    case NodeOp::Rsqrt:
    case NodeOp::Exp:
    case NodeOp::Log:
    case NodeOp::XLogX:
    case NodeOp::Sin:
    case NodeOp::Cos:
    case NodeOp::SinXDivX:
    case NodeOp::Asin:
    case NodeOp::Acos:
    case NodeOp::Atan:
    case NodeOp::Abs:
    case NodeOp::Sign:
    case NodeOp::Step:
    case NodeOp::ReLU:
    case NodeOp::Floor:
    case NodeOp::Normalize:
    case NodeOp::Pow:
    case NodeOp::Round:
      n->dim = d(0);
      break;
    case NodeOp::ClampInt:
    case NodeOp::DiffClampInt:
      if (n->ints[0] > n->ints[1])
        return error(n->column,
                     what + ": the lower bound " + llvm::Twine(n->ints[0]) +
                         " exceeds the upper bound " + llvm::Twine(n->ints[1]));
      n->dim = d(0);
      break;
    case NodeOp::Sum:
    case NodeOp::Max:
    case NodeOp::Min:
    case NodeOp::ArgMax:
    case NodeOp::ArgMin:
    case NodeOp::SqNorm2:
    case NodeOp::Norm2:
      n->dim = 1;
      break;
    case NodeOp::SumT:
      if (!expectScalar(n, what, "argument", d(0)))
        return false;
      n->dim = n->ints[0];
      if (n->dim < 1)
        return error(n->column, what + " needs a dimension >= 1, got " +
                                    llvm::Twine(n->dim));
      break;
    case NodeOp::Elem:
      if (n->ints[0] < 0 || n->ints[0] >= d(0))
        return error(n->column, what + ": index " + llvm::Twine(n->ints[0]) +
                                    " is out of range for a value of "
                                    "dimension " +
                                    llvm::Twine(d(0)));
      n->dim = 1;
      break;
    case NodeOp::ElemT: {
      if (!expectScalar(n, what, "argument", d(0)))
        return false;
      int64_t size = n->ints[0], m = n->ints[1];
      if (size < 1)
        return error(n->column, what + " needs a dimension >= 1, got " +
                                    llvm::Twine(size));
      if (m < 0 || m >= size)
        return error(n->column, what + ": index " + llvm::Twine(m) +
                                    " is out of range for dimension " +
                                    llvm::Twine(size));
      n->dim = size;
      break;
    }
    case NodeOp::Extract: {
      int64_t start = n->ints[0], len = n->ints[1];
      if (start < 0 || len < 1 || start > d(0) || len > d(0) - start)
        return error(n->column,
                     what + ": the range [" + llvm::Twine(start) + ", " +
                         llvm::Twine(start) + " + " + llvm::Twine(len) +
                         ") is out of range for a value of dimension " +
                         llvm::Twine(d(0)));
      n->dim = len;
      break;
    }
    case NodeOp::ExtractT: {
      int64_t start = n->ints[0], size = n->ints[1];
      if (start < 0 || size < 1 || start > size || d(0) > size - start)
        return error(n->column, what + " cannot place a value of dimension " +
                                    llvm::Twine(d(0)) + " at " +
                                    llvm::Twine(start) + " in dimension " +
                                    llvm::Twine(size));
      n->dim = size;
      break;
    }
    case NodeOp::OneHot:
      if (!expectScalar(n, what, "argument", d(0)))
        return false;
      n->dim = n->ints[0];
      if (n->dim < 1)
        return error(n->column, what + " needs a dimension >= 1, got " +
                                    llvm::Twine(n->dim));
      break;
    case NodeOp::Add:
    case NodeOp::Sub:
    case NodeOp::Mul:
    case NodeOp::Div:
    case NodeOp::Powf:
    case NodeOp::Atan2:
    case NodeOp::Equal:
    case NodeOp::NotEqual:
    case NodeOp::LessThan:
    case NodeOp::LessOrEqual:
    case NodeOp::IfElse:
    case NodeOp::Clamp:
    case NodeOp::Mod: {
      llvm::SmallVector<int64_t, 3> dims;
      for (FormulaNode *a : n->args)
        dims.push_back(a->dim);
      if (!broadcast(n, what, dims, n->dim))
        return false;
      break;
    }
    case NodeOp::ScalProd:
    case NodeOp::SqDist: {
      int64_t ignored;
      if (!broadcast(n, what, {d(0), d(1)}, ignored))
        return false;
      n->dim = 1;
      break;
    }
    case NodeOp::Concat:
      n->dim = d(0) + d(1);
      break;
    case NodeOp::MatVecMult:
      if (d(0) % d(1) != 0)
        return error(n->column, what + ": the matrix dimension " +
                                    llvm::Twine(d(0)) +
                                    " is not a multiple of the vector "
                                    "dimension " +
                                    llvm::Twine(d(1)));
      n->dim = d(0) / d(1);
      break;
    case NodeOp::VecMatMult:
      if (d(1) % d(0) != 0)
        return error(n->column, what + ": the matrix dimension " +
                                    llvm::Twine(d(1)) +
                                    " is not a multiple of the vector "
                                    "dimension " +
                                    llvm::Twine(d(0)));
      n->dim = d(1) / d(0);
      break;
    case NodeOp::TensorProd:
      n->dim = d(0) * d(1);
      break;
    case NodeOp::WeightedSqNorm:
    case NodeOp::SqNormIso:
    case NodeOp::SqNormDiag:
    case NodeOp::SymSqNorm:
    case NodeOp::WeightedSqDist: {
      int64_t dim = d(1);
      if (n->op == NodeOp::WeightedSqDist &&
          !broadcast(n, what, {d(1), d(2)}, dim))
        return false;
      int64_t ds = d(0);
      bool ok;
      std::string allowed;
      switch (n->op) {
      case NodeOp::SqNormIso:
        ok = ds == 1;
        allowed = "1";
        break;
      case NodeOp::SqNormDiag:
        ok = ds == 1 || ds == dim;
        allowed = "1 or " + std::to_string(dim);
        break;
      case NodeOp::SymSqNorm:
        ok = ds == 1 || ds == dim * dim;
        allowed = "1 or " + std::to_string(dim * dim);
        break;
      default:
        ok = ds == 1 || ds == dim || ds == dim * dim;
        allowed = "1 (isotropic), " + std::to_string(dim) + " (diagonal) or " +
                  std::to_string(dim * dim) + " (symmetric matrix)";
        break;
      }
      if (!ok)
        return error(n->column,
                     what + ": the weight has dimension " + llvm::Twine(ds) +
                         " but must have dimension " + allowed +
                         " for vectors of dimension " + llvm::Twine(dim));
      n->dim = 1;
      break;
    }
    case NodeOp::TensorDot:
      if (!checkTensorDot(n, what))
        return false;
      break;
    case NodeOp::Kron: {
      llvm::ArrayRef<int64_t> dimsA = n->sequences[0], dimsB = n->sequences[1];
      if (dimsA.size() != dimsB.size())
        return error(n->column, what +
                                    ": the operands must have the same "
                                    "number of axes (" +
                                    llvm::Twine(dimsA.size()) + " and " +
                                    llvm::Twine(dimsB.size()) + ")");
      std::optional<int64_t> pa = boundedProduct(dimsA);
      std::optional<int64_t> pb = boundedProduct(dimsB);
      if (!pa || *pa != d(0) || !pb || *pb != d(1))
        return error(n->column, what +
                                    ": the shapes do not match the operand "
                                    "dimensions " +
                                    llvm::Twine(d(0)) + " and " +
                                    llvm::Twine(d(1)));
      n->dim = d(0) * d(1);
      break;
    }
    case NodeOp::BSpline: {
      int64_t order = n->ints[0], knots = d(0);
      if (!expectScalar(n, what, "sampling point x", d(1)))
        return false;
      if (order < 0)
        return error(n->column, what + ": the order must be >= 0, got " +
                                    llvm::Twine(order));
      if (order > knots - 2)
        return error(n->column, what + " of order " + llvm::Twine(order) +
                                    " needs at least " +
                                    llvm::Twine(order + 2) + " knots, got " +
                                    llvm::Twine(knots));
      n->dim = knots - order - 1;
      break;
    }
    case NodeOp::SoftDTWSqDist:
      if (!expectScalar(n, what, "gamma", d(2)))
        return false;
      n->dim = 1;
      break;
    case NodeOp::ComplexReal:
    case NodeOp::ComplexImag:
    case NodeOp::ComplexAbs:
    case NodeOp::ComplexSquareAbs:
    case NodeOp::ComplexAngle:
      if (!expectComplex(n, what, "argument", d(0)))
        return false;
      n->dim = d(0) / 2;
      break;
    case NodeOp::Real2Complex:
    case NodeOp::Imag2Complex:
    case NodeOp::ComplexExp1j:
      n->dim = 2 * d(0);
      break;
    case NodeOp::Conj:
    case NodeOp::ComplexExp:
      if (!expectComplex(n, what, "argument", d(0)))
        return false;
      n->dim = d(0);
      break;
    case NodeOp::ComplexSum:
      if (!expectComplex(n, what, "argument", d(0)))
        return false;
      n->dim = 2;
      break;
    case NodeOp::ComplexSumT:
      if (d(0) != 2)
        return error(n->column, what +
                                    " needs one complex number (dimension "
                                    "2), got dimension " +
                                    llvm::Twine(d(0)));
      n->dim = n->ints[0];
      if (n->dim < 2 || n->dim % 2 != 0)
        return error(n->column, what + " needs an even dimension >= 2, got " +
                                    llvm::Twine(n->dim));
      break;
    case NodeOp::ComplexAdd:
    case NodeOp::ComplexSubtract:
    case NodeOp::ComplexMult:
    case NodeOp::ComplexDivide:
      if (!expectComplex(n, what, "first argument", d(0)) ||
          !expectComplex(n, what, "second argument", d(1)))
        return false;
      if (d(0) != d(1) && d(0) != 2 && d(1) != 2)
        return error(n->column, "dimension mismatch: the operands of " + what +
                                    " have dimensions " + llvm::Twine(d(0)) +
                                    " and " + llvm::Twine(d(1)) +
                                    " (complex broadcasting needs equal "
                                    "dimensions, or dimension 2: one complex "
                                    "number)");
      n->dim = std::max(d(0), d(1));
      break;
    case NodeOp::ComplexRealScal: {
      // KeOps takes the real scalar on either side.
      int64_t z = d(0) == 1 ? d(1) : d(0);
      if (d(0) != 1 && d(1) != 1)
        return error(n->column, what +
                                    " needs a real scalar operand "
                                    "(dimension 1), got dimensions " +
                                    llvm::Twine(d(0)) + " and " +
                                    llvm::Twine(d(1)));
      if (!expectComplex(n, what, "complex argument", z))
        return false;
      n->dim = z;
      break;
    }
    case NodeOp::Grad:
      if (d(2) != d(0))
        return error(n->column, what + ": the gradient input e has dimension " +
                                    llvm::Twine(d(2)) +
                                    " but the formula has dimension " +
                                    llvm::Twine(d(0)));
      n->dim = d(1);
      break;
    case NodeOp::Diff:
      if (d(2) != d(1))
        return error(n->column, what + ": the direction u has dimension " +
                                    llvm::Twine(d(2)) +
                                    " but the variable has dimension " +
                                    llvm::Twine(d(1)));
      n->dim = d(0);
      break;
    case NodeOp::Divergence:
      if (d(0) != d(1))
        return error(n->column, what +
                                    " needs a formula with the variable's "
                                    "dimension, got " +
                                    llvm::Twine(d(0)) + " and " +
                                    llvm::Twine(d(1)));
      n->dim = 1;
      break;
    case NodeOp::Laplacian:
      if (!expectScalar(n, what, "formula", d(0)))
        return false;
      n->dim = 1;
      break;
    case NodeOp::GradMatrix:
      n->dim = d(0) * d(1);
      break;
    }
    if (n->dim > kMaxDim || n->dim < 1)
      return error(n->column, what + " would produce a value of dimension " +
                                  llvm::Twine(n->dim) + ", beyond the limit " +
                                  llvm::Twine(kMaxDim));
    return true;
  }

  /// A checked binary node.
  FormulaNode *makeBinary(NodeOp op, const Token &opToken, FormulaNode *lhs,
                          FormulaNode *rhs, bool swap = false) {
    FormulaNode *n = newNode(op, opToken.column, lhs->startColumn,
                             swap ? llvm::ArrayRef<FormulaNode *>{rhs, lhs}
                                  : llvm::ArrayRef<FormulaNode *>{lhs, rhs});
    if (!n)
      return nullptr;
    std::string what = "'" + opToken.text.str() + "'";
    if (swap) {
      // Check in the written order so the message reads naturally.
      int64_t ignored;
      if (!broadcast(n, what, {lhs->dim, rhs->dim}, ignored))
        return nullptr;
    }
    if (!infer(n, what))
      return nullptr;
    return n;
  }

  //===--------------------------------------------------------------------===//
  // Grammar
  //===--------------------------------------------------------------------===//

  FormulaNode *parseTop() {
    if (text.size() > kMaxInputLength)
      return fail(0, "the " + source + " is too long (more than " +
                         llvm::Twine(kMaxInputLength) + " bytes)");
    if (cur().is(TokenKind::Eof))
      return fail(1, "empty " + source);
    FormulaNode *node = parseExpression();
    if (!node)
      return nullptr;
    if (cur().is(TokenKind::RParen))
      return fail(cur().column,
                  "unbalanced parentheses: ')' has no matching '('");
    if (!cur().is(TokenKind::Eof))
      return unexpectedAfterOperand(
          cur(), "after a complete expression; expected an operator or the "
                 "end of the " +
                     source);
    return node;
  }

  static bool isComparison(const Token &t) {
    switch (t.kind) {
    case TokenKind::EqualEqual:
    case TokenKind::NotEqual:
    case TokenKind::Less:
    case TokenKind::LessEqual:
    case TokenKind::Greater:
    case TokenKind::GreaterEqual:
      return true;
    default:
      return false;
    }
  }

  FormulaNode *parseExpression() {
    FormulaNode *lhs = parseBitOr();
    if (!lhs || !isComparison(cur()))
      return lhs;
    Token op = cur();
    consume();
    FormulaNode *rhs = parseBitOr();
    if (!rhs)
      return nullptr;
    FormulaNode *n = nullptr;
    switch (op.kind) {
    case TokenKind::EqualEqual:
      n = makeBinary(NodeOp::Equal, op, lhs, rhs);
      break;
    case TokenKind::NotEqual:
      n = makeBinary(NodeOp::NotEqual, op, lhs, rhs);
      break;
    case TokenKind::Less:
      n = makeBinary(NodeOp::LessThan, op, lhs, rhs);
      break;
    case TokenKind::Greater:
      n = makeBinary(NodeOp::LessThan, op, lhs, rhs, /*swap=*/true);
      break;
    case TokenKind::LessEqual:
      n = makeBinary(NodeOp::LessOrEqual, op, lhs, rhs);
      break;
    default:
      n = makeBinary(NodeOp::LessOrEqual, op, lhs, rhs, /*swap=*/true);
      break;
    }
    if (n && isComparison(cur()))
      return fail(cur().column,
                  "comparisons cannot be chained (Python reads 'a < b < c' "
                  "as 'a < b and b < c'); add parentheses");
    return n;
  }

  FormulaNode *parseBitOr() {
    FormulaNode *lhs = parseAdditive();
    while (lhs && cur().is(TokenKind::Pipe)) {
      Token op = cur();
      consume();
      FormulaNode *rhs = parseAdditive();
      if (!rhs)
        return nullptr;
      lhs = makeBinary(NodeOp::ScalProd, op, lhs, rhs);
    }
    return lhs;
  }

  FormulaNode *parseAdditive() {
    FormulaNode *lhs = parseTerm();
    while (lhs && (cur().is(TokenKind::Plus) || cur().is(TokenKind::Minus))) {
      Token op = cur();
      consume();
      FormulaNode *rhs = parseTerm();
      if (!rhs)
        return nullptr;
      lhs = makeBinary(op.is(TokenKind::Plus) ? NodeOp::Add : NodeOp::Sub, op,
                       lhs, rhs);
    }
    return lhs;
  }

  FormulaNode *parseTerm() {
    FormulaNode *lhs = parseUnary();
    while (lhs && (cur().is(TokenKind::Star) || cur().is(TokenKind::Slash))) {
      Token op = cur();
      consume();
      FormulaNode *rhs = parseUnary();
      if (!rhs)
        return nullptr;
      if (op.is(TokenKind::Slash) && lhs->isIntLiteral && lhs->ints[0] == 1) {
        // KeOps: 1/f is Inv(f).
        FormulaNode *n =
            newNode(NodeOp::Inv, op.column, lhs->startColumn, {rhs});
        if (!n || !infer(n, "'/'"))
          return nullptr;
        lhs = n;
        continue;
      }
      lhs = makeBinary(op.is(TokenKind::Star) ? NodeOp::Mul : NodeOp::Div, op,
                       lhs, rhs);
    }
    return lhs;
  }

  FormulaNode *parseUnary() {
    if (!cur().is(TokenKind::Minus) && !cur().is(TokenKind::Plus))
      return parsePower();
    Token sign = cur();
    DepthGuard guard(*this);
    if (tooDeep(sign.column))
      return nullptr;
    consume();
    FormulaNode *operand = parseUnary();
    if (!operand || sign.is(TokenKind::Plus))
      return operand;
    if (operand->isIntLiteral) {
      // -3 is the integer literal -3 (Python folds it; KeOps sees IntCst(-3)).
      return newIntLiteral(-operand->ints[0], operand->column, sign.column);
    }
    FormulaNode *n = newNode(NodeOp::Neg, sign.column, sign.column, {operand});
    if (!n || !infer(n, "unary '-'"))
      return nullptr;
    return n;
  }

  FormulaNode *parsePower() {
    FormulaNode *base = parsePrimary();
    if (!base || !cur().is(TokenKind::StarStar))
      return base;
    Token op = cur();
    consume();
    const Token &first = cur().is(TokenKind::Minus) || cur().is(TokenKind::Plus)
                             ? peek()
                             : cur();
    if (first.is(TokenKind::Float))
      return fail(first.column,
                  "the exponent of '**' must be an integer (KeOps rejects "
                  "float exponents); use Sqrt(f) for f**0.5, Rsqrt(f) for "
                  "f**-0.5, or Powf(f, g) with g a parameter");
    FormulaNode *exponent = parseUnary();
    if (!exponent)
      return nullptr;
    if (!exponent->isIntLiteral)
      return fail(exponent->startColumn,
                  "the exponent of '**' must be an integer literal (KeOps "
                  "turns f**2 into Square(f) and f**m into Pow(f, m)); use "
                  "Powf(f, g) for a formula exponent");
    int64_t m = exponent->ints[0];
    FormulaNode *n = newNode(m == 2 ? NodeOp::Square : NodeOp::Pow, op.column,
                             base->startColumn, {base});
    if (!n)
      return nullptr;
    if (m != 2)
      n->ints.push_back(m);
    if (!infer(n, "'**'"))
      return nullptr;
    return n;
  }

  FormulaNode *floatLiteralError(const Token &t) {
    std::string rewrite;
    if (std::optional<std::pair<int64_t, int64_t>> r =
            floatToRational(t.text)) {
      if (r->second == 1)
        rewrite = std::to_string(r->first) + " or IntCst(" +
                  std::to_string(r->first) + ")";
      else
        rewrite = "RatCst(" + std::to_string(r->first) + ", " +
                  std::to_string(r->second) + ")";
    }
    std::string message = "float literal " + describeToken(t) +
                          " is not allowed: KeOps formulas only take "
                          "integer constants; ";
    if (!rewrite.empty())
      message += "write " + rewrite + ", or ";
    message += "pass the value as a parameter (Pm)";
    return fail(t.column, message);
  }

  FormulaNode *parsePrimary() {
    const Token t = cur();
    switch (t.kind) {
    case TokenKind::Integer: {
      int64_t value;
      if (t.text.getAsInteger(10, value))
        return fail(t.column, "integer literal " + describeToken(t) +
                                  " is too large (it must fit in 64 bits)");
      consume();
      return newIntLiteral(value, t.column, t.column);
    }
    case TokenKind::Float:
      return floatLiteralError(t);
    case TokenKind::Identifier:
      consume();
      if (cur().is(TokenKind::LParen))
        return parseCall(t);
      return parseVariable(t);
    case TokenKind::LParen: {
      DepthGuard guard(*this);
      if (tooDeep(t.column))
        return nullptr;
      consume();
      if (cur().is(TokenKind::RParen))
        return fail(cur().column, "empty parentheses: expected an expression "
                                  "between '(' and ')'");
      FormulaNode *inner = parseExpression();
      if (!inner)
        return nullptr;
      if (cur().is(TokenKind::RParen)) {
        consume();
        inner->startColumn = std::min(inner->startColumn, t.column);
        return inner;
      }
      if (cur().is(TokenKind::Eof))
        return fail(t.column, "unbalanced parentheses: '(' is never closed");
      if (cur().is(TokenKind::Comma))
        return fail(cur().column,
                    "unexpected ',': tuples are only valid as index "
                    "sequences of TensorDot and Kron");
      return unexpectedAfterOperand(cur(), "; expected ')' to close the '(' at "
                                           "column " +
                                               llvm::Twine(t.column));
    }
    case TokenKind::LBracket:
      return fail(t.column, "index sequences ([...]) are only valid as "
                            "arguments of TensorDot and Kron");
    case TokenKind::Eof:
      return fail(t.column,
                  "unexpected end of the " + source + ": expected an operand");
    case TokenKind::Unsupported:
      return fail(t.column, unsupportedOperator(t));
    case TokenKind::Invalid:
      return fail(t.column, invalidCharacter(t));
    case TokenKind::Assign:
      return fail(t.column,
                  "unexpected '='; use '==' for an elementwise comparison");
    case TokenKind::RParen:
      return fail(t.column, "expected an operand, got ')'");
    default:
      return fail(t.column, "expected an operand, got " + describeToken(t));
    }
  }

  FormulaNode *parseVariable(const Token &t) {
    if (std::optional<unsigned> var = vars.lookupName(t.text))
      return newVarNode(*var, t.column, t.column);
    if (lookupOp(t.text) && !getKeywordCategory(t.text) && t.text != "Var")
      return fail(t.column, "'" + t.text +
                                "' is an operation, not a variable: call it "
                                "as " +
                                t.text + "(...)");
    std::string message = "unknown variable '" + t.text.str() + "'";
    std::vector<llvm::StringRef> names = vars.getNames();
    llvm::StringRef suggestion = suggestClosest(t.text, names);
    if (!suggestion.empty())
      message += " (did you mean '" + suggestion.str() + "'?)";
    else if (names.empty())
      message += ": no alias declares it (e.g. '" + t.text.str() +
                 " = Vi(3)'); write Var(position, dim, category) for an "
                 "unnamed variable";
    else
      message += ": it is not declared by the aliases";
    return fail(t.column, message);
  }

  /// Parses an index sequence after its opening token, up to `close`.
  bool parseSequence(TokenKind close, int64_t openColumn,
                     llvm::SmallVectorImpl<int64_t> &out) {
    while (!cur().is(close)) {
      const Token t = cur();
      if (t.is(TokenKind::Eof)) {
        fail(openColumn, "unbalanced brackets: the index sequence is never "
                         "closed");
        return false;
      }
      if (t.is(TokenKind::Minus) && peek().is(TokenKind::Integer)) {
        fail(t.column, "index sequences hold non-negative integers");
        return false;
      }
      if (!t.is(TokenKind::Integer)) {
        fail(t.column, "expected an integer in the index sequence, got " +
                           describeToken(t));
        return false;
      }
      int64_t value;
      if (t.text.getAsInteger(10, value)) {
        fail(t.column, "integer " + describeToken(t) + " is too large");
        return false;
      }
      if (out.size() == kMaxSequenceLength) {
        fail(t.column, "index sequences hold at most " +
                           llvm::Twine(kMaxSequenceLength) + " entries");
        return false;
      }
      out.push_back(value);
      consume();
      if (cur().is(TokenKind::Comma)) {
        consume();
        continue;
      }
      if (!cur().is(close) && !cur().is(TokenKind::Eof)) {
        fail(cur().column,
             "expected ',' or the end of the index sequence, got " +
                 describeToken(cur()));
        return false;
      }
    }
    consume();
    return true;
  }

  bool parseArg(CallArg &arg) {
    arg.column = cur().column;
    if (cur().is(TokenKind::LBracket)) {
      arg.isSequence = true;
      int64_t open = cur().column;
      consume();
      return parseSequence(TokenKind::RBracket, open, arg.sequence);
    }
    if (cur().is(TokenKind::Identifier) && cur().text == "Ind" &&
        peek().is(TokenKind::LParen)) {
      arg.isSequence = true;
      consume();
      int64_t open = cur().column;
      consume();
      return parseSequence(TokenKind::RParen, open, arg.sequence);
    }
    if (cur().is(TokenKind::LParen) &&
        (peek().is(TokenKind::RParen) ||
         (peek().is(TokenKind::Integer) && peek(2).is(TokenKind::Comma)))) {
      arg.isSequence = true;
      int64_t open = cur().column;
      consume();
      return parseSequence(TokenKind::RParen, open, arg.sequence);
    }
    arg.node = parseExpression();
    return arg.node != nullptr;
  }

  FormulaNode *parseCall(const Token &name) {
    const OpInfo *info = lookupOp(name.text);
    if (!info) {
      if (name.text == "Ind")
        return fail(name.column, "Ind(...) is an index sequence; it is only "
                                 "valid as an argument of TensorDot or Kron");
      llvm::StringRef reason = getUnsupportedOpReason(name.text);
      if (!reason.empty())
        return fail(name.column,
                    "'" + name.text + "' is not supported: " + reason);
      if (vars.lookupName(name.text))
        return fail(name.column, "'" + name.text +
                                     "' is a variable, not an operation; it "
                                     "cannot be called");
      std::string message = "unknown operation '" + name.text.str() + "'";
      llvm::StringRef suggestion = suggestOpName(name.text);
      if (!suggestion.empty())
        message += " (did you mean '" + suggestion.str() + "'?)";
      return fail(name.column, message);
    }

    DepthGuard guard(*this);
    if (tooDeep(name.column))
      return nullptr;
    const Token open = cur();
    consume();
    llvm::SmallVector<CallArg, 4> args;
    if (!cur().is(TokenKind::RParen)) {
      while (true) {
        if (cur().is(TokenKind::Identifier) && peek().is(TokenKind::Assign))
          return fail(cur().column,
                      "keyword arguments are not supported: pass '" +
                          cur().text + "' by position (" + info->usage + ")");
        CallArg arg;
        if (!parseArg(arg))
          return nullptr;
        args.push_back(std::move(arg));
        if (cur().is(TokenKind::Comma)) {
          consume();
          if (cur().is(TokenKind::RParen))
            break;
          continue;
        }
        if (cur().is(TokenKind::RParen))
          break;
        if (cur().is(TokenKind::Eof))
          return fail(open.column, "unbalanced parentheses: the '(' of '" +
                                       name.text + "' is never closed");
        return unexpectedAfterOperand(cur(), "in the arguments of '" +
                                                 name.text +
                                                 "'; expected ',' or ')'");
      }
    }
    consume();
    return buildCall(*info, name, args);
  }

  FormulaNode *buildCall(const OpInfo &info, const Token &name,
                         llvm::MutableArrayRef<CallArg> args) {
    std::string what = "'" + info.name.str() + "'";
    llvm::StringRef signature = info.signature;
    size_t optional = signature.find('?');
    size_t numRequired =
        optional == llvm::StringRef::npos ? signature.size() : optional;
    std::string kinds = signature.str();
    if (optional != llvm::StringRef::npos)
      kinds.erase(optional, 1);

    if (info.op == NodeOp::Var && info.name != "Var" && args.size() == 1)
      return fail(name.column,
                  "inside a formula, " + what +
                      " needs an explicit position: " + info.usage);
    if (args.size() < numRequired || args.size() > kinds.size()) {
      std::string expected = numRequired == kinds.size()
                                 ? pluralArguments(numRequired)
                                 : std::to_string(numRequired) + " or " +
                                       pluralArguments(kinds.size());
      return fail(name.column, "wrong number of arguments: " + what +
                                   " takes " + expected + " (" + info.usage +
                                   "), got " + llvm::Twine(args.size()));
    }

    llvm::SmallVector<FormulaNode *, 3> formulas;
    llvm::SmallVector<int64_t, 3> ints;
    llvm::SmallVector<llvm::SmallVector<int64_t, 4>, 4> sequences;
    for (auto [i, arg] : llvm::enumerate(args)) {
      std::string which = "argument " + std::to_string(i + 1) + " of " + what;
      switch (kinds[i]) {
      case 'f':
        if (arg.isSequence)
          return fail(arg.column, which +
                                      " must be a formula, not an index "
                                      "sequence (" +
                                      info.usage + ")");
        formulas.push_back(arg.node);
        break;
      case 'v':
        if (arg.isSequence || arg.node->op != NodeOp::Var)
          return fail(arg.column, which +
                                      " must be a variable (an alias name or "
                                      "Var(position, dim, category)), not an "
                                      "expression (" +
                                      info.usage + ")");
        formulas.push_back(arg.node);
        break;
      case 'i':
        if (arg.isSequence || !arg.node->isIntLiteral)
          return fail(arg.column, which + " must be an integer literal (" +
                                      info.usage + ")");
        ints.push_back(arg.node->ints[0]);
        break;
      case 's':
        if (!arg.isSequence)
          return fail(arg.column, which +
                                      " must be an index sequence such as "
                                      "[2, 3], (2, 3) or Ind(2, 3) (" +
                                      info.usage + ")");
        sequences.push_back(arg.sequence);
        break;
      }
    }

    // Variables and constants.
    if (info.op == NodeOp::Var) {
      int64_t position = ints[0], dim = ints[1];
      VarCategory category;
      std::string spelled;
      if (info.name == "Var") {
        if (std::optional<std::string> err = checkCategory(ints[2]))
          return fail(args[2].column, *err);
        category = static_cast<VarCategory>(ints[2]);
        spelled = "Var(" + std::to_string(position) + "," +
                  std::to_string(dim) + "," + std::to_string(ints[2]) + ")";
      } else {
        category = *getKeywordCategory(info.name);
        spelled = info.name.str() + "(" + std::to_string(position) + "," +
                  std::to_string(dim) + ")";
      }
      return newVarRef(position, dim, category, name.column, name.column,
                       spelled);
    }

    if (info.name == "TraceOperator")
      return buildTraceOperator(name, formulas, args);

    FormulaNode *n = newNode(info.op, name.column, name.column, formulas);
    if (!n)
      return nullptr;
    n->ints = ints;
    n->sequences = std::move(sequences);
    if (info.name == "IntInv") {
      if (ints[0] == 0)
        return fail(args[0].column, "IntInv(0) divides by zero");
      n->ints = {1, ints[0]};
    } else if (info.op == NodeOp::RatCst && ints[1] == 0) {
      return fail(args[1].column, "the denominator of RatCst must not be "
                                  "zero");
    }

    if (info.op == NodeOp::Grad && n->args.size() == 2) {
      FormulaNode *e = implicitGradientInput(n, name);
      if (!e)
        return nullptr;
      n->args.push_back(e);
      n->maxPosition = std::max(n->maxPosition, e->maxPosition);
    }
    if (!infer(n, what))
      return nullptr;
    return n;
  }

  /// KeOps' TraceOperator(f, v[, w]) of a formula f linear in v, with
  /// matrix M (f(v) = M v): sum_k w_k M_kk when f has v's dimension, and
  /// sum_k w_k M_k when f is a scalar (w = 1 when omitted; w of dimension 1
  /// or v's). For f linear in v these are Divergence(w * f, v) and
  /// Sum(w * Grad(f, v, 1)), which is how they are built.
  FormulaNode *buildTraceOperator(const Token &name,
                                  llvm::ArrayRef<FormulaNode *> formulas,
                                  llvm::ArrayRef<CallArg> args) {
    std::string what = "'TraceOperator'";
    FormulaNode *f = formulas[0], *v = formulas[1];
    FormulaNode *w = formulas.size() > 2 ? formulas[2] : nullptr;
    if (f->dim != 1 && f->dim != v->dim)
      return fail(args[0].column,
                  what + " needs a formula of dimension 1 or " +
                      llvm::Twine(v->dim) + " (the variable's), got " +
                      llvm::Twine(f->dim));
    if (w && w->dim != 1 && w->dim != v->dim)
      return fail(args[2].column,
                  what + " needs a weight w of dimension 1 or " +
                      llvm::Twine(v->dim) + " (the variable's), got " +
                      llvm::Twine(w->dim));
    auto make = [&](NodeOp op, llvm::ArrayRef<FormulaNode *> operands,
                    llvm::StringRef opWhat) -> FormulaNode * {
      FormulaNode *n = newNode(op, name.column, name.column, operands);
      if (!n || !infer(n, opWhat))
        return nullptr;
      return n;
    };
    if (f->dim == v->dim) {
      FormulaNode *g = w ? make(NodeOp::Mul, {w, f}, what) : f;
      return g ? make(NodeOp::Divergence, {g, v}, what) : nullptr;
    }
    FormulaNode *one = newNode(NodeOp::IntCst, name.column, name.column);
    if (!one)
      return nullptr;
    one->ints.push_back(1);
    one->dim = 1;
    FormulaNode *grad = make(NodeOp::Grad, {f, v, one}, what);
    if (!grad)
      return nullptr;
    FormulaNode *g = w ? make(NodeOp::Mul, {w, grad}, what) : grad;
    return g ? make(NodeOp::Sum, {g}, what) : nullptr;
  }

  /// Grad(F, V) without E, as KeOps builds it: E = Var(1 + the largest
  /// position used by F, dim F, 1 - cat V).
  FormulaNode *implicitGradientInput(FormulaNode *grad, const Token &name) {
    FormulaNode *f = grad->args[0];
    const Variable &v = vars.getVariables()[grad->args[1]->var];
    if (v.category == VarCategory::Param)
      return fail(name.column,
                  "Grad(f, v) without its gradient input e needs v to be an "
                  "i- or j-variable (KeOps makes e a variable of the other "
                  "index); v is a parameter, so pass e explicitly: "
                  "Grad(f, v, e)");
    int64_t position = f->maxPosition + 1;
    VarCategory category =
        v.category == VarCategory::I ? VarCategory::J : VarCategory::I;
    if (std::optional<unsigned> other = vars.lookupPosition(position)) {
      const Variable &w = vars.getVariables()[*other];
      if (w.dim != f->dim || w.category != category)
        return fail(name.column,
                    "Grad(f, v) without e adds its gradient input at "
                    "position " +
                        llvm::Twine(position) +
                        " (one past the largest position used by f, as KeOps "
                        "does), as " +
                        describeVariableType(category, f->dim) +
                        ", but position " + llvm::Twine(position) + " is " +
                        describeVariableType(w.category, w.dim) + " (" +
                        w.origin + "); pass e explicitly: Grad(f, v, e)");
      return newVarNode(*other, name.column, name.column);
    }
    std::string spelled = "the gradient input Var(" + std::to_string(position) +
                          "," + std::to_string(f->dim) + "," +
                          std::to_string(static_cast<int>(category)) +
                          ") of Grad";
    return newVarRef(position, f->dim, category, name.column, name.column,
                     spelled);
  }

  llvm::StringRef text;
  llvm::StringRef source;
  VariableTable &vars;
  FormulaArena &arena;
  std::vector<Token> tokens;
  size_t index = 0;
  int64_t depth = 0;
  std::optional<FormulaDiagnostic> diag;
};

} // namespace

llvm::Expected<FormulaNode *> mlir::kernelred::frontend::parseFormula(
    llvm::StringRef text, llvm::StringRef source, VariableTable &vars,
    FormulaArena &arena) {
  Parser parser(text, source, vars, arena);
  return parser.parse();
}
