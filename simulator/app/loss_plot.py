"""The loss plot: the batch loss of every completed iteration, and the test loss.

The train curve is ``LabModel.losses`` (the loss of the batch each completed iteration was
computed on). When the data has a held-out test split, the test loss at the current
parameters is sampled on every history change and kept as (iteration, value) points per
stepper, so stepping back drops the points beyond the current iteration and undo brings a
stepper's points back.

Following pyqtgraph's advice, the curves are created once and updated with ``setData``
from a preallocated array that grows by doubling; a redraw appends when the history only
grew, and re-sets everything when it shrank or was replaced. Downsampling ("peak") and
clipping to the view keep long runs fast. Non-finite losses are allowed (no
``skipFiniteCheck``): pyqtgraph leaves gaps for them.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..engine.explain import format_number
from ..engine.stepper import Stepper
from .model import LabModel
from .widgets import OKABE_ITO, is_dark, plain_axis

#: Curve colours (Okabe-Ito) per theme: (train, test).
LIGHT_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
DARK_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["orange"])
#: Below this many points the curves also draw a marker on each point.
SYMBOL_LIMIT = 60
INITIAL_CAPACITY = 1024


class LossPlot(QWidget):
    """Train (batch) loss per completed iteration, and the test loss if there is a split."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._dark = is_dark(self)

        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumSize(200, 120)
        plot = self.plot_widget.getPlotItem()
        self.plot = plot
        plot.setLabel("bottom", "iteration")
        plot.setLabel("left", "loss")
        plot.showGrid(x=True, y=True, alpha=0.2)
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

        self.log_check = QCheckBox("log scale")
        self.log_check.setToolTip("Show the loss on a logarithmic axis (values <= 0 are "
                                  "left out)")
        self.log_check.toggled.connect(self.set_log_scale)
        self.latest = QLabel()
        self.latest.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.latest.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.latest, 1)
        top.addWidget(self.log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)

        self._x = np.empty(INITIAL_CAPACITY)
        self._y = np.empty(INITIAL_CAPACITY)
        self._n = 0
        self._symbols = False
        self._source: tuple[Stepper | None, list[float] | None] = (None, None)
        # Test-loss points per stepper (undo swaps steppers; their points come back).
        self._test_points: weakref.WeakKeyDictionary[Stepper, dict[int, float]] = \
            weakref.WeakKeyDictionary()
        self._test_x = np.empty(0)
        self._test_y = np.empty(0)

        self._apply_colours()
        model.historyChanged.connect(self._on_history_changed)
        model.settingsChanged.connect(self._update_label)
        model.diverged.connect(self._on_diverged)
        self.redraw()

    # --- reading (for tests and the main window) ----------------------------------------------

    def train_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The train curve's points (iterations 1..n, batch losses)."""
        return self._x[: self._n].copy(), self._y[: self._n].copy()

    def test_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The test curve's points (iterations, test losses); empty without a test split."""
        return self._test_x.copy(), self._test_y.copy()

    # --- model signals ---------------------------------------------------------------------

    def _on_history_changed(self) -> None:
        self.redraw()

    def _on_diverged(self, _message: str) -> None:
        self._update_label()

    # --- drawing ---------------------------------------------------------------------------

    def redraw(self) -> None:
        """Bring both curves and the label up to date with the model."""
        self._update_train()
        self._update_test()
        self._update_label()

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
        if n > start:
            self._y[start:n] = losses[start:n]
            self._x[start:n] = np.arange(start + 1, n + 1)
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
            return
        stepper = self.model.stepper
        points = self._test_points.setdefault(stepper, {})
        now = stepper.completed_iterations
        for iteration in [i for i in points if i > now]:
            del points[iteration]
        value = self.model.test_loss()
        if value is not None:
            points[now] = float(value)
        order = sorted(points)
        self._test_x = np.array(order, dtype=float)
        self._test_y = np.array([points[i] for i in order], dtype=float)
        few = len(order) <= SYMBOL_LIMIT
        self.test_curve.setData(self._test_x, self._test_y, symbol="o" if few else None,
                                symbolSize=6, symbolPen=None,
                                symbolBrush=self._colours()[1])
        self.test_curve.show()
        if not self._test_in_legend:
            self.legend.addItem(self.test_curve, "test loss")
            self._test_in_legend = True

    def _update_label(self) -> None:
        digits = self.model.digits
        parts = []
        if self._n:
            parts.append(f"iteration {self._n}: train loss "
                         f"{format_number(self._y[self._n - 1], digits)}")
        else:
            parts.append("No completed iteration yet: finish one to see its loss")
        if self._test_y.size:
            parts.append(f"test loss {format_number(self._test_y[-1], digits)} "
                         f"(after {int(self._test_x[-1])})")
        text = ";  ".join(parts)
        if self.model.divergence_message:
            text += f"\nTraining stopped: {self.model.divergence_message}"
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
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            plain_axis(axis)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        self.plot.setLabel("bottom", "iteration", color=foreground.name())
        self.plot.setLabel("left", "loss", color=foreground.name())
        train, test = self._colours()
        self.train_curve.setPen(pg.mkPen(train, width=2))
        if self._symbols:
            self.train_curve.setSymbolBrush(train)
        self.test_curve.setPen(pg.mkPen(test, width=2, style=Qt.PenStyle.DashLine))
        self.test_curve.setSymbolBrush(test)
        legend_back = QColor(background)
        legend_back.setAlpha(200)
        self.legend.setBrush(pg.mkBrush(legend_back))
        self.legend.setPen(pg.mkPen(foreground))
        self.legend.setLabelTextColor(foreground)
        for _sample, label in self.legend.items:
            label.setText(label.text, color=foreground)  # setLabelTextColor does not redraw


def _same(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN."""
    return a == b or (math.isnan(a) and math.isnan(b))
