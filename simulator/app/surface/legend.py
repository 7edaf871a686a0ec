"""Small legend widgets beside the 3D view: the colour bar of heights and the paths' key."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ...engine.numbers import format_number
from .style import ARROW_COLOUR, POINT_COLOUR, colormap, path_colour

LABEL_DIGITS = 4  # significant digits of the colour bar's labels


class ColorLegend(QWidget):
    """A vertical colour bar with the lowest, middle and highest height and a title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = "E"
        self._lo = 0.0
        self._hi = 1.0
        self._valid = False
        self._gradient_stops = [(float(p), QColor(*c))
                                for p, c in zip(*colormap().getStops(mode="byte"), strict=True)]
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)
        self.setToolTip("Height and colour: the loss over the current data")

    def set_range(self, lo: float, hi: float, title: str) -> None:
        """Show heights lo .. hi under ``title``."""
        self._lo, self._hi, self._title, self._valid = lo, hi, title, True
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        """No heights yet."""
        self._valid = False
        self.update()

    @property
    def labels(self) -> list[str]:
        """The texts shown (title, then high, middle, low)."""
        if not self._valid:
            return [self._title]
        mid = (self._lo + self._hi) / 2
        return [self._title] + [format_number(v, LABEL_DIGITS) for v in (self._hi, mid, self._lo)]

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.font())
        text = max((fm.horizontalAdvance(t) for t in self.labels[1:]), default=0)
        width = max(fm.horizontalAdvance(self._title) + 8, 16 + 6 + text + 8)
        return QSize(width, 220)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        fm = QFontMetrics(self.font())
        painter.setPen(self.palette().windowText().color())
        painter.drawText(QPointF(4, fm.ascent() + 2), self._title)
        top = fm.height() + 10
        bottom = self.height() - fm.height() // 2 - 4
        bar = QRectF(6, top, 14, max(10, bottom - top))
        grad = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for pos, colour in self._gradient_stops:
            grad.setColorAt(pos, colour)
        painter.fillRect(bar, grad)
        painter.setPen(QPen(self.palette().mid().color()))
        painter.drawRect(bar)
        if self._valid:
            painter.setPen(self.palette().windowText().color())
            texts = self.labels[1:]
            for frac, text in zip((0.0, 0.5, 1.0), texts, strict=True):
                y = bar.top() + frac * bar.height()
                painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
                painter.drawText(QPointF(bar.right() + 6, y + fm.ascent() / 2 - 1), text)
        painter.end()


class PathLegend(QLabel):
    """The key of the paths, the current point and the gradient arrow (rich text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.entries: list[tuple[str, str]] = []
        self.set_paths([])

    def set_paths(self, paths: list[tuple[str, str]]) -> None:
        """``paths``: (key, label) of each path drawn."""
        self.entries = list(paths)
        rows = [f'<span style="color:{POINT_COLOUR}">&#9679;</span> current point',
                f'<span style="color:{ARROW_COLOUR}">&#10230;</span> &minus;gradient']
        for key, label in paths:
            colour = path_colour(key).name()
            rows.append(f'<span style="color:{colour}">&#9473;&#9473;</span> {label}')
        self.setText("<br>".join(rows))
