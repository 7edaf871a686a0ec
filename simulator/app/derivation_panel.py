"""The derivation panel: what the current sub-step computed, written as the lesson does.

It renders the :class:`~simulator.engine.explanation.Explanation` trees that the model's
accessors build (:meth:`LabModel.explanation`, :meth:`LabModel.parameter_explanation`,
:meth:`LabModel.neuron_explanation`) as HTML with :class:`HtmlRenderer`, and never computes
a number itself. When a parameter is selected it shows that parameter's derivation and
update instead, until the selection is cleared ("Follow steps"). A selected hidden or output
neuron shows its weighted sum and activation.

Rendering is coalesced (:class:`~simulator.app.coalesce.Coalescer`): every model signal only
asks for a render, and one render runs from the event loop (at most a few times a second
while the runner is running, and not at all while the panel is hidden). The tree shown is
kept, so a change of digits or theme renders it again without rebuilding it.
:meth:`plain_text` renders pending changes first, so it always returns what the model says
now.

The whole derivation stays in view: the text follows the interface zoom
(:meth:`DerivationPanel.set_zoom`), and when a derivation is taller than the panel the text
is made smaller, down to :data:`FIT_FLOOR` of its size (never below :data:`MIN_FIT_POINTS`),
before a scroll bar appears. Long lines wrap only between the terms of a sum or after an
"=" (:class:`HtmlRenderer`).
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF, QShowEvent
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

from ..engine.explanation import Equation, Explanation, Num, Text
from ..engine.explanation_render import Line, Renderer, count_lines, render_text
from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS
from . import theme
from .coalesce import Coalescer
from .model import LabModel
from .selection import NeuronSel, ParameterSel, Selection
from .visibility import in_view

#: Milliseconds between renders while the runner is running.
THROTTLE_MS = 250
#: Lines rendered while running (the rest follow when the run pauses).
RUNNING_LINES = 30
#: Lines rendered at most (a big network's update has a line per parameter: beyond this
#: the panel would take seconds to lay the text out, and nobody reads that far).
MAX_LINES = 1500
#: Point size of the derivation text at 100% zoom.
TEXT_POINT_SIZE = 12.0
#: A derivation taller than the panel is set smaller, down to this share of its size...
FIT_FLOOR = 0.68
#: ...and never below this many points.
MIN_FIT_POINTS = 8.5
#: Derivations longer than this many lines are not fitted (they scroll).
FIT_MAX_LINES = 80
#: Left margin of an equation line, per level of nesting (pixels); a wrapped line
#: continues one step further in (a hanging indent).
INDENT_PX = 16

INTRO = Explanation("Ready to step", (
    Text("Press Space (Step) to compute the first value of the forward pass."),
    Text("Shift+Space steps back, Return finishes the iteration, R runs."),
    Text("Click any weight or bias on the canvas to see its derivation at any time."),
))

_NBSP = "\u00a0"
_WORD_JOINER = "\u2060"  # no line break here (after the "/" of dE/dw5)
_TAG = re.compile(r"<[^>]*>")


class HtmlRenderer(Renderer):
    """The panel's HTML: one paragraph per line, sub-derivations indented and muted,
    results emphasised. A long line wraps only after the "+" between the terms of a sum or
    after an "=", never inside a product or a symbol (where spaces are non-breaking and a
    word joiner follows each "/")."""

    def __init__(self, digits: int = DEFAULT_DIGITS, *, text: str = "#000000",
                 muted: str = "#808080", result: str = "#0000c0", sans: str = "sans-serif",
                 blanks: bool = False) -> None:
        super().__init__(digits, blanks=blanks)
        self.text_color = text
        self.muted = muted
        self.result_color = result
        self.sans = html.escape(sans)
        self.preface = ""  # a muted paragraph before the title
        # (level, characters) of the longest piece of each equation line that must not be
        # broken: the panel sets the text small enough for each to fit on its line.
        self.unbreakable: list[tuple[int, int]] = []

    def escape(self, text: str) -> str:
        return html.escape(text, quote=False)

    def sym(self, name: str) -> str:
        return html.escape(name, quote=False).replace("/", "/" + _WORD_JOINER)

    def op(self, text: str) -> str:
        # " + " may break after the "+", not before it (the line then ends in "+").
        if text.startswith(" "):
            text = _NBSP + text[1:]
        return self.escape(text)

    def group(self, inner: str, paren: bool) -> str:
        # Numbers and symbols carry no markup, so every space here is between tokens; a
        # line may break after a hyphen, so a word joiner follows each minus sign.
        text = super().group(inner, paren)
        return text.replace(" ", _NBSP).replace("-", "-" + _WORD_JOINER)

    def result(self, num: Num) -> str:
        return (f"<span style='color:{self.result_color}; font-weight:bold;'>"
                f"{super().result(num)}</span>")

    def line(self, level: int, eq: Equation, lhs: str, parts: list[str],
             result: str | None) -> str:
        rhs = [*parts, result] if result is not None else parts
        body = lhs
        if rhs:  # a break may follow "=", never come before it
            body += f"{_NBSP}{self.escape(eq.relation)} " + f"{_NBSP}= ".join(rhs)
        if eq.note:
            body += f" ({self.escape(eq.note)})"
        left = INDENT_PX * (level + 1)
        shown = html.unescape(_TAG.sub("", body)).replace(_WORD_JOINER, "")
        self.unbreakable.append((level, max(len(piece) for piece in shown.split(" "))))
        style = (f"white-space:pre-wrap; margin-top:1px; margin-bottom:1px; "
                 f"margin-left:{left}px; text-indent:-{INDENT_PX}px;")
        if level:
            style += f" color:{self.muted};"
        return f"<p style='{style}'>{body}</p>"

    def paragraph(self, text: str, level: int) -> str:
        return f"<p style='font-family:\"{self.sans}\";'>{self.escape(text)}</p>"

    def document(self, explanation: Explanation, lines: list[Line]) -> str:
        parts = [f"<div style='color:{self.text_color};'>"]
        if self.preface:
            parts.append(f"<p style='font-family:\"{self.sans}\"; color:{self.muted};'>"
                         f"{self.preface}</p>")
        parts.append(f"<p style='font-family:\"{self.sans}\"; font-size:large; "
                     f"font-weight:bold; margin-top:0px; margin-bottom:4px;'>"
                     f"{self.escape(explanation.title)}</p>")
        parts += [line.text for line in lines]
        parts.append("</div>")
        return "".join(parts)


class _DerivationText(QTextBrowser):
    """The panel's text: what is copied from it is what a reader sees (without the word
    joiners that keep symbols and products unbroken, and with ordinary spaces)."""

    def createMimeDataFromSelection(self) -> QMimeData:
        data = QMimeData()
        text = self.textCursor().selection().toPlainText()
        data.setText(text.replace(_WORD_JOINER, "").replace(_NBSP, " "))
        return data


class DerivationPanel(QWidget):
    """Shows the current sub-step's explanation, or the selected parameter's derivation."""

    #: The user asked to follow the steps again (the selection is cleared).
    followRequested = Signal()

    def __init__(self, model: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._showing = ""  # "" (following the steps) or the selected element
        self._html = ""
        self._shown: Explanation = INTRO  # the tree on screen (plain_text renders it)
        self._cache_key: tuple[object, ...] | None = None
        self._cached: tuple[Explanation, str, str] = (INTRO, "", "Current step")
        self._coalescer = Coalescer(self._render, self, interval_ms=THROTTLE_MS,
                                    is_visible=self._can_be_seen)
        self._zoom = 1.0
        self._text_points = TEXT_POINT_SIZE
        self._unbreakable: list[tuple[int, int]] = []
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self.fit_text)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)
        layout.setSpacing(2)

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
        self.digits_spin.setRange(MIN_DIGITS, MAX_DIGITS)
        self.digits_spin.setValue(model.digits)
        self.digits_spin.setToolTip("Significant digits of the numbers")
        self.digits_spin.valueChanged.connect(self._on_digits_edited)
        digits_label.setBuddy(self.digits_spin)
        header.addWidget(self.digits_spin)
        self._header = QWidget()
        header.setContentsMargins(0, 0, 0, 0)
        self._header.setLayout(header)
        layout.addWidget(self._header)

        self.banner = QLabel()
        self.banner.setObjectName("divergenceBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.browser = _DerivationText()
        self.browser.setObjectName("derivationText")
        self.browser.setOpenLinks(False)
        self.browser.setFont(theme.monospace_font(TEXT_POINT_SIZE))
        self.browser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.browser.setMinimumWidth(120)
        self.browser.document().setDocumentMargin(2)
        self.browser.viewport().installEventFilter(self)
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
        self._coalescer.force()
        return render_text(self._shown, self._model.digits)

    def explanation(self) -> Explanation:
        """The explanation shown (pending changes rendered first)."""
        self._coalescer.force()
        return self._shown

    def showing(self) -> str:
        """"" while following the steps, else the selected element shown."""
        self._coalescer.force()
        return self._showing

    def divergence_text(self) -> str:
        """The divergence message shown in the banner ("" when there is none)."""
        return self.banner.text() if not self.banner.isHidden() else ""

    def text_point_size(self) -> float:
        """The derivation text's point size now (after fitting it to the panel)."""
        return self._text_points

    def zoomed_point_size(self) -> float:
        """The text's point size at the zoom, before fitting."""
        return TEXT_POINT_SIZE * self._zoom

    def fits(self) -> bool:
        """Whether the whole derivation is in view (no scroll bar needed) with every line
        broken only where the renderer allows (between terms, after "=")."""
        self._coalescer.force()
        self.fit_text()
        return self._fits_at(self._text_points)

    # --- control -------------------------------------------------------------------------------

    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the header (heading, sample, digits); presenter mode hides it."""
        self._header.setVisible(visible)

    def set_zoom(self, factor: float) -> None:
        """Text at ``factor`` times its size (:class:`~simulator.app.zoom.Zoomable`)."""
        self._zoom = factor
        heading = self._heading.font()
        heading.setPointSizeF(max(5.0, self.font().pointSizeF() * 1.1))
        self._heading.setFont(heading)
        self.fit_text()

    def fit_text(self) -> None:
        """Set the text at the zoom's size, or smaller (to :data:`FIT_FLOOR` of it) when
        that is what it takes for the whole derivation to be in view."""
        self._fit_timer.stop()
        size = self.zoomed_point_size()
        floor = max(MIN_FIT_POINTS, size * FIT_FLOOR)
        if count_lines(self._shown) > FIT_MAX_LINES or not self.isVisible() or floor >= size:
            self._set_points(size)
            return
        if self._fits_at(size):
            return
        if not self._fits_at(floor):
            self._set_points(floor)
            return
        low, high = floor, size  # fits at low, not at high
        for _ in range(5):
            middle = (low + high) / 2
            if self._fits_at(middle):
                low = middle
            else:
                high = middle
        self._set_points(low)

    def _set_points(self, points: float) -> None:
        if abs(points - self._text_points) > 1e-3 or \
                abs(self.browser.font().pointSizeF() - points) > 1e-3:
            self._text_points = points
            self.browser.setFont(theme.monospace_font(points))

    def _fits_at(self, points: float) -> bool:
        """Whether at ``points`` the derivation is no taller than the panel and no piece
        that must stay whole is wider than its line."""
        self._set_points(points)
        # The room without a scroll bar (one shown now goes away once the text fits).
        area = self.browser.contentsRect()
        doc = self.browser.document()
        room = area.width() - 2 * doc.documentMargin() - 2
        advance = QFontMetricsF(self.browser.font()).horizontalAdvance("0")
        for level, chars in self._unbreakable:
            if INDENT_PX * (level + 1) + chars * advance > room:
                return False
        doc.setTextWidth(area.width())
        return doc.size().height() <= area.height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.browser.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_timer.start(0)
        return False

    def is_throttled(self) -> bool:
        """Whether updates are spaced out (the main window says so while running)."""
        return self._coalescer.throttled

    def set_throttled(self, throttled: bool) -> None:
        """Render at most every :data:`THROTTLE_MS` ms (while running), or at once."""
        self._coalescer.set_throttled(throttled)
        if not throttled:
            self._coalescer.request()  # a capped render while running: show everything now

    # --- model signals -------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._coalescer.request()

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
        self.sample_spin.setValue(self._model.shown_sample + 1)
        self.sample_spin.blockSignals(False)
        self._sample_of.setText(f"of {n}")
        for w in (self._sample_label, self.sample_spin, self._sample_of):
            w.setVisible(n > 1)

    def _sync_banner(self) -> None:
        if not self._model.divergence_message:
            self.banner.hide()

    # --- rendering -----------------------------------------------------------------------------

    def _can_be_seen(self) -> bool:
        # In a closed dock or behind another tab: render when shown (showEvent, or the
        # main window when the tab comes to the front, flushes).
        return self.window() is self or (self.isVisibleTo(self.window()) and in_view(self))

    def flush(self) -> None:
        """Render a pending change now, if the panel can be seen (normally the event loop
        does it)."""
        self._coalescer.flush()

    def _render(self) -> None:
        self._sync_sample()
        self._sync_banner()
        explanation, showing, heading = self._content()
        self._shown = explanation
        self._showing = showing
        self._heading.setText(heading)
        self.follow_button.setVisible(bool(showing))
        # While running, keep renders cheap: a big network's update has a line per
        # parameter, and nobody reads them at 60 iterations a second.
        if self._coalescer.throttled:
            limit, rest = RUNNING_LINES, "pause to see them all"
        else:
            limit, rest = MAX_LINES, "click a parameter to see its own derivation and update"
        renderer = self._renderer(showing)
        html_text = renderer.render(explanation, limit, rest)
        self._unbreakable = renderer.unbreakable
        if html_text != self._html:
            self._html = html_text
            bar = self.browser.verticalScrollBar()
            keep = bar.value() if showing else 0
            self.browser.setHtml(html_text)
            self.fit_text()
            bar.setValue(keep)

    def _content(self) -> tuple[Explanation, str, str]:
        """The explanation to show, what is selected ("" for none) and the heading; the
        tree is built again only when what it explains changed (not for digits or theme)."""
        model = self._model
        selection = model.selection
        sub = model.current_substep
        if selection is None and sub is None:
            self._cache_key = None
            return INTRO, "", "Current step"
        iteration = model.iteration
        cached = self._cache_key
        if (cached is not None and cached[0] is iteration
                and cached[1:4] == (selection, model.shown_sample, model.config)
                and (self._cached[1] or cached[4] == sub)):
            return self._cached  # a selection's tree does not depend on the sub-step
        content = self._build(selection, sub is not None)
        self._cache_key = (iteration, selection, model.shown_sample, model.config, sub)
        self._cached = content
        return content

    def _build(self, selection: Selection | None, stepped: bool) -> tuple[Explanation, str, str]:
        model = self._model
        if isinstance(selection, ParameterSel):
            return (model.parameter_explanation(selection.name), selection.name,
                    f"Parameter {selection.name}")
        if isinstance(selection, NeuronSel):
            name = selection.label(model.document.network)
            neuron = model.neuron_explanation(name)
            if neuron is not None:
                return neuron, name, f"Neuron {name}"
        explanation = model.explanation() if stepped else None
        if explanation is None:
            return INTRO, "", "Current step"
        return explanation, "", "Current step"

    def _renderer(self, showing: str) -> HtmlRenderer:
        pal = self.palette()
        result = theme.accent(pal)
        if theme.is_dark(pal):
            result = result.lighter(135)
        renderer = HtmlRenderer(self._model.digits, text=pal.color(pal.ColorRole.Text).name(),
                                muted=theme.muted_text(pal).name(), result=result.name(),
                                sans=self.font().family())
        if showing:
            renderer.preface = (f"Derivation of {html.escape(showing)} in the current "
                                "iteration. Press Esc or <i>Follow steps</i> to go back to "
                                "the steps.")
        return renderer

    # --- events --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._coalescer.pending:
            self._coalescer.request()
        self._fit_timer.start(0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_banner_style()
            self._html = ""
            self._invalidate()
        super().changeEvent(event)

    def _apply_banner_style(self) -> None:
        bg, fg = theme.warning_colors(self.palette())
        self.banner.setStyleSheet(f"background:{bg.name()}; color:{fg.name()}; "
                                  "font-weight:bold; padding:6px; border-radius:4px;")


__all__ = ["INTRO", "THROTTLE_MS", "DerivationPanel", "HtmlRenderer"]
