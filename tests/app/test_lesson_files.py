"""Lesson files and example networks in the real window: a bad lesson file (a seeded,
fuzzed set) gets one clear message naming the step and the field, and changes nothing; a
lesson that cannot reach a step says so in the pane; a lesson never writes any file (the
user's own network, the bundled examples and lessons stay byte for byte); File > Examples
lists every example with its description, the lessons' networks among them; the start
page lists the lessons; ``--lesson`` refuses a bad id with one line."""

from __future__ import annotations

import copy
import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox
from shiboken6 import isValid

from simulator.app.main import main
from simulator.engine.example_index import load_example_index
from simulator.engine.lesson import LessonError, lesson_files, load_lesson, load_lessons

from ..engine.test_lesson_fuzz import _mutate
from .lesson_window import Recorder, open_window, settle

REPO = Path(__file__).resolve().parents[2]
MECHANICS = next(ls for ls in load_lessons() if ls.id == "mechanics")
STEP = {plan.title: plan.index for plan in MECHANICS.steps}
#: Fuzzed files opened in the window.
FUZZED = 40


@pytest.fixture
def window(qtbot, monkeypatch):
    return open_window(qtbot, monkeypatch)


def _open_dialog(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(Recorder((str(path), ""))))


def test_fuzzed_bad_lesson_files_get_one_clear_message_each(qtbot, window, monkeypatch,
                                                            tmp_path):
    player = window.lessons
    critical = Recorder()
    monkeypatch.setattr(QMessageBox, "critical", critical)
    rng = random.Random("lesson files in the window")
    raw = json.loads(lesson_files()[0].read_text(encoding="utf-8"))
    refused = 0
    document = window.model.document
    for n in range(FUZZED):
        text, path, kind = _mutate(raw, rng)
        target = tmp_path / f"fuzzed-{n}.json"
        target.write_text(text, encoding="utf-8")
        try:
            load_lesson(target)
        except LessonError as exc:
            expected: str | None = str(exc)
        else:
            expected = None
        _open_dialog(monkeypatch, target)
        before = len(critical.calls)
        player.open_lesson_action.trigger()
        if expected is None:
            assert len(critical.calls) == before, (kind, path)
            assert player.lesson is not None
            player.close_lesson()
            document = window.model.document
            continue
        refused += 1
        assert len(critical.calls) == before + 1, (kind, path)
        message = critical.calls[-1][2]
        assert expected in message and "Traceback" not in message
        assert message.count("\n") <= 3
        assert player.lesson is None and window.model.document is document
    assert refused >= FUZZED // 3


def test_a_bad_lesson_names_the_step_and_the_field(qtbot, window, monkeypatch, tmp_path):
    raw = json.loads(lesson_files()[0].read_text(encoding="utf-8"))
    bad = copy.deepcopy(raw)
    bad["steps"][11]["question"]["quantity"] = "outQ7"
    target = tmp_path / "typo.json"
    target.write_text(json.dumps(bad), encoding="utf-8")
    critical = Recorder()
    monkeypatch.setattr(QMessageBox, "critical", critical)
    _open_dialog(monkeypatch, target)
    window.lessons.open_lesson_action.trigger()
    assert len(critical.calls) == 1
    message = critical.calls[0][2]
    assert 'typo.json: step 12 ("Forward: H1"): question.quantity:' in message
    assert '"outQ7"' in message


def test_a_step_the_network_cannot_reach_is_reported_in_the_pane(qtbot, window, tmp_path):
    doc = {"format": "backprop-lab", "version": 1, "name": "A line",
           "layers": [{"size": 1}, {"size": 1, "activation": "linear", "bias": "neuron"}],
           "weights": [[[0.5]]], "biases": [[0.0]], "frozen": [], "loss": "mse",
           "training": {"optimizer": "gd", "learning_rate": 5, "batch_size": 1, "seed": 0},
           "data": {"inputs": [[1.0], [2.0]], "targets": [[1.0], [2.0]]}}
    lesson = {"format": "backprop-lab-lesson", "version": 1, "id": "diverges",
              "title": "Too far", "steps": [
                  {"title": "A line", "text": "One weight.", "network": doc},
                  {"title": "Far away", "text": "Too far.", "at": {"iteration": 2000}}]}
    path = tmp_path / "diverges.json"
    path.write_text(json.dumps(lesson), encoding="utf-8")
    player = window.lessons
    assert player.open_lesson_path(path)
    settle(qtbot, player)
    assert player.problem == ""
    player.next()
    settle(qtbot, player)
    assert player.index == 1
    assert player.problem.startswith('step 2 ("Far away"): the network cannot get there: ')
    assert "diverged" in player.problem
    assert player.pane.status.isVisible() and player.pane.status.text() == player.problem


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_lesson_never_changes_a_saved_file(qtbot, window, monkeypatch, tmp_path):
    mine = tmp_path / "my-network.json"
    shutil.copy(REPO / "resources" / "examples" / "reference.json", mine)
    assert window.open_path(mine)
    watched = [mine, *sorted((REPO / "resources").rglob("*.json"))]
    before = {p: _digest(p) for p in watched}
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["The 2-2-2 network"])
    settle(qtbot, player)
    assert window.model.path is None  # an untitled copy
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    assert window.model.set_parameter("w5", 0.5)
    assert window.isWindowModified()
    saving = Recorder(("", ""))  # Save asks for a name (untitled): the user cancels
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(saving))
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(saving.calls) == 1
    for _ in range(4):
        player.next()
        settle(qtbot, player)
    player.close_lesson()
    assert window.model.path is None
    assert {p: _digest(p) for p in watched} == before


def test_a_lessons_copy_is_replaced_without_asking_unless_the_student_edited_it(
        qtbot, window, monkeypatch):
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["Overfitting"])  # 3000 iterations: modified
    settle(qtbot, player)
    assert window.isWindowModified()
    player.close_lesson()
    player.open_by_id("xor-hidden-layer", 0)  # no question asked (the fixture fails)
    settle(qtbot, player)
    assert window.model.set_parameter("w1", 0.5)  # the student's own edit
    player.close_lesson()
    asked = Recorder(QMessageBox.StandardButton.Cancel)
    monkeypatch.setattr(QMessageBox, "question", asked)
    assert not player.open_by_id("mechanics", 0)
    assert len(asked.calls) == 1 and player.lesson is None
    assert window.model.network.get("w1") == 0.5


def test_file_examples_lists_every_example_with_its_description(qtbot, window):
    window._fill_examples_menu()
    menu = window.examples_menu
    actions = [a for a in menu.actions() if a.isEnabled()]
    entries = load_example_index()
    assert [a.text() for a in actions] == [e.name for e in entries]
    for action, entry in zip(actions, entries, strict=True):
        assert action.toolTip() == entry.description and entry.description
        assert entry.description in action.statusTip()
    assert menu.toolTipsVisible()
    used = {plan.document_source for ls in load_lessons() for plan in ls.steps
            if plan.document_source and plan.document_source != "inline"}
    assert used and used <= {a.data() for a in actions}
    blobs = next(a for a in actions if a.data() == "blobs.json")
    blobs.trigger()
    assert window.model.path is None and window.model.document.name == "Two blobs"


def test_the_start_page_lists_the_lessons_and_starts_one(qtbot, window):
    player = window.lessons
    page = player.show_start_page()
    assert page.isVisible()
    lessons = load_lessons()
    assert list(page.lesson_buttons) == [ls.id for ls in lessons]
    shown = " ".join(label.text() for label in page.findChildren(QLabel))
    for lesson in lessons:
        assert lesson.title in shown and lesson.summary in shown
    assert page.lesson_buttons["xor-hidden-layer"].text() == "Start"
    page.lesson_buttons["xor-hidden-layer"].click()
    settle(qtbot, player)
    assert not isValid(page) or not page.isVisible()  # closed by the choice
    assert player.lesson.id == "xor-hidden-layer"
    assert player.index == 0
    page = player.show_start_page()
    page.function_button.click()
    assert player.lesson is None and window.function_lab.shown
    page = player.show_start_page()
    page.show_check.setChecked(False)
    assert not player.start_page_at_start
    page.explore_button.click()
    assert not window.function_lab.shown and window.model.document.name == "Reference example"
    assert window.model.path is None


def test_the_lessons_menu_lists_every_shipped_lesson(qtbot, window):
    player = window.lessons
    player._fill_menu()
    titles = [a.text() for a in player.menu.actions() if a.objectName().startswith("lesson-")]
    assert titles == [f"&{i + 1} {ls.title}" for i, ls in enumerate(load_lessons())]
    assert window.menuBar().actions()[-2].menu() is player.menu  # before Help


@pytest.mark.parametrize(("args", "said"), [
    (["--lesson", "no-such-lesson"], "no lesson 'no-such-lesson'"),
    (["--lesson", "mechanics", "--lesson-step", "99"], "the lesson has 21 steps"),
    (["--lesson-step", "2"], "--lesson-step needs --lesson"),
    (["--lesson", "mechanics", "--lesson-step", "0"], "must be 1 or more"),
])
def test_a_bad_lesson_on_the_command_line_is_one_line(capsys, args, said):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and "\n" not in err
