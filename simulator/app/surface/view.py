"""SurfaceView: the cost surface over two parameters, in 3D or as contours.

A toolbar above a stack holding the 3D view (when OpenGL works) and the contour view: one
row with the axes, 3D/contour and the optimizer comparison, and a "More" button that opens a
second row (random directions and seed, range, resolution, steps, reset view), so the
surface keeps its room beside the canvas on a small screen. Presenter mode hides both rows
(:meth:`SurfaceView.set_controls_visible`). Its text follows the interface zoom
(:meth:`SurfaceView.set_zoom`). Where OpenGL is not available (the offscreen platform, a
remote desktop without GL) the contour view is used, with a short notice saying why.

The toolbar shows and edits the controller's :class:`~.state.SurfaceState`; given the
window's :class:`~simulator.app.settings.Settings`, the view starts from the saved state and
saves every change. The view only observes the model (through :class:`SurfaceController`);
it never changes engine state. Redraws go through a
:class:`~simulator.app.coalesce.Coalescer`: one per burst of changes, and while training
runs (:meth:`SurfaceView.set_throttled`, or iterations completing) about a dozen a second,
the current point with the rest; otherwise the point moves at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine import surface as engine_surface
from ..coalesce import Coalescer
from ..model import LabModel
from ..settings import Settings
from ..visibility import in_view
from .contour import ContourView
from .controller import SurfaceController
from .display import DIRECTIONS_NOTE, PATH_NOTE, SliceDisplay
from .gl import gl_available
from .state import (
    COMPARE_STEP_LIMITS,
    RESOLUTION_LIMITS,
    SEED_MAX,
    SPAN_LIMITS,
    VIEW_3D,
    VIEW_CONTOUR,
    SurfaceState,
)

if TYPE_CHECKING:
    from .view3d import Surface3DView

REDRAW_INTERVAL_MS = 60  # while training: about a dozen redraws a second (frames take turns)
REDRAW_PARTS = frozenset({"grid", "point", "paths"})


class SurfaceView(QWidget):
    """The cost-surface panel. Build it with the app's LabModel; it observes the model."""

    axisPicked = Signal(str, str)  # ("x" or "y", parameter name) after pick_axis

    def __init__(self, model: LabModel, parent: QWidget | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        state = SurfaceState.from_dict(settings.surface_state) if settings is not None \
            else SurfaceState()
        self.controller = SurfaceController(model, self, state=state)
        self.state = state
        self._next_pick = 0
        self._parts: set[str] = set()  # what the next redraw redraws
        self._run_throttled = False  # set_throttled: the runner is running
        self._stale: set[QWidget] = set()  # views that missed updates while hidden
        # Not while behind another tab (a tab's dock stays "visible" to Qt, off screen):
        # the window calls flush() when the tab comes to the front.
        self._redraws = Coalescer(self._flush, self, interval_ms=REDRAW_INTERVAL_MS,
                                  is_visible=lambda: in_view(self))

        # --- the views ------------------------------------------------------------------
        ok, reason = gl_available()
        self.view3d: Surface3DView | None = None
        if ok:
            try:
                from .view3d import Surface3DView

                self.view3d = Surface3DView()
            except Exception as exc:  # a broken GL stack: fall back, never a blank view
                ok, reason = False, f"the 3D view could not be created ({exc})"
        self.gl_ok = ok
        self.gl_reason = reason
        self.contour = ContourView()
        self.stack = QStackedWidget()
        if self.view3d is not None:
            self.stack.addWidget(self.view3d)
        self.stack.addWidget(self.contour)
        self.stack.setToolTip(PATH_NOTE)

        # --- the toolbar ----------------------------------------------------------------
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        for combo, which in ((self.x_combo, "x"), (self.y_combo, "y")):
            combo.setToolTip(f"The parameter on the {which} axis (or pick one on the canvas)")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.random_check = QCheckBox("Random directions")
        self.random_check.setToolTip(DIRECTIONS_NOTE)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setPrefix("seed ")
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The seed the two random directions are drawn from")
        self.range_combo = QComboBox()
        self.range_combo.addItems(["Auto range", "Manual span"])
        self.range_combo.setToolTip("Auto: around what moves: the point, where 100 more "
                                    "steps at the learning rate would take it, the training "
                                    "path and the compared paths (+-1 for random "
                                    "directions). Manual: +- the span. The range follows the "
                                    "point when it leaves.")
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setDecimals(4)
        self.span_spin.setRange(*SPAN_LIMITS)
        self.span_spin.setValue(1.0)
        self.span_spin.setPrefix("\u00b1 ")
        self.span_spin.setKeyboardTracking(False)
        self.span_spin.setToolTip("Half-width of the range around the current values")
        self.res_spin = QSpinBox()
        self.res_spin.setRange(*RESOLUTION_LIMITS)
        self.res_spin.setValue(state.resolution)
        self.res_spin.setSuffix(" pts")
        self.res_spin.setKeyboardTracking(False)
        self.res_spin.setToolTip("Grid points along each axis (resolution x resolution)")
        self.button_3d = QToolButton()
        self.button_3d.setText("3D")
        self.button_contour = QToolButton()
        self.button_contour.setText("Contour")
        self.view_group = QButtonGroup(self)
        for k, button in enumerate((self.button_3d, self.button_contour)):
            button.setCheckable(True)
            self.view_group.addButton(button, k)
        self.button_3d.setEnabled(self.view3d is not None)
        self.button_3d.setToolTip("The 3D surface" if self.view3d is not None else
                                  f"3D view unavailable: {self.gl_reason}")
        self.button_contour.setToolTip("The same slice as a contour map")
        self.reset_button = QPushButton("Reset view")
        self.reset_button.setToolTip("Bring the camera (or the zoom) back to the start")
        self.compare_button = QPushButton("Compare optimizers")
        self.compare_button.setToolTip("From the current parameters, run GD, SGD, momentum "
                                       "and Adam (with the current learning rate and batch "
                                       "size) and draw their paths")
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(*COMPARE_STEP_LIMITS)
        self.steps_spin.setValue(state.compare_steps)
        self.steps_spin.setSuffix(" steps")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove the comparison's paths")
        self.clear_button.setEnabled(False)

        self.more_button = QToolButton()
        self.more_button.setText("More \u25be")
        self.more_button.setCheckable(True)
        self.more_button.setToolTip("Random directions, range, resolution, the comparison's "
                                    "steps, the camera")
        bar = QGridLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.setHorizontalSpacing(6)
        bar.setVerticalSpacing(2)
        row1 = QHBoxLayout()
        row1.setSpacing(4)
        row1_widgets: tuple[QWidget, ...] = (QLabel("x"), self.x_combo, QLabel("y"),
                                             self.y_combo)
        for w in row1_widgets:
            row1.addWidget(w)
        row1.addStretch(1)
        for w in (self.button_3d, self.button_contour, self.compare_button, self.more_button):
            row1.addWidget(w)
        self.more_row = QWidget()
        row2 = QHBoxLayout(self.more_row)
        row2.setContentsMargins(0, 0, 0, 0)
        row2.setSpacing(4)
        for w in (self.random_check, self.seed_spin, self.range_combo, self.span_spin,
                  self.res_spin):
            row2.addWidget(w)
        row2.addStretch(1)
        for b in (self.steps_spin, self.clear_button, self.reset_button):
            row2.addWidget(b)
        self.more_row.hide()
        self.more_button.toggled.connect(self.more_row.setVisible)
        self.controls = QWidget()
        self.controls.setLayout(bar)
        bar.addLayout(row1, 0, 0)
        bar.addWidget(self.more_row, 1, 0)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.controls)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)

        # --- wiring ---------------------------------------------------------------------
        c = self.controller
        c.surfaceChanged.connect(self._on_surface_changed)
        c.pointChanged.connect(self._on_point_changed)
        c.pathChanged.connect(self._on_paths_changed)
        c.compareChanged.connect(self._on_compare_changed)
        c.frameChanged.connect(self._sync_toolbar)
        state.connect(self._on_state_changed)
        c.statusChanged.connect(self._show_status)
        c.compareBusyChanged.connect(self._on_compare_busy)
        self.x_combo.activated.connect(self._on_axis_combo)
        self.y_combo.activated.connect(self._on_axis_combo)
        self.random_check.toggled.connect(self._on_random_toggled)
        self.seed_spin.valueChanged.connect(self.controller.set_seed)
        self.steps_spin.valueChanged.connect(self._on_steps_changed)
        self.range_combo.currentIndexChanged.connect(self._on_range_changed)
        self.span_spin.valueChanged.connect(self._on_range_changed)
        self.res_spin.valueChanged.connect(self._on_resolution_changed)
        self.view_group.idClicked.connect(self._on_view_clicked)
        self.reset_button.clicked.connect(self.reset_view)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.clear_button.clicked.connect(self.controller.clear_compare)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.controller.shutdown)

        self._show_mode(state.view_mode)
        if self.view3d is None:
            self.notice.setText("3D view unavailable here: showing the contour view.")
            self.notice.setToolTip(f"3D view unavailable: {self.gl_reason}")
        self.notice.setVisible(not self.gl_ok)
        self._sync_toolbar()
        self._show_status(c.status)
        self.redraw_now()

    # --- public ---------------------------------------------------------------------------

    @property
    def current_view(self) -> QWidget:
        """The view shown (the 3D one or the contour one)."""
        return self.current_display

    @property
    def current_display(self) -> Surface3DView | ContourView:
        """The view shown, as what it draws with."""
        return self.view3d if self.view3d is not None and \
            self.stack.currentWidget() is self.view3d else self.contour

    @property
    def view_mode(self) -> str:
        """VIEW_3D or VIEW_CONTOUR: the view shown."""
        return VIEW_3D if self.current_display is self.view3d else VIEW_CONTOUR

    @property
    def redraw_pending(self) -> bool:
        """Whether a coalesced or throttled redraw is still to come."""
        return bool(self._parts) or self._redraws.pending

    def set_view_mode(self, mode: str) -> None:
        """Show the 3D view (if OpenGL works) or the contour view; the choice is kept in
        the state (and so saved)."""
        self.state.view_mode = mode
        self._show_mode(mode)

    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the toolbar (presenter mode hides it: only the surface is shown)."""
        self.controls.setVisible(visible)
        self.notice.setVisible(visible and not self.gl_ok)

    def set_zoom(self, factor: float) -> None:
        """Scale the axes' and labels' text (:class:`~simulator.app.zoom.Zoomable`)."""
        if self.view3d is not None:
            self.view3d.set_zoom(factor)
        self.contour.set_zoom(factor)

    def set_throttled(self, throttled: bool) -> None:
        """While the runner runs, redraw at most every REDRAW_INTERVAL_MS ms, the point
        with the rest (:class:`~simulator.app.coalesce.Throttleable`)."""
        self._run_throttled = throttled
        self._redraws.set_throttled(self._throttled)
        self.controller.jobs.set_running(throttled)

    def redraw_now(self) -> None:
        """Redraw everything at once (for the first picture, or a screenshot)."""
        self._parts |= REDRAW_PARTS
        self._redraws.cancel()
        self._flush()

    def pick_axis(self, name: str) -> str | None:
        """Use parameter ``name`` as the next axis, alternating x, y, x, ... (a parameter
        picked on the canvas). Leaves random-directions mode. Returns "x" or "y", or None for
        an unknown name."""
        c = self.controller
        if name not in c.names:
            return None
        x, y = self.state.axes if self.state.axes is not None else (name, name)
        which = "x" if self._next_pick == 0 else "y"
        if which == "x":
            new = (name, y if y != name else x)
        else:
            new = (x if x != name else y, name)
        if new[0] == new[1]:
            return None
        c.set_axes(*new)
        self._next_pick = 1 - self._next_pick
        self.axisPicked.emit(which, name)
        return which

    def reset_view(self) -> None:
        """Bring the camera (3D) or the zoom (contour) back to the start."""
        self.current_display.reset_view()

    def shutdown(self) -> None:
        """Stop the background work and disconnect from the model (also done on close)."""
        self._redraws.cancel()
        self.state.disconnect(self._on_state_changed)
        self.controller.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._redraws.flush()

    def flush(self) -> None:
        """Draw what is pending now, if the view can be seen (its tab came to the front)."""
        self._redraws.flush()

    # --- redraws ----------------------------------------------------------------------------

    @property
    def _throttled(self) -> bool:
        """Whether redraws are spaced out: the runner runs, or iterations keep completing."""
        return self._run_throttled or self.controller.training_active

    def _on_surface_changed(self) -> None:
        self._schedule("grid")

    def _on_point_changed(self) -> None:
        if self._throttled:
            self._schedule("point")
        else:  # an edit or a drag: at once
            self.current_display.set_point(self.controller.point_view())
            self._mark_other_stale()

    def _on_paths_changed(self) -> None:
        self._schedule("paths")

    def _on_compare_changed(self) -> None:
        self.clear_button.setEnabled(bool(self.controller.compare_paths))
        self._schedule("paths")

    def _schedule(self, part: str) -> None:
        self._parts.add(part)
        self._redraws.set_throttled(self._throttled)
        self._redraws.request()

    def _flush(self) -> None:
        if self.controller.closed:
            self._parts.clear()
            return
        parts, self._parts = self._parts, set()
        view: SliceDisplay = self.current_display
        c = self.controller
        if "grid" in parts:
            view.set_grid(c.grid_view())
        if "paths" in parts:
            view.set_paths(c.path_views())
        if "point" in parts:
            view.set_point(c.point_view())
        if parts:
            self._mark_other_stale()

    def _mark_other_stale(self) -> None:
        for view in (self.view3d, self.contour):
            if view is not None and view is not self.current_view:
                self._stale.add(view)

    def _show_mode(self, mode: str) -> None:
        """Show the 3D view for VIEW_3D when there is one, else the contour view."""
        target: Surface3DView | ContourView = \
            self.view3d if mode == VIEW_3D and self.view3d is not None else self.contour
        button = self.button_3d if target is self.view3d else self.button_contour
        button.setChecked(True)
        if self.stack.currentWidget() is not target:
            self.stack.setCurrentWidget(target)
        if target in self._stale:
            self._stale.discard(target)
            self.redraw_now()

    # --- toolbar ----------------------------------------------------------------------------

    def _on_state_changed(self, changed: frozenset[str]) -> None:
        self._sync_toolbar()
        if "view_mode" in changed:
            self._show_mode(self.state.view_mode)
        if self.settings is not None:
            self.settings.surface_state = self.state.to_dict()

    def _sync_toolbar(self) -> None:
        c = self.controller
        state = self.state
        names = c.names
        for combo, k in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            if [combo.itemText(i) for i in range(combo.count())] != names:
                combo.clear()
                combo.addItems(names)
            if state.axes is not None:
                combo.setCurrentText(state.axes[k])
            combo.setEnabled(not state.random and len(names) >= 2)
            combo.blockSignals(False)
        self.random_check.blockSignals(True)
        self.random_check.setChecked(state.random)
        self.random_check.blockSignals(False)
        self.seed_spin.blockSignals(True)
        self.seed_spin.setValue(state.seed)
        self.seed_spin.setEnabled(state.random)
        self.seed_spin.blockSignals(False)
        self.range_combo.blockSignals(True)
        self.range_combo.setCurrentIndex(0 if state.span is None else 1)
        self.range_combo.blockSignals(False)
        self.span_spin.blockSignals(True)
        if state.span is not None:
            self.span_spin.setValue(state.span)
        self.span_spin.setEnabled(state.span is not None)
        self.span_spin.blockSignals(False)
        self.res_spin.blockSignals(True)
        self.res_spin.setValue(state.resolution)
        self.res_spin.blockSignals(False)
        self.steps_spin.blockSignals(True)
        self.steps_spin.setValue(state.compare_steps)
        self.steps_spin.blockSignals(False)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _on_axis_combo(self, _index: int = 0) -> None:
        c = self.controller
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y:
            return
        if x == y and self.state.axes is not None:  # picked the other axis' parameter: swap
            old_x, old_y = self.state.axes
            x, y = (x, old_x) if self.sender() is self.x_combo else (old_y, y)
        try:
            c.set_axes(x, y)
        except engine_surface.SurfaceError as exc:
            self._show_status(str(exc))
        self._sync_toolbar()

    def _on_random_toggled(self, on: bool) -> None:
        self.controller.set_random(on, self.seed_spin.value())
        self._sync_toolbar()

    def _on_range_changed(self, *_args: object) -> None:
        manual = self.range_combo.currentIndex() == 1
        self.span_spin.setEnabled(manual)
        self.controller.set_span(self.span_spin.value() if manual else None)

    def _on_resolution_changed(self, value: int) -> None:
        self.controller.set_resolution(value)

    def _on_view_clicked(self, button_id: int) -> None:
        self.set_view_mode(VIEW_3D if button_id == 0 else VIEW_CONTOUR)

    def _on_steps_changed(self, steps: int) -> None:
        self.state.compare_steps = steps

    def _on_compare_clicked(self) -> None:
        self.controller.start_compare(self.steps_spin.value())

    def _on_compare_busy(self, busy: bool) -> None:
        self.compare_button.setEnabled(not busy)
        self.compare_button.setText("Comparing\u2026" if busy else "Compare optimizers")
