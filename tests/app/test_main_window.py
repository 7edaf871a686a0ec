"""The main window, driven through its real widgets, actions and keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from simulator.app import theme
from simulator.app.gl_platform import ensure_pyopengl_platform, qt_platform
from simulator.app.main import main
from simulator.app.main_window import MainWindow, NewDocumentDialog, ReinitializeDialog
from simulator.app.model import LabModel
from simulator.app.settings import SETTINGS_VERSION, Settings, migrate
from simulator.app.shortcuts import ShortcutsDialog
from simulator.engine import edits

REPO = Path(__file__).resolve().parents[2]


def _unexpected_dialog(*args, **kwargs):
    raise AssertionError(f"unexpected modal dialog: {args[1:3]}")


def _no_prompt(win: MainWindow) -> None:
    win.runner.pause()
    win.set_confirm_on_close(False)


@pytest.fixture
def window(qtbot, monkeypatch):
    # A modal dialog would block the test: fail instead, unless the test expects one.
    for name in ("question", "critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, _unexpected_dialog)
    win = MainWindow()
    qtbot.addWidget(win, before_close_func=_no_prompt)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win
    if win.is_dark():
        win.set_dark(False)


def press(qtbot, win, key, modifier=Qt.KeyboardModifier.NoModifier, times=1):
    for _ in range(times):
        qtbot.keyClick(win, key, modifier)


def text(win) -> str:
    return win.derivation_panel.plain_text()


class Recorder:
    """Stands in for a blocking static QMessageBox / QFileDialog call."""

    def __init__(self, result=None):
        self.calls: list[tuple] = []
        self.result = result

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        return self.result


# --- opening and stepping ------------------------------------------------------------------

def test_opens_with_the_reference_example_ready_to_step(window):
    assert "Reference example" in window.windowTitle()
    assert not window.isWindowModified()
    assert window.stage_strip.current_stage() is None
    assert "sub-step 0/17" in window.stage_strip.info_text()
    assert "Press Space" in text(window)
    assert window.model.digits == 5  # the default setting


def test_space_steps_and_the_panel_writes_the_lesson(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Space)
    shown = text(window)
    assert "Forward: H1" in shown
    assert "netH1 = w1*x1 + w2*x2 + b1" in shown
    assert "= 0.154" in shown
    assert "outH1 = sigmoid(netH1) = sigmoid(0.154) = 0.53842" in shown
    assert window.stage_strip.current_stage() == "forward"

    press(qtbot, window, Qt.Key.Key_Space, times=5)  # H2, Y1, Y2, E1, E2
    assert window.stage_strip.current_stage() == "error"
    assert "E = E1 + E2" in text(window)
    assert "0.18498" in window.stage_strip.loss_text()

    press(qtbot, window, Qt.Key.Key_Space)
    shown = text(window)
    assert "Backward: dE/dw5" in shown
    assert "dE/dw5 = dE/doutY1 * doutY1/dnetY1 * dnetY1/dw5" in shown
    for number in ("0.58371", "0.23212", "0.53842", "0.07295"):
        assert number in shown
    assert "dE/dw5 = 0.58371 * 0.23212 * 0.53842 = 0.07295" in shown
    assert window.stage_strip.current_stage() == "backward"
    assert "sub-step 7/17" in window.stage_strip.info_text()
    assert window.stage_strip.title_text() == "Backward: dE/dw5"


def test_step_back_restores_the_previous_sub_step(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Space, times=7)
    before = window.model.params.copy()
    press(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert window.stage_strip.current_stage() == "error"
    assert "Error: Y2" in text(window)
    assert "sub-step 6/17" in window.stage_strip.info_text()
    assert np.array_equal(window.model.params, before)
    press(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier, times=6)
    assert window.stage_strip.current_stage() is None
    assert not window.step_back_action.isEnabled()


def test_return_n_and_e_take_whole_iterations(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Return)
    assert window.model.stepper.completed_iterations == 1
    assert window.stage_strip.current_stage() == "update"
    assert "w5 = 0.18 - 0.01 * 0.07295" in text(window)
    assert window.isWindowModified()
    press(qtbot, window, Qt.Key.Key_N)
    assert window.model.stepper.completed_iterations == 2
    press(qtbot, window, Qt.Key.Key_E)
    assert window.model.stepper.completed_iterations == 3
    assert "Iteration 3, sub-step 17/17" in window.stage_strip.info_text()
    press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.model.stepper.completed_iterations == 0
    assert not window.isWindowModified()


def test_return_in_a_spin_box_commits_the_value_instead_of_stepping(qtbot, window):
    spin = window.lr_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "0.5")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.model.config.learning_rate == 0.5
    assert window.model.stepper.completed_iterations == 0
    assert window.model.current_substep is None


def test_selecting_a_parameter_shows_its_derivation(qtbot, window):
    window.model.select("w1")
    panel = window.derivation_panel
    assert panel.showing() == "w1"
    shown = text(window)
    assert "dE/dw1 = dE/doutH1 * doutH1/dnetH1 * dnetH1/dw1" in shown
    assert "0.0047464" in shown
    assert "w1 = 0.1 - 0.01 * 0.0047464 = 0.099953" in shown
    assert panel.follow_button.isVisible()
    # Stepping keeps the selected derivation; Esc goes back to following the steps.
    press(qtbot, window, Qt.Key.Key_Space)
    assert panel.showing() == "w1"
    assert window.stage_strip.current_stage() == "forward"
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.model.selection is None
    assert "Forward: H1" in text(window)
    window.model.select("w5")
    qtbot.mouseClick(panel.follow_button, Qt.MouseButton.LeftButton)
    assert window.model.selection is None
    assert panel.showing() == ""


def test_digits_setting_changes_the_numbers_and_persists(qtbot, window):
    press(qtbot, window, Qt.Key.Key_Space, times=7)
    window.derivation_panel.digits_spin.setValue(3)
    assert window.model.digits == 3
    shown = text(window)
    assert "0.584 * 0.232 * 0.538 = 0.073" in shown
    assert window.digits_actions[3].isChecked()
    assert Settings().digits == 3
    window.digits_actions[8].trigger()
    assert window.derivation_panel.digits_spin.value() == 8
    assert "0.58370978 * 0.2321217 * 0.53842409 = 0.072951997" in text(window)


# --- running -------------------------------------------------------------------------------

def test_run_then_pause_stops_the_count(qtbot, window):
    window.speed_actions["fast"].trigger()
    window.run_action.trigger()
    assert window.runner.running
    qtbot.waitUntil(lambda: window.model.stepper.completed_iterations > 50, timeout=5000)
    press(qtbot, window, Qt.Key.Key_R)
    assert not window.runner.running
    count = window.model.stepper.completed_iterations
    qtbot.wait(100)
    assert window.model.stepper.completed_iterations == count
    assert "Last run" in window.run_status.text()
    # Space while paused takes one sub-step of the next iteration.
    press(qtbot, window, Qt.Key.Key_Space)
    assert window.model.current_substep.title == "Forward: H1"


def test_run_stops_after_the_limit(qtbot, window):
    window.speed_actions["fast"].trigger()
    window.run_limit_spin.setValue(300)
    with qtbot.waitSignal(window.runner.stopped, timeout=5000):
        window.run_action.trigger()
    assert window.model.stepper.completed_iterations == 300
    assert not window.run_action.isChecked()


def test_a_huge_learning_rate_diverges_and_keeps_the_last_finite_state(qtbot, window):
    doc = edits.new_document((2, 2, 1), activation="linear")
    window.model.set_document(doc)
    window.lr_spin.setValue(1e5)
    assert window.model.config.learning_rate == 1e5
    window.speed_actions["20"].trigger()
    window.run_action.trigger()
    panel = window.derivation_panel
    qtbot.waitUntil(lambda: panel.divergence_text() != "", timeout=5000)
    assert "diverged" in panel.divergence_text()
    assert panel.banner.isVisible()
    assert not window.runner.running
    assert np.isfinite(window.model.params).all()
    assert "diverged" in window.statusBar().currentMessage()
    # Stepping back clears the banner.
    press(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert panel.divergence_text() == ""


def test_editing_while_running_pauses_first(qtbot, window):
    window.speed_actions["fast"].trigger()
    window.run_action.trigger()
    qtbot.waitUntil(lambda: window.runner.done > 0, timeout=5000)
    window.optimizer_combo.setCurrentIndex(window.optimizer_combo.findData("adam"))
    window.optimizer_combo.activated.emit(window.optimizer_combo.currentIndex())
    assert not window.runner.running
    assert window.model.config.optimizer == "adam"


def test_a_refused_edit_is_a_status_message(qtbot, window):
    def bad(_doc):
        raise ValueError("learning_rate must be a finite number greater than 0")

    assert not window.model.edit("Learning rate", bad)
    assert window.statusBar().currentMessage() == (
        "Learning rate: learning_rate must be a finite number greater than 0")
    assert window.model.undo_stack.count() == 0


def test_refusals_from_every_view_read_the_same_in_the_status_line(qtbot, window):
    """The canvas, the inspector and the data panel all hand the same edit to the model;
    the model reports the refusal once and the window's status line shows it, word for
    word the same whichever view asked."""
    doc = edits.set_loss(edits.new_document((2, 2, 1)), "binary_cross_entropy")
    window.model.set_document(doc)
    status = window.statusBar()
    refusals: list[str] = []
    window.model.editRefused.connect(refusals.append)
    row = window.model.shown_row
    expected = (f"Set T1 of sample {row + 1} to 2: data.targets: the binary_cross_entropy "
                "loss needs targets between 0 and 1")

    # the canvas: a target outside what the loss accepts
    assert not window.canvas.set_value(window.canvas.target_label(0).ref, 2.0)
    assert refusals == [expected] and status.currentMessage() == expected
    status.clearMessage()
    # the inspector: the same value typed into the target field
    window.model.select("Y1")
    field = window.inspector.page.data_field
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.refused and field.text() == "2"
    assert refusals == [expected] * 2 and status.currentMessage() == expected
    status.clearMessage()
    # the data panel: the same value typed into the table
    table = window.data_panel.train_model
    assert not table.setData(table.index(row, 2), "2")
    assert refusals == [expected] * 3 and status.currentMessage() == expected
    # a choice: the inspector's loss chooser
    window.model.select(None)
    page = window.inspector.page
    page.loss.setCurrentIndex(page.loss.findData("cross_entropy"))
    page.loss.activated.emit(page.loss.currentIndex())
    assert len(refusals) == 4 and refusals[-1].startswith("Use the cross_entropy loss: ")
    assert status.currentMessage() == refusals[-1]
    assert page.loss.currentData() == "binary_cross_entropy"  # the chooser shows the model
    assert window.model.undo_stack.count() == 0
    assert (window.model.document.data.targets <= 1).all()


# --- files ---------------------------------------------------------------------------------

def test_opening_a_bad_file_shows_the_loaders_message_and_keeps_the_document(
        qtbot, window, tmp_path, monkeypatch):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "backprop-lab", "version": 1,', encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    critical = Recorder(QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "critical", critical)
    press(qtbot, window, Qt.Key.Key_Space, times=3)
    window.open_action.trigger()
    assert len(critical.calls) == 1
    message = critical.calls[0][2]
    assert "broken.json" in message and "not valid JSON" in message
    assert window.model.document.name == "Reference example"
    assert window.model.current_substep.target == "Y1"


def test_save_and_open_round_trip(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "lesson"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    press(qtbot, window, Qt.Key.Key_Return)
    trained = window.model.params.copy()
    assert window.isWindowModified()
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = tmp_path / "lesson.json"
    assert saved.exists()
    assert not window.isWindowModified()
    assert "lesson.json" in window.windowTitle()
    assert json.loads(saved.read_text())["weights"][1][0][0] == pytest.approx(0.17927048)

    window.model.reset_training()
    assert window.isWindowModified()
    question = Recorder(QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "question", question)
    assert window.open_path(saved)
    assert len(question.calls) == 1
    assert np.array_equal(window.model.params, trained)
    assert not window.isWindowModified()
    assert Settings().recent_files[0] == str(saved.resolve())


def test_open_examples_menu_opens_untitled(qtbot, window):
    window._fill_examples_menu()
    names = [a.text() for a in window.examples_menu.actions()]
    assert "Reference example" in names
    window.examples_menu.actions()[names.index("Reference example")].trigger()
    assert window.model.path is None


def test_close_with_unsaved_changes_asks_first(qtbot, window, tmp_path, monkeypatch):
    press(qtbot, window, Qt.Key.Key_Return)
    assert window.model.modified
    question = Recorder(QMessageBox.StandardButton.Cancel)
    monkeypatch.setattr(QMessageBox, "question", question)
    assert not window.close()
    assert window.isVisible()
    assert len(question.calls) == 1

    target = tmp_path / "kept.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    question.result = QMessageBox.StandardButton.Save
    assert window.close()
    assert target.exists()
    assert not window.isVisible()


def test_close_discarding_changes(qtbot, window, monkeypatch):
    press(qtbot, window, Qt.Key.Key_Return)
    monkeypatch.setattr(QMessageBox, "question", Recorder(QMessageBox.StandardButton.Discard))
    assert window.close()


def test_new_document_dialog(qtbot, window, monkeypatch):
    def accept(dialog):
        dialog.sizes_edit.setText("2, 3, 1")
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NewDocumentDialog, "exec", accept)
    window.new_action.trigger()
    assert window.model.network.sizes == [2, 3, 1]
    assert window.model.path is None
    assert "Untitled" in window.windowTitle()

    dialog = NewDocumentDialog(window)
    dialog.sizes_edit.setText("2, x")
    dialog.accept()
    assert "whole numbers" in dialog.error_label.text()
    dialog.deleteLater()


def test_recent_files_are_persisted(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", Recorder(QMessageBox.StandardButton.Discard))
    paths = []
    for name in ("a.json", "b.json"):
        p = tmp_path / name
        window.model.save(p)
        window.open_path(p)
        paths.append(str(p.resolve()))
    assert Settings().recent_files[:2] == [paths[1], paths[0]]
    window._fill_recent_menu()
    labels = [a.text() for a in window.recent_menu.actions()]
    assert labels[:2] == ["&1 b.json", "&2 a.json"]
    # A file that disappeared is reported and forgotten.
    os.remove(paths[0])
    critical = Recorder(QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "critical", critical)
    assert not window.open_path(paths[0])
    assert "no such file" in critical.calls[0][2]
    assert paths[0] not in Settings().recent_files


# --- edit and view -------------------------------------------------------------------------

def test_undo_and_redo_through_the_actions(qtbot, window):
    window.lr_spin.setValue(0.5)
    assert window.model.config.learning_rate == 0.5
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert window.model.config.learning_rate == 0.01
    assert window.lr_spin.value() == 0.01
    window.redo_action.trigger()
    assert window.model.config.learning_rate == 0.5
    assert window.lr_spin.value() == 0.5
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.model.config.learning_rate == 0.01


def test_batch_size_follows_the_optimizer(qtbot, window):
    doc = edits.new_document((2, 2, 1))  # XOR: 4 samples
    window.model.set_document(doc)
    assert not window.batch_spin.isEnabled()  # gd: the whole data set
    combo = window.optimizer_combo
    combo.setCurrentIndex(combo.findData("sgd"))
    combo.activated.emit(combo.currentIndex())
    assert window.model.config.optimizer == "sgd"
    assert window.batch_spin.isEnabled()
    window.batch_spin.setValue(2)
    assert window.model.config.batch_size == 2


def test_reinitialise_parameters(qtbot, window, monkeypatch):
    def accept(dialog):
        dialog.method_combo.setCurrentText("constant")
        dialog.value_spin.setValue(0.25)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ReinitializeDialog, "exec", accept)
    window.reinit_action.trigger()
    assert np.allclose(window.model.params, 0.25)
    window.undo_action.trigger()
    assert window.model.network.get("w5") == 0.18


def test_dark_theme_switches_the_palette_and_persists(qtbot, window):
    window.dark_action.trigger()
    assert window.is_dark()
    assert theme.is_dark(QApplication.palette())
    assert Settings().theme == "dark"
    window.light_action.trigger()
    assert not window.is_dark()
    assert not theme.is_dark(QApplication.palette())
    assert Settings().theme == "light"


def test_layout_is_saved_and_restored(qtbot, window):
    window.docks["inspector"].hide()
    window.close()
    again = MainWindow()
    qtbot.addWidget(again, before_close_func=_no_prompt)
    again.show()
    qtbot.waitExposed(again)
    assert not again.docks["inspector"].isVisible()
    again.reset_layout()
    assert again.docks["inspector"].isVisible()


def test_shortcuts_dialog_lists_each_key_once_in_words(qtbot, window):
    dialog = ShortcutsDialog(window.shortcut_groups(), window)
    qtbot.addWidget(dialog)
    entries = dialog.entries()
    rows = dict(entries)
    assert rows["Step"] == "Space  or  Page Down"
    assert rows["Step back"] == "Shift + Space  or  Page Up"
    assert rows["Finish iteration"] == "Enter  or  N"  # Return and Enter are one key here
    assert rows["Run"] == "R"
    assert rows["Presenter mode"] == "F5"
    assert rows["Black screen"] == "B  or  . (full stop)"
    assert rows["New"] == "Ctrl + N"  # not "Ctrl+N or New"
    assert rows["Undo"] == "Ctrl + Z"  # not "Ctrl+Z or F14 or Undo"
    assert rows["Zoom in"].startswith("Ctrl + =")
    assert rows["Actual size"] == "Ctrl + 0"
    for view in ("canvas", "derivation", "cost surface", "loss", "data"):
        assert any(name.lower().endswith(view) and keys for name, keys in entries), view
    keys = [k for _name, shown in entries if shown for k in shown.split("  or  ")]
    assert len(keys) == len(set(keys)), "a key is listed twice"
    assert not any(k.startswith("F1") and len(k) > 2 for k in keys)  # no F13..F35


def test_about_names_the_version(qtbot, window, monkeypatch):
    about = Recorder()
    monkeypatch.setattr(QMessageBox, "about", about)
    window.about_action.trigger()
    from simulator import __version__

    assert __version__ in about.calls[0][2]


# --- settings ------------------------------------------------------------------------------

def test_settings_migration_drops_unknown_and_bad_values(qtbot):
    store = QSettings()
    store.setValue("settings_version", 0)
    store.setValue("theme", "purple")
    store.setValue("digits", "many")
    store.setValue("recent_files", "not json")
    store.setValue("old/obsolete", 1)
    store.setValue("window/state", b"\x00\x01")
    migrate(store)
    assert int(store.value("settings_version")) == SETTINGS_VERSION
    for key in ("theme", "digits", "recent_files", "old/obsolete", "window/state"):
        assert not store.contains(key), key
    s = Settings(store)
    assert (s.theme, s.digits, s.recent_files) == ("light", 5, [])


def test_settings_keep_at_most_eight_recent_files(qtbot):
    s = Settings()
    for i in range(12):
        s.add_recent(f"/tmp/{i}.json")
    s.add_recent("/tmp/5.json")
    assert len(s.recent_files) == 8
    assert s.recent_files[:2] == ["/tmp/5.json", "/tmp/11.json"]


# --- command line --------------------------------------------------------------------------

def test_gl_platform_follows_qt():
    env = {"QT_QPA_PLATFORM": "xcb"}
    assert ensure_pyopengl_platform(env, "linux") == "glx"
    assert env["PYOPENGL_PLATFORM"] == "glx"
    assert ensure_pyopengl_platform(env, "linux") == "glx"  # idempotent
    env = {"WAYLAND_DISPLAY": "wayland-0"}
    assert ensure_pyopengl_platform(env, "linux") == "egl"
    env = {"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}
    assert ensure_pyopengl_platform(env, "linux") == "glx"
    env = {"QT_QPA_PLATFORM": "eglfs"}
    assert ensure_pyopengl_platform(env, "linux") == "egl"
    env = {}
    assert ensure_pyopengl_platform(env, "linux") == "glx"  # Qt picks xcb
    env = {"PYOPENGL_PLATFORM": "osmesa", "QT_QPA_PLATFORM": "xcb"}
    assert ensure_pyopengl_platform(env, "linux") == "osmesa"
    env = {}
    assert ensure_pyopengl_platform(env, "win32") is None and "PYOPENGL_PLATFORM" not in env
    assert ensure_pyopengl_platform({}, "darwin") is None
    assert qt_platform({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux") == "wayland"
    env = {"QT_QPA_PLATFORM": "offscreen"}
    assert ensure_pyopengl_platform(env, "linux") is None and "PYOPENGL_PLATFORM" not in env


def test_the_surface_module_uses_the_one_platform_chooser():
    from simulator.app.surface import gl

    assert gl.ensure_pyopengl_platform is ensure_pyopengl_platform


def test_bad_arguments_exit_2_with_one_line(capsys):
    assert main(["--steps", "many"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--steps" in err[0]
    assert main(["a.json", "b.json"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def _run_app(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_screenshot_mode_writes_a_png(tmp_path):
    out = tmp_path / "win.png"
    proc = _run_app("--screenshot", str(out), "--steps", "10", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)


def test_screenshot_of_a_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    proc = _run_app(str(bad), "--screenshot", str(tmp_path / "x.png"), tmp_path=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.json" in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_screenshot_with_a_view_in_front_and_a_bad_view_name(tmp_path):
    example = str(REPO / "resources" / "examples" / "reference.json")
    plain, shown = tmp_path / "plain.png", tmp_path / "loss.png"
    for out, extra in ((plain, ()), (shown, ("--show", "loss"))):
        proc = _run_app(example, "--screenshot", str(out), "--size", "1024x768", *extra,
                        tmp_path=tmp_path)
        assert proc.returncode == 0, proc.stderr
    # the loss plot's tab replaced the cost surface's under the canvas: the pictures differ
    # there and only there (the right side, the derivation, is the same)
    a, b = QImage(str(plain)), QImage(str(shown))
    assert a.copy(0, 500, 500, 200) != b.copy(0, 500, 500, 200)
    assert a.copy(700, 150, 300, 300) == b.copy(700, 150, 300, 300)
    proc = _run_app(example, "--screenshot", str(tmp_path / "x.png"), "--show", "nothing",
                    tmp_path=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing" in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_model_is_shared_not_copied(qtbot):
    model = LabModel()
    win = MainWindow(model)
    qtbot.addWidget(win, before_close_func=_no_prompt)
    assert win.model is model


def test_the_docks_keep_their_widths_while_a_run_counts_up(qtbot, window):
    window.speed_actions["fast"].trigger()
    qtbot.wait(50)  # the layout settles
    widths = {name: dock.width() for name, dock in window.docks.items()}
    canvas = window.canvas.width()
    window.run_action.trigger()
    # 2,000 iterations: the counts in the stage strip and the status bar gain digits.
    qtbot.waitUntil(lambda: window.model.stepper.completed_iterations > 2000, timeout=10000)
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.wait(50)
    assert {name: dock.width() for name, dock in window.docks.items()} == widths
    assert window.canvas.width() == canvas
    assert "Iteration" in window.stage_strip.info_text()
    assert "iterations" in window.run_status.text()


def test_panels_update_a_few_times_a_second_while_running(qtbot, window):
    panels = (window.views["inspector"], window.views["data"], window.derivation_panel)
    window.run_action.trigger()
    assert all(panel.is_throttled() for panel in panels)
    press(qtbot, window, Qt.Key.Key_R)
    assert not any(panel.is_throttled() for panel in panels)
