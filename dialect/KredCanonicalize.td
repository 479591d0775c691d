//===- KredCanonicalize.td - kernelred rewrites in DRR ------*- tablegen -*-===//
//
// Part of the kernelred project.
//
// The canonicalization patterns of the kernelred ops that are plain
// algebraic rewrites of a fixed shape. The ones that compute (constants,
// dimensions, several cases at once) are C++ in KredCanonicalize.cpp, which
// also says which op gets which pattern.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_CANONICALIZE_TD
#define KRED_CANONICALIZE_TD

include "mlir/IR/PatternBase.td"
include "dialect/KredOps.td"

/// A canonicalization pattern of benefit 1, like the C++ ones, so that the
/// patterns of one op are tried in the order the op adds them (DRR would
/// otherwise give a pattern the number of ops of its source, `sourceOps`).
class KredPat<dag source, dag result, list<dag> preds = [], int sourceOps = 1>
    : Pat<source, result, preds, [], (addBenefit !sub(1, sourceOps))>;

def SameType : Constraint<CPred<"$0.getType() == $1.getType()">,
                          "of the same type">;
def IsScalar : Constraint<CPred<"::mlir::kernelred::getFormulaDim($0) == 1">,
                          "a scalar (dimension 1)">;
class IsSplat<string value>
    : Constraint<CPred<"::mlir::kernelred::isConstSplat($0, " # value # ")">,
                 "a constant " # value # " in every component">;
class ExponentIs<int n>
    : AttrConstraint<CPred<"::llvm::cast<::mlir::IntegerAttr>($_self)"
                           ".getValue().getSExtValue() == " # n>,
                     "exponent " # n>;

//===----------------------------------------------------------------------===//
// Products and quotients
//===----------------------------------------------------------------------===//

// Exp(a) * Exp(b) -> Exp(a + b) (KeOps' Mult simplification).
def MulOfExps : KredPat<(Kred_MulOp (Kred_ExpOp $a), (Kred_ExpOp $b)),
                        (Kred_ExpOp (Kred_AddOp $a, $b)), [], 3>;
// f * f -> Square(f).
def MulSelfToSquare : KredPat<(Kred_MulOp $f, $f), (Kred_SquareOp $f)>;
// (-a) * (-b) -> a * b.
def MulOfNegs : KredPat<(Kred_MulOp (Kred_NegOp $a), (Kred_NegOp $b)),
                        (Kred_MulOp $a, $b), [], 3>;
// x * Inv(y) and Inv(y) * x -> x / y (one rounding instead of two).
def MulOfInv : KredPat<(Kred_MulOp $x, (Kred_InvOp $y)), (Kred_DivOp $x, $y),
                       [], 2>;
def InvTimes : KredPat<(Kred_MulOp (Kred_InvOp $y), $x), (Kred_DivOp $x, $y),
                       [], 2>;
// 1 / f -> Inv(f).
def OneOver : KredPat<(Kred_DivOp:$result $one, $f), (Kred_InvOp $f),
                      [(IsSplat<"1.0"> $one), (SameType $f, $result)]>;
// Exp(a) / Exp(b) -> Exp(a - b).
def DivOfExps : KredPat<(Kred_DivOp (Kred_ExpOp $a), (Kred_ExpOp $b)),
                        (Kred_ExpOp (Kred_SubOp $a, $b)), [], 3>;

//===----------------------------------------------------------------------===//
// Sums and negations
//===----------------------------------------------------------------------===//

// a + (-b) and (-b) + a -> a - b.
def AddOfNeg : KredPat<(Kred_AddOp $a, (Kred_NegOp $b)), (Kred_SubOp $a, $b),
                       [], 2>;
def NegPlus : KredPat<(Kred_AddOp (Kred_NegOp $b), $a), (Kred_SubOp $a, $b),
                      [], 2>;
// a - (-b) -> a + b.
def SubOfNeg : KredPat<(Kred_SubOp $a, (Kred_NegOp $b)), (Kred_AddOp $a, $b),
                       [], 2>;
// 0 - b -> -b.
def ZeroMinus : KredPat<(Kred_SubOp:$result $zero, $b), (Kred_NegOp $b),
                        [(IsSplat<"0.0"> $zero), (SameType $b, $result)]>;
// -(a - b) -> b - a.
def NegOfSub : KredPat<(Kred_NegOp (Kred_SubOp $a, $b)), (Kred_SubOp $b, $a),
                       [], 2>;

//===----------------------------------------------------------------------===//
// Unary functions
//===----------------------------------------------------------------------===//

// Square(-f) and Square(|f|) -> Square(f).
def SquareOfNeg : KredPat<(Kred_SquareOp (Kred_NegOp $f)), (Kred_SquareOp $f),
                          [], 2>;
def SquareOfAbs : KredPat<(Kred_SquareOp (Kred_AbsOp $f)), (Kred_SquareOp $f),
                          [], 2>;
// Sqrt(Square(x)) -> |x|.
def SqrtOfSquare : KredPat<(Kred_SqrtOp (Kred_SquareOp $x)), (Kred_AbsOp $x),
                           [], 2>;
// Log(Exp(x)) -> x.
def LogOfExp : KredPat<(Kred_LogOp (Kred_ExpOp $x)), (replaceWithValue $x),
                       [], 2>;
// |-x| -> |x|.
def AbsOfNeg : KredPat<(Kred_AbsOp (Kred_NegOp $x)), (Kred_AbsOp $x), [], 2>;
// Pow(x, 2) -> Square(x); Pow(x, -1) -> Inv(x).
def PowTwo : KredPat<(Kred_PowOp $x, ExponentIs<2>:$n), (Kred_SquareOp $x)>;
def PowMinusOne : KredPat<(Kred_PowOp $x, ExponentIs<-1>:$n),
                          (Kred_InvOp $x)>;

//===----------------------------------------------------------------------===//
// Norms and dot products
//===----------------------------------------------------------------------===//

// SqNorm2 and Norm2 of a scalar -> Square and Abs.
def SqNorm2OfScalar : KredPat<(Kred_SqNorm2Op $x), (Kred_SquareOp $x),
                              [(IsScalar $x)]>;
def Norm2OfScalar : KredPat<(Kred_Norm2Op $x), (Kred_AbsOp $x),
                            [(IsScalar $x)]>;
// Scalprod(x, x) -> SqNorm2(x).
def ScalProdOfSelf : KredPat<(Kred_ScalProdOp $x, $x), (Kred_SqNorm2Op $x)>;

#endif // KRED_CANONICALIZE_TD
