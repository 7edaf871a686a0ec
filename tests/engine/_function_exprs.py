"""Generated expressions for the function-lab tests, with an independent reference.

A Hypothesis strategy draws expression trees (nested tuples) over x and y; for each tree
this module can

- write it as text in the lab's grammar, with only the parentheses the documented
  precedence needs (or with all of them), random spacing, and ``^`` or ``**``: if the
  parser's precedence differed from the documented one, the text would mean another tree
  and the values would differ;
- evaluate it with Python's ``math`` module, recursively (the reference value: written here
  independently of the engine's graph), raising :class:`Undefined` outside the domain;
- build the SymPy expression of the tree (for SymPy's derivative as a reference).
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

VARIABLES = ("x", "y")
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "abs")
NUMBERS = ("2", "3", "0.5", "1.5", "10", "0.25", "1e-1", "4")

Tree = tuple[Any, ...]


class Undefined(Exception):
    """The reference cannot compute the tree at that point (domain, overflow)."""


def leaves() -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.sampled_from(VARIABLES).map(lambda v: ("var", v)),
        st.sampled_from(NUMBERS).map(lambda n: ("num", n)),
        st.sampled_from(("e", "pi")).map(lambda c: ("const", c)),
    )


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        # powers: small whole or half exponents, or a variable exponent
        st.tuples(st.just("bin"), st.just("^"), children,
                  st.sampled_from(("2", "3", "0.5", "-1")).map(lambda n: ("num", n))
                  | children),
        st.tuples(st.just("call"), st.sampled_from(FUNCTIONS), children),
    )


def trees(max_leaves: int = 8) -> st.SearchStrategy[Tree]:
    """Expression trees with up to about ``max_leaves`` leaves."""
    return st.recursive(leaves(), _extend, max_leaves=max_leaves)


# --- text ----------------------------------------------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


def _prec(t: Tree) -> int:
    if t[0] == "bin":
        return _PREC[t[1]]
    if t[0] == "neg":
        return 3
    return 5


def to_text(t: Tree, minimal: bool = True, star_star: bool = False, space: str = "") -> str:
    """``t`` in the grammar (only the parentheses precedence needs, if ``minimal``)."""

    def wrap(child: Tree, needs: bool) -> str:
        text = to_text(child, minimal, star_star, space)
        return f"({text})" if needs or (not minimal and child[0] in ("bin", "neg")) else text

    kind = t[0]
    if kind in ("var", "num", "const"):
        return t[1]
    if kind == "neg":
        return "-" + wrap(t[1], _prec(t[1]) < 3)
    if kind == "call":
        return f"{t[1]}({to_text(t[2], minimal, star_star, space)})"
    op, a, b = t[1], t[2], t[3]
    p = _PREC[op]
    if op == "^":
        left = wrap(a, _prec(a) <= 4)
        right = wrap(b, _prec(b) < 3)
        return f"{left}{space}{'**' if star_star else '^'}{space}{right}"
    return f"{wrap(a, _prec(a) < p)}{space}{op}{space}{wrap(b, _prec(b) <= p)}"


# --- the reference -------------------------------------------------------------------------

def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise Undefined
    return v


def _sigmoid(u: float) -> float:
    if u >= 0:
        return 1.0 / (1.0 + math.exp(-u))
    z = math.exp(u)
    return z / (1.0 + z)


_MATH = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
         "sqrt": math.sqrt, "tanh": math.tanh, "sigmoid": _sigmoid, "abs": abs}


def evaluate(t: Tree, point: dict[str, float]) -> float:
    """The value of ``t`` at ``point`` with Python's math; :class:`Undefined` if not a
    finite real number."""
    kind = t[0]
    try:
        if kind == "var":
            return point[t[1]]
        if kind == "num":
            return float(t[1])
        if kind == "const":
            return math.e if t[1] == "e" else math.pi
        if kind == "neg":
            return -evaluate(t[1], point)
        if kind == "call":
            return _finite(_MATH[t[1]](evaluate(t[2], point)))
        op, a, b = t[1], evaluate(t[2], point), evaluate(t[3], point)
        if op == "+":
            return _finite(a + b)
        if op == "-":
            return _finite(a - b)
        if op == "*":
            return _finite(a * b)
        if op == "/":
            if b == 0:
                raise Undefined
            return _finite(a / b)
        if a < 0 and not float(b).is_integer():
            raise Undefined
        if a == 0 and b < 0:
            raise Undefined
        return _finite(math.pow(a, b))
    except (ValueError, OverflowError, ZeroDivisionError):
        raise Undefined from None


def variables(t: Tree) -> list[str]:
    """The tree's variables, left to right, each once."""
    out: list[str] = []
    stack = [t]
    while stack:
        node = stack.pop()
        if node[0] == "var":
            if node[1] not in out:
                out.append(node[1])
        elif node[0] in ("neg",):
            stack.append(node[1])
        elif node[0] == "call":
            stack.append(node[2])
        elif node[0] == "bin":
            stack.extend((node[3], node[2]))
    return out


def to_sympy(t: Tree, symbols: dict[str, Any]) -> Any:
    """The SymPy expression of ``t`` (built from the tree, never from text)."""
    import sympy as sp

    kind = t[0]
    if kind == "var":
        return symbols[t[1]]
    if kind == "num":
        return sp.Rational(t[1])
    if kind == "const":
        return sp.E if t[1] == "e" else sp.pi
    if kind == "neg":
        return -to_sympy(t[1], symbols)
    if kind == "call":
        u = to_sympy(t[2], symbols)
        if t[1] == "sigmoid":
            return 1 / (1 + sp.exp(-u))
        return {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
                "sqrt": sp.sqrt, "tanh": sp.tanh, "abs": sp.Abs}[t[1]](u)
    a, b = to_sympy(t[2], symbols), to_sympy(t[3], symbols)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
            "^": lambda: a ** b}[t[1]]()
