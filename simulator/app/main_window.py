"""The main window: the canvas in the centre, docks around it, menus, toolbars, status bar.

Views are registered in one place, :mod:`simulator.app.view_registry` (a
:class:`~simulator.app.view_registry.ViewSpec` each: how to make it, its title, its group in
the default layouts, its key); :meth:`MainWindow.add_view` adds one later. The default
arrangement fits a 1024x768 projector and uses a large screen well
(:mod:`simulator.app.window_layout`); presenter mode (F5) is :mod:`simulator.app.presenter`;
one zoom scales every text (:mod:`simulator.app.zoom`, Ctrl+= / Ctrl+- / Ctrl+0).

The window owns no engine state. Stepping and running call the model (or the
:class:`~simulator.app.runner.Runner`); every view applies its edits with ``model.edit``
(the runner pauses when the document changes), and the window's status line is the one
place that shows a refused edit (``LabModel.editRefused``). Views observe the model. Files go
through the engine's loader and atomic save, and every error the user can cause is a
dialog, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QIcon,
    QKeySequence,
    QShowEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..engine import document as doc_io
from ..engine import edits
from ..engine.activations import ACTIVATIONS
from ..engine.document import Document, DocumentError
from ..engine.initializers import INITIALIZER_NAMES
from ..engine.limits import DEFAULT_DIGITS, MAX_DIGITS, MAX_SEED, MIN_DIGITS, MIN_SEED
from ..engine.network import BIAS_MODES
from . import shortcuts, theme, window_layout
from .canvas import NetworkCanvas
from .coalesce import Themeable, Throttleable
from .data_panel import DataPanel
from .derivation_panel import DerivationPanel
from .function import FunctionLab
from .inspector import Inspector
from .learned.views import LearnedViews
from .lessons import LessonPlayer
from .loading import load_document
from .loss_plot import LossPlot
from .model import LabModel
from .presenter import Blackout, PresenterMode
from .runner import Runner
from .settings import MAX_RECENT, MemoryStore, Settings
from .speeds import SPEEDS, speed_from_name, speed_label, speed_name
from .stage_strip import StageStrip
from .toolbar import TrainingSettingsBar, draw_icon, labelled, make_speed_combo
from .view_registry import CANVAS_SHORTCUT, EDIT, PLOTS, ViewSpec, builtin_views
from .widgets import LiveLabel, error_label
from .zoom import DEFAULT_ZOOM, PRESENTER_FACTOR, Zoomable, clamp_zoom, next_zoom, zoom_percent

APP_NAME = "Backprop Lab"
#: Bumped whenever the docks or toolbars change, so an old saved layout is not restored
#: (2: the classroom layout, or the learned views' docks on a development build; 3: both,
#: with the panels registered in view_registry).
STATE_VERSION = 3
#: The window's size when nothing is saved (smaller on a smaller screen).
DEFAULT_SIZE = (1400, 900)
#: Epochs with at most this many batches run at once; longer ones run through the runner.
SYNC_EPOCH_BATCHES = 2000
FILE_FILTER = "Backprop Lab documents (*.json);;All files (*)"


# --- dialogs -------------------------------------------------------------------------------

class NewDocumentDialog(QDialog):
    """Choose the layer sizes, activation and bias of a new network."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New network")
        self.sizes_edit = QLineEdit(", ".join(str(n) for n in edits.DEFAULT_NEW_SIZES))
        self.sizes_edit.setToolTip("Neurons per layer, inputs first, e.g. 2, 3, 1")
        self.activation_combo = QComboBox()
        for name in ACTIVATIONS:
            if name != "softmax":
                self.activation_combo.addItem(name)
        self.activation_combo.setCurrentText(edits.DEFAULT_NEW_ACTIVATION)
        self.bias_combo = QComboBox()
        self.bias_combo.addItems(list(BIAS_MODES))
        self.bias_combo.setCurrentText("neuron")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(MIN_SEED, MAX_SEED)
        self.error_label = error_label()
        form = QFormLayout()
        form.addRow("Layer sizes", self.sizes_edit)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Bias", self.bias_combo)
        form.addRow("Seed", self.seed_spin)
        hint = QLabel("With 2 inputs and 1 output the new network gets the XOR data set.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.document: Document | None = None

    def build(self) -> Document:
        """The document the fields describe (ValueError with a message if they are bad)."""
        parts = [p for p in self.sizes_edit.text().replace(";", ",").replace("-", ",")
                 .replace(" ", ",").split(",") if p]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            raise ValueError("layer sizes must be whole numbers, e.g. 2, 3, 1") from None
        if len(sizes) < 2:
            raise ValueError("give at least two layer sizes: inputs and outputs")
        if len(sizes) > doc_io.MAX_LAYERS:
            raise ValueError(f"at most {doc_io.MAX_LAYERS} layers")
        if any(not 1 <= s <= doc_io.MAX_NEURONS for s in sizes):
            raise ValueError(f"each layer needs 1 to {doc_io.MAX_NEURONS} neurons")
        return edits.new_document(sizes, self.activation_combo.currentText(),
                                  self.bias_combo.currentText(), self.seed_spin.value())

    def accept(self) -> None:
        try:
            self.document = self.build()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        super().accept()


class ReinitializeDialog(QDialog):
    """Choose an initialiser and a seed for new parameter values."""

    def __init__(self, seed: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-initialise parameters")
        self.method_combo = QComboBox()
        self.method_combo.addItems(list(INITIALIZER_NAMES))
        self.method_combo.setCurrentText("xavier")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(MIN_SEED, MAX_SEED)
        self.seed_spin.setValue(min(max(int(seed), MIN_SEED), MAX_SEED))
        self.low_spin = QDoubleSpinBox()
        self.high_spin = QDoubleSpinBox()
        self.value_spin = QDoubleSpinBox()
        for spin, value in ((self.low_spin, -0.5), (self.high_spin, 0.5), (self.value_spin, 0.1)):
            spin.setDecimals(4)
            spin.setRange(-100.0, 100.0)
            spin.setSingleStep(0.05)
            spin.setValue(value)
        form = QFormLayout()
        form.addRow("Initialiser", self.method_combo)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Uniform from", self.low_spin)
        form.addRow("Uniform to", self.high_spin)
        form.addRow("Constant", self.value_spin)
        self._form = form
        self.method_combo.currentTextChanged.connect(self._sync)
        note = QLabel("Frozen parameters keep their values. Undo restores the old ones.")
        note.setWordWrap(True)
        note.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._sync()

    def _sync(self) -> None:
        method = self.method_combo.currentText()
        for spin, show in ((self.low_spin, method == "uniform"),
                           (self.high_spin, method == "uniform"),
                           (self.value_spin, method == "constant")):
            self._form.setRowVisible(spin, show)

    def build_fn(self) -> Callable[[Document], Document]:
        """The edit the dialog describes."""
        method = self.method_combo.currentText()
        seed = self.seed_spin.value()
        kwargs: dict[str, float] = {}
        if method == "uniform":
            kwargs = {"low": self.low_spin.value(), "high": self.high_spin.value()}
        elif method == "constant":
            kwargs = {"value": self.value_spin.value()}
        return lambda d: edits.reinitialize(d, method, seed, **kwargs)


# --- the window ----------------------------------------------------------------------------

class MainWindow(QMainWindow):
    """Backprop Lab's main window.

    ``persist`` (default True) restores and saves the layout, theme, digits, speed and
    recent files through QSettings; with False the window neither reads nor writes the
    user's settings (the screenshot mode and the self-test: a reproducible picture).
    """

    def __init__(self, model: LabModel | None = None, parent: QWidget | None = None, *,
                 persist: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.model = model if model is not None else LabModel()
        self._persist = persist
        self._confirm_on_close = True
        self._layout_applied = False
        self.settings = Settings() if persist else Settings(MemoryStore())
        self.runner = Runner(self.model, self)
        self.state_version = STATE_VERSION
        self.views: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.view_specs: list[ViewSpec] = []
        # The views the window tells about the theme, a run and the zoom (by protocol).
        self._themeable: list[Themeable] = []
        self._throttleable: list[Throttleable] = []
        self._zoomable: list[Zoomable] = []
        self._zoom = DEFAULT_ZOOM
        self._base_font = QFont(self.font())
        self._layout_kind = ""
        self.setDockNestingEnabled(True)
        self.setAcceptDrops(True)
        self.setWindowIcon(QApplication.windowIcon())
        self.presenter: PresenterMode = PresenterMode(self, self)
        #: Asked before Space (True) or Shift+Space (False) steps; returns True when it
        #: took the key instead (the lesson player: a prediction first, a function step).
        self.step_hook: Callable[[bool], bool] | None = None

        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_toolbars()
        self._build_menus()
        self._build_status_bar()
        self._connect()
        self.blackout = Blackout(self)

        self.resize(*self.default_size())
        if persist:
            self._restore_settings()
        else:
            self.model.set_digits(DEFAULT_DIGITS)
            self._set_speed_name(speed_name(self.runner.speed))
        self._on_file_changed()
        self._on_settings_changed()

    # --- construction --------------------------------------------------------------------------

    def _build_central(self) -> None:
        central = QWidget()
        central.setObjectName("centralArea")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.stage_strip = StageStrip(self.model)
        layout.addWidget(self.stage_strip)
        canvas = NetworkCanvas(self.model)
        self.canvas = canvas
        self.views["canvas"] = canvas
        self._themeable.append(canvas)
        self._zoomable += [canvas, self.stage_strip]
        layout.addWidget(canvas, 1)
        self.setCentralWidget(central)

    def _dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        return dock

    def _build_docks(self) -> None:
        # What the network learned (issue 12): its two panels register like the built-in
        # views; its overlays (neuron pictures, health marks) draw on the canvas.
        self.learned = LearnedViews(self.model, self.canvas, self)
        learned = self.learned
        specs = [*builtin_views(),
                 ViewSpec("boundary", "What it learned", lambda _m, _s: learned.boundary,
                          PLOTS, "Ctrl+7", throttle=True),
                 ViewSpec("health", "Training health", lambda _m, _s: learned.health,
                          EDIT, "Ctrl+8", throttle=True)]
        for spec in specs:
            self._register(spec)
        learned.set_docks(self.docks["boundary"], self.docks["health"], self.docks["surface"])
        self._throttleable += [learned.thumbnails, learned.health_marks]
        self._themeable.append(learned.thumbnails)
        derivation, inspector = self.views["derivation"], self.views["inspector"]
        data, loss = self.views["data"], self.views["loss"]
        assert isinstance(derivation, DerivationPanel) and isinstance(inspector, Inspector)
        assert isinstance(data, DataPanel) and isinstance(loss, LossPlot)
        self.derivation_panel = derivation
        self.inspector = inspector
        self.data_panel = data
        self.loss_plot = loss
        self.derivation_dock = self.docks["derivation"]
        self._arrange(window_layout.layout_kind(self.default_size()[0]))

    def _register(self, spec: ViewSpec) -> QDockWidget:
        """Make the dock (and, unless it is lazy, the view) of ``spec``."""
        if spec.key in self.docks:
            raise ValueError(f"there is a view '{spec.key}' already")
        if spec.shortcut:
            self._check_key_free(spec.shortcut)
        self.view_specs.append(spec)
        if spec.lazy:
            holder = QWidget()
            holder.setObjectName(f"{spec.key}Holder")
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            dock = self._dock(spec.key, spec.title, holder)
            dock.visibilityChanged.connect(
                lambda visible, s=spec, lay=holder_layout: self._on_lazy_visibility(
                    s, lay, visible))
        else:
            dock = self._dock(spec.key, spec.title, self._adopt(spec, spec.make(
                self.model, self.settings)))
        self.docks[spec.key] = dock
        dock.visibilityChanged.connect(functools.partial(self._on_dock_shown, spec.key))
        return dock

    def _check_key_free(self, shortcut: str) -> None:
        """Refuse a view's key that another view or action of the window has already (an
        ambiguous shortcut would do nothing at all)."""
        sequence = QKeySequence(shortcut)
        holders = [f"the view '{s.key}'" for s in self.view_specs
                   if s.shortcut and QKeySequence(s.shortcut) == sequence]
        holders += [f"'{a.text().replace('&', '')}'" for a in self.actions()
                    if sequence in a.shortcuts()]
        if sequence == QKeySequence(CANVAS_SHORTCUT):
            holders.append("the canvas")
        if holders:
            raise ValueError(f"the key {shortcut} is taken by {holders[0]}")

    def _on_dock_shown(self, key: str, visible: bool) -> None:
        # A tab brought to the front gets no show event (it was "visible" off screen all
        # along): its view catches up on what it skipped.
        view = self.views.get(key)
        flush = getattr(view, "flush", None)
        if visible and callable(flush):
            QTimer.singleShot(0, flush)

    def _adopt(self, spec: ViewSpec, view: QWidget) -> QWidget:
        """Keep ``view`` and tell it about the theme, runs and the zoom from now on."""
        self.views[spec.key] = view
        if callable(getattr(view, "set_dark", None)):
            self._themeable.append(view)  # type: ignore[arg-type]
            if self.is_dark_now():
                view.set_dark(True)  # type: ignore[attr-defined]
        if spec.throttle and callable(getattr(view, "set_throttled", None)):
            self._throttleable.append(view)  # type: ignore[arg-type]
        if isinstance(view, Zoomable):
            self._zoomable.append(view)
            view.set_zoom(self.effective_zoom())
        controls = getattr(view, "set_controls_visible", None)
        if callable(controls) and self.presenter.active:
            controls(False)
        return view

    def _on_lazy_visibility(self, spec: ViewSpec, layout: QVBoxLayout, visible: bool) -> None:
        if not visible or spec.key in self.views:
            return
        view = self._adopt(spec, spec.make(self.model, self.settings))
        layout.addWidget(view)

    def add_view(self, spec: ViewSpec) -> QDockWidget:
        """Add a view after the window was built (the built-in ones are in
        :func:`~simulator.app.view_registry.builtin_views`): its dock goes with its group,
        the View menu lists it and ``spec.shortcut`` shows it."""
        dock = self._register(spec)
        window_layout.place_new(self, self.view_specs, self.docks, spec)
        self.panels_menu.addAction(dock.toggleViewAction())
        self._add_show_action(spec)
        return dock

    def is_dark_now(self) -> bool:
        """Whether the dark theme is on (before the theme actions exist too)."""
        action = getattr(self, "dark_action", None)
        return bool(action is not None and action.isChecked())

    def _arrange(self, kind: str) -> None:
        self._layout_kind = kind
        window_layout.arrange(self, self.view_specs, self.docks, kind)
        self.learned.show_what_applies()  # the decision boundary in front for a data set

    def layout_kind(self) -> str:
        """"compact" or "wide": the default arrangement last applied."""
        return self._layout_kind

    def default_size(self) -> tuple[int, int]:
        """:data:`DEFAULT_SIZE`, or the screen's available size when that is smaller."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return DEFAULT_SIZE
        available = screen.availableGeometry()
        return (min(DEFAULT_SIZE[0], available.width()),
                min(DEFAULT_SIZE[1], available.height()))

    def toolbars(self) -> list[QToolBar]:
        """The window's toolbars."""
        return [self.steps_toolbar, self.settings_bar]

    def _action(self, text: str, slot: Callable[[], object], key: str | None = None,
                icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if key is not None:
            shortcuts.apply_keys(action, key)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work even when no menu or toolbar shows it
        return action

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        a = self._action
        self.new_action = a("&New...", self.new_document, "new", SP.SP_FileIcon,
                            "Start a new network")
        self.open_action = a("&Open...", self.open_file, "open", SP.SP_DialogOpenButton,
                             "Open a saved network")
        self.save_action = a("&Save", self.save, "save", SP.SP_DialogSaveButton,
                             "Save the network with its current parameters")
        self.save_as_action = a("Save &As...", self.save_as, "save_as", None,
                                "Save the network under a new name")
        self.export_png_action = a("Canvas as &PNG...", lambda: self.export_canvas("png"))
        self.export_svg_action = a("Canvas as &SVG...", lambda: self.export_canvas("svg"))
        self.quit_action = a("&Quit", self.close, "quit")

        # Edit > Undo and its keys act on what is in front: the network's document, or the
        # function lab's own history while the lab is shown (see _on_lab_shown)
        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.model.undo_stack)
        self.undo_group.setActiveStack(self.model.undo_stack)
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        shortcuts.apply_keys(self.undo_action, "undo")
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        shortcuts.apply_keys(self.redo_action, "redo")
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.reinit_action = a("Re-&initialise parameters...", self.reinitialize, None, None,
                               "Give every parameter a new value from an initialiser")

        self.step_action = a("&Step", self.step, "step", None,
                             "Compute the next partial result")
        self.step_back_action = a("Step &back", self.step_back, "step_back", None,
                                  "Undo the last sub-step")
        self.iteration_action = a("Finish &iteration", self.finish_iteration, "iteration",
                                  None,
                                  "Complete this iteration (or take a whole one)")
        self.epoch_action = a("Run &epoch", self.run_epoch, "epoch", None,
                              "Run to the end of the current epoch")
        self.run_action = a("&Run", self.toggle_run, "run", None,
                            "Train continuously (R to pause)")
        self.run_action.setCheckable(True)
        self.stop_action = a("Pause, clear the selection, leave presenter mode", self.escape,
                             "stop", None, "Pause a run, or clear the selection, or leave "
                             "presenter mode")
        self.reset_action = a("Reset &training", self.reset_training, "reset", None,
                              "Back to the parameters before any training")

        self.zoom_fit_action = a("&Fit network", self.zoom_to_fit, "zoom_fit", None,
                                 "Fit the whole network into the canvas")
        self.zoom_in_action = a("Zoom &in", self.zoom_in, "zoom_in", None,
                                "Make every text larger")
        self.zoom_out_action = a("Zoom &out", self.zoom_out, "zoom_out", None,
                                 "Make every text smaller")
        self.zoom_reset_action = a("&Actual size", lambda: self.set_zoom(DEFAULT_ZOOM),
                                   "zoom_reset", None, "Every text at its normal size")
        self.presenter_action = a("&Presenter mode", self.toggle_presenter, "presenter", None,
                                  "Full screen, large type, only the lesson (Esc leaves)")
        self.presenter_action.setCheckable(True)
        self.blackout_action = a("&Black screen", self.toggle_blackout, "black", None,
                                 "Black out the screen (the same key brings it back)")
        self.spotlight_action = a("&Spotlight", lambda: self.canvas.set_spotlight(
            self.spotlight_action.isChecked()), "spotlight", None,
            "Dim everything the current sub-step neither reads nor writes")
        self.spotlight_action.setCheckable(True)
        self.reset_layout_action = a("Reset &layout", self.reset_layout)
        self.dark_action = a("&Dark theme", lambda: self.set_dark(self.dark_action.isChecked()),
                             "dark")
        self.dark_action.setCheckable(True)
        self.more_digits_action = a("More digits", lambda: self.model.set_digits(
            self.model.digits + 1), "more_digits")
        self.fewer_digits_action = a("Fewer digits", lambda: self.model.set_digits(
            self.model.digits - 1), "fewer_digits")

        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts, "shortcuts")
        self.about_action = a("&About Backprop Lab", self.show_about)

        self.show_actions: dict[str, QAction] = {}
        canvas = a("Go to the &canvas", self.focus_canvas, None, None,
                   "Put the keyboard focus on the network")
        canvas.setShortcut(QKeySequence(CANVAS_SHORTCUT))
        self.show_actions["canvas"] = canvas
        for spec in self.view_specs:
            self._add_show_action(spec)

        self._apply_icons()

    def _add_show_action(self, spec: ViewSpec) -> QAction:
        action = self._action(f"Show {spec.title.lower()}",
                              functools.partial(self.show_view, spec.key), None, None,
                              f"Show the {spec.title.lower()} and go to it")
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        self.show_actions[spec.key] = action
        menu = getattr(self, "go_menu", None)
        if menu is not None:
            menu.addAction(action)
        return action

    def _apply_icons(self) -> None:
        """Draw the training icons in the palette's text colour (light and dark themes)."""
        color = self.palette().color(self.palette().ColorRole.ButtonText)
        running = self.runner.running
        for action, kind in ((self.step_action, "step"), (self.step_back_action, "step_back"),
                             (self.iteration_action, "iteration"),
                             (self.epoch_action, "epoch"),
                             (self.run_action, "pause" if running else "run"),
                             (self.reset_action, "reset")):
            action.setIcon(draw_icon(kind, color))

    def _build_toolbars(self) -> None:
        bar = QToolBar("Steps", self)
        bar.setObjectName("stepsToolBar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.step_back_action, self.step_action, self.iteration_action,
                       self.epoch_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.run_action)
        self.speed_combo = make_speed_combo()
        self.speed_combo.activated.connect(self._on_speed_chosen)
        bar.addWidget(self.speed_combo)
        self.run_limit_spin = QSpinBox()
        self.run_limit_spin.setObjectName("runLimitSpin")
        self.run_limit_spin.setRange(0, 100_000_000)
        self.run_limit_spin.setSingleStep(100)
        self.run_limit_spin.setSpecialValueText("no limit")
        self.run_limit_spin.setSuffix(" it")
        self.run_limit_spin.setToolTip("Run stops after this many iterations (0: no limit)")
        bar.addWidget(labelled("Stop after", self.run_limit_spin))
        bar.addSeparator()
        bar.addAction(self.reset_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.steps_toolbar = bar

        self.settings_bar = TrainingSettingsBar(self.model, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.settings_bar)
        self.optimizer_combo = self.settings_bar.optimizer_combo
        self.lr_spin = self.settings_bar.lr_spin
        self.batch_spin = self.settings_bar.batch_spin

    def _build_menus(self) -> None:
        self.function_lab = FunctionLab(self, self.model, self.settings)
        # (F4; a lesson calls .open(...))
        self.undo_group.addStack(self.function_lab.lab_model.undo_stack)
        self.function_lab.shownChanged.connect(self._on_lab_shown)
        self._themeable.append(self.function_lab)
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.examples_menu = file_menu.addMenu("&Examples")
        self.examples_menu.aboutToShow.connect(self._fill_examples_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        export_menu = file_menu.addMenu("E&xport")
        export_menu.addAction(self.export_png_action)
        export_menu.addAction(self.export_svg_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._fill_recent_menu()

        edit_menu = mb.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.reinit_action)

        train_menu = mb.addMenu("&Train")
        for action in (self.step_action, self.step_back_action, self.iteration_action,
                       self.epoch_action):
            train_menu.addAction(action)
        train_menu.addSeparator()
        train_menu.addAction(self.run_action)
        speed_menu = train_menu.addMenu("Run &speed")
        self.speed_group = QActionGroup(self)
        self.speed_actions: dict[str, QAction] = {}
        for speed in SPEEDS:
            name = speed_name(speed)
            act = speed_menu.addAction(speed_label(speed))
            act.setCheckable(True)
            act.triggered.connect(lambda _c=False, n=name: self._set_speed_name(n))
            self.speed_group.addAction(act)
            self.speed_actions[name] = act
        train_menu.addAction(self.stop_action)
        train_menu.addSeparator()
        train_menu.addAction(self.reset_action)
        train_menu.addAction(self.function_lab.nudge_action)

        view_menu = mb.addMenu("&View")
        view_menu.addAction(self.presenter_action)
        view_menu.addAction(self.blackout_action)
        view_menu.addAction(self.spotlight_action)
        view_menu.addSeparator()
        self.panels_menu = view_menu.addMenu("P&anels")
        for spec in self.view_specs:
            self.panels_menu.addAction(self.docks[spec.key].toggleViewAction())
        view_menu.addAction(self.function_lab.action)
        view_menu.addAction(self.learned.thumbnails_action)
        self.go_menu = view_menu.addMenu("&Go to")
        for action in self.show_actions.values():
            self.go_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.zoom_in_action)
        view_menu.addAction(self.zoom_out_action)
        view_menu.addAction(self.zoom_reset_action)
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        self.light_action = theme_menu.addAction("&Light")
        self.light_action.setCheckable(True)
        self.light_action.triggered.connect(lambda: self.set_dark(False))
        theme_menu.addAction(self.dark_action)
        group = QActionGroup(self)
        group.addAction(self.light_action)
        group.addAction(self.dark_action)
        digits_menu = view_menu.addMenu("Significant &digits")
        self.digits_group = QActionGroup(self)
        self.digits_actions: dict[int, QAction] = {}
        for n in range(2, 11):
            act = digits_menu.addAction(str(n))
            act.setCheckable(True)
            act.triggered.connect(lambda _c=False, n=n: self.model.set_digits(n))
            self.digits_group.addAction(act)
            self.digits_actions[n] = act
        digits_menu.addSeparator()
        digits_menu.addAction(self.more_digits_action)
        digits_menu.addAction(self.fewer_digits_action)
        view_menu.addSeparator()
        view_menu.addAction(self.zoom_fit_action)
        view_menu.addAction(self.reset_layout_action)
        toolbars_menu = view_menu.addMenu("Tool&bars")
        toolbars_menu.addAction(self.steps_toolbar.toggleViewAction())
        toolbars_menu.addAction(self.settings_bar.toggleViewAction())

        help_menu = mb.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        # Lessons (issue 10): the lesson pane, the Lessons menu, Open lesson..., Export
        # handout..., Save score..., the start page and the hook before Space steps.
        self.lessons = LessonPlayer(self, file_menu, export_menu, help_menu)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Its text changes on every tick of a run: a LiveLabel repaints without a new
        # layout of the window.
        self.run_status = LiveLabel(minimum_width=120)
        self.run_status.setObjectName("runStatus")
        self.run_progress = QProgressBar()
        self.run_progress.setObjectName("runProgress")
        self.run_progress.setMaximumWidth(180)
        self.run_progress.hide()
        bar.addPermanentWidget(self.run_status)
        bar.addPermanentWidget(self.run_progress)

    def _connect(self) -> None:
        m = self.model
        m.fileChanged.connect(self._on_file_changed)
        m.settingsChanged.connect(self._on_settings_changed)
        m.diverged.connect(self._on_diverged)
        m.stoppedEarly.connect(self.show_message)
        m.editRefused.connect(self._on_edit_refused)
        m.stepChanged.connect(self._update_step_actions)
        self.runner.runningChanged.connect(self._on_running_changed)
        self.runner.progress.connect(self._on_progress)
        self.runner.stopped.connect(self._on_run_stopped)
        self.canvas.messageRequested.connect(self.show_message)
        # Enter or Esc in a field gives the focus back to the canvas; Space, Page Down and
        # Page Up step wherever the focus is, except while typing (shortcuts.KeyboardFlow).
        self._keyboard = shortcuts.KeyboardFlow(self, self.focus_canvas)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keyboard.on_focus_changed)
        self.presenter.changed.connect(self._on_presenter_changed)
        self._update_step_actions()

    # --- settings and layout -------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self.settings
        self.model.set_digits(s.digits)
        self._set_speed_name(s.speed)
        self.set_zoom(s.zoom)
        geometry = s.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = s.window_state
        if state is not None and self.restoreState(state, STATE_VERSION):
            self._layout_applied = True
        if s.theme == "dark":
            self.set_dark(True)
        else:
            self._sync_theme_actions(False)

    def _save_settings(self) -> None:
        if not self._persist:
            return
        s = self.settings
        state = self.presenter.saved_state()  # presenter mode is never saved
        if state is None:
            s.geometry = self.saveGeometry()
            s.window_state = self.saveState(STATE_VERSION)
        else:
            s.window_state = state
        s.digits = self.model.digits
        s.speed = speed_name(self.runner.speed)
        self.function_lab.save_state()
        s.zoom = self._zoom
        s.sync()

    def _apply_default_sizes(self) -> None:
        window_layout.apply_sizes(self, self.view_specs, self.docks, self._layout_kind,
                                  presenter=self.presenter.active)

    def reset_layout(self) -> None:
        """Put the docks and toolbars back where they start, arranged for the window's
        size (compact, or wide on a large screen)."""
        if self.presenter.active:
            self.presenter.leave()
        for bar in self.toolbars():
            bar.show()
        self._arrange(window_layout.layout_kind(self.width()))
        self._apply_default_sizes()
        QTimer.singleShot(0, self._apply_default_sizes)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._layout_applied:
            self._layout_applied = True
            kind = window_layout.layout_kind(self.width())
            if kind != self._layout_kind:
                self._arrange(kind)
            # (a tab raised before the window is shown does not stay in front; nor does one
            # raised before the new arrangement's tab bars are laid out: again once they are)
            self.learned.show_what_applies()
            QTimer.singleShot(0, self.learned.show_what_applies)
            # Dock sizes need the window's real size: apply them once it is laid out.
            QTimer.singleShot(0, self._apply_default_sizes)
            self._apply_default_sizes()
            # Space steps at once: the keyboard starts on the network, not on whichever
            # panel's field comes first in the focus chain.
            self.focus_canvas()

    # --- zoom, presenter mode, going to a view -------------------------------------------------

    def _on_presenter_changed(self, active: bool) -> None:
        self.presenter_action.setChecked(active)
        self.spotlight_action.setChecked(self.canvas.spotlight())

    def zoom(self) -> float:
        """The interface zoom (1.0 is 100%), as saved (presenter mode enlarges it)."""
        return self._zoom

    def effective_zoom(self) -> float:
        """The zoom every text is drawn at: :meth:`zoom`, larger in presenter mode."""
        return self._zoom * (PRESENTER_FACTOR if self.presenter.active else 1.0)

    def set_zoom(self, factor: float) -> None:
        """Scale every text of the window (Ctrl+= / Ctrl+- / Ctrl+0); remembered."""
        self._zoom = clamp_zoom(factor)
        self.apply_zoom()
        if self._persist:
            self.settings.zoom = self._zoom

    def apply_zoom(self) -> None:
        """Tell the window's font and every Zoomable view the effective zoom."""
        factor = self.effective_zoom()
        font = QFont(self._base_font)
        if self._base_font.pointSizeF() > 0:
            font.setPointSizeF(self._base_font.pointSizeF() * factor)
        elif self._base_font.pixelSize() > 0:
            font.setPixelSize(max(6, round(self._base_font.pixelSize() * factor)))
        self.setFont(font)
        for view in self._zoomable:
            # The canvas keeps the user's zoom in presenter mode: it is fitted to its room
            # as large as its labels allow (presenter's large type would only cost labels).
            view.set_zoom(self._zoom if view is self.canvas else factor)
        self.zoom_reset_action.setText(f"&Actual size (now {zoom_percent(factor)})")

    def zoom_in(self) -> None:
        """One zoom level up."""
        self.set_zoom(next_zoom(self._zoom, up=True))
        self.show_message(f"Zoom {zoom_percent(self._zoom)}", 2000)

    def zoom_out(self) -> None:
        """One zoom level down."""
        self.set_zoom(next_zoom(self._zoom, up=False))
        self.show_message(f"Zoom {zoom_percent(self._zoom)}", 2000)

    def toggle_presenter(self) -> None:
        """View > Presenter mode (F5): enter or leave."""
        self.presenter.toggle()
        self.presenter_action.setChecked(self.presenter.active)
        self.spotlight_action.setChecked(self.canvas.spotlight())

    def toggle_blackout(self) -> None:
        """B or ".": black the screen out, or bring it back."""
        if self.blackout.isVisible():
            self.blackout.hide()
        else:
            self.blackout.cover()

    def _on_lab_shown(self, shown: bool) -> None:
        lab_stack = self.function_lab.lab_model.undo_stack
        self.undo_group.setActiveStack(lab_stack if shown else self.model.undo_stack)

    def focus_canvas(self) -> None:
        """Ctrl+1: the keyboard focus on the network (where Space steps)."""
        self.canvas.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_view(self, key: str) -> None:
        """Show the view ``key`` (its dock opened and in front) and give it the focus."""
        if key == "canvas":
            self.focus_canvas()
            return
        dock = self.docks[key]
        window_layout.bring_to_front(dock)
        view = self.views.get(key)
        if view is not None:
            view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- theme and digits ----------------------------------------------------------------------

    def set_dark(self, dark: bool) -> None:
        """Switch the whole app between the light and the dark theme."""
        theme.apply_theme(dark)
        for view in self._themeable:
            view.set_dark(dark)
        self._sync_theme_actions(dark)
        if self._persist:
            self.settings.theme = "dark" if dark else "light"

    def _sync_theme_actions(self, dark: bool) -> None:
        self.dark_action.setChecked(dark)
        self.light_action.setChecked(not dark)

    def is_dark(self) -> bool:
        """Whether the dark theme is on."""
        return self.dark_action.isChecked()

    def _on_settings_changed(self) -> None:
        digits = self.model.digits
        for n, act in self.digits_actions.items():
            act.setChecked(n == digits)
        if digits not in self.digits_actions:
            checked = self.digits_group.checkedAction()
            if checked is not None:
                checked.setChecked(False)
        self.more_digits_action.setEnabled(digits < MAX_DIGITS)
        self.fewer_digits_action.setEnabled(digits > MIN_DIGITS)
        if self._persist:
            self.settings.digits = digits

    # --- messages ------------------------------------------------------------------------------

    def show_message(self, text: str, timeout_ms: int = 6000) -> None:
        """A message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def _on_diverged(self, message: str) -> None:
        self.show_message(message, 15000)

    def _on_edit_refused(self, message: str) -> None:
        """The one place a refused edit is shown, whichever view asked for it."""
        self.show_message(message, 10000)

    # --- editing -------------------------------------------------------------------------------

    def reinitialize(self) -> None:
        """Edit > Re-initialise parameters."""
        dialog = ReinitializeDialog(self.model.config.seed, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.model.edit("Re-initialise parameters", dialog.build_fn())

    # --- stepping and running ------------------------------------------------------------------

    def step(self) -> None:
        """Take one sub-step."""
        self.runner.pause()
        if self.step_hook is not None and self.step_hook(True):
            return
        self.model.step()

    def step_back(self) -> None:
        """Undo one sub-step."""
        self.runner.pause()
        if self.step_hook is not None and self.step_hook(False):
            return
        if not self.model.step_back():
            self.show_message("Already at the start of training.", 3000)

    def finish_iteration(self) -> None:
        """Complete the current iteration (or take a whole new one)."""
        self.runner.pause()
        self.model.finish_iteration()

    def run_epoch(self) -> None:
        """Run to the end of the current epoch (long epochs run through the runner)."""
        self.runner.pause()
        if self.model.trainer.batches_per_epoch <= SYNC_EPOCH_BATCHES:
            self.model.run_epoch()
        else:
            self.runner.start(until_epoch_end=True, fast=True)

    def toggle_run(self) -> None:
        """Run / Pause."""
        if self.runner.running:
            self.runner.pause()
        else:
            self.runner.start(target=self.run_limit_spin.value())
        self.run_action.setChecked(self.runner.running)

    def escape(self) -> None:
        """Esc: bring back a blacked-out screen, else pause a run, else clear the
        selection, else leave presenter mode."""
        if self.blackout.isVisible():
            self.blackout.hide()
        elif self.runner.running:
            self.runner.pause()
        elif self.model.selection is not None:
            self.model.select(None)
        elif self.presenter.active:
            self.toggle_presenter()

    def reset_training(self) -> None:
        """Back to the document's parameters with no step taken."""
        self.runner.pause()
        self.model.reset_training()
        self.show_message("Training reset to the starting parameters.", 3000)

    def _set_speed_name(self, name: str) -> None:
        try:
            speed = speed_from_name(name)
        except ValueError:
            return
        self.runner.set_speed(speed)
        index = self.speed_combo.findData(name)
        if index >= 0:
            self.speed_combo.setCurrentIndex(index)
        act = self.speed_actions.get(name)
        if act is not None:
            act.setChecked(True)
        if self._persist:
            self.settings.speed = name

    def _on_speed_chosen(self, index: int) -> None:
        self._set_speed_name(str(self.speed_combo.itemData(index)))

    def _on_running_changed(self, running: bool) -> None:
        self._apply_icons()
        self.run_action.setText("&Pause" if running else "&Run")
        self.run_action.setChecked(running)
        for view in self._throttleable:
            view.set_throttled(running)
        if running:
            self.run_status.setText("Running...")
        target = self.runner.target
        self.run_progress.setVisible(running and target > 0)
        if target:
            self.run_progress.setRange(0, target)
            self.run_progress.setValue(0)

    def _on_progress(self, done: int, target: int) -> None:
        rate = self.runner.rate()
        rate_text = f" ({rate:,.0f} it/s)" if rate else ""
        of = f" of {target:,}" if target else ""
        self.run_status.setText(f"Running: {done:,}{of} iterations{rate_text}")
        if target:
            self.run_progress.setValue(min(done, target))

    def _on_run_stopped(self, reason: str) -> None:
        done = self.runner.done
        self.run_progress.hide()
        self.run_status.setText(f"Last run: {done:,} iteration{'s' if done != 1 else ''}")
        if reason:
            self.show_message(reason, 15000 if "diverged" in reason else 6000)
        else:
            self.show_message(f"Paused after {done:,} iteration{'s' if done != 1 else ''}.",
                              4000)

    def _update_step_actions(self) -> None:
        self.step_back_action.setEnabled(self.model.stepper.can_step_back)

    # --- files ---------------------------------------------------------------------------------

    def _on_file_changed(self) -> None:
        # Every iteration of a run says the file changed: tell the window system only
        # when the title really does (a title change costs a round trip to it).
        title = f"{self.model.title} \u2014 {APP_NAME}"
        if title != self.windowTitle():
            self.setWindowTitle(title)
        modified = self.model.modified
        if modified != self.isWindowModified():
            self.setWindowModified(modified)

    def _display_name(self) -> str:
        return self.model.title.replace("[*]", "")

    def maybe_save(self) -> bool:
        """Ask Save/Discard/Cancel when there are unsaved changes. True: go on."""
        if not self.model.modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"\u201c{self._display_name()}\u201d has unsaved changes (edits or training).\n"
            "Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _set_document(self, doc: Document, path: Path | None) -> None:
        self.runner.pause()
        self.model.set_document(doc, path)
        if path is not None:
            self._add_recent(path)
        QTimer.singleShot(0, self.zoom_to_fit)

    def new_document(self) -> bool:
        """File > New: choose the sizes of a new network."""
        self.runner.pause()
        dialog = NewDocumentDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.document is None:
            return False
        if not self.maybe_save():
            return False
        self._set_document(dialog.document, None)
        self.show_message("New network. Press Space to step through its first iteration.")
        return True

    def open_file(self) -> bool:
        """File > Open: choose a file and open it."""
        self.runner.pause()
        start = str(self.model.path.parent) if self.model.path else ""
        path, _filter = QFileDialog.getOpenFileName(self, "Open network", start, FILE_FILTER)
        if not path:
            return False
        return self.open_path(path)

    def open_path(self, path: str | Path, example: bool = False) -> bool:
        """Open ``path`` (asking about unsaved changes first). A file that cannot be read
        is reported in a dialog and the open document stays. An example opens untitled,
        so Save never overwrites the bundled file."""
        self.runner.pause()
        p = Path(path)
        try:
            loaded = load_document(p, self)
        except DocumentError as exc:
            QMessageBox.critical(self, "Cannot open the file",
                                 f"Backprop Lab cannot open this file:\n\n{exc}")
            if not example and str(p) in self.settings.recent_files and not p.exists():
                self.settings.remove_recent(str(p))
            return False
        if loaded is None:
            self.show_message(f"Opening {p.name} was cancelled.", 4000)
            return False
        if not self.maybe_save():
            return False
        self._set_document(loaded, None if example else p.resolve())
        self.show_message(f"Opened {p.name}.", 4000)
        return True

    def save(self) -> bool:
        """File > Save (Save As when the document has no file yet)."""
        if self.model.path is None:
            return self.save_as()
        return self._save_to(self.model.path)

    def save_as(self) -> bool:
        """File > Save As."""
        self.runner.pause()
        if self.model.path is not None:
            start = str(self.model.path)
        else:
            name = (self.model.document.name or "Untitled").strip() or "Untitled"
            safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name)
            start = safe.replace(" ", "-").lower() + ".json"
        path, _filter = QFileDialog.getSaveFileName(self, "Save network as", start, FILE_FILTER)
        if not path:
            return False
        p = Path(path)
        if not p.suffix:
            p = p.with_suffix(".json")
        return self._save_to(p)

    def _save_to(self, path: Path) -> bool:
        self.runner.pause()
        try:
            self.model.save(path)
        except DocumentError as exc:
            QMessageBox.critical(self, "Cannot save", f"The network was not saved:\n\n{exc}")
            return False
        self._add_recent(path)
        self.show_message(f"Saved {path.name}.", 4000)
        return True

    def _add_recent(self, path: Path) -> None:
        if self._persist:
            self.settings.add_recent(str(path))

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.settings.recent_files[:MAX_RECENT]
        for i, path in enumerate(paths):
            label = f"&{i + 1} {Path(path).name}" if i < 9 else Path(path).name
            act = menu.addAction(label)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        if not paths:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.recent_files = []

    def example_files(self) -> list[tuple[str, Path]]:
        """(name, path) of the bundled examples."""
        try:
            from ..resources import example_path

            folder = example_path("reference").parent
            files = sorted(p for p in folder.glob("*.json") if p.name != "index.json")
        except (ImportError, OSError):
            return []
        result = []
        for path in files:
            name = path.stem.replace("_", " ").replace("-", " ").capitalize()
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"]:
                    name = raw["name"]
            except (OSError, ValueError):
                pass
            result.append((name, path))
        return result

    def _fill_examples_menu(self) -> None:
        # Names and one-line descriptions from resources/examples/index.json.
        self.lessons.fill_examples_menu(self.examples_menu)

    def export_canvas(self, kind: str) -> bool:
        """File > Export > Canvas as PNG or SVG."""
        method = self.canvas.export_png if kind == "png" else self.canvas.export_svg
        stem = self._display_name().removesuffix(".json") or "network"
        filt = "PNG image (*.png)" if kind == "png" else "SVG image (*.svg)"
        path, _filter = QFileDialog.getSaveFileName(self, f"Export canvas as {kind.upper()}",
                                                    f"{stem}.{kind}", filt)
        if not path:
            return False
        p = Path(path)
        if p.suffix.lower() != f".{kind}":
            p = p.with_name(p.name + f".{kind}")
        try:
            result = method(str(p))
        except (OSError, ValueError, RuntimeError) as exc:
            QMessageBox.critical(self, "Cannot export", f"The canvas was not exported:\n\n{exc}")
            return False
        if result is False:
            QMessageBox.critical(self, "Cannot export", f"Could not write {p.name}.")
            return False
        self.show_message(f"Exported {p.name}.", 4000)
        return True

    # --- view ----------------------------------------------------------------------------------

    def zoom_to_fit(self) -> None:
        """Fit the whole network into the canvas."""
        self.canvas.zoom_to_fit()

    def shortcut_groups(self) -> list[tuple[str, list[QAction]]]:
        """Actions with shortcuts, grouped as in the menus (for the shortcuts dialog)."""
        return [
            ("Training", [self.step_action, self.step_back_action, self.iteration_action,
                          self.epoch_action, self.run_action, self.stop_action,
                          self.reset_action]),
            ("File", [self.new_action, self.open_action, self.save_action,
                      self.save_as_action, self.quit_action]),
            ("Edit", [self.undo_action, self.redo_action]),
            ("Presenting", [self.presenter_action, self.blackout_action,
                            self.spotlight_action]),
            ("Views", [*self.show_actions.values(), self.function_lab.action]),
            ("View", [self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action,
                      self.zoom_fit_action, self.dark_action, self.more_digits_action,
                      self.fewer_digits_action, self.shortcuts_action]),
        ]

    def show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts."""
        dialog = shortcuts.ShortcutsDialog(self.shortcut_groups(), self)
        dialog.exec()

    def show_about(self) -> None:
        """Help > About."""
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Build a small neural network and step through one training iteration one "
            "partial derivative at a time: the forward pass neuron by neuron, the error, "
            "the chain-rule backward pass and the gradient-descent update.</p>"
            "<p>Every number is computed in float64 by the same engine the command line "
            "uses.</p>")

    # --- window events -------------------------------------------------------------------------

    def set_confirm_on_close(self, confirm: bool) -> None:
        """Whether closing asks about unsaved changes (off in the screenshot mode)."""
        self._confirm_on_close = confirm

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.pause()
        if self._confirm_on_close and not self.maybe_save():
            event.ignore()
            return
        self._save_settings()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            with contextlib.suppress(RuntimeError, TypeError):
                app.focusChanged.disconnect(self._keyboard.on_focus_changed)
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.isLocalFile() and u.toLocalFile().lower().endswith(".json") for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(".json"):
                event.acceptProposedAction()
                QTimer.singleShot(0, functools.partial(self.open_path, url.toLocalFile()))
                return
        event.ignore()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._sync_theme_actions(theme.is_dark(self.palette()))
            self._apply_icons()
        super().changeEvent(event)


def window_icon() -> QIcon:
    """The app icon from resources (an empty icon when the files are missing)."""
    icon = QIcon()
    try:
        from ..resources import ICON_SIZES, icon_path

        svg = icon_path()
        if svg.exists():
            icon.addFile(str(svg))
        for size in ICON_SIZES:
            png = icon_path(size)
            if png.exists():
                icon.addFile(str(png))
    except (ImportError, ValueError, OSError):
        pass
    return icon


__all__ = [
    "APP_NAME",
    "STATE_VERSION",
    "MainWindow",
    "NewDocumentDialog",
    "ReinitializeDialog",
    "window_icon",
]
