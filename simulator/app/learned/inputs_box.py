"""The input-features chooser: which functions of the data's inputs the network takes.

As in TensorFlow Playground, the network's inputs can be chosen from x1, x2, x1^2, x2^2,
x1*x2, sin(x1) and sin(x2) of the data's (one or two) inputs (see
:mod:`simulator.engine.features`). Each tick is one undo step through ``LabModel.edit`` with
:func:`simulator.engine.edits.set_features`: the input layer gets a neuron per feature,
named after it, the weights of the features kept keep their values. Choosing exactly the
data's own inputs (x1 and x2) goes back to a network without features. Features that the
data cannot feed (x2 of one-input data) cannot be ticked.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QVBoxLayout, QWidget

from ...engine import edits
from ...engine.features import FEATURE_NAMES, FEATURES, MAX_RAW_INPUTS
from ..model import LabModel
from ..widgets import HintLabel, error_label, show_message

#: Check boxes per row.
COLUMNS = 4


class FeaturesBox(QGroupBox):
    """A check box per input feature (see the module)."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__("Input features", parent)
        self.setObjectName("featuresBox")
        self.model = model
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, name in enumerate(FEATURE_NAMES):
            check = QCheckBox(name)
            check.setToolTip(f"{name}: {FEATURES[name].description}")
            check.toggled.connect(lambda on, n=name: self._on_toggled(n, on))
            grid.addWidget(check, i // COLUMNS, i % COLUMNS)
            self.checks[name] = check
        self.hint = HintLabel("The network's inputs, made from the data's inputs x1 and x2.")
        self.message = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        model.structureChanged.connect(self.sync)
        self.sync()

    def chosen(self) -> list[str]:
        """The ticked features, in TensorFlow Playground's order."""
        return [n for n in FEATURE_NAMES if self.checks[n].isChecked()]

    def sync(self) -> None:
        """Tick the network's features (x1, x2... for a network without any)."""
        doc = self.model.document
        net, data = doc.network, doc.data
        width = data.n_inputs
        current = net.features or tuple(f"x{i + 1}" for i in range(net.input_size))
        usable = width <= MAX_RAW_INPUTS
        for name, check in self.checks.items():
            check.blockSignals(True)
            check.setChecked(name in current)
            check.setEnabled(usable and max(FEATURES[name].uses) < width)
            check.blockSignals(False)
        if not usable:
            self.hint.setText(f"Input features are made from one or two data inputs; this "
                              f"data has {width}.")
        else:
            self.hint.setText("The network's inputs, made from the data's inputs "
                              + ("x1 and x2." if width == 2 else "x1."))

    def _on_toggled(self, name: str, on: bool) -> None:
        chosen = self.chosen()
        if not chosen:
            self.checks[name].blockSignals(True)
            self.checks[name].setChecked(True)
            self.checks[name].blockSignals(False)
            show_message(self.message, "The network needs at least one input.")
            return
        show_message(self.message, "")
        doc = self.model.document
        plain = [f"x{i + 1}" for i in range(doc.data.n_inputs)]
        features = [] if chosen == plain else chosen
        current = list(doc.network.features) or plain
        if (features or plain) == current:
            return
        text = f"{'Add' if on else 'Remove'} the input feature {name}"
        if not self.model.edit(text, lambda d: edits.set_features(d, features)):
            self.sync()


__all__ = ["FeaturesBox"]
