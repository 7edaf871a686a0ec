"""The whole lesson through the real window: build a network, edit a weight inline, undo and
redo, then step the reference example sub-step by sub-step and read every number of
../shared/seed-example.md off the derivation panel."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox

from simulator.app.main_window import MainWindow

# ../shared/seed-example.md, to the 10 decimals it shows.
FORWARD = {"netH1": 0.154, "outH1": 0.5384240912, "netH2": 0.0833, "outH2": 0.5208129665,
           "netY1": 0.5481651144, "outY1": 0.6337097788, "netY2": 0.6146380213,
           "outY2": 0.6489980701}
ERRORS = {"E1": 0.1703585530, "E2": 0.0146208300, "E": 0.1849793830}
GRADIENTS = {"w1": 0.0047463957, "w2": 0.0002997724, "w3": -0.0004738406,
             "w4": -0.0000299268, "w5": 0.0729519972, "w6": 0.0705658359,
             "w7": -0.0209738620, "w8": -0.0202878353, "b1": 0.0044974264,
             "b2": 0.0965375363}
UPDATED = {"w1": 0.0999525360, "w2": 0.1499970023, "w3": 0.0300047384, "w4": 0.0800002993,
           "w5": 0.1792704800, "w6": 0.0592943416, "w7": 0.1102097386, "w8": 0.2602028784,
           "b1": 0.0499550257, "b2": 0.4190346246}
ORDER = (["Forward: H1", "Forward: H2", "Forward: Y1", "Forward: Y2", "Error: Y1",
          "Error: Y2"] + [f"Backward: dE/d{p}" for p in
                          ("w5", "w6", "w7", "w8", "b2", "w1", "w2", "w3", "w4", "b1")]
         + ["Update"])
# The seed rounds to 10 decimals (half a unit: 5e-11); the panel shows 10 significant
# digits, which can round the other way by up to 5e-12 more.
TOL = 5.5e-11
NUMBER = r"(-?\d+(?:\.\d+)?(?:e[+-]\d+)?)"


def _no_dialog(*args, **kwargs):
    raise AssertionError(f"unexpected modal dialog: {args[1:3]}")


@pytest.fixture
def window(qtbot, monkeypatch):
    for name in ("question", "critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, _no_dialog)
    win = MainWindow()
    qtbot.addWidget(win, before_close_func=lambda w: (w.runner.pause(),
                                                      w.set_confirm_on_close(False)))
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    return win


def last_number(line: str) -> float:
    """The result at the end of a line such as 'outH1 = sigmoid(0.154) = 0.5384240912'."""
    return float(re.findall(NUMBER, line)[-1])


def line_starting(text: str, start: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(start)]
    assert lines, f"no line starts with {start!r} in:\n{text}"
    return lines[-1]


def test_step_the_reference_lesson_and_read_every_number(qtbot, window):
    window.derivation_panel.digits_spin.setValue(10)
    assert window.model.digits == 10
    panel = window.derivation_panel
    texts = []
    for _ in ORDER:
        qtbot.keyClick(window, Qt.Key.Key_Space)
        texts.append(panel.plain_text())
    for title, text in zip(ORDER, texts):
        assert title in text.splitlines()[0] or title in text, (title, text)

    forward = "\n".join(texts[:4])
    for symbol, value in FORWARD.items():
        assert last_number(line_starting(forward, f"{symbol} =")) == pytest.approx(
            value, abs=TOL), symbol
    errors = "\n".join(texts[4:6])
    for symbol, value in ERRORS.items():
        assert last_number(line_starting(errors, f"{symbol} =")) == pytest.approx(
            value, abs=TOL), symbol
    for text, name in zip(texts[6:16], ORDER[6:16]):
        param = name.split("dE/d")[1]
        # The chain rule in symbols, then in numbers, ending in the gradient.
        assert f"dE/d{param} = dE/d" in text
        assert last_number(line_starting(text, f"dE/d{param} =")) == pytest.approx(
            GRADIENTS[param], abs=TOL), param
    w5 = texts[6]
    assert "dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5" in w5
    assert "0.5837097788 * 0.232121695 * 0.5384240912 = 0.0729519972" in w5
    w1 = texts[11]  # a hidden weight: the error reaches it along both outputs
    assert "dE/doutH1 = dE/doutY1*doutY1/dnetY1*dnetY1/doutH1 + " \
           "dE/doutY2*doutY2/dnetY2*dnetY2/doutH1" in w1
    update = texts[16]
    for name, value in UPDATED.items():
        assert last_number(line_starting(update, f"{name} =")) == pytest.approx(
            value, abs=TOL), name
    assert "w5 = 0.18 - 0.01 * 0.0729519972 = 0.17927048" in update
    # The canvas moved with the panel: the update is applied to the model.
    assert window.model.network.get("w5") == pytest.approx(UPDATED["w5"], abs=TOL)


def _menu_actions(menu) -> dict[str, QAction]:
    return {a.objectName(): a for a in menu.findChildren(QAction) if a.objectName()}


def test_build_a_network_edit_a_weight_inline_undo_and_redo(qtbot, window):
    canvas = window.canvas
    model = window.model
    # Build: a second hidden layer, a third neuron in it, tanh units.
    _menu_actions(canvas.context_menu_for("H1"))["add_layer_after"].trigger()
    assert model.document.network.sizes == [2, 2, 2, 2]
    _menu_actions(canvas.context_menu_for("H2_1"))["add_neuron"].trigger()
    assert model.document.network.sizes == [2, 2, 3, 2]
    _menu_actions(canvas.context_menu_for("H2_3"))["activation:tanh"].trigger()
    assert model.document.network.layers[1].activation == "tanh"
    assert {"H1_1", "H1_2", "H2_1", "H2_2", "H2_3"} <= set(canvas.content.neurons)
    assert window.isWindowModified()

    # Edit w1 in the inline editor on the canvas (on its label, or on its edge when the
    # canvas has no room to label every edge legibly).
    label = canvas.param_label("w1")
    spot = label.scenePos() if label.isVisible() else canvas.edge_item("w1").line().center()
    point = canvas.mapFromScene(spot)
    qtbot.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    editor = canvas.editor
    assert editor is not None
    editor.line_edit.selectAll()
    qtbot.keyClicks(editor.line_edit, "0.75")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert model.network.get("w1") == 0.75
    edits_done = model.undo_stack.count()

    # Undo the edit with the standard shortcut, then redo it; then undo everything.
    window.undo_action.trigger()
    assert model.network.get("w1") == 0.1
    window.redo_action.trigger()
    assert model.network.get("w1") == 0.75
    for _ in range(edits_done):
        window.undo_action.trigger()
    assert model.document.network.sizes == [2, 2, 2]
    assert model.network.as_dict()["w5"] == 0.18
    assert not window.isWindowModified()
