//===- Lexer.cpp - tokens of KeOps formula strings ------------------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "lib/Frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"

#include <string>

using namespace mlir::kernelred::frontend;

static bool isIdentifierStart(char c) { return llvm::isAlpha(c) || c == '_'; }

static bool isIdentifierChar(char c) { return llvm::isAlnum(c) || c == '_'; }

static bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

namespace {

/// An operator or delimiter, and what it lexes to.
struct Punctuation {
  llvm::StringLiteral spelling;
  TokenKind kind;
};

/// Every operator and delimiter, longest first where one is a prefix of
/// another. The Python operators formulas do not support lex as
/// Unsupported (the parser says what to write instead); any other character
/// is Invalid.
constexpr Punctuation kPunctuation[] = {
    {"**", TokenKind::StarStar},     {"//", TokenKind::Unsupported},
    {"==", TokenKind::EqualEqual},   {"!=", TokenKind::NotEqual},
    {"<=", TokenKind::LessEqual},    {"<<", TokenKind::Unsupported},
    {">=", TokenKind::GreaterEqual}, {">>", TokenKind::Unsupported},
    {"(", TokenKind::LParen},        {")", TokenKind::RParen},
    {"[", TokenKind::LBracket},      {"]", TokenKind::RBracket},
    {",", TokenKind::Comma},         {"+", TokenKind::Plus},
    {"-", TokenKind::Minus},         {"|", TokenKind::Pipe},
    {"*", TokenKind::Star},          {"/", TokenKind::Slash},
    {"=", TokenKind::Assign},        {"<", TokenKind::Less},
    {">", TokenKind::Greater},       {"!", TokenKind::Unsupported},
    {"%", TokenKind::Unsupported},   {"@", TokenKind::Unsupported},
    {"&", TokenKind::Unsupported},   {"^", TokenKind::Unsupported},
    {"~", TokenKind::Unsupported},   {":", TokenKind::Unsupported},
    {";", TokenKind::Unsupported},   {".", TokenKind::Unsupported},
    {"{", TokenKind::Unsupported},   {"}", TokenKind::Unsupported},
    {"'", TokenKind::Unsupported},   {"\"", TokenKind::Unsupported},
};

/// Scans one token at a time.
class Scanner {
public:
  explicit Scanner(llvm::StringRef source) : src(source) {}

  Token next() {
    while (pos < src.size() && isSpace(src[pos]))
      ++pos;
    size_t start = pos;
    if (pos >= src.size())
      return make(TokenKind::Eof, start);
    char c = src[pos];
    if (isIdentifierStart(c)) {
      while (pos < src.size() && isIdentifierChar(src[pos]))
        ++pos;
      return make(TokenKind::Identifier, start);
    }
    if (llvm::isDigit(c) || (c == '.' && llvm::isDigit(peek(1))))
      return number(start);

    for (const Punctuation &p : kPunctuation) {
      if (src.substr(pos).starts_with(p.spelling)) {
        pos += p.spelling.size();
        return make(p.kind, start);
      }
    }
    ++pos;
    return make(TokenKind::Invalid, start);
  }

private:
  char peek(size_t ahead) const {
    return pos + ahead < src.size() ? src[pos + ahead] : '\0';
  }

  /// An integer (digits only) or a float literal (digits with a fraction
  /// and/or an exponent, as Python writes them).
  Token number(size_t start) {
    bool isFloat = false;
    while (pos < src.size() && llvm::isDigit(src[pos]))
      ++pos;
    if (pos < src.size() && src[pos] == '.') {
      isFloat = true;
      ++pos;
      while (pos < src.size() && llvm::isDigit(src[pos]))
        ++pos;
    }
    if (pos < src.size() && (src[pos] == 'e' || src[pos] == 'E')) {
      size_t digits = pos + 1;
      if (digits < src.size() && (src[digits] == '+' || src[digits] == '-'))
        ++digits;
      if (digits < src.size() && llvm::isDigit(src[digits])) {
        isFloat = true;
        pos = digits;
        while (pos < src.size() && llvm::isDigit(src[pos]))
          ++pos;
      }
    }
    return make(isFloat ? TokenKind::Float : TokenKind::Integer, start);
  }

  Token make(TokenKind kind, size_t start) const {
    Token t;
    t.kind = kind;
    t.text = src.slice(start, pos);
    t.column = static_cast<int64_t>(start) + 1;
    return t;
  }

  llvm::StringRef src;
  size_t pos = 0;
};

} // namespace

std::vector<Token> mlir::kernelred::frontend::tokenize(llvm::StringRef source) {
  std::vector<Token> tokens;
  Scanner scanner(source);
  while (true) {
    tokens.push_back(scanner.next());
    if (tokens.back().is(TokenKind::Eof))
      break;
  }
  return tokens;
}

std::string mlir::kernelred::frontend::describeToken(const Token &token) {
  if (token.is(TokenKind::Eof))
    return "the end of the input";
  if (token.is(TokenKind::Invalid)) {
    unsigned char c = static_cast<unsigned char>(token.text.front());
    if (llvm::isPrint(c))
      return std::string("'") + static_cast<char>(c) + "'";
    return "byte 0x" + llvm::utohexstr(c, /*LowerCase=*/false, 2);
  }
  llvm::StringRef text = token.text;
  if (text.size() > 32)
    return "'" + text.take_front(29).str() + "...'";
  return "'" + text.str() + "'";
}
