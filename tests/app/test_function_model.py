"""The function lab's Qt-side model: edits as undo steps, the descent, the run, the pirate,
the background work and a lesson's requests.

Expected numbers come from the engine, computed here independently of the model (a fresh
parse_function, Descent, pirate_for, nudge_function), or from the lesson itself
(f(3, -3) = 0, gradient (3, 3)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.app.function import FunctionLabModel, LabRequestError
from simulator.app.function.model import (
    PIRATE_SYNC_STEPS,
    REPLAY_SYNC_STEPS,
    SYNC_DERIVATIVE_CHARS,
)
from simulator.engine.function import (
    Descent,
    descent_config,
    nudge_function,
    parse_function,
    pirate_for,
    race,
)


@pytest.fixture
def model(qtbot):
    m = FunctionLabModel()
    yield m
    m.shutdown()


def engine_descent(text, start, lr=0.1, optimizer="gd", steps=0):
    d = Descent(parse_function(text), start, descent_config(optimizer, lr))
    d.run(steps)
    return d


def test_opens_on_the_lessons_function_at_its_point(model):
    assert model.function.text == "x*y + x^2"
    assert model.variables == ("x", "y")
    assert model.point == (3.0, -3.0)
    assert model.current.value == 0.0  # the lesson's slip says 9
    assert model.current.gradient == (3.0, 3.0)
    assert {v: d.text for v, d in model.derivatives.items()} == {"x": "y + 2*x", "y": "x"}
    [slip] = model.slips_here()
    assert slip.quantity == "f" and slip.claimed == 9 and slip.correct == 0


def test_steps_follow_the_engines_descent(model):
    for _ in range(3):
        assert model.step()
    ref = engine_descent("x*y + x^2", (3, -3), steps=3)
    np.testing.assert_array_equal(model.descent.points, ref.points)
    # checked by hand: x <- 3 - 0.1 * 3 = 2.7, y <- -3 - 0.1 * 3 = -3.3
    assert model.descent.points[1].tolist() == pytest.approx([2.7, -3.3], abs=1e-15)
    assert model.last_step.lines(model.variables)[0] == \
        "x <- x - lr * df/dx = 2.49 - 0.1 * 1.41 = 2.349"
    assert model.step_back()
    np.testing.assert_array_equal(model.descent.points, ref.points[:3])
    assert model.slips_here() == []  # the slip is about (3, -3) only


def test_a_bad_expression_is_refused_whole_and_loses_nothing(model, qtbot):
    model.step()
    before = (model.function, model.settings, model.descent, model.undo_stack.count())
    with qtbot.waitSignal(model.errorChanged) as blocker:
        assert not model.set_text("x*y + (x")
    error = blocker.args[0]
    assert error is model.error
    assert "(" in error.text and error.message
    assert model.text == "x*y + (x"
    assert (model.function, model.settings, model.descent, model.undo_stack.count()) == before
    assert model.steps_taken == 1
    with qtbot.waitSignal(model.errorChanged):
        assert model.set_text("x*y + x^2")
    assert model.error is None


def test_typing_is_one_undo_step_per_session_and_undo_restores_the_descent(model):
    model.step()
    model.step()
    old_descent = model.descent
    for text in ("x*y + x^2 +", "x*y + x^2 + y", "x*y + x^2 + y^2"):
        model.set_text(text, merge_key=("expression", 1))
    assert model.undo_stack.count() == 1
    assert model.function.text == "x*y + x^2 + y^2"
    # the new descent retakes the two steps
    ref = engine_descent("x*y + x^2 + y^2", (3, -3), steps=2)
    np.testing.assert_array_equal(model.descent.points, ref.points)
    model.undo_stack.undo()
    assert model.function.text == "x*y + x^2"
    assert model.text == "x*y + x^2"
    assert model.descent is old_descent and model.steps_taken == 2
    model.undo_stack.redo()
    assert model.function.text == "x*y + x^2 + y^2"


def test_a_new_variable_starts_at_zero_and_shared_ones_keep_their_start(model):
    model.set_text("x*y + z")
    assert model.variables == ("x", "y", "z")
    assert model.settings.start == (3.0, -3.0, 0.0)


def test_settings_are_undo_steps_and_the_steps_are_retaken(model):
    for _ in range(3):
        model.step()
    assert model.set_learning_rate(0.05)
    np.testing.assert_array_equal(model.descent.points,
                                  engine_descent("x*y + x^2", (3, -3), 0.05, steps=3).points)
    assert model.set_optimizer("momentum")
    np.testing.assert_array_equal(
        model.descent.points,
        engine_descent("x*y + x^2", (3, -3), 0.05, "momentum", steps=3).points)
    assert model.set_start({"y": 1.0})
    assert model.settings.start == (3.0, 1.0)
    assert model.steps_taken == 3
    assert model.undo_stack.count() == 3
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.settings.optimizer == "gd" and model.settings.learning_rate == 0.05


def test_refused_settings_change_nothing(model, qtbot):
    before = (model.settings, model.undo_stack.count())
    for call in (lambda: model.set_learning_rate(0.0), lambda: model.set_learning_rate(math.nan),
                 lambda: model.set_optimizer("sgd"), lambda: model.set_start({"x": math.inf}),
                 lambda: model.set_start({"q": 1.0}), lambda: model.set_seed(-1)):
        with qtbot.waitSignal(model.editRefused):
            assert call() is False
    assert (model.settings, model.undo_stack.count()) == before


def test_run_takes_its_steps_in_slices_and_can_be_stopped(model, qtbot):
    model.set_run_steps(25)
    seen_running_with = []
    model.descentChanged.connect(lambda: seen_running_with.append(
        (model.running, model.steps_taken)))
    with qtbot.waitSignal(model.runningChanged, timeout=5000):
        assert model.run()
    assert model.running
    qtbot.waitUntil(lambda: not model.running, timeout=10_000)
    assert model.steps_taken == 25
    # the event loop ran between slices: the run reported progress before it ended
    assert any(running and n < 25 for running, n in seen_running_with)
    np.testing.assert_array_equal(model.descent.points,
                                  engine_descent("x*y + x^2", (3, -3), steps=25).points)

    model.reset_descent()
    assert model.run(5000)
    qtbot.waitUntil(lambda: model.steps_taken > 0)
    model.stop()
    assert not model.running
    stopped_at = model.steps_taken
    assert 0 < stopped_at < 5000
    qtbot.wait(100)
    assert model.steps_taken == stopped_at


def test_divergence_stops_the_run_with_a_message(model, qtbot):
    model.open(example="bowl", learning_rate=1.5)
    with qtbot.waitSignal(model.stopped, timeout=10_000) as blocker:
        model.run(1000)
    qtbot.waitUntil(lambda: not model.running)
    assert "diverged" in blocker.args[0] and "smaller learning rate" in blocker.args[0]
    assert model.message == blocker.args[0]
    assert model.steps_taken < 1000
    assert all(math.isfinite(v) for v in model.point)
    assert not model.step()  # the same stop
    assert model.step_back()
    assert model.message == ""


def test_the_pirate_is_the_engines_walk_beside_the_descent(model):
    for _ in range(4):
        model.step()
    ref = engine_descent("x*y + x^2", (3, -3), steps=4)
    walk = pirate_for(ref, 0, True)
    np.testing.assert_array_equal(model.pirate.points, walk.points)
    assert model.pirate.rule == "a random step is kept only if it goes down"
    assert model.race == race(ref, walk, model.settings.tolerance)
    model.set_downhill_only(False)
    assert model.pirate.rule == "every random step is taken"
    np.testing.assert_array_equal(model.pirate.points, pirate_for(ref, 0, False).points)
    model.set_seed(7)
    np.testing.assert_array_equal(model.pirate.points, pirate_for(ref, 7, False).points)
    model.set_pirate(False)
    assert model.pirate is None and model.race is None


def test_a_long_walk_is_worked_out_in_the_background(model, qtbot):
    n = PIRATE_SYNC_STEPS + 300
    model.open(example="rosenbrock", steps=n)
    qtbot.waitUntil(lambda: not model.running and model.steps_taken == n, timeout=20_000)
    qtbot.waitUntil(lambda: model.pirate is not None and len(model.pirate.steps) == n
                    and not model.pirate_busy, timeout=20_000)
    ref = engine_descent("(1 - x)^2 + 100*(y - x^2)^2", (-1.5, 2), 0.001, steps=n)
    np.testing.assert_array_equal(model.descent.points, ref.points)
    np.testing.assert_array_equal(model.pirate.points, pirate_for(ref, 0, True).points)


def test_long_derivatives_are_worked_out_in_the_background(model, qtbot):
    text = " + ".join(f"sin({k}*x*y)" for k in range(1, 40))
    assert len(text) > SYNC_DERIVATIVE_CHARS
    with qtbot.waitSignal(model.derivativesChanged, timeout=20_000,
                          check_params_cb=lambda: model.derivatives is not None):
        model.set_text(text)
    expected = parse_function(text).derivatives
    assert {v: d.text for v, d in model.derivatives.items()} == \
        {v: d.text for v, d in expected.items()}


def test_open_is_a_lessons_request_checked_whole(model, qtbot):
    model.open("x^2 + 3*y^2", at={"x": 1, "y": 1}, learning_rate=0.2, optimizer="adam",
               steps=4, pirate=False, view="contour", graph_step=-1, run_steps=50)
    assert model.function.text == "x^2 + 3*y^2"
    assert model.settings.optimizer == "adam" and model.settings.learning_rate == 0.2
    assert model.pirate is None and model.view_mode == "contour" and model.run_steps == 50
    np.testing.assert_array_equal(
        model.descent.points, engine_descent("x^2 + 3*y^2", (1, 1), 0.2, "adam", 4).points)
    assert model.graph_step == sum(model.graph_steps)
    before = (model.settings, model.descent, model.undo_stack.count(), model.view_mode)
    bad = [{"expression": "x + foo(1)"}, {"example": "nope"}, {"at": {"x": 1}},
           {"at": {"x": 1, "y": 1, "z": 2}}, {"learning_rate": -1}, {"optimizer": "sgd"},
           {"view": "pie"}, {"steps": -2}, {"steps": True}, {"graph_step": -5},
           {"expression": "x", "example": "bowl"}, {"pirate": "yes"}]
    for request in bad:
        with pytest.raises(LabRequestError):
            model.open(**request)
        assert (model.settings, model.descent, model.undo_stack.count(),
                model.view_mode) == before, request


def test_open_with_many_steps_takes_the_rest_as_a_run(model, qtbot):
    n = REPLAY_SYNC_STEPS + 150
    model.open(example="narrow-valley", steps=n)
    qtbot.waitUntil(lambda: model.steps_taken == n and not model.running, timeout=20_000)
    np.testing.assert_array_equal(
        model.descent.points, engine_descent("0.1*x^2 + 10*y^2", (-4, 1), 0.09, steps=n).points)


def test_the_graph_and_the_nudge_probe_are_the_engines(model):
    model.step()
    fn = parse_function("x*y + x^2")
    trace = fn.trace(model.point)
    assert model.trace.values == trace.values and model.trace.grads == trace.grads
    f, b = model.graph_steps
    assert (f, b) == (len(trace.forward_order), len(trace.backward_order))
    assert model.graph_forward() and model.graph_step == 1
    model.set_graph_step(99)
    assert model.graph_step == f + b and not model.graph_forward()
    sym = model.symbolic_gradient()
    assert sym == pytest.approx(trace.gradient, rel=1e-12)
    probe = model.nudge("y")
    assert probe == nudge_function(fn, model.point, "y")


def test_a_constant_expression_has_only_the_graph(model):
    model.set_text("2 + 3")
    assert model.variables == ()
    assert model.shown_mode == "graph"
    assert model.current.value == 5.0
    model.step()  # nothing to move: the point stays the empty point
    assert model.point == () and model.current.value == 5.0
