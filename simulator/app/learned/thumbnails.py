"""Each hidden and output neuron's own picture on the canvas: its output over the input
plane, drawn inside its circle (as TensorFlow Playground draws its neurons).

:class:`NeuronThumbnails` is an overlay: it adds one :class:`ThumbnailItem` per hidden and
output neuron to the canvas's scene, over the neuron's circle (under its border, so the
selection and "being computed" rings still show), with the neuron's name on top. The
pictures are the model's numbers (:meth:`~simulator.app.model.LabModel.plane_values`, the
same forward pass over the plane as the decision boundary's) on the diverging map of
:func:`~.colours.neuron_rgba`: orange for the neuron's lowest output, blue for its highest.

The canvas owns its scene: it clears it when it rebuilds (``structureChanged``, which
reaches the canvas first, as it connected first) and the overlay then makes its items
again; an item that went with a cleared scene is made again too. Clicking a picture selects
the neuron as a click on the neuron always does, and ``clicked(name)`` asks for the picture
large (the decision-boundary view shows it). The overlay is a toggle (:meth:`set_enabled`),
and simply off where there is no plane to draw (the reference lesson's single sample).

Redraws come once per burst of model signals; while a run is going, in each of its frames
with the canvas and the decision boundary (:class:`~simulator.app.coalesce.Coalescer`:
the pictures are painted in the canvas's own repaint, from the plane values the boundary
draws too). A picture is every
:data:`STEP`-th point of the plane each way (50 x 50 of the 100 x 100 points: a circle a
few tens of pixels wide shows no more), coloured through a look-up table and drawn scaled
into the circle from a QImage over the array.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...engine.boundary import DEFAULT_RESOLUTION
from ..canvas import NetworkCanvas
from ..canvas import style as canvas_style
from ..canvas.items import Z_NEURON
from ..coalesce import Coalescer
from ..model import LabModel
from .boundary_view import RUN_INTERVAL_MS
from .colours import neuron_range, neuron_rgba

#: The picture's radius inside the neuron's circle (the border stays visible).
INSET = 3.0
#: Above the neuron, under the labels and boxes.
Z_THUMBNAIL = Z_NEURON + 0.5
#: A picture takes every STEP-th point of the plane along each axis.
STEP = 2


_DISCS: dict[tuple[int, int], np.ndarray] = {}


def _disc_mask(h: int, w: int) -> np.ndarray:
    """(h, w) bool: the pixels whose centres lie in the disc inscribed in the picture."""
    mask = _DISCS.get((h, w))
    if mask is None:
        y, x = np.mgrid[0:h, 0:w]
        mask = ((x + 0.5 - w / 2) / (w / 2)) ** 2 + ((y + 0.5 - h / 2) / (h / 2)) ** 2 <= 1.0
        _DISCS[(h, w)] = mask
    return mask


class ThumbnailItem(QGraphicsItem):
    """A neuron's picture: an image clipped to its circle, its name on top."""

    def __init__(self, name: str, radius: float) -> None:
        super().__init__()
        self.name = name
        self.radius = radius
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None
        self._font = canvas_style.font(canvas_style.NAME_FONT_PX, bold=True)
        # The name's outline, centred on the item (made once: a text path is costly).
        self._name = QPainterPath()
        self._name.addText(QPointF(0, 0), self._font, name)
        box = self._name.boundingRect()
        self._name.translate(-box.center().x(), -box.center().y())
        self._text = QColor("#1A1A1A")
        self._halo = QColor("#FFFFFF")
        self.setZValue(Z_THUMBNAIL)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # the neuron takes clicks
        self.setAcceptHoverEvents(False)
        self.setToolTip(f"{name}: its output over the input plane (orange low, blue high). "
                        f"Click to see it large.")

    @property
    def pixels(self) -> np.ndarray | None:
        """The picture's pixels as drawn (ny, nx, 4), top row = the largest x2."""
        return self._pixels

    def set_pixels(self, rgba: np.ndarray) -> None:
        """Show ``rgba`` (row 0 = the smallest x2, as the plane's images are)."""
        pixels = np.ascontiguousarray(rgba[::-1])  # the scene's y grows downwards
        h, w = pixels.shape[:2]
        self._pixels = pixels
        # Drawn without clipping (a clip path costs more than the picture): the corners
        # outside the disc are made transparent instead.
        shown = pixels.copy()
        shown[..., 3] = np.where(_disc_mask(h, w), shown[..., 3], 0)
        # Converted once to the painter's own format (not on every paint).
        self._image = QImage(shown.data, w, h, 4 * w, QImage.Format.Format_RGBA8888
                             ).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self.update()

    def set_colours(self, text: QColor, halo: QColor) -> None:
        """The name's colour and its halo's."""
        if (text, halo) != (self._text, self._halo):
            self._text, self._halo = QColor(text), QColor(halo)
            self.update()

    def disc(self) -> QRectF:
        """The picture's circle in item coordinates."""
        r = self.radius - INSET
        return QRectF(-r, -r, 2 * r, 2 * r)

    def boundingRect(self) -> QRectF:
        return self.disc().adjusted(-1, -1, 1, 1)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.disc())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._image is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.disc(), self._image)
        painter.setPen(QPen(self._halo, 4.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._name)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._text)
        painter.drawPath(self._name)
        painter.restore()


class NeuronThumbnails(QObject):
    """The neurons' pictures on the canvas (see the module). ``clicked(name)``: a picture
    was clicked."""

    clicked = Signal(str)

    def __init__(self, model: LabModel, canvas: NetworkCanvas,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.canvas = canvas
        self._enabled = True
        self._items: dict[str, ThumbnailItem] = {}
        self._press: QPointF | None = None
        self._placed = False
        #: Whether the decision boundary is drawn too (then the pictures use its plane).
        self.shares_plane: Callable[[], bool] | None = None
        self._redrawer = Coalescer(self._draw, self, interval_ms=RUN_INTERVAL_MS,
                                   is_visible=canvas.isVisible)
        model.structureChanged.connect(self._rebuild)
        model.valuesChanged.connect(self._redrawer.request)
        model.historyChanged.connect(self._redrawer.request)
        model.settingsChanged.connect(self._on_settings_changed)
        canvas.neuronsMoved.connect(self._on_neurons_moved)
        canvas.viewport().installEventFilter(self)
        self._rebuild()

    # --- reading ---------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether the pictures are wanted (they show where there is a plane)."""
        return self._enabled

    def items(self) -> dict[str, ThumbnailItem]:
        """The pictures on the canvas now, by neuron, up to date."""
        self.flush()
        return {n: item for n, item in self._items.items() if shiboken6.isValid(item)}

    def flush(self) -> None:
        """Draw a pending change now."""
        self._redrawer.force()

    # --- settings --------------------------------------------------------------------------

    def set_enabled(self, on: bool) -> None:
        """Show (True) or hide the pictures."""
        if bool(on) != self._enabled:
            self._enabled = bool(on)
            self._rebuild()

    def set_throttled(self, throttled: bool) -> None:
        """While a run is going, redraw in its frames, at most every
        :data:`~.boundary_view.RUN_INTERVAL_MS` ms."""
        self._redrawer.set_throttled(throttled)

    def set_dark(self, _dark: bool) -> None:
        """Follow the canvas's theme (it reads its own)."""
        self._placed = False
        self._redrawer.request()

    # --- items -----------------------------------------------------------------------------

    def _clear(self) -> None:
        scene = self.canvas.scene()
        for item in self._items.values():
            if shiboken6.isValid(item) and item.scene() is scene:
                scene.removeItem(item)
        self._items = {}

    def _rebuild(self) -> None:
        self._clear()
        self._redrawer.cancel()
        if not (self._enabled and self.model.plane_applies()):
            return
        net = self.model.document.network
        scene = self.canvas.scene()
        for names in net.neurons[1:]:
            for name in names:
                item = ThumbnailItem(name, canvas_style.NEURON_RADIUS)
                scene.addItem(item)
                self._items[name] = item
        self._placed = False
        self._draw()

    def _on_settings_changed(self) -> None:
        self._placed = False  # more or fewer digits move the neurons
        self._redrawer.request()

    def _on_neurons_moved(self) -> None:
        # The canvas laid its items out again (another labelling level or view shape):
        # the pictures follow their neurons at once (a rebuild makes them again anyway).
        if self._items and all(shiboken6.isValid(i) for i in self._items.values()):
            self._place()

    def _place(self) -> None:
        """Put each picture on its neuron, in the canvas's colours (after a rebuild, a new
        number of digits, a new layout of the canvas or a theme: the neurons do not move
        while training runs)."""
        content = self.canvas.content  # (flushes the canvas: the neurons are where they are)
        theme = content.theme
        for name, item in self._items.items():
            neuron = content.neurons.get(name)
            if neuron is not None:
                item.setPos(neuron.pos())
            item.set_colours(theme.text, theme.background)
        self._placed = True

    def _draw(self) -> None:
        if not self._items:
            return
        if not all(shiboken6.isValid(item) for item in self._items.values()):
            self._rebuild()  # the canvas cleared its scene
            return
        if not self._placed:
            self._place()
        dark = self.canvas.is_dark()
        net = self.model.document.network
        # The decision boundary's plane when it is drawn too (one pass for both, every
        # STEP-th point), else a plane of the pictures' own size (STEP^2 times cheaper).
        shared = self.shares_plane is not None and self.shares_plane()
        step = STEP if shared else 1
        values = self.model.plane_values() if shared else \
            self.model.plane_values(DEFAULT_RESOLUTION // STEP)
        for layer in range(1, len(net.sizes)):
            activation = net.layers[layer - 1].activation
            for j, name in enumerate(net.neurons[layer]):
                item = self._items.get(name)
                if item is None:
                    continue
                v = values.neuron(layer, j)
                low, high = neuron_range(activation, v)  # (over the whole plane)
                item.set_pixels(neuron_rgba(v[::step, ::step], low, high, dark))

    # --- clicks ----------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._press = event.position() if event.button() == Qt.MouseButton.LeftButton \
                else None
        elif (kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent)
              and event.button() == Qt.MouseButton.LeftButton and self._press is not None):
            press, self._press = self._press, None
            if (event.position() - press).manhattanLength() < \
                    QApplication.startDragDistance():
                name = self.name_at(event.position())
                if name is not None:
                    self.clicked.emit(name)
        return False  # the canvas handles the click as usual (it selects the neuron)

    def name_at(self, pos: QPointF) -> str | None:
        """The neuron whose picture is under viewport position ``pos``, if any."""
        for item in self.canvas.items(pos.toPoint()):
            if isinstance(item, ThumbnailItem):
                return item.name
        return None


__all__ = ["NeuronThumbnails", "ThumbnailItem"]
