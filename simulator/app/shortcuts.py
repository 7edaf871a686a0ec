"""Keyboard shortcuts: the key table, the Help > Keyboard shortcuts dialog, and the
keyboard flow of a lesson.

A teacher steps with Space, or with the Page Down and Page Up a presentation clicker sends,
and types a value now and then. :class:`KeyboardFlow` keeps that working:

- Return and Enter finish the iteration, but a student who types a number into a spin box
  or a table cell and presses Return means "accept this value": a text editor with the
  focus keeps Return, Enter and Esc (it accepts their ShortcutOverride event);
- after Return, Enter or Esc in a text field, the focus goes back to the canvas, so Space
  steps again;
- Space, Shift+Space, Page Down and Page Up step wherever else the focus is (a button, a
  list, the derivation's text): their ShortcutOverride is taken away from those widgets.

A part of the window that has keys of its own (the function lab steps its own descent with
Space and Page Down) is marked with :func:`own_keys`: inside it the flow does nothing, so
its widgets see their keys first.

The dialog lists each key once, written as a teacher reads it ("Page Down", "Ctrl + Z").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

Key = QKeySequence.StandardKey

#: Action id -> key sequences (text, or a platform's standard key). The first is the one
#: menus show; all of them work.
KEYS: dict[str, tuple[str | QKeySequence.StandardKey, ...]] = {
    "step": ("Space", "PgDown"),
    "step_back": ("Shift+Space", "PgUp"),
    "iteration": ("Return", "Enter", "N"),
    "epoch": ("E",),
    "run": ("R",),
    "stop": ("Esc",),
    "presenter": ("F5",),
    "black": ("B", "."),
    "spotlight": ("S",),
    "reset": ("Ctrl+R",),
    "new": (Key.New,),
    "open": (Key.Open,),
    "save": (Key.Save,),
    "save_as": ("Ctrl+Shift+S",),
    "quit": ("Ctrl+Q",),
    "undo": (Key.Undo,),
    "redo": (Key.Redo,),
    "zoom_fit": ("F",),
    "zoom_in": ("Ctrl+=", "Ctrl++"),
    "zoom_out": ("Ctrl+-",),
    "zoom_reset": ("Ctrl+0",),
    "shortcuts": ("F1",),
    "dark": ("Ctrl+Shift+D",),
    "more_digits": ("Ctrl+]",),
    "fewer_digits": ("Ctrl+[",),
}


def sequences(action_id: str) -> list[QKeySequence]:
    """The key sequences of ``action_id`` on this platform (standard keys expanded)."""
    result: list[QKeySequence] = []
    for key in KEYS.get(action_id, ()):
        if isinstance(key, str):
            result.append(QKeySequence(key))
        else:
            result.extend(QKeySequence.keyBindings(key))
    return [s for s in result if not s.isEmpty()]


def apply_keys(action: QAction, action_id: str) -> QAction:
    """Give ``action`` the shortcuts of ``action_id`` and mention them in its tool tip.
    Every binding works; the dialog shows each key of :data:`KEYS` written out, and of a
    platform's standard key only its first binding (Ctrl+Z, not also Alt+Backspace and F14)."""
    keys = sequences(action_id)
    action.setShortcuts(keys)
    shown: list[str] = []
    for key in KEYS.get(action_id, ()):
        bindings = [QKeySequence(key)] if isinstance(key, str) else \
            QKeySequence.keyBindings(key)[:1]
        shown += [b.toString(QKeySequence.SequenceFormat.PortableText) for b in bindings
                  if not b.isEmpty()]
    action.setProperty("shown_keys", shown)
    if keys:
        text = action.text().replace("&", "").rstrip(".")
        action.setToolTip(f"{text} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
    return action


def _is_editor(widget: QObject | None) -> bool:
    """Whether ``widget`` takes typed text (a line edit, a spin box, an editable combo or
    text edit)."""
    if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
        return not (isinstance(widget, QLineEdit) and widget.isReadOnly())
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return False


#: The dynamic property that marks a widget whose keys are its own (see :func:`own_keys`).
OWN_KEYS_PROPERTY = "ownsItsKeys"


def own_keys(widget: QWidget) -> None:
    """Mark ``widget`` (and everything in it) as handling its own keys: the keyboard flow
    neither takes Space and Page Down away from it nor sends the focus home from it."""
    widget.setProperty(OWN_KEYS_PROPERTY, True)


def _owns_keys(widget: QObject | None) -> bool:
    w = widget if isinstance(widget, QWidget) else None
    while w is not None:
        if w.property(OWN_KEYS_PROPERTY):
            return True
        if w.isWindow():
            return False
        w = w.parentWidget()
    return False


_FIELD_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape})
#: Keys that step wherever the focus is, except in a text field (with these modifiers).
_STEP_KEYS = frozenset({(Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
                        (Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier),
                        (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier),
                        (Qt.Key.Key_PageUp, Qt.KeyboardModifier.NoModifier)})
_MODIFIERS = (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
              | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)


class KeyboardFlow(QObject):
    """Watches the focused widget of ``window`` (see the module's docstring); ``home()``
    gives the focus back to where Space steps (the canvas)."""

    def __init__(self, window: QWidget, home: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._home = home
        self._watched: QWidget | None = None

    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Connect to QApplication.focusChanged."""
        if self._watched is not None:
            with contextlib.suppress(RuntimeError):  # already deleted
                self._watched.removeEventFilter(self)
            self._watched = None
        if new is not None and new.window() is self._window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) \
                or not isinstance(event, QKeyEvent) or _owns_keys(watched):
            return False
        key = Qt.Key(event.key())
        editor = _is_editor(watched)
        if kind == QEvent.Type.ShortcutOverride:
            if editor and key in _FIELD_KEYS:
                event.accept()  # the field gets the key press; no shortcut fires
                return False
            mods = event.modifiers() & _MODIFIERS
            if not editor and (key, mods) in _STEP_KEYS:
                # A button, a list or a text view would take the key for itself: it steps.
                event.ignore()
                return True
            return False
        if editor and key in _FIELD_KEYS:
            # The field handles the key first (commit or revert), then the focus goes home.
            QTimer.singleShot(0, self._go_home_from(watched))
        return False

    def _go_home_from(self, editor: QObject) -> Callable[[], None]:
        def go_home() -> None:
            focus = QApplication.focusWidget()
            if (focus is None or focus is editor or not _is_editor(focus)) and (
                    focus is None or focus.window() is self._window):
                self._home()
        return go_home


#: How a key is written for a teacher (Qt's own names otherwise).
_KEY_WORDS = {"PgDown": "Page Down", "PgUp": "Page Up", "Return": "Enter", "Esc": "Esc",
              "Del": "Delete", "Ins": "Insert", ".": ". (full stop)", "+": "+"}
#: Keys a teacher cannot press on an ordinary keyboard (Qt's extra bindings of standard
#: actions: F13 and up, the Undo, New, Open... keys of some keyboards).
_EXOTIC = frozenset({"Undo", "Redo", "New", "Open", "Save", "Close", "Copy", "Paste", "Cut",
                     "Find", "Help", "Back", "Forward", "Refresh", "Stop", "Print"})


def key_words(sequence: QKeySequence) -> str:
    """One key sequence as a teacher reads it: "Ctrl + Shift + S", "Page Down", "Enter";
    "" for a key an ordinary keyboard does not have (F14, the Undo key)."""
    text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
    if not text:
        return ""
    parts = text.split("+") if text != "+" else ["+"]
    if text.endswith("++"):  # "Ctrl++": the plus key itself
        parts = text[:-2].split("+") + ["+"]
    key = parts[-1]
    if key in _EXOTIC or (key.startswith("F") and key[1:].isdigit() and int(key[1:]) > 12):
        return ""
    words = [_KEY_WORDS.get(p, p) for p in parts]
    return " + ".join(words)


def readable_keys(action: QAction) -> list[str]:
    """The keys of ``action`` in words, each once, in the action's order (those
    :func:`apply_keys` chose to show, or all of its shortcuts)."""
    shown = action.property("shown_keys")
    sequences_ = [QKeySequence(k) for k in shown] if isinstance(shown, list) \
        else action.shortcuts()
    out: list[str] = []
    for sequence in sequences_:
        words = key_words(sequence)
        if words and words not in out:
            out.append(words)
    return out


class ShortcutsDialog(QDialog):
    """Lists every action with a shortcut, grouped as the menus are."""

    def __init__(self, groups: list[tuple[str, list[QAction]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows: list[tuple[str, str]] = []
        listed: set[str] = set()  # each key once, in the first row that has it
        for group, actions in groups:
            entries = []
            for action in actions:
                keys = [k for k in readable_keys(action) if k not in listed]
                listed.update(keys)
                if keys:
                    name = action.text().replace("&", "").rstrip(".")
                    entries.append((name.split(" (now")[0], "  or  ".join(keys)))
            if entries:
                rows.append((group, ""))
                rows.extend(entries)
        table = QTableWidget(len(rows), 2, self)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for r, (name, shown_keys) in enumerate(rows):
            item = QTableWidgetItem(name)
            if not shown_keys:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(r, 0, item)
            table.setItem(r, 1, QTableWidgetItem(shown_keys))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def entries(self) -> list[tuple[str, str]]:
        """(action, keys) rows as shown (group headings have empty keys)."""
        t = self.table

        def text(row: int, column: int) -> str:
            item = t.item(row, column)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1)) for r in range(t.rowCount())]


__all__ = ["KEYS", "OWN_KEYS_PROPERTY", "KeyboardFlow", "ShortcutsDialog", "apply_keys",
           "key_words", "own_keys", "readable_keys", "sequences"]
