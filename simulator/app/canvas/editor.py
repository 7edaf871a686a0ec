"""The inline editor: a line edit laid over a label to type a new value.

Enter commits, Esc cancels, clicking elsewhere cancels. Text that is not a usable number
(read by :func:`simulator.engine.numbers.parse_number`) is refused with the reason shown
under the editor and a red border; a value the engine refuses gets the red border (the
model reports why, in the main window's status line). Either way the editor stays open so
the student can fix it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QToolTip, QWidget

from ...engine.numbers import parse_number
from ..widgets import ERROR_COLOR, OKABE_ITO

#: Significant digits of the value the editor opens with (more than a label shows, so
#: that Enter on an untouched editor changes nothing).
EDIT_DIGITS = 12

_NORMAL_STYLE = f"QLineEdit {{ border: 2px solid {OKABE_ITO['blue']}; padding: 1px 4px; }}"
_ERROR_STYLE = f"QLineEdit {{ border: 3px solid {ERROR_COLOR}; padding: 0px 3px; }}"
_MESSAGE_STYLE = (f"QLabel {{ background: {ERROR_COLOR}; color: white; padding: 3px 6px; "
                  "border-radius: 3px; }")


class _LineEdit(QLineEdit):
    """A line edit that reports Esc and losing focus to the user clicking elsewhere."""

    escaped = Signal()
    left = Signal()

    def event(self, event: QEvent) -> bool:
        # Keep Esc (and Return) from window shortcuts while editing.
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.escaped.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() in (Qt.FocusReason.MouseFocusReason, Qt.FocusReason.TabFocusReason,
                              Qt.FocusReason.BacktabFocusReason):
            self.left.emit()


class InlineEditor(QObject):
    """A line edit (and an error message under it) over a rectangle of ``parent``.

    ``commit(value)`` applies the value and returns whether it was applied (when not, the
    editor stays open, marked). ``what`` names the value in messages ("w5", "x1").
    ``finished`` is emitted once, when the editor closes (committed or cancelled).
    """

    finished = Signal()

    def __init__(self, parent: QWidget, rect: QRect, text: str, font: QFont,
                 commit: Callable[[float], bool], what: str = "") -> None:
        super().__init__(parent)
        self._commit = commit
        self._what = what or "the value"
        self._closed = False
        self._refused = False
        self.line_edit = _LineEdit(parent)
        self.line_edit.setObjectName("canvasInlineEditor")
        self.line_edit.setFont(font)
        self.line_edit.setStyleSheet(_NORMAL_STYLE)
        self.line_edit.setText(text)
        self.line_edit.selectAll()
        self.line_edit.setToolTip(f"{what}: type a number, Enter to apply, Esc to cancel"
                                  if what else "Enter to apply, Esc to cancel")
        self.line_edit.setGeometry(rect)
        self.message = QLabel(parent)
        self.message.setObjectName("canvasInlineEditorMessage")
        self.message.setStyleSheet(_MESSAGE_STYLE)
        small = QFont(font)
        small.setPixelSize(max(12, int(font.pixelSize() * 0.8)))
        self.message.setFont(small)
        self.message.hide()
        self.line_edit.returnPressed.connect(self._on_return)
        self.line_edit.escaped.connect(self.cancel)
        self.line_edit.left.connect(self.cancel)
        self.line_edit.show()
        self.line_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def is_open(self) -> bool:
        """Whether the editor is still shown."""
        return not self._closed

    @property
    def error(self) -> str:
        """Why the last text could not be read ("" if no reason is shown)."""
        return self.message.text() if self.message.isVisible() else ""

    @property
    def refused(self) -> bool:
        """Whether the last text was refused (unreadable, or a value the engine refused)."""
        return self._refused

    def text(self) -> str:
        """The text typed so far."""
        return self.line_edit.text()

    def _on_return(self) -> None:
        try:
            value = parse_number(self.line_edit.text(), self._what)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        if not self._commit(value):
            self._mark_refused()
            return
        self.close()

    def _mark_refused(self) -> None:
        """A value the engine refused: red border, focus kept (the model said why)."""
        self._refused = True
        self.line_edit.setStyleSheet(_ERROR_STYLE)
        self.message.hide()
        self.line_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_error(self, reason: str) -> None:
        """Refuse the text: red border and the reason under the editor."""
        self._refused = True
        self.line_edit.setStyleSheet(_ERROR_STYLE)
        self.line_edit.setToolTip(reason)
        self.message.setText(reason)
        self.message.adjustSize()
        geo = self.line_edit.geometry()
        parent = self.line_edit.parentWidget()
        x = geo.left()
        if parent is not None:
            x = max(0, min(x, parent.width() - self.message.width()))
        self.message.move(x, geo.bottom() + 3)
        self.message.show()
        self.message.raise_()
        self.line_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def cancel(self) -> None:
        """Close without changing anything."""
        self.close()

    def close(self) -> None:
        """Remove the editor (once)."""
        if self._closed:
            return
        self._closed = True
        QToolTip.hideText()
        for widget in (self.line_edit, self.message):
            widget.hide()
            widget.deleteLater()
        self.finished.emit()
        self.deleteLater()
