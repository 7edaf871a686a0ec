"""The stage strip: Forward -> Error -> Backward -> Update, with the current stage lit.

Beside the stages: the current sub-step's title, "iteration N, epoch E, sub-step i/n" and
the loss. It only reads the model (``stepChanged``, ``structureChanged``,
``settingsChanged``, ``historyChanged``); the signals of one change (a training tick emits
several) give one update, through a :class:`~simulator.app.coalesce.Coalescer`, every tick
of a run (not throttled: the strip is always in view).

The title, the position and the loss change on every tick of a training run, so they are
:class:`~simulator.app.widgets.LiveLabel` s: a new text repaints them without a new layout
of the window (a QLabel's growing text made the main window move its docks mid-run).

When the strip is too narrow for everything on one line (beside the derivation on a
1024x768 screen), the title and the position move to a second line, so the title is never
cut ("Ba..."). The strip's text follows the interface zoom (:meth:`StageStrip.set_zoom`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..engine.numbers import format_number
from ..engine.stepper import STAGES
from . import theme
from .coalesce import Coalescer
from .model import LabModel
from .widgets import LiveLabel

STAGE_LABELS: dict[str, str] = {"forward": "Forward", "error": "Error",
                                "backward": "Backward", "update": "Update"}
#: The strip's text, relative to the application's font.
FONT_SCALE = 1.1


class StageStrip(QWidget):
    """Shows where the stepper is inside the current iteration."""

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._stage: str | None = None
        self._done: frozenset[str] = frozenset()
        self._two_rows = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 3, 8, 3)
        outer.setSpacing(2)
        self._row1 = QHBoxLayout()
        self._row1.setSpacing(4)
        self._row2 = QHBoxLayout()
        self._row2.setSpacing(4)
        outer.addLayout(self._row1)
        outer.addLayout(self._row2)
        self._chips: dict[str, QLabel] = {}
        for i, stage in enumerate(STAGES):
            if i:
                arrow = QLabel("\u2192")
                arrow.setObjectName("stageArrow")
                self._row1.addWidget(arrow)
            chip = QLabel(STAGE_LABELS[stage])
            chip.setObjectName(f"stage_{stage}")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._chips[stage] = chip
            self._row1.addWidget(chip)
        self._row1.addSpacing(16)
        bold = QFont()
        bold.setBold(True)  # only the weight: the size follows the strip's font
        self._title = LiveLabel()
        self._title.setObjectName("stageTitle")
        self._title.setFont(bold)
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # The position is never elided, and it keeps room for 5-digit iterations and
        # 4-digit epochs (see _update_reserve): were it to grow with the count, the main
        # window would move its docks each time a run's count gains a digit.
        self._info = LiveLabel(elide=False)
        self._info.setObjectName("stageInfo")
        self._loss = LiveLabel(alignment=Qt.AlignmentFlag.AlignRight
                               | Qt.AlignmentFlag.AlignVCenter, minimum_width=110)
        self._loss.setObjectName("stageLoss")
        self._loss.setFont(bold)
        self._place_texts(two_rows=False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._base_point_size = QApplication.font().pointSizeF()
        self.set_zoom(1.0)

        self._updater = Coalescer(self._on_step_changed, self)
        for signal in (model.stepChanged, model.structureChanged, model.settingsChanged,
                       model.historyChanged):
            signal.connect(self._updater.request)
        model.structureChanged.connect(self._update_reserve)
        model.trainingConfigChanged.connect(self._update_reserve)
        self._apply_styles()
        self._update_reserve()
        self._on_step_changed()

    def _place_texts(self, two_rows: bool) -> None:
        """The title and the position after the stages (one line) or on a line of their own
        under them (two lines); the loss ends the first line."""
        for widget in (self._title, self._info, self._loss):
            self._row1.removeWidget(widget)
            self._row2.removeWidget(widget)
        while self._row2.count():
            self._row2.takeAt(0)  # spacers
        if two_rows:
            self._row1.addStretch(1)
            self._row1.addWidget(self._loss)
            self._row2.addWidget(self._title, 1)
            self._row2.addWidget(self._info)
        else:
            # The title gives way (elided) before the stages and the position do.
            for k in range(self._row1.count() - 1, -1, -1):
                item = self._row1.itemAt(k)
                if item is not None and item.spacerItem() is not None \
                        and item.expandingDirections():
                    self._row1.takeAt(k)
            self._row1.addWidget(self._title, 1)
            self._row1.addWidget(self._info)
            self._row1.addSpacing(12)
            self._row1.addWidget(self._loss)
        self._two_rows = two_rows
        self._title.setVisible(True)
        self.updateGeometry()

    def _one_row_width(self) -> int:
        """The width everything needs on one line, the longest title of the network's
        sub-steps included."""
        metrics = QFontMetrics(self._title.font())
        titles = {s.title for s in self._model.stepper.substeps} | {"Ready: press Space"}
        title = max(metrics.horizontalAdvance(t) for t in titles)
        chips = sum(c.sizeHint().width() + 4 for c in self._chips.values()) + 3 * 24 + 16
        info = self._info.minimumSizeHint().width()
        margins = self.contentsMargins()
        return chips + title + 8 + info + 12 + self._loss.minimumSizeHint().width() + 16 \
            + margins.left() + margins.right()

    def set_zoom(self, factor: float) -> None:
        """Text at ``factor`` times its normal size (:class:`~simulator.app.zoom.Zoomable`)."""
        font = self.font()
        font.setPointSizeF(max(5.0, self._base_point_size * FONT_SCALE * factor))
        self.setFont(font)
        self._apply_styles()
        self._check_rows(self.width())

    def _check_rows(self, width: int) -> None:
        two = width < self._one_row_width()
        if two != self._two_rows:
            self._place_texts(two)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._check_rows(event.size().width())

    def is_two_rows(self) -> bool:
        """Whether the title and position are on a second line."""
        return self._two_rows

    def sizeHint(self) -> QSize:
        # As wide as it must be, not as its texts would like: a size hint that grew with
        # the title or the loss would make the main window move its docks mid-run. The
        # texts share what the window gives (on two lines when it is narrow).
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        row1 = sum(c.sizeHint().width() + 4 for c in self._chips.values()) + 3 * 24 + 16 \
            + self._loss.minimumSizeHint().width() + 40
        return QSize(min(hint.width(), row1), hint.height())

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
        self._check_rows(self.width())

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
