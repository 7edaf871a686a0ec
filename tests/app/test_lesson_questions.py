"""Predict, then reveal, in the real window: a prediction typed into the lesson pane is
graded at the displayed precision (a decimal comma, a fraction, fewer digits), the
feedback names the wrong factor (the update's sign, a forgotten path), the value is
revealed only after the answer; quiz mode asks before every Space; the teacher can switch
a lesson's questions off; the score is shown and saved only when asked."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from simulator.engine.lesson import load_lessons
from simulator.engine.numbers import format_number

from .lesson_window import Recorder, open_window, settle

MECHANICS = next(ls for ls in load_lessons() if ls.id == "mechanics")
STEP = {plan.title: plan.index for plan in MECHANICS.steps}


@pytest.fixture
def window(qtbot, monkeypatch):
    return open_window(qtbot, monkeypatch)
# ../shared/seed-example.md
OUT_H1 = 0.5384240912
NEW_W5 = 0.1792704800
# dE/dw1 with the path through Y2 forgotten: the seed's factors of the path through Y1,
# then doutH1/dnetH1 and dnetH1/dw1 = x1.
ONE_PATH_W1 = 0.5837097788 * 0.2321218850 * 0.18 * OUT_H1 * (1 - OUT_H1) * 0.95


def _at(qtbot, window, title: str):
    player = window.lessons
    if player.lesson is None:
        player.open_lesson(MECHANICS, STEP[title])
    else:
        player.go_to(STEP[title])
    settle(qtbot, player)
    return player


def _type(qtbot, player, text: str) -> None:
    field = player.pane.question_box.field
    field.setFocus()
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _substep(window):
    sub = window.model.current_substep
    return None if sub is None else (sub.stage, sub.target)


def test_a_prediction_with_a_decimal_comma_is_graded_then_the_value_revealed(qtbot, window):
    player = _at(qtbot, window, "Forward: H1")
    box = player.pane.question_box
    assert box.isVisible() and "outH1" in box.prompt.text()
    assert _substep(window) is None  # outH1 is not on screen yet
    assert "out ?" in window.canvas.value_label("H1").text()
    _type(qtbot, player, "0,53842")
    assert player.asking.grade.correct
    assert box.feedback.text().startswith("\u2713 Right: outH1 = 0.53842")
    assert _substep(window) == ("forward", "H1")  # revealed: the stepper moved on
    window.canvas.flush()
    assert f"out {format_number(OUT_H1, 5)}" in window.canvas.value_label("H1").text()
    assert "outH1 = sigmoid(netH1)" in window.derivation_panel.plain_text()
    assert player.pane.score_label.text() == "Score: 1 of 1 right"


def test_fewer_digits_and_fractions_are_graded_at_the_displayed_precision(qtbot, window):
    player = _at(qtbot, window, "Forward: H1")
    _type(qtbot, player, "0,538")  # 3 digits: right to the digits given
    grade = player.asking.grade
    assert grade.correct and "Right to the 3 digits you gave" in grade.message
    player.go_to(STEP["Forward: H1"])
    settle(qtbot, player)
    _type(qtbot, player, "0,54")  # 2 digits are too few to tell
    grade = player.asking.grade
    assert not grade.correct
    assert "Not quite: you said 0,54, the value is 0.53842" in grade.message
    assert "off by 0.0016" in grade.message
    player.go_to(STEP["Forward: H1"])
    settle(qtbot, player)
    _type(qtbot, player, "7/13")  # 0.538461...: wrong at 5 digits
    assert not player.asking.grade.correct
    # A fraction that is right: the learning-rate step's x after one step is 0.975 = 39/40.
    player.go_to(STEP["The learning rate"])
    settle(qtbot, player)
    _type(qtbot, player, "39/40")
    assert player.asking.grade.correct, player.asking.grade.message
    assert player.score.asked == 4 and player.score.right == 2
    assert player.pane.score_label.text() == "Score: 2 of 4 right"


def test_the_wrong_update_sign_is_named(qtbot, window):
    player = _at(qtbot, window, "The update")
    assert _substep(window) == ("backward", "b1")  # the update is not taken yet
    _type(qtbot, player, "0,1807289")  # the widely copied original's w5 + lr * dE/dw5
    grade = player.asking.grade
    assert not grade.correct and grade.mistake is not None
    assert "w5 + lr \u00b7 dE/dw5" in grade.message and "Gradient descent subtracts" in \
        grade.message
    assert "0.1792705" in grade.message
    assert _substep(window) == ("update", "all")  # revealed
    assert window.model.network.get("w5") == pytest.approx(NEW_W5, abs=5e-11)
    assert "\u2717 Not quite" in player.pane.question_box.feedback.text()


def test_a_forgotten_path_of_a_hidden_weight_is_named(qtbot, window):
    player = _at(qtbot, window, "Backward: dE/dw1, every path")
    _type(qtbot, player, format_number(ONE_PATH_W1, 5).replace(".", ","))
    grade = player.asking.grade
    assert not grade.correct
    assert grade.mistake is not None and grade.mistake.kind == "forgotten path"
    assert "uses only one path" in grade.message and "every path" in grade.message


def test_text_that_is_not_a_number_is_explained_and_not_counted(qtbot, window):
    player = _at(qtbot, window, "Forward: H1")
    _type(qtbot, player, "about a half")
    box = player.pane.question_box
    assert box.hint.isVisible() and "is not a number" in box.hint.text()
    assert player.score.asked == 0 and player.asking.waiting
    assert _substep(window) is None  # nothing revealed


def test_options_are_buttons_and_a_wrong_direction_gets_the_reason(qtbot, window):
    player = _at(qtbot, window, "Backward: dE/dw5, three factors")
    box = player.pane.question_box
    assert [b.text() for b in box.option_buttons] == ["positive", "negative", "zero"]
    qtbot.mouseClick(box.option_buttons[0], Qt.MouseButton.LeftButton)
    assert player.asking.grade.correct
    assert _substep(window) == ("backward", "w5")
    player.go_to(STEP["Not every weight goes down"])
    settle(qtbot, player)
    assert [b.text() for b in box.option_buttons] == ["up", "down", "stays"]
    qtbot.mouseClick(box.option_buttons[1], Qt.MouseButton.LeftButton)  # "down": wrong
    grade = player.asking.grade
    assert not grade.correct and "the answer is up" in grade.message
    assert "dE/dw7 = -0.020974 is negative" in grade.message
    assert window.model.network.get("w7") > 0.11  # revealed: it went up


def test_a_long_choice_gets_letter_buttons_and_the_explanation(qtbot, window):
    player = _at(qtbot, window, "Stochastic gradient descent")
    box = player.pane.question_box
    assert [b.text() for b in box.option_buttons] == ["A", "B", "C"]
    qtbot.mouseClick(box.option_buttons[1], Qt.MouseButton.LeftButton)
    assert player.asking.grade.correct
    assert "One sample's slope is only an estimate" in box.feedback.text()


def test_page_down_reveals_without_a_prediction_then_goes_on(qtbot, window):
    player = _at(qtbot, window, "The error")
    assert _substep(window) == ("error", "Y1")
    qtbot.keyClick(window.canvas, Qt.Key.Key_PageDown)
    assert _substep(window) == ("error", "Y2") and player.index == STEP["The error"]
    assert "The answer: 0.18498" in player.pane.question_box.feedback.text()
    assert player.score.asked == 0  # revealed, not graded
    qtbot.keyClick(window.canvas, Qt.Key.Key_PageDown)
    settle(qtbot, player)
    assert player.index == STEP["The error"] + 1


def test_a_choice_before_a_run_is_revealed_by_the_run(qtbot, window):
    xor = next(ls for ls in load_lessons() if ls.id == "xor-hidden-layer")
    player = window.lessons
    player.open_lesson(xor, 6)  # "A stuck start": 20000 iterations, asked before them
    settle(qtbot, player)
    assert player.asking is not None and player.asking.waiting
    assert window.model.stepper.completed_iterations == 0
    qtbot.mouseClick(player.pane.question_box.option_buttons[1], Qt.MouseButton.LeftButton)
    assert player.asking.grade.correct
    assert player.busy  # the run goes on in slices, the window answering
    seen: list[tuple[int, int]] = []
    player.mover.progress.connect(lambda done, total: seen.append((done, total)))
    settle(qtbot, player)
    assert window.model.stepper.completed_iterations == 20000
    assert seen and all(total == 20000 for _done, total in seen)
    assert player.pane.status.isHidden()


def test_the_teacher_switches_a_lessons_questions_off_and_it_is_remembered(qtbot, window):
    player = _at(qtbot, window, "Forward: H1")
    assert player.asking is not None
    player.pane.questions_check.click()
    settle(qtbot, player)
    assert not player.questions_on and player.asking is None
    assert not player.pane.question_box.isVisible()
    assert _substep(window) == ("forward", "H1")  # the step's own position, value shown
    player.close_lesson()
    player.open_lesson(MECHANICS)
    settle(qtbot, player)
    assert player.index == STEP["Forward: H1"] and not player.questions_on
    assert player.asking is None


def test_quiz_mode_asks_before_each_sub_step(qtbot, window):
    player = window.lessons
    player.quiz_action.trigger()
    assert player.quiz_on and window.docks["lesson"].isVisible()
    window.focus_canvas()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    box = player.pane.question_box
    assert player.asking is not None and player.asking.source == "quiz"
    assert player.asking.question.quantity == "outH1" and _substep(window) is None
    _type(qtbot, player, "0.53842")
    assert player.asking.grade.correct and _substep(window) == ("forward", "H1")
    qtbot.waitUntil(lambda: window.canvas.hasFocus())
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)  # the next question
    assert player.asking.question.quantity == "outH2" and _substep(window) == (
        "forward", "H1")
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)  # Space again: the answer, no grade
    assert _substep(window) == ("forward", "H2") and player.score.asked == 1
    assert "The answer: 0.52081" in box.feedback.text()
    # Shift+Space with a question waiting steps back and forgets it.
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert player.asking is None and _substep(window) == ("forward", "H1")
    player.quiz_action.trigger()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    assert player.asking is None and _substep(window) == ("forward", "H2")


def test_the_score_is_saved_only_when_the_student_asks(qtbot, window, monkeypatch, tmp_path,
                                                       isolated_settings):
    player = _at(qtbot, window, "Forward: H1")
    assert not player.save_score_action.isEnabled()
    _type(qtbot, player, "0.5")
    player.go_to(STEP["Forward: H1"])
    settle(qtbot, player)
    _type(qtbot, player, "0.53842")
    window._save_settings()
    stored = "".join(p.read_text(errors="replace") for p in isolated_settings.rglob("*")
                     if p.is_file())
    assert "0.53842" not in stored and "score" not in stored.lower()
    target = tmp_path / "my-score.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(Recorder((str(target), ""))))
    assert player.save_score_action.isEnabled()
    player.save_score_action.trigger()
    saved = json.loads(target.read_text())
    assert saved["asked"] == 2 and saved["right"] == 1
    assert [a["correct"] for a in saved["answers"]] == [False, True]
