"""The stage strip: Forward -> Error -> Backward -> Update, with the current stage lit.

Beside the stages: the current sub-step's title, "iteration N, epoch E, sub-step i/n" and
the loss. It only reads the model (``stepChanged``, ``structureChanged``,
``settingsChanged``, ``historyChanged``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from ..engine.explain import format_number
from ..engine.stepper import STAGES
from . import theme
from .model import LabModel

STAGE_LABELS: dict[str, str] = {"forward": "Forward", "error": "Error",
                                "backward": "Backward", "update": "Update"}


class ElidedLabel(QLabel):
    """A one-line label that shrinks to nothing, eliding its text with "..." on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(20)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)
        painter.end()


class StageStrip(QWidget):
    """Shows where the stepper is inside the current iteration."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._stage: str | None = None
        self._done: frozenset[str] = frozenset()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)
        self._chips: dict[str, QLabel] = {}
        for i, stage in enumerate(STAGES):
            if i:
                arrow = QLabel("\u2192")
                arrow.setObjectName("stageArrow")
                layout.addWidget(arrow)
            chip = QLabel(STAGE_LABELS[stage])
            chip.setObjectName(f"stage_{stage}")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._chips[stage] = chip
            layout.addWidget(chip)
        layout.addSpacing(16)
        self._title = ElidedLabel()
        self._title.setObjectName("stageTitle")
        self._title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # The title gives way (elided) before the stages and the position do.
        layout.addWidget(self._title, 1)
        self._info = QLabel()
        self._info.setObjectName("stageInfo")
        layout.addWidget(self._info)
        layout.addSpacing(12)
        self._loss = QLabel()
        self._loss.setObjectName("stageLoss")
        self._loss.setMinimumWidth(110)
        self._loss.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self._loss)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)

        model.stepChanged.connect(self._on_step_changed)
        model.structureChanged.connect(self._on_step_changed)
        model.settingsChanged.connect(self._on_step_changed)
        model.historyChanged.connect(self._on_step_changed)
        self._apply_styles()
        self._on_step_changed()

    # --- reading (for tests and the status bar) ------------------------------------------------

    def current_stage(self) -> str | None:
        """The stage of the last sub-step taken ("forward", ...), None before the first."""
        return self._stage

    def info_text(self) -> str:
        """"Iteration N, epoch E, sub-step i/n" as shown (no epoch when an epoch is one
        batch)."""
        return self._info.text()

    def title_text(self) -> str:
        """The current sub-step's title as shown."""
        return self._title.text()

    def loss_text(self) -> str:
        """The loss as shown."""
        return self._loss.text()

    # --- updates -------------------------------------------------------------------------------

    def _on_step_changed(self) -> None:
        model = self._model
        stepper = model.stepper
        sub = stepper.current
        stage = sub.stage if sub is not None else None
        subs = stepper.substeps
        done = frozenset(s.stage for s in subs[: stepper.cursor]) if stepper.cursor > 0 \
            else frozenset()
        if stage != self._stage or done != self._done:
            self._stage = stage
            self._done = done
            self._apply_styles()
        title = sub.title if sub is not None else "Ready: press Space to step"
        self._title.setText(title)
        self._title.setToolTip(title)
        state = stepper.state
        # With one batch per epoch (gd) the epoch is the iteration: say it once.
        epoch = (f", epoch {state.epoch + 1}" if model.trainer.batches_per_epoch > 1 else "")
        self._info.setText(f"Iteration {state.iteration + 1}{epoch}, "
                           f"sub-step {stepper.cursor + 1}/{len(subs)}")
        self._info.setToolTip(self._info.text())
        self._loss.setText(self._loss_label())

    def _loss_label(self) -> str:
        model = self._model
        stepper = model.stepper
        digits = model.digits
        last_error = max((i for i, s in enumerate(stepper.substeps) if s.stage == "error"),
                         default=-1)
        if stepper.cursor >= last_error >= 0:
            return f"E = {format_number(model.backward.loss, digits)}"
        losses = stepper.losses
        if losses:
            return f"last E = {format_number(losses[-1], digits)}"
        return "E = ?"

    def _apply_styles(self) -> None:
        pal = self.palette()
        acc = theme.accent(pal)
        muted = theme.muted_text(pal)
        text = pal.color(pal.ColorRole.WindowText)
        for stage, chip in self._chips.items():
            if stage == self._stage:
                style = (f"background: {acc.name()}; color: white; font-weight: bold; "
                         "border-radius: 4px; padding: 3px 10px;")
            elif stage in self._done:
                style = (f"color: {text.name()}; border: 1px solid {muted.name()}; "
                         "border-radius: 4px; padding: 2px 9px;")
            else:
                style = (f"color: {muted.name()}; border: 1px dashed {muted.name()}; "
                         "border-radius: 4px; padding: 2px 9px;")
            chip.setStyleSheet(style)
            chip.setProperty("current", stage == self._stage)
        self._title.setStyleSheet("font-weight: bold;")
        self._loss.setStyleSheet("font-weight: bold;")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_styles()
        super().changeEvent(event)


__all__ = ["StageStrip", "STAGE_LABELS"]
