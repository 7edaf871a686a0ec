"""The expression field: a line edit that hands typed text to the model a moment after the
last keystroke and marks a parse error in place.

Typing is debounced (:data:`TYPING_DEBOUNCE_MS`), so a burst of keystrokes makes one
re-render, well inside the 50 ms a keystroke may take to show. Each stretch of typing (from
when the field gets the focus until Enter or the focus leaves) carries one merge key, so
the model makes it one undo step. A text that does not parse is left as typed: the
offending part is underlined with a wavy line in the error colour (a text format set through
:class:`~PySide6.QtGui.QInputMethodEvent`, the one way to format part of a QLineEdit's
text), the field gets the error border, and :attr:`pointer`, a balloon just under the field,
shows the message with the text and a caret line under the offending fragment (monospace,
so they line up).
Esc puts back the last expression that parsed.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFocusEvent, QInputMethodEvent, QKeyEvent, QTextCharFormat
from PySide6.QtWidgets import QFrame, QLineEdit, QVBoxLayout, QWidget

from ...engine.function import ExpressionError
from ...engine.limits import MAX_EXPRESSION_LENGTH
from ..theme import monospace_font
from ..widgets import ERROR_COLOR, error_label

#: Milliseconds between the last keystroke and the re-render.
TYPING_DEBOUNCE_MS = 10
_sessions = itertools.count(1)

_ERROR_STYLE = f"QLineEdit {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}"


class ExpressionEdit(QLineEdit):
    """The line edit: Esc reverts, focus loss and Enter end a typing session."""

    escapePressed = Signal()
    sessionEnded = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escapePressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.sessionEnded.emit()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() not in (Qt.FocusReason.PopupFocusReason,
                                  Qt.FocusReason.ActiveWindowFocusReason):
            self.sessionEnded.emit()


class ExpressionField(QWidget):
    """The expression's line edit with the error pointer under it.

    ``typed(text, merge_key)`` is emitted once per burst of typing; :meth:`show_text` shows
    the model's text; :meth:`show_error` marks (or clears) a parse error.
    """

    typed = Signal(str, object)
    reverted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = ExpressionEdit()
        self.edit.setObjectName("expressionEdit")
        self.edit.setFont(monospace_font(14.0))
        self.edit.setMaxLength(MAX_EXPRESSION_LENGTH + 1)  # one more: the parser says why
        self.edit.setPlaceholderText("type a function, e.g. x*y + x^2")
        self.edit.setToolTip("A function of one or more variables: numbers, names, + - * / ^ "
                             "(or **), parentheses, e, pi, and sin cos tan exp log sqrt tanh "
                             "sigmoid abs")
        self.edit.setClearButtonEnabled(False)
        self._tip = self.edit.toolTip()
        # The error shows in a balloon over what is under the field (attach_balloon), not in
        # the layout: a key that makes the text parse, or not, must not lay the view out
        # again (a relayout of the plots costs more than the whole re-render).
        self.pointer = error_label()
        self.pointer.setFont(monospace_font(11.0))
        self.pointer.setObjectName("expressionError")
        self.pointer.setWordWrap(False)
        self.pointer.setAutoFillBackground(True)
        self.pointer.setFrameShape(QFrame.Shape.Box)
        self.pointer.setMargin(4)
        self._host: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)
        self.error: ExpressionError | None = None
        self._session = next(_sessions)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self.edit.textEdited.connect(self._on_edited)
        self.edit.sessionEnded.connect(self._end_session)
        self.edit.escapePressed.connect(self._on_escape)

    def text(self) -> str:
        """The text in the field."""
        return self.edit.text()

    @property
    def pending(self) -> bool:
        """Whether typed text is waiting for the debounce."""
        return self._timer.isActive()

    def flush(self) -> None:
        """Hand the typed text to the model now."""
        self._timer.stop()
        self.typed.emit(self.edit.text(), ("expression", self._session))

    def show_text(self, text: str) -> None:
        """Show ``text`` (from the model: an undo, an example, a lesson)."""
        self._timer.stop()
        if self.edit.text() != text:
            self.edit.setText(text)
            self.edit.setCursorPosition(len(text))
        self._end_session()

    def attach_balloon(self, host: QWidget) -> None:
        """Show the error balloon over ``host`` (an ancestor), just under the field."""
        self._host = host
        self.pointer.setParent(host)
        self.pointer.hide()
        host.installEventFilter(self)
        self.installEventFilter(self)

    def show_error(self, error: ExpressionError | None, note: str = "") -> None:
        """Underline the offending text and show the message, the text with a caret line
        under the offending part, and ``note`` (None: clear)."""
        self.error = error
        if error is None or error.text != self.edit.text():
            self._format(0, 0)
            if self.edit.styleSheet():
                self.edit.setStyleSheet("")
            self.edit.setToolTip(self._tip)
            self.pointer.setText("")
            self.pointer.setVisible(False)
            if error is None:
                return
        if not self.edit.styleSheet():
            self.edit.setStyleSheet(_ERROR_STYLE)
        self.edit.setToolTip(str(error))
        self.pointer.setText(f"{error.pointer(72)}\n{error}" + (f"\n{note}" if note else ""))
        self._place_balloon()
        self.pointer.setVisible(True)
        self.pointer.raise_()
        length = max(1, error.end - error.start)
        start = min(error.start, max(0, len(error.text) - 1))
        self._format(start, length if error.start < len(error.text) else 1)

    def _place_balloon(self) -> None:
        host = self._host
        if host is None:
            return
        below = self.edit.mapTo(host, QPoint(0, self.edit.height() + 2))
        self.pointer.adjustSize()
        width = min(self.pointer.sizeHint().width(), max(100, host.width() - below.x() - 4))
        self.pointer.setGeometry(below.x(), below.y(), width, self.pointer.sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move) \
                and self.pointer.isVisible():
            self._place_balloon()
        return False

    def underlined(self) -> tuple[int, int] | None:
        """(start, length) of the underlined text (None when nothing is)."""
        return self._underline

    _underline: tuple[int, int] | None = None

    def _format(self, start: int, length: int) -> None:
        fmt = QTextCharFormat()
        attrs = []
        if length > 0 and self.edit.text():
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(ERROR_COLOR))
            fmt.setForeground(QColor(ERROR_COLOR))
            attrs.append(QInputMethodEvent.Attribute(
                QInputMethodEvent.AttributeType.TextFormat,
                start - self.edit.cursorPosition(), length, fmt))
            self._underline = (start, length)
        else:
            self._underline = None
        QCoreApplication.sendEvent(self.edit, QInputMethodEvent("", attrs))

    def _on_edited(self, _text: str) -> None:
        self._format(0, 0)  # the old underline no longer fits the text
        self._timer.start()

    def _end_session(self) -> None:
        if self._timer.isActive():
            self.flush()
        self._session = next(_sessions)

    def _on_escape(self) -> None:
        self._timer.stop()
        self.reverted.emit()


__all__ = ["TYPING_DEBOUNCE_MS", "ExpressionEdit", "ExpressionField"]
