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
  Parser(MLIRContext *ctx, llvm::StringRef text, llvm::StringRef source,
         VariableTable &vars, FormulaArena &arena)
      : ctx(ctx), text(text), source(source), vars(vars), arena(arena),
        tokens(tokenize(text)) {
    ctx->getOrLoadDialect<KredDialect>();
  }

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

  FormulaNode *newNode(llvm::StringRef opName, int64_t column,
                       int64_t startColumn,
                       llvm::ArrayRef<FormulaNode *> args = {}) {
    if (arena.size() >= kMaxNodes)
      return fail(column, "the formula is too large (more than " +
                              llvm::Twine(kMaxNodes) + " operations)");
    FormulaNode *n = arena.create();
    n->opName = opName;
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
    FormulaNode *n = newNode(IntCstOp::getOperationName(), column, startColumn);
    if (!n)
      return nullptr;
    n->attrs.push_back(intAttr("value", value));
    n->isIntLiteral = true;
    n->literal = value;
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
    FormulaNode *n = newNode("", column, startColumn);
    if (!n)
      return nullptr;
    const Variable &v = vars.getVariables()[var];
    n->var = var;
    n->dim = v.dim;
    n->maxPosition = v.position;
    return n;
  }

  //===--------------------------------------------------------------------===//
  // Dimensions: the ops' own type inference
  //===--------------------------------------------------------------------===//

  /// A value of dimension `dim` for the type inference of the ops (an
  /// argument of a block that holds no op; the element type is irrelevant).
  Value placeholder(int64_t dim) {
    Value &v = placeholders[dim];
    if (!v)
      v = scratch->addArgument(getFormulaType(Float32Type::get(ctx), dim),
                               UnknownLoc::get(ctx));
    return v;
  }

  /// The op's diagnostic for the user: the op is named as written (`what`).
  static std::string rephrase(llvm::StringRef message, llvm::StringRef opName,
                              llvm::StringRef what) {
    std::string quoted = "'" + opName.str() + "'";
    std::string out = message.str();
    for (size_t at = out.find(quoted); at != std::string::npos;
         at = out.find(quoted, at + what.size()))
      out.replace(at, quoted.size(), what.str());
    return out;
  }

  /// Sets the dimension of `n` (its operands are checked) from the type
  /// inference of its op; a rejection is reported at `n` as the op's
  /// diagnostic, the op named as written (`what`).
  bool infer(FormulaNode *n, llvm::StringRef what) {
    if (n->opName.empty())
      return true;
    llvm::SmallVector<Value, 3> operands;
    for (FormulaNode *a : n->args)
      operands.push_back(placeholder(a->dim));
    Operation *op = createFormulaOp(UnknownLoc::get(ctx), n->opName, operands,
                                    n->attrs, placeholder(1).getType());
    std::string message;
    FailureOr<Type> type = inferFormulaOp(op, message);
    op->destroy();
    if (failed(type))
      return error(n->column, rephrase(message, n->opName, what));
    if (*type)
      n->dim = getFormulaDim(*type);
    if (n->dim > kMaxDim || n->dim < 1)
      return error(n->column, what + " would produce a value of dimension " +
                                  llvm::Twine(n->dim) + ", beyond the limit " +
                                  llvm::Twine(kMaxDim));
    return true;
  }

  /// A checked node of `opName` over `args` with `attrs`.
  FormulaNode *makeOp(llvm::StringRef opName, int64_t column,
                      int64_t startColumn, llvm::ArrayRef<FormulaNode *> args,
                      llvm::StringRef what,
                      llvm::ArrayRef<NamedAttribute> attrs = {}) {
    FormulaNode *n = newNode(opName, column, startColumn, args);
    if (!n)
      return nullptr;
    n->attrs.assign(attrs.begin(), attrs.end());
    return infer(n, what) ? n : nullptr;
  }

  NamedAttribute intAttr(llvm::StringRef name, int64_t value) {
    return NamedAttribute(StringAttr::get(ctx, name),
                          IntegerAttr::get(IntegerType::get(ctx, 64), value));
  }

  /// A checked binary node.
  FormulaNode *makeBinary(llvm::StringRef opName, const Token &opToken,
                          FormulaNode *lhs, FormulaNode *rhs,
                          bool swap = false) {
    // Checked in the written order, so that diagnostics read naturally
    // (the swapped ops broadcast symmetrically).
    FormulaNode *n = makeOp(opName, opToken.column, lhs->startColumn,
                            {lhs, rhs}, "'" + opToken.text.str() + "'");
    if (n && swap)
      std::swap(n->args[0], n->args[1]);
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
    FormulaNode *lhs = parseBinary();
    if (!lhs || !isComparison(cur()))
      return lhs;
    Token op = cur();
    consume();
    FormulaNode *rhs = parseBinary();
    if (!rhs)
      return nullptr;
    FormulaNode *n = nullptr;
    switch (op.kind) {
    case TokenKind::EqualEqual:
      n = makeBinary(EqualOp::getOperationName(), op, lhs, rhs);
      break;
    case TokenKind::NotEqual:
      n = makeBinary(NotEqualOp::getOperationName(), op, lhs, rhs);
      break;
    case TokenKind::Less:
      n = makeBinary(LessThanOp::getOperationName(), op, lhs, rhs);
      break;
    case TokenKind::Greater:
      n = makeBinary(LessThanOp::getOperationName(), op, lhs, rhs, /*swap=*/true);
      break;
    case TokenKind::LessEqual:
      n = makeBinary(LessOrEqualOp::getOperationName(), op, lhs, rhs);
      break;
    default:
      n = makeBinary(LessOrEqualOp::getOperationName(), op, lhs, rhs, /*swap=*/true);
      break;
    }
    if (n && isComparison(cur()))
      return fail(cur().column,
                  "comparisons cannot be chained (Python reads 'a < b < c' "
                  "as 'a < b and b < c'); add parentheses");
    return n;
  }

  /// The levels of the left-associative binary operators, loosest first:
  /// '|' (Scalprod), '+' '-', '*' '/'.
  static constexpr int kNumBinaryLevels = 3;

  /// The op of binary operator `t` at `level`, or empty.
  static llvm::StringRef getBinaryOpName(const Token &t, int level) {
    switch (t.kind) {
    case TokenKind::Pipe:
      return level == 0 ? ScalProdOp::getOperationName() : "";
    case TokenKind::Plus:
      return level == 1 ? AddOp::getOperationName() : "";
    case TokenKind::Minus:
      return level == 1 ? SubOp::getOperationName() : "";
    case TokenKind::Star:
      return level == 2 ? MulOp::getOperationName() : "";
    case TokenKind::Slash:
      return level == 2 ? DivOp::getOperationName() : "";
    default:
      return "";
    }
  }

  /// bitor, additive and term of the grammar.
  FormulaNode *parseBinary(int level = 0) {
    if (level == kNumBinaryLevels)
      return parseUnary();
    FormulaNode *lhs = parseBinary(level + 1);
    while (lhs) {
      llvm::StringRef opName = getBinaryOpName(cur(), level);
      if (opName.empty())
        return lhs;
      Token op = cur();
      consume();
      FormulaNode *rhs = parseBinary(level + 1);
      if (!rhs)
        return nullptr;
      if (op.is(TokenKind::Slash) && lhs->isIntLiteral && lhs->literal == 1) {
        // KeOps: 1/f is Inv(f).
        lhs = makeOp(InvOp::getOperationName(), op.column, lhs->startColumn,
                     {rhs}, "'/'");
        continue;
      }
      lhs = makeBinary(opName, op, lhs, rhs);
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
      return newIntLiteral(-operand->literal, operand->column, sign.column);
    }
    return makeOp(NegOp::getOperationName(), sign.column, sign.column,
                  {operand}, "unary '-'");
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
    int64_t m = exponent->literal;
    if (m == 2)
      return makeOp(SquareOp::getOperationName(), op.column, base->startColumn,
                    {base}, "'**'");
    return makeOp(PowOp::getOperationName(), op.column, base->startColumn,
                  {base}, "'**'", {intAttr("exponent", m)});
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

    if (info.hook == "var" && info.name != "Var" && args.size() == 1)
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

    // The operands ('f', 'v') and the attributes ('i', 's'), in call order.
    llvm::SmallVector<FormulaNode *, 3> formulas;
    llvm::SmallVector<int64_t, 3> ints;
    llvm::SmallVector<Attribute, 4> params;
    for (auto [i, arg] : llvm::enumerate(args)) {
      bool isFormula = !arg.isSequence;
      bool isVariable = isFormula && arg.node->opName.empty();
      bool isInt = isFormula && arg.node->isIntLiteral;
      llvm::StringRef expected;
      if (kinds[i] == 'f' && !isFormula)
        expected = "a formula, not an index sequence";
      else if (kinds[i] == 'v' && !isVariable)
        expected = "a variable (an alias name or Var(position, dim, "
                   "category)), not an expression";
      else if (kinds[i] == 'i' && !isInt)
        expected = "an integer literal";
      else if (kinds[i] == 's' && isFormula)
        expected = "an index sequence such as [2, 3], (2, 3) or Ind(2, 3)";
      if (!expected.empty())
        return fail(arg.column, "argument " + llvm::Twine(i + 1) + " of " +
                                    what + " must be " + expected + " (" +
                                    info.usage + ")");
      if (kinds[i] == 'f' || kinds[i] == 'v') {
        formulas.push_back(arg.node);
      } else if (kinds[i] == 'i') {
        ints.push_back(arg.node->literal);
        params.push_back(
            IntegerAttr::get(IntegerType::get(ctx, 64), arg.node->literal));
      } else {
        params.push_back(DenseI64ArrayAttr::get(ctx, arg.sequence));
      }
    }
    llvm::SmallVector<llvm::StringRef, 5> attrNames;
    llvm::StringRef(info.attrs).split(attrNames, ',', -1, false);
    llvm::SmallVector<NamedAttribute, 4> attrs;
    for (auto [attrName, value] : llvm::zip(attrNames, params))
      attrs.push_back(NamedAttribute(StringAttr::get(ctx, attrName), value));

    llvm::StringRef hook = info.hook;
    if (hook.empty())
      return makeOp(info.opName, name.column, name.column, formulas, what,
                    attrs);
    if (hook == "var")
      return buildVariable(info, name, args, ints);
    if (hook == "constant") {
      if (info.name == "RatCst" && ints[1] == 0)
        return fail(args[1].column, "the denominator of RatCst must not be "
                                    "zero");
      return makeOp(info.opName, name.column, name.column, {}, what, attrs);
    }
    if (hook == "intinv") {
      if (ints[0] == 0)
        return fail(args[0].column, "IntInv(0) divides by zero");
      return makeOp(info.opName, name.column, name.column, {}, what,
                    {intAttr("num", 1), intAttr("den", ints[0])});
    }
    if (hook == "zero") {
      if (ints[0] < 1)
        return fail(name.column, what + " needs a dimension >= 1, got " +
                                     llvm::Twine(ints[0]));
      FormulaNode *n = newNode(info.opName, name.column, name.column);
      if (!n)
        return nullptr;
      n->dim = ints[0];
      return infer(n, what) ? n : nullptr;
    }
    if (hook == "bspline") {
      // KeOps keeps the first dim(knots) - order - 1 values of the De Boor
      // table (keopscore BSpline = Extract(BSpline_Impl, 0, ...)).
      FormulaNode *table = makeOp(info.opName, name.column, name.column,
                                  formulas, what, attrs);
      if (!table)
        return nullptr;
      return makeOp(ExtractOp::getOperationName(), name.column, name.column,
                    {table}, what,
                    {intAttr("start", 0),
                     intAttr("length", formulas[0]->dim - ints[0] - 1)});
    }
    if (hook == "SqNormIso" || hook == "SqNormDiag" || hook == "SymSqNorm")
      return buildWeightedSqNorm(info, name, formulas);
    if (hook == "grad") {
      if (formulas.size() == 2) {
        FormulaNode *e = implicitGradientInput(formulas[0], formulas[1], name);
        if (!e)
          return nullptr;
        formulas.push_back(e);
      }
      return makeOp(info.opName, name.column, name.column, formulas, what);
    }
    if (hook == "gradfrompos") {
      // KeOps 1's GradFromPos(f, v, i): Grad(f, v) with its gradient input
      // at position i.
      FormulaNode *e =
          implicitGradientInput(formulas[0], formulas[1], name, ints[0]);
      if (!e)
        return nullptr;
      formulas.push_back(e);
      return makeOp(info.opName, name.column, name.column, formulas, what);
    }
    if (hook == "trace")
      return buildTraceOperator(name, formulas, args);
    if (hook == "sumlin")
      return buildSumLinOperator(name, formulas, args);
    return fail(name.column, "internal error: no parser hook '" + hook +
                                 "' for " + what);
  }

  /// Var(p, d, c), Vi(p, d), Vj(p, d), Pm(p, d) (and Vx, Vy) in a formula.
  FormulaNode *buildVariable(const OpInfo &info, const Token &name,
                             llvm::ArrayRef<CallArg> args,
                             llvm::ArrayRef<int64_t> ints) {
    int64_t position = ints[0], dim = ints[1];
    VarCategory category;
    std::string spelled;
    if (info.name == "Var") {
      if (std::optional<std::string> err = checkCategory(ints[2]))
        return fail(args[2].column, *err);
      category = static_cast<VarCategory>(ints[2]);
      spelled = "Var(" + std::to_string(position) + "," + std::to_string(dim) +
                "," + std::to_string(ints[2]) + ")";
    } else {
      category = *getKeywordCategory(info.name);
      spelled = info.name.str() + "(" + std::to_string(position) + "," +
                std::to_string(dim) + ")";
    }
    return newVarRef(position, dim, category, name.column, name.column,
                     spelled);
  }

  /// SqNormIso, SqNormDiag and SymSqNorm: WeightedSqNorm(s, f) with fewer
  /// allowed weight dimensions.
  FormulaNode *buildWeightedSqNorm(const OpInfo &info, const Token &name,
                                   llvm::ArrayRef<FormulaNode *> formulas) {
    std::string what = "'" + info.name.str() + "'";
    FormulaNode *n =
        makeOp(info.opName, name.column, name.column, formulas, what);
    if (!n)
      return nullptr;
    int64_t ds = formulas[0]->dim, dim = formulas[1]->dim;
    bool ok = ds == 1;
    std::string allowed = "1";
    if (info.hook == "SqNormDiag") {
      ok |= ds == dim;
      allowed += " or " + std::to_string(dim);
    } else if (info.hook == "SymSqNorm") {
      ok |= ds == dim * dim;
      allowed += " or " + std::to_string(dim * dim);
    }
    if (!ok)
      return fail(name.column, what + ": the weight has dimension " +
                                   llvm::Twine(ds) +
                                   " but must have dimension " + allowed +
                                   " for vectors of dimension " +
                                   llvm::Twine(dim));
    return n;
  }

  /// Fails at `arg` unless `n` (when given) has dimension 1 or `dim`.
  bool expectDimOneOr(FormulaNode *n, const CallArg &arg,
                      llvm::StringRef what, llvm::StringRef thing, int64_t dim,
                      llvm::StringRef whose) {
    if (!n || n->dim == 1 || n->dim == dim)
      return true;
    return error(arg.column, what + " needs " + thing + " of dimension 1 or " +
                                 llvm::Twine(dim) + " (" + whose + "), got " +
                                 llvm::Twine(n->dim));
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
    if (!expectDimOneOr(f, args[0], what, "a formula", v->dim,
                        "the variable's") ||
        !expectDimOneOr(w, args.back(), what, "a weight w", v->dim,
                        "the variable's"))
      return nullptr;
    auto make = [&](llvm::StringRef opName,
                    llvm::ArrayRef<FormulaNode *> operands) {
      return makeOp(opName, name.column, name.column, operands, what);
    };
    if (f->dim == v->dim) {
      FormulaNode *g = w ? make(MulOp::getOperationName(), {w, f}) : f;
      return g ? make(DivergenceOp::getOperationName(), {g, v}) : nullptr;
    }
    FormulaNode *one = newIntLiteral(1, name.column, name.column);
    if (!one)
      return nullptr;
    FormulaNode *grad = make(GradOp::getOperationName(), {f, v, one});
    if (!grad)
      return nullptr;
    FormulaNode *g = w ? make(MulOp::getOperationName(), {w, grad}) : grad;
    return g ? make(SumOp::getOperationName(), {g}) : nullptr;
  }

  /// KeOps' SumLinOperator(f, v[, wl[, wr]]) of a formula f linear in v,
  /// with matrix M (f(v) = M v): sum_ij wl_i M_ij wr_j (wl and wr = 1 when
  /// omitted; wl of dimension 1 or f's, wr of dimension 1 or v's). Built as
  /// Sum(wr * Grad(f, v, wl)), wl broadcast to f's dimension (M^T wl is the
  /// gradient of a linear f).
  FormulaNode *buildSumLinOperator(const Token &name,
                                   llvm::ArrayRef<FormulaNode *> formulas,
                                   llvm::ArrayRef<CallArg> args) {
    std::string what = "'SumLinOperator'";
    FormulaNode *f = formulas[0], *v = formulas[1];
    FormulaNode *wl = formulas.size() > 2 ? formulas[2] : nullptr;
    FormulaNode *wr = formulas.size() > 3 ? formulas[3] : nullptr;
    if (!expectDimOneOr(wl, args[std::min<size_t>(2, args.size() - 1)], what,
                        "a left weight wl", f->dim, "the formula's") ||
        !expectDimOneOr(wr, args.back(), what, "a right weight wr", v->dim,
                        "the variable's"))
      return nullptr;
    FormulaNode *e = wl ? wl : newIntLiteral(1, name.column, name.column);
    if (e && e->dim != f->dim)
      e = makeOp(SumTOp::getOperationName(), name.column, name.column, {e},
                 what, {intAttr("dim", f->dim)});
    if (!e)
      return nullptr;
    FormulaNode *grad = makeOp(GradOp::getOperationName(), name.column,
                               name.column, {f, v, e}, what);
    if (grad && wr)
      grad = makeOp(MulOp::getOperationName(), name.column, name.column,
                    {wr, grad}, what);
    if (!grad)
      return nullptr;
    return makeOp(SumOp::getOperationName(), name.column, name.column, {grad},
                  what);
  }

  /// The gradient input e of Grad(F, V) without E, as KeOps builds it:
  /// Var(1 + the largest position used by F, dim F, 1 - cat V); with
  /// `position`, GradFromPos(F, V, position)'s: Var(position, dim F,
  /// 1 - cat V).
  FormulaNode *implicitGradientInput(
      FormulaNode *f, FormulaNode *var, const Token &name,
      std::optional<int64_t> explicitPosition = std::nullopt) {
    const Variable &v = vars.getVariables()[var->var];
    if (v.category == VarCategory::Param && explicitPosition)
      return fail(name.column,
                  "GradFromPos(f, v, i) needs v to be an i- or j-variable "
                  "(its gradient input is a variable of the other index); v "
                  "is a parameter, so write Grad(f, v, e)");
    if (v.category == VarCategory::Param)
      return fail(name.column,
                  "Grad(f, v) without its gradient input e needs v to be an "
                  "i- or j-variable (KeOps makes e a variable of the other "
                  "index); v is a parameter, so pass e explicitly: "
                  "Grad(f, v, e)");
    int64_t position = explicitPosition.value_or(f->maxPosition + 1);
    VarCategory category =
        v.category == VarCategory::I ? VarCategory::J : VarCategory::I;
    std::string spelled = "the gradient input Var(" + std::to_string(position) +
                          "," + std::to_string(f->dim) + "," +
                          std::to_string(static_cast<int>(category)) + ") of " +
                          (explicitPosition ? "GradFromPos" : "Grad");
    std::optional<unsigned> other = vars.lookupPosition(position);
    if (!other)
      return newVarRef(position, f->dim, category, name.column, name.column,
                       spelled);
    const Variable &w = vars.getVariables()[*other];
    if (w.dim == f->dim && w.category == category)
      return newVarNode(*other, name.column, name.column);
    std::string where =
        explicitPosition
            ? "GradFromPos(f, v, i) adds its gradient input at position " +
                  std::to_string(position)
            : "Grad(f, v) without e adds its gradient input at position " +
                  std::to_string(position) +
                  " (one past the largest position used by f, as KeOps does)";
    return fail(name.column, where + ", as " +
                                 describeVariableType(category, f->dim) +
                                 ", but position " + llvm::Twine(position) +
                                 " is " +
                                 describeVariableType(w.category, w.dim) +
                                 " (" + w.origin +
                                 "); pass e explicitly: Grad(f, v, e)");
  }

  MLIRContext *ctx;
  llvm::StringRef text;
  llvm::StringRef source;
  VariableTable &vars;
  FormulaArena &arena;
  std::vector<Token> tokens;
  /// The block whose arguments are the placeholder values of each dimension.
  std::unique_ptr<Block> scratch = std::make_unique<Block>();
  llvm::DenseMap<int64_t, Value> placeholders;
  size_t index = 0;
  int64_t depth = 0;
  std::optional<FormulaDiagnostic> diag;
};

} // namespace

llvm::Expected<FormulaNode *> mlir::kernelred::frontend::parseFormula(
    MLIRContext *ctx, llvm::StringRef text, llvm::StringRef source,
    VariableTable &vars, FormulaArena &arena) {
  Parser parser(ctx, text, source, vars, arena);
  return parser.parse();
}
