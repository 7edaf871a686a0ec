"""Every shipped lesson, walked step by step to its end in the real window (1024x768),
with Page Down; every step's numbers are checked against the engine.

For each step the window's state is compared with the engine's own application of the
step (:func:`simulator.engine.lesson_scene.enact`, which knows nothing of Qt): the
stepper's position and every parameter (exactly), the derivation panel's text, the
canvas's value boxes and labels, the function lab's point, value, gradient and pirate;
the step's question is the engine's; and every number the step's text states (its checks)
is read off the window's own model with :func:`~simulator.engine.lesson_scene.check_failures`.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from simulator.app.lessons.positions import linear
from simulator.engine.explanation_render import render_text
from simulator.engine.lesson import NETWORK_VIEWS, StepPlan, load_lessons
from simulator.engine.lesson_scene import Scene, check_failures, enact
from simulator.engine.numbers import format_number

from .lesson_window import open_window, settle

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?")
LESSONS = load_lessons()


def _live_scene(window, plan: StepPlan) -> Scene:
    """The step as the window shows it, for lesson_scene's checks: the model's own trainer
    and stepper, the function lab's own descent and pirate."""
    live = Scene(plan)
    if any(v in NETWORK_VIEWS for v in plan.show):
        model = window.model
        live.trainer, live.stepper = model.trainer, model.stepper
        if plan.position.substep is not None:
            live.explanation = model.explanation()
    if "function" in plan.show:
        lab = window.function_lab.lab_model
        live.descent, live.pirate = lab.descent, lab.pirate
    return live


def _page_down(qtbot, window) -> None:
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_PageDown)


def _check_canvas(window, scene: Scene) -> int:
    """The canvas's visible value boxes and labels show the engine's numbers; returns how
    many were compared."""
    model, canvas = window.model, window.canvas
    canvas.flush()
    digits = model.digits
    content = canvas.content
    net = scene.trainer.network
    bp = scene.stepper.iteration.backward
    s = model.shown_sample
    compared = 0
    for layer in range(1, len(net.sizes)):
        for j, name in enumerate(net.neurons[layer]):
            box = content.value_boxes.get(name)
            if box is None or not box.isVisible():
                continue
            lines = dict(line.split(" ", 1) for line, _dim in box.lines()
                         if line.startswith(("net ", "out ")))
            if lines.get("out", "?") == "?":
                continue
            assert lines["net"] == format_number(bp.forward.nets[layer - 1][s, j], digits), name
            assert lines["out"] == format_number(bp.forward.outs[layer][s, j], digits), name
            compared += 1
    sub = model.current_substep
    computed = model.computed()
    for info in net.infos:
        label = content.param_labels.get(info.name)
        if label is None or not label.isVisible():
            continue
        found = NUMBER.findall(label.text().split("\n")[-1].split("=")[-1])
        if not found:
            continue
        shown = float(found[-1])
        if sub is not None and sub.stage == "backward" and ("backward", info.name) in computed:
            expected = float(bp.grad[info.index])
        else:
            expected = float(scene.stepper.params[info.index])
        assert shown == pytest.approx(expected, rel=1e-4, abs=1e-12), (info.name, label.text())
        compared += 1
    return compared


def _check_function(window, scene: Scene) -> None:
    lab = window.function_lab
    assert lab.shown
    model = lab.lab_model
    descent = scene.descent
    assert descent is not None
    assert model.steps_taken == len(descent.steps)
    assert model.point == descent.current.point
    assert model.current.value == descent.current.value
    assert tuple(model.current.gradient) == tuple(descent.current.gradient)
    if scene.pirate is not None:
        assert model.pirate is not None
        assert model.pirate.values[-1] == scene.pirate.values[-1]
    view = lab.view
    assert view is not None
    view.flush()
    numbers = view.info.toPlainText()
    assert f"f = {format_number(descent.current.value, model.digits)}" in numbers


def _check_views(window, plan: StepPlan) -> None:
    lab = window.function_lab
    assert lab.shown == ("function" in plan.show)
    for key, dock in window.docks.items():
        if key == "lesson":
            assert dock.isVisible()
        elif lab.shown:
            assert not dock.isVisible(), key
        else:
            assert dock.isVisible() == (key in plan.show), key


@pytest.mark.parametrize("lesson", LESSONS, ids=[ls.id for ls in LESSONS])
def test_every_lesson_walks_to_its_end_with_the_engines_numbers(qtbot, monkeypatch, lesson):
    window = open_window(qtbot, monkeypatch)
    player = window.lessons
    assert player.open_lesson(lesson, 0)
    count = len(lesson.steps)
    asked = compared = 0
    for i, plan in enumerate(lesson.steps):
        if i:
            _page_down(qtbot, window)
        settle(qtbot, player)
        assert player.index == i and player.problem == "", player.problem
        assert player.pane.progress_label.text() == f"Step {i + 1} of {count}"
        assert plan.title in player.pane.plain_text()
        scene = enact(plan)
        network = any(v in NETWORK_VIEWS for v in plan.show)
        if plan.question is not None:
            asking = player.asking
            assert asking is not None and asking.waiting, plan.label
            engine_question = scene.pending()
            assert engine_question is not None
            assert asking.question.kind == engine_question.kind
            assert asking.question.answer_text == engine_question.answer_text, plan.label
            assert asking.question.options == engine_question.options
            if network and plan.position.substep is not None:
                # The value is not on screen yet: the stepper stands one sub-step before.
                assert window.model.current_substep is None or (
                    window.model.current_substep.stage,
                    window.model.current_substep.target) != plan.position.substep
            if "function" in plan.show:
                assert check_failures(_live_scene(window, plan)) == [], plan.label
            right = asking.question.answer_text if asking.question.kind == "value" \
                else asking.question.correct
            g = player.answer(right)
            assert g is not None and g.correct, (plan.label, g and g.message)
            settle(qtbot, player)
            scene.reveal()
            asked += 1
        elif "function" in plan.show:
            assert check_failures(_live_scene(window, plan)) == [], plan.label
        _check_views(window, plan)
        if network:
            model, stepper = window.model, scene.stepper
            assert stepper is not None
            assert linear(model.stepper) == linear(stepper), plan.label
            np.testing.assert_array_equal(model.params, stepper.params)
            # The same loss history and test-loss samples as one run in the engine (the
            # loss plot and the "best test iteration" a lesson quotes).
            np.testing.assert_array_equal(model.losses, stepper.losses)
            np.testing.assert_array_equal(model.test_history.iterations,
                                          stepper.test_history.iterations)
            np.testing.assert_array_equal(model.test_history.losses,
                                          stepper.test_history.losses)
            if model.current_substep is not None and stepper.current is not None:
                assert window.derivation_panel.plain_text() == render_text(
                    model.explanation(), model.digits)
                assert model.explanation() == scene.explanation or \
                    plan.position.substep is None
            compared += _check_canvas(window, scene)
            if plan.question is None or plan.question.on == "network":
                assert check_failures(_live_scene(window, plan)) == [], plan.label
        if "function" in plan.show:
            _check_function(window, scene)
    assert player.index == count - 1
    assert not player.pane.next_button.isEnabled()
    assert player.score.asked == asked and player.score.right == asked
    if any(any(v in NETWORK_VIEWS for v in p.show) for p in lesson.steps):
        assert compared > 0
