"""The computational graph: its nodes, each node's value, local derivatives and the
gradient arriving at it (micrograd's way), deep graphs, and agreement with the symbolic
derivatives."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.engine.function import ExpressionError, parse_function
from simulator.engine.function.graph import CONSTANT, INPUT, LOCAL_FORMULAS, OPERATION

from . import _function_exprs as gen


def test_the_lessons_graph_at_3_minus_3() -> None:
    f = parse_function("x*y + x^2")
    g = f.graph
    assert [(n.kind, n.op, n.inputs) for n in g.nodes] == [
        (INPUT, "x", ()), (INPUT, "y", ()),
        (OPERATION, "*", (0, 1)),
        (CONSTANT, "2", ()),
        (OPERATION, "^", (0, 3)),
        (OPERATION, "+", (2, 4)),
    ]
    assert [n.text for n in g.nodes] == ["x", "y", "x*y", "2", "x^2", "x*y + x^2"]
    assert g.output == 5
    t = f.trace({"x": 3.0, "y": -3.0})
    assert t.values == (3.0, -3.0, -9.0, 2.0, 9.0, 0.0)
    # local derivatives: d(a*b)/da = b, d(a*b)/db = a; d(a^2)/da = 2a; d(a+b) = 1, 1
    assert t.local[2] == (-3.0, 3.0)
    assert t.local[4] == (6.0, None)  # the exponent is a constant: no gradient for it
    assert t.local[5] == (1.0, 1.0)
    # gradients: the output 1, each op 1, x gets y + 2x = -3 + 6, y gets x
    assert t.grads == (3.0, 3.0, 1.0, None, 1.0, 1.0)
    assert t.gradient == (3.0, 3.0)
    arriving_x = sorted((e.target, e.local, e.gradient) for e in t.arriving(0))
    assert arriving_x == [(2, -3.0, -3.0), (4, 6.0, 6.0)]
    assert t.forward_order == (2, 4, 5)
    assert t.backward_order == (5, 4, 2, 1, 0)
    assert g.nodes[4].local_formulas == LOCAL_FORMULAS["^"]


def test_a_variable_used_twice_accumulates() -> None:
    t = parse_function("x*x").trace([3.0])
    assert t.local[1] == (3.0, 3.0)
    assert t.grads[0] == 6.0
    assert len(t.arriving(0)) == 2


def test_constant_parts_are_computed_once_and_get_no_gradient() -> None:
    f = parse_function("e^2*sin(x)")
    g = f.graph
    e2 = next(n for n in g.nodes if n.text == "e^2")
    assert e2.kind == OPERATION and not e2.needs_grad
    assert e2.value == pytest.approx(math.exp(2), rel=1e-15)
    t = f.trace([0.0])
    assert t.grads[e2.index] is None
    assert t.gradient[0] == pytest.approx(math.exp(2), abs=1e-12)


def test_a_lone_variable_and_a_constant() -> None:
    t = parse_function("x").trace([2.5])
    assert t.value == 2.5 and t.gradient == (1.0,)
    c = parse_function("2 + 3").trace([])
    assert c.value == 5.0 and c.gradient == () and c.backward_order == ()


def test_deep_graphs_need_no_recursion() -> None:
    # nested as deep as the parser allows, and a sum as long as the text allows
    depth = 199
    f = parse_function("sin(" * depth + "x" + ")" * depth)
    t = f.trace([0.5])
    expected = 0.5
    for _ in range(depth):
        expected = math.sin(expected)
    assert t.value == pytest.approx(expected, rel=1e-12)
    slope, v = 1.0, 0.5
    for _ in range(depth):
        slope *= math.cos(v)
        v = math.sin(v)
    assert t.gradient[0] == pytest.approx(slope, rel=1e-10)
    long_sum = parse_function("x" + "+x*y" * 999)
    assert long_sum.gradient([1.0, 2.0]) == (1.0 + 999 * 2.0, 999.0)


COORDINATE = st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-3)


@given(gen.trees(), st.fixed_dictionaries({"x": COORDINATE, "y": COORDINATE}))
def test_the_backward_pass_equals_the_symbolic_derivative(tree, point) -> None:
    try:
        f = parse_function(gen.to_text(tree))
    except ExpressionError:
        assume(False)
        return
    p = {v: point[v] for v in f.variables}
    t = f.trace(p)
    assume(math.isfinite(t.value) and abs(t.value) < 1e6)
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in t.gradient))
    for i, v in enumerate(f.variables):
        text = f.derivatives[v].text
        assert text is not None
        d = parse_function(text)
        symbolic = d.value({u: point[u] for u in d.variables})
        assert symbolic == pytest.approx(t.gradient[i], rel=1e-7, abs=1e-7 * max(
            1.0, abs(t.value))), (gen.to_text(tree), v, text)
        # and the trace's input gradient is the sum of what arrives at it (unless the
        # input is the output itself: f = x)
        if f.graph.output != i:
            arriving = sum(e.gradient for e in t.arriving(i))
            assert arriving == pytest.approx(t.gradient[i], rel=1e-12, abs=1e-12)
