"""The function lab in the real window: F4 switches to it, a lesson opens it, its keys do
not step the network; the nudge probe on the network canvas agrees with the derivation
panel's gradient (the reference lesson's w1 and w5, against the worked example's numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.app.function import FunctionView, NetworkNudgeDialog
from simulator.app.function.nudge import ESTIMATE_COLUMN
from simulator.app.main_window import MainWindow
from simulator.engine.function import Descent, descent_config, parse_function
from simulator.engine.numbers import format_number

#: dE/dp of the reference lesson (../shared/seed-example.md), to the digits it gives.
LESSON_GRADIENTS = {"w1": 0.0047463957, "w5": 0.0729519972}


def _unexpected_dialog(*args, **kwargs):
    raise AssertionError(f"unexpected modal dialog: {args[1:3]}")


def _no_prompt(win: MainWindow) -> None:
    win.runner.pause()
    win.set_confirm_on_close(False)


@pytest.fixture
def window(qtbot, monkeypatch):
    for name in ("question", "critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, _unexpected_dialog)
    win = MainWindow(persist=False)
    qtbot.addWidget(win, before_close_func=_no_prompt)
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win
    win.function_lab.shutdown()


def open_probe(window, name) -> NetworkNudgeDialog:
    menu = window.canvas.context_menu_for(name)
    [action] = [a for a in menu.actions() if a.objectName() == "nudge"]
    assert action.text() == f"Nudge probe of {name}..."
    action.trigger()
    dialogs = [d for d in window.findChildren(NetworkNudgeDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


@pytest.mark.parametrize("name", ["w1", "w5"])
def test_the_nudge_probe_agrees_with_the_derivation_panels_gradient(qtbot, window, name):
    dialog = open_probe(window, name)
    qtbot.addWidget(dialog)
    window.model.select(name)
    panel = window.derivation_panel.explanation()
    assert panel.refers_to is not None and panel.refers_to.name == name
    assert panel.value == pytest.approx(LESSON_GRADIENTS[name], abs=5e-11)
    probe = dialog.probe
    assert dialog.parameter == name and probe.name == name
    assert probe.analytic == pytest.approx(panel.value, rel=1e-12)
    assert dialog.panel_gradient == panel.value
    # the central differences converge to it
    errors = [abs(r.error) for r in probe.rows]
    assert errors[0] > errors[1] > errors[2]
    assert abs(probe.best.estimate - panel.value) < 1e-9
    assert dialog.table.cell_text(2, ESTIMATE_COLUMN) == format_number(probe.rows[2].estimate,
                                                                        10)
    assert format_number(panel.value, 10) in dialog.panel_value.text()
    dialog.close()


def test_the_probe_follows_training_and_the_parameter_chosen(qtbot, window):
    dialog = open_probe(window, "w5")
    qtbot.addWidget(dialog)
    first = dialog.probe.analytic
    window.model.finish_iteration()
    window.model.finish_iteration()
    window.model.select("w5")
    now = window.derivation_panel.explanation().value
    assert now != first
    assert dialog.probe.analytic == pytest.approx(now, rel=1e-12)
    dialog.set_parameter("b2")
    window.model.select("b2")
    assert dialog.probe.analytic == pytest.approx(
        window.derivation_panel.explanation().value, rel=1e-12)


def test_the_train_menus_probe_opens_on_the_selected_parameter(qtbot, window):
    window.model.select("w7")
    window.function_lab.nudge_action.trigger()
    [dialog] = [d for d in window.findChildren(NetworkNudgeDialog) if d.isVisible()]
    qtbot.addWidget(dialog)
    assert dialog.parameter == "w7"


def test_f4_switches_to_the_lab_and_back(qtbot, window):
    lab = window.function_lab
    assert not lab.shown and lab.view is None  # made on first use
    qtbot.keyClick(window, Qt.Key.Key_F4)
    assert lab.shown and isinstance(lab.view, FunctionView)
    assert window.centralWidget().currentWidget() is lab.view
    assert lab.action.isChecked()
    # the lab takes the whole window: the network's docks and toolbars step aside
    assert not window.docks["derivation"].isVisible()
    assert not window.steps_toolbar.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F4)
    assert not lab.shown
    assert window.centralWidget().currentWidget() is lab.network_page
    assert lab.network_page.findChild(type(window.canvas)) is window.canvas
    assert window.docks["derivation"].isVisible() and window.steps_toolbar.isVisible()


def test_edit_undo_acts_on_the_lab_while_it_is_shown_and_on_the_network_after(qtbot,
                                                                               window):
    model = window.model

    def w5() -> float:
        net = model.current_document().network
        return float(net.params[net.index_of["w5"]])

    assert model.set_parameter("w5", 0.5)  # one network edit, to undo later
    lab = window.function_lab
    qtbot.keyClick(window, Qt.Key.Key_F4)
    lab_model = lab.lab_model
    before = lab_model.text
    assert lab_model.set_text("x^2 + 3*y^2")
    assert window.undo_action.isEnabled()
    assert "x^2 + 3*y^2" not in before
    window.undo_action.trigger()  # Edit > Undo (Ctrl+Z) in the lab: the lab's typing
    assert lab_model.text == before
    assert w5() == 0.5
    window.redo_action.trigger()
    assert lab_model.text == "x^2 + 3*y^2"
    qtbot.keyClick(window, Qt.Key.Key_F4)  # back to the network: its own history again
    window.undo_action.trigger()
    assert w5() == 0.18
    assert lab_model.text == "x^2 + 3*y^2"


def test_docks_hidden_before_stay_hidden_and_closing_gives_the_panels_back(qtbot, window):
    window.docks["data"].hide()
    lab = window.function_lab
    lab.set_shown(True)
    assert window.docks["inspector"].isHidden()
    window.close()  # the window saves its layout as it closes: the panels are back first
    assert not lab.shown
    assert not window.docks["inspector"].isHidden()
    assert not window.steps_toolbar.isHidden()
    assert window.docks["data"].isHidden()  # hidden before the lab: still hidden


def test_a_lesson_opens_the_lab_and_its_keys_do_not_step_the_network(qtbot, window):
    lab = window.function_lab
    view = lab.open(example="lesson-sine", view="curve", steps=1, learning_rate=0.1)
    assert lab.shown
    network_before = window.model.stepper.cursor
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert lab.lab_model.steps_taken == 2
    assert window.model.stepper.cursor == network_before
    ref = Descent(parse_function("e^2*sin(x)"), (0,), descent_config("gd", 0.1))
    ref.run(2)
    np.testing.assert_array_equal(lab.lab_model.descent.points, ref.points)
    # the window's digits are the lab's
    window.model.set_digits(7)
    assert lab.lab_model.digits == 7
    # back to the network: Space steps the network again
    lab.set_shown(False)
    window.canvas.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.model.stepper.cursor != network_before
    assert lab.lab_model.steps_taken == 2


def test_the_lab_follows_the_dark_theme(qtbot, window):
    lab = window.function_lab
    lab.set_shown(True)
    window.set_dark(True)
    assert lab.view.graph.canvas.theme.name == "dark"
    view = lab.view

    def text_colour():
        return view.palette().color(view.palette().ColorRole.Text).name()

    # the dark palette arrives, and the numbers are written again in its text colour
    qtbot.waitUntil(lambda: text_colour() == "#e6e8eb" and "#e6e8eb" in view.info.toHtml())
    window.set_dark(False)
    assert lab.view.graph.canvas.theme.name == "light"


def _persisting_window(qtbot) -> MainWindow:
    win = MainWindow(persist=True)  # QSettings in the test's own folder (conftest)
    qtbot.addWidget(win, before_close_func=_no_prompt)
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_lab_comes_back_as_it_was_left_in_the_next_session(qtbot):
    first = _persisting_window(qtbot)
    first.function_lab.set_shown(True)
    lab = first.function_lab.lab_model
    assert lab.set_text("x^2 + 3*y^2")
    lab.open(at=(1.5, -0.5), learning_rate=0.05, optimizer="momentum", seed=7)
    first.function_lab.set_shown(False)  # leaving the lab keeps it
    first.close()

    second = _persisting_window(qtbot)
    second.function_lab.set_shown(True)
    again = second.function_lab.lab_model
    assert again.text == "x^2 + 3*y^2"
    assert again.settings.start == (1.5, -0.5)
    assert (again.settings.learning_rate, again.settings.optimizer) == (0.05, "momentum")
    assert again.settings.seed == 7
    assert not again.undo_stack.canUndo()  # the restore is no edit of the student's


@pytest.mark.parametrize("state", [
    {"expression": "x^", "at": [1, 2]},
    {"expression": "x*y", "at": "junk", "learning_rate": 1e300},
    {"expression": ["x"], "view": "nothing", "seed": -5},
    {"expression": "x*y", "at": [1e400], "optimizer": {"a": 1}},
])
def test_a_bad_saved_lab_state_leaves_the_lab_at_its_default(qtbot, state):
    from simulator.app.settings import Settings

    default = _persisting_window(qtbot)
    default.function_lab.set_shown(True)
    expected = default.function_lab.lab_model.text
    default.function_lab.lab_model.undo_stack.clear()
    default.settings.function_state = {}
    default.set_confirm_on_close(False)
    default.close()
    Settings().function_state = state  # as if the settings file had been edited by hand

    win = _persisting_window(qtbot)
    win.function_lab.set_shown(True)
    assert win.function_lab.view is not None
    assert win.function_lab.lab_model.text == expected
    assert not win.function_lab.lab_model.undo_stack.canUndo()
