"""Values and gradients of typed functions: the lesson's numbers, generated expressions
against central finite differences of an independent evaluator, grids and curves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.engine.function import ExpressionError, PointError, parse_function

from . import _function_exprs as gen

E2 = math.exp(2.0)


def test_the_lessons_sine() -> None:
    f = parse_function("e^2*sin(x)")
    value, (slope,) = f.value_and_gradient({"x": 0.0})
    assert value == 0.0
    assert slope == pytest.approx(E2, abs=1e-12)  # f'(0) = e^2 cos 0 = e^2
    assert f.gradient([1.0])[0] == pytest.approx(E2 * math.cos(1.0), rel=1e-14)
    # written as the lesson writes it, with exp(2) or a space-free product: the same
    for text in ("exp(2)*sin(x)", "e**2 * sin(x)", "sin(x)*e^2"):
        assert parse_function(text).gradient([0.0])[0] == pytest.approx(E2, abs=1e-12)


def test_the_lessons_xy() -> None:
    f = parse_function("x*y + x^2")
    assert f.variables == ("x", "y")
    value, gradient = f.value_and_gradient({"x": 3.0, "y": -3.0})
    assert value == 0.0  # not 9, as the original says
    assert gradient == (3.0, 3.0)  # df/dx = y + 2x = 3, df/dy = x = 3
    assert f.value([3.0, -3.0]) == 0.0


def test_points_name_every_variable() -> None:
    f = parse_function("x*y + x^2")
    with pytest.raises(PointError, match="no value for y"):
        f.value({"x": 1.0})
    with pytest.raises(PointError, match="z is not a variable"):
        f.value({"x": 1.0, "y": 2.0, "z": 3.0})
    with pytest.raises(PointError, match="expected 2 values"):
        f.value([1.0])
    assert f.describe_point([3.0, -3.0]) == "x = 3, y = -3"


def test_overflow_and_domain_give_inf_and_nan_not_errors() -> None:
    assert parse_function("exp(x)").value([1000.0]) == math.inf
    assert math.isnan(parse_function("log(x)").value([-1.0]))
    assert parse_function("x^y").value([10.0, 1e10]) == math.inf
    assert parse_function("1/x").value([0.0]) == math.inf
    assert math.isnan(parse_function("abs(x)").gradient([0.0])[0])  # the corner: undefined
    assert parse_function("sigmoid(x)").value([-1000.0]) == 0.0  # no overflow inside


def _fd(tree, point: dict[str, float], var: str, h: float) -> float:
    up, down = dict(point), dict(point)
    up[var] += h
    down[var] -= h
    return (gen.evaluate(tree, up) - gen.evaluate(tree, down)) / (2 * h)


# Coordinates away from tiny magnitudes, where a gradient's terms (1/x and -x/x^2 in
# x/x) are huge and cancel in floating point whatever computes them.
COORDINATE = st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-3)
POINTS = st.fixed_dictionaries({"x": COORDINATE, "y": COORDINATE})


@given(gen.trees(), POINTS)
def test_values_and_gradients_match_the_reference(tree, point) -> None:
    try:
        f = parse_function(gen.to_text(tree))
    except ExpressionError:
        assume(False)
        return
    try:
        expected = gen.evaluate(tree, point)
    except gen.Undefined:
        assume(False)
        return
    assume(abs(expected) < 1e6)
    p = {v: point[v] for v in f.variables}
    value, gradient = f.value_and_gradient(p)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for v, g in zip(f.variables, gradient):
        h = 1e-5 * max(1.0, abs(point[v]))
        try:
            coarse, fine = _fd(tree, point, v, h), _fd(tree, point, v, h / 2)
        except gen.Undefined:
            assume(False)
            return
        # skip kinks, poles and cliffs: where halving h moves the estimate, it is no
        # reference (Richardson's check); and near a corner (abs) the one-sided slopes
        # differ though the symmetric ones agree
        assume(abs(coarse - fine) <= 1e-5 * max(1.0, abs(fine)))
        try:
            here = gen.evaluate(tree, point)
            up, down = dict(point), dict(point)
            up[v] += h
            down[v] -= h
            forward = (gen.evaluate(tree, up) - here) / h
            backward = (here - gen.evaluate(tree, down)) / h
        except gen.Undefined:
            assume(False)
            return
        assume(abs(forward - backward) <= 1e-2 * max(1.0, abs(fine)))
        assume(abs(fine) < 1e6)
        # the graph's NaN is its "undefined" at a corner (abs at 0), where a symmetric
        # difference still gives a number
        assume(math.isfinite(g))
        assert g == pytest.approx(fine, rel=1e-4, abs=1e-5), (gen.to_text(tree), v, point)


def test_grid_layout_is_the_surfaces() -> None:
    f = parse_function("x*y + x^2")
    xs = np.linspace(-2, 2, 5)
    ys = np.linspace(-1, 1, 3)
    grid = f.grid(xs, ys)
    assert grid.shape == (5, 3)
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            assert grid[i, j] == x * y + x * x
    swapped = f.grid(ys, xs, axes=("y", "x"))
    np.testing.assert_array_equal(swapped, grid.T)
    # a variable off the axes is held fixed; a function of one axis is broadcast
    g3 = parse_function("x + y*z")
    np.testing.assert_array_equal(g3.grid(xs, ys, axes=("x", "z"), fixed={"y": 2.0}),
                                  xs[:, None] + 2.0 * ys[None, :])
    only_x = parse_function("x^2 + 0*y").grid(xs, ys)
    assert only_x.shape == (5, 3) and only_x.flags.writeable
    with pytest.raises(PointError, match="no value for y"):
        g3.grid(xs, ys, axes=("x", "z"))
    with pytest.raises(PointError, match="two variables"):
        parse_function("x^2").grid(xs, ys)


def test_curve_and_evaluate() -> None:
    f = parse_function("e^2*sin(x)")
    xs = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(f.curve(xs), E2 * np.sin(xs), rtol=1e-15)
    g = parse_function("a*t^2")
    np.testing.assert_allclose(g.curve(xs, "t", fixed={"a": 0.5}), 0.5 * xs ** 2)
    np.testing.assert_allclose(g.evaluate({"a": xs, "t": 2.0}), xs * 4.0)
    assert parse_function("3").curve(xs).tolist() == [3.0] * 7


def test_gradient_over_a_grid_is_vectorised() -> None:
    f = parse_function("x*y + x^2")
    x = np.linspace(-2, 2, 9).reshape(-1, 1)
    y = np.linspace(-1, 1, 4).reshape(1, -1)
    value, (gx, gy) = f.graph.value_and_gradient([x, y])
    assert value.shape == gx.shape == gy.shape == (9, 4)
    np.testing.assert_allclose(gx, np.broadcast_to(y + 2 * x, (9, 4)))
    np.testing.assert_allclose(gy, np.broadcast_to(x, (9, 4)))
