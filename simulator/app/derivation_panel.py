"""The derivation panel: what the current sub-step computed, written as the lesson does.

It renders :class:`simulator.engine.explain.Explanation` objects (title and lines) that the
model makes; it never computes maths itself. When a parameter is selected it shows that
parameter's derivation and update instead, until the selection is cleared ("Follow steps").
A selected hidden or output neuron shows its weighted sum and activation.

Rendering is coalesced: every model signal only marks the panel dirty, and one render runs
from the event loop (at most a few times a second while the runner is running, and not at
all while the panel is hidden). :meth:`plain_text` renders pending changes first, so it
always returns what the model says now.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..engine import explain
from ..engine.explain import Explanation
from . import theme
from .model import LabModel
from .selection import NeuronSel, ParameterSel, Selection

#: Milliseconds between renders while the runner is running.
THROTTLE_MS = 250
#: Lines rendered while running (the rest follow when the run pauses).
RUNNING_LINES = 30
#: Point size of the derivation text (large enough for a projector).
TEXT_POINT_SIZE = 12.0

INTRO = Explanation(
    "Ready to step",
    ("Press Space (Step) to compute the first value of the forward pass.",
     "Shift+Space steps back, Return finishes the iteration, R runs.",
     "Click any weight or bias on the canvas to see its derivation at any time."),
)


def _is_number(text: str) -> bool:
    if text in ("NaN", "inf", "-inf"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


class DerivationPanel(QWidget):
    """Shows the current sub-step's explanation, or the selected parameter's derivation."""

    #: The user asked to follow the steps again (the selection is cleared).
    followRequested = Signal()

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._dirty = True
        self._throttled = False
        self._showing = ""  # "" (following the steps) or the selected element
        self._html = ""
        self._text = ""

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._render_if_dirty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)

        header = QHBoxLayout()
        header.setSpacing(6)
        self._heading = QLabel("Current step")
        self._heading.setObjectName("derivationHeading")
        font = self._heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self._heading.setFont(font)
        header.addWidget(self._heading)
        self.follow_button = QToolButton()
        self.follow_button.setText("Follow steps")
        self.follow_button.setToolTip("Clear the selection and show the current sub-step "
                                      "again (Esc)")
        self.follow_button.clicked.connect(self._on_follow_clicked)
        self.follow_button.hide()
        header.addWidget(self.follow_button)
        header.addStretch(1)
        self._sample_label = QLabel("Sample")
        header.addWidget(self._sample_label)
        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName("sampleSpin")
        self.sample_spin.setToolTip("Which sample of the batch the derivation shows")
        self.sample_spin.setRange(1, 1)
        self.sample_spin.valueChanged.connect(self._on_sample_edited)
        header.addWidget(self.sample_spin)
        self._sample_of = QLabel("of 1")
        header.addWidget(self._sample_of)
        header.addSpacing(8)
        digits_label = QLabel("Digits")
        header.addWidget(digits_label)
        self.digits_spin = QSpinBox()
        self.digits_spin.setObjectName("digitsSpin")
        self.digits_spin.setRange(1, 15)
        self.digits_spin.setValue(model.digits)
        self.digits_spin.setToolTip("Significant digits of the numbers")
        self.digits_spin.valueChanged.connect(self._on_digits_edited)
        digits_label.setBuddy(self.digits_spin)
        header.addWidget(self.digits_spin)
        layout.addLayout(header)

        self.banner = QLabel()
        self.banner.setObjectName("divergenceBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.browser = QTextBrowser()
        self.browser.setObjectName("derivationText")
        self.browser.setOpenLinks(False)
        self.browser.setFont(theme.monospace_font(TEXT_POINT_SIZE))
        self.browser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.browser, 1)

        self._apply_banner_style()

        model.stepChanged.connect(self._on_step_changed)
        model.valuesChanged.connect(self._invalidate)
        model.structureChanged.connect(self._on_structure_changed)
        model.trainingConfigChanged.connect(self._invalidate)
        model.settingsChanged.connect(self._on_settings_changed)
        model.selectionChanged.connect(self._on_selection_changed)
        model.diverged.connect(self._on_diverged)
        self._on_structure_changed()

    # --- reading (for tests and other views) ---------------------------------------------------

    def plain_text(self) -> str:
        """What the panel shows, as plain text (pending changes rendered first)."""
        self._render_if_dirty(force=True)
        return self._text

    def showing(self) -> str:
        """"" while following the steps, else the selected element shown."""
        self._render_if_dirty(force=True)
        return self._showing

    def divergence_text(self) -> str:
        """The divergence message shown in the banner ("" when there is none)."""
        return self.banner.text() if not self.banner.isHidden() else ""

    # --- control -------------------------------------------------------------------------------

    def is_throttled(self) -> bool:
        """Whether updates are spaced out (the main window says so while running)."""
        return self._throttled

    def set_throttled(self, throttled: bool) -> None:
        """Render at most every :data:`THROTTLE_MS` ms (while running), or at once."""
        self._throttled = throttled
        if not throttled:
            self._dirty = True  # a capped render while running: show everything now
            self._schedule()

    # --- model signals -------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._dirty = True
        self._schedule()

    def _schedule(self) -> None:
        if self._throttled:
            if not self._timer.isActive():
                self._timer.start(THROTTLE_MS)
        elif not self._timer.isActive() or self._timer.remainingTime() > 0:
            self._timer.start(0)

    def _on_step_changed(self) -> None:
        self._sync_banner()
        self._invalidate()

    def _on_structure_changed(self) -> None:
        self._sync_sample()
        self._sync_banner()
        self._invalidate()

    def _on_settings_changed(self) -> None:
        if self.digits_spin.value() != self._model.digits:
            self.digits_spin.blockSignals(True)
            self.digits_spin.setValue(self._model.digits)
            self.digits_spin.blockSignals(False)
        self._sync_sample()
        self._invalidate()

    def _on_selection_changed(self, _selection: Selection | None) -> None:
        self._invalidate()

    def _on_diverged(self, message: str) -> None:
        self.banner.setText(f"\u26a0 {message}")
        self.banner.show()
        self._invalidate()

    def _on_follow_clicked(self) -> None:
        self.followRequested.emit()
        self._model.select(None)

    def _on_digits_edited(self, value: int) -> None:
        self._model.set_digits(value)

    def _on_sample_edited(self, value: int) -> None:
        self._model.set_sample(value - 1)

    def _sync_sample(self) -> None:
        n = self._model.backward.n_samples
        self.sample_spin.blockSignals(True)
        self.sample_spin.setRange(1, max(1, n))
        self.sample_spin.setValue(min(self._model.sample, n - 1) + 1)
        self.sample_spin.blockSignals(False)
        self._sample_of.setText(f"of {n}")
        for w in (self._sample_label, self.sample_spin, self._sample_of):
            w.setVisible(n > 1)

    def _sync_banner(self) -> None:
        if not self._model.divergence_message:
            self.banner.hide()

    # --- rendering -----------------------------------------------------------------------------

    def _render_if_dirty(self, force: bool = False) -> None:
        if not self._dirty:
            return
        if not force and self.window() is not self and not self.isVisibleTo(self.window()):
            return  # in a closed dock or a hidden tab: render when shown
        self._dirty = False
        self._timer.stop()
        self._sync_sample()
        self._sync_banner()
        explanation, showing, heading = self._content()
        self._showing = showing
        self._heading.setText(heading)
        self.follow_button.setVisible(bool(showing))
        self._text = explanation.text()
        if self._throttled and len(explanation.lines) > RUNNING_LINES:
            # Keep renders cheap while running: a big network's update has a line per
            # parameter, and nobody reads them at 60 iterations a second.
            more = len(explanation.lines) - RUNNING_LINES
            explanation = Explanation(explanation.title, explanation.lines[:RUNNING_LINES] + (
                f"... {more} more lines: pause to see them all",), explanation.value)
        html_text = self._to_html(explanation, showing)
        if html_text != self._html:
            self._html = html_text
            bar = self.browser.verticalScrollBar()
            keep = bar.value() if showing else 0
            self.browser.setHtml(html_text)
            bar.setValue(keep)

    def _content(self) -> tuple[Explanation, str, str]:
        model = self._model
        selection = model.selection
        net = model.document.network
        if isinstance(selection, ParameterSel):
            return (model.parameter_explanation(selection.name), selection.name,
                    f"Parameter {selection.name}")
        if isinstance(selection, NeuronSel):
            name = selection.label(net)
            neuron = self._neuron_explanation(name)
            if neuron is not None:
                return neuron, name, f"Neuron {name}"
        explanation = model.explanation()
        if explanation is None:
            return INTRO, "", "Current step"
        return explanation, "", "Current step"

    def _neuron_explanation(self, name: str) -> Explanation | None:
        model = self._model
        net = model.document.network
        for layer, names in enumerate(net.neurons):
            if layer == 0 or name not in names:
                continue
            j = names.index(name)
            bp = model.backward
            sample = min(model.sample, bp.n_samples - 1)
            lines = explain.forward_lines(bp, layer, j, sample, model.digits)
            if layer == len(net.sizes) - 1:
                lines += explain.error_lines(bp, j, sample, model.digits)
            value = explain.format_number(bp.forward.outs[layer][sample, j], model.digits)
            return Explanation(f"out{name} = {value}", tuple(lines))
        return None

    def _to_html(self, explanation: Explanation, showing: str) -> str:
        pal = self.palette()
        text_color = pal.color(pal.ColorRole.Text).name()
        muted = theme.muted_text(pal).name()
        result = theme.accent(pal).name()
        if theme.is_dark(pal):
            result = theme.accent(pal).lighter(135).name()
        sans = html.escape(self.font().family())
        parts = [f"<div style='color:{text_color};'>"]
        if showing:
            parts.append(f"<p style='font-family:\"{sans}\"; color:{muted};'>"
                         f"Derivation of {html.escape(showing)} in the current iteration. "
                         "Press Esc or <i>Follow steps</i> to go back to the steps.</p>")
        parts.append(f"<p style='font-family:\"{sans}\"; font-size:large; font-weight:bold;'>"
                     f"{html.escape(explanation.title)}</p>")
        if explanation is INTRO:
            for line in explanation.lines:
                parts.append(f"<p style='font-family:\"{sans}\";'>{html.escape(line)}</p>")
        else:
            for line in explanation.lines:
                parts.append(self._line_html(line, muted, result))
        parts.append("</div>")
        return "".join(parts)

    @staticmethod
    def _line_html(line: str, muted: str, result: str) -> str:
        indent = line.startswith("  ")
        text = line.strip()
        head, sep, last = text.rpartition(" = ")
        if sep and _is_number(last):
            body = (f"{html.escape(head)} = "
                    f"<span style='color:{result}; font-weight:bold;'>{html.escape(last)}</span>")
        else:
            body = html.escape(text)
        # A wrapped line continues indented under its own start (hanging indent).
        left = 48 if indent else 24
        style = (f"white-space:pre-wrap; margin-top:2px; margin-bottom:2px; "
                 f"margin-left:{left}px; text-indent:-24px;")
        if indent:
            style += f" color:{muted};"
        return f"<p style='{style}'>{body}</p>"

    # --- events --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._schedule()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_banner_style()
            self._html = ""
            self._dirty = True
            self._schedule()
        super().changeEvent(event)

    def _apply_banner_style(self) -> None:
        bg, fg = theme.warning_colors(self.palette())
        self.banner.setStyleSheet(f"background:{bg.name()}; color:{fg.name()}; "
                                  "font-weight:bold; padding:6px; border-radius:4px;")


__all__ = ["INTRO", "THROTTLE_MS", "DerivationPanel"]
