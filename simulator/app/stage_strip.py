"""The stage strip: Forward -> Error -> Backward -> Update, with the current stage lit.

Beside the stages: the current sub-step's title, "iteration N, epoch E, sub-step i/n" and
the loss. It only reads the model (``stepChanged``, ``structureChanged``,
``settingsChanged``, ``historyChanged``); the signals of one change (a training tick emits
several) give one update, through a :class:`~simulator.app.coalesce.Coalescer`, every tick
of a run (not throttled: the strip is always in view).

The title, the position and the loss change on every tick of a training run, so they are
:class:`~simulator.app.widgets.LiveLabel` s: a new text repaints them without a new layout
of the window (a QLabel's growing text made the main window move its docks mid-run).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from ..engine.numbers import format_number
from ..engine.stepper import STAGES
from . import theme
from .coalesce import Coalescer
from .model import LabModel
from .widgets import LiveLabel

STAGE_LABELS: dict[str, str] = {"forward": "Forward", "error": "Error",
                                "backward": "Backward", "update": "Update"}


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
        bold = QFont()
        bold.setBold(True)  # only the weight: the size follows the strip's font
        self._title = LiveLabel()
        self._title.setObjectName("stageTitle")
        self._title.setFont(bold)
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # The title gives way (elided) before the stages and the position do.
        layout.addWidget(self._title, 1)
        # The position is never elided, and it keeps room for 5-digit iterations and
        # 4-digit epochs (see _update_reserve): were it to grow with the count, the main
        # window would move its docks each time a run's count gains a digit.
        self._info = LiveLabel(elide=False)
        self._info.setObjectName("stageInfo")
        layout.addWidget(self._info)
        layout.addSpacing(12)
        self._loss = LiveLabel(alignment=Qt.AlignmentFlag.AlignRight
                               | Qt.AlignmentFlag.AlignVCenter, minimum_width=110)
        self._loss.setObjectName("stageLoss")
        self._loss.setFont(bold)
        layout.addWidget(self._loss)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)

        self._updater = Coalescer(self._on_step_changed, self)
        for signal in (model.stepChanged, model.structureChanged, model.settingsChanged,
                       model.historyChanged):
            signal.connect(self._updater.request)
        model.structureChanged.connect(self._update_reserve)
        model.trainingConfigChanged.connect(self._update_reserve)
        self._apply_styles()
        self._update_reserve()
        self._on_step_changed()

    def sizeHint(self) -> QSize:
        # As wide as it must be, not as its texts would like: a size hint that grew with
        # the title or the loss would make the main window move its docks mid-run. The
        # texts share what the window gives (the title is elided first).
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())

    # --- reading (for tests and the status bar) ------------------------------------------------

    def flush(self) -> None:
        """Show a pending change now (normally the event loop does it)."""
        self._updater.force()

    def current_stage(self) -> str | None:
        """The stage of the last sub-step taken ("forward", ...), None before the first."""
        self.flush()
        return self._stage

    def info_text(self) -> str:
        """"Iteration N, epoch E, sub-step i/n" as shown (no epoch when an epoch is one
        batch)."""
        self.flush()
        return self._info.text()

    def title_text(self) -> str:
        """The current sub-step's title as shown."""
        self.flush()
        return self._title.text()

    def loss_text(self) -> str:
        """The loss as shown."""
        self.flush()
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

    def _update_reserve(self) -> None:
        model = self._model
        n = len(model.stepper.substeps)
        epoch = ", epoch 8888" if model.trainer.batches_per_epoch > 1 else ""
        self._info.set_reserve(f"Iteration 88888{epoch}, sub-step {n}/{n}")

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

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_styles()
        super().changeEvent(event)


__all__ = ["STAGE_LABELS", "StageStrip"]
