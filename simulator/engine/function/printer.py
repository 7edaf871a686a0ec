"""Symbolic expressions written in the expression syntax, as a textbook writes them.

``y + 2*x``, ``e^2*cos(x)``, ``1/(2*sqrt(x))``, ``-2*(1 - x) - 400*x*(y - x^2)``: a sum
writes a negative term with " - ", a product puts factors with negative exponents in a
denominator, a fraction that came from decimals stays a decimal (0.2*x) and any other
stays a fraction (2*x/3). Only the parentheses the precedence needs are written (and
those around a power's exponent unless it is a single number or name), so the text parses
back through :func:`~.parse.parse` to the same expression.

Writing is bottom-up over the nodes (no recursion), each shared sub-expression once, and
stops with :class:`~.symbolic.SymbolicLimit` as soon as a piece gets longer than
``max_length``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..limits import MAX_EXPRESSION_LENGTH
from .symbolic import ADD, CALL, CONST, MUL, NUM, POW, VAR, Expr, Num, SymbolicLimit, topological

_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_LONGEST_PLAIN_NUMBER = 20


@dataclass(frozen=True, slots=True)
class _Text:
    text: str  # the whole expression, with its sign
    prec: int
    magnitude: str | None = None  # for a negative term: the text without its "-"
    magnitude_prec: int = _ATOM


def _decimal(f: Fraction, any_terminating: bool = False) -> str | None:
    """|f| written exactly in decimals if its denominator is 2^a 5^b with b > 0 (it came
    from a decimal; with ``any_terminating`` b may be 0: 0.5), else None."""
    q = f.denominator
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    if q != 1 or (fives == 0 and not any_terminating) or f.denominator == 1:
        return None
    k = max(twos, fives)
    digits = str(abs(f.numerator) * 10 ** k // f.denominator).rjust(k + 1, "0")
    return f"{digits[:-k]}.{digits[-k:]}"


def _plain(v: Num) -> str:
    """|v| as a single number token (exact if short enough, else the nearest float)."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            s = str(abs(v.numerator))
            if len(s) <= _LONGEST_PLAIN_NUMBER:
                return s
        else:
            d = _decimal(v)
            if d is not None and len(d) <= _LONGEST_PLAIN_NUMBER:
                return d
    try:
        f = abs(float(v))
    except OverflowError:
        f = math.inf
    if not math.isfinite(f) or (f == 0.0 and v != 0):
        raise SymbolicLimit("a number in it is beyond the range of numbers")
    return repr(f)


def _is_fraction(v: Num) -> bool:
    """Whether |v| is written p/q (a fraction that does not come from decimals)."""
    return (isinstance(v, Fraction) and v.denominator != 1 and _decimal(v) is None
            and len(str(v.denominator)) <= _LONGEST_PLAIN_NUMBER
            and len(str(abs(v.numerator))) <= _LONGEST_PLAIN_NUMBER)


def _number(v: Num, decimals: bool = False) -> _Text:
    """A number; with ``decimals`` a fraction with a short exact decimal form is written in
    decimals (for exponents: x^0.5 rather than x^(1/2))."""
    mag: str | None = None
    prec = _ATOM
    if decimals and isinstance(v, Fraction):
        mag = _decimal(v, any_terminating=True)
        if mag is not None and len(mag) > _LONGEST_PLAIN_NUMBER:
            mag = None
    if mag is None and _is_fraction(v):
        assert isinstance(v, Fraction)
        mag, prec = f"{abs(v.numerator)}/{v.denominator}", _PRODUCT
    if mag is None:
        mag = _plain(v)
    if v < 0:
        return _Text("-" + mag, _UNARY, mag, prec)
    return _Text(mag, prec)


def _wrap(t: _Text, least: int) -> str:
    return t.text if t.prec >= least else f"({t.text})"


class _Writer:
    def __init__(self, max_length: int) -> None:
        self.max_length = max_length
        self.done: dict[int, _Text] = {}

    def check(self, t: _Text) -> _Text:
        if len(t.text) > self.max_length:
            raise SymbolicLimit(f"it is too long to write out (more than {self.max_length} "
                                "characters)")
        return t

    def write(self, e: Expr) -> _Text:
        kind = e.kind
        if kind == NUM:
            return _number(e.num)
        if kind in (VAR, CONST):
            return _Text(e.name, _ATOM)
        if kind == CALL:
            return _Text(f"{e.name}({self.done[e.args[0].id].text})", _ATOM)
        if kind == POW:
            base, exponent = e.args
            if exponent.kind == NUM and exponent.num < 0:
                return self.product(Fraction(1), (e,))
            return _Text(self.power(base, exponent), _POWER)
        if kind == MUL:
            return self.product(e.num, e.args)
        assert kind == ADD
        parts: list[str] = []
        for i, term in enumerate(e.args):
            t = self.done[term.id]
            if i == 0:
                parts.append(t.text)
            elif t.magnitude is not None:
                parts.append(" - " + (t.magnitude if t.magnitude_prec > _SUM
                                      else f"({t.magnitude})"))
            else:
                parts.append(" + " + t.text)
        return _Text("".join(parts), _SUM)

    def power(self, base: Expr, exponent: Expr) -> str:
        b = _wrap(self.done[base.id], _POWER + 1)
        if exponent.kind == NUM and exponent.num > 0:
            return f"{b}^{_wrap(_number(exponent.num, decimals=True), _ATOM)}"
        return f"{b}^{_wrap(self.done[exponent.id], _ATOM)}"

    def product(self, coef: Num, factors: tuple[Expr, ...]) -> _Text:
        top: list[str] = []
        bottom: list[tuple[str, int]] = []
        if _is_fraction(coef):
            assert isinstance(coef, Fraction)
            if abs(coef.numerator) != 1:
                top.append(str(abs(coef.numerator)))
            bottom.append((str(coef.denominator), _ATOM))
        elif abs(coef) != 1:
            top.append(_plain(coef))
        for f in factors:
            if f.kind == POW and f.args[1].kind == NUM and f.args[1].num < 0:
                base, k = f.args[0], -f.args[1].num
                if k == 1:
                    t = self.done[base.id]
                    bottom.append((t.text, t.prec))
                else:
                    bottom.append((f"{_wrap(self.done[base.id], _POWER + 1)}^"
                                   f"{_wrap(_number(k, decimals=True), _ATOM)}", _POWER))
            else:
                top.append(_wrap(self.done[f.id], _PRODUCT + 1))
        text = "*".join(top) if top else "1"
        if len(bottom) == 1:
            b, p = bottom[0]
            text += f"/{b}" if p > _PRODUCT else f"/({b})"
        elif bottom:
            text += "/(" + "*".join(b if p > _SUM else f"({b})" for b, p in bottom) + ")"
        if coef < 0:
            return _Text("-" + text, _UNARY, text, _PRODUCT)
        return _Text(text, _PRODUCT)


def to_text(expr: Expr, max_length: int = MAX_EXPRESSION_LENGTH) -> str:
    """``expr`` in the expression syntax; :class:`SymbolicLimit` if longer than
    ``max_length`` characters."""
    w = _Writer(max_length)
    for node in topological([expr]):
        w.done[node.id] = w.check(w.write(node))
    return w.done[expr.id].text


__all__ = ["to_text"]
