"""The graphics items of the network canvas.

Items are created once per structure (see :mod:`.content`) and afterwards only get new
texts, pens and flags. They never talk to the model: the view reads :attr:`ref` of the item
under the mouse and turns clicks, drags and menus into model calls.

While training runs every label changes up to 60 times a second, so the items are built for
that: a setter that gets what the item already shows does nothing (no repaint), bounding
rectangles are computed when the geometry changes (not on every query), a line's bounding
rectangle does not depend on its pen's width (so a new width is only a repaint, not a
geometry change), the glow behind an edge is hidden while the edge is not highlighted, and
``paint`` uses pens and brushes made once per theme. The view sets
``DontSavePainterState``: every ``paint`` sets the pen, brush and font it draws with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ..selection import InputSel, NeuronSel, ParameterSel, Selection, TargetSel
from .style import (
    GLOW_WIDTH,
    LABEL_GLOW_WIDTH,
    LABEL_HALO,
    LABEL_PAD_X,
    LABEL_PAD_Y,
    MAX_EDGE_WIDTH,
    Theme,
    edge_pen,
)

#: Highlight levels: none, on the path of the computation, the element being computed.
NO_HIGHLIGHT, PATH_HIGHLIGHT, MAIN_HIGHLIGHT = 0, 1, 2

Z_EDGE, Z_GLOW, Z_EDGE_HIGHLIGHT, Z_NEURON, Z_BOX, Z_LABEL = 0.0, 0.5, 1.0, 2.0, 3.0, 4.0

_CENTRE = Qt.AlignmentFlag.AlignCenter
_NO_BRUSH = QBrush(Qt.BrushStyle.NoBrush)
_PAINT_CACHE: dict[tuple[object, ...], QPen | QBrush] = {}


def _cached_pen(color: QColor, width: float, round_ends: bool = False) -> QPen:
    """A pen made once per colour and width (``paint`` runs for every item on every frame)."""
    key = ("pen", color.rgba(), width, round_ends)
    pen = _PAINT_CACHE.get(key)
    if pen is None:
        pen = QPen(color, width)
        if round_ends:
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        _PAINT_CACHE[key] = pen
    return pen  # type: ignore[return-value]


def _cached_brush(color: QColor) -> QBrush:
    key = ("brush", color.rgba())
    brush = _PAINT_CACHE.get(key)
    if brush is None:
        brush = _PAINT_CACHE[key] = QBrush(color)
    return brush  # type: ignore[return-value]


@dataclass(frozen=True)
class Ref:
    """What a canvas item stands for.

    ``kind`` is "neuron", "values" (a neuron's value box), "weight", "bias", "input" or
    "target". ``name`` is the neuron or parameter name (or "input:<i>"/"target:<j>");
    ``layer`` and ``index`` locate the neuron (layer 0 = inputs; for a parameter, the layer
    of the neuron it feeds and that neuron, -1 for a shared bias); for inputs and targets
    ``index`` is the data column.
    """

    kind: str
    name: str
    layer: int = -1
    index: int = -1

    @property
    def selection(self) -> Selection:
        """What the model selects when this item is clicked."""
        if self.kind in ("weight", "bias"):
            return ParameterSel(self.name)
        if self.kind == "input":
            return InputSel(self.index)
        if self.kind == "target":
            return TargetSel(self.index)
        return NeuronSel(self.layer, self.index)  # the circle or its value box

    @property
    def is_parameter(self) -> bool:
        """Whether the item stands for a weight or a bias."""
        return self.kind in ("weight", "bias")


class _Base(QGraphicsItem):
    """Common state: the reference, the theme, highlight and selection."""

    def __init__(self, ref: Ref, theme: Theme) -> None:
        super().__init__()
        self.ref = ref
        self.theme = theme
        self.highlight = NO_HIGHLIGHT
        self.selected = False

    def set_theme(self, theme: Theme) -> None:
        """Switch the palette."""
        self.theme = theme
        self.update()

    def set_highlight(self, level: int) -> None:
        """Draw the yellow glow (``MAIN_HIGHLIGHT``), a softer one (``PATH_HIGHLIGHT``) or
        none."""
        if level != self.highlight:
            self.highlight = level
            self.update()

    def set_selected(self, selected: bool) -> None:
        """Draw the selection outline (the model's selection, not Qt's)."""
        if selected != self.selected:
            self.selected = selected
            self.update()

    def _glow_pen(self, extra: float = 0.0) -> QPen:
        color = self.theme.glow if self.highlight == MAIN_HIGHLIGHT else self.theme.soft_glow
        width = GLOW_WIDTH if self.highlight == MAIN_HIGHLIGHT else GLOW_WIDTH * 0.75
        return _cached_pen(color, width + extra, round_ends=True)


class ValueLabel(_Base):
    """A text box centred on its position: one or more lines, some of them dimmed.

    Used for weight labels, a neuron's net/out box, input values and targets. A frozen
    parameter's label is greyed and carries a padlock.
    """

    def __init__(self, ref: Ref, font: QFont, theme: Theme, editable: bool = False,
                 scrubbable: bool = False) -> None:
        super().__init__(ref, theme)
        self.editable = editable
        self.scrubbable = scrubbable
        self.frozen = False
        self._font = QFont(font)
        self._metrics = QFontMetricsF(self._font)
        self._lines: list[tuple[str, bool]] = []
        self._line_h = self._metrics.height()
        self._w = 2 * LABEL_PAD_X
        self._h = 2 * LABEL_PAD_Y + self._line_h
        self._box = QRectF()
        self._bounds = QRectF()
        self._set_box()
        self.setZValue(Z_LABEL)
        self.setAcceptHoverEvents(True)
        if scrubbable:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        elif editable or ref.kind in ("neuron", "values"):
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def font(self) -> QFont:
        """The label's font."""
        return QFont(self._font)

    def text(self) -> str:
        """The lines shown, joined by newlines."""
        return "\n".join(t for t, _ in self._lines)

    def lines(self) -> list[tuple[str, bool]]:
        """The lines shown and whether each is dimmed."""
        return list(self._lines)

    def set_lines(self, lines: Sequence[tuple[str, bool]]) -> None:
        """Show ``lines`` (text, dimmed); only repaints if something changed."""
        lines = [(str(t), bool(d)) for t, d in lines]
        if lines == self._lines:
            return
        self._lines = lines
        self._resize()

    def set_text(self, text: str, dim: bool = False) -> None:
        """Show one line."""
        lines = self._lines
        if len(lines) == 1 and lines[0][0] == text and lines[0][1] == dim:
            return
        self.set_lines([(text, dim)])

    def set_frozen(self, frozen: bool) -> None:
        """Grey the text and draw a padlock (the parameter is not trained)."""
        if frozen != self.frozen:
            self.frozen = frozen
            self._resize()

    def _lock_width(self) -> float:
        return self._metrics.height() * 0.75 if self.frozen else 0.0

    def _resize(self) -> None:
        advance = self._metrics.horizontalAdvance
        width = max((advance(t) for t, _ in self._lines), default=0.0)
        lock = self._lock_width()
        w = width + 2 * LABEL_PAD_X + (lock + 4 if lock else 0.0)
        h = max(1, len(self._lines)) * self._line_h + 2 * LABEL_PAD_Y
        if w != self._w or h != self._h:
            self.prepareGeometryChange()
            self._w, self._h = w, h
            self._set_box()
        self.update()

    def _set_box(self) -> None:
        self._box = QRectF(-self._w / 2, -self._h / 2, self._w, self._h)
        m = GLOW_WIDTH / 2 + 3
        self._bounds = self._box.adjusted(-m, -m, m, m)

    def box_rect(self) -> QRectF:
        """The visible box in item coordinates (centred on the item's position)."""
        return QRectF(self._box)

    def scene_box(self) -> QRectF:
        """The visible box in scene coordinates."""
        return self.mapRectToScene(self._box)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.box_rect())
        return path

    def _fill(self) -> QBrush:
        return _cached_brush(self.theme.label_fill)

    def _border(self) -> QPen:
        if self.selected:
            return _cached_pen(self.theme.selection, 3.5)
        return _cached_pen(self.theme.label_border, 1.2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        rect = self._box
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # A margin of background around the box keeps the lines behind it clear of the
        # text (for the eye, and for a camera or OCR reading the projected picture).
        halo = rect.adjusted(-LABEL_HALO, -LABEL_HALO, LABEL_HALO, LABEL_HALO)
        painter.fillRect(halo, _cached_brush(self.theme.background))
        main = self.highlight == MAIN_HIGHLIGHT
        if self.highlight and not self.selected:
            # A tinted box with a border in the glow's colour: the text keeps a plain, calm
            # background (a wide glow against the letters makes them harder to read).
            border = _cached_pen(self.theme.glow_border, LABEL_GLOW_WIDTH if main
                                 else LABEL_GLOW_WIDTH * 0.6)
        else:
            border = self._border()
        painter.setPen(border)
        painter.setBrush(_cached_brush(self.theme.highlight_fill) if main else self._fill())
        painter.drawRoundedRect(rect, 6, 6)
        painter.setFont(self._font)
        line_h = self._line_h
        lock = self._lock_width()
        text_left = rect.left() + LABEL_PAD_X
        text_w = rect.width() - 2 * LABEL_PAD_X - (lock + 4 if lock else 0.0)
        theme = self.theme
        normal = theme.frozen_text if self.frozen else theme.text
        top = rect.top() + LABEL_PAD_Y
        for n, (text, dim) in enumerate(self._lines):
            painter.setPen(theme.dim_text if dim else normal)
            painter.drawText(QRectF(text_left, top + n * line_h, text_w, line_h), _CENTRE, text)
        if lock:
            self._paint_lock(painter, QRectF(rect.right() - LABEL_PAD_X - lock,
                                             rect.center().y() - lock / 2, lock, lock))

    def _paint_lock(self, painter: QPainter, box: QRectF) -> None:
        """A small padlock: the mark of a frozen parameter."""
        color = self.theme.frozen_text
        body = QRectF(box.left(), box.top() + box.height() * 0.45, box.width(),
                      box.height() * 0.55)
        painter.setPen(QPen(color, max(1.5, box.width() * 0.14)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        shackle = QRectF(box.left() + box.width() * 0.2, box.top(), box.width() * 0.6,
                         box.height() * 0.8)
        painter.drawArc(shackle, 0, 180 * 16)
        painter.setBrush(color)
        painter.drawRoundedRect(body, 1.5, 1.5)


class BiasItem(ValueLabel):
    """A bias node: a labelled box ("b1 = 0.05") linked to the neuron(s) it feeds."""

    def __init__(self, ref: Ref, font: QFont, theme: Theme) -> None:
        super().__init__(ref, font, theme, editable=True, scrubbable=True)

    def _fill(self) -> QBrush:
        return _cached_brush(self.theme.bias_fill)

    def _border(self) -> QPen:
        if self.selected:
            return _cached_pen(self.theme.selection, 3.5)
        return _cached_pen(self.theme.label_border, 2.0)


class NeuronItem(_Base):
    """A neuron: a circle with its name and, for computing layers, its activation."""

    def __init__(self, ref: Ref, radius: float, name_font: QFont, small_font: QFont,
                 theme: Theme, activation: str = "") -> None:
        super().__init__(ref, theme)
        self.radius = radius
        self.activation = activation
        self._name_font = QFont(name_font)
        self._small_font = QFont(small_font)
        self.setZValue(Z_NEURON)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def circle_rect(self) -> QRectF:
        """The circle in item coordinates."""
        r = self.radius
        return QRectF(-r, -r, 2 * r, 2 * r)

    def boundingRect(self) -> QRectF:
        m = GLOW_WIDTH / 2 + 3
        return self.circle_rect().adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.circle_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        rect = self.circle_rect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.highlight:
            painter.setPen(self._glow_pen())
            painter.setBrush(_NO_BRUSH)
            painter.drawEllipse(rect)
        if self.selected:
            border = QPen(self.theme.selection, 5.0)
        elif self.highlight == MAIN_HIGHLIGHT:
            border = QPen(self.theme.node_border, 4.0)
        else:
            border = QPen(self.theme.node_border, 2.5)
        painter.setPen(border)
        painter.setBrush(self.theme.node_fill)
        painter.drawEllipse(rect)
        painter.setPen(self.theme.text)
        painter.setFont(self._name_font)
        if self.activation:
            name_rect = QRectF(rect.left(), rect.top() + rect.height() * 0.12, rect.width(),
                               rect.height() * 0.5)
            painter.drawText(name_rect, Qt.AlignmentFlag.AlignCenter, self.ref.name)
            painter.setFont(self._small_font)
            painter.setPen(self.theme.dim_text)
            act_rect = QRectF(rect.left(), rect.top() + rect.height() * 0.55, rect.width(),
                              rect.height() * 0.3)
            painter.drawText(act_rect, Qt.AlignmentFlag.AlignCenter, self.activation)
        else:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.ref.name)


class EdgeItem(_Base):
    """A line for a weight (source neuron to target neuron) or a bias (bias node to neuron).

    Its pen shows the sign (colour and dashes) and the magnitude (width) of the weight, or of
    its gradient during the backward pass. The label is a separate :class:`ValueLabel`
    (kept above every line), referenced by :attr:`label`; the highlight glow is a separate
    :class:`EdgeGlow` (:attr:`glow`, add it to the scene too) kept under every highlighted
    line, so one edge's glow never hides another highlighted edge.
    """

    def __init__(self, ref: Ref, theme: Theme) -> None:
        super().__init__(ref, theme)
        self._line = QLineF()
        self._pen = edge_pen(0.0, 1.5, theme)
        self._pen_given: QPen | None = None
        self._bounds = QRectF()
        self.label: ValueLabel | None = None
        self.glow = EdgeGlow(self)
        self.setZValue(Z_EDGE)
        self._set_bounds()

    def line(self) -> QLineF:
        """The line in scene coordinates (the item sits at the origin)."""
        return QLineF(self._line)

    def set_line(self, p1: QPointF, p2: QPointF) -> None:
        """Move the line."""
        line = QLineF(p1, p2)
        if line != self._line:
            self.prepareGeometryChange()
            self.glow.prepareGeometryChange()
            self._line = line
            self._set_bounds()

    def pen(self) -> QPen:
        """The pen the line is drawn with."""
        return QPen(self._pen)

    def set_pen(self, pen: QPen) -> None:
        """Change colour, style or width (nothing happens for the pen already in use)."""
        if pen is self._pen_given or pen == self._pen:
            return
        wider = pen.widthF() > self._span_width() or self._pen.widthF() > MAX_EDGE_WIDTH
        if wider:
            self.prepareGeometryChange()
            self.glow.prepareGeometryChange()
        self._pen = QPen(pen)
        self._pen_given = pen
        if wider:
            self._set_bounds()
        self.update()
        if self.highlight:
            self.glow.update()

    def _span_width(self) -> float:
        """The pen width the bounding rectangles allow for: any edge pen fits, so a new
        width needs no geometry change."""
        return max(MAX_EDGE_WIDTH, self._pen.widthF())

    def _set_bounds(self) -> None:
        width = self._span_width()
        self._bounds = self.outer_rect((width + 8) / 2 + 3)
        self.glow.set_bounds(self.outer_rect((width + GLOW_WIDTH) / 2 + 3))

    def set_theme(self, theme: Theme) -> None:
        super().set_theme(theme)
        self.glow.update()

    def set_highlight(self, level: int) -> None:
        if level == self.highlight:
            return
        super().set_highlight(level)
        self.glow.setVisible(bool(level))
        self.glow.update()
        self.setZValue(Z_EDGE_HIGHLIGHT if level or self.selected else Z_EDGE)

    def set_selected(self, selected: bool) -> None:
        super().set_selected(selected)
        self.setZValue(Z_EDGE_HIGHLIGHT if self.highlight or selected else Z_EDGE)

    def outer_rect(self, margin: float) -> QRectF:
        """The line's bounding box grown by ``margin``."""
        return QRectF(self._line.p1(), self._line.p2()).normalized().adjusted(
            -margin, -margin, margin, margin)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(max(12.0, self._pen.widthF() + 4))
        return stroker.createStroke(path)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.selected:
            sel = QPen(self.theme.selection, self._pen.widthF() + 6)
            sel.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(sel)
            painter.drawLine(self._line)
        painter.setPen(self._pen)
        painter.drawLine(self._line)


class EdgeGlow(QGraphicsItem):
    """The yellow glow behind a highlighted edge (shown only while it is highlighted)."""

    def __init__(self, edge: EdgeItem) -> None:
        super().__init__()
        self._edge = edge
        self._bounds = QRectF()
        self.setZValue(Z_GLOW)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def set_bounds(self, rect: QRectF) -> None:
        """The bounding rectangle (the edge calls ``prepareGeometryChange`` first)."""
        self._bounds = rect

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        edge = self._edge
        if not edge.highlight:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(edge._glow_pen(edge._pen.widthF()))
        painter.drawLine(edge._line)


class LegendItem(QGraphicsItem):
    """The key under the network: what colour, dashes, width and the glow mean, in two
    columns of two entries (narrow enough to sit under a small network)."""

    COLUMNS = 2

    def __init__(self, font: QFont, theme: Theme) -> None:
        super().__init__()
        self._font = QFont(font)
        self._metrics = QFontMetricsF(self._font)
        self.theme = theme
        self.gradient_mode = False
        self.setZValue(Z_LABEL)

    def set_theme(self, theme: Theme) -> None:
        """Switch the palette."""
        self.theme = theme
        self.update()

    def set_gradient_mode(self, on: bool) -> None:
        """Say whether widths and colours show weights or gradients."""
        if on != self.gradient_mode:
            self.gradient_mode = on
            self.update()

    def _entries(self) -> list[tuple[str, str]]:
        what = "dE/dw" if self.gradient_mode else "weight"
        return [("pos", f"{what} > 0"), ("neg", f"{what} < 0"),
                ("width", f"width ~ |{what}|"), ("glow", "being computed")]

    def _swatch(self) -> float:
        return self._metrics.height() * 2.2

    def boundingRect(self) -> QRectF:
        sw = self._swatch()
        widest = max(self._metrics.horizontalAdvance(t) for _, t in
                     self._entries() + [("", "width ~ |dE/dw|"), ("", "dE/dw > 0")])
        entry = sw + 8 + widest + 24
        rows = -(-4 // self.COLUMNS)
        return QRectF(0, 0, self.COLUMNS * entry, rows * (self._metrics.height() + 8))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._font)
        h = self._metrics.height()
        sw = self._swatch()
        entry = self.boundingRect().width() / self.COLUMNS
        for n, (kind, text) in enumerate(self._entries()):
            x = (n % self.COLUMNS) * entry
            top = (n // self.COLUMNS) * (h + 8)
            y = top + 4 + h / 2
            if kind == "pos":
                painter.setPen(edge_pen(1.0, 4.0, self.theme))
                painter.drawLine(QPointF(x, y), QPointF(x + sw, y))
            elif kind == "neg":
                painter.setPen(edge_pen(-1.0, 4.0, self.theme))
                painter.drawLine(QPointF(x, y), QPointF(x + sw, y))
            elif kind == "width":
                painter.setPen(edge_pen(1.0, 1.5, self.theme))
                painter.drawLine(QPointF(x, y - h / 4), QPointF(x + sw, y - h / 4))
                painter.setPen(edge_pen(1.0, 7.0, self.theme))
                painter.drawLine(QPointF(x, y + h / 4), QPointF(x + sw, y + h / 4))
            else:
                painter.setPen(QPen(self.theme.glow, 10, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap))
                painter.drawLine(QPointF(x + 5, y), QPointF(x + sw - 5, y))
            painter.setPen(self.theme.text)
            painter.drawText(QRectF(x + sw + 8, top + 4, entry - sw - 8, h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
