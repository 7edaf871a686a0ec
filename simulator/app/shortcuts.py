"""Keyboard shortcuts: the key table, the Help > Keyboard shortcuts dialog, and a guard
that lets text fields keep Return.

Return and Enter finish the iteration, but a student who types a number into a spin box
or a table cell and presses Return means "accept this value". :class:`ReturnKeeper` claims
Return/Enter for the focused editor (by accepting the ShortcutOverride event), so the
window's shortcut only fires when no editor has the focus.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
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
    "step": ("Space",),
    "step_back": ("Shift+Space",),
    "iteration": ("Return", "Enter", "N"),
    "epoch": ("E",),
    "run": ("R", "F5"),
    "stop": ("Esc",),
    "reset": ("Ctrl+R",),
    "new": (Key.New,),
    "open": (Key.Open,),
    "save": (Key.Save,),
    "save_as": ("Ctrl+Shift+S",),
    "quit": ("Ctrl+Q",),
    "undo": (Key.Undo,),
    "redo": (Key.Redo,),
    "zoom_fit": ("Ctrl+0",),
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
    """Give ``action`` the shortcuts of ``action_id`` and mention them in its tool tip."""
    keys = sequences(action_id)
    action.setShortcuts(keys)
    if keys:
        text = action.text().replace("&", "").rstrip(".")
        action.setToolTip(f"{text} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})")
    return action


def _is_editor(widget: QObject | None) -> bool:
    if isinstance(widget, (QLineEdit, QAbstractSpinBox)):
        return not (isinstance(widget, QLineEdit) and widget.isReadOnly())
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return False


class ReturnKeeper(QObject):
    """Watches the focused widget; a text editor with the focus keeps Return and Enter."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watched: QWidget | None = None

    def on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Connect to QApplication.focusChanged."""
        if self._watched is not None:
            with contextlib.suppress(RuntimeError):  # already deleted
                self._watched.removeEventFilter(self)
            self._watched = None
        if new is not None and _is_editor(new):
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and _is_editor(watched)):
            event.accept()  # the editor gets the key press; no shortcut fires
        return False


class ShortcutsDialog(QDialog):
    """Lists every action with a shortcut, grouped as the menus are."""

    def __init__(self, groups: list[tuple[str, list[QAction]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows: list[tuple[str, str]] = []
        for group, actions in groups:
            entries = []
            for action in actions:
                keys = [k.toString(QKeySequence.SequenceFormat.NativeText)
                        for k in action.shortcuts() if not k.isEmpty()]
                if keys:
                    entries.append((action.text().replace("&", "").rstrip("."),
                                    "  or  ".join(keys)))
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


__all__ = ["KEYS", "ReturnKeeper", "ShortcutsDialog", "apply_keys", "sequences"]
