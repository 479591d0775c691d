"""A dense float64 evaluator of KeOps formulas and reductions: the tests' reference.

``reference(formula, aliases, reduction, axis, args, opt_arg, formula2)``
materializes the (M, N, D) tensor of the formula with numpy broadcasting and
reduces it; results come back in pykeops' shapes (int64 indices, tuples,
(rows, K, D) for the KMin family).

``FakeC`` is a pure-numpy stand-in for ``kred._C`` (same interface, reading
and writing raw pointers), used only when KRED_TEST_FAKE_C=1 to develop the
Python package before the compiled extension exists. It never ships.
"""

import ctypes
import math
import re

import numpy as np

# ---------------------------------------------------------------------------
# Parser


class FormulaError(ValueError):
    pass


_TOKEN_RE = re.compile(
    r"\s*(?:(\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)|(\d+)|([A-Za-z_][A-Za-z_0-9]*)|(<=|>=|==|!=|[-+*/|(),\[\]<>]))"
)


def _tokenize(s):
    pos, out = 0, []
    s = s.rstrip()
    while pos < len(s):
        m = _TOKEN_RE.match(s, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"unexpected character at column {pos}: {s[pos:pos+10]!r}")
        fl, it, ident, op = m.groups()
        if fl is not None:
            out.append(("num", float(fl)))
        elif it is not None:
            out.append(("int", int(it)))
        elif ident is not None:
            out.append(("id", ident))
        else:
            out.append(("op", op))
        pos = m.end()
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, s):
        self.toks = _tokenize(s)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self, kind=None, val=None):
        t = self.toks[self.i]
        if (kind and t[0] != kind) or (val is not None and t[1] != val):
            raise FormulaError(f"expected {val or kind}, got {t[1]!r}")
        self.i += 1
        return t

    def parse(self):
        e = self.comparison()
        self.take("end")
        return e

    def _chain(self, operand, ops):
        """operand (op operand)*, left-associative, for the binary operators `ops`."""
        e = operand()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            op = self.take()[1]
            e = ("bin", op, e, operand())
        return e

    def comparison(self):
        return self._chain(self.bitor, ("<", ">", "<=", ">=", "==", "!="))

    def bitor(self):
        return self._chain(self.additive, ("|",))

    def additive(self):
        return self._chain(self.mult, ("+", "-"))

    def mult(self):
        return self._chain(self.unary, ("*", "/"))

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return ("call", "Minus", [self.unary()])
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        return self.primary()

    def primary(self):
        t = self.peek()
        if t[0] == "int":
            self.take()
            return ("int", t[1])
        if t[0] == "num":
            self.take()
            return ("num", t[1])
        if t == ("op", "("):
            self.take()
            e = self.comparison()
            self.take("op", ")")
            return e
        if t == ("op", "["):
            self.take()
            items = []
            while self.peek() != ("op", "]"):
                neg = False
                if self.peek() == ("op", "-"):
                    self.take()
                    neg = True
                v = self.take("int")[1]
                items.append(-v if neg else v)
                if self.peek() == ("op", ","):
                    self.take()
            self.take("op", "]")
            return ("list", items)
        if t[0] == "id":
            name = self.take()[1]
            if self.peek() == ("op", "("):
                self.take()
                args = []
                while self.peek() != ("op", ")"):
                    if self.peek() == ("op", "-") and self.toks[self.i + 1][0] == "int":
                        self.take()
                        args.append(("int", -self.take()[1]))
                    else:
                        args.append(self.comparison())
                    if self.peek() == ("op", ","):
                        self.take()
                    elif self.peek() != ("op", ")"):
                        raise FormulaError(f"expected ',' or ')' in call to {name}")
                self.take("op", ")")
                return ("call", name, args)
            return ("name", name)
        raise FormulaError(f"unexpected token {t[1]!r}")


def parse(formula):
    return _Parser(formula).parse()


_ALIAS_RE = re.compile(r"^\s*(?:([A-Za-z_]\w*)\s*=\s*)?(Vi|Vj|Pm|Var)\s*\(([\d\s,]*)\)\s*$")


def parse_aliases(aliases):
    """name -> (pos, dim, cat) and the list of (pos, dim, cat)."""
    named, sig = {}, []
    for k, a in enumerate(aliases):
        m = _ALIAS_RE.match(a)
        if not m:
            raise FormulaError(f"bad alias {a!r}")
        name, kind, inner = m.groups()
        nums = [int(v) for v in inner.replace(" ", "").split(",") if v]
        if kind == "Var":
            pos, dim, cat = nums
        else:
            cat = {"Vi": 0, "Vj": 1, "Pm": 2}[kind]
            pos, dim = (k, nums[0]) if len(nums) == 1 else nums
        if name:
            if name in named:
                raise FormulaError(f"duplicate alias {name}")
            named[name] = (pos, dim, cat)
        sig.append((pos, dim, cat))
    return named, sig


# ---------------------------------------------------------------------------
# Evaluation on (M|1, N|1, D) float64 arrays


def _rsqrt(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 / np.sqrt(x)
    return np.where(x == 0, 0.0, r)


def _xlogx(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log(x)
    return np.where(x == 0, 0.0, r)


def _sinxdivx(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sin(x) / x
    return np.where(x == 0, 1.0, r)


_UNARY = {
    "Exp": np.exp,
    "Log": np.log,
    "Sin": np.sin,
    "Cos": np.cos,
    "Sqrt": np.sqrt,
    "Rsqrt": _rsqrt,
    "Abs": np.abs,
    "Sign": np.sign,
    "Step": lambda x: (x >= 0).astype(np.float64),
    "ReLU": lambda x: np.maximum(x, 0.0),
    "Floor": np.floor,
    "Inv": lambda x: 1.0 / x,
    "Minus": lambda x: -x,
    "Square": lambda x: x * x,
    "XLogX": _xlogx,
    "SinXDivX": _sinxdivx,
    "Asin": np.arcsin,
    "Acos": np.arccos,
    "Atan": np.arctan,
}


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


class Evaluator:
    def __init__(self, env, named):
        self.env = env  # pos -> array (M|1, N|1, D)
        self.named = named

    def var(self, pos):
        if pos not in self.env:
            raise FormulaError(f"no argument at position {pos}")
        return self.env[pos]

    def ev(self, e):
        with np.errstate(all="ignore"):
            return self._ev(e)

    def _ev(self, e):
        kind = e[0]
        if kind == "int":
            return np.full((1, 1, 1), float(e[1]))
        if kind == "num":
            return np.full((1, 1, 1), e[1])
        if kind == "name":
            if e[1] not in self.named:
                raise FormulaError(f"unknown name {e[1]}")
            return self.var(self.named[e[1]][0])
        if kind == "bin":
            a, b = self._ev(e[2]), self._ev(e[3])
            op = e[1]
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            if op == "|":
                return np.sum(a * b, axis=-1, keepdims=True)
            if op == "<":
                return (a < b).astype(np.float64)
            if op == ">":
                return (a > b).astype(np.float64)
            if op == "<=":
                return (a <= b).astype(np.float64)
            if op == ">=":
                return (a >= b).astype(np.float64)
            if op == "==":
                return (a == b).astype(np.float64)
            if op == "!=":
                return (a != b).astype(np.float64)
        if kind == "call":
            return self.call(e[1], e[2])
        raise FormulaError(f"cannot evaluate {e!r}")

    def _int(self, e):
        if e[0] != "int":
            raise FormulaError("expected an integer constant")
        return e[1]

    def call(self, name, args):
        ev = self._ev
        if name == "Var":
            pos, dim, cat = (self._int(a) for a in args)
            return self.var(pos)
        if name in ("Vi", "Vj", "Pm"):
            raise FormulaError(f"{name}(...) inside a formula is not supported by the reference")
        if name in _UNARY:
            if len(args) != 1:
                raise FormulaError(f"{name} takes one argument")
            return _UNARY[name](ev(args[0]))
        if name == "IntCst":
            return np.full((1, 1, 1), float(self._int(args[0])))
        if name == "Zero":
            return np.zeros((1, 1, self._int(args[0])))
        if name == "IntInv":
            return np.full((1, 1, 1), 1.0 / self._int(args[0]))
        if name == "RatCst":
            return np.full((1, 1, 1), self._int(args[0]) / self._int(args[1]))
        if name == "Add":
            return ev(args[0]) + ev(args[1])
        if name == "Subtract":
            return ev(args[0]) - ev(args[1])
        if name == "Mult":
            return ev(args[0]) * ev(args[1])
        if name == "Divide":
            return ev(args[0]) / ev(args[1])
        if name == "Scalprod":
            return np.sum(ev(args[0]) * ev(args[1]), axis=-1, keepdims=True)
        if name == "Pow":
            return ev(args[0]) ** self._int(args[1])
        if name == "Powf":
            return ev(args[0]) ** ev(args[1])
        if name == "Round":
            d = self._int(args[1])
            return _round_half_away(ev(args[0]) * 10.0**d) / 10.0**d
        if name == "ClampInt":
            return np.clip(ev(args[0]), self._int(args[1]), self._int(args[2]))
        if name == "Clamp":
            x, a, b = ev(args[0]), ev(args[1]), ev(args[2])
            # KeOps: x < a ? a : (x > b ? b : x), so a wins when a > b.
            return np.where(x < a, a, np.where(x > b, b, x))
        if name == "IfElse":
            c, a, b = ev(args[0]), ev(args[1]), ev(args[2])
            return np.where(c >= 0, a, b)
        if name == "Mod":
            x, n, off = ev(args[0]), ev(args[1]), ev(args[2])
            return x - n * np.floor((x - off) / n)
        if name == "Atan2":
            return np.arctan2(ev(args[0]), ev(args[1]))
        if name == "Equal":
            return (ev(args[0]) == ev(args[1])).astype(np.float64)
        if name == "NotEqual":
            return (ev(args[0]) != ev(args[1])).astype(np.float64)
        if name == "LessThan":
            return (ev(args[0]) < ev(args[1])).astype(np.float64)
        if name == "LessOrEqual":
            return (ev(args[0]) <= ev(args[1])).astype(np.float64)
        if name == "Sum":
            return np.sum(ev(args[0]), axis=-1, keepdims=True)
        if name == "SumT":
            x = ev(args[0])
            return np.broadcast_to(x, x.shape[:-1] + (self._int(args[1]),)).copy()
        if name == "Max":
            return np.max(ev(args[0]), axis=-1, keepdims=True)
        if name == "Min":
            return np.min(ev(args[0]), axis=-1, keepdims=True)
        if name == "ArgMax":
            return np.argmax(ev(args[0]), axis=-1)[..., None].astype(np.float64)
        if name == "ArgMin":
            return np.argmin(ev(args[0]), axis=-1)[..., None].astype(np.float64)
        if name == "Elem":
            m = self._int(args[1])
            return ev(args[0])[..., m : m + 1]
        if name == "ElemT":
            x = ev(args[0])
            n, m = self._int(args[1]), self._int(args[2])
            out = np.zeros(x.shape[:-1] + (n,))
            out[..., m] = x[..., 0]
            return out
        if name == "Extract":
            s, d = self._int(args[1]), self._int(args[2])
            return ev(args[0])[..., s : s + d]
        if name == "ExtractT":
            x = ev(args[0])
            s, d = self._int(args[1]), self._int(args[2])
            out = np.zeros(x.shape[:-1] + (d,))
            out[..., s : s + x.shape[-1]] = x
            return out
        if name == "Concat":
            a, b = ev(args[0]), ev(args[1])
            shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
            return np.concatenate(
                [np.broadcast_to(a, shape + a.shape[-1:]), np.broadcast_to(b, shape + b.shape[-1:])], axis=-1
            )
        if name == "OneHot":
            x = ev(args[0])
            D = self._int(args[1])
            r = _round_half_away(x[..., 0]).astype(np.int64)
            return (r[..., None] == np.arange(D)).astype(np.float64)
        if name == "SqNorm2":
            x = ev(args[0])
            return np.sum(x * x, axis=-1, keepdims=True)
        if name == "Norm2":
            x = ev(args[0])
            return np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
        if name == "Normalize":
            x = ev(args[0])
            return x * _rsqrt(np.sum(x * x, axis=-1, keepdims=True))
        if name == "SqDist":
            d = ev(args[0]) - ev(args[1])
            return np.sum(d * d, axis=-1, keepdims=True)
        if name in ("WeightedSqNorm", "WeightedSqDist"):
            s = ev(args[0])
            f = ev(args[1]) if name == "WeightedSqNorm" else ev(args[1]) - ev(args[2])
            return self._wsqnorm(s, f)
        if name in ("MatVecMult", "VecMatMult"):  # A (n x p, row-major) times b (p), or b (n) times A (n x p)
            matvec = name == "MatVecMult"
            A, b = (ev(args[0]), ev(args[1])) if matvec else (ev(args[1]), ev(args[0]))
            k = b.shape[-1]
            rows = (A.shape[-1] // k, k) if matvec else (k, A.shape[-1] // k)
            shape = np.broadcast_shapes(A.shape[:-1], b.shape[:-1])
            A = np.broadcast_to(A, shape + A.shape[-1:]).reshape(shape + rows)
            b = np.broadcast_to(b, shape + b.shape[-1:])
            return np.einsum("...np,...p->...n", A, b) if matvec else np.einsum("...n,...np->...p", b, A)
        if name == "TensorProd":
            a, b = ev(args[0]), ev(args[1])
            out = a[..., :, None] * b[..., None, :]
            return out.reshape(out.shape[:-2] + (-1,))
        if name == "TensorDot":
            return self._tensordot(args)
        if name == "Kron":
            a, b = self._ev(args[0]), self._ev(args[1])
            da, db = args[2][1], args[3][1]
            shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
            A = np.broadcast_to(a, shape + a.shape[-1:]).reshape(shape + tuple(da))
            B = np.broadcast_to(b, shape + b.shape[-1:]).reshape(shape + tuple(db))
            n, k = len(shape), len(da)
            outer = A.reshape(A.shape + (1,) * k) * B.reshape(shape + (1,) * k + tuple(db))
            perm = list(range(n)) + [n + q for i in range(k) for q in (i, k + i)]
            return outer.transpose(perm).reshape(shape + (-1,))
        if name in ("Grad", "Diff", "Divergence", "Laplacian", "GradMatrix"):
            return self._grad(name, args)
        raise FormulaError(f"the reference evaluator does not know {name}")

    def _wsqnorm(self, s, f):
        D = f.shape[-1]
        S = s.shape[-1]
        if S == 1:
            return s * np.sum(f * f, axis=-1, keepdims=True)
        if S == D:
            return np.sum(s * f * f, axis=-1, keepdims=True)
        if S == D * D:
            shape = np.broadcast_shapes(s.shape[:-1], f.shape[:-1])
            Sm = np.broadcast_to(s, shape + (S,)).reshape(shape + (D, D))
            fb = np.broadcast_to(f, shape + (D,))
            return np.einsum("...k,...kl,...l->...", fb, Sm, fb)[..., None]
        raise FormulaError("bad WeightedSqNorm dimensions")

    def _tensordot(self, args):
        a, b = self._ev(args[0]), self._ev(args[1])
        dimfa, dimfb, contfa, contfb = (x[1] for x in args[2:6])
        perm = args[6][1] if len(args) > 6 else None
        letters = "abcdefghijklmnopqrstuvw"
        la = list(letters[: len(dimfa)])
        lb = list(letters[len(dimfa) : len(dimfa) + len(dimfb)])
        for ca, cb in zip(contfa, contfb):
            lb[cb] = la[ca]
        out = [c for k, c in enumerate(la) if k not in contfa] + [c for k, c in enumerate(lb) if k not in contfb]
        if perm is not None:
            # KeOps' permute sends kept axis k to output axis perm[k] (the inverse of numpy's transpose).
            inv = [None] * len(out)
            for k, p in enumerate(perm):
                inv[p] = out[k]
            out = inv
        shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1])
        A = np.broadcast_to(a, shape + a.shape[-1:]).reshape(shape + tuple(dimfa))
        B = np.broadcast_to(b, shape + b.shape[-1:]).reshape(shape + tuple(dimfb))
        r = np.einsum(f"...{''.join(la)},...{''.join(lb)}->...{''.join(out)}", A, B)
        return r.reshape(shape + (-1,))

    def _grad(self, name, args):
        """Grad, Diff, Divergence, Laplacian, GradMatrix by central finite differences (float64)."""
        F, V = args[0], args[1]
        if V[0] == "name":
            pos = self.named[V[1]][0]
        elif V[0] == "call" and V[1] == "Var":
            pos = self._int(V[2][0])
        else:
            raise FormulaError(f"the variable of {name} must be a variable")
        base = self.env[pos]
        dv = base.shape[-1]
        h = 1e-4 if name == "Laplacian" else 1e-6

        def shifted(l, t):
            d = np.zeros(dv)
            d[l] = t
            self.env[pos] = base + d
            try:
                return self._ev(F)
            finally:
                self.env[pos] = base

        if name == "Laplacian":
            f0 = self._ev(F)
            return sum((shifted(l, h) - 2 * f0 + shifted(l, -h)) / h**2 for l in range(dv))
        comps = [(shifted(l, h) - shifted(l, -h)) / (2 * h) for l in range(dv)]  # dF/dV_l: (.., DF)
        if name == "Divergence":
            return sum(c[..., l : l + 1] for l, c in enumerate(comps))
        if name == "GradMatrix":
            DF = comps[0].shape[-1]
            shape = np.broadcast_shapes(*[c.shape for c in comps])
            return np.concatenate(
                [np.broadcast_to(comps[l][..., k : k + 1], shape[:-1] + (1,)) for k in range(DF) for l in range(dv)],
                axis=-1,
            )
        e = self._ev(args[2])
        if name == "Grad":
            return np.concatenate([np.sum(c * e, axis=-1, keepdims=True) for c in comps], axis=-1)
        return sum(c * e[..., l : l + 1] for l, c in enumerate(comps))


def _lift(arg, cat):
    a = np.asarray(arg, dtype=np.float64)
    if cat == 0:
        return a[:, None, :]
    if cat == 1:
        return a[None, :, :]
    return a.reshape(1, 1, -1)


def signature(formula, aliases, formula2=""):
    """(num_args, cats, dims) with -1 for declared but unused positions."""
    named, sig = parse_aliases(aliases)
    tree = parse(formula)
    tree2 = parse(formula2) if formula2 else None
    used = {}

    def walk(e):
        if e[0] == "name":
            if e[1] not in named:
                raise FormulaError(f"unknown name {e[1]!r}")
            pos, dim, cat = named[e[1]]
            used[pos] = (dim, cat)
        elif e[0] == "call":
            if e[1] == "Var":
                pos, dim, cat = (a[1] for a in e[2])
                if pos in used and used[pos] != (dim, cat):
                    raise FormulaError(f"Var({pos}) used with two signatures")
                used[pos] = (dim, cat)
            for a in e[2]:
                walk(a)
        elif e[0] == "bin":
            walk(e[2])
            walk(e[3])

    walk(tree)
    if tree2 is not None:
        walk(tree2)
    positions = set(used) | {s[0] for s in sig}
    n = max(positions) + 1 if positions else 0
    cats, dims = [-1] * n, [0] * n
    for pos, (dim, cat) in used.items():
        cats[pos], dims[pos] = cat, dim
    return n, cats, dims, named, tree, tree2


def _finite(x):
    return x


def reduce_raw(formula, aliases, reduction, axis, args, opt_arg=None, formula2=""):
    """Raw outputs (values [rows, vd] or None, indices [rows, id] or None) in float64."""
    n, cats, dims, named, tree, tree2 = signature(formula, aliases, formula2)
    M = N = None
    for pos in range(n):
        if cats[pos] == 0:
            M = np.asarray(args[pos]).shape[0]
        elif cats[pos] == 1:
            N = np.asarray(args[pos]).shape[0]
    M = 1 if M is None else M
    N = 1 if N is None else N
    env = {pos: _lift(args[pos], cats[pos]) for pos in range(n) if cats[pos] >= 0}
    ev = Evaluator(env, named)
    F = np.broadcast_to(ev.ev(tree), (M, N, ev.ev(tree).shape[-1])).astype(np.float64)
    G = None
    if tree2 is not None:
        g = ev.ev(tree2)
        G = np.broadcast_to(g, (M, N, g.shape[-1])).astype(np.float64)
    if axis == 0:
        F = F.transpose(1, 0, 2)
        if G is not None:
            G = G.transpose(1, 0, 2)
    return _reduce(F, G, reduction, opt_arg)


def _reduce(F, G, reduction, K):
    rows, red, D = F.shape
    with np.errstate(all="ignore"):
        if reduction == "Sum":
            return F.sum(1), None
        if reduction in ("LogSumExp", "LogSumExpWeight", "SumSoftMaxWeight", "Max_SumShiftExp", "Max_SumShiftExpWeight"):
            f = F[..., 0]
            m = f.max(1) if red else np.full(rows, -np.inf)
            mm = np.where(np.isfinite(m), m, 0.0)
            w = np.exp(f - mm[:, None])
            if reduction == "Max_SumShiftExp":
                s = np.exp(f - m[:, None]).sum(1) if red else np.zeros(rows)
                return np.stack([m, s], 1), None
            if G is None:
                return (mm + np.log(w.sum(1)))[:, None] if reduction == "LogSumExp" else None, None
            s = (w[..., None] * G).sum(1)
            if reduction == "SumSoftMaxWeight":
                return s / w.sum(1)[:, None], None
            if reduction == "Max_SumShiftExpWeight":
                s2 = (np.exp(f - m[:, None])[..., None] * G).sum(1)
                return np.concatenate([m[:, None], s2], 1), None
            return mm[:, None] + np.log(s), None
        if reduction in ("Min", "ArgMin", "Min_ArgMin", "Max", "ArgMax", "Max_ArgMax"):
            X = -F if reduction.startswith("Max") or reduction == "ArgMax" else F
            idx = np.argmin(np.where(np.isnan(X), np.inf, X), axis=1)
            vals = np.take_along_axis(F, idx[:, None, :], 1)[:, 0, :]
            if reduction in ("Min", "Max"):
                return vals, None
            if reduction in ("ArgMin", "ArgMax"):
                return None, idx.astype(np.int64)
            return vals, idx.astype(np.int64)
        if reduction in ("KMin", "ArgKMin", "KMin_ArgKMin"):
            order = np.argsort(F, axis=1, kind="stable")[:, :K, :]  # (rows, K', D)
            vals = np.take_along_axis(F, order, 1)
            if order.shape[1] < K:
                pad = K - order.shape[1]
                vals = np.concatenate([vals, np.full((rows, pad, D), np.inf)], 1)
                order = np.concatenate([order, np.full((rows, pad, D), -1)], 1)
            v = vals.reshape(rows, K * D)
            i = order.reshape(rows, K * D).astype(np.int64)
            if reduction == "KMin":
                return v, None
            if reduction == "ArgKMin":
                return None, i
            return v, i
    raise FormulaError(f"unknown reduction {reduction}")


_CANON = {"SoftMax": "SumSoftMaxWeight", "MinArgMin": "Min_ArgMin", "MaxArgMax": "Max_ArgMax", "KMinArgKMin": "KMin_ArgKMin"}


def reference(formula, aliases, reduction, axis, args, opt_arg=None, formula2=""):
    """Reduction in float64 with pykeops' output conventions (no batch dims)."""
    reduction = _CANON.get(reduction, reduction)
    v, i = reduce_raw(formula, aliases, reduction, axis, args, opt_arg, formula2 or "")
    return final(reduction, v, i, opt_arg)


def final(reduction, v, i, K=None):
    """Raw (values, indices) rows -> pykeops' output layout (K x D reshapes, tuples, indices only)."""
    if reduction in ("KMin", "ArgKMin", "KMin_ArgKMin"):
        rows = (v if v is not None else i).shape[0]
        D = (v if v is not None else i).shape[1] // K
        shape = (rows, K) if D == 1 else (rows, K, D)
        v = v.reshape(shape) if v is not None else None
        i = i.reshape(shape) if i is not None else None
    if reduction in ("Min_ArgMin", "Max_ArgMax", "KMin_ArgKMin"):
        return v, i
    if reduction in ("ArgMin", "ArgMax", "ArgKMin"):
        return i
    return v


# ---------------------------------------------------------------------------
# A pure-numpy stand-in for kred._C


def _from_address(ptr, shape, dtype):
    count = int(np.prod(shape)) if len(shape) else 1
    if dtype == "bfloat16":
        raw = np.ctypeslib.as_array((ctypes.c_uint16 * count).from_address(ptr))
        return (raw.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    npd = np.dtype(dtype)
    buf = (ctypes.c_char * (count * npd.itemsize)).from_address(ptr)
    return np.frombuffer(buf, dtype=npd).reshape(shape)


def _to_address(ptr, values, dtype):
    values = np.ascontiguousarray(values)
    count = values.size
    if dtype == "bfloat16":
        f = values.astype(np.float32).ravel()
        u = f.view(np.uint32)
        rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
        rounded = np.where(np.isnan(f), np.uint16(0x7FC0), rounded)
        dst = np.ctypeslib.as_array((ctypes.c_uint16 * count).from_address(ptr))
        dst[:] = rounded
        return
    npd = np.dtype(dtype)
    buf = (ctypes.c_char * (count * npd.itemsize)).from_address(ptr)
    dst = np.frombuffer(buf, dtype=npd)
    dst[:] = values.astype(npd).ravel()


class FakeKernel:
    def __init__(self, formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme):
        n, cats, dims, named, tree, tree2 = signature(formula, aliases, formula2)
        self.spec = (formula, list(aliases), reduction, axis, dtype, opt_arg, formula2)
        # output dims: evaluate on one (i, j) pair
        dummy = [np.ones((1, max(d, 1))) if c in (0, 1) else np.ones(max(d, 1)) for c, d in zip(cats, dims)]
        v, i = reduce_raw(formula, aliases, reduction, axis, dummy, opt_arg, formula2)
        self.info = {
            "axis": axis,
            "dtype": dtype,
            "num_args": n,
            "arg_category": cats,
            "arg_dim": dims,
            "out_value_dim": 0 if v is None else v.shape[1],
            "out_index_dim": 0 if i is None else i.shape[1],
            "reduction": reduction,
        }
        self.ir = f"// fake kernel for {formula}"
        self.launches = 0

    def _check_sizes(self, M, N, arg_sizes, out_size, out_idx_size, ranges_sizes=None):
        """The checks of kred_cpu_launch_sized (same messages): a short buffer is a RuntimeError before
        anything is read or written; None: the count the launch needs (unchecked)."""
        info = self.info
        where = "kernel 'kernel': "
        counts = []
        for name, value in [("out_size", out_size), ("out_idx_size", out_idx_size)] + [
            (f"arg_sizes[{p}]", v) for p, v in enumerate(arg_sizes or [])
        ] + list((ranges_sizes or {}).items()):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
                raise TypeError(f"{name} must be an int element count (or None)")
            if value is not None and value < 0:
                raise RuntimeError(f"{where}negative element count {value} for {name}")
        if arg_sizes is not None and len(arg_sizes) != info["num_args"]:
            raise ValueError(f"{where[:-2]} takes {info['num_args']} arguments, got {len(arg_sizes)} arg_sizes")
        labels = {0: "Vi", 1: "Vj", 2: "Pm"}
        for p in range(info["num_args"]):
            c, d = info["arg_category"][p], info["arg_dim"][p]
            if c < 0 or arg_sizes is None or arg_sizes[p] is None:
                continue
            rows = {0: ("M", M), 1: ("N", N)}.get(c)
            need = rows[1] * d if rows else d
            if arg_sizes[p] < need:
                of = f" ({rows[0]} = {rows[1]} rows of {d})" if rows else ""
                counts.append(f"argument {p} ({labels[c]}, dim {d}) is too short: {need} elements expected{of}, "
                              f"{arg_sizes[p]} given")
        rows = ("M", M) if info["axis"] == 1 else ("N", N)
        for what, dim, given in [("the output array", info["out_value_dim"], out_size),
                                 ("the index output array", info["out_index_dim"], out_idx_size)]:
            if dim and given is not None and given < rows[1] * dim:
                counts.append(f"{what} is too short: {rows[1] * dim} elements expected "
                              f"({rows[0]} = {rows[1]} rows of {dim}), {given} given")
        if counts:
            raise RuntimeError(where + counts[0])

    def launch(self, arg_ptrs, M, N, out_ptr, out_idx_ptr, num_threads=0, split=-1, *, arg_sizes=None,
               out_size=None, out_idx_size=None, batch=1, batch_offsets=None):
        if batch != 1 or batch_offsets is not None:
            return self._launch_batched(arg_ptrs, M, N, out_ptr, out_idx_ptr, arg_sizes, out_size, out_idx_size,
                                        batch, batch_offsets)
        formula, aliases, reduction, axis, dtype, opt_arg, formula2 = self.spec
        info = self.info
        self._check_sizes(M, N, arg_sizes, out_size, out_idx_size)
        args = []
        for pos in range(info["num_args"]):
            c, d = info["arg_category"][pos], info["arg_dim"][pos]
            if c < 0:
                args.append(None)
            elif c == 0:
                args.append(_from_address(arg_ptrs[pos], (M, d), dtype).astype(np.float64))
            elif c == 1:
                args.append(_from_address(arg_ptrs[pos], (N, d), dtype).astype(np.float64))
            else:
                args.append(_from_address(arg_ptrs[pos], (d,), dtype).astype(np.float64))
        v, i = reduce_raw(formula, aliases, reduction, axis, args, opt_arg, formula2)
        self.launches += 1
        if v is not None:
            _to_address(out_ptr, v, dtype)
        if i is not None:
            _to_address(out_idx_ptr, i, "int64")

    def _launch_batched(self, arg_ptrs, M, N, out_ptr, out_idx_ptr, arg_sizes, out_size, out_idx_size, batch,
                        batch_offsets):
        """kred_cpu_launch_batched_sized: one launch per batch element at its offsets, every element checked
        (the runtime's messages for the offsets) before any runs."""
        info, where, n = self.info, "kernel 'kernel': ", self.info["num_args"]
        if batch_offsets is not None:
            if not isinstance(batch_offsets, np.ndarray):
                raise TypeError("batch_offsets must be an int64 array (a buffer)")
            if (batch_offsets.dtype != np.int64 or batch_offsets.size != batch * n
                    or not batch_offsets.flags.c_contiguous):
                raise ValueError(f"batch_offsets must be a contiguous int64 buffer of batch x num_args = {batch} x "
                                 f"{n} element offsets")
        if batch < 1:
            raise RuntimeError(f"{where}batch count must be at least 1 (got {batch})")
        if batch_offsets is None:
            raise RuntimeError(f"{where}batch of {batch} elements with no offsets or sizes")
        offsets = batch_offsets.reshape(batch, n)
        item = 2 if self.spec[4] in ("float16", "bfloat16") else np.dtype(self.spec[4]).itemsize
        rows = M if info["axis"] == 1 else N
        vd, idd = info["out_value_dim"], info["out_index_dim"]
        elements = []
        for z in range(batch):
            ptrs, sizes = [], []
            for p in range(n):
                c, d, o = info["arg_category"][p], info["arg_dim"][p], int(offsets[z, p])
                if c >= 0 and o < 0:
                    raise RuntimeError(f"{where}batch element {z}: argument {p} has a negative offset ({o})")
                o = o if c >= 0 else 0
                given = None if c < 0 or arg_sizes is None else arg_sizes[p]
                count = {0: ("M", M), 1: ("N", N)}.get(c)
                need = count[1] * d if count else d
                if given is not None and o + need > given:
                    of = f" ({count[0]} = {count[1]} rows of {d})" if count else ""
                    raise RuntimeError(f"{where}batch element {z}: argument {p} ({'Vi Vj Pm'.split()[c]}, dim {d}) at "
                                       f"offset {o} needs {need} element{'s' * (need != 1)}{of}, past the {given} given")
                ptrs.append(arg_ptrs[p] + o * item if arg_ptrs[p] else arg_ptrs[p])
                sizes.append(None if arg_sizes is None or arg_sizes[p] is None else arg_sizes[p] - o)
            kw = {"arg_sizes": None if arg_sizes is None else sizes,
                  "out_size": None if out_size is None else out_size - z * rows * vd,
                  "out_idx_size": None if out_idx_size is None else out_idx_size - z * rows * idd}
            elements.append((ptrs, out_ptr + z * rows * vd * item if out_ptr else out_ptr,
                             out_idx_ptr + z * rows * idd * 8 if out_idx_ptr else out_idx_ptr, kw))
        for what, dim, given in [("out", vd, out_size), ("out_idx", idd, out_idx_size)]:
            if dim and given is not None and given < batch * rows * dim:
                raise RuntimeError(f"{where}{what} holds {given} elements; a batch of {batch} x {rows} rows x {dim} "
                                   f"needs {batch * rows * dim}")
        for ptrs, out_z, idx_z, kw in elements:
            self.launch(ptrs, M, N, out_z, idx_z, **kw)

    def launch_ranges(
        self, arg_ptrs, M, N, out_ptr, out_idx_ptr, blocks_ptr, num_blocks, slices_ptr, red_ptr, num_red, num_threads=0,
        *, blocks_size=None, slices_size=None, redranges_size=None, arg_sizes=None, out_size=None, out_idx_size=None,
    ):
        """Block-sparse launch: each block of output rows over its own reduced indices
        (kred_cpu_launch_ranges_sized; the *_size keywords as in launch())."""
        formula, aliases, reduction, axis, dtype, opt_arg, formula2 = self.spec
        info = self.info
        self._check_sizes(M, N, arg_sizes, out_size, out_idx_size,
                          {"blocks_size": blocks_size, "slices_size": slices_size, "redranges_size": redranges_size})
        for what, need, given in [("the block ranges", 2 * num_blocks, blocks_size),
                                  ("the slices", num_blocks, slices_size),
                                  ("the reduction ranges", 2 * num_red, redranges_size)]:
            if given is not None and given < need:
                raise RuntimeError(f"kernel 'kernel': {what} are too short: {need} int64 elements expected, "
                                   f"{given} given")
        rows, red_n = (M, N) if axis == 1 else (N, M)
        blocks = _from_address(blocks_ptr, (num_blocks, 2), "int64")
        slices = _from_address(slices_ptr, (num_blocks,), "int64")
        red = _from_address(red_ptr, (num_red, 2), "int64")
        rc = 0 if axis == 1 else 1  # category of the output rows
        full = []
        for pos in range(info["num_args"]):
            c, d = info["arg_category"][pos], info["arg_dim"][pos]
            n = {0: M, 1: N}.get(c, None)
            full.append(None if c < 0 else _from_address(arg_ptrs[pos], (n, d) if n is not None else (d,), dtype).astype(np.float64))
        vd, idd = info["out_value_dim"], info["out_index_dim"]
        inf = np.inf
        fill = {"Sum": 0.0, "LogSumExp": -inf, "SumSoftMaxWeight": np.nan}.get(reduction, -inf if "Max" in reduction else inf)
        V = np.full((rows, vd), fill) if vd else None
        Ix = np.full((rows, idd), -1, dtype=np.int64) if idd else None
        for b in range(num_blocks):
            r0, r1 = int(blocks[b, 0]), int(blocks[b, 1])
            l0 = int(slices[b - 1]) if b else 0
            idx = [np.arange(red[l, 0], red[l, 1]) for l in range(l0, int(slices[b]))]
            idx = np.concatenate(idx) if idx else np.zeros(0, np.int64)
            if r1 <= r0 or not len(idx):
                continue
            sub = [
                None if a is None else a[r0:r1] if c == rc else a[idx] if c == 1 - rc else a
                for a, c in zip(full, info["arg_category"])
            ]
            v, i = reduce_raw(formula, aliases, reduction, axis, sub, opt_arg, formula2)
            if v is not None:
                V[r0:r1] = v
            if i is not None:
                Ix[r0:r1] = np.where(i >= 0, idx[np.clip(i, 0, None)], -1)
        self.launches += 1
        if V is not None:
            _to_address(out_ptr, V, dtype)
        if Ix is not None:
            _to_address(out_idx_ptr, Ix, "int64")


class FakeC:
    """Implements the kred._C contract in numpy (float64 math, outputs cast to the dtype)."""

    FormulaError = FormulaError
    Kernel = FakeKernel
    version = "fake"
    _threads = 1

    @staticmethod
    def compile(formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme):
        return FakeKernel(formula, aliases, reduction, axis, dtype, opt_arg, formula2, dtype_acc, sum_scheme)

    @classmethod
    def set_num_threads(cls, n):
        cls._threads = n

    @classmethod
    def get_num_threads(cls):
        return cls._threads
