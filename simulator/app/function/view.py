"""The Function view: gradient descent on a function the student types.

One widget, observing one :class:`~.model.FunctionLabModel`:

- at the top, the built-in examples and the expression field (a parse error is underlined
  and pointed at; every view keeps showing the last expression that parsed), with undo and
  redo of the lab's edits;
- on the left, the plot: the curve with its tangent (one variable), the 3D surface or the
  contour map with the gradient arrow (two or more: the cost-surface views, fed with the
  function's grid), or the chain rule as a graph; a click on the curve or the contours
  starts the descent there;
- on the right, the numbers (the expression, its partial derivatives as the engine writes
  them, value and gradient at the point, the last step's arithmetic, the pirate and the
  race, the lesson's slips where they appear), every step's arithmetic, and the nudge
  probe;
- at the bottom, the descent: start point, learning rate, optimizer, the pirate's rule and
  seed; Step back, Step, Run (timer-driven, never blocking; Stop ends it) and Reset.

Keys while the view has the focus (and no text field does): Space or Page Down steps (the
graph's passes in the graph view), Shift+Space or Page Up steps back, R runs or stops, Esc
stops, Ctrl+Z and Ctrl+Shift+Z (Ctrl+Y) undo and redo the lab's edits. They take
precedence over the main window's keys of the same name while the view has the focus.

Redraws go through a :class:`~simulator.app.coalesce.Coalescer`: one per burst of model
signals (a typed character re-renders in the next pass of the event loop), at most
twenty a second while a run goes on, and only what is shown (a hidden plot is redrawn
when it is shown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ...engine.function import DESCENT_OPTIMIZERS, ExpressionError
from ...engine.limits import MAX_ABS_VALUE
from ...engine.numbers import format_number
from ...engine.optimizers import OPTIMIZER_DESCRIPTIONS, OPTIMIZER_LABELS
from .. import theme as app_theme
from ..coalesce import Coalescer
from ..surface.style import path_colour
from ..toolbar import LearningRateSpinBox
from ..widgets import SETTING_DIGITS, LiveLabel, NumberField, error_label, show_message
from .expression_field import ExpressionField
from .graph_view import GraphPanel
from .info import InfoColours, info_html, steps_text
from .model import MAX_RUN_STEPS, FunctionLabModel
from .nudge import FunctionNudgePanel
from .plots import CurvePlot, FunctionSurface
from .state import SEED_MAX, VIEW_CONTOUR, VIEW_CURVE, VIEW_GRAPH, VIEW_MODES, VIEW_SURFACE

#: Redraws while a run goes on: at most one per this many milliseconds.
RUN_REDRAW_MS = 50
#: Start-point fields shown (an expression with more variables keeps the others' values).
MAX_START_FIELDS = 6
MODE_TITLES = {VIEW_CURVE: "Curve", VIEW_SURFACE: "3D surface", VIEW_CONTOUR: "Contours",
               VIEW_GRAPH: "Graph"}
PLOT_PARTS = frozenset({"grid", "point", "paths"})


def _plot_key(mode: str) -> str:
    """Which widget draws ``mode``: the curve, the surface (3D and contours) or the graph."""
    return {VIEW_CURVE: "curve", VIEW_SURFACE: "surface", VIEW_CONTOUR: "surface"}.get(
        mode, "graph")


def _is_text_editor(widget: QObject | None) -> bool:
    if isinstance(widget, QLineEdit):
        return not widget.isReadOnly()
    if isinstance(widget, QAbstractSpinBox):
        return True
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, QComboBox) and widget.isEditable()


class FunctionView(QWidget):
    """The function lab (see the module docstring). Give it a model to share one (a lesson
    and the window), or let it make its own."""

    def __init__(self, model: FunctionLabModel | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("functionView")
        self.model = model if model is not None else FunctionLabModel(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._parts: set[str] = set()
        self._deferred: set[str] = set()  # parts of pages not shown, drawn when shown
        self._stale_plots: set[str] = set()  # plots with a change not drawn yet
        self._missed: set[str] = set()  # plots that need a whole redraw when shown
        self._redraws = Coalescer(self._redraw, self, interval_ms=RUN_REDRAW_MS,
                                  is_visible=self.isVisible)
        self._build()
        self._connect()
        self._request(*self._all_parts())
        self._redraws.force()

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        m = self.model
        # top: examples, expression, undo/redo
        self.examples_combo = QComboBox()
        self.examples_combo.setObjectName("functionExamples")
        self.examples_combo.addItem("Examples...")
        for ex in m.examples:
            self.examples_combo.addItem(ex.title, ex.id)
            self.examples_combo.setItemData(self.examples_combo.count() - 1, ex.description,
                                            Qt.ItemDataRole.ToolTipRole)
        self.examples_combo.setToolTip("Open a built-in example (the lesson's two functions "
                                       "and a few classic surfaces)")
        self.examples_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.examples_combo.setMinimumContentsLength(12)
        self.signature = QLabel("f(x, y) =")
        self.field = ExpressionField()
        self.undo_button = QToolButton()
        self.undo_button.setText("Undo")
        self.redo_button = QToolButton()
        self.redo_button.setText("Redo")
        for button in (self.undo_button, self.redo_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        top = QGridLayout()
        top.setContentsMargins(4, 4, 4, 0)
        top.addWidget(self.examples_combo, 0, 0)
        top.addWidget(self.signature, 0, 1)
        top.addWidget(self.field, 0, 2, 2, 1)
        top.addWidget(self.undo_button, 0, 3)
        top.addWidget(self.redo_button, 0, 4)
        top.setColumnStretch(2, 1)
        self.examples_problem = error_label()
        show_message(self.examples_problem, m.examples_problem)

        # the plots
        self.mode_buttons: dict[str, QToolButton] = {}
        self.mode_group = QButtonGroup(self)
        modes = QHBoxLayout()
        modes.setContentsMargins(4, 2, 4, 2)
        for k, mode in enumerate(VIEW_MODES):
            button = QToolButton()
            button.setText(MODE_TITLES[mode])
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.mode_group.addButton(button, k)
            self.mode_buttons[mode] = button
            modes.addWidget(button)
        self.mode_buttons[VIEW_CURVE].setToolTip("f of one variable, with the tangent")
        self.mode_buttons[VIEW_SURFACE].setToolTip("f of two variables as a surface in 3D")
        self.mode_buttons[VIEW_CONTOUR].setToolTip("f of two variables as a contour map")
        self.mode_buttons[VIEW_GRAPH].setToolTip("The chain rule as a computational graph")
        self.reset_view_button = QToolButton()
        self.reset_view_button.setText("Reset view")
        self.reset_view_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        modes.addStretch(1)
        modes.addWidget(self.reset_view_button)
        self.curve = CurvePlot()
        self.surface = FunctionSurface()
        self.graph = GraphPanel(self.model)
        self.plots = QStackedWidget()
        for w in (self.curve, self.surface, self.graph):
            self.plots.addWidget(w)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addLayout(modes)
        left_layout.addWidget(self.plots, 1)

        # the numbers
        self.info = QTextBrowser()
        self.info.setObjectName("functionNumbers")
        self.info.setOpenLinks(False)
        self.steps_text = QPlainTextEdit()
        self.steps_text.setReadOnly(True)
        self.steps_text.setFont(app_theme.monospace_font(10.5))
        self.steps_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.nudge = FunctionNudgePanel(self.model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.info, "Numbers")
        self.tabs.addTab(self.steps_text, "Steps")
        self.tabs.addTab(self.nudge, "Nudge")
        self.tabs.setTabToolTip(2, "The nudge probe: a visible gradient check")
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(left)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([660, 340])
        self.split.setChildrenCollapsible(False)

        # the descent
        self.start_row = QHBoxLayout()
        self.start_row.setSpacing(4)
        self.start_fields: dict[str, NumberField] = {}
        self.start_note = QLabel()
        self.lr_spin = LearningRateSpinBox()
        self.lr_spin.setObjectName("functionLearningRate")
        self.lr_spin.setToolTip("The learning rate: the step is lr times the gradient")
        self.optimizer_combo = QComboBox()
        for name in DESCENT_OPTIMIZERS:
            self.optimizer_combo.addItem(OPTIMIZER_LABELS.get(name, name), name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1,
                                             OPTIMIZER_DESCRIPTIONS.get(name, name),
                                             Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.setToolTip("The update rule (the network optimizers' rules)")
        self.pirate_check = QCheckBox("Pirate")
        self.pirate_check.setToolTip("A random walker from the same start, beside the descent")
        self.downhill_check = QCheckBox("only downhill steps")
        self.downhill_check.setToolTip("Checked: the pirate keeps a random step only if it "
                                       "goes down. Unchecked: he takes every step.")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setPrefix("seed ")
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The seed of the pirate's random directions")
        settings_row = QHBoxLayout()
        settings_row.setSpacing(6)
        settings_row.addWidget(QLabel("Start"))
        settings_row.addLayout(self.start_row)
        settings_row.addWidget(self.start_note)
        settings_row.addSpacing(8)
        settings_row.addWidget(QLabel("lr"))
        settings_row.addWidget(self.lr_spin)
        settings_row.addWidget(self.optimizer_combo)
        settings_row.addSpacing(8)
        settings_row.addWidget(self.pirate_check)
        settings_row.addWidget(self.downhill_check)
        settings_row.addWidget(self.seed_spin)
        settings_row.addStretch(1)

        self.back_button = QPushButton("\u25c2 Step back")
        self.back_button.setToolTip("Undo the last step (Shift+Space)")
        self.step_button = QPushButton("Step \u25b8")
        self.step_button.setToolTip("One step of the descent (Space)")
        self.run_button = QPushButton("Run \u25b6")
        self.run_button.setToolTip("Take the number of steps beside (R); Esc stops")
        self.run_spin = QSpinBox()
        self.run_spin.setRange(1, MAX_RUN_STEPS)
        self.run_spin.setSuffix(" steps")
        self.run_spin.setKeyboardTracking(False)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the start, no step taken")
        for b in (self.back_button, self.step_button, self.run_button, self.reset_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click keeps the keys on the view
        self.status = LiveLabel(minimum_width=120)  # changes every step: never a relayout
        self.status.setObjectName("functionStatus")
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        steps_row = QHBoxLayout()
        for control in (self.back_button, self.step_button, self.run_button, self.run_spin,
                        self.reset_button):
            steps_row.addWidget(control)
        steps_row.addSpacing(8)
        steps_row.addWidget(self.status, 1)
        self.refusal = error_label()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.examples_problem)
        layout.addWidget(self.split, 1)
        layout.addLayout(settings_row)
        layout.addLayout(steps_row)
        layout.addWidget(self.refusal)

    def _connect(self) -> None:
        m = self.model
        self.field.attach_balloon(self)
        m.functionChanged.connect(lambda: self._request(*self._all_parts()))
        m.textChanged.connect(self.field.show_text)
        m.errorChanged.connect(self._on_error)
        m.derivativesChanged.connect(lambda: self._request("numbers", "graph"))
        m.descentChanged.connect(lambda: self._request("point", "paths", "numbers", "steps",
                                                       "graph", "nudge", "controls",
                                                       "grid" if len(m.variables) > 2
                                                       else "range"))
        m.pirateChanged.connect(lambda: self._request("paths", "numbers", "range"))
        m.settingsChanged.connect(lambda: self._request("controls", "numbers", "paths",
                                                        "steps", "graph", "nudge"))
        m.viewModeChanged.connect(lambda _mode: self._request("mode"))
        m.graphStepChanged.connect(lambda: self._request("graph"))
        m.runningChanged.connect(self._on_running)
        m.stopped.connect(self._on_stopped)
        m.editRefused.connect(lambda text: show_message(self.refusal, text))
        stack = m.undo_stack
        self.undo_button.clicked.connect(stack.undo)
        self.redo_button.clicked.connect(stack.redo)
        stack.indexChanged.connect(self._sync_undo)  # bound: dropped when the view goes
        self._sync_undo()
        self.field.show_text(m.text)
        self.field.typed.connect(self._on_typed)
        self.field.reverted.connect(self._on_revert)
        self.examples_combo.activated.connect(self._on_example)
        self.mode_group.idClicked.connect(lambda k: m.set_view_mode(VIEW_MODES[k]))
        self.reset_view_button.clicked.connect(self._reset_view)
        self.curve.clicked.connect(lambda x: self._set_start({m.variables[0]: x}))
        self.surface.clicked.connect(
            lambda x, y: self._set_start({m.variables[0]: x, m.variables[1]: y}))
        self.lr_spin.valueChanged.connect(self._on_lr)
        self.optimizer_combo.activated.connect(
            lambda i: m.set_optimizer(self.optimizer_combo.itemData(i)))
        self.pirate_check.toggled.connect(lambda on: m.set_pirate(bool(on)))
        self.downhill_check.toggled.connect(lambda on: m.set_downhill_only(bool(on)))
        self.seed_spin.valueChanged.connect(lambda v: m.set_seed(int(v)))
        self.run_spin.valueChanged.connect(lambda v: m.set_run_steps(int(v)))
        self.back_button.clicked.connect(self.step_back)
        self.step_button.clicked.connect(self.step)
        self.run_button.clicked.connect(m.toggle_run)
        self.reset_button.clicked.connect(m.reset_descent)
        self.tabs.currentChanged.connect(self._on_page)

    # --- the API (lessons, the window, tests) ---------------------------------------------------

    def open(self, expression: str | None = None, *, example: str | None = None,
             at: Mapping[str, Any] | Sequence[Any] | None = None, view: str | None = None,
             learning_rate: float | None = None, optimizer: str | None = None,
             steps: int | None = None, pirate: bool | None = None,
             downhill_only: bool | None = None, seed: int | None = None,
             graph_step: int | None = None, run_steps: int | None = None) -> None:
        """Open an expression or example at a point, in a view mode, with a learning rate,
        an optimizer, a number of steps taken and the pirate on or off: see
        :meth:`FunctionLabModel.open <simulator.app.function.model.FunctionLabModel.open>`
        (a bad request raises :class:`~simulator.app.function.state.LabRequestError` and
        changes nothing)."""
        self.model.open(expression, example=example, at=at, view=view,
                        learning_rate=learning_rate, optimizer=optimizer, steps=steps,
                        pirate=pirate, downhill_only=downhill_only, seed=seed,
                        graph_step=graph_step, run_steps=run_steps)

    def step(self) -> None:
        """Space: a step of the descent, or of the graph's passes in the graph view."""
        if self.model.shown_mode == VIEW_GRAPH:
            self.model.graph_forward()
        else:
            self.model.step()

    def step_back(self) -> None:
        """Shift+Space: a step back (of the graph's passes in the graph view)."""
        if self.model.shown_mode == VIEW_GRAPH:
            self.model.graph_back()
        else:
            self.model.step_back()

    def type_text(self, text: str) -> None:
        """Put ``text`` in the expression field as if typed, and hand it on at once (for
        lessons and tests; a student's typing is debounced)."""
        self.field.edit.setText(text)
        self.field.flush()

    def flush(self) -> None:
        """Hand pending typing on and redraw everything pending now, shown or not (tests,
        screenshots)."""
        if self.field.pending:
            self.field.flush()
        self._redraws.force()

    def set_dark(self, dark: bool) -> None:
        """Follow the light or dark theme (:class:`~simulator.app.coalesce.Themeable`)."""
        self.graph.set_dark(dark)
        self._request("numbers", "graph")

    def shutdown(self) -> None:
        """Stop the run and the background work."""
        self._redraws.cancel()
        self.model.shutdown()

    # --- keys --------------------------------------------------------------------------------

    def _key_action(self, event: QKeyEvent) -> str | None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        shift = mods == Qt.KeyboardModifier.ShiftModifier
        none = mods == Qt.KeyboardModifier.NoModifier
        if event.matches(QKeySequence.StandardKey.Undo):
            return "undo"
        if event.matches(QKeySequence.StandardKey.Redo):
            return "redo"
        if (key == Qt.Key.Key_Space and shift) or (key == Qt.Key.Key_PageUp and none):
            return "back"
        if key in (Qt.Key.Key_Space, Qt.Key.Key_PageDown) and none:
            return "step"
        if key == Qt.Key.Key_R and none:
            return "run"
        if key == Qt.Key.Key_Escape and none and self.model.running:
            return "stop"
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and self._key_action(event) is not None:
            focus = self.focusWidget()
            if not _is_text_editor(focus):
                event.accept()  # the lab's key, not the window's shortcut
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None or _is_text_editor(self.focusWidget()):
            super().keyPressEvent(event)
            return
        m = self.model
        if action == "step":
            self.step()
        elif action == "back":
            self.step_back()
        elif action == "run":
            m.toggle_run()
        elif action == "stop":
            m.stop()
        elif action == "undo":
            m.undo_stack.undo()
        elif action == "redo":
            m.undo_stack.redo()
        event.accept()

    # --- model signals -------------------------------------------------------------------------

    def _all_parts(self) -> tuple[str, ...]:
        return ("mode", "grid", "point", "paths", "numbers", "steps", "graph", "nudge",
                "controls", "signature")

    def _request(self, *parts: str) -> None:
        self._parts.update(parts)
        self._redraws.request()

    def _on_typed(self, text: str, merge_key: object) -> None:
        show_message(self.refusal, "")
        self.model.set_text(text, merge_key=merge_key if isinstance(merge_key, tuple) else None)

    def _on_revert(self) -> None:
        """Esc in the field: the last expression that parsed, back in the field."""
        m = self.model
        self.field.show_text(m.function.text)
        m.set_text(m.function.text)

    def _on_error(self, error: ExpressionError | None) -> None:
        last = " ".join(self.model.function.text.split())
        self.field.show_error(error, f"The view still shows the last expression that worked, "
                                     f"{last} (Esc puts it back).")

    def _on_example(self, index: int) -> None:
        ident = self.examples_combo.itemData(index)
        self.examples_combo.setCurrentIndex(0)
        if isinstance(ident, str):
            show_message(self.refusal, "")
            self.model.load_example(ident)

    def _on_lr(self, value: float) -> None:
        if value != self.model.settings.learning_rate:
            self.model.set_learning_rate(float(value))

    def _start_commit(self, name: str) -> Callable[[Any], bool]:
        return lambda value: self.model.set_start({name: value})

    def _set_start(self, values: dict[str, float]) -> None:
        show_message(self.refusal, "")
        self.model.set_start(values)

    def _reset_view(self) -> None:
        self.curve.reset_view()
        self.surface.reset_view()
        self.graph.canvas.fit()
        self._request("grid", "graph")

    def _sync_undo(self, _index: int = 0) -> None:
        stack = self.model.undo_stack
        if not isValid(stack):  # the stack clears itself while it is destroyed
            return
        for button, can, text, what in ((self.undo_button, stack.canUndo(), stack.undoText(),
                                         "Undo"),
                                        (self.redo_button, stack.canRedo(), stack.redoText(),
                                         "Redo")):
            button.setEnabled(can)
            button.setToolTip(f"{what}: {text} (Ctrl+{'Z' if what == 'Undo' else 'Shift+Z'})"
                              if can else f"Nothing to {what.lower()}")

    def _on_page(self, _index: int) -> None:
        parts, self._deferred = self._deferred, set()
        self._request(*parts)

    def _on_running(self, running: bool) -> None:
        self._redraws.set_throttled(running)
        self.run_button.setText("Stop \u25a0" if running else "Run \u25b6")
        self._request("controls")

    def _on_stopped(self, message: str) -> None:
        self._request("controls", "numbers")

    # --- redraw --------------------------------------------------------------------------------

    def _redraw(self) -> None:
        parts, self._parts = self._parts, set()
        m = self.model
        if "signature" in parts or "mode" in parts:
            self.signature.setText(f"f({', '.join(m.variables[:4])}"
                                   f"{', ...' if len(m.variables) > 4 else ''}) =")
        if "controls" in parts or "mode" in parts:
            self._sync_controls()
        shown = m.shown_mode
        plot_parts = parts & PLOT_PARTS
        if "range" in parts:  # the paths may have grown the plot range
            plot_parts.add("grid")
        if plot_parts:
            self._stale_plots.update(_plot_key(mode) for mode in VIEW_MODES)
        if "graph" in parts:
            self._stale_plots.add(_plot_key(VIEW_GRAPH))
        if "mode" in parts:
            self._show_mode(shown)
        elif plot_parts or "graph" in parts:
            self._draw_plot(shown, plot_parts)
        if "numbers" in parts:
            self._render_numbers()
        page = self.tabs.currentWidget()
        deferred = parts & {"steps", "nudge"}
        if "steps" in deferred and page is self.steps_text:
            self.steps_text.setPlainText(steps_text(m))
            bar = self.steps_text.verticalScrollBar()
            bar.setValue(bar.maximum())
            deferred.discard("steps")
        if "nudge" in deferred and page is self.nudge:
            self.nudge.refresh()
            deferred.discard("nudge")
        self._deferred |= deferred  # drawn when their page is shown

    def _draw_plot(self, shown: str, parts: set[str]) -> None:
        """Redraw ``parts`` of the plot shown (all of it if it missed updates)."""
        m = self.model
        key = _plot_key(shown)
        if key not in self._stale_plots:
            return
        self._stale_plots.discard(key)
        if shown == VIEW_CURVE:
            self.curve.show_model(m, set(PLOT_PARTS) if key in self._missed else parts)
        elif shown in (VIEW_SURFACE, VIEW_CONTOUR):
            self.surface.show_model(m, set(PLOT_PARTS) if key in self._missed else parts)
        else:
            self.graph.refresh()
        self._missed.discard(key)
        self._missed.update(k for k in ("curve", "surface", "graph") if k != key
                            and k in self._stale_plots)

    def _show_mode(self, shown: str) -> None:
        m = self.model
        n = len(m.variables)
        self.mode_buttons[VIEW_CURVE].setEnabled(n == 1)
        self.mode_buttons[VIEW_SURFACE].setEnabled(n >= 2)
        self.mode_buttons[VIEW_CONTOUR].setEnabled(n >= 2)
        self.mode_buttons[shown].setChecked(True)
        if shown == VIEW_CURVE:
            self.plots.setCurrentWidget(self.curve)
        elif shown in (VIEW_SURFACE, VIEW_CONTOUR):
            self.plots.setCurrentWidget(self.surface)
            if self.surface.set_mode(shown):
                self._missed.add("surface")
            if self.surface.mode != shown:  # no OpenGL: the contours stand in
                self.mode_buttons[self.surface.mode].setChecked(True)
        else:
            self.plots.setCurrentWidget(self.graph)
        key = _plot_key(shown)
        self._stale_plots.add(key)
        self._missed.add(key)
        self._draw_plot(shown, set(PLOT_PARTS))

    def _render_numbers(self) -> None:
        pal = self.palette()
        bg, fg = app_theme.warning_colors(pal)
        result = app_theme.accent(pal)
        if app_theme.is_dark(pal):
            result = result.lighter(135)
        colours = InfoColours(text=pal.color(pal.ColorRole.Text).name(),
                              muted=app_theme.muted_text(pal).name(), result=result.name(),
                              warning_bg=bg.name(), warning_text=fg.name(),
                              pirate=path_colour("pirate").darker(
                                  100 if app_theme.is_dark(pal) else 160).name(),
                              mono=app_theme.monospace_font().family())
        bar = self.info.verticalScrollBar()
        keep = bar.value()
        self.info.setHtml(info_html(self.model, colours))
        bar.setValue(keep)

    def _sync_controls(self) -> None:
        m = self.model
        s = m.settings
        names = m.variables[:MAX_START_FIELDS]
        if tuple(self.start_fields) != names:
            for field in self.start_fields.values():
                self.start_row.removeWidget(field)
                field.hide()
                field.setParent(None)
                field.deleteLater()
            self.start_fields = {}
            for v in names:
                field = NumberField(self._start_commit(v), self, what=v,
                                    minimum=-MAX_ABS_VALUE, maximum=MAX_ABS_VALUE)
                field.edit.setPlaceholderText(v)
                field.edit.setToolTip(f"Where the descent starts: {v}")
                field.setMinimumWidth(70)
                self.start_row.addWidget(field)
                self.start_fields[v] = field
        for v, field in self.start_fields.items():
            k = m.variables.index(v)
            field.show_text(format_number(s.start[k], SETTING_DIGITS))
        extra = len(m.variables) - len(names)
        self.start_note.setText(f"(+{extra} more)" if extra > 0 else "")
        self.start_note.setVisible(extra > 0)
        self.lr_spin.blockSignals(True)
        self.lr_spin.setValue(s.learning_rate)
        self.lr_spin.blockSignals(False)
        for spin, count in ((self.seed_spin, s.seed), (self.run_spin, m.run_steps)):
            spin.blockSignals(True)
            spin.setValue(count)
            spin.blockSignals(False)
        self.optimizer_combo.setCurrentIndex(max(0, self.optimizer_combo.findData(s.optimizer)))
        for box, on in ((self.pirate_check, s.pirate), (self.downhill_check, s.downhill_only)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self.downhill_check.setEnabled(s.pirate)
        self.seed_spin.setEnabled(s.pirate)
        running = m.running
        graph = m.shown_mode == VIEW_GRAPH
        self.back_button.setEnabled(m.steps_taken > 0 and not running)
        self.step_button.setEnabled(m.descent.stop is None and not running)
        self.run_button.setEnabled(m.descent.stop is None or running)
        self.reset_button.setEnabled(m.steps_taken > 0 and not running)
        n = m.steps_taken
        text = f"Step {n}: f = {format_number(m.current.value, m.digits)}"
        if m.message:
            text += f". {m.message}"
        if graph:
            text += "  (Space steps the graph's passes here)"
        self.status.setText(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._redraws.flush()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the theme: text colours in the HTML
            self._request("numbers", "graph")
        super().changeEvent(event)

    @property
    def redraw_pending(self) -> bool:
        """Whether a redraw is still to come."""
        return self._redraws.pending


__all__ = ["MAX_START_FIELDS", "MODE_TITLES", "FunctionView"]
