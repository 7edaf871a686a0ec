"""The early-stopping options, under the loss plot: "when do we stop? before over-fitting".

A run can stop once the test loss has not improved for a number of iterations (the
patience), and go back to the parameters of the iteration with the lowest test loss (the
model's ``restore_best``, on); "Go to best" goes there at any time. The bar is one short row,
so that the loss plot's dock stays narrow enough for a 1024-pixel-wide screen. The
settings are the model's (:meth:`~simulator.app.model.LabModel.set_early_stopping`), for
every run of the session; they need a test split, so the bar only shows when the data has
one.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QSpinBox, QWidget

from ...engine.limits import MAX_PATIENCE
from ...engine.validation import EarlyStoppingError
from ..coalesce import Coalescer
from ..model import LabModel

#: The patience a new session offers (iterations without a better test loss).
DEFAULT_PATIENCE = 200


class EarlyStoppingBar(QWidget):
    """Stop early (with its patience), go back to the best, and "Go to best"."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("earlyStoppingBar")
        self.model = model
        self.stop_check = QCheckBox("Stop early after")
        self.stop_check.setToolTip("Early stopping: a run stops once the test loss has not "
                                   "fallen below its lowest value for this many iterations "
                                   "(before the network over-fits the training data), and "
                                   "goes back to the parameters of the best iteration")
        self.patience = QSpinBox()
        self.patience.setRange(1, MAX_PATIENCE)
        self.patience.setValue(DEFAULT_PATIENCE)
        self.patience.setSingleStep(50)
        self.patience.setSuffix(" it")
        self.patience.setToolTip("Iterations without a lower test loss before a run stops")
        self.best_button = QPushButton("Go to best")
        self.best_button.setToolTip("Go back to the iteration with the lowest test loss so "
                                     "far, exactly as it was")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.stop_check)
        row.addWidget(self.patience)
        row.addStretch(1)
        row.addWidget(self.best_button)

        self.stop_check.toggled.connect(self._apply)
        self.patience.valueChanged.connect(self._apply)
        self.best_button.clicked.connect(self.go_to_best)
        self._updater = Coalescer(self._update_button, self, is_visible=self.isVisible)
        model.structureChanged.connect(self._on_structure_changed)
        model.historyChanged.connect(self._updater.request)
        model.valuesChanged.connect(self._updater.request)
        model.earlyStoppingChanged.connect(self._sync)
        self._on_structure_changed()
        self._sync()

    def flush(self) -> None:
        """Bring the "Go to best" button up to date now."""
        self._updater.force()

    def _apply(self) -> None:
        patience = self.patience.value() if self.stop_check.isChecked() else None
        try:
            self.model.set_early_stopping(patience, self.model.restore_best)
        except EarlyStoppingError:  # the spin box's range keeps the patience valid
            return

    def _sync(self) -> None:
        """Show the model's settings (they may be changed elsewhere)."""
        rule = self.model.early_stopping
        for widget in (self.stop_check, self.patience):
            widget.blockSignals(True)
        self.stop_check.setChecked(rule is not None)
        if rule is not None:
            self.patience.setValue(rule.patience)
        for widget in (self.stop_check, self.patience):
            widget.blockSignals(False)

    def _on_structure_changed(self) -> None:
        self.setVisible(self.model.document.data.has_test)
        self._update_button()

    def _update_button(self) -> None:
        best = self.model.best_iteration()
        now = self.model.stepper.completed_iterations
        there = best is not None and best.iteration != now
        self.best_button.setEnabled(there)
        # (The text keeps its width: the iteration is in the tooltip and the plot's label.)
        self.best_button.setToolTip(
            f"Go back to iteration {best.iteration}, the lowest test loss so far, exactly "
            f"as it was" if there and best else "Go back to the iteration with the lowest "
            "test loss so far (the one you are at, or none yet)")

    def go_to_best(self) -> bool:
        """Go back to the iteration of the lowest test loss."""
        return self.model.go_to_best()


__all__ = ["DEFAULT_PATIENCE", "EarlyStoppingBar"]
