"""The loss plot: the batch loss of every completed iteration, and the test loss.

The train curve is ``LabModel.losses`` (the loss of the batch each completed iteration was
computed on). When the data has a held-out test split, the test curve is the stepper's own
record of the test loss (``LabModel.test_history``): one point per sampled iteration (every
iteration stepped through, every ``test_every`` iterations of a run and at the end of each
run), so the curve is true between its points; stepping back drops the points beyond the
current iteration and undo brings a stepper's points back with it. The iteration of the
lowest test loss is marked, the label gives the accuracy (train and test) next to the
losses when the data is classification data, and the early-stopping options sit under the
plot (:class:`~simulator.app.learned.early_stopping.EarlyStoppingBar`).

Following pyqtgraph's advice, the curves are created once and updated with ``setData``
from a preallocated array that grows by doubling; a redraw appends when the history only
grew, and re-sets everything when it shrank or was replaced. Downsampling ("peak") and
clipping to the view keep long runs fast. Non-finite losses are allowed (no
``skipFiniteCheck``): pyqtgraph leaves gaps for them.

Redraws are coalesced (:class:`~simulator.app.coalesce.Coalescer`): one per burst of model
signals, none while the plot is hidden (it catches up when shown); the test-loss point of
each history change is still taken when the change comes. While training runs the plot is
redrawn about 15 times a second (:meth:`LossPlot.set_throttled`, :data:`RUNNING_INTERVAL_MS`),
and it keeps each redraw to one cheap paint:

- the view range is set here, once per update, from the data's known bounds (kept up to
  date as the history grows, log-scale aware), with pyqtgraph's auto-range off (auto-range
  re-fits in a second pass and paints twice), and applied at once (see _update_range).
  Panning or zooming by hand stops the following; the plot's "A" button (or the
  log-scale box) resumes it;
- the grid is :class:`Grid`, plain lines at the axes' ticks in colours mixed from the
  background, instead of pyqtgraph's translucent grid, which cost most of each paint.

Iterations are whole numbers: the bottom axis ticks only whole iterations
(:class:`IterationAxis`), and a single point is shown in a range that starts at iteration 0
and a loss of 0 (not pyqtgraph's padding around one point, from -0.2). The axes' text
follows the interface zoom (:meth:`LossPlot.set_zoom`).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from ..engine.numbers import format_number
from ..engine.stepper import Stepper
from .coalesce import Coalescer
from .learned.early_stopping import EarlyStoppingBar
from .model import LabModel
from .visibility import in_view
from .widgets import OKABE_ITO, is_dark, plain_axis

#: Curve colours (Okabe-Ito) per theme: (train, test).
LIGHT_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
DARK_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["orange"])
#: Below this many points the curves also draw a marker on each point.
SYMBOL_LIMIT = 60
INITIAL_CAPACITY = 1024
#: How strongly the grid's major and minor lines show (their share of the text colour).
GRID_MAJOR, GRID_MINOR = 0.16, 0.07

_Bounds = tuple[float, float, float, float]


def _mix(background: QColor, foreground: QColor, share: float) -> QColor:
    """An opaque colour ``share`` of the way from ``background`` to ``foreground``."""
    back = (background.redF(), background.greenF(), background.blueF())
    fore = (foreground.redF(), foreground.greenF(), foreground.blueF())
    r, g, b = (x + (y - x) * share for x, y in zip(back, fore))
    return QColor.fromRgbF(r, g, b)


class Grid(pg.GraphicsObject):
    """Grid lines at the bottom and left axes' major and minor ticks, in two opaque colours
    and without antialiasing: one ``drawLines`` per kind, a small part of a paint
    (pyqtgraph's grid draws every tick level across the plot with transparency)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self._plot = plot
        self._pens = (QPen(), QPen())
        self._key: tuple[object, ...] | None = None
        self._lines: tuple[list[QLineF], list[QLineF]] = ([], [])
        self.set_colours(QColor("#ffffff"), QColor("#202124"))
        self.setZValue(-1000)

    def set_colours(self, background: QColor, foreground: QColor) -> None:
        """Mix the line colours for this background and text colour."""
        pens = []
        for share in (GRID_MAJOR, GRID_MINOR):
            pen = QPen(_mix(background, foreground, share))
            pen.setCosmetic(True)
            pen.setWidth(1)
            pens.append(pen)
        self._pens = (pens[0], pens[1])
        self.update()

    def colours(self) -> tuple[QColor, QColor]:
        """The major and minor lines' colours."""
        return self._pens[0].color(), self._pens[1].color()

    def lines(self) -> tuple[list[QLineF], list[QLineF]]:
        """The major and minor lines of the last paint, in view coordinates."""
        return list(self._lines[0]), list(self._lines[1])

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._plot.vb.viewRect()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        vb = self._plot.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        key = (x0, x1, y0, y1, vb.width(), vb.height(), self._plot.getAxis("left").logMode)
        if key != self._key:
            self._key = key
            self._lines = self._grid_lines(x0, x1, y0, y1, vb.width(), vb.height())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for pen, lines in zip(reversed(self._pens), reversed(self._lines)):
            if lines:
                painter.setPen(pen)
                painter.drawLines(lines)

    def _grid_lines(self, x0: float, x1: float, y0: float, y1: float, width: float,
                    height: float) -> tuple[list[QLineF], list[QLineF]]:
        """The major and minor lines where the axes put their ticks."""
        levels: tuple[list[QLineF], list[QLineF]] = ([], [])
        for name, size, low, high in (("bottom", width, x0, x1), ("left", height, y0, y1)):
            if size <= 0 or not high > low:
                continue
            axis = self._plot.getAxis(name)
            for level, (_spacing, values) in enumerate(axis.tickValues(low, high, size)[:2]):
                for v in values:
                    if low <= v <= high:
                        levels[min(level, 1)].append(
                            QLineF(v, y0, v, y1) if name == "bottom" else QLineF(x0, v, x1, v))
        return levels


#: While training runs, at most one redraw every this many ms (about 15 a second: a curve
#: needs no more, and the canvas and the cost surface share the window's time).
RUNNING_INTERVAL_MS = 66
#: Tick and axis-name sizes at 100% zoom (points).
TICK_POINTS, LABEL_POINTS = 9.0, 10.0


class IterationAxis(pg.AxisItem):
    """A bottom axis with ticks at whole iterations only (1, 2, 5, 10, ... apart)."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float
                    ) -> list[tuple[float, float]]:
        levels = [(spacing, offset) for spacing, offset
                  in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


class _PlotItem(pg.PlotItem):
    """A PlotItem whose view follows the data through :class:`LossPlot` (auto-range off):
    its "A" button resumes following after the user panned or zoomed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.following = True
        self.on_follow = lambda: None
        super().__init__(*args, **kwargs)
        self.vb.sigRangeChangedManually.connect(self._stop_following)

    def _stop_following(self, *_args: object) -> None:
        self.following = False
        self.updateButtons()

    def autoBtnClicked(self) -> None:
        self.following = True
        self.autoBtn.hide()
        self.on_follow()

    def updateButtons(self) -> None:
        try:
            if (self._exportOpts is False and self.mouseHovering and not self.buttonsHidden
                    and not self.following):
                self.autoBtn.show()
            else:
                self.autoBtn.hide()
        except RuntimeError:
            pass  # the plot has been deleted


class LossPlot(QWidget):
    """Train (batch) loss per completed iteration, and the test loss if there is a split."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._dark = is_dark(self)
        self._zoom = 1.0

        plot = _PlotItem(axisItems={"bottom": IterationAxis("bottom")})
        self.plot_widget = pg.PlotWidget(plotItem=plot)
        self.plot_widget.setMinimumSize(200, 120)
        self.plot = plot
        plot.on_follow = self._follow_data
        plot.disableAutoRange()
        plot.vb.setRange(xRange=(0, 1), yRange=(0, 1))  # padded, as auto-range shows it
        plot.setLabel("bottom", "iteration")
        plot.setLabel("left", "loss")
        self.grid = Grid(plot)
        plot.vb.addItem(self.grid, ignoreBounds=True)
        plot.setMenuEnabled(False)
        self.legend = plot.addLegend(offset=(-10, 10))
        self.train_curve = plot.plot(name="train loss (batch)")
        self.test_curve = plot.plot(name="test loss")
        plot.setDownsampling(auto=True, mode="peak")
        # After adding: PlotItem.addItem resets it, and plot(clipToView=...) fails on PySide6.
        self.train_curve.setClipToView(True)
        self.test_curve.setClipToView(True)
        self.legend.removeItem(self.test_curve)
        self._test_in_legend = False
        self.test_curve.hide()
        # The lowest test loss: a marker in the view box itself (not a data item), placed
        # in view coordinates (log10 of the loss on a log scale).
        self.best_marker = pg.ScatterPlotItem(symbol="star", size=16)
        self.best_marker.setZValue(10)
        plot.vb.addItem(self.best_marker, ignoreBounds=True)
        self.best_marker.hide()
        self._best_in_legend = False

        self.log_check = QCheckBox("log scale")
        self.log_check.setToolTip("Show the loss on a logarithmic axis (values <= 0 are "
                                  "left out)")
        self.log_check.toggled.connect(self.set_log_scale)
        self.latest = QLabel()
        self.latest.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.latest.setWordWrap(True)
        # Its width follows the dock, not its text: a text that grows by a digit on every
        # few ticks would otherwise make the main window move its docks while training runs.
        self.latest.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.addWidget(self.latest, 1)
        top.addWidget(self.log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        self.early_stopping = EarlyStoppingBar(model, self)
        layout.addWidget(self.early_stopping)

        self._x = np.empty(INITIAL_CAPACITY)
        self._y = np.empty(INITIAL_CAPACITY)
        self._n = 0
        # The train losses' finite min and max, and their smallest positive value (log scale).
        self._y_low, self._y_high, self._y_positive = math.inf, -math.inf, math.inf
        self._range: _Bounds | None = None
        self._symbols = False
        self._source: tuple[Stepper | None, list[float] | None] = (None, None)
        self._test_x = np.empty(0)
        self._test_y = np.empty(0)

        self._apply_colours()
        # Not while behind another tab (a tab's dock stays "visible" to Qt, off screen).
        self._redrawer = Coalescer(self._draw, self, interval_ms=RUNNING_INTERVAL_MS,
                                   is_visible=lambda: in_view(self))
        model.historyChanged.connect(self._on_history_changed)
        model.settingsChanged.connect(self._redrawer.request)
        model.diverged.connect(self._on_diverged)
        self.redraw()

    # --- reading (for tests and the main window) ----------------------------------------------

    def train_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The train curve's points (iterations 1..n, batch losses), up to date."""
        self.flush()
        return self._x[: self._n].copy(), self._y[: self._n].copy()

    def test_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The test curve's points (iterations, test losses); empty without a test split."""
        self.flush()
        return self._test_x.copy(), self._test_y.copy()

    def best_point(self) -> tuple[int, float] | None:
        """Where the lowest-test-loss marker is: (iteration, test loss), or None."""
        self.flush()
        if not self.best_marker.isVisible():
            return None
        best = self.model.best_iteration()
        return None if best is None else (best.iteration, best.loss)

    def flush(self) -> None:
        """Draw a pending change now, visible or not (normally the event loop does it)."""
        self._redrawer.force()

    # --- model signals ---------------------------------------------------------------------

    def _on_history_changed(self) -> None:
        self._redrawer.request()

    def _on_diverged(self, _message: str) -> None:
        self._redrawer.request()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._redrawer.flush()  # caught up after a hidden tab or a closed dock

    # --- drawing ---------------------------------------------------------------------------

    def redraw(self) -> None:
        """Bring both curves, the view range and the label up to date with the model now."""
        self._redrawer.cancel()
        self._draw()

    def _draw(self) -> None:
        self._update_train()
        self._update_test()
        self._update_label()
        self._update_range()
        # What pyqtgraph leaves for just before the paint (a new view range applied to its
        # items, the curves re-clipped to it) would mark them again during the paint and
        # ask for a second one: done now, it is part of the frame's one paint.
        self.plot_widget.scene().prepareForPaint()

    def following(self) -> bool:
        """Whether the view follows the data (False after the user panned or zoomed)."""
        return self.plot.following

    def data_bounds(self) -> _Bounds | None:
        """(x min, x max, y min, y max) of the points shown, in view coordinates (log10 of
        the loss on a log scale); None when there is nothing to show."""
        self.flush()
        log = self.log_check.isChecked()
        xs: list[float] = []
        ys: list[float] = []
        if self._n:
            xs += [self._x[0], self._x[self._n - 1]]
            if log:
                if math.isfinite(self._y_positive):
                    ys += [self._y_positive, self._y_high]
            elif math.isfinite(self._y_low):
                ys += [self._y_low, self._y_high]
        if self._test_y.size:
            xs += [float(np.min(self._test_x)), float(np.max(self._test_x))]
            finite = self._test_y[np.isfinite(self._test_y)]
            if log:
                finite = finite[finite > 0]
            if finite.size:
                ys += [float(np.min(finite)), float(np.max(finite))]
        if not xs or not ys:
            return None
        if log:
            ys = [math.log10(y) for y in ys]
        return min(xs), max(xs), min(ys), max(ys)

    def _update_range(self) -> None:
        """Set the view range from the data bounds (pyqtgraph adds its usual padding)."""
        if not self.plot.following:
            return
        bounds = self.data_bounds()
        if bounds is None or bounds == self._range:
            return
        self._range = bounds
        x0, x1, y0, y1 = bounds
        if x1 - x0 < 4:  # one or a few iterations: from 0, with whole steps
            x0, x1 = 0.0, max(x1, 4.0)
        if y1 <= y0:  # one loss value (or a flat curve)
            if self.log_check.isChecked():
                y0, y1 = y0 - 0.5, y1 + 0.5
            elif y1 > 0:
                y0, y1 = 0.0, y1 * 1.15
            else:
                y0, y1 = y0 - 1.0, y1 + 1.0
        vb = self.plot.vb
        vb.setRange(xRange=(x0, x1), yRange=(y0, y1))
        # The ViewBox applies a new range to its items only when it is about to paint, and
        # what that changes (the transform, the curve clipped to the view) asks for a
        # second paint. Applying it now keeps one paint per update.
        vb.updateMatrix()

    def _follow_data(self) -> None:
        self._range = None
        self._update_range()

    def _update_train(self) -> None:
        stepper = self.model.stepper
        losses = stepper.losses
        n = len(losses)
        old = self._n
        same_history = self._source[0] is stepper and self._source[1] is losses
        grew = (same_history and n >= old
                and (old == 0 or _same(losses[old - 1], self._y[old - 1])))
        if grew and n == old:
            return
        self._reserve(n)
        start = old if grew else 0
        if start == 0:
            self._y_low, self._y_high, self._y_positive = math.inf, -math.inf, math.inf
        if n > start:
            self._y[start:n] = losses[start:n]
            self._x[start:n] = np.arange(start + 1, n + 1)
            added = self._y[start:n]
            finite = added[np.isfinite(added)]
            if finite.size:
                self._y_low = min(self._y_low, float(np.min(finite)))
                self._y_high = max(self._y_high, float(np.max(finite)))
                positive = finite[finite > 0]
                if positive.size:
                    self._y_positive = min(self._y_positive, float(np.min(positive)))
        self._n = n
        self._source = (stepper, losses)
        self._set_symbols(n <= SYMBOL_LIMIT)
        self.train_curve.setData(self._x[:n], self._y[:n])

    def _update_test(self) -> None:
        data = self.model.document.data
        if not data.has_test:
            if self.test_curve.isVisible() or self._test_x.size:
                self._test_x, self._test_y = np.empty(0), np.empty(0)
                self.test_curve.setData(self._test_x, self._test_y)
                self.test_curve.hide()
            if self._test_in_legend:
                self.legend.removeItem(self.test_curve)
                self._test_in_legend = False
            self._update_best()
            return
        history = self.model.test_history
        self._test_x = history.iterations.astype(float)
        self._test_y = history.losses
        few = self._test_x.size <= SYMBOL_LIMIT
        self.test_curve.setData(self._test_x, self._test_y, symbol="o" if few else None,
                                symbolSize=6, symbolPen=None,
                                symbolBrush=self._colours()[1])
        self.test_curve.show()
        if not self._test_in_legend:
            self.legend.addItem(self.test_curve, "test loss")
            self._test_in_legend = True
        self._update_best()

    def _update_best(self) -> None:
        """Put the marker on the lowest test loss (hidden without one, or on a log scale
        when it is not positive)."""
        best = self.model.best_iteration() if self.model.document.data.has_test else None
        y = None if best is None else best.loss
        if y is not None and self.log_check.isChecked():
            y = math.log10(y) if y > 0 else None
        if best is None or y is None:
            self.best_marker.hide()
        else:
            self.best_marker.setData([float(best.iteration)], [y])
            self.best_marker.show()
        wanted = best is not None
        if wanted != self._best_in_legend:
            if wanted:
                self.legend.addItem(self.best_marker, "lowest test loss")
            else:
                self.legend.removeItem(self.best_marker)
            self._best_in_legend = wanted

    def _update_label(self) -> None:
        model = self.model
        digits = model.digits
        accuracy = model.accuracy()
        parts = []
        if self._n:
            parts.append(f"iteration {self._n}: train loss "
                         f"{format_number(self._y[self._n - 1], digits)}")
        else:
            parts.append("No completed iteration yet: finish one to see its loss")
        if accuracy.train is not None:
            parts[-1] += f", accuracy {percent(accuracy.train)}"
        if self._test_y.size:
            test = (f"test loss {format_number(self._test_y[-1], digits)} "
                    f"(after {int(self._test_x[-1])})")
            if accuracy.test is not None:
                test += f", accuracy {percent(accuracy.test)}"
            best = model.best_iteration()
            if best is not None:
                test += (f"; lowest test loss {format_number(best.loss, digits)} at "
                         f"iteration {best.iteration}")
            parts.append(test)
        text = ";  ".join(parts)
        if model.divergence_message:
            text += f"\nTraining stopped: {model.divergence_message}"
        elif model.early_stop_message:
            text += f"\n{model.early_stop_message}"
        self.latest.setText(text)

    def _reserve(self, n: int) -> None:
        if n <= self._x.size:
            return
        size = self._x.size
        while size < n:
            size *= 2
        x, y = np.empty(size), np.empty(size)
        x[: self._n] = self._x[: self._n]
        y[: self._n] = self._y[: self._n]
        self._x, self._y = x, y

    def _set_symbols(self, on: bool) -> None:
        if on == self._symbols:
            return
        self._symbols = on
        if on:
            self.train_curve.setSymbol("o")
            self.train_curve.setSymbolSize(5)
            self.train_curve.setSymbolPen(None)
            self.train_curve.setSymbolBrush(self._colours()[0])
        else:
            self.train_curve.setSymbol(None)

    # --- options ---------------------------------------------------------------------------

    def set_log_scale(self, on: bool) -> None:
        """Show the loss on a logarithmic y axis."""
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)  # calls back here
            return
        self.plot.setLogMode(x=False, y=on)
        self.plot.disableAutoRange()  # setLogMode turns pyqtgraph's auto-range back on
        self.plot.following = True
        self._update_best()
        self._follow_data()

    def set_throttled(self, throttled: bool) -> None:
        """At most :data:`RUNNING_INTERVAL_MS` between redraws while training runs
        (:class:`~simulator.app.coalesce.Throttleable`); at once otherwise."""
        self._redrawer.set_throttled(throttled)

    def is_throttled(self) -> bool:
        """Whether redraws are spaced out."""
        return self._redrawer.throttled

    def set_zoom(self, factor: float) -> None:
        """The axes' text at ``factor`` times its size (:class:`~simulator.app.zoom.Zoomable`)."""
        self._zoom = factor
        font = QFont()
        font.setPointSizeF(max(5.0, TICK_POINTS * factor))
        for name in ("left", "bottom"):
            self.plot.getAxis(name).setStyle(tickFont=font)
        self._apply_colours()

    def set_dark(self, dark: bool) -> None:
        """Colours for a dark (True) or light background."""
        self._dark = dark
        self._apply_colours()

    def _colours(self) -> tuple[str, str]:
        return DARK_COLOURS if self._dark else LIGHT_COLOURS

    def _apply_colours(self) -> None:
        background = QColor("#1c1e21") if self._dark else QColor("#ffffff")
        foreground = QColor("#e6e8eb") if self._dark else QColor("#202124")
        self.plot_widget.setBackground(background)
        self.grid.set_colours(background, foreground)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            plain_axis(axis)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        size = f"{max(5.0, LABEL_POINTS * self._zoom):.1f}pt"
        self.plot.setLabel("bottom", "iteration", color=foreground.name(),
                           **{"font-size": size})
        self.plot.setLabel("left", "loss", color=foreground.name(), **{"font-size": size})
        train, test = self._colours()
        self.train_curve.setPen(pg.mkPen(train, width=2))
        if self._symbols:
            self.train_curve.setSymbolBrush(train)
        self.test_curve.setPen(pg.mkPen(test, width=2, style=Qt.PenStyle.DashLine))
        self.test_curve.setSymbolBrush(test)
        self.best_marker.setBrush(pg.mkBrush(test))
        self.best_marker.setPen(pg.mkPen(foreground, width=1.2))
        legend_back = QColor(background)
        legend_back.setAlpha(200)
        self.legend.setBrush(pg.mkBrush(legend_back))
        self.legend.setPen(pg.mkPen(foreground))
        self.legend.setLabelTextColor(foreground)
        for _sample, label in self.legend.items:
            label.setText(label.text, color=foreground)  # setLabelTextColor does not redraw


def percent(share: float) -> str:
    """An accuracy as a percentage: "100 %", "97.5 %"."""
    return f"{format_number(100.0 * share, 4)} %"


def _same(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))
