"""The Training health panel: each warning in words with what to try, and the per-layer
gradient sizes behind the vanishing- and exploding-gradient warnings.

The warnings are the model's (:meth:`~simulator.app.model.LabModel.health`, see
:mod:`simulator.engine.health` for what each check looks at); every one has a "Show on the
canvas" button that selects its culprit (the canvas also rings it, see
:mod:`.health_overlay`). The gradient sizes (the root mean square of dE/dnet per layer) are
drawn as bars on a logarithmic scale, first layer to output layer, with their numbers: a
bar several orders of magnitude below the output layer's is what "vanishing" means.

The panel redraws through a :class:`~simulator.app.coalesce.Coalescer`, a few times a second
while a run is going; the warning cards are made again only when the warnings change.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...engine.health import HealthReport, HealthWarning
from ...engine.numbers import format_number
from ..coalesce import Coalescer
from ..model import LabModel
from ..widgets import ERROR_COLOR, OKABE_ITO, HintLabel, LiveLabel, is_dark, plain_axis
from .health_overlay import KIND_WORDS, RUN_INTERVAL_MS, warning_neurons

#: How each kind of warning is titled in the panel.
KIND_TITLES: dict[str, str] = {
    "diverged": "Training diverged", "oscillating": "The learning rate is too large",
    "plateau": "Stuck on a plateau", "saturated": "Saturated neuron",
    "dead_relu": "Dead ReLU", "vanishing_gradient": "Vanishing gradients",
    "exploding_gradient": "Exploding gradients"}


class WarningCard(QFrame):
    """One warning: its title, its message in words, and a button to show its culprit."""

    def __init__(self, warning: HealthWarning, culprits: tuple[str, ...],
                 model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.warning = warning
        self.setObjectName("warningCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"QFrame#warningCard {{ border: 1px solid {ERROR_COLOR}; "
                           f"border-radius: 5px; }}")
        title = QLabel(f"\u26a0 {KIND_TITLES.get(warning.kind, warning.kind)}: "
                       f"{warning.where}")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        title.setStyleSheet(f"color: {ERROR_COLOR};")
        self.title = title
        message = QLabel(warning.message)
        message.setWordWrap(True)
        message.setTextFormat(Qt.TextFormat.PlainText)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = message
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(title)
        layout.addWidget(message)
        self.show_button: QPushButton | None = None
        if culprits:
            button = QPushButton(f"Show {culprits[0]} on the canvas")
            button.setToolTip("Select it: the canvas, the inspector and the derivation "
                              "show it")
            button.clicked.connect(lambda _c=False, n=culprits[0]: model.select(n))
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            layout.addLayout(row)
            self.show_button = button


class HealthView(QWidget):
    """The training-health warnings and the per-layer gradient sizes (see the module)."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthView")
        self.model = model
        self._dark = is_dark(self)
        self._shown: tuple[tuple[str, str, str], ...] | None = None
        self.report: HealthReport | None = None
        self.cards: list[WarningCard] = []

        self.summary = LiveLabel(reserve="No warnings at iteration 1,000,000,000: nothing "
                                 "looks wrong.")
        self.summary.setObjectName("healthSummary")
        self.cards_box = QWidget()
        self.cards_layout = QVBoxLayout(self.cards_box)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.cards_box)
        self.scroll_area = scroll

        self.sizes_title = QLabel("Gradient size per layer (root mean square of dE/dnet)")
        self.sizes_title.setWordWrap(True)
        self.sizes_plot = pg.PlotWidget()
        self.sizes_plot.setMinimumHeight(110)
        self.sizes_plot.setMaximumHeight(170)
        self.sizes_plot.setMenuEnabled(False)
        self.sizes_plot.hideButtons()
        self.sizes_plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, y0=0)
        self.sizes_plot.addItem(self.bars)
        self.sizes_text = HintLabel()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.sizes_title)
        layout.addWidget(self.sizes_plot)
        layout.addWidget(self.sizes_text)

        self._redrawer = Coalescer(self._draw, self, interval_ms=RUN_INTERVAL_MS,
                                   is_visible=self.isVisible)
        for signal in (model.structureChanged, model.valuesChanged, model.historyChanged,
                       model.settingsChanged):
            signal.connect(self._redrawer.request)
        model.diverged.connect(lambda _m: self._redrawer.request())
        self._apply_colours()
        self._draw()

    def flush(self) -> None:
        """Draw a pending change now, visible or not."""
        self._redrawer.force()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._redrawer.flush()

    def set_throttled(self, throttled: bool) -> None:
        """A few redraws a second while a run is going."""
        self._redrawer.set_throttled(throttled)

    def set_dark(self, dark: bool) -> None:
        """Colours for a dark (True) or light background."""
        self._dark = bool(dark)
        self._apply_colours()

    def _apply_colours(self) -> None:
        background = QColor("#1c1e21") if self._dark else QColor("#ffffff")
        foreground = QColor("#e6e8eb") if self._dark else QColor("#202124")
        self.sizes_plot.setBackground(background)
        for name in ("left", "bottom"):
            axis = self.sizes_plot.getPlotItem().getAxis(name)
            plain_axis(axis)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        colour = OKABE_ITO["sky_blue"] if self._dark else OKABE_ITO["blue"]
        self.bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(foreground, width=0.8))

    def _draw(self) -> None:
        model = self.model
        report = model.health()
        self.report = report
        n = len(report.warnings)
        if n:
            self.summary.setText(f"{n} warning{'s' if n != 1 else ''} at iteration "
                                 f"{report.iteration:,}:")
        else:
            self.summary.setText(f"No warnings at iteration {report.iteration:,}: nothing "
                                 f"looks wrong.")
        key = tuple((w.kind, w.where, w.message) for w in report.warnings)
        if key != self._shown:
            self._shown = key
            self._rebuild_cards(report)
        self._draw_sizes(report)

    def _rebuild_cards(self, report: HealthReport) -> None:
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        names = {n for layer in self.model.document.network.neurons[1:] for n in layer}
        for i, warning in enumerate(report.warnings):
            card = WarningCard(warning, warning_neurons(warning, names), self.model)
            self.cards_layout.insertWidget(i, card)
            self.cards.append(card)

    def _draw_sizes(self, report: HealthReport) -> None:
        sizes = report.gradient_sizes
        values = np.array([s.size for s in sizes], dtype=np.float64)
        ok = np.isfinite(values) & (values > 0)
        logs = np.where(ok, np.log10(np.where(ok, values, 1.0)), np.nan)
        axis_left = self.sizes_plot.getPlotItem().getAxis("left")
        axis_bottom = self.sizes_plot.getPlotItem().getAxis("bottom")
        if not ok.any():
            self.bars.setOpts(x=[], height=[], y0=0)
            self.sizes_text.setText("No gradient to show (it is 0 or not a number).")
            return
        low = math.floor(float(np.nanmin(logs))) - 1
        high = max(math.ceil(float(np.nanmax(logs))), low + 2)
        xs = np.arange(len(sizes), dtype=float)
        heights = np.where(ok, logs - low, 0.0)
        self.bars.setOpts(x=xs, height=heights, y0=np.full(len(sizes), float(low)))
        step = max(1, (high - low) // 4)
        axis_left.setTicks([[(float(k), f"1e{k}") for k in range(low, high + 1, step)]])
        axis_bottom.setTicks([[(float(i), _short(s.name)) for i, s in enumerate(sizes)]])
        plot = self.sizes_plot.getPlotItem()
        plot.setXRange(-0.6, len(sizes) - 0.4, padding=0)
        plot.setYRange(low, high, padding=0.02)
        digits = max(2, min(self.model.digits, 4))
        self.sizes_text.setText(", ".join(f"{s.name} {format_number(s.size, digits)}"
                                          for s in sizes))


def _short(name: str) -> str:
    """"hidden layer 2" as "hidden 2", "output layer" as "output" (axis ticks)."""
    return name.replace(" layer", "")


__all__ = ["KIND_TITLES", "KIND_WORDS", "HealthView", "WarningCard"]
