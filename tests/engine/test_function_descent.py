"""Gradient descent on a typed function (paths checked by hand, momentum and Adam by
PyTorch's rules applied by hand), stepping back, divergence, and the pirate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from simulator.engine.function import (
    Descent,
    descent_config,
    parse_function,
    pirate_for,
    pirate_walk,
    race,
    steps_to_within,
)
from simulator.engine.optimizers import OptimizerError

E2 = math.exp(2.0)


def descend(text: str, start, optimizer: str = "gd", lr: float = 0.1, steps: int = 3,
            **hyper: float) -> Descent:
    d = Descent(parse_function(text), start, descent_config(optimizer, lr, **hyper))
    d.run(steps)
    return d


def test_gd_path_by_hand_xy() -> None:
    d = descend("x*y + x^2", {"x": 3.0, "y": -3.0})
    # by hand: g = (y + 2x, x); p <- p - 0.1 g
    # (3, -3): g = (3, 3) -> (2.7, -3.3): g = (2.1, 2.7) -> (2.49, -3.57): g = (1.41, 2.49)
    # -> (2.349, -3.819)
    expected = [(3.0, -3.0), (2.7, -3.3), (2.49, -3.57), (2.349, -3.819)]
    assert len(d.steps) == 3 and d.stop is None
    for got, want in zip(d.path, expected):
        assert got.point == pytest.approx(want, abs=1e-12)
        x, y = want
        assert got.value == pytest.approx(x * y + x * x, abs=1e-12)
        assert got.gradient == pytest.approx((y + 2 * x, x), abs=1e-12)
    s = d.steps[0]
    assert s.index == 1 and s.learning_rate == 0.1 and s.direction == pytest.approx((3, 3))
    assert s.length == pytest.approx(math.hypot(0.3, 0.3))


def test_gd_path_by_hand_sine_and_the_lessons_line() -> None:
    d = descend("e^2*sin(x)", {"x": 0.0})
    x = 0.0
    for step in d.steps:
        x = x - 0.1 * E2 * math.cos(x)
        assert step.after.point[0] == pytest.approx(x, abs=1e-12)
    first = d.steps[0]
    assert first.after.point[0] == pytest.approx(-0.1 * E2, abs=1e-12)
    assert first.lines(("x",), digits=4) == ["x <- x - lr * df/dx = 0 - 0.1 * 7.389 = -0.7389"]
    second = d.steps[1].lines(("x",), digits=4)[0]
    assert second.startswith("x <- x - lr * df/dx = -0.7389 - 0.1 * 5.462 = ")


def test_momentum_by_torchs_rule_by_hand() -> None:
    d = descend("x^2 + 3*y^2", (1.0, -2.0), "momentum", lr=0.05, steps=4, momentum=0.8)
    p = np.array([1.0, -2.0])
    b = None
    for step in d.steps:
        g = np.array([2 * p[0], 6 * p[1]])
        b = g.copy() if b is None else 0.8 * b + g  # no dampening, no Nesterov
        p = p - 0.05 * b
        np.testing.assert_allclose(step.after.point, p, rtol=1e-14)
        np.testing.assert_allclose(step.direction, b, rtol=1e-12)
    lines = d.steps[0].lines(("x", "y"))
    assert lines[0] == "b_x <- df/dx = 2"
    assert lines[1] == "x <- x - lr * b_x = 1 - 0.05 * 2 = 0.9"
    assert d.steps[1].lines(("x", "y"))[0] == "b_x <- 0.8 * b_x + df/dx = 0.8 * 2 + 1.8 = 3.4"


def test_adam_by_torchs_rule_by_hand() -> None:
    d = descend("(x - 1)^2 + 10*y^2", (3.0, 1.0), "adam", lr=0.1, steps=5)
    p = np.array([3.0, 1.0])
    m = np.zeros(2)
    v = np.zeros(2)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t, step in enumerate(d.steps, start=1):
        g = np.array([2 * (p[0] - 1), 20 * p[1]])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - 0.1 * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        np.testing.assert_allclose(step.after.point, p, rtol=1e-13)
    lines = d.steps[0].lines(("x", "y"))
    assert lines[0] == "m_x <- 0.9 * m_x + 0.1 * df/dx = 0.9 * 0 + 0.1 * 4 = 0.4"
    assert lines[3].startswith("x <- x - lr * m_hat / (sqrt(v_hat) + eps) = 3 - 0.1 * 4 / ")


def test_step_back_is_exact() -> None:
    for optimizer in ("gd", "momentum", "adam"):
        d = descend("(1 - x)^2 + 100*(y - x^2)^2", (-1.5, 2.0), optimizer, lr=0.001, steps=6)
        reference = [p.point for p in d.path]
        removed = d.back()
        assert removed is not None and removed.index == 6
        d.back()
        assert [p.point for p in d.path] == reference[:5]
        d.run(2)
        assert [p.point for p in d.path] == reference  # bit for bit
        while d.back() is not None:
            pass
        assert d.steps == [] and d.current.point == (-1.5, 2.0)


def test_divergence_stops_at_the_last_finite_point() -> None:
    d = descend("x^2", (1.0,), lr=1.5, steps=1000)
    assert d.stop is not None and "diverged" in d.stop.message
    assert "smaller learning rate" in d.stop.message
    assert d.stop.step == len(d.steps) + 1
    assert all(math.isfinite(p.value) and abs(p.point[0]) <= 1e12 for p in d.path)
    assert d.step() is None  # stays stopped
    assert d.back() is not None and d.stop is None  # stepping back clears it


def test_an_undefined_gradient_stops_the_descent() -> None:
    d = descend("abs(x)", (1.0,), lr=0.5, steps=10)  # 1 -> 0.5 -> 0: the corner
    assert [p.point[0] for p in d.path] == [1.0, 0.5]
    assert d.stop is not None and d.stop.step == 2 and "gradient" in d.stop.message
    assert "Cannot start" in descend("sqrt(x)", (0.0,)).stop.message  # type: ignore[union-attr]
    assert "not defined" in descend("log(x)", (-1.0,)).stop.message  # type: ignore[union-attr]


def test_run_can_be_cancelled_and_is_bounded() -> None:
    d = Descent(parse_function("x^2"), (1.0,), descent_config("gd", 0.01))
    calls = []
    taken = d.run(100, cancel=lambda: len(calls.append(1) or calls) > 3)
    assert taken == 3


def test_descent_refuses_other_optimizers() -> None:
    with pytest.raises(OptimizerError):
        descent_config("sgd")
    with pytest.raises(OptimizerError):
        descent_config("gd", learning_rate=0.0)


# --- the pirate ----------------------------------------------------------------------------

def test_pirate_steps_as_far_as_the_descent_in_random_directions() -> None:
    d = descend("x^2 + y^2", (3.0, 2.0), steps=20)
    walk = pirate_for(d, seed=7)
    assert walk.downhill_only and "only if it goes down" in walk.rule
    assert len(walk.steps) == 20
    for ps, ds in zip(walk.steps, d.steps):
        assert math.dist(ps.before, ps.proposal) == pytest.approx(ds.length, rel=1e-12)
    values = walk.values
    assert all(b <= a for a, b in itertools.pairwise(values))  # never goes up
    assert any(not s.kept for s in walk.steps) or values[-1] < values[0]
    # seeded: the same walk again, and a shorter walk is its beginning
    again = pirate_for(d, seed=7)
    np.testing.assert_array_equal(again.points, walk.points)
    short = pirate_walk(d.function, d.start.point, [s.length for s in d.steps[:5]], seed=7)
    np.testing.assert_array_equal(short.points, walk.points[:6])
    other = pirate_for(d, seed=8)
    assert not np.array_equal(other.points, walk.points)


def test_a_pirate_who_takes_every_step() -> None:
    f = parse_function("x^2 + y^2")
    walk = pirate_walk(f, (0.0, 0.0), [0.5] * 30, seed=1, downhill_only=False)
    assert all(s.kept for s in walk.steps)
    assert any(b > a for a, b in zip(walk.values, walk.values[1:]))  # it can go up
    one_d = pirate_walk(parse_function("x^2"), (1.0,), [0.25] * 10, seed=3)
    assert all(abs(s.proposal[0] - s.before[0]) == 0.25 for s in one_d.steps)


def test_steps_to_within_and_race() -> None:
    assert steps_to_within([5.0, 3.0, 1.0005, 1.0], 1.0, 1e-3) == 2
    assert steps_to_within([5.0, 3.0], 1.0, 1e-3) is None
    assert steps_to_within([1.0], 1.0, 0.0) == 0
    d = descend("x^2 + y^2", (3.0, 2.0), steps=40)
    walk = pirate_for(d, seed=0)
    r = race(d, walk, tolerance=1e-3)
    values = [p.value for p in d.path]
    assert r.descent_best == min(values)
    assert r.descent_steps == steps_to_within(values, min(values), 1e-3)
    assert r.lowest == min(r.descent_best, r.pirate_best)
    assert r.descent_steps_to_lowest is not None
    # feeling the slope wins on a bowl
    assert r.pirate_steps_to_lowest is None or r.pirate_steps_to_lowest > r.descent_steps
