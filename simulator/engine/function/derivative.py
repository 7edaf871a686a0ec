"""Symbolic partial derivatives of a parsed expression, simplified and written out.

The parse tree is turned into a canonical symbolic expression (:mod:`.symbolic`, built
from the tree, never from text), differentiated by the textbook rules, and written back in
the expression syntax (:mod:`.printer`)::

    d(u + v) = du + dv          d(c*u) = c*du          d(u*v) = du*v + u*dv
    d(u^n) = n*u^(n - 1)*du     d(a^v) = a^v*log(a)*dv
    d(u^v) = u^v*(dv*log(u) + v*du/u)
    sin' = cos   cos' = -sin   tan' = 1/cos^2   exp' = exp   log' = 1/u
    sqrt' = 1/(2*sqrt(u))   tanh' = 1 - tanh^2   sigmoid' = sigmoid*(1 - sigmoid)
    abs' = u/abs(u)

Both walks are iterative: the tree in post-order, the expression in topological order.
Every derivative text is parsed back (and its constant parts checked, as
:func:`~.analysis.parse_function` does) before it is handed out, so what is shown can be
typed in again. A derivative that would be too big to write out
(or to parse back) is not given: :class:`Derivative` then says why in ``problem``; values
and gradients never depend on it (the computational graph computes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..limits import MAX_EXPRESSION_LENGTH
from .errors import ExpressionError
from .graph import build_graph
from .parse import parse
from .printer import to_text
from .symbolic import ADD, CALL, MUL, POW, VAR, Algebra, Expr, SymbolicLimit, topological
from .tree import BinaryOp, Call, Constant, Negate, Node, Number, Variable, postorder


@dataclass(frozen=True)
class Derivative:
    """One partial derivative: df/d``variable`` written in the expression syntax, or the
    reason it is not given (``text`` is None and ``problem`` says why)."""

    variable: str
    text: str | None
    problem: str | None = None

    @property
    def label(self) -> str:
        """How the lesson names it: df/dx."""
        return f"df/d{self.variable}"


def to_symbolic(tree: Node, algebra: Algebra) -> Expr:
    """The canonical symbolic expression of a parse tree (iterative).

    A chain of sums (``a + b - c + ...``) or of products and quotients is collected into one
    list and simplified once, so a long sum costs time linear in its length.
    """
    a = algebra
    done: dict[int, Expr] = {}
    chains: dict[int, tuple[str, list[Expr]]] = {}  # id -> ("+" or "*", operands)

    def built(t: Node) -> Expr:
        chain = chains.pop(id(t), None)
        if chain is None:
            return done[id(t)]
        kind, items = chain
        e = a.add(*items) if kind == "+" else a.mul(*items)
        done[id(t)] = e
        return e

    for t in postorder(tree):
        if isinstance(t, Number):
            done[id(t)] = a.number(t.exact)
        elif isinstance(t, Variable):
            done[id(t)] = a.variable(t.name)
        elif isinstance(t, Constant):
            done[id(t)] = a.constant(t.name)
        elif isinstance(t, Negate):
            done[id(t)] = a.neg(built(t.operand))
        elif isinstance(t, Call):
            done[id(t)] = a.call(t.function, built(t.argument))
        else:
            assert isinstance(t, BinaryOp)
            if t.op == "^":
                done[id(t)] = a.pow(built(t.left), built(t.right))
                continue
            kind = "+" if t.op in "+-" else "*"
            left = chains.pop(id(t.left), None)
            items = left[1] if left is not None and left[0] == kind else None
            if items is None:
                items = [a.add(*left[1]) if left is not None and left[0] == "+" else
                         a.mul(*left[1]) if left is not None else done[id(t.left)]]
            right = built(t.right)
            if t.op == "-":
                right = a.neg(right)
            elif t.op == "/":
                right = a.pow(right, a.minus_one)
            items.append(right)
            chains[id(t)] = (kind, items)
    return built(tree)


#: Differentiation gives up once a partial result is longer than this many times the
#: longest text it could be written as (like terms may still cancel below that).
_SLACK = 4


def differentiate(expr: Expr, variable: str, algebra: Algebra,
                  max_length: int = MAX_EXPRESSION_LENGTH) -> Expr:
    """d expr / d variable, simplified by the algebra's rules (iterative).

    :class:`~.symbolic.SymbolicLimit` as soon as a partial result could not be written out
    in ``max_length`` characters even if a quarter of it cancelled.
    """
    a = algebra
    d: dict[int, Expr] = {}
    limit = _SLACK * max_length

    def of(e: Expr) -> Expr:
        return d[e.id] if variable in e.free else a.zero

    for e in topological([expr]):
        if variable not in e.free:
            continue
        kind = e.kind
        if kind == VAR:
            r = a.one
        elif kind == ADD:
            r = a.add(*(of(t) for t in e.args))
        elif kind == MUL:
            factors = e.args
            coef = a.number(e.num)
            terms: list[Expr] = []
            total = 0
            for i, f in enumerate(factors):
                if variable in f.free:
                    terms.append(a.mul(coef, of(f), *factors[:i], *factors[i + 1:]))
                    total += terms[-1].chars
                    if total > limit:  # stop before making the other terms
                        raise SymbolicLimit(f"it is too long to write out (more than "
                                            f"{max_length} characters)")
            r = a.add(*terms)
        elif kind == POW:
            base, exponent = e.args
            if variable not in exponent.free:  # u^n
                r = a.mul(exponent, a.pow(base, a.add(exponent, a.minus_one)), of(base))
            elif variable not in base.free:  # a^v
                r = a.mul(e, a.call("log", base), of(exponent))
            else:  # u^v
                r = a.mul(e, a.add(a.mul(of(exponent), a.call("log", base)),
                                   a.mul(exponent, of(base), a.pow(base, a.minus_one))))
        else:
            assert kind == CALL
            u = e.args[0]
            r = a.mul(_outer(e, u, a), of(u))
        if r.chars > limit:
            raise SymbolicLimit(f"it is too long to write out (more than {max_length} "
                                "characters)")
        d[e.id] = r
    return of(expr)


def _outer(e: Expr, u: Expr, a: Algebra) -> Expr:
    """The derivative of the function ``e = f(u)`` with respect to u."""
    name = e.name
    if name == "sin":
        return a.call("cos", u)
    if name == "cos":
        return a.neg(a.call("sin", u))
    if name == "tan":
        return a.pow(a.call("cos", u), a.number(-2))
    if name == "exp":
        return e
    if name == "log":
        return a.pow(u, a.minus_one)
    if name == "sqrt":
        return a.mul(a.number(Fraction(1, 2)), a.pow(e, a.minus_one))
    if name == "tanh":
        return a.sub(a.one, a.pow(e, a.number(2)))
    if name == "sigmoid":
        return a.mul(e, a.sub(a.one, e))
    if name == "abs":
        return a.mul(u, a.pow(e, a.minus_one))
    raise ValueError(f"no derivative rule for {name}")  # pragma: no cover - FUNCTIONS


def derivatives(tree: Node, variables: tuple[str, ...]) -> dict[str, Derivative]:
    """df/dv for every variable v, written out and checked to parse back."""
    algebra = Algebra()
    try:
        expr = to_symbolic(tree, algebra)
    except SymbolicLimit as exc:
        return {v: Derivative(v, None, f"df/d{v} is not written out: {exc}")
                for v in variables}
    out: dict[str, Derivative] = {}
    for v in variables:
        try:
            text = to_text(differentiate(expr, v, algebra))
            build_graph(parse(text), text)  # parses back, constants finite
        except SymbolicLimit as exc:
            out[v] = Derivative(v, None, f"df/d{v} is not written out: {exc}")
        except ExpressionError as exc:
            out[v] = Derivative(v, None, f"df/d{v} is not written out: {exc.message}")
        else:
            out[v] = Derivative(v, text)
    return out


def simplified(tree: Node) -> str | None:
    """The expression itself in the canonical form the derivatives use (None if too big)."""
    try:
        return to_text(to_symbolic(tree, Algebra()))
    except SymbolicLimit:
        return None


__all__ = ["Derivative", "derivatives", "differentiate", "simplified",
           "to_symbolic"]
