"""Symbolic partial derivatives: written as a textbook writes them, in the expression
syntax, parsing back, and equal (evaluated) to the graph's gradient and to SymPy's
derivative (SymPy is a test-only reference: the app does not use it)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.engine.function import ExpressionError, parse_function
from simulator.engine.function.derivative import derivatives, to_symbolic
from simulator.engine.function.parse import parse
from simulator.engine.function.printer import to_text
from simulator.engine.function.symbolic import Algebra, SymbolicLimit

from . import _function_exprs as gen

TEXTBOOK = [
    ("x*y + x^2", {"x": "y + 2*x", "y": "x"}),
    ("e^2*sin(x)", {"x": "e^2*cos(x)"}),
    ("(1 - x)^2 + 100*(y - x^2)^2", {"x": "-2*(1 - x) - 400*x*(y - x^2)",
                                      "y": "200*(y - x^2)"}),
    ("x^2 + y^2", {"x": "2*x", "y": "2*y"}),
    ("0.1*x^2 + 10*y^2", {"x": "0.2*x", "y": "20*y"}),
    ("x^2 - y^2", {"x": "2*x", "y": "-2*y"}),
    ("sigmoid(x)", {"x": "sigmoid(x)*(1 - sigmoid(x))"}),
    ("tanh(x)", {"x": "1 - tanh(x)^2"}),
    ("sqrt(x)", {"x": "1/(2*sqrt(x))"}),
    ("log(x)", {"x": "1/x"}),
    ("exp(2*x)", {"x": "2*exp(2*x)"}),
    ("e^x", {"x": "e^x"}),
    ("2^x", {"x": "log(2)*2^x"}),
    ("x^y", {"x": "y*x^(y - 1)", "y": "x^y*log(x)"}),
    ("tan(x)", {"x": "1/cos(x)^2"}),
    ("cos(x)", {"x": "-sin(x)"}),
    ("abs(x)", {"x": "x/abs(x)"}),
    ("1/x", {"x": "-1/x^2"}),
    ("1/(x*y)", {"x": "-1/(x^2*y)", "y": "-1/(x*y^2)"}),
    ("x^2/3", {"x": "2*x/3"}),
    ("sin(x^2)", {"x": "2*x*cos(x^2)"}),
    ("2*x*sin(x)", {"x": "2*sin(x) + 2*x*cos(x)"}),
    ("x*x*x", {"x": "3*x^2"}),
    ("x^0.5", {"x": "1/(2*x^0.5)"}),
    ("x - x + y", {"x": "0", "y": "1"}),
    ("pi*x^2", {"x": "2*pi*x"}),
    ("x^2 - 2*x + 1", {"x": "2*x - 2"}),
    ("-x^2", {"x": "-2*x"}),
    ("sin(x)*cos(x)", {"x": "cos(x)^2 - sin(x)^2"}),
    ("log(exp(x))", {"x": "1"}),
]


@pytest.mark.parametrize(("text", "expected"), TEXTBOOK)
def test_derivatives_read_as_in_a_textbook(text: str, expected: dict[str, str]) -> None:
    f = parse_function(text)
    got = {v: d.text for v, d in f.derivatives.items()}
    assert got == expected
    for d in f.derivatives.values():
        assert d.problem is None and d.label == f"df/d{d.variable}"
        parse(d.text)  # the same parser reads it back


def test_simplified_expression() -> None:
    assert parse_function("x*1 + 0*y + x").simplified == "2*x"
    assert parse_function("y*x").simplified == "x*y"
    assert parse_function("(2*x)^3").simplified == "8*x^3"


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b), scale)


# Coordinates away from tiny magnitudes, where a gradient's terms (1/x and -x/x^2 in
# x/x) are huge and cancel in floating point whatever computes them.
COORDINATE = st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-3)
POINTS = st.fixed_dictionaries({"x": COORDINATE, "y": COORDINATE})


@given(gen.trees(), POINTS)
def test_symbolic_derivative_evaluated_equals_the_graphs_gradient(tree, point) -> None:
    try:
        f = parse_function(gen.to_text(tree))
    except ExpressionError:
        assume(False)
        return
    p = {v: point[v] for v in f.variables}
    value, gradient = f.value_and_gradient(p)
    assume(math.isfinite(value) and all(math.isfinite(g) for g in gradient))
    assume(abs(value) < 1e6 and all(abs(g) < 1e6 for g in gradient))
    for v, g in zip(f.variables, gradient):
        d = f.derivatives[v]
        assert d.text is not None, d.problem  # small expressions are always written out
        df = parse_function(d.text)  # reparses
        assert set(df.variables) <= set(f.variables)
        got = df.value({u: point[u] for u in df.variables})
        assert _close(got, g, abs(value)), (gen.to_text(tree), v, d.text, got, g)


@given(gen.trees(max_leaves=6), POINTS)
def test_symbolic_derivative_agrees_with_sympy(tree, point) -> None:
    sp = pytest.importorskip("sympy")
    try:
        f = parse_function(gen.to_text(tree))
    except ExpressionError:
        assume(False)
        return
    p = {v: point[v] for v in f.variables}
    value, gradient = f.value_and_gradient(p)
    assume(math.isfinite(value) and all(math.isfinite(g) for g in gradient))
    assume(abs(value) < 1e6 and all(abs(g) < 1e6 for g in gradient))
    symbols = {v: sp.Symbol(v, real=True) for v in ("x", "y")}
    expr = gen.to_sympy(tree, symbols)
    subs = {symbols[v]: sp.Float(point[v], 30) for v in ("x", "y")}
    for v in f.variables:
        try:
            reference = complex(sp.diff(expr, symbols[v]).evalf(30, subs=subs))
        except (ZeroDivisionError, TypeError, ValueError):
            assume(False)  # SymPy cannot evaluate it there (0^negative, zoo, nan)
            return
        assume(math.isfinite(reference.real) and abs(reference.imag) < 1e-20)
        text = f.derivatives[v].text
        assert text is not None
        df = parse_function(text)
        ours = df.value({u: point[u] for u in df.variables})
        assert _close(ours, reference.real, abs(value)), (gen.to_text(tree), v, text)


def test_a_long_derivative_is_not_written_out_but_values_still_come() -> None:
    # df/dx of a product of many different factors has as many terms: too long to write
    text = "*".join(f"sin(x+{k})" for k in range(1, 200))
    f = parse_function(text)
    d = f.derivatives["x"]
    assert d.text is None and "too" in (d.problem or "")
    assert math.isfinite(f.gradient([0.3])[0])


def test_the_algebra_is_bounded() -> None:
    a = Algebra(max_nodes=50)
    x = a.variable("x")
    with pytest.raises(SymbolicLimit):
        for k in range(100):
            x = a.add(x, a.call("sin", a.mul(a.number(k + 2), x)))
    # huge exact powers are not computed: beyond MAX_BITS they become floats, beyond the
    # float range they stay as written
    b = Algebra()
    big = b.pow(b.number(10), b.number(300))
    assert big.kind == "num" and big.num == 10 ** 300
    huge = b.pow(big, b.number(10))  # 1e3000 is not a float
    assert huge.kind == "pow" and to_text(huge) == "1e+300^10"
    tiny = b.pow(b.number(2), b.number(-5000))  # not 0.0 by underflow
    assert tiny.kind == "pow"
    assert b.mul(tiny, b.pow(b.number(2), b.number(5001))).num == 2


def test_tower_of_powers_is_differentiated_without_computing_it_exactly() -> None:
    # (((2x)^1000)^1000)^1000 would need 2^(10^9) exactly (SymPy takes seconds for one level
    # less): the algebra keeps what is beyond the float range as written
    f = parse_function("((2*x)^1000)^1000")
    text = f.derivatives["x"].text
    assert text == "1.0715086071862673e+307*x^999*(1.0715086071862673e+301*x^1000)^999"
    x = 0.5 ** 0.5 / 2  # 2x = 1/sqrt(2): (2x)^1000 = 2^-500, small enough for a float
    expected = 1e6 * 2.0 ** 1000 * x ** 999 * (2.0 ** 1000 * x ** 1000) ** 999
    assert parse_function(text).value([x]) == pytest.approx(expected, rel=1e-9)
    deeper = parse_function("(((2*x)^1000)^1000)^1000").derivatives["x"]
    assert deeper.text is not None or deeper.problem


def test_printed_text_reparses_to_the_same_canonical_form() -> None:
    for text, _ in TEXTBOOK:
        a = Algebra()
        e = to_symbolic(parse(text), a)
        printed = to_text(e)
        again = to_symbolic(parse(printed), a)
        assert again is e, (text, printed)


def test_derivatives_of_a_constant() -> None:
    assert derivatives(parse("3 + pi"), ()) == {}
    f = parse_function("x + 0*y")
    assert f.derivatives["y"].text == "0"
