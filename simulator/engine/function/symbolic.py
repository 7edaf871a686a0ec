"""Symbolic expressions in a canonical form, simplified as they are built.

This is the small computer algebra the function lab needs to write derivatives the way a
textbook does (``y + 2*x``, ``e^2*cos(x)``, ``-2*(1 - x) - 400*x*(y - x^2)``), and nothing
more. Expressions are made only through an :class:`Algebra`, whose constructors
(:meth:`~Algebra.add`, :meth:`~Algebra.mul`, :meth:`~Algebra.pow`, :meth:`~Algebra.call`)
apply these rules and no others:

- sums and products are flattened; numbers are folded (exactly, as fractions);
- like terms are collected (``x + x`` is ``2*x``, ``x - x`` is 0) and like factors too
  (``x*x`` is ``x^2``, ``x/x`` is 1), keeping the order in which terms first appear; in a
  product a number comes first, then factors that are constant (``e^2``), then variables
  and their powers in alphabetical order, then the rest (``2*x*cos(x^2)``);
- ``0*a = 0``, ``1*a = a``, ``a + 0 = a``, ``a^0 = 1``, ``a^1 = a``, ``(a^m)^n = a^(m*n)``
  and ``(a*b)^n = a^n*b^n`` for a whole number ``n``;
- a few exact values of functions: ``sin(0) = 0``, ``cos(0) = 1``, ``exp(0) = 1``,
  ``log(1) = 0``, ``log(e) = 1``, ``log(exp(u)) = log(e^u) = u``, ``abs`` of a number.

Nothing is expanded or factored, so what the student typed keeps its shape.

Every node is hash-consed in its :class:`Algebra` (equal expressions are the same object;
``x*y`` and ``y*x`` too), so collecting terms compares integer ids. The work is bounded:
numbers are exact fractions up to :data:`MAX_BITS` bits (beyond, floats), and an algebra
refuses (:class:`SymbolicLimit`) to make more than :data:`MAX_NODES` nodes or do more than
:data:`MAX_WORK` units of flattening work. Everything is iterative or bounded by the
expression depth limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

Num = Fraction | float

#: The largest numerator or denominator (in bits) kept exact; larger numbers become floats.
MAX_BITS = 2048
#: The most nodes one algebra makes (an expression and its derivatives, all variables).
MAX_NODES = 20_000
#: The most terms and factors one algebra flattens and collects, in total.
MAX_WORK = 200_000

NUM, VAR, CONST, ADD, MUL, POW, CALL = "num", "var", "const", "add", "mul", "pow", "call"


class SymbolicLimit(Exception):
    """The symbolic work would be too big (too many nodes, or a number out of range)."""


class Expr:
    """A node of a symbolic expression; make them with an :class:`Algebra`.

    ``kind`` is one of num, var, const, add, mul, pow, call. ``num`` holds a number's
    value (and a product's coefficient); ``name`` a variable's, constant's or function's
    name; ``args`` the terms of a sum, the factors of a product (besides the coefficient),
    the base and exponent of a power, or a call's argument. ``free`` is the set of
    variables the expression depends on.
    """

    __slots__ = ("args", "chars", "free", "id", "kind", "name", "num")

    def __init__(self, kind: str, id_: int, num: Num, name: str, args: tuple[Expr, ...],
                 free: frozenset[str]) -> None:
        self.kind = kind
        self.id = id_
        self.num = num
        self.name = name
        self.args = args
        self.free = free
        #: A lower bound of the length of the expression written out (cheap to keep, so
        #: that work on an expression too long to write can stop early).
        self.chars = _chars(kind, name, args)

    def __repr__(self) -> str:
        # A structural form: printer.to_text writes the textbook form, and importing it
        # here would make the two modules import each other.
        head = self.name or (str(self.num) if self.kind == NUM else self.kind)
        if not self.args:
            return f"Expr({self.kind} {head})"
        return f"Expr({head}, {', '.join(map(repr, self.args))})"

    @property
    def is_number(self) -> bool:
        """Whether this is a plain number."""
        return self.kind == NUM


def _chars(kind: str, name: str, args: tuple[Expr, ...]) -> int:
    if kind == NUM:
        return 1
    if kind in (VAR, CONST):
        return len(name)
    inner = sum(a.chars for a in args)
    if kind == CALL:
        return len(name) + 2 + inner
    if kind == ADD:
        return inner + 3 * (len(args) - 1)
    return inner + len(args) - 1  # MUL (with * or /) and POW (with ^)


# --- numbers -------------------------------------------------------------------------------

def _fits(f: Fraction) -> bool:
    return f.numerator.bit_length() <= MAX_BITS and f.denominator.bit_length() <= MAX_BITS


def _as_float(f: Num) -> float:
    try:
        v = float(f)
    except OverflowError:
        raise SymbolicLimit("a number in the derivative is too large") from None
    if not math.isfinite(v):
        raise SymbolicLimit("a number in the derivative is too large")
    return v


def _exact_or_float(f: Fraction) -> Num:
    return f if _fits(f) else _as_float(f)


def num_add(a: Num, b: Num) -> Num:
    """a + b, exact where both are."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return _exact_or_float(a + b)
    return _as_float(float(a) + float(b))


def num_mul(a: Num, b: Num) -> Num:
    """a * b, exact where both are."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return _exact_or_float(a * b)
    return _as_float(float(a) * float(b))


def num_pow(a: Num, b: Num) -> Num | None:
    """a^b if it is a real number that can be written exactly (as a float beyond
    :data:`MAX_BITS`); None to keep the power as written: a fractional exponent, 0 to a
    negative power, and a result beyond the float range."""
    if not (isinstance(b, Fraction) and b.denominator == 1):
        if isinstance(b, float) and b.is_integer() and abs(b) < 2**31:
            b = Fraction(int(b))
        else:
            return None
    k = int(b)
    if a == 0:
        return None if k < 0 else (Fraction(1) if k == 0 else Fraction(0))
    if isinstance(a, Fraction):
        if a in (1, -1):
            return a ** k
        bits = abs(k) * max(a.numerator.bit_length(), a.denominator.bit_length())
        if bits <= MAX_BITS:
            return a ** k
    if abs(float(a)) != 1.0 and abs(k) > 100_000:
        return None  # 2^(10^10): kept as written
    try:
        value = float(a) ** k
    except (OverflowError, ZeroDivisionError):
        return None
    # beyond the float range either way (overflow, or underflow to 0): kept as written
    return value if math.isfinite(value) and value != 0 else None


def _num_key(v: Num) -> tuple[object, ...]:
    if isinstance(v, Fraction):
        return ("q", v.numerator, v.denominator)
    return ("f", v)


# --- the algebra ---------------------------------------------------------------------------

_RANK_CONSTANT, _RANK_VARIABLE, _RANK_OTHER = 0, 1, 2


class Algebra:
    """Makes canonical, hash-consed expressions (see the module docstring)."""

    def __init__(self, max_nodes: int = MAX_NODES, max_work: int = MAX_WORK) -> None:
        self._table: dict[tuple[object, ...], Expr] = {}
        self._max_nodes = max_nodes
        self._max_work = max_work
        self._work = 0
        self.zero = self.number(Fraction(0))
        self.one = self.number(Fraction(1))
        self.minus_one = self.number(Fraction(-1))
        self.e = self._make(CONST, ("c", "e"), name="e")

    @property
    def size(self) -> int:
        """How many distinct nodes this algebra has made."""
        return len(self._table)

    def _make(self, kind: str, key: tuple[object, ...], num: Num = Fraction(0),
              name: str = "", args: tuple[Expr, ...] = (),
              free: frozenset[str] = frozenset()) -> Expr:
        found = self._table.get(key)
        if found is not None:
            return found
        if len(self._table) >= self._max_nodes:
            raise SymbolicLimit("the derivative is too big to write out")
        expr = Expr(kind, len(self._table), num, name, args, free)
        self._table[key] = expr
        return expr

    def _charge(self, units: int) -> None:
        self._work += units
        if self._work > self._max_work:
            raise SymbolicLimit("the derivative is too big to write out")

    # atoms

    def number(self, value: Num | int) -> Expr:
        """A number (an int or Fraction stays exact; a float is inexact)."""
        v: Num = Fraction(value) if isinstance(value, int) else value
        if isinstance(v, Fraction):
            v = _exact_or_float(v)
        elif not math.isfinite(v):
            raise SymbolicLimit("a number in the derivative is too large")
        return self._make(NUM, ("n",) + _num_key(v), num=v)

    def variable(self, name: str) -> Expr:
        """A variable."""
        return self._make(VAR, ("v", name), name=name, free=frozenset((name,)))

    def constant(self, name: str) -> Expr:
        """A named constant: e or pi."""
        return self._make(CONST, ("c", name), name=name)

    # sums

    def add(self, *terms: Expr) -> Expr:
        """The sum of ``terms``, flattened, numbers folded and like terms collected."""
        flat: list[Expr] = []
        for t in terms:
            if t.kind == ADD:
                flat.extend(t.args)
            else:
                flat.append(t)
        self._charge(len(flat))
        order: list[int] = []  # ids of coefficient-free parts; -1 for the number
        coefs: dict[int, Num] = {}
        rests: dict[int, Expr] = {}
        constant: Num = Fraction(0)
        for t in flat:
            if t.kind == NUM:
                if -1 not in coefs:
                    order.append(-1)
                    coefs[-1] = Fraction(0)
                constant = num_add(constant, t.num)
                continue
            c, rest = self._split_coefficient(t)
            if rest.id in coefs:
                coefs[rest.id] = num_add(coefs[rest.id], c)
            else:
                order.append(rest.id)
                coefs[rest.id] = c
                rests[rest.id] = rest
        out: list[Expr] = []
        for key in order:
            if key == -1:
                if constant != 0:
                    out.append(self.number(constant))
            elif coefs[key] != 0:
                out.append(self._scaled(coefs[key], rests[key]))
        if not out:
            return self.zero
        if len(out) == 1:
            return out[0]
        free = frozenset().union(*(t.free for t in out))
        key_ids = tuple(sorted(t.id for t in out))
        return self._make(ADD, ("+",) + key_ids, args=tuple(out), free=free)

    def _split_coefficient(self, t: Expr) -> tuple[Num, Expr]:
        """(c, rest) with t = c * rest and rest free of a numeric coefficient."""
        if t.kind != MUL:
            return Fraction(1), t
        factors = t.args
        if len(factors) == 1:
            return t.num, factors[0]
        return t.num, self._product(Fraction(1), factors)

    def _scaled(self, c: Num, rest: Expr) -> Expr:
        if c == 1:
            return rest
        if rest.kind == MUL:  # rest has coefficient 1 here
            return self._product(c, rest.args)
        return self._product(c, (rest,))

    def _product(self, coef: Num, factors: tuple[Expr, ...]) -> Expr:
        free = frozenset().union(*(f.free for f in factors))
        key = ("*",) + _num_key(coef) + tuple(sorted(f.id for f in factors))
        return self._make(MUL, key, num=coef, args=factors, free=free)

    def neg(self, a: Expr) -> Expr:
        """-a."""
        return self.mul(self.minus_one, a)

    def sub(self, a: Expr, b: Expr) -> Expr:
        """a - b."""
        return self.add(a, self.neg(b))

    # products

    def mul(self, *factors: Expr) -> Expr:
        """The product of ``factors``, flattened, numbers folded, like factors collected
        (their exponents added) and ordered: number, constants, variables, the rest."""
        coef: Num = Fraction(1)
        flat: list[Expr] = []
        for f in factors:
            if f.kind == MUL:
                coef = num_mul(coef, f.num)
                flat.extend(f.args)
            elif f.kind == NUM:
                coef = num_mul(coef, f.num)
            else:
                flat.append(f)
        self._charge(len(flat) + 1)
        if coef == 0:
            return self.zero
        order: list[int] = []
        bases: dict[int, Expr] = {}
        exponents: dict[int, list[Expr]] = {}
        for f in flat:
            base, exponent = (f.args[0], f.args[1]) if f.kind == POW else (f, self.one)
            if base.id in exponents:
                exponents[base.id].append(exponent)
            else:
                order.append(base.id)
                bases[base.id] = base
                exponents[base.id] = [exponent]
        out: list[Expr] = []
        for key in order:
            exps = exponents[key]
            if len(exps) == 1:
                out.append(bases[key] if exps[0] is self.one else self._power_of(bases[key],
                                                                                   exps[0]))
                continue
            p = self.pow(bases[key], self.add(*exps))
            if p.kind == NUM:
                coef = num_mul(coef, p.num)
            elif p.kind == MUL:
                coef = num_mul(coef, p.num)
                out.extend(p.args)
            else:
                out.append(p)
        if coef == 0:
            return self.zero
        out = [f for f in out if f is not self.one]
        if not out:
            return self.number(coef)
        if coef == 1 and len(out) == 1:
            return out[0]
        out.sort(key=_rank)  # stable: first appearance within a rank
        return self._product(coef, tuple(out))

    def _power_of(self, base: Expr, exponent: Expr) -> Expr:
        """base^exponent as already made (a factor taken apart and put back together)."""
        return self._make(POW, ("^", base.id, exponent.id), args=(base, exponent),
                          free=base.free | exponent.free)

    def div(self, a: Expr, b: Expr) -> Expr:
        """a / b."""
        return self.mul(a, self.pow(b, self.minus_one))

    # powers

    def pow(self, base: Expr, exponent: Expr) -> Expr:
        """base^exponent, simplified (see the module docstring)."""
        if exponent.kind == NUM:
            k = exponent.num
            if k == 0:
                return self.one
            if k == 1:
                return base
            whole = isinstance(k, Fraction) and k.denominator == 1
            if base.kind == NUM:
                value = num_pow(base.num, k)
                if value is not None:
                    return self.number(value)
            elif base.kind == POW and whole and base.args[1].kind == NUM:
                return self.pow(base.args[0], self.number(num_mul(base.args[1].num, k)))
            elif base.kind == POW and whole:
                return self.pow(base.args[0], self.mul(base.args[1], exponent))
            elif base.kind == MUL and whole:
                c = num_pow(base.num, k)
                if c is not None:
                    self._charge(len(base.args))
                    return self.mul(self.number(c), *(self.pow(f, exponent)
                                                      for f in base.args))
        if base.kind == NUM:
            if base.num == 1:
                return self.one
            if base.num == 0 and exponent.kind == NUM and exponent.num > 0:
                return self.zero
        return self._power_of(base, exponent)

    # functions

    def call(self, name: str, arg: Expr) -> Expr:
        """name(arg), with the few exact values listed in the module docstring."""
        if arg.kind == NUM:
            v = arg.num
            if v == 0 and name in ("sin", "tan", "tanh", "sqrt", "abs"):
                return self.zero
            if v == 0 and name in ("cos", "exp"):
                return self.one
            if v == 1 and name in ("log",):
                return self.zero
            if v == 1 and name == "sqrt":
                return self.one
            if name == "abs":
                return self.number(-v if v < 0 else v)
        if name == "log":
            if arg is self.e:
                return self.one
            if arg.kind == CALL and arg.name == "exp":
                return arg.args[0]
            if arg.kind == POW and arg.args[0] is self.e:
                return arg.args[1]
        if name == "abs" and arg.kind == CALL and arg.name == "abs":
            return arg
        return self._make(CALL, ("f", name, arg.id), name=name, args=(arg,), free=arg.free)


def _rank(f: Expr) -> tuple[int, str]:
    """Where a factor goes in a product: constants, then variables (and their numeric
    powers) in alphabetical order, then the rest (y*x^(y - 1)); ties keep their order."""
    if not f.free:
        return _RANK_CONSTANT, ""
    if f.kind == VAR:
        return _RANK_VARIABLE, f.name
    if f.kind == POW and f.args[0].kind == VAR and f.args[1].kind == NUM:
        return _RANK_VARIABLE, f.args[0].name
    return _RANK_OTHER, ""


def topological(roots: Iterable[Expr]) -> list[Expr]:
    """Every node reachable from ``roots``, each once, children before parents (by id: an
    algebra makes a node's children before the node)."""
    seen: dict[int, Expr] = {}
    stack = list(roots)
    while stack:
        e = stack.pop()
        if e.id in seen:
            continue
        seen[e.id] = e
        stack.extend(e.args)
    return [seen[k] for k in sorted(seen)]


__all__ = ["ADD", "CALL", "CONST", "MAX_BITS", "MAX_NODES", "MAX_WORK", "MUL", "NUM", "POW",
           "VAR", "Algebra", "Expr", "Num", "SymbolicLimit", "num_add", "num_mul", "num_pow",
           "topological"]
