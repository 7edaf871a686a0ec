"""The lesson player's keys and memory in the real window: Page Down and Page Up (a
clicker) drive the lesson from wherever the focus is, the function lab included; Space
still steps the network (or the function) inside a step; presenter mode keeps the pane and
the teacher's notes off the projected screen; leaving a lesson and coming back (also in a
new window) returns to the same step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import simulator.app.lessons.player as player_module
from simulator.app.lessons.notes import other_screen
from simulator.engine.lesson import load_lessons

from .lesson_window import open_window, settle

MECHANICS = next(ls for ls in load_lessons() if ls.id == "mechanics")
STEP = {plan.title: plan.index for plan in MECHANICS.steps}


@pytest.fixture
def window(qtbot, monkeypatch):
    return open_window(qtbot, monkeypatch)


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier, widget=None) -> None:
    target = widget or QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key, modifier)


def _cursor(window) -> int:
    return window.model.stepper.cursor


def test_page_down_and_page_up_drive_the_lesson_from_anywhere(qtbot, window):
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["The 2-2-2 network"])
    player.set_questions_on(False)  # a waiting question takes the first Page Down
    settle(qtbot, player)
    for widget in (window.canvas, window.derivation_panel.browser, player.pane.text):
        widget.setFocus()
        before = player.index
        _key(qtbot, Qt.Key.Key_PageUp, widget=widget)
        assert player.index == before - 1, widget
        _key(qtbot, Qt.Key.Key_PageDown, widget=widget)
        settle(qtbot, player)
        assert player.index == before, widget
    # The menu entries do the same.
    player.set_questions_on(True)
    settle(qtbot, player)
    player.next_action.trigger()
    settle(qtbot, player)
    assert player.index == STEP["Forward: H1"] and player.asking.waiting
    # In the prediction field too: Page Down shows the answer, then goes on.
    field = player.pane.question_box.field
    field.setFocus()
    _key(qtbot, Qt.Key.Key_PageDown, widget=field)
    assert not player.asking.waiting and player.index == STEP["Forward: H1"]
    _key(qtbot, Qt.Key.Key_PageDown, widget=window.canvas)
    settle(qtbot, player)
    assert player.index == STEP["Forward: to the outputs"]
    player.previous_action.trigger()
    settle(qtbot, player)
    assert player.index == STEP["Forward: H1"]


def test_space_still_steps_the_network_inside_a_step(qtbot, window):
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["The 2-2-2 network"])
    settle(qtbot, player)
    window.focus_canvas()
    assert _cursor(window) == -1
    _key(qtbot, Qt.Key.Key_Space, widget=window.canvas)
    _key(qtbot, Qt.Key.Key_Space, widget=window.canvas)
    assert _cursor(window) == 1 and player.index == STEP["The 2-2-2 network"]
    _key(qtbot, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier, widget=window.canvas)
    assert _cursor(window) == 0
    # Page Down goes to the next step, which puts the stepper where the step wants it.
    _key(qtbot, Qt.Key.Key_PageDown, widget=window.canvas)
    settle(qtbot, player)
    assert player.index == STEP["Forward: H1"] and _cursor(window) == -1


def test_in_a_function_step_space_steps_the_function_and_page_down_the_lesson(qtbot, window):
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["You versus the pirate"])
    settle(qtbot, player)
    lab = window.function_lab
    assert lab.shown and lab.lab_model.steps_taken == 20
    lab.view.setFocus()
    network_cursor = _cursor(window)
    _key(qtbot, Qt.Key.Key_Space, widget=lab.view)
    assert lab.lab_model.steps_taken == 21 and player.index == STEP["You versus the pirate"]
    player.pane.text.setFocus()  # Space from the pane steps the function, not the network
    _key(qtbot, Qt.Key.Key_Space, widget=player.pane.text)
    assert lab.lab_model.steps_taken == 22 and _cursor(window) == network_cursor
    lab.view.setFocus()
    _key(qtbot, Qt.Key.Key_PageDown, widget=lab.view)
    settle(qtbot, player)
    assert player.index == STEP["The derivative: how fast f changes"]
    assert lab.lab_model.steps_taken == 0
    _key(qtbot, Qt.Key.Key_PageUp, widget=lab.view)
    settle(qtbot, player)
    assert player.index == STEP["You versus the pirate"]
    assert lab.lab_model.steps_taken == 20  # the step is applied whole again


def test_without_a_lesson_page_down_steps_the_network_as_before(qtbot, window):
    window.focus_canvas()
    _key(qtbot, Qt.Key.Key_PageDown, widget=window.canvas)
    assert _cursor(window) == 0
    _key(qtbot, Qt.Key.Key_PageUp, widget=window.canvas)
    assert _cursor(window) == -1


def test_presenter_mode_keeps_the_pane_and_the_notes_off_the_projected_screen(
        qtbot, window, monkeypatch):
    player = window.lessons
    player.open_lesson(MECHANICS, STEP["Partial derivatives"])
    settle(qtbot, player)
    window.toggle_presenter()
    qtbot.wait(200)
    assert window.presenter.active and player.dock.isVisible()
    assert not player.pane.notes.isVisible()  # never on the projected screen by default
    assert player.notes_window is None  # one screen: no notes window
    assert not player.pane.step_combo.isVisible()  # the teacher's controls hidden
    assert player.pane.next_button.isVisible()
    _key(qtbot, Qt.Key.Key_T, widget=window.canvas if window.canvas.isVisible()
         else window.function_lab.view)
    assert player.notes_in_pane and player.pane.notes.isVisible()
    assert "f(3, -3) = 9" in player.pane.notes.text()
    player.notes_action.trigger()
    assert not player.pane.notes.isVisible()
    window.toggle_presenter()
    qtbot.wait(100)
    # With a second screen, the notes go to a window of their own there.
    primary = QApplication.primaryScreen()
    monkeypatch.setattr(player_module, "other_screen", lambda current, screens: primary)
    window.toggle_presenter()
    qtbot.wait(200)
    notes = player.notes_window
    assert notes is not None and notes.isVisible() and notes.screen() is primary
    assert notes.title.text() == "Partial derivatives"
    assert "f(3, -3) = 9" in notes.notes.text()
    assert "Next: The gradient at (3, -3)" in notes.next_label.text()
    assert not player.pane.notes.isVisible()
    player.next()  # the step's question: its answer first
    player.next()
    settle(qtbot, player)
    assert notes.title.text() == "The gradient at (3, -3)"
    window.toggle_presenter()
    qtbot.wait(100)
    assert not notes.isVisible()


def test_the_notes_screen_is_another_one_than_the_windows():
    a, b, c = object(), object(), object()
    assert other_screen(a, [a]) is None
    assert other_screen(a, [a, b]) is b
    assert other_screen(b, [a, b, c]) is a
    assert other_screen(None, [a, b]) is a


def test_without_a_lesson_presenter_mode_has_no_empty_lesson_pane(qtbot, window):
    window.toggle_presenter()
    qtbot.wait(200)
    assert not window.lessons.dock.isVisible()
    window.toggle_presenter()


def test_leave_a_lesson_and_come_back_to_the_same_step(qtbot, monkeypatch, window):
    player = window.lessons

    def arrangement():
        return {key: (dock.isVisible(), window.dockWidgetArea(dock),
                      {d.objectName() for d in window.tabifiedDockWidgets(dock)})
                for key, dock in window.docks.items()}

    before = arrangement()
    player.open_lesson(MECHANICS, 0)
    settle(qtbot, player)
    for _ in range(5):
        player.next()  # reveals the question of a step first, then goes on
        settle(qtbot, player)
    index = player.index
    assert index > 0
    player.leave_action.trigger()
    assert player.lesson is None and arrangement() == before  # the window's own layout
    assert not window.function_lab.shown
    player._fill_menu()
    entry = next(a for a in player.menu.actions() if a.objectName() == "lesson-mechanics")
    entry.trigger()
    settle(qtbot, player)
    assert player.lesson.id == "mechanics" and player.index == index
    player.close_lesson()
    window._save_settings()
    # A new window (the next session) remembers it too, and its start page says so.
    again = open_window(qtbot, monkeypatch)
    page = again.lessons.show_start_page()
    assert page.lesson_buttons["mechanics"].text() == f"Continue at step {index + 1}"
    page.lesson_buttons["mechanics"].click()
    settle(qtbot, again.lessons)
    assert again.lessons.lesson.id == "mechanics" and again.lessons.index == index
