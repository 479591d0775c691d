//===- Lexer.h - tokens of KeOps formula strings ----------------*- C++ -*-===//
//
// Part of the kernelred project.
//
// Splits a formula (or alias) string into tokens. The token set is the one of
// the Python expressions KeOps formulas are written in; operators KeOps cannot
// use are still recognized so that the parser can say why they are rejected.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_FRONTEND_LEXER_H
#define KRED_LIB_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <vector>

namespace mlir::kernelred::frontend {

enum class TokenKind {
  Eof,
  Identifier,
  Integer,
  Float,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Plus,
  Minus,
  Star,
  StarStar,
  Slash,
  Pipe,
  EqualEqual,
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  Assign,
  /// A Python operator or delimiter that formulas do not support
  /// (`%`, `//`, `@`, `&`, `^`, `~`, `<<`, `>>`, `:`, `;`, `.`, `{`, `}`,
  /// quotes, `!`).
  Unsupported,
  /// A byte that is not part of the Python expression syntax (non-ASCII,
  /// control characters, `$`, `?`, ...).
  Invalid,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  /// The token's text (empty at the end of input).
  llvm::StringRef text;
  /// 1-based column of the token's first byte.
  int64_t column = 1;

  bool is(TokenKind k) const { return kind == k; }
};

/// Tokenizes `source`. Whitespace (space, tab, newlines) separates tokens.
/// The result always ends with an Eof token whose column is one past the end.
std::vector<Token> tokenize(llvm::StringRef source);

/// A short, printable description of a token for diagnostics, e.g. "')'",
/// "'Exp'", "the end of the input".
std::string describeToken(const Token &token);

} // namespace mlir::kernelred::frontend

#endif // KRED_LIB_FRONTEND_LEXER_H
