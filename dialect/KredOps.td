//===- KredOps.td - kernelred operations -------------------*- tablegen -*-===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_OPS_TD
#define KRED_OPS_TD

include "dialect/KredDialect.td"
include "dialect/KredAttrs.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

/// A 64-bit integer attribute stored as `i64` (like I64Attr) whose accessor
/// returns a signed `int64_t`. I64Attr's accessors zero-extend to `uint64_t`,
/// which turns negative constants, bounds and exponents into huge numbers.
def Kred_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
    "64-bit integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

/// A formula value: a small vector of floats, `vector<D x T>`.
def Kred_Value : FixedVectorOfRankAndType<[1], [F16, BF16, F32, F64]>;

//===----------------------------------------------------------------------===//
// KeOps spellings: how formula strings call each op
//
// kred-tblgen (tools/kred-tblgen) reads `keopsForms` and `keopsDims` into the
// formula parser's op table (lib/Frontend) and the operation table of
// docs/formula-language.md. The dimension rule itself is the op's type
// inference, which the frontend asks.
//===----------------------------------------------------------------------===//

/// One way a KeOps formula calls an op: `name(args)`.
///  - args: one letter per argument: `f` a formula and `v` a variable (the
///    operands, in order), `i` an integer literal and `s` an index sequence
///    (they set the attributes `attrs`, in order); the arguments after a `?`
///    are optional.
///  - usage: how the call is written, e.g. "Pow(f, m)" (in diagnostics).
///  - hook: empty when the call is the op applied to its arguments; else the
///    frontend routine that builds it (lib/Frontend/Parser.cpp, buildHook).
///  - dims: the result dimension for the docs, when not the op's keopsDims.
class KeOpsForm<string name_, string args_, string usage_,
                list<string> attrs_ = [], string hook_ = "",
                string dims_ = ""> {
  string name = name_;
  string args = args_;
  string usage = usage_;
  list<string> attrs = attrs_;
  string hook = hook_;
  string dims = dims_;
}

/// Base class of the formula ops: pure, result type inferred from operands.
class Kred_FormulaOp<string mnemonic, list<Trait> traits = []>
    : Kred_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let results = (outs Kred_Value:$result);
  /// The KeOps calls of the op (none for the internal ops).
  list<KeOpsForm> keopsForms = [];
  /// The result dimension rule, for the docs ("d": the first operand's).
  string keopsDims = "";
}

//===----------------------------------------------------------------------===//
// Constants (KEOPS_REFERENCE §1a)
//===----------------------------------------------------------------------===//

def Kred_IntCstOp : Kred_Op<"intcst", [ConstantLike, Pure]> {
  list<KeOpsForm> keopsForms = [KeOpsForm<"IntCst", "i", "IntCst(n)", ["value"], "constant">];
  string keopsDims = "1";
  let summary = "integer constant (KeOps `IntCst(n)`), dimension 1";
  let description = [{
    An integer constant compiled into the kernel. KeOps writes `IntCst(n)`,
    and integer literals in formulas mean the same.

    ```mlir
    %two = kernelred.intcst 2 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_I64Attr:$value);
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Kred_RatCstOp : Kred_Op<"ratcst", [ConstantLike, Pure]> {
  list<KeOpsForm> keopsForms = [KeOpsForm<"RatCst", "ii", "RatCst(p, q)", ["num", "den"], "constant">,
      KeOpsForm<"IntInv", "i", "IntInv(n)", ["den"], "intinv", "1; n ≠ 0 (`RatCst(1, n)`)">];
  string keopsDims = "1; q ≠ 0";
  let summary = "rational constant (KeOps `RatCst(p, q)`, `IntInv(n)`), dimension 1";
  let description = [{
    The rational number `num / den`, computed in the element type.
    `IntInv(n)` is `RatCst(1, n)`.

    ```mlir
    %third = kernelred.ratcst 1, 3 : vector<1xf64>
    ```
  }];
  let arguments = (ins Kred_I64Attr:$num, Kred_I64Attr:$den);
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "$num `,` $den attr-dict `:` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Kred_ZeroOp : Kred_Op<"zero", [ConstantLike, Pure]> {
  list<KeOpsForm> keopsForms = [KeOpsForm<"Zero", "i", "Zero(dim)", [], "zero">];
  string keopsDims = "dim";
  let summary = "zero vector (KeOps `Zero(d)`)";
  let description = [{
    ```mlir
    %z = kernelred.zero : vector<3xf32>
    ```
  }];
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Kred_ConstantOp : Kred_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "float vector constant (produced by constant folding)";
  let description = [{
    ```mlir
    %c = kernelred.constant dense<[1.0, 2.5]> : vector<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kred_Value:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Unary ops whose result has the operand's type (§1b, §1c, §1e)
//===----------------------------------------------------------------------===//

class Kred_UnaryOp<string mnemonic, string keopsName, string meaning,
                   list<Trait> traits = []>
    : Kred_FormulaOp<mnemonic, traits> {
  let keopsForms = [KeOpsForm<keopsName, "f", keopsName # "(f)">];
  let keopsDims = "d";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "Componentwise `" # keopsName # "`.\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %x : vector<3xf32>\n```";
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kred_NegOp : Kred_UnaryOp<"neg", "Minus", "negation (unary -)"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_InvOp : Kred_UnaryOp<"inv", "Inv", "reciprocal 1/x"> {
  let hasFolder = 1;
}
def Kred_SquareOp : Kred_UnaryOp<"square", "Square", "square x*x"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_SqrtOp : Kred_UnaryOp<"sqrt", "Sqrt", "square root"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_RsqrtOp : Kred_UnaryOp<"rsqrt", "Rsqrt",
    "reciprocal square root, 0 at 0 (KeOps convention)"> {
  let hasFolder = 1;
}
def Kred_ExpOp : Kred_UnaryOp<"exp", "Exp", "exponential"> {
  let hasFolder = 1;
}
def Kred_LogOp : Kred_UnaryOp<"log", "Log", "natural logarithm"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_XLogXOp : Kred_UnaryOp<"xlogx", "XLogX", "x*log(x), 0 at 0"> {
  let hasFolder = 1;
}
def Kred_SinOp : Kred_UnaryOp<"sin", "Sin", "sine"> { let hasFolder = 1; }
def Kred_CosOp : Kred_UnaryOp<"cos", "Cos", "cosine"> { let hasFolder = 1; }
def Kred_SinXDivXOp : Kred_UnaryOp<"sinxdivx", "SinXDivX", "sin(x)/x, 1 at 0"> {
  let hasFolder = 1;
}
def Kred_AsinOp : Kred_UnaryOp<"asin", "Asin", "arcsine"> { let hasFolder = 1; }
def Kred_AcosOp : Kred_UnaryOp<"acos", "Acos", "arccosine"> { let hasFolder = 1; }
def Kred_AtanOp : Kred_UnaryOp<"atan", "Atan", "arctangent"> { let hasFolder = 1; }
def Kred_AbsOp : Kred_UnaryOp<"abs", "Abs", "absolute value"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_SignOp : Kred_UnaryOp<"sign", "Sign", "sign: -1, 0 or 1"> {
  let hasFolder = 1;
}
def Kred_StepOp : Kred_UnaryOp<"step", "Step", "0 if x < 0 else 1"> {
  let hasFolder = 1;
}
def Kred_ReLUOp : Kred_UnaryOp<"relu", "ReLU", "max(x, 0)"> { let hasFolder = 1; }
def Kred_FloorOp : Kred_UnaryOp<"floor", "Floor", "floor"> { let hasFolder = 1; }
def Kred_NormalizeOp : Kred_UnaryOp<"normalize", "Normalize",
    "x / |x| (Rsqrt(SqNorm2(x)) * x)"> {
  let hasFolder = 1;
}

def Kred_PowOp : Kred_FormulaOp<"pow"> {
  let keopsForms = [KeOpsForm<"Pow", "fi", "Pow(f, m)", ["exponent"]>];
  let keopsDims = "d";
  let summary = "integer power (KeOps `Pow(f, m)`)";
  let description = [{
    ```mlir
    %r = kernelred.pow %x, 3 : vector<2xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$exponent);
  let assemblyFormat = "$input `,` $exponent attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kred_RoundOp : Kred_FormulaOp<"round"> {
  let keopsForms = [KeOpsForm<"Round", "fi", "Round(f, d)", ["decimals"]>];
  let keopsDims = "d";
  let summary = "round to `decimals` decimals (KeOps `Round(f, d)`)";
  let description = [{
    ```mlir
    %r = kernelred.round %x, 2 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$decimals);
  let assemblyFormat = "$input `,` $decimals attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_ClampIntOp : Kred_FormulaOp<"clampint"> {
  let keopsForms = [KeOpsForm<"ClampInt", "fii", "ClampInt(f, a, b)", ["lo", "hi"]>];
  let keopsDims = "d; a ≤ b";
  let summary = "clamp to integer bounds (KeOps `ClampInt(f, a, b)`)";
  let description = [{
    ```mlir
    %r = kernelred.clampint %x, 0, 1 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$lo,
                       Kred_I64Attr:$hi);
  let assemblyFormat = "$input `,` $lo `,` $hi attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_DiffClampIntOp : Kred_FormulaOp<"diffclampint"> {
  let keopsForms = [KeOpsForm<"DiffClampInt", "fii", "DiffClampInt(f, a, b)", ["lo", "hi"]>];
  let keopsDims = "d; a ≤ b";
  let summary = "indicator of lo <= x <= hi (KeOps `DiffClampInt`)";
  let description = [{
    The derivative of `ClampInt`: 1 where `lo <= x <= hi`, 0 elsewhere.

    ```mlir
    %r = kernelred.diffclampint %x, 0, 1 : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$lo,
                       Kred_I64Attr:$hi);
  let assemblyFormat = "$input `,` $lo `,` $hi attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Unary ops to dimension 1 (§1e)
//===----------------------------------------------------------------------===//

class Kred_ToScalarOp<string mnemonic, string keopsName, string meaning>
    : Kred_FormulaOp<mnemonic> {
  let keopsForms = [KeOpsForm<keopsName, "f", keopsName # "(f)">];
  let keopsDims = "1";
  let summary = meaning # " (KeOps `" # keopsName # "`), dimension 1";
  let description = "Reduces the components of one formula value.\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %x : vector<3xf32>\n```";
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_SumOp : Kred_ToScalarOp<"sum", "Sum", "sum of the components"> {
  let hasCanonicalizer = 1;
}
def Kred_MaxOp : Kred_ToScalarOp<"max", "Max", "largest component">;
def Kred_MinOp : Kred_ToScalarOp<"min", "Min", "smallest component">;
def Kred_ArgMaxOp : Kred_ToScalarOp<"argmax", "ArgMax",
    "index of the largest component, as a float">;
def Kred_ArgMinOp : Kred_ToScalarOp<"argmin", "ArgMin",
    "index of the smallest component, as a float">;
def Kred_SqNorm2Op : Kred_ToScalarOp<"sqnorm2", "SqNorm2", "squared norm"> {
  let hasCanonicalizer = 1;
}
def Kred_Norm2Op : Kred_ToScalarOp<"norm2", "Norm2", "Euclidean norm"> {
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Shape-changing unary ops with integer parameters (§1e)
//===----------------------------------------------------------------------===//

def Kred_SumTOp : Kred_FormulaOp<"sumt"> {
  let keopsForms = [KeOpsForm<"SumT", "fi", "SumT(f, dim)", ["dim"]>];
  let keopsDims = "dim; f scalar";
  let summary = "replicate a scalar to `dim` components (KeOps `SumT(f, d)`)";
  let description = [{
    The adjoint of `kernelred.sum`.

    ```mlir
    %r = kernelred.sumt %s dim 3 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$dim);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_ElemOp : Kred_FormulaOp<"elem"> {
  let keopsForms = [KeOpsForm<"Elem", "fi", "Elem(f, m)", ["index"]>];
  let keopsDims = "1; 0 ≤ m < d";
  let summary = "component `index` (KeOps `Elem(f, m)`, LazyTensor `x[m]`)";
  let description = [{
    ```mlir
    %r = kernelred.elem %x[1] : vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$index);
  let assemblyFormat = "$input `[` $index `]` attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kred_ElemTOp : Kred_FormulaOp<"elemt"> {
  let keopsForms = [KeOpsForm<"ElemT", "fii", "ElemT(f, n, m)", ["dim", "index"]>];
  let keopsDims = "n; f scalar, 0 ≤ m < n";
  let summary = "scalar put at `index` of a zero vector (KeOps `ElemT(f, n, m)`)";
  let description = [{
    ```mlir
    %r = kernelred.elemt %s dim 3 at 1 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$dim,
                       Kred_I64Attr:$index);
  let assemblyFormat =
      "$input `dim` $dim `at` $index attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_ExtractOp : Kred_FormulaOp<"extract"> {
  let keopsForms = [KeOpsForm<"Extract", "fii", "Extract(f, start, dim)", ["start", "length"]>];
  let keopsDims = "dim; inside f";
  let summary = "sub-vector [start, start+length) (KeOps `Extract(f, start, dim)`)";
  let description = [{
    ```mlir
    %r = kernelred.extract %x[1 : 2] : vector<4xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$start,
                       Kred_I64Attr:$length);
  let assemblyFormat =
      "$input `[` $start `:` $length `]` attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kred_ExtractTOp : Kred_FormulaOp<"extractt"> {
  let keopsForms = [KeOpsForm<"ExtractT", "fii", "ExtractT(f, start, dim)", ["start", "dim"]>];
  let keopsDims = "dim; f fits at start";
  let summary = "embed into a zero vector of `dim` at `start` (KeOps `ExtractT(f, start, dim)`)";
  let description = [{
    ```mlir
    %r = kernelred.extractt %x dim 5 at 1 : vector<2xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$dim,
                       Kred_I64Attr:$start);
  let assemblyFormat =
      "$input `dim` $dim `at` $start attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Kred_OneHotOp : Kred_FormulaOp<"onehot"> {
  let keopsForms = [KeOpsForm<"OneHot", "fi", "OneHot(f, dim)", ["dim"]>];
  let keopsDims = "dim; f scalar";
  let summary = "one-hot vector of round(x) (KeOps `OneHot(f, D)`)";
  let description = [{
    ```mlir
    %r = kernelred.onehot %s dim 4 : vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$dim);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops with dim-1 broadcasting (§1b, §1c, §1d)
//===----------------------------------------------------------------------===//

class Kred_BroadcastBinaryOp<string mnemonic, string keopsName, string meaning,
                             list<Trait> traits = []>
    : Kred_FormulaOp<mnemonic, traits> {
  let keopsForms = [KeOpsForm<keopsName, "ff", keopsName # "(f, g)">];
  let keopsDims = "broadcast";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "Componentwise `" # keopsName # "`; an operand of "
      # "dimension 1 broadcasts.\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %x, %y : vector<3xf32>\n"
      # "%s = kernelred." # mnemonic
      # " %a, %y : vector<1xf32>, vector<3xf32>\n```";
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` custom<KredTypes>(type($lhs), type($rhs))";
}

def Kred_AddOp : Kred_BroadcastBinaryOp<"add", "Add", "addition (+)",
    [Commutative]> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_SubOp : Kred_BroadcastBinaryOp<"sub", "Subtract", "subtraction (-)"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_MulOp : Kred_BroadcastBinaryOp<"mul", "Mult", "product (*)",
    [Commutative]> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_DivOp : Kred_BroadcastBinaryOp<"div", "Divide", "division (/)"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_PowfOp : Kred_BroadcastBinaryOp<"powf", "Powf", "real power x^y"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_Atan2Op : Kred_BroadcastBinaryOp<"atan2", "Atan2",
    "two-argument arctangent atan2(y, x)"> {
  let hasFolder = 1;
}
def Kred_EqualOp : Kred_BroadcastBinaryOp<"equal", "Equal",
    "1 where x == y else 0 (==)"> {
  let hasFolder = 1;
}
def Kred_NotEqualOp : Kred_BroadcastBinaryOp<"notequal", "NotEqual",
    "1 where x != y else 0 (!=)"> {
  let hasFolder = 1;
}
def Kred_LessThanOp : Kred_BroadcastBinaryOp<"lessthan", "LessThan",
    "1 where x < y else 0 (<, and > with operands swapped)"> {
  let hasFolder = 1;
}
def Kred_LessOrEqualOp : Kred_BroadcastBinaryOp<"lessorequal", "LessOrEqual",
    "1 where x <= y else 0 (<=, and >= with operands swapped)"> {
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ternary ops with dim-1 broadcasting (§1c)
//===----------------------------------------------------------------------===//

class Kred_BroadcastTernaryOp<string mnemonic, string keopsName,
                              string meaning, string a, string b, string c>
    : Kred_FormulaOp<mnemonic> {
  let keopsDims = "broadcast of the three";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "Componentwise; operands of dimension 1 broadcast.\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %a, %b, %c : vector<3xf32>\n"
      # "%s = kernelred." # mnemonic
      # " %a, %b, %s : vector<3xf32>, vector<3xf32>, vector<1xf32>\n```";
  let assemblyFormat = "$" # a # " `,` $" # b # " `,` $" # c
      # " attr-dict `:` custom<KredTypes>(type($" # a # "), type($" # b
      # "), type($" # c # "))";
}

def Kred_IfElseOp : Kred_BroadcastTernaryOp<"ifelse", "IfElse",
    "`a` where `cond` >= 0, else `b`", "cond", "a", "b"> {
  let keopsForms = [KeOpsForm<"IfElse", "fff", "IfElse(c, a, b)">];
  let arguments = (ins Kred_Value:$cond, Kred_Value:$a, Kred_Value:$b);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_ClampOp : Kred_BroadcastTernaryOp<"clamp", "Clamp",
    "clamp `input` to [lo, hi]", "input", "lo", "hi"> {
  let keopsForms = [KeOpsForm<"Clamp", "fff", "Clamp(f, a, b)">];
  let arguments = (ins Kred_Value:$input, Kred_Value:$lo, Kred_Value:$hi);
  let hasFolder = 1;
}
def Kred_ModOp : Kred_BroadcastTernaryOp<"mod", "Mod",
    "x - n*floor((x - offset)/n)", "input", "modulus", "offset"> {
  let keopsForms = [KeOpsForm<"Mod", "fff", "Mod(f, n, offset)">];
  let arguments = (ins Kred_Value:$input, Kred_Value:$modulus,
                       Kred_Value:$offset);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Vector-level binary and ternary ops (§1b, §1e, §1f, §1g)
//===----------------------------------------------------------------------===//

class Kred_VectorBinaryOp<string mnemonic, string keopsName, string meaning,
                          string example>
    : Kred_FormulaOp<mnemonic> {
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "```mlir\n" # example # "\n```";
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` custom<KredTypes>(type($lhs), type($rhs))";
}

def Kred_ScalProdOp : Kred_VectorBinaryOp<"scalprod", "Scalprod",
    "scalar product (f|g), dimension 1; one side may be scalar",
    "%r = kernelred.scalprod %x, %y : vector<3xf32>"> {
  let keopsForms = [KeOpsForm<"Scalprod", "ff", "Scalprod(f, g)">];
  let keopsDims = "1; broadcast";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_SqDistOp : Kred_VectorBinaryOp<"sqdist", "SqDist",
    "squared distance |f-g|^2, dimension 1",
    "%r = kernelred.sqdist %x, %y : vector<3xf32>"> {
  let keopsForms = [KeOpsForm<"SqDist", "ff", "SqDist(f, g)">];
  let keopsDims = "1; broadcast";
  let hasFolder = 1;
}
def Kred_ConcatOp : Kred_VectorBinaryOp<"concat", "Concat",
    "concatenation",
    "%r = kernelred.concat %x, %y : vector<3xf32>, vector<1xf32>"> {
  let keopsForms = [KeOpsForm<"Concat", "ff", "Concat(f, g)">];
  let keopsDims = "d + dim g";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}
def Kred_MatVecMultOp : Kred_VectorBinaryOp<"matvecmult", "MatVecMult",
    "row-major matrix (n*p) times vector (p), dimension n",
    "%r = kernelred.matvecmult %a, %b : vector<6xf32>, vector<3xf32>"> {
  let keopsForms = [KeOpsForm<"MatVecMult", "ff", "MatVecMult(A, b)">];
  let keopsDims = "dim A / dim b (row-major)";
  let hasFolder = 1;
}
def Kred_VecMatMultOp : Kred_VectorBinaryOp<"vecmatmult", "VecMatMult",
    "vector (n) times row-major matrix (n*p), dimension p",
    "%r = kernelred.vecmatmult %b, %a : vector<2xf32>, vector<6xf32>"> {
  let keopsForms = [KeOpsForm<"VecMatMult", "ff", "VecMatMult(b, A)">];
  let keopsDims = "dim A / dim b";
  let hasFolder = 1;
}
def Kred_TensorProdOp : Kred_VectorBinaryOp<"tensorprod", "TensorProd",
    "outer product f g^T, row-major, dimension m*n",
    "%r = kernelred.tensorprod %x, %y : vector<2xf32>, vector<3xf32>"> {
  let keopsForms = [KeOpsForm<"TensorProd", "ff", "TensorProd(f, g)">];
  let keopsDims = "d · dim g";
  let hasFolder = 1;
}
def Kred_DifferenceMatrixOp : Kred_VectorBinaryOp<"differencematrix",
    "DifferenceMatrix",
    "all differences x_k - y_l, at l * dim(x) + k (a dim(y) x dim(x) "
    "row-major matrix)",
    "%r = kernelred.differencematrix %x, %y : vector<3xf32>, vector<2xf32>"> {
  let keopsForms = [KeOpsForm<"DifferenceMatrix", "ff",
                              "DifferenceMatrix(x, y)">];
  let keopsDims = "d · dim y; entry l · d + k is x_k − y_l (KeOps' sandbox op)";
}
def Kred_WeightedSqNormOp : Kred_VectorBinaryOp<"weightedsqnorm",
    "WeightedSqNorm",
    "weighted squared norm: s*|f|^2 (dim s = 1), sum s_k f_k^2 (dim s = D) "
    "or sum s_kl f_k f_l (dim s = D*D)",
    "%r = kernelred.weightedsqnorm %s, %x : vector<1xf32>, vector<3xf32>"> {
  let keopsForms = [KeOpsForm<"WeightedSqNorm", "ff", "WeightedSqNorm(s, f)">,
      KeOpsForm<"SqNormIso", "ff", "SqNormIso(s, f)", [], "SqNormIso", "1; dim s = 1">,
      KeOpsForm<"SqNormDiag", "ff", "SqNormDiag(s, f)", [], "SqNormDiag", "1; dim s ∈ {1, dim f}">,
      KeOpsForm<"SymSqNorm", "ff", "SymSqNorm(s, f)", [], "SymSqNorm", "1; dim s ∈ {1, (dim f)²}">];
  let keopsDims = "1; dim s ∈ {1, dim f, (dim f)²}";
  let hasFolder = 1;
}

def Kred_WeightedSqDistOp : Kred_FormulaOp<"weightedsqdist"> {
  let keopsForms = [KeOpsForm<"WeightedSqDist", "fff", "WeightedSqDist(s, f, g)">];
  let keopsDims = "1; f, g broadcast, s as for `WeightedSqNorm`";
  let summary = "WeightedSqNorm(s, f - g) (KeOps `WeightedSqDist(s, f, g)`)";
  let description = [{
    ```mlir
    %r = kernelred.weightedsqdist %s, %x, %y : vector<9xf32>, vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$weight, Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat = "$weight `,` $lhs `,` $rhs attr-dict `:` "
      "custom<KredTypes>(type($weight), type($lhs), type($rhs))";
  let hasFolder = 1;
}

def Kred_TensorDotOp : Kred_FormulaOp<"tensordot"> {
  let keopsForms = [KeOpsForm<"TensorDot", "ffssss?s",
      "TensorDot(f, g, dims_f, dims_g, contract_f, contract_g[, permute])",
      ["dims_a", "dims_b", "contract_a", "contract_b", "permute"]>];
  let keopsDims = "product of the kept axes; KeOps' checks and `permute` semantics";
  let summary = "numpy-style tensordot on flat vectors (KeOps `TensorDot`)";
  let description = [{
    `a` and `b` are row-major tensors of shapes `dims_a` and `dims_b`; the
    axes `contract_a[k]` of `a` and `contract_b[k]` of `b` are summed over.
    The kept axes of `a` then of `b` form the result, optionally permuted by
    `permute` as in KeOps: kept axis `q` becomes axis `permute[q]` of the
    result (so `kernelred.kron` is a tensordot without contraction and with
    `permute = [0, 2, 4, ..., 1, 3, 5, ...]`).

    ```mlir
    %r = kernelred.tensordot %a, %v dims [3, 3] x [3] contract [1] x [0]
           : vector<9xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs,
                       DenseI64ArrayAttr:$dims_a, DenseI64ArrayAttr:$dims_b,
                       DenseI64ArrayAttr:$contract_a,
                       DenseI64ArrayAttr:$contract_b,
                       OptionalAttr<DenseI64ArrayAttr>:$permute);
  let assemblyFormat = [{
    $lhs `,` $rhs `dims` $dims_a `x` $dims_b `contract` $contract_a `x`
    $contract_b (`permute` $permute^)? attr-dict `:`
    custom<KredTypes>(type($lhs), type($rhs))
  }];
  let hasFolder = 1;
}

def Kred_KronOp : Kred_FormulaOp<"kron"> {
  let keopsForms = [KeOpsForm<"Kron", "ffss", "Kron(f, g, dims_f, dims_g)", ["dims_a", "dims_b"]>];
  let keopsDims = "d · dim g; same number of axes";
  let summary = "Kronecker product of two tensors (KeOps `Kron`)";
  let description = [{
    Like `numpy.kron` on row-major tensors with the same number of axes.

    ```mlir
    %r = kernelred.kron %a, %b dims [2, 2] x [3, 3] : vector<4xf32>, vector<9xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs,
                       DenseI64ArrayAttr:$dims_a, DenseI64ArrayAttr:$dims_b);
  let assemblyFormat = [{
    $lhs `,` $rhs `dims` $dims_a `x` $dims_b attr-dict `:`
    custom<KredTypes>(type($lhs), type($rhs))
  }];
  let hasFolder = 1;
}

def Kred_BSplineOp : Kred_FormulaOp<"bspline"> {
  let keopsForms = [KeOpsForm<"BSpline", "ffi", "BSpline(knots, x, order)", ["order"], "bspline">];
  let keopsDims = "dim knots − order − 1 (`bspline` + `extract`: KeOps keeps the first values of the De Boor table); x scalar, dim knots ≥ order + 2";
  let summary = "B-spline basis values at scalar x (KeOps `BSpline(knots, x, order)`)";
  let description = [{
    De Boor's recursion over the `knots`; the result has `dim(knots) - 1`
    components, of which the first `dim(knots) - order - 1` are the basis
    functions of the given order (KeOps' layout).

    ```mlir
    %r = kernelred.bspline %knots, %x order 3 : vector<8xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$knots, Kred_Value:$x, Kred_I64Attr:$order);
  let assemblyFormat = [{
    $knots `,` $x `order` $order attr-dict `:`
    custom<KredTypes>(type($knots), type($x))
  }];
}

def Kred_SoftDTWSqDistOp : Kred_FormulaOp<"softdtw_sqdist"> {
  let keopsForms = [KeOpsForm<"SoftDTW_SqDist", "fff", "SoftDTW_SqDist(x, y, gamma)">];
  let keopsDims = "1; gamma scalar";
  let summary = "soft-DTW between two series with squared-Euclidean cost "
                "(KeOps `SoftDTW_SqDist(x, y, gamma)`), dimension 1";
  let description = [{
    ```mlir
    %r = kernelred.softdtw_sqdist %x, %y, %g : vector<5xf32>, vector<4xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$x, Kred_Value:$y, Kred_Value:$gamma);
  let assemblyFormat = [{
    $x `,` $y `,` $gamma attr-dict `:`
    custom<KredTypes>(type($x), type($y), type($gamma))
  }];
}

//===----------------------------------------------------------------------===//
// Real helper ops used by the expansion of the complex ops
//===----------------------------------------------------------------------===//

def Kred_ExtractStridedOp : Kred_FormulaOp<"extract_strided"> {
  let summary = "every `stride`-th component from `start` (`length` of them)";
  let description = [{
    `result[k] = input[start + k * stride]` for `0 <= k < length`; with
    `stride = 1` this is `kernelred.extract`. The expansion of the complex
    ops uses it to split interleaved (re, im) pairs.

    ```mlir
    %re = kernelred.extract_strided %z[0 : 3 : 2] : vector<6xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$start,
                       Kred_I64Attr:$length, Kred_I64Attr:$stride);
  let assemblyFormat = [{
    $input `[` $start `:` $length `:` $stride `]` attr-dict `:` type($input)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kred_InterleaveOp : Kred_FormulaOp<"interleave"> {
  let summary = "interleave two vectors: (a0, b0, a1, b1, ...)";
  let description = [{
    `result[2k] = lhs[k]`, `result[2k + 1] = rhs[k]`: the result has twice
    the broadcast dimension of the operands (an operand of dimension 1
    broadcasts). The expansion of the complex ops uses it to build
    interleaved (re, im) pairs.

    ```mlir
    %z = kernelred.interleave %re, %im : vector<3xf32>
    %r = kernelred.interleave %x, %zero : vector<3xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` custom<KredTypes>(type($lhs), type($rhs))";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Complex ops (KEOPS_REFERENCE §1h)
//
// A complex vector of dimension n is a formula value of dimension 2n holding
// interleaved (re, im) pairs. These ops are expanded into real kernelred ops
// by populateExpandComplexPatterns (lib/Transforms/ExpandComplex.h) before any
// lowering, which therefore never sees them.
//===----------------------------------------------------------------------===//

/// Complex vector (dimension 2n) to a real one (dimension n).
class Kred_ComplexToRealOp<string mnemonic, string keopsName, string meaning>
    : Kred_FormulaOp<mnemonic> {
  let keopsForms = [KeOpsForm<keopsName, "f", keopsName # "(z)">];
  let keopsDims = "d / 2; d even";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "The operand holds interleaved (re, im) pairs (even "
      # "dimension 2n); the result has one real component per complex "
      # "component (dimension n).\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %z : vector<6xf32>\n```";
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kred_ComplexRealOp : Kred_ComplexToRealOp<"complexreal", "ComplexReal",
    "real parts">;
def Kred_ComplexImagOp : Kred_ComplexToRealOp<"compleximag", "ComplexImag",
    "imaginary parts">;
def Kred_ComplexAbsOp : Kred_ComplexToRealOp<"complexabs", "ComplexAbs",
    "moduli |z|">;
def Kred_ComplexSquareAbsOp : Kred_ComplexToRealOp<"complexsquareabs",
    "ComplexSquareAbs", "squared moduli |z|^2">;
def Kred_ComplexAngleOp : Kred_ComplexToRealOp<"complexangle", "ComplexAngle",
    "arguments atan2(im, re)">;

/// Real vector (dimension n) to a complex one (dimension 2n).
class Kred_RealToComplexOp<string mnemonic, string keopsName, string meaning>
    : Kred_FormulaOp<mnemonic> {
  let keopsForms = [KeOpsForm<keopsName, "f", keopsName # "(f)">];
  let keopsDims = "2d";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "The result holds one complex number, as an interleaved "
      # "(re, im) pair, per component of the real operand (dimension 2n).\n\n"
      # "```mlir\n%z = kernelred." # mnemonic # " %x : vector<3xf32>\n```";
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kred_Real2ComplexOp : Kred_RealToComplexOp<"real2complex", "Real2Complex",
    "x + 0i">;
def Kred_Imag2ComplexOp : Kred_RealToComplexOp<"imag2complex", "Imag2Complex",
    "0 + ix">;
def Kred_ComplexExp1jOp : Kred_RealToComplexOp<"complexexp1j", "ComplexExp1j",
    "exp(ix) = cos(x) + i sin(x)">;

/// Complex vector to a complex vector of the same dimension.
class Kred_ComplexUnaryOp<string mnemonic, string keopsName, string meaning>
    : Kred_FormulaOp<mnemonic> {
  let keopsForms = [KeOpsForm<keopsName, "f", keopsName # "(z)">];
  let keopsDims = "d; d even";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "Componentwise on interleaved (re, im) pairs (even "
      # "dimension).\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %z : vector<6xf32>\n```";
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kred_ConjOp : Kred_ComplexUnaryOp<"conj", "Conj", "complex conjugate">;
def Kred_ComplexExpOp : Kred_ComplexUnaryOp<"complexexp", "ComplexExp",
    "complex exponential">;

def Kred_ComplexSumOp : Kred_FormulaOp<"complexsum"> {
  let keopsForms = [KeOpsForm<"ComplexSum", "f", "ComplexSum(z)">];
  let keopsDims = "2; d even";
  let summary = "sum of the complex components (KeOps `ComplexSum`), "
                "dimension 2";
  let description = [{
    ```mlir
    %s = kernelred.complexsum %z : vector<6xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kred_ComplexSumTOp : Kred_FormulaOp<"complexsumt"> {
  let keopsForms = [KeOpsForm<"ComplexSumT", "fi", "ComplexSumT(z, dim)", ["dim"]>];
  let keopsDims = "dim; z one complex number (dimension 2), dim even";
  let summary = "replicate a complex scalar to `dim` real components "
                "(KeOps `ComplexSumT(f, dim)`)";
  let description = [{
    The adjoint of `kernelred.complexsum`: the operand is one complex number
    (dimension 2) and `dim` (even) is the real dimension of the result, as in
    KeOps.

    ```mlir
    %z = kernelred.complexsumt %s dim 6 : vector<2xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$input, Kred_I64Attr:$dim);
  let assemblyFormat = "$input `dim` $dim attr-dict `:` type($input)";
}

/// Componentwise complex binary op; a complex scalar (dimension 2)
/// broadcasts against a complex vector.
class Kred_ComplexBinaryOp<string mnemonic, string keopsName, string meaning>
    : Kred_FormulaOp<mnemonic> {
  let keopsForms = [KeOpsForm<keopsName, "ff", keopsName # "(z, w)">];
  let keopsDims = "both even; equal, or one of them 2 (a single complex number broadcasts)";
  let summary = meaning # " (KeOps `" # keopsName # "`)";
  let description = "Componentwise on interleaved (re, im) pairs (even "
      # "dimensions); an operand of dimension 2 (one complex number) "
      # "broadcasts.\n\n"
      # "```mlir\n%r = kernelred." # mnemonic # " %a, %b : vector<6xf32>\n"
      # "%s = kernelred." # mnemonic
      # " %c, %b : vector<2xf32>, vector<6xf32>\n```";
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` custom<KredTypes>(type($lhs), type($rhs))";
}

def Kred_ComplexAddOp : Kred_ComplexBinaryOp<"complexadd", "ComplexAdd",
    "complex addition">;
def Kred_ComplexSubtractOp : Kred_ComplexBinaryOp<"complexsubtract",
    "ComplexSubtract", "complex subtraction">;
def Kred_ComplexMultOp : Kred_ComplexBinaryOp<"complexmult", "ComplexMult",
    "complex product">;
def Kred_ComplexDivideOp : Kred_ComplexBinaryOp<"complexdivide",
    "ComplexDivide", "complex division">;

def Kred_ComplexRealScalOp : Kred_FormulaOp<"complexrealscal"> {
  let keopsForms = [KeOpsForm<"ComplexRealScal", "ff", "ComplexRealScal(s, z)">];
  let keopsDims = "dim z; one operand a real scalar, the other complex (either order, as in KeOps)";
  let summary = "real scalar times complex vector (KeOps `ComplexRealScal`)";
  let description = [{
    One operand is a real scalar (dimension 1), the other a complex vector
    (even dimension), in either order as in KeOps; the result has the
    complex vector's dimension.

    ```mlir
    %r = kernelred.complexrealscal %s, %z : vector<1xf32>, vector<6xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$lhs, Kred_Value:$rhs);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` custom<KredTypes>(type($lhs), type($rhs))";
}

//===----------------------------------------------------------------------===//
// Symbolic differential operators (§1i), eliminated by kred-autodiff
//===----------------------------------------------------------------------===//

def Kred_GradOp : Kred_FormulaOp<"grad"> {
  let keopsForms = [KeOpsForm<"Grad", "fv?f", "Grad(f, v[, e])", [], "grad">,
      KeOpsForm<"AdjointOperator", "fvf", "AdjointOperator(f, v, u)", [], "",
                "dim v; f linear in v, dim u = dim f">,
      KeOpsForm<"GradFromPos", "fvi", "GradFromPos(f, v, i)", [], "gradfrompos",
                "dim v; `Grad(f, v, e)` with e = `Var(i, dim f, 1 − category of v)` (KeOps 1)">,
      KeOpsForm<"SumLinOperator", "fv?ff", "SumLinOperator(f, v[, wl[, wr]])",
                [], "sumlin",
                "1; f linear in v: `Sum(wr * Grad(f, v, wl))`, dim wl 1 or dim f, dim wr 1 or dim v">];
  let keopsDims = "dim v; dim e = dim f (e omitted: see below)";
  let summary = "reverse-mode derivative (KeOps `Grad(F, V, E)`)";
  let description = [{
    The adjoint of dF/dV applied to E: a value with V's type. `var` must be a
    variable of the enclosing `kernelred.reduce`; `dir` has F's dimension.

    ```mlir
    %g = kernelred.grad %f wrt %x dir %e : vector<1xf32>, vector<3xf32>, vector<1xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$formula, Kred_Value:$var, Kred_Value:$dir);
  let assemblyFormat = [{
    $formula `wrt` $var `dir` $dir attr-dict `:`
    custom<KredTypes>(type($formula), type($var), type($dir))
  }];
  let hasVerifier = 1;
}

def Kred_DiffOp : Kred_FormulaOp<"diff"> {
  let keopsForms = [KeOpsForm<"Diff", "fvf", "Diff(f, v, u)">];
  let keopsDims = "dim f; dim u = dim v";
  let summary = "forward-mode directional derivative (KeOps `Diff(F, V, U)`)";
  let description = [{
    dF/dV applied to U: a value with F's type. `var` must be a variable of the
    enclosing `kernelred.reduce`; `dir` has V's dimension.

    ```mlir
    %d = kernelred.diff %f wrt %x dir %u : vector<1xf32>, vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$formula, Kred_Value:$var, Kred_Value:$dir);
  let assemblyFormat = [{
    $formula `wrt` $var `dir` $dir attr-dict `:`
    custom<KredTypes>(type($formula), type($var), type($dir))
  }];
  let hasVerifier = 1;
}

def Kred_DivergenceOp : Kred_FormulaOp<"divergence"> {
  let keopsForms = [KeOpsForm<"Divergence", "fv", "Divergence(f, v)">,
      KeOpsForm<"TraceOperator", "fv?f", "TraceOperator(f, v[, w])", [], "trace",
                "1; f linear in v, dim f 1 (`Sum(w*Grad(f, v, 1))`) or dim v (`Divergence(w*f, v)`), dim w 1 or dim v">];
  let keopsDims = "1; dim f = dim v";
  let summary = "divergence of F w.r.t. V (KeOps `Divergence(F, V)`), dimension 1";
  let description = [{
    ```mlir
    %d = kernelred.divergence %f wrt %x : vector<3xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$formula, Kred_Value:$var);
  let assemblyFormat = [{
    $formula `wrt` $var attr-dict `:`
    custom<KredTypes>(type($formula), type($var))
  }];
  let hasVerifier = 1;
}

def Kred_LaplacianOp : Kred_FormulaOp<"laplacian"> {
  let keopsForms = [KeOpsForm<"Laplacian", "fv", "Laplacian(f, v)">];
  let keopsDims = "1; f scalar";
  let summary = "Laplacian of scalar F w.r.t. V (KeOps `Laplacian(F, V)`), dimension 1";
  let description = [{
    ```mlir
    %l = kernelred.laplacian %f wrt %x : vector<1xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$formula, Kred_Value:$var);
  let assemblyFormat = [{
    $formula `wrt` $var attr-dict `:`
    custom<KredTypes>(type($formula), type($var))
  }];
  let hasVerifier = 1;
}

def Kred_GradMatrixOp : Kred_FormulaOp<"gradmatrix"> {
  let keopsForms = [KeOpsForm<"GradMatrix", "fv", "GradMatrix(f, v)">];
  let keopsDims = "dim f · dim v";
  let summary = "transposed Jacobian of F w.r.t. V (KeOps `GradMatrix(F, V)`)";
  let description = [{
    Dimension dim(F) * dim(V): the rows are `Grad(F, V, e_k)` for the basis
    vectors `e_k` of F's space, concatenated.

    ```mlir
    %j = kernelred.gradmatrix %f wrt %x : vector<2xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Kred_Value:$formula, Kred_Value:$var);
  let assemblyFormat = [{
    $formula `wrt` $var attr-dict `:`
    custom<KredTypes>(type($formula), type($var))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The reduction
//===----------------------------------------------------------------------===//

def Kred_ReduceOp : Kred_Op<"reduce", [Symbol, IsolatedFromAbove, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "a kernel reduction `out = Red_{over} F(vars)`";
  let description = [{
    One kernel: the reduction of the formula in the region over index `j`
    (KeOps axis = 1, one output row per i) or `i` (axis = 0). The block
    arguments are the kernel's variables, each with a category (`i`, `j`,
    or `p` for parameters), a position (its index in the kernel's argument
    list, KeOps' `Var(ind, dim, cat)`) and a dimension (its type).

    The region yields the formula `F`; the weighted log-sum-exp kinds and
    `sumsoftmaxweight` yield the weight formula `G` too (KeOps `formula2`).

    Output per row, with `D = dim(F)`:
      - sum, min, max: D values; argmin, argmax: D indices;
      - min_argmin, max_argmax: D values and D indices;
      - kmin: K*D values, argkmin: K*D indices, kmin_argkmin: both;
      - logsumexp: 1 value, or dim(G) with a weight;
      - max_sumshiftexp: 2 (running max, shifted sum);
        max_sumshiftexp_weight: 1 + dim(G); sumsoftmaxweight: dim(G).

    Optional attributes: `k` (KMin family, >= 1), `acc_type` (accumulation
    type, at least as wide as the element type), `sum_scheme`, `finalize`
    (set by kred-online-logsumexp), `tile_i`/`tile_j`/`chunk` (set by
    kred-tile).

    ```mlir
    kernelred.reduce @seed logsumexp over j
        vars(%x: i[0] vector<1xf32>, %y: j[1] vector<1xf32>,
             %a: j[2] vector<1xf32>, %p: p[3] vector<1xf32>) {
      %d = kernelred.sub %p, %a : vector<1xf32>
      %s = kernelred.square %d : vector<1xf32>
      %t = kernelred.add %x, %y : vector<1xf32>
      %e = kernelred.exp %t : vector<1xf32>
      %f = kernelred.mul %s, %e : vector<1xf32>
      kernelred.yield %f : vector<1xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Kred_ReductionKind:$kind,
                       Kred_I64Attr:$axis,
                       DenseI32ArrayAttr:$var_categories,
                       DenseI64ArrayAttr:$var_positions,
                       OptionalAttr<Kred_I64Attr>:$k,
                       OptionalAttr<TypeAttr>:$acc_type,
                       OptionalAttr<Kred_SumSchemeAttr>:$sum_scheme,
                       OptionalAttr<Kred_FinalizeAttr>:$finalize,
                       OptionalAttr<Kred_I64Attr>:$tile_i,
                       OptionalAttr<Kred_I64Attr>:$tile_j,
                       OptionalAttr<Kred_I64Attr>:$chunk);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name, "ReductionKind":$kind,
                   "int64_t":$axis,
                   "::llvm::ArrayRef<VarCategory>":$categories,
                   "::llvm::ArrayRef<int64_t>":$positions,
                   "::llvm::ArrayRef<::mlir::Type>":$varTypes)>
  ];
  let extraClassDeclaration = [{
    /// The block holding the formula.
    ::mlir::Block &getBodyBlock() { return getBody().front(); }
    /// The terminator yielding F (and G).
    YieldOp getYield();
    /// The formula F.
    ::mlir::Value getFormula();
    /// The weight formula G (formula2), or null.
    ::mlir::Value getWeight();
    /// Number of kernel variables and the category / position of one.
    unsigned getNumVars() { return getBodyBlock().getNumArguments(); }
    VarCategory getVarCategory(unsigned i);
    int64_t getVarPosition(unsigned i);
    int64_t getVarDim(unsigned i);
    /// Number of array arguments of the kernel: 1 + the largest position.
    int64_t getNumArgs();
    /// The element type of the formula values.
    ::mlir::FloatType getElementType();
    /// The accumulation type (acc_type or the default for the element type).
    ::mlir::FloatType getAccumulationType();
    /// Category of the variables indexed by the output rows / reduced index.
    VarCategory getOutputCategory() {
      return getAxis() == 1 ? VarCategory::I : VarCategory::J;
    }
    VarCategory getReducedCategory() {
      return getAxis() == 1 ? VarCategory::J : VarCategory::I;
    }
    /// Dimensions of the values and of the indices written per output row
    /// (0 when the kind writes none).
    int64_t getOutputValueDim();
    int64_t getOutputIndexDim();
  }];
}

def Kred_YieldOp : Kred_Op<"yield", [Pure, Terminator,
    HasParent<"ReduceOp">, ReturnLike]> {
  let summary = "yields the formula (and weight formula) of a reduction";
  let description = [{
    ```mlir
    kernelred.yield %f : vector<1xf32>
    kernelred.yield %f, %g : vector<1xf32>, vector<3xf32>
    ```
  }];
  let arguments = (ins Variadic<Kred_Value>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // KRED_OPS_TD
