"""Issue 13: a monkey drives the real main window with seeded random actions, then undoes
them all.

The actions are what a student, a teacher or a cat on the keyboard does: sub-steps and
steps back, whole iterations and epochs, runs and pauses (the runner's timer gets to
tick), edits through the inspector, the canvas (inline editors, context menus, Alt+wheel
nudges), the data panel (cells, generated data sets, samples added and removed, CSV
import), the toolbar (optimizer, learning rate, batch size) and the window's keys, with
good and bad values alike (huge, 1e13, 2^31, NaN, infinities, text, nothing); undo and
redo; selections; digits; structure edits; re-initialising; zoom; opening bad files;
saving; the theme. Meanwhile the document is autosaved in the background.

Asserted throughout:

- no exception escapes: not from an action, not in a Qt slot or virtual method
  (pytest-qt's capture), not in a thread (the autosave worker), not as an unraisable;
- no non-finite number on screen (derivation panel, canvas labels, inspector labels and
  fields, stage strip, loss label, the data table's shown row, status line), checked
  every few actions;
- whatever is saved reopens, bit for bit; undo followed by as many redos comes back to
  exactly the same state (document, parameters, training position);

and at the end, after undoing everything: the document is exactly the one it started
with and, its training reset (training is not undoable), so are the parameters; the
autosaved copy, written while there were unsaved changes, was the document as it was.

Reproducible from the seed. CI runs :data:`MONKEY_N` actions; a longer run by hand::

    BACKPROP_MONKEY_N=20000 QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -s \\
        tests/app/test_monkey.py

(``BACKPROP_MONKEY_SEED`` picks another seed.) With ``-s`` the test prints its tally.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from simulator.app.autosave import Autosaver, RecoveryStore
from simulator.app.canvas.items import ValueLabel
from simulator.app.data_panel import CsvColumnsDialog
from simulator.app.inspector import DocumentPage, NeuronPage, ParameterPage
from simulator.app.main_window import MainWindow, ReinitializeDialog
from simulator.app.selection import InputSel, NeuronSel, ParameterSel, TargetSel
from simulator.engine import datasets, limits
from simulator.engine import document as doc_io
from simulator.engine.initializers import INITIALIZER_NAMES

from ._screen import non_finite_on_screen

MONKEY_N = int(os.environ.get("BACKPROP_MONKEY_N", "3000"))
MONKEY_SEED = int(os.environ.get("BACKPROP_MONKEY_SEED", "13"))
#: Look at the screen every this many actions (and after every training action).
CHECK_EVERY = 10

GOOD_NUMBERS = ["0", "0.5", "-0.25", "1", "2", "0.001", "1e-3", "-3.5", "10", "0,75",
                "0.1", "0.9", "0.999", "1e-8", "100"]
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e13", "-1e13", "1e308", "1e400",
               "1e-400", "2147483648", "2147483647", "9" * 30, "-" + "9" * 40, "abc", "",
               " ", "1_000", "0x10", "\uff11\uff12", "1e12", "-1e12", "1e6", "1e7",
               "0.9999999", "0.999999", "1e-13", "1e-12", "100001", "-1", "--1", "1e",
               "\u202e5", "5\n"]
NAMES = ["Lesson 1", "", "   ", "x" * 300, "\u00e9\u2603 net", "tab\there", "A" * 256]


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type ``text`` key by key (QTest types ASCII only: other characters are sent as key
    events carrying their text, as an input method does)."""
    for ch in text:
        if ch.isascii() and ch.isprintable():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     ch))


def number_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(GOOD_NUMBERS)
    if roll < 0.85:
        return rng.choice(BAD_NUMBERS)
    return repr(rng.uniform(-5, 5))


@dataclass
class Tally:
    """What the monkey did and what it saw."""

    actions: Counter[str] = field(default_factory=Counter)
    screen_checks: int = 0
    saves: int = 0
    round_trips: int = 0
    refusals: int = 0
    messages: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


class Monkey:
    """Random actions on a real MainWindow (one seeded random generator)."""

    def __init__(self, win: MainWindow, qtbot: Any, rng: random.Random, folder: Path) -> None:
        self.win = win
        self.model = win.model
        self.qtbot = qtbot
        self.rng = rng
        self.folder = folder
        self.tally = Tally()
        self.model.editRefused.connect(lambda _m: self._count_refusal())
        self.csv = folder / "samples.csv"
        self.csv.write_text("a,b,c\n0.1,0.2,1\n0.4,-0.3,0\n1e3,2,0.5\n,,\n-7,8,1\n")
        self.bad_docs = [folder / "broken.json", folder / "huge-number.json", folder]
        self.bad_docs[0].write_text('{"format": "backprop-lab", "version": 1,')
        self.bad_docs[1].write_text(self.model.document.to_json().replace(
            '"seed": 0', '"seed": ' + "9" * 5001))
        self.actions: list[tuple[float, str, Callable[[], None]]] = [
            (12, "step", lambda: self.win.step_action.trigger()),
            (4, "step back", lambda: self.win.step_back_action.trigger()),
            (4, "finish iteration", lambda: self.win.iteration_action.trigger()),
            (1, "run epoch", self.run_epoch),
            (4, "run and pause", self.run_and_pause),
            (4, "key", self.key),
            (6, "undo", self.undo),
            (3, "redo", self.redo),
            (2, "undo-redo round trip", self.undo_redo_round_trip),
            (6, "select", self.select),
            (8, "inspector field", self.inspector_field),
            (3, "inspector combo", self.inspector_combo),
            (2, "inspector structure", self.inspector_structure),
            (1, "inspector reinitialise", self.inspector_reinitialise),
            (1, "inspector freeze", self.inspector_freeze),
            (5, "canvas editor", self.canvas_editor),
            (2, "canvas menu", self.canvas_menu),
            (2, "canvas nudge", self.canvas_nudge),
            (1, "canvas zoom", self.canvas_zoom),
            (4, "toolbar", self.toolbar),
            (4, "data cell", self.data_cell),
            (2, "data set", self.data_set),
            (1, "data samples", self.data_samples),
            (0.5, "csv import", self.csv_import),
            (2, "digits and sample", self.digits_and_sample),
            (0.5, "reinitialise dialog", self.reinitialise_dialog),
            (0.5, "reset training", lambda: self.win.reset_action.trigger()),
            (0.5, "open a bad file", self.open_bad_file),
            (0.5, "save", self.save),
            (0.2, "theme", lambda: self.win.set_dark(not self.win.is_dark())),
        ]
        self._weights = [w for w, _n, _f in self.actions]

    def _count_refusal(self) -> None:
        self.tally.refusals += 1

    # --- the loop ----------------------------------------------------------------------------

    def run(self, count: int) -> None:
        app = QApplication.instance()
        assert app is not None
        for n in range(count):
            _w, name, action = self.rng.choices(self.actions, self._weights)[0]
            self.tally.actions[name] += 1
            try:
                action()
            except Exception as exc:  # an action a user can take must never raise
                self.fail(f"action {n} ({name}) raised {type(exc).__name__}: {exc}")
            app.processEvents()
            training = name in ("step", "finish iteration", "run epoch", "run and pause")
            if n % CHECK_EVERY == 0 or (training and self.model.divergence_message):
                self.check_screen(f"after action {n} ({name})")
            if len(self.tally.failures) > 20:
                break
        self.win.runner.pause()

    def fail(self, message: str) -> None:
        self.tally.failures.append(message)

    def check_screen(self, when: str) -> None:
        self.tally.screen_checks += 1
        shown = non_finite_on_screen(self.win)
        if shown:
            self.fail(f"{when}: non-finite number on screen: {shown[:3]}")

    def state(self) -> tuple[object, ...]:
        m = self.model
        return (m.document.to_json(), m.params.tobytes(), m.stepper.cursor,
                m.stepper.completed_iterations)

    # --- training ----------------------------------------------------------------------------

    def run_epoch(self) -> None:
        if self.model.trainer.batches_per_epoch <= 500:
            self.win.epoch_action.trigger()

    def run_and_pause(self) -> None:
        win = self.win
        if self.rng.random() < 0.3:  # another speed, as the toolbar's list picks it
            win.speed_combo.activated.emit(self.rng.randrange(win.speed_combo.count()))
        win.run_action.trigger()
        self.qtbot.wait(self.rng.choice([0, 5, 20, 40]))
        if win.runner.running and self.rng.random() < 0.8:
            win.run_action.trigger()  # pause (else a later action pauses it)

    def key(self) -> None:
        key, mods = self.rng.choice([
            (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier),
            (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier),
            (Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier),
            (Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier),
            (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
            (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
             | Qt.KeyboardModifier.ShiftModifier),
            (Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
        ])
        self.qtbot.keyClick(self.win, key, mods)

    # --- undo --------------------------------------------------------------------------------

    def undo(self) -> None:
        for _ in range(self.rng.choice([1, 1, 2, 5])):
            self.model.undo_stack.undo()

    def redo(self) -> None:
        for _ in range(self.rng.choice([1, 1, 3])):
            self.model.undo_stack.redo()

    def undo_redo_round_trip(self) -> None:
        self.win.runner.pause()
        stack = self.model.undo_stack
        k = min(stack.index(), self.rng.choice([1, 2, 4]))
        if k == 0:
            return
        before = self.state()
        texts = [stack.text(i) for i in range(stack.index() - k, stack.index())]
        for _ in range(k):
            stack.undo()
        for _ in range(k):
            stack.redo()
        self.tally.round_trips += 1
        after = self.state()
        if after != before:
            parts = ("document", "parameters", "sub-step", "iterations")
            differ = [p for p, a, b in zip(parts, before, after, strict=True) if a != b]
            now = [stack.text(i) for i in range(max(0, stack.index() - k), stack.count())]
            self.fail(f"undo {k} then redo {k} of {texts} did not come back to the same "
                      f"state: {differ} differ ({[before[2:], after[2:]]}); the stack now "
                      f"ends with {now} (index {stack.index()} of {stack.count()})")

    # --- selection, inspector ----------------------------------------------------------------

    def random_selection(self) -> object:
        net = self.model.document.network
        roll = self.rng.random()
        if roll < 0.15:
            return None
        if roll < 0.55:
            return ParameterSel(self.rng.choice(net.names))
        if roll < 0.8:
            layer = self.rng.randrange(len(net.sizes))
            return NeuronSel(layer, self.rng.randrange(net.sizes[layer]))
        if roll < 0.9:
            return InputSel(self.rng.randrange(net.input_size))
        return TargetSel(self.rng.randrange(net.output_size))

    def select(self) -> None:
        self.model.select(self.random_selection())  # type: ignore[arg-type]

    def inspector_field(self) -> None:
        if self.rng.random() < 0.5:
            self.select()
        page = self.win.inspector.page
        fields: list[Any] = []
        if isinstance(page, ParameterPage):
            fields = [page.value]
        elif isinstance(page, NeuronPage) and page.data_field is not None:
            fields = [page.data_field]
        elif isinstance(page, DocumentPage):
            fields = [f for f in page.fields.values() if f.isEnabled()] + [page.name]
        if not fields:
            return
        target = self.rng.choice(fields)
        text = self.rng.choice(NAMES) if isinstance(page, DocumentPage) and \
            target is page.name else number_text(self.rng)
        target.edit.setFocus()
        target.edit.selectAll()
        if text:
            type_text(self.qtbot, target.edit, text)
        else:
            self.qtbot.keyClick(target.edit, Qt.Key.Key_Delete)
        end = self.rng.random()
        if end < 0.7:
            self.qtbot.keyClick(target.edit, Qt.Key.Key_Return)
        elif end < 0.85:
            self.qtbot.keyClick(target.edit, Qt.Key.Key_Escape)
        # else: left as typed (the next selection or structure change drops it)

    def inspector_combo(self) -> None:
        page = self.win.inspector.page
        combos = []
        if isinstance(page, NeuronPage):
            combos = [c for c in (page.activation, page.bias) if c is not None]
        elif isinstance(page, DocumentPage):
            combos = [page.loss, page.optimizer]
        if not combos:
            self.model.select(None)
            return
        combo = self.rng.choice(combos)
        combo.activated.emit(self.rng.randrange(combo.count()))

    def inspector_structure(self) -> None:
        net = self.model.document.network
        layer = self.rng.randrange(len(net.sizes))
        self.model.select(NeuronSel(layer, self.rng.randrange(net.sizes[layer])))
        page = self.win.inspector.page
        if not isinstance(page, NeuronPage):
            return
        buttons = [page.add_neuron_button, page.remove_neuron_button, page.add_layer_button,
                   page.remove_layer_button]
        button = self.rng.choice([b for b in buttons if b.isEnabled()] or buttons)
        button.click()

    def inspector_reinitialise(self) -> None:
        self.model.select(None)
        page = self.win.inspector.page
        if not isinstance(page, DocumentPage):
            return
        page.initializer.setCurrentIndex(self.rng.randrange(page.initializer.count()))
        page.init_seed.setValue(self.rng.choice([0, 1, limits.MAX_SEED, 12345]))
        page.reinit_button.click()

    def inspector_freeze(self) -> None:
        net = self.model.document.network
        self.model.select(ParameterSel(self.rng.choice(net.names)))
        page = self.win.inspector.page
        if isinstance(page, ParameterPage):
            page.frozen.toggle()

    # --- canvas ------------------------------------------------------------------------------

    def _labels(self) -> list[ValueLabel]:
        canvas = self.win.canvas
        canvas.flush()
        return [item for item in canvas.content.all_items()
                if isinstance(item, ValueLabel) and item.editable and item.isVisible()]

    def canvas_editor(self) -> None:
        labels = self._labels()
        if not labels:
            return
        editor = self.win.canvas.edit_label(self.rng.choice(labels))
        if editor is None:
            return
        editor.line_edit.selectAll()
        text = number_text(self.rng)
        if text:
            type_text(self.qtbot, editor.line_edit, text)
        else:
            editor.line_edit.clear()
        if self.rng.random() < 0.8:
            self.qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
        if editor.is_open and self.rng.random() < 0.7:
            self.qtbot.keyClick(editor.line_edit, Qt.Key.Key_Escape)

    def canvas_menu(self) -> None:
        net = self.model.document.network
        canvas = self.win.canvas
        element = self.rng.choice(list(net.names) + [n for layer in net.neurons
                                                     for n in layer] + [""])
        menu = canvas.context_menu_for(element) if element else canvas.context_menu(None)
        if menu is None:
            return
        actions = [a for a in _all_actions(menu) if a.isEnabled() and not a.isSeparator()
                   and a.menu() is None]
        if actions:
            self.rng.choice(actions).trigger()
        menu.deleteLater()

    def canvas_nudge(self) -> None:
        labels = [lab for lab in self._labels() if lab.scrubbable]
        if not labels:
            return
        label = self.rng.choice(labels)
        canvas = self.win.canvas
        pos = canvas.mapFromScene(label.sceneBoundingRect().center())
        if not canvas.viewport().rect().contains(pos):
            return
        mods = Qt.KeyboardModifier.AltModifier | (
            Qt.KeyboardModifier.ShiftModifier if self.rng.random() < 0.3
            else Qt.KeyboardModifier.NoModifier)
        delta = self.rng.choice([120, -120])
        event = QWheelEvent(QPointF(pos), QPointF(canvas.viewport().mapToGlobal(pos)),
                            QPoint(0, 0), QPoint(0, delta), Qt.MouseButton.NoButton, mods,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(canvas.viewport(), event)

    def canvas_zoom(self) -> None:
        canvas = self.win.canvas
        self.rng.choice([canvas.zoom_in, canvas.zoom_out, canvas.zoom_to_fit, canvas.fit])()

    # --- toolbar -----------------------------------------------------------------------------

    def toolbar(self) -> None:
        bar = self.win.settings_bar
        roll = self.rng.random()
        if roll < 0.3:
            combo = bar.optimizer_combo
            combo.activated.emit(self.rng.randrange(combo.count()))
        elif roll < 0.7:
            spin = bar.lr_spin
            line = spin.lineEdit()
            spin.setFocus()
            line.selectAll()
            text = number_text(self.rng)
            if text:
                type_text(self.qtbot, line, text)
            self.qtbot.keyClick(line, Qt.Key.Key_Return)
            if self.rng.random() < 0.3:
                spin.stepBy(self.rng.choice([1, -1, 5, -5]))
        else:
            spin = bar.batch_spin
            if spin.isEnabled():
                spin.setValue(self.rng.choice([1, 2, 3, spin.maximum(), spin.minimum(),
                                               self.rng.randint(1, max(1, spin.maximum()))]))

    # --- data panel --------------------------------------------------------------------------

    def data_cell(self) -> None:
        table = self.win.data_panel.train_model
        if table.rowCount() == 0 or table.columnCount() == 0:
            return
        index = table.index(self.rng.randrange(table.rowCount()),
                            self.rng.randrange(table.columnCount()))
        table.setData(index, number_text(self.rng))

    def data_set(self) -> None:
        panel = self.win.data_panel
        panel.kind.setCurrentIndex(panel.kind.findData(self.rng.choice(datasets.KINDS)))
        panel.n.setValue(self.rng.choice([1, 4, 20, 60, 200]))
        panel.noise.setValue(self.rng.choice([0.0, 0.1, 1.0, limits.MAX_NOISE]))
        panel.seed.setValue(self.rng.choice([0, 7, limits.MAX_SEED]))
        panel.test_fraction.setValue(self.rng.choice([0.0, 0.25, limits.MAX_TEST_FRACTION]))
        panel.apply()
        if panel.fit_button.isVisible() and self.rng.random() < 0.7:
            panel.fit_button.click()

    def data_samples(self) -> None:
        panel = self.win.data_panel
        if self.rng.random() < 0.5:
            panel.add_sample()
            return
        table = panel.train_table
        rows = panel.train_model.rowCount()
        if rows:
            table.selectRow(self.rng.randrange(rows))
        panel.remove_selected()

    def csv_import(self) -> None:
        panel = self.win.data_panel
        panel.kind.setCurrentIndex(panel.kind.findData("csv"))
        panel.apply()  # the file and columns dialogs are answered by the fixture
        if panel.fit_button.isVisible() and self.rng.random() < 0.5:
            panel.fit_button.click()

    # --- display -----------------------------------------------------------------------------

    def digits_and_sample(self) -> None:
        roll = self.rng.random()
        if roll < 0.4:
            self.model.set_digits(self.rng.randint(limits.MIN_DIGITS, limits.MAX_DIGITS))
        elif roll < 0.7:
            spin = self.win.derivation_panel.sample_spin
            spin.setValue(self.rng.randint(spin.minimum(), spin.maximum()))
        else:
            self.model.set_sample(self.rng.randint(0, 10))

    # --- files and dialogs -------------------------------------------------------------------

    def reinitialise_dialog(self) -> None:
        self.win.reinitialize()  # ReinitializeDialog.exec is answered by the fixture

    def open_bad_file(self) -> None:
        before = self.state()
        if self.win.open_path(self.rng.choice(self.bad_docs)):
            self.fail("a bad file opened")
        elif self.state() != before:
            self.fail("a refused file changed the open document")

    def save(self) -> None:
        path = self.folder / f"saved{self.tally.saves % 3}.json"
        if not self.win._save_to(path):  # File > Save As, without its dialog
            self.fail("a document in memory could not be saved")
            return
        self.tally.saves += 1
        again = doc_io.load(path)
        if again.to_json() != self.model.current_document().to_json():
            self.fail("what was saved does not reopen bit for bit")


def _all_actions(menu: Any) -> Iterator[Any]:
    for action in menu.actions():
        yield action
        if action.menu() is not None:
            yield from _all_actions(action.menu())


# --- the test ---------------------------------------------------------------------------------

@contextlib.contextmanager
def thread_exceptions() -> Iterator[list[str]]:
    """Exceptions raised in other threads, in ``sys.excepthook`` and as unraisables."""
    seen: list[str] = []
    old_thread, old_sys, old_unraisable = threading.excepthook, sys.excepthook, \
        sys.unraisablehook
    threading.excepthook = lambda args: seen.append(f"thread: {args.exc_type.__name__}: "
                                                    f"{args.exc_value}")
    sys.excepthook = lambda t, v, tb: seen.append(f"excepthook: {t.__name__}: {v}")
    sys.unraisablehook = lambda u: seen.append(f"unraisable: {u.exc_type.__name__}: "
                                               f"{u.exc_value}")
    try:
        yield seen
    finally:
        threading.excepthook, sys.unraisablehook = old_thread, old_unraisable
        if sys.excepthook is not old_sys:
            sys.excepthook = old_sys


@pytest.fixture
def answered_dialogs(monkeypatch, tmp_path):
    """Every dialog the monkey can reach gets an answer (a modal dialog would wait for a
    user who is not there)."""
    shown: Counter[str] = Counter()
    rng = random.Random(MONKEY_SEED + 1)

    def box(name: str, answer: QMessageBox.StandardButton) -> Callable[..., object]:
        def show(*args: object, **kwargs: object) -> object:
            shown[name] += 1
            return answer
        return show

    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, box(name, QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question",
                        box("question", QMessageBox.StandardButton.Discard))
    csv = tmp_path / "samples.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(csv), "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))

    def csv_exec(dialog: CsvColumnsDialog) -> int:
        shown["csv columns"] += 1
        for combo in dialog.roles:
            combo.setCurrentIndex(rng.randrange(combo.count()))
        dialog.test_fraction.setValue(rng.choice([0.0, 0.5]))
        dialog.seed.setValue(rng.choice([0, limits.MAX_SEED]))
        return int(QDialog.DialogCode.Accepted if rng.random() < 0.8
                   else QDialog.DialogCode.Rejected)

    def reinit_exec(dialog: ReinitializeDialog) -> int:
        shown["reinitialise"] += 1
        dialog.method_combo.setCurrentText(rng.choice(list(INITIALIZER_NAMES)))
        dialog.seed_spin.setValue(rng.choice([0, 3, limits.MAX_SEED]))
        dialog.low_spin.setValue(rng.uniform(-100, 100))
        dialog.high_spin.setValue(rng.uniform(-100, 100))
        dialog.value_spin.setValue(rng.choice([0.0, 100.0, -100.0, 0.5]))
        return int(QDialog.DialogCode.Accepted)

    def unexpected(dialog: QDialog) -> int:
        raise AssertionError(f"unexpected modal dialog {type(dialog).__name__}")

    monkeypatch.setattr(CsvColumnsDialog, "exec", csv_exec)
    monkeypatch.setattr(ReinitializeDialog, "exec", reinit_exec)
    monkeypatch.setattr(QDialog, "exec", unexpected)
    return shown


def test_monkey_actions_then_undo_everything(qtbot, answered_dialogs, tmp_path):
    win = MainWindow(persist=False)
    qtbot.addWidget(win, before_close_func=lambda w: (w.runner.pause(),
                                                      w.set_confirm_on_close(False)))
    win.resize(1024, 768)  # the classroom projector
    win.show()
    qtbot.waitExposed(win)
    model = win.model
    model.undo_stack.setUndoLimit(0)  # everything can be undone (the app keeps 500)
    initial_json = model.document.to_json()
    initial_params = model.params.copy()
    saver = Autosaver(model, RecoveryStore(tmp_path / "recovery"), delay_s=0.2, parent=win)
    autosaved: list[str] = []
    saver.saved.connect(autosaved.append)

    monkey = Monkey(win, qtbot, random.Random(MONKEY_SEED), tmp_path)
    started = time.perf_counter()
    with thread_exceptions() as elsewhere, qtbot.captureExceptions() as in_qt:
        monkey.run(MONKEY_N)
        # What autosave wrote while there were unsaved changes is the document as it is.
        saver.save_now()
        qtbot.waitUntil(lambda: saver.up_to_date, timeout=30_000)
        if model.modified:
            written = doc_io.load(saver.path)
            if written.to_json() != model.current_document().to_json():
                monkey.fail("the autosaved copy is not the document")
        elif saver.path.exists():
            monkey.fail("an autosaved copy is left although nothing is unsaved")
        # Undo everything.
        while model.undo_stack.canUndo():
            model.undo_stack.undo()
        QApplication.processEvents()
        monkey.check_screen("after undoing everything")
        saver.close()
    seconds = time.perf_counter() - started
    tally = monkey.tally
    uncaught = len(tally.failures) + len(in_qt) + len(elsewhere)
    print(f"\nmonkey (seed {MONKEY_SEED}): {sum(tally.actions.values())} actions in "
          f"{seconds:.1f} s, {tally.screen_checks} screen checks, {tally.refusals} edits "
          f"refused, {tally.saves} saves reopened, {tally.round_trips} undo/redo round "
          f"trips, {len(autosaved)} autosaves, dialogs {dict(answered_dialogs)}; "
          f"{uncaught} uncaught")
    print("actions:", dict(sorted(tally.actions.items())))
    problems = tally.failures + [f"in Qt: {e[0].__name__}: {e[1]}" for e in in_qt] + elsewhere
    assert not problems, f"{len(problems)} problems; the first ones:\n" + "\n".join(
        problems[:10])

    # The exact initial state: the document, and (training reset) the parameters.
    assert model.document.to_json() == initial_json
    assert np.array_equal(model.document.network.params, initial_params)
    win.reset_training()
    assert np.array_equal(model.params, initial_params)
    assert model.stepper.cursor == -1 and model.stepper.completed_iterations == 0
    assert not model.undo_stack.canUndo()
    assert sum(tally.actions.values()) == MONKEY_N
