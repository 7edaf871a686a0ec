"""A cover over a widget whose numbers would give a question's answer away.

While a function step's question waits (the slope at a point, f at a point, where the next
step goes), the function lab's Numbers and Steps pages and its status line show the very
value asked for. :class:`Cover` lies over such a widget, follows its size, and says what
to do instead; the player takes it away as the answer is revealed. It hides nothing of
the plot: reading the slope off the tangent is what the student is asked to do.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from .. import theme


class Cover(QWidget):
    """An opaque cover over ``parent`` with a short ``text`` (see the module docstring)."""

    def __init__(self, parent: QWidget, text: str) -> None:
        super().__init__(parent)
        self.setObjectName("questionCover")
        self._text = text
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        parent.installEventFilter(self)
        self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    @property
    def text(self) -> str:
        """What the cover says."""
        return self._text

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(pal.ColorRole.Window))
        painter.setPen(QColor(theme.muted_text(pal)))
        painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                         self._text)

    def remove(self) -> None:
        """Take the cover away for good."""
        parent = self.parentWidget()
        if parent is not None:
            parent.removeEventFilter(self)
        self.hide()
        self.deleteLater()


__all__ = ["Cover"]
