"""Toolbar widgets: the optimizer, learning rate and batch size, and the run speed.

The training settings bar reads the model and applies a change with ``LabModel.edit`` (one
undo step; a refused edit is reported by the model), then shows whatever the model holds.
A typed learning rate is read by :func:`simulator.engine.numbers.parse_number`, as every
typed number is.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolBar,
    QWidget,
)

from ..engine import edits
from ..engine.limits import (
    MAX_BATCH_SIZE,
    MAX_LEARNING_RATE,
    MIN_BATCH_SIZE,
    MIN_LEARNING_RATE,
)
from ..engine.numbers import NumberError, format_bound, format_number, parse_number
from ..engine.optimizers import OPTIMIZER_DESCRIPTIONS, OPTIMIZER_LABELS, OPTIMIZER_NAMES
from .model import LabModel
from .speeds import SPEEDS, speed_label, speed_name
from .widgets import SETTING_DIGITS

LR_MIN = MIN_LEARNING_RATE
LR_MAX = MAX_LEARNING_RATE
# The learning-rate ladder the arrows step along: 1, 2, 5, 10, 20, 50, ...
_LADDER = (1.0, 2.0, 5.0)
#: What a learning rate may be typed with (anything else cannot become a number).
_NUMBER_CHARS = frozenset("0123456789.,eE+-")


def parse_learning_rate(text: str) -> float:
    """The learning rate typed in ``text`` (NumberError with the reason)."""
    return parse_number(text, "the learning rate", minimum=LR_MIN, maximum=LR_MAX)


class LearningRateSpinBox(QDoubleSpinBox):
    """A learning rate from 1e-8 to 1e6: typed freely (0.0001, 1e-4), shown without
    trailing zeros, and stepped along 1-2-5 by the arrows and the mouse wheel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(12)
        self.setRange(LR_MIN, LR_MAX)
        self.setKeyboardTracking(False)
        self.setAccelerated(False)
        self.setCorrectionMode(QDoubleSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setMinimumWidth(100)

    def textFromValue(self, value: float) -> str:
        return format_number(value, SETTING_DIGITS)

    def valueFromText(self, text: str) -> float:
        try:
            return parse_learning_rate(text)
        except NumberError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            parse_learning_rate(text)
        except NumberError:
            # Partial input such as "", "1e", "0." or "-" may still become a number.
            ok = all(c in _NUMBER_CHARS for c in text.strip())
            state = QValidator.State.Intermediate if ok else QValidator.State.Invalid
            return state, text, pos
        return QValidator.State.Acceptable, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _ladder_next(value, up=steps > 0)
        self.setValue(min(LR_MAX, max(LR_MIN, value)))
        self.selectAll()


def _ladder_next(value: float, up: bool) -> float:
    """The next value on the 1-2-5 ladder above (or below) ``value``."""
    exponent = math.floor(math.log10(value))
    candidates = sorted(m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1)
                        for m in _LADDER)
    if up:
        bigger = [c for c in candidates if c > value * (1 + 1e-9)]
        return bigger[0]
    smaller = [c for c in candidates if c < value * (1 - 1e-9)]
    return smaller[-1]


def labelled(text: str, field: QWidget) -> QWidget:
    """``field`` with its label before it, as one toolbar item: a toolbar too narrow for
    its items folds them into its extension menu whole, never a label without its field."""
    pair = QWidget()
    pair.setObjectName(f"{field.objectName() or 'field'}Pair")
    layout = QHBoxLayout(pair)
    layout.setContentsMargins(6, 0, 2, 0)
    layout.setSpacing(4)
    label = QLabel(text)
    label.setBuddy(field)
    layout.addWidget(label)
    layout.addWidget(field)
    return pair


class TrainingSettingsBar(QToolBar):
    """Optimizer, learning rate and batch size, kept in step with the model."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__("Training settings", parent)
        self.setObjectName("trainingSettingsToolBar")
        self._model = model

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        for key in OPTIMIZER_NAMES:
            self.optimizer_combo.addItem(OPTIMIZER_LABELS[key], key)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1,
                                             OPTIMIZER_DESCRIPTIONS[key],
                                             Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.setToolTip("How the parameters are updated from the gradient")
        self.optimizer_combo.activated.connect(self._on_optimizer)
        self.addWidget(labelled("Optimizer", self.optimizer_combo))

        self.lr_spin = LearningRateSpinBox()
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setToolTip("The step size lr in p <- p - lr * dE/dp "
                                f"({format_bound(LR_MIN)} to {format_bound(LR_MAX)})")
        self.lr_spin.valueChanged.connect(self._on_learning_rate)
        self.addWidget(labelled("Learning rate", self.lr_spin))

        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSpin")
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.valueChanged.connect(self._on_batch_size)
        self.addWidget(labelled("Batch", self.batch_spin))

        model.trainingConfigChanged.connect(self.sync)
        model.structureChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        """Show the model's training configuration."""
        config = self._model.config
        n = int(self._model.document.data.inputs.shape[0])
        widgets = (self.optimizer_combo, self.lr_spin, self.batch_spin)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(config.optimizer))
            self.lr_spin.setValue(config.learning_rate)
            self.batch_spin.setRange(MIN_BATCH_SIZE,
                                     min(MAX_BATCH_SIZE, max(1, n, config.batch_size)))
            self.batch_spin.setValue(config.batch_size)
            full = config.optimizer == "gd"
            self.batch_spin.setEnabled(not full and n > 1)
            self.batch_spin.setToolTip(
                "gd uses the whole data set as one batch" if full else
                f"Samples per batch (1 to {n}); an epoch is every sample once")
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _on_optimizer(self, index: int) -> None:
        key = str(self.optimizer_combo.itemData(index))
        if key != self._model.config.optimizer:
            self._model.edit(f"Optimizer: {OPTIMIZER_LABELS[key]}",
                             lambda d: edits.set_training(d, optimizer=key))
        self.sync()

    def _on_learning_rate(self, value: float) -> None:
        if value != self._model.config.learning_rate:
            self._model.edit(f"Learning rate {format_number(value, SETTING_DIGITS)}",
                             lambda d: edits.set_training(d, learning_rate=float(value)),
                             "learning_rate")
        self.sync()

    def _on_batch_size(self, value: int) -> None:
        if value != self._model.config.batch_size:
            self._model.edit(f"Batch size {value}",
                             lambda d: edits.set_training(d, batch_size=int(value)),
                             "batch_size")
        self.sync()


ICON_KINDS: tuple[str, ...] = ("step", "step_back", "iteration", "epoch", "run", "pause",
                               "reset")


def draw_icon(kind: str, color: QColor, size: int = 32) -> QIcon:
    """A flat toolbar icon in ``color`` (so it reads on light and dark toolbars):
    step > , step back < , iteration >| , epoch >> , run, pause and reset."""
    if kind not in ICON_KINDS:
        raise ValueError(f"unknown icon '{kind}'")
    ratio = 2.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    s = size / 32.0

    def triangle(x0: float, x1: float) -> None:
        path = QPainterPath()
        path.moveTo(x0 * s, 7 * s)
        path.lineTo(x1 * s, 16 * s)
        path.lineTo(x0 * s, 25 * s)
        path.closeSubpath()
        p.drawPath(path)

    if kind == "step":
        triangle(11, 23)
    elif kind == "step_back":
        triangle(21, 9)
    elif kind == "iteration":
        triangle(7, 19)
        p.drawRect(QRectF(21 * s, 7 * s, 4 * s, 18 * s))
    elif kind == "epoch":
        triangle(4, 16)
        triangle(16, 28)
    elif kind == "run":
        triangle(9, 25)
    elif kind == "pause":
        p.drawRect(QRectF(9 * s, 7 * s, 5 * s, 18 * s))
        p.drawRect(QRectF(18 * s, 7 * s, 5 * s, 18 * s))
    else:  # reset: an open circle with an arrow head
        pen = QPen(color, 3 * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(7 * s, 7 * s, 18 * s, 18 * s), 100 * 16, 290 * 16)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        head = QPainterPath()
        head.moveTo(17 * s, 2 * s)
        head.lineTo(17 * s, 12 * s)
        head.lineTo(11 * s, 7 * s)
        head.closeSubpath()
        p.drawPath(head)
    p.end()
    return QIcon(pixmap)


def make_speed_combo(parent: QWidget | None = None) -> QComboBox:
    """A combo box of the run speeds; item data is the speed name ("1" ... "fast")."""
    combo = QComboBox(parent)
    combo.setObjectName("speedCombo")
    for speed in SPEEDS:
        combo.addItem(speed_label(speed, short=True), speed_name(speed))
    combo.setToolTip("Run speed: iterations per second, or Fast (as fast as possible)")
    combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return combo


__all__ = [
    "ICON_KINDS",
    "LR_MAX",
    "LR_MIN",
    "LearningRateSpinBox",
    "TrainingSettingsBar",
    "draw_icon",
    "labelled",
    "make_speed_combo",
    "parse_learning_rate",
]
