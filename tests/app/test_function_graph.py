"""The chain-rule graph's geometry and its step-by-step explanations (no widgets).

The numbers in the explanations must be the engine's trace, step by step; at the end of the
backward pass the inputs' gradients must equal the symbolic derivatives evaluated at the
point (the derivative texts parsed again, independently of the graph), and generated
expressions are checked against central finite differences of the reference evaluator in
tests/engine/_function_exprs.py (written independently of the engine).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.app.function.graph_layout import drawn_nodes, layout_graph
from simulator.app.function.graph_text import (
    computed_gradients,
    computed_values,
    explain_graph_step,
    graph_step,
    local_formula,
    node_name,
)
from simulator.engine.explanation import main_equations
from simulator.engine.explanation_render import render_text
from simulator.engine.function import ExpressionError, parse_function
from simulator.engine.function.graph import INPUT
from tests.engine._function_exprs import Undefined, evaluate, to_text, trees


def test_layout_runs_left_to_right_inputs_first_output_last():
    fn = parse_function("sigmoid(w*x + b)*(1 - sigmoid(w*x + b)) + x^2")
    layout = layout_graph(fn.graph)
    nodes = fn.graph.nodes
    column = {i: round(layout.positions[i][0] / 300.0) for i in layout.nodes}
    for j, i, _slot in layout.edges:
        assert column[j] < column[i]
    assert all(column[i] == 0 for i in layout.nodes if nodes[i].kind == INPUT)
    assert column[fn.graph.output] == max(column.values())
    assert len(set(layout.positions.values())) == len(layout.nodes)


def test_a_folded_constant_is_one_node():
    fn = parse_function("e^2*sin(x)")
    shown = drawn_nodes(fn.graph)
    texts = [node_name(fn.graph.nodes[i]) for i in shown]
    assert texts == ["x", "e^2", "sin(x)", "e^2*sin(x)"]
    assert parse_function("2 + 3").graph.output in drawn_nodes(parse_function("2 + 3").graph)


@pytest.mark.parametrize("text,node,slot,formula", [
    ("x*y", "x*y", 0, "y"), ("x*y", "x*y", 1, "x"), ("x^2", "x^2", 0, "2*x^(2 - 1)"),
    ("sin(x)", "sin(x)", 0, "cos(x)"), ("e^2*sin(x)", "e^2*sin(x)", 1, "e^2"),
    ("sigmoid(w*x)", "sigmoid(w*x)", 0, "sigmoid(w*x)*(1 - sigmoid(w*x))"),
    ("x/(x + y)", "x/(x + y)", 1, "-x/(x + y)^2"),
])
def test_local_derivatives_are_written_with_the_operands(text, node, slot, formula):
    fn = parse_function(text)
    trace = fn.trace([0.5] * len(fn.variables))
    [index] = [i for i, n in enumerate(fn.graph.nodes) if node_name(n) == node]
    assert local_formula(trace, index, slot) == formula


def check_walk(text: str, point: tuple[float, ...]) -> None:
    """Every step's explanation holds the trace's numbers; the last, the symbolic gradient."""
    fn = parse_function(text)
    trace = fn.trace(point)
    f, b = len(trace.forward_order), len(trace.backward_order)
    derivs = fn.derivatives
    texts = [derivs[v].text for v in fn.variables]
    here = dict(zip(fn.variables, point, strict=True))
    symbolic = []
    for t in texts:
        d = parse_function(t)
        symbolic.append(d.value({v: here[v] for v in d.variables}))
    for step in range(f + b + 1):
        s = graph_step(trace, step)
        explanation = explain_graph_step(trace, step, fn.variables, symbolic, texts)
        render_text(explanation)  # every step can be written out
        assert computed_values(trace, step) >= set(trace.forward_order[:step])
        if s.phase == "forward":
            [eq] = main_equations(explanation)
            assert eq.result.value == trace.values[s.node]
        elif s.phase in ("backward", "done"):
            [eq] = main_equations(explanation)
            assert eq.result.value == trace.grads[s.node]
            assert s.node in computed_gradients(trace, step)
    # at the end every input holds df/dv, equal to the symbolic derivative at the point
    for k in range(len(fn.variables)):
        assert trace.grads[k] == pytest.approx(symbolic[k], rel=1e-9, abs=1e-12)


def test_the_lessons_graph_ends_with_the_lessons_gradient():
    check_walk("x*y + x^2", (3.0, -3.0))
    trace = parse_function("x*y + x^2").trace((3.0, -3.0))
    last = explain_graph_step(trace, 8, ("x", "y"))
    assert "df/dx = df/d(x*y) * d(x*y)/dx + df/d(x^2) * d(x^2)/dx = 1 * (-3) + 1 * 6 = 3" \
        in render_text(last)


@given(trees(max_leaves=6), st.floats(-2, 2), st.floats(-2, 2))
def test_generated_graphs_walk_to_the_finite_difference_gradient(tree, x, y):
    text = to_text(tree)
    try:
        fn = parse_function(text)
    except ExpressionError:  # a constant part that is not a number: refused, as it must be
        assume(False)
    point = {"x": x, "y": y}
    p = tuple(point[v] for v in fn.variables)
    try:
        base = evaluate(tree, point)
    except Undefined:
        assume(False)
    assume(math.isfinite(base) and abs(base) < 1e6)
    trace = fn.trace(p)
    # huge intermediate numbers (y / (x*y) at y = 1e-117 has gradients of 1e117 that cancel
    # to 0) leave the analytic sum no digits to agree with: the walk is only checked where
    # every value, local derivative and arriving gradient is of a size floats add exactly
    numbers = [*trace.values, *trace.grads, *(d for ds in trace.local for d in ds)]
    assume(all(n is None or (math.isfinite(n) and abs(n) < 1e4) for n in numbers))
    def at(v: str, dv: float) -> float:
        q = dict(point)
        q[v] += dv
        try:
            return evaluate(tree, q)
        except Undefined:
            return math.nan

    h = 1e-6
    for k, v in enumerate(fn.variables):
        up, down = at(v, h), at(v, -h)
        fd = (up - down) / (2 * h)
        # a kink (abs) or a pole within h of the point: the two one-sided differences
        # disagree, and the central one is no derivative
        forward, backward = (up - base) / h, (base - down) / h
        assume(math.isfinite(fd) and abs(fd) < 1e4
               and abs(forward - backward) <= 1e-3 * max(1.0, abs(fd)))
        assert trace.grads[k] == pytest.approx(fd, rel=1e-4, abs=1e-4)
    if all(d.text is not None for d in fn.derivatives.values()):
        check_walk(text, p)
