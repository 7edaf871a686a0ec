"""The expression parser of the function lab: a security boundary.

A typed or pasted expression, or one read from a lesson file, is untrusted text. It is
tokenized and parsed here by hand, never evaluated: no ``eval``/``exec``, no ``ast``, no
``sympy.sympify``. The grammar::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom (("^" | "**") unary)?          (right-associative)
    atom       := number | constant | variable | function "(" expression ")"
                | "(" expression ")"
    number     := 12 | 1.5 | .5 | 5. | 1e-3 | 2.5E+4
    constant   := e | pi
    function   := sin | cos | tan | exp | log | sqrt | tanh | sigmoid | abs
    variable   := a letter, then letters, digits or "_" (not a keyword, a constant
                  or a function name)

so ``-x^2`` is ``-(x^2)``, ``2^-x`` is ``2^(-x)`` and ``2^3^2`` is ``2^(3^2)``, as in
Python. The Unicode minus sign and the times signs ``×`` ``·`` are read as ``-`` and ``*``
(text pasted from the lesson). Everything else is refused with an
:class:`~.errors.ExpressionError` that names the offending text and its column: attribute
access, subscripts, strings, commas, keywords, lambdas and comprehensions, unknown
functions, names starting with ``_`` (``__import__``), an operator missing between two
operands (``2x``: write ``2*x``).

Limits (all checked before any work that could grow): the text is at most
:data:`~simulator.engine.limits.MAX_EXPRESSION_LENGTH` characters, nested at most
:data:`~simulator.engine.limits.MAX_EXPRESSION_DEPTH` levels deep (parentheses, function
calls, unary signs and powers each add a level; a long sum or product does not), a number
at most
:data:`MAX_NUMBER_LENGTH` characters and within the float range. The parser is iterative
(operator precedence with explicit stacks), so no input can reach Python's recursion limit;
its work is linear in the length of the text.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction

from ..limits import MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH
from .errors import ExpressionError, quote
from .functions import FUNCTION_NAMES, FUNCTIONS
from .tree import CONSTANTS, BinaryOp, Call, Constant, Negate, Node, Number, Variable

#: The longest number (in characters) an expression may hold.
MAX_NUMBER_LENGTH = 40
#: The longest name (in characters) of a variable.
MAX_NAME_LENGTH = 32

_OPERATOR_CHARS = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^",
                   "\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*"}
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)

#: Characters with a message of their own: what a student (or an attack) meant by them.
_REFUSED_CHARS: dict[str, str] = {
    "[": "subscripts ('[...]') are not part of a formula",
    "]": "subscripts ('[...]') are not part of a formula",
    "{": "braces are not part of a formula",
    "}": "braces are not part of a formula",
    "'": "strings are not part of a formula",
    '"': "strings are not part of a formula",
    "`": "quotes are not part of a formula",
    ",": "',' is not part of a formula: each function takes one argument "
         "(and write decimals with a point: 0.5)",
    ";": "';' is not part of a formula",
    ":": "':' is not part of a formula",
    "=": "'=' is not part of a formula: type only the right-hand side (x^2, not f = x^2)",
    "%": "'%' is not an operator here: use + - * / ^",
    "!": "'!' is not an operator here: use + - * / ^",
    "<": "comparisons are not part of a formula",
    ">": "comparisons are not part of a formula",
    "&": "'&' is not an operator here: use + - * / ^",
    "|": "'|' is not an operator here: write abs(x) for the absolute value",
    "~": "'~' is not an operator here: use + - * / ^",
    "@": "'@' is not an operator here: use + - * / ^",
    "#": "'#' is not part of a formula",
    "$": "'$' is not part of a formula",
    "?": "'?' is not part of a formula",
    "\\": "'\\' is not part of a formula",
}


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the text: a number, a name, an operator, a parenthesis or the end."""

    kind: str  # "number", "name", "op", "(", ")", "end"
    text: str  # as typed
    start: int
    end: int
    op: str = ""  # the operator, normalised: + - * / ^


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _is_letter(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


# One pass of a regular expression per token. Every alternative is a plain character
# class or a fixed string, so matching is linear (no backtracking to speak of); [0-9]
# rather than \d, which would also match non-ASCII digits. Any white space separates
# (a no-break space pasted from a web page too).
_SCAN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^\u2212\u00d7\u00b7\u22c5])
  | (?P<paren>[()])
""", re.VERBOSE)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an "end" token; :class:`ExpressionError` for any
    character or word outside the grammar."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(text)} characters; the "
                              f"limit is {MAX_EXPRESSION_LENGTH})", text, MAX_EXPRESSION_LENGTH,
                              len(text))
    tokens: list[Token] = []
    i, n = 0, len(text)
    scan = _SCAN.match
    while i < n:
        m = scan(text, i)
        if m is None:
            j = i + 1
            if text[i] == "_":  # underline the whole name: __import__
                while j < n and (_is_letter(text[j]) or _is_digit(text[j]) or text[j] == "_"):
                    j += 1
            raise ExpressionError(_refusal(text, i, tokens), text, i, j)
        kind = m.lastgroup
        j = m.end()
        piece = m.group()
        if kind == "number":
            if piece[0] == "." and tokens and tokens[-1].kind == "number" and \
                    tokens[-1].end == i:
                raise ExpressionError(f"{quote(tokens[-1].text + '.')}: a number has at most "
                                      "one decimal point", text, tokens[-1].start, i + 1)
            tokens.append(Token("number", piece, i, j))
        elif kind == "name":
            tokens.append(_name_token(text, i, j))
        elif kind == "op":
            if piece == "/" and text.startswith("//", i):
                raise ExpressionError("'//' is not an operator here: use / for division",
                                      text, i, i + 2)
            tokens.append(Token("op", piece, i, j, "^" if piece == "**" else
                                _OPERATOR_CHARS[piece]))
        elif kind == "paren":
            tokens.append(Token(piece, piece, i, j))
        i = j
    tokens.append(Token("end", "", n, n))
    return tokens


def _refusal(text: str, i: int, tokens: list[Token]) -> str:
    c = text[i]
    if c == ".":
        if tokens and tokens[-1].kind in ("name", ")"):
            return "attribute access ('.') is not part of a formula"
        if tokens and tokens[-1].kind == "number":
            return f"{quote(tokens[-1].text + '.')}: a number has at most one decimal point"
        return "'.' must be followed by digits (write 0.5 or .5)"
    if c == "_":
        j = i
        while j < len(text) and (_is_letter(text[j]) or _is_digit(text[j]) or text[j] == "_"):
            j += 1
        return f"{quote(text[i:j])}: names may not start with '_'"
    if c == "[" and not (tokens and tokens[-1].kind in ("name", ")")):
        return "lists ('[...]') are not part of a formula"
    if c in _REFUSED_CHARS:
        return _REFUSED_CHARS[c]
    if c.isalpha():
        return f"{quote(c)}: names use the letters a-z and A-Z, digits and '_'"
    return f"{quote(c)} is not part of a formula"


def _name_token(text: str, i: int, j: int) -> Token:
    name = text[i:j]
    if j - i > MAX_NAME_LENGTH:
        raise ExpressionError(f"the name {quote(name)} is too long (at most "
                              f"{MAX_NAME_LENGTH} characters)", text, i, j)
    if name in _KEYWORDS:
        what = "lambdas are" if name == "lambda" else (
            "comprehensions are" if name in ("for", "in") else f"{quote(name)} is")
        raise ExpressionError(f"{what} not part of a formula ({quote(name)} is a Python "
                              "keyword)", text, i, j)
    return Token("name", name, i, j)


def _number(text: str, token: Token) -> Number:
    s = token.text
    if len(s) > MAX_NUMBER_LENGTH:
        raise ExpressionError(f"the number {quote(s)} is too long (at most "
                              f"{MAX_NUMBER_LENGTH} characters)", text, token.start, token.end)
    value = float(s)
    mantissa, _, exponent = s.lower().partition("e")
    digits = mantissa.replace(".", "")
    if math.isinf(value):
        raise ExpressionError(f"the number {quote(s)} is too large (overflow)", text,
                              token.start, token.end)
    if value == 0.0:
        if digits.strip("0"):
            raise ExpressionError(f"the number {quote(s)} is too small to compute with "
                                  "(it would be 0)", text, token.start, token.end)
        exact = Fraction(0)
    else:
        # float() bounded the exponent (about +-330), so 10**exponent is small work.
        whole, _, frac = mantissa.partition(".")
        exact = Fraction(int(whole + frac or "0"), 10 ** len(frac))
        if exponent:
            e = int(exponent)
            exact = exact * 10 ** e if e >= 0 else exact / 10 ** -e
    return Number(value, exact, (token.start, token.end))


# --- parsing -------------------------------------------------------------------------------

_BINARY_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_UNARY_PRECEDENCE = 3


@dataclass(slots=True)
class _Pending:
    """An operator, an open parenthesis or a function call waiting on the stack."""

    kind: str  # "binary", "unary", "(", "call"
    op: str
    precedence: int
    start: int
    end: int


def parse(text: str) -> Node:
    """The parse tree of ``text``; :class:`ExpressionError` if it is not an expression of
    the grammar (see the module docstring) or exceeds a limit."""
    tokens = _tokens(text)
    operands: list[tuple[Node, int]] = []  # (node, depth)
    pending: list[_Pending] = []
    opened = 0
    expect_operand = True
    i = 0
    while True:
        tok = tokens[i]
        if expect_operand:
            if tok.kind == "number":
                operands.append((_number(text, tok), 1))
                expect_operand = False
            elif tok.kind == "name":
                nxt = tokens[i + 1]
                if tok.text in FUNCTIONS:
                    if nxt.kind != "(":
                        raise ExpressionError(f"{quote(tok.text)} is a function: write "
                                              f"{tok.text}(...)", text, tok.start, tok.end)
                    opened += 1
                    _check_opened(text, opened, nxt)
                    pending.append(_Pending("call", tok.text, 0, tok.start, nxt.end))
                    i += 2
                    if tokens[i].kind == ")":
                        raise ExpressionError(f"{tok.text}() needs an argument", text,
                                              tok.start, tokens[i].end)
                    continue
                if nxt.kind == "(":
                    raise ExpressionError(_not_a_function(tok.text), text, tok.start, nxt.end)
                span = (tok.start, tok.end)
                node: Node = Constant(tok.text, span) if tok.text in CONSTANTS \
                    else Variable(tok.text, span)
                operands.append((node, 1))
                expect_operand = False
            elif tok.kind == "(":
                opened += 1
                _check_opened(text, opened, tok)
                if tokens[i + 1].kind == ")":
                    raise ExpressionError("empty parentheses '()'", text, tok.start,
                                          tokens[i + 1].end)
                pending.append(_Pending("(", "(", 0, tok.start, tok.end))
            elif tok.kind == "op" and tok.op in "+-":
                pending.append(_Pending("unary", tok.op, _UNARY_PRECEDENCE, tok.start,
                                        tok.end))
            else:
                raise ExpressionError(_operand_missing(text, tokens, i), text, tok.start,
                                      tok.end)
        else:
            if tok.kind == "op":
                prec = _BINARY_PRECEDENCE[tok.op]
                right = tok.op == "^"
                while pending and pending[-1].kind in ("binary", "unary") and (
                        pending[-1].precedence > prec
                        or (pending[-1].precedence == prec and not right)):
                    _reduce(text, operands, pending.pop())
                pending.append(_Pending("binary", tok.op, prec, tok.start, tok.end))
                expect_operand = True
            elif tok.kind == ")":
                while pending and pending[-1].kind in ("binary", "unary"):
                    _reduce(text, operands, pending.pop())
                if not pending:
                    raise ExpressionError("')' has no matching '('", text, tok.start, tok.end)
                opener = pending.pop()
                opened -= 1
                node, level = operands.pop()
                span = (opener.start, tok.end)
                level += 1
                _check_depth(text, level, span)
                if opener.kind == "call":
                    node = Call(opener.op, node, span)
                else:
                    node = replace(node, span=span)
                operands.append((node, level))
            elif tok.kind == "end":
                while pending:
                    top = pending.pop()
                    if top.kind in ("(", "call"):
                        raise ExpressionError(f"{quote(text[top.start:top.end])} is never "
                                              "closed: a ')' is missing", text, top.start,
                                              top.end)
                    _reduce(text, operands, top)
                return operands[0][0]
            else:
                prev = tokens[i - 1]
                raise ExpressionError(_operator_missing(prev, tok), text, tok.start, tok.end)
        i += 1


def _tokens(text: str) -> list[Token]:
    tokens = tokenize(text)
    if len(tokens) == 1:
        raise ExpressionError("type an expression, for example x*y + x^2", text, 0, 0)
    return tokens


def _check_opened(text: str, opened: int, tok: Token) -> None:
    if opened > MAX_EXPRESSION_DEPTH:
        raise ExpressionError(f"parentheses nested more than {MAX_EXPRESSION_DEPTH} levels "
                              "deep", text, tok.start, tok.end)


def _check_depth(text: str, level: int, span: tuple[int, int]) -> None:
    if level > MAX_EXPRESSION_DEPTH:
        raise ExpressionError(f"the expression is nested more than {MAX_EXPRESSION_DEPTH} "
                              "levels deep", text, span[0], span[1])


def _reduce(text: str, operands: list[tuple[Node, int]], op: _Pending) -> None:
    if op.kind == "unary":
        node, level = operands.pop()
        span = (op.start, node.span[1])
        level += 1
        _check_depth(text, level, span)
        if op.op == "+":  # unary plus changes nothing; the node keeps the sign in its span
            operands.append((replace(node, span=span), level))
        else:
            operands.append((Negate(node, span), level))
        return
    right, rlevel = operands.pop()
    left, llevel = operands.pop()
    span = (left.span[0], right.span[1])
    # A chain of sums or products (x + x + ... + x) is long, not nested: only powers,
    # signs, calls and parentheses add a level.
    level = max(llevel, rlevel) + (1 if op.op == "^" else 0)
    _check_depth(text, level, span)
    operands.append((BinaryOp(op.op, left, right, span), level))


def _not_a_function(name: str) -> str:
    if name in CONSTANTS:
        return f"{quote(name)} is a constant, not a function: write {name}*(...) for a product"
    known = ", ".join(FUNCTION_NAMES)
    return (f"unknown function {quote(name)} (the functions are {known}; "
            f"for a product write {name}*(...))")


def _operand_missing(text: str, tokens: list[Token], i: int) -> str:
    tok = tokens[i]
    prev = tokens[i - 1] if i > 0 else None
    if tok.kind == "end":
        after = f" after {quote(prev.text)}" if prev is not None else ""
        return f"the expression ends too soon{after}: a number, a variable or '(' is missing"
    what = quote(tok.text)
    if prev is None or prev.kind == "(":
        return f"{what} needs a number, a variable or '(' before it"
    return f"{what} cannot follow {quote(prev.text)}: a number, a variable or '(' is missing"


def _operator_missing(prev: Token, tok: Token) -> str:
    a = prev.text
    b = tok.text
    if tok.kind == "(":
        hint = f"{a}*(...)"
    elif prev.kind == "number" and tok.kind == "name" and tok.text in CONSTANTS and \
            prev.text[-1:] in "0123456789.":
        hint = f"{a}*{b} (a number's exponent is written 1e-3)"
    else:
        hint = f"{a}*{b}"
    return f"an operator is missing between {quote(a)} and {quote(b)}: write {hint}"


__all__ = ["MAX_NAME_LENGTH", "MAX_NUMBER_LENGTH", "Token", "parse", "tokenize"]
