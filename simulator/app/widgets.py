"""Small widgets shared by the side panels.

:class:`ValidatedField` is a line edit for one value of the document. Enter (or leaving
the field after typing) commits; Esc reverts; a field the app disables while the user
types in it (the value no longer applies) drops the typing. Text that cannot be read stays
in the field with a red border and the reason written under it; a value the engine refuses
stays with a red border too (the model reports why once, and the main window's status line
shows it).
Either way nothing changes. While the user is typing, :meth:`ValidatedField.show_text` only
records what the model holds; the field shows it once the user commits or reverts. Typed
numbers are read by :func:`simulator.engine.numbers.parse_number`, as everywhere.

:class:`LiveLabel` shows text that changes on every tick of a training run without making
the window lay itself out again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QFontMetricsF, QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from ..engine.numbers import parse_number

#: Okabe-Ito colours (colour-blind safe), readable on light and dark backgrounds.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: The one colour of refusals: the border of a refused field, the text of a reason.
ERROR_COLOR = OKABE_ITO["vermillion"]
#: Significant digits of a training setting shown in a field (a learning rate, beta2):
#: enough that a typed value such as 0.999 or 1e-8 reads back as it was typed.
SETTING_DIGITS = 6

_ERROR_STYLE = f"QLineEdit {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}"


def error_label(parent: QWidget | None = None) -> QLabel:
    """A word-wrapped label for messages that explain why something was refused."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    label.hide()
    return label


def show_message(label: QLabel, message: str) -> None:
    """Show ``message`` in ``label`` (hide the label when it is empty)."""
    label.setText(message)
    label.setVisible(bool(message))


class _Edit(QLineEdit):
    """The line edit inside :class:`ValidatedField`: reports Enter, Esc and focus loss."""

    enterPressed = Signal()
    escapePressed = Signal()
    focusLost = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enterPressed.emit()
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.escapePressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        # A popup or another window taking focus is not the user leaving the field.
        if event.reason() not in (Qt.FocusReason.PopupFocusReason,
                                  Qt.FocusReason.ActiveWindowFocusReason):
            self.focusLost.emit()


class ValidatedField(QWidget):
    """A line edit with an error line under it.

    ``parse(text)`` turns the text into a value or raises ValueError, whose message is
    shown under the field; ``commit(value)`` applies it (``LabModel.edit``) and returns
    whether it was applied (a refusal is reported by the model, not here). Both failures
    leave the typed text in place, marked, until the user fixes it or presses Esc.
    """

    committed = Signal(object)  # the value, after ``commit`` accepted it

    def __init__(self, parse: Callable[[str], Any], commit: Callable[[Any], bool],
                 parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self._parse = parse
        self._commit = commit
        self._model_text = ""
        self._dirty = False
        self._error = ""
        self._refused = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = _Edit(self)
        if placeholder:
            self.edit.setPlaceholderText(placeholder)
        self.error_label = error_label(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.error_label)
        self.edit.textEdited.connect(self._on_text_edited)
        self.edit.enterPressed.connect(self.try_commit)
        self.edit.escapePressed.connect(self.revert)
        self.edit.focusLost.connect(self._on_focus_lost)
        self.setFocusProxy(self.edit)

    # --- state ---------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether the user has typed something not yet committed or reverted."""
        return self._dirty

    @property
    def error(self) -> str:
        """Why the typed text could not be read ("" when there is nothing to say)."""
        return self._error

    @property
    def refused(self) -> bool:
        """Whether the typed text is marked as not accepted (unreadable, or a value the
        engine refused)."""
        return self._refused

    def text(self) -> str:
        """The text in the field."""
        return self.edit.text()

    def show_text(self, text: str) -> None:
        """Show what the model holds, unless the user is typing (then show it later)."""
        self._model_text = text
        if self._dirty or self.edit.text() == text:
            return
        pos = self.edit.cursorPosition()
        self.edit.setText(text)
        if self.edit.hasFocus():
            self.edit.setCursorPosition(min(pos, len(text)))
        else:
            self.edit.setCursorPosition(0)

    def setReadOnly(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)

    # --- actions -------------------------------------------------------------------------

    def try_commit(self) -> bool:
        """Parse and commit the typed text. Returns whether it was accepted."""
        if not self._dirty:
            return True
        try:
            value = self._parse(self.edit.text())
        except ValueError as exc:
            self.set_error(str(exc) or "this value is not accepted")
            return False
        if not self._commit(value):
            self.set_error("", refused=True)  # the status line says why
            return False
        self._dirty = False
        self.set_error("")
        self.edit.setText(self._model_text)
        self.committed.emit(value)
        return True

    def revert(self) -> None:
        """Drop what the user typed and show the model's value again."""
        self._dirty = False
        self.set_error("")
        self.edit.setText(self._model_text)

    def set_error(self, message: str, refused: bool = False) -> None:
        """Mark the field as refused with ``message`` under it; "" clears the mark, unless
        ``refused`` (marked, with the reason shown elsewhere)."""
        self._error = message
        self._refused = bool(message) or refused
        self.edit.setStyleSheet(_ERROR_STYLE if self._refused else "")
        self.edit.setToolTip(message)
        self.edit.setAccessibleDescription(message)
        show_message(self.error_label, message)

    def _on_text_edited(self, _text: str) -> None:
        self._dirty = True

    def _on_focus_lost(self) -> None:
        if not self._dirty:
            return
        if self.edit.isEnabled():
            self.try_commit()
        else:  # disabled by the app (the value no longer applies): the typing is dropped
            self.revert()


class NumberField(ValidatedField):
    """A :class:`ValidatedField` for a number (optionally whole and bounded)."""

    def __init__(self, commit: Callable[[Any], bool], parent: QWidget | None = None,
                 what: str = "the value", integer: bool = False,
                 minimum: float | None = None, maximum: float | None = None) -> None:
        def parse(text: str) -> float:
            return parse_number(text, what, integer=integer, minimum=minimum, maximum=maximum)

        super().__init__(parse, commit, parent)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.edit.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)


class HintLabel(QLabel):
    """Secondary text: word-wrapped, in the palette's placeholder colour (muted, but with
    more contrast than a disabled label's grey, which fades away on a projector)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)


class LiveLabel(QWidget):
    """A label for text that changes many times a second while training runs: an
    iteration count, a loss, a rate.

    A QLabel asks for a new layout of the whole window on every new text, and when the
    numbers grow by a digit its larger size hint makes the main window move its docks (a
    relayout and a repaint of everything). This label only repaints. Its size hint is the
    widest of ``reserve`` (a sample of the widest text expected, see :meth:`set_reserve`)
    and the lines it has shown, so it grows a few times at most and never shrinks; it asks
    for a new layout only then, or when its number of lines changes. With ``elide`` it can
    be squeezed down to ``minimum_width`` (each line elided with "..."); without, its size
    hint is also its minimum.

    ``text()`` and ``setText()`` are named as QLabel's, so it can stand in for one.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, *, reserve: str = "",
                 alignment: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
                 | Qt.AlignmentFlag.AlignVCenter, minimum_width: int = 20,
                 elide: bool = True) -> None:
        super().__init__(parent)
        self._text = ""
        self._lines: list[str] = [""]
        self._reserve = reserve
        self._widest = ""
        self._alignment = alignment
        self._minimum_width = minimum_width
        self._elide = elide
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        """The text shown (lines joined by newlines)."""
        return self._text

    def setText(self, text: str) -> None:
        """Show ``text`` (one line per newline)."""
        text = str(text)
        if text == self._text:
            return
        lines = text.split("\n")
        metrics = self.fontMetrics()
        relayout = len(lines) != len(self._lines)
        widest = max(lines, key=metrics.horizontalAdvance)
        if metrics.horizontalAdvance(widest) > metrics.horizontalAdvance(self._widest):
            self._widest = widest
            relayout = True
        self._text = text
        self._lines = lines
        if relayout:
            self.updateGeometry()
        self.update()

    def set_reserve(self, reserve: str) -> None:
        """A sample of the widest text expected: the size hint makes room for it (and
        forgets the wider texts shown before)."""
        if reserve != self._reserve:
            self._reserve = reserve
            self._widest = max(self._lines, key=self.fontMetrics().horizontalAdvance)
            self.updateGeometry()

    def alignment(self) -> Qt.AlignmentFlag:
        """How the lines are aligned."""
        return self._alignment

    def setAlignment(self, alignment: Qt.AlignmentFlag) -> None:
        self._alignment = alignment
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        width = max(metrics.horizontalAdvance(self._reserve),
                    metrics.horizontalAdvance(self._widest))
        margins = self.contentsMargins()
        return QSize(math.ceil(width) + 2 + margins.left() + margins.right(),
                     len(self._lines) * self.fontMetrics().height() + 2 + margins.top()
                     + margins.bottom())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        if not self._elide:
            return hint
        return QSize(self._minimum_width, hint.height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
        super().changeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect().adjusted(1, 1, -1, -1)
        metrics = self.fontMetrics()
        exact = QFontMetricsF(self.font())
        height = metrics.height()
        painter.setPen(self.palette().color(self.foregroundRole()))
        block = len(self._lines) * height
        top = rect.top()
        if self._alignment & Qt.AlignmentFlag.AlignVCenter:
            top += max(0, (rect.height() - block) // 2)
        elif self._alignment & Qt.AlignmentFlag.AlignBottom:
            top += max(0, rect.height() - block)
        horizontal = self._alignment & ~Qt.AlignmentFlag.AlignVertical_Mask
        for n, line in enumerate(self._lines):
            shown = line if exact.horizontalAdvance(line) <= rect.width() + 0.5 else \
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(QRect(rect.left(), top + n * height, rect.width(), height),
                             int(horizontal | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.end()


def plain_axis(axis: Any) -> None:
    """Turn off a pyqtgraph axis's SI-prefix scaling ("loss (x0.001)" confuses students,
    and in log mode a stale scale mislabels the ticks)."""
    set_ranges = getattr(axis, "setSIPrefixEnableRanges", None)
    if callable(set_ranges):
        set_ranges(())  # never: disabling alone keeps the last computed scale
    axis.enableAutoSIPrefix(False)


def is_dark(widget: QWidget) -> bool:
    """Whether ``widget``'s palette has a dark background."""
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class WheelGuard(QObject):
    """Keeps combo boxes and spin boxes from changing when the user scrolls the panel
    past them (only a focused control takes the wheel)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()
            return True
        return False


def guard_wheel(widget: QWidget, guard: WheelGuard) -> None:
    """Install ``guard`` on ``widget`` and make it take focus on click, not on wheel."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(guard)
