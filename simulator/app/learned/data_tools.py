"""The data's noise and a fresh draw, and fitting the network to the data.

- The noise slider makes the generated data set again with another noise (the same seed,
  so the same points move); "Regenerate" draws new samples (the next seed) at that noise.
  Both use :func:`simulator.engine.edits.regenerate_data` and need data made by a generator
  that takes a noise (not the reference sample, XOR's four corners or a CSV file).
- "Fit the network to the data" starts the network afresh for the data it has
  (:func:`simulator.engine.edits.fit_to_data`): the input and output layers get the data's
  widths, every neuron its own bias, new Xavier (He for relu) weights and zero biases,
  instead of the lesson's shared biases, which can keep hidden neurons alike for ever.

Every change is one undo step through ``LabModel.edit`` (a slider drag is one step).
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ...engine import datasets, edits
from ...engine.numbers import format_number
from ..model import LabModel
from ..widgets import HintLabel

#: The slider's noise range and step: the useful part of what a document may hold (up to
#: engine.limits.MAX_NOISE); a larger noise from a file shows at the slider's end, kept.
SLIDER_MAX_NOISE = 0.5
NOISE_STEP = 0.005

_drags = itertools.count(1)


def noise_of(source: dict[str, object]) -> float | None:
    """The noise a generated data set was made with (its kind's default when the source
    does not say), or None when it was not made by a generator that takes one."""
    kind = source.get("kind")
    if not isinstance(kind, str) or kind not in datasets.DEFAULT_NOISE:
        return None
    value = source.get("noise", datasets.DEFAULT_NOISE[kind])
    return float(value) if isinstance(value, (int, float)) else None


class DataTools(QWidget):
    """Noise slider, Regenerate, and "Fit the network to the data" (see the module)."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataTools")
        self.model = model
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round(SLIDER_MAX_NOISE / NOISE_STEP))
        self.slider.setPageStep(4)
        self.slider.setToolTip("The noise of the generated samples: drag, and the data is "
                               "made again with it")
        self.value = QLabel()
        self.value.setMinimumWidth(self.value.fontMetrics().horizontalAdvance("0.000 ") + 4)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setToolTip("Draw new samples of the same kind and noise")
        self.fit_button = QPushButton("Fit the network to the data")
        self.slider.setMinimumWidth(60)
        self.fit_button.setToolTip("Start the network afresh for this data: inputs and "
                                   "outputs to fit, a bias per neuron, new weights")
        self.hint = HintLabel()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Data noise"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.fit_button, 1)
        self.fit_button.setText("Fit the network")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self._drag = 0
        self.slider.sliderPressed.connect(self._on_pressed)
        self.slider.sliderReleased.connect(self._apply_noise)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.fit_button.clicked.connect(self.fit)
        model.structureChanged.connect(self.sync)
        self.sync()

    def noise(self) -> float:
        """The noise the slider stands at."""
        return round(self.slider.value() * NOISE_STEP, 6)

    def sync(self) -> None:
        """Show the data's noise; enable what applies to it."""
        noise = noise_of(self.model.document.data_source)
        self.slider.blockSignals(True)
        if noise is not None:
            self.slider.setValue(round(min(noise, SLIDER_MAX_NOISE) / NOISE_STEP))
        self.slider.blockSignals(False)
        generated = noise is not None
        for widget in (self.slider, self.regenerate_button):
            widget.setEnabled(generated)
        self.value.setText(format_number(self.noise(), 3) if generated else "")
        self.hint.setText("" if generated else "The noise and Regenerate need a generated "
                          "data set that takes a noise (circle, spiral, moons...).")
        self.hint.setVisible(not generated)

    def _on_pressed(self) -> None:
        self._drag = next(_drags)

    def _on_value_changed(self, _value: int) -> None:
        self.value.setText(format_number(self.noise(), 3))
        if not self.slider.isSliderDown():  # keys and clicks: apply at once
            self._apply_noise()

    def _apply_noise(self) -> None:
        noise = self.noise()
        if noise_of(self.model.document.data_source) == noise:
            return
        self.model.edit(f"Noise {format_number(noise, 3)}",
                        lambda d: edits.regenerate_data(d, noise=noise),
                        merge_key=("noise", self._drag) if self._drag else None)
        if not self.slider.isSliderDown():
            self._drag = 0  # the drag is over: the next change is a step of its own

    def regenerate(self) -> bool:
        """New samples of the same kind and noise (the next seed); one undo step."""
        source = self.model.document.data_source
        seed = source.get("seed", 0)
        next_seed = (int(seed) + 1) if isinstance(seed, int) else 1
        return self.model.edit("Regenerate the data",
                               lambda d: edits.regenerate_data(d, seed=next_seed))

    def fit(self) -> bool:
        """Start the network afresh for the data it has; one undo step."""
        doc = self.model.document
        return self.model.edit("Fit the network to the data",
                               lambda d: edits.fit_to_data(d, d.data, doc.data_source))


__all__ = ["DataTools", "noise_of"]
