"""The decision boundary: what the network computes over its input plane, behind the data.

For data with two inputs the view shows the network's output over the plane of the data's
inputs as a heat map (:func:`~.colours.boundary_rgba`: each point in its class's colour, paler
where the network is less sure; several classes by argmax), with the training samples as
filled discs and the test samples as rings on top. For regression data with two inputs the
output itself is shown (:func:`~.colours.neuron_rgba`), the points coloured by their target
on the same map. For one input (the sine data) the view draws the fitted curve over the
samples. Any hidden or output neuron's own output over the plane can be shown instead (the
"Show" box, or a click on its picture on the canvas): its picture, large.

Every number is the model's (:meth:`~simulator.app.model.LabModel.plane_values`, one forward
pass over the plane shared with the canvas's pictures); the view only colours them. It
redraws once per burst of model signals; while a run is going in each of its frames
(20 to 40 ms apart), at most every :data:`RUN_INTERVAL_MS` ms
(:class:`~simulator.app.coalesce.Coalescer`); not while hidden or behind another tab.
Its pyqtgraph items are made once and updated with ``setImage`` and ``setData``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from ...engine.boundary import Boundary, boundary_from
from ...engine.metrics import target_kind
from ...engine.numbers import format_number
from ..coalesce import Coalescer
from ..model import LabModel
from ..visibility import in_view
from ..widgets import HintLabel, LiveLabel, is_dark, plain_axis
from .colours import (
    boundary_rgba,
    class_colours,
    class_index,
    neuron_range,
    neuron_rgba,
)

#: While a run is going, the view redraws at most this often (ms), in the run's frames
#: (:class:`~simulator.app.coalesce.RedrawScheduler`): on every frame of a Fast run (20 to
#: 40 ms apart), at most 50 times a second.
RUN_INTERVAL_MS = 20
#: Points along the one input of a fitted curve.
CURVE_POINTS = 300
#: The largest number of samples drawn (each of training and test).
MAX_POINTS = 3000
#: Curve colours of several outputs (Okabe-Ito).
CURVE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

PLANE, CURVE, NONE = "plane", "curve", "none"


def percent(share: float | None) -> str:
    """An accuracy as "97.5 %" ("-" when there is none)."""
    return "-" if share is None else f"{format_number(100.0 * share, 4)} %"


def sample_classes(targets: np.ndarray) -> np.ndarray | None:
    """Each sample's class (a colour index) for classification targets: the one-hot
    column, or the 0/1 target; None for regression targets."""
    kind = target_kind(targets)
    if kind == "one_hot":
        return class_index(np.argmax(targets, axis=1))
    if kind == "binary":
        return (targets[:, 0] == 1.0).astype(np.int64)
    return None


class DecisionBoundaryView(QWidget):
    """The network's output over its input plane behind the data (see the module).

    ``shownChanged(object)`` carries the neuron shown large (None: the decision boundary).
    """

    shownChanged = Signal(object)

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisionBoundaryView")
        self.model = model
        self._dark = is_dark(self)
        self._mode = NONE
        self._shown: str | None = None
        self._classification = False
        #: What was drawn last: the boundary (decision-boundary mode) and the pixels.
        self.boundary: Boundary | None = None
        self.rgba: np.ndarray | None = None
        self.curve_x: np.ndarray | None = None
        self.curve_y: np.ndarray | None = None
        self._rect = QRectF()

        #: What the view shows, in words ("Decision boundary", "H1: its output ...").
        self.title = ""
        self.accuracy = LiveLabel(reserve="accuracy: training 100 %, test 100 %")
        self.accuracy.setObjectName("boundaryAccuracy")
        self.show_combo = QComboBox()
        self.show_combo.setToolTip("Show the decision boundary, or one neuron's own output "
                                   "over the input plane (click a neuron's picture on the "
                                   "canvas to show it here)")
        self.show_combo.activated.connect(self._on_show_chosen)
        self.show_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # The box says what is shown (the title is its longer form, for the tooltip).
        # One row for both (the view is often a short, wide tab under the canvas).
        top = QHBoxLayout()
        top.addWidget(self.show_combo)
        top.addWidget(self.accuracy, 1)

        plot = pg.PlotWidget()
        plot.setMinimumSize(160, 160)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        self.plot_widget = plot
        self.plot = plot.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.curves: list[pg.PlotDataItem] = []
        self.train_points = pg.ScatterPlotItem(size=7)
        self.test_points = pg.ScatterPlotItem(size=9)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.note = HintLabel()
        self.message = HintLabel()
        self.message.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(plot, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.note)

        # Not while behind another tab (a tab's dock stays "visible" to Qt, off screen).
        self._redrawer = Coalescer(self._draw, self, interval_ms=RUN_INTERVAL_MS,
                                   is_visible=lambda: in_view(self))
        model.structureChanged.connect(self._on_structure_changed)
        model.valuesChanged.connect(self._redrawer.request)
        model.historyChanged.connect(self._redrawer.request)
        self._on_structure_changed()

    # --- reading (tests, the main window) --------------------------------------------------

    @property
    def mode(self) -> str:
        """"plane", "curve" or "none" (nothing to draw for this data)."""
        return self._mode

    @property
    def shown_neuron(self) -> str | None:
        """The neuron shown large, or None for the decision boundary."""
        return self._shown

    def image_rect(self) -> QRectF:
        """Where the image lies in the plot's coordinates (pixel centres on the plane's
        grid points)."""
        return QRectF(self.image.mapRectToParent(self.image.boundingRect()))

    def flush(self) -> None:
        """Draw a pending change now, visible or not."""
        self._redrawer.force()

    # --- showing a neuron ------------------------------------------------------------------

    def show_neuron(self, name: str | None) -> None:
        """Show neuron ``name``'s own output over the plane (None, or a name the network
        does not have: the decision boundary)."""
        names = self._neuron_names()
        shown = name if name in names else None
        if shown != self._shown:
            self._shown = shown
            self._sync_combo()
            self._redraw_now()
            self.shownChanged.emit(shown)

    def _on_show_chosen(self, index: int) -> None:
        data = self.show_combo.itemData(index)
        self.show_neuron(str(data) if data else None)

    def _neuron_names(self) -> list[str]:
        net = self.model.document.network
        return [n for names in net.neurons[1:] for n in names]

    def _sync_combo(self) -> None:
        combo = self.show_combo
        combo.blockSignals(True)
        combo.clear()
        first = "decision boundary" if self._classification else "output"
        combo.addItem(first, "")
        for name in self._neuron_names():
            combo.addItem(f"{name}'s output", name)
        combo.setCurrentIndex(max(0, combo.findData(self._shown or "")))
        combo.setEnabled(self._mode == PLANE)
        combo.blockSignals(False)

    # --- model signals ---------------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        model = self.model
        doc = model.document
        data = doc.data
        if model.plane_applies():
            self._mode = PLANE
        elif model.curve_applies():
            self._mode = CURVE
        else:
            self._mode = NONE
        self._classification = sample_classes(data.targets) is not None
        if self._shown not in self._neuron_names():
            self._shown = None
        self._sync_combo()
        plane_mode = self._mode == PLANE
        self.image.setVisible(plane_mode)
        self.plot.setAspectLocked(plane_mode)
        self.plot_widget.setVisible(self._mode != NONE)
        self.accuracy.setVisible(self._mode != NONE)
        self.show_combo.setVisible(self._mode != NONE)
        if self._mode == NONE:
            self._set_title("What the network learned")
            self.message.setText(
                "There is no input plane to draw: the pictures need data with two inputs "
                "(or one, for a fitted curve) and more than one sample. Choose a data set "
                "such as xor, circle or spiral in the Data panel.")
            self.message.show()
            self.note.hide()
            self.boundary = self.rgba = None
            return
        self.message.hide()
        self.note.show()
        for curve in self.curves:
            curve.setVisible(self._mode == CURVE)
        if not plane_mode:
            self.plot.enableAutoRange()
        else:
            self.plot.disableAutoRange()
            plane = model.plane()
            x0, x1, y0, y1 = plane.extent
            nx, ny = plane.xs.size, plane.ys.size
            dx, dy = (x1 - x0) / (nx - 1), (y1 - y0) / (ny - 1)
            # Pixel (row j, column i) is centred on the grid point (xs[i], ys[j]); the
            # rectangle is applied after each new image (ImageItem scales to its shape).
            self._rect = QRectF(x0 - dx / 2, y0 - dy / 2, nx * dx, ny * dy)
            self.plot.setXRange(x0 - dx / 2, x1 + dx / 2, padding=0)
            self.plot.setYRange(y0 - dy / 2, y1 + dy / 2, padding=0)
        self._apply_axes()
        self._set_points()
        self._redraw_now()

    def _redraw_now(self) -> None:
        self._redrawer.cancel()
        self._draw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._redrawer.flush()

    # --- Throttleable and Themeable -----------------------------------------------------------

    def set_throttled(self, throttled: bool) -> None:
        """While a run is going, redraw at most every :data:`RUN_INTERVAL_MS` ms."""
        self._redrawer.set_throttled(throttled)

    def set_dark(self, dark: bool) -> None:
        """Colours for a dark (True) or light background."""
        self._dark = bool(dark)
        self._apply_axes()
        self._set_points()
        self._redraw_now()

    # --- drawing ---------------------------------------------------------------------------

    def _apply_axes(self) -> None:
        background = QColor("#1c1e21") if self._dark else QColor("#ffffff")
        foreground = QColor("#e6e8eb") if self._dark else QColor("#202124")
        self.plot_widget.setBackground(background)
        names_in, names_t = self.model.document.data.column_names()
        for name, label in (("bottom", names_in[0]),
                            ("left", names_t[0] if self._mode == CURVE else
                             (names_in[1] if len(names_in) > 1 else ""))):
            axis = self.plot.getAxis(name)
            plain_axis(axis)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
            self.plot.setLabel(name, label, color=foreground.name())

    def _set_points(self) -> None:
        """The samples, drawn once per data set: training filled, test as rings."""
        data = self.model.document.data
        if self._mode == NONE:
            self.train_points.setData([], [])
            self.test_points.setData([], [])
            return
        outline = pg.mkPen("#1c1e21" if not self._dark else "#f0f0f0", width=0.8)
        palette = [QColor(c) for c in class_colours(self._dark)]
        for item, x, t, test in ((self.train_points, data.inputs, data.targets, False),
                                 (self.test_points, data.test_inputs, data.test_targets,
                                  True)):
            if x is None or t is None or not len(x):
                item.setData([], [])
                continue
            x, t = x[:MAX_POINTS], t[:MAX_POINTS]
            if self._mode == CURVE:
                xs, ys = x[:, 0], t[:, 0]
                colour = QColor(CURVE_COLOURS[0])
                if test:
                    item.setData(xs, ys, brush=None, pen=pg.mkPen(colour, width=1.6))
                else:
                    item.setData(xs, ys, brush=pg.mkBrush(colour), pen=outline)
                continue
            classes = sample_classes(t)
            if classes is None:  # regression: the target on the output's colour map
                low, high = float(np.min(data.targets)), float(np.max(data.targets))
                rgba = neuron_rgba(t[:, 0], low, high, self._dark)
                colours = [QColor(*map(int, px[:3])) for px in rgba]
            else:
                colours = [palette[c] for c in classes]
            if test:
                item.setData(x[:, 0], x[:, 1], brush=None,
                             pen=[pg.mkPen(c, width=2.2) for c in colours])
            else:
                item.setData(x[:, 0], x[:, 1], brush=[pg.mkBrush(c) for c in colours],
                             pen=outline)
        self._update_note()

    def _update_note(self) -> None:
        data = self.model.document.data
        parts = []
        if self._mode == CURVE:
            parts.append("the line: the network's output for each x1; dots: the samples")
        elif self._shown is not None:
            parts.append(f"the background: {self._shown}'s output at each point (orange "
                         f"low, blue high)")
        elif self._classification:
            parts.append("the background: the class the network gives each point (paler "
                         "where it is less sure)")
        else:
            parts.append("the background: the network's output (orange low, blue high)")
        if self._mode != CURVE:
            parts.append("filled dots: training samples")
            if data.has_test:
                parts.append("rings: test samples")
        elif data.has_test:
            parts.append("rings: test samples")
        self.note.setText("; ".join(parts))

    def _draw(self) -> None:
        if self._mode == NONE:
            return
        model = self.model
        accuracy = model.accuracy()
        if accuracy.train is None:
            self.accuracy.setText("no accuracy: the targets are not classes")
        else:
            text = f"accuracy: training {percent(accuracy.train)}"
            if accuracy.test is not None:
                text += f", test {percent(accuracy.test)}"
            self.accuracy.setText(text)
        if self._mode == CURVE:
            self._draw_curve()
        else:
            self._draw_plane()
        self._update_note()

    def _draw_plane(self) -> None:
        model = self.model
        values = model.plane_values()
        net = model.document.network
        if self._shown is not None:
            layer = next(k for k, names in enumerate(net.neurons) if self._shown in names)
            j = net.neurons[layer].index(self._shown)
            v = values.neuron(layer, j)
            activation = net.layers[layer - 1].activation
            low, high = neuron_range(activation, v)
            self.boundary = None
            self.rgba = neuron_rgba(v, low, high, self._dark)
            self._set_title(f"{self._shown}: its output over the input plane")
        elif self._classification:
            self.boundary = boundary_from(values)
            self.rgba = boundary_rgba(self.boundary.label, self.boundary.confidence,
                                      self._dark)
            self._set_title("Decision boundary")
        else:
            out = values.output[:, :, 0]
            targets = model.document.data.targets
            self.boundary = None
            self.rgba = neuron_rgba(out, float(np.min(targets)), float(np.max(targets)),
                                    self._dark)
            self._set_title(f"{net.neurons[-1][0]} over the input plane")
        self.image.setImage(self.rgba, autoLevels=False)
        self.image.setRect(self._rect)

    def _set_title(self, title: str) -> None:
        self.title = title
        self.show_combo.setToolTip(f"{title}. Show the decision boundary, or one neuron's "
                                   f"own output over the input plane (click a neuron's "
                                   f"picture on the canvas to show it here)")

    def _draw_curve(self) -> None:
        model = self.model
        xs, ys = model.curve_values(CURVE_POINTS)
        while len(self.curves) < ys.shape[1]:
            colour = CURVE_COLOURS[len(self.curves) % len(CURVE_COLOURS)]
            curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=2.5))
            curve.setZValue(-1)
            self.plot.addItem(curve)
            self.curves.append(curve)
        for k, curve in enumerate(self.curves):
            if k < ys.shape[1]:
                curve.setData(xs, ys[:, k])
                curve.show()
            else:
                curve.hide()
        self.curve_x, self.curve_y = xs, ys
        self._set_title("Fitted curve")


__all__ = ["DecisionBoundaryView", "percent", "sample_classes"]
