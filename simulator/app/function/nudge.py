"""The nudge probe, a visible gradient check: nudge one variable (or one weight) by epsilon
up and down and compare (f(p + eps) - f(p - eps)) / (2 eps) with the analytic derivative.

The numbers are the engine's :class:`~simulator.engine.function.NudgeProbe` (one row per
epsilon, 1e-1 down to 1e-6); :class:`NudgeTable` lays them out, with the difference from
the analytic value shrinking as epsilon shrinks, until rounding takes over.

- :class:`FunctionNudgePanel` probes a variable of the function lab's expression at the
  current point (the analytic value: the computational graph's backward pass);
- :class:`NetworkNudgeDialog` probes a weight or bias of the network on the canvas over the
  batch of the current iteration, beside the very gradient the derivation panel shows
  (backpropagation's dE/dw); :func:`open_network_nudge` opens it (the canvas's context menu
  and the main window's menu do).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.function import EPSILONS, NudgeProbe, nudge_network
from ...engine.numbers import format_number
from ..model import LabModel
from ..widgets import HintLabel
from .model import FunctionLabModel

#: Significant digits of the estimates and the analytic value: enough to see the digits
#: agree further as epsilon shrinks.
ESTIMATE_DIGITS = 10
#: Significant digits of the difference.
ERROR_DIGITS = 2
COLUMNS = ("eps", "(f(p + eps) - f(p - eps)) / (2 eps)", "minus analytic", "f(p + eps)",
           "f(p - eps)")
#: The columns of the estimate and of its difference from the analytic value.
ESTIMATE_COLUMN, ERROR_COLUMN = 1, 2
EXPLAIN = ("Nudge {name} up and down by eps and measure how much {f} changes: the central "
           "difference approaches the analytic derivative as eps shrinks (the error falls "
           "about 100 times per step of 10), until the rounding of {f}'s digits takes over "
           "(about eps = 1e-5 and below).")


class NudgeTable(QTableWidget):
    """One row per epsilon: the estimate, its difference from the analytic derivative, and
    the nudged values it comes from (the closest estimate in bold)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.probe: NudgeProbe | None = None

    def show_probe(self, probe: NudgeProbe | None, label: str = "f") -> None:
        """Show ``probe`` (None: empty); ``label`` names the function ("f", "E")."""
        self.probe = probe
        self.setHorizontalHeaderLabels([c.replace("f(", f"{label}(") for c in COLUMNS])
        if probe is None:
            self.setRowCount(0)
            return
        self.setRowCount(len(probe.rows))
        best = probe.best
        for r, row in enumerate(probe.rows):
            cells = (format_number(row.epsilon, 1),
                     format_number(row.estimate, ESTIMATE_DIGITS),
                     format_number(row.error, ERROR_DIGITS),
                     format_number(row.value_plus, ESTIMATE_DIGITS),
                     format_number(row.value_minus, ESTIMATE_DIGITS))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                if row is best and c in (ESTIMATE_COLUMN, ERROR_COLUMN):
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.setItem(r, c, item)

    def cell_text(self, row: int, column: int) -> str:
        """The text of one cell ("" when empty)."""
        item = self.item(row, column)
        return item.text() if item is not None else ""


def summary(probe: NudgeProbe, digits: int) -> str:
    """One sentence: the analytic value and the closest estimate."""
    best = probe.best
    return (f"{probe.label} = {format_number(probe.analytic, ESTIMATE_DIGITS)} (analytic); "
            f"closest estimate at eps = {format_number(best.epsilon, 1)}: "
            f"{format_number(best.estimate, ESTIMATE_DIGITS)} (difference "
            f"{format_number(best.error, ERROR_DIGITS)}).")


class FunctionNudgePanel(QWidget):
    """The probe of one variable of the function lab's expression at the current point."""

    def __init__(self, model: FunctionLabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.variable_combo = QComboBox()
        self.variable_combo.setToolTip("The variable to nudge")
        self.intro = HintLabel()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = NudgeTable()
        top = QHBoxLayout()
        top.addWidget(QLabel("Nudge"))
        top.addWidget(self.variable_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.intro)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table, 1)
        self.variable_combo.activated.connect(lambda _i: self.refresh())
        self.probe: NudgeProbe | None = None

    @property
    def variable(self) -> str:
        """The variable nudged."""
        return self.variable_combo.currentText()

    def set_variable(self, name: str) -> None:
        """Nudge ``name`` (a variable of the expression)."""
        index = self.variable_combo.findText(name)
        if index >= 0:
            self.variable_combo.setCurrentIndex(index)
            self.refresh()

    def refresh(self) -> None:
        """Probe again at the model's current point."""
        names = list(self.model.variables)
        combo = self.variable_combo
        if [combo.itemText(i) for i in range(combo.count())] != names:
            keep = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(max(0, combo.findText(keep)))
            combo.blockSignals(False)
        name = self.variable
        if not name:
            self.probe = None
            self.intro.setText("The expression has no variable to nudge.")
            self.result_label.setText("")
            self.table.show_probe(None)
            return
        self.intro.setText(EXPLAIN.format(name=name, f="f"))
        self.probe = self.model.nudge(name)
        self.result_label.setText(f"At {self.model.describe()}: {summary(self.probe, 0)}")
        self.table.show_probe(self.probe)


class NetworkNudgeDialog(QDialog):
    """The probe of one weight or bias of the network, over the current iteration's batch,
    beside the gradient the derivation panel shows. It follows the model (an edit, a step,
    a new document) while it is open."""

    def __init__(self, model: LabModel, name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Nudge probe")
        self.setObjectName("nudgeProbeDialog")
        self.model = model
        self.parameter_combo = QComboBox()
        self.parameter_combo.setToolTip("The weight or bias to nudge")
        self.intro = HintLabel()
        self.panel_value = QLabel()
        self.panel_value.setWordWrap(True)
        self.panel_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = NudgeTable()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(QLabel("Nudge"))
        top.addWidget(self.parameter_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.intro)
        layout.addWidget(self.panel_value)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 420)
        self.probe: NudgeProbe | None = None
        self.panel_gradient: float | None = None
        self.parameter_combo.activated.connect(lambda _i: self.refresh())
        for signal in (model.structureChanged, model.valuesChanged, model.stepChanged,
                       model.settingsChanged):
            signal.connect(self.refresh)
        self._fill_names()
        if name is not None:
            self.set_parameter(name)
        else:
            self.refresh()

    @property
    def parameter(self) -> str:
        """The parameter nudged."""
        return self.parameter_combo.currentText()

    def set_parameter(self, name: str) -> None:
        """Nudge ``name`` (a weight or bias of the network)."""
        self._fill_names()
        index = self.parameter_combo.findText(name)
        if index >= 0:
            self.parameter_combo.setCurrentIndex(index)
        self.refresh()

    def _fill_names(self) -> None:
        names = list(self.model.document.network.names)
        combo = self.parameter_combo
        if [combo.itemText(i) for i in range(combo.count())] != names:
            keep = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(max(0, combo.findText(keep)))
            combo.blockSignals(False)

    def refresh(self) -> None:
        """Probe again: the batch and parameters of the model's current iteration."""
        self._fill_names()
        name = self.parameter
        if not name:
            return
        model = self.model
        bp = model.backward
        n = bp.n_samples
        batch = "the sample" if n == 1 else f"the batch of {n} samples (mean loss)"
        self.intro.setText(EXPLAIN.format(name=name, f="E") + f" Over {batch} of the "
                           "current iteration, the other parameters as they are there.")
        self.probe = nudge_network(bp.network, bp.inputs, bp.targets, bp.loss_name, name)
        explanation = model.parameter_explanation(name)
        self.panel_gradient = explanation.value
        shown = "?" if explanation.value is None or not math.isfinite(explanation.value) \
            else format_number(explanation.value, ESTIMATE_DIGITS)
        self.panel_value.setText(f"The derivation panel (backpropagation): dE/d{name} = "
                                 f"{shown}.")
        self.result_label.setText(f"At {name} = {format_number(self.probe.at, model.digits)}: "
                            f"{summary(self.probe, model.digits)}")
        self.table.show_probe(self.probe, "E")


def open_network_nudge(parent: QWidget, model: LabModel, name: str | None = None
                       ) -> NetworkNudgeDialog:
    """Open (non-modal) the nudge probe of parameter ``name`` of ``model``'s network; the
    dialog is deleted when closed."""
    dialog = NetworkNudgeDialog(model, name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


__all__ = ["COLUMNS", "EPSILONS", "ERROR_COLUMN", "ESTIMATE_COLUMN", "FunctionNudgePanel",
           "NetworkNudgeDialog", "NudgeTable", "open_network_nudge", "summary"]
