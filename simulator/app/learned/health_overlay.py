"""Training-health warnings pointed out on the canvas.

Every neuron a warning points at (:attr:`~simulator.engine.health.HealthWarning.neurons`, or
the neuron a divergence names) gets a dashed ring in the error colour around its circle,
with the kind of problem written beside the ring of the first one ("saturated", "dead
ReLU", "vanishing gradient"...); a banner at the top of the canvas says the first warning in
words and how many more there are, and a click on it asks for the details
(``bannerClicked``: the main window shows the Training health panel). The banner is a bar
across the bottom of the canvas, in a band under the canvas's viewport
(:meth:`~simulator.app.canvas.NetworkCanvas.reserve_bottom`), so that it hides none of the
network however small the canvas is, fitted or panned. Nothing shows on a healthy run.

The warnings are the model's (:meth:`~simulator.app.model.LabModel.health`, computed at
most once per position); the overlay redraws through a
:class:`~simulator.app.coalesce.Coalescer`, at most every :data:`RUN_INTERVAL_MS` ms while
a run is going. The canvas owns its scene (it clears it on a rebuild): the rings are made
again after that, like the neurons' pictures.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QLabel, QStyleOptionGraphicsItem, QWidget

from ...engine.health import HealthReport, HealthWarning
from ..canvas import NetworkCanvas
from ..canvas import style as canvas_style
from ..canvas.items import Z_LABEL
from ..coalesce import Coalescer
from ..model import LabModel
from ..widgets import ERROR_COLOR

#: While a run is going, the warnings are checked at most this often (ms).
RUN_INTERVAL_MS = 250
#: The banner's margin inside the band the canvas gives it.
BANNER_GAP = 4
#: The ring's distance outside the neuron's circle, and its width.
RING_GAP, RING_WIDTH = 9.0, 4.0
#: How each kind of warning is named beside its ring and in the banner.
KIND_WORDS: dict[str, str] = {
    "diverged": "diverged", "oscillating": "learning rate too large", "plateau": "plateau",
    "saturated": "saturated", "dead_relu": "dead ReLU",
    "vanishing_gradient": "vanishing gradient", "exploding_gradient": "exploding gradient"}


def warning_neurons(warning: HealthWarning, neuron_names: set[str]) -> tuple[str, ...]:
    """The neurons a warning points at: its own list, or the neuron its ``where`` names."""
    if warning.neurons:
        return warning.neurons
    return (warning.where,) if warning.where in neuron_names else ()


def headline(warning: HealthWarning) -> str:
    """A warning in a few words: its message up to the first colon, full stop or bracket
    ("H1 is saturated", "Vanishing gradients", "The loss rises and falls again and
    again")."""
    text = warning.message
    ends = [i for i in (text.find(": "), text.find(". "), text.find(" (")) if i > 0]
    return text[:min(ends)] if ends else text.rstrip(".")


class WarningRing(QGraphicsItem):
    """A dashed ring around a neuron, with the problem written beside it (``tag``)."""

    def __init__(self, name: str, radius: float) -> None:
        super().__init__()
        self.name = name
        self.radius = radius + RING_GAP
        self.tag = ""
        self.kinds: tuple[str, ...] = ()
        self._font = canvas_style.font(14, bold=True)
        self._colour = QColor(ERROR_COLOR)
        self.setZValue(Z_LABEL + 0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_kinds(self, kinds: tuple[str, ...], tag: str) -> None:
        """What the ring warns of, and the text beside it ("" for none)."""
        if (kinds, tag) != (self.kinds, self.tag):
            self.prepareGeometryChange()
            self.kinds, self.tag = kinds, tag
            self.update()

    def _tag_rect(self) -> QRectF:
        if not self.tag:
            return QRectF()
        width = 8.6 * len(self.tag) + 14
        r = self.radius
        return QRectF(r * 0.55, -r - 24, width, 24)

    def boundingRect(self) -> QRectF:
        r = self.radius + RING_WIDTH
        return QRectF(-r, -r, 2 * r, 2 * r).united(self._tag_rect().adjusted(-2, -2, 2, 2))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self._colour, RING_WIDTH, Qt.PenStyle.DashLine)
        pen.setDashPattern([2.5, 1.5])
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = self.radius
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        if self.tag:
            rect = self._tag_rect()
            painter.setPen(QPen(self._colour, 1.5))
            painter.setBrush(QColor(255, 255, 255, 235))
            painter.drawRoundedRect(rect, 5, 5)
            painter.setFont(self._font)
            painter.setPen(self._colour.darker(130))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.tag)
        painter.restore()


class HealthBanner(QLabel):
    """The first warning in words, at the top of the canvas; a click asks for details."""

    clicked = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("healthBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.05)
        self.setFont(font)
        self.setStyleSheet(f"QLabel#healthBanner {{ background: rgba(255, 244, 236, 240); "
                           f"color: #5a2100; border: 2px solid {ERROR_COLOR}; "
                           f"border-radius: 6px; padding: 5px 8px; }}")
        self.setToolTip("Training health: click for the warnings in full, with what to try")
        self.hide()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def place(self, area: QRect) -> None:
        """Fill ``area`` (the band the canvas gave it, in the canvas's coordinates) less a
        margin of :data:`BANNER_GAP`."""
        self.setGeometry(area.adjusted(BANNER_GAP, BANNER_GAP, -BANNER_GAP, -BANNER_GAP))

    def needed_height(self, width: int) -> int:
        """The band's height for a canvas ``width`` wide (the text wraps if it must)."""
        inner = max(80, width - 2 * BANNER_GAP)
        height = self.heightForWidth(inner)
        return (height if height > 0 else self.sizeHint().height()) + 2 * BANNER_GAP


class HealthOverlay(QObject):
    """Marks the culprits of the training-health warnings on the canvas (see the module)."""

    bannerClicked = Signal()

    def __init__(self, model: LabModel, canvas: NetworkCanvas,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.canvas = canvas
        self._rings: dict[str, WarningRing] = {}
        self.report: HealthReport | None = None
        # A child of the canvas, not of its viewport: the view scrolls its viewport's
        # children with the scene.
        self.banner = HealthBanner(canvas)
        self.banner.clicked.connect(self.bannerClicked)
        self._redrawer = Coalescer(self._draw, self, interval_ms=RUN_INTERVAL_MS,
                                   is_visible=canvas.isVisible)
        model.structureChanged.connect(self._rebuild)
        model.valuesChanged.connect(self._redrawer.request)
        model.historyChanged.connect(self._redrawer.request)
        model.settingsChanged.connect(self._redrawer.request)
        model.diverged.connect(self._redrawer.request)
        canvas.neuronsMoved.connect(self._on_neurons_moved)
        canvas.installEventFilter(self)
        self._rebuild()

    # --- reading ---------------------------------------------------------------------------

    def rings(self) -> dict[str, tuple[str, ...]]:
        """Each neuron marked on the canvas now and the kinds of warning it is marked for."""
        self.flush()
        return {name: ring.kinds for name, ring in self._rings.items()
                if shiboken6.isValid(ring) and ring.isVisible() and ring.kinds}

    def flush(self) -> None:
        """Check and draw a pending change now."""
        self._redrawer.force()

    def set_throttled(self, throttled: bool) -> None:
        """While a run is going, check a few times a second."""
        self._redrawer.set_throttled(throttled)

    # --- drawing ---------------------------------------------------------------------------

    def _rebuild(self) -> None:
        scene = self.canvas.scene()
        for ring in self._rings.values():
            if shiboken6.isValid(ring) and ring.scene() is scene:
                scene.removeItem(ring)
        self._rings = {}
        self._redrawer.cancel()
        self._draw()

    def _draw(self) -> None:
        if not all(shiboken6.isValid(r) for r in self._rings.values()):
            self._rings = {}  # the canvas cleared its scene
        report = self.model.health()
        self.report = report
        names = {n for layer in self.model.document.network.neurons[1:] for n in layer}
        marks: dict[str, list[str]] = {}
        tags: dict[str, str] = {}
        tagged: set[str] = set()
        for warning in report.warnings:
            culprits = warning_neurons(warning, names)
            for name in culprits:
                marks.setdefault(name, [])
                if warning.kind not in marks[name]:
                    marks[name].append(warning.kind)
            # One tag per kind (four saturated neurons: four rings, one "saturated").
            if culprits and warning.kind not in tagged and culprits[0] not in tags:
                tags[culprits[0]] = KIND_WORDS.get(warning.kind, warning.kind)
                tagged.add(warning.kind)
        content = self.canvas.content if marks else None
        scene = self.canvas.scene()
        for name, old in self._rings.items():
            if name not in marks:
                old.set_kinds((), "")
                old.hide()
        for name, kinds in marks.items():
            neuron = content.neurons.get(name) if content is not None else None
            if neuron is None:
                continue
            ring = self._rings.get(name)
            if ring is None:
                ring = WarningRing(name, neuron.radius)
                scene.addItem(ring)
                self._rings[name] = ring
            ring.setPos(neuron.pos())
            ring.set_kinds(tuple(kinds), tags.get(name, ""))
            ring.show()
        self._update_banner(report)

    def _on_neurons_moved(self) -> None:
        """The canvas laid its items out again: each ring follows its neuron."""
        neurons = self.canvas.content.neurons
        for name, ring in self._rings.items():
            neuron = neurons.get(name)
            if neuron is not None and shiboken6.isValid(ring):
                ring.setPos(neuron.pos())

    def _update_banner(self, report: HealthReport) -> None:
        if not report.warnings:
            self.banner.hide()
            self.canvas.reserve_bottom(0)
            return
        first = report.warnings[0]
        more = len(report.warnings) - 1
        text = f"\u26a0 {headline(first)}"
        if more:
            text += f" (and {more} more warning{'s' if more != 1 else ''})"
        text += ": click for what to try"
        self.banner.setText(text)
        self._place_banner()
        self.banner.show()
        self.banner.raise_()

    def _place_banner(self) -> None:
        canvas = self.canvas
        canvas.reserve_bottom(self.banner.needed_height(canvas.viewport().width()))
        self.banner.place(canvas.reserved_area())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.banner.isVisible():
            self._place_banner()
        return False

    def ring_pos(self, name: str) -> QPointF | None:
        """Where the ring of ``name`` is (scene coordinates), if it has one."""
        ring = self._rings.get(name)
        return ring.pos() if ring is not None and shiboken6.isValid(ring) else None


__all__ = ["KIND_WORDS", "HealthBanner", "HealthOverlay", "WarningRing", "headline",
           "warning_neurons"]
