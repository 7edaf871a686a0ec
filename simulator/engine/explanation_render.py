"""Renderers of :class:`~simulator.engine.explanation.Explanation` trees.

:class:`Renderer` walks the tree once for every format: it lays each equation out as
lines (``lhs = formula = numbers = result``; the formula and the numbers on two lines
around the children when the equation has sub-derivations or asks to be split), formats
every number with :func:`~simulator.engine.numbers.format_number` at the renderer's digits,
and puts negative numbers in parentheses where they follow an operator. A format is a
subclass that overrides the small hooks (:meth:`Renderer.sym`, :meth:`Renderer.number`,
:meth:`Renderer.op`, :meth:`Renderer.group`, :meth:`Renderer.line`,
:meth:`Renderer.paragraph`, :meth:`Renderer.document`). Plain text and Markdown live here;
the derivation panel's HTML is in :mod:`simulator.app.derivation_panel`.

With ``blanks`` a renderer writes a worksheet: every computed number becomes
:data:`BLANK` and the given ones stay (see :data:`~simulator.engine.explanation.GIVEN`).

Numbers that show the change: an equation whose result is the new value of a quantity
that also appears in its numbers (the update ``w2 = 0.15 - 0.01 * 0.00029977 = ...``; the
tree marks it by the result's quantity ``"new w2"``, see
:mod:`~simulator.engine.explanation`) writes the old and the new value with as many
digits as it takes for them to read differently (:func:`change_digits`): at 5 digits
``... = 0.149997``, never ``... = 0.15``, so the student sees the parameter move. Every
other number keeps the renderer's digits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .explanation import Equation, Explanation, Num, Op, Sym, Text, Token, tokens_numbers
from .limits import DEFAULT_DIGITS
from .numbers import format_number

#: What a worksheet writes where a computed number goes.
BLANK = "________"
#: The most significant digits :func:`change_digits` goes to (a float64 has 17).
MAX_CHANGE_DIGITS = 17
#: The quantity of a value after the update step is this prefix and the symbol.
NEW_PREFIX = "new "


def change_digits(old: float, new: float, digits: int) -> int:
    """The fewest significant digits, at least ``digits``, at which ``old`` and ``new``
    read differently (``digits`` when they are equal, not finite, or already differ)."""
    old, new = float(old), float(new)
    if old == new or not (math.isfinite(old) and math.isfinite(new)):
        return digits
    d = max(1, int(digits))
    while d < MAX_CHANGE_DIGITS and format_number(old, d) == format_number(new, d):
        d += 1
    return d


def _changed_quantity(eq: Equation) -> str | None:
    """The quantity whose new value ``eq``'s result is ("w2" for a result "new w2")."""
    result = eq.result
    if result is None or not result.quantity.startswith(NEW_PREFIX):
        return None
    return result.quantity[len(NEW_PREFIX):]


@dataclass(frozen=True, slots=True)
class Line:
    """One rendered line: ``kind`` is "equation" or "text"; ``level`` its nesting depth."""

    kind: str
    level: int
    text: str


class Renderer:
    """Writes explanations in one format; subclasses override the hooks."""

    def __init__(self, digits: int = DEFAULT_DIGITS, *, blanks: bool = False) -> None:
        self.digits = digits
        self.blanks = blanks
        # Numbers written with more digits than ``digits`` (by id), while their equation is
        # rendered: an old value and its new one that would otherwise read the same.
        self._wider: dict[int, int] = {}

    # --- the walk (the same for every format) -----------------------------------------------

    def render(self, explanation: Explanation, limit: int | None = None,
               rest: str = "") -> str:
        """The whole explanation; with ``limit``, only its first ``limit`` lines and a
        line saying how many more there are (followed by ``rest``, what to do to see
        them)."""
        lines = self.lines(explanation, limit)
        if limit is not None and len(lines) >= limit:
            more = count_lines(explanation) - limit
            if more > 0:
                text = f"... {more} more line{'s' if more != 1 else ''}"
                lines.append(Line("text", 0, self.paragraph(
                    f"{text}: {rest}" if rest else text, 0)))
        return self.document(explanation, lines)

    def lines(self, explanation: Explanation, limit: int | None = None) -> list[Line]:
        """The rendered lines of the explanation's blocks (at most ``limit``)."""
        out: list[Line] = []
        for block in explanation.blocks:
            if limit is not None and len(out) >= limit:
                break
            if isinstance(block, Text):
                out.append(Line("text", 0, self.paragraph(block.text, 0)))
            else:
                self._equation(block, 0, out, limit)
        return out

    def _equation(self, eq: Equation, level: int, out: list[Line], limit: int | None) -> None:
        wider = self._change_widening(eq)
        if wider:
            self._wider.update(wider)
        try:
            self._write_equation(eq, level, out, limit)
        finally:
            for key in wider:
                self._wider.pop(key, None)

    def _change_widening(self, eq: Equation) -> dict[int, int]:
        """{id(num): digits} for an update whose old and new values would read the same at
        the renderer's digits (see :func:`change_digits`); empty otherwise."""
        quantity = _changed_quantity(eq)
        if quantity is None or eq.result is None:
            return {}
        olds = [n for n in tokens_numbers(eq.numbers) if n.quantity == quantity]
        new = eq.result.value
        d = max((change_digits(n.value, new, self.digits) for n in olds), default=self.digits)
        if d == self.digits:
            return {}
        return {id(n): d for n in [*olds, eq.result]}

    def _write_equation(self, eq: Equation, level: int, out: list[Line],
                        limit: int | None) -> None:
        lhs = self.sym(eq.lhs.name)
        if eq.qualifier:
            lhs += " " + self.escape(eq.qualifier)
        formula = self.tokens(eq.formula) if eq.formula else ""
        numbers = self.tokens(eq.numbers) if eq.numbers else ""
        result = self.result(eq.result) if eq.result is not None else None
        if eq.children or (eq.split and formula and (numbers or result is not None)):
            if formula:
                out.append(Line("equation", level, self.line(level, eq, lhs, [formula], None)))
            for child in eq.children:
                if limit is not None and len(out) >= limit:
                    return
                self._equation(child, level + 1, out, limit)
            if numbers or result is not None:
                out.append(Line("equation", level, self.line(
                    level, eq, lhs, [numbers] if numbers else [], result)))
        else:
            parts = [p for p in (formula, numbers) if p]
            out.append(Line("equation", level, self.line(level, eq, lhs, parts, result)))

    def tokens(self, tokens: Iterable[Token], start: bool = True) -> str:
        """Tokens as text; a negative number is put in parentheses unless it opens the
        expression (``start``) or follows an opening parenthesis."""
        parts: list[str] = []
        after_open = start
        for token in tokens:
            if isinstance(token, Num):
                parts.append(self._number(token, parens=not after_open))
                after_open = False
            elif isinstance(token, Sym):
                parts.append(self.sym(token.name))
                after_open = False
            elif isinstance(token, Op):
                parts.append(self.op(token.text))
                after_open = token.text.endswith("(")
            else:
                parts.append(self.group(self.tokens(token.tokens, start=after_open
                                                    or token.paren), token.paren))
                after_open = False
        return "".join(parts)

    def _number(self, num: Num, parens: bool) -> str:
        if self.blanks and not num.given:
            return self.blank(num)
        text = format_number(num.value, self._wider.get(id(num), self.digits))
        return self.number(num, text, parens and text.startswith("-"))

    def result(self, num: Num) -> str:
        """An equation's result (never in parentheses)."""
        if self.blanks and not num.given:
            return self.blank(num)
        return self.number(num, format_number(num.value, self._wider.get(id(num),
                                                                           self.digits)),
                           False)

    # --- hooks (plain text here) -------------------------------------------------------------

    def escape(self, text: str) -> str:
        """Literal text made safe for the format."""
        return text

    def sym(self, name: str) -> str:
        """A symbol."""
        return self.escape(name)

    def number(self, num: Num, text: str, parens: bool) -> str:
        """A formatted number (``text``), in parentheses when ``parens``."""
        return f"({text})" if parens else text

    def blank(self, num: Num) -> str:
        """Where a worksheet leaves a computed number out."""
        return BLANK

    def op(self, text: str) -> str:
        """Literal text between symbols and numbers."""
        return self.escape(text)

    def group(self, inner: str, paren: bool) -> str:
        """A group's rendered tokens (one product: kept together)."""
        return f"({inner})" if paren else inner

    def line(self, level: int, eq: Equation, lhs: str, parts: list[str],
             result: str | None) -> str:
        """One line of an equation: the left-hand side, the right-hand sides, the result."""
        rhs = [*parts, result] if result is not None else parts
        text = "  " * level + lhs
        if rhs:
            text += f" {eq.relation} " + " = ".join(rhs)
        if eq.note:
            text += f" ({self.escape(eq.note)})"
        return text

    def paragraph(self, text: str, level: int) -> str:
        """A paragraph of prose."""
        return "  " * level + self.escape(text)

    def document(self, explanation: Explanation, lines: list[Line]) -> str:
        """The title and the lines, put together."""
        return "\n".join([self.escape(explanation.title), *(line.text for line in lines)])


class TextRenderer(Renderer):
    """Plain text: the title, then one line per equation line (sub-derivations indented by
    two spaces per level)."""


class MarkdownRenderer(Renderer):
    """Markdown: the title as a level-3 heading, prose as paragraphs, equations in fenced
    code blocks (so that the lesson's ``*`` and ``_`` stay as written)."""

    def document(self, explanation: Explanation, lines: list[Line]) -> str:
        out = [f"### {explanation.title}", ""]
        in_code = False
        for line in lines:
            code = line.kind == "equation"
            if code != in_code:
                out += ["```"] if code else ["```", ""]
                in_code = code
            out.append(line.text if code else line.text.strip())
            if not code:
                out.append("")
        if in_code:
            out.append("```")
        return "\n".join(out).rstrip("\n")


def count_lines(explanation: Explanation) -> int:
    """How many lines :class:`Renderer` writes for the explanation's blocks."""
    return sum(1 if isinstance(b, Text) else _equation_lines(b) for b in explanation.blocks)


def _equation_lines(eq: Equation) -> int:
    if eq.children or (eq.split and eq.formula and (eq.numbers or eq.result is not None)):
        return ((1 if eq.formula else 0) + sum(_equation_lines(c) for c in eq.children)
                + (1 if eq.numbers or eq.result is not None else 0))
    return 1


def render_text(explanation: Explanation, digits: int = DEFAULT_DIGITS, *,
                blanks: bool = False) -> str:
    """The explanation as plain text: its title, then its lines."""
    return TextRenderer(digits, blanks=blanks).render(explanation)


def render_markdown(explanation: Explanation, digits: int = DEFAULT_DIGITS, *,
                    blanks: bool = False) -> str:
    """The explanation as Markdown (a level-3 heading, prose, fenced equations)."""
    return MarkdownRenderer(digits, blanks=blanks).render(explanation)


def text_lines(explanation: Explanation, digits: int = DEFAULT_DIGITS) -> list[str]:
    """The explanation's lines as plain text, without the title."""
    return [line.text for line in TextRenderer(digits).lines(explanation)]


__all__ = ["BLANK", "MAX_CHANGE_DIGITS", "NEW_PREFIX", "Line", "MarkdownRenderer", "Renderer",
           "TextRenderer", "change_digits", "count_lines", "render_markdown", "render_text",
           "text_lines"]
